//! The update format, byte by byte (all integers little-endian).
//!
//! ```text
//! update  = version:u8 flags:u8 seq:u32 width:u16 height:u16 count:u16 rect*count
//! rect    = x:u16 y:u16 w:u16 h:u16 kind:u8 len:u32 payload[len]
//! kind 0  solid    payload = r g b
//! kind 1  palette  payload = n:u8 (2..=16) colours[n*3] zstd(indices packed 1/2/4 bits, rows byte-aligned)
//! kind 2  zstd     payload = zstd(r g b per pixel, row-major)
//! kind 3  copy     payload = src_x:u16 src_y:u16  (from the viewer's screen as it is at that point)
//! kind 4  video    payload = codec:u8 flags:u8 bitstream[len-2]
//!                  codec 1 = H.264 Annex B; flag bit 0 = keyframe (a new stream starts, coded
//!                  at the rectangle's size rounded up to multiples of 16); the viewer decodes the
//!                  picture and shows its top-left w×h at (x, y)
//! ```
//! Rectangles apply in order; the encoder sends copies first and video last.
//! A video rectangle that is not a keyframe continues the stream of the one
//! before it and must have the same rectangle; a screen keyframe ends any stream.
//! Flag bit 0 marks a keyframe: it covers the whole screen and may change its size.

/// Format version.
pub const VERSION: u8 = 1;
/// Header bytes before the rectangles.
pub const HEADER_LEN: usize = 12;
/// Keyframe flag.
pub const FLAG_KEYFRAME: u8 = 1;
/// Largest screen side accepted.
pub const MAX_SIDE: u32 = 8_192;
/// Most pixels accepted (a little over 8K UHD), bounding what a hostile
/// keyframe can make a viewer allocate (about 150 MB).
pub const MAX_PIXELS: u32 = 7_680 * 4_800;

/// How a rectangle is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One colour.
    Solid = 0,
    /// Up to 16 colours.
    Palette = 1,
    /// Compressed RGB.
    Zstd = 2,
    /// Copy from elsewhere on screen.
    Copy = 3,
    /// A picture of a video stream.
    Video = 4,
}

impl Kind {
    /// From the wire byte.
    pub fn from_byte(b: u8) -> Option<Kind> {
        match b {
            0 => Some(Kind::Solid),
            1 => Some(Kind::Palette),
            2 => Some(Kind::Zstd),
            3 => Some(Kind::Copy),
            4 => Some(Kind::Video),
            _ => None,
        }
    }
}

/// Bits per palette index for `n` colours.
pub fn index_bits(n: usize) -> u32 {
    match n {
        0..=2 => 1,
        3..=4 => 2,
        _ => 4,
    }
}

/// Bytes of one packed row of `w` indices.
pub fn packed_row_len(w: u32, bits: u32) -> usize {
    (w as usize * bits as usize).div_ceil(8)
}

/// The sequence number in an update's header (what the viewer acknowledges),
/// or `None` if the bytes are too short to hold a header.
pub fn update_sequence(update: &[u8]) -> Option<u32> {
    let b = update.get(2..6)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
