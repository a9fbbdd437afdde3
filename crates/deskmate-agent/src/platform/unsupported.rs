//! Platforms without a backend yet (Windows: DXGI capture and SendInput are
//! designed to slot in here behind the same traits).

use super::{Backends, PlatformError};

/// Always refuses, with a clear message.
pub fn open() -> Result<Backends, PlatformError> {
    Err(PlatformError::Unsupported)
}
