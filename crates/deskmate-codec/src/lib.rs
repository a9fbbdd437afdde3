//! Deskmate's screen codec.
//!
//! The screen is cut into 64×64 tiles. The encoder hashes each tile and
//! sends only tiles that changed since the last update, each in the
//! cheapest lossless form: one colour (solid), a few colours (palette with
//! zstd-packed indices) or zstd-compressed RGB. Copy rectangles move pixels
//! already on the viewer's screen (scrolling, window moves). Regions in
//! steady motion go as video rectangles (H.264) and are repainted losslessly
//! once the motion stops. The decoder is
//! pure Rust so the browser can run it as WebAssembly; it checks every
//! length and coordinate, so a hostile stream is an error, never a panic.

pub mod decoder;
#[cfg(feature = "encoder")]
pub mod encoder;
pub mod frame;
#[cfg(feature = "video")]
pub mod h264;
#[cfg(feature = "encoder")]
pub mod motion;
pub mod video;
#[cfg(feature = "encoder")]
pub mod video_encoder;
#[cfg(feature = "encoder")]
mod video_track;
pub mod wire;

pub use decoder::{DecodeError, Decoder};
#[cfg(feature = "encoder")]
pub use encoder::Encoder;
pub use frame::{Frame, Rect};
pub use video::{VideoCodec, VideoRect};
