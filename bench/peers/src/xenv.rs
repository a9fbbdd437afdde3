//! The X side: an Xvfb display, grabs of its pixels, X clients (xterm,
//! Chromium), XTest input, window moves, a drawn test pattern and the
//! full-screen animation (the same picture as `bench/agent`).

use crate::procs::Proc;
use anyhow::{Context, Result, bail};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{
    AtomEnum, ChangeGCAux, ChangeWindowAttributesAux, ConfigureWindowAux, ConnectionExt as _,
    CreateGCAux, Gcontext, ImageFormat, MapState, Rectangle, Window,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

/// A rectangle of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Where `Display::pattern` paints.
pub const PATTERN: Region = Region {
    x: 1300,
    y: 700,
    w: 450,
    h: 300,
};

/// A top-level window: id and geometry.
#[derive(Debug, Clone, Copy)]
pub struct Win {
    pub id: Window,
    pub x: i32,
    pub y: i32,
    pub w: u32,
    pub h: u32,
}

/// An Xvfb display (stopped on drop) and a connection to it.
pub struct Display {
    pub proc: Proc,
    /// `:N`.
    pub name: String,
    pub conn: RustConnection,
    pub root: Window,
    pub width: u32,
    pub height: u32,
    gc: Gcontext,
    keymap: Vec<(u32, u8)>,
}

impl Display {
    /// Starts `Xvfb :N -screen 0 WxHx24 -nolisten tcp` on a free display number.
    pub fn start(width: u16, height: u16) -> Result<Self> {
        let seed = u64::from(std::process::id());
        for attempt in 0..40u64 {
            let n = 300 + (seed + attempt * 37) % 600;
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
            )?;
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if let Ok((conn, screen)) = x11rb::connect(Some(&name)) {
                    let s = &conn.setup().roots[screen];
                    let (root, w, h) = (s.root, s.width_in_pixels, s.height_in_pixels);
                    let gc = conn.generate_id()?;
                    conn.create_gc(gc, root, &CreateGCAux::new())?;
                    let keymap = keymap(&conn)?;
                    return Ok(Self {
                        proc,
                        name,
                        conn,
                        root,
                        width: u32::from(w),
                        height: u32::from(h),
                        gc,
                        keymap,
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

    pub fn full(&self) -> Region {
        Region {
            x: 0,
            y: 0,
            w: self.width,
            h: self.height,
        }
    }

    /// A region's pixels as the X server has them (`0x00RRGGBB`, row-major).
    pub fn grab(&self, r: Region) -> Result<Vec<u32>> {
        let image = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                r.x as i16,
                r.y as i16,
                r.w as u16,
                r.h as u16,
                !0,
            )?
            .reply()
            .context("GetImage")?;
        Ok(image
            .data
            .chunks_exact(4)
            .map(|p| u32::from_le_bytes([p[0], p[1], p[2], 0]))
            .collect())
    }

    /// Starts an X client on this display.
    pub fn client(&self, name: &str, program: &str, args: &[&str]) -> Result<Proc> {
        Proc::spawn(
            name,
            Command::new(program)
                .args(args)
                .env("DISPLAY", &self.name)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
    }

    /// Mapped top-level windows whose WM_CLASS contains `class`.
    pub fn windows(&self, class: &str) -> Result<Vec<Win>> {
        let tree = self.conn.query_tree(self.root)?.reply()?;
        let mut out = Vec::new();
        for &w in &tree.children {
            let Ok(attrs) = self.conn.get_window_attributes(w)?.reply() else {
                continue;
            };
            if attrs.map_state != MapState::VIEWABLE {
                continue;
            }
            let Ok(prop) = self
                .conn
                .get_property(false, w, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 64)?
                .reply()
            else {
                continue;
            };
            if !String::from_utf8_lossy(&prop.value)
                .to_lowercase()
                .contains(&class.to_lowercase())
            {
                continue;
            }
            let Ok(g) = self.conn.get_geometry(w)?.reply() else {
                continue;
            };
            out.push(Win {
                id: w,
                x: i32::from(g.x),
                y: i32::from(g.y),
                w: u32::from(g.width),
                h: u32::from(g.height),
            });
        }
        Ok(out)
    }

    /// Waits for a mapped window of `class`, returns the largest.
    pub fn wait_window(&self, class: &str, limit: Duration) -> Result<Win> {
        let started = Instant::now();
        loop {
            let mut windows = self.windows(class)?;
            windows.sort_by_key(|w| w.w * w.h);
            if let Some(w) = windows.pop() {
                return Ok(w);
            }
            if started.elapsed() > limit {
                bail!("no {class} window appeared within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until no window of `class` is mapped.
    pub fn wait_gone(&self, class: &str, limit: Duration) -> Result<()> {
        let started = Instant::now();
        while !self.windows(class)?.is_empty() {
            if started.elapsed() > limit {
                bail!("a {class} window stayed after its process was stopped");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    fn keycode(&self, keysym: u32) -> Result<u8> {
        self.keymap
            .iter()
            .find(|(k, _)| *k == keysym)
            .map(|(_, c)| *c)
            .with_context(|| format!("no key for keysym {keysym:#x}"))
    }

    /// Presses and releases the key for `keysym` with XTest.
    pub fn key(&self, keysym: u32) -> Result<()> {
        let code = self.keycode(keysym)?;
        self.conn.xtest_fake_input(2, code, 0, self.root, 0, 0, 0)?;
        self.conn.xtest_fake_input(3, code, 0, self.root, 0, 0, 0)?;
        self.conn.flush()?;
        Ok(())
    }

    /// Moves the pointer with XTest.
    pub fn pointer(&self, x: i32, y: i32) -> Result<()> {
        self.conn
            .xtest_fake_input(6, 0, 0, self.root, x as i16, y as i16, 0)?;
        self.conn.flush()?;
        Ok(())
    }

    /// Clicks mouse button `button` (4/5: wheel up/down) with XTest.
    pub fn click(&self, button: u8) -> Result<()> {
        self.conn
            .xtest_fake_input(4, button, 0, self.root, 0, 0, 0)?;
        self.conn
            .xtest_fake_input(5, button, 0, self.root, 0, 0, 0)?;
        self.conn.flush()?;
        Ok(())
    }

    /// Moves a top-level window, as a window manager does during a drag.
    pub fn move_window(&self, w: Window, x: i32, y: i32) -> Result<()> {
        self.conn
            .configure_window(w, &ConfigureWindowAux::new().x(x).y(y))?;
        self.conn.flush()?;
        Ok(())
    }

    /// Waits until the X server has processed everything sent so far.
    pub fn sync(&self) -> Result<()> {
        self.conn.get_input_focus()?.reply()?;
        Ok(())
    }

    /// Paints a flat test pattern (coloured blocks) on the root window;
    /// `variant` changes the colours.
    pub fn pattern(&self, variant: u32) -> Result<()> {
        let colours = [0x00c0392b, 0x0027ae60, 0x002980b9, 0x00f1c40f, 0x008e44ad];
        for i in 0..5u32 {
            let colour = colours[((i + variant) % 5) as usize];
            self.conn
                .change_gc(self.gc, &ChangeGCAux::new().foreground(colour))?;
            let rect = Rectangle {
                x: (PATTERN.x + i * 90) as i16,
                y: (PATTERN.y + (i % 2) * 60) as i16,
                width: 80,
                height: 240,
            };
            self.conn.poly_fill_rectangle(self.root, self.gc, &[rect])?;
        }
        self.sync()
    }

    /// Gives the root window a wallpaper (smooth gradients and soft
    /// discs, as photos and desktop backgrounds have; no noise), which the
    /// X server repaints wherever a window uncovers it.
    pub fn wallpaper(&self) -> Result<()> {
        let (w, h) = (self.width as usize, self.height as usize);
        let discs = [
            (420.0, 300.0, 260.0, [40.0, 90.0, 60.0]),
            (1500.0, 760.0, 380.0, [70.0, 30.0, 90.0]),
            (1100.0, 200.0, 180.0, [90.0, 80.0, 20.0]),
        ];
        let mut bgrx = vec![0u8; w * h * 4];
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f64 / w as f64, y as f64 / h as f64);
                let mut rgb = [
                    20.0 + 40.0 * fx,
                    60.0 + 70.0 * fy,
                    110.0 + 90.0 * (1.0 - fx * fy),
                ];
                for (cx, cy, r, add) in &discs {
                    let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt() / r;
                    let k = (1.0 - d).clamp(0.0, 1.0).powi(2);
                    for c in 0..3 {
                        rgb[c] += add[c] * k;
                    }
                }
                let at = (y * w + x) * 4;
                bgrx[at] = rgb[2].clamp(0.0, 255.0) as u8;
                bgrx[at + 1] = rgb[1].clamp(0.0, 255.0) as u8;
                bgrx[at + 2] = rgb[0].clamp(0.0, 255.0) as u8;
            }
        }
        let pixmap = self.conn.generate_id()?;
        self.conn
            .create_pixmap(24, pixmap, self.root, w as u16, h as u16)?;
        let row = w * 4;
        let band = (self.conn.maximum_request_bytes().saturating_sub(64) / row).clamp(1, h);
        let mut y = 0;
        while y < h {
            let rows = band.min(h - y);
            self.conn.put_image(
                ImageFormat::Z_PIXMAP,
                pixmap,
                self.gc,
                w as u16,
                rows as u16,
                0,
                y as i16,
                0,
                24,
                &bgrx[y * row..(y + rows) * row],
            )?;
            y += rows;
        }
        self.conn.change_window_attributes(
            self.root,
            &ChangeWindowAttributesAux::new().background_pixmap(pixmap),
        )?;
        self.conn.free_pixmap(pixmap)?;
        self.clear_root()
    }

    /// Repaints the root window's background everywhere.
    pub fn clear_root(&self) -> Result<()> {
        self.conn.clear_area(false, self.root, 0, 0, 0, 0)?;
        self.sync()
    }

    /// Draws one BGRX frame on the root window with PutImage (in bands that
    /// fit the request size), then waits for the X server to have it.
    pub fn put_frame(&self, bgrx: &[u8]) -> Result<()> {
        let row = self.width as usize * 4;
        let band = (self.conn.maximum_request_bytes().saturating_sub(64) / row)
            .clamp(1, self.height as usize);
        let mut y = 0;
        while y < self.height as usize {
            let rows = band.min(self.height as usize - y);
            self.conn.put_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                self.gc,
                self.width as u16,
                rows as u16,
                0,
                y as i16,
                0,
                24,
                &bgrx[y * row..(y + rows) * row],
            )?;
            y += rows;
        }
        self.sync()
    }
}

impl Drop for Display {
    /// SIGTERM, so Xvfb removes its lock file and socket.
    fn drop(&mut self) {
        self.proc.terminate(Duration::from_secs(5));
    }
}

/// (keysym, keycode) pairs of the first keysym column.
fn keymap(conn: &RustConnection) -> Result<Vec<(u32, u8)>> {
    let setup = conn.setup();
    let (min, max) = (setup.min_keycode, setup.max_keycode);
    let mapping = conn
        .get_keyboard_mapping(min, max - min + 1)?
        .reply()
        .context("keyboard mapping")?;
    let per = usize::from(mapping.keysyms_per_keycode);
    Ok((0..=usize::from(max - min))
        .filter_map(|i| mapping.keysyms.get(i * per).map(|&k| (k, min + i as u8)))
        .filter(|(k, _)| *k != 0)
        .collect())
}

/// A synthetic moving picture: a texture twice the screen in each direction
/// (gradients, a checkerboard and rings; no noise), shown through a
/// screen-sized window that moves diagonally, so every tile changes every
/// frame and no vertical-scroll copy applies.
pub struct Animation {
    texture: Vec<u8>,
    tw: usize,
    th: usize,
    pub w: usize,
    pub h: usize,
    frame: Vec<u8>,
}

impl Animation {
    pub fn new(w: u32, h: u32) -> Self {
        let (w, h) = (w as usize, h as usize);
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
