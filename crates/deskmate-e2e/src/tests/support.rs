//! Test helpers: a fixed code and transcript, whole handshakes, cipher pairs.

use crate::{E2eError, Handshake, SessionCipher, SessionKeys, Side, Transcript};

/// A whole code: rendezvous part `K7MQ2XPA`, secret part `H4RT`.
pub const CODE: &str = "K7MQ2XPAH4RT";

/// The transcript most tests use.
pub fn transcript() -> Transcript {
    Transcript::new("session-1", "helper-7", "sharer-9")
}

/// Both sides with their own code and transcript; each side's error if
/// either fails confirmation.
pub fn handshake_pair(
    helper_code: &str,
    sharer_code: &str,
    helper_transcript: &Transcript,
    sharer_transcript: &Transcript,
) -> Result<(SessionKeys, SessionKeys), (E2eError, E2eError)> {
    let (h, hm) = Handshake::start(Side::Helper, helper_code, helper_transcript, [1; 32]);
    let (s, sm) = Handshake::start(Side::Sharer, sharer_code, sharer_transcript, [2; 32]);
    let (hc, hcm) = h.receive(&sm).map_err(|e| (e.clone(), e))?;
    let (sc, scm) = s.receive(&hm).map_err(|e| (e.clone(), e))?;
    match (hc.receive(&scm), sc.receive(&hcm)) {
        (Ok(h), Ok(s)) => Ok((h, s)),
        (h, s) => Err((
            h.expect_err("helper confirmed but the sharer did not"),
            s.expect_err("sharer confirmed but the helper did not"),
        )),
    }
}

/// A whole handshake with the given randomness.
pub fn confirm_both(
    code: &str,
    t: &Transcript,
    helper_random: [u8; 32],
    sharer_random: [u8; 32],
) -> Result<(SessionKeys, SessionKeys), E2eError> {
    let (h, hm) = Handshake::start(Side::Helper, code, t, helper_random);
    let (s, sm) = Handshake::start(Side::Sharer, code, t, sharer_random);
    let (hc, hcm) = h.receive(&sm)?;
    let (sc, scm) = s.receive(&hm)?;
    Ok((hc.receive(&scm)?, sc.receive(&hcm)?))
}

/// Epoch-0 ciphers of a confirmed pair: (helper, sharer).
pub fn cipher_pair() -> (SessionCipher, SessionCipher) {
    let (h, s) = confirm_both(CODE, &transcript(), [1; 32], [2; 32]).expect("confirms");
    (h.epoch(0), s.epoch(0))
}
