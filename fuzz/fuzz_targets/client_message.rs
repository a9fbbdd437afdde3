//! Fuzzes `deskmate_proto::messages::decode_client` (JSON control messages a
//! helper or sharer sends to the server) with arbitrary UTF-8 text (other
//! bytes are skipped): it must never panic, accepted chat must respect the
//! length rules, and every accepted message must survive `encode` → decode.
#![no_main]

use deskmate_proto::messages::{self, ClientMessage, MAX_CHAT_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(message) = messages::decode_client(text) else {
        return;
    };
    if let ClientMessage::Chat {
        text,
        sealed: false,
    } = &message
    {
        assert!(!text.trim().is_empty(), "blank chat accepted");
        assert!(text.chars().count() <= MAX_CHAT_CHARS, "over-long chat accepted");
    }
    let encoded = messages::encode(&message);
    assert_eq!(
        messages::decode_client(&encoded).as_ref(),
        Ok(&message),
        "re-encoded message does not decode to itself: {encoded}"
    );
});
