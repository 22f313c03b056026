//! The `/v2/index.php` handler: parameters from the query (GET) or the form body
//! (POST), the common checks (signature, clock, nonce), then the action.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::codes::{self, describe};
use super::sign;
use super::store::{TencentStore, MAX_SKEW_SECS};
use crate::fleet::ForcedError;
use crate::state::{lock, AppState};
use crate::util::{query_pairs, unix_now};

/// The CLB page size when `limit` is not given, and the largest accepted.
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

/// A `code != 0` answer.
#[derive(Debug)]
pub(crate) struct Failure {
    code: i64,
    message: String,
    code_desc: String,
}

impl Failure {
    pub(crate) fn new(code: i64, detail: impl Into<String>) -> Failure {
        let (desc, _) = describe(code);
        Failure {
            code,
            message: detail.into(),
            code_desc: desc.to_string(),
        }
    }

    fn forced(e: &ForcedError) -> Failure {
        let (desc, msg) = describe(e.code);
        Failure {
            code: e.code,
            message: if e.message.is_empty() {
                msg.to_string()
            } else {
                e.message.clone()
            },
            code_desc: if e.code_desc.is_empty() {
                desc.to_string()
            } else {
                e.code_desc.clone()
            },
        }
    }
}

/// HTTP 200 with a JSON envelope.
pub(crate) fn envelope(body: &Value) -> Response {
    let mut r = body.to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn failure(f: &Failure) -> Response {
    envelope(&json!({"code": f.code, "message": f.message, "codeDesc": f.code_desc}))
}

/// The parameters of a request: the query, and for a POST the form body too.
/// A name given twice is refused (its meaning would be ambiguous).
fn params(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, Failure> {
    let mut all = query_pairs(uri.query());
    if method == Method::POST {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        if !body.is_empty() && !form {
            return Err(Failure::new(
                codes::INVALID_PARAMETER,
                "a POST body must be application/x-www-form-urlencoded",
            ));
        }
        let text = String::from_utf8_lossy(body);
        all.extend(query_pairs(Some(&text)));
    }
    let mut names = std::collections::HashSet::new();
    if let Some((dup, _)) = all.iter().find(|(k, _)| !names.insert(k.as_str())) {
        return Err(Failure::new(
            codes::INVALID_PARAMETER,
            format!("parameter {dup} is given twice"),
        ));
    }
    Ok(all)
}

pub(crate) fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn required<'a>(
    params: &'a [(String, String)],
    name: &str,
    code: i64,
) -> Result<&'a str, Failure> {
    get(params, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::new(code, format!("missing parameter {name}")))
}

fn positive(params: &[(String, String)], name: &str) -> Result<u64, Failure> {
    let v = required(params, name, codes::INVALID_PARAMETER)?;
    v.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        Failure::new(
            codes::INVALID_PARAMETER,
            format!("{name} must be a positive integer"),
        )
    })
}

/// Signature, clock, token and nonce, in the service's order.
fn authenticate(
    state: &AppState,
    store: &mut TencentStore,
    method: &Method,
    host: &str,
    path: &str,
    params: &[(String, String)],
) -> Result<(), Failure> {
    let acct = &state.tencent_account;
    for name in ["Action", "Region", "SecretId", "Signature"] {
        required(params, name, codes::INVALID_PARAMETER)?;
    }
    let timestamp = positive(params, "Timestamp")?;
    let nonce = positive(params, "Nonce")?;
    let sig_method = get(params, "SignatureMethod").unwrap_or("HmacSHA1");
    if sig_method != "HmacSHA1" && sig_method != "HmacSHA256" {
        return Err(Failure::new(
            codes::INVALID_PARAMETER,
            "SignatureMethod must be HmacSHA1 or HmacSHA256",
        ));
    }
    let secret_id = get(params, "SecretId").unwrap_or_default();
    if secret_id != acct.secret_id {
        return Err(Failure::new(
            codes::SECRET_ID_NOT_FOUND,
            "the SecretId does not exist",
        ));
    }
    let now = unix_now() + store.clock_offset;
    let skew = i64::try_from(timestamp)
        .unwrap_or(i64::MAX)
        .saturating_sub(now);
    if skew.abs() > MAX_SKEW_SECS {
        return Err(Failure::new(
            codes::REQUEST_EXPIRED,
            format!(
                "the request expired: Timestamp is {} s {} the server time {now}; at most {MAX_SKEW_SECS} s allowed",
                skew.abs(),
                if skew < 0 { "behind" } else { "ahead of" }
            ),
        ));
    }
    let text = sign::string_to_sign(method.as_str(), host, path, params);
    let expected = sign::signature(sig_method, &acct.secret_key, &text).unwrap_or_default();
    if !sign::same(&expected, get(params, "Signature").unwrap_or_default()) {
        return Err(Failure::new(
            codes::AUTH_FAILURE,
            "signature verification failed",
        ));
    }
    if let Some(token) = &acct.token {
        if get(params, "Token") != Some(token.as_str()) {
            return Err(Failure::new(
                codes::TOKEN_FAILURE,
                "the Token is missing or wrong",
            ));
        }
    }
    if !store.use_nonce(secret_id, nonce, now) {
        return Err(Failure::new(
            codes::REPLAY,
            format!("replayed request: Nonce {nonce} was already used"),
        ));
    }
    Ok(())
}

