//! Server configuration: one typed struct, layered file → `DESKMATE_*`
//! environment → command-line flags (later layers win), with a documented
//! default for every option.

use crate::audit_syslog::SyslogTarget;
use clap::{Args, ValueEnum};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Log output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `deskmate serve` options. Every option can also be set in the
/// configuration file (same name, `_` for `-`) or as `DESKMATE_<NAME>`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// TOML configuration file; its keys are the long option names with `_` for `-`
    #[arg(long, env = "DESKMATE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on for HTTPS [default: 0.0.0.0:8443]
    #[arg(long, env = "DESKMATE_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Address users reach the server at, used in printed links
    /// [default: https://localhost:PORT]
    #[arg(long, env = "DESKMATE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Folder for the SQLite database, the generated TLS certificate and other state
    /// [default: ./deskmate-data]
    #[arg(long, env = "DESKMATE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://USER@HOST/DB
    /// [default: sqlite://DATA_DIR/deskmate.db]
    #[arg(long, env = "DESKMATE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// PEM certificate chain; without it a self-signed certificate is generated
    /// and kept in DATA_DIR/tls [default: generated]
    #[arg(
        long,
        env = "DESKMATE_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert
    #[arg(
        long,
        env = "DESKMATE_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Extra host names for the generated certificate, comma-separated
    /// [default: localhost, 127.0.0.1, ::1 and the public URL's host]
    #[arg(
        long,
        env = "DESKMATE_TLS_HOSTNAMES",
        value_name = "NAMES",
        value_delimiter = ','
    )]
    pub tls_hostnames: Option<Vec<String>>,
    /// Key that seals second-factor secrets in the database; created 0600 on first start.
    /// Back it up: without it users with a second factor cannot sign in
    /// [default: DATA_DIR/secrets.key]
    #[arg(long, env = "DESKMATE_SECRETS_KEY", value_name = "FILE")]
    pub secrets_key: Option<PathBuf>,
    /// Ed25519 key that signs every audit event's chain head; created 0600 on first start.
    /// Keep a backup apart from the database [default: DATA_DIR/audit-signing.key]
    #[arg(long, env = "DESKMATE_AUDIT_SIGNING_KEY", value_name = "FILE")]
    pub audit_signing_key: Option<PathBuf>,
    /// Also send every audit event to a syslog collector (RFC 5424):
    /// udp://HOST:PORT or tcp://HOST:PORT [default: off]
    #[arg(long, env = "DESKMATE_AUDIT_SYSLOG", value_name = "URL")]
    pub audit_syslog: Option<String>,
    /// Lifetime of API access tokens, in seconds [default: 900]
    #[arg(long, env = "DESKMATE_ACCESS_TOKEN_TTL", value_name = "SECS")]
    pub access_token_ttl: Option<u64>,
    /// Lifetime of API refresh tokens, in seconds [default: 2592000 (30 days)]
    #[arg(long, env = "DESKMATE_REFRESH_TOKEN_TTL", value_name = "SECS")]
    pub refresh_token_ttl: Option<u64>,
    /// Lifetime of a browser sign-in, in seconds [default: 28800 (8 hours)]
    #[arg(long, env = "DESKMATE_WEB_SESSION_TTL", value_name = "SECS")]
    pub web_session_ttl: Option<u64>,
    /// Lifetime of the first-run administrator link, in seconds [default: 86400]
    #[arg(long, env = "DESKMATE_SETUP_LINK_TTL", value_name = "SECS")]
    pub setup_link_ttl: Option<u64>,
    /// Largest request body accepted, in bytes [default: 1048576]
    #[arg(long, env = "DESKMATE_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// How often old sessions, chat and audit events are purged, in seconds [default: 3600]
    #[arg(long, env = "DESKMATE_RETENTION_INTERVAL", value_name = "SECS")]
    pub retention_interval: Option<u64>,
    /// Control, input and pointer messages one session connection may send per second [default: 200]
    #[arg(long, env = "DESKMATE_MAX_MESSAGES_PER_SEC", value_name = "N")]
    pub max_messages_per_sec: Option<u32>,
    /// Session connections one source address may hold open at once [default: 64]
    #[arg(long, env = "DESKMATE_MAX_CONNECTIONS_PER_ADDRESS", value_name = "N")]
    pub max_connections_per_address: Option<u32>,
    /// Sessions one helper may run at once [default: 10]
    #[arg(long, env = "DESKMATE_MAX_SESSIONS_PER_HELPER", value_name = "N")]
    pub max_sessions_per_helper: Option<u32>,
    /// How long a session waits for a participant whose connection dropped, in seconds [default: 60]
    #[arg(long, env = "DESKMATE_SESSION_GRACE", value_name = "SECS")]
    pub session_grace: Option<u64>,
    /// How long after a code is entered both sides have to join the session
    /// before it ends, in seconds [default: 300]
    #[arg(long, env = "DESKMATE_SESSION_JOIN_TIMEOUT", value_name = "SECS")]
    pub session_join_timeout: Option<u64>,
    /// Longest a client may take to send a whole HTTP/1.1 request head (also
    /// how long an idle kept-alive connection stays open), in seconds [default: 10]
    #[arg(long, env = "DESKMATE_HEADER_READ_TIMEOUT", value_name = "SECS")]
    pub header_read_timeout: Option<u64>,
    /// Open HTTPS connections (of any kind) one source address may hold; more
    /// are refused at once [default: 256]
    #[arg(
        long,
        env = "DESKMATE_MAX_TCP_CONNECTIONS_PER_ADDRESS",
        value_name = "N"
    )]
    pub max_tcp_connections_per_address: Option<u32>,
    /// Serve /metrics (plain HTTP) on this address only, e.g. 127.0.0.1:9090;
    /// the main listener's /metrics then needs --metrics-token or is not served
    #[arg(long, env = "DESKMATE_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Bearer token that unlocks /metrics on the main HTTPS listener (at least
    /// 16 characters); without it, /metrics there answers 404
    #[arg(long, env = "DESKMATE_METRICS_TOKEN", value_name = "TOKEN")]
    pub metrics_token: Option<String>,
    /// Name of the organisation created on first run [default: "My organisation"]
    #[arg(long, env = "DESKMATE_INITIAL_TENANT_NAME", value_name = "NAME")]
    pub initial_tenant_name: Option<String>,
    /// Log style [default: text]
    #[arg(long, env = "DESKMATE_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Log filter, as in RUST_LOG (e.g. "info,deskmate_server=debug") [default: info]
    #[arg(long, env = "DESKMATE_LOG", value_name = "FILTER")]
    pub log: Option<String>,
}

