//! Tests across modules: both sides end to end, attackers in the middle,
//! frame tampering, epochs and a throughput figure.

mod agreement;
mod attacks;
mod frames;
pub(crate) mod support;
mod throughput;
