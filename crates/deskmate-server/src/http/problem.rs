//! API errors as RFC 9457 problem documents.
//!
//! Every failure a client can see is an [`ApiError`]; each maps once to a
//! status code, a stable problem type and a message that says what happened
//! and what to do. Internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem with one field of a request body.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as named in the request (e.g. `code_lifetime_secs`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Every error the API returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not valid JSON, or a parameter is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The body is JSON but its content is not acceptable.
    #[error("{detail}")]
    Validation {
        /// Summary.
        detail: String,
        /// One entry per bad field.
        errors: Vec<FieldError>,
    },
    /// Not signed in, or the sign-in is no longer valid.
    #[error("{0}")]
    Unauthorized(String),
    /// The password was right; a TOTP code is needed too.
    #[error("enter the 6-digit code from your authenticator app")]
    TotpRequired,
    /// Signed in but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// No such object (or it belongs to another tenant).
    #[error("{0}")]
    NotFound(String),
    /// The change would give someone more than the caller holds, or change
    /// an account that holds more than the caller.
    #[error("{0}")]
    BeyondYourRights(String),
    /// The change would leave the organisation without an administrator.
    #[error("{0}")]
    LastAdministrator(String),
    /// The method is not supported at this path.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Would break a uniqueness rule or the current state.
    #[error("{0}")]
    Conflict(String),
    /// The object changed since the client read it.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The body is larger than allowed.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not JSON (or not the expected media type).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many failed attempts; wait.
    #[error("{detail}")]
    TooManyRequests {
        /// Message.
        detail: String,
        /// Seconds to wait.
        retry_after_secs: i64,
    },
    /// A remote-help request refused for a reason both sides are told.
    #[error("{detail}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable reason, part of the problem type (e.g. `not-in-scope`).
        reason: &'static str,
        /// The reason in plain words.
        detail: String,
    },
    /// A dependency (the database) is not available.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; the detail is only logged.
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
/// An RFC 9457 problem document.
pub struct Problem {
    /// A URI naming the kind of problem; stable, for programs.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened in this case and what to do, for people.
    pub detail: String,
    /// Field-level problems (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds to wait before trying again (rate limits only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
}

impl ApiError {
    /// A validation error with a single bad field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        ApiError::Validation {
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
        }
    }

    /// A validation error from several field errors (none: not an error).
    pub fn from_fields(errors: Vec<FieldError>) -> Result<(), Self> {
        if errors.is_empty() {
            return Ok(());
        }
        let detail = if errors.len() == 1 {
            format!("{}: {}", errors[0].field, errors[0].message)
        } else {
            format!("{} fields are invalid; see errors", errors.len())
        };
        Err(ApiError::Validation { detail, errors })
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            ApiError::Validation { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request has invalid fields",
            ),
            ApiError::Unauthorized(_) => {
                (StatusCode::UNAUTHORIZED, "unauthorized", "Sign-in required")
            }
            ApiError::TotpRequired => (
                StatusCode::UNAUTHORIZED,
                "totp-required",
                "A second factor is required",
            ),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
            ApiError::BeyondYourRights(_) => (
                StatusCode::FORBIDDEN,
                "beyond-your-rights",
                "Beyond what you hold",
            ),
            ApiError::LastAdministrator(_) => (
                StatusCode::CONFLICT,
                "last-administrator",
                "The organisation needs an administrator",
            ),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            ApiError::PreconditionFailed(_) => (
                StatusCode::PRECONDITION_FAILED,
                "changed-elsewhere",
                "Changed by someone else",
            ),
            ApiError::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Request body too large",
            ),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            ApiError::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                "Too many failed attempts",
            ),
            ApiError::Refused { status, reason, .. } => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::FORBIDDEN),
                reason,
                "Remote help refused",
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }

    /// The problem document for this error.
    pub fn to_problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let detail = match self {
            ApiError::Internal(_) => {
                "Something went wrong on the server. It has been logged; try again, and tell your administrator if it persists."
                    .to_string()
            }
            other => other.to_string(),
        };
        Problem {
            kind: format!("urn:deskmate:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            errors: match self {
                ApiError::Validation { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
            retry_after: match self {
                ApiError::TooManyRequests {
                    retry_after_secs, ..
                } => Some(*retry_after_secs),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let problem = self.to_problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = problem.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Conflict(message) => ApiError::Conflict(message),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::auth::tokens::RandomError> for ApiError {
    fn from(err: crate::auth::tokens::RandomError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_are_not_sent() {
        let problem = ApiError::Internal("password=hunter2 in SQL".into()).to_problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("hunter2"));
    }

    #[test]
    fn validation_lists_fields() {
        let err = ApiError::from_fields(vec![
            FieldError::new("a", "bad"),
            FieldError::new("b", "worse"),
        ])
        .expect_err("two errors");
        let problem = err.to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.kind, "urn:deskmate:problem:validation");
        assert!(ApiError::from_fields(Vec::new()).is_ok());
    }
}
