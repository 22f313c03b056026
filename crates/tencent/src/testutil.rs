//! A tiny scripted HTTP server for the providers' unit tests: it answers each GET
//! from a closure over its query parameters.

#![allow(clippy::unwrap_used)] // test-only helper

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use lb_backends_core::{
    transport::{HttpTransport, RetryPolicy, TransportConfig},
    Endpoint,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::{TencentClient, TencentCredentials};

pub(crate) type Handler = dyn Fn(&HashMap<String, String>) -> (u16, String) + Send + Sync;

/// A running server: its endpoint and every query it saw.
pub(crate) struct Server {
    pub endpoint: Endpoint,
    pub seen: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

pub(crate) async fn serve(handler: Arc<Handler>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let handler = handler.clone();
            let seen = seen2.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let query: HashMap<String, String> = target
                    .split_once('?')
                    .map(|(_, q)| q)
                    .unwrap_or("")
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                let (status, body) = handler(&query);
                seen.lock().unwrap().push(query);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Server {
        endpoint: Endpoint::parse(&format!("http://{addr}")).unwrap(),
        seen,
    }
}

/// A client for `endpoint` (both services) with fast retries.
pub(crate) fn client(endpoint: &Endpoint) -> TencentClient {
    let transport = HttpTransport::new(TransportConfig {
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default()
            .with_max_attempts(4)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
        ..TransportConfig::default()
    })
    .unwrap();
    TencentClient::builder()
        .region("gz")
        .credentials(TencentCredentials::new("AKIDtest", "key").unwrap())
        .endpoint_clb(endpoint.clone())
        .endpoint_bmlb(endpoint.clone())
        .transport(transport)
        .build()
        .unwrap()
}

/// The `offset` and `limit` of a query.
pub(crate) fn window(q: &HashMap<String, String>) -> (usize, usize) {
    let n = |k: &str| q.get(k).and_then(|v| v.parse().ok());
    (n("offset").unwrap_or(0), n("limit").unwrap_or(20))
}
