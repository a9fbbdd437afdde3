# Deskmate admin centre (admin.html): tenant settings, monitor, sessions
# report, users and groups, roles and assignments, audit log.
# Every id starts with admin- (the file shares one bundle with deskmate.ftl).

## Shell

admin-brand = Admin centre
admin-centre-link = Admin centre
admin-console-link = Remote help console
admin-page-title = { $page } – Deskmate admin centre
admin-sign-in-title = Sign in to the admin centre
admin-nav-label =
    .aria-label = Admin centre
admin-nav-tenant = Tenant administration
admin-nav-people = Users and groups
admin-nav-remote-help = Remote help
admin-nav-roles = Roles
admin-nav-audit = Audit log
admin-nav-users = Users
admin-nav-groups = Groups
admin-no-access-title = You don't have access to the admin centre
admin-no-access-text = Your roles don't include any admin-centre permission. If you need to manage settings, people, roles or reports, ask a tenant administrator.
admin-no-access-back = Go to the remote help console
admin-refused-title = Not available to you
admin-refused-page = Your roles don't allow this page. Ask a tenant administrator if you need it.
admin-not-found-title = Page not found
admin-not-found-text = There is no admin-centre page at this address.
admin-not-found-home = Go to the admin centre
admin-load-failed = This page could not be loaded
admin-read-only = You can see this page but not change it: your roles give read-only access.
admin-stale-title = Someone else changed this
admin-stale-text = It was changed after you opened it, so your changes were not saved. Reload to see the current version, then make your change again.
admin-stale-reload = Reload
admin-form-fix = { $count ->
    [one] One field needs your attention.
   *[other] { $count } fields need your attention.
}
admin-number-needed = Enter a number.

## Common words

admin-save = Save
admin-saved = Saved.
admin-create = Create
admin-cancel = Cancel
admin-none = –
admin-on = On
admin-off = Off
admin-export-csv = Export CSV
admin-danger-zone = Delete
admin-unit-minutes = minutes
admin-unit-days = days
admin-duration-hours = { $h } h { $m } min
admin-duration-minutes = { $m } min { $s } s
admin-duration-seconds = { $s } s
admin-filters = Filters
admin-filter-search = Search
admin-filter-search-help = A name, e-mail address or device, or a session, helper or sharer id.
admin-filter-state = Outcome
admin-filter-mode = Mode
admin-filter-from = From
admin-filter-to = To
admin-filter-any = Any
admin-filter-anyone = Anyone
admin-filter-apply = Apply filters
admin-filter-clear = Clear filters
admin-page-first = First
admin-page-previous = Previous
admin-page-next = Next
admin-page-last = Last
admin-page-size = Rows per page
admin-page-none = No rows.
admin-page-position = Rows { $from }–{ $to } of { $total } (page { $page } of { $pages })

## Columns

admin-col-name = Name
admin-col-email = E-mail address
admin-col-groups = Groups
admin-col-totp = Two-step verification
admin-col-status = Status
admin-col-description = Description
admin-col-members = Members
admin-col-actions = Actions
admin-col-type = Type
admin-col-permissions = Permissions
admin-col-role = Role
admin-col-member-groups = Member groups
admin-col-scope = Scope
admin-col-helper = Helper (provider)
admin-col-sharer = Sharer (recipient)
admin-col-device = Device
admin-col-issued = Code issued
admin-col-start = Start
admin-col-end = End
admin-col-duration = Duration
admin-col-mode = Mode
admin-col-elevation = Elevation
admin-col-chat = Chat
admin-col-ended-by = Ended by
admin-col-outcome = Outcome
admin-col-time = Time
admin-col-actor = Actor
admin-col-action = Action
admin-col-target = Target
admin-col-detail = Details
admin-col-source = Source address

## Remote help: settings, monitor, sessions

