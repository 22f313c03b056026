//! The API 3.0 response envelope and its error codes, mapped onto [`ErrorKind`].
//!
//! Every answer is `{"Response": {...}}` under HTTP 200, errors included:
//! `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`. The shape is checked
//! strictly (the body must be a JSON object whose `Response` is an object; an error's
//! `Error` must be an object with a text `Code`; a success must carry a text
//! `RequestId`); only the fields of a record are decoded leniently, by the callers.
//!
//! Retried (spec a.7): `RequestLimitExceeded` and its sub-codes, `InternalError`,
//! `ServiceUnavailable`, `FailedOperation.ResourceInOperating` and
//! `FailedOperation.ResourceInCloning`, plus transport failures and HTTP 5xx.
//! `AuthFailure.SignatureExpire` is [`ErrorKind::Clock`].

use lb_backends_core::{
    lenient::json_kind,
    transport::{error_from_status, parse_retry_after, RawResponse},
    Error, ErrorKind, Result,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// How one error code is classified: its kind, and whether it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeClass {
    /// The kind callers match on.
    pub kind: ErrorKind,
    /// Whether the transport retries it.
    pub retryable: bool,
    /// Whether the cloud certainly did not apply the call (so even a write may be
    /// sent again).
    pub not_applied: bool,
}

const fn class(kind: ErrorKind, retryable: bool, not_applied: bool) -> CodeClass {
    CodeClass {
        kind,
        retryable,
        not_applied,
    }
}

/// The class of an API 3.0 error `code`.
///
/// ```
/// use lb_backends_core::ErrorKind;
/// use lb_backends_tencent::v3::envelope::classify;
/// assert_eq!(classify("AuthFailure.SignatureExpire").kind, ErrorKind::Clock);
/// assert!(classify("RequestLimitExceeded.UinLimitExceeded").retryable);
/// assert!(classify("FailedOperation.ResourceInOperating").retryable);
/// assert!(!classify("FailedOperation").retryable);
/// ```
pub fn classify(code: &str) -> CodeClass {
    use ErrorKind::*;
    let family = code.split('.').next().unwrap_or(code);
    match code {
        "AuthFailure.SignatureExpire" => return class(Clock, false, true),
        "AuthFailure.UnauthorizedOperation" | "AuthFailure.MFAFailure" => {
            return class(Forbidden, false, true)
        }
        "InternalError" => return class(Service, true, false),
        "ServiceUnavailable" => return class(Service, true, false),
        "FailedOperation.ResourceInOperating" | "FailedOperation.ResourceInCloning" => {
            return class(Conflict, true, true)
        }
        "InvalidParameter.LBIdNotFound"
        | "InvalidParameter.ListenerIdNotFound"
        | "InvalidParameter.LocationNotFound" => return class(NotFound, false, true),
        "InvalidParameterValue.Duplicate" => return class(Conflict, false, true),
        _ => {}
    }
    match family {
        "RequestLimitExceeded" => class(Throttled, true, true),
        "AuthFailure" => class(Unauthorized, false, true),
        "UnauthorizedOperation" | "OperationDenied" | "IpInBlacklist" | "IpNotInWhitelist" => {
            class(Forbidden, false, true)
        }
        "ResourceNotFound" => class(NotFound, false, true),
        "InvalidParameter"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "MissingParameter"
        | "UnknownParameter"
        | "InvalidAction"
        | "InvalidRequest"
        | "UnsupportedRegion"
        | "RequestSizeLimitExceeded" => class(InvalidInput, false, true),
        "LimitExceeded" | "ResourceInUse" | "ResourceInsufficient" | "ResourcesSoldOut" => {
            class(Conflict, false, true)
        }
        "UnsupportedOperation"
        | "UnsupportedProtocol"
        | "ActionOffline"
        | "NoSuchProduct"
        | "NoSuchVersion" => class(Unsupported, false, true),
        _ => class(Service, false, false),
    }
}

fn decode_error(action: &str, response: &RawResponse, why: String) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!(
            "the {action} response is not an API 3.0 envelope: {why}; body begins: {:?}",
            response.body_excerpt()
        ),
    )
    .with_response(response)
}

