//! Browser keys to X11 keysyms.
//!
//! The web viewer sees `KeyboardEvent.key` (what the key types on the
//! helper's layout) and `KeyboardEvent.code` (which physical key). Input
//! events carry keysyms, so the sharer's agent can find the symbol on its
//! own layout; this table lives here so the browser (as WebAssembly) and the
//! native tests use one mapping.

use crate::input::keysym_for_char;

/// The keysym for a browser key, or `None` when it names nothing the
/// sharer's keyboard could type (`Unidentified`, dead keys, media keys).
pub fn keysym_for_browser_key(key: &str, code: &str) -> Option<u32> {
    let mut chars = key.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(keysym_for_char(c));
    }
    let right = code.ends_with("Right");
    let sym = match key {
        "Backspace" => 0xff08,
        "Tab" => 0xff09,
        "Enter" => {
            if code == "NumpadEnter" {
                0xff8d
            } else {
                0xff0d
            }
        }
        "Pause" => 0xff13,
        "ScrollLock" => 0xff14,
        "Escape" => 0xff1b,
        "Home" => 0xff50,
        "ArrowLeft" => 0xff51,
        "ArrowUp" => 0xff52,
        "ArrowRight" => 0xff53,
        "ArrowDown" => 0xff54,
        "PageUp" => 0xff55,
        "PageDown" => 0xff56,
        "End" => 0xff57,
        "PrintScreen" => 0xff61,
        "Insert" => 0xff63,
        "ContextMenu" => 0xff67,
        "NumLock" => 0xff7f,
        "CapsLock" => 0xffe5,
        "Delete" => 0xffff,
        "AltGraph" => 0xfe03,
        "Shift" => 0xffe1 + u32::from(right),
        "Control" => 0xffe3 + u32::from(right),
        "Alt" => 0xffe9 + u32::from(right),
        "Meta" | "OS" | "Super" => 0xffeb + u32::from(right),
        _ => return function_key(key),
    };
    Some(sym)
}

/// `F1`–`F35`.
fn function_key(key: &str) -> Option<u32> {
    let n: u32 = key.strip_prefix('F')?.parse().ok()?;
    (1..=35).contains(&n).then(|| 0xffbe + n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::known_keysym;

    #[test]
    fn characters_map_to_their_symbols() {
        assert_eq!(keysym_for_browser_key("a", "KeyA"), Some(0x61));
        assert_eq!(keysym_for_browser_key("A", "KeyA"), Some(0x41));
        assert_eq!(keysym_for_browser_key(" ", "Space"), Some(0x20));
        assert_eq!(keysym_for_browser_key("é", "Digit2"), Some(0xe9));
        assert_eq!(keysym_for_browser_key("ж", "Semicolon"), Some(0x0100_0436));
    }

    #[test]
    fn named_keys_and_sides() {
        assert_eq!(keysym_for_browser_key("Enter", "Enter"), Some(0xff0d));
        assert_eq!(keysym_for_browser_key("Enter", "NumpadEnter"), Some(0xff8d));
        assert_eq!(
            keysym_for_browser_key("Control", "ControlLeft"),
            Some(0xffe3)
        );
        assert_eq!(
            keysym_for_browser_key("Control", "ControlRight"),
            Some(0xffe4)
        );
        assert_eq!(keysym_for_browser_key("Meta", "MetaLeft"), Some(0xffeb));
        assert_eq!(keysym_for_browser_key("F1", "F1"), Some(0xffbe));
        assert_eq!(keysym_for_browser_key("F12", "F12"), Some(0xffc9));
        assert_eq!(keysym_for_browser_key("F36", "F36"), None);
        assert_eq!(keysym_for_browser_key("Fx", ""), None);
        assert_eq!(keysym_for_browser_key("Unidentified", ""), None);
        assert_eq!(keysym_for_browser_key("Dead", "BracketLeft"), None);
        assert_eq!(keysym_for_browser_key("", ""), None);
    }

    #[test]
    fn every_mapped_key_is_accepted_by_the_input_checks() {
        for key in [
            "Backspace",
            "Tab",
            "Enter",
            "Pause",
            "ScrollLock",
            "Escape",
            "Home",
            "ArrowLeft",
            "ArrowUp",
            "ArrowRight",
            "ArrowDown",
            "PageUp",
            "PageDown",
            "End",
            "PrintScreen",
            "Insert",
            "ContextMenu",
            "NumLock",
            "CapsLock",
            "Delete",
            "AltGraph",
            "Shift",
            "Control",
            "Alt",
            "Meta",
            "F24",
            "x",
            "€",
        ] {
            let sym = keysym_for_browser_key(key, "Right").expect(key);
            assert!(known_keysym(sym), "{key} → {sym:#x}");
        }
    }
}
