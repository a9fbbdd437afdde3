//! A server in the middle that restarts rounds with guessed codes, against
//! each side's [`E2eSession`]: it is cut off after the bound, learns a
//! confirmation only from the helper and only within the bound, and no
//! frame sealed under a guessed key is ever opened.

use crate::E2eError;
use crate::session::{E2eSession, MAX_GUESSES_PER_SESSION, MAX_UNCONFIRMED_ROUNDS, SECRET_SYMBOLS};
use crate::transcript::{Side, Transcript};

const CODE: &str = "K7MQ2XPAH4RT";

fn transcript() -> Transcript {
    Transcript::new("session-1", "helper-7", "sharer-9")
}

/// A guess with the right rendezvous part and the `n`th wrong secret part.
fn guess(n: u32) -> String {
    let alphabet = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let symbol = |i: u32| char::from(alphabet[(i as usize) % alphabet.len()]);
    format!(
        "K7MQ2XPA{}{}{}{}",
        symbol(n),
        symbol(n + 1),
        symbol(n + 2),
        "Z"
    )
}

/// The kind byte of a round message (1 = PAKE, 2 = confirmation).
fn kind(message: &str) -> u8 {
    let bytes = crate::encoding::from_base64(message, 64).expect("round message");
    bytes[5]
}

/// Runs an honest round between the two sides.
fn honest_round(helper: &mut E2eSession, sharer: &mut E2eSession, seed: u8) {
    let start = sharer.start_round([seed; 32]).expect("start");
    let replies = helper.receive(&start, [seed ^ 0x55; 32]).expect("answer");
    let mut back = Vec::new();
    for reply in replies {
        back.extend(sharer.receive(&reply, [0; 32]).expect("sharer"));
    }
    assert_eq!(back.len(), 1, "the sharer confirms once it has checked");
    helper.receive(&back[0], [0; 32]).expect("helper");
    assert!(helper.is_ready() && sharer.is_ready());
}

#[test]
fn the_bound_is_documented_as_it_is() {
    assert_eq!(MAX_UNCONFIRMED_ROUNDS, 3);
    assert_eq!(MAX_GUESSES_PER_SESSION, 4);
    assert_eq!(SECRET_SYMBOLS, 4);
    let secrets = 31u64.pow(SECRET_SYMBOLS);
    assert_eq!(secrets, 923_521);
    let probability = f64::from(MAX_GUESSES_PER_SESSION) / secrets as f64;
    assert!((probability - 4.33e-6).abs() < 0.01e-6, "{probability}");
}

#[test]
fn a_server_restarting_rounds_against_the_helper_is_cut_off_after_the_bound() {
    let mut helper = E2eSession::new(Side::Helper, CODE, transcript());
    let mut confirmations_learnt = 0;
    for n in 0..10u32 {
        // The server poses as the sharer with a guessed code, round after round.
        let mut fake = E2eSession::new(Side::Sharer, &guess(n), transcript());
        for _ in 0..=n {
            // Round numbers keep rising, as a restarting sharer's do.
            let _ = fake.start_round([9; 32]);
        }
        let start = fake.start_round([n as u8; 32]).expect("fake start");
        match helper.receive(&start, [n as u8 + 100; 32]) {
            Ok(replies) => {
                assert!(n < MAX_UNCONFIRMED_ROUNDS, "round {n} answered");
                assert_eq!(replies.len(), 2, "PAKE message and confirmation");
                confirmations_learnt += 1;
                // Offline the server learns only that its guess was wrong.
                let _ = fake.receive(&replies[0], [0; 32]);
                assert_eq!(
                    fake.receive(&replies[1], [0; 32]),
                    Err(E2eError::WrongCodeOrInterference)
                );
                assert_eq!(helper.unconfirmed_rounds(), n + 1);
            }
            Err(err) => {
                assert_eq!(n, MAX_UNCONFIRMED_ROUNDS, "cut off exactly at the bound");
                assert_eq!(
                    err,
                    E2eError::TooManyRounds {
                        limit: MAX_UNCONFIRMED_ROUNDS
                    }
                );
                break;
            }
        }
        assert!(!helper.is_ready());
    }
    assert_eq!(confirmations_learnt, MAX_UNCONFIRMED_ROUNDS);
    assert!(helper.failure().is_some(), "the helper's layer is finished");
    assert!(helper.seal(2, b"input").is_none());
}

