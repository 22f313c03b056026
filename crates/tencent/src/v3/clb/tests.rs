#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use lb_backends_core::{
    transport::{HttpTransport, RetryPolicy, TransportConfig},
    BackendProviderExt, Endpoint, ErrorKind, Health, InstanceState,
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

type Handler = dyn Fn(&str, &Value) -> Value + Send + Sync;

/// A server answering by `X-TC-Action` with `handler(action, body)`.
async fn serve(handler: Arc<Handler>) -> ScriptedServer {
    ScriptedServer::start_with(move |req| {
        let action = req.header("X-TC-Action").unwrap_or_default().to_owned();
        let body: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
        Reply::json(200, handler(&action, &body).to_string())
    })
    .await
}

fn client(server: &ScriptedServer) -> TencentClient {
    let transport = HttpTransport::new(TransportConfig {
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
        ..TransportConfig::default()
    })
    .unwrap();
    TencentClient::builder()
        .region("gz")
        .credentials(TencentCredentials::new("AKIDt", "k").unwrap())
        .api(TencentApi::V3)
        .endpoint_clb(Endpoint::parse(server.url()).unwrap())
        .transport(transport)
        .build()
        .unwrap()
}

fn lbs(forward: i64) -> Value {
    json!({"Response": {"LoadBalancerSet": [{"LoadBalancerId": "lb-abcd1234", "Forward": forward}],
                        "TotalCount": 1, "RequestId": "r-lb"}})
}

fn standard() -> Arc<Handler> {
    Arc::new(|action, _| match action {
        "DescribeLoadBalancers" => lbs(1),
        "DescribeTargets" => fixture("clb_describe_targets.json"),
        "DescribeTargetHealth" => fixture("clb_describe_target_health.json"),
        _ => {
            json!({"Response": {"Error": {"Code": "InvalidAction", "Message": "?"}, "RequestId": "r"}})
        }
    })
}

fn provider(server: &ScriptedServer, target: &str) -> ClbV3Provider {
    ClbV3Provider::for_target(client(server), &target.parse().unwrap()).unwrap()
}

#[tokio::test]
async fn standard_listing_joins_health_and_keeps_the_place() {
    let s = serve(standard()).await;
    let clb = provider(&s, "tencent-clb:lb-abcd1234");
    let all = clb.collect_all().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "lbl-tcp00001:ins-aaaa1111:8080",
            "lbl-tcp00001:10.0.1.23:8080",
            "lbl-http0001:loc-rule0001:ins-aaaa1111:9000",
        ]
    );
    assert_eq!(all[0].health, Health::Healthy);
    assert_eq!(all[1].health, Health::Unhealthy);
    assert_eq!(all[2].health, Health::Pending, "Unknown is pending");
    assert_eq!(all[1].instance, None, "an IP target has no instance");
    assert_eq!(all[1].weight, Some(0));
    assert_eq!(all[2].port, Some(9000));
    assert_eq!(all[2].address, Some("10.0.0.11".parse().unwrap()));
    let raw = &all[2].raw_value();
    assert_eq!(raw["ListenerId"], "lbl-http0001");
    assert_eq!(raw["LocationId"], "loc-rule0001");
    assert_eq!(raw["Protocol"], "HTTP");
    assert_eq!(raw["ListenerPort"], 80);
    assert_eq!(
        raw["Health"]["HealthStatusDetail"], "Unknown",
        "raw value kept"
    );
    assert_eq!(all[0].listener_health[0].listener_id, "lbl-tcp00001");
    // Three calls: kind, targets, health. A second listing reuses the kind.
    assert_eq!(s.request_count(), 3);
    clb.collect_all().await.unwrap();
    assert_eq!(s.request_count(), 5);
    let asked: Vec<String> = s
        .requests()
        .iter()
        .map(|r| r.header("X-TC-Action").unwrap().to_owned())
        .collect();
    assert_eq!(asked[0], "DescribeLoadBalancers");
    assert!(!asked[3..].contains(&"DescribeLoadBalancers".to_owned()));
}

