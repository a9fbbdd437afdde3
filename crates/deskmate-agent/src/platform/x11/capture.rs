//! Screen capture: XDamage says what changed, MIT-SHM reads only those
//! pixels (core GetImage when the server lacks MIT-SHM 1.2) into a copy of
//! the shared area kept here. The thread sleeps on the X connection, so a
//! change is read the moment it is reported and nothing runs while the
//! screen is idle.

use super::super::{PlatformError, ScreenLayout, ScreenSource};
use super::layout::{describe, read_layout, watch_layout};
use super::request;
use super::shm::Segment;
use deskmate_codec::{Frame, Rect};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::damage::{self, ConnectionExt as _};
use x11rb::protocol::shm::ConnectionExt as _;
use x11rb::protocol::xfixes::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, Window};
use x11rb::rust_connection::RustConnection;

/// How often the layout is read even without a RandR event: virtual
/// monitors (`xrandr --setmonitor`) change without one.
const LAYOUT_POLL: Duration = Duration::from_secs(2);

/// More changed rectangles than this are read as their bounding box.
const MAX_READS: usize = 16;

/// The X screen of `$DISPLAY`.
pub struct X11Screen {
    conn: RustConnection,
    root: Window,
    damage: damage::Damage,
    region: xfixes::Region,
    /// Whether the server offers MIT-SHM 1.2 (a segment per screen size).
    shm_usable: bool,
    shm: Option<Segment>,
    area: Rect,
    /// The shared area as last read.
    frame: Frame,
    /// The layout as last read.
    layout: ScreenLayout,
    /// When the layout was last read.
    layout_read: Instant,
    /// A layout change not yet reported.
    changed: Option<ScreenLayout>,
}

impl X11Screen {
    /// Connects to `$DISPLAY` and starts tracking damage on the root window.
    pub fn open() -> Result<Self, PlatformError> {
        let (conn, screen) = super::connect()?;
        let (root, depth) = (screen.root, screen.depth);
        if depth != 24 && depth != 32 {
            return Err(PlatformError::Display(format!(
                "colour depth {depth} is not supported (need 24 or 32)"
            )));
        }
        conn.xfixes_query_version(5, 0)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        conn.damage_query_version(1, 1)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        let damage = conn.generate_id().map_err(request)?;
        conn.damage_create(damage, root, damage::ReportLevel::NON_EMPTY)
            .map_err(request)?;
        let region = conn.generate_id().map_err(request)?;
        conn.xfixes_create_region(region, &[]).map_err(request)?;
        watch_layout(&conn, root)?;
        let layout = read_layout(&conn, root)?;
        let shm_usable = matches!(
            conn.shm_query_version().map_err(request)?.reply(),
            Ok(v) if (v.major_version, v.minor_version) >= (1, 2)
        );
        let shm = if shm_usable {
            segment_for(&conn, &layout)
        } else {
            None
        };
        conn.flush().map_err(request)?;
        tracing::info!(
            width = layout.width,
            height = layout.height,
            monitors = layout.monitors.len(),
            shm = shm.is_some(),
            "capturing the X screen"
        );
        Ok(Self {
            conn,
            root,
            damage,
            region,
            shm_usable,
            shm,
            area: layout.whole(),
            frame: Frame::new(layout.width, layout.height),
            layout,
            layout_read: Instant::now(),
            changed: None,
        })
    }

    /// Reads the layout again; on a change, adapts to the new screen size,
    /// shares the whole screen and keeps the change to report. Returns
    /// whether it changed.
    fn refresh_layout(&mut self) -> Result<bool, PlatformError> {
        self.layout_read = Instant::now();
        let layout = read_layout(&self.conn, self.root)?;
        if layout == self.layout {
            return Ok(false);
        }
        let resized = (layout.width, layout.height) != (self.layout.width, self.layout.height);
        tracing::info!(
            from = %describe(&self.layout),
            to = %describe(&layout),
            "the screen layout changed"
        );
        if resized && self.shm_usable {
            if let Some(old) = self.shm.take() {
                old.detach(&self.conn);
            }
            self.shm = segment_for(&self.conn, &layout);
        }
        self.area = layout.whole();
        self.frame = Frame::new(self.area.w, self.area.h);
        // Everything is sent again once the helper's choice is settled.
        self.take_damage()?;
        self.layout = layout.clone();
        self.changed = Some(layout);
        Ok(true)
    }