#[test]
fn the_sharer_confirms_nothing_before_it_has_checked_the_helpers_confirmation() {
    let mut sharer = E2eSession::new(Side::Sharer, CODE, transcript());
    for n in 0..10u32 {
        let start = sharer.start_round([n as u8; 32]).expect("start");
        // The server poses as the helper but sends only its PAKE message.
        let mut fake = E2eSession::new(Side::Helper, &guess(n), transcript());
        let replies = fake.receive(&start, [n as u8 + 50; 32]).expect("fake");
        assert_eq!(kind(&replies[0]), 1);
        match sharer.receive(&replies[0], [0; 32]) {
            Ok(out) => {
                assert!(out.is_empty(), "no confirmation to test a guess with");
                assert!(n < MAX_UNCONFIRMED_ROUNDS);
            }
            Err(err) => {
                assert_eq!(n, MAX_UNCONFIRMED_ROUNDS);
                assert_eq!(
                    err,
                    E2eError::TooManyRounds {
                        limit: MAX_UNCONFIRMED_ROUNDS
                    }
                );
                assert!(sharer.start_round([1; 32]).is_err(), "and stays ended");
                return;
            }
        }
    }
    panic!("the sharer never stopped");
}

#[test]
fn a_guessed_confirmation_ends_the_sharer_at_once() {
    let mut sharer = E2eSession::new(Side::Sharer, CODE, transcript());
    let start = sharer.start_round([1; 32]).expect("start");
    let mut fake = E2eSession::new(Side::Helper, &guess(3), transcript());
    let replies = fake.receive(&start, [2; 32]).expect("fake");
    assert_eq!(sharer.receive(&replies[0], [0; 32]), Ok(Vec::new()));
    assert_eq!(
        sharer.receive(&replies[1], [0; 32]),
        Err(E2eError::WrongCodeOrInterference)
    );
    assert!(sharer.seal(1, b"screen").is_none(), "nothing sealed for it");
}

#[test]
fn a_rebuilt_helper_layer_keeps_the_count() {
    let mut helper = E2eSession::new(Side::Helper, CODE, transcript());
    for n in 0..2u32 {
        let mut fake = E2eSession::new(Side::Sharer, &guess(n), transcript());
        for _ in 0..n {
            let _ = fake.start_round([0; 32]);
        }
        let start = fake.start_round([1; 32]).expect("start");
        helper.receive(&start, [2; 32]).expect("answered");
    }
    // The page reloads: the count comes back with the code.
    let used = helper.unconfirmed_rounds();
    assert_eq!(used, 2);
    let mut helper = E2eSession::resume(Side::Helper, CODE, transcript(), used);
    let mut fake = E2eSession::new(Side::Sharer, &guess(7), transcript());
    let start = fake.start_round([1; 32]).expect("start");
    assert!(
        helper.receive(&start, [3; 32]).is_ok(),
        "the third is allowed"
    );
    let second = fake.start_round([4; 32]).expect("start");
    assert!(matches!(
        helper.receive(&second, [5; 32]),
        Err(E2eError::TooManyRounds { .. })
    ));
    // A layer rebuilt past the bound is finished from the start.
    let helper = E2eSession::resume(Side::Helper, CODE, transcript(), 4);
    assert!(helper.failure().is_some());
}

#[test]
fn honest_reconnects_never_use_up_the_bound() {
    let mut sharer = E2eSession::new(Side::Sharer, CODE, transcript());
    for seed in 0..20u8 {
        // The helper reloads each time: a fresh layer answers the next round.
        let mut helper = E2eSession::new(Side::Helper, CODE, transcript());
        honest_round(&mut helper, &mut sharer, seed);
        assert_eq!(helper.unconfirmed_rounds(), 0);
        assert_eq!(sharer.unconfirmed_rounds(), 0);
    }
}

