//! The device parts of requests: what a redemption says about the device
//! (with the enrolled device's signature over the code), the enrolment
//! request, and a signed inventory report — built from the identity file and
//! the inventory so that the CLI and tests send exactly the same bytes.

use super::identity::{DeviceIdentity, NewKey};
use deskmate_proto::device::{
    Inventory, enrol_proof_message, redeem_proof_message, report_proof_message,
};
use serde_json::{Value, json};

/// The `device` object of a redemption on `server` of the code whose
/// 8-character rendezvous part is `rendezvous` (normalised).
pub fn redeem_claim(
    identity: &DeviceIdentity,
    server: &str,
    inventory: &Inventory,
    rendezvous: &str,
) -> Value {
    let mut device = json!({
        "name": inventory.hostname,
        "os": inventory.os_name,
        "os_family": inventory.os_family,
        "install_id": identity.install_id,
    });
    if let Some(enrolment) = identity.enrolment_for(server)
        && let Some(signature) =
            identity.sign(&redeem_proof_message(&enrolment.device_id, rendezvous))
    {
        device["enrolled"] = json!({"device_id": enrolment.device_id, "signature": signature});
    }
    device
}

/// The SHA-256 (lower-case hex) of an enrolment token, as the server stores it.
pub fn token_hash(token: &str) -> String {
    data_encoding::HEXLOWER
        .encode(ring::digest::digest(&ring::digest::SHA256, token.trim().as_bytes()).as_ref())
}

/// The body of an enrolment request with a freshly made key.
pub fn enrol_request(
    identity: &DeviceIdentity,
    key: &NewKey,
    token: &str,
    inventory: &Inventory,
) -> Value {
    let signature = key.sign(&enrol_proof_message(&token_hash(token), &key.public_key));
    json!({
        "token": token.trim(),
        "install_id": identity.install_id,
        "public_key": key.public_key,
        "signature": signature,
        "inventory": inventory,
    })
}

/// A signed inventory report made at `at_ms`; `None` when not enrolled.
pub fn inventory_report(
    identity: &DeviceIdentity,
    inventory: &Inventory,
    at_ms: i64,
) -> Option<(String, Value)> {
    let enrolment = identity.enrolment.as_ref()?;
    let body = serde_json::to_string(inventory).ok()?;
    let signature = identity.sign(&report_proof_message(&enrolment.device_id, at_ms, &body))?;
    Some((
        enrolment.device_id.clone(),
        json!({"at": at_ms, "inventory": inventory, "signature": signature}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::identity::Enrolment;

    #[test]
    fn an_unenrolled_claim_names_the_installation_only() {
        let identity = DeviceIdentity::fresh().expect("identity");
        let inventory = Inventory {
            hostname: "desk-7".into(),
            os_name: "Debian".into(),
            os_family: "linux".into(),
            ..Inventory::default()
        };
        let claim = redeem_claim(&identity, "https://h", &inventory, "ABCDEFGH");
        assert_eq!(claim["install_id"], identity.install_id.as_str());
        assert_eq!(claim["name"], "desk-7");
        assert!(claim.get("enrolled").is_none());
        assert!(inventory_report(&identity, &inventory, 1).is_none());
    }

    #[test]
    fn an_enrolled_claim_signs_for_its_own_server_only() {
        let key = NewKey::generate().expect("key");
        let mut identity = DeviceIdentity::fresh().expect("identity");
        identity.enrolment = Some(Enrolment {
            server: "https://help.example.org".into(),
            device_id: "dev-1".into(),
            tenant_id: "t".into(),
            key_pkcs8: key.pkcs8.clone(),
        });
        let inventory = Inventory::default();
        let claim = redeem_claim(
            &identity,
            "https://help.example.org/",
            &inventory,
            "ABCDEFGH",
        );
        assert_eq!(claim["enrolled"]["device_id"], "dev-1");
        assert_eq!(
            claim["enrolled"]["signature"],
            key.sign(&redeem_proof_message("dev-1", "ABCDEFGH"))
                .as_str()
        );
        let elsewhere = redeem_claim(
            &identity,
            "https://other.example.org",
            &inventory,
            "ABCDEFGH",
        );
        assert!(elsewhere.get("enrolled").is_none());
    }
}
