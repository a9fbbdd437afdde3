//! Sealing and opening frames with ChaCha20-Poly1305.
//!
//! Sealed frame (at least [`OVERHEAD`] bytes):
//!
//! ```text
//! counter: u64 little-endian (8) ‖ ciphertext of (payload ‖ kind: u8) ‖ tag (16)
//! ```
//!
//! - Key: this direction's key for the epoch (see [`crate::keys`]).
//! - Nonce: channel ‖ `00 00 00` ‖ counter (u64 LE). Each channel has its
//!   own counter from 0 in each direction, because the relay carries
//!   channels on different queues (screen frames in a one-frame slot,
//!   everything else in an ordered queue), so frames of different channels
//!   may legitimately overtake each other.
//! - AAD: `"deskmate/e2e/v1 frame "` ‖ direction (`"helper->sharer"` or
//!   `"sharer->helper"`) ‖ epoch (u32 BE) ‖ channel ‖ counter (u64 LE).
//!   The channel travels outside (the data frame's first byte, or implied by
//!   the JSON message), so the receiver names it when opening.
//! - Kind: `0` data, `1` goodbye.
//!
//! [`Opener::open`] authenticates first, so a changed bit anywhere is
//! [`E2eError::Tampered`]; then it accepts only the next counter of that
//! channel: an older one is [`E2eError::Replayed`], a later one
//! [`E2eError::OutOfOrder`]. [`Opener::open_droppable`] is for channels
//! the relay may thin out (screen updates): it accepts any later counter
//! and reports how many were skipped.
//!
//! Goodbye: before leaving on purpose, a side sends [`Sealer::seal_goodbye`]
//! (on [`CHANNEL_GOODBYE`], e.g. in the leave message). Its payload lists
//! how many frames were sealed on each channel (channel u8 ‖ count u64 LE,
//! repeated), so [`Opened::Goodbye`] tells how many never arrived. A peer
//! that left without a sealed goodbye was cut off (connection lost, or the
//! relay ended it), whatever the relay says.

use crate::{E2eError, LABEL, Side};
use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit, Nonce, Tag};
use std::fmt;

/// The channel [`Sealer::seal_text`] uses for chat.
pub const CHANNEL_TEXT: u8 = 0x10;
/// The channel [`Sealer::seal_goodbye`] uses.
pub const CHANNEL_GOODBYE: u8 = 0xFF;
/// Bytes a sealed frame adds to its payload: counter, kind and tag.
pub const OVERHEAD: usize = COUNTER_BYTES + 1 + TAG_BYTES;

const COUNTER_BYTES: usize = 8;
const TAG_BYTES: usize = 16;
const KIND_DATA: u8 = 0;
const KIND_GOODBYE: u8 = 1;
const GOODBYE_ENTRY_BYTES: usize = 9;

/// What an opened frame held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A payload, as sealed.
    Data(Vec<u8>),
    /// The peer is leaving on purpose. `unreceived` is how many frames it
    /// sealed that this opener has not opened (0: nothing was lost; frames
    /// of a droppable channel that were skipped count as received).
    Goodbye {
        /// Frames sealed by the peer and not (yet) opened here.
        unreceived: u64,
    },
}

/// Seals this side's frames.
pub struct Sealer {
    aead: ChaCha20Poly1305,
    from: Side,
    epoch: u32,
    next: Box<[u64; 256]>,
}

/// Opens the peer's frames.
pub struct Opener {
    aead: ChaCha20Poly1305,
    from: Side,
    epoch: u32,
    expected: Box<[u64; 256]>,
}

/// Both directions of one epoch. [`split`](Self::split) it for a writer and
/// a reader.
#[derive(Debug)]
pub struct SessionCipher {
    sealer: Sealer,
    opener: Opener,
}

impl SessionCipher {
    pub(crate) fn new(side: Side, epoch: u32, send_key: &[u8; 32], receive_key: &[u8; 32]) -> Self {
        Self {
            sealer: Sealer {
                aead: ChaCha20Poly1305::new(Key::from_slice(send_key)),
                from: side,
                epoch,
                next: Box::new([0; 256]),
            },
            opener: Opener {
                aead: ChaCha20Poly1305::new(Key::from_slice(receive_key)),
                from: side.peer(),
                epoch,
                expected: Box::new([0; 256]),
            },
        }
    }

