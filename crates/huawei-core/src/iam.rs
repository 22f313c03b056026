//! IAM: password tokens (`POST /v3/auth/tokens?nocatalog=true`) and the discovery of
//! a region's project id (`GET /v3/projects?name=REGION` with AK/SK,
//! `GET /v3/auth/projects` with a token), with the caches that make each happen once.
//!
//! huawei-more.md 7: the token is the `X-Subject-Token` response header (HTTP 201), it
//! lives 24 hours (`token.expires_at`), and a token scoped to a project carries that
//! project's id in `token.project.id`. Tokens are refreshed before they expire (a
//! fifth of their lifetime early, at most 5 minutes), measured on this machine's
//! monotonic clock from `expires_at - issued_at`, so a skewed clock does not matter.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use http::{header, HeaderValue, Method};
use lb_backends_core::{
    transport::{ApiRequest, Dialect, OutgoingRequest, RawResponse},
    Error, ErrorKind, ExposeSecret, Result, SecretString,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::errors::error_from_response;

/// An IAM token obtained with a password, and when to get the next one.
#[derive(Clone)]
pub(crate) struct IssuedToken {
    pub value: SecretString,
    pub refresh_at: Instant,
    pub project_id: Option<String>,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("value", &"[REDACTED]")
            .field("refresh_at", &self.refresh_at)
            .field("project_id", &self.project_id)
            .finish()
    }
}

impl IssuedToken {
    pub(crate) fn is_fresh(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

/// Process-wide caches: one token per (IAM endpoint, user, password, scope), one
/// project id per (IAM endpoint, AK or token, region). Every client of a run (the
/// targets of an inventory) shares them.
fn tokens() -> &'static Mutex<HashMap<String, IssuedToken>> {
    static TOKENS: OnceLock<Mutex<HashMap<String, IssuedToken>>> = OnceLock::new();
    TOKENS.get_or_init(Mutex::default)
}

fn projects() -> &'static Mutex<HashMap<String, String>> {
    static PROJECTS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    PROJECTS.get_or_init(Mutex::default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A cache key that holds no secret in the clear.
pub(crate) fn key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

pub(crate) fn cached_token(key: &str) -> Option<IssuedToken> {
    lock(tokens()).get(key).filter(|t| t.is_fresh()).cloned()
}

pub(crate) fn cache_token(key: &str, token: &IssuedToken) {
    lock(tokens()).insert(key.to_owned(), token.clone());
}

pub(crate) fn cached_project(key: &str) -> Option<String> {
    lock(projects()).get(key).cloned()
}

pub(crate) fn cache_project(key: &str, id: &str) {
    lock(projects()).insert(key.to_owned(), id.to_owned());
}

/// How the token is scoped: a project id (given) or the region's project name.
#[derive(Debug, Clone)]
pub(crate) enum Scope {
    ProjectId(String),
    ProjectName(String),
}

/// The body of `POST /v3/auth/tokens` for a password (and an MFA passcode).
pub(crate) fn token_body(
    user: &str,
    password: &SecretString,
    domain: &str,
    mfa: Option<(&str, &SecretString)>,
    scope: &Scope,
) -> Value {
    let mut identity = json!({
        "methods": ["password"],
        "password": {"user": {
            "name": user,
            "password": password.expose_secret(),
            "domain": {"name": domain}
        }}
    });
    if let Some((user_id, passcode)) = mfa {
        identity["methods"] = json!(["password", "totp"]);
        identity["totp"] = json!({"user": {"id": user_id, "passcode": passcode.expose_secret()}});
    }
    let project = match scope {
        Scope::ProjectId(id) => json!({"id": id}),
        Scope::ProjectName(name) => json!({"name": name}),
    };
    json!({"auth": {"identity": identity, "scope": {"project": project}}})
}

/// The token of a `POST /v3/auth/tokens` answer: the `X-Subject-Token` header, the
/// lifetime from the body's `expires_at` (and `issued_at`), the project id.
pub(crate) fn read_token(response: &RawResponse) -> Result<IssuedToken> {
    let value = response
        .headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                "IAM answered without an X-Subject-Token header: no token",
            )
        })?;
    let body: Value = serde_json::from_slice(&response.body).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("IAM's token answer is not JSON: {e}"),
        )
    })?;
    let token = body.get("token").ok_or_else(|| {
        Error::new(
            ErrorKind::Decode,
            "IAM's token answer has no \"token\" object",
        )
    })?;
    let expires = token
        .get("expires_at")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                "IAM's token has no readable expires_at: cannot tell when to refresh it",
            )
        })?;
    let issued = token
        .get("issued_at")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .unwrap_or_else(unix_now);
    let lifetime = Duration::from_secs_f64((expires - issued).max(0.0));
    let margin = (lifetime / 5).min(Duration::from_secs(300));
    let project_id = token
        .pointer("/project/id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(IssuedToken {
        value: SecretString::from(value.to_owned()),
        refresh_at: Instant::now() + lifetime.saturating_sub(margin),
        project_id,
    })
}

