# Deskmate browser app: helper console (index.html) and sharer page (share.html).
# Variables are placed with Unicode isolation, so names in any script read right.

## Everywhere

loading = Loading…
skip-to-main = Skip to main content
yes = Yes
no = No
error-network = Deskmate cannot be reached. Check your network connection and try again.
error-http = The server answered with an error ({ $status }). Try again.
error-generic = Something went wrong. Try again.
error-wasm = This browser could not load part of Deskmate (WebAssembly). Use an up-to-date Chrome, Edge, Firefox or Safari.
brand-remote-help = Remote help
brand-get-help = Get help

## Sign-in

page-title-sign-in = Sign in – Deskmate
sign-in-title = Sign in to give remote help
sign-in-lead = Use your work account.
sign-in-email = E-mail address
sign-in-password = Password
sign-in-totp = Authentication code
sign-in-totp-help = The 6-digit code from your authenticator app.
sign-in-submit = Sign in
sign-in-busy = Signing in…
sign-in-missing = Enter your e-mail address and password.
sign-in-totp-missing = Enter the code from your authenticator app.
sign-in-totp-needed = Your account has a second factor. Enter the 6-digit code from your authenticator app.
sign-in-expired = Your sign-in has ended. Sign in again.
signed-out = You have signed out.

## Console

page-title-console = Remote help – Deskmate
account-nav =
    .aria-label = Account
sign-out = Sign out
give-help-title = Give help
give-help-lead = Get a security code and give it to the person who needs help. They enter it in Deskmate on their computer.
get-code = Get a security code
sessions-label =
    .aria-label = Sessions
no-sessions-title = No sessions yet
no-sessions-text = Each code you get opens a session here, in its own tab. You can help several people at once.

## A session in the console

tab-code = Code { $code }
tab-refused = Code refused
tab-expired = Code expired
tab-security-failed = Security check failed
session-title-new = New session
session-title-with = Session with { $name }
session-sharer-unknown = the person you are helping
session-side-label = Session details
session-leave = Leave
session-close = Close
session-new-code = Get a new code
session-not-connected = Not connected to the session right now. Wait a moment and try again.
session-expired-title = The code expired
session-expired-text = Nobody entered this code in time. Get a new code and give it to the person you are helping.
session-refused-title = The code was refused
session-refused-text = The code could not be used.
session-ended-title = The session has ended

code-title = Security code
code-copy = Copy
code-copied = Copied
code-copy-manually = Selected: press Ctrl+C to copy
code-expires-in = Expires in { $time }
code-expired = Expired
code-step-give = Read the code out or send it to the person you are helping.
code-step-enter = They enter it in Deskmate on their computer.
code-step-see = You both see who the other is before anything is shared.
code-whole-note = They need all 12 letters and digits: the last 4 come from your browser and never reach the Deskmate server, so only the two of you can read the session.

profile-caption-sharer = You are helping
profile-caption-helper = Helping you
profile-verified = Verified domain: { $domain }
profile-unverified = Domain not verified

device-title = Device
device-name = Name
device-os = Operating system
device-enrolled = Enrolled
device-compliant = Compliant
device-unknown = Not reported
compliance-not-enrolled = This device is not enrolled
compliance-not-compliant = This device does not meet your organisation's policies
compliance-device-page = Open the device's page
activate-title = Sign in on this device?
activate-text = { $client }, from { $address }, asks to sign in as you. Approve only if you started it and it shows the code { $code }.
activate-approve = Approve sign-in
activate-approved = { $client } is signed in. You can go back to it.
activate-denied = { $client } was not signed in.
activate-already = The sign-in request { $code } was already answered.
activate-enter-code = The code the app shows (e.g. ABCD-EFGH)
code-for-device = This code is for { $device }: only that device can use it.
compliance-advice = You can still help. Take care with what you change, and report the device if something looks wrong.

