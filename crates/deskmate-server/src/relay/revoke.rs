//! A session connection lives no longer than the sign-in it was opened
//! with. When a person's sign-ins are revoked (account disabled, password or
//! second factor reset, "sign out everywhere", sign-out) every session they
//! take part in ends at once, both sides told why; a connection whose
//! sign-in merely expired is disconnected and may come back, signed in
//! again, within the grace period.

use super::{Live, Out, apply, idx};
use crate::ids::{AuthSessionId, UserId};
use crate::relay::Hub;
use crate::store::Store;
use deskmate_proto::messages::{ErrorCode, ServerMessage, Side, encode};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// How often (in ticks of 500 ms) the sign-ins of all connections are checked.
pub const CHECK_EVERY_TICKS: u64 = 10;

/// The stored `ended_by` of a session ended this way.
pub const ENDED_BY_REVOKED: &str = "revoked";

/// Ends `live` because the sign-in of its `side` ended; false if it had
/// already ended.
async fn end_revoked(store: &Store, now: i64, live: &mut Live, side: Side, why: &str) -> bool {
    if live.core.is_ended() {
        return false;
    }
    let reason = format!("the {}'s sign-in was ended: {why}", side.as_str());
    tracing::info!(session = %live.id, side = side.as_str(), why, "a participant's sign-in ended; ending the session");
    live.end_cause = Some(ENDED_BY_REVOKED);
    let actions = live.core.end_now(&reason);
    apply(store, now, live, actions).await;
    true
}

/// Ends every live session in which `side_of` finds a participant whose
/// sign-in ended; returns how many.
async fn end_sessions_where(
    hub: &Hub,
    store: &Store,
    now: i64,
    why: &str,
    side_of: impl Fn(&Live) -> Option<Side>,
) -> usize {
    let mut ended = 0;
    for live in hub.all() {
        let mut live = live.lock().await;
        if let Some(side) = side_of(&live)
            && end_revoked(store, now, &mut live, side, why).await
        {
            ended += 1;
        }
    }
    ended
}

/// Ends every live session `user` takes part in; returns how many.
pub async fn end_sessions_of_user(
    hub: &Hub,
    store: &Store,
    now: i64,
    user: UserId,
    why: &str,
) -> usize {
    end_sessions_where(hub, store, now, why, |live| {
        [Side::Helper, Side::Sharer]
            .into_iter()
            .find(|&side| live.users[idx(side)] == user)
    })
    .await
}

/// Ends every live session with a connection opened with `sign_in`; returns how many.
pub async fn end_sessions_of_sign_in(
    hub: &Hub,
    store: &Store,
    now: i64,
    sign_in: AuthSessionId,
    why: &str,
) -> usize {
    end_sessions_where(hub, store, now, why, |live| {
        [Side::Helper, Side::Sharer].into_iter().find(|&side| {
            live.peers[idx(side)]
                .as_ref()
                .is_some_and(|p| p.sign_in == sign_in)
        })
    })
    .await
}

/// Checks the sign-ins of every connection (one query per 500 of them): a
/// revoked one ends the session (also revocations made elsewhere, such as a
/// reused refresh token), an expired one disconnects its connection.
pub async fn check_sign_ins(hub: &Hub, store: &Store, now: i64) {
    let mut peers: Vec<(Arc<Mutex<Live>>, Side, u64, AuthSessionId)> = Vec::new();
    for live in hub.all() {
        let guard = live.lock().await;
        for side in [Side::Helper, Side::Sharer] {
            if let Some(peer) = &guard.peers[idx(side)] {
                peers.push((Arc::clone(&live), side, peer.conn, peer.sign_in));
            }
        }
    }
    let mut ids: Vec<AuthSessionId> = peers.iter().map(|p| p.3).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut sign_ins = HashMap::new();
    for chunk in ids.chunks(500) {
        match store.auth_sessions_by_ids(chunk).await {
            Ok(found) => sign_ins.extend(found.into_iter().map(|r| (r.id, r))),
            Err(err) => {
                tracing::error!(error = %err, "could not check the sign-ins of session connections");
                return;
            }
        }
    }
    for (live, side, conn, sign_in) in peers {
        let revoked = match sign_ins.get(&sign_in) {
            Some(r) if r.revoked_at.is_some() => true,
            Some(r) if r.access_expires_at > now => continue,
            _ => false,
        };
        let mut guard = live.lock().await;
        if !guard.is_current(side, conn) {
            continue;
        }
        if revoked {
            end_revoked(store, now, &mut guard, side, "it was revoked").await;
            continue;
        }
        tracing::info!(session = %guard.id, side = side.as_str(), "a session connection's sign-in expired; disconnecting it");
        if let Some(peer) = guard.peers[idx(side)].take() {
            let error = ServerMessage::Error {
                code: ErrorCode::NotAllowed,
                message: "your sign-in has expired; sign in again to rejoin the session".into(),
            };
            let _ = peer.tx.send(Out::Text(encode(&error)));
            let _ = peer.tx.send(Out::Close(4001, "sign-in expired".into()));
        }
        let actions = guard.core.disconnect(side, now);
        apply(store, now, &mut guard, actions).await;
    }
}
