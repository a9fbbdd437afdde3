//! What this device says about itself (SPEC §4): host name, operating
//! system, and the facts compliance policies check — disk encryption,
//! firewall, screen lock, pending security updates. Each platform has its
//! own collector; a fact the collector cannot establish is reported as
//! unknown, never guessed.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(not(target_os = "linux"))]
mod other;
#[cfg(target_os = "linux")]
pub mod parse;
mod run;

use deskmate_proto::device::Inventory;

/// How much to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Names only (fast; used when redeeming a code).
    Quick,
    /// Everything, including checks that take seconds (enrolment, reports).
    Full,
}

/// Collects this device's inventory.
pub fn collect(depth: Depth) -> Inventory {
    #[cfg(target_os = "linux")]
    let inventory = linux::collect(depth);
    #[cfg(not(target_os = "linux"))]
    let inventory = other::collect(depth);
    inventory.cleaned()
}
