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

/// Inserts `n` sessions over the last 30 days: mostly ended (view or full
/// control, some elevated, some with chat), some refused, some never
/// redeemed, a few running. Returns how long it took.
pub async fn sessions(
    pool: &AnyPool,
    tenant: &str,
    helpers: &[String],
    sharers: &[String],
    n: usize,
    now: i64,
) -> Result<std::time::Duration> {
    const BATCH: usize = 500;
    const COLUMNS: &str = "id, tenant_id, helper_id, sharer_id, code_hash, code_expires_at, state, device_name, \
        device_os, mode, elevation_used, chat_used, refusal, ended_by, created_at, redeemed_at, started_at, ended_at";
    let started = std::time::Instant::now();
    let span = 30 * 86_400_000_i64;
    let mut done = 0;
    while done < n {
        let rows = BATCH.min(n - done);
        let mut sql = format!("INSERT INTO remote_sessions ({COLUMNS}) VALUES ");
        for r in 0..rows {
            let b = r * 18;
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            sql.push_str(
                &(1..=18)
                    .map(|c| format!("${}", b + c))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            sql.push(')');
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
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
                .bind((state != "waiting").then(|| format!("pc-{:05}", i % 20_000)))
                .bind((state != "waiting").then_some("Debian 13"))
                .bind(mode)
                .bind(i64::from(state == "ended" && i % 10 == 0))
                .bind(i64::from(state == "ended" && i % 4 == 0))
                .bind(refusal)
                .bind(ended_by)
                .bind(created)
                .bind(redeemed)
                .bind(start)
                .bind(end);
        }
        query.execute(pool).await.context("insert sessions")?;
        done += rows;
    }
    Ok(started.elapsed())
}
