//! Huawei error answers: `{"error_msg", "error_code", "request_id"}` with the status, and
//! the error codes the emulator uses (see [`codes`](crate::huawei::codes)).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::codes;

/// An error answer of a Huawei API.
#[derive(Debug, Clone)]
pub(crate) struct HuaweiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub msg: String,
    pub request_id: String,
}

impl HuaweiError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        msg: impl Into<String>,
        request_id: &str,
    ) -> HuaweiError {
        HuaweiError {
            status,
            code,
            msg: msg.into(),
            request_id: request_id.to_string(),
        }
    }

    /// 400 `ELB.8902`: a malformed body, a field breaking its rule, a bad query value.
    pub(crate) fn invalid(request_id: &str, msg: impl Into<String>) -> HuaweiError {
        HuaweiError::new(
            StatusCode::BAD_REQUEST,
            codes::ELB_INVALID_PARAMETER,
            msg,
            request_id,
        )
    }

    /// 404 `ELB.8904`.
    pub(crate) fn not_found(request_id: &str, what: &str, id: &str) -> HuaweiError {
        HuaweiError::new(
            StatusCode::NOT_FOUND,
            codes::ELB_NOT_FOUND,
            format!("{what} {id} could not be found."),
            request_id,
        )
    }

    /// 404 `APIGW.0101`: no API at this path and method.
    pub(crate) fn no_such_api(request_id: &str) -> HuaweiError {
        HuaweiError::new(
            StatusCode::NOT_FOUND,
            codes::GATEWAY_NO_SUCH_API,
            "The API does not exist or has not been published in the environment",
            request_id,
        )
    }
}

impl IntoResponse for HuaweiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error_msg": self.msg,
            "error_code": self.code,
            "request_id": self.request_id,
        });
        let mut r = (self.status, body.to_string()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        r
    }
}

/// A JSON success answer.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

/// A success answer whose JSON body is already written.
pub(crate) fn body_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}