    /// The sealer and the opener, for separate writer and reader tasks.
    pub fn split(self) -> (Sealer, Opener) {
        (self.sealer, self.opener)
    }

    /// See [`Sealer::seal`].
    pub fn seal(&mut self, channel: u8, plaintext: &[u8]) -> Vec<u8> {
        self.sealer.seal(channel, plaintext)
    }

    /// See [`Sealer::seal_text`].
    pub fn seal_text(&mut self, text: &str) -> Vec<u8> {
        self.sealer.seal_text(text)
    }

    /// See [`Sealer::seal_goodbye`].
    pub fn seal_goodbye(&mut self) -> Vec<u8> {
        self.sealer.seal_goodbye()
    }

    /// See [`Opener::open`].
    pub fn open(&mut self, channel: u8, sealed: &[u8]) -> Result<Opened, E2eError> {
        self.opener.open(channel, sealed)
    }

    /// See [`Opener::open_droppable`].
    pub fn open_droppable(
        &mut self,
        channel: u8,
        sealed: &[u8],
    ) -> Result<(Vec<u8>, u64), E2eError> {
        self.opener.open_droppable(channel, sealed)
    }

    /// See [`Opener::open_text`].
    pub fn open_text(&mut self, sealed: &[u8]) -> Result<String, E2eError> {
        self.opener.open_text(sealed)
    }
}

impl Sealer {
    /// Seals `plaintext` for `channel`: `counter ‖ ciphertext ‖ tag`.
    ///
    /// Returns an empty vector (which the peer refuses as malformed) rather
    /// than reuse a nonce, should a channel ever reach 2⁶⁴ − 1 frames or a
    /// payload exceed ChaCha20-Poly1305's 256 GiB.
    pub fn seal(&mut self, channel: u8, plaintext: &[u8]) -> Vec<u8> {
        self.seal_kind(channel, KIND_DATA, plaintext)
    }

    /// Seals chat text on [`CHANNEL_TEXT`].
    pub fn seal_text(&mut self, text: &str) -> Vec<u8> {
        self.seal(CHANNEL_TEXT, text.as_bytes())
    }

    /// Seals the goodbye that marks an orderly end, on [`CHANNEL_GOODBYE`].
    /// Send it last; frames sealed after it are still counted by the peer
    /// but a caller should not send any.
    pub fn seal_goodbye(&mut self) -> Vec<u8> {
        let mut summary = Vec::new();
        for (channel, &count) in (0..=u8::MAX).zip(self.next.iter()) {
            if count > 0 {
                summary.push(channel);
                summary.extend_from_slice(&count.to_le_bytes());
            }
        }
        self.seal_kind(CHANNEL_GOODBYE, KIND_GOODBYE, &summary)
    }

    fn seal_kind(&mut self, channel: u8, kind: u8, payload: &[u8]) -> Vec<u8> {
        let slot = &mut self.next[usize::from(channel)];
        let counter = *slot;
        if counter == u64::MAX {
            return Vec::new();
        }
        *slot = counter + 1;
        let mut out = Vec::with_capacity(OVERHEAD + payload.len());
        out.extend_from_slice(&counter.to_le_bytes());
        out.extend_from_slice(payload);
        out.push(kind);
        let aad = aad(self.from, self.epoch, channel, counter);
        match self.aead.encrypt_in_place_detached(
            &nonce(channel, counter),
            &aad,
            &mut out[COUNTER_BYTES..],
        ) {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                out
            }
            Err(_) => Vec::new(),
        }
    }
}

impl Opener {
    /// Opens the next frame of `channel`. Only the very next counter of the
    /// channel is accepted; every error leaves the opener as it was.
    pub fn open(&mut self, channel: u8, sealed: &[u8]) -> Result<Opened, E2eError> {
        let (counter, mut plain) = self.decrypt(channel, sealed)?;
        let expected = self.expected[usize::from(channel)];
        if counter < expected {
            return Err(E2eError::Replayed {
                expected,
                got: counter,
            });
        }
        if counter > expected {
            return Err(E2eError::OutOfOrder {
                expected,
                got: counter,
            });
        }
        let opened = match plain.pop() {
            Some(KIND_DATA) => Opened::Data(plain),
            Some(KIND_GOODBYE) => Opened::Goodbye {
                unreceived: self.unreceived(&plain)?,
            },
            _ => return Err(E2eError::Malformed("unknown kind of sealed frame")),
        };
        self.expected[usize::from(channel)] = expected + 1;
        Ok(opened)
    }

