//! The legacy API's response envelope (`code`, `message`, `codeDesc`) and its error
//! codes, mapped onto [`ErrorKind`].
//!
//! `code != 0` is an error even under HTTP 200, and only the integer `0` is success:
//! a body that is not a JSON object, or whose `code` is missing, `null`, fractional,
//! a boolean or text that is not an error number, is a non-retryable
//! [`ErrorKind::Decode`] error (`codeDesc: "Success"` alone is not enough). The common codes (API.md 4) and the
//! BMLB codes (API.md 6) are classified here; any other code is a non-retryable
//! [`ErrorKind::Service`] error. The numeric code is kept with
//! [`Error::with_code`]; the cloud's `message` and `codeDesc` are kept in the
//! error's message.

use lb_backends_core::{
    lenient::{self, json_kind},
    transport::{decode_json, error_from_status, parse_retry_after, RawResponse},
    Error, ErrorKind, Result,
};
use serde::Deserialize;
use serde_json::Value;

/// The fields every legacy response carries.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Envelope {
    /// `0` on success.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    /// The module's error text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
    /// The code's name (`Success`, `InvalidParameter`, ...).
    #[serde(default, rename = "codeDesc", deserialize_with = "lenient::opt_string")]
    pub code_desc: Option<String>,
    /// Sent by some actions (the asynchronous writes).
    #[serde(
        default,
        rename = "requestId",
        deserialize_with = "lenient::opt_string"
    )]
    pub request_id: Option<String>,
}

/// How one error code is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodeClass {
    pub kind: ErrorKind,
    pub retryable: bool,
    pub meaning: &'static str,
}

const fn class(kind: ErrorKind, retryable: bool, meaning: &'static str) -> CodeClass {
    CodeClass {
        kind,
        retryable,
        meaning,
    }
}

/// The class of `code`.
pub(crate) fn classify(code: i64) -> CodeClass {
    use ErrorKind::*;
    match code {
        4000 => class(InvalidInput, false, "invalid request parameter"),
        4100 => class(
            Unauthorized,
            false,
            "authentication failed (usually a wrong SecretKey or signature)",
        ),
        4101..=4103 | 4110 => class(
            Forbidden,
            false,
            "the sub-account is not authorized for this action or resource",
        ),
        4104 => class(Unauthorized, false, "the SecretId does not exist"),
        4105 => class(Unauthorized, false, "the session token is wrong or expired"),
        4200 => class(
            Clock,
            false,
            "request expired: clock skew (the timestamp is too far from the service's clock)",
        ),
        4300 => class(Forbidden, false, "access denied"),
        4400 => class(Throttled, true, "request count over quota (throttled)"),
        4500 => class(
            Clock,
            false,
            "replay refused: a replayed nonce or a clock skew over 5 minutes",
        ),
        4600 => class(
            InvalidInput,
            false,
            "protocol not supported (the service takes HTTPS only)",
        ),
        5000 => class(NotFound, false, "the resource does not exist"),
        5400 => class(Service, false, "partial success"),
        6000 => class(Service, true, "internal server error"),
        9003 => class(InvalidInput, false, "invalid parameter (InvalidParameter)"),
        9006 => class(Service, true, "CCDB failure (InternalError.CCDBAbnormal)"),
        11041 => class(
            NotFound,
            false,
            "the load balancer does not exist (InvalidParameter.CCDBLBNotExist)",
        ),
        11060 => class(Service, true, "TGW failure (InternalError.TGWAbnormal)"),
        14100 => class(
            Service,
            true,
            "bare-metal API failure (InternalError.BmApiAbnormal)",
        ),
        _ => class(Service, false, "the service returned an error"),
    }
}

/// The error for an envelope whose code is not 0.
pub(crate) fn envelope_error(code: i64, envelope: &Envelope, response: &RawResponse) -> Error {
    let class = classify(code);
    let mut message = String::from(class.meaning);
    if let Some(text) = &envelope.message {
        message.push_str(": ");
        message.push_str(text);
    }
    if let Some(desc) = &envelope.code_desc {
        message.push_str(" [");
        message.push_str(desc);
        message.push(']');
    }
    let mut err = Error::new(class.kind, message)
        .with_code(code.to_string())
        .with_retryable(class.retryable);
    if let Some(id) = envelope
        .request_id
        .clone()
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

/// Check one response of `action`: a non-2xx status, an envelope with `code != 0`,
/// or a body that is not an envelope at all is an error.
pub(crate) fn check(action: &str, response: &RawResponse) -> Result<()> {
    if !response.is_success() {
        // Refine the status with the envelope when the body has one.
        // (An object only: serde's sequence form of `Envelope` is not an envelope.)
        return Err(match serde_json::from_slice::<Value>(&response.body) {
            Ok(body @ Value::Object(_)) => {
                let env = Envelope::deserialize(&body).unwrap_or_default();
                match env.code {
                    Some(code) if code != 0 => envelope_error(code, &env, response),
                    _ => error_from_status(response),
                }
            }
            _ => error_from_status(response),
        });
    }
    // A body that is not JSON (an HTML page from a proxy) or is cut short becomes a
    // typed decode error here; a truncated body is retryable.
    let body: Value = decode_json(action, response)?;
    let unusable = |why: String| {
        Error::new(
            ErrorKind::Decode,
            format!(
                "the {action} response {why}; body begins: {:?}",
                response.body_excerpt()
            ),
        )
        .with_response(response)
    };
    // The envelope is an object: serde's sequence form of a struct (`[0, [...]]`)
    // is not one.
    let Value::Object(fields) = &body else {
        return Err(unusable(format!(
            "is {}, not a JSON object",
            json_kind(&body)
        )));
    };
    let env = Envelope::deserialize(&body).unwrap_or_default();
    match fields.get("code") {
        // Success is the integer 0, and nothing else.
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(()),
        // An error code, also as text ("4400"): the error it names.
        Some(code) => match lenient::as_i64(code).filter(|c| *c != 0) {
            Some(code) => Err(envelope_error(code, &env, response)),
            None => Err(unusable(format!(
                "has no usable result code (`code` is {} {}, not the integer 0)",
                json_kind(code),
                short(code)
            ))),
        },
        None => Err(unusable("has no result code".into())),
    }
}

/// A JSON value in a few characters, for an error message.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 20 {
        format!("{}...", text.chars().take(20).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
