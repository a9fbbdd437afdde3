//! Browser sign-in for native clients (SPEC §3): the OAuth 2.0 device
//! authorisation grant (RFC 8628). `deskmate share` asks for a device code
//! and a short user code, shows the code and opens the web app at
//! `/activate`; the person, signed in there, sees which client asks and from
//! where, and approves or denies; the client polls until it gets tokens.
//! No password ever passes through the native client.

use super::auth::{api_tokens, me_view};
use super::caller::Caller;
use super::json::ApiJson;
use super::problem::ApiError;
use super::state::AppState;
use crate::auth::tokens::{hash_token, new_token, random_bytes};
use crate::clock::to_rfc3339;
use crate::store::DeviceAuthorization;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use deskmate_proto::code::SecurityCode;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// How long a device code stays valid, in seconds.
pub const LIFETIME_SECS: i64 = 600;
/// The polling interval a client starts with, in seconds.
pub const INTERVAL_SECS: i64 = 5;

/// Longest `client_name`, in characters.
pub const MAX_CLIENT_NAME: usize = 100;
/// Sign-ins one source address may start per minute. Generous: many people
/// may share one address (an office behind one NAT).
pub const STARTS_PER_ADDRESS_PER_MINUTE: u32 = 60;
/// Sign-ins the whole server accepts per minute.
pub const STARTS_PER_MINUTE: u32 = 600;
/// Pending, unexpired sign-in requests one source address may have.
pub const OUTSTANDING_PER_ADDRESS: i64 = 500;
/// Pending, unexpired sign-in requests the server keeps in all.
pub const OUTSTANDING: i64 = 5_000;

/// Brakes on starting browser sign-ins: nobody is signed in yet, so they
/// count per source address and for the whole server.
#[derive(Debug)]
pub struct StartLimits {
    per_address: crate::auth::window::WindowLimiter,
    all: crate::auth::window::WindowLimiter,
}

impl Default for StartLimits {
    fn default() -> Self {
        Self {
            per_address: crate::auth::window::WindowLimiter::new(
                STARTS_PER_ADDRESS_PER_MINUTE,
                60_000,
            ),
            all: crate::auth::window::WindowLimiter::new(STARTS_PER_MINUTE, 60_000),
        }
    }
}

fn too_many_starts(detail: String, retry_after_secs: i64) -> ApiError {
    metrics::counter!("deskmate_device_auth_starts_refused_total").increment(1);
    ApiError::TooManyRequests {
        detail,
        retry_after_secs,
    }
}

/// Checks every brake on a new browser sign-in from `address`.
async fn admit_start(state: &AppState, address: &str) -> Result<(), ApiError> {
    let now = state.now();
    if let Err(wait) = state.device_auth_starts.per_address.hit(address, now) {
        return Err(too_many_starts(
            format!(
                "too many browser sign-ins were started from this address in the last minute; \
                 try again in {wait} seconds"
            ),
            wait,
        ));
    }
    if let Err(wait) = state.device_auth_starts.all.hit("", now) {
        tracing::warn!("browser sign-in starts are arriving faster than the server accepts");
        return Err(too_many_starts(
            format!(
                "the server is receiving too many browser sign-ins; try again in {wait} seconds"
            ),
            wait,
        ));
    }
    let (total, mine) = state
        .store
        .count_outstanding_device_authorizations(address, now)
        .await?;
    if mine >= OUTSTANDING_PER_ADDRESS || total >= OUTSTANDING {
        tracing::warn!(
            address,
            outstanding = total,
            from_address = mine,
            "too many browser sign-ins are waiting for approval"
        );
        return Err(too_many_starts(
            "too many browser sign-ins are waiting for approval; finish or let earlier ones \
             expire (they last 10 minutes), then try again"
                .into(),
            60,
        ));
    }
    Ok(())
}

/// A client asking to sign someone in.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationRequest {
    /// What the client calls itself, shown to the person who approves
    /// (e.g. "deskmate share on desk-7").
    #[serde(default)]
    pub client_name: String,
}

/// RFC 8628 §3.2 device authorisation response.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationStarted {
    /// The client's secret for polling.
    pub device_code: String,
    /// What the person confirms in the browser, `ABCD-EFGH`.
    pub user_code: String,
    /// Where to go.
    pub verification_uri: String,
    /// Where to go with the code filled in.
    pub verification_uri_complete: String,
    /// Seconds until the codes stop working.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: i64,
}

/// A user code in the security codes' alphabet, `ABCD-EFGH`.
fn user_code() -> Result<String, ApiError> {
    loop {
        if let Some(code) = SecurityCode::from_random(random_bytes()?) {
            return Ok(code.to_string());
        }
    }
}

