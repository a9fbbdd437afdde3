//! The two handshake messages, as fixed-length byte strings.
//!
//! - [`PakeMessage`], 34 bytes: [`VERSION`] ‖ SPAKE2 message (`'A'` from
//!   the helper, `'B'` from the sharer, then a 32-byte compressed Ed25519
//!   point).
//! - [`ConfirmMessage`], 33 bytes: [`VERSION`] ‖ HMAC-SHA256 tag.
//!
//! Both check length and version when parsed, from bytes or base64.

use crate::encoding::{from_base64_exact, to_base64};
use crate::{E2eError, VERSION};

/// Bytes in a [`PakeMessage`].
pub const PAKE_MESSAGE_BYTES: usize = 34;
/// Bytes in a [`ConfirmMessage`].
pub const CONFIRM_MESSAGE_BYTES: usize = 33;

/// One side's SPAKE2 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PakeMessage([u8; PAKE_MESSAGE_BYTES]);

/// One side's key confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmMessage([u8; CONFIRM_MESSAGE_BYTES]);

impl PakeMessage {
    /// Wraps a SPAKE2 message (side byte and point; always 33 bytes).
    pub(crate) fn from_spake2(spake: &[u8]) -> Self {
        let mut out = [0u8; PAKE_MESSAGE_BYTES];
        out[0] = VERSION;
        for (to, from) in out[1..].iter_mut().zip(spake) {
            *to = *from;
        }
        Self(out)
    }

    /// The SPAKE2 message inside (side byte and point).
    pub(crate) fn spake2(&self) -> &[u8] {
        &self.0[1..]
    }

    /// Parses received bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, E2eError> {
        let array: [u8; PAKE_MESSAGE_BYTES] = bytes
            .try_into()
            .map_err(|_| E2eError::Malformed("PAKE message of the wrong length"))?;
        Self::from_array(array)
    }

    /// Parses received base64.
    pub fn from_base64(text: &str) -> Result<Self, E2eError> {
        Self::from_array(from_base64_exact(text)?)
    }

    fn from_array(array: [u8; PAKE_MESSAGE_BYTES]) -> Result<Self, E2eError> {
        if array[0] != VERSION {
            return Err(E2eError::Malformed("PAKE message of an unknown version"));
        }
        Ok(Self(array))
    }

    /// The bytes to send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The base64 to send in JSON.
    pub fn to_base64(&self) -> String {
        to_base64(&self.0)
    }
}

impl ConfirmMessage {
    /// Wraps a tag.
    pub(crate) fn from_tag(tag: [u8; 32]) -> Self {
        let mut out = [0u8; CONFIRM_MESSAGE_BYTES];
        out[0] = VERSION;
        out[1..].copy_from_slice(&tag);
        Self(out)
    }

    /// The tag inside.
    pub(crate) fn tag(&self) -> &[u8] {
        &self.0[1..]
    }

    /// Parses received bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, E2eError> {
        let array: [u8; CONFIRM_MESSAGE_BYTES] = bytes
            .try_into()
            .map_err(|_| E2eError::Malformed("confirmation of the wrong length"))?;
        Self::from_array(array)
    }

    /// Parses received base64.
    pub fn from_base64(text: &str) -> Result<Self, E2eError> {
        Self::from_array(from_base64_exact(text)?)
    }

    fn from_array(array: [u8; CONFIRM_MESSAGE_BYTES]) -> Result<Self, E2eError> {
        if array[0] != VERSION {
            return Err(E2eError::Malformed("confirmation of an unknown version"));
        }
        Ok(Self(array))
    }

    /// The bytes to send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The base64 to send in JSON.
    pub fn to_base64(&self) -> String {
        to_base64(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lengths_and_versions_are_strict() {
        let mut bytes = [7u8; PAKE_MESSAGE_BYTES];
        bytes[0] = VERSION;
        let pake = PakeMessage::from_bytes(&bytes).expect("well-formed");
        assert_eq!(pake.to_base64().len(), 46);
        assert_eq!(
            PakeMessage::from_base64(&pake.to_base64()),
            Ok(pake.clone())
        );
        assert!(PakeMessage::from_bytes(&bytes[..33]).is_err());
        assert!(PakeMessage::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_err());
        bytes[0] = 2;
        assert!(PakeMessage::from_bytes(&bytes).is_err());

        let confirm = ConfirmMessage::from_tag([9; 32]);
        assert_eq!(confirm.as_bytes().len(), CONFIRM_MESSAGE_BYTES);
        assert_eq!(confirm.as_bytes()[0], VERSION);
        assert_eq!(
            ConfirmMessage::from_base64(&confirm.to_base64()),
            Ok(confirm.clone())
        );
        // A PAKE message is never taken for a confirmation, nor the reverse.
        assert!(ConfirmMessage::from_base64(&pake.to_base64()).is_err());
        assert!(PakeMessage::from_base64(&confirm.to_base64()).is_err());
        assert!(ConfirmMessage::from_bytes(&confirm.as_bytes()[1..]).is_err());
        let mut wrong_version = confirm.as_bytes().to_vec();
        wrong_version[0] = 0;
        assert!(ConfirmMessage::from_bytes(&wrong_version).is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..48), text in ".{0,60}") {
            if let Ok(m) = PakeMessage::from_bytes(&bytes) {
                prop_assert_eq!(m.as_bytes(), bytes.as_slice());
            }
            if let Ok(m) = ConfirmMessage::from_bytes(&bytes) {
                prop_assert_eq!(m.as_bytes(), bytes.as_slice());
            }
            if let Ok(m) = PakeMessage::from_base64(&text) {
                prop_assert_eq!(m.to_base64(), text.clone());
            }
            if let Ok(m) = ConfirmMessage::from_base64(&text) {
                prop_assert_eq!(m.to_base64(), text);
            }
        }
    }
}
