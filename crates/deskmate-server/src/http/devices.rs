//! Devices → All devices for administrators (SPEC §4): the list with
//! enrolment, OS, last seen and compliance; one device with its properties,
//! compliance reasons, groups and recent sessions; removing a device and
//! placing it in groups.

use super::caller::Caller;
use super::groups::find_group;
use super::json::ApiJson;
use super::problem::ApiError;
use super::query::ApiQuery;
use super::remote_help::{SessionView, session_view};
use super::state::AppState;
use super::users::parse_id;
use crate::audit::AuditAction;
use crate::clock::to_rfc3339;
use crate::compliance;
use crate::ids::{DeviceId, GroupId, UserId};
use crate::permissions::Permission;
use crate::store::{CompliancePolicy, Device, DeviceFilter, DeviceSort, SessionFilter};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use deskmate_proto::device::Inventory;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A device in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceSummary {
    /// Id.
    pub id: DeviceId,
    /// Host name.
    pub name: String,
    /// `linux`, `windows`, `macos` or empty.
    pub os_family: String,
    /// Operating system.
    pub os_name: String,
    /// Enrolled (holds a key pair) or not.
    pub enrolled: bool,
    /// Meets the compliance policy now.
    pub compliant: bool,
    /// Why not.
    pub compliance_reasons: Vec<String>,
    /// Last used to share or last report (RFC 3339).
    pub last_seen_at: String,
    /// The last person who shared from it.
    pub last_user: Option<PersonRef>,
}

/// A person named on a device.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    /// User id.
    pub id: UserId,
    /// First and last name.
    pub name: String,
    /// E-mail address.
    pub email: String,
}

/// A group a device is in.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRef {
    /// Id.
    pub id: GroupId,
    /// Name.
    pub name: String,
}

/// One device in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceDetail {
    /// What the list shows.
    #[serde(flatten)]
    pub summary: DeviceSummary,
    /// The agent installation's id.
    pub install_id: String,
    /// When it enrolled (RFC 3339).
    pub enrolled_at: Option<String>,
    /// SHA-256 fingerprint of its public key (hex, first 16 bytes).
    pub key_fingerprint: Option<String>,
    /// The last inventory it reported.
    #[schema(value_type = Option<Object>)]
    pub inventory: Option<Inventory>,
    /// When (RFC 3339).
    pub inventory_at: Option<String>,
    /// First seen (RFC 3339).
    pub created_at: String,
    /// Groups it is in (for assignment scopes).
    pub groups: Vec<GroupRef>,
    /// The latest sessions on it, newest first.
    pub recent_sessions: Vec<SessionView>,
    /// Opens the helper console with a code for this device.
    pub new_session_url: String,
    /// The same for the native helper client.
    pub new_session_deep_link: String,
}

/// A page of devices.
#[derive(Debug, Serialize, ToSchema)]
pub struct DevicePage {
    /// This page.
    pub items: Vec<DeviceSummary>,
    /// How many match in all.
    pub total: i64,
}

/// Device-list filters, order and page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeviceQuery {
    /// Name, OS or exact id.
    pub q: Option<String>,
    /// `true`: enrolled only; `false`: unenrolled only.
    pub enrolled: Option<bool>,
    /// `true`: compliant only; `false`: non-compliant only.
    pub compliant: Option<bool>,
    /// Only members of this group.
    pub group: Option<String>,
    /// `name` (default), `last_seen`, `os` or `created`.
    pub sort: Option<String>,
    /// `asc` (default for name and os) or `desc` (default for times).
    pub order: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

async fn person(state: &AppState, device: &Device) -> Result<Option<PersonRef>, ApiError> {
    let Some(id) = device.last_user_id else {
        return Ok(None);
    };
    Ok(state
        .store
        .user(device.tenant_id, id)
        .await?
        .map(|u| PersonRef {
            id: u.id,
            name: format!("{} {}", u.first_name, u.last_name),
            email: u.email,
        }))
}

async fn summary(
    state: &AppState,
    device: &Device,
    policy: &CompliancePolicy,
) -> Result<DeviceSummary, ApiError> {
    let reasons = compliance::of_device(device, policy, state.now());
    Ok(DeviceSummary {
        id: device.id,
        name: device.name.clone(),
        os_family: device.os_family.clone(),
        os_name: device.os_name.clone(),
        enrolled: device.enrolled,
        compliant: reasons.is_empty(),
        compliance_reasons: reasons,
        last_seen_at: to_rfc3339(device.last_seen_at),
        last_user: person(state, device).await?,
    })
}

fn fingerprint(public_key: &str) -> Option<String> {
    let key = crate::device_keys::parse_public_key(public_key).ok()?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &key);
    Some(data_encoding::HEXLOWER.encode(&digest.as_ref()[..16]))
}

/// Finds a device of the caller's organisation.
pub async fn find_device(state: &AppState, caller: &Caller, id: &str) -> Result<Device, ApiError> {
    let id: DeviceId = parse_id("device", id)?;
    state
        .store
        .device(caller.user.tenant_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "there is no device with id '{id}' in your organisation"
            ))
        })
}

