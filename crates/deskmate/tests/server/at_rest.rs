//! Data at rest: the data folder and the files in it are private to the
//! service account, and second-factor secrets are sealed with a key kept
//! outside the database.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The log without terminal colour codes.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs `deskmate serve` expecting it to refuse to start; returns what it logged.
fn start_fails(data_dir: &Path, database_url: &str) -> String {
    let log = data_dir.join("failed-start.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", database_url])
        .env_remove("DESKMATE_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).expect("log")))
        .spawn()
        .expect("spawn deskmate serve");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("deskmate serve kept running although it should refuse to start");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "the start must fail");
    strip_ansi(&std::fs::read_to_string(log).expect("log"))
}

async fn sign_in_with_code(api: &Api, code: String) -> reqwest::Response {
    api.post(
        "/api/v1/auth/login",
        &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "totp_code": code}),
    )
    .await
}

async fn stored_totp(url: &str) -> String {
    sqlx::query_scalar::<_, String>("SELECT totp_secret FROM users WHERE email_lower = $1")
        .bind(ADMIN_EMAIL)
        .fetch_one(&raw_pool(url).await)
        .await
        .expect("stored secret")
}

async fn data_files_are_private_and_loose_ones_are_tightened(backend: Backend) {
    let dir = TempDir::new();
    let data = dir.0.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    // As an earlier version left them: a world-readable folder and database.
    chmod(&data, 0o755);
    let Some(db) = TestDb::create(backend, &data).await else {
        return;
    };
    if backend == Backend::Sqlite {
        std::fs::write(data.join("deskmate.db"), b"").expect("db");
        chmod(&data.join("deskmate.db"), 0o644);
    }
    let server = ServerProcess::start(&data, &db.url, &[]);
    setup_admin(&server).await;

    assert_eq!(mode(&data), 0o700, "data folder");
    assert_eq!(mode(&data.join("secrets.key")), 0o600);
    assert_eq!(mode(&data.join("audit-signing.key")), 0o600);
    assert_eq!(mode(&data.join("tls")), 0o700);
    assert_eq!(mode(&data.join("tls/key.pem")), 0o600);
    if backend == Backend::Sqlite {
        for name in ["deskmate.db", "deskmate.db-wal", "deskmate.db-shm"] {
            assert_eq!(mode(&data.join(name)), 0o600, "{name}");
        }
    }
    let log = strip_ansi(&std::fs::read_to_string(data.join("server.log")).expect("log"));
    assert!(
        log.contains("WARN")
            && log.contains("tightened permissions")
            && log.contains("was=\"0755\""),
        "the loose folder is reported: {log}"
    );
    if backend == Backend::Sqlite {
        assert!(
            log.contains("was=\"0644\""),
            "the loose database is reported: {log}"
        );
    }
}

async fn totp_secrets_are_sealed_at_rest_and_work_after_restarts(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let secret = enrol_totp(&admin).await;

    let stored = stored_totp(&fx.db.url).await;
    assert!(stored.starts_with("sealed1:"), "{stored}");
    assert!(!stored.contains(&secret));
    if backend == Backend::Sqlite {
        // Nowhere in the database files either (the WAL holds recent pages).
        for name in ["deskmate.db", "deskmate.db-wal"] {
            let bytes = std::fs::read(fx.dir.0.join(name)).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(&secret), "{name} holds the TOTP secret");
        }
    }

    let fx = fx.restart(false);
    let api = fx.server.client();
    expect_json(
        sign_in_with_code(&api, code_for(&secret, 1)).await,
        StatusCode::OK,
    )
    .await;

    // A secret an earlier version stored in plain text is sealed at the next start.
    sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE email_lower = $2")
        .bind(&secret)
        .bind(ADMIN_EMAIL)
        .execute(&raw_pool(&fx.db.url).await)
        .await
        .expect("plain secret");
    let fx = fx.restart(false);
    let stored = stored_totp(&fx.db.url).await;
    assert!(
        stored.starts_with("sealed1:") && !stored.contains(&secret),
        "{stored}"
    );
    let api = fx.server.client();
    expect_json(
        sign_in_with_code(&api, code_for(&secret, 0)).await,
        StatusCode::OK,
    )
    .await;
}

async fn a_wrong_or_missing_secrets_key_stops_the_start(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let secret = enrol_totp(&admin).await;
    let Fixture { server, db, dir } = fx;
    server.stop();
    let key_path = dir.0.join("secrets.key");
    let original = std::fs::read(&key_path).expect("key");

    // Another valid key: the sealed secret does not open with it.
    use base64::Engine;
    let other: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| u.as_bytes().to_vec())
        .collect();
    std::fs::write(
        &key_path,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(other),
    )
    .expect("write");
    let log = start_fails(&dir.0, &db.url);
    assert!(
        log.contains("do not open with the key") && log.contains("secrets.key"),
        "{log}"
    );

    std::fs::remove_file(&key_path).expect("remove");
    let log = start_fails(&dir.0, &db.url);
    assert!(
        log.contains("secrets.key is missing") && log.contains("restore"),
        "{log}"
    );
    assert!(!key_path.exists(), "no new key replaces the lost one");

    // With the original key back, the second factor works again.
    std::fs::write(&key_path, original).expect("restore");
    let server = ServerProcess::start(&dir.0, &db.url, &[]);
    expect_json(
        sign_in_with_code(&server.client(), code_for(&secret, 1)).await,
        StatusCode::OK,
    )
    .await;
}

both_backends!(
    data_files_are_private_and_loose_ones_are_tightened,
    totp_secrets_are_sealed_at_rest_and_work_after_restarts,
    a_wrong_or_missing_secrets_key_stops_the_start,
);
