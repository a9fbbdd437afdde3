//! The setup link's token never travels in an address: the setup page asks
//! with a header, and a token in the query string is refused. With debug
//! logging on, the token appears nowhere in the server's log.

use crate::both_backends;
use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn setup_token_travels_in_a_header_never_in_the_address(backend: Backend) {
    let dir = TempDir::new();
    let Some(db) = TestDb::create(backend, &dir.0).await else {
        return;
    };
    let server = ServerProcess::start_env(&dir.0, &db.url, &[], &[("DESKMATE_LOG", "debug")]);
    let api = server.client();
    let token = server.setup_token().expect("first run prints a setup link");

    let refused = expect_json(
        api.get(&format!("/api/v1/setup?token={token}")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or("")
            .contains("X-Setup-Token"),
        "{refused}"
    );

    let with_header = |token: &str| {
        api.request(Method::GET, "/api/v1/setup")
            .header("X-Setup-Token", token)
            .send()
    };
    let status = expect_json(with_header(&token).await.expect("GET"), StatusCode::OK).await;
    assert_eq!(
        status,
        json!({"pending": true, "tenant_name": "My organisation"})
    );
    let unknown = expect_json(
        with_header("dms_not_a_token").await.expect("GET"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(unknown["pending"], false);

    expect_json(
        api.post(
            "/api/v1/setup",
            &json!({"token": token, "email": ADMIN_EMAIL, "first_name": "Ana", "last_name": "Admin",
                    "password": ADMIN_PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let log = std::fs::read_to_string(dir.0.join("server.log")).expect("server log");
    assert!(
        log.contains("/api/v1/setup"),
        "debug logging records requests, so the check below means something:\n{log}"
    );
    assert!(
        !log.contains(&token),
        "the setup token appears in the server's log"
    );
    drop(server);
}

both_backends!(setup_token_travels_in_a_header_never_in_the_address);
