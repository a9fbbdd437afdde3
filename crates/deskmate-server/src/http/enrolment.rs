//! Enrolling devices (SPEC §4): administrators make enrolment tokens; a
//! machine runs `deskmate device enrol` with one, registering the public half
//! of a key pair it made; from then on it signs its inventory reports and its
//! code redemptions with that key.

use super::caller::Caller;
use super::json::ApiJson;
use super::problem::ApiError;
use super::state::AppState;
use super::users::parse_id;
use crate::audit::AuditAction;
use crate::auth::tokens::{hash_token, new_token};
use crate::clock::to_rfc3339;
use crate::compliance;
use crate::device_keys;
use crate::ids::{DeviceId, EnrolmentTokenId, TenantId, UserId};
use crate::permissions::Permission;
use crate::store::{EnrolmentToken, NewAuditEvent, NewDevice};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use deskmate_proto::device::{Inventory, enrol_proof_message, report_proof_message};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// Prefix of enrolment tokens, so they are recognisable in scripts and scans.
pub const TOKEN_PREFIX: &str = "dme_";
/// Longest token lifetime, in days.
pub const MAX_TOKEN_DAYS: i64 = 365;
/// Most devices one token may enrol.
pub const MAX_TOKEN_USES: i64 = 100_000;
/// How far a report's time may be from the server's clock.
pub const MAX_CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;

/// An enrolment token as listed (the secret is shown once, at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentTokenView {
    /// Id.
    pub id: EnrolmentTokenId,
    /// What it is for.
    pub description: String,
    /// Who made it.
    pub created_by: Option<UserId>,
    /// Made (RFC 3339).
    pub created_at: String,
    /// Stops working (RFC 3339).
    pub expires_at: String,
    /// How many devices may enrol with it.
    pub max_uses: i64,
    /// How many did.
    pub uses: i64,
    /// Revoked (RFC 3339).
    pub revoked_at: Option<String>,
    /// `active`, `expired`, `used_up` or `revoked`.
    pub status: String,
}

fn token_view(t: &EnrolmentToken, now: i64) -> EnrolmentTokenView {
    let status = if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at <= now {
        "expired"
    } else if t.uses >= t.max_uses {
        "used_up"
    } else {
        "active"
    };
    EnrolmentTokenView {
        id: t.id,
        description: t.description.clone(),
        created_by: t.created_by,
        created_at: to_rfc3339(t.created_at),
        expires_at: to_rfc3339(t.expires_at),
        max_uses: t.max_uses,
        uses: t.uses,
        revoked_at: t.revoked_at.map(to_rfc3339),
        status: status.into(),
    }
}

/// A new enrolment token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEnrolmentToken {
    /// What it is for (e.g. "Finance laptops").
    #[serde(default)]
    pub description: String,
    /// Days until it stops working, 1–365 (default 7).
    pub expires_in_days: Option<i64>,
    /// How many devices may enrol with it, 1–100000 (default 1).
    pub max_uses: Option<i64>,
}

/// A token just made: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentTokenCreated {
    /// The token as listed.
    #[serde(flatten)]
    pub token: EnrolmentTokenView,
    /// The secret to give to `deskmate device enrol --token`.
    pub secret: String,
}

