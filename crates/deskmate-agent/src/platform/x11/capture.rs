//! Screen capture: XDamage says what changed, MIT-SHM reads the pixels
//! (core GetImage when the server lacks MIT-SHM 1.2). Nothing is read while
//! the screen is idle.

use super::super::{Capture, PlatformError, ScreenLayout, ScreenSource};
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

/// How often the event queue is checked while the screen is changing.
const POLL_BUSY: Duration = Duration::from_millis(4);
/// How often it is checked once the screen has been still for [`BUSY_FOR`].
const POLL_IDLE: Duration = Duration::from_millis(25);
/// How long after the last change polling stays fast (covers typing pauses).
const BUSY_FOR: Duration = Duration::from_millis(1500);

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
    last_change: Instant,
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
            last_change: Instant::now(),
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
        // Everything is sent again once the helper's choice is settled.
        self.take_damage()?;
        self.layout = layout.clone();
        self.changed = Some(layout);
        Ok(true)
    }

    /// Grabs the shared area; a failure caused by a layout change that
    /// raced the grab is reported as that change (see `layout_changed`).
    fn grab_checked(&mut self) -> Result<Frame, PlatformError> {
        self.grab().map_err(|err| {
            if self.refresh_layout().unwrap_or(false) {
                tracing::info!(error = %err, "a grab raced a layout change");
            }
            err
        })
    }

    fn grab(&self) -> Result<Frame, PlatformError> {
        let (x, y) = (self.area.x as i16, self.area.y as i16);
        let (w, h) = (self.area.w as u16, self.area.h as u16);
        match &self.shm {
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
                Frame::from_bgrx(u32::from(w), u32::from(h), usize::from(w) * 4, seg.bytes())
                    .ok_or_else(|| PlatformError::Request("short MIT-SHM image".into()))
            }
            None => {
                let reply = self
                    .conn
                    .get_image(ImageFormat::Z_PIXMAP, self.root, x, y, w, h, !0)
                    .map_err(request)?
                    .reply()
                    .map_err(request)?;
                Frame::from_bgrx(u32::from(w), u32::from(h), usize::from(w) * 4, &reply.data)
                    .ok_or_else(|| PlatformError::Request("short GetImage reply".into()))
            }
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
    fn next(&mut self, timeout_ms: u64) -> Result<Option<Capture>, PlatformError> {
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
                self.last_change = Instant::now();
                // Damage is in screen coordinates; the frame is the shared area.
                let area = self.area;
                let dirty: Vec<Rect> = self
                    .take_damage()?
                    .iter()
                    .filter_map(|r| r.within(&area))
                    .collect();
                // Changes on other monitors only: nothing to read.
                if !dirty.is_empty() {
                    let frame = self.grab_checked()?;
                    return Ok(Some(Capture {
                        frame,
                        dirty: Some(dirty),
                    }));
                }
                damaged = false;
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            // Poll quickly while things happen, slowly when the screen is still.
            let interval = if self.last_change.elapsed() < BUSY_FOR {
                POLL_BUSY
            } else {
                POLL_IDLE
            };
            std::thread::sleep(interval);
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
        self.area = area;
        Ok(())
    }

    fn grab_all(&mut self) -> Result<Frame, PlatformError> {
        // Reset damage so the next `next` reports only later changes.
        self.take_damage()?;
        self.grab_checked()
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
