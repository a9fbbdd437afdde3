//! The admin centre's API additions (SPEC §4, §5, §11): the sessions
//! report's search, mode and name sorts; query strings answered with
//! problem documents; the audit log's CSV export with actor names; group
//! rename; field-level validation; and the Read-only Auditor, who reads
//! everything and changes nothing, next to a helper, who reads nothing.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{Org, issue, org, redeem};
use crate::rbac::{builtin_role, create_group, create_member};
use crate::relay::active_session;
use crate::retention::ended_session_with_chat;
use deskmate_proto::messages::{ClientMessage, ServerMessage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Adds Rita, a Read-only Auditor, to the organisation and signs her in.
pub async fn auditor(o: &Org) -> Api {
    let auditors = create_group(&o.admin, "Auditors").await;
    let role = builtin_role(&o.admin, "Read-only Auditor").await;
    expect_json(
        o.admin
            .post(
                "/api/v1/role-assignments",
                &json!({"name": "Auditors read everything", "role_id": role,
                        "member_groups": [auditors], "all_users": true}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    create_member(
        &o.admin,
        "rita@example.org",
        "rita's long password",
        &[&auditors],
    )
    .await;
    sign_in(
        &o.fx.server.client(),
        "rita@example.org",
        "rita's long password",
    )
    .await
}

/// The ids of a report page's rows, in order.
fn ids(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

/// The field names of a validation problem.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn report(api: &Api, query: &str) -> Value {
    expect_json(
        api.get(&format!("/api/v1/reports/sessions{query}")).await,
        StatusCode::OK,
    )
    .await
}

async fn the_sessions_report_searches_filters_and_sorts_by_name(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let ended = ended_session_with_chat(&o, "hello").await;
    let (code, refused) = issue(&o.hana).await;
    expect_json(redeem(&o.olga, &code).await, StatusCode::FORBIDDEN).await;
    let (viewed, mut helper, _sharer) = active_session(&o).await;
    helper.send(&ClientMessage::Leave { reason: None }).await;
    helper
        .until("ended", |i| {
            crate::pairing::is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await;
    let me = expect_json(o.sam.get("/api/v1/me").await, StatusCode::OK).await;
    let sam_id = me["user"]["id"].as_str().expect("id").to_string();

    // Search: the sharer's name, the device, an id; `%` and `_` are literal.
    let by_name = report(&o.admin, "?q=SAM&sort=created&order=asc").await;
    assert_eq!(ids(&by_name), [ended.as_str(), viewed.as_str()]);
    let by_device = report(&o.admin, "?q=sam-lap").await;
    assert_eq!(by_device["total"], 2, "{by_device}");
    let by_id = report(&o.admin, &format!("?q={sam_id}")).await;
    assert_eq!(by_id["total"], 2);
    let by_session = report(&o.admin, &format!("?q={refused}")).await;
    assert_eq!(ids(&by_session), [refused.as_str()]);
    assert_eq!(report(&o.admin, "?q=%25").await["total"], 0);
    assert_eq!(report(&o.admin, "?q=s_m").await["total"], 0);
    let by_helper_email = report(&o.admin, "?q=hana%40example").await;
    assert_eq!(by_helper_email["total"], 3);
    assert_eq!(
        by_helper_email["rows"][0]["helper_email"],
        "hana@example.org"
    );

    // Mode, and sorting by names with the sessions without a sharer last.
    let viewing = report(&o.admin, "?mode=view").await;
    assert_eq!(ids(&viewing), [viewed.as_str()]);
    assert_eq!(viewing["rows"][0]["sharer_email"], "sam@example.org");
    assert!(viewing["rows"][0]["duration_secs"].as_i64().is_some());
    let by_sharer = report(&o.admin, "?sort=sharer&order=desc").await;
    assert_eq!(
        by_sharer["rows"][2]["id"],
        refused.as_str(),
        "no sharer sorts last"
    );
    assert_eq!(by_sharer["rows"][0]["sharer_name"], "sam Example");
    let by_helper = report(&o.admin, "?sort=helper&order=asc&limit=1&offset=2").await;
    assert_eq!(by_helper["total"], 3);
    assert_eq!(by_helper["rows"].as_array().map(Vec::len), Some(1));
    let by_device = report(&o.admin, "?sort=device&order=asc").await;
    assert_eq!(by_device["rows"][2]["id"], refused.as_str());

    // Bad parameters are problem documents naming the parameter.
    for (query, field) in [
        ("?state=finished", "state"),
        ("?mode=remote", "mode"),
        ("?limit=many", "limit"),
        ("?colour=red", "colour"),
        ("?sort=colour", "sort"),
        ("?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
        ("?from=yesterday", "from"),
    ] {
        let problem = expect_json(
            o.admin
                .get(&format!("/api/v1/reports/sessions{query}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&problem), [field], "{query}: {problem}");
    }
    let long = "x".repeat(201);
    expect_json(
        o.admin
            .get(&format!("/api/v1/reports/sessions?q={long}"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // The CSV has the same filters and the e-mail columns.
    let csv = o
        .admin
        .get("/api/v1/reports/sessions.csv?mode=view")
        .await
        .text()
        .await
        .expect("csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].ends_with(",provider_email,recipient_email,encrypted"));
    assert!(lines[1].starts_with(&format!("\"{viewed}\"")));
    assert!(
        lines[1].ends_with("\"hana@example.org\",\"sam@example.org\",\"true\""),
        "{}",
        lines[1]
    );

    let summary = expect_json(o.admin.get("/api/v1/reports/summary").await, StatusCode::OK).await;
    assert_eq!(summary["days"], 30, "the retention window by default");
    assert_eq!(summary["per_day"].as_array().map(Vec::len), Some(30));
}

async fn the_audit_log_exports_csv_with_names_and_no_formulas(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let me = expect_json(o.admin.get("/api/v1/me").await, StatusCode::OK).await;
    let admin_id = me["user"]["id"].as_str().expect("id").to_string();
    expect_json(
        o.admin
            .patch(
                &format!("/api/v1/users/{admin_id}"),
                &json!({"first_name": "=cmd|' /C calc'!A0"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    create_group(&o.admin, "+Formula group").await;

    let events = expect_json(
        o.admin.get("/api/v1/audit?action=group_created").await,
        StatusCode::OK,
    )
    .await;
    let events = events.as_array().expect("events");
    assert_eq!(events.len(), 3, "Helpdesk, Staff and +Formula group");
    assert_eq!(events[0]["actor"], admin_id.as_str());
    assert_eq!(events[0]["actor_name"], "=cmd|' /C calc'!A0 Admin");
    assert_eq!(events[0]["actor_email"], ADMIN_EMAIL);

    let response = o.admin.get("/api/v1/audit.csv?action=group_created").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("deskmate-audit.csv"))
    );
    let csv = response.text().await.expect("csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "header and three events:\n{csv}");
    assert_eq!(
        lines[0],
        "seq,time,actor_id,actor_name,actor_email,action,target,detail,source_address,hash"
    );
    assert!(
        lines
            .iter()
            .skip(1)
            .all(|l| l.contains("\"group_created\""))
    );
    assert!(
        csv.contains("\"'=cmd|' /C calc'!A0 Admin\""),
        "the formula is neutralised:\n{csv}"
    );
    assert!(
        !csv.contains(",\"=") && !csv.contains(",\"+"),
        "no cell starts with a formula:\n{csv}"
    );
    let all = o
        .admin
        .get("/api/v1/audit.csv")
        .await
        .text()
        .await
        .expect("csv");
    assert!(all.contains("\"settings_changed\"") && all.contains("\"user_changed\""));
    let bad = expect_json(
        o.admin.get("/api/v1/audit.csv?action=everything").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&bad), ["action"]);
    expect_json(o.hana.get("/api/v1/audit.csv").await, StatusCode::FORBIDDEN).await;
}

async fn groups_are_renamed_and_forms_report_every_bad_field(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let groups = expect_json(o.admin.get("/api/v1/groups").await, StatusCode::OK).await;
    let find = |name: &str| {
        groups
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["name"] == name)
            .expect("group")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let staff = find("Staff");
    let admins = find("Administrators");
    let renamed = expect_json(
        o.admin
            .patch(
                &format!("/api/v1/groups/{staff}"),
                &json!({"name": "  Everyone  ", "description": "All staff"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed["name"], "Everyone");
    assert_eq!(renamed["description"], "All staff");
    assert_eq!(renamed["members"].as_array().map(Vec::len), Some(1));
    let taken = expect_json(
        o.admin
            .patch(
                &format!("/api/v1/groups/{staff}"),
                &json!({"name": "Helpdesk"}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        taken["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already exists")
    );
    let admins_kept = expect_json(
        o.admin
            .patch(
                &format!("/api/v1/groups/{admins}"),
                &json!({"name": "Root"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&admins_kept), ["name"]);
    expect_json(
        o.admin
            .patch(
                &format!("/api/v1/groups/{admins}"),
                &json!({"description": "People who run Deskmate"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let empty = expect_json(
        o.admin
            .patch(&format!("/api/v1/groups/{staff}"), &json!({"name": " "}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&empty), ["name"]);
    let changed = expect_json(
        o.admin.get("/api/v1/audit?action=group_changed").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed.as_array().map(Vec::len), Some(2));
    assert_eq!(changed[1]["detail"]["after"]["name"], "Everyone");
    expect_json(
        o.hana
            .patch(&format!("/api/v1/groups/{staff}"), &json!({"name": "Mine"}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Every bad field of a new user at once, the password included.
    let bad = expect_json(
        o.admin
            .post(
                "/api/v1/users",
                &json!({"email": "not an address", "first_name": "", "last_name": "Example",
                        "password": "short"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&bad), ["email", "first_name", "password"]);
}

async fn the_auditor_reads_everything_and_changes_nothing(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let rita = auditor(&o).await;
    let me = expect_json(o.sam.get("/api/v1/me").await, StatusCode::OK).await;
    let sam = me["user"]["id"].as_str().expect("id").to_string();
    let groups = expect_json(rita.get("/api/v1/groups").await, StatusCode::OK).await;
    let group = groups[0]["id"].as_str().expect("id").to_string();
    let roles = expect_json(rita.get("/api/v1/roles").await, StatusCode::OK).await;
    let role = roles[0]["id"].as_str().expect("id").to_string();
    let assignments = expect_json(rita.get("/api/v1/role-assignments").await, StatusCode::OK).await;
    let assignment = assignments[0]["id"].as_str().expect("id").to_string();
    let reads = [
        "/api/v1/tenant/settings".to_string(),
        "/api/v1/users".into(),
        format!("/api/v1/users/{sam}"),
        format!("/api/v1/groups/{group}"),
        format!("/api/v1/roles/{role}"),
        format!("/api/v1/role-assignments/{assignment}"),
        "/api/v1/reports/sessions".into(),
        "/api/v1/reports/sessions.csv".into(),
        "/api/v1/reports/summary".into(),
        "/api/v1/audit".into(),
        "/api/v1/audit.csv".into(),
        "/api/v1/audit/verify".into(),
    ];
    for path in &reads {
        let status = rita.get(path).await.status();
        assert_eq!(status, StatusCode::OK, "the auditor reads {path}");
        let status = o.hana.get(path).await.status();
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a helper may not read {path}"
        );
    }
    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::PATCH,
            "/api/v1/tenant/settings".into(),
            json!({"remote_help_enabled": false}),
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "x@example.org", "first_name": "X", "last_name": "Y"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{sam}"),
            json!({"disabled": true}),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{sam}/password"),
            json!({"password": "a brand new long password"}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/users/{sam}/totp"),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/groups".into(),
            json!({"name": "Mine"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/groups/{group}"),
            json!({"name": "Mine"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/groups/{group}/members/{sam}"),
            json!({}),
        ),
        (Method::DELETE, format!("/api/v1/groups/{group}"), json!({})),
        (
            Method::POST,
            "/api/v1/roles".into(),
            json!({"name": "Mine", "permissions": ["chat"]}),
        ),
        (
            Method::PUT,
            format!("/api/v1/roles/{role}"),
            json!({"name": "Mine", "permissions": ["chat"]}),
        ),
        (Method::DELETE, format!("/api/v1/roles/{role}"), json!({})),
        (
            Method::DELETE,
            format!("/api/v1/role-assignments/{assignment}"),
            json!({}),
        ),
    ];
    for (method, path, body) in writes {
        let problem = expect_json(
            rita.send_json(method.clone(), &path, &body).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(
            problem["detail"].as_str().unwrap_or("").contains("_write"),
            "{method} {path}: {problem}"
        );
    }
    // Nothing changed behind the refusals.
    let settings = expect_json(rita.get("/api/v1/tenant/settings").await, StatusCode::OK).await;
    assert_eq!(settings["remote_help_enabled"], true);
    let sam_now = expect_json(
        rita.get(&format!("/api/v1/users/{sam}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sam_now["disabled"], false);
}

both_backends!(
    the_sessions_report_searches_filters_and_sorts_by_name,
    the_audit_log_exports_csv_with_names_and_no_formulas,
    groups_are_renamed_and_forms_report_every_bad_field,
    the_auditor_reads_everything_and_changes_nothing,
);
