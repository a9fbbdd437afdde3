//! Deskmate benchmarks: starts the real `deskmate serve` on loopback and
//! measures code issue/redeem latency and the session relay's latency and
//! throughput over HTTPS/WSS. Prints figures; never asserts on time.

mod api;
mod relay;
mod server;

use anyhow::{Context, Result};
use api::Api;
use clap::Parser;
use relay::{Ctx, Flow, PhaseResult, Traffic};
use reqwest::StatusCode;
use serde_json::json;
use server::{CpuTime, PgDb, Server, Snapshot, TempDir};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Benchmarks a release build of `deskmate serve` on loopback (build it
/// first: `cargo build --release -p deskmate -p deskmate-bench`).
#[derive(Parser, Debug)]
#[command(name = "deskmate-bench", version)]
struct Args {
    /// The deskmate binary to start
    #[arg(long, value_name = "PATH", default_value = "target/release/deskmate")]
    server: PathBuf,
    /// Smaller counts and 2-second phases (finishes in under 40 s)
    #[arg(long)]
    quick: bool,
    /// Use a fresh PostgreSQL database (created and dropped with psql) on the
    /// server at URL, which must allow trust authentication
    #[arg(long, value_name = "URL", num_args = 0..=1,
          default_missing_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: Option<String>,
    /// Concurrent sessions in the many-session phases [default: 200; quick: 20]
    #[arg(long, value_name = "N")]
    sessions: Option<usize>,
    /// Sequential code issues and redeems [default: 1000; quick: 200]
    #[arg(long, value_name = "N")]
    codes: Option<usize>,
    /// Length of each relay phase in seconds [default: 10; quick: 2]
    #[arg(long, value_name = "SECS")]
    secs: Option<u64>,
}

const PASSWORD: &str = "a long benchmark password";
/// Sessions per helper account (a helper may hold 20 unredeemed codes).
const SESSIONS_PER_HELPER: usize = 10;
/// Unmeasured issue+redeem rounds before measuring.
const WARMUP: usize = 10;
const SMALL_FRAME: usize = 1024;
const LARGE_FRAME: usize = 256 * 1024;
const RATE: u32 = 20;

struct Plan {
    sessions: usize,
    codes: usize,
    phase: Duration,
    drain_paced: Duration,
    drain_flood: Duration,
}

/// One line of the report.
struct Row {
    figure: String,
    sessions: String,
    p50: String,
    p99: String,
    max: String,
    delivery: String,
    throughput: String,
    cpu: String,
    peak: String,
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
    eprintln!("[deskmate-bench] {message}");
}

async fn run(args: Args) -> Result<()> {
    let plan = Plan {
        sessions: args
            .sessions
            .unwrap_or(if args.quick { 20 } else { 200 })
            .max(1),
        codes: args
            .codes
            .unwrap_or(if args.quick { 200 } else { 1000 })
            .max(1),
        phase: Duration::from_secs(args.secs.unwrap_or(if args.quick { 2 } else { 10 }).max(1)),
        drain_paced: Duration::from_millis(if args.quick { 500 } else { 1000 }),
        drain_flood: Duration::from_millis(if args.quick { 1000 } else { 2000 }),
    };
    let dir = TempDir::new()?;
    let outcome = bench(&args, &plan, &dir).await;
    if outcome.is_err() {
        let log = std::fs::read_to_string(dir.0.join("server.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("--- last lines of the server's log ---");
        for line in tail.iter().rev() {
            eprintln!("{line}");
        }
    }
    outcome
}

async fn bench(args: &Args, plan: &Plan, dir: &TempDir) -> Result<()> {
    let wall = Instant::now();
    let pg = match &args.postgres {
        Some(base) => Some(PgDb::create(base)?),
        None => None,
    };
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    log(&format!(
        "starting {} ({backend}, data in {})",
        args.server.display(),
        dir.0.display()
    ));
    let mut server = Server::start(&args.server, &dir.0, pg.as_ref().map(|p| p.url.as_str()))?;
    let started_cpu = server.cpu()?;
    let started_rss = server.rss()?;
    let bench_cpu_start = CpuTime::of("self")?;
    let run_start = Snapshot::take(&server)?;
    let tls = api::tls_config(&server.cert)?;
    let ctx = Ctx {
        addr: server.addr.clone(),
        tls: Arc::new(tls.clone()),
        epoch: tokio::time::Instant::now(),
    };

    // Organisation: helpers help sharers.
    let helper_count = plan.sessions.div_ceil(SESSIONS_PER_HELPER);
    log(&format!(
        "setting up {helper_count} helpers and {} sharers",
        plan.sessions
    ));
    let setup_cpu = server.cpu()?;
    let setup_wall = Instant::now();
    let anon = Api::new(api::http_client(tls.clone())?, &server.addr);
    anon.post(
        "/api/v1/setup",
        &json!({"token": server.setup_token, "email": "admin@bench.example",
                "first_name": "Bench", "last_name": "Admin", "password": PASSWORD}),
        StatusCode::CREATED,
    )
    .await?;
    let admin = anon.sign_in("admin@bench.example", PASSWORD).await?;
    let helpers_group = create_group(&admin, "Bench helpers").await?;
    let sharers_group = create_group(&admin, "Bench sharers").await?;
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
                    "member_groups": [helpers_group], "scope_groups": [sharers_group]}),
            StatusCode::CREATED,
        )
        .await?;
    admin
        .patch(
            "/api/v1/tenant/settings",
            &json!({"remote_help_enabled": true, "allow_unenrolled_devices": true}),
        )
        .await?;
    let helpers = create_users(&admin, &anon, "helper", &helpers_group, helper_count).await?;
    let sharers = create_users(&admin, &anon, "sharer", &sharers_group, plan.sessions).await?;
    let setup_took = setup_wall.elapsed();
    let setup_server_cpu = server.cpu()?.since(setup_cpu);
    let setup_peak = server.peak_rss()?;
    log(&format!(
        "setup took {:.1} s ({} users created and signed in)",
        setup_took.as_secs_f64(),
        helper_count + plan.sessions + 1
    ));

    let mut rows = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // 1. Issue and redeem, sequential, one keep-alive connection per client.
    log(&format!(
        "issuing and redeeming {} codes, one after the other",
        plan.codes
    ));
    let helper_api = helpers[0].on(api::http_client(tls.clone())?);
    let sharer_api = sharers[0].on(api::http_client(tls.clone())?);
    let before = Snapshot::take(&server)?;
    let (issue, redeem) = issue_and_redeem(&helper_api, &sharer_api, plan.codes).await?;
    let codes_cpu = Snapshot::take(&server)?.since(&before);
    let codes_peak = mib(server.peak_rss()?);
    let http_version = format!("{:?}", helper_api.version().await?);
    for (name, path, lat) in [
        ("Code issue", "POST /remote-help/codes", &issue),
        ("Code redeem", "POST /remote-help/redeem", &redeem),
    ] {
        let total: u64 = lat.iter().sum();
        rows.push(Row {
            figure: format!("{name} latency ({path}, sequential, {http_version} keep-alive)"),
            sessions: "–".into(),
            p50: ms(pct(lat, 50.0)),
            p99: ms(pct(lat, 99.0)),
            max: ms(lat.last().copied()),
            delivery: format!("{} requests", lat.len()),
            throughput: format!(
                "{:.0} req/s (1 / mean)",
                lat.len() as f64 / Duration::from_nanos(total).as_secs_f64()
            ),
            cpu: format!("{codes_cpu} (issue + redeem)"),
            peak: codes_peak.clone(),
        });
    }

    // 2. Relay latency (small paced frames, both directions) and throughput (large screen frames).
    let phases = [
        (
            "latency",
            1,
            Traffic::Paced {
                size: SMALL_FRAME,
                rate: RATE,
            },
        ),
        (
            "latency",
            plan.sessions,
            Traffic::Paced {
                size: SMALL_FRAME,
                rate: RATE,
            },
        ),
        ("throughput", 1, Traffic::Flood { size: LARGE_FRAME }),
        (
            "throughput",
            plan.sessions,
            Traffic::Flood { size: LARGE_FRAME },
        ),
    ];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(relay::server_tls(
        &server.cert,
        &dir.0.join("tls/key.pem"),
    )?));
    for (kind, n, traffic) in phases {
        for direct in [true, false] {
            let what = if direct {
                "direct baseline connection(s)"
            } else {
                "session(s)"
            };
            log(&format!("{kind} phase: opening {n} {what}"));
            let pairs = if direct {
                relay::direct_pairs(&ctx, &acceptor, n).await?
            } else {
                relay::open_pairs(&ctx, &helpers, &sharers, n).await?
            };
            log(&format!(
                "{kind} phase: {n} {what}, {} s",
                plan.phase.as_secs()
            ));
            let before = Snapshot::take(&server)?;
            let drain = match traffic {
                Traffic::Paced { .. } => plan.drain_paced,
                Traffic::Flood { .. } => plan.drain_flood,
            };
            let result = relay::run_phase(&ctx, pairs, traffic, plan.phase, drain).await?;
            let cpu = Snapshot::take(&server)?.since(&before);
            let peak = mib(server.peak_rss()?);
            let (phase_rows, phase_notes) =
                report_phase(n, traffic, direct, plan.phase, &result, &cpu, &peak);
            rows.extend(phase_rows);
            notes.extend(phase_notes);
        }
    }

    // 3. The server process.
    let end_cpu = server.cpu()?;
    let whole_run = Snapshot::take(&server)?.since(&run_start);
    let peak = server.peak_rss()?;
    let rss_end = server.rss()?;
    let bench_cpu = CpuTime::of("self")?.since(bench_cpu_start);
    let total_wall = wall.elapsed();
    let status = server.stop()?;
    if !status.success() {
        notes.push(format!("the server exited with {status} on SIGTERM"));
    }
    for (line, count) in server::log_problems(&dir.0.join("server.log")) {
        notes.push(format!("server log: {count} × {line}"));
    }

    let mut out = String::new();
    writeln!(
        out,
        "\n## Deskmate benchmark ({}, {backend}, {} CPUs, loopback HTTPS/WSS)\n",
        if args.quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )?;
    writeln!(out, "Server: `{}`\n", server.banner)?;
    writeln!(
        out,
        "| Figure | Sessions | p50 | p99 | max | Samples / delivered | Throughput | CPU in phase: server / bench / other processes | Server VmHWM after phase |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in &rows {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.figure, r.sessions, r.p50, r.p99, r.max, r.delivery, r.throughput, r.cpu, r.peak
        )?;
    }
    writeln!(out, "\n| Server process | Value |\n|---|---:|")?;
    writeln!(out, "| Peak RSS (VmHWM) | {} |", mib(peak))?;
    writeln!(out, "| RSS after start-up (VmRSS) | {} |", mib(started_rss))?;
    writeln!(
        out,
        "| Peak RSS after user setup, before any session (VmHWM) | {} |",
        mib(setup_peak)
    )?;
    writeln!(
        out,
        "| RSS at the end, all sessions ended (VmRSS) | {} |",
        mib(rss_end)
    )?;
    writeln!(
        out,
        "| CPU time, whole run (utime + stime) | {:.2} s (user {:.2} s, system {:.2} s) over {:.1} s wall |",
        end_cpu.total().as_secs_f64(),
        end_cpu.user.as_secs_f64(),
        end_cpu.system.as_secs_f64(),
        total_wall.as_secs_f64()
    )?;
    writeln!(
        out,
        "| CPU time, start-up until `Ready.` | {:.2} s |",
        started_cpu.total().as_secs_f64()
    )?;
    writeln!(
        out,
        "| CPU time, setup ({} users created + signed in, argon2id) | {:.2} s over {:.1} s wall |",
        helper_count + plan.sessions + 1,
        setup_server_cpu.total().as_secs_f64(),
        setup_took.as_secs_f64()
    )?;
    writeln!(
        out,
        "| Bench client CPU (same machine) | {:.2} s |",
        bench_cpu.total().as_secs_f64()
    )?;
    writeln!(
        out,
        "| CPU after start-up: server / bench / other processes | {whole_run} |"
    )?;
    writeln!(
        out,
        "\nLatency is one-way, sender → server → receiver, from a monotonic clock shared by both \
         clients (this process); it includes both clients' TLS and WebSocket work on the same \
         {} CPUs. Screen frames: sharer → helper; input frames: helper → sharer, sent in the same \
         phase at the same rate. MB = 10^6 bytes of WebSocket payload received by helpers.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )?;
    if !notes.is_empty() {
        writeln!(out, "\nNotes:")?;
        for note in &notes {
            writeln!(out, "- {note}")?;
        }
    }
    println!("{out}");
    drop(pg);
    Ok(())
}

