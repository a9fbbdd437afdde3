//! The decoder: applies updates to the viewer's copy of the screen.

use crate::frame::{Frame, Rect};
use crate::video::{VIDEO_FLAG_KEYFRAME, VideoCodec, VideoRect};
use crate::wire::{
    FLAG_KEYFRAME, HEADER_LEN, Kind, MAX_PIXELS, MAX_SIDE, VERSION, index_bits, packed_row_len,
};

/// Why an update was rejected. The screen is left as it was before the update.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than its headers say.
    #[error("update truncated at byte {0}")]
    Truncated(usize),
    /// Another format version.
    #[error("unsupported update version {0}")]
    Version(u8),
    /// A size change outside a keyframe, or an absurd size.
    #[error("bad screen size {0}x{1}")]
    Size(u32, u32),
    /// A rectangle outside the screen.
    #[error("rectangle {0:?} lies outside the screen")]
    OutOfBounds(Rect),
    /// Unknown rectangle kind.
    #[error("unknown rectangle kind {0}")]
    Kind(u8),
    /// A payload that does not match its rectangle.
    #[error("bad payload for {0:?}: {1}")]
    Payload(Rect, &'static str),
    /// An update arrived before any keyframe.
    #[error("no keyframe received yet")]
    NoKeyframe,
    /// Bytes left after the last rectangle.
    #[error("{0} unexpected bytes after the last rectangle")]
    Trailing(usize),
    /// A video picture that does not continue the stream before it (no
    /// keyframe yet, or another rectangle): ask for a keyframe.
    #[error("video picture for {0:?} without its stream's keyframe")]
    VideoStream(Rect),
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(DecodeError::Truncated(self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Largest zstd window a stream may ask for: more than any rectangle of the
/// largest screen needs, and a bound on what a hostile stream can allocate.
const MAX_ZSTD_WINDOW: u64 = 16 * 1024 * 1024;

/// One zstd decoder kept for the whole stream: its buffers are allocated once
/// instead of for every tile.
struct Zstd(ruzstd::decoding::FrameDecoder);

impl Default for Zstd {
    fn default() -> Self {
        let mut inner = ruzstd::decoding::FrameDecoder::new();
        inner.set_max_window_size(MAX_ZSTD_WINDOW);
        Zstd(inner)
    }
}

impl std::fmt::Debug for Zstd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Zstd")
    }
}

impl Zstd {
    /// Decompresses exactly `expected` bytes (more or fewer is an error).
    fn unpack(&mut self, data: &[u8], expected: usize, rect: Rect) -> Result<Vec<u8>, DecodeError> {
        let mut out = vec![0u8; expected];
        let written = self
            .0
            .decode_all(data, &mut out)
            .map_err(|_| DecodeError::Payload(rect, "corrupt zstd data"))?;
        if written != expected {
            return Err(DecodeError::Payload(rect, "wrong decompressed size"));
        }
        Ok(out)
    }
}

fn colour(b: &[u8]) -> u32 {
    (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2])
}

/// One checked, decoded rectangle waiting to be applied.
enum Op {
    Solid(u32),
    Pixels(Vec<u32>),
    Copy(Rect),
}

/// The viewer's copy of one screen.
#[derive(Debug, Default)]
pub struct Decoder {
    frame: Option<Frame>,
    zstd: Zstd,
    /// The open video stream's rectangle and codec.
    stream: Option<(Rect, VideoCodec)>,
    /// Video pictures of the last update, for the caller to decode and draw.
    video: Vec<VideoRect>,
}

impl Decoder {
    /// A decoder waiting for its first keyframe.
    pub fn new() -> Self {
        Self::default()
    }

    /// The screen as decoded so far.
    pub fn frame(&self) -> Option<&Frame> {
        self.frame.as_ref()
    }

    /// Video pictures of the last successful update, in order; they belong
    /// on top of its lossless rectangles. This decoder does not decode
    /// video: the caller does, and the picture here keeps the pixels that
    /// were under the rectangle until lossless tiles repaint it.
    pub fn video(&self) -> &[VideoRect] {
        &self.video
    }

