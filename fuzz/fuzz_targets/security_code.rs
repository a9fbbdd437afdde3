//! Fuzzes `deskmate_proto::code::SecurityCode::parse` (codes typed by people)
//! with arbitrary UTF-8 text (other bytes are skipped): it must never panic,
//! an accepted code is eight alphabet symbols equal to the input without
//! spaces and dashes, upper-cased, and its `ABCD-EFGH` form parses back.
//! The first eight bytes also feed `SecurityCode::from_random`.
#![no_main]

use deskmate_proto::code::{ALPHABET, CodeError, LENGTH, SecurityCode};
use libfuzzer_sys::fuzz_target;

fn check_round_trip(code: &SecurityCode) {
    let normalized = code.normalized();
    assert_eq!(normalized.len(), LENGTH);
    assert!(normalized.bytes().all(|b| ALPHABET.contains(&b)));
    let shown = code.to_string();
    assert_eq!(shown.len(), LENGTH + 1);
    assert_eq!(shown.as_bytes()[LENGTH / 2], b'-');
    assert_eq!(SecurityCode::parse(&shown).as_ref(), Ok(code));
    assert_eq!(SecurityCode::parse(&normalized.to_lowercase()).as_ref(), Ok(code));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(bytes) = <[u8; LENGTH]>::try_from(data.get(..LENGTH).unwrap_or(&[])) {
        if let Some(code) = SecurityCode::from_random(bytes) {
            assert!(bytes.iter().all(|&b| b < 248));
            check_round_trip(&code);
        } else {
            assert!(bytes.iter().any(|&b| b >= 248));
        }
    }

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match SecurityCode::parse(text) {
        Ok(code) => {
            let expected: String = text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect();
            assert_eq!(code.normalized(), expected);
            check_round_trip(&code);
        }
        Err(CodeError::Length(n)) => assert_ne!(n, LENGTH),
        Err(CodeError::Symbol(c)) => {
            assert!(text.contains(c), "reported symbol {c:?} is not in the input");
            assert!(!c.is_whitespace() && c != '-');
        }
    }
});
