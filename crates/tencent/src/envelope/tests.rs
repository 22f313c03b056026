use http::{HeaderMap, HeaderValue};
use lb_backends_core::ErrorKind::{self, *};

use super::*;

/// Every documented code: (code, kind, retryable).
const TABLE: [(i64, ErrorKind, bool); 21] = [
    (4000, InvalidInput, false),
    (4100, Unauthorized, false),
    (4101, Forbidden, false),
    (4102, Forbidden, false),
    (4103, Forbidden, false),
    (4104, Unauthorized, false),
    (4105, Unauthorized, false),
    (4110, Forbidden, false),
    (4200, Clock, false),
    (4300, Forbidden, false),
    (4400, Throttled, true),
    (4500, Clock, false),
    (4600, InvalidInput, false),
    (5000, NotFound, false),
    (5400, Service, false),
    (6000, Service, true),
    // BMLB (API.md 6)
    (9003, InvalidInput, false),
    (9006, Service, true),
    (11041, NotFound, false),
    (11060, Service, true),
    (14100, Service, true),
];

fn ok(body: &str) -> RawResponse {
    RawResponse::new(200, HeaderMap::new(), body.to_owned())
}

#[test]
fn every_documented_code_maps_to_its_kind_with_code_and_message_kept() {
    for (code, kind, retryable) in TABLE {
        let body = format!(
            r#"{{"code": {code}, "message": "msg-{code}", "codeDesc": "Desc.{code}", "data": []}}"#
        );
        let err = check("DescribeX", &ok(&body)).unwrap_err();
        assert_eq!(err.kind(), kind, "code {code}");
        assert_eq!(err.is_retryable(), retryable, "code {code}");
        assert_eq!(err.code(), Some(code.to_string().as_str()), "code {code}");
        assert!(err.message().contains(&format!("msg-{code}")), "{err}");
        assert!(err.message().contains(&format!("Desc.{code}")), "{err}");
        assert_eq!(err.status(), None, "HTTP 200 is not an error status");
    }
}

#[test]
fn clock_codes_say_clock_skew_or_replay() {
    for code in [4200, 4500] {
        let err = check("A", &ok(&format!(r#"{{"code":{code},"message":"x"}}"#))).unwrap_err();
        let m = err.message();
        assert!(m.contains("clock skew"), "{m}");
    }
    let err = check("A", &ok(r#"{"code":4500}"#)).unwrap_err();
    assert!(err.message().contains("replayed nonce"), "{err}");
}

#[test]
fn code_as_string_and_unknown_codes() {
    let err = check("A", &ok(r#"{"code":"4400","message":"slow"}"#)).unwrap_err();
    assert_eq!(err.kind(), Throttled);
    let err = check("A", &ok(r#"{"code":77777,"message":"new"}"#)).unwrap_err();
    assert_eq!(err.kind(), Service);
    assert!(!err.is_retryable());
    assert_eq!(err.code(), Some("77777"));
}

#[test]
fn success_is_the_integer_zero_only() {
    check("A", &ok(r#"{"code":0,"message":"","codeDesc":"Success"}"#)).unwrap();
    // Issue 8 defect 7: these were taken as success.
    for body in [
        r#"{"code":"0"}"#,
        r#"{"codeDesc":"Success","totalCount":0}"#,
        r#"{"code":0.5,"codeDesc":"Success"}"#,
        r#"{"code":0.0,"codeDesc":"Success"}"#,
        r#"{"code":"abc","codeDesc":"Success"}"#,
        r#"{"code":true,"codeDesc":"Success"}"#,
        r#"{"code":null,"codeDesc":"Success"}"#,
        r#"{"code":[0],"codeDesc":"Success"}"#,
        r#"[0,[{"unInstanceId":"ins-x"}]]"#,
    ] {
        let err = check("A", &ok(body)).unwrap_err();
        assert_eq!(err.kind(), Decode, "{body}");
        assert!(!err.is_retryable(), "{body}");
    }
}

#[test]
fn odd_bodies_are_typed_errors() {
    // HTML from a proxy under 200.
    let err = check("A", &ok("<html><body>Gateway</body></html>")).unwrap_err();
    assert_eq!(err.kind(), Decode);
    assert!(!err.is_retryable());
    // Cut short: retryable decode error.
    let err = check("A", &ok(r#"{"code": 0, "backendSet": [{"lanIp"#)).unwrap_err();
    assert_eq!(err.kind(), Decode);
    assert!(err.is_retryable());
    // null everywhere: no code.
    let err = check("A", &ok(r#"{"code":null,"message":null,"codeDesc":null}"#)).unwrap_err();
    assert_eq!(err.kind(), Decode);
    assert!(err.message().contains("no usable result code"), "{err}");
    // Not an object.
    for body in ["null", "[]", "\"x\"", ""] {
        assert_eq!(
            check("A", &ok(body)).unwrap_err().kind(),
            Decode,
            "{body:?}"
        );
    }
}

#[test]
fn non_2xx_uses_the_status_refined_by_the_envelope() {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("rid-1"));
    let html = RawResponse::new(502, headers.clone(), "<html>bad gateway</html>");
    let err = check("A", &html).unwrap_err();
    assert_eq!(err.kind(), Service);
    assert!(err.is_retryable());
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.request_id(), Some("rid-1"));

    let env = RawResponse::new(
        503,
        headers,
        r#"{"code":4400,"message":"quota","codeDesc":"LimitExceeded"}"#,
    );
    let err = check("A", &env).unwrap_err();
    assert_eq!(err.kind(), Throttled);
    assert_eq!(err.code(), Some("4400"));
    assert_eq!(err.status(), Some(503));

    let plain = RawResponse::new(404, HeaderMap::new(), "");
    assert_eq!(check("A", &plain).unwrap_err().kind(), NotFound);
}

#[test]
fn request_id_from_the_envelope_wins() {
    let err = check("A", &ok(r#"{"code":5000,"message":"x","requestId":12345}"#)).unwrap_err();
    assert_eq!(err.request_id(), Some("12345"));
}
