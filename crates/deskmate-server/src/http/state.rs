//! What every request handler can reach: the store, the configuration, the
//! clock and the rate limiters.

use crate::auth::rate_limit::{Policy, RateLimiter};
use crate::clock::{Clock, UnixMillis};
use crate::config::ServerConfig;
use crate::relay::Hub;
use crate::store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::ops::Deref;
use std::sync::Arc;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The parts of [`AppState`].
pub struct Inner {
    /// Database.
    pub store: Store,
    /// Resolved configuration.
    pub config: ServerConfig,
    /// The base URL printed in links.
    pub public_url: String,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Failed sign-ins per account.
    pub account_limiter: RateLimiter,
    /// Failed sign-ins per source address.
    pub source_limiter: RateLimiter,
    /// Browser sign-ins started, per source address and in all.
    pub device_auth_starts: crate::http::device_auth::StartLimits,
    /// Prometheus registry.
    pub metrics: PrometheusHandle,
    /// Live remote-help sessions of this node.
    pub hub: Arc<Hub>,
    /// Password hashing runs on a few dedicated threads (argon2id takes
    /// 19 MiB and tens of milliseconds each): a sign-in flood queues instead
    /// of exhausting threads, and memory stays bounded because the same few
    /// threads reuse their allocations.
    pub password_work: crate::auth::workers::Workers,
    /// Changes to who holds what (memberships, roles, assignments,
    /// enablement) are judged and written one at a time on this node.
    pub access_changes: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    /// Assembles the state.
    pub fn new(
        store: Store,
        config: ServerConfig,
        public_url: String,
        clock: Arc<dyn Clock>,
        metrics: PrometheusHandle,
    ) -> Self {
        let hub = Arc::new(Hub::new(config.session_grace, config.session_join_timeout));
        Self(Arc::new(Inner {
            store,
            config,
            public_url,
            clock,
            account_limiter: RateLimiter::new(Policy::ACCOUNT),
            source_limiter: RateLimiter::new(Policy::SOURCE),
            device_auth_starts: crate::http::device_auth::StartLimits::default(),
            metrics,
            hub,
            password_work: crate::auth::workers::Workers::new(
                "deskmate-password",
                std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4)),
            ),
            access_changes: Arc::new(tokio::sync::Mutex::new(())),
        }))
    }

    /// Runs password hashing or verification on a blocking thread, at most
    /// a few at a time.
    pub async fn password_job<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::http::problem::ApiError> {
        self.password_work.run(job).await.ok_or_else(|| {
            crate::http::problem::ApiError::Internal("the password workers stopped".into())
        })
    }

    /// Now, from the state's clock.
    pub fn now(&self) -> UnixMillis {
        self.clock.now_ms()
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
