//! Tenant administration: the organisation, its remote-help settings, its roles.

use super::caller::Caller;
use super::json::ApiJson;
use super::problem::{ApiError, FieldError};
use super::state::AppState;
use super::validate;
use super::views::{RoleView, SettingsView, TenantView};
use crate::audit::AuditAction;
use crate::permissions::Permission;
use crate::store::{SettingsPatch, TenantSettings};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

/// Shortest security-code lifetime accepted, in seconds.
pub const MIN_CODE_LIFETIME: i64 = 60;
/// Longest security-code lifetime accepted, in seconds.
pub const MAX_CODE_LIFETIME: i64 = 3600;
/// Longest retention accepted, in days.
pub const MAX_RETENTION_DAYS: i64 = 3650;

fn with_etag(settings: &TenantSettings) -> Response {
    super::rbac::with_etag(SettingsView::from(settings), settings.version)
}

async fn load(state: &AppState, caller: &Caller) -> Result<TenantSettings, ApiError> {
    state
        .store
        .settings(caller.user.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("tenant has no settings row".into()))
}

/// The organisation's remote-help settings.
#[utoipa::path(get, path = "/api/v1/tenant/settings", tag = "tenant",
    responses((status = 200, body = SettingsView), (status = 403, body = super::problem::Problem)))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(Permission::SettingsRead)?;
    Ok(with_etag(&load(&state, &caller).await?))
}

/// Changes to the settings; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    /// Turn remote help on or off.
    pub remote_help_enabled: Option<bool>,
    /// Allow helping devices that are not enrolled.
    pub allow_unenrolled_devices: Option<bool>,
    /// Turn chat off in sessions.
    pub chat_disabled: Option<bool>,
    /// Allow sessions without end-to-end encryption (clients given the
    /// 8-character code alone, such as `deskmate share --unencrypted`).
    pub allow_unencrypted_sessions: Option<bool>,
    /// Security code lifetime, 60–3600 seconds.
    pub code_lifetime_secs: Option<i64>,
    /// Retention, 1–3650 days.
    pub retention_days: Option<i64>,
    /// Minimum client version; empty clears it.
    pub min_client_version: Option<String>,
    /// Recommended client version; empty clears it.
    pub recommended_client_version: Option<String>,
}

fn version_field(
    field: &str,
    value: Option<&String>,
    errors: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    let value = value?;
    if value.trim().is_empty() {
        return Some(None);
    }
    Some(Some(validate::version(field, value, errors)))
}

/// Validates a change against the current settings.
pub fn validate_change(
    change: &SettingsChange,
    current: &TenantSettings,
) -> Result<SettingsPatch, ApiError> {
    let mut errors = Vec::new();
    if let Some(secs) = change.code_lifetime_secs
        && !(MIN_CODE_LIFETIME..=MAX_CODE_LIFETIME).contains(&secs)
    {
        errors.push(FieldError::new(
            "code_lifetime_secs",
            format!(
                "must be between {MIN_CODE_LIFETIME} and {MAX_CODE_LIFETIME} seconds ({} to {} minutes)",
                MIN_CODE_LIFETIME / 60,
                MAX_CODE_LIFETIME / 60
            ),
        ));
    }
    if let Some(days) = change.retention_days
        && !(1..=MAX_RETENTION_DAYS).contains(&days)
    {
        errors.push(FieldError::new(
            "retention_days",
            format!("must be between 1 and {MAX_RETENTION_DAYS} days"),
        ));
    }
    let patch = SettingsPatch {
        remote_help_enabled: change.remote_help_enabled,
        allow_unenrolled_devices: change.allow_unenrolled_devices,
        chat_disabled: change.chat_disabled,
        allow_unencrypted_sessions: change.allow_unencrypted_sessions,
        code_lifetime_secs: change.code_lifetime_secs,
        retention_days: change.retention_days,
        min_client_version: version_field(
            "min_client_version",
            change.min_client_version.as_ref(),
            &mut errors,
        ),
        recommended_client_version: version_field(
            "recommended_client_version",
            change.recommended_client_version.as_ref(),
            &mut errors,
        ),
    };
    if errors.is_empty() {
        let merged = patch.apply(current);
        if let (Some(min), Some(rec)) = (
            &merged.min_client_version,
            &merged.recommended_client_version,
        ) && validate::compare_versions(min, rec).is_gt()
        {
            errors.push(FieldError::new(
                "recommended_client_version",
                format!("must not be lower than the minimum version {min}"),
            ));
        }
    }
    ApiError::from_fields(errors)?;
    Ok(patch)
}

