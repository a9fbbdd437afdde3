//! The mouse cursor: its shape from XFixes (sent when it changes) and its
//! position (sent when it moves), so the viewer draws it crisply and
//! without waiting for screen updates.

use super::super::{CursorSource, PlatformError};
use super::request;
use deskmate_proto::cursor::{CursorUpdate, MAX_CURSOR_SIDE};
use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::xfixes::{ConnectionExt as _, CursorNotifyMask};
use x11rb::protocol::xproto::{ConnectionExt as _, Window};
use x11rb::rust_connection::RustConnection;

/// Watches the cursor of `$DISPLAY`.
pub struct X11Cursor {
    conn: RustConnection,
    root: Window,
    position: Option<(i32, i32)>,
    shape_due: bool,
}

impl X11Cursor {
    /// Connects and subscribes to cursor changes.
    pub fn open() -> Result<Self, PlatformError> {
        let (conn, screen) = super::connect()?;
        let root = screen.root;
        conn.xfixes_query_version(5, 0)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        conn.xfixes_select_cursor_input(root, CursorNotifyMask::DISPLAY_CURSOR)
            .map_err(request)?;
        conn.flush().map_err(request)?;
        Ok(Self {
            conn,
            root,
            position: None,
            shape_due: true,
        })
    }
}

impl CursorSource for X11Cursor {
    fn poll(&mut self) -> Result<Vec<CursorUpdate>, PlatformError> {
        while let Some(event) = self
            .conn
            .poll_for_event()
            .map_err(|e| PlatformError::Display(format!("lost the X server: {e}")))?
        {
            if let Event::XfixesCursorNotify(_) = event {
                self.shape_due = true;
            }
        }
        let mut updates = Vec::new();
        if std::mem::take(&mut self.shape_due) {
            let image = self
                .conn
                .xfixes_get_cursor_image()
                .map_err(request)?
                .reply()
                .map_err(request)?;
            let fits = image.width > 0
                && image.height > 0
                && image.width <= MAX_CURSOR_SIDE
                && image.height <= MAX_CURSOR_SIDE;
            if fits
                && image.cursor_image.len() == usize::from(image.width) * usize::from(image.height)
            {
                updates.push(CursorUpdate::Shape {
                    width: image.width,
                    height: image.height,
                    hot_x: image.xhot.min(image.width - 1),
                    hot_y: image.yhot.min(image.height - 1),
                    argb: image.cursor_image,
                });
            }
        }
        let pointer = self
            .conn
            .query_pointer(self.root)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        let position = (i32::from(pointer.root_x), i32::from(pointer.root_y));
        if self.position != Some(position) {
            self.position = Some(position);
            updates.push(CursorUpdate::Position {
                x: position.0,
                y: position.1,
            });
        }
        Ok(updates)
    }

    fn resend(&mut self) {
        self.shape_due = true;
        self.position = None;
    }
}
