//! Users of the organisation, for administrators.

use super::caller::Caller;
use super::delegation::Delegation;
use super::json::ApiJson;
use super::me::{hash_new_password, profile_patch};
use super::problem::ApiError;
use super::state::AppState;
use super::validate;
use super::views::UserView;
use crate::audit::AuditAction;
use crate::ids::{GroupId, UserId};
use crate::permissions::Permission;
use crate::store::{NewUser, User};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

/// Parses an id from the path with a clear message.
pub fn parse_id<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::NotFound(format!(
            "there is no {what} with id '{}'",
            text.chars().take(64).collect::<String>()
        ))
    })
}

/// A user of the caller's tenant, or 404.
pub async fn find_user(state: &AppState, caller: &Caller, id: &str) -> Result<User, ApiError> {
    let id: UserId = parse_id("user", id)?;
    state
        .store
        .user(caller.user.tenant_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "there is no user with id '{id}' in your organisation"
            ))
        })
}

async fn view(state: &AppState, user: &User) -> Result<UserView, ApiError> {
    let tenant = state.store.tenant(user.tenant_id).await?;
    Ok(UserView::new(user, tenant.as_ref()))
}

/// All users of my organisation.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = super::problem::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<UserView>>, ApiError> {
    caller.require(Permission::UsersRead)?;
    let tenant = state.store.tenant(caller.user.tenant_id).await?;
    let users = state.store.list_users(caller.user.tenant_id).await?;
    Ok(ApiJson(
        users
            .iter()
            .map(|u| UserView::new(u, tenant.as_ref()))
            .collect(),
    ))
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// E-mail address; the sign-in name.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Company name.
    #[serde(default)]
    pub company_name: Option<String>,
    /// Initial password; without one the user cannot sign in until an administrator sets one.
    #[serde(default)]
    pub password: Option<String>,
    /// Groups to add the user to.
    #[serde(default)]
    pub groups: Vec<GroupId>,
}

/// Create a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 409, body = super::problem::Problem),
              (status = 422, body = super::problem::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<Response, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let tenant = caller.user.tenant_id;
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
    let job_title = validate::optional_text(
        "job_title",
        body.job_title.as_deref(),
        validate::MAX_NAME,
        &mut errors,
    );
    let company_name = validate::optional_text(
        "company_name",
        body.company_name.as_deref(),
        validate::MAX_NAME,
        &mut errors,
    );
    for (i, group) in body.groups.iter().enumerate() {
        if state.store.group(tenant, *group).await?.is_none() {
            errors.push(super::problem::FieldError::new(
                &format!("groups[{i}]"),
                format!("there is no group with id '{group}'"),
            ));
        }
    }
    if let Some(password) = &body.password
        && let Err(e) = crate::auth::password::check_rules(password, &email)
    {
        errors.push(super::problem::FieldError::new("password", e.to_string()));
    }
    ApiError::from_fields(errors)?;
    let delegation = Delegation::begin(&state, &caller).await?;
    for group in &body.groups {
        delegation.may_grant_group(
            *group,
            &format!(
                "creating a user in the group '{}'",
                delegation.snapshot().group_name(*group)
            ),
        )?;
    }
    drop(delegation);
    let password_hash = match &body.password {
        Some(p) => Some(hash_new_password(&state, p, &email, "password").await?),
        None => None,
    };
    let now = state.now();
    let user = state
        .store
        .create_user(
            &NewUser {
                tenant_id: tenant,
                email,
                first_name,
                last_name,
                job_title,
                company_name,
                password_hash,
            },
            now,
        )
        .await?;
    for group in &body.groups {
        state.store.add_member(*group, user.id).await?;
    }
    caller
        .audit(
            &state,
            AuditAction::UserCreated,
            Some(user.id.to_string()),
            serde_json::json!({"email": user.email, "groups": body.groups}),
        )
        .await?;
    let location = format!("/api/v1/users/{}", user.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        ApiJson(view(&state, &user).await?),
    )
        .into_response())
}

/// One user (administrators, or the user themself).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 404, body = super::problem::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<UserView>, ApiError> {
    if id != caller.user.id.to_string() {
        caller.require(Permission::UsersRead)?;
    }
    let user = find_user(&state, &caller, &id).await?;
    Ok(ApiJson(view(&state, &user).await?))
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Job title (empty clears it).
    pub job_title: Option<String>,
    /// Company name (empty clears it).
    pub company_name: Option<String>,
    /// Disable (true) or re-enable (false) sign-in. Disabling ends the user's sign-ins.
    pub disabled: Option<bool>,
}

