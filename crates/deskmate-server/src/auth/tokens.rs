//! Random secrets and how they are stored.
//!
//! Tokens are 256 random bits, URL-safe base64 with a readable prefix.
//! The database keeps only their SHA-256, so a database leak does not leak
//! working tokens.

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use ring::rand::{SecureRandom, SystemRandom};

/// Why a secret could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RandomError;

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| RandomError)?;
    Ok(out)
}

/// A fresh token: `prefix` followed by 43 URL-safe characters.
pub fn new_token(prefix: &str) -> Result<String, RandomError> {
    Ok(format!(
        "{prefix}{}",
        BASE64URL_NOPAD.encode(&random_bytes::<32>()?)
    ))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    HEXLOWER.encode(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_unique_and_hash_stably() {
        let a = new_token("dma_").expect("random");
        let b = new_token("dma_").expect("random");
        assert!(a.starts_with("dma_"));
        assert_eq!(a.len(), 4 + 43);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert_eq!(hash_token("abc").len(), 64);
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret!"));
    }
}
