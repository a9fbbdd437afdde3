//! The encoder: finds changed tiles and codes each in its cheapest lossless
//! form; regions in steady motion go as video (see `video_track`).

use crate::frame::{Frame, Rect};
use crate::motion::contains;
use crate::video_encoder::VideoEncoderFactory;
use crate::video_track::VideoTrack;
use crate::wire::{FLAG_KEYFRAME, Kind, VERSION, index_bits, packed_row_len};
use std::time::Instant;
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
    /// Whether it carries a video picture.
    pub video: bool,
}

/// Encodes successive frames of one screen into updates.
///
/// The encoder keeps a mirror of what the viewer shows, so every tile is
/// compared with what is really on the other side, and a detected scroll
/// is sent as a copy within the viewer's own pixels.
pub struct Encoder {
    mirror: Option<Frame>,
    seq: u32,
    keyframe_due: bool,
    scratch: Vec<u32>,
    video: VideoTrack,
    /// Figures for the last call.
    pub stats: Stats,
}

/// A tile whose lossless form takes more than this many bits per pixel is
/// costly: if it keeps changing, it is worth sending as video.
const COSTLY_BITS_PER_PIXEL: usize = 3;

impl Encoder {
    /// An encoder whose first update will be a keyframe, with video
    /// rectangles for motion when the crate is built with a video codec.
    pub fn new() -> Self {
        #[cfg(feature = "video")]
        let factory = Some(crate::h264::OpenH264::factory());
        #[cfg(not(feature = "video"))]
        let factory = None;
        Self::with_video(factory)
    }

    /// An encoder that sends motion as video through `factory`, or only
    /// lossless tiles with `None`.
    pub fn with_video(factory: Option<VideoEncoderFactory>) -> Self {
        Self {
            mirror: None,
            seq: 0,
            keyframe_due: true,
            scratch: Vec::new(),
            video: VideoTrack::new(factory),
            stats: Stats::default(),
        }
    }

    /// Makes the next update a keyframe (a viewer joined or asked for one).
    pub fn request_keyframe(&mut self) {
        self.keyframe_due = true;
    }

    /// When [`Encoder::encode`] must be called again even if the screen
    /// does not change (with the last frame and no dirty regions): a video
    /// rectangle that went quiet is then made lossless again.
    pub fn wake_at(&self) -> Option<Instant> {
        self.video.wake_at()
    }

    /// The last video encoder failure (video then pauses; tiles go lossless).
    pub fn video_error(&self) -> Option<&str> {
        self.video.last_error.as_deref()
    }

    /// Encodes what changed in `frame`. `dirty` limits the search to these
    /// regions (from XDamage); `None` checks every tile. Returns `None` when
    /// nothing changed.
    pub fn encode(&mut self, frame: &Frame, dirty: Option<&[Rect]>) -> Option<Vec<u8>> {
        self.encode_at(frame, dirty, Instant::now())
    }

