//! X11 backend: capture with MIT-SHM of XDamage-reported changes, input
//! with XTest, overlays as override-redirect windows.

pub mod capture;
pub mod cursor;
pub mod input;
pub mod layout;
pub mod overlay;
mod shm;

use super::PlatformError;
use x11rb::rust_connection::RustConnection;

/// What a backend needs to know about the default screen.
pub(crate) struct ScreenInfo {
    /// Root window.
    pub root: x11rb::protocol::xproto::Window,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Colour depth of the root window.
    pub depth: u8,
}

/// Connects to `$DISPLAY` and describes its default screen.
pub(crate) fn connect() -> Result<(RustConnection, ScreenInfo), PlatformError> {
    use x11rb::connection::Connection;
    let (conn, screen_num) =
        x11rb::connect(None).map_err(|e| PlatformError::Display(e.to_string()))?;
    let screen = conn
        .setup()
        .roots
        .get(screen_num)
        .ok_or_else(|| PlatformError::Display("no such screen".into()))?;
    let info = ScreenInfo {
        root: screen.root,
        width: screen.width_in_pixels,
        height: screen.height_in_pixels,
        depth: screen.root_depth,
    };
    Ok((conn, info))
}

/// Turns an X request failure into a platform error.
pub(crate) fn request<E: std::fmt::Display>(e: E) -> PlatformError {
    PlatformError::Request(e.to_string())
}