#[tokio::test]
async fn every_id_round_trips_through_get_from_every_target_form() {
    let s = serve(filtering()).await;
    let whole = provider(&s, "tencent-clb:lb-abcd1234");
    for b in whole.collect_all().await.unwrap() {
        let id = ResourceId::new(b.id.clone()).unwrap();
        let parsed: BackendId = b.id.parse().unwrap();
        let mut forms = vec![
            "tencent-clb:lb-abcd1234".to_owned(),
            format!("tencent-clb:lb-abcd1234/{}", parsed.listener_id),
        ];
        if let Some(loc) = &parsed.location_id {
            forms.push(format!(
                "tencent-clb:lb-abcd1234/{}/{loc}",
                parsed.listener_id
            ));
        }
        for form in forms {
            let got = provider(&s, &form).get(&id).await.unwrap();
            assert_eq!(got, b, "{form}");
        }
    }
}

/// A server that honours `ListenerIds` and the `location-id` filter.
fn filtering() -> Arc<Handler> {
    Arc::new(|action, body| match action {
        "DescribeLoadBalancers" => lbs(1),
        "DescribeTargets" => {
            let mut all = fixture("clb_describe_targets.json");
            let ls = all["Response"]["Listeners"].as_array_mut().unwrap();
            if let Some(want) = body["ListenerIds"].as_array() {
                ls.retain(|l| want.contains(&l["ListenerId"]));
            }
            if let Some(loc) = body["Filters"][0]["Values"][0].as_str() {
                for l in ls.iter_mut() {
                    if let Some(rules) = l["Rules"].as_array_mut() {
                        rules.retain(|r| r["LocationId"] == loc);
                    }
                }
            }
            all
        }
        _ => fixture("clb_describe_target_health.json"),
    })
}

