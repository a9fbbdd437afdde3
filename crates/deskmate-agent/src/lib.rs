//! The sharer side of a Deskmate session (`deskmate share`).
//!
//! - [`client`]: talks to the server: sign-in, code redemption, the session WebSocket.
//! - [`device`]: this machine's identity (enrolment key pair) and inventory.
//! - [`platform`]: screen capture and input injection behind traits, one
//!   backend per platform (X11 on Linux; Windows compiles with stubs).
//! - [`share`]: the session driver: consent, streaming, applying input.
//! - [`sharer_page`]: the sharer's page in a browser, served by the agent
//!   on loopback and bound to it by a secret key.

pub mod client;
pub mod device;
pub mod platform;
pub mod share;
pub mod sharer_page;
