//! Remote help end to end with two protocol clients (no screen yet): codes,
//! refusals, consent, upgrade, chat, leave, reconnect (SPEC §5, §7, §10).

use crate::both_backends;
use crate::common::*;
use crate::rbac::{builtin_role, create_group, create_member};
use crate::session_client::{Incoming, SessionClient, open};
use deskmate_proto::frame::{Channel, encode as frame};
use deskmate_proto::messages::{ClientMessage, EndedBy, ErrorCode, Mode, ServerMessage, Side};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An organisation with remote help on: Hana helps the Staff group; Sam is
/// staff; Olga is not.
pub struct Org {
    pub fx: Fixture,
    pub admin: Api,
    pub hana: Api,
    pub sam: Api,
    pub olga: Api,
}

pub async fn org(backend: Backend) -> Option<Org> {
    org_with(backend, &[]).await
}

/// Like [`org`], with extra `deskmate serve` flags.
pub async fn org_with(backend: Backend, extra: &[&str]) -> Option<Org> {
    let fx = Fixture::start_with(backend, extra).await?;
    let admin = setup_admin(&fx.server).await;
    let helpdesk = create_group(&admin, "Helpdesk").await;
    let staff = create_group(&admin, "Staff").await;
    let operator = builtin_role(&admin, "Help Desk Operator").await;
    expect_json(
        admin
            .post(
                "/api/v1/role-assignments",
                &json!({"name": "Helpdesk helps staff", "role_id": operator,
                    "member_groups": [helpdesk], "scope_groups": [staff]}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let hana = create_member(
        &admin,
        "hana@example.org",
        "hana's long password",
        &[&helpdesk],
    )
    .await;
    expect_json(
        admin
            .patch(
                &format!("/api/v1/users/{}", hana["id"].as_str().expect("id")),
                &json!({"job_title": "IT support"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    create_member(&admin, "sam@example.org", "sam's long password", &[&staff]).await;
    create_member(&admin, "olga@example.org", "olga's long password", &[]).await;
    expect_json(
        admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"remote_help_enabled": true, "allow_unenrolled_devices": true}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let api = fx.server.client();
    let hana = sign_in(&api, "hana@example.org", "hana's long password").await;
    let sam = sign_in(&api, "sam@example.org", "sam's long password").await;
    let olga = sign_in(&api, "olga@example.org", "olga's long password").await;
    Some(Org {
        fx,
        admin,
        hana,
        sam,
        olga,
    })
}

pub async fn issue(helper: &Api) -> (String, String) {
    let issued = expect_json(
        helper.post("/api/v1/remote-help/codes", &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    (
        issued["code"].as_str().expect("code").to_string(),
        issued["session_id"].as_str().expect("id").to_string(),
    )
}

pub async fn redeem(sharer: &Api, code: &str) -> reqwest::Response {
    sharer
        .post(
            "/api/v1/remote-help/redeem",
            &json!({"code": code, "device": {"name": "sam-laptop", "os": "Debian 13"}}),
        )
        .await
}

pub fn token(api: &Api) -> &str {
    api.token.as_deref().expect("token")
}

pub fn is_msg(item: &Incoming, f: impl Fn(&ServerMessage) -> bool) -> bool {
    matches!(item, Incoming::Msg(m) if f(m))
}

async fn pairing_consent_upgrade_chat_reconnect_and_leave(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let (code, session) = issue(&o.hana).await;
    assert!(code.len() == 9 && code.as_bytes()[4] == b'-', "{code}");
    let typed = code.replace('-', " ").to_lowercase();
    let paired = expect_json(redeem(&o.sam, &typed).await, StatusCode::OK).await;
    assert_eq!(paired["state"], "paired");
    assert_eq!(paired["helper"]["first_name"], "hana");
    assert_eq!(paired["helper"]["job_title"], "IT support");
    let permissions = paired["permissions"].as_array().expect("permissions");
    assert!(
        permissions.contains(&json!("take_full_control")) && permissions.contains(&json!("chat"))
    );
    let seen_by_helper = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen_by_helper["sharer"]["email"], "sam@example.org");
    assert_eq!(seen_by_helper["device"]["name"], "sam-laptop");
    assert_eq!(
        seen_by_helper["device"]["compliant"], false,
        "unenrolled devices carry a compliance warning"
    );
    expect_json(
        o.olga
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    let mut sharer = SessionClient::join(&o.fx.server, token(&o.sam), &session, 0).await;
    match &helper.welcome {
        ServerMessage::Welcome { role, state, .. } => {
            assert_eq!(*role, Side::Helper);
            assert_eq!(state.allowed_modes, vec![Mode::View, Mode::Control]);
            assert_eq!(state.mode, None);
        }
        other => panic!("{other:?}"),
    }
    helper
        .until("peer online", |i| {
            is_msg(i, |m| *m == ServerMessage::Peer { online: true })
        })
        .await;

    // Nothing flows before consent.
    sharer
        .send_data(frame(Channel::Screen, b"secret pixels"))
        .await;
    let refused = sharer.drain().await;
    assert!(refused.iter().any(|i| is_msg(i, |m| matches!(
        m,
        ServerMessage::Error {
            code: ErrorCode::WrongState,
            ..
        }
    ))));
    assert!(
        helper
            .drain()
            .await
            .iter()
            .all(|i| !matches!(i, Incoming::Data(_))),
        "no screen before consent"
    );

    helper
        .send(&ClientMessage::RequestMode { mode: Mode::View })
        .await;
    sharer
        .until("request", |i| {
            is_msg(i, |m| {
                *m == ServerMessage::ModeRequested { mode: Mode::View }
            })
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
                *m == ServerMessage::ConsentResult {
                    mode: Mode::View,
                    allowed: true,
                }
            })
        })
        .await;
    sharer.send_data(frame(Channel::Screen, b"frame 1")).await;
    helper
        .until("screen", |i| {
            *i == Incoming::Data(frame(Channel::Screen, b"frame 1"))
        })
        .await;

    // View only: input is refused and never reaches the sharer; the pointer works.
    helper.send_data(frame(Channel::Input, b"key A")).await;
    helper
        .send_data(frame(Channel::Pointer, b"x=10,y=20"))
        .await;
    let to_helper = helper.drain().await;
    assert!(to_helper.iter().any(|i| is_msg(i, |m| matches!(
        m,
        ServerMessage::Error {
            code: ErrorCode::NotAllowed,
            ..
        }
    ))));
    let to_sharer = sharer.drain().await;
    assert!(
        !to_sharer.contains(&Incoming::Data(frame(Channel::Input, b"key A"))),
        "{to_sharer:?}"
    );
    assert!(to_sharer.contains(&Incoming::Data(frame(Channel::Pointer, b"x=10,y=20"))));

    // Control needs a new consent: declined first, then allowed.
    helper
        .send(&ClientMessage::RequestMode {
            mode: Mode::Control,
        })
        .await;
    sharer
        .until("upgrade request", |i| {
            is_msg(i, |m| {
                *m == ServerMessage::ModeRequested {
                    mode: Mode::Control,
                }
            })
        })
        .await;
    sharer
        .send(&ClientMessage::Consent {
            mode: Mode::Control,
            allow: false,
        })
        .await;
    helper
        .until("decline", |i| {
            is_msg(i, |m| {
                *m == ServerMessage::ConsentResult {
                    mode: Mode::Control,
                    allowed: false,
                }
            })
        })
        .await;
    helper
        .send(&ClientMessage::RequestMode {
            mode: Mode::Control,
        })
        .await;
    sharer
        .until("upgrade request", |i| {
            is_msg(i, |m| {
                *m == ServerMessage::ModeRequested {
                    mode: Mode::Control,
                }
            })
        })
        .await;
    sharer
        .send(&ClientMessage::Consent {
            mode: Mode::Control,
            allow: true,
        })
        .await;
    helper
        .until("allow", |i| {
            is_msg(i, |m| {
                *m == ServerMessage::ConsentResult {
                    mode: Mode::Control,
                    allowed: true,
                }
            })
        })
        .await;
    helper.send_data(frame(Channel::Input, b"key B")).await;
    sharer
        .until("input", |i| {
            *i == Incoming::Data(frame(Channel::Input, b"key B"))
        })
        .await;

    // Chat in any script, numbered, to both.
    helper
        .send(&ClientMessage::Chat {
            text: "مرحبا، سأساعدك الآن".into(),
            sealed: false,
        })
        .await;
    sharer
        .until("first chat", |i| {
            is_msg(
                i,
                |m| matches!(m, ServerMessage::Chat { message } if message.seq == 1),
            )
        })
        .await;
    sharer
        .send(&ClientMessage::Chat {
            text: "谢谢！屏幕在这里".into(),
            sealed: false,
        })
        .await;
    for (client, wanted) in [(&mut helper, 2), (&mut sharer, 1)] {
        let mut got = Vec::new();
        if wanted == 1 {
            got.push((1, "مرحبا، سأساعدك الآن".to_string()));
        }
        while got.len() < 2 {
            if let Incoming::Msg(ServerMessage::Chat { message }) = client
                .until("chat", |i| {
                    is_msg(i, |m| matches!(m, ServerMessage::Chat { .. }))
                })
                .await
            {
                got.push((message.seq, message.text));
            }
        }
        assert_eq!(
            got,
            [
                (1, "مرحبا، سأساعدك الآن".to_string()),
                (2, "谢谢！屏幕在这里".to_string())
            ]
        );
    }

    // A dropped connection is not a leave: the helper is told, the sharer comes back and misses nothing.
    drop(sharer);
    helper
        .until("peer gone", |i| {
            is_msg(i, |m| *m == ServerMessage::Peer { online: false })
        })
        .await;
    helper
        .send(&ClientMessage::Chat {
            text: "are you still there? 👋".into(),
            sealed: false,
        })
        .await;
    let mut sharer = SessionClient::join(&o.fx.server, token(&o.sam), &session, 1).await;
    match &sharer.welcome {
        ServerMessage::Welcome {
            chat,
            state,
            peer_online,
            ..
        } => {
            let seqs: Vec<u64> = chat.iter().map(|m| m.seq).collect();
            assert_eq!(seqs, [2, 3], "everything after the last message it had");
            assert_eq!(chat[1].text, "are you still there? 👋");
            assert_eq!(
                state.mode,
                Some(Mode::Control),
                "the mode survives the reconnect"
            );
            assert!(*peer_online);
        }
        other => panic!("{other:?}"),
    }
    helper
        .until("peer back", |i| {
            is_msg(i, |m| *m == ServerMessage::Peer { online: true })
        })
        .await;

    // The helper leaves: both are told who ended it; the record says so too.
    helper.send(&ClientMessage::Leave { reason: None }).await;
    for client in [&mut helper, &mut sharer] {
        client
            .until("ended", |i| {
                is_msg(i, |m| {
                    matches!(
                        m,
                        ServerMessage::Ended {
                            by: EndedBy::Helper,
                            ..
                        }
                    )
                })
            })
            .await;
    }
    let record = expect_json(
        o.admin
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(record["state"], "ended");
    assert_eq!(record["ended_by"], "helper");
    assert_eq!(record["mode"], "control");
    assert_eq!(record["chat_used"], true);
    assert!(record["started_at"].is_string() && record["ended_at"].is_string());
    let chat = expect_json(
        o.sam
            .get(&format!("/api/v1/remote-help/sessions/{session}/chat"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(chat.as_array().expect("chat").len(), 3);
    expect_json(
        o.admin
            .get(&format!("/api/v1/remote-help/sessions/{session}/chat"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        open(&o.fx.server, token(&o.hana), &session).await.err(),
        Some(409),
        "no rejoining an ended session"
    );

    let audit = expect_json(
        o.admin
            .get(&format!("/api/v1/audit?target={session}&limit=100"))
            .await,
        StatusCode::OK,
    )
    .await;
    let mut actions: Vec<&str> = audit
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "code_issued",
            "code_redeemed",
            "mode_requested",
            "consent_given",
            "mode_requested",
            "consent_declined",
            "mode_requested",
            "consent_given",
            "session_ended"
        ]
    );
}

async fn refusals_are_explained_to_both_sides(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    // Remote help off: no code is issued.
    expect_json(
        o.admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"remote_help_enabled": false}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let off = expect_json(
        o.hana.post("/api/v1/remote-help/codes", &json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(off["type"], "urn:deskmate:problem:remote-help-disabled");
    assert!(
        off["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not enabled for your organisation")
    );
    expect_json(
        o.admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"remote_help_enabled": true, "allow_unenrolled_devices": false}),
            )
            .await,
        StatusCode::OK,
    )
    .await;

    // Unenrolled devices not allowed.
    let (code, session) = issue(&o.hana).await;
    let refused = expect_json(redeem(&o.sam, &code).await, StatusCode::FORBIDDEN).await;
    assert_eq!(refused["type"], "urn:deskmate:problem:unenrolled-device");
    let helper_view = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(helper_view["state"], "refused");
    assert_eq!(helper_view["refusal"], "unenrolled-device");
    assert_eq!(
        helper_view["refusal_message"], refused["detail"],
        "the helper is told the same reason"
    );
    expect_json(redeem(&o.sam, &code).await, StatusCode::GONE).await;
    expect_json(
        o.admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"allow_unenrolled_devices": true}),
            )
            .await,
        StatusCode::OK,
    )
    .await;

    // Out of scope.
    let (code, session) = issue(&o.hana).await;
    let scope = expect_json(redeem(&o.olga, &code).await, StatusCode::FORBIDDEN).await;
    assert_eq!(scope["type"], "urn:deskmate:problem:not-in-scope");
    assert!(
        scope["detail"]
            .as_str()
            .unwrap_or("")
            .contains("hana Example"),
        "{scope}"
    );
    let helper_view = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(helper_view["refusal"], "not-in-scope");
    assert_eq!(
        helper_view["sharer"]["email"], "olga@example.org",
        "the helper sees who tried"
    );

    // Own code, unknown code, malformed code, used code, expired code.
    let (code, session) = issue(&o.hana).await;
    let own = expect_json(redeem(&o.hana, &code).await, StatusCode::FORBIDDEN).await;
    assert_eq!(own["type"], "urn:deskmate:problem:own-code");
    expect_json(redeem(&o.sam, "AAAA-AAAA").await, StatusCode::NOT_FOUND).await;
    let malformed = expect_json(
        redeem(&o.sam, "0000-OOOO").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(malformed["errors"][0]["field"], "code");
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let used = expect_json(redeem(&o.sam, &code).await, StatusCode::GONE).await;
    assert_eq!(used["type"], "urn:deskmate:problem:code-used");
    let (code, session2) = issue(&o.hana).await;
    let pool = raw_pool(&o.fx.db.url).await;
    sqlx::query("UPDATE remote_sessions SET code_expires_at = 0 WHERE id = $1")
        .bind(&session2)
        .execute(&pool)
        .await
        .expect("age the code");
    let waiting = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session2}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        waiting["state"], "expired",
        "the helper sees the code lapse"
    );
    let expired = expect_json(redeem(&o.sam, &code).await, StatusCode::GONE).await;
    assert_eq!(expired["type"], "urn:deskmate:problem:code-expired");

    // Chat disabled: never delivered.
    expect_json(
        o.admin
            .patch("/api/v1/tenant/settings", &json!({"chat_disabled": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    let mut helper = SessionClient::join(&o.fx.server, token(&o.hana), &session, 0).await;
    let mut sharer = SessionClient::join(&o.fx.server, token(&o.sam), &session, 0).await;
    if let ServerMessage::Welcome { state, .. } = &helper.welcome {
        assert!(!state.chat_enabled);
    }
    helper
        .send(&ClientMessage::Chat {
            text: "hello?".into(),
            sealed: false,
        })
        .await;
    let back = helper.drain().await;
    assert!(back.iter().any(|i| is_msg(i, |m| matches!(
        m,
        ServerMessage::Error {
            code: ErrorCode::ChatDisabled,
            ..
        }
    ))));
    assert!(
        sharer
            .drain()
            .await
            .iter()
            .all(|i| !is_msg(i, |m| matches!(m, ServerMessage::Chat { .. })))
    );
    let chat = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}/chat"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(chat, json!([]));

    let refusals = expect_json(
        o.admin
            .get("/api/v1/audit?action=code_refused&limit=100")
            .await,
        StatusCode::OK,
    )
    .await;
    let reasons: Vec<&str> = refusals
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["detail"]["reason"].as_str())
        .collect();
    for reason in [
        "unenrolled-device",
        "not-in-scope",
        "own-code",
        "unknown-code",
        "code-used",
        "code-expired",
    ] {
        assert!(
            reasons.contains(&reason),
            "{reason} not audited: {reasons:?}"
        );
    }
}

async fn hostile_frames_close_only_that_connection(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    // Two sessions of the same helper at once.
    let (code_a, a) = issue(&o.hana).await;
    let (code_b, b) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code_a).await, StatusCode::OK).await;
    let rita = create_member(&o.admin, "rita@example.org", "rita's long password", &[]).await;
    let groups = expect_json(o.admin.get("/api/v1/groups").await, StatusCode::OK).await;
    let staff = groups
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == "Staff")
        .expect("staff")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let add = o
        .admin
        .request(
            reqwest::Method::PUT,
            &format!(
                "/api/v1/groups/{staff}/members/{}",
                rita["id"].as_str().expect("id")
            ),
        )
        .send()
        .await
        .expect("add");
    assert_eq!(add.status(), StatusCode::NO_CONTENT);
    let rita = sign_in(
        &o.fx.server.client(),
        "rita@example.org",
        "rita's long password",
    )
    .await;
    expect_json(redeem(&rita, &code_b).await, StatusCode::OK).await;

    let mut helper_a = SessionClient::join(&o.fx.server, token(&o.hana), &a, 0).await;
    let mut sharer_a = SessionClient::join(&o.fx.server, token(&o.sam), &a, 0).await;
    let mut helper_b = SessionClient::join(&o.fx.server, token(&o.hana), &b, 0).await;
    let mut sharer_b = SessionClient::join(&o.fx.server, token(&rita), &b, 0).await;
    helper_b
        .send(&ClientMessage::Chat {
            text: "only for Rita".into(),
            sealed: false,
        })
        .await;
    sharer_b
        .until("chat b", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Chat { .. }))
        })
        .await;
    assert!(
        sharer_a
            .drain()
            .await
            .iter()
            .all(|i| !is_msg(i, |m| matches!(m, ServerMessage::Chat { .. }))),
        "sessions do not mix"
    );

    // Garbage text: protocol error, that connection closes.
    helper_a
        .send_raw(tokio_tungstenite::tungstenite::Message::Text(
            "{\"type\":\"format_disk\"}".into(),
        ))
        .await;
    helper_a
        .until("protocol error", |i| {
            is_msg(i, |m| {
                matches!(
                    m,
                    ServerMessage::Error {
                        code: ErrorCode::Protocol,
                        ..
                    }
                )
            })
        })
        .await;
    assert_eq!(helper_a.next().await, Incoming::Closed(Some(1002)));
    sharer_a
        .until("peer gone", |i| {
            is_msg(i, |m| *m == ServerMessage::Peer { online: false })
        })
        .await;
    // A sharer sending input (wrong side) and an unknown channel are violations too.
    sharer_a.send_data(vec![9, 9, 9]).await;
    sharer_a
        .until("closed", |i| matches!(i, Incoming::Closed(Some(1002))))
        .await;
    // Oversized frames are refused at the socket.
    let mut big = SessionClient::join(&o.fx.server, token(&rita), &b, 0).await;
    big.send_raw(tokio_tungstenite::tungstenite::Message::Binary(
        vec![1u8; 9 * 1024 * 1024].into(),
    ))
    .await;
    big.until("closed", |i| matches!(i, Incoming::Closed(_)))
        .await;
    // The other session is unaffected; the first one resumes after reconnecting.
    helper_b
        .send(&ClientMessage::Chat {
            text: "still here".into(),
            sealed: false,
        })
        .await;
    helper_b
        .until("own chat back", |i| {
            is_msg(
                i,
                |m| matches!(m, ServerMessage::Chat { message } if message.text == "still here"),
            )
        })
        .await;
    let mut helper_a = SessionClient::join(&o.fx.server, token(&o.hana), &a, 0).await;
    helper_a.send(&ClientMessage::Ping {}).await;
    helper_a
        .until("pong", |i| is_msg(i, |m| *m == ServerMessage::Pong))
        .await;
    let record: Value = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{a}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        record["state"], "paired",
        "violations end connections, not sessions"
    );
    // A wrong protocol version is refused.
    let mut old = open(&o.fx.server, token(&o.sam), &a)
        .await
        .expect("upgrade");
    use futures_util::{SinkExt, StreamExt};
    old.send(tokio_tungstenite::tungstenite::Message::Text(
        r#"{"type":"hello","protocol":99}"#.into(),
    ))
    .await
    .expect("send");
    let reply = old.next().await.expect("reply").expect("message");
    assert!(
        reply
            .to_text()
            .unwrap_or("")
            .contains("\"code\":\"version\""),
        "{reply:?}"
    );
}

both_backends!(
    pairing_consent_upgrade_chat_reconnect_and_leave,
    refusals_are_explained_to_both_sides,
    hostile_frames_close_only_that_connection,
);
