//! X11 backend: capture with MIT-SHM of XDamage-reported changes, input
//! with XTest.

pub mod capture;
pub mod input;
mod shm;
