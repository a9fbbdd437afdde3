//! Pages: the web app (helper console, sharer page; built into
//! `deskmate-web`), plus the first-run setup page the server carries itself.

use axum::http::{Uri, header};
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

/// `/`: the helper console, or a note when the web app was not built in.
pub async fn index() -> Response {
    match deskmate_web::get("/") {
        Some(file) => web_file(file),
        None => asset(
            "text/html; charset=utf-8",
            include_str!("assets/index.html"),
        ),
    }
}

/// Any other path: a file of the web app, if there is one.
pub async fn web_asset(uri: Uri) -> Option<Response> {
    deskmate_web::get(uri.path()).map(web_file)
}

fn web_file(file: &'static deskmate_web::Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, file.content_type()),
            (header::CACHE_CONTROL, file.cache_control()),
        ],
        file.bytes,
    )
        .into_response()
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
