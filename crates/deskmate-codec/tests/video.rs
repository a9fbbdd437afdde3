//! Video rectangles end to end: steady motion becomes an H.264 stream that a
//! real decoder (OpenH264's) shows close to the source; once the motion
//! stops the picture is repainted and pixel-exact; keyframes come on
//! request; a failing encoder falls back to lossless; text stays lossless;
//! malformed video rectangles are errors, never panics.
#![cfg(feature = "video")]

use deskmate_codec::video::{VIDEO_FLAG_KEYFRAME, VideoCodec, avc_codec_string};
use deskmate_codec::video_encoder::{EncodedPicture, I420, VideoEncoder, VideoError};
use deskmate_codec::wire::{self, Kind};
use deskmate_codec::{DecodeError, Decoder, Encoder, Frame, Rect};
use openh264::formats::YUVSource;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// A moving, photographic picture (gradients and rings) over a quiet
/// desktop; `t` moves it. Only `area` changes.
fn paint(frame: &mut Frame, area: Rect, t: u32) {
    for y in area.y..area.y + area.h {
        for x in area.x..area.x + area.w {
            let (u, v) = (x + t * 5, y + t * 3);
            let ring = (((u * u + v * v) as f64).sqrt() as u32 * 3) & 0xff;
            let r = (u * 255 / 700) & 0xff;
            let g = (v * 255 / 500) & 0xff;
            frame.pixels[(y * frame.width + x) as usize] = (r << 16) | (g << 8) | ring;
        }
    }
}

fn desktop(w: u32, h: u32) -> Frame {
    let mut frame = Frame::new(w, h);
    for (i, p) in frame.pixels.iter_mut().enumerate() {
        *p = if (i / 7) % 5 == 0 {
            0x00ff_ffff
        } else {
            0x0020_4060
        };
    }
    frame
}

/// Decodes the H.264 pictures of every update, as a browser would.
struct Viewer {
    screen: Decoder,
    video: Option<openh264::decoder::Decoder>,
    /// The picture the viewer shows: lossless tiles with video on top.
    shown: Frame,
    pictures: usize,
    keyframes: usize,
}

impl Viewer {
    fn new() -> Self {
        Self {
            screen: Decoder::new(),
            video: None,
            shown: Frame::new(0, 0),
            pictures: 0,
            keyframes: 0,
        }
    }

    fn apply(&mut self, update: &[u8]) -> Vec<Rect> {
        let changed = self.screen.apply(update).expect("the update decodes");
        let frame = self.screen.frame().expect("a picture");
        if self.shown.width != frame.width || self.shown.height != frame.height {
            self.shown = frame.clone();
        }
        for r in &changed {
            for y in r.y..r.y + r.h {
                let start = (y * frame.width + r.x) as usize;
                self.shown.pixels[start..start + r.w as usize]
                    .copy_from_slice(&frame.pixels[start..start + r.w as usize]);
            }
        }
        let mut rects = Vec::new();
        for v in self.screen.video().to_vec() {
            assert_eq!(v.codec, VideoCodec::H264);
            if v.keyframe {
                self.keyframes += 1;
                assert!(avc_codec_string(&v.data).is_some(), "a keyframe has an SPS");
                self.video = Some(openh264::decoder::Decoder::new().expect("a decoder"));
            }
            let decoder = self.video.as_mut().expect("a keyframe came first");
            let yuv = decoder
                .decode(&v.data)
                .expect("H.264 decodes")
                .expect("one picture per rectangle");
            let (yw, _) = yuv.dimensions();
            assert!(yw >= v.rect.w as usize);
            let (ys, us, _) = yuv.strides();
            for y in 0..v.rect.h as usize {
                for x in 0..v.rect.w as usize {
                    let l = f64::from(yuv.y()[y * ys + x]) - 16.0;
                    let cb = f64::from(yuv.u()[y / 2 * us + x / 2]) - 128.0;
                    let cr = f64::from(yuv.v()[y / 2 * us + x / 2]) - 128.0;
                    let l = l * 255.0 / 219.0;
                    let k = 255.0 / 224.0;
                    let r = l + 1.5748 * cr * k;
                    let g = l - 0.1873 * cb * k - 0.4681 * cr * k;
                    let b = l + 1.8556 * cb * k;
                    let c = |v: f64| v.round().clamp(0.0, 255.0) as u32;
                    self.shown.pixels[(v.rect.y as usize + y) * self.shown.width as usize
                        + v.rect.x as usize
                        + x] = (c(r) << 16) | (c(g) << 8) | c(b);
                }
            }
            self.pictures += 1;
            rects.push(v.rect);
        }
        rects
    }
}

