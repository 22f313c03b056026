//! Checks for the free-text values APIG takes (ECS names, member group names, the
//! `name` filter), run before any request is built.

use lb_backends_core::{Error, Result};

/// The longest ECS name and member group name APIG accepts (API.md 3: 1–64).
pub(crate) const MAX_NAME_CHARS: usize = 64;

/// An ECS name or member group name as APIG takes it: 1 to 64 characters from
/// letters (Chinese included), digits, `-`, `_` and `.`.
pub(crate) fn check_name(what: &str, value: &str) -> Result<()> {
    check_length(what, value)?;
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(Error::invalid_input(format!(
            "{what} {:?} contains {bad:?}; only letters, digits, '-', '_' and '.' are allowed",
            shorten(value)
        )));
    }
    Ok(())
}

/// A search term for the `name` or `member_group_name` filter: 1 to 64 characters,
/// not blank, no control characters. It is sent percent-encoded, so other
/// characters are harmless; they simply match nothing APIG stores.
pub(crate) fn check_filter(what: &str, value: &str) -> Result<()> {
    check_length(what, value)?;
    if value.trim().is_empty() {
        return Err(Error::invalid_input(format!("{what} must not be blank")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(())
}

fn check_length(what: &str, value: &str) -> Result<()> {
    let len = value.chars().count();
    if len == 0 {
        return Err(Error::invalid_input(format!("{what} must not be empty")));
    }
    if len > MAX_NAME_CHARS {
        return Err(Error::invalid_input(format!(
            "{what} is {len} characters long; APIG takes at most {MAX_NAME_CHARS}"
        )));
    }
    Ok(())
}

/// The first 40 characters of untrusted text, for error messages.
pub(crate) fn shorten(s: &str) -> String {
    const KEEP: usize = 40;
    let mut out: String = s.chars().take(KEEP).collect();
    if s.chars().count() > KEEP {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_take_letters_digits_and_three_marks() {
        for ok in ["web-01", "服务器_a.b", "x", &"a".repeat(64)] {
            assert!(check_name("ECS name", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "a\nb", &"a".repeat(65)] {
            assert!(check_name("ECS name", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn filters_are_sane() {
        assert!(check_filter("name filter", "web 01").is_ok());
        for bad in ["", "   ", "a\u{0}b", &"é".repeat(65)] {
            let err = check_filter("name filter", bad).unwrap_err();
            assert!(err.message().starts_with("name filter"), "{err}");
        }
    }
}
