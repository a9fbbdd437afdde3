//! Permissions and the built-in roles (SPEC §5).
//!
//! Permissions are an enum, stored in the database by their stable snake_case
//! names. Built-in roles are defined here, in code, and seeded into every
//! tenant so role assignments can reference them like custom roles.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One thing a role may allow.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Remote help: see the sharer's screen.
    ViewScreen,
    /// Remote help: control the sharer's pointer and keyboard.
    TakeFullControl,
    /// Remote help: ask for an elevated (administrator) session.
    Elevation,
    /// Remote help: chat with the sharer.
    Chat,
    /// Remote help: draw the laser pointer on the sharer's screen.
    LaserPointer,
    /// Admin centre: read tenant settings.
    SettingsRead,
    /// Admin centre: change tenant settings.
    SettingsWrite,
    /// Admin centre: read users and groups.
    UsersRead,
    /// Admin centre: create and change users and groups.
    UsersWrite,
    /// Admin centre: read roles and assignments.
    RolesRead,
    /// Admin centre: create and change roles and assignments.
    RolesWrite,
    /// Admin centre: read devices.
    DevicesRead,
    /// Admin centre: change devices.
    DevicesWrite,
    /// Admin centre: read session reports.
    ReportsRead,
    /// Admin centre: read the audit log.
    AuditRead,
}

impl Permission {
    /// Every permission, in a stable order.
    pub const ALL: [Permission; 15] = [
        Permission::ViewScreen,
        Permission::TakeFullControl,
        Permission::Elevation,
        Permission::Chat,
        Permission::LaserPointer,
        Permission::SettingsRead,
        Permission::SettingsWrite,
        Permission::UsersRead,
        Permission::UsersWrite,
        Permission::RolesRead,
        Permission::RolesWrite,
        Permission::DevicesRead,
        Permission::DevicesWrite,
        Permission::ReportsRead,
        Permission::AuditRead,
    ];

    /// The stable name used in the database and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewScreen => "view_screen",
            Permission::TakeFullControl => "take_full_control",
            Permission::Elevation => "elevation",
            Permission::Chat => "chat",
            Permission::LaserPointer => "laser_pointer",
            Permission::SettingsRead => "settings_read",
            Permission::SettingsWrite => "settings_write",
            Permission::UsersRead => "users_read",
            Permission::UsersWrite => "users_write",
            Permission::RolesRead => "roles_read",
            Permission::RolesWrite => "roles_write",
            Permission::DevicesRead => "devices_read",
            Permission::DevicesWrite => "devices_write",
            Permission::ReportsRead => "reports_read",
            Permission::AuditRead => "audit_read",
        }
    }

    /// Whether this permission is about helping someone (as opposed to the admin centre).
    pub fn is_remote_help(self) -> bool {
        matches!(
            self,
            Permission::ViewScreen
                | Permission::TakeFullControl
                | Permission::Elevation
                | Permission::Chat
                | Permission::LaserPointer
        )
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Raised for a permission name this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown permission '{0}'")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPermission(s.chars().take(64).collect()))
    }
}

/// A set of permissions, stored as a comma-separated list of names.
pub type PermissionSet = BTreeSet<Permission>;

/// Encodes a permission set for a TEXT column.
pub fn encode_set(set: &PermissionSet) -> String {
    set.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

/// Decodes a permission set from a TEXT column; unknown names (from a newer
/// version sharing the database) are skipped rather than failing the request.
pub fn decode_set(text: &str) -> PermissionSet {
    text.split(',')
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The roles every tenant has and nobody can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltInRole {
    /// All remote-help permissions.
    HelpDeskOperator,
    /// Every permission.
    TenantAdministrator,
    /// Reads settings, users, roles, devices, reports and audit; changes nothing.
    ReadOnlyAuditor,
}

impl BuiltInRole {
    /// All built-in roles.
    pub const ALL: [BuiltInRole; 3] = [
        BuiltInRole::HelpDeskOperator,
        BuiltInRole::TenantAdministrator,
        BuiltInRole::ReadOnlyAuditor,
    ];

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltInRole::HelpDeskOperator => "Help Desk Operator",
            BuiltInRole::TenantAdministrator => "Tenant Administrator",
            BuiltInRole::ReadOnlyAuditor => "Read-only Auditor",
        }
    }

    /// Stable key used to find the seeded row.
    pub fn key(self) -> &'static str {
        match self {
            BuiltInRole::HelpDeskOperator => "help_desk_operator",
            BuiltInRole::TenantAdministrator => "tenant_administrator",
            BuiltInRole::ReadOnlyAuditor => "read_only_auditor",
        }
    }

    /// One-line description shown in the admin centre.
    pub fn description(self) -> &'static str {
        match self {
            BuiltInRole::HelpDeskOperator => {
                "Gives remote help: view screen, full control, elevation, chat and laser pointer."
            }
            BuiltInRole::TenantAdministrator => {
                "Administers the organisation: every admin-centre and remote-help permission."
            }
            BuiltInRole::ReadOnlyAuditor => {
                "Reads settings, users, roles, devices, reports and the audit log; changes nothing."
            }
        }
    }

    /// The permissions the role grants.
    pub fn permissions(self) -> PermissionSet {
        match self {
            BuiltInRole::HelpDeskOperator => Permission::ALL
                .into_iter()
                .filter(|p| p.is_remote_help())
                .collect(),
            BuiltInRole::TenantAdministrator => Permission::ALL.into_iter().collect(),
            BuiltInRole::ReadOnlyAuditor => [
                Permission::SettingsRead,
                Permission::UsersRead,
                Permission::RolesRead,
                Permission::DevicesRead,
                Permission::ReportsRead,
                Permission::AuditRead,
            ]
            .into_iter()
            .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().expect("known name"), p);
        }
        assert!("take_over_the_world".parse::<Permission>().is_err());
    }

    #[test]
    fn set_encoding_round_trips_and_skips_unknown_names() {
        let set: PermissionSet = [Permission::Chat, Permission::AuditRead]
            .into_iter()
            .collect();
        assert_eq!(decode_set(&encode_set(&set)), set);
        assert_eq!(
            decode_set("chat,future_thing"),
            [Permission::Chat].into_iter().collect()
        );
        assert!(decode_set("").is_empty());
    }

    #[test]
    fn auditor_can_write_nothing_and_operator_has_no_admin_rights() {
        let auditor = BuiltInRole::ReadOnlyAuditor.permissions();
        assert!(!auditor.iter().any(|p| p.as_str().ends_with("_write")));
        assert!(auditor.contains(&Permission::AuditRead));
        let operator = BuiltInRole::HelpDeskOperator.permissions();
        assert!(operator.iter().all(|p| p.is_remote_help()));
        assert_eq!(operator.len(), 5);
        assert_eq!(
            BuiltInRole::TenantAdministrator.permissions().len(),
            Permission::ALL.len()
        );
    }
}
