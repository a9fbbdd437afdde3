//! Fuzzes `deskmate_proto::frame::decode` (binary data frames from either
//! side) with arbitrary bytes: it must never panic, must route exactly the
//! channel named by the first byte, and must round-trip through `encode`.
#![no_main]

use deskmate_proto::frame::{self, FrameError, MAX_FRAME_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match frame::decode(data) {
        Ok((channel, payload)) => {
            assert_eq!(channel.byte(), data[0], "channel must be the first byte");
            assert_eq!(payload, &data[1..], "payload must be the rest, untouched");
            assert_eq!(frame::encode(channel, payload), data, "encode(decode(x)) == x");
        }
        Err(FrameError::Empty) => assert!(data.is_empty()),
        Err(FrameError::UnknownChannel(b)) => {
            assert_eq!(b, data[0]);
            assert!(!(1..=3).contains(&b), "known channel {b} refused");
        }
        Err(FrameError::TooLarge(n)) => {
            assert_eq!(n, data.len());
            assert!(n > MAX_FRAME_BYTES);
        }
    }
});
