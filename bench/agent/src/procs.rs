//! Child processes (killed on drop, by their own id), their CPU time and
//! memory from `/proc`, the `deskmate serve` process, and a temporary folder.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A child process, killed (SIGKILL to its pid) and reaped on drop.
pub struct Proc {
    child: Option<Child>,
    pub pid: u32,
    pub name: &'static str,
}

impl Proc {
    pub fn spawn(name: &'static str, command: &mut Command) -> Result<Self> {
        let child = command
            .spawn()
            .with_context(|| format!("start {name} ({command:?})"))?;
        Ok(Self {
            pid: child.id(),
            child: Some(child),
            name,
        })
    }

    /// Whether it has exited (reaps it if so).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// User + system CPU time so far.
    pub fn cpu(&self) -> Result<Duration> {
        cpu_of(&self.pid.to_string()).with_context(|| format!("CPU time of {}", self.name))
    }

    /// A `/proc/PID/status` size field (e.g. `VmHWM:`), in bytes.
    pub fn status_bytes(&self, field: &str) -> Result<u64> {
        status_bytes(self.pid, field)
    }

    /// Sends SIGTERM (by pid) and waits up to `grace`, then kills.
    pub fn terminate(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .arg(self.pid.to_string())
            .stderr(Stdio::null())
            .status();
        self.wait(grace)
    }

    /// Waits up to `limit` for the process to exit by itself, then kills it.
    pub fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if that fails).
pub fn clock_ticks() -> u64 {
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

/// utime + stime of `pid` (or `self`) from `/proc/PID/stat`.
pub fn cpu_of(pid: &str) -> Result<Duration> {
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
    let ticks = field(14)? + field(15)?;
    Ok(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

/// A size field of `/proc/PID/status`, in bytes.
pub fn status_bytes(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("read /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .with_context(|| format!("no {field} in /proc/{pid}/status"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .context("status value")?
        .parse()
        .context("status number")?;
    Ok(kib * 1024)
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

/// The running `deskmate serve`.
pub struct Server {
    pub proc: Proc,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The one-time first-run token.
    pub setup_token: String,
    /// The self-signed certificate to trust.
    pub cert: PathBuf,
}

/// How long the server may take to print `Ready.`.
const START_TIMEOUT: Duration = Duration::from_secs(60);

impl Server {
    /// Starts `bin serve` on an ephemeral loopback port with a fresh data
    /// folder and waits for `Ready.`; stderr goes to `server.log` there.
    pub fn start(bin: &Path, data_dir: &Path) -> Result<Self> {
        let log = std::fs::File::create(data_dir.join("server.log"))
            .context("create server.log in the data folder")?;
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--access-token-ttl", "86400"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        // Only the flags above configure the server under test.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("DESKMATE_") {
                command.env_remove(key);
            }
        }
        let mut child = command.spawn().with_context(|| {
            format!(
                "cannot start {}; build it first with `cargo build --release -p deskmate` \
                 or pass --deskmate PATH",
                bin.display()
            )
        })?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut proc = Proc {
            pid: child.id(),
            child: Some(child),
            name: "deskmate serve",
        };
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut addr, mut setup_token) = (String::new(), String::new());
        let started = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    if let Some(a) = line.split("listening on https://").nth(1) {
                        addr = a.trim().to_string();
                    }
                    if let Some(token) = line.split("/setup#token=").nth(1) {
                        setup_token = token.trim().to_string();
                    }
                    if line.starts_with("Ready.") {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    bail!("deskmate serve closed its output before it was ready")
                }
            }
            if let Some(status) = proc.exited() {
                bail!("deskmate serve exited with {status} before it was ready");
            }
            if started.elapsed() > START_TIMEOUT {
                bail!("deskmate serve was not ready within {START_TIMEOUT:?}");
            }
        }
        if addr.is_empty() || setup_token.is_empty() {
            bail!("deskmate serve printed no address or no first-run link");
        }
        Ok(Self {
            proc,
            addr,
            setup_token,
            cert: data_dir.join("tls/cert.pem"),
        })
    }
}

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "deskmate-bench-agent-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).with_context(|| format!("create {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// WARN and ERROR lines of a log (ANSI colours and timestamps removed),
/// grouped with counts.
pub fn log_problems(file: &Path) -> Vec<(String, usize)> {
    let log = std::fs::read_to_string(file).unwrap_or_default();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for line in log.lines() {
        let plain = strip_ansi(line);
        if !(plain.contains(" WARN ") || plain.contains(" ERROR ")) {
            continue;
        }
        let rest = plain.split_once(' ').map_or(plain.as_str(), |(_, r)| r);
        let key: String = rest.trim().chars().take(200).collect();
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
