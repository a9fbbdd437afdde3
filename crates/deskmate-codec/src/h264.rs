//! H.264 video rectangles through OpenH264 (built from its bundled source),
//! tuned for screen sharing: one slice, no B-frames, low complexity, a
//! bitrate that scales with the rectangle, BT.709 limited range signalled
//! in the stream so browsers convert colours the way the encoder did.

use crate::video::VideoCodec;
use crate::video_encoder::{EncodedPicture, I420, VideoEncoder, VideoEncoderFactory, VideoError};
use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Complexity, Encoder, EncoderConfig, FrameRate, FrameType, RateControlMode, UsageType,
    VuiConfig,
};
use openh264::formats::YUVSource;

/// Bits per second per pixel of the rectangle (1080p: about 10 Mbit/s).
const BITS_PER_PIXEL_SECOND: u64 = 5;
/// The frame rate the rate control plans for.
const FRAME_RATE: f32 = 30.0;

/// An OpenH264 encoder for one coded size.
pub struct OpenH264 {
    inner: Encoder,
}

impl std::fmt::Debug for OpenH264 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenH264")
    }
}

impl OpenH264 {
    /// An encoder for `width` × `height` pictures (multiples of 16).
    pub fn new(width: u32, height: u32) -> Result<Self, VideoError> {
        let start = |e: openh264::Error| VideoError::Start(width, height, e.to_string());
        if width == 0 || height == 0 || !width.is_multiple_of(16) || !height.is_multiple_of(16) {
            return Err(VideoError::Start(
                width,
                height,
                "not whole macroblocks".into(),
            ));
        }
        let bitrate = (u64::from(width) * u64::from(height) * BITS_PER_PIXEL_SECOND)
            .clamp(500_000, 40_000_000) as u32;
        let config = EncoderConfig::new()
            .usage_type(UsageType::CameraVideoRealTime)
            .complexity(Complexity::Low)
            .rate_control_mode(RateControlMode::Bitrate)
            .bitrate(BitRate::from_bps(bitrate))
            .max_frame_rate(FrameRate::from_hz(FRAME_RATE))
            .skip_frames(false)
            .scene_change_detect(false)
            .background_detection(false)
            .adaptive_quantization(false)
            .vui(VuiConfig::bt709());
        let inner = Encoder::with_api_config(OpenH264API::from_source(), config).map_err(start)?;
        Ok(Self { inner })
    }

    /// A factory for the screen encoder.
    pub fn factory() -> VideoEncoderFactory {
        Box::new(|w, h| Ok(Box::new(OpenH264::new(w, h)?) as Box<dyn VideoEncoder>))
    }
}

/// An [`I420`] picture as OpenH264 reads it.
struct Planes<'a>(&'a I420);

impl YUVSource for Planes<'_> {
    fn dimensions(&self) -> (usize, usize) {
        (self.0.width as usize, self.0.height as usize)
    }
    fn strides(&self) -> (usize, usize, usize) {
        let w = self.0.width as usize;
        (w, w / 2, w / 2)
    }
    fn y(&self) -> &[u8] {
        &self.0.y
    }
    fn u(&self) -> &[u8] {
        &self.0.u
    }
    fn v(&self) -> &[u8] {
        &self.0.v
    }
}

impl VideoEncoder for OpenH264 {
    fn codec(&self) -> VideoCodec {
        VideoCodec::H264
    }

    fn encode(&mut self, picture: &I420, keyframe: bool) -> Result<EncodedPicture, VideoError> {
        if picture.y.len() != picture.width as usize * picture.height as usize
            || picture.u.len() * 4 != picture.y.len()
            || picture.v.len() != picture.u.len()
        {
            return Err(VideoError::Encode(
                "picture planes of the wrong size".into(),
            ));
        }
        if keyframe {
            self.inner.force_intra_frame();
        }
        let stream = self
            .inner
            .encode(&Planes(picture))
            .map_err(|e| VideoError::Encode(e.to_string()))?;
        let keyframe = matches!(stream.frame_type(), FrameType::IDR);
        let data = stream.to_vec();
        if data.is_empty() {
            return Err(VideoError::Encode("the encoder produced no picture".into()));
        }
        Ok(EncodedPicture { data, keyframe })
    }
}
