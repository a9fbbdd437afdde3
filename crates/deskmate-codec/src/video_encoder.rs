//! The seam between the screen encoder and a video codec: a small trait a
//! codec implements (OpenH264 today, another tomorrow), and the conversion
//! of a screen rectangle into the 4:2:0 picture video encoders take.

use crate::frame::{Frame, Rect};
use crate::video::{VideoCodec, coded_size};

/// Why a video encoder failed. The screen encoder then sends the region
/// losslessly; a session never ends because of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VideoError {
    /// The encoder could not be set up for this size.
    #[error("the video encoder could not start at {0}x{1}: {2}")]
    Start(u32, u32, String),
    /// One picture could not be encoded.
    #[error("video encoding failed: {0}")]
    Encode(String),
}

/// One encoded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPicture {
    /// The bitstream (Annex B for H.264).
    pub data: Vec<u8>,
    /// Whether it starts a new stream (decodable on its own).
    pub keyframe: bool,
}

/// A video encoder for one stream of pictures of a fixed coded size.
pub trait VideoEncoder: Send {
    /// The codec the bitstream is in.
    fn codec(&self) -> VideoCodec;
    /// Encodes the next picture; `keyframe` forces one that starts a new stream.
    fn encode(&mut self, picture: &I420, keyframe: bool) -> Result<EncodedPicture, VideoError>;
}

/// Makes an encoder for a coded size (multiples of 16).
pub type VideoEncoderFactory =
    Box<dyn Fn(u32, u32) -> Result<Box<dyn VideoEncoder>, VideoError> + Send>;

/// A planar YUV 4:2:0 picture, BT.709 limited range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct I420 {
    /// Width of the luma plane (even).
    pub width: u32,
    /// Height of the luma plane (even).
    pub height: u32,
    /// Luma, `width * height` bytes.
    pub y: Vec<u8>,
    /// Blue-difference chroma, a quarter of that.
    pub u: Vec<u8>,
    /// Red-difference chroma.
    pub v: Vec<u8>,
}

#[inline]
fn luma(p: u32) -> u32 {
    let (r, g, b) = ((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff);
    // BT.709, studio swing: 16 + 219/255 · (0.2126 R + 0.7152 G + 0.0722 B).
    (47 * r + 157 * g + 16 * b + 128) / 256 + 16
}

impl I420 {
    /// Fills the picture from `rect` of `frame`, at the coded size of the
    /// rectangle; columns and rows past its edge repeat the last ones.
    pub fn fill(&mut self, frame: &Frame, rect: Rect) {
        let (cw, ch) = coded_size(rect.w, rect.h);
        self.width = cw;
        self.height = ch;
        let (cw, ch) = (cw as usize, ch as usize);
        self.y.resize(cw * ch, 0);
        self.u.resize(cw * ch / 4, 0);
        self.v.resize(cw * ch / 4, 0);
        let stride = frame.width as usize;
        let (rx, ry) = (rect.x as usize, rect.y as usize);
        let (rw, rh) = (rect.w as usize, rect.h as usize);
        if rw == 0 || rh == 0 {
            return;
        }
        let row_of = |y: usize| -> &[u32] {
            let start = (ry + y.min(rh - 1)) * stride + rx;
            &frame.pixels[start..start + rw]
        };
        // Whole pairs of columns inside the rectangle; the rest repeats the edge.
        let pairs = rw / 2;
        for cy in 0..ch / 2 {
            let top = row_of(cy * 2);
            let bottom = row_of(cy * 2 + 1);
            let (y0, y1) = self.y[cy * 2 * cw..(cy * 2 + 2) * cw].split_at_mut(cw);
            for (row, out) in [(top, y0), (bottom, y1)] {
                for (o, &p) in out[..rw].iter_mut().zip(row) {
                    *o = luma(p) as u8;
                }
                let last = out[rw - 1];
                out[rw..].fill(last);
            }
            let u = &mut self.u[cy * cw / 2..(cy + 1) * cw / 2];
            let v = &mut self.v[cy * cw / 2..(cy + 1) * cw / 2];
            let quads = top.chunks_exact(2).zip(bottom.chunks_exact(2));
            for ((t, b), (cb, cr)) in quads.zip(u.iter_mut().zip(v.iter_mut())) {
                (*cb, *cr) = chroma([t[0], t[1], b[0], b[1]]);
            }
            if pairs < cw / 2 {
                // An odd width's last column pairs with itself, then the padding repeats it.
                let (cb, cr) = if rw % 2 == 1 {
                    chroma([top[rw - 1], top[rw - 1], bottom[rw - 1], bottom[rw - 1]])
                } else {
                    (u[pairs - 1], v[pairs - 1])
                };
                u[pairs..].fill(cb);
                v[pairs..].fill(cr);
            }
        }
    }
}

/// Cb and Cr of the average of four pixels.
#[inline]
fn chroma(quad: [u32; 4]) -> (u8, u8) {
    let (mut r, mut g, mut b) = (0i32, 0i32, 0i32);
    for p in quad {
        r += ((p >> 16) & 0xff) as i32;
        g += ((p >> 8) & 0xff) as i32;
        b += (p & 0xff) as i32;
    }
    // Sums of four: the coefficients are scaled by 256, the sums by 4.
    let cb = (-26 * r - 86 * g + 112 * b + 512) / 1024 + 128;
    let cr = (112 * r - 102 * g - 10 * b + 512) / 1024 + 128;
    (cb.clamp(16, 240) as u8, cr.clamp(16, 240) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_rectangles_are_padded_to_whole_macroblocks() {
        let mut frame = Frame::new(40, 30);
        frame.pixels.fill(0x00ff_ffff);
        frame.pixels[29 * 40 + 38] = 0;
        let mut picture = I420::default();
        picture.fill(
            &frame,
            Rect {
                x: 3,
                y: 5,
                w: 37,
                h: 25,
            },
        );
        assert_eq!((picture.width, picture.height), (48, 32));
        assert_eq!(picture.y.len(), 48 * 32);
        assert_eq!(picture.u.len(), 24 * 16);
        assert_eq!(picture.y[0], 235, "white");
        // The black pixel at (35, 24) of the rectangle repeats down the padding rows.
        assert_eq!(picture.y[24 * 48 + 35], 16);
        assert_eq!(picture.y[31 * 48 + 35], 16);
        assert_eq!(picture.u[0], 128, "grey has no colour");
    }
}
