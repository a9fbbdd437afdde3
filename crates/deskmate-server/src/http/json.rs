//! JSON bodies in and out, with every rejection as a problem document.
//!
//! `axum::Json` answers bad bodies with plain text; [`ApiJson`] answers with
//! RFC 9457 problems: 415 for a wrong media type, 413 past the body limit,
//! 400 for broken JSON, 422 for unknown fields or wrong types (naming them).

use super::problem::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON request or response body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as JSON with 'Content-Type: application/json'".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(
                    "the request body is larger than this server accepts".into(),
                )
            } else {
                ApiError::BadRequest(format!("could not read the request body: {rejection}"))
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body into `T`, classifying failures.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." {
                    "body".to_string()
                } else {
                    path
                };
                ApiError::field(&field, strip_position(&inner.to_string()))
            }
            serde_json::error::Category::Eof | serde_json::error::Category::Syntax => {
                ApiError::BadRequest(format!("the body is not valid JSON: {inner}"))
            }
            serde_json::error::Category::Io => ApiError::BadRequest(inner.to_string()),
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
    }

    fn status(err: ApiError) -> u16 {
        err.to_problem().status
    }

    #[test]
    fn classifies_failures() {
        assert!(parse::<Body>(br#"{"name":"a","count":1}"#).is_ok());
        assert_eq!(
            status(parse::<Body>(b"{not json").expect_err("syntax")),
            400
        );
        assert_eq!(status(parse::<Body>(b"").expect_err("empty")), 400);
        let unknown =
            parse::<Body>(br#"{"name":"a","count":1,"admin":true}"#).expect_err("unknown field");
        let problem = unknown.to_problem();
        assert_eq!(problem.status, 422);
        assert!(problem.detail.contains("admin"), "{}", problem.detail);
        let wrong_type = parse::<Body>(br#"{"name":"a","count":"many"}"#).expect_err("type");
        assert_eq!(wrong_type.to_problem().errors[0].field, "count");
        assert_eq!(
            status(parse::<Body>(br#"{"name":"a","count":1} trailing"#).expect_err("trailing")),
            400
        );
    }
}
