//! TC3-HMAC-SHA256, the signature of Tencent Cloud API 3.0, as the official SDK
//! (`tencentcloud-sdk-python-common`, `AbstractClient._get_tc3_signature` and
//! `Sign.sign_tc3`) computes it.
//!
//! ```text
//! CanonicalRequest = METHOD \n / \n QUERY \n content-type:CT \n host:HOST \n \n
//!                    content-type;host \n hex(sha256(payload))
//! StringToSign     = TC3-HMAC-SHA256 \n TIMESTAMP \n DATE/SERVICE/tc3_request \n
//!                    hex(sha256(CanonicalRequest))
//! kDate = HMAC("TC3" + SecretKey, DATE); kService = HMAC(kDate, SERVICE);
//! kSigning = HMAC(kService, "tc3_request"); Signature = hex(HMAC(kSigning, StringToSign))
//! ```
//!
//! `DATE` is the **UTC** date of the timestamp. Only `content-type` and `host` are
//! signed, with their values as sent. Every vector of `tests/fixtures/tc3.json` (made
//! by the official SDK) is reproduced by this module's tests.
//!
//! ```
//! use lb_backends_tencent::v3::sign::{sign, Tc3Request};
//!
//! let signed = sign(&Tc3Request {
//!     method: "POST",
//!     host: "clb.tencentcloudapi.com",
//!     query: "",
//!     content_type: "application/json",
//!     payload: b"{}",
//!     service: "clb",
//!     timestamp: 1_700_000_000,
//!     secret_id: "AKIDEXAMPLE",
//!     secret_key: b"secret",
//! });
//! assert_eq!(signed.credential_scope, "2023-11-14/clb/tc3_request");
//! assert!(signed.authorization.starts_with(
//!     "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/clb/tc3_request, \
//!      SignedHeaders=content-type;host, Signature="
//! ));
//! assert!(!format!("{signed:?}").contains("secret\""));
//! ```

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The algorithm name, first line of the string to sign and of `Authorization`.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The headers signed, always these two (as the SDK does).
pub const SIGNED_HEADERS: &str = "content-type;host";

/// What one request's signature covers, and the key to sign it with.
///
/// `Debug` never shows the secret key.
#[derive(Clone, Copy)]
pub struct Tc3Request<'a> {
    /// `POST` or `GET`.
    pub method: &'a str,
    /// The `Host` header exactly as sent (with `:port` when not the default).
    pub host: &'a str,
    /// The query string exactly as sent (`""` for a POST).
    pub query: &'a str,
    /// The `Content-Type` header exactly as sent.
    pub content_type: &'a str,
    /// The body bytes exactly as sent (empty for a GET).
    pub payload: &'a [u8],
    /// The service of the credential scope (`clb`, `bmlb`).
    pub service: &'a str,
    /// `X-TC-Timestamp`, Unix seconds.
    pub timestamp: u64,
    /// The `SecretId` (not a secret).
    pub secret_id: &'a str,
    /// The `SecretKey`.
    pub secret_key: &'a [u8],
}

impl fmt::Debug for Tc3Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tc3Request")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("content_type", &self.content_type)
            .field("payload_len", &self.payload.len())
            .field("service", &self.service)
            .field("timestamp", &self.timestamp)
            .field("secret_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// A signature and every public intermediate of it (none of them is secret: the
/// derived keys are not kept here).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tc3Signature {
    /// Lower-case hex SHA-256 of the payload.
    pub hashed_payload: String,
    /// The canonical headers (`content-type:..\nhost:..\n`).
    pub canonical_headers: String,
    /// The canonical request.
    pub canonical_request: String,
    /// Lower-case hex SHA-256 of the canonical request.
    pub hashed_canonical_request: String,
    /// The UTC date of the timestamp, `YYYY-MM-DD`.
    pub date: String,
    /// `DATE/SERVICE/tc3_request`.
    pub credential_scope: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Lower-case hex HMAC-SHA256 of the string to sign.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Lower-case hex of SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&Sha256::digest(data))
}

