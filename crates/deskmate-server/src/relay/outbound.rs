//! What a connection sends, with back-pressure that never lets a slow
//! viewer grow server memory: control messages, input and pointer frames go
//! through a bounded queue (overflow means the peer is too slow and is
//! disconnected, to reconnect); screen frames go through a one-frame slot
//! where a newer frame replaces a stale one.

use axum::body::Bytes;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Notify, mpsc};

/// Control queue depth per connection.
pub const CONTROL_QUEUE: usize = 1024;

/// One item for the writer.
#[derive(Debug)]
pub enum Out {
    /// A JSON control message.
    Text(String),
    /// A reliable data frame (input, pointer).
    Binary(Bytes),
    /// Close the connection with a code and reason.
    Close(u16, String),
}

/// The latest screen frame not yet sent.
#[derive(Debug, Default)]
pub struct VideoSlot {
    frame: Mutex<Option<Bytes>>,
    notify: Notify,
    replaced: AtomicU64,
}

impl VideoSlot {
    /// Puts a frame in the slot, replacing (dropping) an unsent older one.
    pub fn put(&self, frame: Bytes) {
        let mut slot = self.frame.lock().unwrap_or_else(|p| p.into_inner());
        if slot.replace(frame).is_some() {
            self.replaced.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("deskmate_relay_screen_frames_replaced_total").increment(1);
        }
        drop(slot);
        self.notify.notify_one();
    }

    /// Takes the frame, if any.
    pub fn take(&self) -> Option<Bytes> {
        self.frame.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Waits until a frame may be there.
    pub async fn ready(&self) {
        self.notify.notified().await;
    }

    /// How many frames were replaced before being sent.
    pub fn replaced(&self) -> u64 {
        self.replaced.load(Ordering::Relaxed)
    }
}

/// The sending half of one connection.
#[derive(Debug, Clone)]
pub struct PeerTx {
    /// Ordered, bounded.
    pub control: mpsc::Sender<Out>,
    /// Latest screen frame.
    pub video: std::sync::Arc<VideoSlot>,
}

impl PeerTx {
    /// Queues a control item. False when the queue is full (peer too slow) or closed.
    pub fn send(&self, out: Out) -> bool {
        self.control.try_send(out).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_frame_replaces_an_unsent_one() {
        let slot = VideoSlot::default();
        slot.put(Bytes::from_static(b"old"));
        slot.put(Bytes::from_static(b"new"));
        assert_eq!(slot.take().as_deref(), Some(&b"new"[..]));
        assert_eq!(slot.take(), None);
        assert_eq!(slot.replaced(), 1);
    }
}
