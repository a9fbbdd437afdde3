//! Screen-sharing benchmarks of the Linux agent with real components on
//! loopback: Xvfb at 1920×1080, the release `deskmate serve`, the real
//! `deskmate share` agent on that display, and an in-process helper that
//! decodes and acknowledges every screen update. Prints a Markdown table;
//! never asserts on time.

mod api;
mod helper;
mod procs;
mod xenv;

use anyhow::{Context, Result, bail};
use api::Api;
use clap::Parser;
use deskmate_proto::input::InputEvent;
use helper::Helper;
use procs::{Proc, Server, TempDir};
use reqwest::StatusCode;
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use xenv::Display;

/// Measures the Linux agent's screen sharing under Xvfb (build first:
/// `cargo build --release -p deskmate -p deskmate-bench-agent`; needs
/// `apt-get install xvfb xterm`).
#[derive(Parser, Debug)]
#[command(name = "deskmate-bench-agent", version)]
struct Args {
    /// The deskmate binary (runs both `serve` and `share`)
    #[arg(long, value_name = "PATH", default_value = "target/release/deskmate")]
    deskmate: PathBuf,
    /// Shorter phases (about a minute in all)
    #[arg(long)]
    quick: bool,
}

const WIDTH: u16 = 1920;
const HEIGHT: u16 = 1080;
const PASSWORD: &str = "a long benchmark password";
const HELPER_EMAIL: &str = "helper@bench.example";
const SHARER_EMAIL: &str = "sharer@bench.example";
/// Typed text: lowercase letters and spaces only (the local baseline types
/// them with XTest from the default keymap).
const PANGRAM: &str = "the quick brown fox jumps over the lazy dog ";
/// Characters per second when typing.
const TYPING_RATE: f64 = 10.0;
/// The screen counts as settled after this long without a screen update.
const QUIET: Duration = Duration::from_millis(400);
/// Full-screen animation rate.
const ANIMATION_FPS: u32 = 60;

struct Plan {
    idle: Duration,
    chars: usize,
    baseline_chars: usize,
    scroll: Duration,
    motion: Duration,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the tokio runtime")?;
    runtime.block_on(run(args))
}

fn log(message: &str) {
    eprintln!("[deskmate-bench-agent] {message}");
}