/// The id of the one project named `name` in an IAM project listing
/// (`{"projects": [{"id", "name"}]}`); zero or several is a clear error.
pub(crate) fn pick_project(response: &RawResponse, name: &str) -> Result<String> {
    let body: Value = serde_json::from_slice(&response.body).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("IAM's project list is not JSON: {e}"),
        )
    })?;
    let list = body
        .get("projects")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                "IAM's project list has no \"projects\" array",
            )
        })?;
    let ids: Vec<&str> = list
        .iter()
        .filter(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .filter_map(|p| p.get("id").and_then(Value::as_str))
        .collect();
    match ids.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "IAM knows no project named {name:?} for these credentials: give the project \
                 id (--project-id or HUAWEICLOUD_SDK_PROJECT_ID)"
            ),
        )),
        many => Err(Error::invalid_input(format!(
            "IAM has {} projects named {name:?}: give the project id (--project-id or \
             HUAWEICLOUD_SDK_PROJECT_ID)",
            many.len()
        ))),
    }
}

/// Whether an error says the token is no longer valid (a 401 from the gateway or
/// APIG about the token): worth one refresh.
pub(crate) fn token_rejected(err: &Error) -> bool {
    err.status() == Some(401)
        && (matches!(
            err.code(),
            Some("APIGW.0307" | "APIG.1000" | "APIG.1001" | "APIG.1002")
        ) || err.message().to_ascii_lowercase().contains("token"))
}

/// The IAM token call: unsigned (the password is in the body), JSON, Huawei errors.
#[derive(Debug)]
pub(crate) struct IamDialect;

impl Dialect for IamDialect {
    fn name(&self) -> &'static str {
        "huawei-iam"
    }

    fn sign(&self, request: &mut OutgoingRequest) -> Result<()> {
        request.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=utf8"),
        );
        Ok(())
    }

    fn check(&self, response: &RawResponse) -> Result<()> {
        if response.is_success() {
            Ok(())
        } else {
            let err = error_from_response(response);
            Err(if err.kind() == ErrorKind::Unauthorized {
                Error::new(
                    ErrorKind::Unauthorized,
                    format!(
                        "IAM refused the user name, password or domain: {}",
                        err.message()
                    ),
                )
                .with_status(response.status)
            } else {
                err
            })
        }
    }
}

/// `POST /v3/auth/tokens?nocatalog=true`.
pub(crate) fn token_request(
    endpoint: &lb_backends_core::Endpoint,
    body: &Value,
) -> Result<ApiRequest> {
    ApiRequest::new("IamCreateToken", Method::POST, endpoint)
        .segments(["v3", "auth", "tokens"])
        .query("nocatalog", "true")
        // Getting a token twice is harmless: a new one does not revoke the old.
        .idempotent(true)
        .json_body(body)
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `2026-12-01T03:13:16.123000Z` (or without fraction, or `+00:00`) as Unix seconds.
pub(crate) fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    let s = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix("+00:00"))
        .unwrap_or(s);
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let min: i64 = t.next()?.parse().ok()?;
    let sec: f64 = t.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    #[allow(clippy::cast_precision_loss)]
    Some((days * 86_400 + h * 3600 + min * 60) as f64 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    #[test]
    fn times_parse() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_time("2026-12-01T03:13:16.500000Z"),
            Some(1_796_094_796.5)
        );
        assert_eq!(parse_time("2000-03-01T00:00:00+00:00"), Some(951_868_800.0));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn a_token_is_read_with_its_lifetime_and_project() {
        let mut headers = HeaderMap::new();
        headers.insert("x-subject-token", "MIIsecret".parse().unwrap());
        let body = r#"{"token": {"issued_at": "2026-12-01T00:00:00.000000Z",
            "expires_at": "2026-12-01T00:00:10.000000Z", "project": {"id": "p1", "name": "cn-north-4"}}}"#;
        let t = read_token(&RawResponse::new(201, headers, body.to_owned())).unwrap();
        assert_eq!(t.value.expose_secret(), "MIIsecret");
        assert_eq!(t.project_id.as_deref(), Some("p1"));
        let left = t.refresh_at - Instant::now();
        assert!(
            left <= Duration::from_secs(8) && left > Duration::from_secs(7),
            "{left:?}"
        );
        let err =
            read_token(&RawResponse::new(201, HeaderMap::new(), body.to_owned())).unwrap_err();
        assert!(err.message().contains("X-Subject-Token"));
    }

    #[test]
    fn a_project_is_one_or_a_clear_error() {
        let r = |b: &str| RawResponse::new(200, HeaderMap::new(), b.to_owned());
        let body = r#"{"projects": [{"id": "a", "name": "cn-north-4"}, {"id": "b", "name": "cn-north-4_x"}]}"#;
        assert_eq!(pick_project(&r(body), "cn-north-4").unwrap(), "a");
        let err = pick_project(&r(body), "cn-south-1").unwrap_err();
        assert!(err.message().contains("no project named"), "{err}");
        let two = r#"{"projects": [{"id": "a", "name": "r"}, {"id": "b", "name": "r"}]}"#;
        assert!(pick_project(&r(two), "r")
            .unwrap_err()
            .message()
            .contains("2 projects"));
    }

    #[test]
    fn the_body_has_the_password_scope_and_mfa() {
        let pw = SecretString::from("pw".to_owned());
        let code = SecretString::from("123456".to_owned());
        let b = token_body(
            "u",
            &pw,
            "d",
            Some(("uid", &code)),
            &Scope::ProjectName("r".into()),
        );
        assert_eq!(
            b["auth"]["identity"]["methods"],
            json!(["password", "totp"])
        );
        assert_eq!(
            b["auth"]["identity"]["password"]["user"]["domain"]["name"],
            "d"
        );
        assert_eq!(b["auth"]["identity"]["totp"]["user"]["passcode"], "123456");
        assert_eq!(b["auth"]["scope"]["project"]["name"], "r");
    }
}
