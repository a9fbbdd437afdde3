//! Opening the sharer page without its key in an address. The browser is
//! started with `share.html#launch=TOKEN` on its command line (readable by
//! every local user); the page posts the token to `/launch` and gets the
//! key back. A token works once and only for [`LAUNCH_TTL`], so the one on
//! a command line is worthless by the time anyone else reads it — and if
//! someone spends it first, the sharer's own page says so.

use super::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a launch token works.
pub const LAUNCH_TTL: Duration = Duration::from_secs(300);

/// 32 random bytes as hex; `None` without randomness.
pub(crate) fn random_hex() -> Option<String> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without leaking where the first difference is.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// One unspent launch token.
pub(crate) struct LaunchToken {
    secret: String,
    expires: Instant,
}

impl LaunchToken {
    /// A fresh token; `None` without randomness.
    pub(crate) fn new() -> Option<Self> {
        Some(Self {
            secret: random_hex()?,
            expires: Instant::now() + LAUNCH_TTL,
        })
    }

    /// The token as it goes into the address.
    pub(crate) fn secret(&self) -> &str {
        &self.secret
    }
}

/// Spends the launch token in `slot` if `presented` is it and still good.
pub(crate) fn spend(slot: &mut Option<LaunchToken>, presented: &str, now: Instant) -> bool {
    let good = slot
        .as_ref()
        .is_some_and(|t| now < t.expires && same_secret(&t.secret, presented));
    if good {
        *slot = None;
    }
    good
}

/// What the page posts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LaunchRequest {
    launch: String,
}

/// `POST /launch`: a launch token for the key, from this page's own origin.
pub(crate) async fn exchange(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(request): Json<LaunchRequest>,
) -> Response {
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| o == format!("http://{}", shared.addr));
    let spent = origin_ok && {
        let mut slot = shared
            .launch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spend(&mut slot, &request.launch, Instant::now())
    };
    if !spent {
        tracing::warn!(
            origin_ok,
            "a sharer page link was refused: already used, expired or from elsewhere"
        );
        return (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({"error": "launch_refused"})),
        )
            .into_response();
    }
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({"key": shared.key})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn a_launch_token_works_once_and_not_late() {
        let token = LaunchToken::new().expect("random");
        let secret = token.secret().to_string();
        let mut slot = Some(token);
        let now = Instant::now();
        assert!(!spend(&mut slot, "wrong", now));
        assert!(!spend(&mut slot, &secret, now + LAUNCH_TTL));
        assert!(spend(&mut slot, &secret, now));
        assert!(!spend(&mut slot, &secret, now), "spent");
    }
}
