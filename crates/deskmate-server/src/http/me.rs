//! The signed-in user's own account: profile, password, second factor, picture.

use super::auth::{account_key, me_view, too_many};
use super::caller::Caller;
use super::json::ApiJson;
use super::problem::{ApiError, FieldError};
use super::state::AppState;
use super::validate::{self, MAX_NAME};
use super::views::MeView;
use crate::audit::AuditAction;
use crate::auth::{password, totp};
use crate::store::ProfilePatch;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Largest profile picture accepted, in bytes.
pub const MAX_PICTURE_BYTES: usize = 256 * 1024;

/// Who am I, in which organisation, allowed to do what.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, body = MeView), (status = 401, body = super::problem::Problem)))]
pub async fn get_me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<MeView>, ApiError> {
    Ok(ApiJson(me_view(&state, &caller.user).await?))
}

/// Profile fields a user may change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MyProfilePatch {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Job title (empty clears it).
    pub job_title: Option<String>,
    /// Company name (empty clears it).
    pub company_name: Option<String>,
}

/// Validates profile text fields into a store patch.
pub fn profile_patch(
    first_name: Option<&str>,
    last_name: Option<&str>,
    job_title: Option<&str>,
    company_name: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> ProfilePatch {
    ProfilePatch {
        first_name: first_name.map(|v| validate::text("first_name", v, MAX_NAME, errors)),
        last_name: last_name.map(|v| validate::text("last_name", v, MAX_NAME, errors)),
        job_title: job_title
            .map(|v| validate::optional_text("job_title", Some(v), MAX_NAME, errors)),
        company_name: company_name
            .map(|v| validate::optional_text("company_name", Some(v), MAX_NAME, errors)),
        disabled: None,
    }
}

/// Change my profile.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = MyProfilePatch,
    responses((status = 200, body = MeView), (status = 422, body = super::problem::Problem)))]
pub async fn patch_me(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<MyProfilePatch>,
) -> Result<ApiJson<MeView>, ApiError> {
    let mut errors = Vec::new();
    let patch = profile_patch(
        body.first_name.as_deref(),
        body.last_name.as_deref(),
        body.job_title.as_deref(),
        body.company_name.as_deref(),
        &mut errors,
    );
    ApiError::from_fields(errors)?;
    state
        .store
        .update_profile(&caller.user, &patch, state.now())
        .await?;
    let user = state
        .store
        .user(caller.user.tenant_id, caller.user.id)
        .await?
        .ok_or_else(|| ApiError::NotFound("your account no longer exists".into()))?;
    Ok(ApiJson(me_view(&state, &user).await?))
}

/// Password change request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new password (at least 12 characters).
    pub new_password: String,
}

/// Change my password; every other sign-in session of mine is ended.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = super::problem::Problem), (status = 429, body = super::problem::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    // The current password is guessed against the same budget as sign-in,
    // reserved before it is hashed (see `auth::rate_limit`).
    let attempt = state
        .account_limiter
        .begin(&account_key(&caller.user.email), state.now())
        .map_err(too_many)?;
    let phc = caller.user.password_hash.clone().unwrap_or_default();
    let current = body.current_password.clone();
    let ok = state
        .password_job(move || password::verify(&current, &phc))
        .await?;
    if !ok {
        attempt.failed();
        return Err(ApiError::field(
            "current_password",
            "is not your current password",
        ));
    }
    attempt.succeeded();
    let hash = hash_new_password(
        &state,
        &body.new_password,
        &caller.user.email,
        "new_password",
    )
    .await?;
    let now = state.now();
    state
        .store
        .set_password_hash(caller.user.id, &hash, now)
        .await?;
    state
        .store
        .revoke_user_sessions(caller.user.id, now)
        .await?;
    let target = Some(caller.user.id.to_string());
    caller
        .audit(&state, AuditAction::PasswordChanged, target, json!({}))
        .await?;
    super::users::end_live_sessions(&state, caller.user.id, "the password was changed").await;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the rules and hashes on a blocking thread.
pub async fn hash_new_password(
    state: &AppState,
    new: &str,
    email: &str,
    field: &str,
) -> Result<String, ApiError> {
    password::check_rules(new, email).map_err(|e| ApiError::field(field, e.to_string()))?;
    let new = new.to_string();
    state
        .password_job(move || password::hash(&new))
        .await?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A TOTP secret to put in an authenticator app.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32 secret, for typing in by hand.
    pub secret: String,
    /// `otpauth://` URI, for a QR code.
    pub otpauth_uri: String,
}

/// Start TOTP enrolment: returns a new secret, not yet in force until confirmed.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "me",
    responses((status = 200, body = TotpEnrolment), (status = 409, body = super::problem::Problem)))]
pub async fn start_totp(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<TotpEnrolment>, ApiError> {
    if caller.user.totp_enabled {
        return Err(ApiError::Conflict(
            "a second factor is already set up; ask an administrator to reset it first".into(),
        ));
    }
    let secret = totp::new_secret()?;
    state
        .store
        .set_totp(caller.user.id, Some(&secret), false, state.now())
        .await?;
    Ok(ApiJson(TotpEnrolment {
        otpauth_uri: totp::provisioning_uri(&secret, &caller.user.email, "Deskmate"),
        secret,
    }))
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirm {
    /// The current 6-digit code.
    pub code: String,
}

/// Confirm TOTP enrolment with a current code; from then on sign-in needs a code.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "me", request_body = TotpConfirm,
    responses((status = 204), (status = 422, body = super::problem::Problem), (status = 429, body = super::problem::Problem)))]
pub async fn confirm_totp(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<TotpConfirm>,
) -> Result<StatusCode, ApiError> {
    let now = state.now();
    let key = format!("totp-enrol:{}", caller.user.id);
    let attempt = state.account_limiter.begin(&key, now).map_err(|refusal| {
        let secs = refusal.retry_after().seconds();
        ApiError::TooManyRequests {
            detail: format!("too many wrong codes; try again in {secs} seconds"),
            retry_after_secs: secs,
        }
    })?;
    let Some(secret) = caller
        .user
        .totp_secret
        .clone()
        .filter(|_| !caller.user.totp_enabled)
    else {
        attempt.refund();
        return Err(ApiError::Conflict(
            "start enrolment first (POST /api/v1/me/totp)".into(),
        ));
    };
    let Some(step) = totp::verify(&secret, &body.code, now.div_euclid(1000)) else {
        attempt.failed();
        return Err(ApiError::field(
            "code",
            "is not the current code; check the clock of your device",
        ));
    };
    attempt.succeeded();
    state
        .store
        .set_totp(caller.user.id, Some(&secret), true, now)
        .await?;
    state.store.claim_totp_step(caller.user.id, step).await?;
    let target = Some(caller.user.id.to_string());
    caller
        .audit(&state, AuditAction::TotpEnrolled, target, json!({}))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set my profile picture: the body is a PNG or JPEG image of at most 256 KiB.
#[utoipa::path(put, path = "/api/v1/me/picture", tag = "me",
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204), (status = 415, body = super::problem::Problem)))]
pub async fn put_picture(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let sniffed = if body.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if body.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "the picture must be a PNG or JPEG image".into(),
        ));
    };
    if !declared.starts_with(sniffed) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body is {sniffed} but Content-Type says '{declared}'"
        )));
    }
    if body.len() > MAX_PICTURE_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "the picture must be at most {} KiB",
            MAX_PICTURE_BYTES / 1024
        )));
    }
    let encoded = data_encoding::BASE64.encode(&body);
    state
        .store
        .set_picture(caller.user.id, Some((sniffed, &encoded)), state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
