//! Enrolment tokens: secrets an administrator hands to machines (by script or
//! device management) so they can enrol in the organisation. Stored hashed;
//! each has an expiry, a use limit and can be revoked.

use super::{Store, StoreError, get_id, get_opt_id};
use crate::clock::UnixMillis;
use crate::ids::{EnrolmentTokenId, TenantId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// An enrolment token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentToken {
    /// Id.
    pub id: EnrolmentTokenId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// What it is for.
    pub description: String,
    /// Who made it.
    pub created_by: Option<UserId>,
    /// Made.
    pub created_at: UnixMillis,
    /// Stops working.
    pub expires_at: UnixMillis,
    /// How many devices may enrol with it.
    pub max_uses: i64,
    /// How many did.
    pub uses: i64,
    /// Revoked.
    pub revoked_at: Option<UnixMillis>,
}

impl EnrolmentToken {
    /// Whether a device could enrol with it now.
    pub fn usable(&self, now: UnixMillis) -> bool {
        self.revoked_at.is_none() && self.expires_at > now && self.uses < self.max_uses
    }
}

fn token_from_row(row: &AnyRow) -> Result<EnrolmentToken, StoreError> {
    Ok(EnrolmentToken {
        id: get_id(row, "id")?,
        tenant_id: get_id(row, "tenant_id")?,
        description: row.try_get("description")?,
        created_by: get_opt_id(row, "created_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        max_uses: row.try_get("max_uses")?,
        uses: row.try_get("uses")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Stores a new token by its hash.
    pub async fn create_enrolment_token(
        &self,
        token: &EnrolmentToken,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO enrolment_tokens (id, tenant_id, token_hash, description, created_by, created_at, expires_at, max_uses) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token.id.to_string())
        .bind(token.tenant_id.to_string())
        .bind(token_hash)
        .bind(&token.description)
        .bind(token.created_by.map(|u| u.to_string()))
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.max_uses)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A token by its hash, whatever its state.
    pub async fn enrolment_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<EnrolmentToken>, StoreError> {
        sqlx::query("SELECT * FROM enrolment_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(token_from_row)
            .transpose()
    }

    /// Counts one use of a token if it is still usable. Returns false when
    /// it was used up, revoked or expired in the meantime.
    pub async fn use_enrolment_token(
        &self,
        id: EnrolmentTokenId,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE enrolment_tokens SET uses = uses + 1 WHERE id = $1 AND revoked_at IS NULL \
             AND expires_at > $2 AND uses < max_uses",
        )
        .bind(id.to_string())
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A tenant's tokens, newest first.
    pub async fn list_enrolment_tokens(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<EnrolmentToken>, StoreError> {
        sqlx::query(
            "SELECT * FROM enrolment_tokens WHERE tenant_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(token_from_row)
        .collect()
    }

    /// Revokes a token. Returns whether it existed and was not revoked before.
    pub async fn revoke_enrolment_token(
        &self,
        tenant: TenantId,
        id: EnrolmentTokenId,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE enrolment_tokens SET revoked_at = $1 WHERE id = $2 AND tenant_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id.to_string())
        .bind(tenant.to_string())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