    /// Reads `rects` (in the shared area's coordinates) into the frame; a
    /// failure caused by a layout change that raced the read is reported as
    /// that change (see `layout_changed`).
    fn read_checked(&mut self, rects: &[Rect]) -> Result<(), PlatformError> {
        let result = rects.iter().try_for_each(|r| self.read(*r));
        result.map_err(|err| {
            if self.refresh_layout().unwrap_or(false) {
                tracing::info!(error = %err, "a read raced a layout change");
            }
            err
        })
    }

    /// Reads one rectangle of the shared area into the frame.
    fn read(&mut self, r: Rect) -> Result<(), PlatformError> {
        let x = i16::try_from(self.area.x + r.x).map_err(request)?;
        let y = i16::try_from(self.area.y + r.y).map_err(request)?;
        let (w, h) = (
            u16::try_from(r.w).map_err(request)?,
            u16::try_from(r.h).map_err(request)?,
        );
        let written = match &self.shm {
            Some(seg) => {
                self.conn
                    .shm_get_image(
                        self.root,
                        x,
                        y,
                        w,
                        h,
                        !0,
                        ImageFormat::Z_PIXMAP.into(),
                        seg.id,
                        0,
                    )
                    .map_err(request)?
                    .reply()
                    .map_err(request)?;
                self.frame.write_bgrx(r, r.w as usize * 4, seg.bytes())
            }
            None => {
                let reply = self
                    .conn
                    .get_image(ImageFormat::Z_PIXMAP, self.root, x, y, w, h, !0)
                    .map_err(request)?
                    .reply()
                    .map_err(request)?;
                self.frame.write_bgrx(r, r.w as usize * 4, &reply.data)
            }
        };
        if written {
            Ok(())
        } else {
            Err(PlatformError::Request(format!("short image for {r:?}")))
        }
    }

    /// Waits until the X connection has something to read, at most `wait`.
    fn wait_readable(&self, wait: Duration) -> Result<(), PlatformError> {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        self.conn.flush().map_err(request)?;
        let mut fds = [PollFd::new(self.conn.stream(), PollFlags::IN)];
        let timeout = Timespec {
            tv_sec: wait.as_secs() as _,
            tv_nsec: wait.subsec_nanos() as _,
        };
        match poll(&mut fds, Some(&timeout)) {
            Ok(_) | Err(rustix::io::Errno::INTR) => Ok(()),
            Err(e) => Err(PlatformError::Display(format!("lost the X server: {e}"))),
        }
    }

    /// Takes the accumulated damage as rectangles and resets it.
    fn take_damage(&self) -> Result<Vec<Rect>, PlatformError> {
        self.conn
            .damage_subtract(self.damage, x11rb::NONE, self.region)
            .map_err(request)?;
        let reply = self
            .conn
            .xfixes_fetch_region(self.region)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        Ok(reply
            .rectangles
            .iter()
            .filter_map(|r| {
                let x = u32::try_from(r.x).ok()?;
                let y = u32::try_from(r.y).ok()?;
                Some(Rect {
                    x,
                    y,
                    w: u32::from(r.width),
                    h: u32::from(r.height),
                })
            })
            .collect())
    }
}

