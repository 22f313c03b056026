//! Forgiving decoding of the legacy API's JSON: numbers that come as strings,
//! `null` where a value was expected, fields that are missing or of a new type.
//!
//! Every helper returns `None` (or an empty list) for what it cannot read, so a
//! record the cloud changes tomorrow still decodes; the record is kept whole in
//! `Backend::raw` anyway.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole number from a JSON number (integral) or a numeric string.
pub(crate) fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                // The filter makes the cast exact.
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text from a JSON string, number or bool; `None` for null, empty text, arrays
/// and objects.
pub(crate) fn as_string(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// `deserialize_with` for an optional whole number (see [`as_i64`]).
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(as_i64(&Value::deserialize(d)?))
}

/// `deserialize_with` for optional text (see [`as_string`]).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(as_string(&Value::deserialize(d)?))
}

#[cfg(any(feature = "clb", feature = "bmlb"))]
/// `deserialize_with` for a list of records: `null` is an empty list; anything
/// else that is not an array is an error (the page cannot be trusted).
pub(crate) fn records<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items),
        other => Err(serde::de::Error::custom(format!(
            "expected a list of records, found {}",
            type_name(&other)
        ))),
    }
}

#[cfg(any(feature = "clb", feature = "bmlb"))]
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_come_in_many_shapes() {
        assert_eq!(as_i64(&json!(10)), Some(10));
        assert_eq!(as_i64(&json!("10")), Some(10));
        assert_eq!(as_i64(&json!(" 7 ")), Some(7));
        assert_eq!(as_i64(&json!(10.0)), Some(10));
        assert_eq!(as_i64(&json!(10.5)), None);
        assert_eq!(as_i64(&json!("ten")), None);
        assert_eq!(as_i64(&json!(null)), None);
        assert_eq!(as_i64(&json!([1])), None);
    }

    #[test]
    fn text_comes_in_many_shapes() {
        assert_eq!(as_string(&json!("a")), Some("a".into()));
        assert_eq!(as_string(&json!(12)), Some("12".into()));
        assert_eq!(as_string(&json!("")), None);
        assert_eq!(as_string(&json!(null)), None);
        assert_eq!(as_string(&json!({"a": 1})), None);
    }
}
