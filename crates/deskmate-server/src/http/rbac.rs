//! Roles and role assignments (SPEC §5): who holds which permissions, over whom.

use super::caller::Caller;
use super::delegation::Delegation;
use super::json::ApiJson;
use super::problem::{ApiError, FieldError};
use super::state::AppState;
use super::users::parse_id;
use super::validate;
use super::views::RoleView;
use crate::audit::AuditAction;
use crate::ids::{AssignmentId, GroupId, RoleId};
use crate::permissions::{Permission, PermissionSet};
use crate::store::{Assignment, Role};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Reads `If-Match: "N"`; `None` when absent.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    value
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "If-Match must be an ETag this server sent, not {value}"
            ))
        })
}

/// A JSON response carrying `version` as its ETag.
pub fn with_etag(body: impl Serialize, version: i64) -> Response {
    let mut response = ApiJson(body).into_response();
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

pub(super) fn changed_elsewhere(what: &str) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "the {what} was changed by someone else since you read it; reload and apply your change again"
    ))
}

async fn find_role(state: &AppState, caller: &Caller, id: &str) -> Result<Role, ApiError> {
    let id: RoleId = parse_id("role", id)?;
    state
        .store
        .role(caller.user.tenant_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "there is no role with id '{id}' in your organisation"
            ))
        })
}

/// A custom role's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// Name, unique in the organisation.
    pub name: String,
    /// What the role is for.
    #[serde(default)]
    pub description: String,
    /// What it allows.
    pub permissions: Vec<Permission>,
}

fn validate_role(body: &RoleBody) -> Result<(String, String, PermissionSet), ApiError> {
    let mut errors = Vec::new();
    let name = validate::text("name", &body.name, validate::MAX_NAME, &mut errors);
    let description =
        validate::optional_text("description", Some(&body.description), 500, &mut errors)
            .unwrap_or_default();
    let permissions: PermissionSet = body.permissions.iter().copied().collect();
    if permissions.is_empty() {
        errors.push(FieldError::new(
            "permissions",
            "a role must allow at least one thing",
        ));
    }
    ApiError::from_fields(errors)?;
    Ok((name, description, permissions))
}

/// One role.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "rbac",
    params(("id" = String, Path, description = "Role id")), responses((status = 200, body = RoleView)))]
pub async fn get_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::RolesRead)?;
    let role = find_role(&state, &caller, &id).await?;
    Ok(with_etag(RoleView::from(&role), role.version))
}

/// Create a custom role.
#[utoipa::path(post, path = "/api/v1/roles", tag = "rbac", request_body = RoleBody,
    responses((status = 201, body = RoleView), (status = 409, body = super::problem::Problem)))]
pub async fn create_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let (name, description, permissions) = validate_role(&body)?;
    Delegation::begin(&state, &caller)
        .await?
        .may_grant_permissions(&permissions, &format!("the role '{name}'"))?;
    let role = state
        .store
        .create_role(
            caller.user.tenant_id,
            &name,
            &description,
            &permissions,
            state.now(),
        )
        .await?;
    caller
        .audit(
            &state,
            AuditAction::RoleCreated,
            Some(role.id.to_string()),
            serde_json::json!({"name": name, "permissions": permissions}),
        )
        .await?;
    let mut response = with_etag(RoleView::from(&role), role.version);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// Replace a custom role's fields (built-in roles cannot be changed).
#[utoipa::path(put, path = "/api/v1/roles/{id}", tag = "rbac", request_body = RoleBody,
    params(("id" = String, Path, description = "Role id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    responses((status = 200, body = RoleView), (status = 409, body = super::problem::Problem), (status = 412, body = super::problem::Problem)))]
pub async fn update_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let current = find_role(&state, &caller, &id).await?;
    if current.builtin_key.is_some() {
        return Err(ApiError::Conflict(format!(
            "'{}' is a built-in role and cannot be changed; create a custom role instead",
            current.name
        )));
    }
    let expected = if_match(&headers)?.unwrap_or(current.version);
    if expected != current.version {
        return Err(changed_elsewhere("role"));
    }
    let (name, description, permissions) = validate_role(&body)?;
    let delegation = Delegation::begin(&state, &caller).await?;
    let what = format!("changing the role '{}'", current.name);
    delegation.may_grant_permissions(&permissions, &what)?;
    let after = delegation.snapshot().with_role(current.id, &permissions);
    for a in delegation.snapshot().assignments_of_role(current.id) {
        let what = format!("{what} (given by the role assignment '{}')", a.name);
        delegation.may_take_back(&delegation.snapshot().assignment_grant(a), &what)?;
        delegation.may_grant(&after.assignment_grant(a), &what)?;
    }
    delegation.keeps_an_administrator(&after)?;
    let role = Role {
        name,
        description,
        permissions,
        ..current
    };
    if !state
        .store
        .update_role(&role, expected, state.now())
        .await?
    {
        return Err(changed_elsewhere("role"));
    }
    caller
        .audit(
            &state,
            AuditAction::RoleChanged,
            Some(role.id.to_string()),
            serde_json::json!({"name": role.name, "permissions": role.permissions}),
        )
        .await?;
    let saved = find_role(&state, &caller, &id).await?;
    Ok(with_etag(RoleView::from(&saved), saved.version))
}

/// Delete a custom role that no assignment uses.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "rbac",
    params(("id" = String, Path, description = "Role id")), responses((status = 204), (status = 409, body = super::problem::Problem)))]
