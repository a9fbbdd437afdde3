//! Whatever the relay does to a sealed frame is noticed: bit flips,
//! replays, reordering, drops, frames from elsewhere, truncation.

use super::support::{CODE, cipher_pair, confirm_both, transcript};
use crate::cipher::OVERHEAD;
use crate::{E2eError, Opened, Transcript};

#[test]
fn every_flipped_bit_is_tampering() {
    let (mut h, mut s) = cipher_pair();
    let sealed = s.seal(1, b"a short screen update");
    for byte in 0..sealed.len() {
        for bit in 0..8 {
            let mut bad = sealed.clone();
            bad[byte] ^= 1 << bit;
            assert_eq!(
                h.open(1, &bad),
                Err(E2eError::Tampered),
                "byte {byte} bit {bit}"
            );
        }
    }
    // The failures changed nothing: the genuine frame still opens.
    assert_eq!(
        h.open(1, &sealed),
        Ok(Opened::Data(b"a short screen update".to_vec()))
    );

    // A 64 KiB frame: flips at the start, in the middle and in the tag.
    let big = vec![0x5a; 64 * 1024];
    let sealed = s.seal(1, &big);
    for byte in [
        0,
        7,
        8,
        9,
        32_768,
        sealed.len() - 17,
        sealed.len() - 16,
        sealed.len() - 1,
    ] {
        let mut bad = sealed.clone();
        bad[byte] ^= 0x04;
        assert_eq!(h.open(1, &bad), Err(E2eError::Tampered), "byte {byte}");
    }
    assert!(h.open(1, &sealed).is_ok());
}

#[test]
fn replays_are_refused() {
    let (mut h, mut s) = cipher_pair();
    let first = s.seal(2, b"click");
    assert!(h.open(2, &first).is_ok());
    assert_eq!(
        h.open(2, &first),
        Err(E2eError::Replayed {
            expected: 1,
            got: 0
        })
    );
    let second = s.seal(2, b"click again");
    assert!(h.open(2, &second).is_ok());
    assert_eq!(
        h.open(2, &second),
        Err(E2eError::Replayed {
            expected: 2,
            got: 1
        })
    );
    assert_eq!(
        h.open(2, &first),
        Err(E2eError::Replayed {
            expected: 2,
            got: 0
        })
    );
}

#[test]
fn reordering_and_drops_are_refused() {
    let (mut h, mut s) = cipher_pair();
    let a = s.seal(2, b"key down");
    let b = s.seal(2, b"key up");
    assert_eq!(
        h.open(2, &b),
        Err(E2eError::OutOfOrder {
            expected: 0,
            got: 1
        })
    );
    assert!(h.open(2, &a).is_ok());
    assert!(h.open(2, &b).is_ok());
    // A dropped frame: everything after it is refused.
    let _dropped = s.seal(2, b"lost");
    let after = s.seal(2, b"after");
    assert_eq!(
        h.open(2, &after),
        Err(E2eError::OutOfOrder {
            expected: 2,
            got: 3
        })
    );
}

#[test]
fn the_channel_is_authenticated() {
    let (mut h, mut s) = cipher_pair();
    let sealed = s.seal(3, b"pointer");
    for other in [0u8, 1, 2, 4, 0x10, 0x83, 0xff] {
        assert_eq!(
            h.open(other, &sealed),
            Err(E2eError::Tampered),
            "channel {other}"
        );
    }
    assert!(h.open(3, &sealed).is_ok());
}

#[test]
fn frames_from_another_session_or_epoch_are_tampering() {
    let (mut h, mut s) = cipher_pair();
    let t = transcript();
    // Same code, same people, same session id: a second handshake.
    let (_, s2) = confirm_both(CODE, &t, [7; 32], [8; 32]).expect("confirms");
    // Same code and people, another session id.
    let t3 = Transcript::new("session-2", &t.helper_id, &t.sharer_id);
    let (_, s3) = confirm_both(CODE, &t3, [1; 32], [2; 32]).expect("confirms");
    // Same handshake, next epoch.
    let (_, s4) = confirm_both(CODE, &t, [1; 32], [2; 32]).expect("confirms");
    for mut other in [s2.epoch(0), s3.epoch(0), s4.epoch(1)] {
        let sealed = other.seal(1, b"foreign");
        assert_eq!(h.open(1, &sealed), Err(E2eError::Tampered));
    }
    // The same frame from this session does open (counter 0 each time).
    let sealed = s.seal(1, b"foreign");
    assert!(h.open(1, &sealed).is_ok());
}

#[test]
fn short_frames_are_malformed_and_cut_frames_tampered() {
    let (mut h, mut s) = cipher_pair();
    let sealed = s.seal(1, b"some payload bytes");
    for len in 0..OVERHEAD {
        assert!(
            matches!(h.open(1, &sealed[..len]), Err(E2eError::Malformed(_))),
            "{len}"
        );
        assert!(matches!(
            h.open_text(&sealed[..len]),
            Err(E2eError::Malformed(_))
        ));
        assert!(matches!(
            h.open_droppable(1, &sealed[..len]),
            Err(E2eError::Malformed(_))
        ));
    }
    for len in OVERHEAD..sealed.len() {
        assert_eq!(h.open(1, &sealed[..len]), Err(E2eError::Tampered), "{len}");
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert_eq!(h.open(1, &longer), Err(E2eError::Tampered));
    assert!(h.open(1, &sealed).is_ok());
}

#[test]
fn an_empty_payload_still_carries_a_counter_kind_and_tag() {
    let (mut h, mut s) = cipher_pair();
    let sealed = s.seal(4, b"");
    assert_eq!(sealed.len(), OVERHEAD);
    assert_eq!(h.open(4, &sealed), Ok(Opened::Data(Vec::new())));
}
