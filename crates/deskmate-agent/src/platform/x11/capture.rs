//! Screen capture: XDamage says what changed, MIT-SHM reads the pixels
//! (core GetImage when the server lacks MIT-SHM 1.2). Nothing is read while
//! the screen is idle.

use super::super::{Capture, PlatformError, ScreenSource};
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

/// The monitors RandR reports (a single one covering the screen without RandR 1.5).
pub fn monitors() -> Result<Vec<deskmate_proto::messages::MonitorInfo>, PlatformError> {
    use x11rb::protocol::randr::ConnectionExt as _;
    let (conn, screen) = super::connect()?;
    let whole = deskmate_proto::messages::MonitorInfo {
        index: 0,
        name: "screen".into(),
        x: 0,
        y: 0,
        width: u32::from(screen.width),
        height: u32::from(screen.height),
        primary: true,
    };
    let listed = conn
        .randr_get_monitors(screen.root, true)
        .ok()
        .and_then(|c| c.reply().ok());
    let Some(listed) = listed.filter(|l| !l.monitors.is_empty()) else {
        return Ok(vec![whole]);
    };
    let mut out = Vec::new();
    for (i, m) in listed
        .monitors
        .iter()
        .enumerate()
        .take(deskmate_proto::messages::MAX_MONITORS)
    {
        let name = conn
            .get_atom_name(m.name)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| String::from_utf8_lossy(&r.name).chars().take(64).collect())
            .unwrap_or_else(|| format!("monitor {}", i + 1));
        out.push(deskmate_proto::messages::MonitorInfo {
            index: i as u32,
            name,
            x: i32::from(m.x),
            y: i32::from(m.y),
            width: u32::from(m.width),
            height: u32::from(m.height),
            primary: m.primary,
        });
    }
    Ok(out)
}

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
    width: u16,
    height: u16,
    damage: damage::Damage,
    region: xfixes::Region,
    shm: Option<Segment>,
    area: Rect,
    last_change: Instant,
}

impl X11Screen {
    /// Connects to `$DISPLAY` and starts tracking damage on the root window.
    pub fn open() -> Result<Self, PlatformError> {
        let (conn, screen) = super::connect()?;
        let (root, width, height, depth) = (screen.root, screen.width, screen.height, screen.depth);
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
        let shm = match conn.shm_query_version().map_err(request)?.reply() {
            Ok(v) if (v.major_version, v.minor_version) >= (1, 2) => {
                match Segment::create(&conn, u32::from(width) * u32::from(height) * 4) {
                    Ok(seg) => Some(seg),
                    Err(err) => {
                        tracing::warn!(error = %err, "MIT-SHM unavailable; using GetImage");
                        None
                    }
                }
            }
            _ => None,
        };
        conn.flush().map_err(request)?;
        tracing::info!(width, height, shm = shm.is_some(), "capturing the X screen");
        Ok(Self {
            conn,
            root,
            width,
            height,
            damage,
            region,
            shm,
            area: Rect {
                x: 0,
                y: 0,
                w: u32::from(width),
                h: u32::from(height),
            },
            last_change: Instant::now(),
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
            while let Some(event) = self
                .conn
                .poll_for_event()
                .map_err(|e| PlatformError::Display(format!("lost the X server: {e}")))?
            {
                if let Event::DamageNotify(_) = event {
                    damaged = true;
                }
            }
            if damaged {
                self.last_change = Instant::now();
                let dirty = self.take_damage()?;
                let frame = self.grab()?;
                return Ok(Some(Capture {
                    frame,
                    dirty: Some(dirty),
                }));
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
        let whole = Rect {
            x: 0,
            y: 0,
            w: u32::from(self.width),
            h: u32::from(self.height),
        };
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
        self.grab()
    }
}
