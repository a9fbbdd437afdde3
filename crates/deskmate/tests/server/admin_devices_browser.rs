//! Devices in the admin centre, in headless Chromium against the real server
//! and the real `deskmate device enrol` (SPEC §4, §7.1): an administrator
//! makes an enrolment token, a machine enrols with it, the device list and
//! page show its compliance, the device joins a group, the compliance policy
//! changes its verdict, "New remote help session" opens the console with a
//! code only that device can use, a native client's browser sign-in is
//! approved, the device is removed; the auditor reads but cannot change.
//! Pages are scanned with axe-core and photographed.

use crate::admin_api::auditor;
use crate::admin_browser::{
    accessible, confirm, count, fetch_write, field_error, get, open, press, seen, shown,
    sign_in_admin, type_into, until,
};
use crate::chrome::{Chrome, eval, screenshot};
use crate::common::*;
use crate::devices::{healthy_inventory, redeem_on};
use crate::pairing::org;
use crate::rbac::{assign, builtin_role, create_group, group_id};
use deskmate_agent::device::identity::DeviceIdentity;
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;

/// Runs the real `deskmate device enrol` with its identity file at `file`.
fn enrol_with_cli(o: &crate::pairing::Org, token: &str, file: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args([
            "device",
            "enrol",
            "--server",
            &o.fx.server.base,
            "--token",
            token,
        ])
        .arg("--ca-cert")
        .arg(o.fx.server.data_dir.join("tls/cert.pem"))
        .env("DESKMATE_DEVICE_FILE", file)
        .output()
        .expect("run deskmate device enrol");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "enrolment failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn admin_enrols_a_device_and_helps_on_it(backend: Backend) {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(o) = org(backend).await else { return };
    let base = &o.fx.server.base;
    let kiosks = create_group(&o.admin, "Kiosks").await;
    let admins = group_id(&o.admin, "Administrators").await;
    let operator = builtin_role(&o.admin, "Help Desk Operator").await;
    assign(
        &o.admin,
        json!({"name": "Admins help on every device", "role_id": operator,
                    "member_groups": [admins], "all_devices": true}),
    )
    .await;

    let ana = chrome.browser(false).await;
    sign_in_admin(&ana, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    shown(&ana, ".settings-page h1").await;
    open(&ana, base, "#/devices", "devices-page").await;
    seen(&ana, ".devices-page", "the empty list", |t| {
        t.contains("No devices yet")
    })
    .await;

    // Enrolment: a bad value is named next to its field; then the token is shown once.
    open(&ana, base, "#/enrolment", "enrolment-page").await;
    type_into(&ana, "#admin-view [name=description]", "Front desk").await;
    type_into(&ana, "#admin-view [name=max_uses]", "0").await;
    press(&ana, ".token-create").await;
    assert!(field_error(&ana, "max_uses").await.contains("between 1"));
    type_into(&ana, "#admin-view [name=max_uses]", "2").await;
    press(&ana, ".token-create").await;
    let command = seen(&ana, ".token-command", "the enrolment command", |t| {
        t.contains("--token dme_")
    })
    .await;
    assert!(command.starts_with(&format!("deskmate device enrol --server {base}")));
    let token = command
        .split("--token ")
        .nth(1)
        .expect("token")
        .trim()
        .to_string();
    accessible(&ana, "the enrolment page").await;
    screenshot(&ana, "admin-enrolment").await;

    // The real agent enrols this machine with it.
    let dir = TempDir::new();
    let file = dir.0.join("device.json");
    let said = enrol_with_cli(&o, &token, &file);
    assert!(said.contains("Enrolled as"), "{said}");
    let identity = DeviceIdentity::load(&file)
        .expect("identity")
        .expect("saved");
    let device_id = identity
        .enrolment
        .as_ref()
        .expect("enrolled")
        .device_id
        .clone();
    let detail = get(&o.admin, &format!("/api/v1/devices/{device_id}")).await;
    let hostname = detail["name"].as_str().expect("name").to_string();
    open(&ana, base, "#/devices", "devices-page").await;
    open(&ana, base, "#/enrolment", "enrolment-page").await;
    seen(&ana, ".tokens-table tbody .col-uses", "one use", |t| {
        t.contains("1 / 2")
    })
    .await;

    // Someone is helped on an unenrolled laptop too; both are listed, and filter.
    let laptop = DeviceIdentity::fresh().expect("identity");
    let (code, _) = crate::pairing::issue(&o.hana).await;
    expect_json(
        redeem_on(&o.sam, &laptop, &healthy_inventory("sam-laptop"), &code).await,
        StatusCode::OK,
    )
    .await;
    open(&ana, base, "#/devices", "devices-page").await;
    until(
        &ana,
        "return document.querySelectorAll('.devices-table tbody tr').length === 2",
        "two devices listed",
    )
    .await;
    ana.execute(
        "const s = document.querySelector('#admin-view [name=enrolled]'); s.value = 'false'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .expect("filter");
    until(
        &ana,
        "return document.querySelectorAll('.devices-table tbody tr').length === 1 && location.hash.includes('enrolled=false')",
        "only the unenrolled laptop",
    )
    .await;
    seen(&ana, ".devices-table tbody", "the laptop", |t| {
        t.contains("sam-laptop") && t.contains("Not enrolled")
    })
    .await;
    accessible(&ana, "the device list").await;
    screenshot(&ana, "admin-devices").await;

    // The device page shows what the API says about compliance, word for word.
    open(&ana, base, &format!("#/devices/{device_id}"), "device-page").await;
    let reasons: Vec<String> = detail["compliance_reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    let shown_reasons = eval(
        &ana,
        "return [...document.querySelectorAll('.device-compliance .reasons li')].map(li => li.textContent)",
    )
    .await;
    assert_eq!(shown_reasons, json!(reasons));
    seen(&ana, ".device-page h1", "the host name", |t| t == hostname).await;
    seen(&ana, ".inventory-facts", "the inventory", |t| {
        t.contains("Disk encrypted") && t.contains("Security updates waiting")
    })
    .await;

    // It joins the Kiosks group.
    press(&ana, &format!(".device-groups input[value='{kiosks}']")).await;
    press(&ana, ".groups-save").await;
    seen(&ana, ".groups-status", "saved", |t| t.contains("Saved")).await;
    let group = get(&o.admin, &format!("/api/v1/groups/{kiosks}")).await;
    assert_eq!(group["devices"], json!([device_id]));
    accessible(&ana, "the device page").await;
    screenshot(&ana, "admin-device-page").await;

    // A policy with no checks makes it compliant at once.
    open(&ana, base, "#/compliance", "compliance-page").await;
    for name in [
        "require_disk_encryption",
        "require_firewall",
        "require_screen_lock",
    ] {
        let on = eval(
            &ana,
            &format!("return document.querySelector('#admin-view [name={name}]').checked"),
        )
        .await;
        if on == json!(true) {
            press(&ana, &format!("#admin-view [name={name}]")).await;
        }
    }
    type_into(&ana, "#admin-view [name=max_pending_security_updates]", "").await;
    press(&ana, ".policy-save").await;
    seen(&ana, ".compliance-page .save-status", "saved", |t| {
        t.contains("checked against the new policy")
    })
    .await;
    accessible(&ana, "the compliance policy").await;
    screenshot(&ana, "admin-compliance").await;
    open(&ana, base, &format!("#/devices/{device_id}"), "device-page").await;
    shown(&ana, ".compliance-ok").await;
    assert_eq!(count(&ana, ".device-compliance .reasons li").await, 0);

    // New remote help session: the console, with a code only this device can use.
    let href = eval(
        &ana,
        "return document.querySelector('.new-session').getAttribute('href')",
    )
    .await;
    assert_eq!(href, json!(format!("/?device={device_id}")));
    let deep = eval(
        &ana,
        "return document.querySelector('.open-app').getAttribute('href')",
    )
    .await;
    assert_eq!(
        deep,
        json!(format!("deskmate://session/new?device={device_id}"))
    );
    ana.goto(&format!("{base}/?device={device_id}"))
        .await
        .expect("console");
    seen(&ana, "#console-note", "the device note", |t| {
        t.contains(&format!("This code is for {hostname}"))
    })
    .await;
    until(
        &ana,
        "return !location.search.includes('device=')",
        "the address cleaned",
    )
    .await;
    let code = seen(&ana, ".code-value", "the code", |t| t.len() >= 9).await;
    let sessions = get(&o.admin, "/api/v1/remote-help/sessions?state=waiting").await;
    let waiting = sessions
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["target_device"]["id"] == device_id.as_str())
        .expect("a code for the device");
    assert_eq!(waiting["target_device"]["name"], hostname.as_str());
    // The enrolled device redeems it with its key; the console shows it enrolled and compliant.
    let rendezvous: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect();
    let paired = expect_json(
        redeem_on(
            &o.sam,
            &identity,
            &healthy_inventory(&hostname),
            &rendezvous,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paired["device"]["enrolled"], true);
    assert_eq!(paired["device"]["compliant"], true);
    seen(&ana, ".device-card", "the device card", |t| {
        t.contains(&hostname)
    })
    .await;
    assert_eq!(count(&ana, ".compliance-warning").await, 0);

    // A native client's browser sign-in is approved in the console.
    let anonymous = o.fx.server.client();
    let started = expect_json(
        anonymous
            .post(
                "/api/v1/auth/device-authorization",
                &json!({"client_name": "deskmate share on kiosk-9"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let user_code = started["user_code"].as_str().expect("user code");
    ana.goto(
        started["verification_uri_complete"]
            .as_str()
            .expect("address"),
    )
    .await
    .expect("activate");
    seen(&ana, ".confirm-dialog", "the sign-in request", |t| {
        t.contains("deskmate share on kiosk-9") && t.contains(user_code)
    })
    .await;
    accessible(&ana, "the sign-in approval").await;
    screenshot(&ana, "console-approve-sign-in").await;
    press(&ana, ".confirm-dialog .dialog-confirm").await;
    seen(&ana, "#console-note", "the approval", |t| {
        t.contains("deskmate share on kiosk-9 is signed in")
    })
    .await;
    let tokens = expect_json(
        anonymous
            .post(
                "/api/v1/auth/device-token",
                &json!({"device_code": started["device_code"]}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tokens["me"]["user"]["email"], ADMIN_EMAIL);

    // The auditor reads the device but cannot change it, in the page or the API.
    auditor(&o).await;
    let rita = chrome.browser(true).await;
    sign_in_admin(&rita, base, "rita@example.org", "rita's long password").await;
    shown(&rita, ".settings-page h1").await;
    open(
        &rita,
        base,
        &format!("#/devices/{device_id}"),
        "device-page",
    )
    .await;
    shown(&rita, ".read-only-note").await;
    assert_eq!(count(&rita, ".remove-device, .groups-save").await, 0);
    assert_eq!(
        fetch_write(
            &rita,
            "DELETE",
            &format!("/api/v1/devices/{device_id}"),
            &json!({})
        )
        .await,
        403
    );
    open(&rita, base, "#/enrolment", "enrolment-page").await;
    assert_eq!(count(&rita, ".token-create, .token-revoke").await, 0);
    accessible(&rita, "the auditor's device page").await;
    let _ = rita.close().await;

    // Removing the device takes it out of the list.
    open(&ana, base, &format!("#/devices/{device_id}"), "device-page").await;
    press(&ana, ".remove-device").await;
    confirm(&ana).await;
    shown(&ana, ".devices-page h1").await;
    seen(&ana, ".devices-page .flash", "the removal", |t| {
        t.contains("was removed")
    })
    .await;
    let left = get(&o.admin, "/api/v1/devices").await;
    assert_eq!(left["total"], 1);
    assert_eq!(left["items"][0]["name"], "sam-laptop");
    let _ = ana.close().await;
}

crate::both_backends!(admin_enrols_a_device_and_helps_on_it);
