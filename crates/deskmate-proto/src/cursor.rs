//! The sharer's mouse cursor, sent apart from the screen so it moves
//! smoothly and the viewer draws it (payload of
//! [`crate::frame::Channel::Cursor`] frames).
//!
//! ```text
//! position = 0:u8 x:i32 y:i32                       (little-endian)
//! shape    = 1:u8 w:u16 h:u16 xhot:u16 yhot:u16 argb:u32*w*h
//! ```

/// Largest cursor side accepted.
pub const MAX_CURSOR_SIDE: u16 = 256;

/// A cursor update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorUpdate {
    /// The cursor's hot spot moved to (x, y).
    Position {
        /// Column.
        x: i32,
        /// Row.
        y: i32,
    },
    /// The cursor changed shape.
    Shape {
        /// Width.
        width: u16,
        /// Height.
        height: u16,
        /// Hot spot column within the image.
        hot_x: u16,
        /// Hot spot row.
        hot_y: u16,
        /// Premultiplied ARGB pixels, row-major.
        argb: Vec<u32>,
    },
}

/// Why a cursor payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Wrong length, kind or sizes.
    #[error("malformed cursor update: {0}")]
    Malformed(&'static str),
}

impl CursorUpdate {
    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            CursorUpdate::Position { x, y } => {
                let mut out = vec![0u8];
                out.extend_from_slice(&x.to_le_bytes());
                out.extend_from_slice(&y.to_le_bytes());
                out
            }
            CursorUpdate::Shape {
                width,
                height,
                hot_x,
                hot_y,
                argb,
            } => {
                let mut out = Vec::with_capacity(9 + argb.len() * 4);
                out.push(1);
                for v in [width, height, hot_x, hot_y] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
                for p in argb {
                    out.extend_from_slice(&p.to_le_bytes());
                }
                out
            }
        }
    }

    /// Parses a payload, checking every size.
    pub fn decode(bytes: &[u8]) -> Result<Self, CursorError> {
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        match bytes.first() {
            Some(0) if bytes.len() == 9 => Ok(CursorUpdate::Position {
                x: i32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]),
                y: i32::from_le_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]),
            }),
            Some(1) if bytes.len() >= 9 => {
                let (width, height, hot_x, hot_y) = (u16_at(1), u16_at(3), u16_at(5), u16_at(7));
                if width == 0 || height == 0 || width > MAX_CURSOR_SIDE || height > MAX_CURSOR_SIDE
                {
                    return Err(CursorError::Malformed("cursor size out of range"));
                }
                if hot_x >= width || hot_y >= height {
                    return Err(CursorError::Malformed("hot spot outside the cursor"));
                }
                let pixels = usize::from(width) * usize::from(height);
                if bytes.len() != 9 + pixels * 4 {
                    return Err(CursorError::Malformed("pixel data does not match the size"));
                }
                let argb = bytes[9..]
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                Ok(CursorUpdate::Shape {
                    width,
                    height,
                    hot_x,
                    hot_y,
                    argb,
                })
            }
            _ => Err(CursorError::Malformed("unknown kind or wrong length")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trips() {
        for update in [
            CursorUpdate::Position { x: -3, y: 1080 },
            CursorUpdate::Shape {
                width: 2,
                height: 1,
                hot_x: 1,
                hot_y: 0,
                argb: vec![0xff00_0000, 0x80ff_ffff],
            },
        ] {
            assert_eq!(CursorUpdate::decode(&update.encode()), Ok(update));
        }
    }

    #[test]
    fn refuses_inconsistent_sizes() {
        let mut shape = CursorUpdate::Shape {
            width: 2,
            height: 2,
            hot_x: 0,
            hot_y: 0,
            argb: vec![0; 4],
        }
        .encode();
        shape.pop();
        assert!(CursorUpdate::decode(&shape).is_err());
        assert!(
            CursorUpdate::decode(
                &CursorUpdate::Shape {
                    width: 2,
                    height: 2,
                    hot_x: 2,
                    hot_y: 0,
                    argb: vec![0; 4]
                }
                .encode()
            )
            .is_err()
        );
        assert!(CursorUpdate::decode(&[1, 0, 2, 0, 2]).is_err());
        assert!(CursorUpdate::decode(&[]).is_err());
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = CursorUpdate::decode(&bytes);
        }
    }
}