/// The user code as stored: upper case, with the dash.
fn normalize_user_code(text: &str) -> Option<String> {
    let symbols: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (symbols.len() == 8).then(|| format!("{}-{}", &symbols[..4], &symbols[4..]))
}

/// The web app's address: the configured public address, else the host the client used.
fn origin(headers: &HeaderMap, state: &AppState) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map(|h| format!("https://{h}"))
        .unwrap_or_else(|| "https://localhost".into())
}

/// A native client starts a browser sign-in (no sign-in needed).
#[utoipa::path(post, path = "/api/v1/auth/device-authorization", tag = "auth", request_body = AuthorizationRequest,
    responses((status = 200, body = AuthorizationStarted), (status = 400, body = super::problem::Problem),
              (status = 429, body = super::problem::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AuthorizationRequest>,
) -> Result<ApiJson<AuthorizationStarted>, ApiError> {
    let now = state.now();
    let key = format!("device-auth:{}", peer.ip());
    // Unknown device codes polled from this address count against it (see
    // `token`); starting sign-ins is limited generously (`admit_start`), as
    // many people may share one address.
    if let Err(wait) = state.source_limiter.check(&key, now) {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "too many failed sign-in requests from this address; try again in {} seconds",
                wait.seconds()
            ),
            retry_after_secs: wait.seconds(),
        });
    }
    if body.client_name.chars().count() > MAX_CLIENT_NAME {
        return Err(ApiError::BadRequest(format!(
            "client_name is too long: at most {MAX_CLIENT_NAME} characters"
        )));
    }
    admit_start(&state, &peer.ip().to_string()).await?;
    let client_name = deskmate_proto::device::clean_text(&body.client_name, MAX_CLIENT_NAME);
    let device_code = new_token("dmd_")?;
    let mut authorization = DeviceAuthorization {
        id: uuid::Uuid::new_v4(),
        client_name: if client_name.is_empty() {
            "Deskmate".into()
        } else {
            client_name
        },
        source_addr: peer.ip().to_string(),
        user_code: user_code()?,
        status: "pending".into(),
        tenant_id: None,
        user_id: None,
        interval_secs: INTERVAL_SECS,
        last_poll_at: 0,
        created_at: now,
        expires_at: now + LIFETIME_SECS * 1000,
    };
    // A user-code collision is rare (31⁸ codes); try a few times.
    let mut tries = 0;
    loop {
        match state
            .store
            .create_device_authorization(&authorization, &hash_token(&device_code))
            .await
        {
            Ok(()) => break,
            Err(crate::store::StoreError::Conflict(_)) if tries < 3 => {
                tries += 1;
                authorization.user_code = user_code()?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let base = origin(&headers, &state);
    Ok(ApiJson(AuthorizationStarted {
        device_code,
        verification_uri: format!("{base}/activate"),
        verification_uri_complete: format!("{base}/activate?code={}", authorization.user_code),
        user_code: authorization.user_code,
        expires_in: LIFETIME_SECS,
        interval: INTERVAL_SECS,
    }))
}

/// The client's poll.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The device code from the start.
    pub device_code: String,
}

fn pending(reason: &'static str, detail: &str) -> ApiError {
    ApiError::Refused {
        status: 400,
        reason,
        detail: detail.into(),
    }
}

/// The client polls for its tokens: `authorization-pending` until the person
/// approves, `slow-down` when polling too fast, `access-denied`,
/// `expired-token`; then the tokens, once.
#[utoipa::path(post, path = "/api/v1/auth/device-token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = super::auth::LoginResponse), (status = 400, body = super::problem::Problem)))]
pub async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let key = format!("device-auth:{}", peer.ip());
    let Some(a) = state
        .store
        .device_authorization_by_device_code(&hash_token(body.device_code.trim()))
        .await?
    else {
        state.source_limiter.record_failure(&key, now);
        return Err(pending(
            "invalid-grant",
            "this sign-in request is unknown; start again",
        ));
    };
    if a.expires_at <= now {
        return Err(pending(
            "expired-token",
            "the sign-in request expired before it was approved; start again",
        ));
    }
    match a.status.as_str() {
        "denied" => {
            return Err(pending(
                "access-denied",
                "the sign-in was denied in the browser",
            ));
        }
        "used" => {
            return Err(pending(
                "invalid-grant",
                "this sign-in request was already used",
            ));
        }
        "pending" => {
            let too_soon = now - a.last_poll_at < a.interval_secs * 1000;
            let interval = if too_soon {
                a.interval_secs + 5
            } else {
                a.interval_secs
            };
            state.store.note_device_poll(a.id, interval, now).await?;
            return Err(if too_soon {
                pending(
                    "slow-down",
                    &format!("polling too fast; wait {interval} seconds between polls"),
                )
            } else {
                pending(
                    "authorization-pending",
                    "waiting for the sign-in to be approved in the browser",
                )
            });
        }
        _ => {}
    }
    let (Some(tenant), Some(user_id)) = (a.tenant_id, a.user_id) else {
        return Err(ApiError::Internal("an approved sign-in has no user".into()));
    };
    if !state.store.use_device_authorization(a.id).await? {
        return Err(pending(
            "invalid-grant",
            "this sign-in request was already used",
        ));
    }
    let user = state
        .store
        .user(tenant, user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| ApiError::Unauthorized("this account is disabled".into()))?;
    let me = me_view(&state, &user).await?;
    let access = new_token("dma_")?;
    let response = api_tokens(&state, &user, me, access, peer.ip().to_string()).await?;
    super::auth_audit::signed_in(&state, &user, "browser", &peer.ip().to_string()).await?;
    tracing::info!(user = %user.id, client = %a.client_name, "signed in through the browser");
    Ok(ApiJson(response).into_response())
}

