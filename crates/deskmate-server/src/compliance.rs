//! Whether a device meets its organisation's compliance policy (SPEC §4),
//! and in plain words why not.
//!
//! Evaluation is split in two: what the inventory says, which changes only
//! when the device reports or the policy changes (stored with the device so
//! lists can filter on it), and how old the report is, which changes with
//! time alone (checked whenever a device is shown).

use crate::clock::UnixMillis;
use crate::store::{CompliancePolicy, Device};
use deskmate_proto::device::Inventory;

/// The reason shown for every unenrolled device.
pub const UNENROLLED: &str = "the device is not enrolled, so its compliance is unknown";

/// One day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Checks an inventory against the policy's inventory rules. Returns the
/// reasons it fails; empty means compliant.
pub fn inventory_reasons(inventory: &Inventory, policy: &CompliancePolicy) -> Vec<String> {
    let mut reasons = Vec::new();
    let mut check = |required: bool, value: Option<bool>, failed: &str, unknown: &str| {
        if required {
            match value {
                Some(true) => {}
                Some(false) => reasons.push(failed.to_string()),
                None => reasons.push(unknown.to_string()),
            }
        }
    };
    check(
        policy.require_disk_encryption,
        inventory.disk_encryption,
        "the system disk is not encrypted",
        "whether the system disk is encrypted could not be determined",
    );
    check(
        policy.require_firewall,
        inventory.firewall,
        "no firewall is active",
        "whether a firewall is active could not be determined",
    );
    check(
        policy.require_screen_lock,
        inventory.screen_lock,
        "the screen does not lock itself when idle",
        "whether the screen locks itself when idle could not be determined",
    );
    if let Some(max) = policy.max_pending_security_updates {
        match inventory.pending_security_updates {
            Some(n) if i64::from(n) > max => reasons.push(format!(
                "{n} security update{} waiting to be installed (the policy allows {max})",
                if n == 1 { " is" } else { "s are" }
            )),
            Some(_) => {}
            None => reasons.push("pending security updates could not be determined".into()),
        }
    }
    reasons
}

/// The reason a report is too old, if it is.
pub fn age_reason(
    inventory_at: Option<UnixMillis>,
    policy: &CompliancePolicy,
    now: UnixMillis,
) -> Option<String> {
    match inventory_at {
        None => Some("the device has not reported its inventory".into()),
        Some(at) if now - at > policy.max_report_age_days * DAY_MS => {
            let days = (now - at) / DAY_MS;
            Some(format!(
                "the device last reported {days} days ago (the policy allows {})",
                policy.max_report_age_days
            ))
        }
        Some(_) => None,
    }
}

/// The full verdict for a device as stored: enrolment, stored inventory
/// reasons and report age.
pub fn verdict(
    enrolled: bool,
    stored_reasons: &[String],
    inventory_at: Option<UnixMillis>,
    policy: &CompliancePolicy,
    now: UnixMillis,
) -> Vec<String> {
    if !enrolled {
        return vec![UNENROLLED.to_string()];
    }
    let mut reasons = Vec::new();
    reasons.extend(age_reason(inventory_at, policy, now));
    if inventory_at.is_some() {
        reasons.extend(stored_reasons.iter().cloned());
    }
    reasons
}

/// The verdict for a stored device now.
pub fn of_device(device: &Device, policy: &CompliancePolicy, now: UnixMillis) -> Vec<String> {
    verdict(
        device.enrolled,
        &device.inventory_reasons,
        device.inventory_at,
        policy,
        now,
    )
}

/// The oldest report time that still counts as recent.
pub fn fresh_since(policy: &CompliancePolicy, now: UnixMillis) -> UnixMillis {
    now - policy.max_report_age_days * DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthy() -> Inventory {
        Inventory {
            hostname: "desk-01".into(),
            os_family: "linux".into(),
            os_name: "Debian GNU/Linux 12".into(),
            agent_version: "0.1.0".into(),
            disk_encryption: Some(true),
            firewall: Some(true),
            screen_lock: Some(true),
            pending_security_updates: Some(0),
            ..Inventory::default()
        }
    }

    #[test]
    fn a_healthy_device_meets_the_default_policy() {
        let policy = CompliancePolicy::default();
        assert!(inventory_reasons(&healthy(), &policy).is_empty());
        assert!(verdict(true, &[], Some(1_000), &policy, 2_000).is_empty());
    }

    #[test]
    fn each_failed_or_unknown_rule_is_named() {
        let policy = CompliancePolicy {
            max_pending_security_updates: Some(2),
            ..CompliancePolicy::default()
        };
        let inventory = Inventory {
            disk_encryption: Some(false),
            firewall: None,
            screen_lock: Some(true),
            pending_security_updates: Some(5),
            ..healthy()
        };
        let reasons = inventory_reasons(&inventory, &policy);
        assert_eq!(
            reasons,
            vec![
                "the system disk is not encrypted".to_string(),
                "whether a firewall is active could not be determined".to_string(),
                "5 security updates are waiting to be installed (the policy allows 2)".to_string(),
            ]
        );
        let relaxed = CompliancePolicy {
            require_disk_encryption: false,
            require_firewall: false,
            max_pending_security_updates: None,
            ..CompliancePolicy::default()
        };
        assert!(inventory_reasons(&inventory, &relaxed).is_empty());
    }

    #[test]
    fn unenrolled_devices_are_never_compliant() {
        let policy = CompliancePolicy::default();
        assert_eq!(verdict(false, &[], Some(0), &policy, 0), vec![UNENROLLED]);
    }

    #[test]
    fn old_or_missing_reports_fail() {
        let policy = CompliancePolicy::default();
        let now = 100 * DAY_MS;
        assert_eq!(
            verdict(true, &[], None, &policy, now),
            vec!["the device has not reported its inventory"]
        );
        assert_eq!(
            verdict(true, &[], Some(now - 9 * DAY_MS), &policy, now),
            vec!["the device last reported 9 days ago (the policy allows 7)"]
        );
        assert!(verdict(true, &[], Some(now - 7 * DAY_MS), &policy, now).is_empty());
        assert_eq!(fresh_since(&policy, now), now - 7 * DAY_MS);
    }
}
