//! Remote-help session records: one row from the security code's issue to
//! the session's end, and the session's chat.

use super::{Store, StoreError, flag, get_flag, get_id, get_opt_id};
use crate::clock::UnixMillis;
use crate::ids::{DeviceId, RemoteSessionId, TenantId, UserId};
use crate::permissions::{PermissionSet, decode_set, encode_set};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A session record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSession {
    /// Id.
    pub id: RemoteSessionId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// Who helps (the provider).
    pub helper_id: UserId,
    /// Who is helped (the recipient), once the code is redeemed.
    pub sharer_id: Option<UserId>,
    /// When the code stops working.
    pub code_expires_at: UnixMillis,
    /// `waiting`, `paired`, `active`, `ended` or `refused`.
    pub state: String,
    /// The sharer's device name.
    pub device_name: Option<String>,
    /// The sharer's operating system.
    pub device_os: Option<String>,
    /// Whether the device is enrolled.
    pub device_enrolled: bool,
    /// The device's record, when it has one.
    pub device_id: Option<DeviceId>,
    /// The device the code was issued for, if any.
    pub target_device_id: Option<DeviceId>,
    /// What the helper may do for this sharer.
    pub granted: PermissionSet,
    /// The mode in force (`view` / `control`) once consented.
    pub mode: Option<String>,
    /// Whether elevation was used.
    pub elevation_used: bool,
    /// Whether anyone chatted.
    pub chat_used: bool,
    /// Whether the session is encrypted end to end (`None` before redemption).
    pub encrypted: Option<bool>,
    /// Why redemption was refused.
    pub refusal: Option<String>,
    /// Who ended it: `helper`, `sharer` or `system`.
    pub ended_by: Option<String>,
    /// Code issued.
    pub created_at: UnixMillis,
    /// Code redeemed.
    pub redeemed_at: Option<UnixMillis>,
    /// First consent.
    pub started_at: Option<UnixMillis>,
    /// Ended.
    pub ended_at: Option<UnixMillis>,
}

fn session_from_row(row: &AnyRow) -> Result<RemoteSession, StoreError> {
    let sharer: Option<String> = row.try_get("sharer_id")?;
    let granted: String = row.try_get("granted_permissions")?;
    Ok(RemoteSession {
        id: get_id(row, "id")?,
        tenant_id: get_id(row, "tenant_id")?,
        helper_id: get_id(row, "helper_id")?,
        sharer_id: sharer
            .map(|s| {
                s.parse()
                    .map_err(|_| StoreError::Corrupt(format!("sharer id '{s}'")))
            })
            .transpose()?,
        code_expires_at: row.try_get("code_expires_at")?,
        state: row.try_get("state")?,
        device_name: row.try_get("device_name")?,
        device_os: row.try_get("device_os")?,
        device_enrolled: get_flag(row, "device_enrolled")?,
        device_id: get_opt_id(row, "device_id")?,
        target_device_id: get_opt_id(row, "target_device_id")?,
        granted: decode_set(&granted),
        mode: row.try_get("mode")?,
        elevation_used: get_flag(row, "elevation_used")?,
        chat_used: get_flag(row, "chat_used")?,
        encrypted: row.try_get::<Option<i64>, _>("encrypted")?.map(|v| v != 0),
        refusal: row.try_get("refusal")?,
        ended_by: row.try_get("ended_by")?,
        created_at: row.try_get("created_at")?,
        redeemed_at: row.try_get("redeemed_at")?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
    })
}

/// A stored chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRecord {
    /// Position in the session's thread, from 1.
    pub seq: i64,
    /// `helper` or `sharer`.
    pub sender: String,
    /// The text.
    pub body: String,
    /// When the server received it.
    pub sent_at: UnixMillis,
    /// Whether `body` is sealed end to end (the server cannot read it).
    pub sealed: bool,
}

/// The device a sharer redeems a code on, as the server resolved it.
#[derive(Debug, Clone, Default)]
pub struct PairedDevice {
    /// Its record, when it has one.
    pub id: Option<DeviceId>,
    /// Name.
    pub name: Option<String>,
    /// Operating system.
    pub os: Option<String>,
    /// Whether it proved it is enrolled.
    pub enrolled: bool,
}

