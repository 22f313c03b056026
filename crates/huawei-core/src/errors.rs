//! Huawei error envelopes into typed errors.
//!
//! Three body shapes are in use (API.md 1): `{"error_code","error_msg","request_id"}`
//! (ELB, VPC, APIG), `{"code","message"}` and `{"error":{"code","message"}}`. A body
//! that is none of them (an HTML page from a proxy) still gives a typed error with the
//! HTTP status and a short excerpt.

use lb_backends_core::{
    transport::{error_from_status, RawResponse},
    Error, ErrorKind,
};
use serde_json::Value;

/// The error a failed Huawei response stands for.
pub fn error_from_response(response: &RawResponse) -> Error {
    let base = error_from_status(response);
    let Some((code, message, request_id)) = parse_envelope(&response.body) else {
        return base;
    };
    let kind = code
        .as_deref()
        .and_then(|c| kind_for_code(c, message.as_deref().unwrap_or_default()))
        .unwrap_or(base.kind());
    let message = match (&message, &code) {
        (Some(m), _) if !m.is_empty() => m.clone(),
        _ => base.message().to_owned(),
    };
    let message = if kind == ErrorKind::Clock {
        format!("{message} (the request's X-Sdk-Date is too far from the cloud's clock: check this machine's time)")
    } else {
        message
    };
    let mut err = Error::new(kind, message).with_status(response.status);
    if let Some(code) = code {
        err = err.with_code(code);
    }
    if let Some(id) = request_id.or_else(|| base.request_id().map(str::to_owned)) {
        err = err.with_request_id(id);
    }
    if let Some(after) = base.retry_after() {
        err = err.with_retry_after(after);
    }
    err
}

/// (code, message, request id) from any of the three envelopes, if the body is one.
fn parse_envelope(body: &[u8]) -> Option<(Option<String>, Option<String>, Option<String>)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let obj = value.as_object()?;
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let nested = obj.get("error").and_then(Value::as_object);
    let code = text(obj.get("error_code"))
        .or_else(|| text(obj.get("code")))
        .or_else(|| nested.and_then(|n| text(n.get("code"))));
    let message = text(obj.get("error_msg"))
        .or_else(|| text(obj.get("message")))
        .or_else(|| nested.and_then(|n| text(n.get("message"))));
    let request_id = text(obj.get("request_id"));
    if code.is_none() && message.is_none() {
        return None;
    }
    Some((code, message, request_id))
}

/// Codes whose meaning is sharper than their HTTP status.
fn kind_for_code(code: &str, message: &str) -> Option<ErrorKind> {
    Some(match code {
        // The gateway's signature check: an expired X-Sdk-Date is a clock problem.
        "APIGW.0301" if message.to_ascii_lowercase().contains("expire") => ErrorKind::Clock,
        "APIGW.0301" | "APIGW.0101" | "APIGW.0307" => ErrorKind::Unauthorized,
        "APIGW.0308" => ErrorKind::Throttled,
        "APIG.2012" => ErrorKind::InvalidInput,
        "APIG.1000" | "APIG.1001" | "APIG.1002" => ErrorKind::Unauthorized,
        "APIG.1005" => ErrorKind::Forbidden,
        // The VPC channel, and a member of it (huawei-more.md 6.4, 6.8).
        "APIG.3023" | "APIG.3024" => ErrorKind::NotFound,
        "APIG.9999" => ErrorKind::Service,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn resp(status: u16, body: &str) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "hdr-id".parse().unwrap());
        RawResponse::new(status, headers, body.to_owned())
    }

    #[test]
    fn all_three_envelopes_are_read() {
        let e = error_from_response(&resp(
            404,
            r#"{"error_msg":"pool not found","error_code":"ELB.8904","request_id":"body-id"}"#,
        ));
        assert_eq!(
            (e.kind(), e.code(), e.message(), e.request_id()),
            (
                ErrorKind::NotFound,
                Some("ELB.8904"),
                "pool not found",
                Some("body-id")
            )
        );
        let e = error_from_response(&resp(400, r#"{"code":"VPC.0101","message":"bad"}"#));
        assert_eq!((e.code(), e.message()), (Some("VPC.0101"), "bad"));
        assert_eq!(e.request_id(), Some("hdr-id"));
        let e = error_from_response(&resp(403, r#"{"error":{"code":"X.1","message":"nope"}}"#));
        assert_eq!((e.kind(), e.code()), (ErrorKind::Forbidden, Some("X.1")));
    }

    #[test]
    fn apig_table_maps_to_kinds() {
        for (status, code, kind, retryable) in [
            (400, "APIG.2012", ErrorKind::InvalidInput, false),
            (401, "APIG.1002", ErrorKind::Unauthorized, false),
            (403, "APIG.1005", ErrorKind::Forbidden, false),
            (404, "APIG.3023", ErrorKind::NotFound, false),
            (404, "APIG.3024", ErrorKind::NotFound, false),
            (401, "APIG.1001", ErrorKind::Unauthorized, false),
            (500, "APIG.9999", ErrorKind::Service, true),
            (429, "APIGW.0308", ErrorKind::Throttled, true),
        ] {
            let body = format!(r#"{{"error_code":"{code}","error_msg":"m"}}"#);
            let e = error_from_response(&resp(status, &body));
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.is_retryable(), retryable, "{code}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.request_id(), Some("hdr-id"));
        }
    }

    #[test]
    fn expired_signature_is_a_clock_problem() {
        let e = error_from_response(&resp(
            401,
            r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: signature expired"}"#,
        ));
        assert_eq!(e.kind(), ErrorKind::Clock);
        let e = error_from_response(&resp(
            401,
            r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#,
        ));
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn odd_bodies_still_give_typed_errors() {
        for body in [
            "<html>502 Bad Gateway</html>",
            "",
            "null",
            "[1,2]",
            "{\"error_code\":null}",
            "{\"error_code\": 12",
        ] {
            let e = error_from_response(&resp(502, body));
            assert_eq!(e.kind(), ErrorKind::Service, "{body}");
            assert_eq!(e.status(), Some(502));
        }
    }
}
