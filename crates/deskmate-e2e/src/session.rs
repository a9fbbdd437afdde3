//! One session's end-to-end layer over the relay, in rounds.
//!
//! Every time both sides are connected (at the start, and after either side
//! reconnects) the sharer starts a round: a fresh SPAKE2 exchange on the
//! whole code, so a side that lost its keys (a reloaded page) simply joins
//! the next round. Messages carry their round number; frames and chat carry
//! the round they were sealed in, so stale ones from an earlier round are
//! recognised and dropped rather than taken for tampering.
//!
//! A round goes: the sharer sends its PAKE message; the helper answers with
//! its PAKE message and its key confirmation; the sharer checks that
//! confirmation and only then sends its own; the helper checks it. Neither
//! side confirms a round that is not its own current one, and the sharer
//! never confirms before it has checked the helper's confirmation.
//!
//! # The bound on guesses
//!
//! Whoever sits between the two sides (the server, the relay) knows the
//! rendezvous part of the code but not its [`SECRET_SYMBOLS`] secret
//! symbols. By posing as the other side it can test one guess of the secret
//! part per round, and no more: SPAKE2 reveals nothing about the code
//! except through a key confirmation, which covers one guess.
//!
//! - The **sharer** gives nothing to test: it confirms only after checking
//!   the helper's confirmation, and a wrong one ends the session. One guess.
//! - The **helper** confirms first, so each round it answers gives a guess
//!   that can be tested offline. A round whose PAKE message a side has taken
//!   and that is not confirmed is an *unconfirmed round*, whether it failed,
//!   was abandoned for a newer one or is still open. A session allows
//!   [`MAX_UNCONFIRMED_ROUNDS`] of them over its whole life on each side;
//!   asked for one more, the side ends the session with
//!   [`E2eError::TooManyRounds`]. A caller that rebuilds the layer for the
//!   same session (a reloaded page) carries the count over with
//!   [`E2eSession::resume`].
//!
//! So a server gets at most [`MAX_GUESSES_PER_SESSION`] (= 3 + 1) guesses
//! per session, out of 31⁴ = 923 521 secret parts: it succeeds with
//! probability at most 4 / 923 521 ≈ 4.3 × 10⁻⁶, and otherwise ends the
//! session. Honest sessions reach the bound only if the link drops inside
//! the round trips of three separate rounds.
//!
//! Round messages travel as URL-safe base64 (the `data` of the protocol's
//! `e2e` control message): `version u8 ‖ round u32 LE ‖ kind u8 ‖ body`,
//! kind 1 = PAKE message, 2 = key confirmation. Sealed frames and chat are
//! `round u32 LE ‖ sealed bytes` (see [`crate::cipher`]).
//!
//! Only the screen channel tolerates gaps (the relay replaces stale screen
//! updates by design); every other channel must arrive complete and in order.

use crate::E2eError;
use crate::cipher::{Opened, Opener, Sealer};
use crate::encoding::{from_base64, to_base64};
use crate::handshake::{Confirming, Handshake};
use crate::messages::{ConfirmMessage, PakeMessage};
use crate::transcript::{Side, Transcript};

const VERSION: u8 = 1;
const KIND_PAKE: u8 = 1;
const KIND_CONFIRM: u8 = 2;
/// Largest round message, in bytes.
const MAX_ROUND_MESSAGE: usize = 64;
/// The data channel whose frames the relay may drop (screen updates).
pub const DROPPABLE_CHANNEL: u8 = 1;
/// Symbols in the secret part of the code (31 possible each).
pub const SECRET_SYMBOLS: u32 = 4;
/// Rounds a side may take the other side's PAKE message in without the
/// round being confirmed, over a session's whole life.
pub const MAX_UNCONFIRMED_ROUNDS: u32 = 3;
/// The most guesses at the secret part anyone in the middle can test in one
/// session: the helper's unconfirmed rounds plus the one confirmation the
/// sharer checks before the session ends.
pub const MAX_GUESSES_PER_SESSION: u32 = MAX_UNCONFIRMED_ROUNDS + 1;

