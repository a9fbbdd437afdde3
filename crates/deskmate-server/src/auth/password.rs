//! Password hashing with argon2id and the password rules.
//!
//! Hashing is deliberately slow, so callers run it on a blocking thread.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted (bounds hashing work).
pub const MAX_LENGTH: usize = 256;

/// Why a password was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    /// Too short.
    #[error("the password must have at least {MIN_LENGTH} characters")]
    TooShort,
    /// Too long.
    #[error("the password must have at most {MAX_LENGTH} characters")]
    TooLong,
    /// Same as the e-mail address.
    #[error("the password must not be the e-mail address")]
    SameAsEmail,
    /// The hashing library failed.
    #[error("could not hash the password: {0}")]
    Hashing(String),
}

fn hasher() -> Argon2<'static> {
    // OWASP's recommended argon2id parameters: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password against the rules.
pub fn check_rules(password: &str, email: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_LENGTH {
        return Err(PasswordError::TooLong);
    }
    if password.eq_ignore_ascii_case(email) {
        return Err(PasswordError::SameAsEmail);
    }
    Ok(())
}

/// Hashes a password into a PHC string (`$argon2id$…`).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt_bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt_bytes)
        .map_err(|_| PasswordError::Hashing("no randomness available".into()))?;
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Whether `password` matches `phc`. A malformed stored hash never matches.
/// Each argon2 evaluation counts in `deskmate_password_verifications_total`.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_LENGTH {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => {
            metrics::counter!("deskmate_password_verifications_total").increment(1);
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        }
        Err(_) => false,
    }
}

/// Spends the same effort as a real verification, for unknown accounts, so
/// response times do not reveal which e-mail addresses exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("deskmate-dummy-password").unwrap_or_default());
    let _ = verify(password, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let phc = hash("correct horse battery").expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterY", &phc));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn salts_differ() {
        assert_ne!(hash("same password!").ok(), hash("same password!").ok());
    }

    #[test]
    fn rules() {
        assert_eq!(check_rules("short", "a@b.c"), Err(PasswordError::TooShort));
        assert_eq!(
            check_rules(&"x".repeat(300), "a@b.c"),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            check_rules("Alice@Example.org", "alice@example.org"),
            Err(PasswordError::SameAsEmail)
        );
        assert_eq!(check_rules("long enough passphrase", "a@b.c"), Ok(()));
        // Counted in characters, not bytes.
        assert_eq!(
            check_rules("ééééééééééé", "a@b.c"),
            Err(PasswordError::TooShort)
        );
    }
}
