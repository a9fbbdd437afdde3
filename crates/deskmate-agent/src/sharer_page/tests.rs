//! The sharer page's server as a browser meets it: the launch exchange and
//! one page at a time.

use super::SharerPage;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn page() -> Option<SharerPage> {
    if !deskmate_web::built() {
        eprintln!("SKIPPED: this build has no web app (run scripts/build-web)");
        return None;
    }
    let me =
        json!({"user": {"first_name": "Sam", "last_name": "Berg", "email": "sam@example.org"}});
    Some(SharerPage::start(&me).await.expect("page starts"))
}

/// Posts a launch token; the status and the body.
async fn post_launch(page: &SharerPage, origin: &str, launch: &str) -> (u16, String) {
    let addr = page.shared.addr;
    let body = json!({ "launch": launch }).to_string();
    let request = format!(
        "POST /launch HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn launch_of(url: &str) -> String {
    url.split_once("#launch=")
        .map(|(_, t)| t.to_string())
        .expect("a launch token in the address")
}

async fn connect(page: &SharerPage) -> Socket {
    let addr = page.shared.addr;
    let mut request = format!("ws://{addr}/ui?key={}", page.shared.key)
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("origin", format!("http://{addr}").parse().expect("origin"));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    tokio_tungstenite::client_async(request, tcp)
        .await
        .expect("upgrade")
        .0
}

/// The next text message as JSON, or the close code.
async fn next(ws: &mut Socket) -> Result<Value, Option<u16>> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                return Ok(serde_json::from_str(text.as_str()).expect("JSON"));
            }
            Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| f.code.into())),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return Err(None),
        }
    }
}

#[tokio::test]
async fn the_address_carries_a_launch_token_good_once_never_the_key() {
    let Some(page) = page().await else { return };
    let key = page.shared.key.clone();
    let origin = format!("http://{}", page.shared.addr);
    let url = page.url().expect("url");
    assert!(!url.contains(&key), "the key is in the address: {url}");
    let launch = launch_of(&url);

    let (status, _) = post_launch(&page, "http://evil.example", &launch).await;
    assert_eq!(status, 403, "a launch from another origin is refused");
    let (status, body) = post_launch(&page, &origin, &launch).await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["key"], key.as_str());
    let (status, body) = post_launch(&page, &origin, &launch).await;
    assert_eq!(status, 403, "a spent launch token is refused: {body}");
    assert!(!body.contains(&key));

    // A new address replaces an unspent one.
    let older = launch_of(&page.url().expect("url"));
    let newer = launch_of(&page.url().expect("url"));
    assert_eq!(post_launch(&page, &origin, &older).await.0, 403);
    assert_eq!(post_launch(&page, &origin, &newer).await.0, 200);
}

#[tokio::test]
async fn a_second_page_is_refused_while_one_is_open_and_the_first_is_told() {
    let Some(page) = page().await else { return };
    let mut first = connect(&page).await;
    assert_eq!(next(&mut first).await.expect("hello")["type"], "hello");

    let mut second = connect(&page).await;
    assert_eq!(next(&mut second).await, Ok(json!({"type": "busy"})));
    assert_eq!(
        next(&mut second).await,
        Err(Some(super::server::BUSY_CLOSE))
    );

    // The open page hears of it, and keeps working.
    loop {
        let message = next(&mut first).await.expect("the first page stays open");
        if message["type"] == "notice" {
            assert_eq!(message["notice"], "second_page_refused");
            break;
        }
    }
    page.stage(super::Stage::Waiting);
    loop {
        if next(&mut first).await.expect("open")["type"] == "stage" {
            break;
        }
    }

    // Once the first page is gone, another may connect.
    first.close(None).await.expect("close");
    drop(first);
    let mut tries = 0;
    loop {
        let mut again = connect(&page).await;
        match next(&mut again).await {
            Ok(message) if message["type"] == "hello" => break,
            _ => {
                tries += 1;
                assert!(tries < 200, "the page slot was never freed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}
