//! Checking what enrolled devices sign: Ed25519 signatures over the messages
//! `deskmate_proto::device` defines, with the public key the device
//! registered at enrolment (unpadded base64url, 32 bytes).

use data_encoding::BASE64URL_NOPAD;
use ring::signature::{ED25519, UnparsedPublicKey};

/// Why a device key or signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key is not 32 bytes of base64url.
    #[error("the device key must be an Ed25519 public key (32 bytes, base64url)")]
    BadKey,
    /// The signature is not 64 bytes of base64url.
    #[error("the signature must be 64 bytes of base64url")]
    BadSignature,
    /// The signature does not match.
    #[error("the device's signature does not match its key")]
    Mismatch,
}

/// Checks that `public_key` is a well-formed Ed25519 key.
pub fn parse_public_key(public_key: &str) -> Result<Vec<u8>, KeyError> {
    let bytes = BASE64URL_NOPAD
        .decode(public_key.trim().as_bytes())
        .map_err(|_| KeyError::BadKey)?;
    if bytes.len() != 32 {
        return Err(KeyError::BadKey);
    }
    Ok(bytes)
}

/// Checks `signature` (base64url) over `message` with `public_key` (base64url).
pub fn verify(public_key: &str, message: &[u8], signature: &str) -> Result<(), KeyError> {
    let key = parse_public_key(public_key)?;
    let signature = BASE64URL_NOPAD
        .decode(signature.trim().as_bytes())
        .map_err(|_| KeyError::BadSignature)?;
    if signature.len() != 64 {
        return Err(KeyError::BadSignature);
    }
    UnparsedPublicKey::new(&ED25519, key)
        .verify(message, &signature)
        .map_err(|_| KeyError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    fn key_pair() -> Ed25519KeyPair {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("key generation");
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("own key parses")
    }

    #[test]
    fn a_genuine_signature_verifies_and_any_change_fails() {
        let pair = key_pair();
        let public = BASE64URL_NOPAD.encode(pair.public_key().as_ref());
        let signature = BASE64URL_NOPAD.encode(pair.sign(b"hello").as_ref());
        assert_eq!(verify(&public, b"hello", &signature), Ok(()));
        assert_eq!(
            verify(&public, b"hellp", &signature),
            Err(KeyError::Mismatch)
        );
        let other = BASE64URL_NOPAD.encode(key_pair().public_key().as_ref());
        assert_eq!(
            verify(&other, b"hello", &signature),
            Err(KeyError::Mismatch)
        );
    }

    #[test]
    fn malformed_keys_and_signatures_are_named() {
        assert_eq!(parse_public_key("short"), Err(KeyError::BadKey));
        assert_eq!(parse_public_key("!!!"), Err(KeyError::BadKey));
        let public = BASE64URL_NOPAD.encode(key_pair().public_key().as_ref());
        assert_eq!(verify(&public, b"x", "AAAA"), Err(KeyError::BadSignature));
        assert_eq!(verify(&public, b"x", "%%"), Err(KeyError::BadSignature));
    }
}
