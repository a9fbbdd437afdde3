//! Sessions always end: those a stopped server was relaying end at its next
//! start, a redeemed code nobody joins ends after the join timeout, and
//! dead sessions never lock a helper out. Chat stays within its bound.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{Org, is_msg, issue, org_with, redeem, token};
use crate::relay::active_session;
use crate::session_client::{Incoming, SessionClient};
use deskmate_proto::messages::{ClientMessage, EndedBy, ErrorCode, ServerMessage};
use deskmate_proto::session::MAX_CHAT_BYTES;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn record(api: &Api, session: &str) -> Value {
    expect_json(
        api.get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await
}

/// Waits until the session is ended and returns its record.
async fn until_ended(api: &Api, session: &str) -> Value {
    let started = Instant::now();
    loop {
        let r = record(api, session).await;
        if r["state"] == "ended" {
            return r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the session never ended: {r}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_restart_ends_the_sessions_it_interrupted_and_frees_the_helper(backend: Backend) {
    let Some(o) = org_with(backend, &[]).await else {
        return;
    };
    let (active, _helper, _sharer) = active_session(&o).await;
    // Nine more redeemed codes that nobody joins: ten running sessions, the most a helper may run.
    let mut paired = Vec::new();
    for _ in 0..9 {
        let (code, session) = issue(&o.hana).await;
        expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
        paired.push(session);
    }
    let refused = expect_json(
        o.hana.post("/api/v1/remote-help/codes", &json!({})).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or("")
            .contains("10 sessions"),
        "{refused}"
    );
    let summary = expect_json(
        o.admin.get("/api/v1/reports/summary?days=1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(summary["active_now"], 10);

    let Org { fx, .. } = o;
    let fx = fx.restart(true);
    let api = fx.server.client();
    let admin = sign_in(&api, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let hana = sign_in(&api, "hana@example.org", "hana's long password").await;
    for session in std::iter::once(&active).chain(&paired) {
        let r = record(&admin, session).await;
        assert_eq!(r["state"], "ended", "{r}");
        assert_eq!(r["ended_by"], "server_restart", "{r}");
        assert!(r["ended_at"].is_string(), "{r}");
    }
    let events = expect_json(
        admin
            .get(&format!(
                "/api/v1/audit?target={active}&action=session_ended"
            ))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(events[0]["detail"]["by"], "server_restart", "{events}");
    let summary = expect_json(
        admin.get("/api/v1/reports/summary?days=1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(summary["active_now"], 0, "{summary}");
    expect_json(
        hana.post("/api/v1/remote-help/codes", &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
}

async fn a_session_nobody_joins_in_time_ends_as_timeout(backend: Backend) {
    let Some(o) = org_with(backend, &["--session-join-timeout", "2"]).await else {
        return;
    };
    // The helper waits in the session; the sharer never comes.
    let (code, waited) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &waited, 0).await;
    // Nobody connects to this one at all.
    let (code, deserted) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let ended = loop {
        match helper.next().await {
            Incoming::Msg(ServerMessage::Ended { by, reason }) => break (by, reason),
            Incoming::Closed(code) => panic!("closed ({code:?}) before the end was told"),
            _ => {}
        }
    };
    assert_eq!(ended.0, EndedBy::System);
    assert!(
        ended.1.contains("not joined within 2 seconds"),
        "{}",
        ended.1
    );
    for session in [&waited, &deserted] {
        let r = until_ended(&o.hana, session).await;
        assert_eq!(r["ended_by"], "timeout", "{r}");
    }
    // The audit event is written just after the record ends: wait for it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let events = loop {
        let events = expect_json(
            o.admin
                .get(&format!(
                    "/api/v1/audit?target={deserted}&action=session_ended"
                ))
                .await,
            StatusCode::OK,
        )
        .await;
        if events.as_array().is_some_and(|e| !e.is_empty()) || Instant::now() > deadline {
            break events;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(events[0]["detail"]["by"], "timeout", "{events}");
}

async fn ten_sessions_nobody_joined_do_not_lock_a_helper_out(backend: Backend) {
    let Some(o) = org_with(backend, &["--session-join-timeout", "1"]).await else {
        return;
    };
    let mut sessions = Vec::new();
    for _ in 0..10 {
        let (code, session) = issue(&o.hana).await;
        expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
        sessions.push(session);
    }
    for session in &sessions {
        until_ended(&o.hana, session).await;
    }
    expect_json(
        o.hana.post("/api/v1/remote-help/codes", &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
}

async fn chat_is_bounded_per_session(backend: Backend) {
    let Some(o) = org_with(backend, &[]).await else {
        return;
    };
    let (session, mut helper, mut sharer) = active_session(&o).await;
    // Sealed messages of the largest size: the bound is reached after about 87.
    let big = "A".repeat(deskmate_proto::messages::MAX_SEALED_CHAT_CHARS);
    let mut accepted = 0u64;
    let refusal = loop {
        sharer
            .send(&ClientMessage::Chat {
                text: big.clone(),
                sealed: true,
            })
            .await;
        match sharer
            .until("the chat echo or its refusal", |i| {
                is_msg(i, |m| {
                    matches!(m, ServerMessage::Chat { .. } | ServerMessage::Error { .. })
                })
            })
            .await
        {
            Incoming::Msg(ServerMessage::Chat { .. }) => accepted += 1,
            Incoming::Msg(ServerMessage::Error { code, message }) => break (code, message),
            other => panic!("{other:?}"),
        }
        assert!(accepted <= 200, "chat was never refused");
    };
    assert_eq!(refusal.0, ErrorCode::NotAllowed);
    assert!(refusal.1.contains("chat is full"), "{}", refusal.1);
    assert!(accepted > 10, "{accepted}");
    // Refused again, and nothing past the bound reached the helper or the database.
    sharer
        .send(&ClientMessage::Chat {
            text: big.clone(),
            sealed: true,
        })
        .await;
    sharer
        .until("the second refusal", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Error { .. }))
        })
        .await;
    let mut relayed = 0u64;
    for item in helper.drain().await {
        if let Incoming::Msg(ServerMessage::Chat { message }) = item {
            relayed += 1;
            assert!(message.seq <= accepted);
        }
    }
    assert_eq!(relayed, accepted);
    let stored = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}/chat"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored.as_array().expect("chat").len() as u64, accepted);
    // A helper who comes back gets the whole thread again, in messages clients accept.
    drop(helper);
    let mut again = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    let mut replayed: Vec<u64> = match &again.welcome {
        ServerMessage::Welcome { chat, .. } => chat.iter().map(|m| m.seq).collect(),
        other => panic!("{other:?}"),
    };
    assert!(
        deskmate_proto::messages::encode(&again.welcome).len() <= MAX_CHAT_BYTES / 2,
        "the welcome stays small"
    );
    for item in again.drain().await {
        if let Incoming::Msg(ServerMessage::Chat { message }) = item {
            replayed.push(message.seq);
        }
    }
    assert_eq!(replayed, (1..=accepted).collect::<Vec<u64>>());
}

both_backends!(
    a_restart_ends_the_sessions_it_interrupted_and_frees_the_helper,
    a_session_nobody_joins_in_time_ends_as_timeout,
    ten_sessions_nobody_joined_do_not_lock_a_helper_out,
    chat_is_bounded_per_session,
);
