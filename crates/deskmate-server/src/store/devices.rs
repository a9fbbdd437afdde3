//! The device registry: enrolled devices with their public keys and last
//! inventory, unenrolled ones as agents described them, and device groups.

use super::{Store, StoreError, flag, get_flag, get_id, get_opt_id};
use crate::clock::UnixMillis;
use crate::ids::{DeviceId, EnrolmentTokenId, GroupId, TenantId, UserId};
use deskmate_proto::device::Inventory;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A device as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Id.
    pub id: DeviceId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// The agent installation's own random id.
    pub install_id: String,
    /// Host name.
    pub name: String,
    /// `linux`, `windows`, `macos` (or empty when unknown).
    pub os_family: String,
    /// Operating system as the device names it.
    pub os_name: String,
    /// Whether it enrolled (holds a key pair).
    pub enrolled: bool,
    /// The Ed25519 public key (base64url) of an enrolled device.
    pub public_key: Option<String>,
    /// When it enrolled.
    pub enrolled_at: Option<UnixMillis>,
    /// The token it enrolled with.
    pub enrolment_token_id: Option<EnrolmentTokenId>,
    /// The last inventory it reported.
    pub inventory: Option<Inventory>,
    /// When that inventory was reported.
    pub inventory_at: Option<UnixMillis>,
    /// Why the inventory fails the policy (empty when it meets it).
    pub inventory_reasons: Vec<String>,
    /// Time the device put on its last signed report (replay guard).
    pub last_report_at: UnixMillis,
    /// Last time it was used to share or reported.
    pub last_seen_at: UnixMillis,
    /// The last person who shared from it.
    pub last_user_id: Option<UserId>,
    /// First seen.
    pub created_at: UnixMillis,
}

/// A device first seen, or newly enrolled.
#[derive(Debug, Clone)]
pub struct NewDevice {
    /// Organisation.
    pub tenant_id: TenantId,
    /// The agent installation's own id.
    pub install_id: String,
    /// Host name.
    pub name: String,
    /// OS family.
    pub os_family: String,
    /// OS name.
    pub os_name: String,
}

/// How to order the device list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSort {
    /// Host name.
    Name,
    /// Last seen.
    LastSeen,
    /// Operating system.
    Os,
    /// First seen.
    Created,
}

