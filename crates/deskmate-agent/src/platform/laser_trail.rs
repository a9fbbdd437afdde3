//! The laser pointer's fading trail: where the helper's pointer was in the
//! last moments, as dots that shrink as they age and then disappear, so the
//! sharer can follow a gesture ("this, then over here") and not only a dot.
//! Platform-neutral: an overlay backend draws the dots it is given.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How many dots the trail has at most.
pub const TRAIL_DOTS: usize = 8;
/// How long a trail dot lives.
pub const TRAIL_LIFE: Duration = Duration::from_millis(400);
/// Diameter of the youngest trail dot, in pixels.
pub const TRAIL_MAX_DIAMETER: u16 = 10;
/// Moves shorter than this (pixels, each axis) do not add a dot.
const MIN_STEP: i32 = 3;

/// One dot to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailDot {
    /// Centre.
    pub x: i32,
    /// Centre.
    pub y: i32,
    /// Diameter in pixels (at least 2).
    pub diameter: u16,
}

/// The recent pointer positions.
#[derive(Debug, Default)]
pub struct LaserTrail {
    /// Newest first; the newest is where the laser dot itself is.
    points: VecDeque<(i32, i32, Instant)>,
}

impl LaserTrail {
    /// The pointer is now at (`x`, `y`).
    pub fn push(&mut self, x: i32, y: i32, now: Instant) {
        if let Some(&(px, py, _)) = self.points.front()
            && (px - x).abs() < MIN_STEP
            && (py - y).abs() < MIN_STEP
        {
            return;
        }
        self.points.push_front((x, y, now));
        self.points.truncate(TRAIL_DOTS + 1);
    }

    /// The trail dots to draw at `now`, youngest first (the laser dot itself
    /// is not among them). Forgets positions that are too old.
    pub fn dots(&mut self, now: Instant) -> Vec<TrailDot> {
        while self
            .points
            .back()
            .is_some_and(|&(_, _, at)| now.saturating_duration_since(at) > TRAIL_LIFE)
        {
            self.points.pop_back();
        }
        let life = TRAIL_LIFE.as_secs_f32();
        self.points
            .iter()
            .skip(1)
            .enumerate()
            .map(|(i, &(x, y, at))| {
                let age = now.saturating_duration_since(at).as_secs_f32() / life;
                let by_age = 1.0 - age.clamp(0.0, 1.0);
                let by_rank = 1.0 - i as f32 / (TRAIL_DOTS as f32 + 1.0);
                let diameter = (f32::from(TRAIL_MAX_DIAMETER) * by_age * by_rank).round() as u16;
                TrailDot {
                    x,
                    y,
                    diameter: diameter.max(2),
                }
            })
            .collect()
    }

    /// Whether any trail dot may still be shown (the overlay keeps ticking).
    pub fn active(&self) -> bool {
        self.points.len() > 1
    }

    /// Forgets everything (the laser was hidden).
    pub fn clear(&mut self) {
        self.points.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_follow_the_pointer_and_shrink_with_age() {
        let start = Instant::now();
        let mut trail = LaserTrail::default();
        trail.push(10, 10, start);
        assert!(
            trail.dots(start).is_empty(),
            "one position is the dot itself"
        );
        trail.push(50, 10, start + Duration::from_millis(20));
        trail.push(90, 10, start + Duration::from_millis(40));
        let now = start + Duration::from_millis(40);
        let dots = trail.dots(now);
        assert_eq!(dots.iter().map(|d| d.x).collect::<Vec<_>>(), vec![50, 10]);
        assert!(dots[0].diameter > dots[1].diameter, "{dots:?}");
        assert!(dots[0].diameter <= TRAIL_MAX_DIAMETER);
        // Older, the same dots are smaller; past their life they are gone.
        let later = trail.dots(now + Duration::from_millis(200));
        assert!(
            later
                .iter()
                .zip(&dots)
                .all(|(l, d)| l.diameter <= d.diameter)
        );
        assert!(
            trail
                .dots(now + TRAIL_LIFE + Duration::from_millis(50))
                .is_empty()
        );
        assert!(!trail.active());
    }

    #[test]
    fn the_trail_is_bounded_and_ignores_jitter() {
        let start = Instant::now();
        let mut trail = LaserTrail::default();
        trail.push(100, 100, start);
        trail.push(101, 101, start);
        assert!(!trail.active(), "a one-pixel jitter adds no dot");
        for i in 0..50 {
            trail.push(i * 10, 0, start);
        }
        assert_eq!(trail.dots(start).len(), TRAIL_DOTS);
        trail.clear();
        assert!(trail.dots(start).is_empty());
    }
}
