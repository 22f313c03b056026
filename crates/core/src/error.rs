//! One error type for every provider: a kind to match on, retry classification, and
//! what the cloud said (code, message, request id, HTTP status).
//!
//! Errors never carry a secret: they are built from cloud responses and our own
//! validation messages, never from request headers or credentials.

use std::{fmt, time::Duration};

/// Shorthand for results with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, coarse enough to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input rejected before anything was sent, or by the cloud as invalid.
    InvalidInput,
    /// The resource (pool, channel, load balancer, member) does not exist.
    NotFound,
    /// The change clashes with what exists (e.g. a duplicate address and port).
    Conflict,
    /// Credentials missing, wrong, or expired.
    Unauthorized,
    /// Credentials are valid but not allowed to do this.
    Forbidden,
    /// The request was signed with a clock too far from the cloud's, or replayed.
    Clock,
    /// The cloud asked us to slow down.
    Throttled,
    /// The cloud failed (5xx or its equivalent in an envelope).
    Service,
    /// The request or response did not make it over the network.
    Transport,
    /// A connect or request timeout expired.
    Timeout,
    /// The response could not be understood.
    Decode,
    /// The provider cannot do this at all (see [`crate::Capabilities`]).
    Unsupported,
    /// A listing could not be completed consistently (e.g. the cloud's total and
    /// its pages disagree); what was yielded before this error is still valid.
    Incomplete,
}

impl ErrorKind {
    /// Whether an error of this kind is worth retrying by default.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::Throttled | Self::Service | Self::Transport | Self::Timeout
        )
    }

    /// A short lower-case name, stable for logs and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::Clock => "clock",
            Self::Throttled => "throttled",
            Self::Service => "service",
            Self::Transport => "transport",
            Self::Timeout => "timeout",
            Self::Decode => "decode",
            Self::Unsupported => "unsupported",
            Self::Incomplete => "incomplete",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error every lb-backends call returns.
///
/// ```
/// use lb_backends_core::{Error, ErrorKind};
///
/// let err = Error::new(ErrorKind::NotFound, "the VPC channel does not exist")
///     .with_code("APIG.3023")
///     .with_status(404)
///     .with_request_id("req-1");
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert!(!err.is_retryable());
/// assert_eq!(err.code(), Some("APIG.3023"));
/// assert_eq!(
///     err.to_string(),
///     "not_found: the VPC channel does not exist (code APIG.3023, HTTP 404, request id req-1)"
/// );
/// ```
#[derive(thiserror::Error)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    code: Option<String>,
    request_id: Option<String>,
    status: Option<u16>,
    retry_after: Option<Duration>,
    retryable: bool,
    not_sent: bool,
    earlier_attempt_unknown: bool,
    #[source]
    source: Option<Source>,
}

impl Error {
    /// A new error of `kind` with a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            code: None,
            request_id: None,
            status: None,
            retry_after: None,
            retryable: kind.is_retryable(),
            not_sent: false,
            earlier_attempt_unknown: false,
            source: None,
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for an [`ErrorKind::Unsupported`] error naming the provider and operation.
    pub fn unsupported(provider: impl fmt::Display, operation: &str) -> Self {
        Self::new(
            ErrorKind::Unsupported,
            format!("{operation} is not supported by {provider}"),
        )
    }

    /// Attach the cloud's error code (e.g. `ELB.8902`, `APIG.3023`, `4400`).
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Attach the cloud's request id.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Attach what a failed response says about itself: its HTTP status, and the
    /// `X-Request-Id` header when no request id was attached yet (a body's own id wins).
    #[must_use]
    pub fn with_response(mut self, response: &crate::transport::RawResponse) -> Self {
        self.status = Some(response.status);
        if self.request_id.is_none() {
            self.request_id = response.header_request_id();
        }
        self
    }

