//! Binary data frames: one byte naming the channel, then the payload.
//!
//! The relay looks only at the channel byte: screen updates may be dropped
//! and replaced when a viewer is slow; input and pointer frames are never
//! dropped and never queued behind screen data.

/// Largest binary frame accepted (a full lossless 1080p update fits).
pub const MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;

/// What a data frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Screen updates, sharer → helper. Droppable: a newer one replaces a stale one.
    Screen,
    /// Keyboard and mouse, helper → sharer. Full control only; never dropped.
    Input,
    /// Laser pointer positions, helper → sharer. Both modes.
    Pointer,
    /// The sharer's mouse cursor (position and shape), sharer → helper; drawn by the viewer.
    Cursor,
}

impl Channel {
    /// The wire byte.
    pub fn byte(self) -> u8 {
        match self {
            Channel::Screen => 1,
            Channel::Input => 2,
            Channel::Pointer => 3,
            Channel::Cursor => 4,
        }
    }
}

/// Why bytes are not a data frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Nothing at all.
    #[error("empty data frame")]
    Empty,
    /// Unknown channel byte.
    #[error("unknown data channel {0}")]
    UnknownChannel(u8),
    /// Too large.
    #[error("data frame of {0} bytes exceeds the limit of {MAX_FRAME_BYTES}")]
    TooLarge(usize),
}

/// Splits a frame into its channel and payload.
pub fn decode(bytes: &[u8]) -> Result<(Channel, &[u8]), FrameError> {
    if bytes.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge(bytes.len()));
    }
    let (&first, payload) = bytes.split_first().ok_or(FrameError::Empty)?;
    let channel = match first {
        1 => Channel::Screen,
        2 => Channel::Input,
        3 => Channel::Pointer,
        4 => Channel::Cursor,
        other => return Err(FrameError::UnknownChannel(other)),
    };
    Ok((channel, payload))
}

/// Builds a frame.
pub fn encode(channel: Channel, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 1);
    out.push(channel.byte());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_what_it_cannot_route() {
        assert_eq!(decode(&[]), Err(FrameError::Empty));
        assert_eq!(decode(&[9, 1, 2]), Err(FrameError::UnknownChannel(9)));
        assert_eq!(decode(&[0]), Err(FrameError::UnknownChannel(0)));
        assert!(matches!(
            decode(&vec![1; MAX_FRAME_BYTES + 1]),
            Err(FrameError::TooLarge(_))
        ));
    }

    proptest! {
        #[test]
        fn round_trip(payload in proptest::collection::vec(any::<u8>(), 0..512), which in 0usize..4) {
            let channel = [Channel::Screen, Channel::Input, Channel::Pointer, Channel::Cursor][which];
            let bytes = encode(channel, &payload);
            prop_assert_eq!(decode(&bytes), Ok((channel, payload.as_slice())));
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }
    }
}