fn hex_lower(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length: this cannot fail.
    let mut out = [0u8; 32];
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) {
        mac.update(msg);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

/// The three derived keys `kDate`, `kService`, `kSigning` (secret: do not log them).
pub fn derive_keys(secret_key: &[u8], date: &str, service: &str) -> [[u8; 32]; 3] {
    let mut key = Vec::with_capacity(secret_key.len() + 3);
    key.extend_from_slice(b"TC3");
    key.extend_from_slice(secret_key);
    let k_date = hmac(&key, date.as_bytes());
    let k_service = hmac(&k_date, service.as_bytes());
    let k_signing = hmac(&k_service, b"tc3_request");
    [k_date, k_service, k_signing]
}

/// The UTC date (`YYYY-MM-DD`) of Unix time `secs` (never local time).
///
/// ```
/// use lb_backends_tencent::v3::sign::utc_date;
/// // 2019-02-26 in UTC+8, but the signature wants UTC.
/// assert_eq!(utc_date(1_551_113_065), "2019-02-25");
/// assert_eq!(utc_date(0), "1970-01-01");
/// ```
pub fn utc_date(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Sign one request.
pub fn sign(req: &Tc3Request<'_>) -> Tc3Signature {
    let hashed_payload = sha256_hex(req.payload);
    let canonical_headers = format!("content-type:{}\nhost:{}\n", req.content_type, req.host);
    let canonical_request = format!(
        "{}\n/\n{}\n{}\n{}\n{}",
        req.method, req.query, canonical_headers, SIGNED_HEADERS, hashed_payload
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let date = utc_date(req.timestamp);
    let credential_scope = format!("{date}/{}/tc3_request", req.service);
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{credential_scope}\n{hashed_canonical_request}",
        req.timestamp
    );
    let [_, _, k_signing] = derive_keys(req.secret_key, &date, req.service);
    let signature = hex_lower(&hmac(&k_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={SIGNED_HEADERS}, \
         Signature={signature}",
        req.secret_id
    );
    Tc3Signature {
        hashed_payload,
        canonical_headers,
        canonical_request,
        hashed_canonical_request,
        date,
        credential_scope,
        string_to_sign,
        signature,
        authorization,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../../../tests/fixtures/tc3.json");

    fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
        let mut cur = v;
        for p in path {
            cur = &cur[*p];
        }
        cur.as_str()
            .unwrap_or_else(|| panic!("{path:?} is not text"))
    }

    #[test]
    fn reproduces_every_sdk_vector_with_all_intermediates() {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = all["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 13);
        for v in vectors {
            let name = s(v, &["name"]);
            let input = &v["inputs"];
            let method = s(v, &["request", "method"]);
            let body = s(v, &["request", "body"]);
            let query = s(v, &["request", "query"]);
            let headers = &v["request"]["headers"];
            let signed = sign(&Tc3Request {
                method,
                host: s(headers, &["Host"]),
                query,
                content_type: s(headers, &["Content-Type"]),
                payload: body.as_bytes(),
                service: s(input, &["service"]),
                timestamp: input["timestamp"].as_u64().unwrap(),
                secret_id: s(input, &["secret_id"]),
                secret_key: s(input, &["secret_key"]).as_bytes(),
            });
            let sg = &v["signing"];
            assert_eq!(
                body,
                s(sg, &["payload_as_hashed"]),
                "{name}: payload as hashed"
            );
            assert_eq!(
                signed.hashed_payload,
                s(sg, &["hashed_request_payload"]),
                "{name}"
            );
            assert_eq!(s(sg, &["canonical_uri"]), "/", "{name}");
            assert_eq!(query, s(sg, &["canonical_querystring"]), "{name}");
            assert_eq!(
                signed.canonical_headers,
                s(sg, &["canonical_headers"]),
                "{name}"
            );
            assert_eq!(SIGNED_HEADERS, s(sg, &["signed_headers"]), "{name}");
            assert_eq!(
                signed.canonical_request,
                s(sg, &["canonical_request"]),
                "{name}"
            );
            assert_eq!(
                signed.hashed_canonical_request,
                s(sg, &["hashed_canonical_request"]),
                "{name}"
            );
            assert_eq!(signed.date, s(sg, &["date"]), "{name}");
            assert_eq!(
                signed.credential_scope,
                s(sg, &["credential_scope"]),
                "{name}"
            );
            assert_eq!(signed.string_to_sign, s(sg, &["string_to_sign"]), "{name}");
            let keys = derive_keys(
                s(input, &["secret_key"]).as_bytes(),
                &signed.date,
                s(input, &["service"]),
            );
            assert_eq!(hex_lower(&keys[0]), s(sg, &["k_date_hex"]), "{name}: kDate");
            assert_eq!(hex_lower(&keys[1]), s(sg, &["k_service_hex"]), "{name}");
            assert_eq!(hex_lower(&keys[2]), s(sg, &["k_signing_hex"]), "{name}");
            assert_eq!(signed.signature, s(sg, &["signature"]), "{name}");
            assert_eq!(signed.authorization, s(sg, &["authorization"]), "{name}");
            assert_eq!(
                signed.authorization,
                s(headers, &["Authorization"]),
                "{name}"
            );
            assert_eq!(
                input["timestamp"].as_u64().unwrap().to_string(),
                s(headers, &["X-TC-Timestamp"]),
                "{name}"
            );
        }
    }

    #[test]
    fn the_published_examples_are_among_the_vectors() {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        let sigs: Vec<&str> = all["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| s(v, &["signing", "signature"]))
            .collect();
        assert!(sigs.iter().any(|s| s.starts_with("2230eefd229f582d")));
        assert!(sigs.iter().any(|s| s.starts_with("5da7a33f6993f061")));
    }

    #[test]
    fn utc_dates_across_boundaries() {
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14");
        assert_eq!(utc_date(1_551_139_199), "2019-02-25");
        assert_eq!(utc_date(1_551_139_200), "2019-02-26");
        assert_eq!(utc_date(4_102_444_800), "2100-01-01");
    }

    #[test]
    fn debug_hides_the_key() {
        let req = Tc3Request {
            method: "POST",
            host: "h",
            query: "",
            content_type: "application/json",
            payload: b"{}",
            service: "clb",
            timestamp: 1,
            secret_id: "AKID",
            secret_key: b"SUPER-SECRET-KEY",
        };
        let shown = format!("{req:?} {:?}", sign(&req));
        assert!(!shown.contains("SUPER-SECRET-KEY"), "{shown}");
    }
}