/// Filters, order and page of the device list.
#[derive(Debug, Clone)]
pub struct DeviceFilter {
    /// Name, OS or id containing this (case-insensitive).
    pub search: Option<String>,
    /// Only enrolled (true) or unenrolled (false) devices.
    pub enrolled: Option<bool>,
    /// Only compliant (true) or non-compliant (false) devices; needs `fresh_since`.
    pub compliant: Option<bool>,
    /// Reports older than this make a device non-compliant.
    pub fresh_since: UnixMillis,
    /// Only members of this group.
    pub group: Option<GroupId>,
    /// Order.
    pub sort: DeviceSort,
    /// Largest / newest first.
    pub descending: bool,
    /// Page size.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

fn device_from_row(row: &AnyRow) -> Result<Device, StoreError> {
    let inventory: String = row.try_get("inventory")?;
    let reasons: String = row.try_get("compliance_reasons")?;
    let inventory_at: Option<UnixMillis> = row.try_get("inventory_at")?;
    Ok(Device {
        id: get_id(row, "id")?,
        tenant_id: get_id(row, "tenant_id")?,
        install_id: row.try_get("install_id")?,
        name: row.try_get("name")?,
        os_family: row.try_get("os_family")?,
        os_name: row.try_get("os_name")?,
        enrolled: get_flag(row, "enrolled")?,
        public_key: row.try_get("public_key")?,
        enrolled_at: row.try_get("enrolled_at")?,
        enrolment_token_id: get_opt_id(row, "enrolment_token_id")?,
        inventory: match inventory_at {
            Some(_) => Some(serde_json::from_str(&inventory).map_err(|e| {
                StoreError::Corrupt(format!("a device's inventory is not valid: {e}"))
            })?),
            None => None,
        },
        inventory_at,
        inventory_reasons: serde_json::from_str(&reasons).map_err(|e| {
            StoreError::Corrupt(format!("a device's compliance reasons are not valid: {e}"))
        })?,
        last_report_at: row.try_get("last_report_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        last_user_id: get_opt_id(row, "last_user_id")?,
        created_at: row.try_get("created_at")?,
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The SQL condition and values for a filter (values bind from `$2`; `$1` is the tenant).
fn conditions(filter: &DeviceFilter) -> (String, Vec<QueryValue>) {
    let mut sql = String::from("d.tenant_id = $1");
    let mut values = Vec::new();
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        values.push(QueryValue::Text(super::reports::like_pattern(text)));
        let p = values.len() + 1;
        values.push(QueryValue::Text(text.to_string()));
        let exact = values.len() + 1;
        sql.push_str(&format!(
            " AND (d.name_lower LIKE ${p} ESCAPE '\\' OR LOWER(d.os_name) LIKE ${p} ESCAPE '\\' OR d.id = ${exact})"
        ));
    }
    if let Some(enrolled) = filter.enrolled {
        sql.push_str(&format!(" AND d.enrolled = {}", flag(enrolled)));
    }
    if let Some(compliant) = filter.compliant {
        values.push(QueryValue::Int(filter.fresh_since));
        let p = values.len() + 1;
        let good = format!(
            "(d.enrolled = 1 AND d.inventory_compliant = 1 AND d.inventory_at IS NOT NULL AND d.inventory_at >= ${p})"
        );
        if compliant {
            sql.push_str(&format!(" AND {good}"));
        } else {
            sql.push_str(&format!(" AND NOT {good}"));
        }
    }
    if let Some(group) = filter.group {
        values.push(QueryValue::Text(group.to_string()));
        let p = values.len() + 1;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM group_devices g WHERE g.device_id = d.id AND g.group_id = ${p})"
        ));
    }
    (sql, values)
}

enum QueryValue {
    Text(String),
    Int(i64),
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    tenant: TenantId,
    values: &'q [QueryValue],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query = query.bind(tenant.to_string());
    for value in values {
        query = match value {
            QueryValue::Text(t) => query.bind(t.as_str()),
            QueryValue::Int(i) => query.bind(*i),
        };
    }
    query
}

impl Store {
    /// A device of `tenant` by id.
    pub async fn device(
        &self,
        tenant: TenantId,
        id: DeviceId,
    ) -> Result<Option<Device>, StoreError> {
        sqlx::query("SELECT * FROM devices WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(device_from_row)
            .transpose()
    }

    /// A device by id, in any tenant (for devices that sign their requests).
    pub async fn device_any(&self, id: DeviceId) -> Result<Option<Device>, StoreError> {
        sqlx::query("SELECT * FROM devices WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(device_from_row)
            .transpose()
    }

    /// A device of `tenant` by its installation id.
    pub async fn device_by_install(
        &self,
        tenant: TenantId,
        install_id: &str,
    ) -> Result<Option<Device>, StoreError> {
        sqlx::query("SELECT * FROM devices WHERE install_id = $1 AND tenant_id = $2")
            .bind(install_id)
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(device_from_row)
            .transpose()
    }

    /// Records an unenrolled device a signed-in user shares from, or updates
    /// its name, OS and last use. Returns `None` when the installation id
    /// belongs to an enrolled device (which must prove itself instead).
    pub async fn touch_unenrolled_device(
        &self,
        new: &NewDevice,
        user: UserId,
        now: UnixMillis,
    ) -> Result<Option<Device>, StoreError> {
        if let Some(existing) = self
            .device_by_install(new.tenant_id, &new.install_id)
            .await?
        {
            if existing.enrolled {
                return Ok(None);
            }
            sqlx::query(
                "UPDATE devices SET name = $1, name_lower = $2, os_family = $3, os_name = $4, \
                 last_seen_at = $5, last_user_id = $6 WHERE id = $7 AND enrolled = 0",
            )
            .bind(&new.name)
            .bind(new.name.to_lowercase())
            .bind(&new.os_family)
            .bind(&new.os_name)
            .bind(now)
            .bind(user.to_string())
            .bind(existing.id.to_string())
            .execute(self.pool())
            .await?;
            return self.device(new.tenant_id, existing.id).await;
        }
        let id = DeviceId::new();
        sqlx::query(
            "INSERT INTO devices (id, tenant_id, install_id, name, name_lower, os_family, os_name, \
             last_seen_at, last_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)",
        )
        .bind(id.to_string())
        .bind(new.tenant_id.to_string())
        .bind(&new.install_id)
        .bind(&new.name)
        .bind(new.name.to_lowercase())
        .bind(&new.os_family)
        .bind(&new.os_name)
        .bind(now)
        .bind(user.to_string())
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "this installation was recorded at the same moment; try again"))?;
        self.device(new.tenant_id, id).await
    }

