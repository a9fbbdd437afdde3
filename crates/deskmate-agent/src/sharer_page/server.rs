//! The loopback HTTP server behind the sharer page: the web app's files,
//! the launch exchange (`POST /launch`) and one WebSocket, `/ui?key=…`.
//! Requests must name this very address in `Host` (no DNS rebinding) and
//! the socket must come from this origin with the key. While one page is
//! connected, another is refused with [`BUSY_CLOSE`] and the connected page
//! is told.

use super::{PageCommand, Shared};
use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::broadcast::error::RecvError;

/// Largest message the page may send.
const MAX_PAGE_MESSAGE: usize = 16 * 1024;

/// The close code a page gets while another page is connected.
pub(crate) const BUSY_CLOSE: u16 = 4002;

/// Holds the one page slot; frees it when the connection ends.
struct PageSlot<'a>(&'a Shared);

impl<'a> PageSlot<'a> {
    fn claim(shared: &'a Shared) -> Option<Self> {
        shared
            .page_open
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Self(shared))
    }
}

impl Drop for PageSlot<'_> {
    fn drop(&mut self) {
        self.0.page_open.store(false, Ordering::Release);
    }
}

pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let app = Router::new()
        .route("/ui", get(socket))
        .route("/launch", post(super::launch::exchange))
        .fallback(file)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            same_host,
        ))
        .with_state(shared);
    if let Err(err) = axum::serve(listener, app).await {
        tracing::error!(error = %err, "the sharer page's server stopped");
    }
}

/// Refuses requests that do not address this server by its loopback address.
async fn same_host(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let expected = shared.addr.to_string();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if host != Some(expected.as_str()) {
        return (StatusCode::MISDIRECTED_REQUEST, "wrong host").into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, deskmate_web::CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    response
}

async fn file(request: Request) -> Response {
    match deskmate_web::get(request.uri().path()) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type()),
                (header::CACHE_CONTROL, asset.cache_control()),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn socket(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let key_ok = query
        .get("key")
        .is_some_and(|key| super::launch::same_secret(key, &shared.key));
    let origin = format!("http://{}", shared.addr);
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| o == origin);
    if !key_ok || !origin_ok {
        tracing::warn!(
            key_ok,
            origin_ok,
            "a connection to the sharer page was refused"
        );
        return (StatusCode::FORBIDDEN, "not this agent's page").into_response();
    }
    upgrade
        .max_message_size(MAX_PAGE_MESSAGE)
        .on_upgrade(move |ws| run(ws, shared))
}

async fn run(mut ws: WebSocket, shared: Arc<Shared>) {
    let Some(_slot) = PageSlot::claim(&shared) else {
        tracing::warn!("another sharer page tried to connect while one is open; it was refused");
        let _ = shared.updates.send(
            serde_json::json!({"type": "notice", "notice": "second_page_refused"}).to_string(),
        );
        let _ = ws
            .send(Message::Text(
                serde_json::json!({"type": "busy"}).to_string().into(),
            ))
            .await;
        let _ = ws
            .send(Message::Close(Some(axum::extract::ws::CloseFrame {
                code: BUSY_CLOSE,
                reason: "the sharer page is already open in another tab or window".into(),
            })))
            .await;
        return;
    };
    let (mut updates, snapshot) = {
        let picture = shared
            .picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (shared.updates.subscribe(), picture.snapshot())
    };
    for message in snapshot {
        if ws
            .send(Message::Text(message.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
    }
    tracing::info!("the sharer page connected");
    loop {
        tokio::select! {
            update = updates.recv() => match update {
                Ok(text) => {
                    if ws.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // Fell behind: start the page over from the whole picture.
                    let snapshot = shared
                        .picture
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .snapshot();
                    for message in snapshot {
                        if ws.send(Message::Text(message.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    match serde_json::from_str::<PageCommand>(text.as_str()) {
                        Ok(command) => {
                            let _ = shared.commands.send(command);
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "the sharer page sent something malformed");
                            let reply = serde_json::json!({"type": "error", "message": format!("not understood: {err}")});
                            if ws.send(Message::Text(reply.to_string().into())).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    tracing::info!("the sharer page disconnected");
                    return;
                }
                Some(Ok(_)) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_commands_are_strict() {
        let ok: PageCommand =
            serde_json::from_str(r#"{"type":"consent","mode":"control","allow":true}"#)
                .expect("valid");
        assert_eq!(
            ok,
            PageCommand::Consent {
                mode: deskmate_proto::messages::Mode::Control,
                allow: true
            }
        );
        assert!(serde_json::from_str::<PageCommand>(r#"{"type":"leave","x":1}"#).is_err());
        assert!(serde_json::from_str::<PageCommand>(r#"{"type":"format_disk"}"#).is_err());
    }
}
