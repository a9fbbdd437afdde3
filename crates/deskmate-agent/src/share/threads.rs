//! The session's two platform threads: screen capture and encoding (one
//! update in flight, released by credits) and cursor polling. They block on
//! the X server, so they run beside the async driver, not in it.
//!
//! Pacing: an update is grabbed and encoded only once the previous one is
//! acknowledged, so nothing stale ever waits in a queue: changes in between
//! merge into the next update, and a video picture is always of the newest
//! screen. Input never passes through this thread.
//!
//! When the monitors or the resolution change, the thread reports the new
//! layout and captures nothing until the driver has decided what to share.

use crate::platform::{CursorSource, PlatformError, ScreenLayout, ScreenSource};
use deskmate_codec::Encoder;
use deskmate_proto::cursor::CursorUpdate;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::Instant;
use tokio::sync::mpsc;

/// Longest wait for damage before the command queue is looked at again.
const WAIT_MS: u64 = 50;

/// What the driver tells the capture thread.
pub(crate) enum CaptureCmd {
    /// One more update may be sent.
    Credit,
    /// The next update must be a full screen.
    Keyframe,
    /// Share only this area (a monitor), or everything.
    Select(Option<deskmate_codec::Rect>),
}

/// What the capture thread tells the driver.
pub(crate) enum CaptureEvent {
    /// An encoded screen update.
    Update(Vec<u8>),
    /// The monitors or the resolution changed. Nothing is captured until the
    /// driver says which area to share now (`CaptureCmd::Select`); then a
    /// keyframe follows.
    Layout(ScreenLayout),
    /// The screen can no longer be read; the thread has stopped.
    Failed(PlatformError),
}

/// What the capture thread has been asked for.
#[derive(Default)]
struct Wants {
    /// One more update may be sent.
    credit: bool,
    /// The next update is a full screen.
    keyframe: bool,
    /// The layout changed and the driver has not yet said what to share.
    unsettled: bool,
}

impl Wants {
    fn obey(&mut self, cmd: CaptureCmd, screen: &mut dyn ScreenSource) {
        match cmd {
            CaptureCmd::Credit => self.credit = true,
            CaptureCmd::Keyframe => self.keyframe = true,
            CaptureCmd::Select(area) => {
                if let Err(err) = screen.select(area) {
                    tracing::warn!(error = %err, "monitor not selected");
                }
                self.unsettled = false;
                self.keyframe = true;
            }
        }
    }
}

/// Runs the capture loop on its own thread: waits for a credit, then for a
/// change, and sends the encoded update.
pub(crate) fn spawn_capture(
    mut screen: Box<dyn ScreenSource>,
    events: mpsc::Sender<CaptureEvent>,
) -> std_mpsc::Sender<CaptureCmd> {
    let (tx, rx) = std_mpsc::channel::<CaptureCmd>();
    std::thread::spawn(move || {
        let mut encoder = Encoder::new();
        let mut wants = Wants::default();
        // Whether the screen's copy is current: a video rectangle that went
        // quiet is repainted from it.
        let mut read = false;
        let mut video_error: Option<String> = None;
        loop {
            // Without a credit (or a settled layout) there is nothing to do but wait.
            while !wants.credit || wants.unsettled {
                match rx.recv() {
                    Ok(cmd) => wants.obey(cmd, screen.as_mut()),
                    Err(_) => return,
                }
            }
            loop {
                match rx.try_recv() {
                    Ok(cmd) => wants.obey(cmd, screen.as_mut()),
                    Err(std_mpsc::TryRecvError::Empty) => break,
                    Err(std_mpsc::TryRecvError::Disconnected) => return,
                }
            }
            // Nothing read yet (or since the layout changed): everything first.
            let update = if wants.keyframe || !read {
                wants.keyframe = false;
                encoder.request_keyframe();
                screen.grab_all().map(|()| {
                    read = true;
                    encoder.encode(screen.frame(), None)
                })
            } else {
                // Wake up in time to make a quiet video rectangle lossless.
                let wait = encoder.wake_at().map_or(WAIT_MS, |at| {
                    let ms = at.saturating_duration_since(Instant::now()).as_millis();
                    ms.min(u128::from(WAIT_MS)) as u64
                });
                match screen.next(wait) {
                    Ok(Some(dirty)) => Ok(encoder.encode(screen.frame(), Some(&dirty))),
                    Ok(None) => Ok(match encoder.wake_at() {
                        Some(at) if read && at <= Instant::now() => {
                            encoder.encode(screen.frame(), Some(&[]))
                        }
                        _ => None,
                    }),
                    Err(e) => Err(e),
                }
            };
            if encoder.video_error() != video_error.as_deref() {
                video_error = encoder.video_error().map(str::to_string);
                if let Some(err) = &video_error {
                    tracing::warn!(error = %err, "video paused; motion is sent losslessly");
                }
            }
            // A layout change wins over what was grabbed with the old one
            // (and over a grab it made fail).
            if let Some(layout) = screen.layout_changed() {
                wants.unsettled = true;
                read = false;
                if events.blocking_send(CaptureEvent::Layout(layout)).is_err() {
                    return;
                }
                continue;
            }
            match update {
                Ok(Some(bytes)) => {
                    wants.credit = false;
                    if events.blocking_send(CaptureEvent::Update(bytes)).is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    let _ = events.blocking_send(CaptureEvent::Failed(err));
                    return;
                }
            }
        }
    });
    tx
}

/// Polls the cursor on its own thread while the session streams.
pub(crate) fn spawn_cursor(
    mut cursor: Box<dyn CursorSource>,
    updates: mpsc::Sender<CursorUpdate>,
    resend: Arc<AtomicBool>,
) {
    std::thread::spawn(move || {
        // Poll every frame while the cursor moves, slowly once it rests.
        let mut last_move = std::time::Instant::now();
        loop {
            if resend.swap(false, Ordering::Relaxed) {
                cursor.resend();
            }
            match cursor.poll() {
                Ok(list) => {
                    if !list.is_empty() {
                        last_move = std::time::Instant::now();
                    }
                    for update in list {
                        if updates.blocking_send(update).is_err() {
                            return;
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cursor updates stopped");
                    return;
                }
            }
            let rest = if last_move.elapsed() < std::time::Duration::from_secs(1) {
                16
            } else {
                100
            };
            std::thread::sleep(std::time::Duration::from_millis(rest));
        }
    });
}