/// Peak signal-to-noise ratio of `area` of `shown` against `source`, in dB.
fn psnr(shown: &Frame, source: &Frame, area: Rect) -> f64 {
    let mut sum = 0f64;
    for y in area.y..area.y + area.h {
        for x in area.x..area.x + area.w {
            let (a, b) = (shown.get(x, y), source.get(x, y));
            for s in [16, 8, 0] {
                let d = f64::from((a >> s) & 0xff) - f64::from((b >> s) & 0xff);
                sum += d * d;
            }
        }
    }
    let mse = sum / (f64::from(area.w * area.h) * 3.0);
    10.0 * (255.0 * 255.0 / mse.max(1e-9)).log10()
}

const FRAME: Duration = Duration::from_millis(33);
/// Close to the source: the sharp blue sawtooth of the test picture loses
/// most to 4:2:0 chroma, which bounds PSNR near 30 dB.
const MIN_PSNR: f64 = 26.0;

#[test]
fn motion_becomes_video_and_quiet_makes_the_picture_exact_again() {
    let (w, h) = (640, 480);
    let area = Rect {
        x: 64,
        y: 64,
        w: 448,
        h: 320,
    };
    let mut screen = desktop(w, h);
    let mut encoder = Encoder::new();
    let mut viewer = Viewer::new();
    let start = Instant::now();
    viewer.apply(&encoder.encode_at(&screen, None, start).expect("keyframe"));
    let mut video_rects = Vec::new();
    let mut now = start;
    for t in 1..=20 {
        now = start + FRAME * t;
        paint(&mut screen, area, t);
        let update = encoder
            .encode_at(&screen, Some(&[area]), now)
            .expect("a change");
        video_rects.extend(viewer.apply(&update));
    }
    assert!(
        viewer.pictures >= 14,
        "video starts within a few updates: {} pictures",
        viewer.pictures
    );
    assert_eq!(viewer.keyframes, 1, "one stream while the rectangle holds");
    let rect = video_rects[0];
    assert!(
        video_rects.iter().all(|r| *r == rect),
        "the rectangle is stable"
    );
    assert_eq!(
        (rect.x % 16, rect.y % 16, rect.w % 16, rect.h % 16),
        (0, 0, 0, 0)
    );
    assert!(rect.intersects(&area) && rect.w >= 256 && rect.h >= 256);
    let quality = psnr(&viewer.shown, &screen, rect);
    assert!(quality > MIN_PSNR, "video PSNR {quality:.1} dB");
    assert_ne!(viewer.shown, screen, "video is lossy");

    // The motion stops: nothing changes, and the encoder is woken up.
    let wake = encoder
        .wake_at()
        .expect("a quiet rectangle must be refreshed");
    assert!(wake <= now + Duration::from_millis(250));
    assert_eq!(encoder.encode_at(&screen, Some(&[]), now + FRAME), None);
    let later = wake.max(now + FRAME * 2);
    let refresh = encoder
        .encode_at(&screen, Some(&[]), later)
        .expect("the lossless refresh");
    assert!(viewer.apply(&refresh).is_empty(), "no video in the refresh");
    assert_eq!(viewer.shown, screen, "pixel-exact again");
    assert_eq!(viewer.screen.frame(), Some(&screen));
    assert_eq!(encoder.wake_at(), None);
    assert_eq!(encoder.encode_at(&screen, Some(&[]), later + FRAME), None);
}

