//! IAM (huawei-more.md 7): password tokens and the project listings a client
//! discovers its project id from.
//!
//! | call | answer |
//! |---|---|
//! | `POST /v3/auth/tokens[?nocatalog=true]` with the account's user, password, domain (and `totp` passcode when MFA is on), scoped to the project by name or id | 201, the token in `X-Subject-Token`, `{"token": {expires_at, issued_at, project{id,name}, ...}}`; the token is accepted for the account's `token_lifetime` |
//! | the same with a wrong user, password, domain or passcode | 401 `IAM.0004` (*chosen*) |
//! | a malformed body, another project, a domain scope | 400 `IAM.0011` (*chosen*) |
//! | `GET /v3/projects[?name=N]`, signed with the AK/SK or with a token | 200 `{"projects": [...], "links": {...}}`, filtered by name |
//! | `GET /v3/auth/projects` with a token | 200, every project of the token's user |
//!
//! Tokens live in the Huawei store; the authentication layer of the other APIs
//! accepts them until they expire, and answers an expired one with 401.

use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rand::Rng;
use serde_json::{json, Value};

use super::auth::{iam_token_state, IssuedState, MAX_BODY};
use super::codes;
use super::errors::{json_response, HuaweiError};
use super::sign::{self, Received};
use crate::state::{lock, AppState, RequestId};
use crate::util::{format_timestamp, query_pairs, unix_now};

/// The IAM routes (no authentication layer: each checks what it needs).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v3/auth/tokens", post(create_token))
        .route("/v3/projects", get(list_projects))
        .route("/v3/auth/projects", get(list_auth_projects))
}

const DOMAIN_ID: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const USER_ID: &str = "f9e8d7c6b5a40392817f6e5d4c3b2a10";

fn bad(rid: &str, msg: impl Into<String>) -> HuaweiError {
    HuaweiError::new(StatusCode::BAD_REQUEST, codes::IAM_BAD_REQUEST, msg, rid)
}

fn refused(rid: &str) -> HuaweiError {
    HuaweiError::new(
        StatusCode::UNAUTHORIZED,
        codes::IAM_BAD_CREDENTIALS,
        "The username or password is wrong.",
        rid,
    )
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

async fn create_token(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    body: Body,
) -> Result<Response, HuaweiError> {
    let acct = &st.huawei_account;
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| bad(&rid, "The request body is too large."))?;
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| bad(&rid, format!("The request body is not valid JSON: {e}")))?;
    let methods: Vec<&str> = body
        .pointer("/auth/identity/methods")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !methods.contains(&"password") {
        return Err(bad(
            &rid,
            "auth.identity.methods must contain \"password\".",
        ));
    }
    let user = "/auth/identity/password/user";
    let given = (
        text(&body, &format!("{user}/name")),
        text(&body, &format!("{user}/password")),
        text(&body, &format!("{user}/domain/name")),
    );
    if given
        != (
            Some(acct.user_name.as_str()),
            Some(acct.password.as_str()),
            Some(acct.domain_name.as_str()),
        )
    {
        return Err(refused(&rid));
    }
    if let Some(code) = &acct.mfa_passcode {
        let passcode = text(&body, "/auth/identity/totp/user/passcode");
        if !methods.contains(&"totp") || passcode != Some(code.as_str()) {
            return Err(HuaweiError::new(
                StatusCode::UNAUTHORIZED,
                codes::IAM_BAD_CREDENTIALS,
                "MFA verification failed: the totp passcode is missing or wrong.",
                &rid,
            ));
        }
    }
    let scope_ok = match (
        text(&body, "/auth/scope/project/name"),
        text(&body, "/auth/scope/project/id"),
    ) {
        (Some(name), _) => name == acct.project_name,
        (None, Some(id)) => id == acct.project_id,
        (None, None) => false,
    };
    if !scope_ok {
        return Err(bad(
            &rid,
            "auth.scope.project must name (by name or id) a project of this account.",
        ));
    }
    let issued = unix_now();
    let lifetime = acct.token_lifetime;
    let token = {
        let mut rng = lock(&st.rng);
        let n: u128 = rng.random();
        format!("MIIemulator{n:032x}")
    };
    {
        let mut store = lock(&st.huawei);
        let now = Instant::now();
        store.iam_tokens.retain(|_, until| *until > now);
        store.iam_tokens.insert(token.clone(), now + lifetime);
        store.iam_tokens_issued += 1;
    }
    let expires = issued + i64::try_from(lifetime.as_secs().max(1)).unwrap_or(i64::MAX / 2);
    let stamp = |t: i64| format_timestamp(t).replace('Z', ".000000Z");
    let answer = json!({"token": {
        "methods": methods,
        "expires_at": stamp(expires),
        "issued_at": stamp(issued),
        "user": {"id": USER_ID, "name": acct.user_name,
                 "domain": {"id": DOMAIN_ID, "name": acct.domain_name}},
        "project": {"id": acct.project_id, "name": acct.project_name,
                    "domain": {"id": DOMAIN_ID, "name": acct.domain_name}},
        "roles": [{"id": "0", "name": "op_service"}],
    }});
    let mut r = json_response(StatusCode::CREATED, &answer);
    if let Ok(v) = HeaderValue::from_str(&token) {
        r.headers_mut().insert("x-subject-token", v);
    }
    Ok(r)
}

