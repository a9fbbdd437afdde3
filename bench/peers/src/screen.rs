//! What a viewer shows, shared between its receiving thread and the
//! scenarios: the decoded picture, when each update was applied, the
//! pointer positions received, and
//! snapshots of a watched region taken right after each update that changed
//! pixels (the probes in `probes.rs` are matched against them afterwards).
//! Both viewers (RFB and Deskmate) publish here, in the same way: an update
//! is decoded in the viewer's own copy, then its changed rectangles are
//! copied in under the lock.

use crate::xenv::Region;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// One update (or pointer message) the viewer applied.
#[derive(Debug, Clone, Copy)]
pub struct Update {
    /// When it had been decoded and published.
    pub applied: Instant,
}

/// A region sampled every `stride` pixels after each change.
pub struct Watch {
    pub region: Region,
    pub stride: u32,
    pub snaps: Vec<(Instant, Vec<u32>)>,
}

/// The viewer's picture and history.
#[derive(Default)]
pub struct Screen {
    pub width: u32,
    pub height: u32,
    /// `0x00RRGGBB`, row-major.
    pub pixels: Vec<u32>,
    pub log: Vec<Update>,
    /// Pointer positions received (hot spot), with the time.
    pub pointer: Vec<(Instant, i32, i32)>,
    /// When a published update last changed a pixel.
    pub last_changed: Option<Instant>,
    pub watch: Option<Watch>,
    /// Decode errors, server errors, an early close.
    pub problems: Vec<String>,
}

pub type Shared = Arc<Mutex<Screen>>;

pub fn shared() -> Shared {
    Arc::new(Mutex::new(Screen::default()))
}

pub fn lock(s: &Shared) -> MutexGuard<'_, Screen> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// Samples `region` of a `width`-wide picture every `stride` pixels.
pub fn sample(pixels: &[u32], width: u32, region: Region, stride: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(((region.w / stride + 1) * (region.h / stride + 1)) as usize);
    let mut y = region.y;
    while y < region.y + region.h {
        let row = (y * width) as usize;
        let mut x = region.x;
        while x < region.x + region.w {
            out.push(pixels.get(row + x as usize).copied().unwrap_or(0) & 0x00ff_ffff);
            x += stride;
        }
        y += stride;
    }
    out
}

impl Screen {
    /// Sets the picture's size (black).
    pub fn resize(&mut self, width: u32, height: u32) {
        if width != self.width || height != self.height {
            self.width = width;
            self.height = height;
            self.pixels = vec![0; width as usize * height as usize];
        }
    }

    /// Starts watching `region` (forgets earlier snapshots).
    pub fn watch(&mut self, region: Region, stride: u32) {
        self.watch = Some(Watch {
            region,
            stride: stride.max(1),
            snaps: Vec::new(),
        });
    }

    /// Copies the changed rectangles `(x, y, w, h)` of `src` (a picture of
    /// this screen's size) in; if a pixel changed, logs the update and
    /// snapshots the watch. Returns whether a pixel changed.
    pub fn publish(&mut self, src: &[u32], rects: &[(u32, u32, u32, u32)]) -> bool {
        let width = self.width as usize;
        let mut changed = false;
        for &(x, y, w, h) in rects {
            let (x, y) = (x as usize, y as usize);
            let w = (w as usize).min(width.saturating_sub(x));
            let h = (h as usize).min((self.height as usize).saturating_sub(y));
            for row in y..y + h {
                let at = row * width + x;
                let (Some(dst), Some(s)) = (self.pixels.get_mut(at..at + w), src.get(at..at + w))
                else {
                    continue;
                };
                if dst != s {
                    dst.copy_from_slice(s);
                    changed = true;
                }
            }
        }
        let applied = Instant::now();
        let first = self.log.is_empty();
        if changed {
            self.last_changed = Some(applied);
        }
        if (changed || first)
            && let Some(watch) = &mut self.watch
        {
            let snap = sample(&self.pixels, self.width, watch.region, watch.stride);
            watch.snaps.push((applied, snap));
        }
        if changed {
            self.log.push(Update { applied });
        }
        changed
    }

    /// Records a pointer position; `count`: log it as an update (it did
    /// not come with changed pixels).
    pub fn pointer_at(&mut self, x: i32, y: i32, count: bool) {
        let now = Instant::now();
        self.pointer.push((now, x, y));
        if count {
            self.log.push(Update { applied: now });
        }
    }

    /// Updates applied in `[from, to)`.
    pub fn updates_between(&self, from: Instant, to: Instant) -> usize {
        self.log
            .iter()
            .filter(|u| u.applied >= from && u.applied < to)
            .count()
    }
}
