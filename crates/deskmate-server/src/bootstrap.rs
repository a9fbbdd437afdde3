//! First run: an empty database gets its first tenant, and while that
//! tenant has no user the server issues a one-time link for setting the
//! first administrator's password. There is never a default password.

use crate::auth::tokens::{RandomError, hash_token, new_token};
use crate::clock::UnixMillis;
use crate::ids::TenantId;
use crate::store::{Store, StoreError, Tenant};

/// Why first-run preparation failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No randomness for the token.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Creates the first tenant if there is none and, while it has no users,
/// returns a fresh setup link (older unused links stop working).
pub async fn prepare(
    store: &Store,
    tenant_name: &str,
    public_url: &str,
    link_ttl_secs: u64,
    now: UnixMillis,
) -> Result<Option<String>, BootstrapError> {
    if store.count_tenants().await? == 0 {
        let tenant = store.create_tenant(tenant_name, now).await?;
        tracing::info!(tenant = %tenant.id, name = %tenant.name, "first run: organisation created");
    }
    let Some(tenant) = store.first_tenant().await? else {
        return Ok(None);
    };
    if store.count_users(tenant.id).await? > 0 {
        return Ok(None);
    }
    setup_link(store, tenant.id, public_url, link_ttl_secs, now)
        .await
        .map(Some)
}

/// Creates another organisation (for servers that host several) and returns
/// the one-time link for its first administrator.
pub async fn create_tenant(
    store: &Store,
    name: &str,
    public_url: &str,
    link_ttl_secs: u64,
    now: UnixMillis,
) -> Result<(Tenant, String), BootstrapError> {
    let tenant = store.create_tenant(name, now).await?;
    let link = setup_link(store, tenant.id, public_url, link_ttl_secs, now).await?;
    Ok((tenant, link))
}

async fn setup_link(
    store: &Store,
    tenant: TenantId,
    public_url: &str,
    link_ttl_secs: u64,
    now: UnixMillis,
) -> Result<String, BootstrapError> {
    let token = new_token("dms_")?;
    let ttl_ms = i64::try_from(link_ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    store
        .replace_setup_token(tenant, &hash_token(&token), now.saturating_add(ttl_ms), now)
        .await?;
    Ok(format!("{public_url}/setup#token={token}"))
}
