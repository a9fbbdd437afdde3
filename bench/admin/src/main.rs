//! Admin-centre benchmark: fills a fresh database (SQLite, then
//! PostgreSQL) with 100 000 remote-help sessions, starts the real
//! `deskmate serve`, and times what the admin centre's sessions report
//! asks for: the first page, filtered and searched pages, a late page,
//! name sorting, the CSV export of every row and the monitor figures.
//! Prints a Markdown table per database; never asserts on time.

mod fill;
mod measure;
mod server;

use anyhow::{Context, Result};
use clap::Parser;
use measure::{Timing, ms, time};
use server::{PgScratch, Server, TempDir};
use std::path::PathBuf;
use std::sync::Arc;

/// Times the sessions report of a release `deskmate serve` with many sessions
/// (build it first: `cargo build --release -p deskmate -p deskmate-bench-admin`).
#[derive(Parser, Debug)]
#[command(name = "deskmate-bench-admin", version)]
struct Args {
    /// The deskmate binary to start
    #[arg(long, value_name = "PATH", default_value = "target/release/deskmate")]
    server: PathBuf,
    /// Sessions to put in the database
    #[arg(long, default_value_t = 100_000)]
    sessions: usize,
    /// Devices to put in the database (sessions are spread over them)
    #[arg(long, default_value_t = 20_000)]
    devices: usize,
    /// Measured runs of each request
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// PostgreSQL server (trust authentication) on which a scratch database is
    /// created and dropped; "none" skips PostgreSQL
    #[arg(
        long,
        value_name = "URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres: String,
    /// Skip SQLite
    #[arg(long)]
    no_sqlite: bool,
    /// After the figures, keep each server running (with its data) until
    /// Ctrl+C, printing its address and the administrator's sign-in, e.g. to
    /// time the admin centre's pages in a browser
    #[arg(long)]
    hold: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    sqlx::any::install_default_drivers();
    println!(
        "# Sessions report with {} sessions and {} devices ({} measured runs each, after one unmeasured)\n",
        args.sessions, args.devices, args.runs
    );
    if !args.no_sqlite {
        let dir = TempDir::new()?;
        let url = format!("sqlite://{}", dir.0.join("deskmate.db").display());
        bench("SQLite", &args, &dir, &url).await?;
    }
    if args.postgres != "none" {
        let dir = TempDir::new()?;
        let scratch = PgScratch::create(&args.postgres).await?;
        let result = bench("PostgreSQL", &args, &dir, &scratch.url).await;
        scratch.drop_now().await?;
        result?;
    }
    Ok(())
}

fn http_client(cert: &std::path::Path) -> Result<reqwest::Client> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert).context("certificate")? {
        roots.add(cert?)?;
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(std::time::Duration::from_secs(300))
        .build()?)
}

async fn bench(label: &str, args: &Args, dir: &TempDir, url: &str) -> Result<()> {
    eprintln!("{label}: starting the server");
    let server = Server::start(&args.server, &dir.0, url)?;
    let http = http_client(&server.cert)?;
    let base = server.base.clone();
    let token = fill::administrator(&http, &base, &server.setup_token).await?;
    eprintln!("{label}: creating 50 helpers and 500 sharers");
    let helpers = fill::users(&http, &base, &token, "Helper", 50).await?;
    let sharers = fill::users(&http, &base, &token, "Sharer", 500).await?;
    let me = fill::call(
        &http,
        &base,
        Some(&token),
        reqwest::Method::GET,
        "/api/v1/me",
        None,
        reqwest::StatusCode::OK,
    )
    .await?;
    let tenant = me["tenant"]["id"]
        .as_str()
        .context("tenant id")?
        .to_string();
    let pool = sqlx::AnyPool::connect(url).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    eprintln!("{label}: inserting {} devices", args.devices);
    let took = fill::devices(&pool, &tenant, args.devices, now).await?;
    eprintln!("{label}: inserted in {:.1} s", took.as_secs_f64());
    eprintln!("{label}: inserting {} sessions", args.sessions);
    let took = fill::sessions(
        &pool,
        &tenant,
        &helpers,
        &sharers,
        args.sessions,
        args.devices,
        now,
    )
    .await?;
    eprintln!("{label}: inserted in {:.1} s", took.as_secs_f64());
    pool.close().await;

    let late = args.sessions.saturating_sub(50);
    let half = args.sessions / 2;
    let requests = [
        (
            "First page (newest 50)",
            "/api/v1/reports/sessions?limit=50".to_string(),
        ),
        (
            "Filtered: ended, full control",
            "/api/v1/reports/sessions?state=ended&mode=control&limit=50".to_string(),
        ),
        (
            "Search: a helper's name",
            "/api/v1/reports/sessions?q=helper%200042&limit=50".to_string(),
        ),
        (
            "Search: a device, last 7 days",
            format!(
                "/api/v1/reports/sessions?q=pc-01234&from={}&limit=50",
                rfc3339(now - 7 * 86_400_000)
            ),
        ),
        (
            "Late page (offset {late})",
            format!("/api/v1/reports/sessions?limit=50&offset={late}"),
        ),
        (
            "Sorted by duration",
            "/api/v1/reports/sessions?sort=duration&order=desc&limit=50".to_string(),
        ),
        (
            "Sorted by helper, middle page",
            format!("/api/v1/reports/sessions?sort=helper&order=asc&limit=50&offset={half}"),
        ),
        (
            "CSV export (every row)",
            "/api/v1/reports/sessions.csv".to_string(),
        ),
        (
            "Monitor figures (30 days)",
            "/api/v1/reports/summary".to_string(),
        ),
        (
            "Audit log, first page",
            "/api/v1/audit?limit=100".to_string(),
        ),
        (
            "Devices, first page by name",
            "/api/v1/devices?limit=50".to_string(),
        ),
        (
            "Devices: non-compliant, last seen first",
            "/api/v1/devices?compliant=false&sort=last_seen&limit=50".to_string(),
        ),
        (
            "Devices: search a name",
            "/api/v1/devices?q=pc-0123&limit=50".to_string(),
        ),
        (
            "Devices, middle page by name",
            format!("/api/v1/devices?limit=50&offset={}", args.devices / 2),
        ),
        (
            "Device page (with its latest sessions)",
            format!(
                "/api/v1/devices/00000000-0000-4000-9000-{:012}",
                args.devices / 3
            ),
        ),
    ];
    let mut rows: Vec<Timing> = Vec::new();
    for (name, path) in &requests {
        let name = name.replace("{late}", &late.to_string());
        eprintln!("{label}: {name}");
        rows.push(time(&http, &base, &token, &name, path, args.runs).await?);
    }
    println!("## {label}\n");
    println!("| request | median ms | min ms | max ms | body | answer |");
    println!("|---|---:|---:|---:|---:|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} KiB | {} |",
            r.name,
            ms(r.median),
            ms(r.min),
            ms(r.max),
            r.bytes / 1024,
            r.note
        );
    }
    println!();
    for r in &rows {
        eprintln!("  {} → GET {}", r.name, r.path);
    }
    if args.hold {
        eprintln!(
            "{label}: holding {base}/admin.html (sign in as {} / {}); Ctrl+C to go on",
            fill::ADMIN_EMAIL,
            fill::ADMIN_PASSWORD
        );
        tokio::signal::ctrl_c().await?;
    }
    drop(server);
    Ok(())
}

/// RFC 3339 (UTC) for milliseconds since the epoch.
fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
