//! Deskmate's side of the comparison: the release `deskmate serve` (the
//! relay) and `deskmate share` (the agent) both run in the sharer's
//! namespace, the agent reaching the relay on that namespace's loopback;
//! the helper (`helper.rs`) joins from the viewer's namespace across the
//! veth. Set-up follows `bench/agent`: first-run setup, a helpers and a
//! sharers group, the built-in Help Desk Operator role, remote help on.
//! Each connection is a fresh session: a code, the agent redeeming it with
//! `--consent allow`, then the helper joining.

mod api;
mod helper;

pub use api::tls_config;
pub use helper::DeskmateViewer;

use crate::netns::{Net, SHARER_IP};
use crate::procs::{Proc, in_ns};
use crate::screen::Shared;
use anyhow::{Context, Result, bail};
use api::Api;
use reqwest::StatusCode;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "a long benchmark password";
const HELPER_EMAIL: &str = "helper@bench.example";
const SHARER_EMAIL: &str = "sharer@bench.example";

/// The relay, the signed-in helper, and the current agent.
pub struct DeskmateSide {
    bin: PathBuf,
    sharer_ns: String,
    display: String,
    dir: PathBuf,
    pub server: Proc,
    port: u16,
    cert: PathBuf,
    tls: Arc<rustls::ClientConfig>,
    helper: Api,
    rt: tokio::runtime::Runtime,
    pub agent: Option<Proc>,
    sessions: usize,
}

impl DeskmateSide {
    /// Starts `deskmate serve` in the sharer namespace and bootstraps it.
    pub fn start(bin: &Path, net: &Net, display: &str, dir: &Path) -> Result<Self> {
        let log = std::fs::File::create(dir.join("server.log")).context("server.log")?;
        let mut command = in_ns(&net.sharer_ns, &bin.to_string_lossy());
        command
            .arg("serve")
            .args(["--listen", "0.0.0.0:0"])
            .arg("--data-dir")
            .arg(dir)
            .args(["--access-token-ttl", "86400"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("DESKMATE_") {
                command.env_remove(key);
            }
        }
        let mut child = command.spawn().with_context(|| {
            format!(
                "cannot start {}; build it with `cargo build --release -p deskmate` or pass --deskmate PATH",
                bin.display()
            )
        })?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut server = Proc::adopt("deskmate serve", child);
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut port, mut setup_token) = (0u16, String::new());
        let started = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    if let Some(a) = line.split("listening on https://").nth(1) {
                        port = a
                            .trim()
                            .rsplit(':')
                            .next()
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(0);
                    }
                    if let Some(token) = line.split("/setup#token=").nth(1) {
                        setup_token = token.trim().to_string();
                    }
                    if line.starts_with("Ready.") {
                        break;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    bail!("deskmate serve closed its output before it was ready")
                }
            }
            if let Some(status) = server.exited() {
                bail!("deskmate serve exited with {status} before it was ready");
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("deskmate serve was not ready within 60 s");
            }
        }
        if port == 0 || setup_token.is_empty() {
            bail!("deskmate serve printed no port or no first-run link");
        }
        let cert = dir.join("tls/cert.pem");
        let tls = tls_config(&cert)?;
        let addr: SocketAddr = format!("{SHARER_IP}:{port}").parse()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("REST runtime")?;
        let anon = Api::new(tls.clone(), addr)?;
        let helper = rt.block_on(bootstrap(&anon, &setup_token))?;
        Ok(Self {
            bin: bin.to_path_buf(),
            sharer_ns: net.sharer_ns.clone(),
            display: display.to_string(),
            dir: dir.to_path_buf(),
            server,
            port,
            cert,
            tls: Arc::new(tls),
            helper,
            rt,
            agent: None,
            sessions: 0,
        })
    }

    /// A fresh session: a code, the agent redeeming it (not timed), then
    /// `t0` and the helper joining. Returns the helper and `t0`.
    /// `ip`: the relay's address on the link the helper uses.
    pub fn connect(&mut self, ip: &str, screen: Shared) -> Result<(DeskmateViewer, Instant)> {
        let issued = self.rt.block_on(self.helper.post(
            "/api/v1/remote-help/codes",
            &json!({}),
            StatusCode::CREATED,
        ))?;
        let code = issued["code"].as_str().context("code")?.to_string();
        let session = issued["session_id"]
            .as_str()
            .context("session_id")?
            .to_string();
        self.sessions += 1;
        let log_path = self.dir.join(format!("agent-{}.log", self.sessions));
        let log = std::fs::File::create(&log_path).context("agent log")?;
        let mut command = in_ns(&self.sharer_ns, &self.bin.to_string_lossy());
        command
            .arg("share")
            .args(["--server", &format!("https://127.0.0.1:{}", self.port)])
            .args([
                "--email",
                SHARER_EMAIL,
                "--code",
                &code,
                "--consent",
                "allow",
                // The helper here speaks the screen codec, not the
                // end-to-end layer (as in bench/agent).
                "--unencrypted",
            ])
            .arg("--ca-cert")
            .arg(&self.cert);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("DESKMATE_") {
                command.env_remove(key);
            }
        }
        let mut agent = Proc::spawn(
            "deskmate share",
            command
                .env("DESKMATE_PASSWORD", PASSWORD)
                .env("DISPLAY", &self.display)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log)),
        )?;
        let started = Instant::now();
        loop {
            let s = self.rt.block_on(
                self.helper
                    .get(&format!("/api/v1/remote-help/sessions/{session}")),
            )?;
            if s["state"] == "paired" {
                break;
            }
            if let Some(status) = agent.exited() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                // The message, without a backtrace's frames.
                let lines: Vec<&str> = log
                    .lines()
                    .filter(|l| !l.starts_with(' ') && !l.trim().is_empty())
                    .take(6)
                    .collect();
                bail!(
                    "the agent exited with {status} before pairing: {}",
                    lines.join(" | ")
                );
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("the agent did not redeem the code within 60 s: {s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.agent = Some(agent);
        let join = helper::Join {
            tls: Arc::clone(&self.tls),
            addr: format!("{ip}:{}", self.port).parse()?,
            token: self.helper.token.clone().context("helper token")?,
            session,
        };
        let t0 = Instant::now();
        let viewer = DeskmateViewer::join(join, screen)?;
        Ok((viewer, t0))
    }

    /// The helper leaves; the agent exits by itself.
    pub fn disconnect(&mut self, viewer: DeskmateViewer) -> Option<String> {
        viewer.leave();
        let mut agent = self.agent.take()?;
        match agent.wait(Duration::from_secs(10)) {
            Some(status) if status.success() => None,
            Some(status) => Some(format!("the agent exited with {status} after the leave")),
            None => Some("the agent did not exit within 10 s of the leave; killed".into()),
        }
    }

    pub fn agent_pid(&self) -> Option<u32> {
        self.agent.as_ref().map(|a| a.pid)
    }

    /// Stops the relay.
    pub fn stop(mut self) -> Option<String> {
        if let Some(mut agent) = self.agent.take() {
            agent.terminate(Duration::from_secs(5));
        }
        match self.server.terminate(Duration::from_secs(20)) {
            Some(s) if s.success() => None,
            Some(s) => Some(format!("deskmate serve exited with {s} on SIGTERM")),
            None => Some("deskmate serve did not stop within 20 s; killed".into()),
        }
    }
}

