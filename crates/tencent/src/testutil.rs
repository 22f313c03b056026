//! What the providers' unit tests share: a [`ScriptedServer`] that answers each
//! legacy call from its query parameters, and a client for it.

#![allow(clippy::unwrap_used)] // test-only helper

use std::{collections::HashMap, time::Duration};

use lb_backends_core::{
    transport::{HttpTransport, RetryPolicy, TransportConfig},
    Endpoint,
};
use lb_backends_testkit::{Reply, ScriptedServer};

use crate::{TencentClient, TencentCredentials};

/// The query parameters of one call, as sent (still percent-encoded).
pub(crate) type Query = HashMap<String, String>;

/// A server answering every call with the `(status, JSON body)` that `handler`
/// makes of its query parameters.
pub(crate) async fn serve(
    handler: impl Fn(&Query) -> (u16, String) + Send + Sync + 'static,
) -> ScriptedServer {
    ScriptedServer::start_with(move |request| {
        let (status, body) = handler(&query(request));
        Reply::json(status, body)
    })
    .await
}

/// The query parameters of every call `server` received, in order.
pub(crate) fn queries(server: &ScriptedServer) -> Vec<Query> {
    server.requests().iter().map(query).collect()
}

fn query(request: &lb_backends_testkit::Request) -> Query {
    request
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A client for `server` (both services) with fast retries.
pub(crate) fn client(server: &ScriptedServer) -> TencentClient {
    let endpoint = Endpoint::parse(server.url()).unwrap();
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
        .endpoint_bmlb(endpoint)
        .transport(transport)
        .build()
        .unwrap()
}

/// The `offset` and `limit` of a query.
pub(crate) fn window(q: &Query) -> (usize, usize) {
    let n = |k: &str| q.get(k).and_then(|v| v.parse().ok());
    (n("offset").unwrap_or(0), n("limit").unwrap_or(20))
}