fn parse_query(
    query: &DeviceQuery,
    policy: &CompliancePolicy,
    now: i64,
) -> Result<DeviceFilter, ApiError> {
    let sort = match query.sort.as_deref().unwrap_or("name") {
        "name" => DeviceSort::Name,
        "last_seen" => DeviceSort::LastSeen,
        "os" => DeviceSort::Os,
        "created" => DeviceSort::Created,
        _ => {
            return Err(ApiError::field(
                "sort",
                "must be name, last_seen, os or created",
            ));
        }
    };
    let descending = match query.order.as_deref() {
        None => matches!(sort, DeviceSort::LastSeen | DeviceSort::Created),
        Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(ApiError::field("order", "must be asc or desc")),
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let offset = query.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::field("offset", "must not be negative"));
    }
    let group = query
        .group
        .as_deref()
        .map(|g| {
            g.parse::<GroupId>()
                .map_err(|_| ApiError::field("group", "must be a group id"))
        })
        .transpose()?;
    Ok(DeviceFilter {
        search: query.q.clone(),
        enrolled: query.enrolled,
        compliant: query.compliant,
        fresh_since: compliance::fresh_since(policy, now),
        group,
        sort,
        descending,
        limit,
        offset,
    })
}

/// The organisation's devices, enrolled and unenrolled.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", params(DeviceQuery),
    responses((status = 200, body = DevicePage), (status = 403, body = super::problem::Problem),
              (status = 422, body = super::problem::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<DeviceQuery>,
) -> Result<ApiJson<DevicePage>, ApiError> {
    caller.require(Permission::DevicesRead)?;
    let policy = state.store.compliance_policy(caller.user.tenant_id).await?;
    let filter = parse_query(&query, &policy, state.now())?;
    let (devices, total) = state
        .store
        .list_devices(caller.user.tenant_id, &filter)
        .await?;
    let mut items = Vec::with_capacity(devices.len());
    for device in &devices {
        items.push(summary(&state, device, &policy).await?);
    }
    Ok(ApiJson(DevicePage { items, total }))
}

/// One device with its properties, compliance, groups and recent sessions.
#[utoipa::path(get, path = "/api/v1/devices/{id}", tag = "devices",
    params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceDetail), (status = 404, body = super::problem::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<DeviceDetail>, ApiError> {
    caller.require(Permission::DevicesRead)?;
    let device = find_device(&state, &caller, &id).await?;
    let policy = state.store.compliance_policy(caller.user.tenant_id).await?;
    let mut groups = Vec::new();
    for group_id in state.store.groups_of_device(device.id).await? {
        if let Some(group) = state.store.group(caller.user.tenant_id, group_id).await? {
            groups.push(GroupRef {
                id: group.id,
                name: group.name,
            });
        }
    }
    groups.sort_by_key(|g| g.name.to_lowercase());
    let mut recent_sessions = Vec::new();
    if caller.permissions.contains(&Permission::ReportsRead) {
        let filter = SessionFilter {
            device_id: Some(device.id),
            limit: 10,
            ..SessionFilter::default()
        };
        for s in state
            .store
            .list_remote_sessions(caller.user.tenant_id, &filter)
            .await?
        {
            recent_sessions.push(session_view(&state, &s).await?);
        }
    }
    Ok(ApiJson(DeviceDetail {
        summary: summary(&state, &device, &policy).await?,
        install_id: device.install_id.clone(),
        enrolled_at: device.enrolled_at.map(to_rfc3339),
        key_fingerprint: device.public_key.as_deref().and_then(fingerprint),
        inventory: device.inventory.clone(),
        inventory_at: device.inventory_at.map(to_rfc3339),
        created_at: to_rfc3339(device.created_at),
        groups,
        recent_sessions,
        new_session_url: format!("/?device={}", device.id),
        new_session_deep_link: format!("deskmate://session/new?device={}", device.id),
    }))
}

/// Remove a device. An enrolled device must enrol again to be recognised;
/// its past sessions keep the device's name.
#[utoipa::path(delete, path = "/api/v1/devices/{id}", tag = "devices",
    params(("id" = String, Path, description = "Device id")),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::DevicesWrite)?;
    let device = find_device(&state, &caller, &id).await?;
    state
        .store
        .delete_device(caller.user.tenant_id, device.id)
        .await?;
    caller
        .audit(
            &state,
            AuditAction::DeviceRemoved,
            Some(device.id.to_string()),
            serde_json::json!({"name": device.name, "enrolled": device.enrolled}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Put a device in a group (assignments scoped to the group then cover it
/// when it is enrolled).
#[utoipa::path(put, path = "/api/v1/groups/{id}/devices/{device_id}", tag = "groups",
    params(("id" = String, Path, description = "Group id"), ("device_id" = String, Path, description = "Device id")),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn add_to_group(
    State(state): State<AppState>,
    caller: Caller,
    Path((group_id, device_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::DevicesWrite)?;
    let group = find_group(&state, &caller, &group_id).await?;
    let device = find_device(&state, &caller, &device_id).await?;
    state.store.add_device_to_group(group.id, device.id).await?;
    caller
        .audit(
            &state,
            AuditAction::GroupDeviceAdded,
            Some(group.id.to_string()),
            serde_json::json!({"group": group.name, "device": device.id, "device_name": device.name}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a device out of a group.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/devices/{device_id}", tag = "groups",
    params(("id" = String, Path, description = "Group id"), ("device_id" = String, Path, description = "Device id")),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn remove_from_group(
    State(state): State<AppState>,
    caller: Caller,
    Path((group_id, device_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::DevicesWrite)?;
    let group = find_group(&state, &caller, &group_id).await?;
    let device = find_device(&state, &caller, &device_id).await?;
    if !state
        .store
        .remove_device_from_group(group.id, device.id)
        .await?
    {
        return Err(ApiError::NotFound(format!(
            "{} is not in the group {}",
            device.name, group.name
        )));
    }
    caller
        .audit(
            &state,
            AuditAction::GroupDeviceRemoved,
            Some(group.id.to_string()),
            serde_json::json!({"group": group.name, "device": device.id, "device_name": device.name}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