pub async fn delete_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let role = find_role(&state, &caller, &id).await?;
    if role.builtin_key.is_some() {
        return Err(ApiError::Conflict(format!(
            "'{}' is a built-in role and cannot be deleted",
            role.name
        )));
    }
    let used = state.store.role_assignment_count(role.id).await?;
    if used > 0 {
        return Err(ApiError::Conflict(format!(
            "the role is used by {used} assignment(s); delete or change them first"
        )));
    }
    state
        .store
        .delete_role(caller.user.tenant_id, role.id)
        .await?;
    caller
        .audit(
            &state,
            AuditAction::RoleDeleted,
            Some(role.id.to_string()),
            serde_json::json!({"name": role.name}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A role assignment as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    /// Id.
    pub id: AssignmentId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The role granted.
    pub role_id: RoleId,
    /// Groups whose members hold the role.
    pub member_groups: Vec<GroupId>,
    /// Groups whose members (and, later, devices) may be helped.
    pub scope_groups: Vec<GroupId>,
    /// Scope: every user.
    pub all_users: bool,
    /// Scope: every enrolled device (unenrolled devices are never included).
    pub all_devices: bool,
    /// Version, also sent as the ETag.
    pub version: i64,
}

impl From<&Assignment> for AssignmentView {
    fn from(a: &Assignment) -> Self {
        Self {
            id: a.id,
            name: a.name.clone(),
            description: a.description.clone(),
            role_id: a.role_id,
            member_groups: a.member_groups.clone(),
            scope_groups: a.scope_groups.clone(),
            all_users: a.all_users,
            all_devices: a.all_devices,
            version: a.version,
        }
    }
}

/// A role assignment's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    /// Name, unique in the organisation.
    pub name: String,
    /// What the assignment is for.
    #[serde(default)]
    pub description: String,
    /// The role to grant (required; absent or null is reported as a field error).
    #[serde(default)]
    pub role_id: Option<RoleId>,
    /// Groups whose members get the role (at least one).
    pub member_groups: Vec<GroupId>,
    /// Groups whose members may be helped.
    #[serde(default)]
    pub scope_groups: Vec<GroupId>,
    /// Scope: all users.
    #[serde(default)]
    pub all_users: bool,
    /// Scope: all enrolled devices.
    #[serde(default)]
    pub all_devices: bool,
}

async fn validate_assignment(
    state: &AppState,
    caller: &Caller,
    id: AssignmentId,
    body: &AssignmentBody,
    version: i64,
) -> Result<Assignment, ApiError> {
    let tenant = caller.user.tenant_id;
    let mut errors = Vec::new();
    let name = validate::text("name", &body.name, validate::MAX_NAME, &mut errors);
    let description =
        validate::optional_text("description", Some(&body.description), 500, &mut errors)
            .unwrap_or_default();
    let role_id = match body.role_id {
        None => {
            errors.push(FieldError::new("role_id", "choose the role to give"));
            RoleId::new()
        }
        Some(id) => {
            if state.store.role(tenant, id).await?.is_none() {
                errors.push(FieldError::new(
                    "role_id",
                    format!("there is no role with id '{id}'"),
                ));
            }
            id
        }
    };
    let mut member_groups = body.member_groups.clone();
    member_groups.sort();
    member_groups.dedup();
    let mut scope_groups = body.scope_groups.clone();
    scope_groups.sort();
    scope_groups.dedup();
    if member_groups.is_empty() {
        errors.push(FieldError::new(
            "member_groups",
            "name at least one group whose members get the role",
        ));
    }
    if scope_groups.is_empty() && !body.all_users && !body.all_devices {
        errors.push(FieldError::new(
            "scope_groups",
            "choose scope groups, All users or All devices",
        ));
    }
    for (field, groups) in [
        ("member_groups", &member_groups),
        ("scope_groups", &scope_groups),
    ] {
        for group in groups.iter() {
            if state.store.group(tenant, *group).await?.is_none() {
                errors.push(FieldError::new(
                    field,
                    format!("there is no group with id '{group}'"),
                ));
            }
        }
    }
    ApiError::from_fields(errors)?;
    Ok(Assignment {
        id,
        tenant_id: tenant,
        role_id,
        name,
        description,
        member_groups,
        scope_groups,
        all_users: body.all_users,
        all_devices: body.all_devices,
        version,
    })
}

