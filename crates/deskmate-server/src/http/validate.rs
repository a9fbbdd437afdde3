//! Field checks shared by the request bodies.

use super::problem::FieldError;

/// Longest name-like field.
pub const MAX_NAME: usize = 100;

/// A trimmed, non-empty text of at most `max` characters.
pub fn text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if trimmed.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    } else if trimmed.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    trimmed.to_string()
}

/// An optional text: empty means none.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    Some(text(field, value, max, errors))
}

/// A plausible e-mail address (one `@`, something on each side, no spaces).
pub fn email(field: &str, value: &str, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    let ok = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(value.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if !ok {
        errors.push(FieldError::new(
            field,
            "must be an e-mail address such as ana@example.org",
        ));
    }
    value.to_string()
}

/// A dotted version number such as `1.4` or `2.0.3`.
pub fn version(field: &str, value: &str, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    let parts: Vec<&str> = value.split('.').collect();
    let ok = (1..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        errors.push(FieldError::new(
            field,
            "must be a version number such as 1.4.0",
        ));
    }
    value.to_string()
}

/// An optional RFC 3339 time from a query parameter, as milliseconds since the epoch.
pub fn rfc3339(field: &str, value: Option<&str>) -> Result<Option<i64>, super::problem::ApiError> {
    let Some(value) = value else { return Ok(None) };
    let t = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            super::problem::ApiError::field(
                field,
                "must be an RFC 3339 time such as 2026-01-31T08:00:00Z",
            )
        })?;
    Ok(Some(
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
    ))
}

/// Compares dotted versions numerically (`1.10` > `1.9`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (mut a, mut b) = (parse(a), parse(b));
    let len = a.len().max(b.len());
    a.resize(len, 0);
    b.resize(len, 0);
    a.cmp(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in ["ana@example.org", "a.b+c@x.y", "admin@localhost"] {
            let mut errors = Vec::new();
            email("email", good, &mut errors);
            assert!(errors.is_empty(), "{good}");
        }
        for bad in ["", "ana", "@x.org", "ana@", "a b@x.org", "a@b@c", "a@.org"] {
            let mut errors = Vec::new();
            email("email", bad, &mut errors);
            assert_eq!(errors.len(), 1, "{bad}");
        }
    }

    #[test]
    fn texts_and_versions() {
        let mut errors = Vec::new();
        assert_eq!(text("n", "  Ana ", MAX_NAME, &mut errors), "Ana");
        text("n", "   ", MAX_NAME, &mut errors);
        text("n", &"x".repeat(101), MAX_NAME, &mut errors);
        text("n", "a\u{7}", MAX_NAME, &mut errors);
        assert_eq!(errors.len(), 3);
        assert_eq!(optional_text("j", Some("  "), 10, &mut errors), None);
        let mut errors = Vec::new();
        version("v", "1.4.0", &mut errors);
        version("v", "1.x", &mut errors);
        version("v", "", &mut errors);
        assert_eq!(errors.len(), 2);
        assert!(compare_versions("1.10", "1.9").is_gt());
        assert!(compare_versions("1.0", "1.0.0").is_eq());
    }
}
