//! A relay in the middle: it knows the rendezvous part and runs its own
//! exchange with each side, guessing the secret part.

use super::support::{CODE, transcript};
use crate::{E2eError, Handshake, Opened, SessionKeys, Side};

/// The rendezvous part the server issued (the relay knows it).
const RENDEZVOUS: &str = "K7MQ2XPA";

struct Outcome {
    helper: Result<SessionKeys, E2eError>,
    sharer: Result<SessionKeys, E2eError>,
    relay_with_helper: Result<SessionKeys, E2eError>,
    relay_with_sharer: Result<SessionKeys, E2eError>,
}

/// The relay poses as the sharer to the helper and as the helper to the
/// sharer, with `guess` as the whole code. With `forward_real_confirmations`
/// it passes the real sides' confirmations through instead of its own.
fn man_in_the_middle(guess: &str, forward_real_confirmations: bool) -> Outcome {
    let t = transcript();
    let (helper, helper_msg) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
    let (sharer, sharer_msg) = Handshake::start(Side::Sharer, CODE, &t, [2; 32]);
    let (fake_sharer, fake_sharer_msg) = Handshake::start(Side::Sharer, guess, &t, [3; 32]);
    let (fake_helper, fake_helper_msg) = Handshake::start(Side::Helper, guess, &t, [4; 32]);

    let (helper, helper_confirm) = helper.receive(&fake_sharer_msg).expect("accepted");
    let (sharer, sharer_confirm) = sharer.receive(&fake_helper_msg).expect("accepted");
    let (fake_sharer, fake_sharer_confirm) = fake_sharer.receive(&helper_msg).expect("accepted");
    let (fake_helper, fake_helper_confirm) = fake_helper.receive(&sharer_msg).expect("accepted");

    let (to_helper, to_sharer) = if forward_real_confirmations {
        (sharer_confirm.clone(), helper_confirm.clone())
    } else {
        (fake_sharer_confirm, fake_helper_confirm)
    };
    Outcome {
        helper: helper.receive(&to_helper),
        sharer: sharer.receive(&to_sharer),
        relay_with_helper: fake_sharer.receive(&helper_confirm),
        relay_with_sharer: fake_helper.receive(&sharer_confirm),
    }
}

#[test]
fn a_relay_guessing_the_secret_part_fails_with_both_sides() {
    for secret in ["AAAA", "H4RU", "4HRT", "", "H4RTH4RT"] {
        let guess = format!("{RENDEZVOUS}{secret}");
        let o = man_in_the_middle(&guess, false);
        assert_eq!(
            o.helper.err(),
            Some(E2eError::WrongCodeOrInterference),
            "{guess}"
        );
        assert_eq!(
            o.sharer.err(),
            Some(E2eError::WrongCodeOrInterference),
            "{guess}"
        );
        // And the relay learns only that this one guess was wrong.
        assert!(o.relay_with_helper.is_err() && o.relay_with_sharer.is_err());
    }
}

#[test]
fn forwarding_the_real_confirmations_fails_too() {
    let o = man_in_the_middle(&format!("{RENDEZVOUS}AAAA"), true);
    assert_eq!(o.helper.err(), Some(E2eError::WrongCodeOrInterference));
    assert_eq!(o.sharer.err(), Some(E2eError::WrongCodeOrInterference));
    // Even with the right code, the two real sides' confirmations cover
    // different PAKE messages and never match each other.
    let o = man_in_the_middle(CODE, true);
    assert_eq!(o.helper.err(), Some(E2eError::WrongCodeOrInterference));
    assert_eq!(o.sharer.err(), Some(E2eError::WrongCodeOrInterference));
}

#[test]
fn a_relay_that_knows_the_whole_code_is_caught_by_the_verification_string() {
    // The attack model is real: with the whole code the relay succeeds...
    let o = man_in_the_middle(CODE, false);
    let helper = o.helper.expect("relay knew the code");
    let sharer = o.sharer.expect("relay knew the code");
    let relay_h = o.relay_with_helper.expect("relay knew the code");
    let relay_s = o.relay_with_sharer.expect("relay knew the code");
    assert_eq!(helper.verification_string(), relay_h.verification_string());
    assert_eq!(sharer.verification_string(), relay_s.verification_string());
    // ...but the two people read out different digits...
    assert_ne!(helper.verification_string(), sharer.verification_string());
    // ...and frames do not pass between them without re-encryption.
    let sealed = helper.epoch(0).seal(2, b"input");
    assert_eq!(sharer.epoch(0).open(2, &sealed), Err(E2eError::Tampered));
    assert_eq!(
        relay_h.epoch(0).open(2, &sealed),
        Ok(Opened::Data(b"input".to_vec()))
    );
}
