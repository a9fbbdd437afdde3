//! Secrets the server must read back (TOTP seeds) are stored sealed with
//! AES-256-GCM under a key kept in a file outside the database (by default
//! `DATA_DIR/secrets.key`, 0600), so a copy of the database alone does not
//! reveal them. Each value is bound to its owner (the user id is the
//! associated data), so sealed values cannot be swapped between rows.
//!
//! At start the key is loaded (or created on first run), every sealed value
//! in the database is checked to open with it, and values stored in plain
//! text by earlier versions are sealed.

use crate::private_files::{self, FileError};
use crate::store::{Store, StoreError};
use data_encoding::BASE64URL_NOPAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::path::Path;

/// How a sealed value starts (the version of the format).
pub const SEALED_PREFIX: &str = "sealed1:";

/// Why the secrets key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// Reading or writing the key file failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// The key file holds something else.
    #[error(
        "the secrets key file {0} does not hold a Deskmate key (one line: 32 bytes, base64url)"
    )]
    Malformed(String),
    /// The key file is missing but the database holds sealed secrets.
    #[error(
        "the secrets key file {path} is missing, but the database holds {count} second-factor \
         secret(s) sealed with it; restore the file from a backup (or point --secrets-key at it). \
         A new key cannot open them"
    )]
    Missing {
        /// Where the key was expected.
        path: String,
        /// Sealed values in the database.
        count: usize,
    },
    /// Sealed values in the database do not open with this key.
    #[error(
        "{count} second-factor secret(s) in the database do not open with the key in {path}: \
         it is not the key they were sealed with. Restore the original key file (or point \
         --secrets-key at it); starting with another key would lock those users out"
    )]
    WrongKey {
        /// The key file.
        path: String,
        /// Values that did not open.
        count: usize,
    },
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Random,
    /// A stored value could not be opened.
    #[error("a sealed secret does not open with this server's key")]
    Open,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The key secrets are sealed with.
pub struct SecretsKey {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretsKey(..)")
    }
}

impl SecretsKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        Some(Self {
            key: LessSafeKey::new(key),
            rng: SystemRandom::new(),
        })
    }

    /// Whether a stored value is sealed (rather than plain text from an earlier version).
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(SEALED_PREFIX)
    }

    /// Seals `plain` for `owner`.
    pub fn seal(&self, owner: &str, plain: &str) -> Result<String, SecretsError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| SecretsError::Random)?;
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner.as_bytes()),
                &mut data,
            )
            .map_err(|_| SecretsError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{SEALED_PREFIX}{}", BASE64URL_NOPAD.encode(&out)))
    }

    /// Opens a value sealed for `owner`.
    pub fn open(&self, owner: &str, sealed: &str) -> Result<String, SecretsError> {
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| BASE64URL_NOPAD.decode(b.as_bytes()).ok())
            .ok_or(SecretsError::Open)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretsError::Open);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretsError::Open)?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut data)
            .map_err(|_| SecretsError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretsError::Open)
    }
}

fn read_key(path: &Path) -> Result<Option<SecretsKey>, SecretsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(FileError::new("cannot read", path)(err).into()),
    };
    private_files::tighten(path, 0o600);
    BASE64URL_NOPAD
        .decode(text.trim().as_bytes())
        .ok()
        .filter(|b| b.len() == 32)
        .and_then(|b| SecretsKey::from_bytes(&b))
        .map(Some)
        .ok_or_else(|| SecretsError::Malformed(path.display().to_string()))
}

fn create_key(path: &Path) -> Result<SecretsKey, SecretsError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| SecretsError::Random)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        private_files::create_dir(parent)?;
    }
    private_files::write(
        path,
        format!("{}\n", BASE64URL_NOPAD.encode(&bytes)).as_bytes(),
    )?;
    tracing::info!(path = %path.display(), "created the key that seals second-factor secrets; back it up with the database");
    SecretsKey::from_bytes(&bytes).ok_or(SecretsError::Random)
}

/// Loads the key at `path` (creating it when the database holds no sealed
/// value yet), checks that every sealed value opens, and seals plain-text ones.
pub async fn prepare(store: &Store, path: &Path) -> Result<SecretsKey, SecretsError> {
    let stored = store.stored_totp_secrets().await?;
    let sealed = stored
        .iter()
        .filter(|(_, v)| SecretsKey::is_sealed(v))
        .count();
    let key = match read_key(path)? {
        Some(key) => key,
        None if sealed > 0 => {
            return Err(SecretsError::Missing {
                path: path.display().to_string(),
                count: sealed,
            });
        }
        None => create_key(path)?,
    };
    let mut wrong = 0;
    let mut converted = 0;
    for (user, value) in &stored {
        let owner = user.to_string();
        if SecretsKey::is_sealed(value) {
            if key.open(&owner, value).is_err() {
                wrong += 1;
            }
        } else {
            let sealed = key.seal(&owner, value)?;
            if store.replace_totp_secret(*user, value, &sealed).await? {
                converted += 1;
            }
        }
    }
    if wrong > 0 {
        return Err(SecretsError::WrongKey {
            path: path.display().to_string(),
            count: wrong,
        });
    }
    if converted > 0 {
        tracing::info!(
            count = converted,
            "sealed second-factor secrets that were stored in plain text"
        );
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretsKey {
        SecretsKey::from_bytes(&[7u8; 32]).expect("key")
    }

    #[test]
    fn sealed_values_open_only_for_their_owner_and_key() {
        let k = key();
        let sealed = k.seal("user-a", "JBSWY3DPEHPK3PXP").expect("sealed");
        assert!(SecretsKey::is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            k.open("user-a", &sealed).expect("opens"),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(k.open("user-b", &sealed).is_err(), "bound to its owner");
        let other = SecretsKey::from_bytes(&[8u8; 32]).expect("key");
        assert!(other.open("user-a", &sealed).is_err(), "bound to the key");
        assert_ne!(
            sealed,
            k.seal("user-a", "JBSWY3DPEHPK3PXP").expect("sealed"),
            "fresh nonce"
        );
        assert!(k.open("user-a", "sealed1:AAAA").is_err());
        assert!(k.open("user-a", "plain").is_err());
    }

    #[test]
    fn malformed_key_files_are_named() {
        let dir = std::env::temp_dir().join(format!("deskmate-secrets-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("secrets.key");
        std::fs::write(&path, "not a key").expect("write");
        let err = read_key(&path).expect_err("refused");
        assert!(err.to_string().contains("secrets.key"), "{err}");
        assert!(
            read_key(&dir.join("absent"))
                .expect("absent is fine")
                .is_none()
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
