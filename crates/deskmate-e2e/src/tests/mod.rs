//! Tests across modules: both sides end to end, attackers in the middle (and
//! the bound on their guesses over a session's rounds),
//! frame tampering, epochs and a throughput figure.

mod agreement;
mod attacks;
mod frames;
mod guesses;
pub(crate) mod support;
mod throughput;
