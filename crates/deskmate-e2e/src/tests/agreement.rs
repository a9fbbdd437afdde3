//! Helper and sharer with the same code agree, in both directions, across
//! epochs, and through split sealers and openers.

use super::support::{CODE, cipher_pair, confirm_both, transcript};
use crate::{CHANNEL_TEXT, E2eError, Opened, Side};
use proptest::prelude::*;

#[test]
fn a_thousand_frames_each_way() {
    let (h, s) = confirm_both(CODE, &transcript(), [1; 32], [2; 32]).expect("confirms");
    assert_eq!(h.verification_string(), s.verification_string());
    let (mut hc, mut sc) = (h.epoch(0), s.epoch(0));
    for i in 0..1000u32 {
        let channel = (i % 4) as u8 + 1;
        let down = format!("screen update {i}").into_bytes();
        let sealed = sc.seal(channel, &down);
        assert!(
            !sealed.windows(6).any(|w| w == b"screen"),
            "plaintext visible"
        );
        assert_eq!(hc.open(channel, &sealed), Ok(Opened::Data(down)));
        let up = i.to_le_bytes().repeat(i as usize % 50);
        let sealed = hc.seal(channel, &up);
        assert_eq!(sealed.len(), up.len() + crate::cipher::OVERHEAD);
        assert_eq!(sc.open(channel, &sealed), Ok(Opened::Data(up)));
    }
}

#[test]
fn a_side_cannot_open_its_own_frames() {
    let (mut h, _) = cipher_pair();
    let sealed = h.seal(2, b"input");
    assert_eq!(h.open(2, &sealed), Err(E2eError::Tampered));
}

#[test]
fn chat_text_in_every_script() {
    let (mut h, mut s) = cipher_pair();
    for text in ["Hello", "你好，世界", "مرحبا بالعالم", "👋🏽 🎉", ""] {
        let sealed = h.seal_text(text);
        assert_eq!(s.open_text(&sealed).as_deref(), Ok(text));
    }
    // Chat is its own channel: text is not opened as another channel's data.
    let sealed = s.seal_text("hi");
    assert_eq!(h.open(CHANNEL_TEXT + 1, &sealed), Err(E2eError::Tampered));
    assert_eq!(h.open_text(&sealed).as_deref(), Ok("hi"));
    // Data that is not UTF-8 on the chat channel is refused.
    let sealed = s.seal(CHANNEL_TEXT, &[0xff, 0xfe]);
    assert!(matches!(h.open_text(&sealed), Err(E2eError::Malformed(_))));
}

#[test]
fn channels_have_their_own_order() {
    // The relay sends screen frames from a slot and everything else from a
    // queue: a cursor frame may overtake an earlier screen frame.
    let (mut h, mut s) = cipher_pair();
    let screen = s.seal(1, b"screen 0");
    let cursor = s.seal(4, b"cursor 0");
    assert_eq!(h.open(4, &cursor), Ok(Opened::Data(b"cursor 0".to_vec())));
    assert_eq!(h.open(1, &screen), Ok(Opened::Data(b"screen 0".to_vec())));
}

#[test]
fn goodbye_tells_an_orderly_end_and_what_was_lost() {
    let (mut h, mut s) = cipher_pair();
    for i in 0..3u8 {
        let sealed = s.seal(1, &[i]);
        h.open(1, &sealed).expect("opens");
    }
    let chat = s.seal_text("bye!");
    h.open_text(&chat).expect("opens");
    let goodbye = s.seal_goodbye();
    assert_eq!(
        h.open(crate::CHANNEL_GOODBYE, &goodbye),
        Ok(Opened::Goodbye { unreceived: 0 })
    );

    // Frames sealed but never delivered show up in the goodbye.
    let (mut h, mut s) = cipher_pair();
    let _lost = s.seal(2, b"lost");
    let _lost_too = s.seal_text("lost too");
    let delivered = s.seal(3, b"delivered");
    h.open(3, &delivered).expect("opens");
    let goodbye = s.seal_goodbye();
    assert_eq!(
        h.open(crate::CHANNEL_GOODBYE, &goodbye),
        Ok(Opened::Goodbye { unreceived: 2 })
    );

    // A goodbye is authenticated like any frame: the relay cannot forge or
    // move one.
    let (mut h, mut s) = cipher_pair();
    let goodbye = s.seal_goodbye();
    assert_eq!(h.open(CHANNEL_TEXT, &goodbye), Err(E2eError::Tampered));
    assert_eq!(h.open_text(&goodbye), Err(E2eError::Tampered));
    let mut forged = goodbye.clone();
    forged[9] ^= 1;
    assert_eq!(
        h.open(crate::CHANNEL_GOODBYE, &forged),
        Err(E2eError::Tampered)
    );
}

