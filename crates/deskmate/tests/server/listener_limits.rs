//! The listener's own limits: a request head must arrive whole within the
//! header read timeout, and one source address holds at most so many open
//! connections while others are still served.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

fn server_addr(server: &ServerProcess) -> SocketAddr {
    server
        .base
        .trim_start_matches("https://")
        .parse()
        .expect("server address")
}

/// A TCP connection from `local` to the server, then TLS over it.
async fn tls_from(
    server: &ServerProcess,
    local: Ipv4Addr,
) -> std::io::Result<TlsStream<TcpStream>> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(local), 0))?;
    let tcp = socket.connect(server_addr(server)).await?;
    let connector = TlsConnector::from(Arc::new(tls_client_config(
        &server.data_dir.join("tls/cert.pem"),
    )));
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    connector.connect(name, tcp).await
}

/// Reads until the server closes; false if it is still open after `bound`.
async fn closed_within(stream: &mut TlsStream<TcpStream>, bound: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

async fn a_half_sent_request_head_is_cut_off(backend: Backend) {
    let Some(fx) = Fixture::start_with(backend, &["--header-read-timeout", "1"]).await else {
        return;
    };
    let server = &fx.server;
    let mut half = tls_from(server, Ipv4Addr::LOCALHOST).await.expect("tls");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("write half a head");
    half.flush().await.expect("flush");
    let mut silent = tls_from(server, Ipv4Addr::LOCALHOST).await.expect("tls");
    // A generous bound: the configured timeout is 1 s, the old behaviour was never.
    assert!(
        closed_within(&mut half, Duration::from_secs(30)).await,
        "a connection with half a request head stayed open"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(30)).await,
        "a connection that sent nothing after TLS stayed open"
    );
    // Whole requests are served as before.
    let ok = server.client().get("/healthz").await;
    assert_eq!(ok.status(), StatusCode::OK);
}

async fn one_address_holds_at_most_the_cap(backend: Backend) {
    let Some(fx) = Fixture::start_with(
        backend,
        &[
            "--max-tcp-connections-per-address",
            "3",
            "--header-read-timeout",
            "120",
        ],
    )
    .await
    else {
        return;
    };
    let server = &fx.server;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(
            tls_from(server, Ipv4Addr::LOCALHOST)
                .await
                .expect("under the cap"),
        );
    }
    let over = tls_from(server, Ipv4Addr::LOCALHOST).await;
    assert!(
        over.is_err(),
        "a fourth connection from one address was served"
    );

    // Another address is served meanwhile.
    let other = Api::from_address(
        &server.base,
        &server.data_dir.join("tls/cert.pem"),
        Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))),
    );
    assert_eq!(other.get("/healthz").await.status(), StatusCode::OK);

    // When one closes, the address may connect again.
    drop(held.pop());
    let mut tries = 0;
    loop {
        if tls_from(server, Ipv4Addr::LOCALHOST).await.is_ok() {
            break;
        }
        tries += 1;
        assert!(tries < 100, "a freed slot was never given back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(server.data_dir.join("server.log")).expect("log");
    assert!(
        log.contains("refusing connections from this address") && log.contains("127.0.0.1"),
        "the refusal is logged clearly:\n{log}"
    );
}

both_backends!(
    a_half_sent_request_head_is_cut_off,
    one_address_holds_at_most_the_cap
);