/// The configuration file: the same options as [`ServeArgs`], all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_hostnames: Option<Vec<String>>,
    secrets_key: Option<PathBuf>,
    audit_signing_key: Option<PathBuf>,
    audit_syslog: Option<String>,
    access_token_ttl: Option<u64>,
    refresh_token_ttl: Option<u64>,
    web_session_ttl: Option<u64>,
    setup_link_ttl: Option<u64>,
    max_body_bytes: Option<usize>,
    retention_interval: Option<u64>,
    max_messages_per_sec: Option<u32>,
    max_connections_per_address: Option<u32>,
    max_sessions_per_helper: Option<u32>,
    session_grace: Option<u64>,
    session_join_timeout: Option<u64>,
    header_read_timeout: Option<u64>,
    max_tcp_connections_per_address: Option<u32>,
    metrics_listen: Option<SocketAddr>,
    metrics_token: Option<String>,
    initial_tenant_name: Option<String>,
    log_format: Option<LogFormat>,
    log: Option<String>,
}

/// The resolved configuration the server runs with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// HTTPS listen address.
    pub listen: SocketAddr,
    /// Public base URL, without a trailing slash (`None`: derived from the bound port).
    pub public_url: Option<String>,
    /// State folder.
    pub data_dir: PathBuf,
    /// Database URL.
    pub database_url: String,
    /// Certificate and key files, if given.
    pub tls_files: Option<(PathBuf, PathBuf)>,
    /// Names for a generated certificate.
    pub tls_hostnames: Vec<String>,
    /// The key file sealing TOTP secrets.
    pub secrets_key: PathBuf,
    /// The key file signing audit chain heads.
    pub audit_signing_key: PathBuf,
    /// Where audit events are also sent, if anywhere.
    pub audit_syslog: Option<SyslogTarget>,
    /// API access token lifetime (s).
    pub access_token_ttl: u64,
    /// API refresh token lifetime (s).
    pub refresh_token_ttl: u64,
    /// Browser sign-in lifetime (s).
    pub web_session_ttl: u64,
    /// First-run link lifetime (s).
    pub setup_link_ttl: u64,
    /// Largest request body (bytes).
    pub max_body_bytes: usize,
    /// Retention purge interval (s).
    pub retention_interval: u64,
    /// Messages per second per session connection.
    pub max_messages_per_sec: u32,
    /// Open session connections per source address.
    pub max_connections_per_address: u32,
    /// Concurrent sessions per helper.
    pub max_sessions_per_helper: u32,
    /// Reconnection grace period (s).
    pub session_grace: u64,
    /// Time after redemption for both sides to join (s).
    pub session_join_timeout: u64,
    /// Whole HTTP/1.1 request head within (s).
    pub header_read_timeout: u64,
    /// Open TCP connections per source address.
    pub max_tcp_connections_per_address: u32,
    /// Where /metrics is served on its own, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// Bearer token for /metrics on the main listener, if any.
    pub metrics_token: Option<String>,
    /// First tenant's name.
    pub initial_tenant_name: String,
    /// Log style.
    pub log_format: LogFormat,
    /// Log filter.
    pub log: String,
}

