//! The session socket's sending half, in a task of its own. The driver
//! queues a message and goes straight back to reading, so the helper's
//! input is applied while a screen update (a video picture or a large
//! lossless repaint) is still being written: input never waits behind video.

use super::ShareError;
use crate::client::SessionSocket;
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// How long the last messages (a goodbye) may take to leave at the end.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Messages to the server, written in order by the writer task.
pub(crate) struct Outbox {
    tx: mpsc::UnboundedSender<Message>,
    writer: tokio::task::JoinHandle<()>,
}

impl Outbox {
    /// Starts the writer task on `sink`.
    pub(crate) fn start(mut sink: SplitSink<SessionSocket, Message>) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
        let writer = tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                if let Err(err) = sink.send(message).await {
                    tracing::warn!(error = %err, "writing to the server failed");
                    return;
                }
            }
            let _ = sink.close().await;
        });
        Self { tx, writer }
    }

    /// Queues a message; fails once the connection can no longer be written.
    pub(crate) async fn send(&mut self, message: Message) -> Result<(), ShareError> {
        self.tx
            .send(message)
            .map_err(|_| ShareError::Connection("the connection to the server was lost".into()))
    }

    /// Writes what is queued and closes the sending half.
    pub(crate) async fn finish(self) {
        let Self { tx, writer } = self;
        drop(tx);
        let _ = tokio::time::timeout(FLUSH_TIMEOUT, writer).await;
    }
}