/// Change a user.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 422, body = super::problem::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserPatch>,
) -> Result<ApiJson<UserView>, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let user = find_user(&state, &caller, &id).await?;
    let delegation = Delegation::begin(&state, &caller).await?;
    delegation.may_manage(&user, "change their account")?;
    let mut errors = Vec::new();
    let mut patch = profile_patch(
        body.first_name.as_deref(),
        body.last_name.as_deref(),
        body.job_title.as_deref(),
        body.company_name.as_deref(),
        &mut errors,
    );
    if body.disabled == Some(true) && user.id == caller.user.id {
        errors.push(super::problem::FieldError::new(
            "disabled",
            "you cannot disable your own account",
        ));
    }
    ApiError::from_fields(errors)?;
    if body.disabled == Some(true) {
        delegation.keeps_an_administrator(&delegation.snapshot().with_disabled(user.id, true))?;
    }
    patch.disabled = body.disabled;
    let now = state.now();
    state.store.update_profile(&user, &patch, now).await?;
    if body.disabled == Some(true) {
        state.store.revoke_user_sessions(user.id, now).await?;
        end_live_sessions(&state, user.id, "the account was disabled").await;
    }
    caller
        .audit(
            &state,
            AuditAction::UserChanged,
            Some(user.id.to_string()),
            serde_json::json!({"first_name": body.first_name, "last_name": body.last_name, "job_title": body.job_title,
                               "company_name": body.company_name, "disabled": body.disabled}),
        )
        .await?;
    let user = find_user(&state, &caller, &id).await?;
    Ok(ApiJson(view(&state, &user).await?))
}

/// Ends the live remote-help sessions of a user whose sign-ins were just revoked.
pub async fn end_live_sessions(state: &AppState, user: crate::ids::UserId, why: &str) {
    let ended = crate::relay::revoke::end_sessions_of_user(
        &state.hub,
        &state.store,
        state.now(),
        user,
        why,
    )
    .await;
    if ended > 0 {
        tracing::info!(%user, sessions = ended, why, "live sessions ended with the user's sign-ins");
    }
}

/// A password set by an administrator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The new password (at least 12 characters).
    pub password: String,
}

/// Reset a user's password; their sign-ins are ended.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", request_body = PasswordReset,
    params(("id" = String, Path, description = "User id")),
    responses((status = 204), (status = 422, body = super::problem::Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let user = find_user(&state, &caller, &id).await?;
    Delegation::begin(&state, &caller)
        .await?
        .may_manage(&user, "reset their password")?;
    let hash = hash_new_password(&state, &body.password, &user.email, "password").await?;
    let now = state.now();
    state.store.set_password_hash(user.id, &hash, now).await?;
    state.store.revoke_user_sessions(user.id, now).await?;
    end_live_sessions(&state, user.id, "the password was reset").await;
    caller
        .audit(
            &state,
            AuditAction::UserPasswordReset,
            Some(user.id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a user's second factor (lost phone); they can enrol again after signing in.
#[utoipa::path(delete, path = "/api/v1/users/{id}/totp", tag = "users",
    params(("id" = String, Path, description = "User id")), responses((status = 204)))]
pub async fn reset_totp(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let user = find_user(&state, &caller, &id).await?;
    Delegation::begin(&state, &caller)
        .await?
        .may_manage(&user, "remove their second factor")?;
    let now = state.now();
    state.store.set_totp(user.id, None, false, now).await?;
    state.store.revoke_user_sessions(user.id, now).await?;
    end_live_sessions(&state, user.id, "the second factor was reset").await;
    caller
        .audit(
            &state,
            AuditAction::UserTotpReset,
            Some(user.id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every sign-in of a user (all devices, all tokens).
#[utoipa::path(post, path = "/api/v1/users/{id}/revoke-sessions", tag = "users",
    params(("id" = String, Path, description = "User id")), responses((status = 204)))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if id != caller.user.id.to_string() {
        caller.require(Permission::UsersWrite)?;
    }
    let user = find_user(&state, &caller, &id).await?;
    if user.id != caller.user.id {
        Delegation::begin(&state, &caller)
            .await?
            .may_manage(&user, "end their sign-ins")?;
    }
    let ended = state
        .store
        .revoke_user_sessions(user.id, state.now())
        .await?;
    end_live_sessions(&state, user.id, "all sign-ins were revoked").await;
    caller
        .audit(
            &state,
            AuditAction::UserSessionsRevoked,
            Some(user.id.to_string()),
            serde_json::json!({"sessions": ended}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's profile picture. Anyone signed in to the same organisation may see it.
#[utoipa::path(get, path = "/api/v1/users/{id}/picture", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, content_type = "image/png"), (status = 404, body = super::problem::Problem)))]
pub async fn picture(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    let (kind, data) = state
        .store
        .picture(caller.user.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("this user has no profile picture".into()))?;
    let bytes = data_encoding::BASE64
        .decode(data.as_bytes())
        .map_err(|e| ApiError::Internal(format!("stored picture is corrupt: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, max-age=300".into()),
        ],
        bytes,
    )
        .into_response())
}
