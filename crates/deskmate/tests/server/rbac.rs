//! Roles, role assignments and the audit log (SPEC §5, §11).

use crate::both_backends;
use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub async fn create_group(admin: &Api, name: &str) -> String {
    let group = expect_json(
        admin.post("/api/v1/groups", &json!({"name": name})).await,
        StatusCode::CREATED,
    )
    .await;
    group["id"].as_str().expect("group id").to_string()
}

/// The id of the group called `name`.
pub async fn group_id(admin: &Api, name: &str) -> String {
    let groups = expect_json(admin.get("/api/v1/groups").await, StatusCode::OK).await;
    groups
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no group {name}"))["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Creates a role assignment (`body` as the API takes it); returns it.
pub async fn assign(admin: &Api, body: Value) -> Value {
    expect_json(
        admin.post("/api/v1/role-assignments", &body).await,
        StatusCode::CREATED,
    )
    .await
}

pub async fn builtin_role(admin: &Api, name: &str) -> String {
    let roles = expect_json(admin.get("/api/v1/roles").await, StatusCode::OK).await;
    roles
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .expect("built-in role")["id"]
        .as_str()
        .expect("id")
        .to_string()
}

pub async fn create_member(admin: &Api, email: &str, password: &str, groups: &[&str]) -> Value {
    expect_json(
        admin
            .post("/api/v1/users", &json!({"email": email, "first_name": email.split('@').next().unwrap_or("x"), "last_name": "Example",
                                           "password": password, "groups": groups}))
            .await,
        StatusCode::CREATED,
    )
    .await
}

async fn roles_and_assignments_are_managed_and_audited(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;

    let response = admin
        .post(
            "/api/v1/roles",
            &json!({"name": "Chat helper", "permissions": ["view_screen", "chat"]}),
        )
        .await;
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_string();
    let role = expect_json(response, StatusCode::CREATED).await;
    let role_id = role["id"].as_str().expect("id").to_string();
    assert_eq!(role["built_in"], false);
    expect_json(
        admin
            .post(
                "/api/v1/roles",
                &json!({"name": "Chat helper", "permissions": ["chat"]}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    let empty = expect_json(
        admin
            .post(
                "/api/v1/roles",
                &json!({"name": "Nothing", "permissions": []}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(empty["errors"][0]["field"], "permissions");
    let unknown = expect_json(
        admin
            .post(
                "/api/v1/roles",
                &json!({"name": "X", "permissions": ["root"]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(unknown["detail"].as_str().unwrap_or("").contains("root"));

    let operator = builtin_role(&admin, "Help Desk Operator").await;
    let builtin = expect_json(
        admin
            .send_json(
                Method::PUT,
                &format!("/api/v1/roles/{operator}"),
                &json!({"name": "Mine", "permissions": ["chat"]}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        builtin["detail"]
            .as_str()
            .unwrap_or("")
            .contains("built-in")
    );
    expect_json(
        admin
            .request(Method::DELETE, &format!("/api/v1/roles/{operator}"))
            .send()
            .await
            .expect("delete"),
        StatusCode::CONFLICT,
    )
    .await;

    // Two administrators edit the same role: the second, working from a stale ETag, is told.
    let first = admin
        .request(Method::PUT, &format!("/api/v1/roles/{role_id}"))
        .header("If-Match", &etag)
        .json(&json!({"name": "Chat helper", "permissions": ["view_screen", "chat", "laser_pointer"]}))
        .send()
        .await
        .expect("put");
    expect_json(first, StatusCode::OK).await;
    let second = admin
        .request(Method::PUT, &format!("/api/v1/roles/{role_id}"))
        .header("If-Match", &etag)
        .json(&json!({"name": "Chat helper", "permissions": ["chat"]}))
        .send()
        .await
        .expect("put");
    expect_json(second, StatusCode::PRECONDITION_FAILED).await;
    let kept = expect_json(
        admin.get(&format!("/api/v1/roles/{role_id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        kept["permissions"],
        json!(["view_screen", "chat", "laser_pointer"])
    );

    let helpdesk = create_group(&admin, "Helpdesk").await;
    let finance = create_group(&admin, "Finance").await;
    let invalid = expect_json(
        admin
            .post(
                "/api/v1/role-assignments",
                &json!({"name": "A", "role_id": role_id, "member_groups": []}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = invalid["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["member_groups", "scope_groups"]);
    let assignment = expect_json(
        admin
            .post("/api/v1/role-assignments", &json!({"name": "Helpdesk for Finance", "description": "First line",
                    "role_id": role_id, "member_groups": [helpdesk, helpdesk], "scope_groups": [finance]}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        assignment["member_groups"],
        json!([helpdesk]),
        "duplicates collapse"
    );
    assert_eq!(assignment["all_devices"], false);
    let in_use = expect_json(
        admin
            .request(Method::DELETE, &format!("/api/v1/roles/{role_id}"))
            .send()
            .await
            .expect("delete"),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        in_use["detail"]
            .as_str()
            .unwrap_or("")
            .contains("1 assignment")
    );
    let listed = expect_json(admin.get("/api/v1/role-assignments").await, StatusCode::OK).await;
    assert_eq!(
        listed.as_array().expect("list").len(),
        2,
        "Administrators and the new one"
    );

    // An auditor reads everything and changes nothing.
    let auditors = create_group(&admin, "Auditors").await;
    let auditor_role = builtin_role(&admin, "Read-only Auditor").await;
    expect_json(
        admin
            .post("/api/v1/role-assignments", &json!({"name": "Audit", "role_id": auditor_role, "member_groups": [auditors], "all_users": true}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    create_member(
        &admin,
        "audrey@example.org",
        "audrey's long password",
        &[&auditors],
    )
    .await;
    let audrey = sign_in(
        &fx.server.client(),
        "audrey@example.org",
        "audrey's long password",
    )
    .await;
    for path in [
        "/api/v1/tenant/settings",
        "/api/v1/users",
        "/api/v1/roles",
        "/api/v1/role-assignments",
        "/api/v1/audit",
    ] {
        expect_json(audrey.get(path).await, StatusCode::OK).await;
    }
    expect_json(
        audrey
            .patch("/api/v1/tenant/settings", &json!({"chat_disabled": true}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_json(
        audrey
            .post(
                "/api/v1/roles",
                &json!({"name": "Mine", "permissions": ["chat"]}),
            )
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_json(
        audrey
            .request(
                Method::DELETE,
                &format!(
                    "/api/v1/role-assignments/{}",
                    assignment["id"].as_str().expect("id")
                ),
            )
            .send()
            .await
            .expect("delete"),
        StatusCode::FORBIDDEN,
    )
    .await;

    // The audit log holds every change with its actor, newest first, and verifies.
    let events = expect_json(audrey.get("/api/v1/audit?limit=1000").await, StatusCode::OK).await;
    let actions: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for expected in [
        "administrator_created",
        "role_created",
        "role_changed",
        "group_created",
        "assignment_created",
        "user_created",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    assert!(
        !actions.contains(&"role_deleted"),
        "refused deletions are not recorded as done"
    );
    let seqs: Vec<i64> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] == w[1] + 1),
        "newest first, no gaps: {seqs:?}"
    );
    let role_events = expect_json(
        admin.get(&format!("/api/v1/audit?target={role_id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(role_events.as_array().expect("events").len(), 2);
    assert_eq!(role_events[0]["source_addr"], "127.0.0.1");
    expect_json(
        admin.get("/api/v1/audit?action=launch_missiles").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let report = expect_json(admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], true);
    assert_eq!(report["events"].as_i64(), Some(seqs.len() as i64));

    // Editing a stored event behind the server's back is detected.
    let store = deskmate_server::store::Store::open(&fx.db.url)
        .await
        .expect("store");
    let tenant = store.first_tenant().await.expect("tenant").expect("exists");
    sqlx::query("UPDATE audit_events SET detail = $1 WHERE tenant_id = $2 AND seq = 3")
        .bind("{\"name\":\"innocent\"}")
        .bind(tenant.id.to_string())
        .execute(&raw_pool(&fx.db.url).await)
        .await
        .expect("tamper");
    store.close().await;
    let report = expect_json(admin.get("/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(report["intact"], false);
    assert_eq!(report["broken_at"], 3);
}

both_backends!(roles_and_assignments_are_managed_and_audited);