#[test]
fn droppable_channels_skip_but_never_go_back() {
    let (mut h, mut s) = cipher_pair();
    let f0 = s.seal(1, b"0");
    let _f1 = s.seal(1, b"1");
    let _f2 = s.seal(1, b"2");
    let f3 = s.seal(1, b"3");
    assert_eq!(h.open_droppable(1, &f0), Ok((b"0".to_vec(), 0)));
    assert_eq!(h.open_droppable(1, &f3), Ok((b"3".to_vec(), 2)));
    assert_eq!(
        h.open_droppable(1, &f0),
        Err(E2eError::Replayed {
            expected: 4,
            got: 0
        })
    );
    assert_eq!(
        h.open_droppable(1, &f3),
        Err(E2eError::Replayed {
            expected: 4,
            got: 3
        })
    );
    let mut bad = s.seal(1, b"4");
    bad[8] ^= 1;
    assert_eq!(h.open_droppable(1, &bad), Err(E2eError::Tampered));
    assert_eq!(
        h.open_droppable(2, &s.seal(1, b"5")),
        Err(E2eError::Tampered)
    );
    // A goodbye after drops counts the skipped frames as received.
    let goodbye = s.seal_goodbye();
    assert_eq!(
        h.open(crate::CHANNEL_GOODBYE, &goodbye),
        Ok(Opened::Goodbye { unreceived: 2 })
    );
}

#[test]
fn split_halves_work_like_the_whole() {
    let (h, s) = cipher_pair();
    let (mut h_seal, mut h_open) = h.split();
    let (mut s_seal, mut s_open) = s.split();
    let sealed = h_seal.seal(3, b"laser");
    assert_eq!(s_open.open(3, &sealed), Ok(Opened::Data(b"laser".to_vec())));
    let sealed = s_seal.seal_text("ok");
    assert_eq!(h_open.open_text(&sealed).as_deref(), Ok("ok"));
    assert!(format!("{h_seal:?} {h_open:?}").contains("Helper"));
}

#[test]
fn each_epoch_has_fresh_keys_and_counters() {
    let (h, s) = confirm_both(CODE, &transcript(), [1; 32], [2; 32]).expect("confirms");
    let (mut h0, mut s0) = (h.epoch(0), s.epoch(0));
    let old = s0.seal(1, b"epoch 0 frame");
    assert!(h0.open(1, &old).is_ok());
    let late = s0.seal(1, b"still in flight at the reconnect");

    let (mut h1, mut s1) = (h.epoch(1), s.epoch(1));
    // Counters restart at 0 in the new epoch, yet old frames do not open.
    let new = s1.seal(1, b"epoch 1 frame");
    assert_eq!(new[..8], old[..8]);
    assert_eq!(h1.open(1, &old), Err(E2eError::Tampered));
    assert_eq!(h1.open(1, &late), Err(E2eError::Tampered));
    assert_eq!(
        h1.open(1, &new),
        Ok(Opened::Data(b"epoch 1 frame".to_vec()))
    );
    // Nor do new frames open in the old epoch.
    let newer = h1.seal(2, b"x");
    assert_eq!(s0.open(2, &newer), Err(E2eError::Tampered));
    assert!(s1.open(2, &newer).is_ok());
    // Sides that disagree on the epoch fail loudly.
    let mut s2 = s.epoch(2);
    assert_eq!(
        s2.open(2, &h.epoch(3).seal(2, b"x")),
        Err(E2eError::Tampered)
    );
    assert_eq!(h.side(), Side::Helper);
}

proptest! {
    #[test]
    fn seal_open_round_trips(frames in proptest::collection::vec(
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..2048), any::<bool>()), 1..20)) {
        let (mut h, mut s) = cipher_pair();
        for (channel, payload, downstream) in frames {
            let (from, to) = if downstream { (&mut s, &mut h) } else { (&mut h, &mut s) };
            let sealed = from.seal(channel, &payload);
            prop_assert_eq!(sealed.len(), payload.len() + crate::cipher::OVERHEAD);
            prop_assert_eq!(to.open(channel, &sealed), Ok(Opened::Data(payload)));
            prop_assert_eq!(to.open(channel, &sealed), Err(E2eError::Replayed {
                expected: u64::from_le_bytes(sealed[..8].try_into().expect("8 bytes")) + 1,
                got: u64::from_le_bytes(sealed[..8].try_into().expect("8 bytes")),
            }));
        }
    }

    #[test]
    fn text_round_trips(texts in proptest::collection::vec(".{0,200}", 1..10)) {
        let (mut h, mut s) = cipher_pair();
        for text in texts {
            let sealed = s.seal_text(&text);
            prop_assert_eq!(h.open_text(&sealed), Ok(text));
        }
    }
}
