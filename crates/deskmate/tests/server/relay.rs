//! The relay under pressure: slow viewers, lost connections, code guessing.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{is_msg, issue, org, org_with, redeem, token};
use crate::rbac::create_member;
use crate::session_client::{Incoming, SessionClient};
use deskmate_proto::frame::{Channel, decode, encode as frame};
use deskmate_proto::messages::{ClientMessage, EndedBy, Mode, ServerMessage};
use reqwest::StatusCode;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

pub async fn active_session(o: &crate::pairing::Org) -> (String, SessionClient, SessionClient) {
    let (code, session) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    let mut sharer = SessionClient::join(&o.fx.server, token(&o.sam), &session, 0).await;
    helper
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    sharer
        .until("request", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::ModeRequested { .. }))
        })
        .await;
    sharer
        .send(&ClientMessage::Consent {
            mode: Mode::View,
            allow: true,
        })
        .await;
    helper
        .until("consent", |i| {
            is_msg(i, |m| {
                matches!(m, ServerMessage::ConsentResult { allowed: true, .. })
            })
        })
        .await;
    (session, helper, sharer)
}

async fn a_participant_gone_past_the_grace_period_ends_the_session(backend: Backend) {
    let Some(o) = org_with(backend, &["--session-grace", "1"]).await else {
        return;
    };
    let (session, mut helper, sharer) = active_session(&o).await;
    drop(sharer);
    helper
        .until("peer gone", |i| {
            is_msg(i, |m| *m == ServerMessage::Peer { online: false })
        })
        .await;
    let started = Instant::now();
    let ended = helper
        .until("ended", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await;
    match ended {
        Incoming::Msg(ServerMessage::Ended { by, reason }) => {
            assert_eq!(by, EndedBy::System);
            assert!(reason.contains("lost the connection"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed().as_secs() < 5);
    let record = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(record["ended_by"], "system");
    let events = expect_json(
        o.admin
            .get(&format!(
                "/api/v1/audit?target={session}&action=session_ended"
            ))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        events[0]["actor"],
        json!(null),
        "ended by the system, not a person"
    );
}

async fn a_slow_viewer_gets_fresh_frames_and_cannot_grow_server_memory(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let (_session, mut helper, mut sharer) = active_session(&o).await;
    helper.drain().await;
    let before = o.fx.server.memory_kib("VmRSS");
    // The helper reads nothing while the sharer streams 100 MiB of screen frames.
    const FRAMES: u32 = 400;
    let payload = vec![0x5au8; 256 * 1024];
    for i in 0..FRAMES {
        let mut body = i.to_be_bytes().to_vec();
        body.extend_from_slice(&payload);
        sharer.send_data(frame(Channel::Screen, &body)).await;
    }
    sharer
        .send(&ClientMessage::Chat {
            text: "did you get all that?".into(),
            sealed: false,
        })
        .await;
    sharer.drain().await;
    let grown_mib = o.fx.server.memory_kib("VmRSS").saturating_sub(before) / 1024;
    assert!(
        grown_mib < 48,
        "server memory grew by {grown_mib} MiB while relaying 100 MiB to a stalled viewer"
    );
    // Now the helper reads: the chat is there, stale frames were replaced, the newest arrived.
    let (mut frames, mut newest, mut chat) = (0u32, None, false);
    while !(chat && newest == Some(FRAMES - 1)) {
        match helper.next().await {
            Incoming::Data(bytes) => {
                let (channel, body) = decode(&bytes).expect("frame");
                assert_eq!(channel, Channel::Screen);
                let index = u32::from_be_bytes(body[..4].try_into().expect("index"));
                assert!(newest.is_none_or(|n| index > n), "frames arrive in order");
                newest = Some(index);
                frames += 1;
            }
            Incoming::Msg(ServerMessage::Chat { message }) => {
                assert_eq!(message.text, "did you get all that?");
                chat = true;
            }
            Incoming::Msg(_) => {}
            Incoming::Closed(code) => panic!("closed ({code:?})"),
        }
    }
    assert!(
        frames < FRAMES,
        "stale frames were replaced, not queued ({frames} of {FRAMES} delivered)"
    );
    let metrics = o.fx.server.metrics().await;
    assert!(
        metrics.contains("deskmate_relay_screen_frames_replaced_total"),
        "{metrics}"
    );
}

async fn guessing_codes_from_many_addresses_pairs_nobody(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    // Attackers are signed-in members in the helper's scope, so a right guess would pair.
    let staff = expect_json(o.admin.get("/api/v1/groups").await, StatusCode::OK).await;
    let staff = staff
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == "Staff")
        .expect("staff")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (real_code, real_session) = issue(&o.hana).await;
    let cert = o.fx.server.data_dir.join("tls/cert.pem");
    let mut attackers = Vec::new();
    for i in 0..10u8 {
        let email = format!("mallory{i}@example.org");
        create_member(&o.admin, &email, "mallory's long password", &[&staff]).await;
        for j in 0..10u8 {
            let address = IpAddr::V4(Ipv4Addr::new(127, 0, 1 + i, 2 + j));
            let api = Api::from_address(&o.fx.server.base, &cert, Some(address));
            attackers.push(sign_in(&api, &email, "mallory's long password").await);
        }
    }
    const GUESSES: usize = 100_000;
    let per_client = GUESSES / attackers.len();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, attacker) in attackers.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let (mut throttled, mut refused, mut paired) = (0usize, 0usize, 0usize);
            for k in 0..per_client {
                // Well-formed codes that are all wrong (the real one is never among them: 'A'-only prefix).
                let guess = format!("AA{:02}-{:04}", n % 100, k % 10_000)
                    .replace('0', "2")
                    .replace('1', "3");
                let response = attacker
                    .post("/api/v1/remote-help/redeem", &json!({"code": guess}))
                    .await;
                match response.status() {
                    StatusCode::TOO_MANY_REQUESTS => throttled += 1,
                    StatusCode::OK => paired += 1,
                    _ => refused += 1,
                }
            }
            (throttled, refused, paired)
        }));
    }
    // Meanwhile a legitimate sharer pairs with a fresh code.
    let (code, fresh) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let (mut throttled, mut refused, mut paired) = (0, 0, 0);
    for task in tasks {
        let (t, r, p) = task.await.expect("attacker task");
        throttled += t;
        refused += r;
        paired += p;
    }
    eprintln!(
        "{GUESSES} guesses in {:?}: {throttled} throttled, {refused} refused, {paired} paired",
        started.elapsed()
    );
    assert_eq!(throttled + refused + paired, GUESSES);
    assert_eq!(paired, 0, "no guess paired");
    assert!(
        refused <= 2_000,
        "growing delays stopped the guessing: {refused} guesses were even looked at"
    );
    // The code issued before the attack still works for the person it was meant for.
    let real = expect_json(redeem(&o.sam, &real_code).await, StatusCode::OK).await;
    assert_eq!(real["id"], real_session.as_str());
    let mine = expect_json(
        o.hana.get("/api/v1/remote-help/sessions?limit=100").await,
        StatusCode::OK,
    )
    .await;
    for s in mine.as_array().expect("sessions") {
        let sharer = s["sharer"]["email"].as_str().unwrap_or("");
        assert!(
            !sharer.starts_with("mallory"),
            "an attacker got a session: {s}"
        );
    }
    assert_eq!(
        mine.as_array()
            .expect("sessions")
            .iter()
            .filter(|s| s["state"] == "paired")
            .count(),
        2,
        "{fresh} and {real_session} are the only paired sessions"
    );
}

