//! The JSON shapes the API returns.

use crate::clock::to_rfc3339;
use crate::ids::{DeviceId, GroupId, RoleId, TenantId, UserId};
use crate::permissions::Permission;
use crate::store::{Group, Role, Tenant, TenantSettings, User};
use serde::Serialize;
use utoipa::ToSchema;

/// A user as administrators and the user themself see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: UserId,
    /// Organisation.
    pub tenant_id: TenantId,
    /// E-mail address (sign-in name).
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Where to fetch the profile picture, if there is one.
    pub picture_url: Option<String>,
    /// The e-mail domain, when the organisation has verified it.
    pub verified_domain: Option<String>,
    /// Whether a TOTP second factor is in force.
    pub totp_enabled: bool,
    /// Whether a password is set.
    pub has_password: bool,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

/// The domain part of an e-mail address, lower-cased.
pub fn email_domain(email: &str) -> Option<String> {
    email.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
}

impl UserView {
    /// Builds the view; `tenant` supplies the verified domain.
    pub fn new(user: &User, tenant: Option<&Tenant>) -> Self {
        let verified_domain = tenant
            .and_then(|t| t.verified_domain.as_deref())
            .map(str::to_ascii_lowercase)
            .filter(|d| email_domain(&user.email).as_deref() == Some(d.as_str()));
        Self {
            id: user.id,
            tenant_id: user.tenant_id,
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            job_title: user.job_title.clone(),
            company_name: user.company_name.clone(),
            picture_url: user
                .picture_type
                .as_ref()
                .map(|_| format!("/api/v1/users/{}/picture", user.id)),
            verified_domain,
            totp_enabled: user.totp_enabled,
            has_password: user.password_hash.is_some(),
            disabled: user.disabled,
            created_at: to_rfc3339(user.created_at),
            updated_at: to_rfc3339(user.updated_at),
        }
    }
}

/// The signed-in user, their organisation and what they may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The user.
    pub user: UserView,
    /// Their organisation.
    pub tenant: TenantView,
    /// Everything their roles allow.
    pub permissions: Vec<Permission>,
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    /// Id.
    pub id: TenantId,
    /// Name.
    pub name: String,
    /// Verified e-mail domain.
    pub verified_domain: Option<String>,
}

impl From<&Tenant> for TenantView {
    fn from(t: &Tenant) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            verified_domain: t.verified_domain.clone(),
        }
    }
}

/// Remote-help settings of the organisation (SPEC §2).
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    /// Codes can be issued and redeemed only while this is on.
    pub remote_help_enabled: bool,
    /// Devices that are not enrolled may be helped.
    pub allow_unenrolled_devices: bool,
    /// Chat is off in sessions.
    pub chat_disabled: bool,
    /// Sessions without end-to-end encryption may run (default: refused).
    pub allow_unencrypted_sessions: bool,
    /// Security code lifetime in seconds.
    pub code_lifetime_secs: i64,
    /// Days session data and chat are kept.
    pub retention_days: i64,
    /// Clients below this version must upgrade.
    pub min_client_version: Option<String>,
    /// Clients below this version are invited to upgrade.
    pub recommended_client_version: Option<String>,
    /// Changes on every save; send it back in `If-Match` to avoid overwriting someone else's change.
    pub version: i64,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<&TenantSettings> for SettingsView {
    fn from(s: &TenantSettings) -> Self {
        Self {
            remote_help_enabled: s.remote_help_enabled,
            allow_unenrolled_devices: s.allow_unenrolled_devices,
            chat_disabled: s.chat_disabled,
            allow_unencrypted_sessions: s.allow_unencrypted_sessions,
            code_lifetime_secs: s.code_lifetime_secs,
            retention_days: s.retention_days,
            min_client_version: s.min_client_version.clone(),
            recommended_client_version: s.recommended_client_version.clone(),
            version: s.version,
            updated_at: to_rfc3339(s.updated_at),
        }
    }
}

/// A group and its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// Id.
    pub id: GroupId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Member user ids.
    pub members: Vec<UserId>,
    /// Member device ids.
    pub devices: Vec<DeviceId>,
    /// Created (RFC 3339).
    pub created_at: String,
}

impl GroupView {
    /// Builds the view.
    pub fn new(group: &Group, members: Vec<UserId>, devices: Vec<DeviceId>) -> Self {
        Self {
            id: group.id,
            name: group.name.clone(),
            description: group.description.clone(),
            members,
            devices,
            created_at: to_rfc3339(group.created_at),
        }
    }
}

/// A role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// Id.
    pub id: RoleId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Built-in roles cannot be changed.
    pub built_in: bool,
    /// What it allows.
    pub permissions: Vec<Permission>,
}

impl From<&Role> for RoleView {
    fn from(r: &Role) -> Self {
        Self {
            id: r.id,
            name: r.name.clone(),
            description: r.description.clone(),
            built_in: r.builtin_key.is_some(),
            permissions: r.permissions.iter().copied().collect(),
        }
    }
}
