//! Roles and what a user is allowed through role assignments.

use super::{Store, StoreError, get_id};
use crate::clock::UnixMillis;
use crate::ids::{DeviceId, RoleId, TenantId, UserId};
use crate::permissions::{PermissionSet, decode_set, encode_set};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A named set of permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Id.
    pub id: RoleId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// Set for built-in roles, which cannot be changed.
    pub builtin_key: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// What it allows.
    pub permissions: PermissionSet,
    /// Increases on every change.
    pub version: i64,
    /// Created.
    pub created_at: UnixMillis,
}

fn role_from_row(row: &AnyRow) -> Result<Role, StoreError> {
    let permissions: String = row.try_get("permissions")?;
    Ok(Role {
        id: get_id(row, "id")?,
        tenant_id: get_id(row, "tenant_id")?,
        builtin_key: row.try_get("builtin_key")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        permissions: decode_set(&permissions),
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// All roles of a tenant, built-in first.
    pub async fn list_roles(&self, tenant: TenantId) -> Result<Vec<Role>, StoreError> {
        sqlx::query(
            "SELECT * FROM roles WHERE tenant_id = $1 \
             ORDER BY CASE WHEN builtin_key IS NULL THEN 1 ELSE 0 END, name",
        )
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(role_from_row)
        .collect()
    }

    /// Everything a user is allowed: the union of the permissions of every
    /// role assigned to a group the user is a member of.
    pub async fn permissions_of(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<PermissionSet, StoreError> {
        let rows = sqlx::query(
            "SELECT r.permissions FROM roles r \
             JOIN role_assignments a ON a.role_id = r.id \
             JOIN assignment_member_groups m ON m.assignment_id = a.id \
             JOIN group_members gm ON gm.group_id = m.group_id \
             WHERE gm.user_id = $1 AND r.tenant_id = $2 AND a.tenant_id = $2",
        )
        .bind(user.to_string())
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut all = PermissionSet::new();
        for row in rows {
            let text: String = row.try_get("permissions")?;
            all.extend(decode_set(&text));
        }
        Ok(all)
    }
}

impl Store {
    /// Creates a custom role; a name in use is a [`StoreError::Conflict`].
    pub async fn create_role(
        &self,
        tenant: TenantId,
        name: &str,
        description: &str,
        permissions: &PermissionSet,
        now: UnixMillis,
    ) -> Result<Role, StoreError> {
        let id = RoleId::new();
        sqlx::query(
            "INSERT INTO roles (id, tenant_id, name, description, permissions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id.to_string())
        .bind(tenant.to_string())
        .bind(name)
        .bind(description)
        .bind(encode_set(permissions))
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("a role named '{name}' already exists")))?;
        self.role(tenant, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a role vanished right after it was created".into()))
    }

    /// A role of `tenant` by id.
    pub async fn role(&self, tenant: TenantId, id: RoleId) -> Result<Option<Role>, StoreError> {
        sqlx::query("SELECT * FROM roles WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(role_from_row)
            .transpose()
    }

    /// Changes a custom role if it is still at `expected_version`.
    /// Returns false when someone else changed it first.
    pub async fn update_role(
        &self,
        role: &Role,
        expected_version: i64,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE roles SET name = $1, description = $2, permissions = $3, version = version + 1, updated_at = $4 \
             WHERE id = $5 AND tenant_id = $6 AND version = $7 AND builtin_key IS NULL",
        )
        .bind(&role.name)
        .bind(&role.description)
        .bind(encode_set(&role.permissions))
        .bind(now)
        .bind(role.id.to_string())
        .bind(role.tenant_id.to_string())
        .bind(expected_version)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("a role named '{}' already exists", role.name)))?;
        Ok(done.rows_affected() == 1)
    }

    /// How many assignments use a role.
    pub async fn role_assignment_count(&self, role: RoleId) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM role_assignments WHERE role_id = $1")
                .bind(role.to_string())
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }

    /// Deletes a custom role. Returns whether it existed.
    pub async fn delete_role(&self, tenant: TenantId, id: RoleId) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM roles WHERE id = $1 AND tenant_id = $2 AND builtin_key IS NULL",
        )
        .bind(id.to_string())
        .bind(tenant.to_string())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// What `helper` may do to help `sharer` on `enrolled_device`: the union
    /// of the permissions of every assignment that has the helper among its
    /// members and, in its scope, the sharer (All users, or a scope group the
    /// sharer is in) or the device (All devices, or a scope group the device
    /// is in). Pass a device only when it proved it is enrolled: unenrolled
    /// devices are never in scope.
    pub async fn help_permissions(
        &self,
        tenant: TenantId,
        helper: UserId,
        sharer: UserId,
        enrolled_device: Option<DeviceId>,
    ) -> Result<PermissionSet, StoreError> {
        let rows = sqlx::query(
            "SELECT r.permissions FROM role_assignments a JOIN roles r ON r.id = a.role_id \
             WHERE a.tenant_id = $1 AND r.tenant_id = $1 \
             AND EXISTS (SELECT 1 FROM assignment_member_groups m JOIN group_members gm ON gm.group_id = m.group_id \
                         WHERE m.assignment_id = a.id AND gm.user_id = $2) \
             AND (a.all_users = 1 OR EXISTS (SELECT 1 FROM assignment_scope_groups s \
                         JOIN group_members gs ON gs.group_id = s.group_id \
                         WHERE s.assignment_id = a.id AND gs.user_id = $3) \
                  OR ($4 <> '' AND a.all_devices = 1) \
                  OR EXISTS (SELECT 1 FROM assignment_scope_groups sd \
                         JOIN group_devices gd ON gd.group_id = sd.group_id \
                         WHERE sd.assignment_id = a.id AND gd.device_id = $4))",
        )
        .bind(tenant.to_string())
        .bind(helper.to_string())
        .bind(sharer.to_string())
        .bind(enrolled_device.map(|d| d.to_string()).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        let mut all = PermissionSet::new();
        for row in rows {
            let text: String = row.try_get("permissions")?;
            all.extend(decode_set(&text));
        }
        Ok(all)
    }
}
