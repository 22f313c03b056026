//! Sending the next page's request before this page is decoded, on a guess of its
//! cursor read from the end of this page's text.
//!
//! A marker-paged listing learns its next cursor only by reading the page it is on;
//! decoding a large page takes longer than the server takes to make the next one. So a
//! provider reads a *guess* of the cursor from the page's last bytes
//! ([`tail_string`]), sends that request at once ([`FetchAhead::start`]), and decodes
//! the page meanwhile. The guess never decides anything: the page is then decoded and
//! checked as always, and its own cursor takes the answer sent ahead only when the two
//! are the same ([`FetchAhead::take`]); otherwise that answer is dropped unread and the
//! right request is sent. So a wrong guess, or a lying server, costs one request at
//! most, never an item.

use std::future::Future;

use tokio::task::JoinHandle;

use crate::Result;

/// At most one request sent ahead, keyed by the cursor it was sent with. Dropping it
/// (the listing was dropped or ended) aborts the request.
///
/// ```
/// use lb_backends_core::paging::FetchAhead;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mut ahead = FetchAhead::new();
/// ahead.start("m-2", async { Ok("page after m-2") });
/// // The page's own cursor says otherwise: the answer sent ahead is not used.
/// assert!(ahead.take("m-3").await.is_none());
/// ahead.start("m-2", async { Ok("page after m-2") });
/// assert_eq!(ahead.take("m-2").await.unwrap().unwrap(), "page after m-2");
/// # });
/// ```
#[derive(Debug)]
pub struct FetchAhead<R> {
    sent: Option<(Box<str>, JoinHandle<Result<R>>)>,
}

impl<R> Default for FetchAhead<R> {
    fn default() -> Self {
        Self { sent: None }
    }
}

impl<R: Send + 'static> FetchAhead<R> {
    /// Nothing sent ahead.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `request` ahead as the fetch for `cursor`, replacing (and aborting) any
    /// earlier one. It runs as a task of the current tokio runtime, so it moves on
    /// whenever the caller awaits; outside a runtime nothing is sent.
    pub fn start(
        &mut self,
        cursor: &str,
        request: impl Future<Output = Result<R>> + Send + 'static,
    ) {
        self.clear();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            // In the caller's span, as the request would be if sent in place.
            let request = tracing::Instrument::in_current_span(request);
            self.sent = Some((cursor.into(), runtime.spawn(request)));
        }
    }

    /// The answer to the request sent ahead for `cursor`, waited for; `None` when
    /// none was (or it was for another cursor, which is then aborted), and the caller
    /// sends its own.
    pub async fn take(&mut self, cursor: &str) -> Option<Result<R>> {
        let (sent_for, task) = self.sent.take()?;
        if &*sent_for != cursor {
            task.abort();
            return None;
        }
        // A task that panicked or was cancelled answers nothing: the caller asks again.
        task.await.ok()
    }

    /// Aborts the request sent ahead, if any.
    pub fn clear(&mut self) {
        if let Some((_, task)) = self.sent.take() {
            task.abort();
        }
    }

    /// Whether a request is out ahead.
    pub fn is_sent(&self) -> bool {
        self.sent.is_some()
    }
}

impl<R> Drop for FetchAhead<R> {
    fn drop(&mut self) {
        if let Some((_, task)) = self.sent.take() {
            task.abort();
        }
    }
}

/// How far from the end of a page [`tail_string`] looks.
const TAIL: usize = 4096;

/// A guess at the string value of the last `"key"` in the last few kilobytes of a
/// JSON text (a page's envelope usually ends with its paging object), for sending the
/// next request early: no escapes, at most 256 bytes, else `None`. Not a JSON parser
/// and never a decision: the page's real decode says what the cursor is.
///
/// ```
/// use lb_backends_core::paging::tail_string;
///
/// let page = br#"{"members": [{"id": "a"}], "page_info": {"next_marker": "a", "current_count": 1}}"#;
/// assert_eq!(tail_string(page, "next_marker"), Some("a"));
/// assert_eq!(tail_string(br#"{"page_info": {"next_marker": null}}"#, "next_marker"), None);
/// ```
pub fn tail_string<'a>(body: &'a [u8], key: &str) -> Option<&'a str> {
    let from = body.len().saturating_sub(TAIL);
    let tail = &body[from..];
    let quoted_len = key.len() + 2;
    let at = tail.windows(quoted_len).rposition(|w| {
        w[0] == b'"' && w[quoted_len - 1] == b'"' && &w[1..quoted_len - 1] == key.as_bytes()
    })?;
    let mut rest = &tail[at + quoted_len..];
    rest = skip_blanks(rest);
    rest = skip_blanks(rest.strip_prefix(b":")?);
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().take(257).position(|b| *b == b'"')?;
    let value = &rest[..end];
    if value.is_empty() || value.contains(&b'\\') {
        return None;
    }
    std::str::from_utf8(value).ok()
}

fn skip_blanks(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\n' | b'\r' | b'\t', rest @ ..] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, ErrorKind};
    use std::sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    };

    #[test]
    fn the_guess_is_the_last_plain_string_value_of_the_key() {
        fn g(s: &str) -> Option<&str> {
            tail_string(s.as_bytes(), "next_marker")
        }
        assert_eq!(
            g(r#"{"next_marker":"b","x":{"next_marker" : "c"}}"#),
            Some("c")
        );
        assert_eq!(
            g(r#"{"next_marker":"b","x":{"next_marker" :"c\"d"}}"#),
            None
        );
        assert_eq!(g(r#"{"next_marker": 7}"#), None);
        assert_eq!(g(r#"{"next_marker": ""}"#), None);
        assert_eq!(g(r#"{"next_marker": "unterminated"#), None);
        assert_eq!(g(r#"{"a_next_marker": "x"}"#), None);
        assert_eq!(
            g(&format!(r#"{{"next_marker": "{}"}}"#, "x".repeat(300))),
            None
        );
        assert_eq!(g(""), None);
        let far = format!(r#"{{"next_marker": "a", "pad": "{}"}}"#, " ".repeat(5000));
        assert_eq!(g(&far), None, "only the tail is read");
    }

    #[tokio::test]
    async fn an_answer_sent_ahead_is_used_only_for_its_own_cursor() {
        let mut ahead: FetchAhead<u32> = FetchAhead::new();
        assert!(ahead.take("a").await.is_none());
        ahead.start("a", async { Ok(1) });
        assert!(ahead.is_sent());
        assert_eq!(ahead.take("a").await.unwrap().unwrap(), 1);
        assert!(!ahead.is_sent());
        ahead.start("a", async { Err(Error::new(ErrorKind::Service, "boom")) });
        let err = ahead.take("a").await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Service);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_not_taken_is_aborted() {
        let finished = Arc::new(AtomicBool::new(false));
        let f = finished.clone();
        let slow = async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            f.store(true, Ordering::SeqCst);
            Ok(1u32)
        };
        let mut ahead = FetchAhead::new();
        ahead.start("a", slow);
        assert!(ahead.take("b").await.is_none());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(
            !finished.load(Ordering::SeqCst),
            "the wrong guess was aborted"
        );
        let f = finished.clone();
        let mut dropped = FetchAhead::new();
        dropped.start("a", async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            f.store(true, Ordering::SeqCst);
            Ok(1u32)
        });
        drop(dropped);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!finished.load(Ordering::SeqCst), "dropping aborts");
    }

    #[test]
    fn outside_a_runtime_nothing_is_sent() {
        let mut ahead = FetchAhead::new();
        ahead.start("a", async { Ok(1u32) });
        assert!(!ahead.is_sent());
    }
}
