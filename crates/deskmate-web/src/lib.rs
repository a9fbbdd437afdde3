//! The web app (helper console and sharer page), built by `scripts/build-web`
//! and embedded at compile time, with what HTTP needs to serve each file:
//! its media type and whether its name carries a content hash (cache
//! forever) or not (revalidate every time).

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// URL path, e.g. `/index.html` or `/assets/index-3f2a1c.js`.
    pub path: &'static str,
    /// The file.
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The Content-Security-Policy the pages are written for: nothing inline,
/// scripts and WebAssembly only from this origin, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether this binary was built with the web app.
pub fn built() -> bool {
    !ASSETS.is_empty()
}

/// The file at a URL path (`/` is the helper console).
pub fn get(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    ASSETS.iter().find(|a| a.path == path)
}

impl Asset {
    /// The media type, from the file name.
    pub fn content_type(&self) -> &'static str {
        let ext = self.path.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "html" => "text/html; charset=utf-8",
            "js" | "mjs" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "wasm" => "application/wasm",
            "json" | "map" => "application/json",
            "svg" => "image/svg+xml",
            "png" => "image/png",
            "ico" => "image/x-icon",
            "woff2" => "font/woff2",
            "ftl" | "txt" => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        }
    }

    /// `Cache-Control` for the file: hashed build output never changes.
    pub fn cache_control(&self) -> &'static str {
        if self.path.starts_with("/assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }
    }
}

/// Shown in place of the web app by a binary built without it.
pub const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
<title>Deskmate</title><p>This Deskmate binary was built without its web app. \
Run <code>scripts/build-web</code> (or <code>scripts/serve</code>) and build again.</p></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_and_caching_follow_the_name() {
        let wasm = Asset {
            path: "/assets/deskmate_wasm_bg-1a2b.wasm",
            bytes: b"",
        };
        assert_eq!(wasm.content_type(), "application/wasm");
        assert!(wasm.cache_control().contains("immutable"));
        let page = Asset {
            path: "/share.html",
            bytes: b"",
        };
        assert_eq!(page.content_type(), "text/html; charset=utf-8");
        assert_eq!(page.cache_control(), "no-cache");
    }

    #[test]
    fn the_root_is_the_console_when_built() {
        assert_eq!(get("/").is_some(), get("/index.html").is_some());
        assert_eq!(built(), get("/index.html").is_some());
    }
}
