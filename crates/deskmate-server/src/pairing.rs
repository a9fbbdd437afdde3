//! Security codes and why a redemption can be refused (SPEC §7 steps 1–3).

use crate::auth::tokens::{RandomError, random_bytes};
use deskmate_proto::code::{LENGTH, SecurityCode};
use serde::Serialize;

/// Unredeemed codes one helper may hold at once.
pub const MAX_OPEN_CODES_PER_HELPER: i64 = 20;

/// Draws a uniformly random code from the system generator.
pub fn new_code() -> Result<SecurityCode, RandomError> {
    let mut bytes = [0u8; LENGTH];
    let mut filled = 0;
    while filled < LENGTH {
        for b in random_bytes::<16>()? {
            if filled < LENGTH && b < 248 {
                bytes[filled] = b;
                filled += 1;
            }
        }
    }
    SecurityCode::from_random(bytes).ok_or(RandomError)
}

/// The stored form of a code: SHA-256 of its normalised text. Lookups by
/// this hash compare no secret byte by byte.
pub fn code_hash(code: &SecurityCode) -> String {
    crate::auth::tokens::hash_token(&format!("deskmate-code:{}", code.normalized()))
}

/// Why a code was not accepted; each is told to both sides in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The organisation has remote help turned off.
    RemoteHelpDisabled,
    /// No such code (or one of another organisation).
    UnknownCode,
    /// The code's lifetime is over.
    CodeExpired,
    /// The code was already redeemed.
    CodeUsed,
    /// A helper tried their own code.
    OwnCode,
    /// The helper's role assignments do not cover this person.
    NotInScope,
    /// Only enrolled devices may be helped, and this one is not.
    UnenrolledDevice,
    /// The code was issued for another device.
    WrongDevice,
    /// The device claimed to be enrolled and failed to prove it.
    DeviceNotVerified,
    /// The client would run without end-to-end encryption, which the organisation does not allow.
    Unencrypted,
}

impl Refusal {
    /// Stable name (stored, audited, part of the problem type).
    pub fn slug(self) -> &'static str {
        match self {
            Refusal::RemoteHelpDisabled => "remote-help-disabled",
            Refusal::UnknownCode => "unknown-code",
            Refusal::CodeExpired => "code-expired",
            Refusal::CodeUsed => "code-used",
            Refusal::OwnCode => "own-code",
            Refusal::NotInScope => "not-in-scope",
            Refusal::UnenrolledDevice => "unenrolled-device",
            Refusal::WrongDevice => "wrong-device",
            Refusal::DeviceNotVerified => "device-not-verified",
            Refusal::Unencrypted => "unencrypted",
        }
    }

    /// HTTP status for the sharer's request.
    pub fn status(self) -> u16 {
        match self {
            Refusal::UnknownCode => 404,
            Refusal::CodeExpired | Refusal::CodeUsed => 410,
            _ => 403,
        }
    }

    /// The reason in plain words, for the person who entered the code.
    pub fn message(self, helper_name: &str) -> String {
        match self {
            Refusal::RemoteHelpDisabled => {
                "remote help is not enabled for your organisation; an administrator can turn it on".into()
            }
            Refusal::UnknownCode => "this security code is not valid; check it with the person helping you".into(),
            Refusal::CodeExpired => "this security code has expired; ask for a new one".into(),
            Refusal::CodeUsed => "this security code was already used; ask for a new one".into(),
            Refusal::OwnCode => "this is your own code: give it to the person you are helping".into(),
            Refusal::NotInScope => format!(
                "{helper_name} is not allowed to help you: you are outside the people their role lets them help"
            ),
            Refusal::UnenrolledDevice => {
                "your organisation allows help only on enrolled devices, and this device is not enrolled".into()
            }
            Refusal::WrongDevice => format!(
                "{helper_name} made this code for another device; enter it on the device they chose, or ask for a new code"
            ),
            Refusal::DeviceNotVerified => {
                "this device says it is enrolled but could not prove it; ask your IT department to enrol it again".into()
            }
            Refusal::Unencrypted => {
                "your organisation does not allow sessions without end-to-end encryption: enter the whole 12-character code the person helping you sees, like K7MQ-2XPA-H4RT".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed_and_differ() {
        let a = new_code().expect("random");
        let b = new_code().expect("random");
        assert_ne!(a, b);
        assert_eq!(SecurityCode::parse(&a.to_string()).expect("parses"), a);
        assert_eq!(
            code_hash(&a),
            code_hash(&SecurityCode::parse(&a.normalized().to_lowercase()).expect("parses"))
        );
        assert_ne!(code_hash(&a), code_hash(&b));
    }

    #[test]
    fn every_refusal_names_itself() {
        for r in [
            Refusal::RemoteHelpDisabled,
            Refusal::UnknownCode,
            Refusal::CodeExpired,
            Refusal::CodeUsed,
            Refusal::OwnCode,
            Refusal::NotInScope,
            Refusal::UnenrolledDevice,
            Refusal::WrongDevice,
            Refusal::DeviceNotVerified,
        ] {
            assert!(!r.message("Ana Admin").is_empty());
            assert_eq!(
                serde_json::to_value(r)
                    .expect("json")
                    .as_str()
                    .map(|s| s.replace('_', "-")),
                Some(r.slug().to_string())
            );
        }
        assert!(
            Refusal::NotInScope
                .message("Ana Admin")
                .contains("Ana Admin")
        );
    }
}
