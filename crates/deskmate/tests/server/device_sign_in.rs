//! Browser sign-in for native clients (SPEC §3; OAuth 2.0 device
//! authorisation grant, RFC 8628): the protocol's answers at every step, and
//! the real `deskmate share` signing in without a password.

use crate::both_backends;
use crate::common::*;
use crate::pairing::org;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

async fn poll(api: &Api, device_code: &str) -> reqwest::Response {
    api.post(
        "/api/v1/auth/device-token",
        &json!({"device_code": device_code}),
    )
    .await
}

async fn problem_type(response: reqwest::Response) -> String {
    let problem = expect_json(response, StatusCode::BAD_REQUEST).await;
    problem["type"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("urn:deskmate:problem:")
        .to_string()
}

async fn start(api: &Api, name: &str) -> Value {
    expect_json(
        api.post(
            "/api/v1/auth/device-authorization",
            &json!({"client_name": name}),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

async fn the_grant_answers_every_step(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let anonymous = o.fx.server.client();
    let started = start(&anonymous, "deskmate share on desk-7").await;
    let device_code = started["device_code"].as_str().expect("device code");
    let user_code = started["user_code"].as_str().expect("user code");
    assert_eq!(user_code.len(), 9, "{started}");
    assert_eq!(started["interval"], 5);
    assert_eq!(
        started["verification_uri"],
        format!("{}/activate", o.fx.server.base)
    );
    assert_eq!(
        started["verification_uri_complete"],
        format!("{}/activate?code={user_code}", o.fx.server.base)
    );

    // Pending, then too fast.
    assert_eq!(
        problem_type(poll(&anonymous, device_code).await).await,
        "authorization-pending"
    );
    assert_eq!(
        problem_type(poll(&anonymous, device_code).await).await,
        "slow-down"
    );
    assert_eq!(
        problem_type(poll(&anonymous, "dmd_made_up").await).await,
        "invalid-grant"
    );

    // The short address leads to the web app's approval, code normalised.
    let lower = user_code.to_lowercase().replace('-', " ");
    let redirect = anonymous
        .http
        .get(format!("{}/activate?code={lower}", o.fx.server.base))
        .send()
        .await
        .expect("activate");
    assert_eq!(redirect.url().path(), "/");
    assert_eq!(
        redirect.url().query(),
        Some(format!("activate={user_code}").as_str())
    );

    // Only a signed-in person sees and decides; a wrong code is a clear 404.
    expect_json(
        anonymous
            .get(&format!("/api/v1/auth/device-authorization/{user_code}"))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    expect_json(
        o.sam
            .get("/api/v1/auth/device-authorization/AAAA-AAAA")
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let seen = expect_json(
        o.sam
            .get(&format!(
                "/api/v1/auth/device-authorization/{}",
                user_code.to_lowercase()
            ))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["client_name"], "deskmate share on desk-7");
    assert_eq!(seen["source_addr"], "127.0.0.1");
    assert_eq!(seen["status"], "pending");
    let approve = |approve: bool| json!({ "approve": approve });
    expect_no_content(
        o.sam
            .post(
                &format!("/api/v1/auth/device-authorization/{user_code}"),
                &approve(true),
            )
            .await,
    )
    .await;
    expect_json(
        o.sam
            .post(
                &format!("/api/v1/auth/device-authorization/{user_code}"),
                &approve(false),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;

    // The client gets tokens for Sam, once.
    let tokens = expect_json(poll(&anonymous, device_code).await, StatusCode::OK).await;
    assert_eq!(tokens["me"]["user"]["email"], "sam@example.org");
    let access = tokens["access_token"].as_str().expect("access token");
    let me = expect_json(
        anonymous.with_token(access).get("/api/v1/me").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["user"]["email"], "sam@example.org");
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("dmr_"))
    );
    assert_eq!(
        problem_type(poll(&anonymous, device_code).await).await,
        "invalid-grant"
    );

    // Denied and expired requests say so.
    let denied = start(&anonymous, "someone else's laptop").await;
    expect_no_content(
        o.sam
            .post(
                &format!(
                    "/api/v1/auth/device-authorization/{}",
                    denied["user_code"].as_str().expect("code")
                ),
                &approve(false),
            )
            .await,
    )
    .await;
    assert_eq!(
        problem_type(poll(&anonymous, denied["device_code"].as_str().expect("code")).await).await,
        "access-denied"
    );
    let stale = start(&anonymous, "slow").await;
    let pool = raw_pool(&o.fx.db.url).await;
    sqlx::query("UPDATE device_authorizations SET expires_at = 1 WHERE user_code = $1")
        .bind(stale["user_code"].as_str().expect("code"))
        .execute(&pool)
        .await
        .expect("expire");
    assert_eq!(
        problem_type(poll(&anonymous, stale["device_code"].as_str().expect("code")).await).await,
        "expired-token"
    );
    expect_json(
        o.sam
            .post(
                &format!(
                    "/api/v1/auth/device-authorization/{}",
                    stale["user_code"].as_str().expect("code")
                ),
                &approve(true),
            )
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// `deskmate share` without an e-mail address signs in through the browser.
async fn share_signs_in_without_a_password(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let dir = TempDir::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args([
            "share",
            "--server",
            &o.fx.server.base,
            "--ui",
            "terminal",
            "--no-browser",
            "--unencrypted",
            "--code",
            "ZZZZ-ZZZZ",
        ])
        .arg("--ca-cert")
        .arg(o.fx.server.data_dir.join("tls/cert.pem"))
        .env_remove("DESKMATE_EMAIL")
        .env_remove("DESKMATE_PASSWORD")
        .env("DESKMATE_DEVICE_FILE", dir.0.join("device.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start deskmate share");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the sign-in instructions");
    assert!(first.starts_with("To sign in, open "), "{first}");
    let code = first
        .split("shows the code ")
        .nth(1)
        .expect("the code")
        .trim_end_matches('.')
        .to_string();
    assert!(first.contains(&format!("/activate?code={code}")), "{first}");
    expect_no_content(
        o.sam
            .post(
                &format!("/api/v1/auth/device-authorization/{code}"),
                &json!({"approve": true}),
            )
            .await,
    )
    .await;
    let signed_in = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the agent signed in");
    assert_eq!(signed_in, "Signed in as sam Example.");
    // The made-up code is then refused with the server's words, and the agent stops.
    let output = child.wait_with_output().expect("agent exits");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("this security code is not valid"),
        "{stderr}"
    );
}

both_backends!(
    the_grant_answers_every_step,
    share_signs_in_without_a_password
);
