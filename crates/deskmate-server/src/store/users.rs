//! Users: profile, credentials and second factor.

use super::{Store, StoreError, flag, get_flag, get_id};
use crate::clock::UnixMillis;
use crate::ids::{TenantId, UserId};
use crate::secrets::SecretsKey;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// Sign-in name and contact address, as entered.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Job title shown to the other party.
    pub job_title: Option<String>,
    /// Company name shown to the other party.
    pub company_name: Option<String>,
    /// MIME type of the profile picture, if one is set.
    pub picture_type: Option<String>,
    /// argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
    /// Base32 TOTP secret (pending until `totp_enabled`), opened from its sealed form.
    pub totp_secret: Option<String>,
    /// Whether sign-in requires a TOTP code.
    pub totp_enabled: bool,
    /// The last TOTP time step accepted (replay protection).
    pub totp_last_step: Option<i64>,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Created.
    pub created_at: UnixMillis,
    /// Last changed.
    pub updated_at: UnixMillis,
}

/// What is needed to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Organisation.
    pub tenant_id: TenantId,
    /// E-mail (unique across the server, case-insensitively).
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Initial password hash, if any.
    pub password_hash: Option<String>,
}

/// A change to profile fields; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Job title.
    pub job_title: Option<Option<String>>,
    /// Company name.
    pub company_name: Option<Option<String>>,
    /// Disabled flag.
    pub disabled: Option<bool>,
}

