//! Sign-in: passwords, TOTP, tokens, cookies with CSRF, growing delays, permissions.

use crate::both_backends;
use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn create_user(admin: &Api, email: &str, password: &str) -> Value {
    expect_json(
        admin
            .post(
                "/api/v1/users",
                &json!({"email": email, "first_name": "Bo", "last_name": "Berg", "job_title": "Accountant",
                        "company_name": "Example Ltd", "password": password}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await
}

async fn totp_enrolment_then_sign_in_needs_a_fresh_code(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let enrolment = expect_json(
        admin.post("/api/v1/me/totp", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let secret = enrolment["secret"].as_str().expect("secret").to_string();
    assert!(
        enrolment["otpauth_uri"]
            .as_str()
            .unwrap_or("")
            .starts_with("otpauth://totp/Deskmate:")
    );
    // Not in force until confirmed: password alone still works.
    sign_in(&fx.server.client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let wrong = expect_json(
        admin
            .post("/api/v1/me/totp/confirm", &json!({"code": "000000"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(wrong["errors"][0]["field"], "code");
    let confirm = admin
        .post(
            "/api/v1/me/totp/confirm",
            &json!({"code": code_for(&secret, 0)}),
        )
        .await;
    assert_eq!(confirm.status(), StatusCode::NO_CONTENT);

    let api = fx.server.client();
    let login = |code: Option<String>| {
        let api = api.clone();
        async move {
            let mut body = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
            if let Some(code) = code {
                body["totp_code"] = json!(code);
            }
            api.post("/api/v1/auth/login", &body).await
        }
    };
    let needs = expect_json(login(None).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(needs["type"], "urn:deskmate:problem:totp-required");
    expect_json(login(Some("123456".into())).await, StatusCode::UNAUTHORIZED).await;
    // The confirmation used the current step; the next step's code is fresh and accepted (drift window).
    let fresh = code_for(&secret, 1);
    let ok = expect_json(login(Some(fresh.clone())).await, StatusCode::OK).await;
    assert_eq!(ok["me"]["user"]["totp_enabled"], true);
    let replay = expect_json(login(Some(fresh)).await, StatusCode::UNAUTHORIZED).await;
    assert!(
        replay["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already used"),
        "{replay}"
    );
    // Wrong password with a right code is still refused.
    let bad = api
        .post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": "not the password", "totp_code": code_for(&secret, 0)}))
        .await;
    expect_json(bad, StatusCode::UNAUTHORIZED).await;
}

async fn tokens_refresh_rotate_and_revoke(backend: Backend) {
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
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["expires_in"], 900);
    let access = login["access_token"].as_str().expect("access").to_string();
    let refresh = login["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();

    let rotated = expect_json(
        api.post("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        StatusCode::OK,
    )
    .await;
    let access2 = rotated["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    assert_ne!(access2, access);
    let me = expect_json(
        api.with_token(&access2).get("/api/v1/me").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["user"]["email"], ADMIN_EMAIL);
    expect_json(
        api.with_token(&access).get("/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // Presenting the spent refresh token again looks like theft: the whole session ends.
    let reuse = expect_json(
        api.post("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        reuse["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already used"),
        "{reuse}"
    );
    expect_json(
        api.with_token(&access2).get("/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let next = rotated["refresh_token"].as_str().expect("refresh");
    expect_json(
        api.post("/api/v1/auth/refresh", &json!({"refresh_token": next}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // Sign-out ends the session it is called with.
    let fresh = sign_in(&api, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let out = fresh
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    expect_json(fresh.get("/api/v1/me").await, StatusCode::UNAUTHORIZED).await;
}

async fn browser_sessions_use_secure_cookies_and_csrf(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    setup_admin(&fx.server).await;
    let browser = fx.server.client();
    let response = browser
        .post(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "session": "cookie"}),
        )
        .await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let body = expect_json(response, StatusCode::OK).await;
    assert!(
        body.get("access_token").is_none(),
        "no token in the body for browsers"
    );
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__Host-deskmate_session="))
        .expect("session cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attribute), "{session} lacks {attribute}");
    }
    let csrf = body["csrf_token"].as_str().expect("csrf token").to_string();

    expect_json(browser.get("/api/v1/me").await, StatusCode::OK).await;
    let forged = expect_json(
        browser
            .patch("/api/v1/me", &json!({"job_title": "Forged"}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        forged["detail"].as_str().unwrap_or("").contains("CSRF"),
        "{forged}"
    );
    let with_csrf = Api {
        csrf: Some(csrf),
        ..browser.clone()
    };
    let me = expect_json(
        with_csrf
            .patch("/api/v1/me", &json!({"job_title": "IT lead"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["user"]["job_title"], "IT lead");
    let out = with_csrf
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    expect_json(browser.get("/api/v1/me").await, StatusCode::UNAUTHORIZED).await;
}

async fn wrong_passwords_meet_growing_delays_per_account_and_source(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    create_user(&admin, "bo@example.org", "bo's long password").await;
    let api = fx.server.client();
    let attempt = |password: &'static str| {
        let api = api.clone();
        async move {
            api.post(
                "/api/v1/auth/login",
                &json!({"email": "BO@example.org", "password": password}),
            )
            .await
        }
    };
    for _ in 0..6 {
        let r = expect_json(attempt("wrong password").await, StatusCode::UNAUTHORIZED).await;
        assert_eq!(r["detail"], "the e-mail address or password is wrong");
    }
    // The 6th failure started a 1 s delay: even the right password waits.
    let limited = attempt("bo's long password").await;
    assert_eq!(
        limited
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let problem = expect_json(limited, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem["retry_after"], 1);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    expect_json(attempt("wrong password").await, StatusCode::UNAUTHORIZED).await;
    // The next failure doubles the delay.
    let doubled = expect_json(
        attempt("bo's long password").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(doubled["retry_after"], 2);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    expect_json(attempt("bo's long password").await, StatusCode::OK).await;
    // Other accounts were never slowed by Bo's delays.
    sign_in(&api, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // One source address guessing across many accounts is slowed too.
    for i in 0..14 {
        let r = api
            .post(
                "/api/v1/auth/login",
                &json!({"email": format!("nobody{i}@example.org"), "password": "x"}),
            )
            .await;
        expect_json(r, StatusCode::UNAUTHORIZED).await;
    }
    let r = api
        .post(
            "/api/v1/auth/login",
            &json!({"email": "fresh@example.org", "password": "x"}),
        )
        .await;
    expect_json(r, StatusCode::TOO_MANY_REQUESTS).await;
}

async fn members_without_admin_roles_are_refused(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let bo = create_user(&admin, "bo@example.org", "bo's long password").await;
    let bo_id = bo["id"].as_str().expect("id").to_string();
    let bo_api = sign_in(&fx.server.client(), "bo@example.org", "bo's long password").await;

    let me = expect_json(bo_api.get("/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["permissions"], json!([]));
    assert_eq!(me["user"]["job_title"], "Accountant");
    for path in [
        "/api/v1/tenant/settings",
        "/api/v1/users",
        "/api/v1/groups",
        "/api/v1/roles",
    ] {
        let refused = expect_json(bo_api.get(path).await, StatusCode::FORBIDDEN).await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap_or("")
                .contains("permission"),
            "{path}: {refused}"
        );
    }
    expect_json(
        bo_api
            .patch(
                "/api/v1/tenant/settings",
                &json!({"remote_help_enabled": true}),
            )
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_json(
        bo_api
            .post(
                "/api/v1/users",
                &json!({"email": "eve@example.org", "first_name": "E", "last_name": "V"}),
            )
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let settings = expect_json(admin.get("/api/v1/tenant/settings").await, StatusCode::OK).await;
    assert_eq!(
        settings["remote_help_enabled"], false,
        "the refused write changed nothing"
    );

    // Membership of Administrators grants the Tenant Administrator role.
    let groups = expect_json(admin.get("/api/v1/groups").await, StatusCode::OK).await;
    let admins = groups
        .as_array()
        .expect("list")
        .iter()
        .find(|g| g["name"] == "Administrators")
        .expect("group");
    let path = format!(
        "/api/v1/groups/{}/members/{bo_id}",
        admins["id"].as_str().expect("id")
    );
    let added = admin.request(Method::PUT, &path).send().await.expect("add");
    assert_eq!(added.status(), StatusCode::NO_CONTENT);
    expect_json(bo_api.get("/api/v1/tenant/settings").await, StatusCode::OK).await;

    // Disabling a user ends their sign-ins at once.
    let admin_id = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let own = expect_json(
        admin
            .patch(
                &format!("/api/v1/users/{admin_id}"),
                &json!({"disabled": true}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(own["errors"][0]["field"], "disabled");
    expect_json(
        admin
            .patch(
                &format!("/api/v1/users/{bo_id}"),
                &json!({"disabled": true}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    expect_json(bo_api.get("/api/v1/me").await, StatusCode::UNAUTHORIZED).await;
    expect_json(
        fx.server
            .client()
            .post(
                "/api/v1/auth/login",
                &json!({"email": "bo@example.org", "password": "bo's long password"}),
            )
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

both_backends!(
    totp_enrolment_then_sign_in_needs_a_fresh_code,
    tokens_refresh_rotate_and_revoke,
    browser_sessions_use_secure_cookies_and_csrf,
    wrong_passwords_meet_growing_delays_per_account_and_source,
    members_without_admin_roles_are_refused,
);
