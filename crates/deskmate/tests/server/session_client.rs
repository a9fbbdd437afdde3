//! A protocol client for tests: joins a session's WebSocket over TLS as the
//! helper or the sharer and speaks `deskmate-proto` messages.

#![allow(dead_code)]

use crate::common::{ServerProcess, tls_client_config};
use deskmate_proto::PROTOCOL_VERSION;
use deskmate_proto::messages::{ClientMessage, ServerMessage, decode_server, encode};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Something that arrived.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Msg(ServerMessage),
    Data(Vec<u8>),
    Closed(Option<u16>),
}

pub struct SessionClient {
    ws: WebSocketStream<TlsStream<TcpStream>>,
    pub welcome: ServerMessage,
}

/// Opens the WebSocket without saying hello; `Err` carries the HTTP status of a refused upgrade.
pub async fn open(
    server: &ServerProcess,
    token: &str,
    session: &str,
) -> Result<WebSocketStream<TlsStream<TcpStream>>, u16> {
    let addr = server.base.trim_start_matches("https://").to_string();
    let tcp = TcpStream::connect(&addr).await.expect("tcp connect");
    let connector = TlsConnector::from(Arc::new(tls_client_config(
        &server.data_dir.join("tls/cert.pem"),
    )));
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let tls = connector.connect(name, tcp).await.expect("tls");
    let mut request = format!("wss://{addr}/api/v1/remote-help/sessions/{session}/connect")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    match tokio_tungstenite::client_async(request, tls).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("websocket handshake failed: {other}"),
    }
}

impl SessionClient {
    /// Joins and says hello; returns once the welcome arrived.
    pub async fn join(
        server: &ServerProcess,
        token: &str,
        session: &str,
        last_chat_seq: u64,
    ) -> Self {
        let ws = open(server, token, session)
            .await
            .unwrap_or_else(|status| panic!("join refused with {status}"));
        let mut client = Self {
            ws,
            welcome: ServerMessage::Pong,
        };
        client
            .send(&ClientMessage::Hello {
                protocol: PROTOCOL_VERSION,
                last_chat_seq,
            })
            .await;
        match client.next().await {
            Incoming::Msg(welcome @ ServerMessage::Welcome { .. }) => client.welcome = welcome,
            other => panic!("expected welcome, got {other:?}"),
        }
        client
    }

    pub async fn send(&mut self, message: &ClientMessage) {
        self.ws
            .send(Message::Text(encode(message).into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, message: Message) {
        let _ = self.ws.send(message).await;
    }

    pub async fn send_data(&mut self, bytes: Vec<u8>) {
        self.ws
            .send(Message::Binary(bytes.into()))
            .await
            .expect("send data");
    }

    /// The next message, data frame or close (10 s at most).
    pub async fn next(&mut self) -> Incoming {
        loop {
            let item = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("nothing arrived within 10 s");
            return match item {
                Some(Ok(Message::Text(text))) => {
                    Incoming::Msg(decode_server(text.as_str()).expect("server message"))
                }
                Some(Ok(Message::Binary(bytes))) => Incoming::Data(bytes.to_vec()),
                Some(Ok(Message::Close(frame))) => {
                    Incoming::Closed(frame.map(|f| u16::from(f.code)))
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => Incoming::Closed(None),
            };
        }
    }

    /// Skips state updates and returns the next other message.
    pub async fn next_event(&mut self) -> Incoming {
        loop {
            match self.next().await {
                Incoming::Msg(ServerMessage::State { .. }) => continue,
                other => return other,
            }
        }
    }

    /// Reads until `want` matches, failing on a close first.
    pub async fn until(&mut self, what: &str, want: impl Fn(&Incoming) -> bool) -> Incoming {
        loop {
            let item = self.next().await;
            if want(&item) {
                return item;
            }
            if let Incoming::Closed(code) = item {
                panic!("closed ({code:?}) while waiting for {what}");
            }
        }
    }

    /// Sends a ping and returns everything that arrived before the pong.
    pub async fn drain(&mut self) -> Vec<Incoming> {
        self.send(&ClientMessage::Ping {}).await;
        let mut seen = Vec::new();
        loop {
            match self.next().await {
                Incoming::Msg(ServerMessage::Pong) => return seen,
                Incoming::Closed(code) => panic!("closed ({code:?}) while draining"),
                other => seen.push(other),
            }
        }
    }
}