    /// Opens a frame of a channel whose frames the relay may drop (screen
    /// updates): any counter from the expected one on is accepted. Returns
    /// the payload and how many frames were skipped (dropped on the way);
    /// replays are still refused, and a goodbye here is malformed.
    pub fn open_droppable(
        &mut self,
        channel: u8,
        sealed: &[u8],
    ) -> Result<(Vec<u8>, u64), E2eError> {
        let (counter, mut plain) = self.decrypt(channel, sealed)?;
        let expected = self.expected[usize::from(channel)];
        if counter < expected {
            return Err(E2eError::Replayed {
                expected,
                got: counter,
            });
        }
        if plain.pop() != Some(KIND_DATA) {
            return Err(E2eError::Malformed("a droppable channel carries data only"));
        }
        self.expected[usize::from(channel)] = counter + 1;
        Ok((plain, counter - expected))
    }

    /// Opens chat text sealed with [`Sealer::seal_text`].
    pub fn open_text(&mut self, sealed: &[u8]) -> Result<String, E2eError> {
        match self.open(CHANNEL_TEXT, sealed)? {
            Opened::Data(bytes) => {
                String::from_utf8(bytes).map_err(|_| E2eError::Malformed("chat text is not UTF-8"))
            }
            Opened::Goodbye { .. } => Err(E2eError::Malformed(
                "a goodbye where chat text was expected",
            )),
        }
    }

    /// Checks the tag; gives the counter and the plaintext (payload ‖ kind).
    fn decrypt(&self, channel: u8, sealed: &[u8]) -> Result<(u64, Vec<u8>), E2eError> {
        if sealed.len() < OVERHEAD {
            return Err(E2eError::Malformed("sealed frame too short"));
        }
        let (head, rest) = sealed.split_at(COUNTER_BYTES);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_BYTES);
        let mut counter_bytes = [0u8; COUNTER_BYTES];
        counter_bytes.copy_from_slice(head);
        let counter = u64::from_le_bytes(counter_bytes);
        let mut plain = ciphertext.to_vec();
        self.aead
            .decrypt_in_place_detached(
                &nonce(channel, counter),
                &aad(self.from, self.epoch, channel, counter),
                &mut plain,
                Tag::from_slice(tag),
            )
            .map_err(|_| E2eError::Tampered)?;
        Ok((counter, plain))
    }

    /// Frames the peer's goodbye summary lists that were not opened here.
    fn unreceived(&self, summary: &[u8]) -> Result<u64, E2eError> {
        if !summary.len().is_multiple_of(GOODBYE_ENTRY_BYTES) {
            return Err(E2eError::Malformed("goodbye summary"));
        }
        let mut total = 0u64;
        for entry in summary.chunks_exact(GOODBYE_ENTRY_BYTES) {
            let mut count = [0u8; 8];
            count.copy_from_slice(&entry[1..]);
            let sent = u64::from_le_bytes(count);
            let opened = self.expected[usize::from(entry[0])];
            total = total.saturating_add(sent.saturating_sub(opened));
        }
        Ok(total)
    }
}

fn nonce(channel: u8, counter: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[0] = channel;
    n[4..].copy_from_slice(&counter.to_le_bytes());
    Nonce::from(n)
}

fn aad(from: Side, epoch: u32, channel: u8, counter: u64) -> Vec<u8> {
    let direction: &[u8] = match from {
        Side::Helper => b"helper->sharer",
        Side::Sharer => b"sharer->helper",
    };
    let mut aad = Vec::with_capacity(LABEL.len() + 7 + direction.len() + 4 + 1 + 8);
    aad.extend_from_slice(LABEL.as_bytes());
    aad.extend_from_slice(b" frame ");
    aad.extend_from_slice(direction);
    aad.extend_from_slice(&epoch.to_be_bytes());
    aad.push(channel);
    aad.extend_from_slice(&counter.to_le_bytes());
    aad
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("from", &self.from)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Opener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opener")
            .field("from", &self.from)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}
