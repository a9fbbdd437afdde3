//! End-to-end encryption against the real server and agent: the relay
//! carries only ciphertext, the helper still sees the screen exactly and
//! types into it, and a wrong secret part or an altered frame ends the
//! session on both sides with a clear reason.

use crate::agent::{Xvfb, agent_exit, start_agent_with};
use crate::common::*;
use crate::pairing::{Org, issue, org, token};
use crate::session_client::{Incoming, SessionClient};
use deskmate_codec::Decoder;
use deskmate_e2e::session::E2eSession;
use deskmate_e2e::{E2eError, Side, Transcript};
use deskmate_proto::frame::{Channel, decode, encode as frame};
use deskmate_proto::input::InputEvent;
use deskmate_proto::messages::{ClientMessage, EndedBy, Mode, ServerMessage};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// The helper's end: a protocol client plus the end-to-end layer.
pub(crate) struct SecureHelper {
    pub(crate) client: SessionClient,
    pub(crate) e2e: E2eSession,
}

impl SecureHelper {
    pub(crate) async fn join(o: &Org, session: &str, code: &str) -> SecureHelper {
        let record = expect_json(
            o.hana
                .get(&format!("/api/v1/remote-help/sessions/{session}"))
                .await,
            StatusCode::OK,
        )
        .await;
        let transcript = Transcript::new(
            session,
            record["helper"]["id"].as_str().expect("helper id"),
            record["sharer"]["id"].as_str().expect("sharer id"),
        );
        let client = SessionClient::join(&o.fx.server, token(&o.hana), session, 0).await;
        SecureHelper {
            client,
            e2e: E2eSession::new(Side::Helper, code, transcript),
        }
    }

