//! Sessions that would otherwise never end: a redeemed code whose session
//! nobody joined in time, and sessions a previous run of the server was
//! relaying when it stopped (their connections died with it).

use super::{Hub, apply};
use crate::audit::AuditAction;
use crate::store::{NewAuditEvent, Store, StoreError};

/// The stored `ended_by` of a session nobody joined in time.
pub const ENDED_BY_TIMEOUT: &str = "timeout";
/// The stored `ended_by` of a session the server stopped during.
pub const ENDED_BY_SERVER_RESTART: &str = "server_restart";

/// Most stale sessions looked at per sweep.
const SWEEP_BATCH: i64 = 500;

/// Ends paired sessions that both sides have not joined within the hub's
/// join timeout after redemption (both sides are told, if connected).
pub async fn end_unjoined(hub: &Hub, store: &Store, now: i64) {
    let timeout = hub.join_timeout_ms();
    let stale = match store
        .paired_sessions_redeemed_before(now.saturating_sub(timeout), SWEEP_BATCH)
        .await
    {
        Ok(stale) => stale,
        Err(err) => {
            tracing::error!(error = %err, "could not look for sessions nobody joined");
            return;
        }
    };
    for record in stale {
        let live = match hub.get(record.id) {
            Some(live) => live,
            None => match hub.live(store, &record, false).await {
                Ok(live) => live,
                Err(err) => {
                    tracing::error!(session = %record.id, error = %err, "could not load a session to end it");
                    continue;
                }
            },
        };
        let mut live = live.lock().await;
        if live.core.joined() || live.core.is_ended() {
            continue;
        }
        let reason = format!(
            "the session was not joined within {} seconds of the code being entered",
            timeout / 1000
        );
        tracing::info!(session = %record.id, "ending a session nobody joined in time");
        live.end_cause = Some(ENDED_BY_TIMEOUT);
        let actions = live.core.end_now(&reason);
        apply(store, now, &mut live, actions).await;
    }
}

/// At start-up: ends the sessions a previous run left paired or active,
/// with an audit event each. Returns how many.
pub async fn end_previous_run(store: &Store, now: i64) -> Result<usize, StoreError> {
    let mut ended = 0;
    for session in store.unfinished_sessions().await? {
        if !store
            .end_remote_session(session.id, ENDED_BY_SERVER_RESTART, now)
            .await?
        {
            continue;
        }
        store
            .append_audit(
                &NewAuditEvent {
                    tenant_id: session.tenant_id,
                    actor_id: None,
                    action: AuditAction::SessionEnded,
                    target: Some(session.id.to_string()),
                    detail: serde_json::json!({"by": ENDED_BY_SERVER_RESTART,
                        "reason": "the server stopped during the session"}),
                    source_addr: None,
                },
                now,
            )
            .await?;
        ended += 1;
    }
    Ok(ended)
}
