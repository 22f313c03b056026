//! Tencent Cloud **API 3.0** (TC3-HMAC-SHA256): `POST /` with a JSON body, or `GET /`
//! with the parameters in the query (the SDKs' `HttpProfile(reqMethod="GET")`: nested
//! lists and objects flattened to dotted keys, `Targets.0.Port=80`, signed over the
//! query string exactly as sent), on the emulator's one port, routed by the `Host`
//! header's first label (`clb.…`, `bmlb.…`; on a loopback address, by the credential
//! scope's service) and `X-TC-Action`. Signature v1 is served there too (the SDKs'
//! `signMethod="HmacSHA1"`/`"HmacSHA256"`: a form POST or a GET with every parameter,
//! `Action` and `Version` included, and a `Signature` parameter instead of
//! `Authorization`): a missing common parameter is `MissingParameter`, the SecretId,
//! clock, signature and token checks answer the codes below, and a nonce used twice is
//! `AuthFailure.SignatureFailure` (*chosen*).
//!
//! Every answer is HTTP 200 with `{"Response": {..., "RequestId"}}`; errors are
//! `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`. Checks, in order:
//!
//! | failure | `Code` |
//! |---|---|
//! | `Authorization` missing or not `TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, or `content-type`/`host` not signed | `AuthFailure.InvalidAuthorization` |
//! | `X-TC-Action`, `X-TC-Version` or `X-TC-Timestamp` missing / not an integer | `MissingParameter` / `InvalidParameter` |
//! | the credential's `SecretId` is not the account's | `AuthFailure.SecretIdNotFound` |
//! | `X-TC-Timestamp` more than 5 minutes from the server clock | `AuthFailure.SignatureExpire` |
//! | the credential date is not the timestamp's UTC date, or the signature is wrong | `AuthFailure.SignatureFailure` |
//! | `X-TC-Token` missing or wrong (when the account has a token) | `AuthFailure.TokenFailure` |
//! | the service is not `clb` or `bmlb` / the version not `2018-03-17` (`2018-06-25` for `bmlb`) | `NoSuchProduct` / `NoSuchVersion` |
//! | `Content-Type` not `application/json` (POST) or `application/x-www-form-urlencoded` (GET), or the body not a JSON object | `InvalidParameter` |
//! | an action not served | `InvalidAction` |
//!
//! The CLB actions and their rules are in [`clb`] (reads), [`clb_write`] (writes
//! and their tasks) and [`clb_batch`] (batch and classic writes); BMLB's in [`bmlb`]. Faults apply as to every API; on
//! this path a `server-error` answers 500 (an `InternalError` envelope), 502 (an HTML
//! page) or 503, and `tencent-throttle` answers `RequestLimitExceeded` under HTTP 200.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::state::{lock, AppState, RequestId};
use crate::util::unix_now;

pub mod bmlb;
pub mod clb;
pub mod clb_batch;
pub mod clb_write;
pub mod sign;

/// The path every API 3.0 call is posted to.
pub const TC3_PATH: &str = "/";
/// The CLB version served.
pub const CLB_VERSION: &str = "2018-03-17";
/// How far `X-TC-Timestamp` may be from the server clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// An error answer: a `Code` and a `Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