async fn create_group(admin: &Api, name: &str) -> Result<String> {
    let group = admin
        .post(
            "/api/v1/groups",
            &json!({"name": name}),
            StatusCode::CREATED,
        )
        .await?;
    Ok(group["id"].as_str().context("group id")?.to_string())
}

/// Creates `n` users in `group`, one at a time (concurrent audited writes
/// fail on SQLite, see the notes), then signs them in a few at a time.
async fn create_users(
    admin: &Api,
    anon: &Api,
    kind: &str,
    group: &str,
    n: usize,
) -> Result<Vec<Api>> {
    let mut emails = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("{kind}{i}@bench.example");
        let body = json!({"email": email, "first_name": kind, "last_name": format!("No. {i}"),
                          "password": PASSWORD, "groups": [group]});
        admin
            .post("/api/v1/users", &body, StatusCode::CREATED)
            .await?;
        emails.push(email);
    }
    let limit = Arc::new(Semaphore::new(4));
    let mut tasks = JoinSet::new();
    for (i, email) in emails.into_iter().enumerate() {
        let (anon, limit) = (anon.clone(), Arc::clone(&limit));
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let api = anon.sign_in(&email, PASSWORD).await?;
            anyhow::Ok((i, api))
        });
    }
    let mut users = Vec::with_capacity(n);
    while let Some(done) = tasks.join_next().await {
        users.push(done??);
    }
    users.sort_by_key(|(i, _)| *i);
    Ok(users.into_iter().map(|(_, api)| api).collect())
}

