//! Agent benchmarks (work in progress).
fn main() {}
