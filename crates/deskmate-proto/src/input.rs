//! Input events the helper sends in full-control sessions (the payload of
//! [`crate::frame::Channel::Input`] frames, as JSON).
//!
//! Keys travel as X11 keysyms, which name symbols rather than physical keys,
//! so the helper's keyboard layout does not matter: the agent finds (or
//! makes) a key on the sharer's layout that produces the symbol.

use serde::{Deserialize, Serialize};

/// Largest coordinate accepted (any real screen is smaller).
pub const MAX_COORD: i32 = 32_767;
/// Longest text typed in one event.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// One input action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InputEvent {
    /// Move the pointer to screen coordinates of the shared monitor.
    PointerMove {
        /// Column.
        x: i32,
        /// Row.
        y: i32,
    },
    /// Press or release a mouse button (1 left, 2 middle, 3 right, 8/9 back/forward).
    Button {
        /// Button number.
        button: u8,
        /// Pressed (true) or released.
        down: bool,
    },
    /// Scroll: positive `dy` scrolls down, positive `dx` right, in notches.
    Wheel {
        /// Horizontal notches.
        dx: i8,
        /// Vertical notches.
        dy: i8,
    },
    /// Press or release the key producing this keysym (e.g. 0xff0d Return, 0xffe3 Control_L).
    Key {
        /// X11 keysym.
        keysym: u32,
        /// Pressed (true) or released.
        down: bool,
    },
    /// Type this text (each character pressed and released).
    Text {
        /// The text.
        text: String,
    },
}

/// Why an input event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not JSON or not an input event.
    #[error("malformed input event: {0}")]
    Malformed(String),
    /// Coordinates beyond any screen.
    #[error("coordinates ({0}, {1}) are out of range")]
    Coordinates(i32, i32),
    /// A button number that does not exist.
    #[error("there is no mouse button {0}")]
    Button(u8),
    /// A keysym outside the defined ranges.
    #[error("unknown keysym {0:#x}")]
    Keysym(u32),
    /// Too much text at once.
    #[error("text input is limited to {MAX_TEXT_CHARS} characters per event")]
    TextLength,
}

/// Whether `keysym` is one X11 defines: Latin-1, the legacy ranges, function
/// and modifier keys, or Unicode keysyms (0x1000000 + code point).
pub fn known_keysym(keysym: u32) -> bool {
    matches!(keysym, 0x20..=0x7e | 0xa0..=0xff | 0x100..=0x20ff | 0xfe00..=0xffff)
        || (0x0100_0100..=0x0110_ffff).contains(&keysym)
}

/// The keysym that types `c`.
pub fn keysym_for_char(c: char) -> u32 {
    match c {
        '\n' | '\r' => 0xff0d,
        '\t' => 0xff09,
        '\u{8}' => 0xff08,
        ' '..='~' | '\u{a0}'..='\u{ff}' => u32::from(c),
        other => 0x0100_0000 + u32::from(other),
    }
}

impl InputEvent {
    /// Parses and checks an event from an input frame's payload.
    pub fn decode(payload: &[u8]) -> Result<Self, InputError> {
        if payload.len() > 16 * 1024 {
            return Err(InputError::Malformed("too long".into()));
        }
        let event: InputEvent =
            serde_json::from_slice(payload).map_err(|e| InputError::Malformed(e.to_string()))?;
        event.validate()?;
        Ok(event)
    }

    /// Checks ranges.
    pub fn validate(&self) -> Result<(), InputError> {
        match self {
            InputEvent::PointerMove { x, y } => {
                if !(0..=MAX_COORD).contains(x) || !(0..=MAX_COORD).contains(y) {
                    return Err(InputError::Coordinates(*x, *y));
                }
            }
            InputEvent::Button { button, .. } => {
                if !(1..=9).contains(button) || (4..=7).contains(button) {
                    return Err(InputError::Button(*button));
                }
            }
            InputEvent::Wheel { .. } => {}
            InputEvent::Key { keysym, .. } => {
                if !known_keysym(*keysym) {
                    return Err(InputError::Keysym(*keysym));
                }
            }
            InputEvent::Text { text } => {
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(InputError::TextLength);
                }
            }
        }
        Ok(())
    }

    /// The payload of an input frame.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The helper's laser pointer (the payload of
/// [`crate::frame::Channel::Pointer`] frames, as JSON): drawn on the
/// sharer's screen, never clicking anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaserPointer {
    /// Column on the shared screen.
    pub x: i32,
    /// Row.
    pub y: i32,
    /// Colour as 0xRRGGBB.
    pub color: u32,
}

impl LaserPointer {
    /// Parses and checks a pointer frame's payload.
    pub fn decode(payload: &[u8]) -> Result<Self, InputError> {
        if payload.len() > 1024 {
            return Err(InputError::Malformed("too long".into()));
        }
        let p: LaserPointer =
            serde_json::from_slice(payload).map_err(|e| InputError::Malformed(e.to_string()))?;
        if !(0..=MAX_COORD).contains(&p.x) || !(0..=MAX_COORD).contains(&p.y) {
            return Err(InputError::Coordinates(p.x, p.y));
        }
        if p.color > 0x00ff_ffff {
            return Err(InputError::Malformed(format!(
                "colour {:#x} is not 0xRRGGBB",
                p.color
            )));
        }
        Ok(p)
    }

    /// The payload of a pointer frame.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_are_checked() {
        for event in [
            InputEvent::PointerMove { x: 10, y: 20 },
            InputEvent::Button {
                button: 1,
                down: true,
            },
            InputEvent::Wheel { dx: 0, dy: -2 },
            InputEvent::Key {
                keysym: 0xff0d,
                down: true,
            },
            InputEvent::Text {
                text: "héllo 你好".into(),
            },
        ] {
            assert_eq!(InputEvent::decode(&event.encode()), Ok(event));
        }
        assert!(matches!(
            InputEvent::decode(br#"{"type":"pointer_move","x":-1,"y":0}"#),
            Err(InputError::Coordinates(..))
        ));
        assert!(matches!(
            InputEvent::decode(br#"{"type":"pointer_move","x":99999999,"y":0}"#),
            Err(InputError::Coordinates(..))
        ));
        assert!(matches!(
            InputEvent::decode(br#"{"type":"button","button":4,"down":true}"#),
            Err(InputError::Button(4))
        ));
        assert!(matches!(
            InputEvent::decode(br#"{"type":"key","keysym":3735928559,"down":true}"#),
            Err(InputError::Keysym(_))
        ));
        assert!(matches!(
            InputEvent::decode(b"\xff\xfe"),
            Err(InputError::Malformed(_))
        ));
        assert!(matches!(
            InputEvent::decode(br#"{"type":"format_disk"}"#),
            Err(InputError::Malformed(_))
        ));
    }

    #[test]
    fn laser_pointer_round_trips_and_is_checked() {
        let p = LaserPointer {
            x: 5,
            y: 6,
            color: 0xff0000,
        };
        assert_eq!(LaserPointer::decode(&p.encode()), Ok(p));
        assert!(LaserPointer::decode(br#"{"x":1,"y":1,"color":4294967295}"#).is_err());
        assert!(LaserPointer::decode(br#"{"x":-5,"y":1,"color":0}"#).is_err());
    }

    #[test]
    fn characters_map_to_keysyms() {
        assert_eq!(keysym_for_char('a'), 0x61);
        assert_eq!(keysym_for_char('\n'), 0xff0d);
        assert_eq!(keysym_for_char('é'), 0xe9);
        assert_eq!(keysym_for_char('你'), 0x0100_4f60);
        assert!(known_keysym(keysym_for_char('你')));
    }
}
