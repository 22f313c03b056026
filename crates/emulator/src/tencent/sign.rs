//! Signature v1, as the emulator checks it: written from the published description
//! and not from the client crate (so a bug in one cannot hide in the other; the test
//! vectors pin both to Tencent's SDK). Public so that tests and scripts can sign raw
//! requests to the emulator.
//!
//! ```
//! use lb_backends_emulator::tencent::sign::{signature, string_to_sign};
//! let params = vec![("Action".to_string(), "DescribeLoadBalancerBackends".to_string())];
//! let text = string_to_sign("GET", "127.0.0.1:8080", "/v2/index.php", &params);
//! assert_eq!(text, "GET127.0.0.1:8080/v2/index.php?Action=DescribeLoadBalancerBackends");
//! assert!(signature("HmacSHA1", "key", &text).is_some());
//! ```
//!
//!
//! string to sign = METHOD + Host header + path + `?` + every parameter but
//! `Signature`, sorted by name (byte order), as `name=value` joined by `&`, values as
//! decoded (not URL-encoded); signature = Base64(HMAC-SHA1 or HMAC-SHA256 with the
//! `SecretKey`).

use hmac::{Hmac, Mac};

/// The string a request's signature covers (`Signature` itself is left out).
pub fn string_to_sign(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> =
        params.iter().filter(|(k, _)| k != "Signature").collect();
    sorted.sort_by(|a, b| {
        a.0.as_bytes()
            .cmp(b.0.as_bytes())
            .then_with(|| a.1.cmp(&b.1))
    });
    let mut out = format!("{method}{host}{path}?");
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The Base64 signature of `text` under `SignatureMethod` `method`; `None` for a
/// method the service does not know.
pub fn signature(method: &str, key: &str, text: &str) -> Option<String> {
    let mac = match method {
        "HmacSHA1" => {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).ok()?;
            m.update(text.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        "HmacSHA256" => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).ok()?;
            m.update(text.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        _ => return None,
    };
    Some(base64(&mac))
}

/// Standard Base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Compares two signatures without stopping at the first difference.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!("../../../../tests/fixtures/signing.json");

    #[test]
    fn base64_matches_rfc4648() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn reproduces_every_tencent_vector() {
        let all: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = all["tencent_legacy_v1_signature"].as_array().unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let params: Vec<(String, String)> = v["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect();
            let text = string_to_sign(
                v["method"].as_str().unwrap(),
                v["host"].as_str().unwrap(),
                v["uri"].as_str().unwrap(),
                &params,
            );
            let got = signature(
                v["signature_method"].as_str().unwrap(),
                v["secret_key"].as_str().unwrap(),
                &text,
            );
            assert_eq!(got.as_deref(), v["expected_signature"].as_str());
        }
    }

    #[test]
    fn unknown_methods_and_comparison() {
        assert_eq!(signature("HmacMD5", "k", "x"), None);
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
