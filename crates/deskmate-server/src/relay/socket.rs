//! One WebSocket connection of a session participant: authenticate, say
//! hello, then pump messages between the socket and the session core.

use super::outbound::{CONTROL_QUEUE, Out, PeerTx, VideoSlot};
use super::{Live, Peer, apply, idx};
use crate::http::caller::Caller;
use crate::http::problem::ApiError;
use crate::http::remote_help::visible_session;
use crate::http::state::AppState;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use deskmate_proto::frame::{self, Channel, MAX_FRAME_BYTES};
use deskmate_proto::messages::{
    ClientMessage, ErrorCode, ServerMessage, Side, decode_client, encode,
};
use deskmate_proto::session::Verdict;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, mpsc};

/// How long a new connection has to send `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Join a session's live channel (WebSocket). The caller must be the
/// session's helper or sharer, and the code must have been redeemed.
#[utoipa::path(get, path = "/api/v1/remote-help/sessions/{id}/connect", tag = "remote-help",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 101, description = "WebSocket: JSON control messages and binary data frames"),
              (status = 409, body = crate::http::problem::Problem)))]
pub async fn connect(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    // Browsers send cookies with cross-site WebSocket requests too: refuse
    // every origin but this server's own, scheme, host and port alike.
    // Native clients send no Origin.
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()));
        let own = origin.to_str().is_ok_and(|origin| {
            crate::http::origin::is_own(origin, state.config.public_url.as_deref(), host)
        });
        if !own {
            return Err(ApiError::Forbidden(format!(
                "connections from {} are not accepted; open Deskmate at {}",
                String::from_utf8_lossy(origin.as_bytes()),
                state.public_url
            )));
        }
    }
    let record = visible_session(&state, &caller, &id).await?;
    let side = if record.helper_id == caller.user.id {
        Side::Helper
    } else if record.sharer_id == Some(caller.user.id) {
        Side::Sharer
    } else {
        return Err(ApiError::Forbidden(
            "only the helper and the sharer can join a session".into(),
        ));
    };
    match record.state.as_str() {
        "paired" | "active" => {}
        "waiting" => {
            return Err(ApiError::Conflict(
                "the code has not been redeemed yet".into(),
            ));
        }
        "refused" => {
            return Err(ApiError::Conflict(
                "the code was refused; get a new one".into(),
            ));
        }
        _ => return Err(ApiError::Conflict("the session has ended".into())),
    }
    let chat_enabled = !state
        .store
        .settings(record.tenant_id)
        .await?
        .map(|s| s.chat_disabled)
        .unwrap_or(true);
    let address: std::net::IpAddr = caller
        .source
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let limit = state.config.max_connections_per_address;
    let slot = state
        .hub
        .take_slot(address, limit)
        .ok_or_else(|| ApiError::TooManyRequests {
            detail: format!(
                "{address} already holds {limit} session connections; close some first"
            ),
            retry_after_secs: 10,
        })?;
    let live = state.hub.live(&state.store, &record, chat_enabled).await?;
    let signed_in = SignIn {
        source: caller.source.clone(),
        id: caller.session.id,
    };
    Ok(upgrade
        .max_message_size(MAX_FRAME_BYTES + 16)
        .max_frame_size(MAX_FRAME_BYTES + 16)
        .on_upgrade(move |socket| async move {
            run(state, live, side, signed_in, socket).await;
            drop(slot);
        }))
}

/// Where and with which sign-in a connection was opened.
struct SignIn {
    source: Option<String>,
    id: crate::ids::AuthSessionId,
}

fn close_frame(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.chars().take(100).collect::<String>().into(),
    }))
}