#[tokio::test]
async fn scoped_targets_send_filters_and_check_the_answer() {
    let handler = filtering();
    let s = serve(handler).await;
    let l4 = provider(&s, "tencent-clb:lb-abcd1234/lbl-tcp00001");
    assert_eq!(l4.collect_all().await.unwrap().len(), 2);
    let rule = provider(&s, "tencent-clb:lb-abcd1234/lbl-http0001/loc-rule0001");
    let got = rule.collect_all().await.unwrap();
    assert_eq!(got.len(), 1);
    let id = ResourceId::new("lbl-http0001:loc-rule0001:ins-aaaa1111:9000").unwrap();
    assert_eq!(rule.get(&id).await.unwrap().id, id.as_str());
    let empty_rule = provider(&s, "tencent-clb:lb-abcd1234/lbl-http0001/loc-rule0002");
    assert!(empty_rule.collect_all().await.unwrap().is_empty());
    let sent = s.requests();
    let body: Value = serde_json::from_str(&sent[sent.len() - 2].body).unwrap();
    assert_eq!(body["ListenerIds"], json!(["lbl-http0001"]));
    assert_eq!(body["Filters"][0]["Name"], "location-id");

    let missing = provider(&s, "tencent-clb:lb-abcd1234/lbl-nothere1");
    assert_eq!(
        missing.collect_all().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let no_rule = provider(&s, "tencent-clb:lb-abcd1234/lbl-http0001/loc-nothere");
    assert_eq!(
        no_rule.collect_all().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let l4_rule = provider(&s, "tencent-clb:lb-abcd1234/lbl-tcp00001/loc-x");
    assert_eq!(
        l4_rule.collect_all().await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn an_answer_wider_than_the_scope_is_incomplete() {
    // A server that ignores ListenerIds.
    let s = serve(standard()).await;
    let l4 = provider(&s, "tencent-clb:lb-abcd1234/lbl-tcp00001");
    let err = l4.collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Incomplete, "{err}");
}

#[tokio::test]
async fn classic_listing_uses_the_classical_calls() {
    let handler: Arc<Handler> = Arc::new(|action, _| match action {
        "DescribeLoadBalancers" => lbs(0),
        "DescribeClassicalLBTargets" => fixture("clb_describe_classical_lb_targets.json"),
        "DescribeClassicalLBHealthStatus" => {
            fixture("clb_describe_classical_lb_health_status.json")
        }
        _ => {
            json!({"Response": {"Error": {"Code": "UnsupportedOperation", "Message": "classic"}, "RequestId": "r"}})
        }
    });
    let s = serve(handler).await;
    let clb = provider(&s, "tencent-clb:lb-abcd1234");
    let all = clb.collect_all().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, "ins-9o9ex9s0");
    assert_eq!(all[0].health, Health::Healthy);
    assert_eq!(all[1].health, Health::Unhealthy);
    assert_eq!(all[0].weight, Some(44));
    assert_eq!(all[0].port, None);
    assert_eq!(
        all[1].instance.as_ref().unwrap().state,
        Some(InstanceState::Stopped)
    );
    assert_eq!(all[0].listener_health[0].listener_id, "TCP:80");
    let err = provider(&s, "tencent-clb:lb-abcd1234/lbl-1")
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn unknown_load_balancers_and_odd_bodies_are_typed_errors() {
    let handler: Arc<Handler> = Arc::new(|action, body| match action {
        "DescribeLoadBalancers" if body["LoadBalancerIds"][0] == "lb-gone0000" => {
            json!({"Response": {"LoadBalancerSet": [], "TotalCount": 0, "RequestId": "r"}})
        }
        "DescribeLoadBalancers" if body["LoadBalancerIds"][0] == "lb-odd00000" => {
            json!({"Response": {"LoadBalancerSet": [{"LoadBalancerId": "lb-odd00000", "Forward": 1}], "RequestId": "r"}})
        }
        "DescribeLoadBalancers" => {
            json!({"Response": {"LoadBalancerSet": [{"LoadBalancerId": body["LoadBalancerIds"][0], "Forward": "x"}], "RequestId": "r"}})
        }
        "DescribeTargets" => {
            json!({"Response": {"Listeners": [7, {"ListenerId": "lbl-1"}], "RequestId": "r"}})
        }
        _ => json!({"Response": {"LoadBalancers": "nope", "RequestId": "r"}}),
    });
    let s = serve(handler).await;
    let gone = provider(&s, "tencent-clb:lb-gone0000");
    assert_eq!(
        gone.collect_all().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let odd = provider(&s, "tencent-clb:lb-odd00000");
    let items: Vec<_> = odd.list().collect().await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap_err().kind(), ErrorKind::Decode);
    let forward = provider(&s, "tencent-clb:lb-fwd00000");
    assert_eq!(
        forward.collect_all().await.unwrap_err().kind(),
        ErrorKind::Decode
    );
}

#[test]
fn health_words_map_and_unknown_ones_are_kept() {
    assert_eq!(health_of(Some("Alive"), None), Health::Healthy);
    assert_eq!(health_of(Some("Dead"), Some(true)), Health::Unhealthy);
    assert_eq!(health_of(Some("Unknown"), Some(false)), Health::Pending);
    assert_eq!(health_of(Some("Close"), None), Health::Unmonitored);
    assert_eq!(
        health_of(Some("Warming"), None),
        Health::Unknown("Warming".into())
    );
    assert_eq!(health_of(None, Some(true)), Health::Healthy);
    assert_eq!(health_of(None, None), Health::NotReported);
}

#[tokio::test]
async fn a_failed_task_is_a_typed_error_naming_the_task() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let polls = Arc::new(AtomicUsize::new(0));
    let seen = polls.clone();
    let handler: Arc<Handler> = Arc::new(move |action, _| match action {
        "DescribeLoadBalancers" => lbs(1),
        "DescribeTargets" => fixture("clb_describe_targets.json"),
        "RegisterTargets" => fixture("clb_register_targets.json"),
        "DescribeTaskStatus" if seen.fetch_add(1, Ordering::SeqCst) == 0 => {
            fixture("clb_describe_task_status_in_progress.json")
        }
        _ => fixture("clb_describe_task_status_failed.json"),
    });
    let s = serve(handler).await;
    let l4 = provider(&s, "tencent-clb:lb-abcd1234/lbl-tcp00001");
    let spec = lb_backends_core::NewBackend::new(
        "10.0.0.99".parse().unwrap(),
        lb_backends_core::Port::new(8080).unwrap(),
    );
    let err = l4.add(&spec).await.unwrap_err();
    let task = fixture("clb_register_targets.json")["Response"]["RequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(err.kind(), ErrorKind::Service, "{err}");
    assert_eq!(err.request_id(), Some(task.as_str()));
    assert!(err.message().contains(&task), "{err}");
    assert!(err.message().contains("already bound"), "{err}");
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    let sent: Vec<Value> = s
        .requests()
        .iter()
        .filter(|r| r.header("X-TC-Action") == Some("RegisterTargets"))
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(
        sent,
        vec![
            json!({"LoadBalancerId": "lb-abcd1234", "ListenerId": "lbl-tcp00001",
                    "Targets": [{"EniIp": "10.0.0.99", "Port": 8080}]})
        ]
    );
}
