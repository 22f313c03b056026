//! Transport behaviour against a scripted loopback server.

use std::time::Duration;

use http::Method;
use lb_backends_testkit::{Reply, ScriptedServer};

use super::*;
use crate::Endpoint;

#[derive(Debug)]
struct Plain;

impl Dialect for Plain {
    fn name(&self) -> &'static str {
        "test"
    }
    fn sign(&self, request: &mut OutgoingRequest) -> Result<()> {
        request.query.push(("signed".into(), "yes".into()));
        Ok(())
    }
    fn check(&self, response: &RawResponse) -> Result<()> {
        if response.is_success() {
            Ok(())
        } else {
            Err(error_from_status(response))
        }
    }
}

/// A server answering `replies` in order, and its endpoint.
async fn serve(replies: Vec<Reply>) -> (ScriptedServer, Endpoint) {
    let server = ScriptedServer::start(replies).await;
    let endpoint = Endpoint::parse(server.url()).unwrap();
    (server, endpoint)
}

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"n\": 1234}";
const E503: &str = "HTTP/1.1 503 Service Unavailable\r\nx-request-id: r-503\r\ncontent-length: 9\r\nconnection: close\r\n\r\n<html/>  ";
const E429: &str = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 0\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
const TRUNCATED: &str =
    "HTTP/1.1 200 OK\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"n\": ";
const E409: &str = "HTTP/1.1 409 Conflict\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

fn transport(attempts: u32) -> HttpTransport {
    HttpTransport::new(TransportConfig {
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default()
            .with_max_attempts(attempts)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(5)),
        ..TransportConfig::default()
    })
    .unwrap()
}

#[derive(Debug, serde::Deserialize)]
struct N {
    n: u32,
}

#[tokio::test]
async fn retries_5xx_429_drops_and_truncation_then_succeeds() {
    let (s, endpoint) = serve(vec![
        Reply::raw(E503),
        Reply::raw(E429),
        Reply::close(),
        Reply::raw(TRUNCATED),
        Reply::raw(OK),
    ])
    .await;
    let req = ApiRequest::new("Get", Method::GET, &endpoint).segment("x");
    let got: N = transport(5).send_json(&Plain, &req).await.unwrap();
    assert_eq!(got.n, 1234);
    let seen = s.requests();
    assert_eq!(seen.len(), 5);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("GET", "/x?signed=yes")
    );
}

