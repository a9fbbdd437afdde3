//! Encoder and decoder together: whatever the screen does, the viewer's copy
//! is pixel-exact after every update; hostile bytes are errors, not panics.

use deskmate_codec::encoder::encode_rect;
use deskmate_codec::{Decoder, Encoder, Frame, Rect};
use proptest::prelude::*;

/// A screen change: paint a rectangle with a colour or with noise.
#[derive(Debug, Clone)]
struct Paint {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    colour: u32,
    noise: bool,
    palette: u8,
}

fn paint(frame: &mut Frame, p: &Paint, seed: &mut u32) {
    for y in p.y..(p.y + p.h).min(frame.height) {
        for x in p.x..(p.x + p.w).min(frame.width) {
            *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let value = if p.noise {
                *seed >> 8
            } else if p.palette > 1 {
                p.colour
                    .wrapping_add((*seed >> 24) % u32::from(p.palette) * 0x0101)
            } else {
                p.colour
            };
            frame.pixels[(y * frame.width + x) as usize] = value & 0x00ff_ffff;
        }
    }
}

fn paints() -> impl Strategy<Value = Vec<Paint>> {
    proptest::collection::vec(
        (
            0u32..300,
            0u32..200,
            1u32..150,
            1u32..150,
            any::<u32>(),
            any::<bool>(),
            0u8..20,
        )
            .prop_map(|(x, y, w, h, colour, noise, palette)| Paint {
                x,
                y,
                w,
                h,
                colour,
                noise,
                palette,
            }),
        1..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_update_leaves_a_pixel_exact_copy(width in 1u32..300, height in 1u32..200, steps in proptest::collection::vec(paints(), 1..5)) {
        let mut screen = Frame::new(width, height);
        let mut encoder = Encoder::with_video(None);
        let mut decoder = Decoder::new();
        let mut seed = 7;
        let first = encoder.encode(&screen, None).expect("keyframe");
        decoder.apply(&first).expect("decodes");
        for step in steps {
            for p in &step {
                paint(&mut screen, p, &mut seed);
            }
            if let Some(update) = encoder.encode(&screen, None) {
                decoder.apply(&update).expect("decodes");
            }
            prop_assert!(decoder.frame() == Some(&screen), "viewer differs from screen");
        }
    }

    #[test]
    fn scrolling_regions_stay_pixel_exact(
        width in 32u32..200, height in 32u32..200, shifts in proptest::collection::vec((-60i32..60, 0u32..200, 0u32..200, 1u32..200, 1u32..200), 1..6),
    ) {
        let mut screen = Frame::new(width, height);
        let mut seed = 3u32;
        for p in screen.pixels.iter_mut() {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            *p = if (seed >> 16).is_multiple_of(5) { 0 } else { 0x00ff_ffff };
        }
        let mut encoder = Encoder::with_video(None);
        let mut decoder = Decoder::new();
        decoder.apply(&encoder.encode(&screen, None).expect("keyframe")).expect("decodes");
        for (dy, x, y, w, h) in shifts {
            // Move the rows of a sub-rectangle by dy (like a scrolling terminal), damage it.
            let (x, y) = (x % width, y % height);
            let (w, h) = (w.min(width - x), h.min(height - y));
            let before = screen.clone();
            for row in 0..h {
                let src = row as i32 - dy;
                if src >= 0 && (src as u32) < h {
                    for col in 0..w {
                        screen.pixels[((y + row) * width + x + col) as usize] = before.get(x + col, y + src as u32);
                    }
                }
            }
            let damage = [Rect { x, y, w, h }];
            if let Some(update) = encoder.encode(&screen, Some(&damage)) {
                decoder.apply(&update).expect("decodes");
            }
            prop_assert!(decoder.frame() == Some(&screen), "viewer differs after a scroll of {}", dy);
        }
    }

    #[test]
    fn garbage_is_an_error_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut decoder = Decoder::new();
        let _ = decoder.apply(&bytes);
        let mut keyed = Decoder::new();
        keyed.apply(&Encoder::with_video(None).encode(&Frame::new(64, 64), None).expect("keyframe")).expect("keyframe decodes");
        let before = keyed.frame().cloned();
        if keyed.apply(&bytes).is_err() {
            prop_assert_eq!(keyed.frame().cloned(), before, "a rejected update changes nothing");
        }
    }
}

