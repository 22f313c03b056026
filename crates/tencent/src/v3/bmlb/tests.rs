#![allow(clippy::unwrap_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use lb_backends_core::{
    transport::{HttpTransport, RetryPolicy, TransportConfig},
    BackendProviderExt, Endpoint, ErrorKind, Health, InstanceKind, Port, Weight,
};
use lb_backends_testkit::{Reply, ScriptedServer};
use serde_json::{json, Value};

use super::*;
use crate::{TencentApi, TencentCredentials};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/tencent3/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A server answering by `X-TC-Action` with `handler(action, body)`, recording calls.
async fn serve(
    handler: impl Fn(&str, &Value) -> Value + Send + Sync + 'static,
) -> (ScriptedServer, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let server = ScriptedServer::start_with(move |req| {
        let action = req.header("X-TC-Action").unwrap_or_default().to_owned();
        let body: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
        let answer = handler(&action, &body);
        log.lock().unwrap().push((action, body));
        Reply::json(200, answer.to_string())
    })
    .await;
    (server, seen)
}

fn provider(server: &ScriptedServer, target: &str) -> BmlbV3Provider {
    let transport = HttpTransport::new(TransportConfig {
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
        ..TransportConfig::default()
    })
    .unwrap();
    let client = TencentClient::builder()
        .region("bj")
        .credentials(TencentCredentials::new("AKIDt", "k").unwrap())
        .api(TencentApi::V3)
        .endpoint_bmlb(Endpoint::parse(server.url()).unwrap())
        .transport(transport)
        .build()
        .unwrap();
    BmlbV3Provider::for_target(client, &target.parse().unwrap()).unwrap()
}

const L7: &str = "tencent-bmlb:lb-1/lbl-1/dm-1/loc-1";

#[tokio::test]
async fn the_l7_fixture_maps_both_bind_types() {
    let (server, seen) = serve(|_, _| fixture("bmlb_describe_l7_backends.json")).await;
    let all = provider(&server, L7).collect_all().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, "cpm-px13l9jh:8080");
    assert_eq!(all[0].health, Health::Healthy);
    let host = all[0].instance.as_ref().unwrap();
    assert_eq!(
        (host.kind.clone(), host.name.as_deref()),
        (InstanceKind::BareMetal, Some("bm-web-1"))
    );
    assert_eq!(all[1].id, "10.1.0.4:555");
    assert_eq!(
        (all[1].health.clone(), all[1].weight),
        (Health::Unhealthy, Some(0))
    );
    assert!(all[1].instance.is_none());
    assert_eq!(
        all[1].health_detail.as_ref().unwrap().code.as_deref(),
        Some("Dead")
    );
    let (action, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(action, "DescribeL7Backends");
    assert_eq!(
        body,
        json!({"LoadBalancerId": "lb-1", "ListenerId": "lbl-1", "DomainId": "dm-1", "LocationId": "loc-1"})
    );
}

#[tokio::test]
async fn the_l4_fixture_lists_through_describe_l4_backends() {
    let (server, seen) = serve(|_, _| fixture("bmlb_describe_l4_backends.json")).await;
    let all = provider(&server, "tencent-bmlb:lb-1/lbl-4")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all[0].id, "cpm-bujx6q9x:5000");
    assert_eq!(all[0].raw_value()["Backend"]["ProbePort"], -1);
    assert_eq!(seen.lock().unwrap()[0].0, "DescribeL4Backends");
}

#[tokio::test]
async fn a_bind_polls_its_task_id_until_done_and_a_failed_task_names_it() {
    let polls = Arc::new(Mutex::new(0));
    let counter = polls.clone();
    let fail = Arc::new(Mutex::new(false));
    let failing = fail.clone();
    let (server, seen) = serve(move |action, _| match action {
        "BindL7Backends" | "UnbindL7Backends" => fixture("bmlb_bind_l7_backends.json"),
        "DescribeLoadBalancerTaskResult" => {
            let mut n = counter.lock().unwrap();
            *n += 1;
            if *n == 1 {
                fixture("bmlb_describe_load_balancer_task_result.json")
            } else {
                let status = if *failing.lock().unwrap() { 1 } else { 0 };
                json!({"Response": {"Status": status, "RequestId": "r-t"}})
            }
        }
        _ => {
            let mut all = fixture("bmlb_describe_l7_backends.json");
            all["Response"]["BackendSet"]
                .as_array_mut()
                .unwrap()
                .push(json!({"BindType": 1, "Port": 80, "Weight": 7, "Status": "", "InstanceId": "10.1.0.9", "LanIp": "10.1.0.9"}));
            all
        }
    })
    .await;
    let p = provider(&server, L7);
    let added = p
        .add(
            &NewBackend::new("10.1.0.9".parse().unwrap(), Port::new(80).unwrap())
                .with_weight(Weight::new(7).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(
        (added.id.as_str(), added.health.clone()),
        ("10.1.0.9:80", Health::NotReported)
    );
    let calls = seen.lock().unwrap().clone();
    let bind = calls.iter().find(|(a, _)| a == "BindL7Backends").unwrap();
    assert_eq!(bind.1["BindType"], 1);
    assert_eq!(
        bind.1["BackendSet"],
        json!([{"Port": 80, "InstanceId": "10.1.0.9", "Weight": 7}])
    );
    let polls_seen: Vec<&Value> = calls
        .iter()
        .filter(|(a, _)| a == "DescribeLoadBalancerTaskResult")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(polls_seen.len(), 2, "2 (in progress), then 0");
    assert_eq!(*polls_seen[0], json!({"TaskId": "109776LBTASKID"}));

    *fail.lock().unwrap() = true;
    *polls.lock().unwrap() = 1;
    let err = p
        .remove(&ResourceId::new("10.1.0.9:80").unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Service, Some("TaskFailed"))
    );
    assert_eq!(err.request_id(), Some("109776LBTASKID"));
    assert!(err.message().contains("UnbindL7Backends"), "{err}");
}