fn project(st: &AppState) -> Value {
    let acct = &st.huawei_account;
    json!({"id": acct.project_id, "name": acct.project_name, "domain_id": DOMAIN_ID,
           "parent_id": DOMAIN_ID, "enabled": true, "is_domain": false, "description": "",
           "links": {"self": format!("https://iam.myhuaweicloud.com/v3/projects/{}", acct.project_id)}})
}

/// A token (static or issued, not expired) or a valid AK/SK signature.
async fn authenticated(st: &AppState, req: Request, rid: &str) -> Result<Request, Response> {
    let acct = &st.huawei_account;
    let (parts, body) = req.into_parts();
    if let Some(tok) = parts.headers.get("x-auth-token") {
        let t = tok.to_str().unwrap_or_default();
        if t == acct.token || iam_token_state(st, t) == IssuedState::Valid {
            return Ok(Request::from_parts(parts, body));
        }
        return Err(HuaweiError::new(
            StatusCode::UNAUTHORIZED,
            codes::GATEWAY_BAD_TOKEN,
            "The token must be updated.",
            rid,
        )
        .into_response());
    }
    if parts.headers.contains_key(header::AUTHORIZATION) {
        let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
            return Err(bad(rid, "The request body is too large.").into_response());
        };
        let received = Received {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &bytes,
        };
        if sign::verify(&received, &acct.ak, &acct.sk, unix_now()).is_ok() {
            return Ok(Request::from_parts(parts, Body::from(bytes)));
        }
        return Err(HuaweiError::new(
            StatusCode::UNAUTHORIZED,
            codes::GATEWAY_BAD_AUTH,
            "Incorrect IAM authentication information: verify aksk signature fail",
            rid,
        )
        .into_response());
    }
    Err(HuaweiError::new(
        StatusCode::UNAUTHORIZED,
        codes::GATEWAY_BAD_AUTH,
        "Incorrect IAM authentication information: X-Auth-Token or Authorization header not found",
        rid,
    )
    .into_response())
}

/// `GET /v3/projects?name=N` (KeystoneListProjects): what the official SDK asks
/// when it has an AK/SK and no project id.
async fn list_projects(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    req: Request,
) -> Response {
    let req = match authenticated(&st, req, &rid).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let name = query_pairs(req.uri().query())
        .into_iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v);
    let all = [project(&st)];
    let projects: Vec<&Value> = all
        .iter()
        .filter(|p| name.as_deref().is_none_or(|n| p["name"] == n))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"projects": projects, "links": {"self": "https://iam.myhuaweicloud.com/v3/projects", "next": null, "previous": null}}),
    )
}

/// `GET /v3/auth/projects` (KeystoneListAuthProjects): a token's own projects.
async fn list_auth_projects(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    req: Request,
) -> Response {
    if let Err(resp) = authenticated(&st, req, &rid).await {
        return resp;
    }
    json_response(
        StatusCode::OK,
        &json!({"projects": [project(&st)], "links": {"self": "https://iam.myhuaweicloud.com/v3/auth/projects"}}),
    )
}
