//! Fuzzes `deskmate_codec::Decoder::apply` (screen updates the viewer
//! receives from the sharer, see `crates/deskmate-codec/src/wire.rs`) with
//! arbitrary bytes. The first input byte picks the starting state: even, a
//! fresh decoder (only keyframes can be accepted); odd, a decoder that has
//! already applied a small valid keyframe, so that deltas (copy rectangles
//! included) are reached. The rest of the input is one update. It must never
//! panic, and it checks:
//! - a refused update leaves the screen exactly as it was;
//! - an accepted update leaves a screen of the size in its header, and every
//!   rectangle it reports lies inside that screen;
//! - an accepted delta changes no pixel outside the reported rectangles.
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
