//! Fuzzes `deskmate_proto::messages::decode_server` (JSON control messages a
//! client receives from the server) with arbitrary UTF-8 text (other bytes
//! are skipped): it must never panic, and every accepted message must
//! survive `encode` → decode.
#![no_main]

use deskmate_proto::messages;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(message) = messages::decode_server(text) else {
        return;
    };
    let encoded = messages::encode(&message);
    assert_eq!(
        messages::decode_server(&encoded).as_ref(),
        Ok(&message),
        "re-encoded message does not decode to itself: {encoded}"
    );
});
