//! The one place that speaks HTTP.
//!
//! [`HttpTransport`] builds the reqwest client (rustls only, connect and request
//! timeouts, no redirects), has each attempt signed afresh by the provider's
//! [`Dialect`] (so timestamps and nonces are new on every retry), checks the answer
//! with the same dialect (so an error inside an HTTP 200 envelope is still an error),
//! retries what is retryable within a [`RetryPolicy`], bounds each call as a whole
//! by a deadline, runs an [`AttemptHook`] (such as a [`RateLimit`]) before every
//! attempt, and opens one `tracing` span per call. It never logs a query string, a
//! header or a body: they can carry signatures and tokens.

pub mod encode;
mod hook;
mod request;
mod retry;

use std::{fmt, sync::Arc, time::Duration};

use serde::de::DeserializeOwned;
use tracing::{field::Empty, Instrument};

pub use hook::{Attempt, AttemptHook, RateLimit};
pub use request::{ApiRequest, OutgoingRequest, RawResponse};
pub use retry::{parse_retry_after, RetryPolicy};

use crate::{Error, ErrorKind, Result};

/// How one cloud's API family signs requests and reports errors.
pub trait Dialect: Send + Sync + fmt::Debug {
    /// A short name for logs (`huawei`, `tencent`).
    fn name(&self) -> &'static str;

    /// Authenticate one attempt: add headers, query parameters or a body.
    /// Called again for every retry.
    fn sign(&self, request: &mut OutgoingRequest) -> Result<()>;

    /// Turn a response that is an error (by status or by envelope) into an [`Error`].
    fn check(&self, response: &RawResponse) -> Result<()>;
}

/// Timeouts, retries and identity of the HTTP client.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Longest time to establish a connection.
    pub connect_timeout: Duration,
    /// Longest time for one attempt, from sending to the last byte of the body.
    pub request_timeout: Duration,
    /// Longest time for one call as a whole: every attempt, the backoff between
    /// them, and the waits of the [`hook`](Self::hook) before retries (the wait
    /// before the first attempt does not count). A call still running then ends with
    /// an [`ErrorKind::Timeout`] error that is not retryable. `None`: no bound but
    /// the attempts' own (default: 2 minutes).
    pub deadline: Option<Duration>,
    /// When and how to retry.
    pub retry: RetryPolicy,
    /// Runs before every attempt, retries included (e.g. a [`RateLimit`]).
    pub hook: Option<Arc<dyn AttemptHook>>,
    /// The `User-Agent` sent.
    pub user_agent: String,
    /// Largest response body accepted.
    pub max_body_bytes: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            deadline: Some(Duration::from_secs(120)),
            retry: RetryPolicy::default(),
            hook: None,
            user_agent: concat!("lb-backends/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A shared HTTP client; cheap to clone (clones share connections).
///
/// ```
/// use std::time::Duration;
/// use lb_backends_core::transport::{HttpTransport, TransportConfig, RetryPolicy};
/// let transport = HttpTransport::new(TransportConfig {
///     request_timeout: Duration::from_secs(5),
///     deadline: Some(Duration::from_secs(20)),
///     retry: RetryPolicy::default().with_max_attempts(3),
///     ..TransportConfig::default()
/// })?;
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    config: TransportConfig,
}