    /// [`Encoder::encode`] at a given time (motion and quiet are timed).
    pub fn encode_at(
        &mut self,
        frame: &Frame,
        dirty: Option<&[Rect]>,
        now: Instant,
    ) -> Option<Vec<u8>> {
        let resized = self
            .mirror
            .as_ref()
            .is_none_or(|m| m.width != frame.width || m.height != frame.height);
        let keyframe = std::mem::take(&mut self.keyframe_due) || resized;
        if resized {
            self.video.resize(frame.width, frame.height);
        }
        if keyframe {
            self.video.keyframe();
        }
        let still = self
            .video
            .quiet_rect(now)
            .is_some_and(|r| !resized && self.mirror.as_ref().is_some_and(|m| frame.same_in(m, r)));
        let refresh = self.video.begin(now, still);
        let video_rect = self.video.active();
        let mut video_changed = false;
        let (width, height) = (frame.width, frame.height);
        let mut out = Vec::with_capacity(4096);
        out.push(VERSION);
        out.push(if keyframe { FLAG_KEYFRAME } else { 0 });
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&(width as u16).to_le_bytes());
        out.extend_from_slice(&(height as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        let mut count: u16 = 0;
        let mut stats = Stats::default();
        let mut mirror = match (keyframe, self.mirror.take()) {
            (false, Some(m)) => m,
            _ => Frame::new(width, height),
        };
        let everything = [Rect {
            x: 0,
            y: 0,
            w: width,
            h: height,
        }];
        let dirty: &[Rect] = if keyframe {
            &everything
        } else {
            dirty.unwrap_or(&everything)
        };
        if !keyframe
            && !self.video.busy()
            && let Some(region) = bounding_box(dirty)
            && let Some((dest, src_y)) = detect_vertical_scroll(&mirror, frame, region)
        {
            rect_header(&mut out, dest, Kind::Copy, 4);
            out.extend_from_slice(&(dest.x as u16).to_le_bytes());
            out.extend_from_slice(&(src_y as u16).to_le_bytes());
            apply_copy(&mut mirror, dest, src_y);
            count += 1;
        }
        for ty in 0..height.div_ceil(TILE) {
            for tx in 0..width.div_ceil(TILE) {
                let (x, y) = (tx * TILE, ty * TILE);
                let rect = Rect {
                    x,
                    y,
                    w: TILE.min(width - x),
                    h: TILE.min(height - y),
                };
                let forced = refresh.is_some_and(|r| r.intersects(&rect));
                if !forced && !dirty.iter().any(|d| d.intersects(&rect)) {
                    continue;
                }
                stats.tiles_checked += 1;
                let changed = keyframe || !frame.same_in(&mirror, rect);
                if !changed && !forced {
                    continue;
                }
                if video_rect.is_some_and(|v| contains(v, rect)) {
                    // Sent as part of the video picture; the mirror follows the screen.
                    self.video.detector.mark(x, y);
                    video_changed = true;
                    for row in rect.y..rect.y + rect.h {
                        let start = row as usize * width as usize + rect.x as usize;
                        let end = start + rect.w as usize;
                        mirror.pixels[start..end].copy_from_slice(&frame.pixels[start..end]);
                    }
                    continue;
                }
                frame.read_rect(rect, &mut self.scratch);
                let before = out.len();
                encode_rect(&mut out, rect, &self.scratch);
                let area = rect.w as usize * rect.h as usize;
                if changed && (out.len() - before) * 8 > area * COSTLY_BITS_PER_PIXEL {
                    self.video.detector.mark(x, y);
                }
                count += 1;
                stats.tiles_sent += 1;
                for row in 0..rect.h {
                    let start = (rect.y + row) as usize * width as usize + rect.x as usize;
                    mirror.pixels[start..start + rect.w as usize].copy_from_slice(
                        &self.scratch[(row * rect.w) as usize..((row + 1) * rect.w) as usize],
                    );
                }
            }
        }
        if self.video.finish(frame, video_changed, now, &mut out) {
            count += 1;
            stats.video = true;
        }
        self.mirror = Some(mirror);
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

fn bounding_box(rects: &[Rect]) -> Option<Rect> {
    let x0 = rects.iter().map(|r| r.x).min()?;
    let y0 = rects.iter().map(|r| r.y).min()?;
    let x1 = rects.iter().map(|r| r.x + r.w).max()?;
    let y1 = rects.iter().map(|r| r.y + r.h).max()?;
    Some(Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    })
}

fn row_hashes(frame: &Frame, region: Rect) -> Vec<u64> {
    (region.y..region.y + region.h)
        .map(|y| {
            let start = y as usize * frame.width as usize + region.x as usize;
            let row = &frame.pixels[start..start + region.w as usize];
            let mut hasher = Xxh3::new();
            for p in row {
                hasher.update(&p.to_le_bytes());
            }
            hasher.digest()
        })
        .collect()
}

/// Finds content of `region` that moved vertically between `before` and
/// `after` (scrolling). Returns the destination rectangle and the source row.
fn detect_vertical_scroll(before: &Frame, after: &Frame, region: Rect) -> Option<(Rect, u32)> {
    if region.h < 32
        || region.w < 32
        || region.x + region.w > before.width
        || region.y + region.h > before.height
    {
        return None;
    }
    let old = row_hashes(before, region);
    let new = row_hashes(after, region);
    // Rows that occur once in the old picture anchor the vote (blank lines do not).
    let mut seen: std::collections::HashMap<u64, Option<usize>> =
        std::collections::HashMap::with_capacity(old.len());
    for (i, h) in old.iter().enumerate() {
        seen.entry(*h).and_modify(|v| *v = None).or_insert(Some(i));
    }
    let mut votes: std::collections::HashMap<i64, u32> = std::collections::HashMap::new();
    for (i, h) in new.iter().enumerate() {
        if let Some(Some(j)) = seen.get(h)
            && *j != i
        {
            *votes.entry(i as i64 - *j as i64).or_default() += 1;
        }
    }
    let (&dy, &n) = votes.iter().max_by_key(|(dy, n)| (**n, -(dy.abs())))?;
    if n < 8 {
        return None;
    }
    // The longest run of rows that match with this shift.
    let (mut best, mut run_start) = ((0usize, 0usize), None);
    for (i, row) in new.iter().enumerate() {
        let j = i as i64 - dy;
        // Rows equal before and after (blank lines between text) still
        // belong to the run: copying them is right and keeps it whole.
        let matches = usize::try_from(j)
            .ok()
            .and_then(|j| old.get(j))
            .is_some_and(|o| o == row);
        match (matches, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                if i - s > best.1 - best.0 {
                    best = (s, i);
                }
                run_start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = run_start
        && new.len() - s > best.1 - best.0
    {
        best = (s, new.len());
    }
    let len = best.1 - best.0;
    if len < 16 {
        return None;
    }
    let dest = Rect {
        x: region.x,
        y: region.y + best.0 as u32,
        w: region.w,
        h: len as u32,
    };
    let src_y = (i64::from(dest.y) - dy) as u32;
    Some((dest, src_y))
}

/// What the viewer does with a copy rectangle, done to the mirror.
fn apply_copy(mirror: &mut Frame, dest: Rect, src_y: u32) {
    let width = mirror.width as usize;
    let rows: Vec<u32> = (0..dest.h)
        .flat_map(|r| {
            let start = (src_y + r) as usize * width + dest.x as usize;
            mirror.pixels[start..start + dest.w as usize].to_vec()
        })
        .collect();
    for r in 0..dest.h as usize {
        let start = (dest.y as usize + r) * width + dest.x as usize;
        mirror.pixels[start..start + dest.w as usize]
            .copy_from_slice(&rows[r * dest.w as usize..(r + 1) * dest.w as usize]);
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
    fn scrolling_is_sent_as_a_copy() {
        let (w, h) = (640u32, 480u32);
        let mut screen = Frame::new(w, h);
        let mut seed = 1u32;
        let mut line = |screen: &mut Frame, y: u32| {
            for x in 0..w {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                screen.pixels[(y * w + x) as usize] = if (seed >> 16).is_multiple_of(7) {
                    0
                } else {
                    0x00ff_ffff
                };
            }
        };
        for y in 0..h {
            line(&mut screen, y);
        }
        let mut encoder = Encoder::new();
        encoder.encode(&screen, None);
        // Scroll up by 37 rows; new text appears at the bottom.
        let shift = 37;
        screen.pixels.copy_within((shift * w) as usize.., 0);
        for y in h - shift..h {
            line(&mut screen, y);
        }
        let update = encoder.encode(&screen, None).expect("changed");
        let mut plain = Encoder::new();
        plain.encode(&Frame::new(w, h), None);
        let without = plain.encode(&screen, None).expect("changed").len();
        assert!(
            update.len() * 4 < without,
            "scroll costs {} bytes, repainting {without}",
            update.len()
        );
        assert_eq!(
            update[12 + 8],
            Kind::Copy as u8,
            "the first rectangle is the copy"
        );
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
