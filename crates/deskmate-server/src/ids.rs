//! Typed identifiers for the objects Deskmate stores.
//!
//! Every id is a UUID held in its own newtype so a `UserId` can never be passed
//! where a `TenantId` is expected. They travel as strings in JSON and in the
//! database (TEXT columns work the same on SQLite and PostgreSQL).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Raised when a string from a URL or a body is not a valid id.
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not a valid identifier")]
pub struct InvalidId(pub String);

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| InvalidId(s.chars().take(64).collect()))
            }
        }
    };
}

id_type!(
    /// An organisation; every other object belongs to exactly one.
    TenantId
);
id_type!(
    /// A person who signs in: helper, sharer or administrator.
    UserId
);
id_type!(
    /// A static group of users and devices.
    GroupId
);
id_type!(
    /// A role: a named set of permissions.
    RoleId
);
id_type!(
    /// A role assignment: role + member groups + scope.
    AssignmentId
);
id_type!(
    /// A remote-help session, from security code to end.
    RemoteSessionId
);
id_type!(
    /// A device: enrolled (it holds a key pair) or seen unenrolled.
    DeviceId
);
id_type!(
    /// A token that lets machines enrol in an organisation.
    EnrolmentTokenId
);
id_type!(
    /// A signed-in session of a user (web cookie or API token pair).
    AuthSessionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings() {
        let id = UserId::new();
        let parsed: UserId = id.to_string().parse().expect("own output parses");
        assert_eq!(id, parsed);
    }

    #[test]
    fn garbage_is_rejected_with_the_input_named() {
        let err = "not-an-id"
            .parse::<TenantId>()
            .expect_err("garbage must not parse");
        assert!(err.to_string().contains("not-an-id"));
    }
}