impl HttpTransport {
    /// Build a transport.
    pub fn new(config: TransportConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::Transport, "could not build the HTTP client").with_source(e)
            })?;
        Ok(Self { client, config })
    }

    /// The configuration in use.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// This transport with `hook` run before every attempt instead of the
    /// configured one. The two share connections; only the hook differs, so one
    /// transport can serve several providers, each with its own rate limit.
    ///
    /// ```
    /// use lb_backends_core::transport::{HttpTransport, RateLimit, TransportConfig};
    /// let shared = HttpTransport::new(TransportConfig::default())?;
    /// let elb = shared.with_hook(RateLimit::per_second(10.0).unwrap().into_hook());
    /// let apig = shared.with_hook(RateLimit::per_second(5.0).unwrap().into_hook());
    /// assert!(elb.config().hook.is_some() && shared.config().hook.is_none());
    /// # let _ = apig;
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_hook(&self, hook: Arc<dyn AttemptHook>) -> Self {
        let mut config = self.config.clone();
        config.hook = Some(hook);
        Self {
            client: self.client.clone(),
            config,
        }
    }

    /// Send a call and decode its JSON answer, retrying per the policy. A body cut
    /// short counts as a transport failure and is retried like one.
    pub async fn send_json<T: DeserializeOwned + Send>(
        &self,
        dialect: &dyn Dialect,
        request: &ApiRequest,
    ) -> Result<T> {
        self.send_with(dialect, request, |r| decode_json(request.action(), r))
            .await
    }

    /// Send a call and hand the checked response to `decode`, retrying per the policy
    /// (a retryable decode error is retried too), within the deadline.
    ///
    /// An error after more than one attempt carries
    /// [`Error::earlier_attempt_unknown`] when an earlier attempt failed in a way
    /// that may have been applied ([`Error::may_have_been_applied`]).
    pub async fn send_with<T: Send>(
        &self,
        dialect: &dyn Dialect,
        request: &ApiRequest,
        decode: impl Fn(&RawResponse) -> Result<T> + Send + Sync,
    ) -> Result<T> {
        // The call itself is not generic: one copy of its state machine (span,
        // deadline, retries, the attempt) serves every answer type, each type adding
        // only this wrapper. Once per call, not per member.
        let mut decoded = None;
        let mut sink = |response: &RawResponse| -> Result<()> {
            decoded = Some(decode(response)?);
            Ok(())
        };
        self.send_dyn(dialect, request, &mut sink).await?;
        decoded.ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                format!("{}: the call succeeded without an answer", request.action()),
            )
        })
    }

    /// [`send_with`](Self::send_with) for one decoder behind `dyn` that keeps what it
    /// decoded, boxed so that the call's code is not copied into each caller.
    pub fn send_dyn<'a>(
        &'a self,
        dialect: &'a dyn Dialect,
        request: &'a ApiRequest,
        decode: &'a mut (dyn FnMut(&RawResponse) -> Result<()> + Send),
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
        let span = tracing::info_span!(
            "lbb.call",
            provider = dialect.name(),
            action = request.action(),
            method = %request.method(),
            path = %request.encoded_path(),
            attempts = Empty,
            status = Empty,
            request_id = Empty,
            latency_ms = Empty,
        );
        Box::pin(self.call(dialect, request, decode).instrument(span))
    }

    /// The first attempt's hook, then the attempts within the deadline.
    async fn call(
        &self,
        dialect: &dyn Dialect,
        request: &ApiRequest,
        decode: &mut (dyn FnMut(&RawResponse) -> Result<()> + Send),
    ) -> Result<()> {
        self.before_attempt(dialect, request, 1).await;
        let mut state = CallState::default();
        let Some(deadline) = self.config.deadline else {
            return self
                .retry_loop(dialect, request, decode, &mut state, None)
                .await;
        };
        let ends = tokio::time::Instant::now() + deadline;
        let result = tokio::time::timeout_at(
            ends,
            self.retry_loop(dialect, request, decode, &mut state, Some(ends)),
        )
        .await;
        match result {
            Ok(result) => result,
            Err(_) => {
                tracing::debug!(attempts = state.attempts, "call deadline expired");
                let err = Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "{} did not finish within the deadline of {} ({} attempt{})",
                        request.action(),
                        show_duration(deadline),
                        state.attempts,
                        if state.attempts == 1 { "" } else { "s" }
                    ),
                )
                .with_retryable(false);
                Err(state.mark(err))
            }
        }
    }

    async fn before_attempt(&self, dialect: &dyn Dialect, request: &ApiRequest, number: u32) {
        if let Some(hook) = &self.config.hook {
            hook.before_attempt(Attempt::new(dialect.name(), request.action(), number))
                .await;
        }
    }

    async fn retry_loop(
        &self,
        dialect: &dyn Dialect,
        request: &ApiRequest,
        decode: &mut (dyn FnMut(&RawResponse) -> Result<()> + Send),
        state: &mut CallState,
        ends: Option<tokio::time::Instant>,
    ) -> Result<()> {
        let span = tracing::Span::current();
        let policy = &self.config.retry;
        let started = tokio::time::Instant::now();
        loop {
            if state.attempts > 0 {
                self.before_attempt(dialect, request, state.attempts + 1)
                    .await;
            }
            state.attempts += 1;
            let attempt = state.attempts;
            span.record("attempts", attempt);
            let mut id_recorded = false;
            let result = self.attempt(dialect, request).await.and_then(|response| {
                span.record("status", response.status);
                if let Some(id) = response.header_request_id() {
                    span.record("request_id", id.as_str());
                    id_recorded = true;
                }
                dialect.check(&response)?;
                decode(&response)
            });
            let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("latency_ms", latency);
            let err = match result {
                Ok(value) => {
                    tracing::debug!(attempt, "call succeeded");
                    return Ok(value);
                }
                Err(err) => err,
            };
            // The body's request id, when the header had none.
            if let (false, Some(id)) = (id_recorded, err.request_id()) {
                span.record("request_id", id);
            }
            let may_resend =
                request.is_idempotent() || err.is_not_sent() || err.kind() == ErrorKind::Throttled;
            let too_long = err
                .retry_after()
                .is_some_and(|after| after > policy.max_retry_after());
            let delay = policy.delay(attempt, err.retry_after());
            let past_deadline =
                ends.is_some_and(|ends| tokio::time::Instant::now() + delay >= ends);
            let err = state.mark(err);
            if !err.is_retryable()
                || !may_resend
                || too_long
                || past_deadline
                || attempt >= policy.max_attempts()
            {
                tracing::debug!(attempt, kind = %err.kind(), code = err.code(), past_deadline, "call failed");
                return Err(err);
            }
            state.unknown |= err.may_have_been_applied();
            tracing::debug!(
                attempt,
                kind = %err.kind(),
                code = err.code(),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, dialect: &dyn Dialect, request: &ApiRequest) -> Result<RawResponse> {
        let mut outgoing = request.to_outgoing()?;
        dialect.sign(&mut outgoing)?;
        let url = outgoing.final_url();
        let mut builder = self
            .client
            .request(outgoing.method.clone(), url)
            .headers(outgoing.headers);
        if !outgoing.body.is_empty() {
            builder = builder.body(outgoing.body);
        }
        let mut response = builder.send().await.map_err(from_reqwest)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // A page is about a megabyte: sized once from Content-Length (within the
        // limit), it is not copied as it grows.
        let expected = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut body = Vec::with_capacity(expected.min(self.config.max_body_bytes));
        while let Some(chunk) = response.chunk().await.map_err(from_reqwest)? {
            if body.len() + chunk.len() > self.config.max_body_bytes {
                return Err(Error::new(
                    ErrorKind::Decode,
                    format!(
                        "the response body is larger than {} bytes",
                        self.config.max_body_bytes
                    ),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse::new(status, headers, body))
    }
}

/// What the attempts of one call have shown so far.
#[derive(Debug, Default)]
struct CallState {
    /// Attempts started.
    attempts: u32,
    /// Whether an earlier attempt failed in a way that may have been applied.
    unknown: bool,
}

impl CallState {
    /// `err`, marked when an earlier attempt's outcome is unknown.
    fn mark(&self, err: Error) -> Error {
        if self.unknown {
            err.with_earlier_attempt_unknown()
        } else {
            err
        }
    }
}

/// `3s`, `1500ms`, `2m`: how a deadline reads in a message.
fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 60_000 == 0 && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Classify a reqwest failure. The URL is dropped from the message: a query string
/// may carry a signature or a token.
///
/// A request reqwest could not build (an invalid URL, such as one made too long by a
/// megabyte-long id the cloud sent as a paging marker) was never sent and never will
/// be: it is a non-retryable [`ErrorKind::Decode`] error, since the data that built
/// the URL came from the cloud's answers, not a network failure.
fn from_reqwest(err: reqwest::Error) -> Error {
    let connect = err.is_connect();
    let timeout = err.is_timeout();
    let builder = err.is_builder();
    let err = err.without_url();
    let mut message = err.to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    if builder {
        return Error::new(
            ErrorKind::Decode,
            format!("the request could not be built from the data at hand: {message}"),
        )
        .with_retryable(false)
        .with_not_sent();
    }
    let kind = if timeout {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport
    };
    let e = Error::new(kind, message);
    if connect && !timeout {
        e.with_not_sent()
    } else {
        e
    }
}

/// Decode a JSON body. A body that ends too early (a cut connection) is a retryable
/// error; anything else that does not decode is not.
pub fn decode_json<T: DeserializeOwned>(action: &str, response: &RawResponse) -> Result<T> {
    serde_json::from_slice(&response.body).map_err(|e| {
        let truncated = e.is_eof();
        Error::new(
            ErrorKind::Decode,
            format!(
                "could not read the {action} response: {e}; body begins: {:?}",
                response.body_excerpt()
            ),
        )
        .with_response(response)
        .with_retryable(truncated)
    })
}

/// The error for a non-2xx response whose body says nothing we understand: kind from
/// the HTTP status, message from a short body excerpt, `Retry-After` and
/// `X-Request-Id` kept. Dialects refine it with their envelope.
pub fn error_from_status(response: &RawResponse) -> Error {
    let kind = kind_from_status(response.status);
    let excerpt = response.body_excerpt();
    let message = if excerpt.is_empty() {
        format!("HTTP {} with an empty body", response.status)
    } else {
        format!("HTTP {}: {excerpt}", response.status)
    };
    let err = Error::new(kind, message).with_response(response);
    match parse_retry_after(&response.headers) {
        Some(after) => err.with_retry_after(after),
        None => err,
    }
}

/// The error kind a bare HTTP status means.
pub fn kind_from_status(status: u16) -> ErrorKind {
    match status {
        400 | 405 | 413 | 414 | 422 => ErrorKind::InvalidInput,
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 | 410 => ErrorKind::NotFound,
        408 => ErrorKind::Timeout,
        409 | 412 => ErrorKind::Conflict,
        429 => ErrorKind::Throttled,
        500..=599 => ErrorKind::Service,
        _ => ErrorKind::Decode,
    }
}

#[cfg(test)]
mod tests;
