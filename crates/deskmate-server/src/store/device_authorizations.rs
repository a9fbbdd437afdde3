//! Pending browser sign-ins of native clients (RFC 8628): created by the
//! client, approved or denied by a signed-in person, redeemed once by the
//! client for tokens.

use super::{Store, StoreError, get_opt_id};
use crate::clock::UnixMillis;
use crate::ids::{TenantId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A device authorisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// Id.
    pub id: uuid::Uuid,
    /// What the client calls itself ("deskmate share on desk-7").
    pub client_name: String,
    /// Where the client asked from.
    pub source_addr: String,
    /// The code the person types or follows.
    pub user_code: String,
    /// `pending`, `approved`, `denied` or `used`.
    pub status: String,
    /// The approving person's organisation.
    pub tenant_id: Option<TenantId>,
    /// The approving person.
    pub user_id: Option<UserId>,
    /// Seconds the client must wait between polls.
    pub interval_secs: i64,
    /// Last poll.
    pub last_poll_at: UnixMillis,
    /// Asked.
    pub created_at: UnixMillis,
    /// Stops working.
    pub expires_at: UnixMillis,
}

fn from_row(row: &AnyRow) -> Result<DeviceAuthorization, StoreError> {
    let id: String = row.try_get("id")?;
    Ok(DeviceAuthorization {
        id: id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("device authorisation id '{id}'")))?,
        client_name: row.try_get("client_name")?,
        source_addr: row.try_get("source_addr")?,
        user_code: row.try_get("user_code")?,
        status: row.try_get("status")?,
        tenant_id: get_opt_id(row, "tenant_id")?,
        user_id: get_opt_id(row, "user_id")?,
        interval_secs: row.try_get("interval_secs")?,
        last_poll_at: row.try_get("last_poll_at")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

impl Store {
    /// Records a new device authorisation; a user code in use is a [`StoreError::Conflict`].
    pub async fn create_device_authorization(
        &self,
        a: &DeviceAuthorization,
        device_code_hash: &str,
    ) -> Result<(), StoreError> {
        // Requests that expired an hour ago are of no use to anyone (the
        // client was told); drop them as new ones come.
        sqlx::query("DELETE FROM device_authorizations WHERE expires_at < $1")
            .bind(a.created_at - 3600 * 1000)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_name, source_addr, status, \
             interval_secs, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)",
        )
        .bind(a.id.to_string())
        .bind(device_code_hash)
        .bind(&a.user_code)
        .bind(&a.client_name)
        .bind(&a.source_addr)
        .bind(a.interval_secs)
        .bind(a.created_at)
        .bind(a.expires_at)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "user code collision"))?;
        Ok(())
    }

    /// A device authorisation by its user code.
    pub async fn device_authorization_by_user_code(
        &self,
        user_code: &str,
    ) -> Result<Option<DeviceAuthorization>, StoreError> {
        sqlx::query("SELECT * FROM device_authorizations WHERE user_code = $1")
            .bind(user_code)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// A device authorisation by the hash of its device code.
    pub async fn device_authorization_by_device_code(
        &self,
        device_code_hash: &str,
    ) -> Result<Option<DeviceAuthorization>, StoreError> {
        sqlx::query("SELECT * FROM device_authorizations WHERE device_code_hash = $1")
            .bind(device_code_hash)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// Approves or denies a pending, unexpired authorisation. Returns whether it was pending.
    pub async fn decide_device_authorization(
        &self,
        id: uuid::Uuid,
        decision: Option<(TenantId, UserId)>,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let (status, tenant, user) = match decision {
            Some((t, u)) => ("approved", Some(t.to_string()), Some(u.to_string())),
            None => ("denied", None, None),
        };
        let done = sqlx::query(
            "UPDATE device_authorizations SET status = $1, tenant_id = $2, user_id = $3 \
             WHERE id = $4 AND status = 'pending' AND expires_at > $5",
        )
        .bind(status)
        .bind(tenant)
        .bind(user)
        .bind(id.to_string())
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Notes a poll; `interval_secs` is the (possibly raised) interval to keep.
    pub async fn note_device_poll(
        &self,
        id: uuid::Uuid,
        interval_secs: i64,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE device_authorizations SET last_poll_at = $1, interval_secs = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(interval_secs)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks an approved authorisation used. Returns false if it was used already.
    pub async fn use_device_authorization(&self, id: uuid::Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE device_authorizations SET status = 'used' WHERE id = $1 AND status = 'approved'",
        )
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Pending, unexpired device authorisations: all of them, and those
    /// started from `source_addr`.
    pub async fn count_outstanding_device_authorizations(
        &self,
        source_addr: &str,
        now: UnixMillis,
    ) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN source_addr = $1 THEN 1 ELSE 0 END), 0) AS mine \
             FROM device_authorizations WHERE status = 'pending' AND expires_at > $2",
        )
        .bind(source_addr)
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("total")?, row.try_get("mine")?))
    }
}
