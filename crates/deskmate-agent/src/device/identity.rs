//! The device identity file: a random installation id every agent has, and
//! for an enrolled device the server's device id and an Ed25519 key pair
//! whose public half the server keeps. The file is written atomically and,
//! on Unix, readable by its owner only, because the private key in it is
//! what proves the device's enrolment.

use data_encoding::BASE64URL_NOPAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why the identity could not be read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a device identity.
    #[error("{path} is not a Deskmate device identity: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The system random generator failed.
    #[error("the system's random number generator failed")]
    Random,
    /// No place for the file could be found.
    #[error("cannot tell where to keep the device identity: set DESKMATE_DEVICE_FILE or HOME")]
    NoLocation,
}

/// What an enrolled device knows of its enrolment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    /// The server it enrolled with (`https://…`).
    pub server: String,
    /// Its id in that server.
    pub device_id: String,
    /// Its organisation.
    pub tenant_id: String,
    /// The Ed25519 key pair, PKCS#8 in base64url.
    pub key_pkcs8: String,
}

/// The identity file's contents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeviceIdentity {
    /// Random id of this agent installation (32 base64url characters).
    pub install_id: String,
    /// Present once the device enrolled.
    #[serde(default)]
    pub enrolment: Option<Enrolment>,
}

/// A key pair made for enrolment, not yet stored.
pub struct NewKey {
    /// PKCS#8 in base64url (goes into [`Enrolment::key_pkcs8`]).
    pub pkcs8: String,
    /// The public key in base64url (sent to the server).
    pub public_key: String,
    pair: Ed25519KeyPair,
}

impl NewKey {
    /// Makes a fresh key pair.
    pub fn generate() -> Result<Self, IdentityError> {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| IdentityError::Random)?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| IdentityError::Random)?;
        Ok(Self {
            pkcs8: BASE64URL_NOPAD.encode(pkcs8.as_ref()),
            public_key: BASE64URL_NOPAD.encode(pair.public_key().as_ref()),
            pair,
        })
    }

    /// Signs `message`; base64url.
    pub fn sign(&self, message: &[u8]) -> String {
        BASE64URL_NOPAD.encode(self.pair.sign(message).as_ref())
    }
}

/// Where the identity lives: `DESKMATE_DEVICE_FILE`, else
/// `$XDG_CONFIG_HOME/deskmate/device.json`, else `~/.config/deskmate/device.json`.
pub fn default_path() -> Result<PathBuf, IdentityError> {
    if let Some(file) = std::env::var_os("DESKMATE_DEVICE_FILE").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(file));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .or_else(|| std::env::var_os("APPDATA"))
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })
        .ok_or(IdentityError::NoLocation)?;
    Ok(config.join("deskmate").join("device.json"))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IdentityError + '_ {
    move |source| IdentityError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl DeviceIdentity {
    /// A new, unenrolled identity with a random installation id.
    pub fn fresh() -> Result<Self, IdentityError> {
        let mut bytes = [0u8; 24];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| IdentityError::Random)?;
        Ok(Self {
            install_id: BASE64URL_NOPAD.encode(&bytes),
            enrolment: None,
        })
    }

    /// Reads the identity at `path`; `None` if there is no file.
    pub fn load(path: &Path) -> Result<Option<Self>, IdentityError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(path)(e)),
        };
        let identity: Self = serde_json::from_str(&text).map_err(|e| IdentityError::Corrupt {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if let Some(enrolment) = &identity.enrolment {
            identity
                .key_of(enrolment)
                .map_err(|reason| IdentityError::Corrupt {
                    path: path.display().to_string(),
                    reason,
                })?;
        }
        Ok(Some(identity))
    }

    /// Reads the identity at `path`, creating an unenrolled one if there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, IdentityError> {
        if let Some(identity) = Self::load(path)? {
            return Ok(identity);
        }
        let identity = Self::fresh()?;
        identity.save(path)?;
        Ok(identity)
    }

    /// Writes the identity to `path` atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> Result<(), IdentityError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| IdentityError::Corrupt {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let temp = path.with_extension(format!("tmp{}", std::process::id()));
        write_private(&temp, text.as_bytes()).map_err(io(&temp))?;
        std::fs::rename(&temp, path).map_err(io(path))
    }

    fn key_of(&self, enrolment: &Enrolment) -> Result<Ed25519KeyPair, String> {
        let pkcs8 = BASE64URL_NOPAD
            .decode(enrolment.key_pkcs8.as_bytes())
            .map_err(|_| "the key is not base64url".to_string())?;
        Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| "the key is not an Ed25519 key".into())
    }

    /// The enrolment for `server`, if the device enrolled there.
    pub fn enrolment_for(&self, server: &str) -> Option<&Enrolment> {
        let wanted = server.trim_end_matches('/');
        self.enrolment
            .as_ref()
            .filter(|e| e.server.trim_end_matches('/') == wanted)
    }

    /// Signs `message` with the enrolled key; base64url. `None` when not enrolled.
    pub fn sign(&self, message: &[u8]) -> Option<String> {
        let enrolment = self.enrolment.as_ref()?;
        let pair = self.key_of(enrolment).ok()?;
        Some(BASE64URL_NOPAD.encode(pair.sign(message).as_ref()))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("deskmate-identity-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested").join("device.json")
    }

    #[test]
    fn a_new_identity_is_created_once_and_kept() {
        let path = temp_file("create");
        let first = DeviceIdentity::load_or_create(&path).expect("created");
        let again = DeviceIdentity::load_or_create(&path).expect("loaded");
        assert_eq!(first, again);
        assert_eq!(first.install_id.len(), 32);
        assert!(first.enrolment.is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_enrolled_identity_signs_with_its_key() {
        let path = temp_file("enrolled");
        let key = NewKey::generate().expect("key");
        let mut identity = DeviceIdentity::fresh().expect("fresh");
        identity.enrolment = Some(Enrolment {
            server: "https://help.example.org/".into(),
            device_id: "d".into(),
            tenant_id: "t".into(),
            key_pkcs8: key.pkcs8.clone(),
        });
        identity.save(&path).expect("saved");
        let loaded = DeviceIdentity::load(&path).expect("read").expect("present");
        assert_eq!(loaded.sign(b"m"), Some(key.sign(b"m")));
        assert!(loaded.enrolment_for("https://help.example.org").is_some());
        assert!(loaded.enrolment_for("https://other.example.org").is_none());
    }

    #[test]
    fn a_damaged_file_is_reported_not_replaced() {
        let path = temp_file("damaged");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, "{\"install_id\": 5}").expect("write");
        let err = DeviceIdentity::load_or_create(&path).expect_err("corrupt");
        assert!(err.to_string().contains("not a Deskmate device identity"));
        assert_eq!(
            std::fs::read_to_string(&path).expect("still there"),
            "{\"install_id\": 5}"
        );
    }
}