admin-remote-help-title = Remote help
admin-tab-settings = Settings
admin-tab-monitor = Monitor
admin-tab-sessions = Sessions
admin-settings-lead = How remote help works for everyone in your organisation.
admin-settings-group-access = Remote help
admin-settings-group-codes = Security codes and data
admin-settings-group-clients = Client versions
admin-settings-enabled = Enable remote help
admin-settings-enabled-help = While off, no security code can be issued or redeemed, and everyone is told that remote help is not enabled for the organisation.
admin-settings-unenrolled = Allow remote help to unenrolled devices
admin-settings-unenrolled-help = While off, only enrolled devices can be helped.
admin-settings-chat-disabled = Disable chat
admin-settings-chat-disabled-help = Helpers and sharers cannot send chat messages in sessions.
admin-settings-code-lifetime = Security code lifetime
admin-settings-code-lifetime-help = How long a code can be entered after it is issued: 1 to 60 minutes.
admin-settings-retention = Keep session data for
admin-settings-retention-help = Session records and chat older than this are deleted automatically: 1 to 3650 days.
admin-settings-min-version = Minimum client version
admin-settings-min-version-help = Clients older than this must upgrade before they can be used. Leave empty for no minimum.
admin-settings-recommended-version = Recommended client version
admin-settings-recommended-version-help = Clients older than this are invited to upgrade. Must not be lower than the minimum.
admin-settings-updated = Last changed { $time }.

admin-monitor-lead = Remote help in your organisation right now and over the retention period.
admin-monitor-active = Active sessions now
admin-monitor-active-note = Paired or running.
admin-monitor-total = Sessions in the last { $days } days
admin-monitor-average = Average duration
admin-monitor-no-average = No ended sessions yet
admin-monitor-per-day = Sessions started per day, last { $days } days
admin-monitor-to-report = Open the sessions report
admin-monitor-refresh-note = These figures refresh every 30 seconds.
admin-chart-summary = { $total } sessions in { $days } days. Busiest day: { $busiest } ({ $most ->
    [one] one session
   *[other] { $most } sessions
}).
admin-chart-show-numbers = Show the numbers
admin-chart-day = Day
admin-chart-sessions = Sessions

admin-sessions-lead = Every remote help session, who helped whom and how. Older sessions are removed after the retention period.
admin-sessions-caption = Remote help sessions
admin-sessions-paging = Pages of the sessions report
admin-sessions-none = No sessions yet
admin-sessions-none-text = Sessions appear here as soon as a helper gets a security code.
admin-sessions-none-match = No sessions match these filters
admin-sessions-none-match-text = Change or clear the filters to see more sessions.
admin-state-waiting = Waiting for the code
admin-state-paired = Paired
admin-state-active = Active
admin-state-ended = Ended
admin-state-refused = Refused
admin-mode-view = View only
admin-mode-control = Full control
admin-ended-by-helper = Helper
admin-ended-by-sharer = Sharer
admin-ended-by-system = System

## Users and groups

admin-users-title = Users
admin-users-lead = The people in your organisation: who can sign in, their profile and their groups.
admin-users-new = New user
admin-users-search = Search users
admin-users-count = Showing { $shown } of { $total } users.
admin-users-none-match = No users match
admin-users-none-match-text = Try another name or e-mail address.
admin-back-to-users = All users
admin-user-new-lead = The e-mail address is the sign-in name. Helpers and sharers see the name, job title and company.
admin-user-email = E-mail address
admin-user-email-fixed = The sign-in name cannot be changed.
admin-user-first-name = First name
admin-user-last-name = Last name
admin-user-job-title = Job title
admin-user-company = Company name
admin-user-password = Password
admin-user-password-help = At least 12 characters. Leave empty to set it later; until then the user cannot sign in.
admin-user-groups = Groups
admin-user-groups-help = Groups decide which roles the user holds and who may help them.
admin-user-no-groups = There are no groups yet.
admin-user-created = { $name } was created.
admin-user-profile = Profile and groups
admin-user-security = Sign-in and security
admin-user-password-set = Set
admin-user-password-unset = Not set: the user cannot sign in
admin-user-reset-password = Reset password
admin-user-reset-password-title = Reset the password of { $name }
admin-user-reset-password-text = Their sign-ins on every device end. Give them the new password in person or by phone.
admin-user-new-password = New password
admin-user-password-rules = At least 12 characters, not the e-mail address.
admin-user-set-password = Set password
admin-user-password-was-reset = The password was reset and the user's sign-ins ended.
admin-user-totp = Two-step verification
admin-user-reset-totp = Reset two-step verification
admin-user-reset-totp-title = Reset two-step verification?
admin-user-reset-totp-text = { $name } will sign in with their password only until they set up an authenticator app again. Their sign-ins end now.
admin-user-totp-was-reset = Two-step verification was reset.
admin-user-sign-ins = Sign-ins
admin-user-sign-ins-text = Browsers and apps where the user is signed in.
admin-user-revoke = Sign out everywhere
admin-user-revoke-title = Sign out everywhere?
admin-user-revoke-text = { $name } is signed out of every browser and app now and must sign in again.
admin-user-revoked = The user was signed out everywhere.
admin-user-account = Account
admin-user-active = Active
admin-user-disabled = Disabled
admin-user-disable = Disable account
admin-user-disable-title = Disable this account?
admin-user-disable-text = { $name } is signed out everywhere and cannot sign in, give or receive remote help until the account is enabled again.
admin-user-was-disabled = The account was disabled.
admin-user-enable = Enable account
admin-user-enable-title = Enable this account?
admin-user-enable-text = { $name } can sign in again.
admin-user-was-enabled = The account was enabled.