/// First-run setup, a helpers group with the Help Desk Operator role over a
/// sharers group, one user in each, remote help on; returns the helper signed in.
async fn bootstrap(anon: &Api, setup_token: &str) -> Result<Api> {
    anon.post(
        "/api/v1/setup",
        &json!({"token": setup_token, "email": "admin@bench.example",
                "first_name": "Bench", "last_name": "Admin", "password": PASSWORD}),
        StatusCode::CREATED,
    )
    .await?;
    let admin = anon.sign_in("admin@bench.example", PASSWORD).await?;
    let mut groups = Vec::new();
    for name in ["Bench helpers", "Bench sharers"] {
        let group = admin
            .post(
                "/api/v1/groups",
                &json!({"name": name}),
                StatusCode::CREATED,
            )
            .await?;
        groups.push(group["id"].as_str().context("group id")?.to_string());
    }
    let roles = admin.get("/api/v1/roles").await?;
    let operator = roles
        .as_array()
        .context("roles list")?
        .iter()
        .find(|r| r["name"] == "Help Desk Operator")
        .and_then(|r| r["id"].as_str())
        .context("built-in role Help Desk Operator")?
        .to_string();
    admin
        .post(
            "/api/v1/role-assignments",
            &json!({"name": "Bench helpers help bench sharers", "role_id": operator,
                    "member_groups": [groups[0]], "scope_groups": [groups[1]]}),
            StatusCode::CREATED,
        )
        .await?;
    admin
        .patch(
            "/api/v1/tenant/settings",
            &json!({"remote_help_enabled": true, "allow_unenrolled_devices": true,
                "allow_unencrypted_sessions": true}),
        )
        .await?;
    for (email, first, group) in [
        (HELPER_EMAIL, "Helper", &groups[0]),
        (SHARER_EMAIL, "Sharer", &groups[1]),
    ] {
        admin
            .post(
                "/api/v1/users",
                &json!({"email": email, "first_name": first, "last_name": "Bench",
                        "password": PASSWORD, "groups": [group]}),
                StatusCode::CREATED,
            )
            .await?;
    }
    anon.sign_in(HELPER_EMAIL, PASSWORD).await
}
