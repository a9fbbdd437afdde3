//! Deskmate benchmarks (work in progress).
fn main() {}
