//! Web origins (RFC 6454) compared whole: scheme, host and port. A browser
//! sends cookies with cross-site WebSocket requests too, so the relay only
//! accepts a browser connection whose `Origin` is this server's own.

use axum::http::Uri;

/// `scheme://host[:port]` in lower case, the port left out when it is the
/// scheme's default; `None` for anything that is not a plain origin
/// (`null`, a path, user information, an unknown scheme without a port).
pub fn normalize(text: &str) -> Option<String> {
    let uri: Uri = text.trim().parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?;
    if authority.as_str().contains('@') || uri.query().is_some() || !matches!(uri.path(), "" | "/")
    {
        return None;
    }
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let default_port = match scheme.as_str() {
        "https" | "wss" => Some(443),
        "http" | "ws" => Some(80),
        _ => None,
    };
    Some(match authority.port_u16() {
        Some(port) if Some(port) != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// Whether a browser's `Origin` is this server's own: the configured public
/// address, or — when none is configured — `https://` and the host the
/// request was sent to (this server only speaks HTTPS).
pub fn is_own(origin: &str, public_url: Option<&str>, request_host: Option<&str>) -> bool {
    let Some(origin) = normalize(origin) else {
        return false;
    };
    let expected = match public_url {
        Some(url) => normalize(url.trim_end_matches('/')),
        None => request_host.and_then(|host| normalize(&format!("https://{host}"))),
    };
    expected.is_some_and(|expected| expected == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_normalize_to_scheme_host_and_port() {
        assert_eq!(
            normalize("HTTPS://Help.Example.org:443").as_deref(),
            Some("https://help.example.org")
        );
        assert_eq!(
            normalize("https://127.0.0.1:8443").as_deref(),
            Some("https://127.0.0.1:8443")
        );
        assert_eq!(normalize("null"), None);
        assert_eq!(normalize("https://a.example/path"), None);
        assert_eq!(normalize("https://user@a.example"), None);
    }

    #[test]
    fn only_the_whole_own_origin_is_accepted() {
        let host = Some("127.0.0.1:8443");
        assert!(is_own("https://127.0.0.1:8443", None, host));
        assert!(!is_own("http://127.0.0.1:8443", None, host));
        assert!(!is_own("https://127.0.0.1:9443", None, host));
        assert!(!is_own("https://127.0.0.1:8443.evil.example", None, host));
        assert!(!is_own("https://127.0.0.1:8443", None, None));
        let public = Some("https://help.example.org/");
        assert!(is_own("https://help.example.org", public, host));
        assert!(is_own("https://help.example.org:443", public, host));
        assert!(!is_own("http://help.example.org", public, host));
        assert!(!is_own("https://help.example.org:8443", public, host));
        assert!(!is_own("https://127.0.0.1:8443", public, host));
    }
}
