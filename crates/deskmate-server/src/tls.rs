//! TLS for the one HTTPS port: load the configured certificate, or generate
//! a self-signed one on first run and keep it for later runs.
//!
//! rustls with the `ring` provider only; TLS 1.2 and 1.3.

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// read / write.
        action: &'static str,
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A PEM file holds nothing usable.
    #[error("{path} does not hold a PEM {what}")]
    Pem {
        /// The file.
        path: String,
        /// certificate / private key.
        what: &'static str,
    },
    /// Generating a certificate failed.
    #[error("could not generate a self-signed certificate: {0}")]
    Generate(String),
    /// rustls refused the certificate/key pair.
    #[error("the certificate and key do not work together: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Where the certificate came from.
#[derive(Debug, Clone)]
pub enum CertSource {
    /// Files the administrator configured.
    Configured(PathBuf),
    /// Generated now or on an earlier run, kept at this path.
    SelfSigned {
        /// The certificate file.
        path: PathBuf,
        /// Whether it was made on this start.
        created: bool,
    },
}

impl CertSource {
    /// The PEM certificate file.
    pub fn cert_path(&self) -> &Path {
        match self {
            CertSource::Configured(p) => p,
            CertSource::SelfSigned { path, .. } => path,
        }
    }
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> TlsError + 'a {
    move |source| TlsError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// Makes the rustls server configuration.
pub fn server_config(
    files: Option<&(PathBuf, PathBuf)>,
    data_dir: &Path,
    hostnames: &[String],
) -> Result<(Arc<ServerConfig>, CertSource), TlsError> {
    let (cert_path, key_path, source) = match files {
        Some((cert, key)) => {
            crate::private_files::warn_if_loose(key, "TLS private key");
            (
                cert.clone(),
                key.clone(),
                CertSource::Configured(cert.clone()),
            )
        }
        None => {
            let dir = data_dir.join("tls");
            let cert = dir.join("cert.pem");
            let key = dir.join("key.pem");
            let created = if cert.exists() && key.exists() {
                crate::private_files::tighten(&dir, 0o700);
                crate::private_files::tighten(&key, 0o600);
                false
            } else {
                generate(&dir, &cert, &key, hostnames)?;
                true
            };
            (
                cert.clone(),
                key,
                CertSource::SelfSigned {
                    path: cert,
                    created,
                },
            )
        }
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .map_err(|_| TlsError::Pem {
            path: cert_path.display().to_string(),
            what: "certificate",
        })?
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::Pem {
            path: cert_path.display().to_string(),
            what: "certificate",
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: cert_path.display().to_string(),
            what: "certificate",
        });
    }
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|_| TlsError::Pem {
        path: key_path.display().to_string(),
        what: "private key",
    })?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((Arc::new(config), source))
}

fn generate(dir: &Path, cert: &Path, key: &Path, hostnames: &[String]) -> Result<(), TlsError> {
    crate::private_files::create_dir(dir).map_err(|e| TlsError::Io {
        action: "cannot create",
        path: e.path,
        source: e.source,
    })?;
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    for name in hostnames {
        if !name.is_empty() && !names.contains(name) {
            names.push(name.clone());
        }
    }
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    write_private(key, certified.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(cert, certified.cert.pem()).map_err(io("cannot write", cert))?;
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io("cannot write", path))?;
    file.write_all(bytes).map_err(io("cannot write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_then_reuses() {
        let dir = std::env::temp_dir().join(format!("deskmate-tls-{}", uuid::Uuid::new_v4()));
        let (_, first) =
            server_config(None, &dir, &["deskmate.example".into()]).expect("generated");
        assert!(matches!(
            first,
            CertSource::SelfSigned { created: true, .. }
        ));
        let pem = std::fs::read(first.cert_path()).expect("cert kept");
        let (_, second) = server_config(None, &dir, &[]).expect("reused");
        assert!(matches!(
            second,
            CertSource::SelfSigned { created: false, .. }
        ));
        assert_eq!(
            std::fs::read(second.cert_path()).expect("cert"),
            pem,
            "same certificate"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("tls/key.pem"))
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "key readable by owner only");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn garbage_files_are_named_in_the_error() {
        let dir = std::env::temp_dir().join(format!("deskmate-tls-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let cert = dir.join("c.pem");
        let key = dir.join("k.pem");
        std::fs::write(&cert, "not pem").expect("write");
        std::fs::write(&key, "not pem").expect("write");
        let err = server_config(Some(&(cert, key)), &dir, &[]).expect_err("garbage refused");
        assert!(err.to_string().contains("c.pem"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
