//! The audit trail: sign-in events are recorded, a log rewritten and
//! re-chained in the database is detected through the signed chain heads,
//! and events can be forwarded to syslog.

use crate::both_backends;
use crate::common::*;
use deskmate_server::store::AuditEvent;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;
use std::time::Duration;

const BO_EMAIL: &str = "bo.berg@example.org";
const BO_PASSWORD: &str = "bo's first long password";
const BO_NEW_PASSWORD: &str = "bo's second long password";

async fn login(api: &Api, email: &str, password: &str, code: Option<String>) -> reqwest::Response {
    let mut body = json!({"email": email, "password": password});
    if let Some(code) = code {
        body["totp_code"] = json!(code);
    }
    api.post("/api/v1/auth/login", &body).await
}

/// The newest event with `action`.
async fn newest(admin: &Api, action: &str) -> Value {
    let events = expect_json(
        admin.get(&format!("/api/v1/audit?action={action}")).await,
        StatusCode::OK,
    )
    .await;
    events[0].clone()
}

async fn sign_in_events_are_audited(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let bo = expect_json(
        admin
            .post(
                "/api/v1/users",
                &json!({"email": BO_EMAIL, "first_name": "Bo", "last_name": "Berg", "password": BO_PASSWORD}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let bo_id = bo["id"].as_str().expect("id").to_string();
    let api = fx.server.client();

    // A wrong password: the account is the target, nobody is proven the actor.
    expect_json(
        login(&api, BO_EMAIL, "not bo's password at all", None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let e = newest(&admin, "sign_in_wrong_password").await;
    assert_eq!(e["target"], bo_id.as_str());
    assert_eq!(e["actor"], Value::Null);
    assert_eq!(e["source_addr"], "127.0.0.1");
    assert_eq!(e["detail"]["email"], BO_EMAIL);

    // Success, with the actor.
    let tokens = expect_json(
        login(&api, BO_EMAIL, BO_PASSWORD, None).await,
        StatusCode::OK,
    )
    .await;
    let e = newest(&admin, "signed_in").await;
    assert_eq!(e["actor"], bo_id.as_str());
    assert_eq!(e["source_addr"], "127.0.0.1");
    assert_eq!(e["detail"]["method"], "password");

    // A spent refresh token presented again.
    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let rotated = expect_json(
        api.post("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(rotated["access_token"].is_string());
    expect_json(
        api.post("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let e = newest(&admin, "refresh_token_reused").await;
    assert_eq!(e["target"], bo_id.as_str());
    assert_eq!(e["source_addr"], "127.0.0.1");
    assert_eq!(e["detail"]["session_revoked"], true);

    // Own password change, TOTP enrolment.
    let bo_api = sign_in(&api, BO_EMAIL, BO_PASSWORD).await;
    expect_no_content(
        bo_api
            .post(
                "/api/v1/me/password",
                &json!({"current_password": BO_PASSWORD, "new_password": BO_NEW_PASSWORD}),
            )
            .await,
    )
    .await;
    let e = newest(&admin, "password_changed").await;
    assert_eq!(e["actor"], bo_id.as_str());
    assert_eq!(e["target"], bo_id.as_str());
    assert_eq!(e["source_addr"], "127.0.0.1");
    let bo_api = sign_in(&api, BO_EMAIL, BO_NEW_PASSWORD).await;
    let secret = enrol_totp(&bo_api).await;
    let e = newest(&admin, "totp_enrolled").await;
    assert_eq!(e["actor"], bo_id.as_str());
    assert_eq!(e["source_addr"], "127.0.0.1");

    // A wrong code, then sign-in with the right one and sign-out.
    let wrong = if code_for(&secret, 1) == "000000" {
        "111111"
    } else {
        "000000"
    };
    expect_json(
        login(&api, BO_EMAIL, BO_NEW_PASSWORD, Some(wrong.into())).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let e = newest(&admin, "sign_in_wrong_totp").await;
    assert_eq!(e["target"], bo_id.as_str());
    assert_eq!(e["actor"], Value::Null);
    assert_eq!(e["source_addr"], "127.0.0.1");
    let tokens = expect_json(
        login(&api, BO_EMAIL, BO_NEW_PASSWORD, Some(code_for(&secret, 1))).await,
        StatusCode::OK,
    )
    .await;
    let bo_api = api.with_token(tokens["access_token"].as_str().expect("token"));
    let signed_in = newest(&admin, "signed_in").await;
    assert_eq!(signed_in["actor"], bo_id.as_str());
    let out = bo_api
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let e = newest(&admin, "signed_out").await;
    assert_eq!(e["actor"], bo_id.as_str());
    assert_eq!(e["source_addr"], "127.0.0.1");
    assert!(e["seq"].as_i64() > signed_in["seq"].as_i64());

    // An administrator resets the password and removes the second factor.
    let admin_id = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    expect_no_content(
        admin
            .post(
                &format!("/api/v1/users/{bo_id}/password"),
                &json!({"password": "a third long password"}),
            )
            .await,
    )
    .await;
    let e = newest(&admin, "user_password_reset").await;
    assert_eq!(e["actor"], admin_id.as_str());
    assert_eq!(e["target"], bo_id.as_str());
    let removed = admin
        .request(Method::DELETE, &format!("/api/v1/users/{bo_id}/totp"))
        .send()
        .await
        .expect("remove totp");
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let e = newest(&admin, "user_totp_reset").await;
    assert_eq!(e["actor"], admin_id.as_str());
    assert_eq!(e["source_addr"], "127.0.0.1");

    let report = expect_json(admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], true, "{report}");
}

/// Reads a tenant's events straight from the database.
async fn stored_events(pool: &sqlx::AnyPool) -> Vec<AuditEvent> {
    sqlx::query("SELECT * FROM audit_events ORDER BY seq")
        .fetch_all(pool)
        .await
        .expect("events")
        .iter()
        .map(|row| AuditEvent {
            tenant_id: row.get::<String, _>("tenant_id").parse().expect("tenant"),
            seq: row.get("seq"),
            at: row.get("at"),
            actor_id: row
                .get::<Option<String>, _>("actor_id")
                .map(|a| a.parse().expect("actor")),
            action: row.get("action"),
            target: row.get("target"),
            detail: row.get("detail"),
            source_addr: row.get("source_addr"),
            prev_hash: row.get("prev_hash"),
            hash: row.get("hash"),
        })
        .collect()
}

async fn a_rewritten_and_rechained_audit_log_is_detected(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    for name in ["Helpdesk", "Finance", "Sales"] {
        expect_json(
            admin.post("/api/v1/groups", &json!({"name": name})).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let report = expect_json(admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], true, "{report}");

    // Rewrite event 2 and recompute every later hash, as someone with write
    // access to the database (but not the signing key) could.
    let pool = raw_pool(&fx.db.url).await;
    let mut events = stored_events(&pool).await;
    assert!(events.len() >= 4, "{} events", events.len());
    let mut prev = events[0].hash.clone();
    for event in events.iter_mut().skip(1) {
        if event.seq == 2 {
            event.detail = json!({"note": "nothing happened"}).to_string();
        }
        event.prev_hash = prev.clone();
        event.hash = event.expected_hash();
        prev = event.hash.clone();
        sqlx::query("UPDATE audit_events SET detail = $1, prev_hash = $2, hash = $3 WHERE tenant_id = $4 AND seq = $5")
            .bind(&event.detail)
            .bind(&event.prev_hash)
            .bind(&event.hash)
            .bind(event.tenant_id.to_string())
            .bind(event.seq)
            .execute(&pool)
            .await
            .expect("rewrite");
    }
    // The hash chain alone is consistent again: only the signatures tell.
    let unsigned = deskmate_server::store::Store::open(&fx.db.url)
        .await
        .expect("store");
    assert!(matches!(
        unsigned
            .verify_audit(events[0].tenant_id)
            .await
            .expect("verify"),
        deskmate_server::store::ChainCheck::Intact { .. }
    ));
    unsigned.close().await;
    let report = expect_json(admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["broken_at"], 2, "{report}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("signature"),
        "{report}"
    );

    // Removing the signatures does not help, not even across a restart.
    sqlx::query("UPDATE audit_events SET signature = NULL")
        .execute(&pool)
        .await
        .expect("strip signatures");
    pool.close().await;
    let fx = fx.restart(false);
    let admin = sign_in(&fx.server.client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let report = expect_json(admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], false, "{report}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("not signed"),
        "events recorded on top of an unsigned head stay unsigned: {report}"
    );
}

async fn audit_events_reach_syslog_as_rfc5424(backend: Backend) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
    // Only guards against a hang; nothing is timed.
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let target = format!("udp://{}", socket.local_addr().expect("addr"));
    let Some(fx) = Fixture::start_with(backend, &["--audit-syslog", &target]).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let me = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await;
    let admin_id = me["user"]["id"].as_str().expect("id").to_string();
    let tenant_id = me["tenant"]["id"].as_str().expect("tenant").to_string();

    let mut buf = vec![0u8; 65_536];
    let message = loop {
        let n = socket.recv(&mut buf).expect("a syslog datagram");
        let text = String::from_utf8(buf[..n].to_vec()).expect("UTF-8");
        if text.split(' ').nth(5) == Some("signed_in") {
            break text;
        }
    };
    // <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG
    let mut fields = message.splitn(7, ' ');
    let head = fields.next().expect("pri");
    assert_eq!(head, "<109>1", "facility 13 (log audit), notice: {message}");
    let timestamp = fields.next().expect("timestamp");
    assert!(
        timestamp.len() >= 20 && timestamp.as_bytes()[10] == b'T' && timestamp.ends_with('Z'),
        "{timestamp}"
    );
    assert_eq!(fields.next(), Some("localhost"), "{message}");
    assert_eq!(fields.next(), Some("deskmate"));
    assert_eq!(fields.next(), Some(fx.server.pid().to_string().as_str()));
    assert_eq!(fields.next(), Some("signed_in"));
    let rest = fields.next().expect("structured data and message");
    let (sd, msg) = rest.split_once("] ").expect("SD then MSG");
    assert!(
        sd.starts_with(&format!("[audit@32473 tenant=\"{tenant_id}\" seq=\"")),
        "{sd}"
    );
    assert!(sd.contains(&format!("actor=\"{admin_id}\"")), "{sd}");
    assert!(sd.contains(&format!("target=\"{admin_id}\"")), "{sd}");
    assert!(sd.contains("source=\"127.0.0.1\""), "{sd}");
    assert!(sd.contains(" hash=\""), "{sd}");
    let detail: Value = serde_json::from_str(msg).expect("JSON details");
    assert_eq!(detail["method"], "password");
}

both_backends!(
    sign_in_events_are_audited,
    a_rewritten_and_rechained_audit_log_is_detected,
    audit_events_reach_syslog_as_rfc5424,
);
