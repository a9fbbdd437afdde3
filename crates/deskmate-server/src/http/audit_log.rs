//! Reading and verifying the audit log (administrators and auditors).

use super::caller::Caller;
use super::json::ApiJson;
use super::problem::ApiError;
use super::state::AppState;
use crate::audit::AuditAction;
use crate::clock::to_rfc3339;
use crate::ids::UserId;
use crate::permissions::Permission;
use crate::store::{AuditEvent, AuditFilter, ChainCheck};
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Filters for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this actor (user id).
    pub actor: Option<String>,
    /// Only this action (e.g. `settings_changed`).
    pub action: Option<String>,
    /// Only this target id.
    pub target: Option<String>,
    /// At or after this time (RFC 3339).
    pub from: Option<String>,
    /// Before this time (RFC 3339).
    pub to: Option<String>,
    /// Only events older than this sequence number (for the next page).
    pub before: Option<i64>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

/// An audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    /// Position in the organisation's chain.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who (user id), or null for the system.
    pub actor: Option<UserId>,
    /// What.
    pub action: String,
    /// On what.
    pub target: Option<String>,
    /// Details.
    pub detail: serde_json::Value,
    /// From which address.
    pub source_addr: Option<String>,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

impl From<&AuditEvent> for AuditEventView {
    fn from(e: &AuditEvent) -> Self {
        Self {
            seq: e.seq,
            at: to_rfc3339(e.at),
            actor: e.actor_id,
            action: e.action.clone(),
            target: e.target.clone(),
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            source_addr: e.source_addr.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

/// Audit events, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEventView>), (status = 403, body = super::problem::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> Result<ApiJson<Vec<AuditEventView>>, ApiError> {
    caller.require(Permission::AuditRead)?;
    let filter = AuditFilter {
        actor_id: query
            .actor
            .as_deref()
            .map(|a| {
                a.parse()
                    .map_err(|_| ApiError::field("actor", "must be a user id"))
            })
            .transpose()?,
        action: query
            .action
            .as_deref()
            .map(|a| {
                a.parse::<AuditAction>()
                    .map_err(|e| ApiError::field("action", e.to_string()))
            })
            .transpose()?,
        target: query.target.clone(),
        from: super::validate::rfc3339("from", query.from.as_deref())?,
        to: super::validate::rfc3339("to", query.to.as_deref())?,
        before_seq: query.before,
        limit: query.limit.unwrap_or(100),
    };
    let events = state
        .store
        .list_audit(caller.user.tenant_id, &filter)
        .await?;
    Ok(ApiJson(events.iter().map(AuditEventView::from).collect()))
}

/// The result of checking the chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainReport {
    /// True when no stored event was changed, removed or reordered.
    pub intact: bool,
    /// Events checked (when intact).
    pub events: Option<i64>,
    /// First bad event (when not intact).
    pub broken_at: Option<i64>,
    /// What is wrong with it.
    pub reason: Option<String>,
}

/// Verify the organisation's audit chain.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", responses((status = 200, body = ChainReport)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<ChainReport>, ApiError> {
    caller.require(Permission::AuditRead)?;
    Ok(ApiJson(
        match state.store.verify_audit(caller.user.tenant_id).await? {
            ChainCheck::Intact { events } => ChainReport {
                intact: true,
                events: Some(events),
                broken_at: None,
                reason: None,
            },
            ChainCheck::Broken { seq, reason } => ChainReport {
                intact: false,
                events: None,
                broken_at: Some(seq),
                reason: Some(reason),
            },
        },
    ))
}
