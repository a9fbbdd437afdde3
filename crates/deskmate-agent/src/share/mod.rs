//! The session driver on the sharer's side: answers consent requests,
//! streams the screen with one update in flight (the helper's acknowledgement
//! releases the next; changes in between merge into it), applies the
//! helper's input in full-control sessions, and leaves on request.
//! Messages to the server leave through an [`outbox::Outbox`], so reading
//! (the helper's input) never waits for a screen update being written.
//! When the sharer's monitors or resolution change, the helper's choice of
//! monitor is followed into the new layout and the helper told.

mod consent;
mod layout;
mod outbox;
pub mod secure;
mod threads;
pub mod ui;

use crate::client::SessionSocket;
use crate::platform::{CursorSource, InputSink, OverlayHandle, PlatformError, ScreenSource};
use consent::Consent;
use deskmate_proto::cursor::CursorUpdate;
use deskmate_proto::frame::{self, Channel};
use deskmate_proto::input::{InputEvent, LaserPointer};
use deskmate_proto::messages::{ClientMessage, Mode, ServerMessage, decode_server, encode};
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use outbox::Outbox;
use secure::{Secure, SecureError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use threads::{CaptureCmd, CaptureEvent, spawn_capture, spawn_cursor};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use ui::{SharerUi, UiCommand, UiEvent};

/// Why a session stopped.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The platform failed (display lost, …).
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// The connection to the server failed.
    #[error("connection to the server lost: {0}")]
    Connection(String),
    /// The server sent something this agent does not understand.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// End-to-end encryption failed: a wrong code or interference.
    #[error(transparent)]
    Secure(#[from] SecureError),
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// Who ended it (`helper`, `sharer`, `system`).
    pub by: String,
    /// Why.
    pub reason: String,
}

/// The platform pieces a session uses.
pub struct Devices<'a> {
    /// The screen.
    pub screen: Box<dyn ScreenSource>,
    /// Keyboard and mouse.
    pub input: Box<dyn InputSink>,
    /// The mouse cursor, when the platform reports it separately.
    pub cursor: Option<Box<dyn CursorSource>>,
    /// On-screen indicator and laser pointer.
    pub overlay: Option<&'a OverlayHandle>,
}

/// Runs a joined session until it ends, reporting to and taking decisions
/// from the sharer's user interface.
pub async fn run(
    ws: SessionSocket,
    helper_name: &str,
    devices: Devices<'_>,
    ui: SharerUi,
    secure: Secure,
) -> Result<Ended, ShareError> {
    let (sink, stream) = ws.split();
    let mut out = Outbox::start(sink);
    let result = drive(stream, &mut out, helper_name, devices, ui, secure).await;
    // Whatever was said last (a goodbye, the reason for leaving) still leaves.
    out.finish().await;
    result
}