mode-title = How do you want to help { $name }?
mode-view = View only
mode-view-desc = See the screen. They keep the mouse and keyboard.
mode-control = Full control
mode-control-desc = See the screen and use the mouse and keyboard.
mode-consent-note = { $name } will be asked to allow it.

status-waiting-code = Waiting for the person you are helping to enter the code.
status-expired = The code expired before it was used.
status-refused = The code was refused.
status-ended = The session has ended.
status-replaced = This session was opened in another window or tab.
status-securing = Securing the connection with { $name }…
status-no-key = This tab cannot connect securely to the session with { $name }.
status-connecting = Connecting to the session…
status-reconnecting = Reconnecting…
status-peer-away = { $name } lost the connection. Waiting for them to come back…
status-choose-mode = { $name } entered the code. Choose how to help.
status-pending = { $mode ->
    [control] Waiting for { $name } to allow full control…
   *[view] Waiting for { $name } to allow you to see the screen…
}
status-live = { $mode ->
    [control] You are controlling { $name }'s screen.
   *[view] You are viewing { $name }'s screen.
}
status-declined = { $mode ->
    [control] { $name } declined full control.
   *[view] { $name } declined to share the screen.
}

ended-by-you = You ended the session.
ended-by-sharer = { $name } ended the session.
ended-by-system = Deskmate ended the session.
ended-by-system-reason = Deskmate ended the session: { $reason }

## End-to-end encryption (console)

e2e-verification = Security check: { $code } — { $name }'s screen shows the same numbers
e2e-failed = The security check failed: { $reason }
e2e-failed-title = The security check failed
e2e-failed-text = The session was ended so that nothing more is shared. The code may have been entered wrongly, or someone may be interfering with the connection. Get a new code and try again.
e2e-missing-title = This tab cannot join the session
e2e-missing-code = The session is encrypted with its whole security code, which only the browser tab that got the code knows. Go back to that tab, or leave the session here.
e2e-missing-ids = Deskmate cannot tell who takes part in this session, so it cannot be secured. Leave the session and start a new one.
e2e-no-secret-part = This browser could not make the secret part of the security code. Get a new code.

## Viewer

viewer-title = { $name }'s screen
viewer-tools = Viewer tools
viewer-waiting-picture = Waiting for the picture…
viewer-fit = Scale to fit
viewer-monitor = Monitor
viewer-monitor-all = Whole screen
viewer-monitor-item = { $number }: { $name } ({ $width } × { $height })
viewer-monitor-primary = { $number }: { $name } ({ $width } × { $height }, main)
viewer-laser = Laser pointer
viewer-laser-colour = Laser pointer colour
viewer-request-control = Request full control
viewer-release = Release keyboard
viewer-release-title = Release the keyboard (Ctrl+Shift+F12)
viewer-screen-view = { $name }'s screen
viewer-screen-control = { $name }'s screen. Mouse and keys go to their computer; Ctrl+Shift+F12 releases the keyboard.
viewer-hint-view = You see { $name }'s screen. Turn on the laser pointer to show them where to look.
viewer-hint-control = Click the screen, or move to it with Tab, to use { $name }'s mouse and keyboard.
viewer-hint-captured = Your mouse and keyboard control { $name }'s computer. Press Ctrl+Shift+F12 to release the keyboard.
viewer-hint-laser = Laser pointer on: { $name } sees a dot where you point. Clicks are not sent.
viewer-layout-dismiss = Dismiss
viewer-layout-monitor-gone = { $name }'s monitor { $monitor } was disconnected. You now see the whole screen.
viewer-layout-monitor-size = { $name }'s monitor { $monitor } changed to { $width } × { $height }.
viewer-layout-monitors = { $name }'s monitors changed; you still see { $monitor }. { $count ->
    [one] They now have one monitor.
   *[other] They now have { $count } monitors.
}
viewer-layout-count = { $name }'s monitors changed: { $count ->
    [one] one monitor
   *[other] { $count } monitors
}, { $width } × { $height } in all.
viewer-layout-size = { $name }'s screen changed to { $width } × { $height }.

