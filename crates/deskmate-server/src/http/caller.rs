//! Who is calling: the authentication extractor.
//!
//! API clients send `Authorization: Bearer <access token>`. Browsers send
//! the `__Host-deskmate_session` cookie; for them every request that changes
//! something must also carry the session's CSRF token in `X-CSRF-Token`.

use super::problem::ApiError;
use super::state::AppState;
use crate::audit::AuditAction;
use crate::auth::tokens::{constant_time_eq, hash_token};
use crate::permissions::{Permission, PermissionSet};
use crate::store::{AuthSessionRecord, NewAuditEvent, SessionKind, User};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};

/// Name of the session cookie (the `__Host-` prefix pins it to this origin, HTTPS, path /).
pub const SESSION_COOKIE: &str = "__Host-deskmate_session";
/// Name of the cookie that hands the CSRF token to the web app's script.
pub const CSRF_COOKIE: &str = "__Host-deskmate_csrf";
/// Header in which the web app echoes the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in user and what they may do.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// Their sign-in session.
    pub session: AuthSessionRecord,
    /// Their permissions from role assignments.
    pub permissions: PermissionSet,
    /// The address the request came from.
    pub source: Option<String>,
}

impl Caller {
    /// Refuses unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.permissions.contains(&permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your roles do not include the '{permission}' permission; ask a tenant administrator"
            )))
        }
    }
}

impl Caller {
    /// Records an action of this caller in the audit log.
    pub async fn audit(
        &self,
        state: &AppState,
        action: AuditAction,
        target: Option<String>,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        state
            .store
            .append_audit(
                &NewAuditEvent {
                    tenant_id: self.user.tenant_id,
                    actor_id: Some(self.user.id),
                    action,
                    target,
                    detail,
                    source_addr: self.source.clone(),
                },
                state.now(),
            )
            .await?;
        Ok(())
    }
}

/// The value of cookie `name` in the request, if present.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (token, via_cookie) = match bearer(&parts.headers) {
            Some(token) => (token, false),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(token) => (token, true),
                None => {
                    return Err(ApiError::Unauthorized(
                        "sign in first: send 'Authorization: Bearer <access token>'".into(),
                    ));
                }
            },
        };
        let now = state.now();
        let session = state
            .store
            .session_by_access(&hash_token(token), now)
            .await?
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "your sign-in has expired or was ended; sign in again (API clients: use the refresh token)"
                        .into(),
                )
            })?;
        if via_cookie != (session.kind == SessionKind::Web) {
            return Err(ApiError::Unauthorized(
                "this token was issued for a different kind of client".into(),
            ));
        }
        if via_cookie && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let expected = session.csrf_token.as_deref().unwrap_or("");
            if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
                return Err(ApiError::Forbidden(
                    "missing or wrong CSRF token: send the X-CSRF-Token header the sign-in returned".into(),
                ));
            }
        }
        let user = state
            .store
            .user(session.tenant_id, session.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| {
                ApiError::Unauthorized("this account is disabled; ask an administrator".into())
            })?;
        let permissions = state.store.permissions_of(user.tenant_id, user.id).await?;
        let source = crate::listener::peer_of(&parts.extensions).map(|p| p.ip().to_string());
        Ok(Caller {
            user,
            session,
            permissions,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_cookies_and_bearer_tokens() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-deskmate_session=tok; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&headers, "missing"), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
    }
}