/// HTTP 200 with `{"Response": ...}`.
pub(crate) fn answer(mut response: Map<String, Value>, rid: &str) -> Response {
    response.insert("RequestId".into(), json!(rid));
    let mut r = json!({ "Response": response }).to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The error envelope as a JSON value (also used by the fault layer).
pub(crate) fn error_body(code: &str, message: &str, rid: &str) -> Value {
    json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": rid}})
}

fn error(e: &ApiError, rid: &str) -> Response {
    let mut r = error_body(e.code, &e.message, rid)
        .to_string()
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What authentication established.
struct Caller {
    service: String,
    action: String,
}

/// The request as signed: its method, its query exactly as sent, its headers and body.
struct Request<'a> {
    method: &'a str,
    query: &'a str,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

fn authenticate(state: &AppState, req: &Request<'_>) -> Result<Caller, ApiError> {
    let (headers, body) = (req.headers, req.body);
    let acct = &state.tencent_account;
    let auth = header_str(headers, "authorization")
        .and_then(sign::parse_authorization)
        .ok_or_else(|| {
            ApiError::new(
                "AuthFailure.InvalidAuthorization",
                "Authorization is missing or not a TC3-HMAC-SHA256 header",
            )
        })?;
    if !auth.signed_headers.iter().any(|h| h == "content-type")
        || !auth.signed_headers.iter().any(|h| h == "host")
    {
        return Err(ApiError::new(
            "AuthFailure.InvalidAuthorization",
            "SignedHeaders must include content-type and host",
        ));
    }
    let action = header_str(headers, "x-tc-action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::new("MissingParameter", "X-TC-Action is missing"))?;
    header_str(headers, "x-tc-version")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::new("MissingParameter", "X-TC-Version is missing"))?;
    let timestamp: i64 = header_str(headers, "x-tc-timestamp")
        .ok_or_else(|| ApiError::new("MissingParameter", "X-TC-Timestamp is missing"))?
        .parse()
        .map_err(|_| ApiError::new("InvalidParameter", "X-TC-Timestamp must be an integer"))?;
    if auth.secret_id != acct.secret_id {
        return Err(ApiError::new(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        ));
    }
    let now = unix_now() + lock(&state.tencent).clock_offset;
    if (timestamp - now).abs() > MAX_SKEW_SECS {
        return Err(ApiError::new(
            "AuthFailure.SignatureExpire",
            format!(
                "Signature expired. Timestamp {timestamp} is {} s from the server time {now}; \
                 at most {MAX_SKEW_SECS} s are allowed.",
                (timestamp - now).abs()
            ),
        ));
    }
    let mut signed: Vec<(&str, &str)> = Vec::new();
    for name in &auth.signed_headers {
        let value = header_str(headers, name).ok_or_else(|| {
            ApiError::new(
                "AuthFailure.SignatureFailure",
                format!("signed header {name} was not sent"),
            )
        })?;
        signed.push((name.as_str(), value));
    }
    let expected = sign::signature(&sign::Signed {
        method: req.method,
        query: req.query,
        headers: &signed,
        body,
        service: &auth.service,
        timestamp,
        secret_id: &auth.secret_id,
        secret_key: &acct.secret_key,
    });
    if auth.date != sign::date_of(timestamp)
        || !crate::tencent::sign::same(&expected, &auth.signature)
    {
        return Err(ApiError::new(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    if let Some(token) = &acct.token {
        if header_str(headers, "x-tc-token") != Some(token.as_str()) {
            return Err(ApiError::new(
                "AuthFailure.TokenFailure",
                "The token is missing or wrong.",
            ));
        }
    }
    // The product: the host's first label on a cloud-like host, else the scope's.
    let host = header_str(headers, "host").unwrap_or_default();
    let label = host.split('.').next().unwrap_or_default();
    let service = if matches!(label, "clb" | "bmlb") {
        label.to_string()
    } else {
        auth.service.clone()
    };
    Ok(Caller {
        service,
        action: action.to_string(),
    })
}

/// The parameters of type Integer among the CLB actions served. A GET carries every
/// value as text; the cloud reads each by its parameter's type, and so does this.
const INTEGER_PARAMS: &[&str] = &[
    "Limit",
    "Offset",
    "Port",
    "Weight",
    "NewPort",
    "BindType",
    "ProbePort",
];

/// A GET's query as the JSON object the SDK flattened (`AbstractClient._format_params`):
/// `Targets.0.InstanceId=ins-1&Targets.0.Port=80&ListenerIds.0=lbl-1` is
/// `{"Targets": [{"InstanceId": "ins-1", "Port": 80}], "ListenerIds": ["lbl-1"]}`.
fn unflatten(query: &str) -> Result<Map<String, Value>, ApiError> {
    unflatten_pairs(crate::util::query_pairs(Some(query)))
}

/// [`unflatten`] of decoded pairs.
fn unflatten_pairs(pairs: Vec<(String, String)>) -> Result<Map<String, Value>, ApiError> {
    fn put(slot: &mut Value, path: &[&str], value: &str) -> Result<(), ()> {
        let Some((first, rest)) = path.split_first() else {
            return Err(());
        };
        let leaf = |name: &str| {
            if INTEGER_PARAMS.contains(&name) {
                value
                    .parse::<i64>()
                    .map_or_else(|_| Value::String(value.into()), Value::from)
            } else {
                Value::String(value.into())
            }
        };
        if let Ok(i) = first.parse::<usize>() {
            if slot.is_null() {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(items) = slot else {
                return Err(());
            };
            if i > items.len() {
                return Err(());
            }
            if i == items.len() {
                items.push(Value::Null);
            }
            if rest.is_empty() {
                items[i] = Value::String(value.into());
                return Ok(());
            }
            return put(&mut items[i], rest, value);
        }
        if slot.is_null() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(map) = slot else {
            return Err(());
        };
        let next = map.entry((*first).to_string()).or_insert(Value::Null);
        if rest.is_empty() {
            if !next.is_null() {
                return Err(());
            }
            *next = leaf(first);
            return Ok(());
        }
        put(next, rest, value)
    }
    let mut root = Value::Object(Map::new());
    for (k, v) in pairs {
        let path: Vec<&str> = k.split('.').collect();
        if path.iter().any(|s| s.is_empty()) || put(&mut root, &path, &v).is_err() {
            return Err(ApiError::new(
                "InvalidParameter.FormatError",
                format!("the query parameter {k} does not fit the others"),
            ));
        }
    }
    match root {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

/// The parameters: a POST's body as a JSON object, a GET's query unflattened.
fn params(req: &Request<'_>) -> Result<Map<String, Value>, ApiError> {
    let (headers, body) = (req.headers, req.body);
    if req.method == "GET" {
        let form = header_str(headers, "content-type").is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        if !form {
            return Err(ApiError::new(
                "InvalidParameter",
                "Content-Type of a GET must be application/x-www-form-urlencoded",
            ));
        }
        return unflatten(req.query);
    }
    let json = header_str(headers, "content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            "InvalidParameter",
            "Content-Type must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::new(
            "InvalidParameter",
            "the request body is not a JSON object",
        )),
    }
}

/// The common parameters of signature v1, which are not the action's.
const V1_COMMON: &[&str] = &[
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Token",
    "Language",
    "RequestClient",
];

/// A signature v1 request's parameters: the query, and a form POST's body.
fn v1_pairs(req: &Request<'_>) -> Vec<(String, String)> {
    let mut pairs = crate::util::query_pairs(Some(req.query));
    let form = header_str(req.headers, "content-type").is_some_and(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if req.method == "POST" && form {
        pairs.extend(crate::util::query_pairs(Some(&String::from_utf8_lossy(
            req.body,
        ))));
    }
    pairs
}

/// Signature v1 on API 3.0 (the SDKs' `ClientProfile(signMethod="HmacSHA1")` or
/// `"HmacSHA256"`: every parameter, the common ones included, in a form POST or the
/// query, signed over `METHOD host /?k=v&...` sorted): the same verifier as the legacy
/// API's, with API 3.0's error codes. A nonce used twice within the clock window is
/// `AuthFailure.SignatureFailure` (*chosen*). Returns the action and the version.
fn authenticate_v1(
    state: &AppState,
    req: &Request<'_>,
    pairs: &[(String, String)],
) -> Result<(String, String), ApiError> {
    let acct = &state.tencent_account;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    for name in [
        "Action",
        "Version",
        "SecretId",
        "Signature",
        "Timestamp",
        "Nonce",
    ] {
        if get(name).is_none() {
            return Err(ApiError::new(
                "MissingParameter",
                format!("the parameter {name} is missing"),
            ));
        }
    }
    let timestamp: i64 = get("Timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| ApiError::new("InvalidParameter", "Timestamp must be an integer"))?;
    let nonce: u64 = get("Nonce")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| ApiError::new("InvalidParameter", "Nonce must be an integer"))?;
    let sig_method = get("SignatureMethod").unwrap_or("HmacSHA1");
    if get("SecretId") != Some(acct.secret_id.as_str()) {
        return Err(ApiError::new(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        ));
    }
    let now = unix_now() + lock(&state.tencent).clock_offset;
    if (timestamp - now).abs() > MAX_SKEW_SECS {
        return Err(ApiError::new(
            "AuthFailure.SignatureExpire",
            format!(
                "Signature expired. Timestamp {timestamp} is {} s from the server time {now}; \
                 at most {MAX_SKEW_SECS} s are allowed.",
                (timestamp - now).abs()
            ),
        ));
    }
    let host = header_str(req.headers, "host").unwrap_or_default();
    let text = crate::tencent::sign::string_to_sign(req.method, host, TC3_PATH, pairs);
    let expected = crate::tencent::sign::signature(sig_method, &acct.secret_key, &text);
    if !expected
        .is_some_and(|e| crate::tencent::sign::same(&e, get("Signature").unwrap_or_default()))
    {
        return Err(ApiError::new(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    if let Some(token) = &acct.token {
        if get("Token") != Some(token.as_str()) {
            return Err(ApiError::new(
                "AuthFailure.TokenFailure",
                "The token is missing or wrong.",
            ));
        }
    }
    if !lock(&state.tencent).use_nonce(&acct.secret_id, nonce, now) {
        return Err(ApiError::new(
            "AuthFailure.SignatureFailure",
            format!("replayed request: Nonce {nonce} was already used"),
        ));
    }
    Ok((
        get("Action").unwrap_or_default().to_string(),
        get("Version").unwrap_or_default().to_string(),
    ))
}

/// `POST /` and `GET /`.
pub(crate) async fn entry(
    State(state): State<AppState>,
    RequestId(rid): RequestId,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The emulator serves every cloud on one port: a GET of `/` that carries neither
    // `X-TC-Action` nor a TC3 `Authorization` is no API 3.0 call, and gets the 404 of
    // any unknown path (a POST of `/` is always API 3.0's).
    // Signature v1 (no `Authorization`, a `Signature` parameter) is served too.
    let req = Request {
        method: method.as_str(),
        query: uri.query().unwrap_or_default(),
        headers: &headers,
        body: &body,
    };
    let v1 = !headers.contains_key("authorization")
        && v1_pairs(&req).iter().any(|(k, _)| k == "Signature");
    let tc3 = headers.contains_key("x-tc-action")
        || header_str(&headers, "authorization").is_some_and(|a| a.starts_with("TC3-"));
    if method == Method::GET && !tc3 && !v1 {
        return crate::huawei::errors::HuaweiError::no_such_api(&rid).into_response();
    }
    let called = if v1 {
        let pairs = v1_pairs(&req);
        authenticate_v1(&state, &req, &pairs).map(|(action, version)| {
            let own: Vec<(String, String)> = pairs
                .into_iter()
                .filter(|(k, _)| !V1_COMMON.contains(&k.as_str()))
                .collect();
            // The product: the host's first label on a cloud-like host, else CLB.
            let host = header_str(&headers, "host").unwrap_or_default();
            let service = match host.split('.').next() {
                Some(label @ ("clb" | "bmlb")) => label.to_string(),
                _ => "clb".to_string(),
            };
            (Caller { service, action }, version, unflatten_pairs(own))
        })
    } else {
        authenticate(&state, &req).map(|caller| {
            let version = header_str(&headers, "x-tc-version")
                .unwrap_or_default()
                .to_string();
            (caller, version, params(&req))
        })
    };
    if let Ok((caller, _, _)) = &called {
        *lock(&state.tencent)
            .action_counts
            .entry(caller.action.clone())
            .or_default() += 1;
    }
    let result = called.and_then(|(caller, version, params)| match caller.service.as_str() {
        "clb" if version == CLB_VERSION => {
            let p = params?;
            clb_write::dispatch(&state, &caller.action, &p, &rid)
                .unwrap_or_else(|| clb::dispatch(&state, &caller.action, &p))
        }
        // The enumeration calls are served by `discover`; bindings by `bmlb`.
        "bmlb"
            if version == bmlb::BMLB_VERSION
                && matches!(
                    caller.action.as_str(),
                    "DescribeLoadBalancers"
                        | "DescribeL7Listeners"
                        | "DescribeL7Rules"
                        | "DescribeL4Listeners"
                ) =>
        {
            crate::tencent::discover::bmlb(&state, &caller.action, &params?)
        }
        "clb" => Err(ApiError::new(
            "NoSuchVersion",
            format!("version {version} of clb is not served; use {CLB_VERSION}"),
        )),
        "bmlb" if version == bmlb::BMLB_VERSION => bmlb::dispatch(&state, &caller.action, &params?),
        "bmlb" => Err(ApiError::new(
            "NoSuchVersion",
            format!(
                "version {version} of bmlb is not served; use {}",
                bmlb::BMLB_VERSION
            ),
        )),
        other => Err(ApiError::new(
            "NoSuchProduct",
            format!("product {other} is not served by the emulator's API 3.0"),
        )),
    });
    match result {
        Ok(map) => answer(map, &rid),
        Err(e) => error(&e, &rid),
    }
}
