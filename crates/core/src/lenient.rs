//! Forgiving decoding of the clouds' JSON: fields that are missing, `null`, of
//! another type than documented, or (in the older APIs) numbers sent as strings.
//!
//! Every provider keeps the record it decoded whole in [`Backend::raw`](crate::Backend::raw),
//! so a field that cannot be read is dropped here (`None`, or an empty list) rather
//! than failing the whole record. Two families of helpers, one per rule:
//!
//! - **typed**: [`opt`] and [`list`] accept a value only when it already has the
//!   expected type (`"80"` is not a number, `80` is not a string);
//! - **coercing**: [`as_i64`], [`as_u64`], [`as_string`] and their adapters
//!   [`opt_i64`] and [`opt_string`] also read whole numbers sent as text and turn
//!   numbers and booleans into text, as the legacy APIs need.
//!
//! [`records`] is the one strict adapter: a list of records that is neither an array
//! nor `null` cannot be trusted and is an error. [`json_kind`] names a value's JSON
//! type for error messages.
//!
//! ```
//! use lb_backends_core::lenient;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Record {
//!     #[serde(default, deserialize_with = "lenient::opt")]
//!     name: Option<String>,
//!     #[serde(default, deserialize_with = "lenient::opt_i64")]
//!     weight: Option<i64>,
//!     #[serde(default, deserialize_with = "lenient::list")]
//!     tags: Vec<String>,
//! }
//!
//! let r: Record = serde_json::from_str(r#"{"name": 7, "weight": "10", "tags": ["a", 1, "b"]}"#)?;
//! assert_eq!(r.name, None); // a number is not a name: dropped, not an error
//! assert_eq!(r.weight, Some(10)); // a whole number sent as text is read
//! assert_eq!(r.tags, ["a", "b"]); // the elements that decode are kept
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::borrow::Cow;

use serde::{
    de::{DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer,
};
use serde_json::Value;

/// A short name for the JSON type of `v` (`"null"`, `"a boolean"`, `"a number"`,
/// `"a string"`, `"an array"`, `"an object"`), for error messages.
///
/// ```
/// use lb_backends_core::lenient::json_kind;
/// use serde_json::json;
///
/// assert_eq!(json_kind(&json!([1])), "an array");
/// assert_eq!(format!("`members` is {}", json_kind(&json!(null))), "`members` is null");
/// ```
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A whole number from a JSON number (an integer, or a float without a fraction) or
/// from a string of digits (surrounding blanks allowed); `None` for anything else.
///
/// ```
/// use lb_backends_core::lenient::as_i64;
/// use serde_json::json;
///
/// assert_eq!(as_i64(&json!(" 7 ")), Some(7));
/// assert_eq!(as_i64(&json!(10.0)), Some(10));
/// assert_eq!(as_i64(&json!(10.5)), None);
/// ```
pub fn as_i64(v: &Value) -> Option<i64> {
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

/// A non-negative integer from a JSON integer or from a string of digits
/// (surrounding blanks allowed); `None` for anything else, floats included.
///
/// ```
/// use lb_backends_core::lenient::as_u64;
/// use serde_json::json;
///
/// assert_eq!(as_u64(&json!("0")), Some(0));
/// assert_eq!(as_u64(&json!(-1)), None);
/// ```
pub fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text from a JSON string (trimmed), number or boolean; `None` for `null`, empty
/// text, arrays and objects.
///
/// ```
/// use lb_backends_core::lenient::as_string;
/// use serde_json::json;
///
/// assert_eq!(as_string(&json!(12)).as_deref(), Some("12"));
/// assert_eq!(as_string(&json!("  ")), None);
/// ```
pub fn as_string(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// `deserialize_with` for a value of type `T`: `None` when it is `null` or does not
/// decode as `T` (typed: a number is not a `String`, `"80"` is not an `i64`). Pair it
/// with `#[serde(default)]` so a missing field is `None` too.
pub fn opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// `deserialize_with` for a list: the elements of an array that decode as `T`, in
/// order; anything that is not an array (`null` included) is an empty list.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// The JSON type of a value from its text (as [`RawRecord`](crate::RawRecord) or
/// serde_json's `RawValue` hold it: no blanks before it), named as [`json_kind`]
/// names it, without parsing it.
///
/// ```
/// use lb_backends_core::lenient::raw_kind;
///
/// assert_eq!(raw_kind("[1]"), "an array");
/// assert_eq!(raw_kind("-3"), "a number");
/// ```
pub fn raw_kind(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// A JSON scalar as the typed borrowing readers see it.
enum Scalar<'de> {
    Str(Cow<'de, str>),
    Bool(bool),
    Int(i64),
    Other,
}

/// Reads any JSON value without building it: a string (borrowed when it has no
/// escapes), a boolean or an `i64`; anything else (other numbers, `null`, arrays and
/// objects, skipped) is `Other`.
struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Scalar::Other, Scalar::Int))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

/// `deserialize_with` for optional text, typed as [`opt`]`::<String>` is (`None` for
/// anything but a string) but without building a value: the text is borrowed from the
/// input when it holds no escapes. Pair it with `#[serde(default, borrow)]`.
///
/// ```
/// use std::borrow::Cow;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Record<'a> {
///     #[serde(default, borrow, deserialize_with = "lb_backends_core::lenient::opt_str")]
///     name: Option<Cow<'a, str>>,
///     #[serde(default, deserialize_with = "lb_backends_core::lenient::opt_int")]
///     port: Option<i64>,
///     #[serde(default, deserialize_with = "lb_backends_core::lenient::opt_bool")]
///     up: Option<bool>,
/// }
///
/// let r: Record<'_> = serde_json::from_str(r#"{"name": "web", "port": "80", "up": true}"#)?;
/// assert!(matches!(r.name, Some(Cow::Borrowed("web"))));
/// assert_eq!((r.port, r.up), (None, Some(true))); // "80" is not a number
/// let r: Record<'_> = serde_json::from_str(r#"{"name": [1, {"a": 2}], "port": 80, "up": 1}"#)?;
/// assert_eq!((r.name, r.port, r.up), (None, Some(80), None));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn opt_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Ok(match d.deserialize_any(ScalarVisitor)? {
        Scalar::Str(s) => Some(s),
        _ => None,
    })
}