#[test]
fn a_keyframe_request_restarts_the_video_stream() {
    let (w, h) = (512, 384);
    let area = Rect { x: 0, y: 0, w, h };
    let mut screen = desktop(w, h);
    let mut encoder = Encoder::new();
    let mut viewer = Viewer::new();
    let start = Instant::now();
    viewer.apply(&encoder.encode_at(&screen, None, start).expect("keyframe"));
    let mut t = 0;
    while viewer.pictures < 3 {
        t += 1;
        assert!(t < 20, "video never started");
        paint(&mut screen, area, t);
        let update = encoder
            .encode_at(&screen, None, start + FRAME * t)
            .expect("a change");
        viewer.apply(&update);
    }
    // A viewer that joins now (or lost its decoder) asks for a keyframe.
    encoder.request_keyframe();
    t += 1;
    paint(&mut screen, area, t);
    let update = encoder
        .encode_at(&screen, None, start + FRAME * t)
        .expect("keyframe");
    let mut fresh = Viewer::new();
    fresh.apply(&update);
    assert_eq!((fresh.pictures, fresh.keyframes), (1, 1));
    assert!(psnr(&fresh.shown, &screen, area) > MIN_PSNR);
    viewer.apply(&update);
    // The stream goes on from the new keyframe for both.
    t += 1;
    paint(&mut screen, area, t);
    let update = encoder
        .encode_at(&screen, None, start + FRAME * t)
        .expect("a change");
    fresh.apply(&update);
    viewer.apply(&update);
    assert_eq!(fresh.keyframes, 1);
    assert_eq!(fresh.pictures, 2);
}

#[test]
fn odd_screen_sizes_and_a_growing_rectangle() {
    let (w, h) = (333, 251);
    let mut screen = desktop(w, h);
    let mut encoder = Encoder::new();
    let mut viewer = Viewer::new();
    let start = Instant::now();
    viewer.apply(&encoder.encode_at(&screen, None, start).expect("keyframe"));
    let small = Rect {
        x: 0,
        y: 0,
        w: 256,
        h: 256.min(h),
    };
    let mut rects = Vec::new();
    for t in 1..=8 {
        paint(&mut screen, small, t);
        rects.extend(
            viewer.apply(
                &encoder
                    .encode_at(&screen, None, start + FRAME * t)
                    .expect("a change"),
            ),
        );
    }
    let everything = Rect { x: 0, y: 0, w, h };
    for t in 9..=16 {
        paint(&mut screen, everything, t);
        rects.extend(
            viewer.apply(
                &encoder
                    .encode_at(&screen, None, start + FRAME * t)
                    .expect("a change"),
            ),
        );
    }
    let last = *rects.last().expect("video");
    assert_eq!(last, everything, "grown to the whole odd-sized screen");
    assert!(
        viewer.keyframes >= 2,
        "a new stream for the larger rectangle"
    );
    assert!(psnr(&viewer.shown, &screen, everything) > MIN_PSNR);
    let at = encoder.wake_at().expect("refresh due") + FRAME;
    viewer.apply(&encoder.encode_at(&screen, Some(&[]), at).expect("refresh"));
    assert_eq!(viewer.shown, screen);
}

#[test]
fn text_and_scrolling_stay_lossless() {
    let (w, h) = (1280, 720);
    let mut screen = Frame::new(w, h);
    let mut encoder = Encoder::new();
    let start = Instant::now();
    encoder.encode_at(&screen, None, start);
    let mut seed = 7u32;
    for t in 1..=30u32 {
        // Two-colour text lines scroll up and new ones appear at the bottom.
        screen.pixels.copy_within((13 * w) as usize.., 0);
        for y in h - 13..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                screen.pixels[(y * w + x) as usize] = if (seed >> 16).is_multiple_of(5) {
                    0x00ff_ffff
                } else {
                    0
                };
            }
        }
        let update = encoder
            .encode_at(&screen, None, start + FRAME * t)
            .expect("a change");
        assert!(!encoder.stats.video, "update {t} carries video");
        assert!(update.len() < 64 * 1024);
    }
    assert_eq!(encoder.wake_at(), None);
}

