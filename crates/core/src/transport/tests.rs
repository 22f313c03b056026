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
