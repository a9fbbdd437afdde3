//! The first administrator: the API behind the one-time setup link.

use super::json::ApiJson;
use super::problem::ApiError;
use super::state::AppState;
use super::validate;
use super::views::UserView;
use crate::audit::AuditAction;
use crate::auth::tokens::hash_token;
use crate::store::{NewAuditEvent, NewUser};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// Whether first-run setup is still open.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupStatus {
    /// True until the first administrator exists.
    pub pending: bool,
    /// The organisation's name.
    pub tenant_name: Option<String>,
}

/// The header that carries the setup link's token when the page asks
/// whether setup is still open. Never the address: addresses end up in logs.
pub const SETUP_TOKEN_HEADER: &str = "x-setup-token";

/// Is setup still open for the organisation of this link? The token comes
/// in the `X-Setup-Token` header; without it, the server's first
/// organisation is meant. A token in the address is refused.
#[utoipa::path(get, path = "/api/v1/setup", tag = "setup",
    params(("X-Setup-Token" = Option<String>, Header, description = "The token from the setup link")),
    responses((status = 200, body = SetupStatus), (status = 400, body = super::problem::Problem)))]
pub async fn status(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<ApiJson<SetupStatus>, ApiError> {
    if query
        .as_deref()
        .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(name, _)| name == "token"))
    {
        return Err(ApiError::BadRequest(
            "the setup token must not be sent in the address (addresses are logged); \
             send it in the X-Setup-Token header instead"
                .into(),
        ));
    }
    let token = headers
        .get(SETUP_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let tenant = match token {
        Some(token) => match state
            .store
            .setup_token_tenant(&hash_token(token), state.now())
            .await?
        {
            Some(id) => state.store.tenant(id).await?,
            None => {
                return Ok(ApiJson(SetupStatus {
                    pending: false,
                    tenant_name: None,
                }));
            }
        },
        None => state.store.first_tenant().await?,
    };
    let pending = match &tenant {
        Some(t) => state.store.count_users(t.id).await? == 0,
        None => true,
    };
    Ok(ApiJson(SetupStatus {
        pending,
        tenant_name: tenant.map(|t| t.name),
    }))
}

/// The first administrator's account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// The token from the link printed at first start.
    pub token: String,
    /// E-mail address (the sign-in name).
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Password, at least 12 characters.
    pub password: String,
}

/// Create the first administrator with the one-time token.
#[utoipa::path(post, path = "/api/v1/setup", tag = "setup", request_body = SetupRequest,
    responses((status = 201, body = UserView), (status = 401, body = super::problem::Problem),
              (status = 409, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<SetupRequest>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let source = format!("setup:{}", peer.ip());
    if let Err(wait) = state.source_limiter.check(&source, now) {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "too many wrong setup tokens; try again in {} seconds",
                wait.seconds()
            ),
            retry_after_secs: wait.seconds(),
        });
    }
    let mut errors = Vec::new();
    let email = validate::email("email", &body.email, &mut errors);
    let first_name = validate::text(
        "first_name",
        &body.first_name,
        validate::MAX_NAME,
        &mut errors,
    );
    let last_name = validate::text(
        "last_name",
        &body.last_name,
        validate::MAX_NAME,
        &mut errors,
    );
    ApiError::from_fields(errors)?;
    let password_hash =
        super::me::hash_new_password(&state, &body.password, &email, "password").await?;
    let Some(tenant) = state
        .store
        .consume_setup_token(&hash_token(body.token.trim()), now)
        .await?
    else {
        state.source_limiter.record_failure(&source, now);
        return Err(ApiError::Unauthorized(
            "this setup link is not valid: it was already used, has expired, or was replaced by a newer one. \
             Restart the server to print a new link (only while no administrator exists)."
                .into(),
        ));
    };
    if state.store.count_users(tenant).await? > 0 {
        return Err(ApiError::Conflict(
            "the first administrator already exists; sign in instead".into(),
        ));
    }
    let user = state
        .store
        .create_user(
            &NewUser {
                tenant_id: tenant,
                email,
                first_name,
                last_name,
                job_title: None,
                company_name: None,
                password_hash: Some(password_hash),
            },
            now,
        )
        .await?;
    let group = state
        .store
        .administrators_group(tenant)
        .await?
        .ok_or_else(|| ApiError::Internal("tenant has no Administrators group".into()))?;
    state.store.add_member(group, user.id).await?;
    state
        .store
        .append_audit(
            &NewAuditEvent {
                tenant_id: tenant,
                actor_id: Some(user.id),
                action: AuditAction::AdministratorCreated,
                target: Some(user.id.to_string()),
                detail: serde_json::json!({"email": user.email, "via": "setup link"}),
                source_addr: Some(peer.ip().to_string()),
            },
            now,
        )
        .await?;
    let view = UserView::new(&user, state.store.tenant(tenant).await?.as_ref());
    Ok((StatusCode::CREATED, ApiJson(view)).into_response())
}
