//! The HTTP face of the server: routes, middleware and JSON conventions.
//!
//! Everything lives under one HTTPS port: the REST API under `/api/v1`,
//! operations endpoints (`/healthz`, `/readyz`, `/metrics`), and pages.

pub mod audit_log;
pub mod auth;
pub mod auth_audit;
pub mod caller;
pub mod compliance_policy;
pub mod delegation;
pub mod device_auth;
pub mod devices;
pub mod enrolment;
pub mod groups;
pub mod json;
pub mod me;
pub mod openapi;
pub mod ops;
pub mod origin;
pub mod pages;
pub mod problem;
pub mod query;
pub mod rbac;
pub mod remote_help;
pub mod reports;
pub mod settings;
pub mod setup;
pub mod state;
pub mod users;
pub mod validate;
pub mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use problem::ApiError;
use state::AppState;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Content-Security-Policy for everything the server sends: only its own
/// scripts (and WebAssembly), styles and images; no framing.
pub const CSP: &str = deskmate_web::CSP;

/// Unrouted GETs may be files of the web app; anything else is a 404 problem.
async fn not_found(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    if (method == axum::http::Method::GET || method == axum::http::Method::HEAD)
        && let Some(file) = pages::web_asset(uri).await
    {
        return file;
    }
    ApiError::NotFound(
        "there is nothing at this address; see /api/v1/openapi.json for the API".into(),
    )
    .into_response()
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("this address does not support that method".into())
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("a request handler panicked".into()).into_response()
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The tracing span of a request: method and path, never the query string
/// (it may carry secrets a client should not have put there).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
}

/// Builds the complete router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/setup", get(setup::status).post(setup::complete))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/device-authorization", post(device_auth::start))
        .route(
            "/auth/device-authorization/{code}",
            get(device_auth::show).post(device_auth::decide),
        )
        .route("/auth/device-token", post(device_auth::token))
        .route("/me", get(me::get_me).patch(me::patch_me))
        .route("/me/password", post(me::change_password))
        .route("/me/totp", post(me::start_totp))
        .route("/me/totp/confirm", post(me::confirm_totp))
        .route("/me/picture", put(me::put_picture))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::get).patch(users::patch))
        .route("/users/{id}/password", post(users::reset_password))
        .route("/users/{id}/totp", axum::routing::delete(users::reset_totp))
        .route("/users/{id}/revoke-sessions", post(users::revoke_sessions))
        .route("/users/{id}/picture", get(users::picture))
        .route("/groups", get(groups::list).post(groups::create))
        .route(
            "/groups/{id}",
            get(groups::get).patch(groups::patch).delete(groups::delete),
        )
        .route(
            "/groups/{id}/members/{user_id}",
            put(groups::add_member).delete(groups::remove_member),
        )
        .route(
            "/tenant",
            get(settings::get_tenant).patch(settings::patch_tenant),
        )
        .route(
            "/tenant/settings",
            get(settings::get_settings).patch(settings::patch_settings),
        )
        .route("/roles", get(settings::list_roles).post(rbac::create_role))
        .route(
            "/roles/{id}",
            get(rbac::get_role)
                .put(rbac::update_role)
                .delete(rbac::delete_role),
        )
        .route(
            "/role-assignments",
            get(rbac::list_assignments).post(rbac::create_assignment),
        )
        .route(
            "/role-assignments/{id}",
            get(rbac::get_assignment)
                .put(rbac::update_assignment)
                .delete(rbac::delete_assignment),
        )
        .route("/devices", get(devices::list))
        .route("/devices/enrol", post(enrolment::enrol))
        .route("/devices/{id}", get(devices::get).delete(devices::delete))
        .route("/devices/{id}/inventory", post(enrolment::report_inventory))
        .route(
            "/groups/{id}/devices/{device_id}",
            put(devices::add_to_group).delete(devices::remove_from_group),
        )
        .route(
            "/enrolment-tokens",
            get(enrolment::list_tokens).post(enrolment::create_token),
        )
        .route(
            "/enrolment-tokens/{id}",
            axum::routing::delete(enrolment::revoke_token),
        )
        .route(
            "/compliance-policy",
            get(compliance_policy::get).put(compliance_policy::put),
        )
        .route("/remote-help/codes", post(remote_help::issue_code))
        .route("/remote-help/redeem", post(remote_help::redeem))
        .route("/remote-help/sessions", get(remote_help::list_sessions))
        .route("/remote-help/sessions/{id}", get(remote_help::get_session))
        .route("/remote-help/sessions/{id}/chat", get(remote_help::chat))
        .route(
            "/remote-help/sessions/{id}/connect",
            get(crate::relay::socket::connect),
        )
        .route("/reports/sessions", get(reports::sessions))
        .route("/reports/sessions.csv", get(reports::sessions_csv))
        .route("/reports/summary", get(reports::summary))
        .route("/audit", get(audit_log::list))
        .route("/audit/verify", get(audit_log::verify))
        .route("/audit.csv", get(audit_log::export_csv))
        .route("/openapi.json", get(openapi::document))
        .layer(header_layer(header::CACHE_CONTROL, "no-store"));
    let max_body = state.config.max_body_bytes;
    Router::new()
        .nest("/api/v1", api)
        .route("/", get(pages::index))
        .route("/setup", get(pages::setup))
        .route("/activate", get(device_auth::activate))
        .route("/assets/setup.js", get(pages::setup_js))
        .route("/assets/style.css", get(pages::style))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route_layer(axum::middleware::from_fn(ops::track))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000",
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}