#[test]
fn an_abandoned_honest_round_counts_and_the_next_one_completes() {
    let mut helper = E2eSession::new(Side::Helper, CODE, transcript());
    let mut sharer = E2eSession::new(Side::Sharer, CODE, transcript());
    // The link drops after the helper answered: the sharer never saw it.
    let start = sharer.start_round([1; 32]).expect("start");
    let _lost = helper.receive(&start, [2; 32]).expect("answer");
    assert_eq!(helper.unconfirmed_rounds(), 1);
    honest_round(&mut helper, &mut sharer, 3);
    assert_eq!(
        helper.unconfirmed_rounds(),
        1,
        "the abandoned round still counts"
    );
    let frame = sharer.seal(1, b"screen").expect("ready");
    assert!(helper.open(1, &frame).expect("opens").is_some());
}

#[test]
fn the_helper_never_answers_a_round_twice_or_an_older_one() {
    let mut helper = E2eSession::new(Side::Helper, CODE, transcript());
    let mut sharer = E2eSession::new(Side::Sharer, CODE, transcript());
    let first = sharer.start_round([1; 32]).expect("start");
    assert_eq!(helper.receive(&first, [2; 32]).expect("answer").len(), 2);
    // The same round replayed gives nothing more to test a guess with.
    assert_eq!(helper.receive(&first, [3; 32]), Ok(Vec::new()));
    let second = sharer.start_round([4; 32]).expect("start");
    assert_eq!(helper.receive(&second, [5; 32]).expect("answer").len(), 2);
    assert_eq!(helper.receive(&first, [6; 32]), Ok(Vec::new()));
    assert_eq!(helper.unconfirmed_rounds(), 2);
}

#[test]
fn no_frame_sealed_under_a_guessed_key_is_ever_opened() {
    // The server completes a whole exchange of its own with the guess,
    // then sends frames sealed under that key to the real helper mid-round.
    let mut helper = E2eSession::new(Side::Helper, CODE, transcript());
    let mut fake_sharer = E2eSession::new(Side::Sharer, &guess(1), transcript());
    let mut fake_helper = E2eSession::new(Side::Helper, &guess(1), transcript());
    honest_round(&mut fake_helper, &mut fake_sharer, 8);
    let forged: Vec<(u8, Vec<u8>)> = [1u8, 2, 3]
        .into_iter()
        .map(|channel| {
            (
                channel,
                fake_sharer.seal(channel, b"forged").expect("sealed"),
            )
        })
        .collect();
    let chat = fake_sharer.seal_chat("forged").expect("sealed");
    let start = fake_sharer.start_round([9; 32]).expect("start");
    let replies = helper.receive(&start, [10; 32]).expect("answer");
    assert_eq!(replies.len(), 2);
    for (channel, frame) in &forged {
        assert_eq!(
            helper.open(*channel, frame),
            Ok(None),
            "not while unconfirmed"
        );
    }
    assert_eq!(helper.open_chat(&chat), Ok(None));
    // The server's own confirmation for the guess ends the helper.
    let (_, fake_confirm) = {
        let mut s = E2eSession::new(Side::Sharer, &guess(1), transcript());
        let start = s.start_round([11; 32]).expect("start");
        let mut h = E2eSession::new(Side::Helper, &guess(1), transcript());
        let r = h.receive(&start, [12; 32]).expect("answer");
        s.receive(&r[0], [0; 32]).expect("pake");
        let back = s.receive(&r[1], [0; 32]).expect("confirm");
        (s, back[0].clone())
    };
    // (a confirmation of another round is ignored, never taken)
    assert_eq!(helper.receive(&fake_confirm, [0; 32]), Ok(Vec::new()));
    assert!(!helper.is_ready());
}
