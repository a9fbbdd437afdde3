//! Sign-in, token refresh and sign-out.

use super::auth_audit;
use super::caller::{CSRF_COOKIE, Caller, SESSION_COOKIE};
use super::json::ApiJson;
use super::problem::ApiError;
use super::state::AppState;
use super::views::{MeView, TenantView, UserView};
use crate::audit::AuditAction;
use crate::auth::rate_limit::{Attempt, Refusal};
use crate::auth::tokens::{hash_token, new_token};
use crate::auth::{password, totp};
use crate::store::{NewAuthSession, RefreshOutcome, SessionKind, User};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// How the client wants to hold its sign-in.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SessionMode {
    /// Access token + refresh token in the response body (API clients, CLI, agent).
    #[default]
    Token,
    /// HttpOnly cookie + CSRF token (the web app).
    Cookie,
}

/// Sign-in request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
    /// Current 6-digit code, for accounts with TOTP.
    #[serde(default)]
    pub totp_code: Option<String>,
    /// `token` (default) or `cookie`.
    #[serde(default)]
    pub session: SessionMode,
}

/// Sign-in result.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Who signed in, and what they may do.
    pub me: MeView,
    /// Bearer access token (token mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Refresh token (token mode); single use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer` in token mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Seconds until the access token (or the cookie session) expires.
    pub expires_in: u64,
    /// CSRF token to echo in `X-CSRF-Token` (cookie mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// Refresh request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from sign-in or the last refresh.
    pub refresh_token: String,
}

/// New tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Bearer access token.
    pub access_token: String,
    /// The next refresh token (the one sent is now spent).
    pub refresh_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

fn ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("the e-mail address or password is wrong".into())
}

/// The 429 for a refused password attempt (sign-in or password change).
pub fn too_many(refusal: Refusal) -> ApiError {
    let secs = refusal.retry_after().seconds();
    let detail = match refusal {
        Refusal::Delayed(_) => {
            format!("too many failed password attempts; try again in {secs} seconds")
        }
        Refusal::Busy(_) => format!(
            "another password attempt for this account is being checked; try again in {secs} seconds"
        ),
    };
    ApiError::TooManyRequests {
        detail,
        retry_after_secs: secs,
    }
}

/// The key under which password attempts for an account are counted (the
/// sign-in and the change of one's own password share it).
pub fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Builds the `/me` view for a user.
pub async fn me_view(state: &AppState, user: &User) -> Result<MeView, ApiError> {
    let tenant = state
        .store
        .tenant(user.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("user without a tenant".into()))?;
    let permissions = state.store.permissions_of(user.tenant_id, user.id).await?;
    Ok(MeView {
        user: UserView::new(user, Some(&tenant)),
        tenant: TenantView::from(&tenant),
        permissions: permissions.into_iter().collect(),
    })
}

/// Checks password and second factor; counts failures per account and source.
async fn authenticate(
    state: &AppState,
    request: &LoginRequest,
    source: &str,
) -> Result<User, ApiError> {
    let now = state.now();
    let account_key = account_key(&request.email);
    // Reserved before the password is hashed, so attempts made at the same
    // time count against each other; each counts as a failure unless it
    // is settled otherwise below.
    if let Err(refusal) = state.account_limiter.check(&account_key, now) {
        return Err(too_many(Refusal::Delayed(refusal)));
    }
    let from_source = state.source_limiter.begin(source, now).map_err(too_many)?;
    let for_account = match state.account_limiter.begin(&account_key, now) {
        Ok(attempt) => attempt,
        Err(refusal) => {
            from_source.refund();
            return Err(too_many(refusal));
        }
    };
    fn fail(for_account: Attempt<'_>, from_source: Attempt<'_>) {
        for_account.failed();
        from_source.failed();
        metrics::counter!("deskmate_signin_failures_total").increment(1);
    }
    let user = state.store.user_by_email(request.email.trim()).await?;
    let claimed = user.clone();
    let candidate = user
        .filter(|u| !u.disabled)
        .and_then(|u| u.password_hash.clone().map(|h| (u, h)));
    let password = request.password.clone();
    let (user, matched) = match candidate {
        Some((user, phc)) => {
            let ok = state
                .password_job(move || password::verify(&password, &phc))
                .await?;
            (Some(user), ok)
        }
        None => {
            state
                .password_job(move || password::verify_dummy(&password))
                .await?;
            (None, false)
        }
    };
    let Some(user) = user.filter(|_| matched) else {
        fail(for_account, from_source);
        let action = AuditAction::SignInWrongPassword;
        auth_audit::refused(state, claimed.as_ref(), action, source).await?;
        return Err(wrong_credentials());
    };
    if user.totp_enabled {
        let Some(code) = request
            .totp_code
            .as_deref()
            .filter(|c| !c.trim().is_empty())
        else {
            // The password was right: this attempt neither fails nor succeeds.
            for_account.refund();
            from_source.refund();
            return Err(ApiError::TotpRequired);
        };
        let secret = user.totp_secret.clone().unwrap_or_default();
        let step = totp::verify(&secret, code, now.div_euclid(1000));
        let fresh = match step {
            Some(step) => state.store.claim_totp_step(user.id, step).await?,
            None => false,
        };
        if !fresh {
            fail(for_account, from_source);
            let action = AuditAction::SignInWrongTotp;
            auth_audit::refused(state, Some(&user), action, source).await?;
            return Err(ApiError::Unauthorized(
                "the authentication code is wrong or was already used; wait for the next one"
                    .into(),
            ));
        }
    }
    for_account.succeeded();
    from_source.refund();
    Ok(user)
}