enum State {
    /// No round yet (or the last one was abandoned for a newer one).
    Idle,
    /// The sharer sent its PAKE message.
    Started(u32, Handshake),
    /// Keys derived, waiting for the peer's confirmation; the sharer holds
    /// its own back until then.
    Confirming(u32, Confirming, Option<ConfirmMessage>),
    /// Confirmed: frames flow.
    Ready {
        round: u32,
        sealer: Sealer,
        opener: Opener,
        verification: String,
    },
    /// A round failed: the session must end.
    Failed(E2eError),
}

/// The end-to-end layer of one side of one session.
pub struct E2eSession {
    side: Side,
    code: String,
    transcript: Transcript,
    next_round: u32,
    /// The newest round this side took part in (helper: answered).
    last_round: u32,
    /// Rounds whose PAKE message this side took and that were not
    /// confirmed, over the session's whole life (the open one included).
    unconfirmed: u32,
    state: State,
}

impl std::fmt::Debug for E2eSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E2eSession")
            .field("side", &self.side)
            .field("ready", &self.is_ready())
            .field("unconfirmed", &self.unconfirmed)
            .finish_non_exhaustive()
    }
}

fn round_message(round: u32, kind: u8, body: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(6 + body.len());
    bytes.push(VERSION);
    bytes.extend_from_slice(&round.to_le_bytes());
    bytes.push(kind);
    bytes.extend_from_slice(body);
    to_base64(&bytes)
}

/// Splits `round u32 LE ‖ rest`.
fn split_round(bytes: &[u8]) -> Result<(u32, &[u8]), E2eError> {
    if bytes.len() < 4 {
        return Err(E2eError::Malformed("too short for a round number"));
    }
    let (round, rest) = bytes.split_at(4);
    Ok((
        u32::from_le_bytes([round[0], round[1], round[2], round[3]]),
        rest,
    ))
}

impl E2eSession {
    /// The layer for `side`, keyed by the whole `code` (rendezvous and secret
    /// parts) and bound to `transcript`.
    pub fn new(side: Side, code: &str, transcript: Transcript) -> Self {
        Self::resume(side, code, transcript, 0)
    }

    /// The layer for a session this side already took part in, with the
    /// number of unconfirmed rounds it has used up
    /// ([`E2eSession::unconfirmed_rounds`] of the layer it replaces), so a
    /// rebuilt layer does not start the count again. Past the bound, the
    /// layer is failed from the start.
    pub fn resume(side: Side, code: &str, transcript: Transcript, unconfirmed: u32) -> Self {
        let state = if unconfirmed > MAX_UNCONFIRMED_ROUNDS {
            State::Failed(E2eError::TooManyRounds {
                limit: MAX_UNCONFIRMED_ROUNDS,
            })
        } else {
            State::Idle
        };
        Self {
            side,
            code: code.to_string(),
            transcript,
            next_round: 1,
            last_round: 0,
            unconfirmed,
            state,
        }
    }