    /// The next item; answers key-exchange rounds on the way. An end-to-end
    /// failure is returned as such.
    pub(crate) async fn next(&mut self) -> Result<Incoming, E2eError> {
        loop {
            match self.client.next().await {
                Incoming::Msg(ServerMessage::E2e { data }) => {
                    for reply in self.e2e.receive(&data, [7; 32])? {
                        self.client.send(&ClientMessage::E2e { data: reply }).await;
                    }
                }
                other => return Ok(other),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_carries_only_ciphertext() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let typed = o.fx.dir.0.join("typed.txt");
    let _xterm = x.xterm("100x30+0+0", &format!("cat > {}", typed.display()));
    let (code, session) = issue(&o.hana).await;
    let whole = format!("{code}-H4RT");
    let mut agent = start_agent_with(&o, &x, &whole, &session, &[]).await;
    let mut helper = SecureHelper::join(&o, &session, &whole).await;
    helper
        .client
        .send(&ClientMessage::RequestMode {
            mode: Mode::Control,
        })
        .await;

    // Every screen update is ciphertext on the wire, and exact once opened.
    let mut decoder = Decoder::new();
    let mut sealed_seen = 0;
    let started = Instant::now();
    loop {
        let item = tokio::time::timeout(Duration::from_millis(700), helper.next()).await;
        match item {
            Ok(Ok(Incoming::Data(bytes))) => {
                let (channel, payload) = decode(&bytes).expect("a data frame");
                assert!(
                    Decoder::new().apply(payload).is_err()
                        && !payload.windows(12).any(|w| w == b"\"type\":\"pos"),
                    "a {channel:?} frame crossed the relay in the clear"
                );
                sealed_seen += 1;
                let plain = helper
                    .e2e
                    .open(channel.byte(), payload)
                    .expect("opens")
                    .expect("current round");
                if channel == Channel::Screen {
                    decoder.apply(&plain).expect("decodes");
                    let seq = u32::from_le_bytes(plain[2..6].try_into().expect("seq"));
                    helper.client.send(&ClientMessage::ScreenAck { seq }).await;
                }
            }
            Ok(Ok(Incoming::Closed(code))) => panic!("closed ({code:?})"),
            Ok(Ok(_)) => {}
            Ok(Err(err)) => panic!("the key exchange failed: {err}"),
            Err(_) => {
                if helper.e2e.is_ready() && decoder.frame() == Some(&x.grab()) {
                    break;
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the helper never saw the screen exactly (ready: {})",
            helper.e2e.is_ready()
        );
    }
    assert!(sealed_seen > 0);
    assert_eq!(
        helper.e2e.verification().map(str::len),
        Some(7),
        "e.g. 482 913"
    );

    // Sealed input still lands on the sharer's screen.
    let text = InputEvent::Text {
        text: "typed through the seal\n".into(),
    };
    let sealed = helper
        .e2e
        .seal(Channel::Input.byte(), &text.encode())
        .expect("ready");
    helper
        .client
        .send_data(frame(Channel::Input, &sealed))
        .await;
    let started = Instant::now();
    while !std::fs::read_to_string(&typed)
        .unwrap_or_default()
        .contains("typed through the seal")
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "sealed input did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Sealed chat is stored sealed: the server cannot show what was said.
    let chat = helper
        .e2e
        .seal_chat("the password is hunter2")
        .expect("ready");
    helper
        .client
        .send(&ClientMessage::Chat {
            text: chat,
            sealed: true,
        })
        .await;
    let started = Instant::now();
    loop {
        let stored = expect_json(
            o.hana
                .get(&format!("/api/v1/remote-help/sessions/{session}/chat"))
                .await,
            StatusCode::OK,
        )
        .await;
        if let Some(first) = stored.as_array().and_then(|a| a.first()) {
            assert_eq!(first["sealed"], true);
            assert!(
                !first["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("hunter2")
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "chat not stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A relay that alters a frame is caught: the agent leaves and says why.
    let pointer = deskmate_proto::input::LaserPointer {
        x: 10,
        y: 10,
        color: 0xff0000,
    };
    let mut sealed = helper
        .e2e
        .seal(Channel::Pointer.byte(), &pointer.encode())
        .expect("ready");
    let last = sealed.len() - 1;
    sealed[last] ^= 0x40;
    helper
        .client
        .send_data(frame(Channel::Pointer, &sealed))
        .await;
    let ended = loop {
        match helper.next().await {
            Ok(Incoming::Msg(ServerMessage::Ended { by, reason })) => break (by, reason),
            Ok(Incoming::Closed(code)) => panic!("closed before the end ({code:?})"),
            _ => {}
        }
    };
    assert_eq!(ended.0, EndedBy::Sharer);
    assert!(
        ended.1.contains("end-to-end security check failed"),
        "{}",
        ended.1
    );
    let status = agent_exit(&mut agent).await;
    assert_eq!(
        status.map(|s| s.success()),
        Some(false),
        "the agent reports the failure"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_part_shows_nothing_and_fails_on_both_sides() {
    let Some(x) = Xvfb::start(320, 240) else {
        return;
    };
    let Some(o) = org(Backend::Sqlite).await else {
        return;
    };
    let (code, session) = issue(&o.hana).await;
    let mut agent = start_agent_with(&o, &x, &format!("{code}H4RT"), &session, &[]).await;
    // The helper (or a relay guessing) has another secret part.
    let mut helper = SecureHelper::join(&o, &session, &format!("{code}H4RX")).await;
    helper
        .client
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    let mut helper_failed = None;
    let reason = loop {
        match helper.next().await {
            Err(err) => helper_failed = Some(err),
            Ok(Incoming::Data(_)) => panic!("a frame crossed without a shared key"),
            Ok(Incoming::Msg(ServerMessage::Ended { reason, .. })) => break reason,
            Ok(Incoming::Closed(code)) => panic!("closed ({code:?})"),
            Ok(_) => {}
        }
    };
    // The sharer checks the helper's confirmation before it confirms
    // anything itself: it finds the mismatch, and the helper hears why.
    assert_eq!(helper_failed, None, "the sharer gave nothing to check");
    assert!(!helper.e2e.is_ready());
    assert!(
        reason.contains("end-to-end security check failed")
            && reason.contains("secret part does not match"),
        "{reason}"
    );
    let status = agent_exit(&mut agent).await;
    assert_eq!(status.map(|s| s.success()), Some(false));
    let log = std::fs::read_to_string(o.fx.dir.0.join("agent.log")).unwrap_or_default();
    assert!(
        log.contains("secret part does not match"),
        "the sharer's side says what happened: {log}"
    );
}
