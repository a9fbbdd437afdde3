//! Input injection with XTest. Keys are found by keysym on the current
//! keyboard mapping (with Shift for the second column); a symbol the layout
//! lacks is put on a spare keycode for the moment it is typed.

use super::super::{InputSink, PlatformError};
use super::request;
use deskmate_codec::Rect;
use deskmate_proto::input::{InputEvent, keysym_for_char};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, Keycode, Window};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

const KEY_PRESS: u8 = 2;
const KEY_RELEASE: u8 = 3;
const BUTTON_PRESS: u8 = 4;
const BUTTON_RELEASE: u8 = 5;
const MOTION: u8 = 6;
const SHIFT_L: u32 = 0xffe1;

/// Injects input into `$DISPLAY`.
pub struct X11Input {
    conn: RustConnection,
    root: Window,
    min_keycode: Keycode,
    per_keycode: u8,
    keysyms: Vec<u32>,
    spare: Option<Keycode>,
    /// The shared area: pointer positions are relative to it and stay in it.
    area: Rect,
}

impl X11Input {
    /// Connects and reads the keyboard mapping.
    pub fn open() -> Result<Self, PlatformError> {
        let (conn, screen) = super::connect()?;
        let (root, width, height) = (screen.root, screen.width, screen.height);
        conn.xtest_get_version(2, 2)
            .map_err(request)?
            .reply()
            .map_err(|e| PlatformError::Display(format!("XTest: {e}")))?;
        let (min_keycode, max_keycode) = (conn.setup().min_keycode, conn.setup().max_keycode);
        let mut input = Self {
            conn,
            root,
            min_keycode,
            per_keycode: 0,
            keysyms: Vec::new(),
            spare: None,
            area: Rect {
                x: 0,
                y: 0,
                w: u32::from(width),
                h: u32::from(height),
            },
        };
        input.load_mapping(max_keycode)?;
        Ok(input)
    }

    fn load_mapping(&mut self, max_keycode: Keycode) -> Result<(), PlatformError> {
        let count = max_keycode - self.min_keycode + 1;
        let reply = self
            .conn
            .get_keyboard_mapping(self.min_keycode, count)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        self.per_keycode = reply.keysyms_per_keycode;
        self.keysyms = reply.keysyms;
        // A spare keycode: one with no symbols at all, from the top.
        let per = usize::from(self.per_keycode.max(1));
        self.spare = (0..usize::from(count))
            .rev()
            .find(|&i| self.keysyms[i * per..(i + 1) * per].iter().all(|&k| k == 0))
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| self.min_keycode + i);
        Ok(())
    }

    /// (keycode, needs shift) for a keysym on the current mapping.
    fn find(&self, keysym: u32) -> Option<(Keycode, bool)> {
        let per = usize::from(self.per_keycode.max(1));
        for (i, syms) in self.keysyms.chunks(per).enumerate() {
            let code = self.min_keycode.checked_add(u8::try_from(i).ok()?)?;
            if syms.first() == Some(&keysym) {
                return Some((code, false));
            }
            if syms.get(1) == Some(&keysym) {
                return Some((code, true));
            }
        }
        None
    }

    fn fake(&self, kind: u8, detail: u8, x: i16, y: i16) -> Result<(), PlatformError> {
        self.conn
            .xtest_fake_input(kind, detail, x11rb::CURRENT_TIME, self.root, x, y, 0)
            .map_err(request)?;
        Ok(())
    }

    fn key(&mut self, keysym: u32, down: bool) -> Result<(), PlatformError> {
        let (code, shift) = match self.find(keysym) {
            Some(found) => found,
            None => {
                let spare = self.spare.ok_or_else(|| {
                    PlatformError::Input(format!("no key can produce keysym {keysym:#x}"))
                })?;
                let per = usize::from(self.per_keycode.max(1));
                let mut syms = vec![0u32; per];
                syms[0] = keysym;
                if per > 1 {
                    syms[1] = keysym;
                }
                self.conn
                    .change_keyboard_mapping(1, spare, self.per_keycode, &syms)
                    .map_err(request)?;
                let index = usize::from(spare - self.min_keycode) * per;
                self.keysyms[index..index + per].copy_from_slice(&syms);
                // Make sure the server applied the new mapping before the key is pressed.
                self.conn
                    .get_input_focus()
                    .map_err(request)?
                    .reply()
                    .map_err(request)?;
                (spare, false)
            }
        };
        let shift_code = if shift {
            self.find(SHIFT_L).map(|(c, _)| c)
        } else {
            None
        };
        if down {
            if let Some(s) = shift_code {
                self.fake(KEY_PRESS, s, 0, 0)?;
            }
            self.fake(KEY_PRESS, code, 0, 0)?;
        } else {
            self.fake(KEY_RELEASE, code, 0, 0)?;
            if let Some(s) = shift_code {
                self.fake(KEY_RELEASE, s, 0, 0)?;
            }
        }
        Ok(())
    }
}

impl InputSink for X11Input {
    fn set_area(&mut self, area: Rect) {
        self.area = area;
    }

    fn apply(&mut self, event: &InputEvent) -> Result<(), PlatformError> {
        match event {
            InputEvent::PointerMove { x, y } => {
                let Rect {
                    x: left,
                    y: top,
                    w,
                    h,
                } = self.area;
                let x = i64::from(*x).clamp(0, i64::from(w.max(1)) - 1) + i64::from(left);
                let y = i64::from(*y).clamp(0, i64::from(h.max(1)) - 1) + i64::from(top);
                self.fake(
                    MOTION,
                    0,
                    i16::try_from(x).unwrap_or(0),
                    i16::try_from(y).unwrap_or(0),
                )?;
            }
            InputEvent::Button { button, down } => {
                self.fake(
                    if *down { BUTTON_PRESS } else { BUTTON_RELEASE },
                    *button,
                    0,
                    0,
                )?;
            }
            InputEvent::Wheel { dx, dy } => {
                for (amount, negative, positive) in [(*dy, 4u8, 5u8), (*dx, 6, 7)] {
                    let button = if amount < 0 { negative } else { positive };
                    for _ in 0..amount.unsigned_abs().min(20) {
                        self.fake(BUTTON_PRESS, button, 0, 0)?;
                        self.fake(BUTTON_RELEASE, button, 0, 0)?;
                    }
                }
            }
            InputEvent::Key { keysym, down } => self.key(*keysym, *down)?,
            InputEvent::Text { text } => {
                for c in text.chars() {
                    let keysym = keysym_for_char(c);
                    self.key(keysym, true)?;
                    self.key(keysym, false)?;
                }
            }
        }
        self.conn.flush().map_err(request)?;
        Ok(())
    }
}