fn user_from_row(row: &AnyRow, secrets: Option<&SecretsKey>) -> Result<User, StoreError> {
    let id: UserId = get_id(row, "id")?;
    let stored: Option<String> = row.try_get("totp_secret")?;
    let totp_secret = stored.and_then(|value| {
        if !SecretsKey::is_sealed(&value) {
            // Written by an earlier version; sealed at the next start.
            return Some(value);
        }
        let opened = secrets.map(|key| key.open(&id.to_string(), &value));
        match opened {
            Some(Ok(plain)) => Some(plain),
            Some(Err(_)) => {
                tracing::error!(user = %id, "this user's second-factor secret does not open with the secrets key");
                None
            }
            None => None,
        }
    });
    Ok(User {
        id,
        tenant_id: get_id(row, "tenant_id")?,
        email: row.try_get("email")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        job_title: row.try_get("job_title")?,
        company_name: row.try_get("company_name")?,
        picture_type: row.try_get("picture_type")?,
        password_hash: row.try_get("password_hash")?,
        totp_secret,
        totp_enabled: get_flag(row, "totp_enabled")?,
        totp_last_step: row.try_get("totp_last_step")?,
        disabled: get_flag(row, "disabled")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const USER_COLUMNS: &str = "id, tenant_id, email, first_name, last_name, job_title, company_name, \
    picture_type, password_hash, totp_secret, totp_enabled, totp_last_step, disabled, created_at, updated_at";

impl Store {
    /// Creates a user; a used e-mail address is a [`StoreError::Conflict`].
    pub async fn create_user(&self, new: &NewUser, now: UnixMillis) -> Result<User, StoreError> {
        let id = UserId::new();
        sqlx::query(
            "INSERT INTO users (id, tenant_id, email, email_lower, first_name, last_name, job_title, \
             company_name, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(id.to_string())
        .bind(new.tenant_id.to_string())
        .bind(&new.email)
        .bind(new.email.to_lowercase())
        .bind(&new.first_name)
        .bind(&new.last_name)
        .bind(new.job_title.as_deref())
        .bind(new.company_name.as_deref())
        .bind(new.password_hash.as_deref())
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(|e| {
            StoreError::conflict_on_unique(e, format!("the e-mail address {} is already in use", new.email))
        })?;
        self.user(new.tenant_id, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a user vanished right after it was created".into()))
    }

    /// A user of `tenant` by id; users of other tenants are invisible.
    pub async fn user(&self, tenant: TenantId, id: UserId) -> Result<Option<User>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id.to_string())
        .bind(tenant.to_string())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(|row| user_from_row(row, self.secrets.as_deref()))
        .transpose()
    }

    /// A user by e-mail address, case-insensitively, in any tenant (for sign-in).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email_lower = $1"
        )))
        .bind(email.to_lowercase())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(|row| user_from_row(row, self.secrets.as_deref()))
        .transpose()
    }

    /// All users of a tenant, by last then first name.
    pub async fn list_users(&self, tenant: TenantId) -> Result<Vec<User>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY last_name, first_name, id"
        )))
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| user_from_row(row, self.secrets.as_deref()))
        .collect()
    }

    /// Every user's display name ("First Last") and e-mail address, by id, for reports.
    pub async fn user_names(
        &self,
        tenant: TenantId,
    ) -> Result<std::collections::HashMap<UserId, (String, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT id, first_name, last_name, email FROM users WHERE tenant_id = $1")
                .bind(tenant.to_string())
                .fetch_all(self.pool())
                .await?;
        let mut names = std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            let first: String = row.try_get("first_name")?;
            let last: String = row.try_get("last_name")?;
            names.insert(
                get_id(row, "id")?,
                (format!("{first} {last}"), row.try_get("email")?),
            );
        }
        Ok(names)
    }

    /// Applies a profile change.
    pub async fn update_profile(
        &self,
        user: &User,
        patch: &ProfilePatch,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET first_name = $1, last_name = $2, job_title = $3, company_name = $4, \
             disabled = $5, updated_at = $6 WHERE id = $7 AND tenant_id = $8",
        )
        .bind(patch.first_name.as_deref().unwrap_or(&user.first_name))
        .bind(patch.last_name.as_deref().unwrap_or(&user.last_name))
        .bind(
            patch
                .job_title
                .clone()
                .unwrap_or_else(|| user.job_title.clone()),
        )
        .bind(
            patch
                .company_name
                .clone()
                .unwrap_or_else(|| user.company_name.clone()),
        )
        .bind(flag(patch.disabled.unwrap_or(user.disabled)))
        .bind(now)
        .bind(user.id.to_string())
        .bind(user.tenant_id.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Sets a new password hash.
    pub async fn set_password_hash(
        &self,
        user: UserId,
        hash: &str,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a TOTP secret (sealed with the secrets key) and whether it is
    /// in force; `None` removes the second factor.
    pub async fn set_totp(
        &self,
        user: UserId,
        secret: Option<&str>,
        enabled: bool,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        let sealed = match secret {
            Some(plain) => Some(
                self.secrets
                    .as_deref()
                    .ok_or(StoreError::NoSecretsKey)?
                    .seal(&user.to_string(), plain)
                    .map_err(|e| StoreError::Seal(e.to_string()))?,
            ),
            None => None,
        };
        sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = NULL, updated_at = $3 WHERE id = $4",
        )
        .bind(sealed)
        .bind(flag(enabled))
        .bind(now)
        .bind(user.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every stored TOTP secret as it is in the database (sealed or, from
    /// earlier versions, plain), by user.
    pub async fn stored_totp_secrets(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        sqlx::query("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok((get_id(row, "id")?, row.try_get("totp_secret")?)))
            .collect()
    }

    /// Replaces a stored TOTP secret if it is still `old`; returns whether it was.
    pub async fn replace_totp_secret(
        &self,
        user: UserId,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
                .bind(new)
                .bind(user.to_string())
                .bind(old)
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records `step` as the last accepted TOTP step if it is newer than the
    /// stored one. Returns false when the step was already used (a replay).
    pub async fn claim_totp_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user.to_string())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores (or with `None`, removes) a profile picture.
    pub async fn set_picture(
        &self,
        user: UserId,
        picture: Option<(&str, &str)>,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET picture_type = $1, picture_base64 = $2, updated_at = $3 WHERE id = $4")
            .bind(picture.map(|p| p.0))
            .bind(picture.map(|p| p.1))
            .bind(now)
            .bind(user.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The profile picture as (MIME type, base64 bytes).
    pub async fn picture(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT picture_type, picture_base64 FROM users WHERE id = $1 AND tenant_id = $2",
        )
        .bind(user.to_string())
        .bind(tenant.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: Option<String> = row.try_get("picture_type")?;
        let data: Option<String> = row.try_get("picture_base64")?;
        Ok(kind.zip(data))
    }
}