keys-menu = Special keys
keys-ctrl-alt-del = Ctrl+Alt+Del
keys-alt-tab = Alt+Tab
keys-alt-f4 = Alt+F4
keys-super = Windows key
keys-ctrl-esc = Ctrl+Esc
keys-print = Print Screen

## Chat (both pages)

chat-title = Chat
chat-hide = Hide chat
chat-show = Show chat
chat-log-label = Chat messages
chat-empty = No messages yet.
chat-you = You
chat-input-label = Message
chat-placeholder = Write a message
chat-hint = Enter sends, Shift+Enter starts a new line
chat-send = Send
chat-closed = The session has ended
chat-count = { $count } / { $max }
chat-too-long = A message can have at most { $max } characters.
chat-not-sent = Not connected right now: the message was not sent.
chat-securing = Connecting securely…
chat-unreadable = (an earlier message that can no longer be shown)
chat-unread = { $count ->
    [one] 1 unread message
   *[other] { $count } unread messages
}

## Sharer page

page-title-share = Get help – Deskmate
share-no-key = Open this page from Deskmate on your computer.
share-launch-refused = This link has already been used or has expired. Each link opens the sharer page once: use the page that is already open, or start Deskmate again. If you did not open it yourself, someone else on this computer may have; stop Deskmate.
share-busy = The sharer page is already open in another tab or window. Use that one; this page connects by itself once the other is closed.
share-second-page-refused = Another page tried to connect to Deskmate on this computer and was turned away. If that was not you, end the session and stop Deskmate.
share-connecting = Connecting to Deskmate on this computer…
share-reconnecting = Reconnecting to Deskmate on this computer…
share-not-connected = Not connected to Deskmate on this computer. Wait a moment and try again.
share-signed-in-as = Signed in as { $name } ({ $email })
share-helper-unknown = The person helping you
share-code-title = Get help from your IT support
share-code-label = Enter the security code from the person helping you
share-code-help = It has 12 letters and digits, like K7MQ-2XPA-H4RT.
share-code-submit = Continue
share-code-checking = Checking…
share-code-missing = Enter the security code first.
share-code-invalid = That is not a security code. Codes have 12 letters and digits; check it with the person helping you.
share-code-short = That code is too short. Enter all 12 letters and digits, like K7MQ-2XPA-H4RT.
share-status-enter-code = Signed in as { $name } — enter the security code from the person helping you.
share-status-redeeming = Checking the code…
share-status-waiting = { $name } will help you.
share-status-active = { $mode ->
    [control] { $name } sees and controls your screen.
   *[view] { $name } sees your screen.
}
share-status-peer-away = { $name } lost the connection. They may be back in a moment.
share-status-ended = The session has ended.
share-waiting-title = { $name } will help you
share-waiting-text = { $name } will ask to see your screen. Nothing is shared until you allow it.
share-active-title = { $mode ->
    [control] { $name } controls your screen
   *[view] { $name } sees your screen
}
share-active-text = You can end the session at any time.
share-shown-whole = { $name } can see your whole screen ({ $width } × { $height }).
share-shown-monitor = { $name } can see your monitor { $monitor } ({ $width } × { $height }).
share-leave = End the session
share-consent-title = { $name } asks for access
share-consent-view = { $name } asks to see your screen.
share-consent-control = { $name } asks to see and control your screen (mouse and keyboard).
share-consent-note = You can end the session at any time.
share-verification = Security check: { $code } — { $name }'s screen shows the same numbers
share-consent-allow = Allow
share-consent-decline = Decline
share-ended-title = The session has ended
share-ended-close = You can close this window.
share-ended-by-you = You ended the session.
share-ended-by-helper = { $name } ended the session.
share-ended-by-system = Deskmate ended the session.
share-ended-by-system-reason = Deskmate ended the session: { $reason }
