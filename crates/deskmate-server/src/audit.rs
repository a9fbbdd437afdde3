//! What the audit log records (SPEC §11): every admin change and every
//! session event, sign-ins and credential changes, as a closed set of actions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! actions {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// An audited action.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum AuditAction {
            $(
                #[doc = $name]
                $variant,
            )*
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),*];

            /// The stable name stored and shown.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    SettingsChanged => "settings_changed",
    TenantChanged => "tenant_changed",
    UserCreated => "user_created",
    UserChanged => "user_changed",
    UserPasswordReset => "user_password_reset",
    UserTotpReset => "user_totp_reset",
    UserSessionsRevoked => "user_sessions_revoked",
    GroupCreated => "group_created",
    GroupChanged => "group_changed",
    GroupDeleted => "group_deleted",
    GroupMemberAdded => "group_member_added",
    GroupMemberRemoved => "group_member_removed",
    RoleCreated => "role_created",
    RoleChanged => "role_changed",
    RoleDeleted => "role_deleted",
    AssignmentCreated => "assignment_created",
    AssignmentChanged => "assignment_changed",
    AssignmentDeleted => "assignment_deleted",
    AdministratorCreated => "administrator_created",
    DeviceEnrolled => "device_enrolled",
    DeviceRemoved => "device_removed",
    GroupDeviceAdded => "group_device_added",
    GroupDeviceRemoved => "group_device_removed",
    EnrolmentTokenCreated => "enrolment_token_created",
    EnrolmentTokenRevoked => "enrolment_token_revoked",
    CompliancePolicyChanged => "compliance_policy_changed",
    CodeIssued => "code_issued",
    CodeRedeemed => "code_redeemed",
    CodeRefused => "code_refused",
    ModeRequested => "mode_requested",
    ConsentGiven => "consent_given",
    ConsentDeclined => "consent_declined",
    SessionEnded => "session_ended",
    RetentionPurged => "retention_purged",
    SignedIn => "signed_in",
    SignInWrongPassword => "sign_in_wrong_password",
    SignInWrongTotp => "sign_in_wrong_totp",
    SignedOut => "signed_out",
    RefreshTokenReused => "refresh_token_reused",
    PasswordChanged => "password_changed",
    TotpEnrolled => "totp_enrolled",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Raised for an action name this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown audit action '{0}'")]
pub struct UnknownAction(pub String);

impl FromStr for AuditAction {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for action in AuditAction::ALL {
            assert_eq!(
                action.as_str().parse::<AuditAction>().expect("known"),
                *action
            );
            assert_eq!(
                serde_json::to_value(action).expect("json"),
                serde_json::json!(action.as_str())
            );
        }
        assert!("deleted_everything".parse::<AuditAction>().is_err());
    }
}
