//! Persistence: one schema and one set of queries for SQLite and PostgreSQL.
//!
//! The store talks to the database through sqlx's `Any` driver, so every
//! query here is written once. Columns use only types both databases share
//! (TEXT, BIGINT); ids, flags and times are converted at this boundary.

mod assignments;
mod audit_log;
mod auth_sessions;
mod compliance_policy;
mod device_authorizations;
mod devices;
mod enrolment_tokens;
mod groups;
mod remote_sessions;
mod reports;
mod roles;
mod settings;
mod setup_tokens;
mod tenants;
mod users;

pub use assignments::Assignment;
pub use audit_log::{AuditEvent, AuditFilter, ChainCheck, GENESIS, NewAuditEvent};
pub use auth_sessions::{AuthSessionRecord, NewAuthSession, RefreshOutcome, SessionKind};
pub use compliance_policy::CompliancePolicy;
pub use device_authorizations::DeviceAuthorization;
pub use devices::{Device, DeviceFilter, DeviceSort, NewDevice};
pub use enrolment_tokens::EnrolmentToken;
pub use groups::Group;
pub use remote_sessions::{ChatRecord, PairedDevice, RemoteSession, SessionFilter};
pub use reports::{DayCount, ReportQuery, ReportRow, SortKey};
pub use roles::Role;
pub use settings::{SettingsPatch, TenantSettings};
pub use tenants::{ADMINISTRATORS_GROUP, Tenant};
pub use users::{NewUser, ProfilePatch, User};

use crate::audit_signing::AuditSigner;
use crate::audit_syslog::AuditForwarder;
use crate::private_files;
use crate::secrets::SecretsKey;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (the default).
    Sqlite,
    /// PostgreSQL server (for several nodes and scale).
    Postgres,
}

/// Errors from the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the schema migrations failed.
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique constraint was hit (e.g. an e-mail address already in use).
    #[error("{0}")]
    Conflict(String),
    /// A stored value could not be read back (e.g. a malformed id).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A TOTP secret was to be stored but no secrets key is loaded.
    #[error("no secrets key is loaded, so second-factor secrets cannot be stored")]
    NoSecretsKey,
    /// A secret could not be sealed.
    #[error("could not seal a secret: {0}")]
    Seal(String),
    /// The database URL is not one Deskmate understands.
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The SQLite file or its folder could not be created.
    #[error("could not create the database file or folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Turns a unique-constraint violation into [`StoreError::Conflict`] with `message`.
    pub(crate) fn conflict_on_unique(err: sqlx::Error, message: impl Into<String>) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                StoreError::Conflict(message.into())
            }
            _ => StoreError::Database(err),
        }
    }
}

/// The handle every part of the server uses to reach the database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Seals TOTP secrets at rest (set by the server at start).
    secrets: Option<Arc<SecretsKey>>,
    /// Signs each audit event's chain head (set by the server at start).
    audit_signer: Option<Arc<AuditSigner>>,
    /// Forwards recorded audit events to syslog, when configured.
    audit_forwarder: Option<AuditForwarder>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`), creating the
    /// SQLite file and its folder if needed, and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                private_files::create_dir(parent).map_err(|e| StoreError::Folder {
                    path: e.path,
                    source: e.source,
                })?;
            }
            // SQLite gives the -wal and -shm files the database file's mode,
            // so a database created owner-only keeps all three private.
            for file in private_files::sqlite_files(Path::new(path)) {
                private_files::tighten(&file, 0o600);
            }
            private_files::create_empty(Path::new(path)).map_err(|e| StoreError::Folder {
                path: e.path,
                source: e.source,
            })?;
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let max = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // Write-ahead logging: readers never block the writer, and a commit
            // survives the process being killed. The mode is stored in the file.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            backend,
            secrets: None,
            audit_signer: None,
            audit_forwarder: None,
        })
    }

    /// This store, sealing TOTP secrets with `key` from now on.
    pub fn with_secrets_key(mut self, key: Arc<SecretsKey>) -> Self {
        self.secrets = Some(key);
        self
    }

    /// This store, signing every audit event it records with `signer`.
    pub fn with_audit_signer(mut self, signer: Arc<AuditSigner>) -> Self {
        self.audit_signer = Some(signer);
        self
    }

    /// This store, forwarding every audit event it records.
    pub fn with_audit_forwarder(mut self, forwarder: AuditForwarder) -> Self {
        self.audit_forwarder = Some(forwarder);
        self
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for queries in this module's children.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`): a transaction that reads first and
    /// writes later could otherwise fail with "database is locked" when
    /// another writer commits in between, which waiting cannot resolve.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Checks that the database answers; used by the readiness probe.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes all connections (on shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hides the password in a database URL before it is shown anywhere.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Stores a flag as 0/1.
pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// Reads a typed id from a TEXT column.
pub(crate) fn get_id<T: FromStr>(row: &AnyRow, column: &str) -> Result<T, StoreError> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("column {column} holds '{text}', not an id")))
}

/// Reads a typed id from a nullable TEXT column.
pub(crate) fn get_opt_id<T: FromStr>(row: &AnyRow, column: &str) -> Result<Option<T>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|text| {
        text.parse()
            .map_err(|_| StoreError::Corrupt(format!("column {column} holds '{text}', not an id")))
    })
    .transpose()
}

/// Reads a 0/1 flag.
pub(crate) fn get_flag(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_leave_in_urls() {
        assert_eq!(
            redact_url("postgres://deskmate:s3cret@db.example:5432/deskmate"),
            "postgres://deskmate:***@db.example:5432/deskmate"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/deskmate/db"),
            "sqlite:///var/lib/deskmate/db"
        );
    }
}
