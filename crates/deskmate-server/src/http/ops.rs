//! Operations endpoints: liveness, readiness, Prometheus metrics, and the
//! request-metrics middleware.

use super::problem::ApiError;
use super::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// The process-wide Prometheus recorder (installed once, shared by every server in the process).
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            handle
        })
        .clone()
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "ready"), (status = 503, body = super::problem::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("the database does not answer: {e}")))?;
    Ok("ready")
}

/// Prometheus metrics in the text exposition format. On the main listener
/// only with `Authorization: Bearer` and the configured metrics token;
/// otherwise from the metrics listener (`--metrics-listen`).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, content_type = "text/plain"), (status = 401, body = super::problem::Problem),
              (status = 404, body = super::problem::Problem)))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return Err(ApiError::NotFound(
            "metrics are not served on this address; the operator can serve them on their own \
             address (--metrics-listen) or here with a token (--metrics-token)"
                .into(),
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::auth::tokens::constant_time_eq(
        presented.trim().as_bytes(),
        expected.trim().as_bytes(),
    ) {
        return Err(ApiError::Unauthorized(
            "metrics need the metrics token: send Authorization: Bearer <token>".into(),
        ));
    }
    Ok(render(&state))
}

/// The metrics page itself.
pub fn render(state: &AppState) -> Response {
    metrics::gauge!("deskmate_signin_limited_accounts")
        .set(state.account_limiter.tracked_keys() as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// The router of the metrics listener: `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|State(state): State<AppState>| async move { render(&state) }),
        )
        .fallback(|| async { ApiError::NotFound("this address serves /metrics only".into()) })
        .with_state(state)
}

/// Counts requests and their durations by route and status.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("deskmate_http_requests_total", &labels).increment(1);
    metrics::histogram!("deskmate_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
