//! Every key the protocol uses, derived with HKDF-SHA256 and HMAC-SHA256.
//!
//! ```text
//! salt  = SHA-256("deskmate/e2e/v1 salt" ‖ transcript ‖ helper PAKE msg ‖ sharer PAKE msg)
//! prk   = HKDF-Extract(salt, SPAKE2 key)
//! confirm_helper = HKDF-Expand(prk, "deskmate/e2e/v1 confirm helper", 32)
//! confirm_sharer = HKDF-Expand(prk, "deskmate/e2e/v1 confirm sharer", 32)
//! verification   = HKDF-Expand(prk, "deskmate/e2e/v1 verification", 32)
//! traffic        = HKDF-Expand(prk, "deskmate/e2e/v1 traffic", 32)
//! key(epoch, from side) = HKDF-Expand(traffic, "deskmate/e2e/v1 epoch" ‖ epoch (u32 BE) ‖ "helper->sharer" | "sharer->helper", 32)
//! confirmation(side) = HMAC-SHA256(confirm_<side>, "deskmate/e2e/v1 confirm" ‖ side ‖ transcript ‖ helper PAKE msg ‖ sharer PAKE msg)
//! ```
//!
//! The transcript is [`Transcript::encode`](crate::Transcript); PAKE
//! messages are fixed-length, so the concatenations are unambiguous.

use crate::{LABEL, PakeMessage, Side};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A 32-byte secret, wiped when dropped.
pub(crate) type Secret = Zeroizing<[u8; 32]>;

/// What the SPAKE2 key expands into.
pub(crate) struct Derived {
    pub confirm_helper: Secret,
    pub confirm_sharer: Secret,
    pub verification: Secret,
    pub traffic: Secret,
}

impl Derived {
    /// The confirmation key of one side.
    pub fn confirm_key(&self, side: Side) -> &[u8; 32] {
        match side {
            Side::Helper => &self.confirm_helper,
            Side::Sharer => &self.confirm_sharer,
        }
    }
}

/// The handshake's public context: transcript and both PAKE messages.
pub(crate) fn context(transcript: &[u8], helper: &PakeMessage, sharer: &PakeMessage) -> Vec<u8> {
    [transcript, helper.as_bytes(), sharer.as_bytes()].concat()
}

/// Expands the SPAKE2 key bound to the handshake's context.
pub(crate) fn derive(spake_key: &[u8], context: &[u8]) -> Derived {
    let salt = Sha256::new()
        .chain_update(LABEL.as_bytes())
        .chain_update(b" salt")
        .chain_update(context)
        .finalize();
    let hk = Hkdf::<Sha256>::new(Some(&salt), spake_key);
    let expand = |what: &str| expand32(&hk, &[LABEL.as_bytes(), b" ", what.as_bytes()]);
    Derived {
        confirm_helper: expand("confirm helper"),
        confirm_sharer: expand("confirm sharer"),
        verification: expand("verification"),
        traffic: expand("traffic"),
    }
}

/// The confirmation tag one side sends.
pub(crate) fn confirmation(key: &[u8; 32], side: Side, context: &[u8]) -> [u8; 32] {
    let mut mac = hmac_sha256(key);
    mac.update(LABEL.as_bytes());
    mac.update(b" confirm ");
    mac.update(side.label().as_bytes());
    mac.update(context);
    mac.finalize().into_bytes().into()
}

/// The key for frames sealed by `from` in `epoch`.
pub(crate) fn epoch_key(traffic: &[u8; 32], epoch: u32, from: Side) -> Secret {
    // A 32-byte PRK is exactly HKDF-SHA256's minimum: cannot fail.
    let hk = Hkdf::<Sha256>::from_prk(traffic).expect("a 32-byte PRK is long enough");
    let direction: &[u8] = match from {
        Side::Helper => b"helper->sharer",
        Side::Sharer => b"sharer->helper",
    };
    expand32(
        &hk,
        &[LABEL.as_bytes(), b" epoch", &epoch.to_be_bytes(), direction],
    )
}

/// Six decimal digits as `"482 913"` from the verification secret.
pub(crate) fn verification_digits(secret: &[u8; 32]) -> String {
    let mut first = [0u8; 8];
    first.copy_from_slice(&secret[..8]);
    // 2^64 mod 10^6 is tiny next to 2^64: the bias is about 10^-13.
    let n = u64::from_le_bytes(first) % 1_000_000;
    format!("{:03} {:03}", n / 1000, n % 1000)
}

fn expand32(hk: &Hkdf<Sha256>, info: &[&[u8]]) -> Secret {
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's limit of 255 × 32: cannot fail.
    hk.expand_multi_info(info, out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

fn hmac_sha256(key: &[u8; 32]) -> Hmac<Sha256> {
    // HMAC takes keys of any length: cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_is_distinct_and_bound_to_the_context() {
        let a = derive(&[1; 32], b"context");
        let outputs = [
            *a.confirm_helper,
            *a.confirm_sharer,
            *a.verification,
            *a.traffic,
            *epoch_key(&a.traffic, 0, Side::Helper),
            *epoch_key(&a.traffic, 0, Side::Sharer),
            *epoch_key(&a.traffic, 1, Side::Helper),
        ];
        for (i, x) in outputs.iter().enumerate() {
            for y in &outputs[i + 1..] {
                assert_ne!(x, y);
            }
        }
        let b = derive(&[1; 32], b"contexT");
        assert_ne!(*a.traffic, *b.traffic);
        let c = derive(&[2; 32], b"context");
        assert_ne!(*a.traffic, *c.traffic);
        assert_eq!(*derive(&[1; 32], b"context").traffic, *a.traffic);
    }

    #[test]
    fn confirmations_depend_on_key_side_and_context() {
        let t = confirmation(&[5; 32], Side::Helper, b"ctx");
        assert_ne!(t, confirmation(&[6; 32], Side::Helper, b"ctx"));
        assert_ne!(t, confirmation(&[5; 32], Side::Sharer, b"ctx"));
        assert_ne!(t, confirmation(&[5; 32], Side::Helper, b"ctX"));
    }

    #[test]
    fn verification_digits_look_right() {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&482_913u64.to_le_bytes());
        assert_eq!(verification_digits(&s), "482 913");
        s[..8].copy_from_slice(&7u64.to_le_bytes());
        assert_eq!(verification_digits(&s), "000 007");
    }
}
