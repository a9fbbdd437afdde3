//! Child processes (killed on drop, by their own id), CPU time of a process
//! tree or of one of our threads from `/proc`, machine-wide busy time, and a
//! temporary folder.

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process, killed (SIGKILL to its pid) and reaped on drop.
pub struct Proc {
    child: Option<Child>,
    pub pid: u32,
    pub name: String,
}

impl Proc {
    pub fn spawn(name: &str, command: &mut Command) -> Result<Self> {
        let child = command
            .spawn()
            .with_context(|| format!("start {name} ({command:?})"))?;
        Ok(Self {
            pid: child.id(),
            child: Some(child),
            name: name.to_string(),
        })
    }

    /// Takes over an already spawned child.
    pub fn adopt(name: &str, child: Child) -> Self {
        Self {
            pid: child.id(),
            child: Some(child),
            name: name.to_string(),
        }
    }

    /// Takes the child's standard output (when it was piped).
    pub fn stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.as_mut()?.stdout.take()
    }

    /// Whether it has exited (reaps it if so).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Sends SIGTERM (by pid) and waits up to `grace`, then kills.
    pub fn terminate(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        self.child.as_ref()?;
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

/// A command run inside network namespace `ns` (`ip netns exec` execs the
/// program, so the child's pid is the program's).
pub fn in_ns(ns: &str, program: &str) -> Command {
    let mut command = Command::new("ip");
    command.args(["netns", "exec", ns, program]);
    command
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if that fails).
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

/// Fields after the command name of a `/proc/…/stat` line (field 3 first).
fn stat_fields(path: &str) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(path).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    Some(
        rest.split_whitespace()
            .map(|f| f.parse::<u64>().unwrap_or(0))
            .collect(),
    )
}

fn ticks(ticks: u64) -> Duration {
    Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
}

/// utime + stime of one `/proc/…/stat` file.
fn cpu_at(path: &str) -> Option<Duration> {
    let f = stat_fields(path)?;
    Some(ticks(f.get(11)? + f.get(12)?))
}

/// utime + stime of this whole process.
pub fn self_cpu() -> Duration {
    cpu_at("/proc/self/stat").unwrap_or_default()
}

/// utime + stime of one thread of this process.
pub fn thread_cpu(tid: u32) -> Duration {
    cpu_at(&format!("/proc/self/task/{tid}/stat")).unwrap_or_default()
}

/// The id of the calling thread (from `/proc/thread-self`).
pub fn current_tid() -> Option<u32> {
    std::fs::read_link("/proc/thread-self")
        .ok()?
        .file_name()?
        .to_str()?
        .parse()
        .ok()
}

/// utime + stime of `pid` and every living descendant (websockify forks a
/// process per connection).
pub fn tree_cpu(pid: u32) -> Duration {
    let mut parents: Vec<(u32, u32, Duration)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Some(f) = stat_fields(&format!("/proc/{p}/stat")) else {
                continue;
            };
            let (Some(ppid), Some(u), Some(s)) = (f.get(1), f.get(11), f.get(12)) else {
                continue;
            };
            parents.push((p, *ppid as u32, ticks(u + s)));
        }
    }
    let mut total = Duration::ZERO;
    let mut frontier = vec![pid];
    let mut seen = std::collections::HashSet::new();
    while let Some(p) = frontier.pop() {
        if !seen.insert(p) {
            continue;
        }
        for (child, parent, cpu) in &parents {
            if *child == p {
                total += *cpu;
            }
            if *parent == p {
                frontier.push(*child);
            }
        }
    }
    total
}

/// Busy CPU time of the whole machine (all CPUs, from `/proc/stat`).
pub fn machine_busy() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return Duration::ZERO;
    };
    let Some(line) = stat.lines().next() else {
        return Duration::ZERO;
    };
    // user nice system idle iowait irq softirq steal
    let busy: u64 = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, v)| v.parse::<u64>().unwrap_or(0))
        .sum();
    ticks(busy)
}

/// The 1-, 5- and 15-minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
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
            "deskmate-bench-peers-{}-{nanos}",
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
