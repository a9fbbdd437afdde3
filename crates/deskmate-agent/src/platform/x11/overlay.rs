//! On-screen overlays: the "being helped" bar at the top of the primary
//! monitor (it follows resolution and monitor changes) and
//! the helper's laser pointer with its fading trail. All are
//! override-redirect windows; the laser's have an empty input shape so
//! clicks and keys pass through them to whatever is underneath. The bar
//! takes clicks: clicking it leaves the session.

use super::super::laser_trail::{LaserTrail, TRAIL_DOTS, TRAIL_MAX_DIAMETER};
use super::super::{OverlayCmd, PlatformError, ScreenLayout};
use super::layout::{read_layout, watch_layout};
use super::request;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::shape::{self, ConnectionExt as _};
use x11rb::protocol::xfixes::ConnectionExt as _;
use x11rb::protocol::xproto::{
    AtomEnum, ConfigureWindowAux, ConnectionExt as _, CreateGCAux, CreateWindowAux, EventMask,
    PropMode, Rectangle, StackMode, Window, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// The laser disappears after this long without moving.
const LASER_FADE: Duration = Duration::from_millis(1500);
/// Laser dot diameter.
const DOT: u16 = 14;
const BAR_HEIGHT: u16 = 22;
const BAR_COLOUR: u32 = 0x00b7_1c1c;

struct Overlays {
    conn: RustConnection,
    root: Window,
    /// Where the bar goes: the primary monitor's left edge, top and width.
    bar_span: (i32, i32, u16),
    bar: Window,
    bar_gc: u32,
    bar_text: Vec<u8>,
    bar_shown: bool,
    laser: Window,
    laser_colour: u32,
    laser_since: Option<Instant>,
    /// Trail dot windows, youngest first, and the diameter each is shaped to (0: hidden).
    trail_windows: Vec<(Window, u16)>,
    trail: LaserTrail,
}

/// Starts the overlay thread. Fails early (before the thread) if the display is unusable.
pub fn spawn(
    rx: Receiver<OverlayCmd>,
    leave: tokio::sync::mpsc::UnboundedSender<()>,
) -> Result<(), PlatformError> {
    let mut overlays = Overlays::open()?;
    std::thread::spawn(move || {
        if let Err(err) = overlays.run(&rx, &leave) {
            tracing::warn!(error = %err, "overlays stopped");
        }
        overlays.close();
    });
    Ok(())
}

/// A round-ish dot of diameter `size` as shape rectangles.
fn dot_shape(size: u16) -> Vec<Rectangle> {
    let r = i32::from(size) / 2;
    (0..i32::from(size))
        .map(|y| {
            let dy = y - r;
            let half = (((r * r - dy * dy).max(0)) as f64).sqrt() as i32;
            Rectangle {
                x: (r - half) as i16,
                y: y as i16,
                width: (2 * half).max(1) as u16,
                height: 1,
            }
        })
        .collect()
}

/// A round override-redirect window of diameter `size` that input passes through.
fn dot_window(
    conn: &RustConnection,
    root: Window,
    size: u16,
    empty_region: u32,
    name: &[u8],
) -> Result<Window, PlatformError> {
    let window = conn.generate_id().map_err(request)?;
    conn.create_window(
        x11rb::COPY_DEPTH_FROM_PARENT,
        window,
        root,
        0,
        0,
        size,
        size,
        0,
        WindowClass::INPUT_OUTPUT,
        x11rb::COPY_FROM_PARENT,
        &CreateWindowAux::new()
            .background_pixel(0x00ff_0000)
            .override_redirect(1),
    )
    .map_err(request)?;
    conn.change_property8(
        PropMode::REPLACE,
        window,
        AtomEnum::WM_NAME,
        AtomEnum::STRING,
        name,
    )
    .map_err(request)?;
    conn.shape_rectangles(
        shape::SO::SET,
        shape::SK::BOUNDING,
        x11rb::protocol::xproto::ClipOrdering::UNSORTED,
        window,
        0,
        0,
        &dot_shape(size),
    )
    .map_err(request)?;
    conn.xfixes_set_window_shape_region(window, shape::SK::INPUT, 0, 0, empty_region)
        .map_err(request)?;
    Ok(window)
}

impl Overlays {
    fn open() -> Result<Self, PlatformError> {
        let (conn, screen) = super::connect()?;
        let root = screen.root;
        let bar = conn.generate_id().map_err(request)?;
        conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            bar,
            root,
            0,
            0,
            100,
            BAR_HEIGHT,
            0,
            WindowClass::INPUT_OUTPUT,
            x11rb::COPY_FROM_PARENT,
            &CreateWindowAux::new()
                .background_pixel(BAR_COLOUR)
                .override_redirect(1)
                .event_mask(EventMask::EXPOSURE | EventMask::BUTTON_PRESS),
        )
        .map_err(request)?;
        let font = conn.generate_id().map_err(request)?;
        conn.open_font(font, b"fixed").map_err(request)?;
        let bar_gc = conn.generate_id().map_err(request)?;
        conn.create_gc(
            bar_gc,
            bar,
            &CreateGCAux::new()
                .foreground(0x00ff_ffff)
                .background(BAR_COLOUR)
                .font(font),
        )
        .map_err(request)?;
        // An empty input shape: the pointer and keyboard go to the window underneath.
        let empty = conn.generate_id().map_err(request)?;
        conn.xfixes_query_version(5, 0)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        conn.xfixes_create_region(empty, &[]).map_err(request)?;
        let laser = dot_window(&conn, root, DOT, empty, b"Deskmate laser pointer")?;
        let mut trail_windows = Vec::with_capacity(TRAIL_DOTS);
        for _ in 0..TRAIL_DOTS {
            let window = dot_window(
                &conn,
                root,
                TRAIL_MAX_DIAMETER,
                empty,
                b"Deskmate laser trail",
            )?;
            trail_windows.push((window, 0));
        }
        watch_layout(&conn, root)?;
        let bar_span = bar_span(&read_layout(&conn, root)?);
        conn.flush().map_err(request)?;
        Ok(Self {
            conn,
            root,
            bar_span,
            bar,
            bar_gc,
            bar_text: Vec::new(),
            bar_shown: false,
            laser,
            laser_colour: 0x00ff_0000,
            laser_since: None,
            trail_windows,
            trail: LaserTrail::default(),
        })
    }

    /// Moves, reshapes, shows or hides the trail windows to match the trail now.
    fn draw_trail(&mut self) -> Result<(), PlatformError> {
        let dots = self.trail.dots(Instant::now());
        for (i, (window, shaped)) in self.trail_windows.iter_mut().enumerate() {
            match dots.get(i) {
                Some(dot) => {
                    if *shaped != dot.diameter {
                        self.conn
                            .shape_rectangles(
                                shape::SO::SET,
                                shape::SK::BOUNDING,
                                x11rb::protocol::xproto::ClipOrdering::UNSORTED,
                                *window,
                                0,
                                0,
                                &dot_shape(dot.diameter),
                            )
                            .map_err(request)?;
                        *shaped = dot.diameter;
                    }
                    let half = i32::from(dot.diameter / 2);
                    self.conn
                        .configure_window(
                            *window,
                            &ConfigureWindowAux::new()
                                .x(dot.x - half)
                                .y(dot.y - half)
                                .width(u32::from(dot.diameter))
                                .height(u32::from(dot.diameter))
                                .stack_mode(StackMode::ABOVE),
                        )
                        .map_err(request)?;
                    self.conn.map_window(*window).map_err(request)?;
                }
                None if *shaped != 0 => {
                    self.conn.unmap_window(*window).map_err(request)?;
                    *shaped = 0;
                }
                None => {}
            }
        }
        // The laser dot stays above its trail.
        self.conn
            .configure_window(
                self.laser,
                &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE),
            )
            .map_err(request)?;
        Ok(())
    }

    fn draw_bar(&self) -> Result<(), PlatformError> {
        self.conn
            .clear_area(false, self.bar, 0, 0, 0, 0)
            .map_err(request)?;
        self.conn
            .image_text8(self.bar, self.bar_gc, 10, 15, &self.bar_text)
            .map_err(request)?;
        Ok(())
    }

    /// Centres the bar at the top of the primary monitor, with its text.
    fn place_bar(&mut self) -> Result<(), PlatformError> {
        let (left, top, span) = self.bar_span;
        let width = (self.bar_text.len() as u16)
            .saturating_mul(6)
            .saturating_add(20)
            .min(span);
        let x = left + i32::from(span.saturating_sub(width) / 2);
        self.conn
            .change_property8(
                PropMode::REPLACE,
                self.bar,
                AtomEnum::WM_NAME,
                AtomEnum::STRING,
                &self.bar_text,
            )
            .map_err(request)?;
        self.conn
            .configure_window(
                self.bar,
                &ConfigureWindowAux::new()
                    .x(x)
                    .y(top)
                    .width(u32::from(width))
                    .stack_mode(StackMode::ABOVE),
            )
            .map_err(request)?;
        self.conn.map_window(self.bar).map_err(request)?;
        self.bar_shown = true;
        self.draw_bar()
    }

    /// Reads the layout again and moves the bar if it has to.
    fn follow_layout(&mut self) -> Result<(), PlatformError> {
        let span = bar_span(&read_layout(&self.conn, self.root)?);
        if span != self.bar_span {
            self.bar_span = span;
            if self.bar_shown {
                self.place_bar()?;
            }
        }
        Ok(())
    }

    fn apply(&mut self, cmd: OverlayCmd) -> Result<(), PlatformError> {
        match cmd {
            OverlayCmd::Indicator(text) => {
                // Virtual monitors change without an event: look again each time.
                self.bar_span = bar_span(&read_layout(&self.conn, self.root)?);
                // The core "fixed" font is Latin-1; other characters show as '?'.
                self.bar_text = text
                    .chars()
                    .take(200)
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect();
                self.place_bar()?;
            }
            OverlayCmd::Laser(p) => {
                if p.color != self.laser_colour {
                    self.laser_colour = p.color;
                    let windows = std::iter::once(self.laser)
                        .chain(self.trail_windows.iter().map(|(w, _)| *w))
                        .collect::<Vec<_>>();
                    for window in windows {
                        self.conn
                            .change_window_attributes(
                                window,
                                &x11rb::protocol::xproto::ChangeWindowAttributesAux::new()
                                    .background_pixel(p.color),
                            )
                            .map_err(request)?;
                        self.conn
                            .clear_area(false, window, 0, 0, 0, 0)
                            .map_err(request)?;
                    }
                }
                let half = i32::from(DOT / 2);
                self.conn
                    .configure_window(
                        self.laser,
                        &ConfigureWindowAux::new()
                            .x(p.x - half)
                            .y(p.y - half)
                            .stack_mode(StackMode::ABOVE),
                    )
                    .map_err(request)?;
                self.conn.map_window(self.laser).map_err(request)?;
                let now = Instant::now();
                self.laser_since = Some(now);
                self.trail.push(p.x, p.y, now);
                self.draw_trail()?;
            }
        }
        self.conn.flush().map_err(request)
    }

    fn run(
        &mut self,
        rx: &Receiver<OverlayCmd>,
        leave: &tokio::sync::mpsc::UnboundedSender<()>,
    ) -> Result<(), PlatformError> {
        loop {
            // Wake often only while the trail or the laser may need to fade;
            // commands wake us at once.
            let wait = if self.trail.active() {
                30
            } else if self.laser_since.is_some() {
                50
            } else {
                250
            };
            match rx.recv_timeout(Duration::from_millis(wait)) {
                Ok(cmd) => self.apply(cmd)?,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
            if self.trail.active() || self.trail_windows.iter().any(|(_, shaped)| *shaped != 0) {
                self.draw_trail()?;
            }
            if self.laser_since.is_some_and(|t| t.elapsed() > LASER_FADE) {
                self.conn.unmap_window(self.laser).map_err(request)?;
                self.laser_since = None;
                self.trail.clear();
                self.draw_trail()?;
                self.conn.flush().map_err(request)?;
            }
            while let Some(event) = self
                .conn
                .poll_for_event()
                .map_err(|e| PlatformError::Display(e.to_string()))?
            {
                match event {
                    Event::Expose(e) if e.window == self.bar && self.bar_shown => {
                        self.draw_bar()?
                    }
                    Event::ButtonPress(e) if e.event == self.bar => {
                        tracing::info!("the sharer clicked the indicator to leave");
                        let _ = leave.send(());
                    }
                    // A new resolution or monitor: the bar moves to where the primary monitor is now.
                    Event::ConfigureNotify(e) if e.window == self.root => self.follow_layout()?,
                    Event::RandrScreenChangeNotify(_) | Event::RandrNotify(_) => {
                        self.follow_layout()?
                    }
                    _ => {}
                }
            }
            self.conn.flush().map_err(request)?;
        }
    }

    fn close(&mut self) {
        for (window, _) in &self.trail_windows {
            let _ = self.conn.destroy_window(*window);
        }
        let _ = self.conn.destroy_window(self.laser);
        let _ = self.conn.destroy_window(self.bar);
        let _ = self.conn.flush();
    }
}

/// The primary monitor's left edge, top and width (the first monitor's when
/// none is primary), where the bar is centred.
fn bar_span(layout: &ScreenLayout) -> (i32, i32, u16) {
    let area = layout.area(
        layout
            .monitors
            .iter()
            .find(|m| m.primary)
            .or(layout.monitors.first())
            .map(|m| m.index),
    );
    (
        area.x as i32,
        area.y as i32,
        u16::try_from(area.w).unwrap_or(u16::MAX),
    )
}