async fn limits_on_sessions_connections_and_message_rates(backend: Backend) {
    let extra = [
        "--max-sessions-per-helper",
        "1",
        "--max-connections-per-address",
        "2",
        "--max-messages-per-sec",
        "20",
    ];
    let Some(o) = org_with(backend, &extra).await else {
        return;
    };
    let (code, session) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let busy = expect_json(
        o.hana.post("/api/v1/remote-help/codes", &json!({})).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert!(
        busy["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already run 1 session"),
        "{busy}"
    );
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    let _sharer = SessionClient::join(&o.fx.server, token(&o.sam), &session, 0).await;
    assert_eq!(
        crate::session_client::open(&o.fx.server, token(&o.hana), &session)
            .await
            .err(),
        Some(429),
        "a third connection from the same address is refused"
    );
    // A burst far above 20 messages per second closes that connection.
    for _ in 0..200 {
        helper
            .send_raw(tokio_tungstenite::tungstenite::Message::Text(
                r#"{"type":"ping"}"#.into(),
            ))
            .await;
    }
    // Closed with a protocol error (the close frame itself may be lost when the
    // server resets a connection that is still sending).
    loop {
        if let Incoming::Closed(code) = helper.next().await {
            assert!(matches!(code, None | Some(1002)), "closed with {code:?}");
            break;
        }
    }
    let metrics = o.fx.server.metrics().await;
    assert!(
        metrics.contains("deskmate_relay_protocol_errors_total"),
        "the flood was refused as a protocol error"
    );
    // Its slot is free again: the helper can come back.
    let started = Instant::now();
    loop {
        match crate::session_client::open(&o.fx.server, token(&o.hana), &session).await {
            Ok(_) => break,
            Err(status) => {
                assert_eq!(status, 429);
                assert!(started.elapsed().as_secs() < 5, "the slot was never freed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// End-to-end material passes through unread: key-exchange messages reach
/// the other side as sent, and sealed chat is stored and replayed as sealed,
/// never as text the server could show.
async fn key_exchange_and_sealed_chat_pass_through_unread(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let (session, mut helper, mut sharer) = active_session(&o).await;
    helper
        .send(&ClientMessage::E2e {
            data: "AbCd+/09".into(),
        })
        .await;
    sharer
        .until("the helper's key-exchange message", |i| {
            is_msg(i, |m| {
                *m == ServerMessage::E2e {
                    data: "AbCd+/09".into(),
                }
            })
        })
        .await;
    let sealed = "c2VhbGVkIGJ5IHRoZSBzaGFyZXI".to_string();
    sharer
        .send(&ClientMessage::Chat {
            text: sealed.clone(),
            sealed: true,
        })
        .await;
    helper
        .until("the sealed chat", |i| {
            is_msg(i, |m| {
                matches!(m, ServerMessage::Chat { message } if message.sealed && message.text == sealed)
            })
        })
        .await;
    let stored = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}/chat"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored[0]["sealed"], true, "{stored}");
    assert_eq!(stored[0]["text"], sealed.as_str());
    // A reconnecting side gets it back sealed too.
    let again = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    let ServerMessage::Welcome { chat, .. } = &again.welcome else {
        panic!("no welcome: {:?}", again.welcome)
    };
    assert!(chat.iter().any(|m| m.sealed && m.text == sealed));
    // Not base64: refused as malformed, the connection closes, the session stays.
    sharer
        .send(&ClientMessage::E2e {
            data: "not base64!".into(),
        })
        .await;
    sharer
        .until("the refusal", |i| {
            matches!(i, Incoming::Closed(_))
                || is_msg(i, |m| matches!(m, ServerMessage::Error { .. }))
        })
        .await;
}

both_backends!(
    key_exchange_and_sealed_chat_pass_through_unread,
    limits_on_sessions_connections_and_message_rates,
    a_participant_gone_past_the_grace_period_ends_the_session,
    a_slow_viewer_gets_fresh_frames_and_cannot_grow_server_memory,
    guessing_codes_from_many_addresses_pairs_nobody,
);
