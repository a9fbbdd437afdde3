//! A hostile server for tests, written here rather than taken from the
//! product: a TLS proxy in front of the real server, with the server's own
//! certificate (so clients trust it as they trust the server), that passes
//! every request through but holds the session WebSocket of whoever
//! connects through it. A [`Tamper`] sees each text message in both
//! directions and decides what goes on, what is swallowed and what is
//! forged; the test can also push forged messages to the client at will.
//!
//! It speaks HTTP/1.1 only (ALPN), so browsers and the agent open each
//! WebSocket on a connection of its own, whose first request is the upgrade.

#![allow(dead_code)]

use crate::common::{ServerProcess, tls_client_config};
use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

/// What a tampering relay does with the messages of one session socket.
pub trait Tamper: Send + 'static {
    /// A text message from the server for the client: push what the client
    /// gets to `to_client` (the message itself to pass it on) and anything
    /// to say to the server in the client's name to `to_server`.
    fn server_said(&mut self, text: &str, to_client: &mut Vec<String>, to_server: &mut Vec<String>);
    /// A text message from the client for the server, likewise.
    fn client_said(&mut self, text: &str, to_client: &mut Vec<String>, to_server: &mut Vec<String>);
}

/// The proxy; dropped, it stops accepting.
pub struct HostileRelay {
    /// `https://127.0.0.1:PORT`, for clients.
    pub base: String,
    inject: Arc<Mutex<Vec<mpsc::UnboundedSender<Message>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HostileRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds the proxy's port first, so the server can be started with it as
/// its public address (browsers' Origin must match it).
pub async fn bind() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.expect("bind proxy")
}

/// The base address clients use for a bound proxy.
pub fn base_of(listener: &TcpListener) -> String {
    format!("https://{}", listener.local_addr().expect("address"))
}

impl HostileRelay {
    /// Starts relaying to `server`; every session socket gets a fresh
    /// tamperer from `make`.
    pub fn start<T: Tamper>(
        listener: TcpListener,
        server: &ServerProcess,
        make: impl Fn() -> T + Send + Sync + 'static,
    ) -> HostileRelay {
        let base = base_of(&listener);
        let upstream = server.base.trim_start_matches("https://").to_string();
        let cert_file = server.data_dir.join("tls/cert.pem");
        let acceptor = TlsAcceptor::from(Arc::new(server_config(server)));
        let connector = TlsConnector::from(Arc::new(upstream_config(&cert_file)));
        let inject: Arc<Mutex<Vec<mpsc::UnboundedSender<Message>>>> = Arc::default();
        let make = Arc::new(make);
        let sockets = Arc::clone(&inject);
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let connector = connector.clone();
                let upstream = upstream.clone();
                let make = Arc::clone(&make);
                let sockets = Arc::clone(&sockets);
                tokio::spawn(async move {
                    let _ =
                        relay_connection(tcp, acceptor, connector, &upstream, make, sockets).await;
                });
            }
        });
        HostileRelay { base, inject, task }
    }

    /// Sends `text` to the client of every session socket held now, as if
    /// the server had said it. Returns how many got it.
    pub fn inject(&self, text: &str) -> usize {
        self.inject_message(Message::Text(text.to_string().into()))
    }

    /// Sends a data frame to the client of every session socket held now.
    pub fn inject_binary(&self, bytes: Vec<u8>) -> usize {
        self.inject_message(Message::Binary(bytes.into()))
    }

    fn inject_message(&self, message: Message) -> usize {
        let sockets = self.inject.lock().expect("lock");
        sockets
            .iter()
            .filter(|tx| tx.send(message.clone()).is_ok())
            .count()
    }
}

fn server_config(server: &ServerProcess) -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(server.data_dir.join("tls/cert.pem"))
        .expect("cert")
        .map(|c| c.expect("cert"))
        .collect();
    let key = PrivateKeyDer::from_pem_file(server.data_dir.join("tls/key.pem")).expect("key");
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

fn upstream_config(cert: &std::path::Path) -> rustls::ClientConfig {
    let mut config = tls_client_config(cert);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// Reads up to the end of an HTTP head; returns the head and what came after.
async fn read_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buffer.split_off(end + 4);
            return Some((buffer, rest));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buffer.len() > 64 * 1024 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

async fn relay_connection<T: Tamper>(
    tcp: TcpStream,
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    upstream: &str,
    make: Arc<impl Fn() -> T + Send + Sync + 'static>,
    sockets: Arc<Mutex<Vec<mpsc::UnboundedSender<Message>>>>,
) -> Option<()> {
    let mut client = acceptor.accept(tcp).await.ok()?;
    let server_tcp = TcpStream::connect(upstream).await.ok()?;
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").ok()?;
    let mut server = connector.connect(name, server_tcp).await.ok()?;
    let (head, rest) = read_head(&mut client).await?;
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let is_session_socket = text.starts_with("get ")
        && text.lines().next().is_some_and(|l| l.contains("/connect"))
        && text.contains("upgrade: websocket");
    server.write_all(&head).await.ok()?;
    server.write_all(&rest).await.ok()?;
    if !is_session_socket {
        tokio::io::copy_bidirectional(&mut client, &mut server)
            .await
            .ok()?;
        return Some(());
    }
    let (answer, early) = read_head(&mut server).await?;
    client.write_all(&answer).await.ok()?;
    if !answer.starts_with(b"HTTP/1.1 101") {
        client.write_all(&early).await.ok()?;
        tokio::io::copy_bidirectional(&mut client, &mut server)
            .await
            .ok()?;
        return Some(());
    }
    let client_ws = WebSocketStream::from_raw_socket(client, Role::Server, None).await;
    let server_ws = WebSocketStream::from_partially_read(server, early, Role::Client, None).await;
    let (inject_tx, inject_rx) = mpsc::unbounded_channel();
    sockets.lock().ok()?.push(inject_tx);
    pump(client_ws, server_ws, make(), inject_rx).await;
    Some(())
}

async fn pump<C, S, T: Tamper>(
    client: WebSocketStream<C>,
    server: WebSocketStream<S>,
    mut tamper: T,
    mut inject: mpsc::UnboundedReceiver<Message>,
) where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut client_tx, mut client_rx) = client.split();
    let (mut server_tx, mut server_rx) = server.split();
    loop {
        let mut to_client = Vec::new();
        let mut to_server = Vec::new();
        tokio::select! {
            Some(forged) = inject.recv() => {
                if client_tx.send(forged).await.is_err() { return; }
            }
            message = server_rx.next() => match message {
                Some(Ok(Message::Text(text))) => tamper.server_said(text.as_str(), &mut to_client, &mut to_server),
                Some(Ok(Message::Binary(bytes))) => {
                    if client_tx.send(Message::Binary(bytes)).await.is_err() { return; }
                }
                Some(Ok(Message::Close(frame))) => {
                    let _ = client_tx.send(Message::Close(frame)).await;
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            message = client_rx.next() => match message {
                Some(Ok(Message::Text(text))) => tamper.client_said(text.as_str(), &mut to_client, &mut to_server),
                Some(Ok(Message::Binary(bytes))) => {
                    if server_tx.send(Message::Binary(bytes)).await.is_err() { return; }
                }
                Some(Ok(Message::Close(frame))) => {
                    let _ = server_tx.send(Message::Close(frame)).await;
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
        for text in to_client {
            if client_tx.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        for text in to_server {
            if server_tx.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
    }
}
