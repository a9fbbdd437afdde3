//! A browser's WebSocket to the relay must come from this server's own
//! origin, compared whole: scheme, host and port.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{issue, org, redeem, token};
use reqwest::StatusCode;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Opens the session's WebSocket with `origin`; the HTTP status of the answer.
async fn connect_from(server: &ServerProcess, token: &str, session: &str, origin: &str) -> u16 {
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
    let headers = request.headers_mut();
    headers.insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    headers.insert("origin", origin.parse().expect("origin header"));
    match tokio_tungstenite::client_async(request, tls).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("websocket handshake failed: {other}"),
    }
}

async fn the_relay_compares_the_whole_origin(backend: Backend) {
    let Some(o) = org(backend).await else {
        return;
    };
    let (code, session) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let server = &o.fx.server;
    let authority = server.base.trim_start_matches("https://").to_string();
    let port = authority.rsplit(':').next().expect("port");
    for foreign in [
        format!("http://{authority}"),
        format!("https://{authority}.evil.example"),
        format!(
            "https://127.0.0.1:{}",
            port.parse::<u32>().expect("port") + 1
        ),
        "null".to_string(),
    ] {
        assert_eq!(
            connect_from(server, token(&o.hana), &session, &foreign).await,
            403,
            "a WebSocket from {foreign} was not refused"
        );
    }
    assert_eq!(
        connect_from(
            server,
            token(&o.hana),
            &session,
            &format!("https://{authority}")
        )
        .await,
        101,
        "the server's own origin is accepted"
    );
}

both_backends!(the_relay_compares_the_whole_origin);