/// Why configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("configuration file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl ServeArgs {
    /// Layers flags and environment (already merged by clap) over the file over defaults.
    pub fn resolve(&self) -> Result<ServerConfig, ConfigError> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("deskmate-data"));
        let database_url = self
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("deskmate.db").display()));
        let tls_files = match (self.tls_cert.clone(), self.tls_key.clone()) {
            (Some(c), Some(k)) => Some((c, k)),
            _ => match (file.tls_cert, file.tls_key) {
                (Some(c), Some(k)) => Some((c, k)),
                (None, None) => None,
                _ => {
                    return Err(ConfigError::Invalid(
                        "tls_cert and tls_key must be given together".into(),
                    ));
                }
            },
        };
        let secrets_key = self
            .secrets_key
            .clone()
            .or(file.secrets_key)
            .unwrap_or_else(|| data_dir.join("secrets.key"));
        let audit_signing_key = self
            .audit_signing_key
            .clone()
            .or(file.audit_signing_key)
            .unwrap_or_else(|| data_dir.join("audit-signing.key"));
        let audit_syslog = self
            .audit_syslog
            .clone()
            .or(file.audit_syslog)
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                t.parse::<SyslogTarget>()
                    .map_err(|e| ConfigError::Invalid(format!("audit_syslog: {e}")))
            })
            .transpose()?;
        let config = ServerConfig {
            listen: self
                .listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 8443))),
            public_url: self
                .public_url
                .clone()
                .or(file.public_url)
                .map(|u| u.trim_end_matches('/').to_string()),
            data_dir,
            database_url,
            tls_files,
            secrets_key,
            audit_signing_key,
            audit_syslog,
            tls_hostnames: self
                .tls_hostnames
                .clone()
                .or(file.tls_hostnames)
                .unwrap_or_default(),
            access_token_ttl: self
                .access_token_ttl
                .or(file.access_token_ttl)
                .unwrap_or(900),
            refresh_token_ttl: self
                .refresh_token_ttl
                .or(file.refresh_token_ttl)
                .unwrap_or(30 * 24 * 3600),
            web_session_ttl: self
                .web_session_ttl
                .or(file.web_session_ttl)
                .unwrap_or(8 * 3600),
            setup_link_ttl: self
                .setup_link_ttl
                .or(file.setup_link_ttl)
                .unwrap_or(24 * 3600),
            max_body_bytes: self
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(1024 * 1024),
            session_grace: self.session_grace.or(file.session_grace).unwrap_or(60),
            session_join_timeout: self
                .session_join_timeout
                .or(file.session_join_timeout)
                .unwrap_or(300),
            header_read_timeout: self
                .header_read_timeout
                .or(file.header_read_timeout)
                .unwrap_or(10),
            max_tcp_connections_per_address: self
                .max_tcp_connections_per_address
                .or(file.max_tcp_connections_per_address)
                .unwrap_or(256),
            metrics_listen: self.metrics_listen.or(file.metrics_listen),
            metrics_token: self.metrics_token.clone().or(file.metrics_token),
            max_messages_per_sec: self
                .max_messages_per_sec
                .or(file.max_messages_per_sec)
                .unwrap_or(200),
            max_connections_per_address: self
                .max_connections_per_address
                .or(file.max_connections_per_address)
                .unwrap_or(64),
            max_sessions_per_helper: self
                .max_sessions_per_helper
                .or(file.max_sessions_per_helper)
                .unwrap_or(10),
            retention_interval: self
                .retention_interval
                .or(file.retention_interval)
                .unwrap_or(3600),
            initial_tenant_name: self
                .initial_tenant_name
                .clone()
                .or(file.initial_tenant_name)
                .unwrap_or_else(|| "My organisation".into()),
            log_format: self.log_format.or(file.log_format).unwrap_or_default(),
            log: self
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
        };
        config.validate()?;
        Ok(config)
    }
}

