//! Test helpers for the unit tests of **lb-backends**' own crates (not published).
//!
//! [`ScriptedServer`] is a tiny HTTP/1.1 server on `127.0.0.1` that answers each
//! request with a scripted [`Reply`] (a response, raw bytes such as a truncated body,
//! or a dropped connection) and records every [`Request`] it received: what the
//! transport and the providers' unit tests need to see what a client sent and how
//! it copes with what came back. End-to-end behaviour against the real APIs'
//! semantics is the emulator's job, not this one's.
//!
//! [`Liar`]s are scripted adversaries for listings (a repeating page, a cursor
//! cycle, wrong totals, a cursor of the wrong type, a page over the limit, ids that
//! change on every page), rendered by each provider's tests in its API's shape.
//!
//! This crate depends on nothing of ours, so `lb-backends-core` itself can use it as
//! a dev-dependency.
//!
//! ```
//! use lb_backends_testkit::{Reply, ScriptedServer};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = ScriptedServer::start([Reply::json(200, r#"{"ok": true}"#)]).await;
//!
//! let mut socket = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
//! socket.write_all(b"GET /v1/items?limit=2 HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
//! let mut answer = String::new();
//! socket.read_to_string(&mut answer).await.unwrap();
//! assert!(answer.starts_with("HTTP/1.1 200 "));
//! assert!(answer.ends_with(r#"{"ok": true}"#));
//!
//! let seen = server.requests();
//! assert_eq!((seen[0].method.as_str(), seen[0].path()), ("GET", "/v1/items"));
//! assert_eq!(seen[0].query("limit"), Some("2"));
//! assert_eq!(seen[0].header("Host"), Some("x"));
//! # }
//! ```
#![deny(missing_docs)]

mod liar;
mod reply;
mod request;

use std::{
    collections::VecDeque,
    fmt,
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard,
    },
};

use tokio::{net::TcpListener, task::JoinHandle};

pub use liar::{Claim, Liar, Lie, Position};
pub use reply::Reply;
pub use request::Request;

/// How a server computes a reply.
type Respond = dyn Fn(&Request) -> Reply + Send + Sync;

/// A scripted HTTP/1.1 server on a free loopback port, one request per connection
/// (every response says `connection: close`).
///
/// Requests are served concurrently; each is recorded, in order of arrival, before
/// it is answered. The server stops accepting when it is dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

struct Shared {
    respond: Box<Respond>,
    requests: Mutex<Vec<Request>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl ScriptedServer {
    /// A server that answers requests with `replies`, in order; once they are used
    /// up, every further connection is closed without an answer.
    ///
    /// # Panics
    /// When no loopback port can be bound (the test environment is broken).
    pub async fn start(replies: impl IntoIterator<Item = Reply>) -> Self {
        let queue = Mutex::new(replies.into_iter().collect::<VecDeque<_>>());
        Self::start_with(move |_| lock(&queue).pop_front().unwrap_or_else(Reply::close)).await
    }

    /// A server that answers each request with what `respond` makes of it
    /// ([`Request::index`] tells which request of the run it is).
    ///
    /// # Panics
    /// When no loopback port can be bound (the test environment is broken).
    pub async fn start_with(respond: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a test server binds a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            respond: Box::new(respond),
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        Self {
            addr,
            url: format!("http://{addr}"),
            shared,
            accept,
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// The most requests that were ever being answered at once (a reply's
    /// [delay](Reply::with_delay) included): `1` proves that a client serialised
    /// its calls.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl fmt::Debug for ScriptedServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedServer")
            .field("url", &self.url)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((mut socket, _)) = listener.accept().await {
        let shared = shared.clone();
        tokio::spawn(async move {
            let Some(mut request) = request::read(&mut socket).await else {
                return;
            };
            let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
            {
                let mut requests = lock(&shared.requests);
                request.index = requests.len();
                requests.push(request.clone());
            }
            let reply = (shared.respond)(&request);
            reply.send(socket).await;
            shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// The guarded value, also after a panic in another test task.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
    };

    use super::*;

    async fn exchange(server: &ScriptedServer, request: &str) -> String {
        let mut socket = TcpStream::connect(server.addr()).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        let _ = socket.read_to_string(&mut answer).await;
        answer
    }

    #[tokio::test]
    async fn replies_are_used_in_order_then_connections_close() {
        let server = ScriptedServer::start([
            Reply::raw("HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{\"n\": "),
            Reply::close(),
            Reply::json(503, "{}").with_header("retry-after", "0"),
        ])
        .await;
        let get = "GET / HTTP/1.1\r\n\r\n";
        assert_eq!(
            exchange(&server, get).await,
            "HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{\"n\": ",
            "raw text goes out as it is"
        );
        assert_eq!(exchange(&server, get).await, "");
        let answer = exchange(&server, get).await;
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        assert!(answer.contains("\r\nretry-after: 0\r\n"), "{answer}");
        assert!(answer.contains("\r\ncontent-type: application/json\r\n"));
        assert!(answer.ends_with("\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"));
        assert_eq!(exchange(&server, get).await, "", "the script is used up");
        assert_eq!(server.request_count(), 4);
    }

    #[tokio::test]
    async fn requests_are_recorded_whole() {
        let server = ScriptedServer::start_with(|req| {
            Reply::json(200, format!("{}:{}", req.index, req.body))
        })
        .await;
        let answer = exchange(
            &server,
            "POST /a/b?x=1&y=&z&x=2 HTTP/1.1\r\nContent-Type: text/plain\r\ncontent-length: 5\r\n\r\nhello",
        )
        .await;
        assert!(answer.ends_with("\r\n\r\n0:hello"), "{answer}");
        exchange(&server, "DELETE /c HTTP/1.1\r\n\r\n").await;
        assert_eq!(server.url(), format!("http://{}", server.addr()));

        let seen = server.requests();
        let post = &seen[0];
        assert_eq!((post.index, post.method.as_str()), (0, "POST"));
        assert_eq!(post.target, "/a/b?x=1&y=&z&x=2");
        assert_eq!(post.path(), "/a/b");
        assert_eq!(post.query("x"), Some("1"), "the first of a repeated key");
        assert_eq!(
            post.query_pairs(),
            [("x", "1"), ("y", ""), ("z", ""), ("x", "2")]
        );
        assert_eq!(post.query("w"), None);
        assert_eq!(post.header("content-type"), Some("text/plain"));
        assert_eq!(post.body, "hello");
        assert_eq!((seen[1].index, seen[1].path()), (1, "/c"));
        assert!(seen[1].query_pairs().is_empty());
    }

    #[tokio::test]
    async fn delays_show_in_max_in_flight() {
        let server = ScriptedServer::start_with(|_| {
            Reply::json(200, "{}").with_delay(Duration::from_millis(50))
        })
        .await;
        let get = "GET / HTTP/1.1\r\n\r\n";
        exchange(&server, get).await;
        assert_eq!(server.max_in_flight(), 1);
        tokio::join!(exchange(&server, get), exchange(&server, get));
        assert_eq!(server.max_in_flight(), 2);
    }
}
