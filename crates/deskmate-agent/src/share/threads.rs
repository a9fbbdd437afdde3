//! The session's two platform threads: screen capture and encoding (one
//! update in flight, released by credits) and cursor polling. They block on
//! the X server, so they run beside the async driver, not in it.
//!
//! Pacing: an update is grabbed and encoded only once the previous one is
//! acknowledged, so nothing stale ever waits in a queue: changes in between
//! merge into the next update, and a video picture is always of the newest
//! screen. Input never passes through this thread.

use crate::platform::{CursorSource, PlatformError, ScreenSource};
use deskmate_codec::{Encoder, Frame};
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

/// Runs the capture loop on its own thread: waits for a credit, then for a
/// change, and sends the encoded update.
pub(crate) fn spawn_capture(
    mut screen: Box<dyn ScreenSource>,
    updates: mpsc::Sender<Result<Vec<u8>, PlatformError>>,
) -> std_mpsc::Sender<CaptureCmd> {
    let (tx, rx) = std_mpsc::channel::<CaptureCmd>();
    std::thread::spawn(move || {
        let mut encoder = Encoder::new();
        let mut credit = false;
        let mut keyframe = false;
        // The last grab: a video rectangle that went quiet is repainted from it.
        let mut last: Option<Frame> = None;
        let mut video_error: Option<String> = None;
        loop {
            // Without a credit there is nothing to do but wait for one.
            while !credit {
                match rx.recv() {
                    Ok(CaptureCmd::Credit) => credit = true,
                    Ok(CaptureCmd::Keyframe) => keyframe = true,
                    Ok(CaptureCmd::Select(area)) => {
                        if let Err(err) = screen.select(area) {
                            tracing::warn!(error = %err, "monitor not selected");
                        }
                        keyframe = true;
                    }
                    Err(_) => return,
                }
            }
            loop {
                match rx.try_recv() {
                    Ok(CaptureCmd::Credit) => credit = true,
                    Ok(CaptureCmd::Keyframe) => keyframe = true,
                    Ok(CaptureCmd::Select(area)) => {
                        if let Err(err) = screen.select(area) {
                            tracing::warn!(error = %err, "monitor not selected");
                        }
                        keyframe = true;
                    }
                    Err(std_mpsc::TryRecvError::Empty) => break,
                    Err(std_mpsc::TryRecvError::Disconnected) => return,
                }
            }
            let update = if keyframe {
                keyframe = false;
                encoder.request_keyframe();
                screen.grab_all().map(|frame| {
                    let update = encoder.encode(&frame, None);
                    last = Some(frame);
                    update
                })
            } else {
                // Wake up in time to make a quiet video rectangle lossless.
                let wait = encoder.wake_at().map_or(WAIT_MS, |at| {
                    let ms = at.saturating_duration_since(Instant::now()).as_millis();
                    ms.min(u128::from(WAIT_MS)) as u64
                });
                match screen.next(wait) {
                    Ok(Some(capture)) => {
                        let update = encoder.encode(&capture.frame, capture.dirty.as_deref());
                        last = Some(capture.frame);
                        Ok(update)
                    }
                    Ok(None) => Ok(match (&last, encoder.wake_at()) {
                        (Some(frame), Some(at)) if at <= Instant::now() => {
                            encoder.encode(frame, Some(&[]))
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
            match update {
                Ok(Some(bytes)) => {
                    credit = false;
                    if updates.blocking_send(Ok(bytes)).is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    let _ = updates.blocking_send(Err(err));
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
