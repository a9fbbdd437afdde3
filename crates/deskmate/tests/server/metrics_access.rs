//! `/metrics` is not public: the main HTTPS listener serves it only with the
//! metrics token, or the operator serves it on its own address.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;

const TOKEN: &str = "a-long-metrics-token-for-tests";

async fn metrics_are_not_public_on_the_main_listener(backend: Backend) {
    let dir = TempDir::new();
    let Some(db) = TestDb::create(backend, &dir.0).await else {
        return;
    };
    // No metrics token, no metrics listener: the defaults.
    let server = ServerProcess::start_env(&dir.0, &db.url, &[], &[("DESKMATE_METRICS_TOKEN", "")]);
    let api = server.client();
    expect_json(
        api.with_token(TEST_METRICS_TOKEN).get("/metrics").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let refused = expect_json(api.get("/metrics").await, StatusCode::NOT_FOUND).await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or("")
            .contains("--metrics-listen"),
        "{refused}"
    );
    assert_eq!(api.get("/healthz").await.status(), StatusCode::OK);
    drop(server);
}

async fn the_metrics_token_unlocks_metrics(backend: Backend) {
    let Some(fx) = Fixture::start_with(backend, &["--metrics-token", TOKEN]).await else {
        return;
    };
    let api = fx.server.client();
    expect_json(api.get("/metrics").await, StatusCode::UNAUTHORIZED).await;
    expect_json(
        api.with_token("a-long-but-wrong-metrics-token")
            .get("/metrics")
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let allowed = api.with_token(TOKEN).get("/metrics").await;
    assert_eq!(allowed.status(), StatusCode::OK);
    let text = allowed.text().await.expect("body");
    assert!(text.contains("deskmate_http_requests_total"), "{text}");
}

async fn the_metrics_listener_serves_metrics_alone(backend: Backend) {
    let Some(fx) = Fixture::start_with(backend, &["--metrics-listen", "127.0.0.1:0"]).await else {
        return;
    };
    let api = fx.server.client();
    let address = fx
        .server
        .stdout
        .lock()
        .expect("lines")
        .iter()
        .find_map(|l| {
            l.trim()
                .strip_prefix("metrics:")
                .map(|a| a.trim().to_string())
        })
        .expect("the server prints its metrics address");
    assert!(address.starts_with("http://127.0.0.1:"), "{address}");
    // Some traffic to count.
    assert_eq!(api.get("/healthz").await.status(), StatusCode::OK);
    let page = api.http.get(&address).send().await.expect("GET metrics");
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.expect("body");
    assert!(text.contains("deskmate_http_requests_total"), "{text}");
    let other = api
        .http
        .get(address.replace("/metrics", "/api/v1/me"))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        other.status(),
        StatusCode::NOT_FOUND,
        "only /metrics is served there"
    );
    // The main listener still wants the token (test servers are given one).
    expect_json(api.get("/metrics").await, StatusCode::UNAUTHORIZED).await;
}

both_backends!(
    metrics_are_not_public_on_the_main_listener,
    the_metrics_token_unlocks_metrics,
    the_metrics_listener_serves_metrics_alone
);
