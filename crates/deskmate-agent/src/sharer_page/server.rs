//! The loopback HTTP server behind the sharer page: the web app's files and
//! one WebSocket, `/ui?key=…`. Requests must name this very address in
//! `Host` (no DNS rebinding) and the socket must come from this origin with
//! the key; a newer page connection replaces an older one.

use super::{PageCommand, Shared};
use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// Largest message the page may send.
const MAX_PAGE_MESSAGE: usize = 16 * 1024;

pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let app = Router::new()
        .route("/ui", get(socket))
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

/// Compares without leaking where the first difference is.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn socket(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let key_ok = query
        .get("key")
        .is_some_and(|key| same_secret(key, &shared.key));
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
    let mine = {
        let mut next = 0;
        shared.generation.send_modify(|g| {
            *g += 1;
            next = *g;
        });
        next
    };
    let mut generation = shared.generation.subscribe();
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
            changed = generation.changed() => {
                if changed.is_err() || *generation.borrow() != mine {
                    let _ = ws.send(Message::Close(Some(axum::extract::ws::CloseFrame {
                        code: 4001,
                        reason: "the page was opened again elsewhere".into(),
                    }))).await;
                    return;
                }
            }
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
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }

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
