//! Organisations never see each other's users, groups or settings (SPEC §2).

use crate::both_backends;
use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::process::Command;

async fn organisations_are_isolated(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let alpha = setup_admin(&fx.server).await;
    let alice = expect_json(
        alpha
            .post(
                "/api/v1/users",
                &json!({"email": "alice@alpha.example", "first_name": "Alice", "last_name": "A"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let alpha_groups = expect_json(alpha.get("/api/v1/groups").await, StatusCode::OK).await;
    let alpha_admins = alpha_groups[0]["id"]
        .as_str()
        .expect("group id")
        .to_string();

    // A second organisation, created the way an operator would.
    let output = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args([
            "tenant",
            "create",
            "--name",
            "Beta Corp",
            "--database-url",
            &fx.db.url,
        ])
        .arg("--data-dir")
        .arg(&fx.dir.0)
        .output()
        .expect("run deskmate tenant create");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = stdout
        .split("/setup#token=")
        .nth(1)
        .map(|t| t.trim().to_string())
        .expect("a setup link for the new organisation");
    let api = fx.server.client();
    let status = expect_json(
        api.request(reqwest::Method::GET, "/api/v1/setup")
            .header("X-Setup-Token", &token)
            .send()
            .await
            .expect("GET"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(status, json!({"pending": true, "tenant_name": "Beta Corp"}));
    expect_json(
        api.post(
            "/api/v1/setup",
            &json!({"token": token, "email": "bea@beta.example", "first_name": "Bea", "last_name": "B", "password": "beta's long password"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let beta = sign_in(&api, "bea@beta.example", "beta's long password").await;

    let users = expect_json(beta.get("/api/v1/users").await, StatusCode::OK).await;
    let emails: Vec<&str> = users
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, ["bea@beta.example"]);
    let alice_path = format!("/api/v1/users/{}", alice["id"].as_str().expect("id"));
    expect_json(beta.get(&alice_path).await, StatusCode::NOT_FOUND).await;
    expect_json(
        beta.patch(&alice_path, &json!({"first_name": "Hijacked"}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_json(
        beta.post(
            &format!("{alice_path}/password"),
            &json!({"password": "a new long password"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let me = expect_json(beta.get("/api/v1/me").await, StatusCode::OK).await;
    let bea_id = me["user"]["id"].as_str().expect("id");
    let join = beta
        .request(
            Method::PUT,
            &format!("/api/v1/groups/{alpha_admins}/members/{bea_id}"),
        )
        .send()
        .await
        .expect("put");
    expect_json(join, StatusCode::NOT_FOUND).await;
    let beta_groups = expect_json(beta.get("/api/v1/groups").await, StatusCode::OK).await;
    assert_eq!(beta_groups.as_array().expect("groups").len(), 1);
    assert_ne!(beta_groups[0]["id"].as_str(), Some(alpha_admins.as_str()));

    expect_json(
        beta.patch(
            "/api/v1/tenant/settings",
            &json!({"remote_help_enabled": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let alpha_settings =
        expect_json(alpha.get("/api/v1/tenant/settings").await, StatusCode::OK).await;
    assert_eq!(
        alpha_settings["remote_help_enabled"], false,
        "Beta's change did not touch Alpha"
    );
    let alice_again = expect_json(alpha.get(&alice_path).await, StatusCode::OK).await;
    assert_eq!(alice_again["first_name"], "Alice");
    assert_eq!(me["tenant"]["name"], "Beta Corp");
}

both_backends!(organisations_are_isolated);
