//! Groups and membership, for administrators.

use super::caller::Caller;
use super::delegation::Delegation;
use super::json::ApiJson;
use super::problem::ApiError;
use super::state::AppState;
use super::users::{find_user, parse_id};
use super::validate;
use super::views::GroupView;
use crate::audit::AuditAction;
use crate::ids::GroupId;
use crate::permissions::Permission;
use crate::store::ADMINISTRATORS_GROUP;
use crate::store::Group;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

pub(super) async fn find_group(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Group, ApiError> {
    let id: GroupId = parse_id("group", id)?;
    state
        .store
        .group(caller.user.tenant_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "there is no group with id '{id}' in your organisation"
            ))
        })
}

/// All groups of my organisation, with members.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", responses((status = 200, body = Vec<GroupView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<GroupView>>, ApiError> {
    caller.require(Permission::UsersRead)?;
    let mut out = Vec::new();
    for group in state.store.list_groups(caller.user.tenant_id).await? {
        let members = state.store.group_members(group.id).await?;
        let devices = state.store.group_devices(group.id).await?;
        out.push(GroupView::new(&group, members, devices));
    }
    Ok(ApiJson(out))
}

/// A new group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    /// Name, unique in the organisation.
    pub name: String,
    /// What the group is for.
    #[serde(default)]
    pub description: String,
}

/// Create a group.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = CreateGroup,
    responses((status = 201, body = GroupView), (status = 409, body = super::problem::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateGroup>,
) -> Result<Response, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let mut errors = Vec::new();
    let name = validate::text("name", &body.name, validate::MAX_NAME, &mut errors);
    let description =
        validate::optional_text("description", Some(&body.description), 500, &mut errors);
    ApiError::from_fields(errors)?;
    let group = state
        .store
        .create_group(
            caller.user.tenant_id,
            &name,
            description.as_deref().unwrap_or(""),
            state.now(),
        )
        .await?;
    caller
        .audit(
            &state,
            AuditAction::GroupCreated,
            Some(group.id.to_string()),
            serde_json::json!({"name": group.name}),
        )
        .await?;
    let location = format!("/api/v1/groups/{}", group.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        ApiJson(GroupView::new(&group, Vec::new(), Vec::new())),
    )
        .into_response())
}

/// One group with its members.
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups",
    params(("id" = String, Path, description = "Group id")), responses((status = 200, body = GroupView)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<GroupView>, ApiError> {
    caller.require(Permission::UsersRead)?;
    let group = find_group(&state, &caller, &id).await?;
    let members = state.store.group_members(group.id).await?;
    let devices = state.store.group_devices(group.id).await?;
    Ok(ApiJson(GroupView::new(&group, members, devices)))
}

/// Changes to a group; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    /// New name, unique in the organisation (the Administrators group keeps its name).
    pub name: Option<String>,
    /// New description (empty clears it).
    pub description: Option<String>,
}

/// Rename a group or change its description.
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "groups", request_body = GroupPatch,
    params(("id" = String, Path, description = "Group id")),
    responses((status = 200, body = GroupView), (status = 409, body = super::problem::Problem),
              (status = 422, body = super::problem::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GroupPatch>,
) -> Result<ApiJson<GroupView>, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let group = find_group(&state, &caller, &id).await?;
    let mut errors = Vec::new();
    let name = match &body.name {
        Some(n) => validate::text("name", n, validate::MAX_NAME, &mut errors),
        None => group.name.clone(),
    };
    if group.name == ADMINISTRATORS_GROUP && name != group.name {
        errors.push(super::problem::FieldError::new(
            "name",
            "the Administrators group cannot be renamed",
        ));
    }
    let description = match &body.description {
        Some(d) => {
            validate::optional_text("description", Some(d), 500, &mut errors).unwrap_or_default()
        }
        None => group.description.clone(),
    };
    ApiError::from_fields(errors)?;
    state
        .store
        .update_group(caller.user.tenant_id, group.id, &name, &description)
        .await?;
    caller
        .audit(
            &state,
            AuditAction::GroupChanged,
            Some(group.id.to_string()),
            serde_json::json!({"before": {"name": group.name, "description": group.description},
                               "after": {"name": name, "description": description}}),
        )
        .await?;
    let saved = find_group(&state, &caller, &id).await?;
    let members = state.store.group_members(saved.id).await?;
    let devices = state.store.group_devices(saved.id).await?;
    Ok(ApiJson(GroupView::new(&saved, members, devices)))
}

/// Delete a group. The Administrators group cannot be deleted.
#[utoipa::path(delete, path = "/api/v1/groups/{id}", tag = "groups",
    params(("id" = String, Path, description = "Group id")), responses((status = 204), (status = 409, body = super::problem::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let group = find_group(&state, &caller, &id).await?;
    if group.name == ADMINISTRATORS_GROUP {
        return Err(ApiError::Conflict(
            "the Administrators group cannot be deleted: the organisation would have no administrator".into(),
        ));
    }
    let delegation = Delegation::begin(&state, &caller).await?;
    delegation.may_take_back(
        &delegation.snapshot().group_grant(group.id),
        &format!("deleting the group '{}'", group.name),
    )?;
    delegation.keeps_an_administrator(&delegation.snapshot().without_group(group.id))?;
    state
        .store
        .delete_group(caller.user.tenant_id, group.id)
        .await?;
    caller
        .audit(
            &state,
            AuditAction::GroupDeleted,
            Some(group.id.to_string()),
            serde_json::json!({"name": group.name}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a user to a group: only someone holding everything membership gives
/// (and everything the user holds) may add them.
#[utoipa::path(put, path = "/api/v1/groups/{id}/members/{user_id}", tag = "groups",
    params(("id" = String, Path, description = "Group id"), ("user_id" = String, Path, description = "User id")),
    responses((status = 204)))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let group = find_group(&state, &caller, &id).await?;
    let user = find_user(&state, &caller, &user_id).await?;
    let delegation = Delegation::begin(&state, &caller).await?;
    delegation.may_manage(&user, "change their group memberships")?;
    delegation.may_grant_group(
        group.id,
        &format!("adding {} to the group '{}'", user.email, group.name),
    )?;
    state.store.add_member(group.id, user.id).await?;
    caller
        .audit(
            &state,
            AuditAction::GroupMemberAdded,
            Some(group.id.to_string()),
            serde_json::json!({"user": user.id, "group": group.name}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a user from a group. The last administrator cannot be removed, and
/// only someone holding at least what the user holds may remove them.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/members/{user_id}", tag = "groups",
    params(("id" = String, Path, description = "Group id"), ("user_id" = String, Path, description = "User id")),
    responses((status = 204), (status = 409, body = super::problem::Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let group = find_group(&state, &caller, &id).await?;
    let user = find_user(&state, &caller, &user_id).await?;
    let delegation = Delegation::begin(&state, &caller).await?;
    delegation.may_manage(&user, "change their group memberships")?;
    delegation.keeps_an_administrator(
        &delegation
            .snapshot()
            .with_membership(group.id, user.id, false),
    )?;
    if !state.store.remove_member(group.id, user.id).await? {
        return Err(ApiError::NotFound(
            "the user is not a member of this group".into(),
        ));
    }
    caller
        .audit(
            &state,
            AuditAction::GroupMemberRemoved,
            Some(group.id.to_string()),
            serde_json::json!({"user": user.id, "group": group.name}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
