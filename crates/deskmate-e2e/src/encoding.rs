//! Strict base64 for end-to-end bytes that travel inside JSON control
//! messages (handshake messages, sealed chat text).
//!
//! URL-safe alphabet without padding, as the server's tokens use. Decoding
//! refuses other alphabets, padding, whitespace and non-canonical trailing
//! bits, and checks the length before decoding anything.

use crate::E2eError;
use data_encoding::BASE64URL_NOPAD;

/// Bytes as URL-safe base64 without padding.
pub fn to_base64(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

/// Decodes URL-safe base64 without padding into at most `max_bytes` bytes.
pub fn from_base64(text: &str, max_bytes: usize) -> Result<Vec<u8>, E2eError> {
    let decoded_len = BASE64URL_NOPAD
        .decode_len(text.len())
        .map_err(|_| E2eError::Malformed("base64 of impossible length"))?;
    if decoded_len > max_bytes {
        return Err(E2eError::Malformed("base64 too long"));
    }
    BASE64URL_NOPAD
        .decode(text.as_bytes())
        .map_err(|_| E2eError::Malformed("not URL-safe base64 without padding"))
}

/// Decodes base64 that must hold exactly `N` bytes.
pub(crate) fn from_base64_exact<const N: usize>(text: &str) -> Result<[u8; N], E2eError> {
    if text.len() != BASE64URL_NOPAD.encode_len(N) {
        return Err(E2eError::Malformed("base64 of the wrong length"));
    }
    let bytes = from_base64(text, N)?;
    bytes
        .try_into()
        .map_err(|_| E2eError::Malformed("base64 of the wrong length"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refuses_what_is_not_strict_base64() {
        assert_eq!(to_base64(&[0xfb, 0xff]), "-_8");
        assert_eq!(from_base64("-_8", 2), Ok(vec![0xfb, 0xff]));
        for bad in ["+/8", "-_8=", " -_8", "-_9", "-_8\n", "A", "é"] {
            assert!(from_base64(bad, 16).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            from_base64("AAAA", 2),
            Err(E2eError::Malformed("base64 too long"))
        );
        assert!(from_base64_exact::<3>("AAAA").is_ok());
        assert!(from_base64_exact::<3>("AAA").is_err());
        assert!(from_base64_exact::<2>("AAAA").is_err());
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let text = to_base64(&bytes);
            prop_assert_eq!(from_base64(&text, bytes.len()), Ok(bytes.clone()));
            if !bytes.is_empty() {
                prop_assert!(from_base64(&text, bytes.len() - 1).is_err());
            }
        }
    }
}