async fn find_assignment(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Assignment, ApiError> {
    let id: AssignmentId = parse_id("role assignment", id)?;
    state
        .store
        .assignment(caller.user.tenant_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "there is no role assignment with id '{id}' in your organisation"
            ))
        })
}

/// All role assignments.
#[utoipa::path(get, path = "/api/v1/role-assignments", tag = "rbac", responses((status = 200, body = Vec<AssignmentView>)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<AssignmentView>>, ApiError> {
    caller.require(Permission::RolesRead)?;
    let all = state.store.list_assignments(caller.user.tenant_id).await?;
    Ok(ApiJson(all.iter().map(AssignmentView::from).collect()))
}

/// One role assignment.
#[utoipa::path(get, path = "/api/v1/role-assignments/{id}", tag = "rbac",
    params(("id" = String, Path, description = "Assignment id")), responses((status = 200, body = AssignmentView)))]
pub async fn get_assignment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::RolesRead)?;
    let a = find_assignment(&state, &caller, &id).await?;
    Ok(with_etag(AssignmentView::from(&a), a.version))
}

/// Create a role assignment.
#[utoipa::path(post, path = "/api/v1/role-assignments", tag = "rbac", request_body = AssignmentBody,
    responses((status = 201, body = AssignmentView), (status = 422, body = super::problem::Problem)))]
pub async fn create_assignment(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AssignmentBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let a = validate_assignment(&state, &caller, AssignmentId::new(), &body, 1).await?;
    let delegation = Delegation::begin(&state, &caller).await?;
    delegation.may_grant(
        &delegation.snapshot().assignment_grant(&a),
        &format!("the role assignment '{}'", a.name),
    )?;
    let saved = state.store.create_assignment(&a, state.now()).await?;
    caller
        .audit(
            &state,
            AuditAction::AssignmentCreated,
            Some(saved.id.to_string()),
            serde_json::to_value(AssignmentView::from(&saved)).unwrap_or_default(),
        )
        .await?;
    let mut response = with_etag(AssignmentView::from(&saved), saved.version);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// Replace a role assignment.
#[utoipa::path(put, path = "/api/v1/role-assignments/{id}", tag = "rbac", request_body = AssignmentBody,
    params(("id" = String, Path, description = "Assignment id"), ("If-Match" = Option<String>, Header, description = "ETag from the last read")),
    responses((status = 200, body = AssignmentView), (status = 412, body = super::problem::Problem)))]
pub async fn update_assignment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AssignmentBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let current = find_assignment(&state, &caller, &id).await?;
    let expected = if_match(&headers)?.unwrap_or(current.version);
    if expected != current.version {
        return Err(changed_elsewhere("role assignment"));
    }
    let a = validate_assignment(&state, &caller, current.id, &body, current.version).await?;
    let delegation = Delegation::begin(&state, &caller).await?;
    let what = format!("changing the role assignment '{}'", current.name);
    delegation.may_take_back(&delegation.snapshot().assignment_grant(&current), &what)?;
    delegation.may_grant(&delegation.snapshot().assignment_grant(&a), &what)?;
    delegation
        .keeps_an_administrator(&delegation.snapshot().with_assignment(current.id, Some(&a)))?;
    if !state
        .store
        .update_assignment(&a, expected, state.now())
        .await?
    {
        return Err(changed_elsewhere("role assignment"));
    }
    let saved = find_assignment(&state, &caller, &id).await?;
    caller
        .audit(
            &state,
            AuditAction::AssignmentChanged,
            Some(saved.id.to_string()),
            serde_json::to_value(AssignmentView::from(&saved)).unwrap_or_default(),
        )
        .await?;
    Ok(with_etag(AssignmentView::from(&saved), saved.version))
}

/// Delete a role assignment.
#[utoipa::path(delete, path = "/api/v1/role-assignments/{id}", tag = "rbac",
    params(("id" = String, Path, description = "Assignment id")), responses((status = 204)))]
pub async fn delete_assignment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let a = find_assignment(&state, &caller, &id).await?;
    let delegation = Delegation::begin(&state, &caller).await?;
    delegation.may_take_back(
        &delegation.snapshot().assignment_grant(&a),
        &format!("deleting the role assignment '{}'", a.name),
    )?;
    delegation.keeps_an_administrator(&delegation.snapshot().with_assignment(a.id, None))?;
    state
        .store
        .delete_assignment(caller.user.tenant_id, a.id)
        .await?;
    caller
        .audit(
            &state,
            AuditAction::AssignmentDeleted,
            Some(a.id.to_string()),
            serde_json::json!({"name": a.name}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
