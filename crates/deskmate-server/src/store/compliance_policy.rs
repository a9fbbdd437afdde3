//! Each organisation's device compliance policy (SPEC §4). An organisation
//! without a stored policy gets the defaults until an administrator saves one.

use super::{Store, StoreError, flag, get_flag};
use crate::clock::UnixMillis;
use crate::ids::TenantId;
use sqlx::Row;
use sqlx::any::AnyRow;

/// What an enrolled device must meet to count as compliant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompliancePolicy {
    /// The system disk must be encrypted.
    pub require_disk_encryption: bool,
    /// A firewall must be active.
    pub require_firewall: bool,
    /// The screen must lock itself when idle.
    pub require_screen_lock: bool,
    /// At most this many security updates may wait; `None` does not check.
    pub max_pending_security_updates: Option<i64>,
    /// The device must have reported within this many days.
    pub max_report_age_days: i64,
    /// Increases on every change (0 until first saved).
    pub version: i64,
    /// When last changed (0 until first saved).
    pub updated_at: UnixMillis,
}

impl Default for CompliancePolicy {
    fn default() -> Self {
        Self {
            require_disk_encryption: true,
            require_firewall: true,
            require_screen_lock: true,
            max_pending_security_updates: None,
            max_report_age_days: 7,
            version: 0,
            updated_at: 0,
        }
    }
}

fn policy_from_row(row: &AnyRow) -> Result<CompliancePolicy, StoreError> {
    let max_updates: i64 = row.try_get("max_pending_security_updates")?;
    Ok(CompliancePolicy {
        require_disk_encryption: get_flag(row, "require_disk_encryption")?,
        require_firewall: get_flag(row, "require_firewall")?,
        require_screen_lock: get_flag(row, "require_screen_lock")?,
        max_pending_security_updates: (max_updates >= 0).then_some(max_updates),
        max_report_age_days: row.try_get("max_report_age_days")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// The tenant's policy, or the defaults when none was saved.
    pub async fn compliance_policy(
        &self,
        tenant: TenantId,
    ) -> Result<CompliancePolicy, StoreError> {
        sqlx::query("SELECT * FROM compliance_policies WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(policy_from_row)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// Saves `policy` if the stored version is still `expected_version` (0
    /// when none is stored yet). Returns the stored policy, or `None` when
    /// someone else changed it first.
    pub async fn save_compliance_policy(
        &self,
        tenant: TenantId,
        policy: &CompliancePolicy,
        expected_version: i64,
        now: UnixMillis,
    ) -> Result<Option<CompliancePolicy>, StoreError> {
        let max_updates = policy.max_pending_security_updates.unwrap_or(-1);
        let done = if expected_version == 0 {
            sqlx::query(
                "INSERT INTO compliance_policies (tenant_id, require_disk_encryption, require_firewall, \
                 require_screen_lock, max_pending_security_updates, max_report_age_days, version, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
            )
            .bind(tenant.to_string())
            .bind(flag(policy.require_disk_encryption))
            .bind(flag(policy.require_firewall))
            .bind(flag(policy.require_screen_lock))
            .bind(max_updates)
            .bind(policy.max_report_age_days)
            .bind(now)
            .execute(self.pool())
            .await
            .map(|d| d.rows_affected())
            .or_else(|e| match StoreError::conflict_on_unique(e, "") {
                StoreError::Conflict(_) => Ok(0),
                other => Err(other),
            })?
        } else {
            sqlx::query(
                "UPDATE compliance_policies SET require_disk_encryption = $1, require_firewall = $2, \
                 require_screen_lock = $3, max_pending_security_updates = $4, max_report_age_days = $5, \
                 version = version + 1, updated_at = $6 WHERE tenant_id = $7 AND version = $8",
            )
            .bind(flag(policy.require_disk_encryption))
            .bind(flag(policy.require_firewall))
            .bind(flag(policy.require_screen_lock))
            .bind(max_updates)
            .bind(policy.max_report_age_days)
            .bind(now)
            .bind(tenant.to_string())
            .bind(expected_version)
            .execute(self.pool())
            .await?
            .rows_affected()
        };
        if done == 0 {
            return Ok(None);
        }
        self.compliance_policy(tenant).await.map(Some)
    }
}