    /// Applies an update; returns the rectangles that changed (video
    /// rectangles are in [`Decoder::video`], not here). The whole update is
    /// checked and decoded before any pixel changes, so on error the screen
    /// (and the video stream) is exactly as before.
    pub fn apply(&mut self, bytes: &[u8]) -> Result<Vec<Rect>, DecodeError> {
        let mut r = Reader { bytes, at: 0 };
        let version = r.u8()?;
        if version != VERSION {
            return Err(DecodeError::Version(version));
        }
        let flags = r.u8()?;
        let _seq = r.u32()?;
        let width = u32::from(r.u16()?);
        let height = u32::from(r.u16()?);
        let count = r.u16()?;
        debug_assert_eq!(r.at, HEADER_LEN);
        let keyframe = flags & FLAG_KEYFRAME != 0;
        if width == 0
            || height == 0
            || width > MAX_SIDE
            || height > MAX_SIDE
            || width * height > MAX_PIXELS
        {
            return Err(DecodeError::Size(width, height));
        }
        match (&self.frame, keyframe) {
            (Some(f), false) if f.width == width && f.height == height => {}
            (Some(_), false) => return Err(DecodeError::Size(width, height)),
            (None, false) => return Err(DecodeError::NoKeyframe),
            (_, true) => {}
        }
        // 1. Check and decode everything.
        let mut ops = Vec::with_capacity(usize::from(count));
        let mut video = Vec::new();
        let mut stream = if keyframe { None } else { self.stream };
        for _ in 0..count {
            let rect = Rect {
                x: u32::from(r.u16()?),
                y: u32::from(r.u16()?),
                w: u32::from(r.u16()?),
                h: u32::from(r.u16()?),
            };
            let kind_byte = r.u8()?;
            let len = r.u32()? as usize;
            let payload = r.take(len)?;
            if !rect.fits(width, height) {
                return Err(DecodeError::OutOfBounds(rect));
            }
            let kind = Kind::from_byte(kind_byte).ok_or(DecodeError::Kind(kind_byte))?;
            let area = rect.w as usize * rect.h as usize;
            let op = match kind {
                Kind::Solid => {
                    if payload.len() != 3 {
                        return Err(DecodeError::Payload(rect, "solid needs 3 bytes"));
                    }
                    Op::Solid(colour(payload))
                }
                Kind::Palette => {
                    let n = usize::from(
                        *payload
                            .first()
                            .ok_or(DecodeError::Payload(rect, "empty palette"))?,
                    );
                    if !(2..=16).contains(&n) || payload.len() < 1 + n * 3 {
                        return Err(DecodeError::Payload(rect, "bad palette"));
                    }
                    let colours: Vec<u32> =
                        payload[1..1 + n * 3].chunks_exact(3).map(colour).collect();
                    let bits = index_bits(n);
                    let row_len = packed_row_len(rect.w, bits);
                    let packed =
                        self.zstd
                            .unpack(&payload[1 + n * 3..], row_len * rect.h as usize, rect)?;
                    let mask = (1u8 << bits) - 1;
                    let mut pixels = Vec::with_capacity(area);
                    for y in 0..rect.h as usize {
                        let row = &packed[y * row_len..(y + 1) * row_len];
                        for x in 0..rect.w as usize {
                            let bit = x * bits as usize;
                            let index = (row[bit / 8] >> (8 - bits as usize - bit % 8)) & mask;
                            pixels.push(
                                *colours
                                    .get(usize::from(index))
                                    .ok_or(DecodeError::Payload(rect, "index beyond palette"))?,
                            );
                        }
                    }
                    Op::Pixels(pixels)
                }
                Kind::Zstd => {
                    let raw = self.zstd.unpack(payload, area * 3, rect)?;
                    Op::Pixels(raw.chunks_exact(3).map(colour).collect())
                }
                Kind::Copy => {
                    if payload.len() != 4 {
                        return Err(DecodeError::Payload(rect, "copy needs 4 bytes"));
                    }
                    let src = Rect {
                        x: u32::from(u16::from_le_bytes([payload[0], payload[1]])),
                        y: u32::from(u16::from_le_bytes([payload[2], payload[3]])),
                        w: rect.w,
                        h: rect.h,
                    };
                    if !src.fits(width, height) {
                        return Err(DecodeError::OutOfBounds(src));
                    }
                    Op::Copy(src)
                }
                Kind::Video => {
                    let [codec, flags, data @ ..] = payload else {
                        return Err(DecodeError::Payload(rect, "video needs codec and flags"));
                    };
                    let codec = VideoCodec::from_byte(*codec)
                        .ok_or(DecodeError::Payload(rect, "unknown video codec"))?;
                    if flags & !VIDEO_FLAG_KEYFRAME != 0 {
                        return Err(DecodeError::Payload(rect, "unknown video flags"));
                    }
                    if data.is_empty() {
                        return Err(DecodeError::Payload(rect, "empty video picture"));
                    }
                    let key = flags & VIDEO_FLAG_KEYFRAME != 0;
                    if !key && stream != Some((rect, codec)) {
                        return Err(DecodeError::VideoStream(rect));
                    }
                    stream = Some((rect, codec));
                    video.push(VideoRect {
                        rect,
                        codec,
                        keyframe: key,
                        data: data.to_vec(),
                    });
                    continue;
                }
            };
            ops.push((rect, op));
        }
        if r.at != bytes.len() {
            return Err(DecodeError::Trailing(bytes.len() - r.at));
        }
        // 2. Apply, in order.
        self.stream = stream;
        self.video = video;
        if keyframe || self.frame.is_none() {
            self.frame = Some(Frame::new(width, height));
        }
        let Some(frame) = self.frame.as_mut() else {
            return Err(DecodeError::NoKeyframe);
        };
        let stride = width as usize;
        let mut changed = Vec::with_capacity(ops.len());
        let mut scratch = Vec::new();
        for (rect, op) in ops {
            let w = rect.w as usize;
            match op {
                Op::Solid(c) => {
                    for y in rect.y..rect.y + rect.h {
                        let start = y as usize * stride + rect.x as usize;
                        frame.pixels[start..start + w].fill(c);
                    }
                }
                Op::Pixels(pixels) => {
                    for (row, y) in (rect.y..rect.y + rect.h).enumerate() {
                        let start = y as usize * stride + rect.x as usize;
                        frame.pixels[start..start + w]
                            .copy_from_slice(&pixels[row * w..(row + 1) * w]);
                    }
                }
                Op::Copy(src) => {
                    frame.read_rect(src, &mut scratch);
                    for (row, y) in (rect.y..rect.y + rect.h).enumerate() {
                        let start = y as usize * stride + rect.x as usize;
                        frame.pixels[start..start + w]
                            .copy_from_slice(&scratch[row * w..(row + 1) * w]);
                    }
                }
            }
            changed.push(rect);
        }
        Ok(changed)
    }
}
