//! Fuzzes `deskmate_proto::input::InputEvent::decode` (the JSON payload of
//! input frames the helper sends in control mode) with arbitrary bytes: it
//! must never panic, an accepted event must pass `validate()` and survive
//! `encode` → decode unchanged, and a refused event must be refused for a
//! reason that holds for the values it reports.
#![no_main]

use deskmate_proto::input::{InputError, InputEvent, MAX_COORD, known_keysym};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match InputEvent::decode(data) {
        Ok(event) => {
            assert_eq!(
                event.validate(),
                Ok(()),
                "accepted event fails validate(): {event:?}"
            );
            let encoded = event.encode();
            assert_eq!(
                InputEvent::decode(&encoded).as_ref(),
                Ok(&event),
                "re-encoded event does not decode to itself: {}",
                String::from_utf8_lossy(&encoded)
            );
        }
        Err(InputError::Malformed(_) | InputError::TextLength) => {}
        Err(InputError::Coordinates(x, y)) => {
            let range = 0..=MAX_COORD;
            assert!(
                !range.contains(&x) || !range.contains(&y),
                "({x}, {y}) refused"
            );
        }
        Err(InputError::Button(b)) => {
            assert!(
                !(1..=3).contains(&b) && !(8..=9).contains(&b),
                "button {b} refused"
            );
        }
        Err(InputError::Keysym(k)) => assert!(!known_keysym(k), "keysym {k:#x} refused"),
    }
});
