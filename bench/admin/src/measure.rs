//! Times requests the admin centre makes: each is sent once unmeasured, then
//! `runs` times on one keep-alive connection (as a browser tab would); the
//! time is request sent → whole body read.

use anyhow::{Result, bail};
use reqwest::Client;
use std::time::{Duration, Instant};

/// The figures for one request.
pub struct Timing {
    pub name: String,
    pub path: String,
    pub min: Duration,
    pub median: Duration,
    pub max: Duration,
    pub bytes: usize,
    /// A fact from the answer (rows, total), for the reader to check.
    pub note: String,
}

pub async fn time(
    http: &Client,
    base: &str,
    token: &str,
    name: &str,
    path: &str,
    runs: usize,
) -> Result<Timing> {
    let fetch = || async {
        let started = Instant::now();
        let response = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await?;
        let status = response.status();
        let body = response.bytes().await?;
        let took = started.elapsed();
        if !status.is_success() {
            bail!("GET {path}: {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok::<_, anyhow::Error>((took, body))
    };
    let (_, body) = fetch().await?;
    let note = describe(&body);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(fetch().await?.0);
    }
    times.sort();
    Ok(Timing {
        name: name.to_string(),
        path: path.to_string(),
        min: times[0],
        median: times[times.len() / 2],
        max: times[times.len() - 1],
        bytes: body.len(),
        note,
    })
}

/// "50 rows of 100000" for a report page, "100001 lines" for a CSV.
fn describe(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        if let (Some(rows), Some(total)) = (json["rows"].as_array(), json["total"].as_i64()) {
            return format!("{} rows of {total}", rows.len());
        }
        if let Some(active) = json["active_now"].as_i64() {
            return format!(
                "{active} active, {} days",
                json["per_day"].as_array().map_or(0, Vec::len)
            );
        }
        return String::new();
    }
    let lines = body.iter().filter(|b| **b == b'\n').count();
    format!("{lines} lines")
}

pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}
