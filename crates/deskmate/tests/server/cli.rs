//! The command line: documented defaults, configuration layering, clear errors.

use crate::common::*;
use reqwest::StatusCode;
use std::process::Command;

#[test]
fn serve_help_documents_every_option_with_its_default_and_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args(["serve", "--help"])
        .output()
        .expect("run");
    assert!(output.status.success());
    // Compare with wrapping undone.
    let help = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "[default: 0.0.0.0:8443]",
        "[default: ./deskmate-data]",
        "[default: sqlite://DATA_DIR/deskmate.db]",
        "[default: 900]",
        "[env: DESKMATE_LISTEN=]",
        "[env: DESKMATE_DATABASE_URL=]",
        "--tls-cert",
        "--config",
    ] {
        assert!(help.contains(expected), "help lacks {expected}:\n{help}");
    }
}

#[test]
fn a_bad_configuration_file_stops_start_up_with_its_name_and_problem() {
    let dir = TempDir::new();
    let config = dir.0.join("deskmate.toml");
    std::fs::write(&config, "lisen = \"127.0.0.1:1\"\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("deskmate.toml") && stderr.contains("lisen"),
        "{stderr}"
    );
}

#[tokio::test]
async fn environment_beats_the_file_and_flags_beat_the_environment() {
    let dir = TempDir::new();
    let config = dir.0.join("deskmate.toml");
    std::fs::write(
        &config,
        "initial_tenant_name = \"File Org\"\naccess_token_ttl = 60\n",
    )
    .expect("write");
    let config_arg = config.display().to_string();
    let db = format!("sqlite://{}", dir.0.join("a.db").display());
    let server = ServerProcess::start_env(
        &dir.0,
        &db,
        &["--config", &config_arg, "--access-token-ttl", "120"],
        &[
            ("DESKMATE_INITIAL_TENANT_NAME", "Env Org"),
            ("DESKMATE_ACCESS_TOKEN_TTL", "90"),
        ],
    );
    let status = expect_json(server.client().get("/api/v1/setup").await, StatusCode::OK).await;
    assert_eq!(status["tenant_name"], "Env Org");
    let admin_login = {
        let api = server.client();
        let token = server.setup_token().expect("link");
        api.post(
            "/api/v1/setup",
            &serde_json::json!({"token": token, "email": ADMIN_EMAIL, "first_name": "A", "last_name": "B", "password": ADMIN_PASSWORD}),
        )
        .await;
        expect_json(
            api.post(
                "/api/v1/auth/login",
                &serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            )
            .await,
            StatusCode::OK,
        )
        .await
    };
    assert_eq!(
        admin_login["expires_in"], 120,
        "the flag wins over env (90) and file (60)"
    );
    drop(server);

    let other = TempDir::new();
    let db = format!("sqlite://{}", other.0.join("b.db").display());
    let server = ServerProcess::start(&other.0, &db, &["--config", &config_arg]);
    let status = expect_json(server.client().get("/api/v1/setup").await, StatusCode::OK).await;
    assert_eq!(status["tenant_name"], "File Org");
}