/// The `Response` object of a body, strictly.
fn response_object(action: &str, response: &RawResponse) -> Result<Map<String, Value>> {
    let value: Value = serde_json::from_slice(&response.body).map_err(|e| {
        let truncated = e.is_eof();
        decode_error(action, response, format!("not JSON ({e})")).with_retryable(truncated)
    })?;
    let Value::Object(mut top) = value else {
        return Err(decode_error(
            action,
            response,
            format!("the body is {}, not an object", json_kind(&value)),
        ));
    };
    match top.remove("Response") {
        Some(Value::Object(inner)) => Ok(inner),
        Some(other) => Err(decode_error(
            action,
            response,
            format!("Response is {}, not an object", json_kind(&other)),
        )),
        None => Err(decode_error(action, response, "no Response".into())),
    }
}

/// The error an `Error` object stands for.
fn envelope_error(
    action: &str,
    error: &Value,
    request_id: Option<&str>,
    response: &RawResponse,
) -> Error {
    let Value::Object(fields) = error else {
        return decode_error(
            action,
            response,
            format!("Response.Error is {}, not an object", json_kind(error)),
        );
    };
    let Some(code) = fields.get("Code").and_then(Value::as_str) else {
        return decode_error(action, response, "Response.Error has no text Code".into());
    };
    let message = fields.get("Message").and_then(Value::as_str).unwrap_or("");
    let class = classify(code);
    let mut text = format!("{action}: {code}");
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
    if class.kind == ErrorKind::Clock {
        text.push_str(" (clock skew: the request's timestamp is more than 5 minutes off)");
    }
    let mut err = Error::new(class.kind, text)
        .with_code(code)
        .with_retryable(class.retryable);
    if class.not_applied {
        err = err.with_not_sent();
    }
    if let Some(id) = request_id
        .map(str::to_owned)
        .or_else(|| response.header_request_id())
    {
        err = err.with_request_id(id);
    }
    if let Some(after) = parse_retry_after(&response.headers) {
        err = err.with_retry_after(after);
    }
    if !response.is_success() {
        err = err.with_status(response.status);
    }
    err
}

/// Check one response of `action` and return its `Response` object (without
/// `RequestId`, which is returned beside it).
pub fn open(action: &str, response: &RawResponse) -> Result<(Map<String, Value>, String)> {
    if !response.is_success() {
        // The status decides, refined by an envelope when the body has one.
        return Err(match response_object(action, response) {
            Ok(inner) => match inner.get("Error") {
                Some(e) => {
                    let rid = inner.get("RequestId").and_then(Value::as_str);
                    envelope_error(action, e, rid, response)
                }
                None => error_from_status(response),
            },
            Err(_) => error_from_status(response),
        });
    }
    let mut inner = response_object(action, response)?;
    let request_id = match inner.remove("RequestId") {
        Some(Value::String(id)) if !id.is_empty() => Some(id),
        _ => None,
    };
    if let Some(error) = inner.get("Error") {
        return Err(envelope_error(
            action,
            error,
            request_id.as_deref(),
            response,
        ));
    }
    let request_id = request_id
        .ok_or_else(|| decode_error(action, response, "Response has no text RequestId".into()))?;
    Ok((inner, request_id))
}

/// Check one response and decode its `Response` object into `T`. A `T` that does
/// not decode is a [`ErrorKind::Decode`] error naming the action.
pub fn decode<T: DeserializeOwned>(action: &str, response: &RawResponse) -> Result<T> {
    let (inner, request_id) = open(action, response)?;
    serde_json::from_value(Value::Object(inner))
        .map_err(|e| decode_error(action, response, e.to_string()).with_request_id(request_id))
}

