//! Writes the fixtures of the browser viewer benchmark (`bench/web/run.mjs`):
//! screen updates of a synthetic 1920×1080 desktop encoded by the real
//! `deskmate_codec::Encoder`, with the regions that changed passed as dirty
//! rectangles, as the agent passes XDamage's.
//!
//! Into the directory named on the command line it writes `keyframe.bin`
//! (one update, the starting screen) and one file per sequence, each a run
//! of `u32` little-endian length + update bytes, to apply after the keyframe:
//! `typing.bin`, `scrolling.bin`, `drag.bin`, `fullscreen.bin` (lossless
//! only), and `drag-video.bin`, `fullscreen-video.bin` (the same motion with
//! video rectangles, as the agent sends it).

mod desktop;

use anyhow::{Context, Result, bail};
use deskmate_codec::{Encoder, Frame, Rect};
use desktop::{Desktop, HEIGHT, Rng, SCROLL_AREA, SCROLL_BAR, WIDTH};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() -> Result<()> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .context("usage: deskmate-bench-web <output directory>")?
        .into();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let start = Desktop::new();
    let mut base = Frame::new(WIDTH, HEIGHT);
    start.draw(&mut base);
    let keyframe = Encoder::new()
        .encode(&base, None)
        .context("the keyframe is empty")?;
    write_file(&dir.join("keyframe.bin"), &keyframe)?;

    // (a) Typing: 100 characters into an empty line; each moves the caret.
    let mut rng = Rng::new(1);
    let typed = desktop::prose(&mut rng, 100, 1);
    let typing = sequence(&base, &keyframe, 100, false, |i, frame| {
        let mut d = Desktop::new();
        d.typed = typed[..i].to_vec();
        let before = d.caret_cell();
        d.typed.push(typed[i]);
        let after = d.caret_cell();
        d.draw(frame);
        vec![Rect {
            w: after.x + after.w - before.x,
            ..before
        }]
    })?;

    // (b) Scrolling: the editor's text moves up one line per update.
    let scrolling = sequence(&base, &keyframe, 100, false, |i, frame| {
        let mut d = Desktop::new();
        d.top_line = i as u32 + 1;
        d.draw(frame);
        vec![SCROLL_AREA, SCROLL_BAR]
    })?;

    // (c) Window drag: the 600×400 dialog moves 9 px left and 5 px up per update.
    let drag_step = |i: usize, frame: &mut Frame| {
        let mut d = Desktop::new();
        let before = d.dialog();
        let step = i as u32 + 1;
        d.dialog_at = (before.x - 9 * step, before.y - 5 * step);
        let previous = Rect {
            x: before.x - 9 * (step - 1),
            y: before.y - 5 * (step - 1),
            ..before
        };
        let after = d.dialog();
        d.draw(frame);
        vec![previous, after]
    };
    let drag = sequence(&base, &keyframe, 60, false, drag_step)?;
    let drag_video = sequence(&base, &keyframe, 60, true, drag_step)?;

    // (d) Full-screen change: a moving picture covering the whole screen.
    let full_step = |i: usize, frame: &mut Frame| {
        desktop::motion(frame, i as u32);
        vec![Rect {
            x: 0,
            y: 0,
            w: WIDTH,
            h: HEIGHT,
        }]
    };
    let fullscreen = sequence(&base, &keyframe, 30, false, full_step)?;
    let fullscreen_video = sequence(&base, &keyframe, 30, true, full_step)?;

    for (name, updates) in [
        ("typing", typing),
        ("scrolling", scrolling),
        ("drag", drag),
        ("fullscreen", fullscreen),
        ("drag-video", drag_video),
        ("fullscreen-video", fullscreen_video),
    ] {
        let mut bytes = Vec::new();
        for u in &updates {
            bytes.extend_from_slice(&(u.len() as u32).to_le_bytes());
            bytes.extend_from_slice(u);
        }
        write_file(&dir.join(format!("{name}.bin")), &bytes)?;
        eprintln!(
            "{name}: {} updates, {} bytes",
            updates.len(),
            bytes.len() - 4 * updates.len()
        );
    }
    eprintln!(
        "keyframe: {} bytes; fixtures in {}",
        keyframe.len(),
        dir.display()
    );
    Ok(())
}

/// Encodes `count` updates after the keyframe of `base`: `step(i, frame)`
/// paints screen `i` into `frame` and returns the rectangles it changed.
/// `count` updates of `step`, lossless only or with video rectangles for
/// motion (updates 33 ms apart, as at 30 frames per second).
fn sequence(
    base: &Frame,
    keyframe: &[u8],
    count: usize,
    video: bool,
    step: impl Fn(usize, &mut Frame) -> Vec<Rect>,
) -> Result<Vec<Vec<u8>>> {
    let mut encoder = if video {
        Encoder::new()
    } else {
        Encoder::with_video(None)
    };
    let start = Instant::now();
    if encoder.encode(base, None).as_deref() != Some(keyframe) {
        bail!("the encoder did not reproduce the keyframe");
    }
    let mut frame = base.clone();
    let mut updates = Vec::with_capacity(count);
    for i in 0..count {
        let dirty = step(i, &mut frame);
        let at = start + Duration::from_millis(33 * (i as u64 + 1));
        let update = encoder
            .encode_at(&frame, Some(&dirty), at)
            .with_context(|| format!("update {i} changed nothing"))?;
        updates.push(update);
    }
    Ok(updates)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
