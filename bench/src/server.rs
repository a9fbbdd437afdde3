//! The `deskmate serve` process under test: start, wait for `Ready.`, read
//! its resource use from `/proc`, stop.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the server may take to print `Ready.`.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server.
pub struct Server {
    child: Child,
    /// Process id (for `/proc`).
    pub pid: u32,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The one-time first-run token.
    pub setup_token: String,
    /// The self-signed certificate to trust.
    pub cert: PathBuf,
    /// The `listening on` line, for the report.
    pub banner: String,
    stopped: bool,
}

impl Server {
    /// Starts `bin serve` on an ephemeral loopback port with a fresh data
    /// folder (and `database_url`, if given) and waits until it is ready.
    pub fn start(bin: &Path, data_dir: &Path, database_url: Option<&str>) -> Result<Self> {
        let log = std::fs::File::create(data_dir.join("server.log"))
            .context("create server.log in the data folder")?;
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--access-token-ttl", "86400"])
            // The bench deliberately runs far more sessions and connections
            // than one helper or one address may hold by default.
            .args(["--max-sessions-per-helper", "100000"])
            .args(["--max-connections-per-address", "100000"]);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        // Only the flags above configure the server under test.
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
                    "cannot start {}; build it first with `cargo build --release -p deskmate` \
                     or pass --server PATH",
                    bin.display()
                )
            })?;
        let pid = child.id();
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            pid,
            addr: String::new(),
            setup_token: String::new(),
            cert: data_dir.join("tls/cert.pem"),
            banner: String::new(),
            stopped: false,
        };
        let started = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    if let Some(addr) = line.split("listening on https://").nth(1) {
                        server.addr = addr.trim().to_string();
                        server.banner = line.trim().to_string();
                    }
                    if let Some(token) = line.split("/setup#token=").nth(1) {
                        server.setup_token = token.trim().to_string();
                    }
                    if line.starts_with("Ready.") {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let log =
                        std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
                    bail!("deskmate serve closed its output before it was ready:\n{log}");
                }
            }
            if let Some(status) = server.child.try_wait()? {
                let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
                bail!("deskmate serve exited with {status} before it was ready:\n{log}");
            }
            if started.elapsed() > START_TIMEOUT {
                bail!("deskmate serve was not ready within {START_TIMEOUT:?}");
            }
        }
        if server.addr.is_empty() {
            bail!("deskmate serve printed no `listening on https://` line");
        }
        if server.setup_token.is_empty() {
            bail!("deskmate serve printed no first-run link (is the database fresh?)");
        }
        Ok(server)
    }

    /// Peak resident set size (VmHWM), in bytes.
    pub fn peak_rss(&self) -> Result<u64> {
        self.status_kib("VmHWM:")
    }

    /// Current resident set size (VmRSS), in bytes.
    pub fn rss(&self) -> Result<u64> {
        self.status_kib("VmRSS:")
    }

    fn status_kib(&self, field: &str) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .context("read /proc/PID/status")?;
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .with_context(|| format!("no {field} in /proc/PID/status"))?;
        let kib: u64 = line
            .split_whitespace()
            .nth(1)
            .context("status value")?
            .parse()
            .context("status number")?;
        Ok(kib * 1024)
    }

    /// CPU time used so far by the server.
    pub fn cpu(&self) -> Result<CpuTime> {
        CpuTime::of(&self.pid.to_string())
    }

    /// Asks the server to stop (SIGTERM) and waits for it.
    pub fn stop(&mut self) -> Result<std::process::ExitStatus> {
        self.stopped = true;
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                self.child.kill()?;
                return Ok(self.child.wait()?);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// User and system CPU time of a process.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTime {
    pub user: Duration,
    pub system: Duration,
}

