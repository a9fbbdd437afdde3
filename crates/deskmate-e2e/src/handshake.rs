//! The key exchange: SPAKE2 (Ed25519) on the whole security code, then key
//! confirmation.
//!
//! ```text
//! helper                                   sharer
//! Handshake::start(Helper, code, t, r1)    Handshake::start(Sharer, code, t, r2)
//!        ── PakeMessage ──────────────────▶
//!        ◀────────────────── PakeMessage ──
//! Handshake::receive → Confirming          Handshake::receive → Confirming
//!        ── ConfirmMessage ───────────────▶
//!        ◀─────────────── ConfirmMessage ──
//! Confirming::receive → SessionKeys        Confirming::receive → SessionKeys
//! ```
//!
//! Messages may cross in flight: each side sends its PAKE message at once
//! and its confirmation as soon as it has the peer's PAKE message. Every
//! step consumes its state, so one handshake is one guess for an attacker.
//! The SPAKE2 identities carry the session id and the user id of each side
//! (see [`Transcript`]); the confirmation covers the transcript and both
//! PAKE messages.

use crate::kdf::{self, Secret};
use crate::{ConfirmMessage, E2eError, PakeMessage, SessionKeys, Side, Transcript};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use spake2::{Ed25519Group, Identity, Password, Spake2};
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A side that has sent its PAKE message and waits for the peer's.
pub struct Handshake {
    side: Side,
    transcript: Vec<u8>,
    spake: Spake2<Ed25519Group>,
    own: PakeMessage,
}

/// A side that has sent its confirmation and waits for the peer's.
pub struct Confirming {
    expected: Secret,
    keys: SessionKeys,
}

impl Handshake {
    /// Starts one side's exchange.
    ///
    /// `code` is the whole security code, rendezvous and secret part;
    /// spaces and dashes are ignored and letters upper-cased, so the
    /// displayed and the typed form agree. `random` must be 32 fresh random
    /// bytes (e.g. `crypto.getRandomValues` or `getrandom`); they seed the
    /// SPAKE2 scalar and must never be reused.
    pub fn start(
        side: Side,
        code: &str,
        transcript: &Transcript,
        random: [u8; 32],
    ) -> (Handshake, PakeMessage) {
        let password = Password::new(normalize(code).as_bytes());
        let id_a = Identity::new(&transcript.identity(Side::Helper));
        let id_b = Identity::new(&transcript.identity(Side::Sharer));
        let rng = ChaCha20Rng::from_seed(random);
        let (spake, message) = match side {
            Side::Helper => Spake2::start_a_with_rng(&password, &id_a, &id_b, rng),
            Side::Sharer => Spake2::start_b_with_rng(&password, &id_a, &id_b, rng),
        };
        let own = PakeMessage::from_spake2(&message);
        let handshake = Handshake {
            side,
            transcript: transcript.encode(),
            spake,
            own: own.clone(),
        };
        (handshake, own)
    }

    /// This side.
    pub fn side(&self) -> Side {
        self.side
    }

    /// Takes the peer's PAKE message; gives the confirmation to send.
    ///
    /// Fails with [`E2eError::WrongCodeOrInterference`] for a message from
    /// the same side (e.g. our own, reflected) and [`E2eError::Malformed`]
    /// for one that is not a curve point. A wrong code is only noticed at
    /// [`Confirming::receive`].
    pub fn receive(self, peer: &PakeMessage) -> Result<(Confirming, ConfirmMessage), E2eError> {
        let key = Zeroizing::new(self.spake.finish(peer.spake2()).map_err(|e| match e {
            spake2::Error::BadSide => E2eError::WrongCodeOrInterference,
            spake2::Error::CorruptMessage => {
                E2eError::Malformed("PAKE message is not a curve point")
            }
            spake2::Error::WrongLength => E2eError::Malformed("PAKE message of the wrong length"),
        })?);
        let (helper, sharer) = match self.side {
            Side::Helper => (&self.own, peer),
            Side::Sharer => (peer, &self.own),
        };
        let context = kdf::context(&self.transcript, helper, sharer);
        let derived = kdf::derive(&key, &context);
        let own_tag = kdf::confirmation(derived.confirm_key(self.side), self.side, &context);
        let peer_side = self.side.peer();
        let expected = Zeroizing::new(kdf::confirmation(
            derived.confirm_key(peer_side),
            peer_side,
            &context,
        ));
        let keys = SessionKeys::new(self.side, &derived);
        Ok((
            Confirming { expected, keys },
            ConfirmMessage::from_tag(own_tag),
        ))
    }
}