/// The session loop; `ws` reads, `out` writes.
async fn drive(
    mut ws: SplitStream<SessionSocket>,
    out: &mut Outbox,
    helper_name: &str,
    devices: Devices<'_>,
    ui: SharerUi,
    mut secure: Secure,
) -> Result<Ended, ShareError> {
    let SharerUi {
        events,
        mut commands,
    } = ui;
    let tell = |event: UiEvent| {
        let _ = events.send(event);
    };
    let mut peer_online = false;
    let mut chat_enabled = false;
    let mut commands_open = true;
    let Devices {
        screen,
        mut input,
        cursor,
        overlay,
    } = devices;
    // The monitors the helper may choose from, and the one shared (`None`: all).
    let mut layout = screen.layout();
    let mut selected: Option<u32> = None;
    tell(shown(&layout, selected));
    let mut origin = (0i32, 0i32);
    let mut monitors_sent = false;
    let (cursor_tx, mut cursor_updates) = mpsc::channel::<CursorUpdate>(64);
    let resend_cursor = Arc::new(AtomicBool::new(true));
    let mut cursor = cursor;
    let show = |mode: Option<Mode>| {
        if let (Some(overlay), Some(mode)) = (overlay, mode) {
            let what = match mode {
                Mode::View => "sees your screen",
                Mode::Control => "controls your screen",
            };
            overlay.indicator(&format!(
                "Deskmate: {helper_name} {what}.  Click here to end the session."
            ));
        }
    };
    let (updates_tx, mut updates) = mpsc::channel(1);
    let mut capture: Option<std_mpsc::Sender<CaptureCmd>> = None;
    let mut screen = Some(screen);
    // The mode the agent acts in: what the server says, capped by what the
    // sharer allowed on this side.
    let mut mode: Option<Mode> = None;
    let mut consent = Consent::default();
    let mut left = false;
    // Starts streaming (first time) or asks for a fresh full screen.
    let restart = |capture: &mut Option<std_mpsc::Sender<CaptureCmd>>,
                   screen: &mut Option<Box<dyn ScreenSource>>,
                   cursor: &mut Option<Box<dyn CursorSource>>| {
        resend_cursor.store(true, Ordering::Relaxed);
        if let Some(source) = cursor.take() {
            spawn_cursor(source, cursor_tx.clone(), Arc::clone(&resend_cursor));
        }
        if capture.is_none()
            && let Some(source) = screen.take()
        {
            *capture = Some(spawn_capture(source, updates_tx.clone()));
        }
        if let Some(c) = capture {
            let _ = c.send(CaptureCmd::Keyframe);
            let _ = c.send(CaptureCmd::Credit);
        }
    };
    loop {
        tokio::select! {
            command = commands.recv(), if commands_open => {
                let message = match command {
                    None => {
                        commands_open = false;
                        continue;
                    }
                    Some(UiCommand::Leave) if left => continue,
                    Some(UiCommand::Leave) => {
                        left = true;
                        ClientMessage::Leave { reason: None }
                    }
                    Some(UiCommand::Consent { mode, allow }) => {
                        tracing::info!(mode = mode.as_str(), allowed = allow, "consent answered");
                        consent.answered(mode, allow);
                        ClientMessage::Consent { mode, allow }
                    }
                    Some(UiCommand::Chat(text)) => match secure.chat_out(text) {
                        Some(message) => message,
                        None => {
                            tell(UiEvent::Refused("chat opens once the connection is secured".into()));
                            continue;
                        }
                    },
                };
                out.send(Message::Text(encode(&message).into())).await?;
            }
            Some(update) = cursor_updates.recv() => {
                // Positions are relative to the shared monitor, as the viewer draws them.
                let update = match update {
                    CursorUpdate::Position { x, y } => CursorUpdate::Position { x: x - origin.0, y: y - origin.1 },
                    shape => shape,
                };
                if let Some(payload) = secure.outgoing(Channel::Cursor.byte(), update.encode()) {
                    out.send(Message::Binary(frame::encode(Channel::Cursor, &payload).into())).await?;
                }
            }
            update = updates.recv() => match update {
                Some(CaptureEvent::Update(bytes)) => {
                    // Until the key exchange is done nothing leaves; a keyframe follows it.
                    if mode.is_none() {
                        continue;
                    }
                    if let Some(payload) = secure.outgoing(Channel::Screen.byte(), bytes) {
                        out.send(Message::Binary(frame::encode(Channel::Screen, &payload).into())).await?;
                    }
                }
                Some(CaptureEvent::Layout(changed)) => {
                    let followed = layout::follow(&layout, selected, &changed);
                    tracing::info!(change = %followed.summary, "the sharer's screen layout changed");
                    layout = changed;
                    selected = followed.selected;
                    origin = share_area(&layout, selected, input.as_mut(), capture.as_ref(), screen.as_mut());
                    if monitors_sent {
                        let list = ClientMessage::Monitors { monitors: layout.monitors.clone(), selected };
                        send(out, &list).await?;
                    }
                    tell(shown(&layout, selected));
                }
                Some(CaptureEvent::Failed(err)) => {
                    tracing::error!(error = %err, "screen capture failed; leaving the session");
                    let reason = format!("the screen can no longer be shared ({err})")
                        .chars()
                        .take(deskmate_proto::messages::MAX_REASON_CHARS)
                        .collect();
                    let reason = Some(reason);
                    let _ = out.send(Message::Text(encode(&ClientMessage::Leave { reason }).into())).await;
                    return Err(err.into());
                }
                None => {}
            },
            incoming = ws.next() => {
                let Some(incoming) = incoming else {
                    return Err(ShareError::Connection("the server closed the connection".into()));
                };
                let incoming = incoming.map_err(|e| ShareError::Connection(e.to_string()))?;
                match incoming {
                    Message::Text(text) => {
                        let message = decode_server(text.as_str()).map_err(|e| ShareError::Protocol(e.to_string()))?;
                        let mut changed = None;
                        match message {
                            ServerMessage::Welcome { state, peer_online: online, chat, .. } => {
                                peer_online = online;
                                for message in chat {
                                    match secure.chat_in(message) {
                                        Ok(Some(message)) => tell(UiEvent::Chat(message)),
                                        Ok(None) => {}
                                        Err(err) => return Err(abort(out, err).await),
                                    }
                                }
                                if online {
                                    start_round(out, &mut secure).await?;
                                }
                                if let Some(wanted) = state.pending {
                                    tell(UiEvent::ConsentRequested(wanted));
                                }
                                changed = Some(state);
                            }
                            ServerMessage::State { state } => changed = Some(state),
                            ServerMessage::ModeRequested { mode: wanted } => {
                                tracing::info!(mode = wanted.as_str(), "the helper asks for a mode");
                                tell(UiEvent::ConsentRequested(wanted));
                            }
                            ServerMessage::Peer { online } => {
                                peer_online = online;
                                if online {
                                    // A fresh key exchange for the returning helper.
                                    start_round(out, &mut secure).await?;
                                }
                                if online && mode.is_some() && secure.ready() {
                                    restart(&mut capture, &mut screen, &mut cursor);
                                }
                                tracing::info!(online, "the helper's connection changed");
                                tell(UiEvent::State { mode, chat_enabled, peer_online });
                            }
                            ServerMessage::ConsentResult { mode: granted, allowed: true } => {
                                let first = mode.is_none();
                                mode = capped(&consent, Some(granted));
                                if mode.is_none() {
                                    continue;
                                }
                                show(mode);
                                if first {
                                    restart(&mut capture, &mut screen, &mut cursor);
                                }
                                tell(UiEvent::State { mode, chat_enabled, peer_online });
                            }
                            ServerMessage::MonitorSelected { index } => {
                                // An index from a list the agent has since replaced names nothing.
                                selected = index.filter(|&i| (i as usize) < layout.monitors.len());
                                tracing::info!(monitor = ?selected, "the helper chose a monitor");
                                origin = share_area(&layout, selected, input.as_mut(), capture.as_ref(), screen.as_mut());
                                tell(shown(&layout, selected));
                            }
                            ServerMessage::ScreenAck { .. } => {
                                if let Some(c) = &capture {
                                    let _ = c.send(CaptureCmd::Credit);
                                }
                            }
                            ServerMessage::KeyframeRequested {} if mode.is_some() => {
                                restart(&mut capture, &mut screen, &mut cursor);
                            }
                            ServerMessage::Chat { message } => {
                                tracing::info!(from = message.from.as_str(), sealed = message.sealed, "chat");
                                match secure.chat_in(message) {
                                    Ok(Some(message)) => tell(UiEvent::Chat(message)),
                                    Ok(None) => {}
                                    Err(err) => return Err(abort(out, err).await),
                                }
                            }
                            ServerMessage::E2e { data } => {
                                let was_ready = secure.ready();
                                match secure.round_message(&data) {
                                    Ok(replies) => {
                                        for reply in replies {
                                            send(out, &reply).await?;
                                        }
                                    }
                                    Err(err) => return Err(abort(out, err).await),
                                }
                                if !was_ready && secure.ready() {
                                    if let Some(code) = secure.verification() {
                                        tracing::info!("end-to-end encryption is on");
                                        tell(UiEvent::Verified(code));
                                    }
                                    if mode.is_some() {
                                        restart(&mut capture, &mut screen, &mut cursor);
                                    }
                                }
                            }
                            ServerMessage::Ended { by, reason } => {
                                tracing::info!(by = by.as_str(), %reason, "session ended");
                                return Ok(Ended { by: by.as_str().into(), reason });
                            }
                            ServerMessage::Error { code, message } => {
                                tracing::warn!(?code, %message, "the server refused a message");
                                tell(UiEvent::Refused(message));
                            }
                            _ => {}
                        }
                        // Welcome and State: where the session stands now.
                        if let Some(state) = changed {
                            if !monitors_sent && !layout.monitors.is_empty() {
                                monitors_sent = true;
                                let list = ClientMessage::Monitors { monitors: layout.monitors.clone(), selected };
                                send(out, &list).await?;
                            }
                            let claimed = capped(&consent, state.mode);
                            if claimed.is_some() && mode.is_none() {
                                mode = claimed;
                                restart(&mut capture, &mut screen, &mut cursor);
                            }
                            mode = capped(&consent, state.mode.or(mode));
                            show(mode);
                            chat_enabled = state.chat_enabled;
                            tell(UiEvent::State { mode, chat_enabled, peer_online });
                        }
                    }
                    Message::Binary(bytes) => {
                        let Ok((channel, payload)) = frame::decode(&bytes) else {
                            tracing::warn!("malformed data frame ignored");
                            continue;
                        };
                        let payload = match secure.incoming(channel.byte(), payload) {
                            Ok(Some(plain)) => plain,
                            Ok(None) => continue,
                            Err(err) => return Err(abort(out, err).await),
                        };
                        match channel {
                            Channel::Input if mode == Some(Mode::Control) => {
                                match InputEvent::decode(&payload) {
                                    Ok(event) => {
                                        if let Err(err) = input.apply(&event) {
                                            tracing::warn!(error = %err, "input not applied");
                                        }
                                    }
                                    Err(err) => tracing::warn!(error = %err, "malformed input ignored"),
                                }
                            }
                            Channel::Input => tracing::warn!("input outside a full-control session ignored"),
                            Channel::Pointer if mode.is_none() => {
                                tracing::warn!("laser pointer outside a consented session ignored")
                            }
                            Channel::Pointer => match (overlay, LaserPointer::decode(&payload)) {
                                (Some(overlay), Ok(pointer)) => overlay.laser(LaserPointer {
                                    x: pointer.x + origin.0,
                                    y: pointer.y + origin.1,
                                    color: pointer.color,
                                }),
                                (_, Err(err)) => tracing::warn!(error = %err, "malformed pointer ignored"),
                                (None, Ok(_)) => {}
                            },
                            Channel::Screen | Channel::Cursor => {
                                tracing::warn!("unexpected data frame ignored")
                            }
                        }
                    }
                    Message::Close(frame) => {
                        let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                        return Err(ShareError::Connection(format!("closed by the server: {reason}")));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Shares monitor `selected` of `layout` (the whole screen for `None`): input
/// is kept inside it and capture reads only it (through the capture thread
/// once it runs). Returns its corner, which cursor and laser positions are
/// measured from.
fn share_area(
    layout: &crate::platform::ScreenLayout,
    selected: Option<u32>,
    input: &mut dyn InputSink,
    capture: Option<&std_mpsc::Sender<CaptureCmd>>,
    screen: Option<&mut Box<dyn ScreenSource>>,
) -> (i32, i32) {
    let area = layout.area(selected);
    input.set_area(area);
    let chosen = selected.map(|_| area);
    if let Some(c) = capture {
        let _ = c.send(CaptureCmd::Select(chosen));
    } else if let Some(source) = screen
        && let Err(err) = source.select(chosen)
    {
        tracing::warn!(error = %err, "monitor not selected");
    }
    (area.x as i32, area.y as i32)
}

/// What the helper sees of `layout` with monitor `selected` chosen.
fn shown(layout: &crate::platform::ScreenLayout, selected: Option<u32>) -> UiEvent {
    let area = layout.area(selected);
    UiEvent::Shown {
        monitor: selected
            .and_then(|i| layout.monitors.get(i as usize))
            .map(|m| m.name.clone()),
        width: area.w,
        height: area.h,
    }
}

/// The mode to act in when the server claims `claimed`: never more than the
/// sharer allowed here, said in the log when the server claimed more.
fn capped(consent: &Consent, claimed: Option<Mode>) -> Option<Mode> {
    let mode = consent.cap(claimed);
    if mode != claimed {
        tracing::warn!(
            claimed = claimed.map(Mode::as_str),
            allowed = mode.map(Mode::as_str),
            "the server claimed more than the sharer allowed; acting on what the sharer allowed"
        );
    }
    mode
}

/// Sends one control message.
async fn send(out: &mut Outbox, message: &ClientMessage) -> Result<(), ShareError> {
    out.send(Message::Text(encode(message).into())).await
}

/// Starts an end-to-end round (when the session is encrypted).
async fn start_round(out: &mut Outbox, secure: &mut Secure) -> Result<(), ShareError> {
    match secure.start_round() {
        Ok(Some(start)) => send(out, &start).await,
        Ok(None) => Ok(()),
        Err(err) => Err(abort(out, err).await),
    }
}

/// Ends the session because end-to-end encryption failed, telling the helper why.
async fn abort(out: &mut Outbox, err: SecureError) -> ShareError {
    tracing::error!(error = %err, "leaving the session");
    // "the end-to-end security check failed: …", which the console shows as such.
    let leave = ClientMessage::Leave {
        reason: Some(err.to_string()),
    };
    let _ = send(out, &leave).await;
    ShareError::Secure(err)
}
