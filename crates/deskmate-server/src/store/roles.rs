//! Roles and what a user is allowed through role assignments.

use super::{Store, StoreError, get_id};
use crate::clock::UnixMillis;
use crate::ids::{RoleId, TenantId, UserId};
use crate::permissions::{PermissionSet, decode_set};
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
