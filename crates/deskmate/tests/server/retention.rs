//! Retention purges exactly what is older than the organisation's window,
//! keeps the audit chain verifiable, and is itself audited (SPEC §11).

use crate::both_backends;
use crate::common::*;
use crate::pairing::{is_msg, issue, org, redeem, token};
use crate::session_client::SessionClient;
use deskmate_proto::messages::{ClientMessage, ServerMessage};
use deskmate_server::store::{ChainCheck, Store};
use reqwest::StatusCode;
use serde_json::json;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

pub async fn ended_session_with_chat(o: &crate::pairing::Org, text: &str) -> String {
    let (code, session) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    helper
        .send(&ClientMessage::Chat {
            text: text.into(),
            sealed: false,
        })
        .await;
    helper
        .until("chat", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Chat { .. }))
        })
        .await;
    helper.send(&ClientMessage::Leave { reason: None }).await;
    helper
        .until("ended", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await;
    session
}

async fn retention_purges_exactly_what_is_older_than_the_window(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let old = ended_session_with_chat(&o, "from long ago").await;
    let recent = ended_session_with_chat(&o, "from last week").await;
    let (_, waiting) = issue(&o.hana).await;
    let pool = raw_pool(&o.fx.db.url).await;
    let now = now_ms();
    // Backdate: one session ended 31 days ago, one 29 days ago; an unused code from 31 days ago.
    for (id, days) in [(&old, 31), (&recent, 29)] {
        sqlx::query("UPDATE remote_sessions SET ended_at = $1 WHERE id = $2")
            .bind(now - days * DAY_MS)
            .bind(id.as_str())
            .execute(&pool)
            .await
            .expect("age");
    }
    sqlx::query("UPDATE remote_sessions SET created_at = $1 WHERE id = $2")
        .bind(now - 31 * DAY_MS)
        .bind(waiting.as_str())
        .execute(&pool)
        .await
        .expect("age");

    // The purge records an audit event, signed with the server's key like every other.
    let signer =
        deskmate_server::audit_signing::AuditSigner::load(&o.fx.dir.0.join("audit-signing.key"))
            .expect("audit signing key")
            .expect("created at start");
    let store = Store::open(&o.fx.db.url)
        .await
        .expect("store")
        .with_audit_signer(std::sync::Arc::new(signer));
    let purged = deskmate_server::retention::purge(&store, now)
        .await
        .expect("purge");
    assert_eq!(
        purged.sessions, 2,
        "the old session and the old unused code"
    );
    assert_eq!(purged.audit_events, 0, "no audit event is 30 days old yet");
    expect_json(
        o.admin
            .get(&format!("/api/v1/remote-help/sessions/{old}"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_json(
        o.admin
            .get(&format!("/api/v1/remote-help/sessions/{waiting}"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let kept = expect_json(
        o.sam
            .get(&format!("/api/v1/remote-help/sessions/{recent}/chat"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kept[0]["text"], "from last week");
    let orphan: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM chat_messages WHERE session_id = $1")
            .bind(old.as_str())
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(orphan, 0, "the old session's chat went with it");
    let events = expect_json(
        o.admin.get("/api/v1/audit?action=retention_purged").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(events[0]["detail"]["sessions"], 2);
    assert_eq!(events[0]["actor"], json!(null));

    // A month later every audit event so far is past the window: they go, the chain still verifies.
    let before = expect_json(
        o.admin.get("/api/v1/audit?limit=1000").await,
        StatusCode::OK,
    )
    .await;
    let count = before.as_array().expect("events").len() as u64;
    let purged = deskmate_server::retention::purge(&store, now + 31 * DAY_MS)
        .await
        .expect("purge");
    assert_eq!(purged.audit_events, count);
    assert_eq!(purged.sessions, 1, "the recent session is now old too");
    let tenant = store.first_tenant().await.expect("tenant").expect("exists");
    assert!(matches!(
        store.verify_audit(tenant.id).await.expect("verify"),
        ChainCheck::Intact { events: 1 }
    ));
    let report = expect_json(o.admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], true);
    store.close().await;
}

both_backends!(retention_purges_exactly_what_is_older_than_the_window);
