//! Fault injection: what can go wrong ([`FaultKind`]), how often ([`Faults`]), one-shot
//! faults for the next matching request ([`FaultInjection`]), and how a fault that is an
//! HTTP answer looks for each API family.
//!
//! The fault layer sits in the server wrapper (see `server.rs`), in front of every API, so
//! a module added later (APIG, Tencent) gets latency, 5xx, 429 and broken connections for
//! free. A fault whose *answer* is API-specific (Tencent's "code 4400 under HTTP 200", for
//! example) is a new [`FaultKind`] plus an arm in [`render`] keyed on [`ApiFamily`].

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::Method;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

mod render;

pub(crate) use render::{render, ApiFamily};

/// One kind of fault the emulator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer 500, 502 or 503 (picked at random) without processing the request; the
    /// 502 carries an HTML page, as a proxy in front of the service would send.
    ServerError,
    /// Answer 429 with `Retry-After` ([`Faults::retry_after`], whole seconds) and the
    /// gateway's throttling body (`APIGW.0308`), without processing the request.
    Throttle,
    /// Close the TCP connection without answering, without processing the request.
    DropConnection,
    /// Process the request for real, send the headers with the full `Content-Length`,
    /// then part of the body, then abort the connection. (An answer with no body, such
    /// as a 204, cannot be truncated: the connection is dropped instead.)
    TruncatedBody,
    /// Process the request for real (a member *is* created), then close the connection
    /// before answering: the classic "did my POST happen?" case.
    DropAfterCommit,
    /// Tencent only: answer HTTP 200 with the envelope `code` 4400 (request count over
    /// quota) on the legacy API, or `RequestLimitExceeded` on API 3.0, without
    /// processing the request. On other APIs the request is processed normally.
    TencentThrottle,
}

impl FaultKind {
    /// Every kind, in declaration order.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::ServerError,
        FaultKind::Throttle,
        FaultKind::DropConnection,
        FaultKind::TruncatedBody,
        FaultKind::DropAfterCommit,
        FaultKind::TencentThrottle,
    ];

    /// The short name used on the command line (`server-error`, `throttle`, `drop`,
    /// `truncate`, `drop-after-commit`, `tencent-throttle`).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::ServerError => "server-error",
            FaultKind::Throttle => "throttle",
            FaultKind::DropConnection => "drop",
            FaultKind::TruncatedBody => "truncate",
            FaultKind::DropAfterCommit => "drop-after-commit",
            FaultKind::TencentThrottle => "tencent-throttle",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`FaultKind`] from an unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault kind `{0}` (expected one of: server-error, throttle, drop, truncate, drop-after-commit, tencent-throttle)")]
pub struct UnknownFaultKind(pub String);

impl FromStr for FaultKind {
    type Err = UnknownFaultKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        let kind = match norm.as_str() {
            "server-error" | "servererror" | "5xx" => FaultKind::ServerError,
            "throttle" | "429" => FaultKind::Throttle,
            "drop" | "drop-connection" | "dropconnection" => FaultKind::DropConnection,
            "truncate" | "truncated" | "truncated-body" | "truncatedbody" => {
                FaultKind::TruncatedBody
            }
            "drop-after-commit" | "dropaftercommit" => FaultKind::DropAfterCommit,
            "tencent-throttle"
            | "tencentthrottle"
            | "4400"
            | "request-limit-exceeded"
            | "requestlimitexceeded" => FaultKind::TencentThrottle,
            _ => return Err(UnknownFaultKind(s.to_string())),
        };
        Ok(kind)
    }
}

/// The random fault configuration: applies to every request on every API.
///
/// ```
/// use std::time::Duration;
/// use lb_backends_emulator::{FaultKind, Faults};
/// let flaky = Faults {
///     rate: 0.2,
///     kinds: vec![FaultKind::ServerError, FaultKind::Throttle],
///     retry_after: Duration::ZERO,
///     ..Faults::none()
/// };
/// assert!(flaky.is_active());
/// assert!(!Faults::none().is_active());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Added before every request is handled (also before a fault is answered).
    pub latency: Duration,
    /// Fraction (0.0–1.0) of requests that get a random fault drawn from `kinds`.
    /// Values outside the range are clamped.
    pub rate: f64,
    /// The kinds a random fault is drawn from (uniformly). Empty: no random faults.
    pub kinds: Vec<FaultKind>,
    /// The `Retry-After` of a throttled answer; sent in whole seconds (rounded up).
    pub retry_after: Duration,
}

impl Faults {
    /// No latency, no random faults, `retry_after` 1 s.
    pub fn none() -> Faults {
        Faults {
            latency: Duration::ZERO,
            rate: 0.0,
            kinds: Vec::new(),
            retry_after: Duration::from_secs(1),
        }
    }

    /// Random faults of the given kinds on `rate` of the requests.
    pub fn random(rate: f64, kinds: impl IntoIterator<Item = FaultKind>) -> Faults {
        Faults {
            rate,
            kinds: kinds.into_iter().collect(),
            ..Faults::none()
        }
    }