/// An encoder that works for `good` pictures, then fails.
struct Failing {
    good: usize,
}

impl VideoEncoder for Failing {
    fn codec(&self) -> VideoCodec {
        VideoCodec::H264
    }
    fn encode(&mut self, _: &I420, keyframe: bool) -> Result<EncodedPicture, VideoError> {
        if self.good == 0 {
            return Err(VideoError::Encode("out of order".into()));
        }
        self.good -= 1;
        Ok(EncodedPicture {
            data: vec![0, 0, 0, 1, 0x65, 0x88],
            keyframe,
        })
    }
}

#[test]
fn a_failing_video_encoder_falls_back_to_lossless() {
    let (w, h) = (512, 384);
    let area = Rect { x: 0, y: 0, w, h };
    let mut screen = desktop(w, h);
    let mut encoder = Encoder::with_video(Some(Box::new(|_, _| {
        Ok(Box::new(Failing { good: 2 }) as Box<dyn VideoEncoder>)
    })));
    let mut decoder = Decoder::new();
    let start = Instant::now();
    decoder
        .apply(&encoder.encode_at(&screen, None, start).expect("keyframe"))
        .expect("decodes");
    let mut pictures = 0;
    let mut t = 1;
    while t < 30 {
        paint(&mut screen, area, t);
        if let Some(update) = encoder.encode_at(&screen, None, start + FRAME * t) {
            decoder.apply(&update).expect("decodes");
            pictures += decoder.video().len();
        }
        t += 1;
    }
    assert_eq!(pictures, 2, "video stops when the encoder fails");
    assert!(
        encoder
            .video_error()
            .is_some_and(|e| e.contains("out of order"))
    );
    // Since the failure every update was lossless, so the copy is exact now.
    assert_eq!(decoder.frame(), Some(&screen));

    // An encoder that cannot even start: lossless all along.
    let mut encoder = Encoder::with_video(Some(Box::new(|w, h| {
        Err(VideoError::Start(w, h, "no".into()))
    })));
    let mut decoder = Decoder::new();
    for t in 0..10 {
        paint(&mut screen, area, t);
        if let Some(update) = encoder.encode_at(&screen, None, start + FRAME * t) {
            decoder.apply(&update).expect("decodes");
            assert!(decoder.video().is_empty());
            assert_eq!(decoder.frame(), Some(&screen));
        }
    }
}

/// An update with one video rectangle.
fn video_update(keyframe_update: bool, rect: Rect, codec: u8, flags: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![wire::VERSION, u8::from(keyframe_update)];
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&64u16.to_le_bytes());
    out.extend_from_slice(&64u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    for v in [rect.x, rect.y, rect.w, rect.h] {
        out.extend_from_slice(&(v as u16).to_le_bytes());
    }
    out.push(Kind::Video as u8);
    out.extend_from_slice(&((data.len() + 2) as u32).to_le_bytes());
    out.push(codec);
    out.push(flags);
    out.extend_from_slice(data);
    out
}