impl ServerConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        for (name, value) in [
            ("access_token_ttl", self.access_token_ttl),
            ("refresh_token_ttl", self.refresh_token_ttl),
            ("web_session_ttl", self.web_session_ttl),
            ("setup_link_ttl", self.setup_link_ttl),
        ] {
            if value == 0 || value > 365 * 24 * 3600 {
                return Err(ConfigError::Invalid(format!(
                    "{name} must be between 1 second and 365 days, not {value}"
                )));
            }
        }
        if !(60..=7 * 24 * 3600).contains(&self.retention_interval) {
            return Err(ConfigError::Invalid(format!(
                "retention_interval must be between 60 seconds and 7 days, not {}",
                self.retention_interval
            )));
        }
        for (name, value) in [
            ("max_messages_per_sec", self.max_messages_per_sec),
            (
                "max_connections_per_address",
                self.max_connections_per_address,
            ),
            ("max_sessions_per_helper", self.max_sessions_per_helper),
            (
                "max_tcp_connections_per_address",
                self.max_tcp_connections_per_address,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!("{name} must be at least 1")));
            }
        }
        if !(1..=3600).contains(&self.session_grace) {
            return Err(ConfigError::Invalid(format!(
                "session_grace must be between 1 and 3600 seconds, not {}",
                self.session_grace
            )));
        }
        if !(1..=24 * 3600).contains(&self.session_join_timeout) {
            return Err(ConfigError::Invalid(format!(
                "session_join_timeout must be between 1 second and 24 hours, not {}",
                self.session_join_timeout
            )));
        }
        if !(1..=300).contains(&self.header_read_timeout) {
            return Err(ConfigError::Invalid(format!(
                "header_read_timeout must be between 1 and 300 seconds, not {}",
                self.header_read_timeout
            )));
        }
        if let Some(token) = &self.metrics_token
            && token.trim().len() < 16
        {
            return Err(ConfigError::Invalid(
                "metrics_token must be at least 16 characters".into(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".into(),
            ));
        }
        if let Some(url) = &self.public_url
            && !url.starts_with("https://")
        {
            return Err(ConfigError::Invalid(format!(
                "public_url must start with https:// (got '{url}')"
            )));
        }
        if self.initial_tenant_name.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "initial_tenant_name must not be empty".into(),
            ));
        }
        Ok(())
    }

    /// A configuration for tests: ephemeral port on loopback, state under `data_dir`.
    pub fn for_tests(data_dir: &Path, database_url: Option<String>) -> Self {
        let args = ServeArgs {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            data_dir: Some(data_dir.to_path_buf()),
            database_url,
            ..ServeArgs::default()
        };
        // Defaults and these values are always valid.
        args.resolve()
            .unwrap_or_else(|e| panic!("test configuration is invalid: {e}"))
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("deskmate-config-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, text).expect("write temp config");
        path
    }

    #[test]
    fn defaults_are_documented_values() {
        let c = ServeArgs::default().resolve().expect("defaults valid");
        assert_eq!(c.listen, "0.0.0.0:8443".parse().expect("addr"));
        assert_eq!(c.database_url, "sqlite://deskmate-data/deskmate.db");
        assert_eq!(c.access_token_ttl, 900);
        assert_eq!(c.max_body_bytes, 1_048_576);
        assert_eq!(c.session_join_timeout, 300);
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn flags_beat_file_and_file_beats_defaults() {
        let path = temp_file(
            "listen = \"127.0.0.1:9000\"\naccess_token_ttl = 60\nlog_format = \"json\"\n",
        );
        let args = ServeArgs {
            config: Some(path.clone()),
            access_token_ttl: Some(120),
            ..ServeArgs::default()
        };
        let c = args.resolve().expect("valid");
        assert_eq!(
            c.listen,
            "127.0.0.1:9000".parse().expect("addr"),
            "from file"
        );
        assert_eq!(c.access_token_ttl, 120, "flag wins");
        assert_eq!(c.log_format, LogFormat::Json);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let path = temp_file("lisen = \"127.0.0.1:9000\"\n");
        let err = ServeArgs {
            config: Some(path.clone()),
            ..ServeArgs::default()
        }
        .resolve()
        .expect_err("typo must be refused");
        assert!(err.to_string().contains("lisen"), "{err}");
        let _ = std::fs::remove_file(path);
        let err = ServeArgs {
            access_token_ttl: Some(0),
            ..ServeArgs::default()
        }
        .resolve()
        .expect_err("zero ttl refused");
        assert!(err.to_string().contains("access_token_ttl"), "{err}");
        let err = ServeArgs {
            public_url: Some("http://x".into()),
            ..ServeArgs::default()
        }
        .resolve()
        .expect_err("plain http refused");
        assert!(err.to_string().contains("https://"), "{err}");
        let err = ServeArgs {
            audit_syslog: Some("syslog.example:514".into()),
            ..ServeArgs::default()
        }
        .resolve()
        .expect_err("no scheme refused");
        assert!(err.to_string().contains("audit_syslog"), "{err}");
    }

    #[test]
    fn key_files_default_to_the_data_folder() {
        let c = ServeArgs {
            data_dir: Some("/srv/dm".into()),
            audit_syslog: Some("udp://127.0.0.1:514".into()),
            ..ServeArgs::default()
        }
        .resolve()
        .expect("valid");
        assert_eq!(c.secrets_key, Path::new("/srv/dm/secrets.key"));
        assert_eq!(c.audit_signing_key, Path::new("/srv/dm/audit-signing.key"));
        assert_eq!(
            c.audit_syslog,
            Some(SyslogTarget::Udp("127.0.0.1:514".into()))
        );
    }
}
