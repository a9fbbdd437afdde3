//! X11 backend: capture with MIT-SHM of XDamage-reported changes, input
//! with XTest, overlays as override-redirect windows.

pub mod capture;
pub mod cursor;
pub mod input;
pub mod overlay;
mod shm;
