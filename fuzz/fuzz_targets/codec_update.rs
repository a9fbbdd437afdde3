//! Fuzzes `deskmate_codec::Decoder::apply` (screen updates the viewer
//! receives from the sharer, see `crates/deskmate-codec/src/wire.rs`) with
//! arbitrary bytes. The first input byte picks the starting state: even, a
//! fresh decoder (only keyframes can be accepted); odd, a decoder that has
//! already applied a small valid keyframe, so that deltas (copy rectangles
//! included) are reached; with bit 1 set as well, that decoder also has an
//! open video stream (a video keyframe picture at 0,0 32×32), so pictures
//! that continue a stream are reached too. The rest of the input is one
//! update. It must never panic, and it checks:
//! - a refused update leaves the screen exactly as it was;
//! - an accepted update leaves a screen of the size in its header, and every
//!   rectangle it reports lies inside that screen;
//! - an accepted delta changes no pixel outside the reported rectangles;
//! - every video picture it passes on lies inside the screen and has a bitstream.
//!
//! Keyframes that declare a valid screen of more than `MAX_PIXELS` pixels
//! are skipped: the decoder allocates (and copies) a frame of that size,
//! up to 1 GiB for 16384×16384, which cut the rate to under 1000 exec/s
//! without reaching any other code.
#![no_main]

use deskmate_codec::wire::MAX_SIDE;
use deskmate_codec::{Decoder, Rect};
use libfuzzer_sys::fuzz_target;

/// Screen size of the starting keyframe: not a multiple of the 64×64 tiles.
const WIDTH: u16 = 100;
const HEIGHT: u16 = 70;
/// Largest keyframe screen tried (512×512 or the like).
const MAX_PIXELS: u32 = 1 << 18;

/// A keyframe (wire version 1, flags 1, seq 1) with one solid rectangle
/// covering the whole `WIDTH`×`HEIGHT` screen in colour 0x336699.
fn keyframe() -> Vec<u8> {
    let mut b = vec![1, 1];
    b.extend_from_slice(&1u32.to_le_bytes()); // seq
    b.extend_from_slice(&WIDTH.to_le_bytes());
    b.extend_from_slice(&HEIGHT.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // count
    for v in [0, 0, WIDTH, HEIGHT] {
        b.extend_from_slice(&v.to_le_bytes()); // x y w h
    }
    b.push(0); // kind: solid
    b.extend_from_slice(&3u32.to_le_bytes()); // len
    b.extend_from_slice(&[0x33, 0x66, 0x99]);
    b
}

/// A delta that opens a video stream: one H.264 keyframe picture at 0,0 32×32.
fn video_keyframe() -> Vec<u8> {
    let mut b = vec![1, 0];
    b.extend_from_slice(&2u32.to_le_bytes()); // seq
    b.extend_from_slice(&WIDTH.to_le_bytes());
    b.extend_from_slice(&HEIGHT.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // count
    for v in [0u16, 0, 32, 32] {
        b.extend_from_slice(&v.to_le_bytes()); // x y w h
    }
    b.push(4); // kind: video
    let data = [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f];
    b.extend_from_slice(&(data.len() as u32 + 2).to_le_bytes()); // len
    b.extend_from_slice(&[1, 1]); // H.264, keyframe
    b.extend_from_slice(&data);
    b
}

fuzz_target!(|data: &[u8]| {
    let Some((&start, update)) = data.split_first() else {
        return;
    };
    if let [_, flags, _, _, _, _, w0, w1, h0, h1, ..] = *update {
        let (w, h) = (
            u32::from(u16::from_le_bytes([w0, w1])),
            u32::from(u16::from_le_bytes([h0, h1])),
        );
        if flags & 1 == 1 && w <= MAX_SIDE && h <= MAX_SIDE && w * h > MAX_PIXELS {
            return;
        }
    }
    let mut decoder = Decoder::new();
    if start & 1 == 1 {
        let rects = decoder
            .apply(&keyframe())
            .expect("the starting keyframe is valid");
        let full = Rect {
            x: 0,
            y: 0,
            w: WIDTH.into(),
            h: HEIGHT.into(),
        };
        assert_eq!(rects, [full]);
        if start & 2 == 2 {
            let rects = decoder
                .apply(&video_keyframe())
                .expect("the video keyframe is valid");
            assert!(rects.is_empty());
            assert_eq!(decoder.video().len(), 1);
        }
    }
    let before = decoder.frame().cloned();
    match decoder.apply(update) {
        Err(e) => assert!(
            decoder.frame() == before.as_ref(),
            "refused update ({e}) changed the screen"
        ),
        Ok(rects) => {
            let frame = decoder.frame().expect("an accepted update leaves a screen");
            let width = u32::from(u16::from_le_bytes([update[6], update[7]]));
            let height = u32::from(u16::from_le_bytes([update[8], update[9]]));
            assert_eq!((frame.width, frame.height), (width, height), "screen size");
            assert_eq!(frame.pixels.len(), width as usize * height as usize);
            for rect in &rects {
                assert!(
                    rect.fits(width, height),
                    "{rect:?} outside the {width}x{height} screen"
                );
            }
            for picture in decoder.video() {
                assert!(
                    picture.rect.fits(width, height),
                    "video {:?} outside the {width}x{height} screen",
                    picture.rect
                );
                assert!(
                    !picture.data.is_empty(),
                    "a video picture without bitstream"
                );
            }
            let keyframe = update[1] & 1 == 1;
            if let (Some(old), false) = (&before, keyframe) {
                // Pixels no rectangle covers must not have changed.
                let mut covered = vec![false; frame.pixels.len()];
                for rect in &rects {
                    for y in rect.y..rect.y + rect.h {
                        let start = y as usize * width as usize + rect.x as usize;
                        covered[start..start + rect.w as usize].fill(true);
                    }
                }
                for (i, (new, old)) in frame.pixels.iter().zip(&old.pixels).enumerate() {
                    assert!(
                        covered[i] || new == old,
                        "delta changed pixel ({}, {}) outside its rectangles {rects:?}",
                        i % width as usize,
                        i / width as usize
                    );
                }
            }
        }
    }
});