/// The organisation's enrolment tokens, newest first.
#[utoipa::path(get, path = "/api/v1/enrolment-tokens", tag = "devices",
    responses((status = 200, body = Vec<EnrolmentTokenView>), (status = 403, body = super::problem::Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<EnrolmentTokenView>>, ApiError> {
    caller.require(Permission::DevicesRead)?;
    let now = state.now();
    let tokens = state
        .store
        .list_enrolment_tokens(caller.user.tenant_id)
        .await?;
    Ok(ApiJson(tokens.iter().map(|t| token_view(t, now)).collect()))
}

/// Make an enrolment token.
#[utoipa::path(post, path = "/api/v1/enrolment-tokens", tag = "devices", request_body = CreateEnrolmentToken,
    responses((status = 201, body = EnrolmentTokenCreated), (status = 422, body = super::problem::Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateEnrolmentToken>,
) -> Result<Response, ApiError> {
    caller.require(Permission::DevicesWrite)?;
    let mut errors = Vec::new();
    let days = body.expires_in_days.unwrap_or(7);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        errors.push(super::problem::FieldError::new(
            "expires_in_days",
            format!("must be between 1 and {MAX_TOKEN_DAYS} days"),
        ));
    }
    let max_uses = body.max_uses.unwrap_or(1);
    if !(1..=MAX_TOKEN_USES).contains(&max_uses) {
        errors.push(super::problem::FieldError::new(
            "max_uses",
            format!("must be between 1 and {MAX_TOKEN_USES}"),
        ));
    }
    let description = body.description.trim().to_string();
    if description.chars().count() > 200 {
        errors.push(super::problem::FieldError::new(
            "description",
            "must be at most 200 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation {
            detail: "some fields are not valid".into(),
            errors,
        });
    }
    let now = state.now();
    let secret = new_token(TOKEN_PREFIX)?;
    let token = EnrolmentToken {
        id: EnrolmentTokenId::new(),
        tenant_id: caller.user.tenant_id,
        description,
        created_by: Some(caller.user.id),
        created_at: now,
        expires_at: now + days * 24 * 60 * 60 * 1000,
        max_uses,
        uses: 0,
        revoked_at: None,
    };
    state
        .store
        .create_enrolment_token(&token, &hash_token(&secret))
        .await?;
    caller
        .audit(
            &state,
            AuditAction::EnrolmentTokenCreated,
            Some(token.id.to_string()),
            serde_json::json!({"description": token.description, "max_uses": max_uses,
                "expires_at": to_rfc3339(token.expires_at)}),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(EnrolmentTokenCreated {
            token: token_view(&token, now),
            secret,
        }),
    )
        .into_response())
}

/// Revoke an enrolment token (devices it enrolled stay enrolled).
#[utoipa::path(delete, path = "/api/v1/enrolment-tokens/{id}", tag = "devices",
    params(("id" = String, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::DevicesWrite)?;
    let id: EnrolmentTokenId = parse_id("enrolment token", &id)?;
    if !state
        .store
        .revoke_enrolment_token(caller.user.tenant_id, id, state.now())
        .await?
    {
        return Err(ApiError::NotFound(format!(
            "there is no active enrolment token with id '{id}'"
        )));
    }
    caller
        .audit(
            &state,
            AuditAction::EnrolmentTokenRevoked,
            Some(id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A machine asking to enrol.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The enrolment token.
    pub token: String,
    /// The agent installation's own random id.
    pub install_id: String,
    /// Ed25519 public key, base64url (32 bytes).
    pub public_key: String,
    /// Signature, base64url, over `deskmate device enrol v1\n{sha256 hex of token}\n{public_key}`.
    pub signature: String,
    /// What the device says about itself.
    #[schema(value_type = Object)]
    pub inventory: Inventory,
}

/// The enrolled device.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolled {
    /// The device's id, which it names in everything it signs.
    pub device_id: DeviceId,
    /// The organisation.
    pub tenant_id: TenantId,
    /// Its name in the admin centre.
    pub name: String,
    /// Whether it meets the compliance policy.
    pub compliant: bool,
    /// Why not.
    pub compliance_reasons: Vec<String>,
}

async fn audit_device(
    state: &AppState,
    tenant: TenantId,
    action: AuditAction,
    device: DeviceId,
    detail: serde_json::Value,
    source: &SocketAddr,
) -> Result<(), ApiError> {
    state
        .store
        .append_audit(
            &NewAuditEvent {
                tenant_id: tenant,
                actor_id: None,
                action,
                target: Some(device.to_string()),
                detail,
                source_addr: Some(source.ip().to_string()),
            },
            state.now(),
        )
        .await?;
    Ok(())
}

/// Enrol this machine with an enrolment token (no sign-in: the token is the credential).
#[utoipa::path(post, path = "/api/v1/devices/enrol", tag = "devices", request_body = EnrolRequest,
    responses((status = 201, body = Enrolled), (status = 403, body = super::problem::Problem),
              (status = 409, body = super::problem::Problem), (status = 422, body = super::problem::Problem),
              (status = 429, body = super::problem::Problem)))]