/// What the person approving sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationView {
    /// The code (check it matches what the client shows).
    pub user_code: String,
    /// What the client calls itself.
    pub client_name: String,
    /// Where it asked from.
    pub source_addr: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Until when (RFC 3339).
    pub expires_at: String,
    /// `pending`, `approved`, `denied` or `used`.
    pub status: String,
}

async fn find(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<DeviceAuthorization, ApiError> {
    let now = state.now();
    let key = format!("device-auth-code:{}", caller.user.id);
    if let Err(wait) = state.account_limiter.check(&key, now) {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "too many wrong codes; try again in {} seconds",
                wait.seconds()
            ),
            retry_after_secs: wait.seconds(),
        });
    }
    let found = match normalize_user_code(code) {
        Some(code) => state.store.device_authorization_by_user_code(&code).await?,
        None => None,
    };
    match found.filter(|a| a.expires_at > now) {
        Some(a) => Ok(a),
        None => {
            state.account_limiter.record_failure(&key, now);
            Err(ApiError::NotFound(
                "there is no sign-in request with this code, or it expired; check the code the app shows".into(),
            ))
        }
    }
}

/// A sign-in request, for the signed-in person to check before approving.
#[utoipa::path(get, path = "/api/v1/auth/device-authorization/{code}", tag = "auth",
    params(("code" = String, Path, description = "The user code")),
    responses((status = 200, body = AuthorizationView), (status = 404, body = super::problem::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<ApiJson<AuthorizationView>, ApiError> {
    let a = find(&state, &caller, &code).await?;
    Ok(ApiJson(AuthorizationView {
        user_code: a.user_code,
        client_name: a.client_name,
        source_addr: a.source_addr,
        created_at: to_rfc3339(a.created_at),
        expires_at: to_rfc3339(a.expires_at),
        status: a.status,
    }))
}

/// Approve or deny.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// True signs the client in as the caller; false refuses it.
    pub approve: bool,
}

/// The signed-in person approves or denies a client's sign-in.
#[utoipa::path(post, path = "/api/v1/auth/device-authorization/{code}", tag = "auth", request_body = Decision,
    params(("code" = String, Path, description = "The user code")),
    responses((status = 204), (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<Decision>,
) -> Result<StatusCode, ApiError> {
    let a = find(&state, &caller, &code).await?;
    let decision = body
        .approve
        .then_some((caller.user.tenant_id, caller.user.id));
    if !state
        .store
        .decide_device_authorization(a.id, decision, state.now())
        .await?
    {
        return Err(ApiError::Conflict(
            "this sign-in request was already approved or denied".into(),
        ));
    }
    tracing::info!(user = %caller.user.id, client = %a.client_name, approved = body.approve, "browser sign-in decided");
    Ok(StatusCode::NO_CONTENT)
}

/// The address a client shows: opens the web app's approval with the code.
#[derive(Debug, Deserialize)]
pub struct ActivateQuery {
    code: Option<String>,
}

/// `GET /activate[?code=…]`: the short address people type.
pub async fn activate(Query(query): Query<ActivateQuery>) -> Redirect {
    match query.code.as_deref().and_then(normalize_user_code) {
        Some(code) => Redirect::to(&format!("/?activate={code}")),
        None => Redirect::to("/?activate="),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskmate_proto::code::ALPHABET;

    #[test]
    fn user_codes_are_readable_and_normalise() {
        let code = user_code().expect("random");
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(
            code.bytes()
                .filter(|c| *c != b'-')
                .all(|c| ALPHABET.contains(&c))
        );
        assert_eq!(
            normalize_user_code("abcd efgh").as_deref(),
            Some("ABCD-EFGH")
        );
        assert_eq!(normalize_user_code("ABCD-EFG"), None);
        assert_eq!(normalize_user_code("<script>"), None);
    }
}
