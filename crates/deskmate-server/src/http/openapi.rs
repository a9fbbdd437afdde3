//! The OpenAPI description of the REST API, generated from the handlers.

use super::json::ApiJson;
use utoipa::OpenApi;

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Deskmate", description = "Self-hosted remote help: REST API. Errors are RFC 9457 problem documents."),
    paths(
        super::setup::status, super::setup::complete,
        super::auth::login, super::auth::refresh, super::auth::logout,
        super::device_auth::start, super::device_auth::token, super::device_auth::show, super::device_auth::decide,
        super::me::get_me, super::me::patch_me, super::me::change_password,
        super::me::start_totp, super::me::confirm_totp, super::me::put_picture,
        super::users::list, super::users::create, super::users::get, super::users::patch,
        super::users::reset_password, super::users::reset_totp, super::users::revoke_sessions,
        super::users::picture,
        super::groups::list, super::groups::create, super::groups::get, super::groups::patch, super::groups::delete,
        super::groups::add_member, super::groups::remove_member,
        super::settings::get_settings, super::settings::patch_settings,
        super::settings::get_tenant, super::settings::patch_tenant, super::settings::list_roles,
        super::rbac::get_role, super::rbac::create_role, super::rbac::update_role, super::rbac::delete_role,
        super::rbac::list_assignments, super::rbac::get_assignment, super::rbac::create_assignment,
        super::rbac::update_assignment, super::rbac::delete_assignment,
        super::audit_log::list, super::audit_log::verify, super::audit_log::export_csv,
        super::remote_help::issue_code, super::remote_help::redeem, super::remote_help::get_session,
        super::remote_help::list_sessions, super::remote_help::chat, crate::relay::socket::connect,
        super::reports::sessions, super::reports::sessions_csv, super::reports::summary,
        super::devices::list, super::devices::get, super::devices::delete,
        super::devices::add_to_group, super::devices::remove_from_group,
        super::enrolment::list_tokens, super::enrolment::create_token, super::enrolment::revoke_token,
        super::enrolment::enrol, super::enrolment::report_inventory,
        super::compliance_policy::get, super::compliance_policy::put,
        super::ops::healthz, super::ops::readyz, super::ops::metrics,
    ),
    components(schemas(super::problem::Problem, super::problem::FieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`
pub async fn document() -> ApiJson<utoipa::openapi::OpenApi> {
    ApiJson(ApiDoc::openapi())
}