impl CpuTime {
    /// Reads `/proc/<pid>/stat` (`pid` may be `self`).
    pub fn of(pid: &str) -> Result<Self> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("read /proc/{pid}/stat"))?;
        // Fields after the command name (which may hold spaces) start at field 3.
        let rest = stat.rsplit_once(')').context("malformed stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| -> Result<u64> {
            fields
                .get(n - 3)
                .context("short stat")?
                .parse::<u64>()
                .context("stat number")
        };
        let tick = clock_ticks();
        let to_duration = |ticks: u64| Duration::from_secs_f64(ticks as f64 / tick as f64);
        Ok(Self {
            user: to_duration(field(14)?),
            system: to_duration(field(15)?),
        })
    }

    /// User plus system.
    pub fn total(self) -> Duration {
        self.user + self.system
    }

    /// Time used since `earlier`.
    pub fn since(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|&t: &u64| t > 0)
            .unwrap_or(100)
    })
}

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("deskmate-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).with_context(|| format!("create {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh PostgreSQL database, created and dropped with `psql`.
pub struct PgDb {
    admin_url: String,
    name: String,
    /// The URL for `--database-url`.
    pub url: String,
}

impl PgDb {
    /// `base` is `postgres://USER@HOST:PORT` (trust authentication).
    pub fn create(base: &str) -> Result<Self> {
        let base = base.trim_end_matches('/');
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let name = format!("deskmate_bench_{}_{nanos}", std::process::id());
        let admin_url = format!("{base}/postgres");
        psql(&admin_url, &format!("CREATE DATABASE {name}"))?;
        Ok(Self {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let output = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .context("run psql (needed for --postgres)")?;
    if !output.status.success() {
        bail!(
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// WARN and ERROR lines of the server's log, grouped by message (ids and
/// times dropped; `error=`/`detail=` kept), with counts.
pub fn log_problems(log_file: &Path) -> Vec<(String, usize)> {
    let log = std::fs::read_to_string(log_file).unwrap_or_default();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for line in log.lines() {
        let plain = strip_ansi(line);
        if !(plain.contains(" WARN ") || plain.contains(" ERROR ")) {
            continue;
        }
        // Drop the timestamp.
        let rest = plain.split_once(' ').map_or(plain.as_str(), |(_, r)| r);
        let message: Vec<&str> = rest
            .split_whitespace()
            .take_while(|w| !w.contains('='))
            .collect();
        let mut key = message.join(" ");
        if let Some(at) = rest.find("error=").or_else(|| rest.find("detail=")) {
            key.push(' ');
            key.extend(rest[at..].chars().take(160));
        }
        *counts.entry(key).or_default() += 1;
    }
    counts.into_iter().collect()
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Busy CPU time of the whole machine (all CPUs, from `/proc/stat`).
pub fn machine_busy() -> Result<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").context("read /proc/stat")?;
    let line = stat.lines().next().context("empty /proc/stat")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let busy: u64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, v)| v)
        .sum();
    Ok(Duration::from_secs_f64(busy as f64 / clock_ticks() as f64))
}

/// CPU use of the server, this process and everything else at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    server: CpuTime,
    bench: CpuTime,
    machine: Duration,
    at: Instant,
}

impl Snapshot {
    pub fn take(server: &Server) -> Result<Self> {
        Ok(Self {
            server: server.cpu()?,
            bench: CpuTime::of("self")?,
            machine: machine_busy()?,
            at: Instant::now(),
        })
    }

    /// "server / bench / other CPU seconds over wall seconds" since `earlier`.
    pub fn since(&self, earlier: &Snapshot) -> String {
        let server = self.server.since(earlier.server).total();
        let bench = self.bench.since(earlier.bench).total();
        let other = self
            .machine
            .saturating_sub(earlier.machine)
            .saturating_sub(server + bench);
        format!(
            "{:.2} / {:.2} / {:.2} s in {:.1} s",
            server.as_secs_f64(),
            bench.as_secs_f64(),
            other.as_secs_f64(),
            (self.at - earlier.at).as_secs_f64()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_problems_groups_warnings_and_errors() {
        let dir = TempDir::new().expect("temp dir");
        let file = dir.0.join("server.log");
        let lines = [
            "\u{1b}[2m2026-11-25T15:14:32.647889Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m deskmate_server::bootstrap: first run",
            "\u{1b}[2m2026-11-25T15:14:32.743831Z\u{1b}[0m \u{1b}[31mERROR\u{1b}[0m deskmate_server::http::problem: internal error \u{1b}[3mdetail\u{1b}[0m=database error: locked",
            "2026-11-25T15:14:33.000000Z ERROR deskmate_server::http::problem: internal error detail=database error: locked",
            "2026-11-25T15:14:34.000000Z  WARN deskmate_server::relay: peer too slow; disconnecting it session=abc side=helper",
        ];
        std::fs::write(&file, lines.join("\n")).expect("write log");
        assert_eq!(
            log_problems(&file),
            vec![
                (
                    "ERROR deskmate_server::http::problem: internal error detail=database error: locked"
                        .to_string(),
                    2
                ),
                (
                    "WARN deskmate_server::relay: peer too slow; disconnecting it".to_string(),
                    1
                ),
            ]
        );
    }
}
