//! Sessions without end-to-end encryption run only where the organisation
//! allows them (default: refused), and are marked in the records.

use crate::both_backends;
use crate::common::*;
use crate::pairing::{Org, issue, org};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::process::{Command, Stdio};

async fn redeem_as(o: &Org, code: &str, encrypted: Option<bool>) -> reqwest::Response {
    let mut body = json!({"code": code, "device": {"name": "sam-laptop", "os": "Debian 13"}});
    if let Some(encrypted) = encrypted {
        body["encrypted"] = json!(encrypted);
    }
    o.sam.post("/api/v1/remote-help/redeem", &body).await
}

/// Turns on sessions without end-to-end encryption for the organisation.
pub async fn allow_unencrypted(admin: &Api) {
    let current = admin.get("/api/v1/tenant/settings").await;
    let etag = current
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_string();
    let saved = admin
        .request(Method::PATCH, "/api/v1/tenant/settings")
        .header("If-Match", &etag)
        .json(&json!({"allow_unencrypted_sessions": true}))
        .send()
        .await
        .expect("patch");
    let saved = expect_json(saved, StatusCode::OK).await;
    assert_eq!(saved["allow_unencrypted_sessions"], true);
}

async fn unencrypted_sessions_are_refused_unless_allowed_and_marked(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let settings = expect_json(o.admin.get("/api/v1/tenant/settings").await, StatusCode::OK).await;
    assert_eq!(
        settings["allow_unencrypted_sessions"], false,
        "refused by default"
    );

    let (code, refused_session) = issue(&o.hana).await;
    let problem = expect_json(
        redeem_as(&o, &code, Some(false)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap_or("")
            .ends_with("unencrypted"),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("does not allow sessions without end-to-end encryption"),
        "{problem}"
    );
    let seen = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{refused_session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["state"], "refused");
    assert_eq!(seen["refusal"], "unencrypted");

    // Saying nothing means encrypted.
    let (code, encrypted) = issue(&o.hana).await;
    let paired = expect_json(redeem_as(&o, &code, None).await, StatusCode::OK).await;
    assert_eq!(paired["encrypted"], true);

    allow_unencrypted(&o.admin).await;
    let (code, plain) = issue(&o.hana).await;
    let paired = expect_json(redeem_as(&o, &code, Some(false)).await, StatusCode::OK).await;
    assert_eq!(paired["encrypted"], false);
    let redeemed = expect_json(
        o.admin
            .get(&format!(
                "/api/v1/audit?target={plain}&action=code_redeemed"
            ))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(redeemed[0]["detail"]["encrypted"], false, "{redeemed}");

    let report = expect_json(
        o.admin.get("/api/v1/reports/sessions?limit=10").await,
        StatusCode::OK,
    )
    .await;
    let rows = report["rows"].as_array().expect("rows");
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {report}"))
            .clone()
    };
    assert_eq!(row(&plain)["encrypted"], false);
    assert_eq!(row(&encrypted)["encrypted"], true);
    let csv = o.admin.get("/api/v1/reports/sessions.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.expect("csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "encrypted")
        .expect("an encrypted column");
    let cells = |id: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} not in the CSV"))
            .split(',')
            .map(|c| c.trim_matches('"').to_string())
            .collect()
    };
    assert_eq!(cells(&plain)[column], "false");
    assert_eq!(cells(&encrypted)[column], "true");
}

/// `deskmate share --unencrypted` with the 8-character code is refused, and says why.
async fn the_agent_is_told_when_unencrypted_sessions_are_refused(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    let (code, session) = issue(&o.hana).await;
    let dir = TempDir::new();
    let output = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args([
            "share",
            "--server",
            &o.fx.server.base,
            "--email",
            "sam@example.org",
            "--ui",
            "terminal",
            "--unencrypted",
            "--code",
            &code,
        ])
        .arg("--ca-cert")
        .arg(o.fx.server.data_dir.join("tls/cert.pem"))
        .env("DESKMATE_PASSWORD", "sam's long password")
        .env("DESKMATE_DEVICE_FILE", dir.0.join("device.json"))
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("run deskmate share");
    assert!(!output.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains("does not allow sessions without end-to-end encryption"),
        "{said}"
    );
    let seen = expect_json(
        o.hana
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["refusal"], "unencrypted");
}

both_backends!(
    unencrypted_sessions_are_refused_unless_allowed_and_marked,
    the_agent_is_told_when_unencrypted_sessions_are_refused,
);
