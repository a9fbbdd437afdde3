//! First run: one-time link, first administrator, nothing default.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn first_run_prints_a_one_time_link_that_creates_the_administrator(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let api = fx.server.client();
    let token = fx
        .server
        .setup_token()
        .expect("first run prints a setup link");
    let status = expect_json(api.get("/api/v1/setup").await, StatusCode::OK).await;
    assert_eq!(status["pending"], true);
    assert_eq!(status["tenant_name"], "My organisation");

    // Nobody can sign in before setup: there is no default account.
    let refused = api
        .post(
            "/api/v1/auth/login",
            &json!({"email": "admin", "password": "admin"}),
        )
        .await;
    expect_json(refused, StatusCode::UNAUTHORIZED).await;

    let body = |token: &str, password: &str| json!({"token": token, "email": ADMIN_EMAIL, "first_name": "Ana", "last_name": "Admin", "password": password});
    let wrong = expect_json(
        api.post("/api/v1/setup", &body("dms_wrong", ADMIN_PASSWORD))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        wrong["detail"].as_str().unwrap_or("").contains("not valid"),
        "{wrong}"
    );
    let weak = expect_json(
        api.post("/api/v1/setup", &body(&token, "short")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(weak["errors"][0]["field"], "password");

    let admin = expect_json(
        api.post("/api/v1/setup", &body(&token, ADMIN_PASSWORD))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(admin["email"], ADMIN_EMAIL);
    let again = expect_json(
        api.post("/api/v1/setup", &body(&token, ADMIN_PASSWORD))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        again["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already used"),
        "{again}"
    );
    let status = expect_json(api.get("/api/v1/setup").await, StatusCode::OK).await;
    assert_eq!(status["pending"], false);

    let admin = sign_in(&api, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await;
    let permissions: Vec<&str> = me["permissions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(
        permissions.contains(&"settings_write") && permissions.contains(&"users_write"),
        "{me}"
    );

    // A restart after setup prints no link.
    let fx = fx.restart(false);
    assert_eq!(fx.server.setup_token(), None);
}

async fn a_restart_before_setup_replaces_the_link(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let first = fx.server.setup_token().expect("link");
    let fx = fx.restart(false);
    let second = fx
        .server
        .setup_token()
        .expect("a new link while no administrator exists");
    assert_ne!(first, second);
    let api = fx.server.client();
    let body = |token: &str| json!({"token": token, "email": ADMIN_EMAIL, "first_name": "Ana", "last_name": "Admin", "password": ADMIN_PASSWORD});
    expect_json(
        api.post("/api/v1/setup", &body(&first)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    expect_json(
        api.post("/api/v1/setup", &body(&second)).await,
        StatusCode::CREATED,
    )
    .await;
    // Only one organisation exists however often the server starts.
    let store = deskmate_server::store::Store::open(&fx.db.url)
        .await
        .expect("open store");
    assert_eq!(store.count_tenants().await.expect("count"), 1);
    store.close().await;
}

both_backends!(
    first_run_prints_a_one_time_link_that_creates_the_administrator,
    a_restart_before_setup_replaces_the_link,
);
