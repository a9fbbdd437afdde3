//! Query strings in, with every rejection as a problem document.
//!
//! `axum::extract::Query` answers a bad query string with plain text;
//! [`ApiQuery`] answers 422 naming the parameter (an unknown one, or one
//! that is not a number where a number is expected), like [`super::json::ApiJson`].

use super::problem::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A query string parsed into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse(parts.uri.query().unwrap_or("")).map(ApiQuery)
    }
}

/// Parses a query string into `T`, naming the parameter at fault.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let field = if path == "." {
            // Unknown parameters are reported at the top level: name them.
            message
                .split('`')
                .nth(1)
                .unwrap_or("query")
                .chars()
                .take(64)
                .collect()
        } else {
            path
        };
        ApiError::field(&field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Params {
        limit: Option<i64>,
        q: Option<String>,
    }

    #[test]
    fn names_the_bad_parameter() {
        let ok: Params = parse("limit=5&q=ana%20b").expect("valid");
        assert_eq!(ok.limit, Some(5));
        assert_eq!(ok.q.as_deref(), Some("ana b"));
        let bad = parse::<Params>("limit=many").expect_err("not a number");
        assert_eq!(bad.to_problem().errors[0].field, "limit");
        assert_eq!(bad.to_problem().status, 422);
        let unknown = parse::<Params>("colour=red").expect_err("unknown");
        assert_eq!(unknown.to_problem().errors[0].field, "colour");
    }
}