    /// Whether this configuration can slow down or break any request.
    pub fn is_active(&self) -> bool {
        !self.latency.is_zero() || (self.rate > 0.0 && !self.kinds.is_empty())
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults::none()
    }
}

/// A one-shot fault for the next request that matches (every condition left unset
/// matches anything). Queued faults are used in order, each once.
///
/// ```
/// use lb_backends_emulator::{FaultInjection, FaultKind};
/// let next_create = FaultInjection::new(FaultKind::DropAfterCommit)
///     .method("POST")
///     .path_contains("/members");
/// # let _ = next_create;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultInjection {
    kind: FaultKind,
    method: Option<String>,
    path_contains: Option<String>,
}

impl FaultInjection {
    /// A one-shot `kind` for the next request, whatever it is.
    pub fn new(kind: FaultKind) -> FaultInjection {
        FaultInjection {
            kind,
            method: None,
            path_contains: None,
        }
    }

    /// Only for a request with this HTTP method (case-insensitive).
    pub fn method(mut self, method: &str) -> FaultInjection {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only for a request whose path contains `needle`.
    pub fn path_contains(mut self, needle: impl Into<String>) -> FaultInjection {
        self.path_contains = Some(needle.into());
        self
    }

    /// The kind of fault.
    pub fn kind(&self) -> FaultKind {
        self.kind
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|n| path.contains(n))
    }
}

/// The live fault state of a server: configuration, queue and the seeded RNG.
#[derive(Debug)]
pub(crate) struct FaultState {
    inner: Mutex<FaultInner>,
}

#[derive(Debug)]
struct FaultInner {
    config: Faults,
    queue: VecDeque<FaultInjection>,
    rng: StdRng,
}

/// What the fault layer decided for one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    pub latency: Duration,
    pub fault: Option<FaultKind>,
    pub retry_after: Duration,
    /// A random number for the fault's own choices (which 5xx, where to cut).
    pub roll: u32,
}

impl FaultState {
    pub(crate) fn new(config: Faults, seed: u64) -> FaultState {
        FaultState {
            inner: Mutex::new(FaultInner {
                config,
                queue: VecDeque::new(),
                // A distinct stream from the fleet generator's, same seed.
                rng: StdRng::seed_from_u64(seed ^ 0x6661_756c_7473_0001),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set(&self, config: Faults) {
        self.lock().config = config;
    }

    pub(crate) fn get(&self) -> Faults {
        self.lock().config.clone()
    }

    pub(crate) fn push(&self, injection: FaultInjection) {
        self.lock().queue.push_back(injection);
    }

    pub(crate) fn clear_queue(&self) {
        self.lock().queue.clear();
    }

    /// Decides latency and fault for one request: a queued one-shot first, then a random
    /// draw.
    pub(crate) fn decide(&self, method: &Method, path: &str) -> Decision {
        let mut g = self.lock();
        let inner = &mut *g;
        let mut fault = None;
        if let Some(pos) = inner.queue.iter().position(|i| i.matches(method, path)) {
            fault = inner.queue.remove(pos).map(|i| i.kind);
        }
        let rate = inner.config.rate.clamp(0.0, 1.0);
        if fault.is_none()
            && rate > 0.0
            && !inner.config.kinds.is_empty()
            && inner.rng.random::<f64>() < rate
        {
            let i = inner.rng.random_range(0..inner.config.kinds.len());
            fault = Some(inner.config.kinds[i]);
        }
        Decision {
            latency: inner.config.latency,
            fault,
            retry_after: inner.config.retry_after,
            roll: inner.rng.random(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_cli_names() {
        for k in FaultKind::ALL {
            assert_eq!(k.name().parse::<FaultKind>(), Ok(k));
        }
        assert!("nope".parse::<FaultKind>().is_err());
    }

    #[test]
    fn same_seed_same_faults() {
        let draw = |seed| {
            let s = FaultState::new(Faults::random(0.5, FaultKind::ALL), seed);
            (0..200)
                .map(|_| s.decide(&Method::GET, "/").fault)
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        let hits = draw(7).iter().filter(|f| f.is_some()).count();
        assert!((60..140).contains(&hits), "{hits}");
    }

    #[test]
    fn injections_match_and_are_used_once() {
        let s = FaultState::new(Faults::none(), 1);
        s.push(
            FaultInjection::new(FaultKind::Throttle)
                .method("post")
                .path_contains("/members"),
        );
        assert_eq!(s.decide(&Method::GET, "/v3/p/members").fault, None);
        assert_eq!(s.decide(&Method::POST, "/v1/p/ports").fault, None);
        assert_eq!(
            s.decide(&Method::POST, "/v3/p/members").fault,
            Some(FaultKind::Throttle)
        );
        assert_eq!(s.decide(&Method::POST, "/v3/p/members").fault, None);
    }
}