admin-groups-title = Groups
admin-groups-lead = Groups of users. Role assignments give roles to groups and decide whom each group may help.
admin-groups-new = New group
admin-groups-none = No groups yet
admin-groups-none-text = Create groups for the people who give help and for those they help.
admin-back-to-groups = All groups
admin-group-new-lead = Give the group a name people will recognise, such as "Helpdesk" or "Finance".
admin-group-lead = A group of users.
admin-group-created = The group { $name } was created.
admin-group-details = Name and description
admin-group-admins-fixed = The Administrators group keeps its name.
admin-group-members = Members
admin-group-members-count = { $count ->
    [one] One member
   *[other] { $count } members
}
admin-group-member-count = { $count ->
    [one] one member
   *[other] { $count } members
}
admin-group-no-members = This group has no members yet.
admin-group-add = Add member
admin-group-add-who = Person to add
admin-group-add-choose = Choose a person
admin-group-add-pick = Choose the person to add.
admin-group-member-added = The member was added.
admin-group-remove = Remove
admin-group-remove-named = Remove { $name }
admin-group-remove-title = Remove this member?
admin-group-remove-text = { $name } will no longer be in { $group }, and loses the roles and scope that come with it.
admin-group-member-removed = { $name } was removed from the group.
admin-group-delete = Delete group
admin-group-delete-help = Deleting a group removes it from every role assignment. Its members are not deleted.
admin-group-delete-title = Delete this group?
admin-group-delete-text = The group { $name } is deleted and removed from every role assignment. This cannot be undone.
admin-group-deleted = The group { $name } was deleted.

## Roles and assignments

admin-roles-title = Roles
admin-roles-lead = What each role allows. Built-in roles cannot be changed; custom roles can.
admin-tab-roles = All roles
admin-tab-assignments = Assignments
admin-roles-new = New role
admin-roles-none = No roles
admin-back-to-roles = All roles
admin-role-built-in = Built-in
admin-role-custom = Custom
admin-role-built-in-note = This is a built-in role: it cannot be changed or deleted. Duplicate it to make a custom role you can change.
admin-role-duplicate = Duplicate as a custom role
admin-role-copy-name = Copy of { $name }
admin-role-new-lead = Choose what the role allows. Give it to groups with a role assignment.
admin-role-permissions = Permissions
admin-role-created = The role { $name } was created.
admin-role-delete = Delete role
admin-role-delete-help = A role can be deleted only when no assignment uses it.
admin-role-delete-title = Delete this role?
admin-role-delete-text = The role { $name } is deleted. This cannot be undone.
admin-role-deleted = The role { $name } was deleted.
admin-perm-group-remote = Remote help
admin-perm-group-admin = Admin centre
admin-perm-view_screen = View screen
admin-perm-view_screen-help = See the sharer's screen.
admin-perm-take_full_control = Take full control
admin-perm-take_full_control-help = Use the sharer's keyboard and mouse, after they agree.
admin-perm-elevation = Elevation
admin-perm-elevation-help = Ask for an administrator session on the sharer's device.
admin-perm-chat = Chat
admin-perm-chat-help = Send chat messages in sessions.
admin-perm-laser_pointer = Laser pointer
admin-perm-laser_pointer-help = Point at things on the sharer's screen.
admin-perm-settings_read = Read settings
admin-perm-settings_read-help = See the remote help settings.
admin-perm-settings_write = Change settings
admin-perm-settings_write-help = Change the remote help settings.
admin-perm-users_read = Read users and groups
admin-perm-users_read-help = See users, groups and membership.
admin-perm-users_write = Manage users and groups
admin-perm-users_write-help = Create and change users and groups, reset passwords.
admin-perm-roles_read = Read roles
admin-perm-roles_read-help = See roles and role assignments.
admin-perm-roles_write = Manage roles
admin-perm-roles_write-help = Create and change roles and role assignments.
admin-perm-devices_read = Read devices
admin-perm-devices_read-help = See devices and their compliance.
admin-perm-devices_write = Manage devices
admin-perm-devices_write-help = Change devices.
admin-perm-reports_read = Read reports
admin-perm-reports_read-help = See the monitor and the sessions report.
admin-perm-audit_read = Read the audit log
admin-perm-audit_read-help = See and export the audit log.

