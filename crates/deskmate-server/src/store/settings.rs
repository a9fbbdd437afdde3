//! Tenant settings for remote help (SPEC §2) and their defaults.

use super::{Store, StoreError, flag, get_flag, get_id};
use crate::clock::UnixMillis;
use crate::ids::TenantId;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A tenant's remote-help settings as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSettings {
    /// Whose settings.
    pub tenant_id: TenantId,
    /// Codes can be issued and redeemed only while this is on (default off).
    pub remote_help_enabled: bool,
    /// Devices that are not enrolled may be helped (default off).
    pub allow_unenrolled_devices: bool,
    /// Chat is turned off in sessions (default: chat on).
    pub chat_disabled: bool,
    /// Sessions without end-to-end encryption may run (default off).
    pub allow_unencrypted_sessions: bool,
    /// How long a security code stays valid, in seconds (default 600).
    pub code_lifetime_secs: i64,
    /// How long session data and chat are kept, in days (default 30).
    pub retention_days: i64,
    /// Clients older than this must upgrade.
    pub min_client_version: Option<String>,
    /// Clients older than this are invited to upgrade.
    pub recommended_client_version: Option<String>,
    /// Increases on every change; used for optimistic concurrency.
    pub version: i64,
    /// When last changed.
    pub updated_at: UnixMillis,
}

/// A partial change; `None` leaves a field as it is. For the two version
/// fields, `Some(None)` clears the value.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    /// See [`TenantSettings::remote_help_enabled`].
    pub remote_help_enabled: Option<bool>,
    /// See [`TenantSettings::allow_unenrolled_devices`].
    pub allow_unenrolled_devices: Option<bool>,
    /// See [`TenantSettings::chat_disabled`].
    pub chat_disabled: Option<bool>,
    /// See [`TenantSettings::allow_unencrypted_sessions`].
    pub allow_unencrypted_sessions: Option<bool>,
    /// See [`TenantSettings::code_lifetime_secs`].
    pub code_lifetime_secs: Option<i64>,
    /// See [`TenantSettings::retention_days`].
    pub retention_days: Option<i64>,
    /// See [`TenantSettings::min_client_version`].
    pub min_client_version: Option<Option<String>>,
    /// See [`TenantSettings::recommended_client_version`].
    pub recommended_client_version: Option<Option<String>>,
}

impl SettingsPatch {
    /// The settings after this patch.
    pub fn apply(&self, current: &TenantSettings) -> TenantSettings {
        TenantSettings {
            tenant_id: current.tenant_id,
            remote_help_enabled: self
                .remote_help_enabled
                .unwrap_or(current.remote_help_enabled),
            allow_unenrolled_devices: self
                .allow_unenrolled_devices
                .unwrap_or(current.allow_unenrolled_devices),
            chat_disabled: self.chat_disabled.unwrap_or(current.chat_disabled),
            allow_unencrypted_sessions: self
                .allow_unencrypted_sessions
                .unwrap_or(current.allow_unencrypted_sessions),
            code_lifetime_secs: self
                .code_lifetime_secs
                .unwrap_or(current.code_lifetime_secs),
            retention_days: self.retention_days.unwrap_or(current.retention_days),
            min_client_version: self
                .min_client_version
                .clone()
                .unwrap_or_else(|| current.min_client_version.clone()),
            recommended_client_version: self
                .recommended_client_version
                .clone()
                .unwrap_or_else(|| current.recommended_client_version.clone()),
            version: current.version,
            updated_at: current.updated_at,
        }
    }
}

fn settings_from_row(row: &AnyRow) -> Result<TenantSettings, StoreError> {
    Ok(TenantSettings {
        tenant_id: get_id(row, "tenant_id")?,
        remote_help_enabled: get_flag(row, "remote_help_enabled")?,
        allow_unenrolled_devices: get_flag(row, "allow_unenrolled_devices")?,
        chat_disabled: get_flag(row, "chat_disabled")?,
        allow_unencrypted_sessions: get_flag(row, "allow_unencrypted_sessions")?,
        code_lifetime_secs: row.try_get("code_lifetime_secs")?,
        retention_days: row.try_get("retention_days")?,
        min_client_version: row.try_get("min_client_version")?,
        recommended_client_version: row.try_get("recommended_client_version")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// A tenant's settings.
    pub async fn settings(&self, tenant: TenantId) -> Result<Option<TenantSettings>, StoreError> {
        sqlx::query("SELECT * FROM tenant_settings WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(settings_from_row)
            .transpose()
    }

    /// Writes `new` if the stored version is still `expected_version`.
    /// Returns the stored settings, or `None` when someone else changed them first.
    pub async fn save_settings(
        &self,
        new: &TenantSettings,
        expected_version: i64,
        now: UnixMillis,
    ) -> Result<Option<TenantSettings>, StoreError> {
        let done = sqlx::query(
            "UPDATE tenant_settings SET remote_help_enabled = $1, allow_unenrolled_devices = $2, \
             chat_disabled = $3, code_lifetime_secs = $4, retention_days = $5, min_client_version = $6, \
             recommended_client_version = $7, version = version + 1, updated_at = $8, \
             allow_unencrypted_sessions = $11 \
             WHERE tenant_id = $9 AND version = $10",
        )
        .bind(flag(new.remote_help_enabled))
        .bind(flag(new.allow_unenrolled_devices))
        .bind(flag(new.chat_disabled))
        .bind(new.code_lifetime_secs)
        .bind(new.retention_days)
        .bind(new.min_client_version.as_deref())
        .bind(new.recommended_client_version.as_deref())
        .bind(now)
        .bind(new.tenant_id.to_string())
        .bind(expected_version)
        .bind(flag(new.allow_unencrypted_sessions))
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.settings(new.tenant_id).await
    }
}
