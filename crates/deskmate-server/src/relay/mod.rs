//! The session relay: live sessions in memory, each driven by the sans-IO
//! [`SessionCore`] from `deskmate-proto`. This module carries out what the
//! core decides — send, store, audit, close — and keeps time.

mod outbound;
pub mod revoke;
pub mod socket;
pub mod sweep;

pub use outbound::{Out, PeerTx, VideoSlot};

use crate::audit::AuditAction;
use crate::ids::{AuthSessionId, RemoteSessionId, TenantId, UserId};
use crate::permissions::Permission;
use crate::store::{ChatRecord, NewAuditEvent, RemoteSession, Store};
use deskmate_proto::messages::{ChatMessage, Mode, Side, encode};
use deskmate_proto::session::{Action, Event, Grants, SessionCore};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// One connected side.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Distinguishes a reconnection from the connection it replaced.
    pub conn: u64,
    /// Where to send.
    pub tx: PeerTx,
    /// Where it connected from.
    pub source: Option<String>,
    /// The sign-in the connection was opened with: it lives no longer than that.
    pub sign_in: AuthSessionId,
}

/// A session being relayed.
pub struct Live {
    /// Session id.
    pub id: RemoteSessionId,
    /// Organisation.
    pub tenant: TenantId,
    /// Helper and sharer user ids.
    pub users: [UserId; 2],
    /// The protocol state machine.
    pub core: SessionCore,
    /// Connected sides.
    pub peers: [Option<Peer>; 2],
    /// What the record's `ended_by` says when the server ends the session
    /// for a named cause (`timeout`, `revoked`) instead of `system`.
    pub end_cause: Option<&'static str>,
}

impl Live {
    /// Whether `conn` is still the registered connection of `side`.
    pub fn is_current(&self, side: Side, conn: u64) -> bool {
        self.peers[idx(side)]
            .as_ref()
            .is_some_and(|p| p.conn == conn)
    }
}

/// Index of a side in [`Live::peers`].
pub fn idx(side: Side) -> usize {
    match side {
        Side::Helper => 0,
        Side::Sharer => 1,
    }
}

/// All live sessions of this node.
pub struct Hub {
    sessions: std::sync::Mutex<HashMap<RemoteSessionId, Arc<Mutex<Live>>>>,
    next_conn: AtomicU64,
    grace_ms: i64,
    join_timeout_ms: i64,
    per_address: Arc<std::sync::Mutex<HashMap<std::net::IpAddr, u32>>>,
}

/// One open session connection of a source address; freed on drop.
pub struct ConnectionSlot {
    address: std::net::IpAddr,
    counts: Arc<std::sync::Mutex<HashMap<std::net::IpAddr, u32>>>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

fn mode_of(text: Option<&str>) -> Option<Mode> {
    match text {
        Some("view") => Some(Mode::View),
        Some("control") => Some(Mode::Control),
        _ => None,
    }
}

impl Hub {
    /// An empty hub whose sessions wait `grace_secs` for a dropped
    /// participant and `join_timeout_secs` after redemption for both sides
    /// to join.
    pub fn new(grace_secs: u64, join_timeout_secs: u64) -> Self {
        Self {
            sessions: std::sync::Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
            grace_ms: i64::try_from(grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
            join_timeout_ms: i64::try_from(join_timeout_secs.saturating_mul(1000))
                .unwrap_or(i64::MAX),
            per_address: Arc::new(std::sync::Mutex::new(HashMap::new())),
        }
    }

    /// Reserves a connection for `address` if it holds fewer than `max`.
    pub fn take_slot(&self, address: std::net::IpAddr, max: u32) -> Option<ConnectionSlot> {
        let mut counts = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(address).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            address,
            counts: Arc::clone(&self.per_address),
        })
    }

