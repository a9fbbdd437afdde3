//! Retention (SPEC §11): session records, their chat and audit events older
//! than each tenant's retention period are purged, and the purge itself is
//! audited. Runs on a timer in the server; `purge` takes the time as an
//! argument so tests can run it at any date.

use crate::audit::AuditAction;
use crate::clock::{Clock, UnixMillis, to_rfc3339};
use crate::store::{NewAuditEvent, Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// What one purge removed in one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// Session records (with their chat).
    pub sessions: u64,
    /// Audit events.
    pub audit_events: u64,
}

/// Purges every tenant as of `now`. Returns the total removed.
pub async fn purge(store: &Store, now: UnixMillis) -> Result<Purged, StoreError> {
    let mut total = Purged::default();
    store.purge_spent_refresh_tokens(now).await?;
    for tenant in store.tenant_ids().await? {
        let Some(settings) = store.settings(tenant).await? else {
            continue;
        };
        let cutoff = now - settings.retention_days * 24 * 3600 * 1000;
        let sessions = store.purge_sessions_before(tenant, cutoff).await?;
        let audit_events = store.purge_audit_before(tenant, cutoff).await?;
        if sessions + audit_events > 0 {
            store
                .append_audit(
                    &NewAuditEvent {
                        tenant_id: tenant,
                        actor_id: None,
                        action: AuditAction::RetentionPurged,
                        target: None,
                        detail: serde_json::json!({
                            "older_than": to_rfc3339(cutoff),
                            "retention_days": settings.retention_days,
                            "sessions": sessions,
                            "audit_events": audit_events,
                        }),
                        source_addr: None,
                    },
                    now,
                )
                .await?;
            tracing::info!(tenant = %tenant, sessions, audit_events, "retention purge");
        }
        total.sessions += sessions;
        total.audit_events += audit_events;
    }
    Ok(total)
}

/// Purges on a timer until the task is dropped.
pub async fn run(store: Store, clock: Arc<dyn Clock>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        if let Err(err) = purge(&store, clock.now_ms()).await {
            tracing::error!(error = %err, "retention purge failed; it will run again");
        }
    }
}
