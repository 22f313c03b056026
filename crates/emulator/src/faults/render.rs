//! How a fault that is an HTTP answer looks, per API family.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};

use super::{Decision, FaultKind};

/// Which API a request is for, by path; it decides how an injected error answer looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum ApiFamily {
    /// Huawei Cloud behind its API gateway (ELB v3, VPC v1, and APIG later).
    Huawei,
    /// Tencent Cloud's legacy API (`/v2/index.php`): errors are envelopes.
    Tencent,
    /// Tencent Cloud API 3.0 (`POST /`): errors are `{"Response": {"Error": ...}}`.
    Tencent3,
}

impl ApiFamily {
    /// Classifies a request path: the Tencent legacy path, else Huawei.
    pub(crate) fn of(path: &str) -> ApiFamily {
        if path == crate::tencent::TENCENT_PATH {
            ApiFamily::Tencent
        } else if path == crate::tencent::v3::TC3_PATH {
            ApiFamily::Tencent3
        } else {
            ApiFamily::Huawei
        }
    }
}

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The throttling message of the Huawei API gateway.
pub(crate) const THROTTLE_MSG: &str =
    "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:5 minute";

/// The HTTP answer of a fault that is an answer (server error, throttle); `None` for
/// the kinds that act on the connection.
pub(crate) fn render(
    kind: FaultKind,
    family: ApiFamily,
    decision: &Decision,
    request_id: &str,
) -> Option<Response<Body>> {
    match (kind, family) {
        (FaultKind::ServerError, ApiFamily::Huawei) => Some(match decision.roll % 3 {
            0 => json(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({
                    "error_msg": "An internal error occurred. Try again later.",
                    "error_code": "SYS.0500",
                    "request_id": request_id,
                }),
            ),
            1 => {
                let mut r = Response::new(Body::from(BAD_GATEWAY_HTML));
                *r.status_mut() = StatusCode::BAD_GATEWAY;
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                r
            }
            _ => json(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({
                    "error_code": "APIGW.0203",
                    "error_msg": "Backend unavailable",
                    "request_id": request_id,
                }),
            ),
        }),
        (FaultKind::Throttle, ApiFamily::Huawei) => {
            let mut r = json(
                StatusCode::TOO_MANY_REQUESTS,
                serde_json::json!({ "error_code": "APIGW.0308", "error_msg": THROTTLE_MSG }),
            );
            let d = decision.retry_after;
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            Some(r)
        }
        (FaultKind::ServerError, ApiFamily::Tencent) => Some(match decision.roll % 3 {
            0 => json(
                StatusCode::INTERNAL_SERVER_ERROR,
                tencent_envelope(6000, "InternalError", "internal server error"),
            ),
            1 => bad_gateway(),
            _ => {
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                r
            }
        }),
        (FaultKind::Throttle, ApiFamily::Tencent) => {
            let body = tencent_envelope(4400, "RequestLimitExceeded", "request count over quota");
            Some(with_retry_after(
                json(StatusCode::TOO_MANY_REQUESTS, body),
                decision,
            ))
        }
        (FaultKind::ServerError, ApiFamily::Tencent3) => Some(match decision.roll % 3 {
            0 => json(
                StatusCode::INTERNAL_SERVER_ERROR,
                tc3_error(
                    "InternalError",
                    "An internal error has occurred.",
                    request_id,
                ),
            ),
            1 => bad_gateway(),
            _ => {
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                r
            }
        }),
        (FaultKind::Throttle, ApiFamily::Tencent3) => Some(with_retry_after(
            json(
                StatusCode::TOO_MANY_REQUESTS,
                tc3_error("RequestLimitExceeded", TC3_LIMIT_MSG, request_id),
            ),
            decision,
        )),
        (FaultKind::TencentThrottle, ApiFamily::Tencent3) => Some(json(
            StatusCode::OK,
            tc3_error("RequestLimitExceeded", TC3_LIMIT_MSG, request_id),
        )),
        (FaultKind::TencentThrottle, ApiFamily::Tencent) => Some(json(
            StatusCode::OK,
            tencent_envelope(4400, "RequestLimitExceeded", "request count over quota"),
        )),
        _ => None,
    }
}

/// The `RequestLimitExceeded` message of API 3.0.
const TC3_LIMIT_MSG: &str = "Your current request times equals to `21` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls.";

fn tc3_error(code: &str, message: &str, request_id: &str) -> serde_json::Value {
    crate::tencent::v3::error_body(code, message, request_id)
}

fn tencent_envelope(code: i64, desc: &str, message: &str) -> serde_json::Value {
    serde_json::json!({ "code": code, "message": message, "codeDesc": desc })
}

fn bad_gateway() -> Response<Body> {
    let mut r = Response::new(Body::from(BAD_GATEWAY_HTML));
    *r.status_mut() = StatusCode::BAD_GATEWAY;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}

fn with_retry_after(mut r: Response<Body>, decision: &Decision) -> Response<Body> {
    let d = decision.retry_after;
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

fn json(status: StatusCode, value: serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Body::from(value.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}
