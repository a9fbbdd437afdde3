//! Tenants (organisations) and what every new tenant starts with.

use super::{Store, StoreError, get_id};
use crate::clock::UnixMillis;
use crate::ids::{AssignmentId, GroupId, RoleId, TenantId};
use crate::permissions::{BuiltInRole, encode_set};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Name of the group whose members administer a new tenant.
pub const ADMINISTRATORS_GROUP: &str = "Administrators";

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// The e-mail domain the organisation has proved it owns, if any.
    pub verified_domain: Option<String>,
    /// When it was created.
    pub created_at: UnixMillis,
}

fn tenant_from_row(row: &AnyRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: get_id(row, "id")?,
        name: row.try_get("name")?,
        verified_domain: row.try_get("verified_domain")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates a tenant with default settings, the built-in roles, and an
    /// "Administrators" group holding the Tenant Administrator role over
    /// all users and devices. All or nothing.
    pub async fn create_tenant(&self, name: &str, now: UnixMillis) -> Result<Tenant, StoreError> {
        let tenant = Tenant {
            id: TenantId::new(),
            name: name.to_string(),
            verified_domain: None,
            created_at: now,
        };
        let tid = tenant.id.to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&tid)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO tenant_settings (tenant_id, updated_at) VALUES ($1, $2)")
            .bind(&tid)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let mut admin_role = None;
        for role in BuiltInRole::ALL {
            let id = RoleId::new();
            if role == BuiltInRole::TenantAdministrator {
                admin_role = Some(id);
            }
            sqlx::query(
                "INSERT INTO roles (id, tenant_id, builtin_key, name, description, permissions, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(id.to_string())
            .bind(&tid)
            .bind(role.key())
            .bind(role.name())
            .bind(role.description())
            .bind(encode_set(&role.permissions()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let group = GroupId::new();
        sqlx::query(
            "INSERT INTO groups (id, tenant_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(group.to_string())
        .bind(&tid)
        .bind(ADMINISTRATORS_GROUP)
        .bind("Members administer this organisation.")
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let assignment = AssignmentId::new();
        sqlx::query(
            "INSERT INTO role_assignments (id, tenant_id, role_id, name, description, all_users, all_devices, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, 1, $6, $6)",
        )
        .bind(assignment.to_string())
        .bind(&tid)
        .bind(admin_role.map(|r| r.to_string()).unwrap_or_default())
        .bind(ADMINISTRATORS_GROUP)
        .bind("Tenant Administrator for the Administrators group, over all users and devices.")
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO assignment_member_groups (assignment_id, group_id) VALUES ($1, $2)",
        )
        .bind(assignment.to_string())
        .bind(group.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(tenant)
    }

    /// How many tenants exist.
    pub async fn count_tenants(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM tenants")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// The oldest tenant (the one first run created), if any.
    pub async fn first_tenant(&self) -> Result<Option<Tenant>, StoreError> {
        sqlx::query("SELECT * FROM tenants ORDER BY created_at, id LIMIT 1")
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(tenant_from_row)
            .transpose()
    }

    /// Every tenant's id.
    pub async fn tenant_ids(&self) -> Result<Vec<TenantId>, StoreError> {
        sqlx::query("SELECT id FROM tenants ORDER BY id")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| get_id(row, "id"))
            .collect()
    }

    /// A tenant by id.
    pub async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        sqlx::query("SELECT * FROM tenants WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(tenant_from_row)
            .transpose()
    }

    /// Renames a tenant and sets its verified domain.
    pub async fn update_tenant(
        &self,
        id: TenantId,
        name: &str,
        verified_domain: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE tenants SET name = $1, verified_domain = $2 WHERE id = $3")
            .bind(name)
            .bind(verified_domain)
            .bind(id.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// How many users a tenant has.
    pub async fn count_users(&self, tenant: TenantId) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE tenant_id = $1")
                .bind(tenant.to_string())
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }

    /// The id of the tenant's Administrators group.
    pub async fn administrators_group(
        &self,
        tenant: TenantId,
    ) -> Result<Option<GroupId>, StoreError> {
        sqlx::query("SELECT id FROM groups WHERE tenant_id = $1 AND name = $2")
            .bind(tenant.to_string())
            .bind(ADMINISTRATORS_GROUP)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(|row| get_id(row, "id"))
            .transpose()
    }
}
