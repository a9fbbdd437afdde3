//! One-time tokens that let the first administrator set a password.

use super::{Store, StoreError, get_id};
use crate::clock::UnixMillis;
use crate::ids::TenantId;

impl Store {
    /// Replaces any unused setup token of `tenant` with a new one (stored hashed).
    pub async fn replace_setup_token(
        &self,
        tenant: TenantId,
        token_hash: &str,
        expires_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM setup_tokens WHERE tenant_id = $1 AND used_at IS NULL")
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO setup_tokens (token_hash, tenant_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(tenant.to_string())
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant of a setup token that is still usable, without using it.
    pub async fn setup_token_tenant(
        &self,
        token_hash: &str,
        now: UnixMillis,
    ) -> Result<Option<TenantId>, StoreError> {
        sqlx::query("SELECT tenant_id FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(|row| get_id(row, "tenant_id"))
            .transpose()
    }

    /// Marks a setup token used if it exists, is unused and unexpired.
    /// Returns its tenant, or `None` if the token is not valid.
    pub async fn consume_setup_token(
        &self,
        token_hash: &str,
        now: UnixMillis,
    ) -> Result<Option<TenantId>, StoreError> {
        let row = sqlx::query(
            "SELECT tenant_id FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let tenant: TenantId = get_id(&row, "tenant_id")?;
        let done = sqlx::query(
            "UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(token_hash)
        .execute(self.pool())
        .await?;
        Ok((done.rows_affected() == 1).then_some(tenant))
    }
}
