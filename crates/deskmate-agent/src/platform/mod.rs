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

/// A captured screen and the regions that changed since the previous grab.
pub struct Capture {
    /// The whole screen.
    pub frame: Frame,
    /// Changed regions (`None`: unknown, check everything).
    pub dirty: Option<Vec<Rect>>,
}

/// Reads the screen.
pub trait ScreenSource: Send {
    /// Waits up to `timeout_ms` for the screen to change, then grabs it.
    /// Returns `None` when nothing changed in that time.
    fn next(&mut self, timeout_ms: u64) -> Result<Option<Capture>, PlatformError>;
    /// Grabs the whole shared area now (for keyframes).
    fn grab_all(&mut self) -> Result<Frame, PlatformError>;
    /// Shares only `area` of the screen (a monitor), or everything with `None`.
    fn select(&mut self, area: Option<Rect>) -> Result<(), PlatformError>;
}

/// The monitors of this system's screen.
pub fn list_monitors() -> Result<Vec<MonitorInfo>, PlatformError> {
    #[cfg(target_os = "linux")]
    {
        x11::capture::monitors()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(PlatformError::Unsupported)
    }
}

/// Injects input.
pub trait InputSink: Send {
    /// Applies one checked event; coordinates are relative to the shared area.
    fn apply(&mut self, event: &InputEvent) -> Result<(), PlatformError>;
    /// Where the shared area starts on the whole screen.
    fn set_origin(&mut self, x: i32, y: i32);
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
