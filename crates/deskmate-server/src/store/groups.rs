//! Static groups of users and their membership.

use super::{Store, StoreError, get_id};
use crate::clock::UnixMillis;
use crate::ids::{GroupId, TenantId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A group of users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Id.
    pub id: GroupId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// Name, unique in the tenant.
    pub name: String,
    /// What the group is for.
    pub description: String,
    /// Created.
    pub created_at: UnixMillis,
}

fn group_from_row(row: &AnyRow) -> Result<Group, StoreError> {
    Ok(Group {
        id: get_id(row, "id")?,
        tenant_id: get_id(row, "tenant_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates a group; a name in use is a [`StoreError::Conflict`].
    pub async fn create_group(
        &self,
        tenant: TenantId,
        name: &str,
        description: &str,
        now: UnixMillis,
    ) -> Result<Group, StoreError> {
        let group = Group {
            id: GroupId::new(),
            tenant_id: tenant,
            name: name.to_string(),
            description: description.to_string(),
            created_at: now,
        };
        sqlx::query(
            "INSERT INTO groups (id, tenant_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(group.id.to_string())
        .bind(tenant.to_string())
        .bind(name)
        .bind(description)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("a group named '{name}' already exists")))?;
        Ok(group)
    }

    /// A group of `tenant` by id.
    pub async fn group(&self, tenant: TenantId, id: GroupId) -> Result<Option<Group>, StoreError> {
        sqlx::query("SELECT * FROM groups WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(group_from_row)
            .transpose()
    }

    /// All groups of a tenant by name.
    pub async fn list_groups(&self, tenant: TenantId) -> Result<Vec<Group>, StoreError> {
        sqlx::query("SELECT * FROM groups WHERE tenant_id = $1 ORDER BY name, id")
            .bind(tenant.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(group_from_row)
            .collect()
    }

    /// Renames a group or changes its description; a name in use is a
    /// [`StoreError::Conflict`]. Returns whether it existed.
    pub async fn update_group(
        &self,
        tenant: TenantId,
        id: GroupId,
        name: &str,
        description: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE groups SET name = $1, description = $2 WHERE id = $3 AND tenant_id = $4",
        )
        .bind(name)
        .bind(description)
        .bind(id.to_string())
        .bind(tenant.to_string())
        .execute(self.pool())
        .await
        .map_err(|e| {
            StoreError::conflict_on_unique(e, format!("a group named '{name}' already exists"))
        })?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a group (and its memberships). Returns whether it existed.
    pub async fn delete_group(&self, tenant: TenantId, id: GroupId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM groups WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant.to_string())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds a user to a group; adding a member twice is not an error.
    pub async fn add_member(&self, group: GroupId, user: UserId) -> Result<(), StoreError> {
        let exists =
            sqlx::query("SELECT 1 AS one FROM group_members WHERE group_id = $1 AND user_id = $2")
                .bind(group.to_string())
                .bind(user.to_string())
                .fetch_optional(self.pool())
                .await?
                .is_some();
        if !exists {
            sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
                .bind(group.to_string())
                .bind(user.to_string())
                .execute(self.pool())
                .await
                .map_err(|e| StoreError::conflict_on_unique(e, "the user is already a member"))?;
        }
        Ok(())
    }

    /// Removes a user from a group. Returns whether they were a member.
    pub async fn remove_member(&self, group: GroupId, user: UserId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(group.to_string())
            .bind(user.to_string())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The ids of a group's members.
    pub async fn group_members(&self, group: GroupId) -> Result<Vec<UserId>, StoreError> {
        sqlx::query("SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id")
            .bind(group.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| get_id(row, "user_id"))
            .collect()
    }

    /// Every (group, member) pair of a tenant.
    pub async fn memberships(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<(GroupId, UserId)>, StoreError> {
        sqlx::query(
            "SELECT gm.group_id, gm.user_id FROM group_members gm \
             JOIN groups g ON g.id = gm.group_id WHERE g.tenant_id = $1",
        )
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| Ok((get_id(row, "group_id")?, get_id(row, "user_id")?)))
        .collect()
    }

    /// How many members a group has.
    pub async fn count_members(&self, group: GroupId) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM group_members WHERE group_id = $1")
                .bind(group.to_string())
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }

    /// The ids of the groups a user is in.
    pub async fn groups_of(&self, user: UserId) -> Result<Vec<GroupId>, StoreError> {
        sqlx::query("SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id")
            .bind(user.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| get_id(row, "group_id"))
            .collect()
    }
}
