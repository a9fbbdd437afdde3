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
    /// Prometheus registry.
    pub metrics: PrometheusHandle,
    /// Live remote-help sessions of this node.
    pub hub: Arc<Hub>,
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
        let hub = Arc::new(Hub::new(config.session_grace));
        Self(Arc::new(Inner {
            store,
            config,
            public_url,
            clock,
            account_limiter: RateLimiter::new(Policy::ACCOUNT),
            source_limiter: RateLimiter::new(Policy::SOURCE),
            metrics,
            hub,
        }))
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
