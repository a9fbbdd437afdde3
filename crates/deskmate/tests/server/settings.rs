//! Tenant settings (SPEC §2), the organisation, roles, and operations endpoints.

use crate::both_backends;
use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn settings_have_spec_defaults_and_round_trip(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let response = admin.get("/api/v1/tenant/settings").await;
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_string();
    let defaults = expect_json(response, StatusCode::OK).await;
    assert_eq!(defaults["remote_help_enabled"], false);
    assert_eq!(defaults["allow_unenrolled_devices"], false);
    assert_eq!(defaults["chat_disabled"], false);
    assert_eq!(defaults["allow_unencrypted_sessions"], false);
    assert_eq!(defaults["code_lifetime_secs"], 600);
    assert_eq!(defaults["retention_days"], 30);
    assert_eq!(defaults["min_client_version"], json!(null));
    assert_eq!(etag, "\"1\"");

    let change = json!({"remote_help_enabled": true, "allow_unenrolled_devices": true, "chat_disabled": true,
                        "allow_unencrypted_sessions": true,
                        "code_lifetime_secs": 300, "retention_days": 90,
                        "min_client_version": "1.2.0", "recommended_client_version": "1.4.0"});
    let saved = admin
        .request(Method::PATCH, "/api/v1/tenant/settings")
        .header("If-Match", &etag)
        .json(&change)
        .send()
        .await
        .expect("patch");
    assert_eq!(
        saved.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"2\"")
    );
    let saved = expect_json(saved, StatusCode::OK).await;
    let read = expect_json(admin.get("/api/v1/tenant/settings").await, StatusCode::OK).await;
    assert_eq!(saved, read);
    for (key, value) in change.as_object().expect("object") {
        assert_eq!(&read[key], value, "{key}");
    }

    // A second administrator working from the old ETag is told, not overwritten.
    let stale = admin
        .request(Method::PATCH, "/api/v1/tenant/settings")
        .header("If-Match", &etag)
        .json(&json!({"remote_help_enabled": false}))
        .send()
        .await
        .expect("patch");
    let stale = expect_json(stale, StatusCode::PRECONDITION_FAILED).await;
    assert!(
        stale["detail"]
            .as_str()
            .unwrap_or("")
            .contains("changed by someone else")
    );
    assert_eq!(
        expect_json(admin.get("/api/v1/tenant/settings").await, StatusCode::OK).await["remote_help_enabled"],
        true
    );

    // Field-level validation; nothing is saved when any field is wrong.
    let invalid = expect_json(
        admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"code_lifetime_secs": 5, "retention_days": 0, "chat_disabled": false,
                                                      "recommended_client_version": "one"}),
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
    assert_eq!(
        fields,
        [
            "code_lifetime_secs",
            "retention_days",
            "recommended_client_version"
        ]
    );
    let unchanged = expect_json(admin.get("/api/v1/tenant/settings").await, StatusCode::OK).await;
    assert_eq!(unchanged["chat_disabled"], true);
    assert_eq!(unchanged["version"], 2);

    // Clearing a version with an empty string.
    let cleared = expect_json(
        admin
            .patch(
                "/api/v1/tenant/settings",
                &json!({"min_client_version": ""}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["min_client_version"], json!(null));
}

async fn organisation_profile_roles_and_verified_domain(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let roles = expect_json(admin.get("/api/v1/roles").await, StatusCode::OK).await;
    let names: Vec<&str> = roles
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names.len(), 3);
    for name in [
        "Help Desk Operator",
        "Tenant Administrator",
        "Read-only Auditor",
    ] {
        assert!(names.contains(&name), "{names:?}");
    }
    let operator = roles
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Help Desk Operator")
        .expect("role");
    assert_eq!(
        operator["permissions"],
        json!([
            "view_screen",
            "take_full_control",
            "elevation",
            "chat",
            "laser_pointer"
        ])
    );

    let bad = expect_json(
        admin
            .patch(
                "/api/v1/tenant",
                &json!({"verified_domain": "not a domain"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "verified_domain");
    let tenant = expect_json(
        admin
            .patch(
                "/api/v1/tenant",
                &json!({"name": "Example Ltd", "verified_domain": "Example.org"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tenant["verified_domain"], "example.org");
    let me = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["tenant"]["name"], "Example Ltd");
    assert_eq!(
        me["user"]["verified_domain"], "example.org",
        "the admin's address is in the verified domain"
    );

    // Profile picture: PNG accepted and served back; other bytes refused.
    let png: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let put = admin
        .request(Method::PUT, "/api/v1/me/picture")
        .header("content-type", "image/png")
        .body(png.to_vec())
        .send()
        .await
        .expect("put");
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let me = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await;
    let url = me["user"]["picture_url"]
        .as_str()
        .expect("picture url")
        .to_string();
    let got = admin.get(&url).await;
    assert_eq!(
        got.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), png);
    let gif = admin
        .request(Method::PUT, "/api/v1/me/picture")
        .header("content-type", "image/gif")
        .body(b"GIF89a".to_vec())
        .send()
        .await
        .expect("put");
    expect_json(gif, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

async fn operations_endpoints_answer(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let api = fx.server.client();
    assert_eq!(api.get("/healthz").await.text().await.expect("body"), "ok");
    let ready = api.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let doc = expect_json(api.get("/api/v1/openapi.json").await, StatusCode::OK).await;
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/tenant/settings",
        "/api/v1/users/{id}",
        "/api/v1/setup",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI lacks {path}");
    }
    let metrics = fx.server.metrics().await;
    assert!(
        metrics.contains("deskmate_http_requests_total{method=\"GET\",route=\"/api/v1/openapi.json\",status=\"200\"}"),
        "{metrics}"
    );
    let page = api.get("/setup").await;
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(page.text().await.expect("html").contains("Set up Deskmate"));
}

both_backends!(
    settings_have_spec_defaults_and_round_trip,
    organisation_profile_roles_and_verified_domain,
    operations_endpoints_answer,
);