    /// Attach the HTTP status code of the response.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Attach how long the cloud asked us to wait before retrying.
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Override whether this error is worth retrying.
    #[must_use]
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Mark that the request certainly never reached the server (e.g. the connection
    /// was refused), so even a non-idempotent request may be sent again.
    #[must_use]
    pub fn with_not_sent(mut self) -> Self {
        self.not_sent = true;
        self
    }

    /// Mark that an earlier attempt of the same call failed without saying whether
    /// the server applied it (see [`may_have_been_applied`](Self::may_have_been_applied)).
    /// The transport sets this on the error of a later attempt, so a caller can read
    /// that error in the light of what may already have happened: a `NotFound` from a
    /// delete that follows an unknown outcome means the delete happened (see
    /// [`crate::provider::removed`]).
    #[must_use]
    pub fn with_earlier_attempt_unknown(mut self) -> Self {
        self.earlier_attempt_unknown = true;
        self
    }

    /// Attach the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Prefix the message with context, keeping everything else.
    #[must_use]
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message (ours or the cloud's).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The cloud's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The cloud's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the failed response, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// How long the cloud asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Whether retrying the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// Whether the request certainly never reached the server.
    pub fn is_not_sent(&self) -> bool {
        self.not_sent
    }

    /// Whether an earlier attempt of the call that returned this error failed
    /// without saying whether the server applied it.
    pub fn earlier_attempt_unknown(&self) -> bool {
        self.earlier_attempt_unknown
    }

    /// Whether the attempt that failed with this error may still have been applied
    /// by the server: it may have arrived (not [`is_not_sent`](Self::is_not_sent))
    /// and no answer said it was refused: the connection broke or timed out, the
    /// cloud failed (5xx), or a success status came with a body we could not read.
    /// A throttled, refused or invalid request was not applied.
    ///
    /// ```
    /// use lb_backends_core::{Error, ErrorKind};
    /// assert!(Error::new(ErrorKind::Transport, "connection reset").may_have_been_applied());
    /// assert!(!Error::new(ErrorKind::Transport, "refused").with_not_sent().may_have_been_applied());
    /// assert!(!Error::new(ErrorKind::Throttled, "slow down").may_have_been_applied());
    /// ```
    pub fn may_have_been_applied(&self) -> bool {
        if self.not_sent {
            return false;
        }
        match self.kind {
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Service => true,
            // A 2xx whose body we could not read (or no status at all).
            ErrorKind::Decode => self.status.is_none_or(|s| (200..300).contains(&s)),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        let mut details = Vec::new();
        if let Some(code) = &self.code {
            details.push(format!("code {code}"));
        }
        if let Some(status) = self.status {
            details.push(format!("HTTP {status}"));
        }
        if let Some(id) = &self.request_id {
            details.push(format!("request id {id}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(code) = &self.code {
            d.field("code", code);
        }
        if let Some(status) = self.status {
            d.field("status", &status);
        }
        if let Some(id) = &self.request_id {
            d.field("request_id", id);
        }
        if let Some(after) = self.retry_after {
            d.field("retry_after", &after);
        }
        d.field("retryable", &self.retryable);
        if self.not_sent {
            d.field("not_sent", &true);
        }
        if self.earlier_attempt_unknown {
            d.field("earlier_attempt_unknown", &true);
        }
        if let Some(source) = &self.source {
            d.field("source", &source.to_string());
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability_follows_kind_unless_overridden() {
        assert!(Error::new(ErrorKind::Throttled, "slow down").is_retryable());
        assert!(Error::new(ErrorKind::Service, "oops").is_retryable());
        assert!(!Error::new(ErrorKind::Conflict, "dup").is_retryable());
        assert!(!Error::new(ErrorKind::Service, "x")
            .with_retryable(false)
            .is_retryable());
    }

    #[test]
    fn display_without_details_is_just_kind_and_message() {
        let err = Error::invalid_input("weight 101 is above 100");
        assert_eq!(err.to_string(), "invalid_input: weight 101 is above 100");
    }

    #[test]
    fn context_prefixes_message() {
        let err = Error::new(ErrorKind::NotFound, "no such member").context("get member m1");
        assert_eq!(err.message(), "get member m1: no such member");
    }
}