#[test]
fn malformed_video_rectangles_are_rejected() {
    let rect = Rect {
        x: 0,
        y: 0,
        w: 32,
        h: 32,
    };
    let key = VIDEO_FLAG_KEYFRAME;
    let mut decoder = Decoder::new();
    decoder
        .apply(&video_update(true, rect, 1, key, &[0, 0, 1, 0x67]))
        .expect("a keyframe stream");
    assert_eq!(decoder.video().len(), 1);
    decoder
        .apply(&video_update(false, rect, 1, 0, &[0, 0, 1, 0x41]))
        .expect("continues");
    let other = Rect { x: 32, ..rect };
    assert_eq!(
        decoder.apply(&video_update(false, other, 1, 0, &[1])),
        Err(DecodeError::VideoStream(other)),
        "another rectangle needs its own keyframe"
    );
    assert!(
        matches!(
            Decoder::new().apply(&video_update(true, rect, 1, 0, &[1])),
            Err(DecodeError::VideoStream(_))
        ),
        "a stream cannot start mid-way"
    );
    let fresh = || {
        let mut d = Decoder::new();
        d.apply(&video_update(true, rect, 1, key, &[1]))
            .expect("keyframe");
        d
    };
    assert!(matches!(
        fresh().apply(&video_update(false, rect, 9, 0, &[1])),
        Err(DecodeError::Payload(_, _))
    ));
    assert!(matches!(
        fresh().apply(&video_update(false, rect, 1, 4, &[1])),
        Err(DecodeError::Payload(_, _))
    ));
    assert!(matches!(
        fresh().apply(&video_update(false, rect, 1, 0, &[])),
        Err(DecodeError::Payload(_, _))
    ));
    let outside = Rect {
        x: 40,
        y: 0,
        w: 32,
        h: 32,
    };
    assert!(matches!(
        fresh().apply(&video_update(false, outside, 1, key, &[1])),
        Err(DecodeError::OutOfBounds(_))
    ));
    // A screen keyframe ends the stream.
    let mut d = fresh();
    let mut update = video_update(true, rect, 1, 0, &[1]);
    assert!(d.apply(&update).is_err());
    update[1] = 0;
    d.apply(&update).expect("still the same stream");
    let mut short = video_update(false, rect, 1, 0, &[1, 2, 3]);
    short.truncate(short.len() - 1);
    assert!(matches!(
        fresh().apply(&short),
        Err(DecodeError::Truncated(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any corruption of a real update with video is an error or a
    /// checked result, never a panic.
    #[test]
    fn corrupted_video_updates_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let update = video_update(true, Rect { x: 0, y: 16, w: 48, h: 48 }, 1, VIDEO_FLAG_KEYFRAME, &[0, 0, 1, 0x67, 0x42, 0xc0, 0x1f]);
        let mut bytes = update.clone();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = Decoder::new().apply(&bytes);
        bytes.truncate(cut.index(bytes.len()));
        let _ = Decoder::new().apply(&bytes);
    }
}

#[test]
fn motion_resuming_in_place_restarts_video_at_once() {
    let (w, h) = (512, 384);
    let area = Rect { x: 0, y: 0, w, h };
    let mut screen = desktop(w, h);
    let mut encoder = Encoder::new();
    let mut viewer = Viewer::new();
    let start = Instant::now();
    viewer.apply(&encoder.encode_at(&screen, None, start).expect("keyframe"));
    let mut now = start;
    for t in 1..=6 {
        now = start + FRAME * t;
        paint(&mut screen, area, t);
        viewer.apply(&encoder.encode_at(&screen, None, now).expect("a change"));
    }
    assert!(viewer.pictures > 0);
    // A stall: the rectangle is repainted losslessly...
    now += Duration::from_millis(150);
    viewer.apply(&encoder.encode_at(&screen, Some(&[]), now).expect("refresh"));
    assert_eq!(viewer.shown, screen);
    // ...and when the motion goes on, the next update starts a new stream.
    let before = viewer.keyframes;
    for t in 7..=8 {
        now += FRAME;
        paint(&mut screen, area, t);
        viewer.apply(&encoder.encode_at(&screen, None, now).expect("a change"));
    }
    assert_eq!(
        viewer.keyframes,
        before + 1,
        "video again on the second update"
    );
}

#[test]
fn slow_updates_of_steady_motion_keep_the_video() {
    let (w, h) = (512, 384);
    let area = Rect { x: 0, y: 0, w, h };
    let mut screen = desktop(w, h);
    let mut encoder = Encoder::new();
    let mut viewer = Viewer::new();
    let start = Instant::now();
    viewer.apply(&encoder.encode_at(&screen, None, start).expect("keyframe"));
    // A slow machine: updates 200 ms apart, every one with motion.
    let slow = Duration::from_millis(200);
    for t in 1..=8 {
        paint(&mut screen, area, t);
        viewer.apply(
            &encoder
                .encode_at(&screen, None, start + slow * t)
                .expect("a change"),
        );
    }
    assert!(viewer.pictures >= 4, "{} pictures", viewer.pictures);
    assert_eq!(viewer.keyframes, 1, "one stream");
}
