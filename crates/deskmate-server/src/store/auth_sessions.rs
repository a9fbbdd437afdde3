//! Sign-in sessions: the server side of access tokens, refresh tokens and
//! web cookies. Only SHA-256 hashes of tokens are stored.

use super::{Store, StoreError, get_id};
use crate::clock::UnixMillis;
use crate::ids::{AuthSessionId, TenantId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// How the session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser: the access token lives in an HttpOnly cookie, unsafe requests need the CSRF token.
    Web,
    /// API client: bearer access token plus a refresh token.
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// A stored sign-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSessionRecord {
    /// Id.
    pub id: AuthSessionId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// Who signed in.
    pub user_id: UserId,
    /// Web or API.
    pub kind: SessionKind,
    /// When the current access token stops working.
    pub access_expires_at: UnixMillis,
    /// When the refresh token stops working (API sessions).
    pub refresh_expires_at: Option<UnixMillis>,
    /// The CSRF token web requests must echo.
    pub csrf_token: Option<String>,
    /// Set once signed out or revoked.
    pub revoked_at: Option<UnixMillis>,
}

/// What is needed to open a session.
#[derive(Debug, Clone)]
pub struct NewAuthSession {
    /// Organisation.
    pub tenant_id: TenantId,
    /// Who.
    pub user_id: UserId,
    /// Web or API.
    pub kind: SessionKind,
    /// Hash of the access token.
    pub access_hash: String,
    /// Access token expiry.
    pub access_expires_at: UnixMillis,
    /// Hash of the refresh token (API sessions).
    pub refresh_hash: Option<String>,
    /// Refresh token expiry.
    pub refresh_expires_at: Option<UnixMillis>,
    /// CSRF token (web sessions).
    pub csrf_token: Option<String>,
    /// Where the sign-in came from.
    pub source_addr: String,
}

fn session_from_row(row: &AnyRow) -> Result<AuthSessionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(AuthSessionRecord {
        id: get_id(row, "id")?,
        tenant_id: get_id(row, "tenant_id")?,
        user_id: get_id(row, "user_id")?,
        kind: if kind == "web" {
            SessionKind::Web
        } else {
            SessionKind::Api
        },
        access_expires_at: row.try_get("access_expires_at")?,
        refresh_expires_at: row.try_get("refresh_expires_at")?,
        csrf_token: row.try_get("csrf_token")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// The outcome of presenting a refresh token.
#[derive(Debug)]
pub enum RefreshOutcome {
    /// Rotated: new tokens are in force.
    Rotated(AuthSessionRecord),
    /// Unknown or expired token.
    Invalid,
    /// A refresh token that was already rotated came back: this session was revoked.
    Reused(AuthSessionRecord),
}

impl Store {
    /// Opens a session.
    pub async fn create_auth_session(
        &self,
        new: &NewAuthSession,
        now: UnixMillis,
    ) -> Result<AuthSessionRecord, StoreError> {
        let id = AuthSessionId::new();
        sqlx::query(
            "INSERT INTO auth_sessions (id, tenant_id, user_id, kind, access_hash, access_expires_at, \
             refresh_hash, refresh_expires_at, csrf_token, source_addr, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.to_string())
        .bind(new.tenant_id.to_string())
        .bind(new.user_id.to_string())
        .bind(new.kind.as_str())
        .bind(&new.access_hash)
        .bind(new.access_expires_at)
        .bind(new.refresh_hash.as_deref())
        .bind(new.refresh_expires_at)
        .bind(new.csrf_token.as_deref())
        .bind(&new.source_addr)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(AuthSessionRecord {
            id,
            tenant_id: new.tenant_id,
            user_id: new.user_id,
            kind: new.kind,
            access_expires_at: new.access_expires_at,
            refresh_expires_at: new.refresh_expires_at,
            csrf_token: new.csrf_token.clone(),
            revoked_at: None,
        })
    }

    /// The live session an access token belongs to (not revoked, not expired).
    pub async fn session_by_access(
        &self,
        access_hash: &str,
        now: UnixMillis,
    ) -> Result<Option<AuthSessionRecord>, StoreError> {
        sqlx::query(
            "SELECT * FROM auth_sessions WHERE access_hash = $1 AND revoked_at IS NULL AND access_expires_at > $2",
        )
        .bind(access_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    /// The sign-in sessions with these ids (at most a few hundred at a time).
    pub async fn auth_sessions_by_ids(
        &self,
        ids: &[AuthSessionId],
    ) -> Result<Vec<AuthSessionRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT * FROM auth_sessions WHERE id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.to_string());
        }
        query
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(session_from_row)
            .collect()
    }

    /// Swaps a refresh token for new tokens. The session is the token
    /// family: every refresh token it spends is remembered, and presenting
    /// any of them again revokes the session (one of them was probably
    /// stolen), however many rotations ago it was spent.
    #[allow(clippy::too_many_arguments)]
    pub async fn rotate_refresh(
        &self,
        refresh_hash: &str,
        new_access_hash: &str,
        access_expires_at: UnixMillis,
        new_refresh_hash: &str,
        refresh_expires_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<RefreshOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE auth_sessions SET access_hash = $1, access_expires_at = $2, refresh_hash = $3, \
             refresh_expires_at = $4, previous_refresh_hash = $5 \
             WHERE refresh_hash = $5 AND revoked_at IS NULL AND refresh_expires_at > $6",
        )
        .bind(new_access_hash)
        .bind(access_expires_at)
        .bind(new_refresh_hash)
        .bind(refresh_expires_at)
        .bind(refresh_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            let row = sqlx::query("SELECT * FROM auth_sessions WHERE refresh_hash = $1")
                .bind(new_refresh_hash)
                .fetch_one(&mut *tx)
                .await?;
            let session = session_from_row(&row)?;
            sqlx::query(
                "INSERT INTO spent_refresh_tokens (refresh_hash, session_id, spent_at) VALUES ($1, $2, $3)",
            )
            .bind(refresh_hash)
            .bind(session.id.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(RefreshOutcome::Rotated(session));
        }
        // A spent token of the family: the sign-in it belongs to ends.
        let spent = sqlx::query(
            "SELECT * FROM auth_sessions WHERE revoked_at IS NULL AND id IN \
             (SELECT session_id FROM spent_refresh_tokens WHERE refresh_hash = $1)",
        )
        .bind(refresh_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = spent else {
            tx.commit().await?;
            return Ok(RefreshOutcome::Invalid);
        };
        let session = session_from_row(&row)?;
        let reused = sqlx::query(
            "UPDATE auth_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(session.id.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(if reused.rows_affected() > 0 {
            RefreshOutcome::Reused(session)
        } else {
            RefreshOutcome::Invalid
        })
    }

    /// Forgets the spent refresh tokens of sessions that can no longer be
    /// refreshed (revoked, or their refresh token expired) before `cutoff`.
    /// Returns how many were forgotten.
    pub async fn purge_spent_refresh_tokens(&self, cutoff: UnixMillis) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM spent_refresh_tokens WHERE session_id IN (SELECT id FROM auth_sessions \
             WHERE revoked_at < $1 OR refresh_expires_at < $1)",
        )
        .bind(cutoff)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Ends one session.
    pub async fn revoke_session(
        &self,
        id: AuthSessionId,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE auth_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends every session of a user (password reset, disabling, "sign out everywhere").
    /// Returns how many were ended.
    pub async fn revoke_user_sessions(
        &self,
        user: UserId,
        now: UnixMillis,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user.to_string())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}