/// [`open`] as a check only (for [`Dialect::check`](lb_backends_core::transport::Dialect::check)).
pub fn check(action: &str, response: &RawResponse) -> Result<()> {
    open(action, response).map(|_| ())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http::HeaderMap;

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse::new(status, HeaderMap::new(), body.as_bytes().to_vec())
    }

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/../../tests/fixtures/tencent3/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn error_fixtures_map_to_kinds() {
        for (file, kind, retryable, code) in [
            (
                "error_auth_signature_expire.json",
                ErrorKind::Clock,
                false,
                "AuthFailure.SignatureExpire",
            ),
            (
                "error_auth_signature_failure.json",
                ErrorKind::Unauthorized,
                false,
                "AuthFailure.SignatureFailure",
            ),
            (
                "error_request_limit_exceeded.json",
                ErrorKind::Throttled,
                true,
                "RequestLimitExceeded",
            ),
            (
                "error_resource_in_operating.json",
                ErrorKind::Conflict,
                true,
                "FailedOperation.ResourceInOperating",
            ),
            (
                "error_invalid_parameter_lb_not_found.json",
                ErrorKind::NotFound,
                false,
                "InvalidParameter.LBIdNotFound",
            ),
            (
                "error_bmlb_resource_not_found.json",
                ErrorKind::NotFound,
                false,
                "ResourceNotFound",
            ),
        ] {
            let err = check("A", &resp(200, &fixture(file))).unwrap_err();
            assert_eq!(err.kind(), kind, "{file}: {err}");
            assert_eq!(err.is_retryable(), retryable, "{file}");
            assert_eq!(err.code(), Some(code), "{file}");
            assert!(err.request_id().is_some(), "{file}");
        }
    }

    #[test]
    fn retry_set_is_exactly_the_spec_s() {
        for code in [
            "RequestLimitExceeded",
            "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
            "RequestLimitExceeded.IPLimitExceeded",
            "RequestLimitExceeded.UinLimitExceeded",
            "InternalError",
            "ServiceUnavailable",
            "FailedOperation.ResourceInOperating",
            "FailedOperation.ResourceInCloning",
        ] {
            assert!(classify(code).retryable, "{code}");
        }
        for code in [
            "AuthFailure.SignatureExpire",
            "AuthFailure.SignatureFailure",
            "AuthFailure.TokenFailure",
            "FailedOperation",
            "InvalidParameter",
            "LimitExceeded",
            "ResourceInUse",
            "InternalError.AssociationReferenceInvalid",
            "UnsupportedOperation",
            "SomethingNew",
        ] {
            assert!(!classify(code).retryable, "{code}");
        }
    }

    #[test]
    fn successes_need_an_object_response_with_a_request_id() {
        let (inner, rid) =
            open("A", &resp(200, r#"{"Response":{"X":1,"RequestId":"r-1"}}"#)).unwrap();
        assert_eq!(rid, "r-1");
        assert_eq!(inner["X"], 1);
        for bad in [
            "[]",
            "null",
            r#"{"response":{}}"#,
            r#"{"Response":[]}"#,
            r#"{"Response":"x"}"#,
            r#"{"Response":{"X":1}}"#,
            r#"{"Response":{"RequestId":7}}"#,
            r#"{"Response":{"Error":"boom","RequestId":"r"}}"#,
            r#"{"Response":{"Error":{"Message":"m"},"RequestId":"r"}}"#,
            "<html>",
        ] {
            let err = check("A", &resp(200, bad)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode, "{bad}");
            assert!(!err.is_retryable(), "{bad}");
        }
        let cut = check("A", &resp(200, r#"{"Response":{"Req"#)).unwrap_err();
        assert!(cut.is_retryable());
    }

    #[test]
    fn non_200_takes_the_status_refined_by_an_envelope() {
        let err = check("A", &resp(502, "<html>bad gateway</html>")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Service);
        assert!(err.is_retryable());
        let err = check(
            "A",
            &resp(
                500,
                r#"{"Response":{"Error":{"Code":"InternalError","Message":"m"},"RequestId":"r"}}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(err.code(), Some("InternalError"));
        assert_eq!(err.status(), Some(500));
    }

    #[test]
    fn decode_reports_a_bad_shape() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            #[serde(rename = "Status")]
            status: i64,
        }
        let err = decode::<T>("A", &resp(200, r#"{"Response":{"RequestId":"r"}}"#)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert_eq!(err.request_id(), Some("r"));
    }
}
