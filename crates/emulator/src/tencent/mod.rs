//! Tencent Cloud, legacy API (`/v2/index.php`, signature v1): CLB
//! `DescribeLoadBalancerBackends` and BMLB `DescribeBmLocationBackends`, on the same
//! port as every other API (the real services have two hosts; the emulator tells them
//! apart by `Action`).
//!
//! Every request is `GET` with the parameters in the query string, or `POST` with an
//! `application/x-www-form-urlencoded` body, and is answered with HTTP 200 and the
//! envelope `{"code", "message", "codeDesc", ...}`; `code` 0 is success.
//!
//! Checks, in order (the first failure answers):
//!
//! | failure | `code` |
//! |---|---|
//! | `Action` missing or unknown, a common parameter missing, `SignatureMethod` not `HmacSHA1`/`HmacSHA256`, `Timestamp`/`Nonce` not a positive integer, a parameter given twice | 4000 |
//! | `SecretId` not the account's | 4104 |
//! | `Timestamp` more than 5 minutes from the server clock | 4200 |
//! | `Signature` wrong | 4100 |
//! | `Token` missing or wrong (when the account has one) | 4105 |
//! | `Nonce` already used (nonces are remembered 10 minutes: a timestamp may be 5 minutes off either way) | 4500 |
//!
//! Then the action: see [`codes`] for what each answers. Both actions page by
//! `offset` (default 0) and `limit` (default 20, 1–100; the service documents the
//! maximum for CLB only, the emulator applies it to BMLB too). CLB answers
//! `totalCount`; BMLB has no total, as the real API. A load balancer or location
//! with a fixture `error` answers that error to every call naming it.
//!
//! Injected faults apply as to every API;
//! [`FaultKind::TencentThrottle`](crate::FaultKind::TencentThrottle) answers `code`
//! 4400 under HTTP 200.

use std::fmt;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

mod api;
pub(crate) mod discover;
mod legacy_write;
pub mod sign;
pub(crate) mod store;
pub mod v3;

/// The path of the legacy API.
pub const TENCENT_PATH: &str = "/v2/index.php";
/// Default `SecretId` accepted.
pub const DEFAULT_TENCENT_SECRET_ID: &str = "AKIDEMULATOR0000000000000000000000000";
/// Default `SecretKey` accepted.
pub const DEFAULT_TENCENT_SECRET_KEY: &str = "emulator-tencent-key-do-not-use-in-prod";

/// The error codes the emulator answers with: the legacy API's public codes and the
/// BMLB codes. Where the service does not say which code a case gets, the emulator's
/// pick is marked *chosen*.
pub mod codes {
    /// Invalid parameter: a missing or malformed common parameter, an unknown
    /// `Action`, a missing `loadBalancerId` (CLB), `offset` not a non-negative integer,
    /// `limit` not 1–100 (*chosen*).
    pub const INVALID_PARAMETER: i64 = 4000;
    /// Authentication failed: the signature does not match.
    pub const AUTH_FAILURE: i64 = 4100;
    /// The `SecretId` does not exist.
    pub const SECRET_ID_NOT_FOUND: i64 = 4104;
    /// The `Token` is missing or wrong (when the account has temporary credentials).
    pub const TOKEN_FAILURE: i64 = 4105;
    /// The `Timestamp` is more than 5 minutes from the server's clock.
    pub const REQUEST_EXPIRED: i64 = 4200;
    /// Throttled (only injected: [`FaultKind::TencentThrottle`](crate::FaultKind)).
    pub const LIMIT_EXCEEDED: i64 = 4400;
    /// Replay: the `Nonce` was already used (within the last 10 minutes).
    pub const REPLAY: i64 = 4500;
    /// CLB: the load balancer does not exist.
    pub const RESOURCE_NOT_FOUND: i64 = 5000;
    /// Internal error (answered by the `server-error` fault as HTTP 500).
    pub const INTERNAL_ERROR: i64 = 6000;
    /// BMLB: a missing or malformed parameter, or a listener/domain/location that
    /// does not exist on the load balancer (*chosen*).
    pub const BM_INVALID_PARAMETER: i64 = 9003;
    /// BMLB: the load balancer does not exist.
    pub const BM_LB_NOT_EXIST: i64 = 11041;

    /// The `codeDesc` and default message of a code (every code of API.md 4 and 6).
    pub fn describe(code: i64) -> (&'static str, &'static str) {
        match code {
            0 => ("Success", ""),
            4000 => ("InvalidParameter", "invalid request parameter"),
            4100 => (
                "AuthFailure.SignatureFailure",
                "authentication failed: signature mismatch",
            ),
            4101 | 4102 | 4103 | 4110 => (
                "UnauthorizedOperation",
                "the sub-account is not authorized for this action or resource",
            ),
            4104 => (
                "AuthFailure.SecretIdNotFound",
                "the SecretId does not exist",
            ),
            4105 => ("AuthFailure.TokenFailure", "the token is wrong or expired"),
            4200 => (
                "AuthFailure.SignatureExpire",
                "the request expired: check the clock",
            ),
            4300 => ("AuthFailure.UnauthorizedOperation", "access denied"),
            4400 => ("RequestLimitExceeded", "request count over quota"),
            4500 => (
                "AuthFailure.InvalidNonce",
                "replayed request: nonce already used",
            ),
            4600 => ("UnsupportedProtocol", "protocol not supported: use HTTPS"),
            5000 => ("ResourceNotFound", "the resource does not exist"),
            5400 => ("PartialSuccess", "the operation partially succeeded"),
            6000 => ("InternalError", "internal server error"),
            9003 => ("InvalidParameter", "parameter error"),
            9006 => ("InternalError.CCDBAbnormal", "CCDB service error"),
            11041 => (
                "InvalidParameter.CCDBLBNotExist",
                "the load balancer does not exist in CCDB",
            ),
            11060 => ("InternalError.TGWAbnormal", "TGW service error"),
            14100 => ("InternalError.BmApiAbnormal", "bmApi service error"),
            _ => ("UnknownError", "error"),
        }
    }
}

/// The Tencent account the emulator accepts: one `SecretId`/`SecretKey` pair, and
/// optionally a session token (temporary credentials).
///
/// `Debug` hides the key and the token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TencentAccount {
    /// The `SecretId` accepted.
    pub secret_id: String,
    /// The `SecretKey` signatures are checked with.
    pub secret_key: String,
    /// When set, every request must carry `Token` with this value.
    pub token: Option<String>,
}

impl TencentAccount {
    /// An account with these keys and no token.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> TencentAccount {
        TencentAccount {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            token: None,
        }
    }

    /// Requires `Token` with this value.
    pub fn with_token(mut self, token: impl Into<String>) -> TencentAccount {
        self.token = Some(token.into());
        self
    }
}

impl Default for TencentAccount {
    /// [`DEFAULT_TENCENT_SECRET_ID`] and [`DEFAULT_TENCENT_SECRET_KEY`], no token.
    fn default() -> Self {
        TencentAccount::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY)
    }
}

impl fmt::Debug for TencentAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentAccount")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The Tencent routes: `GET` and `POST` on [`TENCENT_PATH`] (legacy) and on
/// [`v3::TC3_PATH`] (API 3.0).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(TENCENT_PATH, get(api::entry).post(api::entry))
        .route(v3::TC3_PATH, get(v3::entry).post(v3::entry))
}
