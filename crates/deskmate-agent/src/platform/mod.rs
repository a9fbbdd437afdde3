//! Platform backends behind traits: the rest of the agent never sees X11 or
//! Win32 types. `open()` picks the backend for the running system.

use deskmate_codec::{Frame, Rect};
use deskmate_proto::cursor::CursorUpdate;
use deskmate_proto::input::{InputEvent, LaserPointer};
use deskmate_proto::messages::MonitorInfo;

pub mod laser_trail;
#[cfg(target_os = "linux")]
pub mod x11;

#[cfg(not(target_os = "linux"))]
pub mod unsupported;

/// Why the platform failed.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// No display to capture (e.g. DISPLAY unset or the X server is gone).
    #[error("cannot reach the display: {0}")]
    Display(String),
    /// A request to the display server failed.
    #[error("display server request failed: {0}")]
    Request(String),
    /// An input event cannot be applied (e.g. no key can produce the symbol).
    #[error("cannot apply input: {0}")]
    Input(String),
    /// This platform has no backend yet.
    #[error("screen sharing is not supported on this platform yet")]
    Unsupported,
}

/// The screen's size and its monitors, as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenLayout {
    /// Width of the whole screen (all monitors) in pixels.
    pub width: u32,
    /// Height of the whole screen.
    pub height: u32,
    /// The monitors, in the system's order.
    pub monitors: Vec<MonitorInfo>,
}

impl ScreenLayout {
    /// The whole screen.
    pub fn whole(&self) -> Rect {
        Rect {
            x: 0,
            y: 0,
            w: self.width,
            h: self.height,
        }
    }

    /// The part of the screen that monitor `index` shows (the whole screen
    /// for `None` or a monitor not in the list), clipped to the screen.
    pub fn area(&self, index: Option<u32>) -> Rect {
        let Some(m) = index.and_then(|i| self.monitors.get(i as usize)) else {
            return self.whole();
        };
        let x = m.x.clamp(0, self.width as i32) as u32;
        let y = m.y.clamp(0, self.height as i32) as u32;
        let w = m.width.min(self.width - x);
        let h = m.height.min(self.height - y);
        if w == 0 || h == 0 {
            return self.whole();
        }
        Rect { x, y, w, h }
    }
}

/// Reads the screen.
pub trait ScreenSource: Send {
    /// Waits up to `timeout_ms` for the screen to change, then reads what
    /// changed into [`ScreenSource::frame`] and returns those regions (in
    /// the shared area's coordinates). Returns `None` when nothing changed
    /// in that time, or when the layout changed (see
    /// [`ScreenSource::layout_changed`]).
    fn next(&mut self, timeout_ms: u64) -> Result<Option<Vec<Rect>>, PlatformError>;
    /// Reads the whole shared area now (for keyframes).
    fn grab_all(&mut self) -> Result<(), PlatformError>;
    /// The shared area as last read.
    fn frame(&self) -> &Frame;
    /// Shares only `area` of the screen (a monitor), or everything with `None`.
    fn select(&mut self, area: Option<Rect>) -> Result<(), PlatformError>;
    /// The screen's size and monitors now.
    fn layout(&self) -> ScreenLayout;
    /// The new layout, once, after a monitor was connected, removed or moved,
    /// or the resolution changed. From then on the whole screen is shared
    /// until the next [`ScreenSource::select`]; a grab that failed because
    /// of the change is not a lost display.
    fn layout_changed(&mut self) -> Option<ScreenLayout>;
}

/// Injects input.
pub trait InputSink: Send {
    /// Applies one checked event; coordinates are relative to the shared area.
    fn apply(&mut self, event: &InputEvent) -> Result<(), PlatformError>;
    /// The shared area on the whole screen: pointer positions are offset by
    /// its corner and kept inside it.
    fn set_area(&mut self, area: Rect);
}

/// What the overlay shows.
#[derive(Debug, Clone)]
pub enum OverlayCmd {
    /// The always-visible "being helped" bar (clicking it leaves).
    Indicator(String),
    /// The helper's laser pointer at a position, in a colour; fades when still.
    Laser(LaserPointer),
}

/// Drives the on-screen overlays (indicator and laser pointer), which run on
/// their own thread and X connection. Dropping the handle removes them.
pub struct OverlayHandle {
    tx: std::sync::mpsc::Sender<OverlayCmd>,
}

impl OverlayHandle {
    /// Shows or updates the indicator bar.
    pub fn indicator(&self, text: &str) {
        let _ = self.tx.send(OverlayCmd::Indicator(text.to_string()));
    }

    /// Moves the laser pointer.
    pub fn laser(&self, pointer: LaserPointer) {
        let _ = self.tx.send(OverlayCmd::Laser(pointer));
    }
}

/// Opens the overlays; `leave` is signalled when the sharer clicks the indicator.
pub fn open_overlay(
    leave: tokio::sync::mpsc::UnboundedSender<()>,
) -> Result<OverlayHandle, PlatformError> {
    let (tx, rx) = std::sync::mpsc::channel::<OverlayCmd>();
    #[cfg(target_os = "linux")]
    {
        x11::overlay::spawn(rx, leave)?;
        Ok(OverlayHandle { tx })
    }
    #[cfg(not(target_os = "linux"))]
    {
        drop((rx, leave, tx));
        Err(PlatformError::Unsupported)
    }
}

/// A screen source and an input sink for the same display.
pub type Backends = (Box<dyn ScreenSource>, Box<dyn InputSink>);

/// Watches the mouse cursor.
pub trait CursorSource: Send {
    /// What changed since the last call (shape first, then position).
    fn poll(&mut self) -> Result<Vec<CursorUpdate>, PlatformError>;
    /// Reports shape and position again on the next poll (a viewer joined).
    fn resend(&mut self);
}

/// Opens the cursor watcher of this system.
pub fn open_cursor() -> Result<Box<dyn CursorSource>, PlatformError> {
    #[cfg(target_os = "linux")]
    {
        Ok(Box::new(x11::cursor::X11Cursor::open()?))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(PlatformError::Unsupported)
    }
}

/// Opens the screen and input backends of this system.
pub fn open() -> Result<Backends, PlatformError> {
    #[cfg(target_os = "linux")]
    {
        let screen = x11::capture::X11Screen::open()?;
        let input = x11::input::X11Input::open()?;
        Ok((Box::new(screen), Box::new(input)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        unsupported::open()
    }
}
