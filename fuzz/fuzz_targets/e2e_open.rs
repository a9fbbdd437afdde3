//! Fuzzes `deskmate_e2e`'s untrusted-input paths with keys from a fixed
//! code (one handshake, made once): opening sealed frames, the handshake's
//! `receive` steps and the base64 parsers. It must never panic, and checks:
//! - a frame opens only if it is exactly what the genuine sealer makes
//!   (re-sealing the opened payload gives the same bytes);
//! - whatever is sealed opens to itself, and any flipped bit is `Tampered`;
//! - a goodbye counts exactly the frames sealed but not opened, and frames
//!   open only in order per channel;
//! - handshake messages parse only at their exact length and version, and
//!   a confirmation is accepted only if it is the genuine one.
//!
//! The first byte picks the mode (value % 4): 0 open the rest (second byte
//! = channel), 1 seal-open round trip, 2 handshake messages, 3 a script of
//! sealed frames, some never delivered, then a goodbye.
#![no_main]

use deskmate_e2e::encoding;
use deskmate_e2e::{
    CHANNEL_GOODBYE, CHANNEL_TEXT, ConfirmMessage, E2eError, Handshake, Opened, PakeMessage,
    SessionKeys, Side, Transcript,
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CODE: &str = "K7MQ2XPAH4RT";

fn transcript() -> Transcript {
    Transcript::new("fuzz-session", "fuzz-helper", "fuzz-sharer")
}

/// (helper, sharer) keys of one fixed handshake.
fn keys() -> &'static (SessionKeys, SessionKeys) {
    static KEYS: OnceLock<(SessionKeys, SessionKeys)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let t = transcript();
        let (h, hm) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        let (s, sm) = Handshake::start(Side::Sharer, CODE, &t, [2; 32]);
        let (hc, hcm) = h.receive(&sm).expect("genuine PAKE message");
        let (sc, scm) = s.receive(&hm).expect("genuine PAKE message");
        (
            hc.receive(&scm).expect("confirms"),
            sc.receive(&hcm).expect("confirms"),
        )
    })
}

fn open_raw(channel: u8, data: &[u8]) {
    let (helper, sharer) = keys();
    let mut opener = helper.epoch(0);
    match opener.open(channel, data) {
        Ok(Opened::Data(payload)) => {
            assert_eq!(
                sharer.epoch(0).seal(channel, &payload),
                data,
                "forged frame accepted"
            );
        }
        Ok(Opened::Goodbye { unreceived }) => {
            assert_eq!(channel, CHANNEL_GOODBYE);
            assert_eq!(
                sharer.epoch(0).seal_goodbye(),
                data,
                "forged goodbye accepted"
            );
            assert_eq!(unreceived, 0);
        }
        Err(E2eError::Malformed(_)) => assert!(data.len() < 25),
        Err(E2eError::Tampered) => assert!(data.len() >= 25),
        // A genuine later frame (the sealer's second, third, ...).
        Err(E2eError::OutOfOrder { expected, got }) => assert!(expected == 0 && got > 0),
        Err(e) => panic!("a fresh opener cannot see {e:?}"),
    }
    let mut opener = helper.epoch(0);
    if let Ok((payload, skipped)) = opener.open_droppable(channel, data) {
        // Genuine: the sealer's frame number `skipped` on this channel.
        assert!(skipped < 1000, "no seed is that far along");
        let mut sealer = sharer.epoch(0);
        for _ in 0..skipped {
            sealer.seal(channel, b"");
        }
        assert_eq!(
            sealer.seal(channel, &payload),
            data,
            "forged frame accepted"
        );
    }
    if let Ok(text) = helper.epoch(0).open_text(data) {
        assert_eq!(sharer.epoch(0).seal_text(&text), data);
    }
}

