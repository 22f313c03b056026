//! Percent-encoding shared by every cloud: only `A-Z a-z 0-9 - _ . ~` stay as they
//! are (RFC 3986 unreserved). Huawei's signature canonicalizes paths and queries with
//! exactly this set, and Tencent accepts it, so what is signed is what is sent.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters gets encoded.
pub const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encode one path segment, query key or query value.
///
/// ```
/// use lb_backends_core::transport::encode::encode_component;
/// assert_eq!(encode_component("web server 01"), "web%20server%2001");
/// assert_eq!(encode_component("名字~*+/"), "%E5%90%8D%E5%AD%97~%2A%2B%2F");
/// ```
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, STRICT).to_string()
}

/// `k=v` pairs, each side encoded with [`STRICT`], joined with `&`, in the given order.
pub fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}
