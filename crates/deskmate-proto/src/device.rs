//! What a device says about itself, and the exact bytes an enrolled device
//! signs to prove who it is.
//!
//! The agent builds these and the server checks them, so both use the one
//! definition here. An enrolled device holds an Ed25519 key pair; the server
//! keeps the public half. Every signed message starts with its own domain
//! string, so a signature made for one purpose is never valid for another.

use serde::{Deserialize, Serialize};

/// Longest text field in an inventory, in characters.
pub const MAX_INVENTORY_TEXT: usize = 128;

/// Text a device or client sent, fit to store and show: trimmed, without
/// control characters, at most `max_chars` characters.
pub fn clean_text(text: &str, max_chars: usize) -> String {
    text.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect()
}

/// The facts a device reports about itself (SPEC §4). `None` means the agent
/// could not find out, which a compliance policy treats as "not met".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Host name.
    pub hostname: String,
    /// Operating system family: `linux`, `windows` or `macos`.
    pub os_family: String,
    /// Operating system name as the system shows it (e.g. "Debian GNU/Linux 12 (bookworm)").
    pub os_name: String,
    /// Operating system version (e.g. "12").
    #[serde(default)]
    pub os_version: Option<String>,
    /// Kernel release.
    #[serde(default)]
    pub kernel: Option<String>,
    /// Version of the Deskmate agent.
    pub agent_version: String,
    /// Whether the disk holding the system is encrypted.
    #[serde(default)]
    pub disk_encryption: Option<bool>,
    /// Whether a firewall is active.
    #[serde(default)]
    pub firewall: Option<bool>,
    /// Whether the screen locks itself when idle.
    #[serde(default)]
    pub screen_lock: Option<bool>,
    /// How many security updates wait to be installed.
    #[serde(default)]
    pub pending_security_updates: Option<u32>,
}

impl Inventory {
    /// The inventory with every text field trimmed, stripped of control
    /// characters and cut to [`MAX_INVENTORY_TEXT`].
    pub fn cleaned(&self) -> Self {
        let clean = |s: &str| clean_text(s, MAX_INVENTORY_TEXT);
        let clean_opt = |s: &Option<String>| s.as_deref().map(clean).filter(|s| !s.is_empty());
        Self {
            hostname: clean(&self.hostname),
            os_family: clean(&self.os_family).to_ascii_lowercase(),
            os_name: clean(&self.os_name),
            os_version: clean_opt(&self.os_version),
            kernel: clean_opt(&self.kernel),
            agent_version: clean(&self.agent_version),
            disk_encryption: self.disk_encryption,
            firewall: self.firewall,
            screen_lock: self.screen_lock,
            pending_security_updates: self.pending_security_updates,
        }
    }
}

/// The bytes an enrolled device signs when it redeems a code: they name the
/// device and the code, so the signature cannot be replayed for another
/// code (codes are single use) or by another device.
pub fn redeem_proof_message(device_id: &str, rendezvous_code: &str) -> Vec<u8> {
    format!("deskmate device redeem v1\n{device_id}\n{rendezvous_code}").into_bytes()
}

/// The bytes an enrolled device signs when it reports its inventory: the
/// device, the time of the report (Unix milliseconds; the server refuses old
/// or repeated times) and the exact JSON body of the inventory.
pub fn report_proof_message(device_id: &str, at_ms: i64, inventory_json: &str) -> Vec<u8> {
    format!("deskmate device report v1\n{device_id}\n{at_ms}\n{inventory_json}").into_bytes()
}

/// The bytes a new device signs when it enrols, proving it holds the private
/// half of the key it registers. Bound to the enrolment token's hash so the
/// signature is useless with any other token.
pub fn enrol_proof_message(token_hash: &str, public_key: &str) -> Vec<u8> {
    format!("deskmate device enrol v1\n{token_hash}\n{public_key}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_strips_control_characters_and_bounds_length() {
        let dirty = Inventory {
            hostname: "  desk\u{1b}[31m-01\n ".into(),
            os_family: "Linux".into(),
            os_name: "x".repeat(500),
            os_version: Some("   ".into()),
            ..Inventory::default()
        };
        let clean = dirty.cleaned();
        assert_eq!(clean.hostname, "desk[31m-01");
        assert_eq!(clean.os_family, "linux");
        assert_eq!(clean.os_name.chars().count(), MAX_INVENTORY_TEXT);
        assert_eq!(clean.os_version, None);
    }

    #[test]
    fn signed_messages_differ_by_purpose() {
        let a = redeem_proof_message("d", "ABCD");
        let b = report_proof_message("d", 0, "ABCD");
        let c = enrol_proof_message("d", "ABCD");
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_ne!(a, c);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<Inventory>(
            r#"{"hostname":"h","os_family":"linux","os_name":"L","agent_version":"1","root_password":"x"}"#,
        );
        assert!(err.is_err());
    }
}
