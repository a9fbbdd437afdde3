//! Motion detection: which part of the screen is in steady motion and
//! would be cheaper as video than as lossless tiles.
//!
//! Every update, the encoder marks the tiles that changed *and* were costly
//! to send losslessly (photographic content; a line of text is cheap and
//! never counts). A tile that was marked in most of the last few updates is
//! moving; when enough moving tiles lie together, their bounding box, on
//! the 16-pixel macroblock grid, is the video rectangle.

use crate::encoder::TILE;
use crate::frame::Rect;

/// Updates looked back on.
const WINDOW: u32 = 4;
/// Marked in at least this many of them: moving.
const MOVING_IN: u32 = 3;
/// Fewest moving tiles for video (16 tiles of 64×64: a 256×256 region).
const MIN_TILES: usize = 16;

/// Per-tile history of costly changes.
#[derive(Debug, Clone)]
pub struct MotionDetector {
    width: u32,
    height: u32,
    cols: u32,
    rows: u32,
    /// Bit 0: this update; bit n: n updates ago.
    history: Vec<u8>,
}

impl MotionDetector {
    /// A detector for a `width` × `height` screen.
    pub fn new(width: u32, height: u32) -> Self {
        let (cols, rows) = (width.div_ceil(TILE), height.div_ceil(TILE));
        Self {
            width,
            height,
            cols,
            rows,
            history: vec![0; cols as usize * rows as usize],
        }
    }

    /// Starts the history of a new update.
    pub fn next_update(&mut self) {
        for h in &mut self.history {
            *h <<= 1;
        }
    }

    /// The tile at `(x, y)` (a tile's top-left pixel) changed costly in this update.
    pub fn mark(&mut self, x: u32, y: u32) {
        let (tx, ty) = (x / TILE, y / TILE);
        if tx < self.cols && ty < self.rows {
            self.history[(ty * self.cols + tx) as usize] |= 1;
        }
    }

    /// Forgets all motion (after a resize or a keyframe request).
    pub fn clear(&mut self) {
        self.history.fill(0);
    }

    /// Whether most tiles of `rect` changed costly in this update (motion
    /// resuming where it just was).
    pub fn busy_in(&self, rect: Rect) -> bool {
        let (tx0, ty0) = (rect.x / TILE, rect.y / TILE);
        let tx1 = (rect.x + rect.w).div_ceil(TILE).min(self.cols);
        let ty1 = (rect.y + rect.h).div_ceil(TILE).min(self.rows);
        let (mut marked, mut total) = (0usize, 0usize);
        for ty in ty0..ty1 {
            for tx in tx0..tx1 {
                total += 1;
                marked += usize::from(self.history[(ty * self.cols + tx) as usize] & 1 == 1);
            }
        }
        total > 0 && marked * 2 >= total
    }

    /// The region in steady motion, if one is large and dense enough: the
    /// bounding box of the moving tiles, snapped to the 16-pixel grid and
    /// clipped to the screen.
    pub fn moving_region(&self) -> Option<Rect> {
        let mask = (1u8 << WINDOW) - 1;
        let mut count = 0usize;
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        for ty in 0..self.rows {
            for tx in 0..self.cols {
                let h = self.history[(ty * self.cols + tx) as usize];
                if (h & mask).count_ones() >= MOVING_IN {
                    count += 1;
                    x0 = x0.min(tx);
                    y0 = y0.min(ty);
                    x1 = x1.max(tx + 1);
                    y1 = y1.max(ty + 1);
                }
            }
        }
        if count < MIN_TILES {
            return None;
        }
        let boxed = ((x1 - x0) * (y1 - y0)) as usize;
        if count * 2 < boxed {
            return None;
        }
        Some(snap(
            Rect {
                x: x0 * TILE,
                y: y0 * TILE,
                w: (x1 - x0) * TILE,
                h: (y1 - y0) * TILE,
            },
            self.width,
            self.height,
        ))
    }
}

/// `rect` grown to the 16-pixel grid and clipped to a `width` × `height` screen.
pub fn snap(rect: Rect, width: u32, height: u32) -> Rect {
    let x0 = rect.x / 16 * 16;
    let y0 = rect.y / 16 * 16;
    let x1 = ((rect.x + rect.w).div_ceil(16) * 16).min(width);
    let y1 = ((rect.y + rect.h).div_ceil(16) * 16).min(height);
    Rect {
        x: x0,
        y: y0,
        w: x1.saturating_sub(x0),
        h: y1.saturating_sub(y0),
    }
}

/// The smallest rectangle holding both.
pub fn union(a: Rect, b: Rect) -> Rect {
    let x0 = a.x.min(b.x);
    let y0 = a.y.min(b.y);
    let x1 = (a.x + a.w).max(b.x + b.w);
    let y1 = (a.y + a.h).max(b.y + b.h);
    Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    }
}

/// Whether `inner` lies within `outer`.
pub fn contains(outer: Rect, inner: Rect) -> bool {
    inner.x >= outer.x
        && inner.y >= outer.y
        && inner.x + inner.w <= outer.x + outer.w
        && inner.y + inner.h <= outer.y + outer.h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark_block(d: &mut MotionDetector, x0: u32, y0: u32, cols: u32, rows: u32) {
        for ty in 0..rows {
            for tx in 0..cols {
                d.mark((x0 + tx) * TILE, (y0 + ty) * TILE);
            }
        }
    }

    #[test]
    fn steady_motion_over_a_large_area_is_a_region() {
        let mut d = MotionDetector::new(1920, 1080);
        for _ in 0..2 {
            d.next_update();
            mark_block(&mut d, 2, 3, 6, 4);
            assert_eq!(d.moving_region(), None, "not yet steady");
        }
        d.next_update();
        mark_block(&mut d, 2, 3, 6, 4);
        assert_eq!(
            d.moving_region(),
            Some(Rect {
                x: 128,
                y: 192,
                w: 384,
                h: 256
            })
        );
        // Two quiet updates later, it has stopped.
        d.next_update();
        d.next_update();
        assert_eq!(d.moving_region(), None);
    }

    #[test]
    fn one_busy_update_is_enough_where_motion_just_was() {
        let mut d = MotionDetector::new(640, 480);
        let rect = Rect {
            x: 0,
            y: 0,
            w: 256,
            h: 256,
        };
        d.next_update();
        mark_block(&mut d, 0, 0, 4, 2);
        assert!(d.busy_in(rect), "half the tiles");
        d.next_update();
        mark_block(&mut d, 0, 0, 4, 1);
        assert!(!d.busy_in(rect), "a quarter");
    }

    #[test]
    fn small_or_scattered_changes_are_not_motion() {
        let mut d = MotionDetector::new(1920, 1080);
        for _ in 0..4 {
            d.next_update();
            mark_block(&mut d, 0, 0, 3, 3);
            d.mark(1800, 1000);
        }
        assert_eq!(d.moving_region(), None, "9 tiles, far apart from one more");
    }

    #[test]
    fn the_screen_edge_clips_the_region() {
        let mut d = MotionDetector::new(1920, 1080);
        for _ in 0..3 {
            d.next_update();
            mark_block(&mut d, 0, 0, 30, 17);
        }
        assert_eq!(
            d.moving_region(),
            Some(Rect {
                x: 0,
                y: 0,
                w: 1920,
                h: 1080
            })
        );
        assert_eq!(
            snap(
                Rect {
                    x: 5,
                    y: 17,
                    w: 10,
                    h: 1
                },
                100,
                20
            ),
            Rect {
                x: 0,
                y: 16,
                w: 16,
                h: 4
            }
        );
    }
}