fn cookie_header(
    name: &str,
    value: &str,
    max_age_secs: u64,
    http_only: bool,
) -> Option<HeaderValue> {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; SameSite=Strict; Max-Age={max_age_secs}{http_only}"
    ))
    .ok()
}

/// Starts an API sign-in session for `user` with the access token `access`
/// and a new refresh token (the token mode of sign-in, and browser sign-in
/// of native clients).
pub async fn api_tokens(
    state: &AppState,
    user: &User,
    me: MeView,
    access: String,
    source: String,
) -> Result<LoginResponse, ApiError> {
    let now = state.now();
    let refresh = new_token("dmr_")?;
    let ttl = state.config.access_token_ttl;
    state
        .store
        .create_auth_session(
            &NewAuthSession {
                tenant_id: user.tenant_id,
                user_id: user.id,
                kind: SessionKind::Api,
                access_hash: hash_token(&access),
                access_expires_at: now + ms(ttl),
                refresh_hash: Some(hash_token(&refresh)),
                refresh_expires_at: Some(now + ms(state.config.refresh_token_ttl)),
                csrf_token: None,
                source_addr: source,
            },
            now,
        )
        .await?;
    Ok(LoginResponse {
        me,
        access_token: Some(access),
        refresh_token: Some(refresh),
        token_type: Some("Bearer".into()),
        expires_in: ttl,
        csrf_token: None,
    })
}

/// Sign in with e-mail, password and (if enrolled) a TOTP code.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = super::problem::Problem),
              (status = 429, body = super::problem::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let source = peer.ip().to_string();
    let user = authenticate(&state, &request, &source).await?;
    let now = state.now();
    let access = new_token("dma_")?;
    let me = me_view(&state, &user).await?;
    let response = match request.session {
        SessionMode::Token => {
            ApiJson(api_tokens(&state, &user, me, access, source).await?).into_response()
        }
        SessionMode::Cookie => {
            let csrf = new_token("")?;
            let ttl = state.config.web_session_ttl;
            state
                .store
                .create_auth_session(
                    &NewAuthSession {
                        tenant_id: user.tenant_id,
                        user_id: user.id,
                        kind: SessionKind::Web,
                        access_hash: hash_token(&access),
                        access_expires_at: now + ms(ttl),
                        refresh_hash: None,
                        refresh_expires_at: None,
                        csrf_token: Some(csrf.clone()),
                        source_addr: source,
                    },
                    now,
                )
                .await?;
            let mut response = ApiJson(LoginResponse {
                me,
                access_token: None,
                refresh_token: None,
                token_type: None,
                expires_in: ttl,
                csrf_token: Some(csrf.clone()),
            })
            .into_response();
            let headers = response.headers_mut();
            for cookie in [
                cookie_header(SESSION_COOKIE, &access, ttl, true),
                cookie_header(CSRF_COOKIE, &csrf, ttl, false),
            ]
            .into_iter()
            .flatten()
            {
                headers.append(header::SET_COOKIE, cookie);
            }
            response
        }
    };
    auth_audit::signed_in(&state, &user, "password", &peer.ip().to_string()).await?;
    tracing::info!(user = %user.id, tenant = %user.tenant_id, "signed in");
    Ok(response)
}

/// Swap a refresh token for a new access token and refresh token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = super::problem::Problem)))]
pub async fn refresh(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<ApiJson<TokenResponse>, ApiError> {
    let now = state.now();
    let access = new_token("dma_")?;
    let refresh = new_token("dmr_")?;
    let ttl = state.config.access_token_ttl;
    match state
        .store
        .rotate_refresh(
            &hash_token(request.refresh_token.trim()),
            &hash_token(&access),
            now + ms(ttl),
            &hash_token(&refresh),
            now + ms(state.config.refresh_token_ttl),
            now,
        )
        .await?
    {
        RefreshOutcome::Rotated(session) => {
            let user = state.store.user(session.tenant_id, session.user_id).await?;
            if user.is_none_or(|u| u.disabled) {
                state.store.revoke_session(session.id, now).await?;
                return Err(ApiError::Unauthorized("this account is disabled".into()));
            }
            Ok(ApiJson(TokenResponse {
                access_token: access,
                refresh_token: refresh,
                token_type: "Bearer".into(),
                expires_in: ttl,
            }))
        }
        RefreshOutcome::Reused(session) => {
            if let Some(user) = state.store.user(session.tenant_id, session.user_id).await? {
                let source = peer.ip().to_string();
                auth_audit::refresh_reused(&state, &user, session.id, &source).await?;
            }
            tracing::warn!(
                "a spent refresh token was presented again; its whole sign-in session was revoked"
            );
            Err(ApiError::Unauthorized(
                "this refresh token was already used, so the sign-in was ended for safety; sign in again".into(),
            ))
        }
        RefreshOutcome::Invalid => Err(ApiError::Unauthorized(
            "the refresh token is unknown or expired; sign in again".into(),
        )),
    }
}

/// Sign out: ends this sign-in session and clears the cookies.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = super::problem::Problem)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let now = state.now();
    state.store.revoke_session(caller.session.id, now).await?;
    let detail = serde_json::json!({"session": caller.session.id.to_string()});
    let target = Some(caller.user.id.to_string());
    caller
        .audit(&state, AuditAction::SignedOut, target, detail)
        .await?;
    crate::relay::revoke::end_sessions_of_sign_in(
        &state.hub,
        &state.store,
        now,
        caller.session.id,
        "they signed out",
    )
    .await;
    let mut headers = HeaderMap::new();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        if let Some(v) = cookie_header(name, "", 0, true) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}
