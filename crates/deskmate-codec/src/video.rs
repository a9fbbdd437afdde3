//! Video rectangles, the part both ends share. A region in steady motion
//! (a playing video, a window being dragged) travels as a compressed video
//! stream instead of lossless tiles; the viewer hands the bitstream to its
//! own video decoder (WebCodecs in the browser) and draws the picture at the
//! rectangle. Once the motion stops the encoder repaints the rectangle with
//! lossless tiles, so the viewer's picture is exact again.
//!
//! This module holds the codec ids, the checked rectangle a decoder passes
//! on, and the codec string a viewer configures its video decoder with.

use crate::frame::Rect;

/// Flag bit of a video rectangle: the bitstream starts a new stream (an
/// H.264 IDR picture with its parameter sets). The viewer (re)configures
/// its decoder for the rectangle's coded size.
pub const VIDEO_FLAG_KEYFRAME: u8 = 1;

/// Video codecs a rectangle may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// H.264 (AVC), Annex B byte stream, 4:2:0, BT.709 limited range.
    H264 = 1,
}

impl VideoCodec {
    /// From the wire byte.
    pub fn from_byte(b: u8) -> Option<VideoCodec> {
        match b {
            1 => Some(VideoCodec::H264),
            _ => None,
        }
    }
}

/// A checked video rectangle from an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoRect {
    /// Where the picture goes; its top-left `w` × `h` pixels are shown.
    pub rect: Rect,
    /// How the bitstream is coded.
    pub codec: VideoCodec,
    /// Whether the bitstream starts a new stream.
    pub keyframe: bool,
    /// The bitstream of one picture.
    pub data: Vec<u8>,
}

/// The size of the coded picture for a rectangle: both sides rounded up to
/// whole 16×16 macroblocks (the extra rows and columns repeat the edge).
pub fn coded_size(w: u32, h: u32) -> (u32, u32) {
    (w.div_ceil(16) * 16, h.div_ceil(16) * 16)
}

/// The WebCodecs codec string (`avc1.PPCCLL`) of the first sequence
/// parameter set in an Annex B H.264 stream, or `None` if there is none.
pub fn avc_codec_string(stream: &[u8]) -> Option<String> {
    let mut i = 0;
    while i + 3 < stream.len() {
        if stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 {
            let nal = stream[i + 3];
            if nal & 0x1f == 7 {
                let sps = stream.get(i + 4..i + 7)?;
                return Some(format!("avc1.{:02X}{:02X}{:02X}", sps[0], sps[1], sps[2]));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codec_string_comes_from_the_sequence_parameter_set() {
        let stream = [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x28, 0x8c, 0, 0, 1, 0x68, 1];
        assert_eq!(avc_codec_string(&stream).as_deref(), Some("avc1.42C028"));
        assert_eq!(avc_codec_string(&[0, 0, 1, 0x65, 1, 2, 3]), None);
        assert_eq!(avc_codec_string(&[0, 0, 1, 0x67, 0x42]), None);
        assert_eq!(avc_codec_string(&[]), None);
    }

    #[test]
    fn coded_sizes_are_whole_macroblocks() {
        assert_eq!(coded_size(1920, 1080), (1920, 1088));
        assert_eq!(coded_size(17, 1), (32, 16));
        assert_eq!(coded_size(64, 64), (64, 64));
    }
}
