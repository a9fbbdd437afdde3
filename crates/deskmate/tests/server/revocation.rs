//! A session connection lives no longer than its sign-in: disabling a
//! person, resetting their password, revoking their sign-ins or signing
//! out ends their live sessions at once, both sides told why; an expired
//! sign-in disconnects.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{Org, is_msg, org_with};
use crate::relay::active_session;
use crate::session_client::{Incoming, SessionClient};
use deskmate_proto::messages::{EndedBy, ErrorCode, ServerMessage};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn user_id(api: &Api) -> String {
    let me = expect_json(api.get("/api/v1/me").await, StatusCode::OK).await;
    me["user"]["id"]
        .as_str()
        .or_else(|| me["id"].as_str())
        .expect("user id")
        .to_string()
}

/// Reads until the session's end arrives; returns its reason, then expects the close.
async fn ended(client: &mut SessionClient, who: &str) -> String {
    let reason = match client
        .until(&format!("the end, at the {who}"), |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await
    {
        Incoming::Msg(ServerMessage::Ended { by, reason }) => {
            assert_eq!(by, EndedBy::System);
            reason
        }
        other => panic!("{other:?}"),
    };
    loop {
        match client.next().await {
            Incoming::Closed(_) => break,
            Incoming::Msg(ServerMessage::State { .. }) => {}
            other => panic!("expected the close at the {who}, got {other:?}"),
        }
    }
    reason
}

async fn recorded_end(o: &Org, session: &str) -> (Value, Value) {
    let record = expect_json(
        o.admin
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let events = expect_json(
        o.admin
            .get(&format!(
                "/api/v1/audit?target={session}&action=session_ended"
            ))
            .await,
        StatusCode::OK,
    )
    .await;
    (record, events[0].clone())
}

/// Revokes a participant's sign-in one way and checks both sides and the record.
async fn revocation_ends_the_session(backend: Backend, how: &str) {
    let Some(o) = org_with(backend, &[]).await else {
        return;
    };
    let (session, mut helper, mut sharer) = active_session(&o).await;
    let (sam, hana) = (user_id(&o.sam).await, user_id(&o.hana).await);
    let (who, why) = match how {
        "disable" => {
            expect_json(
                o.admin
                    .patch(&format!("/api/v1/users/{sam}"), &json!({"disabled": true}))
                    .await,
                StatusCode::OK,
            )
            .await;
            ("sharer", "the account was disabled")
        }
        "password" => {
            expect_no_content(
                o.admin
                    .post(
                        &format!("/api/v1/users/{hana}/password"),
                        &json!({"password": "a brand new long password"}),
                    )
                    .await,
            )
            .await;
            ("helper", "the password was reset")
        }
        "revoke" => {
            expect_no_content(
                o.admin
                    .post(&format!("/api/v1/users/{sam}/revoke-sessions"), &json!({}))
                    .await,
            )
            .await;
            ("sharer", "all sign-ins were revoked")
        }
        "logout" => {
            expect_no_content(o.sam.post("/api/v1/auth/logout", &json!({})).await).await;
            ("sharer", "they signed out")
        }
        other => panic!("no such way: {other}"),
    };
    let at_sharer = ended(&mut sharer, "sharer").await;
    let at_helper = ended(&mut helper, "helper").await;
    let expected = format!("the {who}'s sign-in was ended: {why}");
    assert_eq!(at_sharer, expected);
    assert_eq!(at_helper, expected);
    let (record, event) = recorded_end(&o, &session).await;
    assert_eq!(record["state"], "ended");
    assert_eq!(record["ended_by"], "revoked");
    assert_eq!(event["detail"]["by"], "revoked", "{event}");
    assert_eq!(event["detail"]["reason"], expected.as_str(), "{event}");
}

async fn disabling_the_sharer_ends_their_live_session(backend: Backend) {
    revocation_ends_the_session(backend, "disable").await;
}

async fn resetting_the_helpers_password_ends_their_live_session(backend: Backend) {
    revocation_ends_the_session(backend, "password").await;
}

async fn revoking_the_sharers_sign_ins_ends_their_live_session(backend: Backend) {
    revocation_ends_the_session(backend, "revoke").await;
}

async fn signing_out_ends_the_sessions_joined_with_that_sign_in(backend: Backend) {
    revocation_ends_the_session(backend, "logout").await;
}

/// Sign-ins that expire or are revoked behind the relay's back (here: in
/// the database) are noticed within seconds.
async fn an_expired_or_revoked_sign_in_does_not_keep_its_connection(backend: Backend) {
    let Some(o) = org_with(backend, &[]).await else {
        return;
    };
    let (session, mut helper, mut sharer) = active_session(&o).await;
    let sam = user_id(&o.sam).await;
    let pool = raw_pool(&o.fx.db.url).await;
    sqlx::query("UPDATE auth_sessions SET access_expires_at = 1 WHERE user_id = $1")
        .bind(&sam)
        .execute(&pool)
        .await
        .expect("expire Sam's sign-in");
    sharer
        .until("the expiry", |i| {
            is_msg(i, |m| {
                matches!(m, ServerMessage::Error { code: ErrorCode::NotAllowed, message }
                    if message.contains("sign-in has expired"))
            })
        })
        .await;
    loop {
        match sharer.next().await {
            Incoming::Closed(code) => {
                assert_eq!(code, Some(4001));
                break;
            }
            Incoming::Msg(ServerMessage::State { .. }) => {}
            other => panic!("expected the close, got {other:?}"),
        }
    }
    helper
        .until("the sharer gone", |i| {
            is_msg(i, |m| *m == ServerMessage::Peer { online: false })
        })
        .await;
    // The helper's sign-in is revoked in the database: the session ends.
    let hana = user_id(&o.hana).await;
    sqlx::query("UPDATE auth_sessions SET revoked_at = 1 WHERE user_id = $1")
        .bind(&hana)
        .execute(&pool)
        .await
        .expect("revoke Hana's sign-in");
    let reason = ended(&mut helper, "helper").await;
    assert_eq!(reason, "the helper's sign-in was ended: it was revoked");
    let (record, _) = recorded_end(&o, &session).await;
    assert_eq!(record["ended_by"], "revoked");
}

both_backends!(
    disabling_the_sharer_ends_their_live_session,
    resetting_the_helpers_password_ends_their_live_session,
    revoking_the_sharers_sign_ins_ends_their_live_session,
    signing_out_ends_the_sessions_joined_with_that_sign_in,
    an_expired_or_revoked_sign_in_does_not_keep_its_connection,
);
