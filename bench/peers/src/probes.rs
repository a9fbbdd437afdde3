//! Input-to-pixel latency, matched after the fact. Each input (a key, a
//! wheel notch, a window move, an animation frame, a pointer move) gets a
//! target: the watched region as the X server showed it once the input had
//! taken effect (or the pointer position). The viewer snapshotted that
//! region after every update; an input counts as shown at the first
//! snapshot that shows its target *or any later one* (a viewer that skips
//! intermediate states has still shown the input's effect).
//!
//! A snapshot shows a target when the samples are identical, or, for lossy
//! encodings (Tight's JPEG), when ≥ 99 % of all samples and ≥ 95 % of the
//! samples this input changed are within 48/255 per channel of it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Per-channel tolerance for lossy encodings.
const TOLERANCE: i32 = 48;
/// How many older targets a snapshot is compared with.
const LOOK_BACK: usize = 60;

/// What one input should make the viewer show.
pub struct Target {
    pub t0: Instant,
    pub samples: Vec<u32>,
    /// Indices of the samples that differ (beyond the tolerance) from the
    /// state before this input.
    pub changed: Vec<usize>,
}

impl Target {
    pub fn new(t0: Instant, samples: Vec<u32>, before: &[u32]) -> Self {
        let changed = samples
            .iter()
            .zip(before)
            .enumerate()
            .filter(|(_, (a, b))| !close(**a, **b))
            .map(|(i, _)| i)
            .collect();
        Self {
            t0,
            samples,
            changed,
        }
    }
}

fn close(a: u32, b: u32) -> bool {
    (0..3).all(|c| {
        let (x, y) = (
            ((a >> (8 * c)) & 0xff) as i32,
            ((b >> (8 * c)) & 0xff) as i32,
        );
        (x - y).abs() <= TOLERANCE
    })
}

fn shows(snap: &[u32], target: &Target) -> bool {
    if snap == target.samples.as_slice() {
        return true;
    }
    if snap.len() != target.samples.len() || snap.is_empty() {
        return false;
    }
    let all = snap
        .iter()
        .zip(&target.samples)
        .filter(|(a, b)| close(**a, **b))
        .count();
    if (all as f64) < 0.99 * snap.len() as f64 {
        return false;
    }
    let changed = target
        .changed
        .iter()
        .filter(|&&i| close(snap[i], target.samples[i]))
        .count();
    target.changed.is_empty() || changed as f64 >= 0.95 * target.changed.len() as f64
}

/// Latency of each target (`None`: never shown), and how many distinct
/// targets the viewer showed.
pub struct Resolved {
    pub latency: Vec<Option<Duration>>,
    pub states: usize,
}

/// Matches the targets against the snapshots.
pub fn resolve(targets: &[Target], snaps: &[(Instant, Vec<u32>)]) -> Resolved {
    let mut out = vec![None; targets.len()];
    let mut states = 0;
    let mut shown: Option<usize> = None;
    for (at, snap) in snaps {
        // Targets that existed when this snapshot was taken.
        let newest = targets.partition_point(|t| t.t0 <= *at);
        if newest == 0 {
            continue;
        }
        let floor = shown
            .map_or(0, |s| s + 1)
            .max(newest.saturating_sub(LOOK_BACK));
        let Some(j) = (floor..newest).rev().find(|&j| shows(snap, &targets[j])) else {
            continue;
        };
        let from = shown.map_or(0, |s| s + 1);
        for (i, slot) in out.iter_mut().enumerate().take(j + 1).skip(from) {
            if slot.is_none() {
                *slot = Some(at.saturating_duration_since(targets[i].t0));
            }
        }
        shown = Some(j);
        states += 1;
    }
    Resolved {
        latency: out,
        states,
    }
}

/// Latency of each pointer move `(t0, x, y)` from the positions received.
pub fn resolve_pointer(moves: &[(Instant, i32, i32)], seen: &[(Instant, i32, i32)]) -> Resolved {
    let index: HashMap<(i32, i32), usize> = moves
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.1, m.2), i))
        .collect();
    let mut out = vec![None; moves.len()];
    let mut states = 0;
    let mut shown: Option<usize> = None;
    for (at, x, y) in seen {
        let Some(&j) = index.get(&(*x, *y)) else {
            continue;
        };
        if moves[j].0 > *at || shown.is_some_and(|s| j <= s) {
            continue;
        }
        let from = shown.map_or(0, |s| s + 1);
        for (i, slot) in out.iter_mut().enumerate().take(j + 1).skip(from) {
            *slot = Some(at.saturating_duration_since(moves[i].0));
        }
        shown = Some(j);
        states += 1;
    }
    Resolved {
        latency: out,
        states,
    }
}
