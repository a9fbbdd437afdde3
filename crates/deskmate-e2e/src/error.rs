//! Every way the end-to-end layer can refuse, in plain words.

/// Why a handshake or a frame was refused. Any of these ends the session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum E2eError {
    /// The peer's key confirmation did not match: the two sides did not
    /// derive the same keys.
    #[error(
        "the key exchange failed: the code's secret part does not match, or someone is interfering with the connection"
    )]
    WrongCodeOrInterference,
    /// More key-exchange rounds were left unconfirmed than a session allows:
    /// whoever restarts them may be guessing the code's secret part.
    #[error(
        "the key exchange was restarted {limit} times without completing: someone may be guessing the code, so the session ends"
    )]
    TooManyRounds {
        /// The unconfirmed rounds a session allows.
        limit: u32,
    },
    /// Bytes that do not have the shape of the expected message.
    #[error("malformed end-to-end message: {0}")]
    Malformed(&'static str),
    /// A sealed frame's tag did not verify: it was changed, comes from
    /// another session or epoch, or was sealed for another channel.
    #[error("an encrypted frame was altered or does not belong to this session")]
    Tampered,
    /// An authentic frame that was already opened (a replay).
    #[error("an encrypted frame was replayed (number {got}, expected {expected})")]
    Replayed {
        /// The counter the opener was waiting for.
        expected: u64,
        /// The counter of the replayed frame.
        got: u64,
    },
    /// An authentic frame ahead of the one expected: frames in between were
    /// dropped or reordered.
    #[error("encrypted frames were dropped or reordered (expected number {expected}, got {got})")]
    OutOfOrder {
        /// The counter the opener was waiting for.
        expected: u64,
        /// The counter of the frame that arrived.
        got: u64,
    },
}