    /// Notes that an enrolled device was used by `user`.
    pub async fn touch_enrolled_device(
        &self,
        id: DeviceId,
        user: UserId,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE devices SET last_seen_at = $1, last_user_id = $2 WHERE id = $3")
            .bind(now)
            .bind(user.to_string())
            .bind(id.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Enrols a device: a new record, or an unenrolled record of the same
    /// installation turned enrolled (keeping its history). An installation
    /// that is already enrolled is a [`StoreError::Conflict`].
    #[allow(clippy::too_many_arguments)]
    pub async fn enrol_device(
        &self,
        new: &NewDevice,
        public_key: &str,
        token: EnrolmentTokenId,
        inventory: &Inventory,
        inventory_reasons: &[String],
        now: UnixMillis,
    ) -> Result<Device, StoreError> {
        let existing = self
            .device_by_install(new.tenant_id, &new.install_id)
            .await?;
        if existing.as_ref().is_some_and(|d| d.enrolled) {
            return Err(StoreError::Conflict(
                "this installation is already enrolled; an administrator must remove the device before it can enrol again"
                    .into(),
            ));
        }
        let id = existing.as_ref().map(|d| d.id).unwrap_or_default();
        let mut tx = self.begin_write().await?;
        if existing.is_none() {
            sqlx::query(
                "INSERT INTO devices (id, tenant_id, install_id, name, name_lower, last_seen_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(id.to_string())
            .bind(new.tenant_id.to_string())
            .bind(&new.install_id)
            .bind(&new.name)
            .bind(new.name.to_lowercase())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, "this installation is already enrolled"))?;
        }
        let done = sqlx::query(
            "UPDATE devices SET enrolled = 1, public_key = $1, enrolled_at = $2, enrolment_token_id = $3, \
             name = $4, name_lower = $5, os_family = $6, os_name = $7, inventory = $8, inventory_at = $2, \
             inventory_compliant = $9, compliance_reasons = $10, last_seen_at = $2 \
             WHERE id = $11 AND enrolled = 0",
        )
        .bind(public_key)
        .bind(now)
        .bind(token.to_string())
        .bind(&new.name)
        .bind(new.name.to_lowercase())
        .bind(&new.os_family)
        .bind(&new.os_name)
        .bind(json(inventory)?)
        .bind(flag(inventory_reasons.is_empty()))
        .bind(json(&inventory_reasons)?)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            let _ = tx.rollback().await;
            return Err(StoreError::Conflict(
                "this installation is already enrolled".into(),
            ));
        }
        tx.commit().await?;
        self.device(new.tenant_id, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a device vanished right after it enrolled".into()))
    }

    /// Stores a signed inventory report made at `at` (device time). Returns
    /// false when a report with the same or a later time was already stored
    /// (a replay), leaving the record as it was.
    pub async fn record_inventory(
        &self,
        id: DeviceId,
        inventory: &Inventory,
        inventory_reasons: &[String],
        at: UnixMillis,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE devices SET inventory = $1, inventory_at = $2, inventory_compliant = $3, \
             compliance_reasons = $4, last_report_at = $5, last_seen_at = $2, name = $6, name_lower = $7, \
             os_family = $8, os_name = $9 WHERE id = $10 AND enrolled = 1 AND last_report_at < $5",
        )
        .bind(json(inventory)?)
        .bind(now)
        .bind(flag(inventory_reasons.is_empty()))
        .bind(json(&inventory_reasons)?)
        .bind(at)
        .bind(&inventory.hostname)
        .bind(inventory.hostname.to_lowercase())
        .bind(&inventory.os_family)
        .bind(&inventory.os_name)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces the stored inventory verdicts of a tenant's enrolled devices
    /// (after the policy changed), using `evaluate` on each inventory.
    pub async fn reevaluate_devices(
        &self,
        tenant: TenantId,
        evaluate: impl Fn(&Inventory) -> Vec<String>,
    ) -> Result<u64, StoreError> {
        let rows = sqlx::query(
            "SELECT id, inventory FROM devices WHERE tenant_id = $1 AND enrolled = 1 AND inventory_at IS NOT NULL",
        )
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut tx = self.begin_write().await?;
        let mut changed = 0;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let text: String = row.try_get("inventory")?;
            let inventory: Inventory = serde_json::from_str(&text).map_err(|e| {
                StoreError::Corrupt(format!("device {id} has an invalid inventory: {e}"))
            })?;
            let reasons = evaluate(&inventory);
            changed += sqlx::query(
                "UPDATE devices SET inventory_compliant = $1, compliance_reasons = $2 WHERE id = $3",
            )
            .bind(flag(reasons.is_empty()))
            .bind(json(&reasons)?)
            .bind(&id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// One page of a tenant's devices and how many match in all.
    pub async fn list_devices(
        &self,
        tenant: TenantId,
        filter: &DeviceFilter,
    ) -> Result<(Vec<Device>, i64), StoreError> {
        let (condition, values) = conditions(filter);
        let total: i64 = bind_all(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM devices d WHERE {condition}"
            ))),
            tenant,
            &values,
        )
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        let order = match filter.sort {
            DeviceSort::Name => "d.name_lower",
            DeviceSort::LastSeen => "d.last_seen_at",
            DeviceSort::Os => "LOWER(d.os_name)",
            DeviceSort::Created => "d.created_at",
        };
        let direction = if filter.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT d.* FROM devices d WHERE {condition} ORDER BY {order} {direction}, d.id {direction} \
             LIMIT {} OFFSET {}",
            filter.limit.clamp(1, 1000),
            filter.offset.max(0)
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), tenant, &values)
            .fetch_all(self.pool())
            .await?;
        let devices = rows.iter().map(device_from_row).collect::<Result<_, _>>()?;
        Ok((devices, total))
    }

    /// Removes a device record (its sessions keep their device name). An
    /// enrolled device must enrol again to be recognised. Returns whether it existed.
    pub async fn delete_device(&self, tenant: TenantId, id: DeviceId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM devices WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant.to_string())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds a device to a group; adding it twice is not an error.
    pub async fn add_device_to_group(
        &self,
        group: GroupId,
        device: DeviceId,
    ) -> Result<(), StoreError> {
        let exists = sqlx::query(
            "SELECT 1 AS one FROM group_devices WHERE group_id = $1 AND device_id = $2",
        )
        .bind(group.to_string())
        .bind(device.to_string())
        .fetch_optional(self.pool())
        .await?
        .is_some();
        if !exists {
            sqlx::query("INSERT INTO group_devices (group_id, device_id) VALUES ($1, $2)")
                .bind(group.to_string())
                .bind(device.to_string())
                .execute(self.pool())
                .await
                .map_err(|e| StoreError::conflict_on_unique(e, "the device is already a member"))?;
        }
        Ok(())
    }

    /// Removes a device from a group. Returns whether it was a member.
    pub async fn remove_device_from_group(
        &self,
        group: GroupId,
        device: DeviceId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM group_devices WHERE group_id = $1 AND device_id = $2")
            .bind(group.to_string())
            .bind(device.to_string())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The groups a device is in.
    pub async fn groups_of_device(&self, device: DeviceId) -> Result<Vec<GroupId>, StoreError> {
        sqlx::query("SELECT group_id FROM group_devices WHERE device_id = $1 ORDER BY group_id")
            .bind(device.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| get_id(row, "group_id"))
            .collect()
    }

    /// The ids of a group's devices.
    pub async fn group_devices(&self, group: GroupId) -> Result<Vec<DeviceId>, StoreError> {
        sqlx::query("SELECT device_id FROM group_devices WHERE group_id = $1 ORDER BY device_id")
            .bind(group.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| get_id(row, "device_id"))
            .collect()
    }
}
