//! Pixels: a frame is a width × height array of `0x00RRGGBB` values, the
//! layout X servers use for 24/32-bit visuals (little-endian BGRX bytes).

/// A rectangle in screen coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left.
    pub x: u32,
    /// Top.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl Rect {
    /// Whether two rectangles overlap.
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }

    /// The part of `self` inside `area`, in `area`'s own coordinates (a
    /// change on the whole screen, seen from the monitor being shared).
    pub fn within(&self, area: &Rect) -> Option<Rect> {
        let left = self.x.max(area.x);
        let top = self.y.max(area.y);
        let right =
            (u64::from(self.x) + u64::from(self.w)).min(u64::from(area.x) + u64::from(area.w));
        let bottom =
            (u64::from(self.y) + u64::from(self.h)).min(u64::from(area.y) + u64::from(area.h));
        if right <= u64::from(left) || bottom <= u64::from(top) {
            return None;
        }
        Some(Rect {
            x: left - area.x,
            y: top - area.y,
            w: (right - u64::from(left)) as u32,
            h: (bottom - u64::from(top)) as u32,
        })
    }

    /// Whether `self` lies entirely inside a `width` × `height` screen.
    pub fn fits(&self, width: u32, height: u32) -> bool {
        self.w > 0
            && self.h > 0
            && u64::from(self.x) + u64::from(self.w) <= u64::from(width)
            && u64::from(self.y) + u64::from(self.h) <= u64::from(height)
    }
}

/// A screen image.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major `0x00RRGGBB` pixels; `width * height` of them.
    pub pixels: Vec<u32>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Frame({}x{})", self.width, self.height)
    }
}

impl Frame {
    /// A black frame.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            pixels: vec![0; width as usize * height as usize],
        }
    }

    /// From BGRX/BGRA bytes (4 per pixel, rows `stride` bytes apart), as an
    /// X server's ZPixmap at depth 24/32 delivers them. The unused byte is dropped.
    pub fn from_bgrx(width: u32, height: u32, stride: usize, bytes: &[u8]) -> Option<Self> {
        let mut frame = Self::new(width, height);
        if width == 0 || height == 0 {
            // No pixels to convert; the bytes still have to be as long as the rows say.
            let row = width as usize * 4;
            let needed = stride * (height as usize).saturating_sub(1) + row;
            return (stride >= row && bytes.len() >= needed).then_some(frame);
        }
        let whole = Rect {
            x: 0,
            y: 0,
            w: width,
            h: height,
        };
        frame.write_bgrx(whole, stride, bytes).then_some(frame)
    }

    /// Writes BGRX/BGRA bytes (rows `stride` bytes apart) over `rect`, as
    /// [`Frame::from_bgrx`] reads them. Returns false, changing nothing, when
    /// `rect` does not fit or `bytes` is too short.
    pub fn write_bgrx(&mut self, rect: Rect, stride: usize, bytes: &[u8]) -> bool {
        let row = rect.w as usize * 4;
        if !rect.fits(self.width, self.height)
            || stride < row
            || bytes.len() < stride * (rect.h as usize - 1) + row
        {
            return false;
        }
        let width = self.width as usize;
        for y in 0..rect.h as usize {
            let start = (rect.y as usize + y) * width + rect.x as usize;
            let out = &mut self.pixels[start..start + rect.w as usize];
            let line = &bytes[y * stride..y * stride + row];
            for (px, p) in out.iter_mut().zip(line.chunks_exact(4)) {
                *px = u32::from_le_bytes([p[0], p[1], p[2], p[3]]) & 0x00ff_ffff;
            }
        }
        true
    }

    /// The pixel at (x, y).
    pub fn get(&self, x: u32, y: u32) -> u32 {
        self.pixels[y as usize * self.width as usize + x as usize]
    }

    /// Copies the pixels of `rect` into `out` (row-major), clearing it first.
    pub fn read_rect(&self, rect: Rect, out: &mut Vec<u32>) {
        out.clear();
        for y in rect.y..rect.y + rect.h {
            let start = y as usize * self.width as usize + rect.x as usize;
            out.extend_from_slice(&self.pixels[start..start + rect.w as usize]);
        }
    }

    /// Whether `rect` holds the same pixels in both frames (same size assumed).
    pub fn same_in(&self, other: &Frame, rect: Rect) -> bool {
        (rect.y..rect.y + rect.h).all(|y| {
            let start = y as usize * self.width as usize + rect.x as usize;
            self.pixels[start..start + rect.w as usize]
                == other.pixels[start..start + rect.w as usize]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Rect;

    const fn rect(x: u32, y: u32, w: u32, h: u32) -> Rect {
        Rect { x, y, w, h }
    }

    #[test]
    fn pixels_read_from_the_x_server_land_where_they_belong() {
        let mut frame = super::Frame::new(4, 3);
        // Two BGRX pixels per row, rows 12 bytes apart (padding after each).
        let bytes = [
            0x01, 0x02, 0x03, 0xff, 0x04, 0x05, 0x06, 0xff, 0, 0, 0, 0, //
            0x07, 0x08, 0x09, 0xff, 0x0a, 0x0b, 0x0c, 0xff, 0, 0, 0, 0,
        ];
        assert!(frame.write_bgrx(rect(1, 1, 2, 2), 12, &bytes));
        assert_eq!(
            frame.pixels,
            vec![
                0, 0, 0, 0, //
                0, 0x030201, 0x060504, 0, //
                0, 0x090807, 0x0c0b0a, 0,
            ]
        );
        // Outside the frame, or too few bytes: nothing changes.
        let before = frame.clone();
        assert!(!frame.write_bgrx(rect(3, 1, 2, 2), 12, &bytes));
        assert!(!frame.write_bgrx(rect(0, 0, 2, 2), 12, &bytes[..16]));
        assert_eq!(frame, before);
    }

    #[test]
    fn a_change_is_seen_in_the_shared_areas_coordinates() {
        let right_monitor = rect(512, 0, 512, 768);
        // Straddling both monitors: only the right part, moved to the monitor's origin.
        assert_eq!(
            rect(500, 10, 40, 20).within(&right_monitor),
            Some(rect(0, 10, 28, 20))
        );
        assert_eq!(
            rect(600, 700, 1000, 1000).within(&right_monitor),
            Some(rect(88, 700, 424, 68))
        );
        // Wholly on the other monitor, or touching its edge only.
        assert_eq!(rect(0, 0, 512, 768).within(&right_monitor), None);
        assert_eq!(
            rect(u32::MAX - 1, 0, 2, 2).within(&right_monitor),
            None,
            "no overflow"
        );
    }
}
