//! Signature v1 of Tencent's legacy API (`/v2/index.php`).
//!
//! 1. Take every parameter but `Signature`, sorted by name in byte order.
//! 2. Join them as `name=value` with `&`, values **not** URL-encoded.
//! 3. String to sign = METHOD + host (`:port` when not the default) + path + `?` + (2).
//! 4. Signature = Base64(HMAC-SHA1 or HMAC-SHA256 of (3), keyed with the SecretKey).

use std::{fmt, str::FromStr};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use lb_backends_core::{Error, Result};

/// The HMAC behind the signature (`SignatureMethod` parameter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HmacSHA1`, the service's default.
    #[default]
    HmacSha1,
    /// `HmacSHA256`.
    HmacSha256,
}

impl SignatureMethod {
    /// The value of the `SignatureMethod` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HmacSHA1",
            Self::HmacSha256 => "HmacSHA256",
        }
    }
}

impl fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignatureMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "HmacSHA1" => Ok(Self::HmacSha1),
            "HmacSHA256" => Ok(Self::HmacSha256),
            _ => Err(Error::invalid_input(format!(
                "signature method {s:?} is unknown; use HmacSHA1 or HmacSHA256"
            ))),
        }
    }
}

/// The string to sign for `method` on `host` + `path` with `params` (any order;
/// a `Signature` parameter is left out).
///
/// ```
/// use lb_backends_tencent::signer::string_to_sign;
/// let params = [("limit", "100"), ("Action", "DescribeLoadBalancerBackends")];
/// assert_eq!(
///     string_to_sign("GET", "lb.api.qcloud.com", "/v2/index.php", &params),
///     "GETlb.api.qcloud.com/v2/index.php?Action=DescribeLoadBalancerBackends&limit=100",
/// );
/// ```
pub fn string_to_sign<K: AsRef<str>, V: AsRef<str>>(
    method: &str,
    host: &str,
    path: &str,
    params: &[(K, V)],
) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|(k, _)| *k != "Signature")
        .collect();
    // Byte order of the names; values break ties so the result never depends on
    // the input order.
    sorted.sort_unstable();
    let joined = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!("{method}{host}{path}?{joined}")
}

/// Base64 of the HMAC of `string_to_sign`, keyed with `secret_key`.
///
/// ```
/// use lb_backends_tencent::{signer::sign, SignatureMethod};
/// let sig = sign(SignatureMethod::HmacSha1, b"key", "GEThost/v2/index.php?a=b");
/// assert_eq!(sig.len(), 28); // 20 bytes of SHA-1, Base64
/// ```
pub fn sign(method: SignatureMethod, secret_key: &[u8], string_to_sign: &str) -> String {
    // HMAC takes keys of any length, so building the MAC cannot fail.
    let digest = match method {
        SignatureMethod::HmacSha1 => {
            Hmac::<sha1::Sha1>::new_from_slice(secret_key).map(|mut mac| {
                mac.update(string_to_sign.as_bytes());
                mac.finalize().into_bytes().to_vec()
            })
        }
        SignatureMethod::HmacSha256 => {
            Hmac::<sha2::Sha256>::new_from_slice(secret_key).map(|mut mac| {
                mac.update(string_to_sign.as_bytes());
                mac.finalize().into_bytes().to_vec()
            })
        }
    }
    .unwrap_or_default();
    STANDARD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../../tests/fixtures/signing.json");

    #[test]
    fn reproduces_every_tencent_vector() {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = all["tencent_legacy_v1_signature"].as_array().unwrap();
        assert!(vectors.len() >= 4, "expected the published vectors");
        for (i, v) in vectors.iter().enumerate() {
            let params: Vec<(String, String)> = v["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect();
            let method: SignatureMethod = v["signature_method"].as_str().unwrap().parse().unwrap();
            let s = string_to_sign(
                v["method"].as_str().unwrap(),
                v["host"].as_str().unwrap(),
                v["uri"].as_str().unwrap(),
                &params,
            );
            let got = sign(method, v["secret_key"].as_str().unwrap().as_bytes(), &s);
            assert_eq!(got, v["expected_signature"].as_str().unwrap(), "vector {i}");
        }
    }

    #[test]
    fn signature_parameter_is_left_out_and_order_does_not_matter() {
        let a = string_to_sign(
            "GET",
            "h",
            "/p",
            &[("b", "2"), ("a", "1"), ("Signature", "x")],
        );
        let b = string_to_sign("GET", "h", "/p", &[("a", "1"), ("b", "2")]);
        assert_eq!(a, b);
        assert_eq!(a, "GETh/p?a=1&b=2");
    }

    #[test]
    fn names_sort_in_byte_order() {
        // Upper case sorts before lower case in byte order.
        let s = string_to_sign("GET", "h", "/p", &[("limit", "1"), ("Nonce", "2")]);
        assert_eq!(s, "GETh/p?Nonce=2&limit=1");
    }

    #[test]
    fn method_names_round_trip() {
        for m in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
            assert_eq!(m.as_str().parse::<SignatureMethod>().unwrap(), m);
        }
        assert!("hmacsha1".parse::<SignatureMethod>().is_err());
    }
}
