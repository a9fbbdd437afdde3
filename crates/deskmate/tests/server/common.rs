//! Test harness: starts the real `deskmate serve` binary on an ephemeral
//! port, against a fresh SQLite file or a fresh PostgreSQL database, and
//! talks to it over HTTPS as a client would.

#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use (trust auth on this machine and in CI).
pub fn postgres_admin_url() -> String {
    std::env::var("DESKMATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A fresh, empty database for one test; dropped afterwards.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
}

impl TestDb {
    /// Creates the database, or returns `None` (with a printed reason) when
    /// PostgreSQL is absent locally. In CI (`CI` set) an absent PostgreSQL fails the test.
    pub async fn create(backend: Backend, dir: &Path) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self {
                url: format!("sqlite://{}", dir.join("deskmate.db").display()),
                pg_name: None,
            }),
            Backend::Postgres => {
                use sqlx::Connection;
                let admin = postgres_admin_url();
                let mut conn = match sqlx::PgConnection::connect(&admin).await {
                    Ok(conn) => conn,
                    Err(err) => {
                        if std::env::var_os("CI").is_some() {
                            panic!("PostgreSQL at {admin} is required in CI: {err}");
                        }
                        eprintln!("SKIPPED: PostgreSQL not reachable at {admin}: {err}");
                        return None;
                    }
                };
                let name = format!("deskmate_t_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Some(Self {
                    url: format!("{base}/{name}"),
                    pg_name: Some(name),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}

/// A temporary folder removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("deskmate-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `deskmate serve` process.
pub struct ServerProcess {
    child: Child,
    pub base: String,
    pub stdout: Arc<Mutex<Vec<String>>>,
    pub data_dir: PathBuf,
}

impl ServerProcess {
    /// Starts the server with `--data-dir` and `--database-url`, plus `extra` flags,
    /// and waits until it says it is ready.
    pub fn start(data_dir: &Path, database_url: &str, extra: &[&str]) -> Self {
        Self::start_env(data_dir, database_url, extra, &[])
    }

    /// Like [`ServerProcess::start`], with extra environment variables.
    pub fn start_env(
        data_dir: &Path,
        database_url: &str,
        extra: &[&str],
        envs: &[(&str, &str)],
    ) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .expect("server log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_deskmate"));
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", database_url])
            .args(extra)
            .env_remove("DESKMATE_CONFIG")
            .env("DESKMATE_LOG", "info,deskmate_server=debug")
            .env("DESKMATE_METRICS_TOKEN", TEST_METRICS_TOKEN)
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        // An empty DESKMATE_METRICS_TOKEN means: start without one.
        if envs
            .iter()
            .any(|(k, v)| *k == "DESKMATE_METRICS_TOKEN" && v.is_empty())
        {
            command.env_remove("DESKMATE_METRICS_TOKEN");
        }
        let mut child = command.spawn().expect("spawn deskmate serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().expect("lines").push(line);
            }
        });
        let started = Instant::now();
        loop {
            if lines
                .lock()
                .expect("lines")
                .iter()
                .any(|l| l.starts_with("Ready."))
            {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
                panic!("deskmate serve exited with {status} before it was ready:\n{log}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "server not ready within 60 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let addr = lines
            .lock()
            .expect("lines")
            .iter()
            .find_map(|l| l.split("listening on https://").nth(1).map(str::to_string))
            .expect("listening line");
        Self {
            child,
            base: format!("https://{addr}"),
            stdout: lines,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// The metrics page, with the metrics token tests start servers with.
    pub async fn metrics(&self) -> String {
        self.client()
            .with_token(TEST_METRICS_TOKEN)
            .get("/metrics")
            .await
            .text()
            .await
            .expect("metrics")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A line of /proc/PID/status in KiB (e.g. "VmRSS", "VmHWM").
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("proc status");
        status
            .lines()
            .find(|l| l.starts_with(&format!("{field}:")))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .expect("field in /proc status")
    }

    /// The printed first-run token, if any.
    pub fn setup_token(&self) -> Option<String> {
        self.stdout.lock().expect("lines").iter().find_map(|l| {
            l.split("/setup#token=")
                .nth(1)
                .map(|t| t.trim().to_string())
        })
    }

    /// An HTTPS client that trusts this server's certificate (and nothing else).
    pub fn client(&self) -> Api {
        Api::new(&self.base, &self.data_dir.join("tls/cert.pem"))
    }

    /// Kills the process with SIGKILL: no shutdown code runs.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the process to stop (SIGTERM) and waits for it.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().expect("wait for server")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A JSON API client with an optional bearer token.
#[derive(Clone)]
pub struct Api {
    pub http: Client,
    pub base: String,
    pub token: Option<String>,
    pub csrf: Option<String>,
}

pub fn tls_client_config(cert_pem: &Path) -> rustls::ClientConfig {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_pem).expect("cert file") {
        roots.add(cert.expect("cert")).expect("add root");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

impl Api {
    pub fn new(base: &str, cert_pem: &Path) -> Self {
        Self::from_address(base, cert_pem, None)
    }

    /// A client whose connections leave from `local` (any 127.x.y.z works on Linux loopback).
    pub fn from_address(base: &str, cert_pem: &Path, local: Option<std::net::IpAddr>) -> Self {
        let http = Client::builder()
            .use_preconfigured_tls(tls_client_config(cert_pem))
            .local_address(local)
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        Self {
            http,
            base: base.to_string(),
            token: None,
            csrf: None,
        }
    }

    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut builder = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        if let Some(csrf) = &self.csrf {
            builder = builder.header("X-CSRF-Token", csrf);
        }
        builder
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET")
    }

    pub async fn send_json(&self, method: reqwest::Method, path: &str, body: &Value) -> Response {
        self.request(method, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.send_json(reqwest::Method::PATCH, path, body).await
    }
}

/// Reads a response as JSON, asserting its status first (and showing the body if it differs).
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = response.text().await.expect("body");
    assert_eq!(got, status, "unexpected status; body: {text}");
    if !status.is_success() {
        assert_eq!(
            content_type, "application/problem+json",
            "errors are problem documents: {text}"
        );
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts an empty success (204), showing the body if the status differs.
pub async fn expect_no_content(response: Response) {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "unexpected status; body: {body}"
    );
}

/// A direct connection to a test database, for tests that change data behind the server's back.
pub async fn raw_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url)
        .await
        .expect("connect to the test database")
}

/// The metrics token every test server gets (through `DESKMATE_METRICS_TOKEN`).
pub const TEST_METRICS_TOKEN: &str = "metrics-token-of-the-test-servers";

pub const ADMIN_EMAIL: &str = "ana.admin@example.org";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// Completes first-run setup and returns the administrator's API client.
pub async fn setup_admin(server: &ServerProcess) -> Api {
    let api = server.client();
    let token = server.setup_token().expect("first run prints a setup link");
    expect_json(
        api.post(
            "/api/v1/setup",
            &json!({"token": token, "email": ADMIN_EMAIL, "first_name": "Ana", "last_name": "Admin",
                    "password": ADMIN_PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    sign_in(&api, ADMIN_EMAIL, ADMIN_PASSWORD).await
}

/// Signs in with a password (token mode) and returns an authorised client.
pub async fn sign_in(api: &Api, email: &str, password: &str) -> Api {
    let body = expect_json(
        api.post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    api.with_token(body["access_token"].as_str().expect("access token"))
}

/// A started server on a fresh database, with its folder; `None` if the backend is absent locally.
pub struct Fixture {
    pub server: ServerProcess,
    pub db: TestDb,
    pub dir: TempDir,
}

impl Fixture {
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, extra: &[&str]) -> Option<Self> {
        let dir = TempDir::new();
        let db = TestDb::create(backend, &dir.0).await?;
        let server = ServerProcess::start(&dir.0, &db.url, extra);
        Some(Self { server, db, dir })
    }

    /// Stops the server (SIGKILL if `kill9`, else SIGTERM) and starts it
    /// again on the same folder and database.
    pub fn restart(self, kill9: bool) -> Self {
        let Fixture { server, db, dir } = self;
        if kill9 {
            server.kill9();
        } else {
            server.stop();
        }
        let server = ServerProcess::start(&dir.0, &db.url, &[]);
        Fixture { server, db, dir }
    }
}

/// Generates one test per backend from an async fn taking a [`Backend`].
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// The TOTP code for `secret` now, or `step_offset` 30-second steps away.
pub fn code_for(secret: &str, step_offset: i64) -> String {
    use deskmate_server::auth::totp;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let step = totp::step_of(now) + step_offset;
    format!(
        "{:06}",
        totp::code_at_step(secret, step, 6).expect("valid secret")
    )
}

/// Enrols the signed-in user of `api` in TOTP and returns the secret.
pub async fn enrol_totp(api: &Api) -> String {
    let enrolment = expect_json(
        api.post("/api/v1/me/totp", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let secret = enrolment["secret"].as_str().expect("secret").to_string();
    expect_no_content(
        api.post(
            "/api/v1/me/totp/confirm",
            &json!({"code": code_for(&secret, 0)}),
        )
        .await,
    )
    .await;
    secret
}