/// `deserialize_with` for an optional boolean, typed as [`opt`]`::<bool>` is, without
/// building a value (see [`opt_str`]).
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match d.deserialize_any(ScalarVisitor)? {
        Scalar::Bool(b) => Some(b),
        _ => None,
    })
}

/// `deserialize_with` for an optional integer, typed as [`opt`]`::<i64>` is (a JSON
/// integer in `i64`'s range; not a float, not text), without building a value (see
/// [`opt_str`]).
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match d.deserialize_any(ScalarVisitor)? {
        Scalar::Int(n) => Some(n),
        _ => None,
    })
}

/// `deserialize_with` for an optional whole number, coercing (see [`as_i64`]).
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(as_i64(&Value::deserialize(d)?))
}

/// `deserialize_with` for optional text, coercing (see [`as_string`]): unlike
/// [`opt`]`::<String>`, a number or a boolean becomes its text, and blank text is `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(as_string(&Value::deserialize(d)?))
}

/// `deserialize_with` for a page's list of records, kept whole: `null` is an empty
/// list, an array is its elements, and anything else is an error (a page whose
/// records are not a list cannot be trusted).
///
/// ```
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Page {
///     #[serde(default, deserialize_with = "lb_backends_core::lenient::records")]
///     data: Vec<serde_json::Value>,
/// }
///
/// assert_eq!(serde_json::from_str::<Page>(r#"{"data": null}"#)?.data.len(), 0);
/// assert_eq!(serde_json::from_str::<Page>(r#"{"data": [1, {}]}"#)?.data.len(), 2);
/// assert!(serde_json::from_str::<Page>(r#"{"data": "x"}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn records<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items),
        other => Err(serde::de::Error::custom(format!(
            "expected a list of records, found {}",
            json_kind(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Typed {
        #[serde(default, deserialize_with = "opt")]
        text: Option<String>,
        #[serde(default, deserialize_with = "opt")]
        number: Option<i64>,
        #[serde(default, deserialize_with = "opt")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "list")]
        items: Vec<Item>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Item {
        #[serde(default, deserialize_with = "opt")]
        id: Option<String>,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Coerced {
        #[serde(default, deserialize_with = "opt_i64")]
        number: Option<i64>,
        #[serde(default, deserialize_with = "opt_string")]
        text: Option<String>,
        #[serde(default, deserialize_with = "records")]
        data: Vec<Value>,
    }

    #[test]
    fn every_kind_has_a_name() {
        let names: Vec<_> = [
            json!(null),
            json!(true),
            json!(1),
            json!("a"),
            json!([]),
            json!({}),
        ]
        .iter()
        .map(json_kind)
        .collect();
        assert_eq!(
            names,
            [
                "null",
                "a boolean",
                "a number",
                "a string",
                "an array",
                "an object"
            ]
        );
    }

    #[test]
    fn numbers_come_in_many_shapes() {
        assert_eq!(as_i64(&json!(10)), Some(10));
        assert_eq!(as_i64(&json!("10")), Some(10));
        assert_eq!(as_i64(&json!(" 7 ")), Some(7));
        assert_eq!(as_i64(&json!(-3)), Some(-3));
        assert_eq!(as_i64(&json!(10.0)), Some(10));
        assert_eq!(as_i64(&json!(10.5)), None);
        assert_eq!(as_i64(&json!(1.0e300)), None);
        assert_eq!(as_i64(&json!("ten")), None);
        assert_eq!(as_i64(&json!(null)), None);
        assert_eq!(as_i64(&json!([1])), None);

        assert_eq!(as_u64(&json!(10)), Some(10));
        assert_eq!(as_u64(&json!(" 10 ")), Some(10));
        assert_eq!(as_u64(&json!(-1)), None);
        assert_eq!(as_u64(&json!("-1")), None);
        assert_eq!(as_u64(&json!(10.0)), None);
        assert_eq!(as_u64(&json!(null)), None);
        assert_eq!(as_u64(&json!(true)), None);
    }

    #[test]
    fn text_comes_in_many_shapes() {
        assert_eq!(as_string(&json!("a")), Some("a".into()));
        assert_eq!(as_string(&json!(" a ")), Some("a".into()));
        assert_eq!(as_string(&json!(12)), Some("12".into()));
        assert_eq!(as_string(&json!(false)), Some("false".into()));
        assert_eq!(as_string(&json!("")), None);
        assert_eq!(as_string(&json!(null)), None);
        assert_eq!(as_string(&json!({"a": 1})), None);
        assert_eq!(as_string(&json!(["a"])), None);
    }

    #[test]
    fn typed_adapters_drop_what_has_another_type() {
        let t: Typed = serde_json::from_str(
            r#"{"text": 7, "number": "80", "flag": "yes", "items": {"id": "x"}, "new": []}"#,
        )
        .unwrap();
        assert_eq!(t, Typed::default());
        let t: Typed =
            serde_json::from_str(r#"{"text": null, "number": null, "items": null}"#).unwrap();
        assert_eq!(t, Typed::default());
        let t: Typed = serde_json::from_str(
            r#"{"text": " a ", "number": 80, "flag": false, "items": [1, null, {"id": "x"}, {"id": 2}]}"#,
        )
        .unwrap();
        assert_eq!(t.text.as_deref(), Some(" a "), "typed text is kept as sent");
        assert_eq!((t.number, t.flag), (Some(80), Some(false)));
        assert_eq!(
            t.items,
            [
                Item {
                    id: Some("x".into())
                },
                Item { id: None }
            ],
            "non-objects dropped, objects kept with what they could read"
        );
    }

    #[test]
    fn coercing_adapters_read_numbers_as_text_and_text_as_numbers() {
        let c: Coerced = serde_json::from_str(r#"{"number": "3", "text": 12}"#).unwrap();
        assert_eq!((c.number, c.text.as_deref()), (Some(3), Some("12")));
        let c: Coerced =
            serde_json::from_str(r#"{"number": null, "text": "", "data": null}"#).unwrap();
        assert_eq!(c, Coerced::default());
        let c: Coerced = serde_json::from_str(r#"{"data": [1, "x", {}]}"#).unwrap();
        assert_eq!(c.data, [json!(1), json!("x"), json!({})]);
    }

    #[test]
    fn records_that_are_not_a_list_are_an_error() {
        for (body, kind) in [
            (r#"{"data": "x"}"#, "a string"),
            (r#"{"data": {"a": 1}}"#, "an object"),
            (r#"{"data": true}"#, "a boolean"),
        ] {
            let err = serde_json::from_str::<Coerced>(body).unwrap_err();
            assert!(
                err.to_string()
                    .contains(&format!("expected a list of records, found {kind}")),
                "{err}"
            );
        }
    }
}