impl ScreenSource for X11Screen {
    fn next(&mut self, timeout_ms: u64) -> Result<Option<Vec<Rect>>, PlatformError> {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let mut damaged = false;
        loop {
            let mut relayout = self.layout_read.elapsed() >= LAYOUT_POLL;
            while let Some(event) = self
                .conn
                .poll_for_event()
                .map_err(|e| PlatformError::Display(format!("lost the X server: {e}")))?
            {
                match event {
                    Event::DamageNotify(_) => damaged = true,
                    Event::RandrScreenChangeNotify(_) | Event::RandrNotify(_) => relayout = true,
                    Event::ConfigureNotify(e) if e.window == self.root => relayout = true,
                    _ => {}
                }
            }
            if relayout && self.refresh_layout()? {
                return Ok(None);
            }
            if damaged {
                // Damage is in screen coordinates; the frame is the shared area.
                let area = self.area;
                let dirty: Vec<Rect> = self
                    .take_damage()?
                    .iter()
                    .filter_map(|r| r.within(&area))
                    .collect();
                // Changes on other monitors only: nothing to read.
                if !dirty.is_empty() {
                    self.read_checked(&reads(&dirty))?;
                    return Ok(Some(dirty));
                }
                damaged = false;
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let relayout_at = self.layout_read + LAYOUT_POLL;
            self.wait_readable(deadline.min(relayout_at).saturating_duration_since(now))?;
        }
    }

    fn select(&mut self, area: Option<Rect>) -> Result<(), PlatformError> {
        let whole = self.layout.whole();
        let area = area.unwrap_or(whole);
        if !area.fits(whole.w, whole.h) {
            return Err(PlatformError::Request(format!(
                "monitor {area:?} lies outside the screen"
            )));
        }
        if area != self.area {
            self.area = area;
            self.frame = Frame::new(area.w, area.h);
        }
        Ok(())
    }

    fn grab_all(&mut self) -> Result<(), PlatformError> {
        // Reset damage so the next `next` reports only later changes.
        self.take_damage()?;
        let whole = Rect {
            x: 0,
            y: 0,
            w: self.area.w,
            h: self.area.h,
        };
        self.read_checked(&[whole])
    }

    fn frame(&self) -> &Frame {
        &self.frame
    }

    fn layout(&self) -> ScreenLayout {
        self.layout.clone()
    }

    fn layout_changed(&mut self) -> Option<ScreenLayout> {
        self.changed.take()
    }
}

/// A MIT-SHM segment the size of the whole screen, or `None` (GetImage).
fn segment_for(conn: &RustConnection, layout: &ScreenLayout) -> Option<Segment> {
    match Segment::create(conn, layout.width * layout.height * 4) {
        Ok(seg) => Some(seg),
        Err(err) => {
            tracing::warn!(error = %err, "MIT-SHM unavailable; using GetImage");
            None
        }
    }
}

/// What to read for `dirty`: each rectangle, or their bounding box when
/// there are many or they cover most of it (one request instead of many).
fn reads(dirty: &[Rect]) -> Vec<Rect> {
    let left = dirty.iter().map(|r| r.x).min().unwrap_or(0);
    let top = dirty.iter().map(|r| r.y).min().unwrap_or(0);
    let right = dirty.iter().map(|r| r.x + r.w).max().unwrap_or(0);
    let bottom = dirty.iter().map(|r| r.y + r.h).max().unwrap_or(0);
    let bounds = Rect {
        x: left,
        y: top,
        w: right - left,
        h: bottom - top,
    };
    let area = |r: &Rect| u64::from(r.w) * u64::from(r.h);
    let covered: u64 = dirty.iter().map(area).sum();
    if dirty.len() > MAX_READS || covered * 2 >= area(&bounds) {
        vec![bounds]
    } else {
        dirty.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn rect(x: u32, y: u32, w: u32, h: u32) -> Rect {
        Rect { x, y, w, h }
    }

    #[test]
    fn scattered_changes_are_read_one_by_one_and_crowded_ones_at_once() {
        // A glyph and a clock far apart: two small reads, not the screen between.
        let apart = [rect(10, 10, 8, 16), rect(1800, 1050, 60, 16)];
        assert_eq!(reads(&apart), apart.to_vec());
        // Neighbours covering most of their box: one read.
        let close = [rect(0, 0, 100, 50), rect(0, 50, 90, 50)];
        assert_eq!(reads(&close), vec![rect(0, 0, 100, 100)]);
        // Many: one read of the box.
        let many: Vec<Rect> = (0..20).map(|i| rect(i * 50, i * 20, 4, 4)).collect();
        assert_eq!(reads(&many), vec![rect(0, 0, 954, 384)]);
    }
}
