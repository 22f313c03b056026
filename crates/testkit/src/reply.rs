//! What the server does with one request, and doing it.

use std::time::Duration;

use tokio::{io::AsyncWriteExt, net::TcpStream};

/// What a [`ScriptedServer`](crate::ScriptedServer) does with one request.
///
/// ```
/// use std::time::Duration;
/// use lb_backends_testkit::Reply;
///
/// let throttled = Reply::json(429, "{}").with_header("retry-after", "0");
/// let slow = Reply::json(201, r#"{"id": "m1"}"#).with_delay(Duration::from_millis(10));
/// let truncated = Reply::raw("HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{\"n\": ");
/// let dropped = Reply::close();
/// # let _ = (throttled, slow, truncated, dropped);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    action: Action,
    delay: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    Raw(String),
    Close,
}

impl Reply {
    /// A response with `status`, `content-type: application/json` and `body` (which
    /// need not be JSON). `content-length` and `connection: close` are added when it
    /// is sent.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::status(status, body).with_header("content-type", "application/json")
    }

    /// A response with `status` and `body`, and no header but `content-length` and
    /// `connection: close` (added when it is sent).
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Self::new(Action::Respond {
            status,
            headers: Vec::new(),
            body: body.into(),
        })
    }

    /// `text` written as it is (status line, headers and body, or anything else, such
    /// as a body shorter than its `content-length`), then the connection is closed.
    pub fn raw(text: impl Into<String>) -> Self {
        Self::new(Action::Raw(text.into()))
    }

    /// Close the connection without answering.
    pub fn close() -> Self {
        Self::new(Action::Close)
    }

    /// The same response with one more header.
    ///
    /// # Panics
    /// On a [`raw`](Self::raw) or [`close`](Self::close) reply, which has no headers
    /// to add to.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        match &mut self.action {
            Action::Respond { headers, .. } => headers.push((name.to_owned(), value.to_owned())),
            other => panic!("with_header applies to a response, not to {other:?}"),
        }
        self
    }

    /// The same reply, given after `delay`.
    #[must_use]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn new(action: Action) -> Self {
        Self {
            action,
            delay: Duration::ZERO,
        }
    }

    /// Do it on `socket`, which is closed afterwards.
    pub(crate) async fn send(self, mut socket: TcpStream) {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let text = match self.action {
            Action::Close => return,
            Action::Raw(text) => text,
            Action::Respond {
                status,
                headers,
                body,
            } => {
                let mut text = format!("HTTP/1.1 {status} X\r\n");
                for (name, value) in &headers {
                    text.push_str(&format!("{name}: {value}\r\n"));
                }
                text.push_str(&format!(
                    "content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                ));
                text
            }
        };
        let _ = socket.write_all(text.as_bytes()).await;
        let _ = socket.shutdown().await;
    }
}
