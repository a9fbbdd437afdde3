//! Starting browser sign-ins (RFC 8628) is limited: per source address per
//! minute (generously: many people may share one), for the whole server,
//! and in how many may wait for approval at once; a client name has a
//! length limit.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};

const START: &str = "/api/v1/auth/device-authorization";

fn from(server: &ServerProcess, last: u8) -> Api {
    Api::from_address(
        &server.base,
        &server.data_dir.join("tls/cert.pem"),
        Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))),
    )
}

async fn starting_browser_sign_ins_is_limited(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let server = &fx.server;
    let office = from(server, 1);

    let long = expect_json(
        office
            .post(START, &json!({"client_name": "x".repeat(101)}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        long["detail"]
            .as_str()
            .unwrap_or("")
            .contains("client_name"),
        "{long}"
    );
    expect_json(
        office
            .post(START, &json!({"client_name": "é".repeat(100)}))
            .await,
        StatusCode::OK,
    )
    .await;

    // One address: 60 a minute (one was spent above), then a clear 429.
    for _ in 1..60 {
        expect_json(
            office.post(START, &json!({"client_name": "desk"})).await,
            StatusCode::OK,
        )
        .await;
    }
    let response = office.post(START, &json!({"client_name": "desk"})).await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .expect("a Retry-After header");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let limited = expect_json(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(
        limited["detail"]
            .as_str()
            .unwrap_or("")
            .contains("from this address"),
        "{limited}"
    );
    // Another address is not held up by that one.
    expect_json(
        from(server, 2)
            .post(START, &json!({"client_name": "desk"}))
            .await,
        StatusCode::OK,
    )
    .await;

    // However slowly they come, only so many may wait for approval.
    let pool = raw_pool(&fx.db.url).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    for i in 0..500 {
        sqlx::query(
            "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_name, source_addr, \
             status, interval_secs, created_at, expires_at) VALUES ($1, $2, $3, 'desk', '127.0.0.3', 'pending', 5, $4, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(format!("hash-{i}"))
        .bind(format!("T{i:03}-TEST"))
        .bind(now)
        .bind(now + 600_000)
        .execute(&pool)
        .await
        .expect("insert a waiting sign-in");
    }
    let waiting = expect_json(
        from(server, 3)
            .post(START, &json!({"client_name": "desk"}))
            .await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert!(
        waiting["detail"]
            .as_str()
            .unwrap_or("")
            .contains("waiting for approval"),
        "{waiting}"
    );
    expect_json(
        from(server, 4)
            .post(START, &json!({"client_name": "desk"}))
            .await,
        StatusCode::OK,
    )
    .await;
}

both_backends!(starting_browser_sign_ins_is_limited);