admin-assignments-lead = Role assignments give a role to the members of groups, over the users and devices in their scope.
admin-assignments-new = New assignment
admin-assignments-none = No role assignments yet
admin-assignments-none-text = Without an assignment nobody can give remote help. Create one to let a group help others.
admin-back-to-assignments = All assignments
admin-assignment-new-lead = Four steps: name the assignment and choose a role, choose who gets it, choose whom they may help, then check and create.
admin-assignment-created = The assignment { $name } was created.
admin-assignment-role-help = What the members may do.
admin-assignment-choose-role = Choose a role
admin-assignment-members-help = Members of these groups get the role.
admin-assignment-scope-groups = Scope groups
admin-assignment-scope-help = Members of these groups (and, later, their devices) may be helped.
admin-assignment-all-users = All users
admin-assignment-all-users-help = Everyone in the organisation may be helped.
admin-assignment-all-devices = All devices
admin-assignment-all-devices-help = Every enrolled device may be helped. Unenrolled devices are never included.
admin-assignment-no-groups = There are no groups yet: create them under Users and groups → Groups.
admin-assignment-delete = Delete assignment
admin-assignment-delete-help = The members lose this role at once.
admin-assignment-delete-title = Delete this assignment?
admin-assignment-delete-text = The assignment { $name } is deleted and its members lose the role. This cannot be undone.
admin-assignment-deleted = The assignment { $name } was deleted.
admin-steps = Steps
admin-step-basics = Basics
admin-step-members = Members
admin-step-scope = Scope
admin-step-review = Review and save
admin-step-review-help = Check the assignment before you save it.
admin-step-of = Step { $n } of { $total }: { $title }
admin-step-back = Back
admin-step-next = Next
admin-step-has-error = (needs attention)

## Audit log

admin-audit-title = Audit log
admin-audit-lead = Every change in the admin centre and every session event, with who, when and from where. The log is hash-chained: any change to it is detected.
admin-audit-actor = Actor
admin-audit-actor-id = Actor (user id)
admin-audit-action = Action
admin-audit-system = Deskmate (system)
admin-audit-count = { $count ->
    [one] One event shown.
   *[other] { $count } events shown.
}
admin-audit-older = Show older events
admin-audit-none = No events
admin-audit-none-text = No event matches these filters.
admin-audit-verify = Verify the log
admin-audit-verifying = Checking every event…
admin-audit-intact = The audit log is intact: { $events } events checked.
admin-audit-broken = The audit log was tampered with at event { $seq }: { $reason }
admin-action-settings_changed = Settings changed
admin-action-tenant_changed = Organisation changed
admin-action-user_created = User created
admin-action-user_changed = User changed
admin-action-user_password_reset = Password reset
admin-action-user_totp_reset = Two-step verification reset
admin-action-user_sessions_revoked = Signed out everywhere
admin-action-group_created = Group created
admin-action-group_changed = Group changed
admin-action-group_deleted = Group deleted
admin-action-group_member_added = Member added to group
admin-action-group_member_removed = Member removed from group
admin-action-role_created = Role created
admin-action-role_changed = Role changed
admin-action-role_deleted = Role deleted
admin-action-assignment_created = Assignment created
admin-action-assignment_changed = Assignment changed
admin-action-assignment_deleted = Assignment deleted
admin-action-administrator_created = First administrator created
admin-action-code_issued = Security code issued
admin-action-code_redeemed = Security code entered
admin-action-code_refused = Security code refused
admin-action-mode_requested = View or control requested
admin-action-consent_given = Sharer allowed
admin-action-consent_declined = Sharer declined
admin-action-session_ended = Session ended
admin-action-retention_purged = Old data removed
