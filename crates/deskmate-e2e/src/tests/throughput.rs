//! How fast sealing and opening run: printed, never asserted.
//! `cargo test -p deskmate-e2e --release throughput -- --nocapture`.

use super::support::cipher_pair;
use crate::Opened;
use std::time::Instant;

#[test]
fn seal_and_open_throughput_for_64_kib_frames() {
    let (mut h, mut s) = cipher_pair();
    let frame = vec![0xa5u8; 64 * 1024];
    let frames = if cfg!(debug_assertions) { 64 } else { 4000 };
    let start = Instant::now();
    for _ in 0..frames {
        let sealed = s.seal(1, &frame);
        match h.open(1, &sealed) {
            Ok(Opened::Data(p)) => assert_eq!(p.len(), frame.len()),
            other => panic!("{other:?}"),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let megabytes = (frames * frame.len()) as f64 / 1e6;
    println!(
        "e2e throughput: {frames} × 64 KiB sealed and opened in {seconds:.3} s = {:.1} MB/s ({} build)",
        megabytes / seconds,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
}
