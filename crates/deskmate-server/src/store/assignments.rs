//! Role assignments: a role, the groups that hold it (members) and whom they
//! may act on (scope groups, or All users / All devices).

use super::{Store, StoreError, flag, get_flag, get_id};
use crate::clock::UnixMillis;
use crate::ids::{AssignmentId, GroupId, RoleId, TenantId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A role assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Id.
    pub id: AssignmentId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// The role granted.
    pub role_id: RoleId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Groups whose members hold the role.
    pub member_groups: Vec<GroupId>,
    /// Groups whose members may be helped.
    pub scope_groups: Vec<GroupId>,
    /// Scope includes every user of the organisation.
    pub all_users: bool,
    /// Scope includes every enrolled device (never unenrolled ones).
    pub all_devices: bool,
    /// Increases on every change.
    pub version: i64,
}

fn assignment_from_row(row: &AnyRow) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        id: get_id(row, "id")?,
        tenant_id: get_id(row, "tenant_id")?,
        role_id: get_id(row, "role_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        member_groups: Vec::new(),
        scope_groups: Vec::new(),
        all_users: get_flag(row, "all_users")?,
        all_devices: get_flag(row, "all_devices")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    async fn load_groups(&self, mut a: Assignment) -> Result<Assignment, StoreError> {
        for (table, target) in [
            ("assignment_member_groups", &mut a.member_groups),
            ("assignment_scope_groups", &mut a.scope_groups),
        ] {
            *target = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT group_id FROM {table} WHERE assignment_id = $1 ORDER BY group_id"
            )))
            .bind(a.id.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| get_id(row, "group_id"))
            .collect::<Result<_, _>>()?;
        }
        Ok(a)
    }

    /// Creates an assignment with its groups, all or nothing.
    pub async fn create_assignment(
        &self,
        a: &Assignment,
        now: UnixMillis,
    ) -> Result<Assignment, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO role_assignments (id, tenant_id, role_id, name, description, all_users, all_devices, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(a.id.to_string())
        .bind(a.tenant_id.to_string())
        .bind(a.role_id.to_string())
        .bind(&a.name)
        .bind(&a.description)
        .bind(flag(a.all_users))
        .bind(flag(a.all_devices))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("an assignment named '{}' already exists", a.name)))?;
        insert_groups(&mut tx, a).await?;
        tx.commit().await?;
        self.assignment(a.tenant_id, a.id).await?.ok_or_else(|| {
            StoreError::Corrupt("an assignment vanished right after it was created".into())
        })
    }

    /// Replaces an assignment's fields and groups if it is still at `expected_version`.
    pub async fn update_assignment(
        &self,
        a: &Assignment,
        expected_version: i64,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE role_assignments SET role_id = $1, name = $2, description = $3, all_users = $4, all_devices = $5, \
             version = version + 1, updated_at = $6 WHERE id = $7 AND tenant_id = $8 AND version = $9",
        )
        .bind(a.role_id.to_string())
        .bind(&a.name)
        .bind(&a.description)
        .bind(flag(a.all_users))
        .bind(flag(a.all_devices))
        .bind(now)
        .bind(a.id.to_string())
        .bind(a.tenant_id.to_string())
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("an assignment named '{}' already exists", a.name)))?;
        if done.rows_affected() != 1 {
            let _ = tx.rollback().await;
            return Ok(false);
        }
        for table in ["assignment_member_groups", "assignment_scope_groups"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE assignment_id = $1"
            )))
            .bind(a.id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        insert_groups(&mut tx, a).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An assignment of `tenant` by id, with its groups.
    pub async fn assignment(
        &self,
        tenant: TenantId,
        id: AssignmentId,
    ) -> Result<Option<Assignment>, StoreError> {
        let row = sqlx::query("SELECT * FROM role_assignments WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => Ok(Some(self.load_groups(assignment_from_row(&row)?).await?)),
            None => Ok(None),
        }
    }

    /// All assignments of a tenant, by name.
    pub async fn list_assignments(&self, tenant: TenantId) -> Result<Vec<Assignment>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM role_assignments WHERE tenant_id = $1 ORDER BY name, id")
                .bind(tenant.to_string())
                .fetch_all(self.pool())
                .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.load_groups(assignment_from_row(row)?).await?);
        }
        Ok(out)
    }

    /// Deletes an assignment. Returns whether it existed.
    pub async fn delete_assignment(
        &self,
        tenant: TenantId,
        id: AssignmentId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM role_assignments WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant.to_string())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

async fn insert_groups(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    a: &Assignment,
) -> Result<(), StoreError> {
    for (table, groups) in [
        ("assignment_member_groups", &a.member_groups),
        ("assignment_scope_groups", &a.scope_groups),
    ] {
        for group in groups {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} (assignment_id, group_id) VALUES ($1, $2)"
            )))
            .bind(a.id.to_string())
            .bind(group.to_string())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