/// Issue a code, redeem it; `n` times after a warm-up. Returns sorted latencies (ns).
async fn issue_and_redeem(helper: &Api, sharer: &Api, n: usize) -> Result<(Vec<u64>, Vec<u64>)> {
    let mut issue = Vec::with_capacity(n);
    let mut redeem = Vec::with_capacity(n);
    for round in 0..WARMUP + n {
        let t0 = Instant::now();
        let issued = helper
            .post("/api/v1/remote-help/codes", &json!({}), StatusCode::CREATED)
            .await?;
        let t1 = Instant::now();
        let code = issued["code"].as_str().context("code")?;
        let body = json!({"code": code, "device": {"name": "bench", "os": "Linux"}});
        let t2 = Instant::now();
        sharer
            .post("/api/v1/remote-help/redeem", &body, StatusCode::OK)
            .await?;
        let t3 = Instant::now();
        if round >= WARMUP {
            issue.push((t1 - t0).as_nanos() as u64);
            redeem.push((t3 - t2).as_nanos() as u64);
        }
    }
    issue.sort_unstable();
    redeem.sort_unstable();
    Ok((issue, redeem))
}

fn report_phase(
    n: usize,
    traffic: Traffic,
    direct: bool,
    phase: Duration,
    result: &PhaseResult,
    cpu: &str,
    peak: &str,
) -> (Vec<Row>, Vec<String>) {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let secs = phase.as_secs();
    let delivery = |f: &Flow| {
        format!(
            "{}/{} ({:.1} %)",
            f.delivered,
            f.sent,
            100.0 * f.delivered as f64 / f.sent.max(1) as f64
        )
    };
    match traffic {
        Traffic::Paced { size, rate } => {
            let names = if direct {
                [
                    "Direct baseline, no server: latency sharer → helper",
                    "Direct baseline, no server: latency helper → sharer",
                ]
            } else {
                [
                    "Relay: screen latency, sharer → helper",
                    "Relay: input latency, helper → sharer",
                ]
            };
            for (name, flow) in [(names[0], &result.screen), (names[1], &result.input)] {
                rows.push(Row {
                    figure: format!(
                        "{name} ({} KiB frames, {rate}/s per session, {secs} s)",
                        size / 1024
                    ),
                    sessions: n.to_string(),
                    p50: ms(pct(&flow.latencies, 50.0)),
                    p99: ms(pct(&flow.latencies, 99.0)),
                    max: ms(flow.latencies.last().copied()),
                    delivery: delivery(flow),
                    throughput: format!(
                        "{:.0} frames/s",
                        flow.delivered as f64 / flow.span.as_secs_f64().max(1e-9)
                    ),
                    cpu: cpu.to_string(),
                    peak: peak.to_string(),
                });
            }
        }
        Traffic::Flood { size } => {
            let f = &result.screen;
            let span = f.span.as_secs_f64().max(1e-9);
            rows.push(Row {
                figure: format!(
                    "{} ({} KiB frames, unpaced, {secs} s; latency of delivered frames)",
                    if direct {
                        "Direct baseline, no server: throughput sharer → helper"
                    } else {
                        "Relay: screen throughput, sharer → helper"
                    },
                    size / 1024
                ),
                sessions: n.to_string(),
                p50: ms(pct(&f.latencies, 50.0)),
                p99: ms(pct(&f.latencies, 99.0)),
                max: ms(f.latencies.last().copied()),
                delivery: delivery(f),
                throughput: format!(
                    "{:.1} MB/s ({:.0} frames/s)",
                    f.bytes as f64 / 1e6 / span,
                    f.delivered as f64 / span
                ),
                cpu: cpu.to_string(),
                peak: peak.to_string(),
            });
        }
    }
    for (problem, count) in &result.problems {
        let kind = if direct { "direct" } else { "relay" };
        notes.push(format!(
            "{n}-session {kind} {traffic:?} phase: {count} × {problem}"
        ));
    }
    (rows, notes)
}

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn ms(ns: Option<u64>) -> String {
    match ns {
        None => "–".into(),
        Some(ns) => {
            let ms = ns as f64 / 1e6;
            if ms < 10.0 {
                format!("{ms:.3} ms")
            } else {
                format!("{ms:.1} ms")
            }
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}
