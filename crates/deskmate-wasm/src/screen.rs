//! The viewer's screen: the codec's decoder plus an RGBA copy of its picture
//! that the page hands to `putImageData` straight from wasm memory. Only the
//! rectangles an update changed are converted. Video rectangles pass
//! through: the page decodes them with WebCodecs and draws them on top.

use deskmate_codec::{Decoder, Rect, VideoCodec, video, wire};
use wasm_bindgen::prelude::*;

/// One screen being viewed.
#[wasm_bindgen]
#[derive(Default)]
pub struct ScreenDecoder {
    decoder: Decoder,
    rgba: Vec<u8>,
    width: u32,
    height: u32,
    damage: Vec<u32>,
}

#[wasm_bindgen]
impl ScreenDecoder {
    /// A decoder waiting for its first keyframe.
    #[wasm_bindgen(constructor)]
    pub fn new() -> ScreenDecoder {
        ScreenDecoder::default()
    }

    /// Applies one screen update and returns its sequence number. A malformed
    /// update throws and leaves the picture as it was.
    pub fn apply(&mut self, update: &[u8]) -> Result<u32, JsError> {
        let seq =
            wire::update_sequence(update).ok_or_else(|| JsError::new("screen update too short"))?;
        let changed = self
            .decoder
            .apply(update)
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.refresh(&changed);
        Ok(seq)
    }

    /// Width of the picture (0 before the first keyframe).
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height of the picture.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Where the RGBA picture (width × height × 4 bytes) starts in wasm
    /// memory; valid until the next call into this module.
    pub fn rgba_ptr(&self) -> usize {
        self.rgba.as_ptr() as usize
    }

    /// Rectangles the last update changed, flattened: `[x, y, w, h, …]`.
    pub fn damage(&self) -> Vec<u32> {
        self.damage.clone()
    }

    /// How many video pictures the last update carried (drawn after its damage).
    pub fn video_count(&self) -> usize {
        self.decoder.video().len()
    }

    /// Picture `i` of the last update: `[x, y, w, h, coded_w, coded_h, keyframe]`
    /// (empty if there is no such picture).
    pub fn video_info(&self, i: usize) -> Vec<u32> {
        self.decoder.video().get(i).map_or_else(Vec::new, |v| {
            let (cw, ch) = video::coded_size(v.rect.w, v.rect.h);
            vec![
                v.rect.x,
                v.rect.y,
                v.rect.w,
                v.rect.h,
                cw,
                ch,
                u32::from(v.keyframe),
            ]
        })
    }

    /// The bitstream of picture `i` (H.264, Annex B).
    pub fn video_data(&self, i: usize) -> Vec<u8> {
        self.decoder
            .video()
            .get(i)
            .map_or_else(Vec::new, |v| v.data.clone())
    }

    /// The WebCodecs codec string to configure a decoder with, for a keyframe
    /// picture `i` (from its sequence parameter set).
    pub fn video_codec_string(&self, i: usize) -> Option<String> {
        let v = self.decoder.video().get(i)?;
        match v.codec {
            VideoCodec::H264 => video::avc_codec_string(&v.data),
        }
    }
}

impl ScreenDecoder {
    /// Brings the RGBA copy up to date with the decoder's picture.
    fn refresh(&mut self, changed: &[Rect]) {
        self.damage.clear();
        let Some(frame) = self.decoder.frame() else {
            return;
        };
        let resized = frame.width != self.width || frame.height != self.height;
        if resized {
            self.width = frame.width;
            self.height = frame.height;
            self.rgba = vec![0xff; frame.pixels.len() * 4];
        }
        let whole = [Rect {
            x: 0,
            y: 0,
            w: frame.width,
            h: frame.height,
        }];
        let rects = if resized { &whole[..] } else { changed };
        let width = frame.width as usize;
        for r in rects {
            for row in r.y as usize..(r.y + r.h) as usize {
                let start = row * width + r.x as usize;
                let src = &frame.pixels[start..start + r.w as usize];
                let dst = &mut self.rgba[start * 4..(start + r.w as usize) * 4];
                for (px, out) in src.iter().zip(dst.chunks_exact_mut(4)) {
                    out[0] = (px >> 16) as u8;
                    out[1] = (px >> 8) as u8;
                    out[2] = *px as u8;
                    out[3] = 0xff;
                }
            }
            self.damage.extend([r.x, r.y, r.w, r.h]);
        }
    }

