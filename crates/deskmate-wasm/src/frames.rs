//! Data frames the helper's page sends (input, laser pointer) and the
//! keyboard mapping it needs, checked by the same rules the agent applies.

use deskmate_proto::frame::{self, Channel};
use deskmate_proto::input::{InputEvent, LaserPointer};
use wasm_bindgen::prelude::*;

/// The first byte of every binary data frame.
#[wasm_bindgen]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataChannel {
    /// Screen updates, sharer to helper.
    Screen = 1,
    /// Input events, helper to sharer.
    Input = 2,
    /// The laser pointer, helper to sharer.
    Pointer = 3,
    /// Cursor position and shape, sharer to helper.
    Cursor = 4,
}

/// A whole input frame for one event given as JSON
/// (`{"type":"key","keysym":65307,"down":true}` …); throws if it is not a
/// valid event.
#[wasm_bindgen]
pub fn input_frame(event_json: &str) -> Result<Vec<u8>, JsError> {
    input_frame_bytes(event_json).map_err(|e| JsError::new(&e))
}

/// The checked frame, or why not.
pub fn input_frame_bytes(event_json: &str) -> Result<Vec<u8>, String> {
    let event = InputEvent::decode(event_json.as_bytes()).map_err(|e| e.to_string())?;
    Ok(frame::encode(Channel::Input, &event.encode()))
}

/// A whole laser-pointer frame at (`x`, `y`) in shared-screen pixels,
/// colour `0xRRGGBB`.
#[wasm_bindgen]
pub fn pointer_frame(x: i32, y: i32, color: u32) -> Vec<u8> {
    let pointer = LaserPointer {
        x: x.clamp(0, deskmate_proto::input::MAX_COORD),
        y: y.clamp(0, deskmate_proto::input::MAX_COORD),
        color: color & 0x00ff_ffff,
    };
    frame::encode(Channel::Pointer, &pointer.encode())
}

/// The X11 keysym for a browser `KeyboardEvent` (`key`, `code`).
#[wasm_bindgen]
pub fn keysym_for_key(key: &str, code: &str) -> Option<u32> {
    deskmate_proto::keys::keysym_for_browser_key(key, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_frames_are_checked_and_framed() {
        let bytes =
            input_frame_bytes(r#"{"type":"key","keysym":65307,"down":true}"#).expect("valid event");
        let (channel, payload) = frame::decode(&bytes).expect("a frame");
        assert_eq!(channel, Channel::Input);
        assert_eq!(
            InputEvent::decode(payload).expect("decodes"),
            InputEvent::Key {
                keysym: 0xff1b,
                down: true
            }
        );
        assert!(input_frame_bytes(r#"{"type":"pointer_move","x":-4,"y":0}"#).is_err());
        assert!(input_frame_bytes("not json").is_err());
    }

    #[test]
    fn pointer_frames_clamp_to_the_screen() {
        let bytes = pointer_frame(-5, 40_000, 0xff12_3456);
        let (channel, payload) = frame::decode(&bytes).expect("a frame");
        assert_eq!(channel, Channel::Pointer);
        let p = LaserPointer::decode(payload).expect("valid");
        assert_eq!((p.x, p.y, p.color), (0, 32_767, 0x12_3456));
        for (ours, theirs) in [
            (DataChannel::Screen, Channel::Screen),
            (DataChannel::Input, Channel::Input),
            (DataChannel::Pointer, Channel::Pointer),
            (DataChannel::Cursor, Channel::Cursor),
        ] {
            assert_eq!(ours as u8, theirs.byte());
        }
    }
}
