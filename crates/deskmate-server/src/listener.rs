//! The HTTPS listener: accepts TCP (at most so many open connections per
//! source address), completes TLS, serves HTTP/1.1 and HTTP/2 with the axum
//! router, and drains connections on shutdown. A connection's first bytes,
//! and every HTTP/1.1 request head (the first and each later one on a
//! kept-alive connection), must arrive within the header read timeout.

use crate::conn_limit::ConnectionLimits;
use crate::prefixed::Prefixed;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::ServerConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Longest a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest open connections are given to finish after shutdown starts.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Limits of each connection.
#[derive(Debug, Clone, Copy)]
pub struct ListenerLimits {
    /// Longest an HTTP/1.1 client may take to send a whole request head.
    pub header_read_timeout: Duration,
    /// Open connections one source address may hold.
    pub max_connections_per_address: u32,
}

/// Serves `router` over TLS on `listener` until `shutdown` completes.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    limits: ListenerLimits,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let graceful = GracefulShutdown::new();
    let per_address = ConnectionLimits::new(limits.max_connections_per_address);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match per_address.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(at_cap) => {
                if at_cap.first {
                    tracing::warn!(
                        address = %peer.ip(),
                        cap = per_address.cap(),
                        "refusing connections from this address: it already holds the most \
                         open connections one address may (max_tcp_connections_per_address)"
                    );
                } else {
                    tracing::debug!(%peer, "connection refused: its address is at the cap");
                }
                drop(tcp);
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let router = router.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _slot = slot;
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(err)) => {
                    tracing::debug!(%peer, error = %err, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let service = hyper::service::service_fn(
                move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.clone().oneshot(request)
                },
            );
            // The first bytes must come within the header read timeout too
            // (the HTTP server waits for them without one, to tell HTTP/1.1
            // from HTTP/2); then they are put back in front of the stream.
            let mut tls = tls;
            let mut first = vec![0u8; 4096];
            let read = match tokio::time::timeout(limits.header_read_timeout, tls.read(&mut first))
                .await
            {
                Ok(Ok(0)) | Ok(Err(_)) => return,
                Ok(Ok(n)) => n,
                Err(_) => {
                    tracing::debug!(%peer, "no request within the header read timeout");
                    return;
                }
            };
            first.truncate(read);
            let io = TokioIo::new(Prefixed::new(first, tls));
            let connection = builder.serve_connection_with_upgrades(io, service);
            if let Err(err) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not finish within {DRAIN_TIMEOUT:?}; closing them");
    }
}

/// The address of the peer, from the extension the listener adds.
pub fn peer_of(extensions: &axum::http::Extensions) -> Option<SocketAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}