    /// The RGBA picture (for tests).
    pub fn rgba(&self) -> &[u8] {
        &self.rgba
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskmate_codec::{Encoder, Frame};

    #[test]
    fn updates_land_in_the_rgba_picture_and_report_damage() {
        let mut frame = Frame::new(130, 70);
        for (i, px) in frame.pixels.iter_mut().enumerate() {
            *px = (i as u32).wrapping_mul(2_654_435_761) & 0x00ff_ffff;
        }
        let mut encoder = Encoder::new();
        let first = encoder.encode(&frame, None).expect("keyframe");
        let mut screen = ScreenDecoder::new();
        let seq = screen.apply(&first).expect("decodes");
        assert_eq!(Some(seq), wire::update_sequence(&first));
        assert_eq!((screen.width(), screen.height()), (130, 70));
        assert_eq!(screen.damage(), vec![0, 0, 130, 70]);
        let px = frame.pixels[70 * 2 + 5];
        let at = (70 * 2 + 5) * 4;
        assert_eq!(
            &screen.rgba()[at..at + 4],
            &[(px >> 16) as u8, (px >> 8) as u8, px as u8, 0xff]
        );

        frame.pixels[130 * 65 + 129] = 0x00ab_cdef;
        let second = encoder.encode(&frame, None).expect("a change");
        screen.apply(&second).expect("decodes");
        let damage = screen.damage();
        assert_eq!(damage.len(), 4, "one tile changed: {damage:?}");
        assert!(damage[0] <= 129 && damage[0] + damage[2] > 129);
        let at = (130 * 65 + 129) * 4;
        assert_eq!(&screen.rgba()[at..at + 4], &[0xab, 0xcd, 0xef, 0xff]);
    }

    #[test]
    fn video_pictures_pass_through_to_the_page() {
        let (w, h) = (320u32, 256u32);
        let mut frame = Frame::new(w, h);
        let mut encoder = Encoder::new();
        let mut screen = ScreenDecoder::new();
        let start = std::time::Instant::now();
        let mut first_key = None;
        for t in 0..12u32 {
            for (i, px) in frame.pixels.iter_mut().enumerate() {
                let (x, y) = (i as u32 % w + t * 5, i as u32 / w + t * 3);
                *px = ((x * 255 / 400) << 16) | ((y * 255 / 300) << 8) | ((x * y / 7) & 0xff);
            }
            let at = start + std::time::Duration::from_millis(33 * u64::from(t));
            let update = encoder.encode_at(&frame, None, at).expect("a change");
            screen.apply(&update).expect("decodes");
            if screen.video_count() > 0 && first_key.is_none() {
                first_key = Some(screen.video_info(0));
                assert!(
                    screen
                        .video_codec_string(0)
                        .is_some_and(|c| c.starts_with("avc1."))
                );
                assert!(!screen.video_data(0).is_empty());
            }
        }
        let info = first_key.expect("motion became video");
        assert_eq!(info, vec![0, 0, w, h, w, h, 1]);
        assert!(screen.video_info(5).is_empty());
        assert!(screen.video_data(5).is_empty());
    }

    #[test]
    fn a_bad_update_leaves_the_picture_alone() {
        let mut frame = Frame::new(64, 64);
        frame.pixels.fill(0x0011_2233);
        let update = Encoder::new().encode(&frame, None).expect("keyframe");
        let mut screen = ScreenDecoder::new();
        screen.apply(&update).expect("decodes");
        let before = screen.rgba().to_vec();
        let mut broken = update.clone();
        broken.truncate(update.len() - 1);
        assert!(screen.decoder.apply(&broken).is_err());
        assert_eq!(screen.rgba(), &before[..]);
        assert!(wire::update_sequence(&[1, 0, 5]).is_none());
    }
}