fn update_with(width: u16, height: u16, keyframe: bool, rects: &[(Rect, u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![1, u8::from(keyframe), 0, 0, 0, 0];
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&(rects.len() as u16).to_le_bytes());
    for (r, kind, payload) in rects {
        for v in [r.x, r.y, r.w, r.h] {
            out.extend_from_slice(&(v as u16).to_le_bytes());
        }
        out.push(*kind);
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(payload);
    }
    out
}

#[test]
fn hostile_updates_are_refused_with_reasons() {
    let mut decoder = Decoder::new();
    let outside = Rect {
        x: 60,
        y: 0,
        w: 10,
        h: 10,
    };
    let err = decoder
        .apply(&update_with(64, 64, true, &[(outside, 0, vec![1, 2, 3])]))
        .expect_err("out of bounds");
    assert!(err.to_string().contains("outside"), "{err}");
    assert!(
        decoder.apply(&update_with(64, 64, false, &[])).is_err(),
        "no keyframe yet"
    );
    decoder
        .apply(&update_with(64, 64, true, &[]))
        .expect("empty keyframe");
    let huge = Rect {
        x: 0,
        y: 0,
        w: 64,
        h: 64,
    };
    // A zstd bomb claiming a tiny rectangle: the decompressed size must match exactly.
    let bomb = zstd::bulk::compress(&vec![0u8; 1_000_000], 1).expect("compress");
    assert!(
        decoder
            .apply(&update_with(64, 64, false, &[(huge, 2, bomb)]))
            .is_err()
    );
    assert!(
        decoder
            .apply(&update_with(64, 64, false, &[(huge, 9, vec![])]))
            .is_err(),
        "unknown kind"
    );
    assert!(
        decoder.apply(&update_with(65, 64, false, &[])).is_err(),
        "size change outside a keyframe"
    );
    assert!(
        decoder.apply(&update_with(0, 64, true, &[])).is_err(),
        "zero size"
    );
    let copy_from_outside = vec![200, 0, 0, 0];
    assert!(
        decoder
            .apply(&update_with(
                64,
                64,
                false,
                &[(
                    Rect {
                        x: 0,
                        y: 0,
                        w: 8,
                        h: 8
                    },
                    3,
                    copy_from_outside
                )]
            ))
            .is_err()
    );
    let mut trailing = update_with(64, 64, false, &[]);
    trailing.push(0);
    assert!(decoder.apply(&trailing).is_err());
}

#[test]
fn copy_rectangles_move_existing_pixels() {
    let mut screen = Frame::new(64, 64);
    for (i, p) in screen.pixels.iter_mut().enumerate() {
        *p = (i as u32).wrapping_mul(2_654_435_761) & 0x00ff_ffff;
    }
    let mut decoder = Decoder::new();
    decoder
        .apply(
            &Encoder::with_video(None)
                .encode(&screen, None)
                .expect("keyframe"),
        )
        .expect("decodes");
    // Scroll up by 8 rows: copy rows 8..64 to 0..56 and paint the new bottom rows.
    let mut update = update_with(
        64,
        64,
        false,
        &[(
            Rect {
                x: 0,
                y: 0,
                w: 64,
                h: 56,
            },
            3,
            vec![0, 0, 8, 0],
        )],
    );
    let bottom = Rect {
        x: 0,
        y: 56,
        w: 64,
        h: 8,
    };
    let mut rect_bytes = Vec::new();
    encode_rect(&mut rect_bytes, bottom, &vec![0x123456; 64 * 8]);
    update[10] = 2;
    update.extend_from_slice(&rect_bytes);
    decoder.apply(&update).expect("decodes");
    let view = decoder.frame().expect("frame");
    assert_eq!(view.get(5, 0), screen.get(5, 8));
    assert_eq!(view.get(63, 55), screen.get(63, 63));
    assert_eq!(view.get(0, 60), 0x123456);
}

#[test]
fn text_like_tiles_use_the_palette() {
    let mut screen = Frame::new(1920, 1080);
    let mut encoder = Encoder::with_video(None);
    encoder.encode(&screen, None);
    // One "glyph": a few dark pixels on white within one tile.
    for p in screen.pixels.iter_mut().take(1920 * 64) {
        *p = 0x00ff_ffff;
    }
    encoder.encode(&screen, None);
    for (x, y) in [(10, 10), (11, 10), (10, 11), (12, 14), (13, 15)] {
        screen.pixels[y * 1920 + x] = 0x0020_2020;
    }
    let update = encoder.encode(&screen, None).expect("changed");
    assert_eq!(encoder.stats.tiles_sent, 1);
    assert!(
        update.len() < 200,
        "a keystroke-sized change costs {} bytes",
        update.len()
    );
}

/// Text with blank rows between its lines scrolls by one line: the update is
/// one copy plus the new line, not the whole region again.
#[test]
fn scrolling_text_with_blank_rows_is_one_copy() {
    const LINE: u32 = 16;
    let (width, height) = (640u32, 480u32);
    let mut seed = 7u32;
    let mut glyph_row = |frame: &mut Frame, line: u32, y0: u32| {
        for y in y0 + 3..y0 + 13 {
            for x in 8..width - 8 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345 + line);
                if (seed >> 16).is_multiple_of(3) {
                    frame.pixels[(y * width + x) as usize] = 0x0020_2020;
                }
            }
        }
    };
    let page = |first: u32, glyph_row: &mut dyn FnMut(&mut Frame, u32, u32)| {
        let mut frame = Frame::new(width, height);
        frame.pixels.fill(0x00ff_ffff);
        for i in 0..height / LINE {
            glyph_row(&mut frame, first + i, i * LINE);
        }
        frame
    };
    let before = page(0, &mut glyph_row);
    // Scrolled: every line moves up by one, a new line appears at the bottom.
    let mut after = Frame::new(width, height);
    after.pixels[..((height - LINE) * width) as usize]
        .copy_from_slice(&before.pixels[(LINE * width) as usize..]);
    after.pixels[((height - LINE) * width) as usize..].fill(0x00ff_ffff);
    glyph_row(&mut after, 999, height - LINE);

    let mut encoder = Encoder::with_video(None);
    let mut decoder = Decoder::new();
    let keyframe = encoder.encode(&before, None).expect("keyframe");
    decoder.apply(&keyframe).expect("decodes");
    let whole = [Rect {
        x: 0,
        y: 0,
        w: width,
        h: height,
    }];
    let update = encoder.encode(&after, Some(&whole)).expect("an update");
    decoder.apply(&update).expect("decodes");
    assert!(
        decoder.frame() == Some(&after),
        "pixel-exact after the scroll"
    );
    assert!(
        update.len() * 8 < keyframe.len(),
        "a one-line scroll costs {} bytes; the whole screen costs {}",
        update.len(),
        keyframe.len()
    );
}
