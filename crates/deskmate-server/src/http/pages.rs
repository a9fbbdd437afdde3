//! The few static pages the server itself carries (first-run setup and a
//! landing page), embedded in the binary.

use axum::http::header;
use axum::response::{IntoResponse, Response};

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `/`
pub async fn index() -> Response {
    asset(
        "text/html; charset=utf-8",
        include_str!("assets/index.html"),
    )
}

/// `/setup`
pub async fn setup() -> Response {
    asset(
        "text/html; charset=utf-8",
        include_str!("assets/setup.html"),
    )
}

/// `/assets/setup.js`
pub async fn setup_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/setup.js"),
    )
}

/// `/assets/style.css`
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/style.css"))
}
