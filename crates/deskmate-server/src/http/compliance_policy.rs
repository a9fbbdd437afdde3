//! Devices → Compliance policy: what an enrolled device must meet (SPEC §4).
//! Saved with an ETag like the other settings; saving re-evaluates every
//! enrolled device's last inventory.

use super::caller::Caller;
use super::json::ApiJson;
use super::problem::{ApiError, FieldError};
use super::rbac::{changed_elsewhere, if_match, with_etag};
use super::state::AppState;
use crate::audit::AuditAction;
use crate::clock::to_rfc3339;
use crate::compliance;
use crate::permissions::Permission;
use crate::store::CompliancePolicy;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest accepted report age, in days.
pub const MAX_REPORT_AGE_DAYS: i64 = 365;

/// The compliance policy.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyView {
    /// The system disk must be encrypted.
    pub require_disk_encryption: bool,
    /// A firewall must be active.
    pub require_firewall: bool,
    /// The screen must lock itself when idle.
    pub require_screen_lock: bool,
    /// At most this many security updates may wait (0–1000); null does not check.
    pub max_pending_security_updates: Option<i64>,
    /// The device must have reported within this many days (1–365).
    pub max_report_age_days: i64,
    /// When last changed (RFC 3339); absent until first saved.
    #[serde(default, skip_deserializing)]
    pub updated_at: Option<String>,
}

impl From<&CompliancePolicy> for PolicyView {
    fn from(p: &CompliancePolicy) -> Self {
        Self {
            require_disk_encryption: p.require_disk_encryption,
            require_firewall: p.require_firewall,
            require_screen_lock: p.require_screen_lock,
            max_pending_security_updates: p.max_pending_security_updates,
            max_report_age_days: p.max_report_age_days,
            updated_at: (p.version > 0).then(|| to_rfc3339(p.updated_at)),
        }
    }
}

/// The organisation's device compliance policy.
#[utoipa::path(get, path = "/api/v1/compliance-policy", tag = "devices",
    responses((status = 200, body = PolicyView), (status = 403, body = super::problem::Problem)))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Permission::DevicesRead)?;
    let policy = state.store.compliance_policy(caller.user.tenant_id).await?;
    Ok(with_etag(PolicyView::from(&policy), policy.version))
}

/// Replace the compliance policy (If-Match guards against overwriting
/// someone else's change).
#[utoipa::path(put, path = "/api/v1/compliance-policy", tag = "devices", request_body = PolicyView,
    params(("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    responses((status = 200, body = PolicyView), (status = 412, body = super::problem::Problem),
              (status = 422, body = super::problem::Problem)))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PolicyView>,
) -> Result<Response, ApiError> {
    caller.require(Permission::DevicesWrite)?;
    let current = state.store.compliance_policy(caller.user.tenant_id).await?;
    let expected = if_match(&headers)?.unwrap_or(current.version);
    if expected != current.version {
        return Err(changed_elsewhere("compliance policy"));
    }
    let mut errors = Vec::new();
    if body
        .max_pending_security_updates
        .is_some_and(|n| !(0..=1000).contains(&n))
    {
        errors.push(FieldError::new(
            "max_pending_security_updates",
            "must be between 0 and 1000, or empty to not check",
        ));
    }
    if !(1..=MAX_REPORT_AGE_DAYS).contains(&body.max_report_age_days) {
        errors.push(FieldError::new(
            "max_report_age_days",
            format!("must be between 1 and {MAX_REPORT_AGE_DAYS} days"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation {
            detail: "some fields are not valid".into(),
            errors,
        });
    }
    let new = CompliancePolicy {
        require_disk_encryption: body.require_disk_encryption,
        require_firewall: body.require_firewall,
        require_screen_lock: body.require_screen_lock,
        max_pending_security_updates: body.max_pending_security_updates,
        max_report_age_days: body.max_report_age_days,
        ..current
    };
    let Some(saved) = state
        .store
        .save_compliance_policy(caller.user.tenant_id, &new, expected, state.now())
        .await?
    else {
        return Err(changed_elsewhere("compliance policy"));
    };
    let reevaluated = state
        .store
        .reevaluate_devices(caller.user.tenant_id, |inventory| {
            compliance::inventory_reasons(inventory, &saved)
        })
        .await?;
    caller
        .audit(
            &state,
            AuditAction::CompliancePolicyChanged,
            None,
            serde_json::json!({"policy": PolicyView::from(&saved), "devices_reevaluated": reevaluated}),
        )
        .await?;
    Ok(with_etag(PolicyView::from(&saved), saved.version))
}
