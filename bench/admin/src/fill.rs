//! Fills an organisation: the first administrator, helpers and sharers
//! through the REST API (as an administrator would), then N session records
//! straight into the database in batches (issuing and redeeming 100 000
//! codes through the API would measure pairing, not the report).

use anyhow::{Context, Result, bail};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::AnyPool;

pub const ADMIN_EMAIL: &str = "bench.admin@example.org";
pub const ADMIN_PASSWORD: &str = "a long benchmark password";

/// A JSON call that must answer `expect`.
pub async fn call(
    http: &Client,
    base: &str,
    token: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
    expect: StatusCode,
) -> Result<Value> {
    let mut request = http.request(method.clone(), format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    if status != expect {
        bail!("{method} {path}: expected {expect}, got {status}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Completes first-run setup and returns the administrator's access token.
pub async fn administrator(http: &Client, base: &str, setup_token: &str) -> Result<String> {
    use reqwest::Method;
    call(
        http,
        base,
        None,
        Method::POST,
        "/api/v1/setup",
        Some(
            &json!({"token": setup_token, "email": ADMIN_EMAIL, "first_name": "Bench",
                     "last_name": "Admin", "password": ADMIN_PASSWORD}),
        ),
        StatusCode::CREATED,
    )
    .await?;
    let login = call(
        http,
        base,
        None,
        Method::POST,
        "/api/v1/auth/login",
        Some(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        StatusCode::OK,
    )
    .await?;
    Ok(login["access_token"]
        .as_str()
        .context("no access token")?
        .to_string())
}

/// Creates `n` users named `{prefix} {i}` (no password: nobody signs in as them); returns their ids.
pub async fn users(
    http: &Client,
    base: &str,
    token: &str,
    prefix: &str,
    n: usize,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let user = call(
            http,
            base,
            Some(token),
            reqwest::Method::POST,
            "/api/v1/users",
            Some(
                &json!({"email": format!("{}{i}@example.org", prefix.to_lowercase()),
                         "first_name": prefix, "last_name": format!("{i:04}")}),
            ),
            StatusCode::CREATED,
        )
        .await?;
        ids.push(user["id"].as_str().context("user id")?.to_string());
    }
    Ok(ids)
}

/// `INSERT INTO table (columns) VALUES ($1, …), …` for `rows` rows of `per_row` values.
fn insert_sql(table: &str, columns: &str, rows: usize, per_row: usize) -> String {
    let tuples = (0..rows)
        .map(|r| {
            let values = (1..=per_row)
                .map(|c| format!("${}", r * per_row + c))
                .collect::<Vec<_>>()
                .join(",");
            format!("({values})")
        })
        .collect::<Vec<_>>()
        .join(",");
    format!("INSERT INTO {table} ({columns}) VALUES {tuples}")
}

/// Inserts `n` sessions over the last 30 days: mostly ended (view or full
/// control, some elevated, some with chat), some refused, some never
/// redeemed, a few running; redeemed ones on one of the first `devices`
/// devices. Returns how long it took.
pub async fn sessions(
    pool: &AnyPool,
    tenant: &str,
    helpers: &[String],
    sharers: &[String],
    n: usize,
    devices: usize,
    now: i64,
) -> Result<std::time::Duration> {
    const BATCH: usize = 500;
    const COLUMNS: &str = "id, tenant_id, helper_id, sharer_id, code_hash, code_expires_at, state, device_name, \
        device_os, mode, elevation_used, chat_used, refusal, ended_by, created_at, redeemed_at, started_at, ended_at, \
        device_id, device_enrolled";
    const PER_ROW: usize = 20;
    let started = std::time::Instant::now();
    let span = 30 * 86_400_000_i64;
    let mut done = 0;
    while done < n {
        let rows = BATCH.min(n - done);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert_sql(
            "remote_sessions",
            COLUMNS,
            rows,
            PER_ROW,
        )));
        for r in 0..rows {
            let i = done + r;
            // Spread evenly over 30 days, newest last.
            let created = now - span + (span / n as i64) * i as i64;
            let helper = &helpers[i % helpers.len()];
            let sharer = &sharers[(i * 7) % sharers.len()];
            let kind = i % 100;
            let (state, mode, refusal, ended_by) = match kind {
                0..=79 => (
                    "ended",
                    Some(if i % 3 == 0 { "view" } else { "control" }),
                    None,
                    Some(["helper", "sharer", "system"][i % 3]),
                ),
                80..=89 => ("refused", None, Some("not-in-scope"), None),
                90..=98 => ("waiting", None, None, None),
                _ => ("active", Some("control"), None, None),
            };
            let redeemed = (state != "waiting").then_some(created + 20_000);
            let start = mode.map(|_| created + 30_000);
            let end = match state {
                "ended" => start.map(|s| s + 60_000 + (i as i64 % 3600) * 1000),
                "refused" => redeemed,
                _ => None,
            };
            query = query
                .bind(format!("00000000-0000-4000-8000-{i:012}"))
                .bind(tenant.to_string())
                .bind(helper.clone())
                .bind((state != "waiting").then(|| sharer.clone()))
                .bind(format!("bench-code-{i}"))
                .bind(created + 600_000)
                .bind(state)
                .bind((state != "waiting").then(|| format!("pc-{:05}", i % devices.max(20_000))))
                .bind((state != "waiting").then_some("Debian 13"))
                .bind(mode)
                .bind(i64::from(state == "ended" && i % 10 == 0))
                .bind(i64::from(state == "ended" && i % 4 == 0))
                .bind(refusal)
                .bind(ended_by)
                .bind(created)
                .bind(redeemed)
                .bind(start)
                .bind(end)
                .bind(
                    (state != "waiting" && devices > 0)
                        .then(|| format!("00000000-0000-4000-9000-{:012}", i % devices.max(1))),
                )
                .bind(i64::from(
                    state != "waiting" && devices > 0 && !(i % devices.max(1)).is_multiple_of(5),
                ));
        }
        query.execute(pool).await.context("insert sessions")?;
        done += rows;
    }
    Ok(started.elapsed())
}

/// Inserts `n` devices named like the sessions' (`pc-00000`…): four in five
/// enrolled with an inventory (one in three of those failing the policy),
/// the rest unenrolled, seen over the last 30 days. Returns how long it took.
pub async fn devices(
    pool: &AnyPool,
    tenant: &str,
    n: usize,
    now: i64,
) -> Result<std::time::Duration> {
    const BATCH: usize = 500;
    const COLUMNS: &str = "id, tenant_id, install_id, name, name_lower, os_family, os_name, enrolled, \
        public_key, enrolled_at, inventory, inventory_at, inventory_compliant, compliance_reasons, last_seen_at, created_at";
    const PER_ROW: usize = 16;
    let started = std::time::Instant::now();
    let span = 30 * 86_400_000_i64;
    let mut done = 0;
    while done < n {
        let rows = BATCH.min(n - done);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert_sql(
            "devices", COLUMNS, rows, PER_ROW,
        )));
        for r in 0..rows {
            let i = done + r;
            let name = format!("pc-{i:05}");
            let enrolled = !i.is_multiple_of(5);
            let failing = enrolled && i.is_multiple_of(3);
            let seen = now - span + (span / n as i64) * i as i64;
            let inventory = serde_json::json!({
                "hostname": name, "os_family": "linux", "os_name": "Debian GNU/Linux 13 (trixie)",
                "os_version": "13", "kernel": "6.12.0", "agent_version": "0.1.0",
                "disk_encryption": !failing, "firewall": true, "screen_lock": true,
                "pending_security_updates": 0,
            });
            let reasons = if failing {
                serde_json::json!(["the system disk is not encrypted"])
            } else {
                serde_json::json!([])
            };
            query = query
                .bind(format!("00000000-0000-4000-9000-{i:012}"))
                .bind(tenant.to_string())
                .bind(format!("bench-install-{i:012}"))
                .bind(name.clone())
                .bind(name)
                .bind("linux")
                .bind("Debian GNU/Linux 13 (trixie)")
                .bind(i64::from(enrolled))
                .bind(enrolled.then_some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
                .bind(enrolled.then_some(seen))
                .bind(if enrolled {
                    inventory.to_string()
                } else {
                    "{}".into()
                })
                .bind(enrolled.then_some(now - 3_600_000))
                .bind(i64::from(enrolled && !failing))
                .bind(if enrolled {
                    reasons.to_string()
                } else {
                    "[]".into()
                })
                .bind(seen)
                .bind(seen);
        }
        query.execute(pool).await.context("insert devices")?;
        done += rows;
    }
    Ok(started.elapsed())
}