    /// A fresh connection number.
    pub fn next_conn(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// How many sessions are live.
    pub fn live_count(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// The live session for a record, built from the database on first use
    /// (also after a server restart: mode and chat survive).
    pub async fn live(
        &self,
        store: &Store,
        record: &RemoteSession,
        chat_enabled: bool,
    ) -> Result<Arc<Mutex<Live>>, crate::store::StoreError> {
        if let Some(live) = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&record.id)
        {
            return Ok(Arc::clone(live));
        }
        let chat = store
            .chat_of(record.id)
            .await?
            .into_iter()
            .map(|c| ChatMessage {
                seq: u64::try_from(c.seq).unwrap_or(0),
                from: if c.sender == "helper" {
                    Side::Helper
                } else {
                    Side::Sharer
                },
                text: c.body,
                at: c.sent_at,
                sealed: c.sealed,
            })
            .collect();
        let grants = Grants {
            view: record.granted.contains(&Permission::ViewScreen),
            control: record.granted.contains(&Permission::TakeFullControl),
            chat: record.granted.contains(&Permission::Chat),
            pointer: record.granted.contains(&Permission::LaserPointer),
        };
        let sharer = record.sharer_id.unwrap_or(record.helper_id);
        let live = Live {
            id: record.id,
            tenant: record.tenant_id,
            users: [record.helper_id, sharer],
            core: SessionCore::new(grants, chat_enabled, mode_of(record.mode.as_deref()), chat)
                .with_grace_ms(self.grace_ms),
            peers: [None, None],
            end_cause: None,
        };
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        Ok(Arc::clone(
            sessions
                .entry(record.id)
                .or_insert_with(|| Arc::new(Mutex::new(live))),
        ))
    }

    /// How long after redemption both sides have to join, in ms.
    pub fn join_timeout_ms(&self) -> i64 {
        self.join_timeout_ms
    }

    /// The live session of a record, if this node holds it.
    pub fn get(&self, id: RemoteSessionId) -> Option<Arc<Mutex<Live>>> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    /// Every live session (for the ticker).
    pub fn all(&self) -> Vec<Arc<Mutex<Live>>> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    fn forget(&self, id: RemoteSessionId) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
}

/// Carries out the core's actions for a session (the caller holds its lock).
pub async fn apply(store: &Store, now: i64, live: &mut Live, actions: Vec<Action>) {
    for action in actions {
        match action {
            Action::Send(side, message) => {
                let slow = match &live.peers[idx(side)] {
                    Some(peer) => !peer.tx.send(Out::Text(encode(&message))),
                    None => false,
                };
                if slow {
                    disconnect_slow(store, now, live, side).await;
                }
            }
            Action::Close(side) => {
                if let Some(peer) = live.peers[idx(side)].take() {
                    let _ = peer.tx.send(Out::Close(1000, "session ended".into()));
                }
            }
            Action::Persist(event) => {
                if let Err(err) = persist(store, now, live, event).await {
                    tracing::error!(session = %live.id, error = %err, "could not store a session event");
                }
            }
        }
    }
}

/// A peer whose queue is full is cut off; it may reconnect within the grace period.
async fn disconnect_slow(store: &Store, now: i64, live: &mut Live, side: Side) {
    if let Some(peer) = live.peers[idx(side)].take() {
        tracing::warn!(session = %live.id, side = side.as_str(), "peer too slow; disconnecting it");
        metrics::counter!("deskmate_relay_slow_peers_total").increment(1);
        let _ = peer
            .tx
            .control
            .try_send(Out::Close(1013, "too slow; reconnect".into()));
        let actions = live.core.disconnect(side, now);
        Box::pin(apply(store, now, live, actions)).await;
    }
}

async fn persist(
    store: &Store,
    now: i64,
    live: &Live,
    event: Event,
) -> Result<(), crate::store::StoreError> {
    let (helper, sharer) = (live.users[0], live.users[1]);
    let audit =
        |actor: Option<UserId>, action: AuditAction, detail: serde_json::Value| NewAuditEvent {
            tenant_id: live.tenant,
            actor_id: actor,
            action,
            target: Some(live.id.to_string()),
            detail,
            source_addr: None,
        };
    let source = |side: Side| {
        live.peers[idx(side)]
            .as_ref()
            .and_then(|p| p.source.clone())
    };
    match event {
        Event::ModeRequested(mode) => {
            let mut e = audit(
                Some(helper),
                AuditAction::ModeRequested,
                serde_json::json!({"mode": mode.as_str()}),
            );
            e.source_addr = source(Side::Helper);
            store.append_audit(&e, now).await?;
        }
        Event::ConsentGiven(mode) => {
            store
                .activate_remote_session(live.id, mode.as_str(), now)
                .await?;
            let mut e = audit(
                Some(sharer),
                AuditAction::ConsentGiven,
                serde_json::json!({"mode": mode.as_str()}),
            );
            e.source_addr = source(Side::Sharer);
            store.append_audit(&e, now).await?;
        }
        Event::ConsentDeclined(mode) => {
            let mut e = audit(
                Some(sharer),
                AuditAction::ConsentDeclined,
                serde_json::json!({"mode": mode.as_str()}),
            );
            e.source_addr = source(Side::Sharer);
            store.append_audit(&e, now).await?;
        }
        Event::Chat(message) => {
            store
                .append_chat(
                    live.id,
                    &ChatRecord {
                        seq: i64::try_from(message.seq).unwrap_or(i64::MAX),
                        sender: message.from.as_str().into(),
                        body: message.text,
                        sent_at: message.at,
                        sealed: message.sealed,
                    },
                )
                .await?;
        }
        Event::Ended(by, reason) => {
            let ended_by = live.end_cause.unwrap_or(by.as_str());
            store.end_remote_session(live.id, ended_by, now).await?;
            let actor = match by {
                deskmate_proto::messages::EndedBy::Helper => Some(helper),
                deskmate_proto::messages::EndedBy::Sharer => Some(sharer),
                deskmate_proto::messages::EndedBy::System => None,
            };
            store
                .append_audit(
                    &audit(
                        actor,
                        AuditAction::SessionEnded,
                        serde_json::json!({"by": ended_by, "reason": reason}),
                    ),
                    now,
                )
                .await?;
            metrics::counter!("deskmate_sessions_ended_total", "by" => ended_by).increment(1);
        }
    }
    Ok(())
}

/// Keeps time for every live session: ends those whose side stayed away past
/// the grace period, and those nobody joined in time after redemption;
/// disconnects connections whose sign-in ended; forgets sessions that are
/// over and empty.
pub async fn run_ticker(hub: Arc<Hub>, store: Store, clock: Arc<dyn crate::clock::Clock>) {
    let mut interval = tokio::time::interval(Duration::from_millis(500));
    let mut ticks: u64 = 0;
    loop {
        interval.tick().await;
        ticks += 1;
        if ticks.is_multiple_of(revoke::CHECK_EVERY_TICKS) {
            revoke::check_sign_ins(&hub, &store, clock.now_ms()).await;
        }
        if ticks.is_multiple_of(4) {
            sweep::end_unjoined(&hub, &store, clock.now_ms()).await;
        }
        for live in hub.all() {
            let mut live = live.lock().await;
            let now = clock.now_ms();
            let actions = live.core.tick(now);
            apply(&store, now, &mut live, actions).await;
            if live.core.is_ended() && live.peers.iter().all(Option::is_none) {
                hub.forget(live.id);
            }
        }
        metrics::gauge!("deskmate_relay_live_sessions").set(hub.live_count() as f64);
    }
}
