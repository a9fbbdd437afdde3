//! Deskmate's end-to-end encryption, without any I/O (SPEC §8).
//!
//! The security code the helper reads out has a rendezvous part, which the
//! server issues and checks, and a secret part, which the helper's client
//! makes and the server never sees. Both clients know the whole code; the
//! relay knows only the rendezvous part. Once the sharer has redeemed the
//! code, the two clients run this protocol through the relay:
//!
//! 1. [`Handshake::start`] on each side, with the whole code as the
//!    password, the [`Transcript`] (session id and both signed-in user ids)
//!    and 32 random bytes from the caller. Send the [`PakeMessage`].
//! 2. [`Handshake::receive`] the peer's [`PakeMessage`]: derives the keys
//!    and gives a [`ConfirmMessage`] to send.
//! 3. [`Confirming::receive`] the peer's [`ConfirmMessage`]: checks it in
//!    constant time and gives the [`SessionKeys`]. Both sides can show
//!    [`SessionKeys::verification_string`].
//! 4. [`SessionKeys::epoch`] gives a [`SessionCipher`] that seals every data
//!    frame and chat text; [`SessionCipher::split`] gives a [`Sealer`] and
//!    an [`Opener`] for a writer and a reader.
//!
//! A relay that runs its own exchange with a side tests one guess at the
//! secret part per exchange (each [`Handshake`] and [`Confirming`] is used
//! once); a wrong guess fails confirmation with
//! [`E2eError::WrongCodeOrInterference`]. [`session`] runs the exchanges of
//! a session and bounds how many can go unconfirmed: at most
//! [`session::MAX_GUESSES_PER_SESSION`] guesses per session, a success
//! probability of at most 4 / 31⁴ ≈ 4.3 × 10⁻⁶. On any error, end the
//! session.
//!
//! Wire formats (all bytes; [`PakeMessage`] and [`ConfirmMessage`] also as
//! URL-safe base64 without padding for JSON):
//!
//! - PAKE message, 34 bytes: `0x01` (version) ‖ SPAKE2 message (`'A'` from
//!   the helper or `'B'` from the sharer ‖ 32-byte compressed Ed25519 point).
//! - Confirmation, 33 bytes: `0x01` (version) ‖ HMAC-SHA256 tag.
//! - Sealed frame, at least 25 bytes: counter (u64 little-endian) ‖
//!   ChaCha20-Poly1305 ciphertext of (kind byte ‖ payload) ‖ 16-byte tag.
//!   See [`cipher`].
//!
//! The crate has no threads, clocks or OS randomness, so it builds for
//! `wasm32-unknown-unknown` and the browser runs the same code.
//!
//! - [`transcript`]: who and what both sides bind, and the [`Side`]s.
//! - [`messages`]: the two handshake messages and their base64 form.
//! - [`handshake`]: SPAKE2 and key confirmation.
//! - [`keys`]: the confirmed keys, the verification string and epochs.
//! - [`cipher`]: sealing and opening frames.
//! - [`encoding`]: strict base64 for anything that travels in JSON.
//! - [`session`]: rounds over the relay (a fresh exchange after every
//!   reconnect) and the framing of sealed frames and chat.

pub mod cipher;
pub mod encoding;
mod error;
pub mod handshake;
mod kdf;
pub mod keys;
pub mod messages;
pub mod session;
pub mod transcript;

#[cfg(test)]
mod tests;

pub use cipher::{CHANNEL_GOODBYE, CHANNEL_TEXT, Opened, Opener, Sealer, SessionCipher};
pub use error::E2eError;
pub use handshake::{Confirming, Handshake};
pub use keys::SessionKeys;
pub use messages::{ConfirmMessage, PakeMessage};
pub use transcript::{Side, Transcript};

/// The protocol label every derivation and identity starts with.
pub(crate) const LABEL: &str = "deskmate/e2e/v1";

/// The version byte that starts each handshake message.
pub const VERSION: u8 = 1;
