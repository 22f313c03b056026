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

/// Where a lying server's offset-paged request is: the legacy `offset` and `limit`
/// query parameters, or API 3.0's `Offset` and `Limit` in the JSON body. A request
/// with neither (an API 3.0 call that does not page) is at offset 0, limit 0.
pub(crate) fn liar_position(
    request: &lb_backends_testkit::Request,
) -> (lb_backends_testkit::Position, usize) {
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
    let n = |legacy: &str, v3: &str| {
        request
            .query(legacy)
            .and_then(|v| v.parse().ok())
            .or_else(|| body[v3].as_u64())
            .unwrap_or(0)
    };
    (
        lb_backends_testkit::Position::Offset(n("offset", "Offset")),
        usize::try_from(n("limit", "Limit")).unwrap(),
    )
}

/// A lie's total as Tencent would write it (`totalCount`, `TotalCount`): `null` when
/// absent, a string of letters when of the wrong type.
pub(crate) fn total_claim(lie: &lb_backends_testkit::Lie) -> serde_json::Value {
    use lb_backends_testkit::Claim;
    match &lie.total {
        Claim::Absent => serde_json::Value::Null,
        Claim::Int(n) => serde_json::json!(n),
        Claim::Text(t) => serde_json::json!(t),
        Claim::WrongType => serde_json::json!("many"),
    }
}

/// An API 3.0 answer: `fields` (an object) and a `RequestId`, under `Response`.
pub(crate) fn v3_reply(fields: serde_json::Value) -> Reply {
    let mut response = fields;
    response["RequestId"] = serde_json::json!("r-test");
    Reply::json(200, serde_json::json!({ "Response": response }).to_string())
}

/// A lie as an API 3.0 `DescribeLoadBalancers` page (CLB and BMLB alike): its ids as
/// `LoadBalancerSet` records (`LoadBalancerId`, a name), its total as `TotalCount`
/// (left out when absent), and the fields of `extra` (an object).
pub(crate) fn lb_page_reply(lie: &lb_backends_testkit::Lie, extra: serde_json::Value) -> Reply {
    let set: Vec<_> = lie
        .ids
        .iter()
        .map(|id| serde_json::json!({"LoadBalancerId": id, "LoadBalancerName": format!("n-{id}")}))
        .collect();
    let mut fields = extra;
    fields["LoadBalancerSet"] = serde_json::json!(set);
    if lie.total != lb_backends_testkit::Claim::Absent {
        fields["TotalCount"] = total_claim(lie);
    }
    v3_reply(fields)
}

/// Every target a discovery yields before its first error, and that error's kind.
pub(crate) async fn discover_all(
    discoverer: &dyn lb_backends_core::discover::Discoverer,
) -> (Vec<String>, Option<lb_backends_core::ErrorKind>) {
    use futures::StreamExt;
    let mut stream = discoverer.targets(None);
    let mut targets = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => targets.push(info.target.to_string()),
            Err(e) => return (targets, Some(e.kind())),
        }
    }
    (targets, None)
}