fn round_trip(channel: u8, data: &[u8]) {
    let (helper, sharer) = keys();
    let (mut h, mut s) = (helper.epoch(1), sharer.epoch(1));
    let sealed = s.seal(channel, data);
    assert_eq!(h.open(channel, &sealed), Ok(Opened::Data(data.to_vec())));
    let sealed = h.seal(channel, data);
    let mut bad = sealed.clone();
    let at = data.first().map_or(0, |&b| usize::from(b)) % bad.len();
    bad[at] ^= 1 << (data.len() % 8);
    assert_eq!(s.open(channel, &bad), Err(E2eError::Tampered));
    assert_eq!(
        s.open(channel.wrapping_add(1), &sealed),
        Err(E2eError::Tampered)
    );
    assert_eq!(s.open(channel, &sealed), Ok(Opened::Data(data.to_vec())));
    if let Ok(text) = std::str::from_utf8(data) {
        let sealed = s.seal_text(text);
        assert_eq!(h.open_text(&sealed).as_deref(), Ok(text));
    }
}

fn handshake(data: &[u8]) {
    let t = transcript();
    let pake = PakeMessage::from_bytes(data);
    assert_eq!(pake.is_ok(), data.len() == 34 && data[0] == 1);
    let text = std::str::from_utf8(data).ok();
    let from_text = text.and_then(|s| PakeMessage::from_base64(s).ok());
    if let (Some(m), Some(s)) = (&from_text, text) {
        assert_eq!(m.to_base64(), s);
    }
    for message in [pake.ok(), from_text].into_iter().flatten() {
        let (h, _) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        let _ = h.receive(&message);
    }

    let confirm = ConfirmMessage::from_bytes(data);
    assert_eq!(confirm.is_ok(), data.len() == 33 && data[0] == 1);
    let from_text = text.and_then(|s| ConfirmMessage::from_base64(s).ok());
    for message in [confirm.ok(), from_text].into_iter().flatten() {
        let (h, hm) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        let (s, sm) = Handshake::start(Side::Sharer, CODE, &t, [2; 32]);
        let (confirming, _) = h.receive(&sm).expect("genuine PAKE message");
        let (_, genuine) = s.receive(&hm).expect("genuine PAKE message");
        match confirming.receive(&message) {
            Ok(_) => assert_eq!(message, genuine, "forged confirmation accepted"),
            Err(e) => {
                assert_eq!(e, E2eError::WrongCodeOrInterference);
                assert_ne!(message, genuine);
            }
        }
    }
    if let Some(s) = text {
        if let Ok(bytes) = encoding::from_base64(s, 64) {
            assert!(bytes.len() <= 64);
            assert_eq!(encoding::to_base64(&bytes), s);
        }
    }
}

fn script(data: &[u8]) {
    let (helper, sharer) = keys();
    let (mut h, mut s) = (helper.epoch(2), sharer.epoch(2));
    let mut sent = [0u64; 8];
    let mut opened = [0u64; 8];
    for &b in data {
        let channel = b & 7;
        let counter = sent[usize::from(channel)];
        let sealed = if channel == 0 {
            s.seal_text("chat")
        } else {
            s.seal(channel, &[b])
        };
        sent[usize::from(channel)] += 1;
        if b & 0x80 != 0 {
            continue; // the relay drops it
        }
        let wire = if channel == 0 { CHANNEL_TEXT } else { channel };
        let expected = opened[usize::from(channel)];
        match h.open(wire, &sealed) {
            Ok(_) => {
                assert_eq!(counter, expected);
                opened[usize::from(channel)] += 1;
            }
            Err(E2eError::OutOfOrder { expected: e, got }) => {
                assert_eq!((e, got), (expected, counter));
                assert!(counter > expected);
            }
            Err(e) => panic!("genuine frame refused: {e:?}"),
        }
    }
    let unreceived: u64 = sent.iter().zip(&opened).map(|(s, o)| s - o).sum();
    assert_eq!(
        h.open(CHANNEL_GOODBYE, &s.seal_goodbye()),
        Ok(Opened::Goodbye { unreceived })
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            if let Some((&channel, frame)) = rest.split_first() {
                open_raw(channel, frame);
            }
        }
        1 => {
            if let Some((&channel, payload)) = rest.split_first() {
                round_trip(channel, payload);
            }
        }
        2 => handshake(rest),
        _ => script(rest),
    }
});