async fn run(
    state: AppState,
    live: Arc<Mutex<Live>>,
    side: Side,
    signed_in: SignIn,
    socket: WebSocket,
) {
    let (mut sink, mut stream) = socket.split();
    // 1. hello, within the time limit.
    let hello = tokio::time::timeout(HELLO_TIMEOUT, stream.next()).await;
    let (protocol, last_chat_seq) = match hello {
        Ok(Some(Ok(Message::Text(text)))) => match decode_client(text.as_str()) {
            Ok(ClientMessage::Hello {
                protocol,
                last_chat_seq,
            }) => (protocol, last_chat_seq),
            _ => {
                let error = ServerMessage::Error {
                    code: ErrorCode::Protocol,
                    message: "the first message must be hello".into(),
                };
                let _ = sink.send(Message::Text(encode(&error).into())).await;
                let _ = sink.send(close_frame(1002, "expected hello")).await;
                return;
            }
        },
        _ => {
            let _ = sink.send(close_frame(1002, "expected hello")).await;
            return;
        }
    };
    // 2. register as this side's connection (a reconnection replaces the old one).
    let (control, mut control_rx) = mpsc::channel(CONTROL_QUEUE);
    let video = Arc::new(VideoSlot::default());
    let conn = state.hub.next_conn();
    let peer = Peer {
        conn,
        tx: PeerTx {
            control,
            video: Arc::clone(&video),
        },
        source: signed_in.source,
        sign_in: signed_in.id,
    };
    {
        let mut guard = live.lock().await;
        if let Some(old) = guard.peers[idx(side)].replace(peer) {
            let _ = old
                .tx
                .send(Out::Close(4000, "replaced by a newer connection".into()));
        }
        let actions = guard.core.connect(side, protocol, last_chat_seq);
        apply(&state.store, state.now(), &mut guard, actions).await;
    }
    tracing::debug!(side = side.as_str(), conn, "session connection open");
    // 3. writer: control first, then the latest screen frame.
    let writer = tokio::spawn(async move {
        loop {
            let message = tokio::select! {
                biased;
                out = control_rx.recv() => match out {
                    Some(Out::Text(text)) => Message::Text(text.into()),
                    Some(Out::Binary(bytes)) => Message::Binary(bytes),
                    Some(Out::Close(code, reason)) => {
                        let _ = sink.send(close_frame(code, &reason)).await;
                        break;
                    }
                    None => break,
                },
                () = video.ready() => match video.take() {
                    Some(frame) => Message::Binary(frame),
                    None => continue,
                },
            };
            if sink.send(message).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    // 4. reader, with a token bucket on everything but screen frames (those are paced by acks).
    let rate = f64::from(state.config.max_messages_per_sec);
    let (mut tokens, mut refilled) = (rate * 2.0, std::time::Instant::now());
    while let Some(Ok(message)) = stream.next().await {
        let metered = match &message {
            Message::Binary(bytes) => bytes.first() != Some(&Channel::Screen.byte()),
            Message::Text(_) => true,
            _ => false,
        };
        if metered {
            let now = std::time::Instant::now();
            tokens = (tokens + now.duration_since(refilled).as_secs_f64() * rate).min(rate * 2.0);
            refilled = now;
            if tokens < 1.0 {
                let error = ServerMessage::Error {
                    code: ErrorCode::Protocol,
                    message: format!("more than {rate} messages per second; slow down"),
                };
                violation(&state, &live, side, conn, error).await;
                break;
            }
            tokens -= 1.0;
        }
        let keep_going = match message {
            Message::Text(text) => on_text(&state, &live, side, conn, text.as_str()).await,
            Message::Binary(bytes) => on_binary(&state, &live, side, conn, bytes).await,
            Message::Close(_) => false,
            Message::Ping(_) | Message::Pong(_) => true,
        };
        if !keep_going {
            break;
        }
    }
    // 5. gone: unless replaced or ended, the other side is told and the grace period starts.
    {
        let mut guard = live.lock().await;
        if guard.is_current(side, conn) {
            if let Some(peer) = guard.peers[idx(side)].take() {
                let _ = peer.tx.send(Out::Close(1000, "bye".into()));
            }
            let now = state.now();
            let actions = guard.core.disconnect(side, now);
            apply(&state.store, now, &mut guard, actions).await;
        }
    }
    let _ = writer.await;
    tracing::debug!(side = side.as_str(), conn, "session connection closed");
}

/// Sends a protocol error to this connection and closes it.
async fn violation(
    state: &AppState,
    live: &Mutex<Live>,
    side: Side,
    conn: u64,
    message: ServerMessage,
) {
    let mut guard = live.lock().await;
    if let Some(peer) = guard.peers[idx(side)].as_ref().filter(|p| p.conn == conn) {
        let _ = peer.tx.send(Out::Text(encode(&message)));
        let _ = peer.tx.send(Out::Close(1002, "protocol error".into()));
    }
    metrics::counter!("deskmate_relay_protocol_errors_total").increment(1);
    let now = state.now();
    if guard.is_current(side, conn) {
        guard.peers[idx(side)] = None;
        let actions = guard.core.disconnect(side, now);
        apply(&state.store, now, &mut guard, actions).await;
    }
}

async fn on_text(state: &AppState, live: &Mutex<Live>, side: Side, conn: u64, text: &str) -> bool {
    let message = match decode_client(text) {
        Ok(message) => message,
        Err(err) => {
            let error = ServerMessage::Error {
                code: ErrorCode::Protocol,
                message: err.to_string(),
            };
            violation(state, live, side, conn, error).await;
            return false;
        }
    };
    let mut guard = live.lock().await;
    if !guard.is_current(side, conn) {
        return false; // replaced by a newer connection
    }
    let now = state.now();
    match guard.core.receive(side, message, now) {
        Ok(actions) => {
            apply(&state.store, now, &mut guard, actions).await;
            true
        }
        Err(error) => {
            drop(guard);
            violation(state, live, side, conn, error).await;
            false
        }
    }
}

async fn on_binary(
    state: &AppState,
    live: &Mutex<Live>,
    side: Side,
    conn: u64,
    bytes: Bytes,
) -> bool {
    let channel = match frame::decode(&bytes) {
        Ok((channel, _)) => channel,
        Err(err) => {
            let error = ServerMessage::Error {
                code: ErrorCode::Protocol,
                message: err.to_string(),
            };
            violation(state, live, side, conn, error).await;
            return false;
        }
    };
    let mut guard = live.lock().await;
    if !guard.is_current(side, conn) {
        return false;
    }
    match guard.core.data(side, channel) {
        Ok(Verdict::Forward(to)) => {
            let slow = match &guard.peers[idx(to)] {
                Some(peer) if channel == Channel::Screen => {
                    peer.tx.video.put(bytes);
                    false
                }
                Some(peer) => !peer.tx.send(Out::Binary(bytes)),
                None => false,
            };
            if slow {
                let now = state.now();
                super::disconnect_slow(&state.store, now, &mut guard, to).await;
            }
            true
        }
        Ok(Verdict::Refuse(message)) => {
            if let Some(peer) = &guard.peers[idx(side)] {
                let _ = peer.tx.send(Out::Text(encode(&message)));
            }
            true
        }
        Err(error) => {
            drop(guard);
            violation(state, live, side, conn, error).await;
            false
        }
    }
}
