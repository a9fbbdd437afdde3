//! The sharer's end of end-to-end encryption in a session: starts a key
//! exchange round whenever the helper (re)appears, seals the screen and
//! cursor, opens the helper's input and pointer, and seals and opens chat.
//! Without a secret part (`--unencrypted`, scripts and diagnostics) frames
//! pass as they are.

use deskmate_e2e::session::E2eSession;
use deskmate_proto::messages::{ChatMessage, ClientMessage, Side};
use std::collections::VecDeque;

/// Shown instead of a sealed message that can no longer be opened.
pub const UNREADABLE: &str = "(an earlier message that can no longer be shown)";

/// Why the session must end.
#[derive(Debug, thiserror::Error)]
#[error("the end-to-end security check failed: {0}")]
pub struct SecureError(pub String);

/// The session's end-to-end layer (or its absence).
pub struct Secure {
    e2e: Option<E2eSession>,
    /// Chat this side sent and has not yet seen echoed back, oldest first.
    sent: VecDeque<String>,
}

/// Fresh bytes from the system's generator for a key-exchange round; a
/// round is never run on anything predictable.
fn random32() -> Result<[u8; 32], SecureError> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| SecureError("the system has no random numbers for the key exchange".into()))?;
    Ok(bytes)
}

impl Secure {
    /// End to end with `e2e`, or plain without.
    pub fn new(e2e: Option<E2eSession>) -> Self {
        Self {
            e2e,
            sent: VecDeque::new(),
        }
    }

    /// Whether frames may flow (always, when not end to end).
    pub fn ready(&self) -> bool {
        self.e2e.as_ref().is_none_or(E2eSession::is_ready)
    }

    /// The verification string, once the round is confirmed.
    pub fn verification(&self) -> Option<String> {
        self.e2e
            .as_ref()
            .and_then(|e| e.verification().map(str::to_string))
    }

    /// The helper is connected (again): the message that starts a round.
    pub fn start_round(&mut self) -> Result<Option<ClientMessage>, SecureError> {
        let Some(e2e) = self.e2e.as_mut() else {
            return Ok(None);
        };
        let data = e2e
            .start_round(random32()?)
            .map_err(|e| SecureError(e.to_string()))?;
        Ok(Some(ClientMessage::E2e { data }))
    }

    /// A round message from the helper; the replies to send.
    pub fn round_message(&mut self, data: &str) -> Result<Vec<ClientMessage>, SecureError> {
        let Some(e2e) = self.e2e.as_mut() else {
            tracing::warn!("a key-exchange message arrived in an unencrypted session");
            return Ok(Vec::new());
        };
        let replies = e2e
            .receive(data, random32()?)
            .map_err(|e| SecureError(e.to_string()))?;
        Ok(replies
            .into_iter()
            .map(|data| ClientMessage::E2e { data })
            .collect())
    }

    /// The payload to send on `channel`, sealed; `None` while not ready.
    pub fn outgoing(&mut self, channel: u8, payload: Vec<u8>) -> Option<Vec<u8>> {
        match self.e2e.as_mut() {
            None => Some(payload),
            Some(e2e) => e2e.seal(channel, &payload),
        }
    }

    /// A payload that arrived on `channel`, opened; `None`: stale, drop it.
    pub fn incoming(
        &mut self,
        channel: u8,
        payload: &[u8],
    ) -> Result<Option<Vec<u8>>, SecureError> {
        match self.e2e.as_mut() {
            None => Ok(Some(payload.to_vec())),
            Some(e2e) => e2e
                .open(channel, payload)
                .map_err(|e| SecureError(e.to_string())),
        }
    }

    /// The message that sends `text`; `None` while the exchange is not done.
    pub fn chat_out(&mut self, text: String) -> Option<ClientMessage> {
        match self.e2e.as_mut() {
            None => Some(ClientMessage::Chat {
                text,
                sealed: false,
            }),
            Some(e2e) => {
                let sealed = e2e.seal_chat(&text)?;
                self.sent.push_back(text);
                Some(ClientMessage::Chat {
                    text: sealed,
                    sealed: true,
                })
            }
        }
    }

    /// A chat message from the server as the sharer should see it; `None`
    /// for one that is not end-to-end protected in an encrypted session
    /// (anyone on the server could have written it).
    pub fn chat_in(
        &mut self,
        mut message: ChatMessage,
    ) -> Result<Option<ChatMessage>, SecureError> {
        let Some(e2e) = self.e2e.as_mut() else {
            return Ok(Some(message));
        };
        if !message.sealed {
            tracing::warn!(
                seq = message.seq,
                "a chat message without end-to-end protection was ignored"
            );
            return Ok(None);
        }
        message.text = if message.from == Side::Sharer {
            // Our own message, echoed with its number: sealed for the helper, not for us.
            self.sent.pop_front().unwrap_or_else(|| UNREADABLE.into())
        } else {
            e2e.open_chat(&message.text)
                .map_err(|e| SecureError(e.to_string()))?
                .unwrap_or_else(|| UNREADABLE.into())
        };
        message.sealed = false;
        Ok(Some(message))
    }
}