    /// Whether frames can be sealed and opened.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready { .. })
    }

    /// Rounds whose PAKE message this side took and that were not confirmed
    /// (the open one included): keep it with the code to
    /// [`resume`](E2eSession::resume) the layer.
    pub fn unconfirmed_rounds(&self) -> u32 {
        self.unconfirmed
    }

    /// The failure that ended the layer, if any.
    pub fn failure(&self) -> Option<&E2eError> {
        match &self.state {
            State::Failed(err) => Some(err),
            _ => None,
        }
    }

    /// The short string both people can compare, once ready.
    pub fn verification(&self) -> Option<&str> {
        match &self.state {
            State::Ready { verification, .. } => Some(verification),
            _ => None,
        }
    }

    fn fail(&mut self, err: E2eError) -> E2eError {
        self.state = State::Failed(err.clone());
        err
    }

    /// Sharer: both sides are connected (again); start a round. Returns the
    /// message for the helper. `random` must be fresh.
    pub fn start_round(&mut self, random: [u8; 32]) -> Result<String, E2eError> {
        if let Some(err) = self.failure() {
            return Err(err.clone());
        }
        if self.side != Side::Sharer {
            return Err(E2eError::Malformed("only the sharer starts rounds"));
        }
        let round = self.next_round;
        self.next_round = self.next_round.wrapping_add(1);
        self.last_round = round;
        let (handshake, message) =
            Handshake::start(self.side, &self.code, &self.transcript, random);
        self.state = State::Started(round, handshake);
        Ok(round_message(round, KIND_PAKE, message.as_bytes()))
    }

    /// A round message from the other side; returns the messages to send
    /// back. An error means the session must end (a wrong code, interference
    /// or too many unconfirmed rounds); messages of an abandoned round are
    /// ignored.
    pub fn receive(&mut self, data: &str, random: [u8; 32]) -> Result<Vec<String>, E2eError> {
        if let Some(err) = self.failure() {
            return Err(err.clone());
        }
        let parsed = (|| {
            let bytes = from_base64(data, MAX_ROUND_MESSAGE)?;
            let (&version, rest) = bytes
                .split_first()
                .ok_or(E2eError::Malformed("empty round message"))?;
            if version != VERSION {
                return Err(E2eError::Malformed("unknown round message version"));
            }
            let (round, rest) = split_round(rest)?;
            let (&kind, body) = rest
                .split_first()
                .ok_or(E2eError::Malformed("round message without a kind"))?;
            Ok((round, kind, body.to_vec()))
        })();
        let (round, kind, body) = parsed.map_err(|e| self.fail(e))?;
        let state = std::mem::replace(&mut self.state, State::Idle);
        let result = self.step(state, round, kind, &body, random);
        match result {
            Ok(out) => Ok(out),
            Err(err) => Err(self.fail(err)),
        }
    }

    /// Counts a round whose PAKE message this side is about to take; past
    /// the bound, the session ends instead.
    fn take_round(&mut self) -> Result<(), E2eError> {
        if self.unconfirmed >= MAX_UNCONFIRMED_ROUNDS {
            return Err(E2eError::TooManyRounds {
                limit: MAX_UNCONFIRMED_ROUNDS,
            });
        }
        self.unconfirmed += 1;
        Ok(())
    }

    fn step(
        &mut self,
        state: State,
        round: u32,
        kind: u8,
        body: &[u8],
        random: [u8; 32],
    ) -> Result<Vec<String>, E2eError> {
        match (self.side, kind, state) {
            // The helper answers each newer round the sharer starts, with its
            // confirmation: the round is then its one current round.
            (Side::Helper, KIND_PAKE, _) if round > self.last_round => {
                let peer = PakeMessage::from_bytes(body)?;
                self.take_round()?;
                self.last_round = round;
                let (handshake, mine) =
                    Handshake::start(self.side, &self.code, &self.transcript, random);
                let (confirming, confirm) = handshake.receive(&peer)?;
                self.state = State::Confirming(round, confirming, None);
                Ok(vec![
                    round_message(round, KIND_PAKE, mine.as_bytes()),
                    round_message(round, KIND_CONFIRM, confirm.as_bytes()),
                ])
            }
            // The sharer derives the keys but says nothing until it has
            // checked the helper's confirmation.
            (Side::Sharer, KIND_PAKE, State::Started(current, handshake)) if current == round => {
                let peer = PakeMessage::from_bytes(body)?;
                self.take_round()?;
                let (confirming, held) = handshake.receive(&peer)?;
                self.state = State::Confirming(round, confirming, Some(held));
                Ok(Vec::new())
            }
            (_, KIND_CONFIRM, State::Confirming(current, confirming, held)) if current == round => {
                let peer = ConfirmMessage::from_bytes(body)?;
                let keys = confirming.receive(&peer)?;
                self.unconfirmed = self.unconfirmed.saturating_sub(1);
                let (sealer, opener) = keys.epoch(0).split();
                self.state = State::Ready {
                    round,
                    sealer,
                    opener,
                    verification: keys.verification_string(),
                };
                Ok(held
                    .map(|mine| round_message(round, KIND_CONFIRM, mine.as_bytes()))
                    .into_iter()
                    .collect())
            }
            (_, KIND_PAKE | KIND_CONFIRM, state) => {
                // A message of a round this side has moved on from (or an
                // old round replayed): nothing to answer.
                self.state = state;
                Ok(Vec::new())
            }
            _ => Err(E2eError::Malformed("unknown round message kind")),
        }
    }

    /// Seals a data frame's payload for `channel`; `None` until ready.
    pub fn seal(&mut self, channel: u8, payload: &[u8]) -> Option<Vec<u8>> {
        let State::Ready { round, sealer, .. } = &mut self.state else {
            return None;
        };
        let mut out = round.to_le_bytes().to_vec();
        out.extend_from_slice(&sealer.seal(channel, payload));
        Some(out)
    }

    /// Opens a data frame's payload. `Ok(None)`: sealed in an earlier round
    /// (or before this side was ready) — drop it. An error means the session
    /// must end.
    pub fn open(&mut self, channel: u8, sealed: &[u8]) -> Result<Option<Vec<u8>>, E2eError> {
        if let Some(err) = self.failure() {
            return Err(err.clone());
        }
        let (round, rest) = split_round(sealed).map_err(|e| self.fail(e))?;
        let State::Ready {
            round: current,
            opener,
            ..
        } = &mut self.state
        else {
            return Ok(None);
        };
        if round != *current {
            return Ok(None);
        }
        let opened = if channel == DROPPABLE_CHANNEL {
            opener.open_droppable(channel, rest).map(|(data, _)| data)
        } else {
            match opener.open(channel, rest) {
                Ok(Opened::Data(data)) => Ok(data),
                Ok(Opened::Goodbye { .. }) => {
                    Err(E2eError::Malformed("a goodbye on a data channel"))
                }
                Err(err) => Err(err),
            }
        };
        opened.map(Some).map_err(|e| self.fail(e))
    }

    /// Seals chat text as base64 for the protocol's chat message; `None` until ready.
    pub fn seal_chat(&mut self, text: &str) -> Option<String> {
        let State::Ready { round, sealer, .. } = &mut self.state else {
            return None;
        };
        let mut out = round.to_le_bytes().to_vec();
        out.extend_from_slice(&sealer.seal_text(text));
        Some(to_base64(&out))
    }

    /// Opens a sealed chat message. `Ok(None)`: sealed in another round
    /// (e.g. before a reconnect), so it cannot be read any more. An error
    /// means the session must end.
    pub fn open_chat(&mut self, data: &str) -> Result<Option<String>, E2eError> {
        if let Some(err) = self.failure() {
            return Err(err.clone());
        }
        let bytes = from_base64(data, 64 * 1024).map_err(|e| self.fail(e))?;
        let (round, rest) = split_round(&bytes).map_err(|e| self.fail(e))?;
        let State::Ready {
            round: current,
            opener,
            ..
        } = &mut self.state
        else {
            return Ok(None);
        };
        if round != *current {
            return Ok(None);
        }
        match opener.open_text(rest) {
            Ok(text) => Ok(Some(text)),
            Err(err) => Err(self.fail(err)),
        }
    }

    /// Whether a chat message is one this side sent (its own echo comes back
    /// from the server and cannot be opened with the peer's key).
    pub fn side(&self) -> Side {
        self.side
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(helper_code: &str, sharer_code: &str) -> (E2eSession, E2eSession) {
        let t = Transcript::new("session-1", "helper-1", "sharer-1");
        (
            E2eSession::new(Side::Helper, helper_code, t.clone()),
            E2eSession::new(Side::Sharer, sharer_code, t),
        )
    }

    /// Runs a round through an honest relay.
    fn run_round(
        helper: &mut E2eSession,
        sharer: &mut E2eSession,
        seed: u8,
    ) -> Result<(), E2eError> {
        let start = sharer.start_round([seed; 32])?;
        let replies = helper.receive(&start, [seed.wrapping_add(1); 32])?;
        let mut back = Vec::new();
        for r in replies {
            back.extend(sharer.receive(&r, [0; 32])?);
        }
        for b in back {
            helper.receive(&b, [0; 32])?;
        }
        Ok(())
    }

    #[test]
    fn a_round_makes_both_sides_ready_with_the_same_verification() {
        let (mut h, mut s) = pair("K7MQ2XPAH4RT", "k7mq-2xpa-h4rt");
        assert!(h.seal(2, b"x").is_none(), "nothing sealed before the round");
        run_round(&mut h, &mut s, 1).expect("round");
        assert!(h.is_ready() && s.is_ready());
        assert_eq!(h.verification(), s.verification());
        let frame = h.seal(2, b"key press").expect("ready");
        assert_eq!(
            s.open(2, &frame).expect("opens").as_deref(),
            Some(&b"key press"[..])
        );
        let chat = s.seal_chat("你好").expect("ready");
        assert_eq!(h.open_chat(&chat).expect("opens").as_deref(), Some("你好"));
    }

    #[test]
    fn a_wrong_secret_part_ends_both_sides() {
        let (mut h, mut s) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RX");
        assert_eq!(
            run_round(&mut h, &mut s, 1),
            Err(E2eError::WrongCodeOrInterference)
        );
        assert!(s.failure().is_some(), "the sharer knows");
        assert!(s.start_round([2; 32]).is_err(), "no second guess");
        assert!(h.seal(2, b"x").is_none());
    }

    #[test]
    fn a_new_round_after_a_reconnect_drops_stale_frames() {
        let (mut h, mut s) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        run_round(&mut h, &mut s, 1).expect("round 1");
        let old_frame = s.seal(1, b"old screen").expect("ready");
        let old_chat = h.seal_chat("before").expect("ready");
        // The helper reloads: a fresh layer, and the sharer starts round 2.
        let mut h = E2eSession::new(
            Side::Helper,
            "K7MQ2XPAH4RT",
            Transcript::new("session-1", "helper-1", "sharer-1"),
        );
        run_round(&mut h, &mut s, 7).expect("round 2");
        assert_eq!(h.open(1, &old_frame), Ok(None), "stale, not tampered");
        assert_eq!(s.open_chat(&old_chat), Ok(None));
        let fresh = s.seal(1, b"new screen").expect("ready");
        assert_eq!(
            h.open(1, &fresh).expect("opens").as_deref(),
            Some(&b"new screen"[..])
        );
    }

    #[test]
    fn tampering_replay_and_gaps_end_the_session() {
        let (mut h, mut s) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        run_round(&mut h, &mut s, 1).expect("round");
        let first = h.seal(2, b"a").expect("ready");
        let second = h.seal(2, b"b").expect("ready");
        // A gap on a strict channel.
        assert!(matches!(
            s.open(2, &second),
            Err(E2eError::OutOfOrder { .. })
        ));
        assert!(
            s.open(2, &first).is_err(),
            "the layer is finished after an error"
        );

        let (mut h, mut s) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        run_round(&mut h, &mut s, 1).expect("round");
        let mut frame = h.seal(3, b"pointer").expect("ready");
        let last = frame.len() - 1;
        frame[last] ^= 1;
        assert_eq!(s.open(3, &frame), Err(E2eError::Tampered));

        let (mut h, mut s) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        run_round(&mut h, &mut s, 1).expect("round");
        let a = s.seal(1, b"screen 1").expect("ready");
        let b = s.seal(1, b"screen 2").expect("ready");
        let c = s.seal(1, b"screen 3").expect("ready");
        assert!(h.open(1, &a).expect("opens").is_some());
        assert!(
            h.open(1, &c)
                .expect("a dropped screen update is fine")
                .is_some()
        );
        assert!(matches!(h.open(1, &b), Err(E2eError::Replayed { .. })));
    }

    #[test]
    fn garbage_round_messages_are_refused() {
        let (mut h, _) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        assert!(h.receive("!!", [0; 32]).is_err());
        let (mut h, _) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        assert!(h.receive(&to_base64(&[1, 0, 0, 0, 0, 9]), [0; 32]).is_err());
        let (mut h, _) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        assert!(h.receive(&to_base64(&[2, 1, 0, 0, 0, 1]), [0; 32]).is_err());
        let (_, mut s) = pair("K7MQ2XPAH4RT", "K7MQ2XPAH4RT");
        assert!(
            s.receive(&round_message(9, KIND_CONFIRM, &[1; 33]), [0; 32])
                .is_ok(),
            "another round's message is ignored"
        );
    }
}
