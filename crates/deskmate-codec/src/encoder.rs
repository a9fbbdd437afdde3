//! The encoder: finds changed tiles and codes each in its cheapest lossless form.

use crate::frame::{Frame, Rect};
use crate::wire::{FLAG_KEYFRAME, Kind, VERSION, index_bits, packed_row_len};
use xxhash_rust::xxh3::Xxh3;

/// Tile side in pixels.
pub const TILE: u32 = 64;
/// zstd level: fastest; text compresses well even so.
const ZSTD_LEVEL: i32 = 1;

/// Statistics of the last update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tiles looked at.
    pub tiles_checked: u32,
    /// Tiles sent.
    pub tiles_sent: u32,
    /// Bytes of the update.
    pub bytes: usize,
}

/// Encodes successive frames of one screen into updates.
pub struct Encoder {
    width: u32,
    height: u32,
    hashes: Vec<u64>,
    seq: u32,
    keyframe_due: bool,
    scratch: Vec<u32>,
    /// Figures for the last call.
    pub stats: Stats,
}

impl Encoder {
    /// An encoder whose first update will be a keyframe.
    pub fn new() -> Self {
        Self {
            width: 0,
            height: 0,
            hashes: Vec::new(),
            seq: 0,
            keyframe_due: true,
            scratch: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// Makes the next update a keyframe (a viewer joined or asked for one).
    pub fn request_keyframe(&mut self) {
        self.keyframe_due = true;
    }

    fn tile_rect(&self, tx: u32, ty: u32) -> Rect {
        let x = tx * TILE;
        let y = ty * TILE;
        Rect {
            x,
            y,
            w: TILE.min(self.width - x),
            h: TILE.min(self.height - y),
        }
    }

    /// Encodes what changed in `frame`. `dirty` limits the search to these
    /// regions (from XDamage); `None` checks every tile. Returns `None` when
    /// nothing changed.
    pub fn encode(&mut self, frame: &Frame, dirty: Option<&[Rect]>) -> Option<Vec<u8>> {
        if frame.width != self.width || frame.height != self.height {
            self.width = frame.width;
            self.height = frame.height;
            self.keyframe_due = true;
        }
        let cols = self.width.div_ceil(TILE);
        let rows = self.height.div_ceil(TILE);
        let keyframe = std::mem::take(&mut self.keyframe_due);
        if keyframe {
            self.hashes = vec![0; (cols * rows) as usize];
        }
        let mut out = Vec::with_capacity(4096);
        out.push(VERSION);
        out.push(if keyframe { FLAG_KEYFRAME } else { 0 });
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&(self.width as u16).to_le_bytes());
        out.extend_from_slice(&(self.height as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        let mut count: u16 = 0;
        let mut stats = Stats::default();
        for ty in 0..rows {
            for tx in 0..cols {
                let rect = self.tile_rect(tx, ty);
                if !keyframe
                    && let Some(dirty) = dirty
                    && !dirty.iter().any(|d| d.intersects(&rect))
                {
                    continue;
                }
                stats.tiles_checked += 1;
                frame.read_rect(rect, &mut self.scratch);
                let mut hasher = Xxh3::new();
                for p in &self.scratch {
                    hasher.update(&p.to_le_bytes());
                }
                let hash = hasher.digest() | 1; // never 0, the "unknown" value
                let slot = (ty * cols + tx) as usize;
                if !keyframe && self.hashes[slot] == hash {
                    continue;
                }
                self.hashes[slot] = hash;
                let pixels = std::mem::take(&mut self.scratch);
                encode_rect(&mut out, rect, &pixels);
                self.scratch = pixels;
                count += 1;
                stats.tiles_sent += 1;
            }
        }
        self.stats = stats;
        if count == 0 && !keyframe {
            return None;
        }
        out[10..12].copy_from_slice(&count.to_le_bytes());
        self.stats.bytes = out.len();
        self.seq = self.seq.wrapping_add(1);
        Some(out)
    }
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

fn rect_header(out: &mut Vec<u8>, rect: Rect, kind: Kind, len: usize) {
    for v in [rect.x, rect.y, rect.w, rect.h] {
        out.extend_from_slice(&(v as u16).to_le_bytes());
    }
    out.push(kind as u8);
    out.extend_from_slice(&(len as u32).to_le_bytes());
}

fn rgb(p: u32) -> [u8; 3] {
    [(p >> 16) as u8, (p >> 8) as u8, p as u8]
}

/// Appends one rectangle of `pixels` in its cheapest form.
pub fn encode_rect(out: &mut Vec<u8>, rect: Rect, pixels: &[u32]) {
    let mut palette: Vec<u32> = Vec::with_capacity(17);
    for &p in pixels {
        if !palette.contains(&p) {
            palette.push(p);
            if palette.len() > 16 {
                break;
            }
        }
    }
    if palette.len() == 1 {
        rect_header(out, rect, Kind::Solid, 3);
        out.extend_from_slice(&rgb(palette[0]));
        return;
    }
    if palette.len() <= 16 {
        let bits = index_bits(palette.len());
        let row_len = packed_row_len(rect.w, bits);
        let mut packed = vec![0u8; row_len * rect.h as usize];
        for (i, &p) in pixels.iter().enumerate() {
            let (x, y) = (i % rect.w as usize, i / rect.w as usize);
            let index = palette.iter().position(|&c| c == p).unwrap_or(0) as u8;
            let bit = x * bits as usize;
            packed[y * row_len + bit / 8] |= index << (8 - bits as usize - bit % 8);
        }
        let compressed = zstd::bulk::compress(&packed, ZSTD_LEVEL).unwrap_or_default();
        rect_header(
            out,
            rect,
            Kind::Palette,
            1 + palette.len() * 3 + compressed.len(),
        );
        out.push(palette.len() as u8);
        for &c in &palette {
            out.extend_from_slice(&rgb(c));
        }
        out.extend_from_slice(&compressed);
        return;
    }
    let raw: Vec<u8> = pixels.iter().flat_map(|&p| rgb(p)).collect();
    let compressed = zstd::bulk::compress(&raw, ZSTD_LEVEL).unwrap_or_default();
    rect_header(out, rect, Kind::Zstd, compressed.len());
    out.extend_from_slice(&compressed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_screen_costs_nothing() {
        let frame = Frame::new(300, 200);
        let mut encoder = Encoder::new();
        assert!(
            encoder.encode(&frame, None).is_some(),
            "first update is a keyframe"
        );
        assert_eq!(encoder.encode(&frame, None), None);
        assert_eq!(encoder.encode(&frame, Some(&[])), None);
    }

    #[test]
    fn one_changed_pixel_sends_one_small_tile() {
        let mut frame = Frame::new(1920, 1080);
        let mut encoder = Encoder::new();
        encoder.encode(&frame, None);
        frame.pixels[500 * 1920 + 700] = 0x00ff_ffff;
        let update = encoder.encode(&frame, None).expect("changed");
        assert_eq!(encoder.stats.tiles_sent, 1);
        assert!(update.len() < 100, "{} bytes", update.len());
    }
}
