//! The browser's share of Deskmate's Rust code, exported through
//! wasm-bindgen: the screen decoder (kept as an RGBA picture the page draws
//! without copying), security-code entry, cursor frames, and the input and
//! laser-pointer frames the helper sends. Everything that parses bytes from
//! the network is the same code the native tests and fuzzers exercise.

mod cursor;
mod e2e;
mod frames;
mod screen;

pub use cursor::decode_cursor;
pub use e2e::{E2eSession, secret_part};
pub use frames::{DataChannel, input_frame, keysym_for_key, pointer_frame};
pub use screen::ScreenDecoder;

use deskmate_proto::code::{FullCode, SecurityCode};
use wasm_bindgen::prelude::*;

/// What a person typed as a security code, normalised (`"k7mq 2xpa h4rt"`
/// → `"K7MQ2XPAH4RT"`), or `undefined` if it cannot be one. Whole codes
/// (with the secret part) have 12 symbols; the server's part alone has 8.
#[wasm_bindgen]
pub fn normalize_code(text: &str) -> Option<String> {
    FullCode::parse(text)
        .map(|c| c.whole().to_string())
        .or_else(|_| SecurityCode::parse(text).map(|c| c.normalized().to_string()))
        .ok()
}

/// A code as people read it: `K7MQ-2XPA-H4RT` or `K7MQ-2XPA` (the text
/// unchanged if it is not a code).
#[wasm_bindgen]
pub fn format_code(code: &str) -> String {
    FullCode::parse(code)
        .map(|c| c.to_string())
        .or_else(|_| SecurityCode::parse(code).map(|c| c.to_string()))
        .unwrap_or_else(|_| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_and_formatted() {
        assert_eq!(normalize_code(" k7mq-2xpa ").as_deref(), Some("K7MQ2XPA"));
        assert_eq!(normalize_code("K7MQ-2XP0"), None);
        assert_eq!(format_code("k7mq2xpa"), "K7MQ-2XPA");
        assert_eq!(format_code("nope"), "nope");
        assert_eq!(
            normalize_code("k7mq-2xpa-h4rt").as_deref(),
            Some("K7MQ2XPAH4RT")
        );
        assert_eq!(format_code("K7MQ2XPAH4RT"), "K7MQ-2XPA-H4RT");
    }
}