impl Confirming {
    /// Checks the peer's confirmation in constant time; gives the session
    /// keys when both sides derived the same ones.
    pub fn receive(self, peer: &ConfirmMessage) -> Result<SessionKeys, E2eError> {
        if bool::from(peer.tag().ct_eq(self.expected.as_slice())) {
            Ok(self.keys)
        } else {
            Err(E2eError::WrongCodeOrInterference)
        }
    }
}

impl fmt::Debug for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handshake")
            .field("side", &self.side)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Confirming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Confirming")
            .field("side", &self.keys.side())
            .finish_non_exhaustive()
    }
}

/// The code as both sides must spell it: no spaces or dashes, upper case.
fn normalize(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::support::{CODE, confirm_both, handshake_pair, transcript};

    #[test]
    fn the_same_code_gives_the_same_keys_on_both_sides() {
        let (helper, sharer) =
            handshake_pair(CODE, CODE, &transcript(), &transcript()).expect("same code confirms");
        assert_eq!(helper.side(), Side::Helper);
        assert_eq!(sharer.side(), Side::Sharer);
        assert_eq!(helper.verification_string(), sharer.verification_string());
        let v = helper.verification_string();
        assert_eq!(v.len(), 7, "{v}");
        assert!(v.chars().enumerate().all(|(i, c)| if i == 3 {
            c == ' '
        } else {
            c.is_ascii_digit()
        }));
    }

    #[test]
    fn display_forms_of_the_code_agree() {
        let r = handshake_pair("k7mq-2xpa h4rt", CODE, &transcript(), &transcript());
        assert!(r.is_ok());
    }

    #[test]
    fn a_different_secret_part_fails_on_both_sides() {
        // Same rendezvous part (first 8), different secret part (last 4).
        let t = transcript();
        let (h, hm) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        let (s, sm) = Handshake::start(Side::Sharer, "K7MQ2XPAH4RU", &t, [2; 32]);
        let (hc, hcm) = h.receive(&sm).expect("PAKE message accepted");
        let (sc, scm) = s.receive(&hm).expect("PAKE message accepted");
        assert_ne!(hcm, scm);
        assert_eq!(
            hc.receive(&scm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
        assert_eq!(
            sc.receive(&hcm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
    }

    #[test]
    fn transcripts_that_differ_anywhere_fail() {
        let t = transcript();
        let changed = [
            Transcript::new("other-session", &t.helper_id, &t.sharer_id),
            Transcript::new(&t.session_id, "other-helper", &t.sharer_id),
            Transcript::new(&t.session_id, &t.helper_id, "other-sharer"),
            Transcript::new(&t.session_id, &t.sharer_id, &t.helper_id),
        ];
        for other in changed {
            assert_eq!(
                handshake_pair(CODE, CODE, &t, &other).err(),
                Some((
                    E2eError::WrongCodeOrInterference,
                    E2eError::WrongCodeOrInterference
                )),
                "{other:?}"
            );
        }
    }

    #[test]
    fn reflected_or_swapped_pake_messages_fail() {
        let t = transcript();
        // The relay sends the helper its own message back.
        let (h, hm) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        assert_eq!(
            h.receive(&hm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
        // The relay hands the sharer a PAKE message from another exchange
        // with the same code (an old session's, replayed).
        let (_old_h, old_hm) = Handshake::start(Side::Helper, CODE, &t, [9; 32]);
        let (h, _) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        let (s, sm) = Handshake::start(Side::Sharer, CODE, &t, [2; 32]);
        let (hc, hcm) = h.receive(&sm).expect("accepted");
        let (sc, scm) = s.receive(&old_hm).expect("accepted");
        assert_eq!(
            hc.receive(&scm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
        assert_eq!(
            sc.receive(&hcm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
    }

    #[test]
    fn modified_pake_messages_fail() {
        let t = transcript();
        let (_, hm) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        for byte in 0..hm.as_bytes().len() {
            for bit in [0x01u8, 0x80] {
                let mut bytes = hm.as_bytes().to_vec();
                bytes[byte] ^= bit;
                let Ok(modified) = PakeMessage::from_bytes(&bytes) else {
                    assert_eq!(byte, 0, "only the version byte is refused at parsing");
                    continue;
                };
                let (h, _) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
                let (s, sm) = Handshake::start(Side::Sharer, CODE, &t, [2; 32]);
                let (hc, hcm) = h.receive(&sm).expect("accepted");
                match s.receive(&modified) {
                    Err(e) => assert!(
                        matches!(
                            e,
                            E2eError::Malformed(_) | E2eError::WrongCodeOrInterference
                        ),
                        "{e:?}"
                    ),
                    Ok((sc, scm)) => {
                        assert_eq!(
                            hc.receive(&scm).err(),
                            Some(E2eError::WrongCodeOrInterference)
                        );
                        assert_eq!(
                            sc.receive(&hcm).err(),
                            Some(E2eError::WrongCodeOrInterference)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn swapped_or_modified_confirmations_fail() {
        let t = transcript();
        let start = || {
            let (h, hm) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
            let (s, sm) = Handshake::start(Side::Sharer, CODE, &t, [2; 32]);
            let (hc, hcm) = h.receive(&sm).expect("accepted");
            let (sc, scm) = s.receive(&hm).expect("accepted");
            (hc, hcm, sc, scm)
        };
        // Each side is sent back its own confirmation.
        let (hc, hcm, sc, scm) = start();
        assert_eq!(
            hc.receive(&hcm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
        assert_eq!(
            sc.receive(&scm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
        // A confirmation from another run of the same handshake.
        let (_, other_hcm, _, _) = {
            let (h, hm) = Handshake::start(Side::Helper, CODE, &t, [3; 32]);
            let (s, sm) = Handshake::start(Side::Sharer, CODE, &t, [4; 32]);
            let (hc, hcm) = h.receive(&sm).expect("accepted");
            let (sc, scm) = s.receive(&hm).expect("accepted");
            (hc, hcm, sc, scm)
        };
        let (_, _, sc, _) = start();
        assert_eq!(
            sc.receive(&other_hcm).err(),
            Some(E2eError::WrongCodeOrInterference)
        );
        // Any flipped bit in the tag.
        for byte in 1..33 {
            let (hc, _, _, scm) = start();
            let mut bytes = scm.as_bytes().to_vec();
            bytes[byte] ^= 0x10;
            let modified = ConfirmMessage::from_bytes(&bytes).expect("well-formed");
            assert_eq!(
                hc.receive(&modified).err(),
                Some(E2eError::WrongCodeOrInterference)
            );
        }
        // And the untouched one works (so the failures above are real).
        let (hc, hcm, sc, scm) = start();
        assert!(hc.receive(&scm).is_ok() && sc.receive(&hcm).is_ok());
    }

    #[test]
    fn randomness_changes_the_messages_and_keys() {
        let t = transcript();
        let (_, a) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        let (_, b) = Handshake::start(Side::Helper, CODE, &t, [2; 32]);
        let (_, c) = Handshake::start(Side::Helper, CODE, &t, [1; 32]);
        assert_ne!(a, b);
        assert_eq!(a, c, "seeded by the caller's bytes only");
        assert_eq!(a.as_bytes()[1], b'A');
        let (_, s) = Handshake::start(Side::Sharer, CODE, &t, [1; 32]);
        assert_eq!(s.as_bytes()[1], b'B');
        let (h1, s1) = confirm_both(CODE, &t, [1; 32], [2; 32]).expect("confirms");
        let (h2, _) = confirm_both(CODE, &t, [5; 32], [6; 32]).expect("confirms");
        assert_eq!(h1.verification_string(), s1.verification_string());
        assert_ne!(h1.debug_traffic(), h2.debug_traffic());
    }

    #[test]
    fn debug_output_shows_no_secrets() {
        let (h, _) = Handshake::start(Side::Helper, CODE, &transcript(), [1; 32]);
        let text = format!("{h:?}");
        assert!(!text.contains(CODE) && !text.contains("K7MQ"), "{text}");
    }
}
