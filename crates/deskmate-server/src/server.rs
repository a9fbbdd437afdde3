//! Starting and running the service: open the store, prepare first run,
//! set up TLS, bind, announce, serve until asked to stop.

use crate::audit_signing::{AuditSigner, SigningKeyError};
use crate::audit_syslog::AuditForwarder;
use crate::bootstrap::{self, BootstrapError};
use crate::clock::{Clock, SystemClock};
use crate::config::ServerConfig;
use crate::http::{self, state::AppState};
use crate::listener::{ListenerLimits, serve_tls};
use crate::private_files::{self, FileError};
use crate::secrets::{self, SecretsError};
use crate::store::{Store, StoreError, redact_url};
use crate::tls::{self, CertSource, TlsError};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("cannot open the database {url}: {source}")]
    Store {
        /// The URL, password hidden.
        url: String,
        /// Why.
        source: StoreError,
    },
    /// First-run preparation failed.
    #[error("first-run preparation failed: {0}")]
    Bootstrap(#[from] BootstrapError),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The data folder could not be prepared.
    #[error("cannot prepare the data folder: {0}")]
    DataDir(#[from] FileError),
    /// The key sealing second-factor secrets is missing, wrong or unreadable.
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// The audit signing key is missing or unreadable.
    #[error(transparent)]
    AuditKey(#[from] SigningKeyError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The base URL for printed links: the configured one, or one derived from the bound address.
pub fn public_url(config: &ServerConfig, bound: SocketAddr) -> String {
    config.public_url.clone().unwrap_or_else(|| {
        let host = if bound.ip().is_unspecified() || bound.ip().is_loopback() {
            "localhost".to_string()
        } else {
            bound.ip().to_string()
        };
        format!("https://{host}:{}", bound.port())
    })
}

/// A server that is bound and ready to serve.
pub struct Server {
    state: AppState,
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    /// Where it listens.
    pub local_addr: SocketAddr,
    /// The metrics listener, if configured.
    metrics_listener: Option<TcpListener>,
    /// Where the metrics listener listens.
    pub metrics_addr: Option<SocketAddr>,
    /// The base URL for links.
    pub public_url: String,
    /// The one-time first-administrator link, while setup is pending.
    pub setup_link: Option<String>,
    /// Where the certificate came from.
    pub cert: CertSource,
}

impl Server {
    /// Opens everything and binds, using the system clock.
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        Self::start_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Opens everything and binds, with a given clock.
    pub async fn start_with_clock(
        config: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        private_files::prepare_data_dir(&config.data_dir)?;
        let store_error = |source| StartError::Store {
            url: redact_url(&config.database_url),
            source,
        };
        let store = Store::open(&config.database_url)
            .await
            .map_err(store_error)?;
        let secrets = secrets::prepare(&store, &config.secrets_key).await?;
        let signed_before = store.has_signed_audit_events().await.map_err(store_error)?;
        let (signer, signer_created) =
            AuditSigner::load_or_create(&config.audit_signing_key, !signed_before)?;
        let mut store = store
            .with_secrets_key(Arc::new(secrets))
            .with_audit_signer(Arc::new(signer));
        if signer_created {
            // Events recorded before this key existed are covered by signing each chain's head.
            let chains = store
                .sign_unsigned_audit_heads()
                .await
                .map_err(store_error)?;
            if chains > 0 {
                tracing::info!(
                    chains,
                    "signed the audit chains recorded before signing began"
                );
            }
        }
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::Bind { addr, source })?,
            ),
            None => None,
        };
        let metrics_addr = match &metrics_listener {
            Some(listener) => Some(listener.local_addr().map_err(|source| StartError::Bind {
                addr: config.metrics_listen.unwrap_or(config.listen),
                source,
            })?),
            None => None,
        };
        let public_url = public_url(&config, local_addr);
        let mut hostnames = config.tls_hostnames.clone();
        if let Some(host) = public_url
            .strip_prefix("https://")
            .and_then(|rest| rest.split(['/', ':']).next())
        {
            hostnames.push(host.to_string());
        }
        if let Some(target) = &config.audit_syslog {
            let hostname = hostnames.last().cloned().unwrap_or_default();
            store = store.with_audit_forwarder(AuditForwarder::start(target.clone(), hostname));
            tracing::info!(target = %target, "audit events are also sent to syslog");
        }
        let (tls, cert) =
            tls::server_config(config.tls_files.as_ref(), &config.data_dir, &hostnames)?;
        // Sessions a previous run was relaying died with its connections.
        let ended = crate::relay::sweep::end_previous_run(&store, clock.now_ms())
            .await
            .map_err(|source| StartError::Store {
                url: redact_url(&config.database_url),
                source,
            })?;
        if ended > 0 {
            tracing::info!(
                sessions = ended,
                "ended the sessions the previous run left open"
            );
        }
        let setup_link = bootstrap::prepare(
            &store,
            &config.initial_tenant_name,
            &public_url,
            config.setup_link_ttl,
            clock.now_ms(),
        )
        .await?;
        let state = AppState::new(
            store,
            config,
            public_url.clone(),
            clock,
            http::ops::prometheus(),
        );
        Ok(Self {
            state,
            listener,
            tls,
            local_addr,
            metrics_listener,
            metrics_addr,
            public_url,
            setup_link,
            cert,
        })
    }

    /// The database handle (for tests and admin tooling).
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Serves until `shutdown` completes, then drains connections and closes the database.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let store = self.state.store.clone();
        let ticker = tokio::spawn(crate::relay::run_ticker(
            Arc::clone(&self.state.hub),
            store.clone(),
            Arc::clone(&self.state.clock),
        ));
        let retention = tokio::spawn(crate::retention::run(
            store.clone(),
            Arc::clone(&self.state.clock),
            std::time::Duration::from_secs(self.state.config.retention_interval),
        ));
        let metrics = self.metrics_listener.map(|listener| {
            let router = http::ops::metrics_router(self.state.clone());
            tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, router).await {
                    tracing::error!(error = %err, "the metrics listener stopped");
                }
            })
        });
        let limits = ListenerLimits {
            header_read_timeout: std::time::Duration::from_secs(
                self.state.config.header_read_timeout,
            ),
            max_connections_per_address: self.state.config.max_tcp_connections_per_address,
        };
        let router = http::router(self.state);
        serve_tls(self.listener, self.tls, router, limits, shutdown).await;
        ticker.abort();
        retention.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        store.close().await;
    }
}
