//! The authentication layer in front of every Huawei route, as the API gateway does it:
//! `X-Auth-Token`, or `Authorization: SDK-HMAC-SHA256 ...` verified against the AK/SK,
//! then the project id of the path checked against the account's.
//!
//! | failure | status | `error_code` |
//! |---|---|---|
//! | neither `X-Auth-Token` nor `Authorization` | 401 | `APIGW.0301` |
//! | wrong `X-Auth-Token` | 401 | `APIGW.0307` (`APIG.1002` on APIG paths, as seed 001 says) |
//! | an IAM-issued token past its lifetime | 401 | `APIGW.0307` "The token must be updated." (`APIG.1001` on APIG paths) |
//! | malformed `Authorization`, unknown AK, bad signature, missing signed header | 401 | `APIGW.0301` |
//! | `X-Sdk-Date` missing, malformed, or more than 15 minutes off | 401 | `APIGW.0301` (message says the signature expired / check the clock) |
//! | `X-Security-Token` missing or wrong (when the account has one) | 401 | `APIGW.0301` |
//! | project id in the path or `X-Project-Id` not the account's | 403 | `APIGW.0302` |

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use super::codes;
use super::errors::HuaweiError;
use super::sign::{self, Received, VerifyError};
use crate::state::{AppState, RequestId};
use crate::util::{format_timestamp, unix_now};

/// The largest request body accepted (the gateway's limit is of this order).
pub(crate) const MAX_BODY: usize = 12 * 1024 * 1024;

fn unauthorized(rid: &str, code: &'static str, msg: impl Into<String>) -> Response {
    HuaweiError::new(StatusCode::UNAUTHORIZED, code, msg, rid).into_response()
}

fn bad_iam(rid: &str, detail: &str) -> Response {
    unauthorized(
        rid,
        codes::GATEWAY_BAD_AUTH,
        format!("Incorrect IAM authentication information: {detail}"),
    )
}

fn describe(err: &VerifyError, now: i64) -> String {
    match err {
        VerifyError::Malformed => {
            "Authorization header is not 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'".into()
        }
        VerifyError::UnknownAccessKey => "the access key (AK) does not exist".into(),
        VerifyError::MissingDate => "X-Sdk-Date header not found".into(),
        VerifyError::BadDate => "X-Sdk-Date is not in the YYYYMMDDTHHMMSSZ format".into(),
        VerifyError::Expired { skew_secs } => format!(
            "the signature expired: X-Sdk-Date is {} s {} the server time {} (at most 15 minutes allowed); check the client clock",
            skew_secs.abs(),
            if *skew_secs > 0 { "behind" } else { "ahead of" },
            format_timestamp(now)
        ),
        VerifyError::MissingSignedHeader(h) => {
            format!("verify aksk signature fail (signed header {h} is missing)")
        }
        VerifyError::BadSignature => "verify aksk signature fail".into(),
    }
}

/// What IAM knows of a token.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IssuedState {
    Valid,
    Expired,
    Unknown,
}

/// Whether IAM issued `token`, and whether it is still valid.
pub(crate) fn iam_token_state(state: &AppState, token: &str) -> IssuedState {
    let store = crate::state::lock(&state.huawei);
    match store.iam_tokens.get(token) {
        Some(until) if *until > std::time::Instant::now() => IssuedState::Valid,
        Some(_) => IssuedState::Expired,
        None => IssuedState::Unknown,
    }
}

/// The middleware: authenticates, checks the project, then runs the route.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let rid = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(crate::util::request_id);
    let acct = &state.huawei_account;
    let (parts, body) = req.into_parts();

    let body = if let Some(tok) = parts.headers.get("x-auth-token") {
        let issued = match tok.to_str() {
            Ok(t) => iam_token_state(&state, t),
            Err(_) => IssuedState::Unknown,
        };
        if issued == IssuedState::Expired {
            return if parts.uri.path().contains("/apigw/") {
                unauthorized(&rid, codes::APIG_TOKEN_EXPIRED, "The token has expired.")
            } else {
                unauthorized(&rid, codes::GATEWAY_BAD_TOKEN, "The token must be updated.")
            };
        }
        if issued != IssuedState::Valid && tok.as_bytes() != acct.token.as_bytes() {
            // APIG answers with its own code (seed 001); the gateway's elsewhere.
            return if parts.uri.path().contains("/apigw/") {
                unauthorized(
                    &rid,
                    codes::APIG_BAD_TOKEN,
                    "Incorrect token or token resolution failed",
                )
            } else {
                unauthorized(&rid, codes::GATEWAY_BAD_TOKEN, "The token must be updated.")
            };
        }
        body
    } else if parts.headers.contains_key(header::AUTHORIZATION) {
        let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
            return HuaweiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::GATEWAY_BODY_TOO_LARGE,
                "Request entity too large",
                &rid,
            )
            .into_response();
        };
        let now = unix_now();
        let received = Received {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &bytes,
        };
        if let Err(e) = sign::verify(&received, &acct.ak, &acct.sk, now) {
            return bad_iam(&rid, &describe(&e, now));
        }
        if let Some(expected) = &acct.security_token {
            let given = parts.headers.get("x-security-token").map(|v| v.as_bytes());
            if given != Some(expected.as_bytes()) {
                return bad_iam(
                    &rid,
                    "X-Security-Token is missing or not valid for this access key",
                );
            }
        }
        Body::from(bytes)
    } else {
        return bad_iam(&rid, "X-Auth-Token or Authorization header not found");
    };

    // Every Huawei path is /{version}/{project_id}/...
    let path_project = parts
        .uri
        .path()
        .split('/')
        .nth(2)
        .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    let header_project = parts.headers.get("x-project-id").map(|v| v.as_bytes());
    if path_project != acct.project_id
        || header_project.is_some_and(|p| p != acct.project_id.as_bytes())
    {
        return HuaweiError::new(
            StatusCode::FORBIDDEN,
            codes::GATEWAY_FORBIDDEN,
            format!("The IAM user is not authorized to access the API: project {path_project} is not the project of these credentials."),
            &rid,
        )
        .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}