/// `offset` (default 0) and `limit` (default 20, 1–100).
fn window(params: &[(String, String)], code: i64) -> Result<(usize, usize), Failure> {
    let num = |name: &str, default: u64| -> Result<u64, Failure> {
        match get(params, name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| Failure::new(code, format!("{name} must be a non-negative integer"))),
        }
    };
    let offset = num("offset", 0)?;
    let limit = num("limit", DEFAULT_LIMIT)?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Failure::new(
            code,
            format!("limit must be 1 to {MAX_LIMIT}"),
        ));
    }
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Ok((size(offset), size(limit)))
}

fn describe_lb_backends(
    store: &TencentStore,
    params: &[(String, String)],
) -> Result<Value, Failure> {
    let lb_id = required(params, "loadBalancerId", codes::INVALID_PARAMETER)?;
    let (offset, limit) = window(params, codes::INVALID_PARAMETER)?;
    let lb = store.clb.get(lb_id).ok_or_else(|| {
        Failure::new(
            codes::RESOURCE_NOT_FOUND,
            format!("load balancer {lb_id} does not exist"),
        )
    })?;
    if let Some(e) = &lb.error {
        return Err(Failure::forced(e));
    }
    let set: Vec<Value> = lb
        .backends
        .iter()
        .skip(offset)
        .take(limit)
        .map(|b| b.to_api())
        .collect();
    Ok(json!({
        "code": 0, "message": "", "codeDesc": "Success",
        "totalCount": lb.backends.len(),
        "backendSet": set,
    }))
}

fn describe_bm_location_backends(
    store: &TencentStore,
    params: &[(String, String)],
) -> Result<Value, Failure> {
    let mut key: [String; 4] = Default::default();
    for (slot, name) in
        key.iter_mut()
            .zip(["loadBalancerId", "listenerId", "domainId", "locationId"])
    {
        *slot = required(params, name, codes::BM_INVALID_PARAMETER)?.to_string();
    }
    let (offset, limit) = window(params, codes::BM_INVALID_PARAMETER)?;
    if !store.bmlb_lbs.contains(&key[0]) {
        return Err(Failure::new(
            codes::BM_LB_NOT_EXIST,
            format!("load balancer {} does not exist", key[0]),
        ));
    }
    let loc = store.bmlb.get(&key).ok_or_else(|| {
        Failure::new(
            codes::BM_INVALID_PARAMETER,
            format!(
                "no forwarding path {}/{}/{} on load balancer {}",
                key[1], key[2], key[3], key[0]
            ),
        )
    })?;
    if let Some(e) = &loc.error {
        return Err(Failure::forced(e));
    }
    let data: Vec<Value> = loc
        .bindings
        .iter()
        .skip(offset)
        .take(limit)
        .map(|b| b.to_api())
        .collect();
    Ok(json!({"code": 0, "message": "", "codeDesc": "Success", "data": data}))
}

/// `GET`/`POST /v2/index.php`.
pub(crate) async fn entry(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let result = params(&method, &uri, &headers, &body).and_then(|params| {
        let mut store = lock(&state.tencent);
        authenticate(&state, &mut store, &method, &host, uri.path(), &params)?;
        match get(&params, "Action").unwrap_or_default() {
            "DescribeLoadBalancerBackends" => describe_lb_backends(&store, &params),
            "DescribeBmLocationBackends" => describe_bm_location_backends(&store, &params),
            action @ ("RegisterInstancesWithLoadBalancer"
            | "DeregisterInstancesFromLoadBalancer"
            | "ModifyLoadBalancerBackends"
            | "DescribeLoadBalancersTaskResult") => {
                super::legacy_write::dispatch(&mut store, action, &params)
            }
            other => Err(Failure::new(
                codes::INVALID_PARAMETER,
                format!("unknown Action {other:?}"),
            )),
        }
    });
    match result {
        Ok(body) => envelope(&body),
        Err(f) => failure(&f),
    }
}
