//! Anchoring the audit chain outside the database: the server signs every
//! audit event's chain head — (tenant, sequence number, hash) — with an
//! Ed25519 key kept in a file (by default `DATA_DIR/audit-signing.key`,
//! PKCS#8 PEM, 0600), in the same transaction that records the event.
//!
//! The hash of an event covers every earlier event, so rewriting any event
//! and recomputing the chain changes the heads of it and of every later
//! event, whose stored signatures then no longer match; signing requires the
//! key, which the database does not hold. Stripping signatures does not
//! help either: once an event is signed every later one must be, the newest
//! must be, and the server signs a new event only on top of a head that
//! carries its valid signature, so it never vouches for a rewritten chain.
//! Events recorded before the key existed are covered by signing each
//! chain's head once, when the key is created.
//!
//! What signatures cannot show: removing the newest events (a suffix of the
//! chain) leaves a shorter chain whose last event is still validly signed,
//! and removing the oldest looks like a retention purge. Forwarding events to
//! syslog (`--audit-syslog`) keeps an outside copy that reveals both.

use crate::ids::TenantId;
use crate::private_files::{self, FileError};
use data_encoding::BASE64URL_NOPAD;
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use rustls::pki_types::PrivatePkcs8KeyDer;
use rustls::pki_types::pem::PemObject;
use std::fmt;
use std::path::Path;

/// Why the audit signing key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    /// Reading or writing the key file failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file holds something else.
    #[error("the audit signing key file {0} does not hold an Ed25519 private key (PKCS#8 PEM)")]
    Malformed(String),
    /// The key is missing although events were signed with it.
    #[error(
        "the audit signing key file {path} is missing, but the audit log holds events signed \
         with it; restore the file from a backup (or point --audit-signing-key at it), or the \
         log can no longer be verified"
    )]
    Missing {
        /// Where the key was expected.
        path: String,
    },
    /// Generating a key failed.
    #[error("could not generate an audit signing key")]
    Generate,
}

/// The key audit chain heads are signed with.
pub struct AuditSigner {
    pair: Ed25519KeyPair,
}

impl fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditSigner({})", self.public_key())
    }
}

/// The signed message for one chain head.
fn message(tenant: TenantId, seq: i64, hash: &str) -> Vec<u8> {
    format!("deskmate-audit-head-v1\n{tenant}\n{seq}\n{hash}").into_bytes()
}

impl AuditSigner {
    /// A signer from a PKCS#8 document.
    pub fn from_pkcs8(der: &[u8]) -> Option<Self> {
        Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .ok()
            .map(|pair| Self { pair })
    }

    /// A new random key, with its PKCS#8 document.
    pub fn generate() -> Result<(Self, Vec<u8>), SigningKeyError> {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| SigningKeyError::Generate)?;
        let der = doc.as_ref().to_vec();
        let signer = Self::from_pkcs8(&der).ok_or(SigningKeyError::Generate)?;
        Ok((signer, der))
    }

    /// Loads the key at `path`. `Ok(None)` when there is no file.
    pub fn load(path: &Path) -> Result<Option<Self>, SigningKeyError> {
        let pem = match std::fs::read(path) {
            Ok(pem) => pem,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(FileError::new("cannot read", path)(err).into()),
        };
        private_files::tighten(path, 0o600);
        PrivatePkcs8KeyDer::from_pem_slice(&pem)
            .ok()
            .and_then(|der| Self::from_pkcs8(der.secret_pkcs8_der()))
            .map(Some)
            .ok_or_else(|| SigningKeyError::Malformed(path.display().to_string()))
    }

    /// Loads the key at `path`, or creates it (0600) when there is none and
    /// `may_create`. Returns the signer and whether it was created now.
    pub fn load_or_create(path: &Path, may_create: bool) -> Result<(Self, bool), SigningKeyError> {
        if let Some(signer) = Self::load(path)? {
            return Ok((signer, false));
        }
        if !may_create {
            return Err(SigningKeyError::Missing {
                path: path.display().to_string(),
            });
        }
        let (signer, der) = Self::generate()?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            private_files::create_dir(parent)?;
        }
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            data_encoding::BASE64.encode(&der)
        );
        private_files::write(path, pem.as_bytes())?;
        tracing::info!(path = %path.display(), public_key = %signer.public_key(),
            "created the key that signs the audit log; back it up apart from the database");
        Ok((signer, true))
    }

    /// The public key, base64url (for an auditor who checks signatures independently).
    pub fn public_key(&self) -> String {
        BASE64URL_NOPAD.encode(self.pair.public_key().as_ref())
    }

    /// The signature (base64url) of a chain head.
    pub fn sign(&self, tenant: TenantId, seq: i64, hash: &str) -> String {
        BASE64URL_NOPAD.encode(self.pair.sign(&message(tenant, seq, hash)).as_ref())
    }

    /// Whether `signature` is this key's signature of the chain head.
    pub fn verify(&self, tenant: TenantId, seq: i64, hash: &str, signature: &str) -> bool {
        let Ok(signature) = BASE64URL_NOPAD.decode(signature.trim().as_bytes()) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, self.pair.public_key().as_ref())
            .verify(&message(tenant, seq, hash), &signature)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_tenant_sequence_and_hash() {
        let (signer, _) = AuditSigner::generate().expect("key");
        let tenant = TenantId::new();
        let sig = signer.sign(tenant, 7, "abc");
        assert!(signer.verify(tenant, 7, "abc", &sig));
        assert!(!signer.verify(tenant, 8, "abc", &sig));
        assert!(!signer.verify(tenant, 7, "abd", &sig));
        assert!(!signer.verify(TenantId::new(), 7, "abc", &sig));
        let (other, _) = AuditSigner::generate().expect("key");
        assert!(!other.verify(tenant, 7, "abc", &sig));
        assert!(!signer.verify(tenant, 7, "abc", "%%"));
    }

    #[test]
    fn the_key_file_is_created_once_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("deskmate-sign-{}", uuid::Uuid::new_v4()));
        let path = dir.join("audit-signing.key");
        assert!(matches!(
            AuditSigner::load_or_create(&path, false),
            Err(SigningKeyError::Missing { .. })
        ));
        let (first, created) = AuditSigner::load_or_create(&path, true).expect("created");
        assert!(created);
        #[cfg(unix)]
        assert_eq!(private_files::mode_of(&path), Some(0o600));
        let (second, created) = AuditSigner::load_or_create(&path, true).expect("loaded");
        assert!(!created);
        assert_eq!(first.public_key(), second.public_key());
        std::fs::write(&path, "garbage").expect("write");
        let err = AuditSigner::load(&path).expect_err("refused");
        assert!(err.to_string().contains("audit-signing.key"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
