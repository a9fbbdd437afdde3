//! Security codes: short, easy to read out over the phone, unambiguous.
//!
//! Eight characters from a 31-symbol alphabet without look-alikes
//! (no 0/O, 1/I/L), shown as `ABCD-EFGH`; about 8.5 × 10¹¹ codes. Entry is
//! forgiving: case, spaces and dashes do not matter.

use std::fmt;

/// The symbols codes are made of.
pub const ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Symbols in a code.
pub const LENGTH: usize = 8;

/// A well-formed security code (normalised: upper case, no separators).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecurityCode(String);

/// Why text is not a security code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Wrong number of symbols.
    #[error("a security code has {LENGTH} characters, this has {0}")]
    Length(usize),
    /// A symbol outside the alphabet.
    #[error(
        "'{0}' cannot appear in a security code (they use A–Z without I, L and O, and digits 2–9)"
    )]
    Symbol(char),
}

impl SecurityCode {
    /// Makes a code from random bytes (one byte per symbol, rejection-sampled
    /// by the caller's generator: bytes ≥ 248 must be redrawn to avoid bias).
    /// Returns `None` if a byte is out of the unbiased range.
    pub fn from_random(bytes: [u8; LENGTH]) -> Option<Self> {
        let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8; // 248
        let mut out = String::with_capacity(LENGTH);
        for b in bytes {
            if b >= limit {
                return None;
            }
            out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
        }
        Some(Self(out))
    }

    /// Parses what a person typed.
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let mut out = String::with_capacity(LENGTH);
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let upper = c.to_ascii_uppercase();
            if !upper.is_ascii() || !ALPHABET.contains(&(upper as u8)) {
                return Err(CodeError::Symbol(c));
            }
            if out.len() == 64 {
                break;
            }
            out.push(upper);
        }
        if out.len() != LENGTH {
            return Err(CodeError::Length(out.chars().count()));
        }
        Ok(Self(out))
    }

    /// The normalised form (what is hashed and compared).
    pub fn normalized(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecurityCode {
    /// `ABCD-EFGH`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.0.split_at(LENGTH / 2);
        write!(f, "{a}-{b}")
    }
}

/// Symbols in the secret part the helper's client adds to the server's code
/// for end-to-end encryption (the server never sees them).
pub const SECRET_LENGTH: usize = 4;

/// A secret part of `n` symbols from `random` bytes, rejection-sampled so
/// every symbol is equally likely; `None` if the bytes run out first.
pub fn secret_from_random(random: &[u8], n: usize) -> Option<String> {
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let out: String = random
        .iter()
        .filter(|b| **b < limit)
        .take(n)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    (out.len() == n).then_some(out)
}

/// The whole code a helper reads out: the server's rendezvous code followed
/// by the secret part, shown as `ABCD-EFGH-JKMN`.
#[derive(Clone, PartialEq, Eq)]
pub struct FullCode {
    rendezvous: SecurityCode,
    whole: String,
}

impl FullCode {
    /// Parses what a person typed (12 symbols; case, spaces and dashes do not matter).
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let mut whole = String::with_capacity(LENGTH + SECRET_LENGTH);
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let upper = c.to_ascii_uppercase();
            if !upper.is_ascii() || !ALPHABET.contains(&(upper as u8)) {
                return Err(CodeError::Symbol(c));
            }
            if whole.len() == 64 {
                break;
            }
            whole.push(upper);
        }
        if whole.len() != LENGTH + SECRET_LENGTH {
            return Err(CodeError::Length(whole.chars().count()));
        }
        let rendezvous = SecurityCode::parse(&whole[..LENGTH])?;
        Ok(Self { rendezvous, whole })
    }

    /// The part the server checks.
    pub fn rendezvous(&self) -> &SecurityCode {
        &self.rendezvous
    }

    /// All symbols, normalised: the end-to-end password.
    pub fn whole(&self) -> &str {
        &self.whole
    }
}

impl fmt::Display for FullCode {
    /// `ABCD-EFGH-JKMN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, rest) = self.whole.split_at(4);
        let (b, c) = rest.split_at(4);
        write!(f, "{a}-{b}-{c}")
    }
}

impl fmt::Debug for FullCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FullCode(****)")
    }
}

impl fmt::Debug for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityCode(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whole_codes_split_into_rendezvous_and_secret() {
        let full = FullCode::parse("k7mq 2xpa-h4rt").expect("valid");
        assert_eq!(full.rendezvous().normalized(), "K7MQ2XPA");
        assert_eq!(full.whole(), "K7MQ2XPAH4RT");
        assert_eq!(full.to_string(), "K7MQ-2XPA-H4RT");
        assert!(format!("{full:?}").contains("****"));
        assert_eq!(FullCode::parse("K7MQ-2XPA"), Err(CodeError::Length(8)));
        assert_eq!(
            FullCode::parse("K7MQ-2XPA-H4R0"),
            Err(CodeError::Symbol('0'))
        );
        let secret = secret_from_random(&[0, 30, 248, 255, 62, 5], 4).expect("enough bytes");
        assert_eq!(
            secret, "A9AF",
            "bytes ≥ 248 are skipped, others map into the alphabet"
        );
        assert_eq!(secret_from_random(&[250, 251], 1), None);
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        for c in b"01ILO" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), ALPHABET.len());
    }

    #[test]
    fn entry_is_forgiving_but_strict_about_symbols() {
        let code = SecurityCode::parse(" abcd-efgh ").expect("valid");
        assert_eq!(code.to_string(), "ABCD-EFGH");
        assert_eq!(SecurityCode::parse("ABCDEFG"), Err(CodeError::Length(7)));
        assert_eq!(
            SecurityCode::parse("ABCD-EFG0"),
            Err(CodeError::Symbol('0'))
        );
        assert_eq!(
            SecurityCode::parse("ABCD-EFGI"),
            Err(CodeError::Symbol('I'))
        );
        assert!(SecurityCode::parse("ÄBCD-EFGH").is_err());
        assert!(
            format!("{code:?}").contains("****"),
            "codes never appear in debug logs"
        );
    }

    #[test]
    fn biased_bytes_are_refused() {
        assert!(SecurityCode::from_random([0; LENGTH]).is_some());
        assert!(SecurityCode::from_random([248; LENGTH]).is_none());
    }

    proptest! {
        #[test]
        fn generated_codes_round_trip(bytes in proptest::array::uniform8(0u8..248)) {
            let code = SecurityCode::from_random(bytes).expect("in range");
            prop_assert_eq!(SecurityCode::parse(&code.to_string()).expect("parses"), code.clone());
            prop_assert_eq!(SecurityCode::parse(&code.normalized().to_lowercase()).expect("parses"), code);
        }

        #[test]
        fn parse_never_panics(text in ".{0,80}") {
            let _ = SecurityCode::parse(&text);
        }
    }
}
