//! Reading and verifying the audit log (administrators and auditors).

use super::caller::Caller;
use super::json::ApiJson;
use super::problem::ApiError;
use super::query::ApiQuery;
use super::reports::{csv_download, csv_line};
use super::state::AppState;
use crate::audit::AuditAction;
use crate::clock::to_rfc3339;
use crate::ids::UserId;
use crate::permissions::Permission;
use crate::store::{AuditEvent, AuditFilter, ChainCheck};
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// Filters for the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
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
    /// The actor's name ("First Last"), when the actor is still a user.
    pub actor_name: Option<String>,
    /// The actor's e-mail address, when the actor is still a user.
    pub actor_email: Option<String>,
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

/// Users' names and e-mail addresses by id.
type Names = HashMap<UserId, (String, String)>;

impl AuditEventView {
    /// Builds the view, naming the actor from `names`.
    pub fn new(e: &AuditEvent, names: &Names) -> Self {
        let actor = e.actor_id.and_then(|a| names.get(&a));
        Self {
            seq: e.seq,
            at: to_rfc3339(e.at),
            actor: e.actor_id,
            actor_name: actor.map(|(name, _)| name.clone()),
            actor_email: actor.map(|(_, email)| email.clone()),
            action: e.action.clone(),
            target: e.target.clone(),
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            source_addr: e.source_addr.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

/// Checks the filters and turns them into a store filter.
pub fn filter(query: &AuditQuery) -> Result<AuditFilter, ApiError> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let from = super::validate::rfc3339("from", given(&query.from))?;
    let to = super::validate::rfc3339("to", given(&query.to))?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(ApiError::field("to", "must be later than from"));
    }
    Ok(AuditFilter {
        actor_id: given(&query.actor)
            .map(|a| {
                a.parse()
                    .map_err(|_| ApiError::field("actor", "must be a user id"))
            })
            .transpose()?,
        action: given(&query.action)
            .map(|a| {
                a.parse::<AuditAction>()
                    .map_err(|e| ApiError::field("action", e.to_string()))
            })
            .transpose()?,
        target: given(&query.target).map(str::to_string),
        from,
        to,
        before_seq: query.before,
        limit: query.limit.unwrap_or(100),
    })
}

/// Audit events, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEventView>), (status = 403, body = super::problem::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<ApiJson<Vec<AuditEventView>>, ApiError> {
    caller.require(Permission::AuditRead)?;
    let filter = filter(&query)?;
    let tenant = caller.user.tenant_id;
    let events = state.store.list_audit(tenant, &filter).await?;
    let names = state.store.user_names(tenant).await?;
    Ok(ApiJson(
        events
            .iter()
            .map(|e| AuditEventView::new(e, &names))
            .collect(),
    ))
}

/// Most events one export holds.
pub const MAX_EXPORT: i64 = 100_000;

/// The audit log as CSV, newest first (same filters; up to 100 000 events
/// unless `limit` is given). Cells that a spreadsheet would run as a formula
/// are neutralised.
#[utoipa::path(get, path = "/api/v1/audit.csv", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = super::problem::Problem)))]
pub async fn export_csv(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::AuditRead)?;
    let mut filter = filter(&query)?;
    filter.limit = query.limit.unwrap_or(MAX_EXPORT).clamp(1, MAX_EXPORT);
    let tenant = caller.user.tenant_id;
    let events = state
        .store
        .export_audit(tenant, &filter, MAX_EXPORT)
        .await?;
    let names = state.store.user_names(tenant).await?;
    let mut out = String::from(
        "seq,time,actor_id,actor_name,actor_email,action,target,detail,source_address,hash\r\n",
    );
    for e in events.iter().map(|e| AuditEventView::new(e, &names)) {
        csv_line(
            &mut out,
            &[
                e.seq.to_string(),
                e.at,
                e.actor.map(|a| a.to_string()).unwrap_or_default(),
                e.actor_name.unwrap_or_default(),
                e.actor_email.unwrap_or_default(),
                e.action,
                e.target.unwrap_or_default(),
                e.detail.to_string(),
                e.source_addr.unwrap_or_default(),
                e.hash,
            ],
        );
    }
    Ok(csv_download("deskmate-audit.csv", out))
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
