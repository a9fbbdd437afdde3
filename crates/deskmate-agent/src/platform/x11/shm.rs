//! A MIT-SHM segment the X server fills with screen pixels.
//!
//! The server creates the segment and passes its file descriptor; we map it
//! read-only. This is the only unsafe code in the agent.

#![allow(unsafe_code)]

use super::super::PlatformError;
use x11rb::connection::Connection;
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::rust_connection::RustConnection;

/// A mapped segment.
pub struct Segment {
    /// The segment's X id.
    pub id: shm::Seg,
    map: memmap2::Mmap,
}

impl Segment {
    /// Asks the server for a segment of `size` bytes and maps it.
    pub fn create(conn: &RustConnection, size: u32) -> Result<Self, PlatformError> {
        let id = conn
            .generate_id()
            .map_err(|e| PlatformError::Request(e.to_string()))?;
        let reply = conn
            .shm_create_segment(id, size, false)
            .map_err(|e| PlatformError::Request(e.to_string()))?
            .reply()
            .map_err(|e| PlatformError::Request(format!("MIT-SHM segment: {e}")))?;
        let file = std::fs::File::from(reply.shm_fd);
        // SAFETY: the X server owns the segment and writes to it only while we
        // wait for a GetImage reply; we read the mapping only after the reply
        // arrived, and never hand out references that outlive a grab.
        let map = unsafe { memmap2::MmapOptions::new().len(size as usize).map(&file) }
            .map_err(|e| PlatformError::Request(format!("mapping the MIT-SHM segment: {e}")))?;
        Ok(Self { id, map })
    }

    /// Tells the server the segment is no longer used (the mapping goes
    /// with `self`).
    pub fn detach(self, conn: &RustConnection) {
        let _ = conn.shm_detach(self.id);
    }

    /// The bytes the server last wrote.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }
}
