//! This machine as a device of an organisation (SPEC §4): its identity file
//! (installation id and, once enrolled, its key pair) and the inventory it
//! reports.
//!
//! - [`claim`]: the device parts of redemption, enrolment and report requests.
//! - [`identity`]: the identity file, key generation and signing.
//! - [`inventory`]: what the device says about itself, per platform.

pub mod claim;
pub mod identity;
pub mod inventory;
