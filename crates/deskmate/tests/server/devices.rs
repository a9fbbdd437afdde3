//! Devices (SPEC §4, §5, §7): enrolment tokens, enrolment with a key pair,
//! signed inventory reports and compliance, redemption on enrolled and
//! unenrolled devices, device groups in assignment scopes, codes issued for
//! one device, and the admin centre's device list and page.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{Org, issue, org};
use crate::rbac::{assign, builtin_role, create_group, create_member, group_id};
use deskmate_agent::device::claim;
use deskmate_agent::device::identity::{DeviceIdentity, Enrolment, NewKey};
use deskmate_proto::device::Inventory;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

pub fn healthy_inventory(hostname: &str) -> Inventory {
    Inventory {
        hostname: hostname.into(),
        os_family: "linux".into(),
        os_name: "Debian GNU/Linux 13 (trixie)".into(),
        os_version: Some("13".into()),
        kernel: Some("6.12.0".into()),
        agent_version: "0.1.0".into(),
        disk_encryption: Some(true),
        firewall: Some(true),
        screen_lock: Some(true),
        pending_security_updates: Some(0),
    }
}

/// Makes an enrolment token as `admin`; returns its secret and id.
pub async fn enrolment_token(admin: &Api, max_uses: i64) -> (String, String) {
    let created = expect_json(
        admin
            .post(
                "/api/v1/enrolment-tokens",
                &json!({"description": "Test machines", "max_uses": max_uses, "expires_in_days": 1}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    (
        created["secret"].as_str().expect("secret").to_string(),
        created["id"].as_str().expect("id").to_string(),
    )
}

/// An identity enrolled through the API with `token`, as `deskmate device enrol` does.
pub async fn enrol(api: &Api, token: &str, inventory: &Inventory) -> (DeviceIdentity, Value) {
    let mut identity = DeviceIdentity::fresh().expect("identity");
    let key = NewKey::generate().expect("key");
    let reply = expect_json(
        api.post(
            "/api/v1/devices/enrol",
            &claim::enrol_request(&identity, &key, token, inventory),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    identity.enrolment = Some(Enrolment {
        server: api.base.clone(),
        device_id: reply["device_id"].as_str().expect("device id").to_string(),
        tenant_id: reply["tenant_id"].as_str().expect("tenant").to_string(),
        key_pkcs8: key.pkcs8,
    });
    (identity, reply)
}

/// Asks to enrol `identity` with a fresh key and `token`; the answer unread.
async fn enrol_attempt(
    api: &Api,
    identity: &DeviceIdentity,
    token: &str,
    hostname: &str,
) -> reqwest::Response {
    let key = NewKey::generate().expect("key");
    api.post(
        "/api/v1/devices/enrol",
        &claim::enrol_request(identity, &key, token, &healthy_inventory(hostname)),
    )
    .await
}

fn rendezvous(code: &str) -> String {
    code.replace('-', "").to_uppercase()
}

/// Redeems `code` as `sharer` on the device `identity` describes.
pub async fn redeem_on(
    sharer: &Api,
    identity: &DeviceIdentity,
    inventory: &Inventory,
    code: &str,
) -> reqwest::Response {
    let device = claim::redeem_claim(identity, &sharer.base, inventory, &rendezvous(code));
    sharer
        .post(
            "/api/v1/remote-help/redeem",
            &json!({"code": code, "device": device}),
        )
        .await
}

async fn refused(response: reqwest::Response, status: StatusCode, reason: &str) -> Value {
    let problem = expect_json(response, status).await;
    assert_eq!(
        problem["type"],
        format!("urn:deskmate:problem:{reason}"),
        "{problem}"
    );
    problem
}

async fn set_unenrolled(admin: &Api, allowed: bool) {
    expect_json(
        admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"allow_unenrolled_devices": allowed}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
}

async fn enrolment_is_guarded_by_its_token_and_key(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let anonymous = o.fx.server.client();
    let (token, token_id) = enrolment_token(&o.admin, 1).await;
    let listed = expect_json(
        o.admin.get("/api/v1/enrolment-tokens").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed[0]["id"], token_id.as_str());
    assert_eq!(listed[0]["status"], "active");
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown once only"
    );

    // A wrong signature is refused before the token is spent.
    let identity = DeviceIdentity::fresh().expect("identity");
    let key = NewKey::generate().expect("key");
    let other_key = NewKey::generate().expect("key");
    let mut forged = claim::enrol_request(&identity, &key, &token, &healthy_inventory("ws-1"));
    forged["public_key"] = json!(other_key.public_key);
    let problem = expect_json(
        anonymous.post("/api/v1/devices/enrol", &forged).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "signature");
    let mut bad_install = claim::enrol_request(&identity, &key, &token, &healthy_inventory("ws-1"));
    bad_install["install_id"] = json!("x");
    let problem = expect_json(
        anonymous.post("/api/v1/devices/enrol", &bad_install).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "install_id");

    let inventory = Inventory {
        disk_encryption: Some(false),
        firewall: None,
        ..healthy_inventory("ws-1")
    };
    let (enrolled, reply) = enrol(&anonymous, &token, &inventory).await;
    assert_eq!(reply["name"], "ws-1");
    assert_eq!(reply["compliant"], false);
    assert_eq!(
        reply["compliance_reasons"],
        json!([
            "the system disk is not encrypted",
            "whether a firewall is active could not be determined"
        ])
    );
    // The token enrolled its one device.
    let fresh = || DeviceIdentity::fresh().expect("identity");
    let used_up = expect_json(
        enrol_attempt(&anonymous, &fresh(), &token, "ws-2").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        used_up["detail"]
            .as_str()
            .is_some_and(|d| d.contains("already used by 1 device")),
        "{used_up}"
    );
    // The same installation cannot enrol twice.
    let (token2, token2_id) = enrolment_token(&o.admin, 5).await;
    expect_json(
        enrol_attempt(&anonymous, &enrolled, &token2, "ws-1").await,
        StatusCode::CONFLICT,
    )
    .await;
    // Revoked and unknown tokens are refused with their reason.
    expect_no_content(
        o.admin
            .send_json(
                Method::DELETE,
                &format!("/api/v1/enrolment-tokens/{token2_id}"),
                &json!({}),
            )
            .await,
    )
    .await;
    for (secret, words) in [(token2.as_str(), "revoked"), ("dme_nonsense", "not valid")] {
        let problem = expect_json(
            enrol_attempt(&anonymous, &fresh(), secret, "ws-3").await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains(words)),
            "{problem}"
        );
    }
    // Sharers and helpers cannot make tokens; the audit log has the enrolment.
    expect_json(
        o.hana
            .post("/api/v1/enrolment-tokens", &json!({"max_uses": 1}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let problem = expect_json(
        o.admin
            .post(
                "/api/v1/enrolment-tokens",
                &json!({"max_uses": 0, "expires_in_days": 900}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["expires_in_days", "max_uses"]);
    let audit = expect_json(
        o.admin.get("/api/v1/audit?action=device_enrolled").await,
        StatusCode::OK,
    )
    .await;
    let events = audit["items"]
        .as_array()
        .or(audit.as_array())
        .expect("events");
    assert_eq!(events.len(), 1, "{audit}");
}

async fn enrolled_devices_prove_themselves_when_redeeming(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    set_unenrolled(&o.admin, false).await;
    let (token, _) = enrolment_token(&o.admin, 10).await;
    let inventory = healthy_inventory("sam-desktop");
    let (enrolled, reply) = enrol(&o.fx.server.client(), &token, &inventory).await;
    let device_id = reply["device_id"].as_str().expect("id").to_string();

    // An unenrolled machine is refused while only enrolled devices may be helped…
    let laptop = DeviceIdentity::fresh().expect("identity");
    let (code, _) = issue(&o.hana).await;
    refused(
        redeem_on(&o.sam, &laptop, &healthy_inventory("sam-laptop"), &code).await,
        StatusCode::FORBIDDEN,
        "unenrolled-device",
    )
    .await;
    // …and so is one that claims the enrolled device's installation without its key,
    let mut impostor = enrolled.clone();
    impostor.enrolment = None;
    let (code, _) = issue(&o.hana).await;
    refused(
        redeem_on(&o.sam, &impostor, &inventory, &code).await,
        StatusCode::FORBIDDEN,
        "unenrolled-device",
    )
    .await;
    // …or signs with another key, or replays a signature made for another code.
    let mut wrong_key = enrolled.clone();
    if let Some(e) = wrong_key.enrolment.as_mut() {
        e.key_pkcs8 = NewKey::generate().expect("key").pkcs8;
    }
    let (code, _) = issue(&o.hana).await;
    refused(
        redeem_on(&o.sam, &wrong_key, &inventory, &code).await,
        StatusCode::FORBIDDEN,
        "device-not-verified",
    )
    .await;
    let (code, _) = issue(&o.hana).await;
    let (other_code, _) = issue(&o.hana).await;
    let mut replayed =
        claim::redeem_claim(&enrolled, &o.sam.base, &inventory, &rendezvous(&other_code));
    replayed["name"] = json!("sam-desktop");
    refused(
        o.sam
            .post(
                "/api/v1/remote-help/redeem",
                &json!({"code": code, "device": replayed}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "device-not-verified",
    )
    .await;

    // The genuine device is paired, enrolled and compliant.
    let (code, session) = issue(&o.hana).await;
    let paired = expect_json(
        redeem_on(&o.sam, &enrolled, &inventory, &code).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paired["device"]["id"], device_id.as_str());
    assert_eq!(paired["device"]["enrolled"], true);
    assert_eq!(paired["device"]["compliant"], true, "{paired}");
    assert_eq!(paired["device"]["compliance_reasons"], json!([]));
    let helper_view = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(helper_view["device"]["enrolled"], true);

    // The unenrolled laptop was still recorded, as unenrolled and non-compliant.
    let list = expect_json(
        o.admin.get("/api/v1/devices?enrolled=false").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["name"], "sam-laptop");
    assert_eq!(list["items"][0]["compliant"], false);
    assert_eq!(
        list["items"][0]["compliance_reasons"][0],
        "the device is not enrolled, so its compliance is unknown"
    );
    assert_eq!(list["items"][0]["last_user"]["email"], "sam@example.org");

    // A removed device must enrol again: its key no longer counts.
    expect_no_content(
        o.admin
            .send_json(
                Method::DELETE,
                &format!("/api/v1/devices/{device_id}"),
                &json!({}),
            )
            .await,
    )
    .await;
    let (code, _) = issue(&o.hana).await;
    refused(
        redeem_on(&o.sam, &enrolled, &inventory, &code).await,
        StatusCode::FORBIDDEN,
        "device-not-verified",
    )
    .await;
}

/// Olga is in no user scope; Kiosk devices are Hana's to help through a device group.
async fn device_groups_and_all_devices_widen_scope(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let Org {
        admin, hana, olga, ..
    } = &o;
    let (token, _) = enrolment_token(admin, 10).await;
    let api = o.fx.server.client();
    let (kiosk, kiosk_reply) = enrol(&api, &token, &healthy_inventory("kiosk-1")).await;
    let (office, _) = enrol(&api, &token, &healthy_inventory("office-1")).await;
    let unenrolled = DeviceIdentity::fresh().expect("identity");
    let kiosk_id = kiosk_reply["device_id"].as_str().expect("id");

    let (code, _) = issue(hana).await;
    refused(
        redeem_on(olga, &kiosk, &healthy_inventory("kiosk-1"), &code).await,
        StatusCode::FORBIDDEN,
        "not-in-scope",
    )
    .await;

    let kiosks = create_group(admin, "Kiosks").await;
    let helpdesk = group_id(admin, "Helpdesk").await;
    let viewer_role = expect_json(
        admin
            .post(
                "/api/v1/roles",
                &json!({"name": "Kiosk viewer", "permissions": ["view_screen"]}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assign(
        admin,
        json!({"name": "Helpdesk views kiosks", "role_id": viewer_role["id"],
                    "member_groups": [helpdesk], "scope_groups": [kiosks]}),
    )
    .await;
    expect_no_content(
        admin
            .send_json(
                Method::PUT,
                &format!("/api/v1/groups/{kiosks}/devices/{kiosk_id}"),
                &json!({}),
            )
            .await,
    )
    .await;
    let group = expect_json(
        admin.get(&format!("/api/v1/groups/{kiosks}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(group["devices"], json!([kiosk_id]));

    let (code, _) = issue(hana).await;
    let paired = expect_json(
        redeem_on(olga, &kiosk, &healthy_inventory("kiosk-1"), &code).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        paired["permissions"],
        json!(["view_screen"]),
        "the kiosk role only"
    );
    for (device, name) in [(&office, "office-1"), (&unenrolled, "olga-laptop")] {
        let (code, _) = issue(hana).await;
        refused(
            redeem_on(olga, device, &healthy_inventory(name), &code).await,
            StatusCode::FORBIDDEN,
            "not-in-scope",
        )
        .await;
    }

    // "All devices" covers every enrolled device, never an unenrolled one.
    let operator = builtin_role(admin, "Help Desk Operator").await;
    assign(
        admin,
        json!({"name": "Helpdesk helps all devices", "role_id": operator,
                    "member_groups": [helpdesk], "all_devices": true}),
    )
    .await;
    let (code, _) = issue(hana).await;
    let paired = expect_json(
        redeem_on(olga, &office, &healthy_inventory("office-1"), &code).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        paired["permissions"]
            .as_array()
            .expect("permissions")
            .contains(&json!("take_full_control"))
    );
    let (code, _) = issue(hana).await;
    refused(
        redeem_on(olga, &unenrolled, &healthy_inventory("olga-laptop"), &code).await,
        StatusCode::FORBIDDEN,
        "not-in-scope",
    )
    .await;
}

async fn a_code_for_a_device_opens_on_that_device_only(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let (token, _) = enrolment_token(&o.admin, 10).await;
    let api = o.fx.server.client();
    let (desk, reply) = enrol(&api, &token, &healthy_inventory("sam-desk")).await;
    let (other, _) = enrol(&api, &token, &healthy_inventory("sam-other")).await;
    let desk_id = reply["device_id"].as_str().expect("id");

    // Hana (a helper) cannot read devices; the administrator can.
    expect_json(
        o.hana
            .post("/api/v1/remote-help/codes", &json!({"device_id": desk_id}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let operator = builtin_role(&o.admin, "Help Desk Operator").await;
    let admins = group_id(&o.admin, "Administrators").await;
    assign(
        &o.admin,
        json!({"name": "Admins help everyone", "role_id": operator,
                    "member_groups": [admins], "all_users": true}),
    )
    .await;
    let problem = expect_json(
        o.admin
            .post(
                "/api/v1/remote-help/codes",
                &json!({"device_id": "not-an-id"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "device_id");
    let issued = expect_json(
        o.admin
            .post("/api/v1/remote-help/codes", &json!({"device_id": desk_id}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["device"]["id"], desk_id);
    assert_eq!(issued["device"]["name"], "sam-desk");
    let code = issued["code"].as_str().expect("code");
    let session = issued["session_id"].as_str().expect("session");
    let waiting = expect_json(
        o.admin
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(waiting["target_device"]["name"], "sam-desk");
    let problem = refused(
        redeem_on(&o.sam, &other, &healthy_inventory("sam-other"), code).await,
        StatusCode::FORBIDDEN,
        "wrong-device",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("another device"))
    );
    // A refused code is spent; a new one for the desk works on the desk.
    let issued = expect_json(
        o.admin
            .post("/api/v1/remote-help/codes", &json!({"device_id": desk_id}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let paired = expect_json(
        redeem_on(
            &o.sam,
            &desk,
            &healthy_inventory("sam-desk"),
            issued["code"].as_str().expect("code"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paired["device"]["id"], desk_id);
}

async fn reports_keep_compliance_current(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let (token, _) = enrolment_token(&o.admin, 1).await;
    let api = o.fx.server.client();
    let (device, reply) = enrol(&api, &token, &healthy_inventory("ws-9")).await;
    let id = reply["device_id"].as_str().expect("id").to_string();
    assert_eq!(reply["compliant"], true);

    let worse = Inventory {
        pending_security_updates: Some(12),
        screen_lock: Some(false),
        ..healthy_inventory("ws-9")
    };
    let at = now_ms();
    let (device_id, body) = claim::inventory_report(&device, &worse, at).expect("signed");
    assert_eq!(device_id, id);
    let path = format!("/api/v1/devices/{id}/inventory");
    let accepted = expect_json(api.post(&path, &body).await, StatusCode::OK).await;
    assert_eq!(
        accepted["compliance_reasons"],
        json!(["the screen does not lock itself when idle"]),
        "pending updates are not checked by default"
    );
    // A replay, a tampered report and a wrong clock are refused.
    expect_json(api.post(&path, &body).await, StatusCode::CONFLICT).await;
    let mut tampered = body.clone();
    tampered["inventory"]["screen_lock"] = json!(true);
    tampered["at"] = json!(at + 1);
    expect_json(api.post(&path, &tampered).await, StatusCode::UNAUTHORIZED).await;
    let (_, skewed) = claim::inventory_report(&device, &worse, at + 3_600_000).expect("signed");
    let problem = expect_json(
        api.post(&path, &skewed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "at");

    // A stricter policy re-evaluates the stored inventory at once.
    let response = o.admin.get("/api/v1/compliance-policy").await;
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_string();
    let mut policy = expect_json(response, StatusCode::OK).await;
    policy["max_pending_security_updates"] = json!(5);
    policy["require_screen_lock"] = json!(false);
    policy.as_object_mut().expect("object").remove("updated_at");
    let saved = o
        .admin
        .request(Method::PUT, "/api/v1/compliance-policy")
        .header("if-match", &etag)
        .json(&policy)
        .send()
        .await
        .expect("put");
    expect_json(saved, StatusCode::OK).await;
    let stale = o
        .admin
        .request(Method::PUT, "/api/v1/compliance-policy")
        .header("if-match", &etag)
        .json(&policy)
        .send()
        .await
        .expect("put");
    expect_json(stale, StatusCode::PRECONDITION_FAILED).await;
    let page = expect_json(
        o.admin.get(&format!("/api/v1/devices/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        page["compliance_reasons"],
        json!(["12 security updates are waiting to be installed (the policy allows 5)"])
    );
    assert_eq!(page["inventory"]["pending_security_updates"], 12);
    assert_eq!(page["new_session_url"], format!("/?device={id}"));
    assert_eq!(
        page["new_session_deep_link"],
        format!("deskmate://session/new?device={id}")
    );
    assert_eq!(page["key_fingerprint"].as_str().map(str::len), Some(32));
    let filtered = expect_json(
        o.admin.get("/api/v1/devices?compliant=false").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(filtered["total"], 1);
    let filtered = expect_json(
        o.admin.get("/api/v1/devices?compliant=true").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(filtered["total"], 0);

    // A device that stops reporting falls out of compliance on its own.
    let pool = raw_pool(&o.fx.db.url).await;
    let ten_days_ago = now_ms() - 10 * 24 * 3600 * 1000;
    sqlx::query("UPDATE devices SET inventory_at = $1, compliance_reasons = '[]', inventory_compliant = 1 WHERE id = $2")
        .bind(ten_days_ago)
        .bind(&id)
        .execute(&pool)
        .await
        .expect("age the report");
    let page = expect_json(
        o.admin.get(&format!("/api/v1/devices/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        page["compliance_reasons"],
        json!(["the device last reported 10 days ago (the policy allows 7)"])
    );
    let filtered = expect_json(
        o.admin.get("/api/v1/devices?compliant=true").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(filtered["total"], 0);
}

async fn the_device_list_filters_sorts_pages_and_guards(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let (token, _) = enrolment_token(&o.admin, 10).await;
    let api = o.fx.server.client();
    for name in ["charlie", "alpha", "bravo"] {
        enrol(&api, &token, &healthy_inventory(name)).await;
    }
    let (code, _) = issue(&o.hana).await;
    let laptop = DeviceIdentity::fresh().expect("identity");
    expect_json(
        redeem_on(&o.sam, &laptop, &healthy_inventory("Delta-Laptop"), &code).await,
        StatusCode::OK,
    )
    .await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let all = expect_json(o.admin.get("/api/v1/devices").await, StatusCode::OK).await;
    assert_eq!(
        names(&all),
        vec!["alpha", "bravo", "charlie", "Delta-Laptop"]
    );
    assert_eq!(all["total"], 4);
    let page2 = expect_json(
        o.admin
            .get("/api/v1/devices?sort=name&order=desc&limit=2&offset=2")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&page2), vec!["bravo", "alpha"]);
    let search = expect_json(
        o.admin.get("/api/v1/devices?q=LAPTOP").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&search), vec!["Delta-Laptop"]);
    let enrolled = expect_json(
        o.admin.get("/api/v1/devices?enrolled=true").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(enrolled["total"], 3);
    for bad in [
        "sort=colour",
        "order=up",
        "limit=0",
        "group=x",
        "compliant=maybe",
        "colour=red",
    ] {
        let problem = expect_json(
            o.admin.get(&format!("/api/v1/devices?{bad}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let field = bad.split('=').next().unwrap_or("");
        assert_eq!(problem["errors"][0]["field"], field, "{bad}: {problem}");
    }
    // Helpers cannot list devices; the auditor reads but cannot change.
    expect_json(o.hana.get("/api/v1/devices").await, StatusCode::FORBIDDEN).await;
    let auditor_role = builtin_role(&o.admin, "Read-only Auditor").await;
    let auditors = create_group(&o.admin, "Auditors").await;
    assign(
        &o.admin,
        json!({"name": "Auditors", "role_id": auditor_role,
                    "member_groups": [auditors], "all_users": true}),
    )
    .await;
    create_member(
        &o.admin,
        "aud@example.org",
        "auditor's long password",
        &[&auditors],
    )
    .await;
    let auditor = sign_in(
        &o.fx.server.client(),
        "aud@example.org",
        "auditor's long password",
    )
    .await;
    let seen = expect_json(auditor.get("/api/v1/devices").await, StatusCode::OK).await;
    let id = seen["items"][0]["id"].as_str().expect("id").to_string();
    expect_json(
        auditor.get(&format!("/api/v1/devices/{id}")).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        auditor.get("/api/v1/compliance-policy").await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        auditor
            .send_json(Method::DELETE, &format!("/api/v1/devices/{id}"), &json!({}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_json(
        auditor.post("/api/v1/enrolment-tokens", &json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let delta = all["items"][3]["id"].as_str().expect("id");
    let page = expect_json(
        o.admin.get(&format!("/api/v1/devices/{delta}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["enrolled"], false);
    assert_eq!(page["recent_sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        page["recent_sessions"][0]["sharer"]["email"],
        "sam@example.org"
    );
}

both_backends!(
    enrolment_is_guarded_by_its_token_and_key,
    enrolled_devices_prove_themselves_when_redeeming,
    device_groups_and_all_devices_widen_scope,
    a_code_for_a_device_opens_on_that_device_only,
    reports_keep_compliance_current,
    the_device_list_filters_sorts_pages_and_guards,
);
