//! The HTTP server: the accept loop (hyper HTTP/1.1 on a tokio `TcpListener`), and the
//! service wrapped around the axum router that counts and logs every request, adds the
//! `X-Request-Id` header, and applies latency and faults.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderValue, Request, Response};
use axum::Router;
use futures::StreamExt as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::faults::{self, ApiFamily, FaultKind, FaultState};
use crate::state::{lock, RequestId};
use crate::util::request_id;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path as received (still percent-encoded).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The status sent; `None` when no answer was sent (dropped connection, or still
    /// being handled).
    pub status: Option<u16>,
    /// The fault injected into this request, if any.
    pub fault: Option<FaultKind>,
    /// When the request arrived (its head was read), as time since the emulator
    /// started, on a monotonic clock: what a test of a client's rate limit counts
    /// windows with. Not reset by [`Emulator::reset_request_count`].
    ///
    /// [`Emulator::reset_request_count`]: crate::Emulator::reset_request_count
    pub received_at: Duration,
}

/// The request counter and the request log (bounded: the oldest entries go first).
#[derive(Debug)]
pub(crate) struct Telemetry {
    started: Instant,
    count: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    log: Mutex<Log>,
}

/// Counts one request as in flight until dropped, on every way out of the handler.
struct InFlight<'a>(&'a Telemetry);

impl<'a> InFlight<'a> {
    fn enter(t: &'a Telemetry) -> Self {
        let now = t.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        t.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(t)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Debug)]
struct Log {
    /// Sequence number of `entries[0]`.
    base: u64,
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
}

impl Telemetry {
    pub(crate) fn new(capacity: usize) -> Telemetry {
        Telemetry {
            started: Instant::now(),
            count: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            log: Mutex::new(Log {
                base: 0,
                entries: VecDeque::new(),
                capacity,
            }),
        }
    }

    /// Counts a request and logs it; returns its log sequence number.
    fn record(&self, entry: RecordedRequest) -> u64 {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut log = lock(&self.log);
        if log.capacity == 0 {
            return u64::MAX;
        }
        log.entries.push_back(entry);
        let seq = log.base + log.entries.len() as u64 - 1;
        if log.entries.len() > log.capacity {
            log.entries.pop_front();
            log.base += 1;
        }
        seq
    }

    fn set_status(&self, seq: u64, status: u16) {
        let mut log = lock(&self.log);
        let Some(i) = seq.checked_sub(log.base) else {
            return;
        };
        if let Some(e) = usize::try_from(i).ok().and_then(|i| log.entries.get_mut(i)) {
            e.status = Some(status);
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The most requests that were being handled at once.
    pub(crate) fn max_in_flight(&self) -> u64 {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).entries.iter().cloned().collect()
    }

    /// Zeroes the counters and empties the log.
    pub(crate) fn reset(&self) {
        self.count.store(0, Ordering::Relaxed);
        self.max_in_flight
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
        let mut log = lock(&self.log);
        log.base += log.entries.len() as u64;
        log.entries.clear();
    }
}

/// What the per-request service needs.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub router: Router,
    pub telemetry: Telemetry,
    pub faults: FaultState,
}

/// Adds `X-Request-Id` (when the handler did not) and logs the status.
fn finish(ctx: &Ctx, seq: u64, rid: &str, mut resp: Response<Body>) -> Response<Body> {
    if !resp.headers().contains_key("x-request-id") {
        if let Ok(v) = HeaderValue::from_str(rid) {
            resp.headers_mut().insert("x-request-id", v);
        }
    }
    ctx.telemetry.set_status(seq, resp.status().as_u16());
    resp
}

/// Headers with the full `Content-Length`, half the body, a pause (so the bytes are
/// flushed), then an error: hyper aborts the connection mid-body.
async fn truncate(resp: Response<Body>) -> Result<Response<Body>, BoxError> {
    let (mut parts, body) = resp.into_parts();
    let bytes = to_bytes(body, usize::MAX).await?;
    if bytes.len() < 2 {
        return Err("injected fault: nothing to truncate, connection dropped".into());
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let head = bytes.slice(..bytes.len() / 2);
    let stream = futures::stream::iter([Ok::<_, std::io::Error>(head)]).chain(
        futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(std::io::Error::other("injected fault: truncated body"))
        }),
    );
    Ok(Response::from_parts(parts, Body::from_stream(stream)))
}

/// One request through counting, latency, faults and the router.
async fn handle(ctx: Arc<Ctx>, req: Request<Incoming>) -> Result<Response<Body>, BoxError> {
    let received_at = ctx.telemetry.started.elapsed();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let decision = ctx.faults.decide(&method, &path);
    let _in_flight = InFlight::enter(&ctx.telemetry);
    let seq = ctx.telemetry.record(RecordedRequest {
        method: method.to_string(),
        path: path.clone(),
        query: req.uri().query().map(str::to_string),
        status: None,
        fault: decision.fault,
        received_at,
    });
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let rid = request_id();
    if let Some(kind) = decision.fault {
        if kind == FaultKind::DropConnection {
            return Err("injected fault: connection dropped".into());
        }
        if let Some(resp) = faults::render(kind, ApiFamily::of(&path), &decision, &rid) {
            return Ok(finish(&ctx, seq, &rid, resp));
        }
    }
    let mut req = req.map(Body::new);
    req.extensions_mut().insert(RequestId(rid.clone()));
    let resp = match ctx.router.clone().oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    match decision.fault {
        Some(FaultKind::DropAfterCommit) => {
            // The handler has run to completion: the change is committed.
            drop(resp);
            Err("injected fault: connection dropped after commit".into())
        }
        Some(FaultKind::TruncatedBody) => truncate(finish(&ctx, seq, &rid, resp)).await,
        _ => Ok(finish(&ctx, seq, &rid, resp)),
    }
}

async fn serve_connection(stream: TcpStream, ctx: Arc<Ctx>, mut shutdown: watch::Receiver<bool>) {
    let service = hyper::service::service_fn(move |req| handle(ctx.clone(), req));
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Accepts connections until `shutdown` changes (or its sender is dropped), then lets
/// open connections finish their current request (at most 5 s).
pub(crate) async fn serve(
    listener: TcpListener,
    ctx: Arc<Ctx>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns: JoinSet<()> = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, ctx.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        conns.abort_all();
    }
}

/// The answer when no route matches (also for a known path with another method).
pub(crate) async fn no_such_api(RequestId(rid): RequestId) -> axum::response::Response {
    use axum::response::IntoResponse;
    crate::huawei::errors::HuaweiError::no_such_api(&rid).into_response()
}
