//! A server killed with SIGKILL loses no write it had confirmed.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn kill_9_loses_no_committed_write(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    expect_json(
        admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"remote_help_enabled": true, "code_lifetime_secs": 120}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let mut created = Vec::new();
    for i in 0..20 {
        let user = expect_json(
            admin
                .post("/api/v1/users", &json!({"email": format!("user{i}@example.org"), "first_name": "U", "last_name": format!("{i}")}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        created.push(user["id"].as_str().expect("id").to_string());
    }
    // No graceful shutdown: the process dies right after the last confirmed write.
    let fx = fx.restart(true);
    assert_eq!(fx.server.setup_token(), None, "the administrator survived");
    let admin = sign_in(&fx.server.client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let settings = expect_json(admin.get("/api/v1/tenant/settings").await, StatusCode::OK).await;
    assert_eq!(settings["remote_help_enabled"], true);
    assert_eq!(settings["code_lifetime_secs"], 120);
    let users = expect_json(admin.get("/api/v1/users").await, StatusCode::OK).await;
    let ids: Vec<&str> = users
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    for id in &created {
        assert!(ids.contains(&id.as_str()), "user {id} was lost");
    }
    assert_eq!(ids.len(), created.len() + 1);
}

async fn concurrent_changes_all_land_and_the_audit_chain_holds(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            admin
                .post("/api/v1/users", &json!({"email": format!("burst{i}@example.org"), "first_name": "B", "last_name": format!("{i}"),
                                                "password": "a long enough password"}))
                .await
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(
            task.await.expect("task"),
            StatusCode::CREATED,
            "every concurrent write succeeds"
        );
    }
    let users = expect_json(admin.get("/api/v1/users").await, StatusCode::OK).await;
    assert_eq!(users.as_array().expect("users").len(), 31);
    let created = expect_json(
        admin
            .get("/api/v1/audit?action=user_created&limit=100")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(created.as_array().expect("events").len(), 30);
    let report = expect_json(admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], true, "{report}");
}

both_backends!(
    kill_9_loses_no_committed_write,
    concurrent_changes_all_land_and_the_audit_chain_holds
);
