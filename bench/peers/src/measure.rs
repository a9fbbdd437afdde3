//! Measuring tools the scenarios share: CPU and wire-byte snapshots over a
//! window of time, waiting for a quiet viewer, reading the source's new
//! pixels after an input, and how soon (and how closely) the viewer's
//! picture equals the X server's.

use crate::netns::Net;
use crate::procs;
use crate::screen::{self, Shared};
use crate::systems::{System, Viewer};
use crate::xenv::{Display, Region};
use anyhow::Result;
use std::time::{Duration, Instant};

/// CPU times and wire bytes at one moment.
pub struct Snap {
    pub at: Instant,
    sharer: Duration,
    server: Option<Duration>,
    viewer: Duration,
    x: Duration,
    me: Duration,
    machine: Duration,
    bytes: u64,
}

/// What happened between two snapshots; CPU in % of one core.
pub struct Span {
    pub wall: Duration,
    pub bytes: u64,
    pub sharer: f64,
    pub server: Option<f64>,
    pub viewer: f64,
    pub x: f64,
    /// Machine-wide busy time not spent by the sharer, the server, Xvfb or
    /// this program (the harness and the viewer): other X clients, the
    /// kernel, and other work on the machine.
    pub other: f64,
}

pub fn snap(net: &Net, display: &Display, sys: &System, viewer: &Viewer) -> Snap {
    Snap {
        at: Instant::now(),
        sharer: sys.sharer_pid().map(procs::tree_cpu).unwrap_or_default(),
        server: sys.server_pid().map(procs::tree_cpu),
        viewer: procs::thread_cpu(viewer.tid()),
        x: procs::tree_cpu(display.proc.pid),
        me: procs::self_cpu(),
        machine: procs::machine_busy(),
        bytes: net.viewer_bytes(),
    }
}

impl Snap {
    pub fn since(&self, before: &Snap) -> Span {
        let wall = self.at - before.at;
        let pct = |d: Duration| 100.0 * d.as_secs_f64() / wall.as_secs_f64().max(1e-9);
        let sharer = self.sharer.saturating_sub(before.sharer);
        let server = match (self.server, before.server) {
            (Some(a), Some(b)) => Some(a.saturating_sub(b)),
            _ => None,
        };
        let x = self.x.saturating_sub(before.x);
        let me = self.me.saturating_sub(before.me);
        let other = self
            .machine
            .saturating_sub(before.machine)
            .saturating_sub(sharer + server.unwrap_or_default() + x + me);
        Span {
            wall,
            bytes: self.bytes.saturating_sub(before.bytes),
            sharer: pct(sharer),
            server: server.map(pct),
            viewer: pct(self.viewer.saturating_sub(before.viewer)),
            x: pct(x),
            other: pct(other),
        }
    }
}

/// Waits until the viewer applied nothing for `quiet`; false after `limit`.
pub fn quiet(s: &Shared, quiet: Duration, limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let last = screen::lock(s)
            .log
            .last()
            .map_or(start, |u| u.applied)
            .max(start);
        if last.elapsed() >= quiet {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
    }
}

/// After an input: polls `detect` until it differs from `before`, then
/// until two grabs 2 ms apart agree (at most 60 ms more). Returns the new
/// pixels and when the first change was seen; `None` if nothing changed
/// within `limit`.
pub fn acquire(
    display: &Display,
    detect: Region,
    before: &[u32],
    limit: Duration,
) -> Result<Option<(Vec<u32>, Duration)>> {
    let t0 = Instant::now();
    loop {
        let g = display.grab(detect)?;
        if g != before {
            let first = t0.elapsed();
            let mut current = g;
            loop {
                std::thread::sleep(Duration::from_millis(2));
                let next = display.grab(detect)?;
                if next == current || t0.elapsed() > first + Duration::from_millis(60) {
                    return Ok(Some((next, first)));
                }
                current = next;
            }
        }
        if t0.elapsed() > limit {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_micros(300));
    }
}

/// PSNR in dB of the viewer's picture against `source` (∞ when identical).
pub fn psnr(viewer: &[u32], source: &[u32]) -> f64 {
    if viewer.len() != source.len() || viewer.is_empty() {
        return 0.0;
    }
    let mut sum = 0u64;
    for (a, b) in viewer.iter().zip(source) {
        let (a, b) = (a & 0x00ff_ffff, b & 0x00ff_ffff);
        if a == b {
            continue;
        }
        for c in 0..3 {
            let d = ((a >> (8 * c)) & 0xff) as i64 - ((b >> (8 * c)) & 0xff) as i64;
            sum += (d * d) as u64;
        }
    }
    if sum == 0 {
        return f64::INFINITY;
    }
    let mse = sum as f64 / (viewer.len() * 3) as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

/// How exact the viewer ended up.
pub struct Exactness {
    /// From `since` until the update that made the picture identical to the
    /// source; `None` if it was not identical within the limit.
    pub identical: Option<Duration>,
    /// PSNR of the final picture (∞ when identical).
    pub psnr: f64,
}

/// Waits (quiet viewer, then grab and compare, repeatedly) until the
/// viewer's picture equals the whole screen, at most `limit`.
pub fn exactness(
    display: &Display,
    s: &Shared,
    since: Instant,
    limit: Duration,
) -> Result<Exactness> {
    let start = Instant::now();
    loop {
        quiet(s, Duration::from_millis(300), limit);
        let source = display.grab(display.full())?;
        let (p, last, updated) = {
            let v = screen::lock(s);
            let updated = v.log.last().map(|u| u.applied);
            (psnr(&v.pixels, &source), v.last_changed, updated)
        };
        if p.is_infinite() {
            let identical = last.map_or(Duration::ZERO, |l| l.saturating_duration_since(since));
            return Ok(Exactness {
                identical: Some(identical),
                psnr: p,
            });
        }
        // Lossy pictures stay as they are once the viewer gets no more
        // updates: stop waiting after 1.5 s without one.
        let idle = updated.is_none_or(|u| u.elapsed() > Duration::from_millis(1500));
        if start.elapsed() > limit || idle {
            return Ok(Exactness {
                identical: None,
                psnr: p,
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sleeps until `at` (no catch-up burst when late).
pub fn sleep_until(at: Instant) {
    let now = Instant::now();
    if at > now {
        std::thread::sleep(at - now);
    }
}
