//! Exit codes, and the one line an error is reported as.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | ok |
//! | 1 | anything else (conflict, undecodable answer, incomplete listing, mixed inventory failures) |
//! | 2 | usage or invalid input, or an operation the provider does not support |
//! | 3 | authentication or permission (credentials missing or refused, clock skew, an unsafe config file) |
//! | 4 | not found |
//! | 5 | throttled, service error, network error or timeout, after retries |
//! | 6 | a waiter timed out (`wait`, `--wait`, `apply --wait`): the last state of each backend is printed |
//! | 7 | refused by a safety rule before anything was written (drain's last healthy backend, apply's `--max-remove`); `--force` overrides |

use std::{fmt::Write as _, io, process::ExitCode};

use lb_backends::{Error, ErrorKind};

/// Success.
pub const OK: u8 = 0;
/// Anything else.
pub const OTHER: u8 = 1;
/// Usage or invalid input (also clap's code for usage errors).
pub const USAGE: u8 = 2;
/// Authentication or permission.
pub const AUTH: u8 = 3;
/// Not found.
pub const NOT_FOUND: u8 = 4;
/// Throttled or service/network error after retries.
pub const UNAVAILABLE: u8 = 5;

/// A waiter ran out of time.
pub const WAIT_TIMEOUT: u8 = 6;
/// A safety rule refused the change; nothing was written.
pub const REFUSED: u8 = 7;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Report this line (after `lbb: `) and exit with this code.
    Exit {
        /// The exit code.
        code: u8,
        /// The line.
        message: String,
    },
    /// An lb-backends error (from the cloud or our own checks).
    Lbb(Error),
    /// Writing the output failed.
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Lbb(e)
    }
}

impl From<lb_backends::workflow::WorkflowError> for Failure {
    fn from(e: lb_backends::workflow::WorkflowError) -> Self {
        use lb_backends::workflow::WorkflowError;
        match e {
            WorkflowError::Failed(e) => Self::Lbb(e),
            WorkflowError::Refused(why) => Self::Exit {
                code: REFUSED,
                message: format!("refused: {why}"),
            },
            WorkflowError::TimedOut(t) => Self::Exit {
                code: WAIT_TIMEOUT,
                message: format!("wait: {t}"),
            },
            other => Self::Lbb(other.into_error()),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Self::Output(e)
    }
}

/// The exit code of an error of `kind`.
pub fn code_of(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::Unsupported => USAGE,
        ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::Clock => AUTH,
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::Throttled | ErrorKind::Service | ErrorKind::Transport | ErrorKind::Timeout => {
            UNAVAILABLE
        }
        _ => OTHER,
    }
}

/// `not found: the VPC channel does not exist (code APIG.3023, HTTP 404, request id r1)`.
pub fn describe(e: &Error) -> String {
    let mut line = format!("{}: {}", e.kind().as_str().replace('_', " "), e.message());
    let mut details = Vec::new();
    if let Some(code) = e.code() {
        details.push(format!("code {code}"));
    }
    if let Some(status) = e.status() {
        details.push(format!("HTTP {status}"));
    }
    if let Some(id) = e.request_id() {
        details.push(format!("request id {id}"));
    }
    if !details.is_empty() {
        let _ = write!(line, " ({})", details.join(", "));
    }
    // One line, and no control character from the cloud reaches the terminal.
    crate::output::printable(&line.replace(['\n', '\r'], " "))
}

/// Report `result` on stderr (one line, no backtrace) and turn it into an exit code.
pub fn finish(result: Result<u8, Failure>) -> ExitCode {
    let code = match result {
        Ok(code) => code,
        Err(Failure::Exit { code, message }) => {
            eprintln!(
                "lbb: {}",
                crate::output::printable(&message.replace(['\n', '\r'], " "))
            );
            code
        }
        Err(Failure::Lbb(e)) => {
            eprintln!("lbb: {}", describe(&e));
            code_of(e.kind())
        }
        // `lbb list | head`: the reader left; nothing is wrong.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => OK,
        Err(Failure::Output(e)) => {
            eprintln!("lbb: cannot write the output: {e}");
            OTHER
        }
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_codes() {
        assert_eq!(code_of(ErrorKind::InvalidInput), 2);
        assert_eq!(code_of(ErrorKind::Unsupported), 2);
        assert_eq!(code_of(ErrorKind::Unauthorized), 3);
        assert_eq!(code_of(ErrorKind::Forbidden), 3);
        assert_eq!(code_of(ErrorKind::NotFound), 4);
        assert_eq!(code_of(ErrorKind::Throttled), 5);
        assert_eq!(code_of(ErrorKind::Service), 5);
        assert_eq!(code_of(ErrorKind::Conflict), 1);
        assert_eq!(code_of(ErrorKind::Decode), 1);
    }

    #[test]
    fn one_line_with_code_and_request_id() {
        let e = Error::new(ErrorKind::NotFound, "The VPC channel\ndoes not exist")
            .with_code("APIG.3023")
            .with_status(404)
            .with_request_id("abc");
        assert_eq!(
            describe(&e),
            "not found: The VPC channel does not exist (code APIG.3023, HTTP 404, request id abc)"
        );
    }
}
