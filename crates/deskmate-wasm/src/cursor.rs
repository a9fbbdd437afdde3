//! Cursor frames for the page: positions, and shapes turned from
//! premultiplied ARGB into the straight RGBA an `ImageData` wants.

use deskmate_proto::cursor::CursorUpdate;
use js_sys::{Object, Reflect, Uint8ClampedArray};
use wasm_bindgen::prelude::*;

/// Parses a cursor frame's payload into `{kind: "position", x, y}` or
/// `{kind: "shape", width, height, hot_x, hot_y, rgba}`. Throws if malformed.
#[wasm_bindgen]
pub fn decode_cursor(payload: &[u8]) -> Result<JsValue, JsValue> {
    let update =
        CursorUpdate::decode(payload).map_err(|e| JsValue::from(JsError::new(&e.to_string())))?;
    let out = Object::new();
    let set = |key: &str, value: JsValue| Reflect::set(&out, &key.into(), &value).map(|_| ());
    match update {
        CursorUpdate::Position { x, y } => {
            set("kind", "position".into())?;
            set("x", x.into())?;
            set("y", y.into())?;
        }
        CursorUpdate::Shape {
            width,
            height,
            hot_x,
            hot_y,
            argb,
        } => {
            set("kind", "shape".into())?;
            set("width", width.into())?;
            set("height", height.into())?;
            set("hot_x", hot_x.into())?;
            set("hot_y", hot_y.into())?;
            let rgba = straight_rgba(&argb);
            set("rgba", Uint8ClampedArray::from(&rgba[..]).into())?;
        }
    }
    Ok(out.into())
}

/// Premultiplied ARGB words to straight RGBA bytes.
pub fn straight_rgba(argb: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(argb.len() * 4);
    for px in argb {
        let a = (px >> 24) as u8;
        let unmultiply = |c: u32| -> u8 {
            let c = (c & 0xff) as u16;
            if a == 0 {
                0
            } else {
                (c * 255 / u16::from(a)).min(255) as u8
            }
        };
        out.extend([
            unmultiply(px >> 16),
            unmultiply(px >> 8),
            unmultiply(*px),
            a,
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premultiplied_pixels_become_straight() {
        assert_eq!(
            straight_rgba(&[0xff10_2030, 0x8040_0000, 0x0000_0000]),
            vec![0x10, 0x20, 0x30, 0xff, 0x7f, 0, 0, 0x80, 0, 0, 0, 0]
        );
    }
}
