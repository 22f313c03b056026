//! Unit tests of the verifier: every Huawei vector of `tests/fixtures/signing.json`
//! verifies, and tampering with any part fails.

use super::*;
use axum::http::{HeaderName, HeaderValue};
use serde_json::Value;

const VECTORS: &str = include_str!("../../../../tests/fixtures/signing.json");

/// Builds the request a correct client would put on the wire for a vector:
/// (method, path, raw query, headers with Host/X-Sdk-Date/Authorization, body, now).
fn wire(v: &Value) -> (String, String, Option<String>, HeaderMap, Vec<u8>, i64) {
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let query: Vec<String> = v["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| {
            let val = match &kv[1] {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            format!(
                "{}={}",
                encode(kv[0].as_str().unwrap().as_bytes()),
                encode(val.as_bytes())
            )
        })
        .collect();
    let mut headers = HeaderMap::new();
    for (k, val) in v["headers"].as_object().unwrap() {
        headers.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(val.as_str().unwrap()).unwrap(),
        );
    }
    headers.insert("host", HeaderValue::from_str(&s("host")).unwrap());
    headers.insert(
        "x-sdk-date",
        HeaderValue::from_str(&s("x_sdk_date")).unwrap(),
    );
    headers.insert(
        "authorization",
        HeaderValue::from_str(&s("expected_authorization")).unwrap(),
    );
    let now = parse_sdk_date(&s("x_sdk_date")).unwrap();
    let q = (!query.is_empty()).then(|| query.join("&"));
    (
        s("method"),
        s("path"),
        q,
        headers,
        s("body").into_bytes(),
        now,
    )
}

fn vectors() -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    all["huawei_sdk_hmac_sha256"].as_array().unwrap().clone()
}

fn check(
    v: &Value,
    f: impl FnOnce(&mut (String, String, Option<String>, HeaderMap, Vec<u8>, i64)),
) -> Result<(), VerifyError> {
    let mut w = wire(v);
    f(&mut w);
    let (m, p, q, h, b, now) = &w;
    let req = Received {
        method: m,
        path: p,
        query: q.as_deref(),
        headers: h,
        body: b,
    };
    verify(
        &req,
        v["ak"].as_str().unwrap(),
        v["sk"].as_str().unwrap(),
        *now,
    )
}

#[test]
fn every_vector_verifies() {
    let vs = vectors();
    assert!(vs.len() >= 6);
    for v in &vs {
        assert_eq!(check(v, |_| {}), Ok(()), "vector {v}");
    }
}

#[test]
fn tampered_vectors_fail() {
    for v in &vectors() {
        let bad = Err(VerifyError::BadSignature);
        assert_eq!(check(v, |w| w.0 = "DELETE".into()), bad);
        assert_eq!(check(v, |w| w.1.push('x')), bad);
        assert_eq!(
            check(v, |w| w.2 =
                Some(format!("{}&extra=1", w.2.clone().unwrap_or_default()))),
            bad
        );
        assert_eq!(check(v, |w| w.4.push(b' ')), bad);
        assert_eq!(
            check(v, |w| {
                w.3.insert("host", HeaderValue::from_static("evil.example.com"));
            }),
            bad
        );
        assert_eq!(
            check(v, |w| {
                w.3.insert("x-sdk-date", HeaderValue::from_static("20261122T083100Z"));
            }),
            bad
        );
        // The SK is wrong.
        let mut w = wire(v);
        let (m, p, q, h, b, now) = &mut w;
        let req = Received {
            method: m,
            path: p,
            query: q.as_deref(),
            headers: h,
            body: b,
        };
        assert_eq!(
            verify(&req, v["ak"].as_str().unwrap(), "not-the-sk", *now),
            bad
        );
    }
}

#[test]
fn clock_skew_is_reported_as_expiry() {
    let v = &vectors()[0];
    assert_eq!(check(v, |w| w.5 += MAX_SKEW_SECS), Ok(()));
    assert_eq!(
        check(v, |w| w.5 += MAX_SKEW_SECS + 1),
        Err(VerifyError::Expired {
            skew_secs: MAX_SKEW_SECS + 1
        })
    );
    assert!(matches!(
        check(v, |w| w.5 -= 3600),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn other_failures() {
    let v = &vectors()[0];
    assert_eq!(
        check(v, |w| {
            w.3.remove("x-sdk-date");
        }),
        Err(VerifyError::MissingDate)
    );
    assert_eq!(
        check(v, |w| {
            w.3.insert("x-sdk-date", HeaderValue::from_static("2026-11-22"));
        }),
        Err(VerifyError::BadDate)
    );
    assert_eq!(
        check(v, |w| {
            w.3.remove("content-type");
        }),
        Err(VerifyError::MissingSignedHeader("content-type".into()))
    );
    assert_eq!(
        check(v, |w| {
            w.3.insert("authorization", HeaderValue::from_static("Bearer x"));
        }),
        Err(VerifyError::Malformed)
    );
    let other_ak = v["expected_authorization"]
        .as_str()
        .unwrap()
        .replace("QTWAOYTTINDUT2QVKYUC", "OTHERAK");
    assert_eq!(
        check(v, |w| {
            w.3.insert("authorization", HeaderValue::from_str(&other_ak).unwrap());
        }),
        Err(VerifyError::UnknownAccessKey)
    );
}

#[test]
fn canonical_forms() {
    assert_eq!(canonical_uri("/v1/p/ports"), "/v1/p/ports/");
    assert_eq!(canonical_uri("/"), "/");
    assert_eq!(
        canonical_uri("/a%20b/c~d/%E5%90%8D"),
        "/a%20b/c~d/%E5%90%8D/"
    );
    assert_eq!(canonical_uri("/a:b/"), "/a%3Ab/");
    assert_eq!(canonical_query(Some("b=2&a=%7E&a=1&c")), "a=1&a=~&b=2&c=");
    assert_eq!(canonical_query(None), "");
    assert_eq!(
        canonical_query(Some("fixed_ips=ip_address%3D10.0.0.1")),
        "fixed_ips=ip_address%3D10.0.0.1"
    );
}

#[test]
fn authorization_parsing() {
    let a = parse_authorization(
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab",
    )
    .unwrap();
    assert_eq!(a.access, "AK");
    assert_eq!(a.signed_headers, "host;x-sdk-date");
    assert_eq!(a.signature, "ab");
    assert_eq!(parse_authorization("SDK-HMAC-SHA256 Access=AK"), None);
    assert_eq!(
        parse_authorization("SDK-HMAC-SHA256Access=AK, SignedHeaders=h, Signature=s"),
        None
    );
    assert_eq!(parse_authorization(""), None);
}
