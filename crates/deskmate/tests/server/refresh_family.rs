//! Refresh tokens form one family per sign-in: presenting any token the
//! family already spent, however many rotations ago, ends the whole family.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn refresh(api: &Api, token: &str, status: StatusCode) -> Value {
    expect_json(
        api.post("/api/v1/auth/refresh", &json!({"refresh_token": token}))
            .await,
        status,
    )
    .await
}

async fn any_spent_refresh_token_ends_the_family(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    setup_admin(&fx.server).await;
    let api = fx.server.client();
    let login = expect_json(
        api.post(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let first = login["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let mut current = first.clone();
    let mut access = String::new();
    for _ in 0..3 {
        let rotated = refresh(&api, &current, StatusCode::OK).await;
        current = rotated["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_string();
        access = rotated["access_token"]
            .as_str()
            .expect("access")
            .to_string();
    }
    expect_json(
        api.with_token(&access).get("/api/v1/me").await,
        StatusCode::OK,
    )
    .await;
    // Another sign-in of the same person is another family.
    let other = sign_in(&api, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // The first token of the family, spent three rotations ago, comes back.
    let reuse = refresh(&api, &first, StatusCode::UNAUTHORIZED).await;
    assert!(
        reuse["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already used"),
        "{reuse}"
    );
    // The family's current tokens are revoked with it.
    expect_json(
        api.with_token(&access).get("/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    refresh(&api, &current, StatusCode::UNAUTHORIZED).await;
    // The other sign-in is untouched.
    expect_json(other.get("/api/v1/me").await, StatusCode::OK).await;
}

both_backends!(any_spent_refresh_token_ends_the_family);
