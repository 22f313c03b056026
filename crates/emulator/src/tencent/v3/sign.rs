//! TC3-HMAC-SHA256 as the emulator checks it: written from Tencent's published
//! description ("Signature v3"), not from the client crate, and pinned by the same
//! SDK vectors (`tests/fixtures/tc3.json`). Public so that tests and scripts can sign
//! raw requests to the emulator.
//!
//! ```
//! use lb_backends_emulator::tencent::v3::sign::{authorization, Signed};
//! let auth = authorization(&Signed {
//!     method: "POST",
//!     query: "",
//!     headers: &[("content-type", "application/json"), ("host", "127.0.0.1:8080")],
//!     body: b"{}",
//!     service: "clb",
//!     timestamp: 1_700_000_000,
//!     secret_id: "AKID",
//!     secret_key: "key",
//! });
//! assert!(auth.starts_with("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/clb/tc3_request, "));
//! ```

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// What a signature covers.
#[derive(Clone, Copy)]
pub struct Signed<'a> {
    /// `POST` or `GET`.
    pub method: &'a str,
    /// The query string as received (`""` for a POST).
    pub query: &'a str,
    /// The signed headers as `(name, value)`, in any order and case; they are
    /// lower-cased, trimmed and sorted by name as the documentation says.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body as received.
    pub body: &'a [u8],
    /// The credential-scope service.
    pub service: &'a str,
    /// `X-TC-Timestamp`.
    pub timestamp: i64,
    /// The `SecretId`.
    pub secret_id: &'a str,
    /// The `SecretKey`.
    pub secret_key: &'a str,
}

impl std::fmt::Debug for Signed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signed")
            .field("method", &self.method)
            .field("service", &self.service)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

fn mac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// The UTC calendar date (`YYYY-MM-DD`) of a Unix time, by walking years and months.
pub fn date_of(timestamp: i64) -> String {
    let mut days = timestamp.div_euclid(86_400);
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut year = 1970;
    loop {
        let len = if leap(year) { 366 } else { 365 };
        if days < 0 {
            year -= 1;
            days += if leap(year) { 366 } else { 365 };
        } else if days >= len {
            days -= len;
            year += 1;
        } else {
            break;
        }
    }
    let months = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 1;
    for len in months {
        if days < len {
            break;
        }
        days -= len;
        month += 1;
    }
    format!("{year:04}-{month:02}-{:02}", days + 1)
}

/// The signed-headers list (`content-type;host`) of `headers`.
pub fn signed_header_names(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<String> = headers.iter().map(|(k, _)| k.to_lowercase()).collect();
    names.sort();
    names.join(";")
}

/// The canonical request.
pub fn canonical_request(s: &Signed<'_>) -> String {
    let mut headers: Vec<(String, String)> = s
        .headers
        .iter()
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_lowercase()))
        .collect();
    headers.sort();
    let canonical: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let body_hash = to_hex(&Sha256::digest(s.body));
    format!(
        "{}\n/\n{}\n{}\n{}\n{}",
        s.method,
        s.query,
        canonical,
        signed_header_names(s.headers),
        body_hash
    )
}

/// The string to sign.
pub fn string_to_sign(s: &Signed<'_>) -> String {
    let scope = format!("{}/{}/tc3_request", date_of(s.timestamp), s.service);
    let hashed = to_hex(&Sha256::digest(canonical_request(s).as_bytes()));
    format!("TC3-HMAC-SHA256\n{}\n{scope}\n{hashed}", s.timestamp)
}

/// The hex signature.
pub fn signature(s: &Signed<'_>) -> String {
    let date = date_of(s.timestamp);
    let k_date = mac(format!("TC3{}", s.secret_key).as_bytes(), &date);
    let k_service = mac(&k_date, s.service);
    let k_signing = mac(&k_service, "tc3_request");
    to_hex(&mac(&k_signing, &string_to_sign(s)))
}

/// The whole `Authorization` header value.
pub fn authorization(s: &Signed<'_>) -> String {
    format!(
        "TC3-HMAC-SHA256 Credential={}/{}/{}/tc3_request, SignedHeaders={}, Signature={}",
        s.secret_id,
        date_of(s.timestamp),
        s.service,
        signed_header_names(s.headers),
        signature(s)
    )
}

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The `SecretId` of the credential.
    pub secret_id: String,
    /// The credential-scope date.
    pub date: String,
    /// The credential-scope service.
    pub service: String,
    /// The signed header names, lower case.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Parse `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request,
/// SignedHeaders=a;b, Signature=hex`; `None` when it has another shape.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix("TC3-HMAC-SHA256 ")?;
    let mut credential = None;
    let mut signed = None;
    let mut sig = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => sig = Some(v),
            _ => return None,
        }
    }
    let mut scope = credential?.rsplitn(4, '/');
    let terminator = scope.next()?;
    let service = scope.next()?;
    let date = scope.next()?;
    let secret_id = scope.next()?;
    if terminator != "tc3_request" || secret_id.is_empty() {
        return None;
    }
    Some(Authorization {
        secret_id: secret_id.to_string(),
        date: date.to_string(),
        service: service.to_string(),
        signed_headers: signed?.split(';').map(str::to_lowercase).collect(),
        signature: sig?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../../../../tests/fixtures/tc3.json");

    #[test]
    fn verifies_every_sdk_vector() {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = all["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 13);
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let req = &v["request"];
            let h = &req["headers"];
            let auth = parse_authorization(h["Authorization"].as_str().unwrap()).unwrap();
            let headers: Vec<(&str, &str)> = auth
                .signed_headers
                .iter()
                .map(|n| {
                    let (k, v) = h
                        .as_object()
                        .unwrap()
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(n))
                        .unwrap();
                    (k.as_str(), v.as_str().unwrap())
                })
                .collect();
            let signed = Signed {
                method: req["method"].as_str().unwrap(),
                query: req["query"].as_str().unwrap(),
                headers: &headers,
                body: req["body"].as_str().unwrap().as_bytes(),
                service: &auth.service,
                timestamp: h["X-TC-Timestamp"].as_str().unwrap().parse().unwrap(),
                secret_id: &auth.secret_id,
                secret_key: v["inputs"]["secret_key"].as_str().unwrap(),
            };
            let s = &v["signing"];
            assert_eq!(date_of(signed.timestamp), auth.date, "{name}");
            assert_eq!(
                canonical_request(&signed),
                s["canonical_request"].as_str().unwrap(),
                "{name}"
            );
            assert_eq!(
                string_to_sign(&signed),
                s["string_to_sign"].as_str().unwrap(),
                "{name}"
            );
            assert_eq!(signature(&signed), auth.signature, "{name}");
            assert_eq!(
                authorization(&signed),
                h["Authorization"].as_str().unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn dates_and_bad_headers() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(951_782_400), "2000-02-29");
        assert_eq!(date_of(1_551_113_065), "2019-02-25");
        assert_eq!(date_of(-1), "1969-12-31");
        for bad in [
            "",
            "HMAC x",
            "TC3-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=x",
            "TC3-HMAC-SHA256 Credential=/d/clb/tc3_request, SignedHeaders=host, Signature=x",
            "TC3-HMAC-SHA256 Credential=a/d/clb/tc3_request, Foo=1, Signature=x",
        ] {
            assert!(parse_authorization(bad).is_none(), "{bad}");
        }
    }
}