/// Change the remote-help settings. Send the `ETag` you read as `If-Match`
/// to be told (412) when someone else changed them in between.
#[utoipa::path(patch, path = "/api/v1/tenant/settings", tag = "tenant", request_body = SettingsChange,
    params(("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    responses((status = 200, body = SettingsView), (status = 403, body = super::problem::Problem),
              (status = 412, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn patch_settings(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(change): ApiJson<SettingsChange>,
) -> Result<Response, ApiError> {
    caller.require(Permission::SettingsWrite)?;
    let current = load(&state, &caller).await?;
    let expected = super::rbac::if_match(&headers)?.unwrap_or(current.version);
    if expected != current.version {
        return Err(ApiError::PreconditionFailed(
            "the settings were changed by someone else since you read them; reload and apply your change again".into(),
        ));
    }
    let patch = validate_change(&change, &current)?;
    let new = patch.apply(&current);
    let saved = state
        .store
        .save_settings(&new, expected, state.now())
        .await?
        .ok_or_else(|| {
            ApiError::PreconditionFailed(
                "the settings were changed by someone else at the same moment; reload and try again".into(),
            )
        })?;
    caller
        .audit(
            &state,
            AuditAction::SettingsChanged,
            Some(caller.user.tenant_id.to_string()),
            serde_json::json!({"before": SettingsView::from(&current), "after": SettingsView::from(&saved)}),
        )
        .await?;
    Ok(with_etag(&saved))
}

/// My organisation.
#[utoipa::path(get, path = "/api/v1/tenant", tag = "tenant", responses((status = 200, body = TenantView)))]
pub async fn get_tenant(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<TenantView>, ApiError> {
    let tenant = state
        .store
        .tenant(caller.user.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("tenant vanished".into()))?;
    Ok(ApiJson(TenantView::from(&tenant)))
}

/// Changes to the organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantChange {
    /// Display name.
    pub name: Option<String>,
    /// The e-mail domain shown as verified on profiles; empty clears it.
    pub verified_domain: Option<String>,
}

/// Rename the organisation or set its verified domain.
#[utoipa::path(patch, path = "/api/v1/tenant", tag = "tenant", request_body = TenantChange,
    responses((status = 200, body = TenantView), (status = 422, body = super::problem::Problem)))]
pub async fn patch_tenant(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(change): ApiJson<TenantChange>,
) -> Result<ApiJson<TenantView>, ApiError> {
    caller.require(Permission::SettingsWrite)?;
    let tenant = state
        .store
        .tenant(caller.user.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("tenant vanished".into()))?;
    let mut errors = Vec::new();
    let name = match &change.name {
        Some(n) => validate::text("name", n, validate::MAX_NAME, &mut errors),
        None => tenant.name.clone(),
    };
    let domain = match &change.verified_domain {
        Some(d) if d.trim().is_empty() => None,
        Some(d) => {
            let d = d.trim().to_ascii_lowercase();
            let ok = d.len() <= 253
                && d.contains('.')
                && d.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !ok {
                errors.push(FieldError::new(
                    "verified_domain",
                    "must be a domain name such as example.org",
                ));
            }
            Some(d)
        }
        None => tenant.verified_domain.clone(),
    };
    ApiError::from_fields(errors)?;
    state
        .store
        .update_tenant(tenant.id, &name, domain.as_deref())
        .await?;
    caller
        .audit(
            &state,
            AuditAction::TenantChanged,
            Some(tenant.id.to_string()),
            serde_json::json!({"name": name, "verified_domain": domain}),
        )
        .await?;
    Ok(ApiJson(TenantView {
        id: tenant.id,
        name,
        verified_domain: domain,
    }))
}

/// The organisation's roles (built-in ones first).
#[utoipa::path(get, path = "/api/v1/roles", tag = "tenant", responses((status = 200, body = Vec<RoleView>)))]
pub async fn list_roles(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<RoleView>>, ApiError> {
    caller.require(Permission::RolesRead)?;
    let roles = state.store.list_roles(caller.user.tenant_id).await?;
    Ok(ApiJson(roles.iter().map(RoleView::from).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TenantId;

    fn defaults() -> TenantSettings {
        TenantSettings {
            tenant_id: TenantId::new(),
            remote_help_enabled: false,
            allow_unenrolled_devices: false,
            chat_disabled: false,
            allow_unencrypted_sessions: false,
            code_lifetime_secs: 600,
            retention_days: 30,
            min_client_version: None,
            recommended_client_version: None,
            version: 1,
            updated_at: 0,
        }
    }

    #[test]
    fn ranges_and_versions_are_checked_per_field() {
        let change = SettingsChange {
            code_lifetime_secs: Some(5),
            retention_days: Some(0),
            min_client_version: Some("one".into()),
            ..SettingsChange::default()
        };
        let problem = validate_change(&change, &defaults())
            .expect_err("invalid")
            .to_problem();
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["code_lifetime_secs", "retention_days", "min_client_version"]
        );
    }

    #[test]
    fn recommended_must_not_be_below_minimum() {
        let change = SettingsChange {
            min_client_version: Some("2.0".into()),
            recommended_client_version: Some("1.9".into()),
            ..SettingsChange::default()
        };
        assert!(validate_change(&change, &defaults()).is_err());
        let ok = SettingsChange {
            min_client_version: Some("1.9".into()),
            recommended_client_version: Some("1.10".into()),
            ..SettingsChange::default()
        };
        let patch = validate_change(&ok, &defaults()).expect("valid");
        assert_eq!(
            patch
                .apply(&defaults())
                .recommended_client_version
                .as_deref(),
            Some("1.10")
        );
        let clear = SettingsChange {
            min_client_version: Some(String::new()),
            ..SettingsChange::default()
        };
        let mut current = defaults();
        current.min_client_version = Some("1.0".into());
        assert_eq!(
            validate_change(&clear, &current)
                .expect("valid")
                .apply(&current)
                .min_client_version,
            None
        );
    }
}
