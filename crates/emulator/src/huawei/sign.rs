//! `SDK-HMAC-SHA256` verification, written from API.md section 1 and nothing else: the
//! canonical request is rebuilt from what was received on the wire, never from what a
//! client meant to send, so a client signer bug cannot hide by being mirrored here.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use crate::util::parse_sdk_date;

/// The algorithm name, first word of the `Authorization` header.
pub(crate) const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The largest allowed distance between `X-Sdk-Date` and the server clock.
pub(crate) const MAX_SKEW_SECS: i64 = 15 * 60;

/// Everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VerifyError {
    /// The `Authorization` header is not `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`.
    Malformed,
    /// `Access` is not the account's AK.
    UnknownAccessKey,
    /// No `X-Sdk-Date` header.
    MissingDate,
    /// `X-Sdk-Date` is not `YYYYMMDDTHHMMSSZ`.
    BadDate,
    /// `X-Sdk-Date` is more than 15 minutes away from the server clock.
    Expired { skew_secs: i64 },
    /// A header named in `SignedHeaders` is not in the request.
    MissingSignedHeader(String),
    /// The signature does not match.
    BadSignature,
}

/// The parts of an `Authorization: SDK-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorizationHeader {
    pub access: String,
    pub signed_headers: String,
    pub signature: String,
}

/// Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
pub(crate) fn parse_authorization(value: &str) -> Option<AuthorizationHeader> {
    let rest = value.trim().strip_prefix(ALGORITHM)?;
    if !rest.starts_with(' ') {
        return None;
    }
    let (mut access, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let slot = match k.trim() {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut sig,
            _ => return None,
        };
        if slot.replace(v.trim().to_string()).is_some() {
            return None;
        }
    }
    Some(AuthorizationHeader {
        access: access?,
        signed_headers: signed?,
        signature: sig?,
    })
}

fn encode(bytes: &[u8]) -> String {
    percent_encode(bytes, ESCAPED).to_string()
}

/// Canonical URI: the path percent-decoded, split on `/`, each segment re-encoded,
/// joined, always ending in `/`.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    let decoded: Vec<u8> = percent_decode_str(raw_path).collect();
    let mut out = decoded
        .split(|&b| b == b'/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Canonical query: pairs percent-decoded, sorted by (key, value), re-encoded, `k=v`
/// joined with `&`. A `+` stays a `+` (the wire form must be percent-encoded).
pub(crate) fn canonical_query(raw_query: Option<&str>) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw_query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode_str(k).collect(),
                percent_decode_str(v).collect(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Canonical headers (`name:value\n` per signed header, values trimmed) and the signed
/// headers line, from the `SignedHeaders` list as received (lower-cased and sorted:
/// a client that signed another order fails, as the spec says the list is sorted).
pub(crate) fn canonical_headers(
    headers: &HeaderMap,
    signed_headers: &str,
) -> Result<(String, String), VerifyError> {
    let mut names: Vec<String> = signed_headers
        .split(';')
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    let mut out = String::new();
    for name in &names {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .collect();
        if values.is_empty() {
            return Err(VerifyError::MissingSignedHeader(name.clone()));
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Ok((out, names.join(";")))
}

/// The six-line canonical request.
pub(crate) fn canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    canonical_headers: &str,
    signed_headers: &str,
    body_hash: &str,
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        canonical_uri(raw_path),
        canonical_query(raw_query),
        canonical_headers,
        signed_headers,
        body_hash
    )
}

/// `SDK-HMAC-SHA256\n{date}\n{hex sha256(canonical request)}`.
pub(crate) fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

fn mac(sk: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    <Hmac<Sha256> as Mac>::new_from_slice(sk.as_bytes()).unwrap_or_else(|_| unreachable!())
}

/// A request as received.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Received<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Verifies a signed request against one AK/SK pair at `now` (Unix seconds).
pub(crate) fn verify(req: &Received<'_>, ak: &str, sk: &str, now: i64) -> Result<(), VerifyError> {
    let auth = req
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_authorization)
        .ok_or(VerifyError::Malformed)?;
    if auth.access != ak {
        return Err(VerifyError::UnknownAccessKey);
    }
    let date = req
        .headers
        .get("x-sdk-date")
        .ok_or(VerifyError::MissingDate)?
        .to_str()
        .map_err(|_| VerifyError::BadDate)?
        .trim();
    let signed_at = parse_sdk_date(date).ok_or(VerifyError::BadDate)?;
    let skew = now - signed_at;
    if skew.abs() > MAX_SKEW_SECS {
        return Err(VerifyError::Expired { skew_secs: skew });
    }
    let (headers, signed) = canonical_headers(req.headers, &auth.signed_headers)?;
    let unsigned = req
        .headers
        .get("x-sdk-content-sha256")
        .is_some_and(|v| v.as_bytes() == b"UNSIGNED-PAYLOAD");
    let body_hash = if unsigned {
        "UNSIGNED-PAYLOAD".to_string()
    } else {
        hex::encode(Sha256::digest(req.body))
    };
    let cr = canonical_request(
        req.method, req.path, req.query, &headers, &signed, &body_hash,
    );
    let sts = string_to_sign(date, &cr);
    let given = hex::decode(&auth.signature).map_err(|_| VerifyError::BadSignature)?;
    let mut m = mac(sk);
    m.update(sts.as_bytes());
    m.verify_slice(&given)
        .map_err(|_| VerifyError::BadSignature)
}

#[cfg(test)]
#[path = "sign_tests.rs"]
mod tests;
