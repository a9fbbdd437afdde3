//! The screen's layout: its size and monitors as RandR reports them, and
//! the events that say they changed (a monitor connected or removed, a new
//! resolution). Capture and the overlays both follow it.

use super::super::{PlatformError, ScreenLayout};
use super::request;
use deskmate_proto::messages::MonitorInfo;
use x11rb::protocol::xproto::{ConnectionExt as _, Window};
use x11rb::rust_connection::RustConnection;

/// Reads the root window's size now (the setup's size is the one at
/// connection) and the monitors RandR reports (one covering the screen
/// without RandR 1.5).
pub(crate) fn read_layout(
    conn: &RustConnection,
    root: Window,
) -> Result<ScreenLayout, PlatformError> {
    use x11rb::protocol::randr::ConnectionExt as _;
    let geometry = conn
        .get_geometry(root)
        .map_err(request)?
        .reply()
        .map_err(|e| PlatformError::Display(format!("lost the X server: {e}")))?;
    let (width, height) = (u32::from(geometry.width), u32::from(geometry.height));
    let whole = MonitorInfo {
        index: 0,
        name: "screen".into(),
        x: 0,
        y: 0,
        width,
        height,
        primary: true,
    };
    let listed = conn
        .randr_get_monitors(root, true)
        .ok()
        .and_then(|c| c.reply().ok());
    let monitors = match listed.filter(|l| !l.monitors.is_empty()) {
        None => vec![whole],
        Some(listed) => listed
            .monitors
            .iter()
            .enumerate()
            .take(deskmate_proto::messages::MAX_MONITORS)
            .map(|(i, m)| MonitorInfo {
                index: i as u32,
                name: conn
                    .get_atom_name(m.name)
                    .ok()
                    .and_then(|c| c.reply().ok())
                    .map(|r| String::from_utf8_lossy(&r.name).chars().take(64).collect())
                    .unwrap_or_else(|| format!("monitor {}", i + 1)),
                x: i32::from(m.x),
                y: i32::from(m.y),
                width: u32::from(m.width).max(1),
                height: u32::from(m.height).max(1),
                primary: m.primary,
            })
            .collect(),
    };
    Ok(ScreenLayout {
        width,
        height,
        monitors,
    })
}

/// Asks for the events that say the layout changed: RandR's (monitors,
/// outputs, modes) and the root window's own size.
pub(crate) fn watch_layout(conn: &RustConnection, root: Window) -> Result<(), PlatformError> {
    use x11rb::protocol::randr::{ConnectionExt as _, NotifyMask};
    use x11rb::protocol::xproto::{ChangeWindowAttributesAux, EventMask};
    conn.change_window_attributes(
        root,
        &ChangeWindowAttributesAux::new().event_mask(EventMask::STRUCTURE_NOTIFY),
    )
    .map_err(request)?;
    // Without RandR 1.2 the size still arrives as a ConfigureNotify.
    let randr = conn
        .randr_query_version(1, 5)
        .ok()
        .and_then(|c| c.reply().ok());
    if randr.is_some_and(|v| (v.major_version, v.minor_version) >= (1, 2)) {
        conn.randr_select_input(
            root,
            NotifyMask::SCREEN_CHANGE
                | NotifyMask::CRTC_CHANGE
                | NotifyMask::OUTPUT_CHANGE
                | NotifyMask::RESOURCE_CHANGE,
        )
        .map_err(request)?;
    }
    Ok(())
}

/// "1920x1080: DP-1 1920x1080+0+0" for the log.
pub(crate) fn describe(layout: &ScreenLayout) -> String {
    let monitors: Vec<String> = layout
        .monitors
        .iter()
        .map(|m| format!("{} {}x{}+{}+{}", m.name, m.width, m.height, m.x, m.y))
        .collect();
    format!(
        "{}x{}: {}",
        layout.width,
        layout.height,
        monitors.join(", ")
    )
}
