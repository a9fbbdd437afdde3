//! Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30 s),
//! compatible with every authenticator app.

use data_encoding::BASE32_NOPAD;
use ring::hmac;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Steps accepted either side of now, for clock drift.
pub const DRIFT_STEPS: i64 = 1;

/// A new secret: 160 random bits, base32 as authenticator apps expect.
pub fn new_secret() -> Result<String, super::tokens::RandomError> {
    Ok(BASE32_NOPAD.encode(&super::tokens::random_bytes::<20>()?))
}

/// The code for `secret` at time step `step`, or `None` for a malformed secret.
pub fn code_at_step(secret_base32: &str, step: i64, digits: u32) -> Option<u32> {
    let key = BASE32_NOPAD.decode(secret_base32.as_bytes()).ok()?;
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac.last()? & 0x0f);
    let slice: [u8; 4] = mac.get(offset..offset + 4)?.try_into().ok()?;
    let binary = u32::from_be_bytes(slice) & 0x7fff_ffff;
    Some(binary % 10u32.pow(digits))
}

/// The step a Unix time (seconds) falls in.
pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// Checks a 6-digit code entered at `unix_secs`. Returns the matching step
/// (to be claimed once, against replay) or `None`.
pub fn verify(secret_base32: &str, code: &str, unix_secs: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now = step_of(unix_secs);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS)
        .find(|&step| code_at_step(secret_base32, step, 6) == Some(wanted))
}

/// The `otpauth://` URI an authenticator app scans as a QR code.
pub fn provisioning_uri(secret_base32: &str, account: &str, issuer: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECS}",
        percent_encode(issuer),
        percent_encode(account),
        percent_encode(issuer)
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6238 appendix B key for SHA-1, "12345678901234567890".
    fn rfc_secret() -> String {
        BASE32_NOPAD.encode(b"12345678901234567890")
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        let secret = rfc_secret();
        for (time, expected) in [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(
                code_at_step(&secret, step_of(time), 8),
                Some(expected),
                "t={time}"
            );
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift_only() {
        let secret = rfc_secret();
        let t = 1_234_567_890;
        let code = format!("{:06}", code_at_step(&secret, step_of(t), 6).expect("code"));
        assert_eq!(verify(&secret, &code, t), Some(step_of(t)));
        assert_eq!(verify(&secret, &code, t + 30), Some(step_of(t)));
        assert_eq!(verify(&secret, &code, t - 30), Some(step_of(t)));
        assert_eq!(verify(&secret, &code, t + 90), None);
        assert_eq!(verify(&secret, "12345", t), None);
        assert_eq!(verify(&secret, "abcdef", t), None);
        assert_eq!(verify("not base32!", &code, t), None);
    }

    #[test]
    fn uri_names_issuer_and_account() {
        let uri = provisioning_uri("ABC", "ana@example.org", "Deskmate");
        assert_eq!(
            uri,
            "otpauth://totp/Deskmate:ana%40example.org?secret=ABC&issuer=Deskmate&algorithm=SHA1&digits=6&period=30"
        );
    }
}