#[tokio::test]
async fn gives_up_after_the_budget_with_a_retryable_error() {
    let (s, endpoint) = serve(vec![Reply::raw(E503); 10]).await;
    let req = ApiRequest::new("Get", Method::GET, &endpoint);
    let err = transport(3).send_json::<N>(&Plain, &req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert!(err.is_retryable());
    assert_eq!(err.request_id(), Some("r-503"));
    assert_eq!(s.request_count(), 3);
}

#[tokio::test]
async fn post_is_not_resent_after_an_ambiguous_failure() {
    let (s, endpoint) = serve(vec![Reply::raw(E503), Reply::raw(OK)]).await;
    let req = ApiRequest::new("Create", Method::POST, &endpoint);
    let err = transport(5).send_json::<N>(&Plain, &req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(s.request_count(), 1);
}

#[tokio::test]
async fn post_is_resent_after_throttling() {
    let (s, endpoint) = serve(vec![Reply::raw(E429), Reply::raw(OK)]).await;
    let req = ApiRequest::new("Create", Method::POST, &endpoint);
    let got: N = transport(5).send_json(&Plain, &req).await.unwrap();
    assert_eq!(got.n, 1234);
    assert_eq!(s.request_count(), 2);
}

#[tokio::test]
async fn non_retryable_errors_return_at_once() {
    let (s, endpoint) = serve(vec![Reply::raw(E409), Reply::raw(OK)]).await;
    let req = ApiRequest::new("Get", Method::GET, &endpoint);
    let err = transport(5).send_json::<N>(&Plain, &req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(s.request_count(), 1);
}

#[tokio::test]
async fn refused_connection_is_not_sent_and_retryable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let endpoint = Endpoint::parse(&format!("http://{addr}")).unwrap();
    let req = ApiRequest::new("Create", Method::POST, &endpoint);
    let err = transport(2).send_json::<N>(&Plain, &req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.is_not_sent());
    assert!(!err.to_string().contains("signed=yes"), "{err}");
}

#[test]
fn dot_segments_are_refused() {
    let endpoint = Endpoint::parse("https://example.com").unwrap();
    for bad in ["..", ".", ""] {
        let req = ApiRequest::new("Get", Method::GET, &endpoint).segment(bad);
        assert_eq!(
            req.to_outgoing().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
}

#[test]
fn html_error_pages_become_typed_errors() {
    let resp = RawResponse::new(
        502,
        http::HeaderMap::new(),
        "<html>\n<body>Bad   Gateway</body></html>",
    );
    let err = error_from_status(&resp);
    assert_eq!(err.kind(), ErrorKind::Service);
    assert!(err.message().contains("<body>Bad Gateway</body>"));
}

#[test]
fn outgoing_debug_shows_no_values() {
    let endpoint = Endpoint::parse("https://lb.api.qcloud.com").unwrap();
    let mut out = ApiRequest::new("Describe", Method::POST, &endpoint)
        .segments(["v2", "index.php"])
        .query("Token", "TOKEN-SECRET")
        .body("Signature=SIG-SECRET")
        .to_outgoing()
        .unwrap();
    out.headers
        .insert("authorization", "AUTH-SECRET".parse().unwrap());
    let shown = format!("{out:?}");
    assert!(
        shown.contains("Token") && shown.contains("/v2/index.php"),
        "{shown}"
    );
    assert!(!shown.contains("SECRET"), "{shown}");
}

const E429_LONG: &str = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 120\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
const E429_ONE: &str = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

#[tokio::test]
async fn retry_after_is_honoured_and_one_beyond_the_cap_ends_the_call() {
    // Within the cap: waited for, then retried.
    let (s, endpoint) = serve(vec![Reply::raw(E429_ONE), Reply::raw(OK)]).await;
    let req = ApiRequest::new("Get", Method::GET, &endpoint);
    let got: N = transport(3).send_json(&Plain, &req).await.unwrap();
    assert_eq!(got.n, 1234);
    assert_eq!(s.requests().len(), 2);

    // Beyond the cap (60 s by default): the throttling error at once, with the wait
    // the cloud asked for, and nothing sent again.
    let (s, endpoint) = serve(vec![Reply::raw(E429_LONG), Reply::raw(OK)]).await;
    let req = ApiRequest::new("Get", Method::GET, &endpoint);
    let err = transport(5).send_json::<N>(&Plain, &req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(s.requests().len(), 1);
}

const E404: &str = "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
const OK204: &str = "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";

#[tokio::test]
async fn not_found_after_an_attempt_that_may_have_been_applied_is_marked() {
    // The first DELETE's answer is lost (it may have been applied): the retry's 404
    // says so, and `removed` reads it as success.
    let (s, endpoint) = serve(vec![Reply::close(), Reply::raw(E404)]).await;
    let req = ApiRequest::new("Delete", Method::DELETE, &endpoint).segment("m1");
    let err = transport(5)
        .send_with(&Plain, &req, |_| Ok(()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.earlier_attempt_unknown(), "{err:?}");
    assert!(crate::provider::removed(Err(err)).is_ok());
    assert_eq!(s.request_count(), 2);

    // A 404 on the first attempt, or after a throttled one (certainly not applied),
    // is a plain not-found.
    for replies in [
        vec![Reply::raw(E404)],
        vec![Reply::raw(E429), Reply::raw(E404)],
    ] {
        let (_s, endpoint) = serve(replies).await;
        let req = ApiRequest::new("Delete", Method::DELETE, &endpoint).segment("m1");
        let err = transport(5)
            .send_with(&Plain, &req, |_| Ok(()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(!err.earlier_attempt_unknown(), "{err:?}");
        assert_eq!(
            crate::provider::removed(Err(err)).unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }

    // And a delete that works after a 5xx is just a success.
    let (_s, endpoint) = serve(vec![Reply::raw(E503), Reply::raw(OK204)]).await;
    let req = ApiRequest::new("Delete", Method::DELETE, &endpoint).segment("m1");
    transport(5)
        .send_with(&Plain, &req, |_| Ok(()))
        .await
        .unwrap();
}

/// A server that accepts connections and never answers; it keeps them open.
async fn silent_server() -> Endpoint {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    Endpoint::parse(&format!("http://{addr}")).unwrap()
}

#[tokio::test]
async fn the_deadline_bounds_a_call_as_a_whole() {
    let endpoint = silent_server().await;
    let transport = HttpTransport::new(TransportConfig {
        request_timeout: Duration::from_secs(30),
        deadline: Some(Duration::from_millis(300)),
        retry: RetryPolicy::default().with_max_attempts(5),
        ..TransportConfig::default()
    })
    .unwrap();
    let req = ApiRequest::new("ListMembers", Method::GET, &endpoint);
    let started = std::time::Instant::now();
    let err = transport.send_json::<N>(&Plain, &req).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(!err.is_retryable(), "the call's whole budget is spent");
    assert!(
        err.message()
            .contains("ListMembers did not finish within the deadline of 300ms (1 attempt)"),
        "{err}"
    );
    // The acceptance bound is the caller's: well under the 30 s request timeout.
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn no_backoff_is_slept_past_the_deadline() {
    // A 429 asking for 30 s (within the retry policy's 60 s) with a 1 s deadline:
    // the throttling error at once, not a sleep into the deadline.
    const E429_30: &str = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 30\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
    let (s, endpoint) = serve(vec![Reply::raw(E429_30), Reply::raw(OK)]).await;
    let transport = HttpTransport::new(TransportConfig {
        deadline: Some(Duration::from_secs(1)),
        ..TransportConfig::default()
    })
    .unwrap();
    let req = ApiRequest::new("Get", Method::GET, &endpoint);
    let started = std::time::Instant::now();
    let err = transport.send_json::<N>(&Plain, &req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled);
    assert_eq!(s.request_count(), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_url_that_cannot_be_built_is_a_decode_error_never_sent_nor_retried() {
    // A megabyte-long marker from the cloud makes a URL hyper refuses.
    let (s, endpoint) = serve(vec![Reply::raw(OK); 5]).await;
    let marker = "m".repeat(1 << 20);
    let req = ApiRequest::new("ListMembers", Method::GET, &endpoint).query("marker", &marker);
    let err = transport(5).send_json::<N>(&Plain, &req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(!err.is_retryable());
    assert!(err.is_not_sent());
    assert!(!err.to_string().contains("mmmm"), "no URL in the message");
    assert_eq!(s.request_count(), 0);
}

#[derive(Debug, Default)]
struct Seen(std::sync::Mutex<Vec<(String, u32)>>);

#[async_trait::async_trait]
impl AttemptHook for Seen {
    async fn before_attempt(&self, attempt: Attempt<'_>) {
        self.0
            .lock()
            .unwrap()
            .push((attempt.action.to_owned(), attempt.number));
    }
}

#[tokio::test]
async fn the_hook_runs_before_every_attempt_retries_included() {
    let (s, endpoint) = serve(vec![Reply::raw(E503), Reply::close(), Reply::raw(OK)]).await;
    let seen = Arc::new(Seen::default());
    let transport = transport(5).with_hook(seen.clone());
    let req = ApiRequest::new("Get", Method::GET, &endpoint);
    transport.send_json::<N>(&Plain, &req).await.unwrap();
    assert_eq!(s.request_count(), 3);
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("Get".to_owned(), 1),
            ("Get".to_owned(), 2),
            ("Get".to_owned(), 3)
        ]
    );
}

#[tokio::test]
async fn a_rate_limit_spaces_every_attempt() {
    let (s, endpoint) = serve(vec![Reply::raw(E503), Reply::raw(OK), Reply::raw(OK)]).await;
    let limit = RateLimit::every(Duration::from_millis(100));
    let transport = transport(5).with_hook(limit.into_hook());
    let req = ApiRequest::new("Get", Method::GET, &endpoint);
    let started = tokio::time::Instant::now();
    transport.send_json::<N>(&Plain, &req).await.unwrap();
    transport.send_json::<N>(&Plain, &req).await.unwrap();
    // Three attempts (one a retry): slots at 0, 100 and 200 ms at the earliest.
    assert_eq!(s.request_count(), 3);
    assert!(started.elapsed() >= Duration::from_millis(200));
}