/// Session-list filters.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only sessions this user helped in.
    pub helper_id: Option<UserId>,
    /// Only sessions this user was helped in.
    pub sharer_id: Option<UserId>,
    /// Only sessions in this state.
    pub state: Option<String>,
    /// Only sessions on this device.
    pub device_id: Option<DeviceId>,
    /// Most rows.
    pub limit: i64,
}

impl Store {
    /// Records a newly issued code.
    pub async fn create_remote_session(
        &self,
        tenant: TenantId,
        helper: UserId,
        code_hash: &str,
        target_device: Option<DeviceId>,
        expires_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<RemoteSession, StoreError> {
        let id = RemoteSessionId::new();
        sqlx::query(
            "INSERT INTO remote_sessions (id, tenant_id, helper_id, code_hash, code_expires_at, state, created_at, target_device_id) \
             VALUES ($1, $2, $3, $4, $5, 'waiting', $6, $7)",
        )
        .bind(id.to_string())
        .bind(tenant.to_string())
        .bind(helper.to_string())
        .bind(code_hash)
        .bind(expires_at)
        .bind(now)
        .bind(target_device.map(|d| d.to_string()))
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "code collision; ask for another code"))?;
        self.remote_session_any(id).await?.ok_or_else(|| {
            StoreError::Corrupt("a session vanished right after it was created".into())
        })
    }

    /// A session by id, in any tenant (callers check the tenant).
    pub async fn remote_session_any(
        &self,
        id: RemoteSessionId,
    ) -> Result<Option<RemoteSession>, StoreError> {
        sqlx::query("SELECT * FROM remote_sessions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    /// A session by the hash of its code.
    pub async fn remote_session_by_code(
        &self,
        code_hash: &str,
    ) -> Result<Option<RemoteSession>, StoreError> {
        sqlx::query("SELECT * FROM remote_sessions WHERE code_hash = $1")
            .bind(code_hash)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    /// How many sessions a helper runs now (paired or active).
    pub async fn running_sessions_of(&self, helper: UserId) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM remote_sessions WHERE helper_id = $1 AND state IN ('paired', 'active')")
                .bind(helper.to_string())
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }

    /// Paired sessions (redeemed, no consent yet) redeemed before `cutoff`, oldest first.
    pub async fn paired_sessions_redeemed_before(
        &self,
        cutoff: UnixMillis,
        limit: i64,
    ) -> Result<Vec<RemoteSession>, StoreError> {
        sqlx::query(
            "SELECT * FROM remote_sessions WHERE state = 'paired' AND redeemed_at < $1 ORDER BY redeemed_at LIMIT $2",
        )
        .bind(cutoff)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(session_from_row)
        .collect()
    }

    /// Every paired or active session, in every tenant.
    pub async fn unfinished_sessions(&self) -> Result<Vec<RemoteSession>, StoreError> {
        sqlx::query("SELECT * FROM remote_sessions WHERE state IN ('paired', 'active')")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(session_from_row)
            .collect()
    }

    /// How many unredeemed, unexpired codes a helper holds.
    pub async fn open_codes_of(&self, helper: UserId, now: UnixMillis) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM remote_sessions WHERE helper_id = $1 AND state = 'waiting' AND code_expires_at > $2",
        )
        .bind(helper.to_string())
        .bind(now)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?)
    }

    /// Pairs a waiting session with its sharer. Returns false if the code was
    /// already used (someone else won the race).
    pub async fn pair_remote_session(
        &self,
        id: RemoteSessionId,
        sharer: UserId,
        device: &PairedDevice,
        granted: &PermissionSet,
        encrypted: bool,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE remote_sessions SET state = 'paired', sharer_id = $1, device_name = $2, device_os = $3, \
             granted_permissions = $4, redeemed_at = $5, device_id = $6, device_enrolled = $7, encrypted = $9 \
             WHERE id = $8 AND state = 'waiting'",
        )
        .bind(sharer.to_string())
        .bind(device.name.as_deref())
        .bind(device.os.as_deref())
        .bind(encode_set(granted))
        .bind(now)
        .bind(device.id.map(|d| d.to_string()))
        .bind(flag(device.enrolled))
        .bind(id.to_string())
        .bind(flag(encrypted))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a waiting session refused, with the reason, for the helper to see.
    pub async fn refuse_remote_session(
        &self,
        id: RemoteSessionId,
        sharer: UserId,
        reason: &str,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE remote_sessions SET state = 'refused', sharer_id = $1, refusal = $2, redeemed_at = $3, ended_at = $3 \
             WHERE id = $4 AND state = 'waiting'",
        )
        .bind(sharer.to_string())
        .bind(reason)
        .bind(now)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records that consent started (or changed) the session's mode.
    pub async fn activate_remote_session(
        &self,
        id: RemoteSessionId,
        mode: &str,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE remote_sessions SET state = 'active', mode = $1, started_at = COALESCE(started_at, $2) \
             WHERE id = $3 AND state IN ('paired', 'active')",
        )
        .bind(mode)
        .bind(now)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends a session (idempotent: the first end wins).
    pub async fn end_remote_session(
        &self,
        id: RemoteSessionId,
        ended_by: &str,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE remote_sessions SET state = 'ended', ended_by = $1, ended_at = $2 \
             WHERE id = $3 AND state IN ('waiting', 'paired', 'active')",
        )
        .bind(ended_by)
        .bind(now)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Appends a chat message and marks the session as having used chat.
    pub async fn append_chat(
        &self,
        id: RemoteSessionId,
        message: &ChatRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO chat_messages (session_id, seq, sender, body, sent_at, sealed) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.to_string())
            .bind(message.seq)
            .bind(&message.sender)
            .bind(&message.body)
            .bind(message.sent_at)
            .bind(flag(message.sealed))
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE remote_sessions SET chat_used = $1 WHERE id = $2")
            .bind(flag(true))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A session's chat, oldest first.
    pub async fn chat_of(&self, id: RemoteSessionId) -> Result<Vec<ChatRecord>, StoreError> {
        sqlx::query("SELECT seq, sender, body, sent_at, sealed FROM chat_messages WHERE session_id = $1 ORDER BY seq")
            .bind(id.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| {
                Ok(ChatRecord {
                    seq: row.try_get("seq")?,
                    sender: row.try_get("sender")?,
                    body: row.try_get("body")?,
                    sent_at: row.try_get("sent_at")?,
                    sealed: row.try_get::<i64, _>("sealed")? != 0,
                })
            })
            .collect()
    }

    /// Removes finished sessions (and their chat) that ended before `cutoff`,
    /// and codes issued before it that were never used.
    pub async fn purge_sessions_before(
        &self,
        tenant: TenantId,
        cutoff: UnixMillis,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM chat_messages WHERE session_id IN (SELECT id FROM remote_sessions WHERE tenant_id = $1 \
             AND ((state IN ('ended', 'refused') AND ended_at < $2) OR (state = 'waiting' AND created_at < $2)))",
        )
        .bind(tenant.to_string())
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "DELETE FROM remote_sessions WHERE tenant_id = $1 \
             AND ((state IN ('ended', 'refused') AND ended_at < $2) OR (state = 'waiting' AND created_at < $2))",
        )
        .bind(tenant.to_string())
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Sessions of a tenant, newest first.
    pub async fn list_remote_sessions(
        &self,
        tenant: TenantId,
        filter: &SessionFilter,
    ) -> Result<Vec<RemoteSession>, StoreError> {
        let mut sql = String::from("SELECT * FROM remote_sessions WHERE tenant_id = $1");
        let mut n = 1;
        for (present, column) in [
            (filter.helper_id.is_some(), "helper_id"),
            (filter.sharer_id.is_some(), "sharer_id"),
            (filter.state.is_some(), "state"),
            (filter.device_id.is_some(), "device_id"),
        ] {
            if present {
                n += 1;
                sql.push_str(&format!(" AND {column} = ${n}"));
            }
        }
        sql.push_str(&format!(" ORDER BY created_at DESC, id LIMIT ${}", n + 1));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.to_string());
        if let Some(helper) = filter.helper_id {
            query = query.bind(helper.to_string());
        }
        if let Some(sharer) = filter.sharer_id {
            query = query.bind(sharer.to_string());
        }
        if let Some(state) = &filter.state {
            query = query.bind(state.clone());
        }
        if let Some(device) = filter.device_id {
            query = query.bind(device.to_string());
        }
        query
            .bind(filter.limit.clamp(1, 1000))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(session_from_row)
            .collect()
    }
}
