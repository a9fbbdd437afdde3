//! The X side: an Xvfb display, xterms, whole-screen grabs, the full-screen
//! animation and the local (no Deskmate) keystroke-to-glyph baseline.

use crate::procs::Proc;
use anyhow::{Context, Result, bail};
use deskmate_codec::Frame;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{
    AtomEnum, ConnectionExt as _, CreateGCAux, ImageFormat, MapState, Window,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

/// An Xvfb display (stopped on drop) and a connection to it.
pub struct Display {
    pub proc: Proc,
    /// `:N`.
    pub name: String,
    pub conn: Arc<RustConnection>,
    pub root: Window,
    pub width: u16,
    pub height: u16,
}

impl Display {
    /// Starts `Xvfb :N -screen 0 WxHx24 -nolisten tcp` on a free display number.
    pub fn start(width: u16, height: u16) -> Result<Self> {
        let seed = std::process::id() as u64
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() as u64)
                .unwrap_or_default();
        for attempt in 0..40u64 {
            let n = 200 + (seed + attempt * 37) % 700;
            if std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let name = format!(":{n}");
            let mut proc = Proc::spawn(
                "Xvfb",
                Command::new("Xvfb")
                    .arg(&name)
                    .args(["-screen", "0", &format!("{width}x{height}x24")])
                    .args(["-nolisten", "tcp", "-noreset"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            )
            .context("Xvfb is needed: apt-get install xvfb xterm")?;
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if let Ok((conn, screen)) = x11rb::connect(Some(&name)) {
                    let s = &conn.setup().roots[screen];
                    let (root, w, h) = (s.root, s.width_in_pixels, s.height_in_pixels);
                    return Ok(Self {
                        proc,
                        name,
                        conn: Arc::new(conn),
                        root,
                        width: w,
                        height: h,
                    });
                }
                if proc.exited().is_some() {
                    break; // lost a race for this display number
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        bail!("could not start Xvfb on a free display")
    }

    /// The whole screen as the X server has it (core GetImage).
    pub fn grab(&self) -> Result<Frame> {
        let image = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                0,
                0,
                self.width,
                self.height,
                !0,
            )?
            .reply()
            .context("GetImage")?;
        Frame::from_bgrx(
            u32::from(self.width),
            u32::from(self.height),
            usize::from(self.width) * 4,
            &image.data,
        )
        .context("short GetImage reply")
    }

    /// Starts an xterm on this display.
    pub fn xterm(&self, args: &[&str]) -> Result<Proc> {
        Proc::spawn(
            "xterm",
            Command::new("xterm")
                .args(args)
                .env("DISPLAY", &self.name)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .context("xterm is needed: apt-get install xterm")
    }

    /// Geometry (x, y, width, height) of the mapped top-level xterm windows.
    pub fn xterm_windows(&self) -> Result<Vec<(i16, i16, u16, u16)>> {
        let tree = self.conn.query_tree(self.root)?.reply()?;
        let mut out = Vec::new();
        for &w in &tree.children {
            let Ok(attrs) = self.conn.get_window_attributes(w)?.reply() else {
                continue;
            };
            if attrs.map_state != MapState::VIEWABLE {
                continue;
            }
            let class = self
                .conn
                .get_property(false, w, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 64)?
                .reply()?;
            if !String::from_utf8_lossy(&class.value).contains("XTerm") {
                continue;
            }
            let g = self.conn.get_geometry(w)?.reply()?;
            out.push((g.x, g.y, g.width, g.height));
        }
        Ok(out)
    }

    /// Waits until `n` xterm windows are mapped.
    pub fn wait_for_xterms(&self, n: usize, limit: Duration) -> Result<Vec<(i16, i16, u16, u16)>> {
        let started = Instant::now();
        loop {
            let windows = self.xterm_windows()?;
            if windows.len() >= n {
                return Ok(windows);
            }
            if started.elapsed() > limit {
                bail!("{n} xterm window(s) did not appear within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Display {
    /// SIGTERM, so Xvfb removes its lock file and socket.
    fn drop(&mut self) {
        self.proc.terminate(Duration::from_secs(5));
    }
}

/// A synthetic moving picture: a texture twice the screen in each direction
/// (gradients, a checkerboard and rings; no noise), shown through a
/// screen-sized window that moves diagonally, so every tile changes every
/// frame and no vertical-scroll copy applies.
pub struct Animation {
    texture: Vec<u8>,
    tw: usize,
    th: usize,
    w: usize,
    h: usize,
    frame: Vec<u8>,
}

impl Animation {
    pub fn new(w: u16, h: u16) -> Self {
        let (w, h) = (usize::from(w), usize::from(h));
        let (tw, th) = (2 * w, 2 * h);
        let tri = |v: usize| -> u32 {
            let v = v % 512;
            (if v < 256 { v } else { 511 - v }) as u32
        };
        let mut texture = vec![0u8; tw * th * 4];
        for y in 0..th {
            for x in 0..tw {
                let (cx, cy) = (x as i64 - tw as i64 / 2, y as i64 - th as i64 / 2);
                let ring = (((cx * cx + cy * cy) as f64).sqrt() as usize / 24).is_multiple_of(2);
                let check = (x / 48 + y / 48).is_multiple_of(2);
                let mut r = tri(x / 3);
                let mut g = tri(y / 2 + x / 7);
                let mut b = tri((x + y) / 5);
                if check {
                    r = r * 3 / 4;
                    b = 255 - b / 2;
                }
                if ring {
                    g = 255 - g;
                }
                let at = (y * tw + x) * 4;
                texture[at] = b as u8;
                texture[at + 1] = g as u8;
                texture[at + 2] = r as u8;
            }
        }
        Self {
            texture,
            tw,
            th,
            w,
            h,
            frame: vec![0u8; w * h * 4],
        }
    }

    /// Composes frame `n` (BGRX rows).
    pub fn compose(&mut self, n: usize) -> &[u8] {
        let (ox, oy) = ((n * 5) % self.tw, (n * 3) % self.th);
        let row = self.w * 4;
        for y in 0..self.h {
            let src_row = (y + oy) % self.th;
            let src = &self.texture[src_row * self.tw * 4..(src_row + 1) * self.tw * 4];
            let dst = &mut self.frame[y * row..(y + 1) * row];
            let first = (self.tw - ox).min(self.w);
            dst[..first * 4].copy_from_slice(&src[ox * 4..(ox + first) * 4]);
            if first < self.w {
                dst[first * 4..].copy_from_slice(&src[..(self.w - first) * 4]);
            }
        }
        &self.frame
    }
}

/// What the animation did.
pub struct AnimationRun {
    pub frames: usize,
    pub started: Instant,
    /// After the X server processed the last frame (a round trip after it).
    pub stopped: Instant,
}

/// Draws the animation on the root window at `fps` for `length`
/// (PutImage in bands, then a round trip per frame so the pace is real).
pub fn animate(
    display: &str,
    mut anim: Animation,
    fps: u32,
    length: Duration,
) -> Result<AnimationRun> {
    let (conn, screen) = x11rb::connect(Some(display)).context("connect for the animation")?;
    let root = conn.setup().roots[screen].root;
    let gc = conn.generate_id()?;
    conn.create_gc(gc, root, &CreateGCAux::new())?;
    let row = anim.w * 4;
    let band = ((conn.maximum_request_bytes().saturating_sub(64)) / row).clamp(1, anim.h);
    let period = Duration::from_secs_f64(1.0 / f64::from(fps));
    let started = Instant::now();
    let mut next = started;
    let mut frames = 0;
    while started.elapsed() < length {
        let (w, h) = (anim.w, anim.h);
        let data = anim.compose(frames);
        let mut y = 0;
        while y < h {
            let rows = band.min(h - y);
            conn.put_image(
                ImageFormat::Z_PIXMAP,
                root,
                gc,
                w as u16,
                rows as u16,
                0,
                y as i16,
                0,
                24,
                &data[y * row..(y + rows) * row],
            )?;
            y += rows;
        }
        conn.get_input_focus()?.reply()?;
        frames += 1;
        next += period;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now; // behind: no catch-up burst
        }
    }
    conn.get_input_focus()?.reply()?;
    let stopped = Instant::now();
    conn.free_gc(gc)?;
    conn.flush()?;
    Ok(AnimationRun {
        frames,
        started,
        stopped,
    })
}

/// Keystroke-to-glyph without Deskmate: XTest key press + release from
/// this process, then GetImage of `area` (x, y, w, h) every ~0.2 ms until
/// it changes. One sample per character (`None`: no change within 1 s),
/// `rate` characters per second. Characters must be lowercase letters or space.
pub fn local_typing(
    display: &Display,
    text: &str,
    rate: f64,
    area: (i16, i16, u16, u16),
) -> Result<Vec<Option<Duration>>> {
    let conn = &display.conn;
    let setup = conn.setup();
    let (min, max) = (setup.min_keycode, setup.max_keycode);
    let mapping = conn
        .get_keyboard_mapping(min, max - min + 1)?
        .reply()
        .context("keyboard mapping")?;
    let per = usize::from(mapping.keysyms_per_keycode);
    let keycode = |c: char| -> Option<u8> {
        (0..=usize::from(max - min)).find_map(|i| {
            (mapping.keysyms.get(i * per).copied() == Some(u32::from(c))).then(|| min + i as u8)
        })
    };
    let snap = || -> Result<Vec<u8>> {
        Ok(conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                display.root,
                area.0,
                area.1,
                area.2,
                area.3,
                !0,
            )?
            .reply()?
            .data)
    };
    let period = Duration::from_secs_f64(1.0 / rate);
    let mut out = Vec::new();
    let mut next = Instant::now();
    for c in text.chars() {
        let code = keycode(c).with_context(|| format!("no key for {c:?}"))?;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        next += period;
        let before = snap()?;
        let sent = Instant::now();
        conn.xtest_fake_input(2, code, 0, display.root, 0, 0, 0)?; // KeyPress
        conn.xtest_fake_input(3, code, 0, display.root, 0, 0, 0)?; // KeyRelease
        conn.flush()?;
        let mut seen = None;
        while sent.elapsed() < Duration::from_secs(1) {
            if snap()? != before {
                seen = Some(sent.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        out.push(seen);
    }
    Ok(out)
}

/// Presses and releases Return with XTest.
pub fn press_return(display: &Display) -> Result<()> {
    let conn = &display.conn;
    let setup = conn.setup();
    let (min, max) = (setup.min_keycode, setup.max_keycode);
    let mapping = conn.get_keyboard_mapping(min, max - min + 1)?.reply()?;
    let per = usize::from(mapping.keysyms_per_keycode);
    let code = (0..=usize::from(max - min))
        .find_map(|i| {
            (mapping.keysyms.get(i * per).copied() == Some(0xff0d)).then(|| min + i as u8)
        })
        .context("no Return key")?;
    conn.xtest_fake_input(2, code, 0, display.root, 0, 0, 0)?;
    conn.xtest_fake_input(3, code, 0, display.root, 0, 0, 0)?;
    conn.flush()?;
    Ok(())
}