async fn run(args: Args) -> Result<()> {
    let plan = if args.quick {
        Plan {
            idle: Duration::from_secs(5),
            chars: 30,
            baseline_chars: 15,
            scroll: Duration::from_secs(4),
            motion: Duration::from_secs(4),
        }
    } else {
        Plan {
            idle: Duration::from_secs(20),
            chars: 100,
            baseline_chars: 40,
            scroll: Duration::from_secs(10),
            motion: Duration::from_secs(10),
        }
    };
    let dir = TempDir::new()?;
    let outcome = bench(&args, &plan, &dir).await;
    if outcome.is_err() {
        for name in ["server.log", "agent.log"] {
            let log = std::fs::read_to_string(dir.0.join(name)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!("--- last lines of {name} ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
    outcome
}

/// CPU time of the processes involved at one moment.
#[derive(Clone, Copy)]
struct Snap {
    at: Instant,
    agent: Duration,
    server: Duration,
    xvfb: Duration,
    bench: Duration,
    xterm: Option<Duration>,
    machine: Duration,
}

/// CPU use over an interval, in % of one core.
#[derive(Clone, Copy)]
struct CpuUse {
    wall: Duration,
    agent: f64,
    server: f64,
    xvfb: f64,
    bench: f64,
    xterm: Option<f64>,
    other: f64,
}

struct Procs<'a> {
    agent: &'a Proc,
    server: &'a Proc,
    xvfb: &'a Proc,
}

impl Procs<'_> {
    fn snap(&self, xterm: Option<&Proc>) -> Result<Snap> {
        Ok(Snap {
            at: Instant::now(),
            agent: self.agent.cpu()?,
            server: self.server.cpu()?,
            xvfb: self.xvfb.cpu()?,
            bench: procs::cpu_of("self")?,
            xterm: xterm.map(Proc::cpu).transpose()?,
            machine: procs::machine_busy()?,
        })
    }
}

impl Snap {
    fn since(&self, before: &Snap) -> CpuUse {
        let wall = self.at - before.at;
        let pct = |d: Duration| 100.0 * d.as_secs_f64() / wall.as_secs_f64().max(1e-9);
        let agent = self.agent.saturating_sub(before.agent);
        let server = self.server.saturating_sub(before.server);
        let xvfb = self.xvfb.saturating_sub(before.xvfb);
        let bench = self.bench.saturating_sub(before.bench);
        let xterm = match (self.xterm, before.xterm) {
            (Some(a), Some(b)) => Some(a.saturating_sub(b)),
            _ => None,
        };
        let other = self
            .machine
            .saturating_sub(before.machine)
            .saturating_sub(agent + server + xvfb + bench + xterm.unwrap_or_default());
        CpuUse {
            wall,
            agent: pct(agent),
            server: pct(server),
            xvfb: pct(xvfb),
            bench: pct(bench),
            xterm: xterm.map(pct),
            other: pct(other),
        }
    }
}

/// One line of the report.
struct Row {
    scenario: String,
    figure: String,
    measured: String,
    target: String,
}

fn row(scenario: &str, figure: &str, measured: String, target: &str) -> Row {
    Row {
        scenario: scenario.into(),
        figure: figure.into(),
        measured,
        target: target.into(),
    }
}

async fn bench(args: &Args, plan: &Plan, dir: &TempDir) -> Result<()> {
    let wall = Instant::now();
    log(&format!("starting Xvfb at {WIDTH}x{HEIGHT}x24"));
    let display = Display::start(WIDTH, HEIGHT)?;
    log(&format!(
        "display {}; starting {} serve (data in {})",
        display.name,
        args.deskmate.display(),
        dir.0.display()
    ));
    let mut server = Server::start(&args.deskmate, &dir.0)?;
    let tls = api::tls_config(&server.cert)?;
    let anon = Api::new(tls.clone(), &server.addr)?;
    let helper_api = bootstrap(&anon, &server.setup_token).await?;

    // The agent redeems a fresh code.
    let issued = helper_api
        .post("/api/v1/remote-help/codes", &json!({}), StatusCode::CREATED)
        .await?;
    let code = issued["code"].as_str().context("code")?.to_string();
    let session = issued["session_id"]
        .as_str()
        .context("session_id")?
        .to_string();
    log(&format!(
        "starting the agent: deskmate share --code {code} on {}",
        display.name
    ));
    let agent_log = std::fs::File::create(dir.0.join("agent.log")).context("agent.log")?;
    let mut command = Command::new(&args.deskmate);
    command
        .arg("share")
        .args(["--server", &format!("https://{}", server.addr)])
        .args([
            "--email",
            SHARER_EMAIL,
            "--code",
            &code,
            "--consent",
            "allow",
            // This harness's helper client measures the codec, not encryption.
            "--unencrypted",
        ])
        .arg("--ca-cert")
        .arg(&server.cert);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("DESKMATE_") {
            command.env_remove(key);
        }
    }
    let mut agent = Proc::spawn(
        "deskmate share",
        command
            .env("DESKMATE_PASSWORD", PASSWORD)
            .env("DISPLAY", &display.name)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(agent_log)),
    )?;
    let started = Instant::now();
    loop {
        let s = helper_api
            .get(&format!("/api/v1/remote-help/sessions/{session}"))
            .await?;
        if s["state"] == "paired" {
            break;
        }
        if let Some(status) = agent.exited() {
            bail!("the agent exited with {status} before pairing");
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the agent did not redeem the code within 60 s: {s}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    log(&format!(
        "paired after {:.1} s; the helper joins and asks for control",
        started.elapsed().as_secs_f64()
    ));
    let token = helper_api.token.as_deref().context("helper token")?;
    let joined = Instant::now();
    let helper = Helper::join(Arc::new(tls), &server.addr, token, &session).await?;
    let procs = Procs {
        agent: &agent,
        server: &server.proc,
        xvfb: &display.proc,
    };
    let first_exact = settle_exact(&helper, &display, Duration::from_secs(20)).await?;
    let mut rows = Vec::new();
    let mut cpu_rows: Vec<(String, CpuUse)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    match first_exact {
        Ok(_) => {
            let first = helper
                .lock()
                .log
                .iter()
                .find(|r| r.channel == 1)
                .map(|r| r.at - joined);
            rows.push(row(
                "Join",
                "Helper joined → first screen update received",
                first.map_or("–".into(), ms),
                "–",
            ));
        }
        Err(diff) => notes.push(format!(
            "the helper's copy did not match the screen after joining ({diff} pixels differ)"
        )),
    }

    // a. Idle.
    log(&format!("idle: {} s", plan.idle.as_secs()));
    idle(&helper, &procs, plan, &mut rows, &mut cpu_rows).await?;

    // b. Typing.
    log(&format!(
        "typing: {} characters at {TYPING_RATE}/s in an xterm",
        plan.chars
    ));
    let cell = typing(
        &helper,
        &display,
        &procs,
        plan,
        &mut rows,
        &mut cpu_rows,
        &mut notes,
    )
    .await?;

    // c. Scrolling.
    log(&format!(
        "scrolling: {} s in a full-screen xterm",
        plan.scroll.as_secs()
    ));
    scrolling(
        &helper,
        &display,
        &procs,
        plan,
        cell,
        &dir.0,
        &mut rows,
        &mut cpu_rows,
        &mut notes,
    )
    .await?;

    // d. Full-screen motion.
    log(&format!(
        "full-screen motion: {} s at {ANIMATION_FPS} Hz",
        plan.motion.as_secs()
    ));
    motion(
        &helper,
        &display,
        &procs,
        plan,
        &mut rows,
        &mut cpu_rows,
        &mut notes,
    )
    .await?;

    // Memory, then the end.
    let agent_peak = agent.status_bytes("VmHWM:")?;
    let server_peak = server.proc.status_bytes("VmHWM:")?;
    let (updates, bytes) = {
        let s = helper.lock();
        notes.extend(s.problems.iter().cloned());
        let screen: Vec<_> = s.log.iter().filter(|r| r.channel == 1).collect();
        (screen.len(), screen.iter().map(|r| r.bytes).sum::<usize>())
    };
    rows.push(row(
        "Memory",
        "Agent peak RSS (VmHWM)",
        mib(agent_peak),
        "–",
    ));
    rows.push(row(
        "Memory",
        "Server peak RSS (VmHWM)",
        mib(server_peak),
        "–",
    ));
    helper.leave().await?;
    match agent.wait(Duration::from_secs(10)) {
        Some(status) if status.success() => {}
        Some(status) => notes.push(format!("the agent exited with {status} after the leave")),
        None => notes.push("the agent did not exit within 10 s of the leave; killed".into()),
    }
    match server.proc.terminate(Duration::from_secs(20)) {
        Some(status) if status.success() => {}
        Some(status) => notes.push(format!("the server exited with {status} on SIGTERM")),
        None => notes.push("the server did not stop within 20 s of SIGTERM; killed".into()),
    }
    for (file, who) in [("agent.log", "agent"), ("server.log", "server")] {
        let problems = procs::log_problems(&dir.0.join(file));
        let distinct = problems.len();
        for (line, count) in problems.into_iter().take(8) {
            notes.push(format!("{who} log: {count} × {line}"));
        }
        if distinct > 8 {
            notes.push(format!(
                "{who} log: {} more distinct warnings",
                distinct - 8
            ));
        }
    }

    print_report(
        args,
        &rows,
        &cpu_rows,
        &notes,
        updates,
        bytes,
        wall.elapsed(),
    )?;
    Ok(())
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

fn print_report(
    args: &Args,
    rows: &[Row],
    cpu_rows: &[(String, CpuUse)],
    notes: &[String],
    updates: usize,
    bytes: usize,
    wall: Duration,
) -> Result<()> {
    let mut out = String::new();
    writeln!(
        out,
        "\n## Deskmate agent benchmark ({}, Xvfb {WIDTH}x{HEIGHT}x24, {} CPUs, loopback HTTPS/WSS)\n",
        if args.quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )?;
    writeln!(out, "| Scenario | Figure | Measured | Target |")?;
    writeln!(out, "|---|---|---:|---|")?;
    for r in rows {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.scenario, r.figure, r.measured, r.target
        )?;
    }
    writeln!(
        out,
        "\n| CPU, % of one core | Wall | Agent | Server | Xvfb | Bench (helper + X clients) | xterm | Everything else |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
    for (name, c) in cpu_rows {
        writeln!(
            out,
            "| {name} | {:.1} s | {:.2} % | {:.2} % | {:.2} % | {:.2} % | {} | {:.2} % |",
            c.wall.as_secs_f64(),
            c.agent,
            c.server,
            c.xvfb,
            c.bench,
            c.xterm.map_or("–".into(), |x| format!("{x:.2} %")),
            c.other
        )?;
    }
    writeln!(
        out,
        "\nWhole run: {:.0} s; the helper decoded and acknowledged {updates} screen updates ({:.1} MB). \
         Bytes are WebSocket payload bytes received by the helper (1 KB = 1000 B, Mbit = 10^6 bits). \
         \"Everything else\" is machine-wide busy time minus the other columns: the shell and `seq` of the scrolling run, the kernel, and any other load on the machine (other builds distort every figure here).",
        wall.as_secs_f64(),
        bytes as f64 / 1e6
    )?;
    if !notes.is_empty() {
        writeln!(out, "\nNotes:")?;
        for note in notes {
            writeln!(out, "- {note}")?;
        }
    }
    println!("{out}");
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}

fn mbit(bytes: usize, over: Duration) -> f64 {
    bytes as f64 * 8.0 / 1e6 / over.as_secs_f64().max(1e-9)
}

/// Nearest-rank percentile of sorted values.
fn pct<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Waits until no screen update arrived for `quiet` (at least `quiet` from
/// now); `false` if that did not happen within `limit`.
async fn quiet(helper: &Helper, quiet: Duration, limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let last = helper.lock().last_screen.unwrap_or(start).max(start);
        if last.elapsed() >= quiet {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
    }
}

/// Pixels of the helper's copy that differ from a grab of the screen now,
/// and when the helper last applied an update (read under the same lock).
fn compare(helper: &Helper, display: &Display) -> Result<(usize, Option<Instant>)> {
    let grab = tokio::task::block_in_place(|| display.grab())?;
    let s = helper.lock();
    let diff = match s.decoder.frame() {
        Some(f) if f.width == grab.width && f.height == grab.height => f
            .pixels
            .iter()
            .zip(&grab.pixels)
            .filter(|(a, b)| a != b)
            .count(),
        _ => grab.pixels.len(),
    };
    Ok((diff, s.last_applied))
}

/// Waits for a quiet screen and a pixel-exact copy at the helper;
/// `Ok(when the last update was applied)` or `Err(differing pixels)` after `limit`.
async fn settle_exact(
    helper: &Helper,
    display: &Display,
    limit: Duration,
) -> Result<std::result::Result<Option<Instant>, usize>> {
    let start = Instant::now();
    loop {
        quiet(helper, QUIET, limit).await;
        let (diff, applied) = compare(helper, display)?;
        if diff == 0 {
            return Ok(Ok(applied));
        }
        if start.elapsed() > limit {
            return Ok(Err(diff));
        }
    }
}

async fn idle(
    helper: &Helper,
    procs: &Procs<'_>,
    plan: &Plan,
    rows: &mut Vec<Row>,
    cpu_rows: &mut Vec<(String, CpuUse)>,
) -> Result<()> {
    quiet(helper, Duration::from_secs(1), Duration::from_secs(10)).await;
    let before = procs.snap(None)?;
    tokio::time::sleep(plan.idle).await;
    let after = procs.snap(None)?;
    let cpu = after.since(&before);
    let (bytes, updates, messages) = {
        let s = helper.lock();
        let seen: Vec<_> = s.between(before.at, after.at).collect();
        (
            seen.iter().map(|r| r.bytes).sum::<usize>(),
            seen.iter().filter(|r| r.channel == 1).count(),
            seen.len(),
        )
    };
    let name = format!("Idle ({} s)", plan.idle.as_secs());
    rows.push(row(
        &name,
        "Bytes/s received by the helper (all messages)",
        format!(
            "{:.1} B/s ({messages} messages, {updates} screen updates)",
            bytes as f64 / cpu.wall.as_secs_f64()
        ),
        "~0 B/s",
    ));
    rows.push(row(
        &name,
        "Agent CPU",
        format!("{:.2} % of one core", cpu.agent),
        "< 0.5 %",
    ));
    rows.push(row(
        &name,
        "Server CPU",
        format!("{:.2} % of one core", cpu.server),
        "–",
    ));
    cpu_rows.push((name, cpu));
    Ok(())
}

/// Returns the xterm character cell (width, height) in pixels.
async fn typing(
    helper: &Helper,
    display: &Display,
    procs: &Procs<'_>,
    plan: &Plan,
    rows: &mut Vec<Row>,
    cpu_rows: &mut Vec<(String, CpuUse)>,
    notes: &mut Vec<String>,
) -> Result<(f64, f64)> {
    let mut xterm = display.xterm(&[
        "-geometry",
        "120x40+0+0",
        "-e",
        "sh",
        "-c",
        "cat > /dev/null",
    ])?;
    let windows =
        tokio::task::block_in_place(|| display.wait_for_xterms(1, Duration::from_secs(15)))?;
    let (wx, wy, ww, wh) = windows[0];
    let cell = (
        f64::from(ww.saturating_sub(4)) / 120.0,
        f64::from(wh.saturating_sub(4)) / 40.0,
    );
    helper
        .input(&InputEvent::PointerMove {
            x: i32::from(wx) + i32::from(ww) / 2,
            y: i32::from(wy) + i32::from(wh) / 2,
        })
        .await?;
    if let Err(diff) = settle_exact(helper, display, Duration::from_secs(15)).await? {
        notes.push(format!(
            "typing: the helper's copy did not match the screen before typing ({diff} pixels differ)"
        ));
    }
    // Warm-up, not measured.
    helper
        .input(&InputEvent::Text { text: "ok ".into() })
        .await?;
    quiet(helper, Duration::from_secs(1), Duration::from_secs(10)).await;

    let text: String = PANGRAM.chars().cycle().take(plan.chars).collect();
    let period = Duration::from_secs_f64(1.0 / TYPING_RATE);
    let before = procs.snap(Some(&xterm))?;
    let start = tokio::time::Instant::now();
    let mut sent = Vec::with_capacity(plan.chars);
    for (i, c) in text.chars().enumerate() {
        tokio::time::sleep_until(start + period * i as u32).await;
        sent.push(
            helper
                .input(&InputEvent::Text {
                    text: c.to_string(),
                })
                .await?,
        );
    }
    tokio::time::sleep(period).await;
    quiet(helper, Duration::from_millis(500), Duration::from_secs(10)).await;
    let after = procs.snap(Some(&xterm))?;
    let end = Instant::now();

    let mut per_key_bytes = Vec::new();
    let mut per_key_updates = Vec::new();
    let mut latencies = Vec::new();
    let mut silent = 0;
    {
        let s = helper.lock();
        for (i, &at) in sent.iter().enumerate() {
            let until = sent.get(i + 1).copied().unwrap_or(end);
            let updates: Vec<_> = s.between(at, until).filter(|r| r.channel == 1).collect();
            per_key_bytes.push(updates.iter().map(|r| r.bytes).sum::<usize>());
            per_key_updates.push(updates.len());
            match updates.first() {
                Some(first) => latencies.push(first.at - at),
                None => silent += 1,
            }
        }
    }
    let exact = settle_exact(helper, display, Duration::from_secs(10)).await?;

    // The local baseline: XTest from this process, no Deskmate in the path.
    tokio::task::block_in_place(|| xenv::press_return(display))?;
    quiet(helper, Duration::from_millis(500), Duration::from_secs(10)).await;
    let area = (wx, wy, ww, ((cell.1 * 3.0) as u16 + 4).min(wh));
    let baseline_text: String = PANGRAM.chars().cycle().take(plan.baseline_chars).collect();
    let local = tokio::task::block_in_place(|| {
        xenv::local_typing(display, &baseline_text, TYPING_RATE, area)
    })?;
    let local_missed = local.iter().filter(|l| l.is_none()).count();
    let mut local: Vec<Duration> = local.into_iter().flatten().collect();
    local.sort_unstable();
    quiet(helper, Duration::from_millis(500), Duration::from_secs(10)).await;
    xterm.wait(Duration::ZERO);

    let name = format!("Typing ({} chars at {TYPING_RATE}/s, xterm)", plan.chars);
    let n = per_key_bytes.len().max(1);
    let mean_bytes = per_key_bytes.iter().sum::<usize>() as f64 / n as f64;
    let mut sorted_bytes = per_key_bytes.clone();
    sorted_bytes.sort_unstable();
    rows.push(row(
        &name,
        "Screen-update bytes per keystroke: mean / p50 / max",
        format!(
            "{mean_bytes:.0} / {} / {} B",
            pct(&sorted_bytes, 50.0).unwrap_or(0),
            sorted_bytes.last().copied().unwrap_or(0)
        ),
        "≤ 1 KB",
    ));
    rows.push(row(
        &name,
        "Screen updates per keystroke (mean); keystrokes with none",
        format!(
            "{:.2}; {silent}",
            per_key_updates.iter().sum::<usize>() as f64 / n as f64
        ),
        "–",
    ));
    latencies.sort_unstable();
    let fmt = |v: &[Duration]| {
        format!(
            "{} / {} / {}",
            pct(v, 50.0).map_or("–".into(), ms),
            pct(v, 99.0).map_or("–".into(), ms),
            v.last().copied().map_or("–".into(), ms)
        )
    };
    rows.push(row(
        &name,
        "Input frame sent → first screen update received (p50 / p99 / max)",
        fmt(&latencies),
        "–",
    ));
    rows.push(row(
        &name,
        &format!(
            "Local baseline without Deskmate: XTest key → glyph in GetImage (p50 / p99 / max, {} keys{})",
            local.len(),
            if local_missed > 0 {
                format!(", {local_missed} never seen")
            } else {
                String::new()
            }
        ),
        fmt(&local),
        "–",
    ));
    let added = |p: f64| match (pct(&latencies, p), pct(&local, p)) {
        (Some(a), Some(b)) => {
            format!("{:.1} ms", (a.as_secs_f64() - b.as_secs_f64()) * 1e3)
        }
        _ => "–".into(),
    };
    rows.push(row(
        &name,
        "Added latency: Deskmate minus local baseline, p50 / p99",
        format!("{} / {}", added(50.0), added(99.0)),
        "≤ 5 ms p50, < 16.7 ms p99",
    ));
    rows.push(row(
        &name,
        "Helper's copy pixel-exact after typing",
        match exact {
            Ok(_) => "yes".into(),
            Err(diff) => format!("no ({diff} pixels differ)"),
        },
        "–",
    ));
    cpu_rows.push((name, after.since(&before)));
    Ok(cell)
}

#[allow(clippy::too_many_arguments)]
async fn scrolling(
    helper: &Helper,
    display: &Display,
    procs: &Procs<'_>,
    plan: &Plan,
    cell: (f64, f64),
    dir: &Path,
    rows: &mut Vec<Row>,
    cpu_rows: &mut Vec<(String, CpuUse)>,
    notes: &mut Vec<String>,
) -> Result<()> {
    wait_no_xterms(display).await?;
    let cols = ((f64::from(WIDTH) - 6.0) / cell.0.max(1.0)) as u32;
    let lines = ((f64::from(HEIGHT) - 6.0) / cell.1.max(1.0)) as u32;
    let run_file = dir.join("scroll.run");
    let count_file = dir.join("scroll.count");
    std::fs::write(&run_file, b"").context("create the scroll run file")?;
    // 40 new lines, then 50 ms of sleep, while the run file exists; the
    // count file holds the number of lines printed so far.
    let script = format!(
        "n=0; while [ -e '{run}' ]; do \
         seq -f '%g  Deskmate scrolling benchmark: the quick brown fox jumps over the lazy dog 0123456789' $((n+1)) $((n+40)); \
         n=$((n+40)); echo $n > '{count}'; sleep 0.05; done",
        run = run_file.display(),
        count = count_file.display()
    );
    let geometry = format!("{cols}x{lines}+0+0");
    let mut xterm = display.xterm(&["-hold", "-geometry", &geometry, "-e", "sh", "-c", &script])?;
    tokio::task::block_in_place(|| display.wait_for_xterms(1, Duration::from_secs(15)))?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let printed = || -> u64 {
        std::fs::read_to_string(&count_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    };
    let lines_before = printed();
    let before = procs.snap(Some(&xterm))?;
    tokio::time::sleep(plan.scroll).await;
    let after = procs.snap(Some(&xterm))?;
    let lines_printed = printed().saturating_sub(lines_before);
    std::fs::remove_file(&run_file).context("remove the scroll run file")?;
    let exact = settle_exact(helper, display, Duration::from_secs(15)).await?;
    let w = window_stats(helper, before.at, after.at);
    let wall = after.at - before.at;
    let name = format!(
        "Scrolling ({} s, xterm {cols}x{lines} ≈ full screen, {:.0} lines/s)",
        plan.scroll.as_secs(),
        lines_printed as f64 / wall.as_secs_f64()
    );
    rows.push(row(
        &name,
        "Bandwidth received by the helper (screen updates)",
        format!("{:.2} Mbit/s", mbit(w.bytes, wall)),
        "≤ 2 Mbit/s",
    ));
    rows.push(row(
        &name,
        "Screen updates/s; mean bytes per update; helper decode per update",
        format!(
            "{:.1}/s; {:.0} B; {}",
            w.updates as f64 / wall.as_secs_f64(),
            w.bytes as f64 / w.updates.max(1) as f64,
            ms(w.decode)
        ),
        "–",
    ));
    rows.push(row(
        &name,
        "Lossless: helper's copy equals an X GetImage grab once scrolling stopped and the screen settled",
        match exact {
            Ok(_) => "yes".into(),
            Err(diff) => format!("NO ({diff} pixels differ)"),
        },
        "lossless",
    ));
    if exact.is_err() {
        notes.push("scrolling: the helper's copy never matched the screen".into());
    }
    cpu_rows.push((name, after.since(&before)));
    xterm.wait(Duration::ZERO);
    Ok(())
}

/// Screen updates received in a time window.
struct WindowStats {
    bytes: usize,
    updates: usize,
    /// Mean helper decode time per update.
    decode: Duration,
    /// Updates that carried a video picture.
    video: usize,
    /// Mean time from the helper's acknowledgement to the next update's
    /// arrival (agent capture + encode + both relay hops).
    ack_to_next: Option<Duration>,
}

fn window_stats(helper: &Helper, from: Instant, to: Instant) -> WindowStats {
    let s = helper.lock();
    let updates: Vec<_> = s.between(from, to).filter(|r| r.channel == 1).collect();
    let bytes = updates.iter().map(|r| r.bytes).sum();
    let decode = updates.iter().map(|r| r.decode).sum::<Duration>() / updates.len().max(1) as u32;
    let gaps: Vec<Duration> = updates
        .windows(2)
        .filter_map(|p| p[0].acked.map(|a| p[1].at.saturating_duration_since(a)))
        .collect();
    let ack_to_next = (!gaps.is_empty()).then(|| gaps.iter().sum::<Duration>() / gaps.len() as u32);
    WindowStats {
        bytes,
        updates: updates.len(),
        video: updates.iter().filter(|r| r.video).count(),
        decode,
        ack_to_next,
    }
}

async fn wait_no_xterms(display: &Display) -> Result<()> {
    let started = Instant::now();
    while !tokio::task::block_in_place(|| display.xterm_windows())?.is_empty() {
        if started.elapsed() > Duration::from_secs(10) {
            bail!("an xterm window stayed after its process was killed");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The agent's work per update replayed in this process on one core, to
/// show where its time goes: converting a 1080p BGRX grab into a `Frame`,
/// and encoding (a) one changed 6×13 character cell, (b) a whole new
/// animation frame. Medians of `n` runs.
fn replay(
    animation: &mut xenv::Animation,
    n: usize,
) -> Result<(Duration, Duration, Duration, Duration)> {
    use deskmate_codec::h264::OpenH264;
    use deskmate_codec::video_encoder::{I420, VideoEncoder};
    use deskmate_codec::{Encoder, Frame, Rect};
    let (w, h) = (u32::from(WIDTH), u32::from(HEIGHT));
    let whole = [Rect { x: 0, y: 0, w, h }];
    let median = |mut v: Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let (mut convert, mut key, mut full) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n.max(1) {
        let t = Instant::now();
        let a =
            Frame::from_bgrx(w, h, w as usize * 4, animation.compose(2 * i)).context("frame")?;
        convert.push(t.elapsed());
        let b = Frame::from_bgrx(w, h, w as usize * 4, animation.compose(2 * i + 1))
            .context("frame")?;
        let mut encoder = Encoder::new();
        encoder.encode(&a, None).context("keyframe")?;
        let cell = Rect {
            x: 600,
            y: 500,
            w: 6,
            h: 13,
        };
        let mut typed = a.clone();
        for y in cell.y..cell.y + cell.h {
            for x in cell.x..cell.x + cell.w {
                typed.pixels[(y * w + x) as usize] ^= 0x00ff_ffff;
            }
        }
        let t = Instant::now();
        encoder.encode(&typed, Some(&[cell]));
        key.push(t.elapsed());
        let t = Instant::now();
        encoder.encode(&b, Some(&whole));
        full.push(t.elapsed());
    }
    // The same frames as one H.264 stream (what a video rectangle costs).
    let mut video = Vec::new();
    let mut h264 = OpenH264::new(w, h.div_ceil(16) * 16).context("H.264 encoder")?;
    let mut picture = I420::default();
    for i in 0..n.max(1) + 1 {
        let frame =
            Frame::from_bgrx(w, h, w as usize * 4, animation.compose(i)).context("frame")?;
        let t = Instant::now();
        picture.fill(&frame, whole[0]);
        h264.encode(&picture, i == 0).context("H.264 picture")?;
        if i > 0 {
            video.push(t.elapsed());
        }
    }
    Ok((median(convert), median(key), median(full), median(video)))
}

async fn motion(
    helper: &Helper,
    display: &Display,
    procs: &Procs<'_>,
    plan: &Plan,
    rows: &mut Vec<Row>,
    cpu_rows: &mut Vec<(String, CpuUse)>,
    notes: &mut Vec<String>,
) -> Result<()> {
    wait_no_xterms(display).await?;
    let mut animation = tokio::task::block_in_place(|| xenv::Animation::new(WIDTH, HEIGHT));
    let (convert, key, full, video) = tokio::task::block_in_place(|| replay(&mut animation, 5))?;
    if let Err(diff) = settle_exact(helper, display, Duration::from_secs(15)).await? {
        notes.push(format!(
            "motion: the helper's copy did not match the screen before the animation ({diff} pixels differ)"
        ));
    }
    let before = procs.snap(None)?;
    let name = display.name.clone();
    let length = plan.motion;
    let run =
        tokio::task::spawn_blocking(move || xenv::animate(&name, animation, ANIMATION_FPS, length))
            .await
            .context("animation thread")??;
    let after = procs.snap(None)?;
    // Time to pixel-exact: poll a grab about every 20 ms while the helper keeps acknowledging.
    let mut exact: Option<(Duration, Duration)> = None;
    let mut last_diff = 0;
    while run.stopped.elapsed() < Duration::from_secs(15) {
        let (diff, applied) = compare(helper, display)?;
        if diff == 0 {
            let done = applied.map_or(Duration::ZERO, |a| a.saturating_duration_since(run.stopped));
            exact = Some((done, run.stopped.elapsed()));
            break;
        }
        last_diff = diff;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = run.stopped - run.started;
    let w = window_stats(helper, run.started, run.stopped);
    let cpu = after.since(&before);
    let label = format!(
        "Full-screen motion ({} s, PutImage {WIDTH}x{HEIGHT} at {ANIMATION_FPS} Hz)",
        plan.motion.as_secs()
    );
    rows.push(row(
        &label,
        "Frames drawn by the animation (achieved rate)",
        format!(
            "{} ({:.1}/s)",
            run.frames,
            run.frames as f64 / wall.as_secs_f64()
        ),
        "– (60/s intended)",
    ));
    rows.push(row(
        &label,
        "Screen updates received by the helper (fps)",
        format!(
            "{:.1} fps ({} updates, {} with a video picture)",
            w.updates as f64 / wall.as_secs_f64(),
            w.updates,
            w.video
        ),
        "≥ 30 fps",
    ));
    rows.push(row(
        &label,
        "Bandwidth; mean size per update",
        format!(
            "{:.1} Mbit/s; {:.0} kB",
            mbit(w.bytes, wall),
            w.bytes as f64 / 1e3 / w.updates.max(1) as f64
        ),
        "–",
    ));
    rows.push(row(
        &label,
        "Per update (one in flight): helper decode; ack → next update received (agent grab + encode, relay both ways); agent CPU",
        format!(
            "{}; {}; {}",
            ms(w.decode),
            w.ack_to_next.map_or("–".into(), ms),
            ms(Duration::from_secs_f64(
                cpu.agent / 100.0 * wall.as_secs_f64() / w.updates.max(1) as f64
            ))
        ),
        "–",
    ));
    rows.push(row(
        &label,
        "Motion stopped → helper's copy pixel-exact (update applied; detected by ~20 ms polling)",
        match exact {
            Some((done, seen)) => format!("{}; {}", ms(done), ms(seen)),
            None => format!("not within 15 s ({last_diff} pixels differ)"),
        },
        "≤ 250 ms",
    ));
    rows.push(row(
        "Agent work, replayed in this process",
        "Agent work replayed in this process (1 core, medians): 1080p grab → Frame; encode one 6×13 cell; encode one whole animation frame losslessly; as an H.264 picture (RGB → YUV + OpenH264)",
        format!("{}; {}; {}; {}", ms(convert), ms(key), ms(full), ms(video)),
        "–",
    ));
    cpu_rows.push((label, cpu));
    Ok(())
}