pub async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<EnrolRequest>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let source_key = format!("enrol:{}", peer.ip());
    if let Err(wait) = state.source_limiter.check(&source_key, now) {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "too many failed enrolments from this address; try again in {} seconds",
                wait.seconds()
            ),
            retry_after_secs: wait.seconds(),
        });
    }
    let refuse = |detail: String| {
        state.source_limiter.record_failure(&source_key, now);
        ApiError::Forbidden(detail)
    };
    let token_hash = hash_token(body.token.trim());
    let token = state
        .store
        .enrolment_token_by_hash(&token_hash)
        .await?
        .ok_or_else(|| {
            refuse("this enrolment token is not valid; check it with your IT department".into())
        })?;
    if token.revoked_at.is_some() {
        return Err(refuse(
            "this enrolment token was revoked; ask your IT department for a new one".into(),
        ));
    }
    if token.expires_at <= now {
        return Err(refuse(format!(
            "this enrolment token expired at {}; ask your IT department for a new one",
            to_rfc3339(token.expires_at)
        )));
    }
    if token.uses >= token.max_uses {
        return Err(refuse(format!(
            "this enrolment token was already used by {} device{}; ask your IT department for a new one",
            token.uses,
            if token.uses == 1 { "" } else { "s" }
        )));
    }
    if !super::remote_help::valid_install_id(&body.install_id) {
        return Err(ApiError::field(
            "install_id",
            "must be 16–64 letters, digits, '-' or '_'",
        ));
    }
    if let Err(e) = device_keys::parse_public_key(&body.public_key) {
        return Err(ApiError::field("public_key", e.to_string()));
    }
    if let Err(e) = device_keys::verify(
        &body.public_key,
        &enrol_proof_message(&token_hash, body.public_key.trim()),
        &body.signature,
    ) {
        return Err(ApiError::field("signature", e.to_string()));
    }
    let inventory = body.inventory.cleaned();
    if inventory.hostname.is_empty() {
        return Err(ApiError::field("inventory.hostname", "must not be empty"));
    }
    let policy = state.store.compliance_policy(token.tenant_id).await?;
    let reasons = compliance::inventory_reasons(&inventory, &policy);
    if !state.store.use_enrolment_token(token.id, now).await? {
        return Err(refuse(
            "this enrolment token stopped working a moment ago; ask your IT department for a new one".into(),
        ));
    }
    let new = NewDevice {
        tenant_id: token.tenant_id,
        install_id: body.install_id.clone(),
        name: inventory.hostname.clone(),
        os_family: inventory.os_family.clone(),
        os_name: inventory.os_name.clone(),
    };
    let device = state
        .store
        .enrol_device(
            &new,
            body.public_key.trim(),
            token.id,
            &inventory,
            &reasons,
            now,
        )
        .await?;
    audit_device(
        &state,
        token.tenant_id,
        AuditAction::DeviceEnrolled,
        device.id,
        serde_json::json!({"name": device.name, "token": token.id, "os": device.os_name}),
        &peer,
    )
    .await?;
    metrics::counter!("deskmate_devices_enrolled_total").increment(1);
    let verdict = compliance::of_device(&device, &policy, now);
    Ok((
        StatusCode::CREATED,
        ApiJson(Enrolled {
            device_id: device.id,
            tenant_id: device.tenant_id,
            name: device.name,
            compliant: verdict.is_empty(),
            compliance_reasons: verdict,
        }),
    )
        .into_response())
}

/// A signed inventory report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryReport {
    /// When the device made the report (Unix milliseconds).
    pub at: i64,
    /// What it says about itself.
    #[schema(value_type = Object)]
    pub inventory: Inventory,
    /// Signature, base64url, over `deskmate device report v1\n{device_id}\n{at}\n{inventory as compact JSON}`.
    pub signature: String,
}

/// The device's compliance after a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportAccepted {
    /// Whether it meets the compliance policy.
    pub compliant: bool,
    /// Why not.
    pub compliance_reasons: Vec<String>,
}

/// An enrolled device reports its inventory (no sign-in: the device signs).
#[utoipa::path(post, path = "/api/v1/devices/{id}/inventory", tag = "devices", request_body = InventoryReport,
    params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = ReportAccepted), (status = 401, body = super::problem::Problem),
              (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem),
              (status = 422, body = super::problem::Problem)))]
pub async fn report_inventory(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InventoryReport>,
) -> Result<ApiJson<ReportAccepted>, ApiError> {
    let now = state.now();
    let id: DeviceId = parse_id("device", &id)?;
    let device = state
        .store
        .device_any(id)
        .await?
        .filter(|d| d.enrolled)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "there is no enrolled device with id '{id}'; it may have been removed, so enrol it again"
            ))
        })?;
    let key = device.public_key.clone().unwrap_or_default();
    let signed_json =
        serde_json::to_string(&body.inventory).map_err(|e| ApiError::Internal(e.to_string()))?;
    if device_keys::verify(
        &key,
        &report_proof_message(&id.to_string(), body.at, &signed_json),
        &body.signature,
    )
    .is_err()
    {
        return Err(ApiError::Unauthorized(
            "the report's signature does not match the device's key".into(),
        ));
    }
    if (body.at - now).abs() > MAX_CLOCK_SKEW_MS {
        return Err(ApiError::field(
            "at",
            format!(
                "the device's clock is {} minutes off the server's; set the clock and report again",
                (body.at - now).abs() / 60_000
            ),
        ));
    }
    let inventory = body.inventory.cleaned();
    let policy = state.store.compliance_policy(device.tenant_id).await?;
    let reasons = compliance::inventory_reasons(&inventory, &policy);
    if !state
        .store
        .record_inventory(id, &inventory, &reasons, body.at, now)
        .await?
    {
        return Err(ApiError::Conflict(
            "a report with the same or a later time was already received (a replay?)".into(),
        ));
    }
    // A report made now is fresh: its inventory reasons are the whole verdict.
    Ok(ApiJson(ReportAccepted {
        compliant: reasons.is_empty(),
        compliance_reasons: reasons,
    }))
}
