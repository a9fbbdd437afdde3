//! Malformed, oversized and hostile requests get 4xx problem documents, never 500s,
//! and leave the server serving.

use crate::both_backends;
use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::io::Write;

async fn malformed_requests_get_clear_problems(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let raw = |method: Method, path: &str, content_type: &str, body: Vec<u8>| {
        admin
            .request(method, path)
            .header("content-type", content_type.to_string())
            .body(body)
            .send()
    };

    let broken = expect_json(
        raw(
            Method::POST,
            "/api/v1/users",
            "application/json",
            b"{\"email\": ".to_vec(),
        )
        .await
        .expect("send"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        broken["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not valid JSON"),
        "{broken}"
    );
    let form = expect_json(
        raw(
            Method::POST,
            "/api/v1/users",
            "application/x-www-form-urlencoded",
            b"a=b".to_vec(),
        )
        .await
        .expect("send"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert!(
        form["detail"]
            .as_str()
            .unwrap_or("")
            .contains("application/json")
    );
    // The server answers 413 without reading the rest and closes that connection,
    // so the oversized request goes on a connection of its own.
    let huge = vec![b' '; 2 * 1024 * 1024];
    let one_off = fx
        .server
        .client()
        .with_token(admin.token.as_deref().expect("token"));
    let too_large = one_off
        .request(Method::PATCH, "/api/v1/tenant/settings")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("send");
    expect_json(too_large, StatusCode::PAYLOAD_TOO_LARGE).await;
    let unknown = expect_json(
        admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"remote_help_enabled": true, "is_admin": true}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(unknown["errors"][0]["field"], "is_admin");
    let wrong_type = expect_json(
        admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"code_lifetime_secs": "ten minutes"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(wrong_type["errors"][0]["field"], "code_lifetime_secs");
    let not_object = expect_json(
        admin.patch("/api/v1/tenant/settings", &json!([1, 2])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(not_object["status"], 422);
    let bad_email = expect_json(
        admin
            .post(
                "/api/v1/users",
                &json!({"email": "not-an-address", "first_name": " ", "last_name": "X"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = bad_email["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["email", "first_name"]);
    let taken = expect_json(
        admin
            .post(
                "/api/v1/users",
                &json!({"email": ADMIN_EMAIL.to_uppercase(), "first_name": "A", "last_name": "B"}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        taken["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already in use")
    );
    let group = admin.post("/api/v1/users", &json!({"email": "x@example.org", "first_name": "A", "last_name": "B", "groups": ["nope"]})).await;
    expect_json(group, StatusCode::UNPROCESSABLE_ENTITY).await;

    expect_json(
        admin.get("/api/v1/users/not-a-uuid").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_json(
        admin
            .get(&format!("/api/v1/users/{}", uuid::Uuid::new_v4()))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_json(
        admin.get("/api/v1/no/such/thing").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_json(
        admin
            .request(Method::DELETE, "/api/v1/tenant/settings")
            .send()
            .await
            .expect("send"),
        StatusCode::METHOD_NOT_ALLOWED,
    )
    .await;

    let anonymous = fx.server.client();
    let response = anonymous.get("/api/v1/me").await;
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    expect_json(response, StatusCode::UNAUTHORIZED).await;
    expect_json(
        anonymous.with_token("dma_forged").get("/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let overlong = "x".repeat(10_000);
    expect_json(
        anonymous
            .post(
                "/api/v1/auth/login",
                &json!({"email": ADMIN_EMAIL, "password": overlong}),
            )
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // Garbage on the TLS port, and a connection dropped mid-handshake.
    let addr = fx.server.base.trim_start_matches("https://").to_string();
    let mut garbage = std::net::TcpStream::connect(&addr).expect("connect");
    let _ = garbage.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\x13garbage");
    drop(garbage);
    drop(std::net::TcpStream::connect(&addr).expect("connect"));

    // Still serving, and the last administrator cannot be removed.
    let groups = expect_json(admin.get("/api/v1/groups").await, StatusCode::OK).await;
    let admins = &groups.as_array().expect("groups")[0];
    assert_eq!(admins["name"], "Administrators");
    let me = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await;
    let path = format!(
        "/api/v1/groups/{}/members/{}",
        admins["id"].as_str().expect("id"),
        me["user"]["id"].as_str().expect("id")
    );
    let last = expect_json(
        admin
            .request(Method::DELETE, &path)
            .send()
            .await
            .expect("send"),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        last["detail"]
            .as_str()
            .unwrap_or("")
            .contains("last administrator")
    );
    let delete = format!("/api/v1/groups/{}", admins["id"].as_str().expect("id"));
    expect_json(
        admin
            .request(Method::DELETE, &delete)
            .send()
            .await
            .expect("send"),
        StatusCode::CONFLICT,
    )
    .await;

    let metrics = fx.server.metrics().await;
    assert!(
        !metrics.contains("status=\"500\""),
        "no request ended in a 500:\n{metrics}"
    );
}

both_backends!(malformed_requests_get_clear_problems);
