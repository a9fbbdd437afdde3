//! Deskmate's session protocol, without any I/O.
//!
//! Everything here is plain data and state machines fed with messages and
//! time, so the server, the agent, the browser (as WebAssembly) and the
//! tests share one definition of the protocol and can test it without
//! sockets or clocks.
//!
//! - [`code`]: security codes (alphabet, format, parsing).
//! - [`device`]: device inventory and what enrolled devices sign.
//! - [`messages`]: the JSON control messages in both directions.
//! - [`frame`]: binary data frames (screen, input, pointer).
//! - [`keys`]: browser keys to X11 keysyms.
//! - [`session`]: the broker's state machine for one session.

pub mod code;
pub mod cursor;
pub mod device;
pub mod frame;
pub mod input;
pub mod keys;
pub mod messages;
pub mod session;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
