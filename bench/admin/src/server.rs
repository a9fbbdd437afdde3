//! The `deskmate serve` process under test, its data folder and, for
//! PostgreSQL, a scratch database created for the run and dropped after it.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running server, stopped on drop.
pub struct Server {
    child: Child,
    /// `https://127.0.0.1:PORT`.
    pub base: String,
    /// The one-time first-run token.
    pub setup_token: String,
    /// The generated certificate to trust.
    pub cert: PathBuf,
}

impl Server {
    /// Starts `bin serve` on an ephemeral port and waits for `Ready.`.
    pub fn start(bin: &Path, data_dir: &Path, database_url: &str) -> Result<Self> {
        let log = std::fs::File::create(data_dir.join("server.log"))?;
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", database_url])
            .args(["--access-token-ttl", "86400"]);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("DESKMATE_") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| {
                format!(
                    "cannot start {}; build it with `cargo build --release -p deskmate`",
                    bin.display()
                )
            })?;
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut base, mut setup_token) = (String::new(), String::new());
        let started = Instant::now();
        loop {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                if let Some(addr) = line.split("listening on https://").nth(1) {
                    base = format!("https://{}", addr.trim());
                }
                if let Some(token) = line.split("/setup#token=").nth(1) {
                    setup_token = token.trim().to_string();
                }
                if line.starts_with("Ready.") {
                    break;
                }
            }
            if let Some(status) = child.try_wait()? {
                let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
                bail!("deskmate serve exited with {status}:\n{log}");
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("deskmate serve was not ready within 60 s");
            }
        }
        if base.is_empty() || setup_token.is_empty() {
            bail!("deskmate serve printed no address or first-run link (is the database fresh?)");
        }
        Ok(Self {
            child,
            base,
            setup_token,
            cert: data_dir.join("tls/cert.pem"),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "deskmate-bench-admin-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A scratch PostgreSQL database on the server at `admin_url`, dropped by [`PgScratch::drop_now`].
pub struct PgScratch {
    admin_url: String,
    name: String,
    /// The scratch database's URL.
    pub url: String,
}

impl PgScratch {
    pub async fn create(admin_url: &str) -> Result<Self> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .with_context(|| format!("connect to PostgreSQL at {admin_url}"))?;
        let name = format!("deskmate_bench_admin_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        Ok(Self {
            admin_url: admin_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    pub async fn drop_now(self) -> Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}
