//! BMLB discovery (`DescribeLoadBalancers`, `DescribeL7Listeners`, `DescribeL7Rules`,
//! `DescribeL4Listeners`) under the lying servers, and the shapes of the sets it walks.

#![allow(clippy::unwrap_used)]

use futures::TryStreamExt;
use lb_backends_core::ErrorKind;
use lb_backends_testkit::{Liar, Request, ScriptedServer};
use serde_json::{json, Value};

use super::*;
use crate::testutil::{client, discover_all, lb_page_reply, liar_position, v3_reply};

/// One listener of each load balancer, as `DescribeL7Listeners` answers.
fn listeners() -> Value {
    json!({"ListenerSet": [{"ListenerId": "lbl-1", "Protocol": "http", "LoadBalancerPort": 80}]})
}

/// One domain of one location, as `DescribeL7Rules` answers.
fn rules() -> Value {
    json!({"RuleSet": [{"DomainId": "dm-1", "Domain": "a.example",
        "LocationSet": [{"LocationId": "loc-1", "Url": "/"}]}]})
}

fn action(request: &Request) -> &str {
    request.header("X-TC-Action").unwrap()
}

/// A region of `n` load balancers (`lb-0000000I`), each with one layer-7 listener and
/// one location and no layer-4 listener, answered honestly; `answer` may replace any
/// answer (by action and request index).
async fn region(
    n: usize,
    answer: impl Fn(&str, usize) -> Option<Value> + Send + Sync + 'static,
) -> ScriptedServer {
    ScriptedServer::start_with(move |request| {
        let act = action(request);
        if let Some(fields) = answer(act, request.index) {
            return v3_reply(fields);
        }
        match act {
            DESCRIBE_LISTENERS => v3_reply(listeners()),
            DESCRIBE_RULES => v3_reply(rules()),
            DESCRIBE_L4_LISTENERS => v3_reply(json!({"ListenerSet": []})),
            _ => {
                let (lb_backends_testkit::Position::Offset(offset), limit) = liar_position(request)
                else {
                    unreachable!()
                };
                let offset = usize::try_from(offset).unwrap();
                let set: Vec<_> = (offset..n.min(offset + limit))
                    .map(|i| json!({"LoadBalancerId": format!("lb-{i:08}")}))
                    .collect();
                v3_reply(json!({"TotalCount": n, "LoadBalancerSet": set}))
            }
        }
    })
    .await
}

fn path(i: usize) -> String {
    format!("tencent-bmlb:lb-{i:08}/lbl-1/dm-1/loc-1")
}

/// The `(Offset, Limit)` of every `DescribeLoadBalancers` request `server` received.
fn windows(server: &ScriptedServer) -> Vec<(u64, u64)> {
    server
        .requests()
        .iter()
        .filter(|r| action(r) == DESCRIBE_LBS)
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            (
                body["Offset"].as_u64().unwrap(),
                body["Limit"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_honest_listing_of_several_pages_is_read_exactly() {
    for n in [10, 8] {
        let s = region(n, |_, _| None).await;
        let paths = BmlbDiscoverer::new(client(&s)).with_page_size(4);
        let (targets, err) = discover_all(&paths).await;
        assert_eq!((targets, err), ((0..n).map(path).collect(), None), "{n}");
        assert_eq!(windows(&s), [(0, 4), (4, 4), (8, 4)], "{n}");
        assert_eq!(s.request_count(), 3 + 3 * n, "{n}");
    }
    // Empty sets are empty: no load balancer; a load balancer without listeners, a
    // listener without domains, a domain without locations.
    let s = region(0, |_, _| None).await;
    assert_eq!(
        discover_all(&BmlbDiscoverer::new(client(&s))).await,
        (vec![], None)
    );
    for (act, fields) in [
        (DESCRIBE_LISTENERS, json!({"ListenerSet": []})),
        (DESCRIBE_RULES, json!({"RuleSet": []})),
        (
            DESCRIBE_RULES,
            json!({"RuleSet": [{"DomainId": "dm-1", "LocationSet": []}]}),
        ),
    ] {
        let s = region(1, move |a, _| (a == act).then(|| fields.clone())).await;
        assert_eq!(
            discover_all(&BmlbDiscoverer::new(client(&s))).await,
            (vec![], None)
        );
    }
}

/// The load balancers' set and total are paging signals: missing, `null` or of the
/// wrong type, the listing ends `Incomplete` (not as a decoding error, not as an
/// empty page).
#[tokio::test]
async fn a_set_or_total_of_the_wrong_shape_is_incomplete() {
    let lb = json!([{"LoadBalancerId": "lb-00000001"}]);
    for fields in [
        json!({"TotalCount": 1, "LoadBalancerSet": {"0": {"LoadBalancerId": "lb-00000001"}}}),
        json!({"TotalCount": 1, "LoadBalancerSet": "lb-00000001"}),
        json!({"TotalCount": 0, "LoadBalancerSet": null}),
        json!({"TotalCount": 0}),
        json!({"TotalCount": "many", "LoadBalancerSet": lb}),
        json!({"TotalCount": [1], "LoadBalancerSet": lb}),
        json!({"TotalCount": -1, "LoadBalancerSet": lb}),
        json!({"TotalCount": null, "LoadBalancerSet": lb}),
        json!({"LoadBalancerSet": lb}),
    ] {
        let body = fields.clone();
        let s = region(1, move |a, _| (a == DESCRIBE_LBS).then(|| body.clone())).await;
        let (targets, err) = discover_all(&BmlbDiscoverer::new(client(&s))).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{fields}: {targets:?}");
        assert!(targets.is_empty(), "{fields}");
        assert_eq!(s.request_count(), 1, "{fields}: no location is asked for");
    }
}

/// The nested sets (listeners, domains, locations) are what the listing of each
/// load balancer's locations stands on: missing, `null` or of the wrong type, the
/// listing ends `Incomplete` there, after the locations read before.
#[tokio::test]
async fn a_nested_set_of_the_wrong_shape_is_incomplete() {
    for (act, fields) in [
        (DESCRIBE_LISTENERS, json!({})),
        (DESCRIBE_LISTENERS, json!({"ListenerSet": null})),
        (
            DESCRIBE_LISTENERS,
            json!({"ListenerSet": {"ListenerId": "lbl-1"}}),
        ),
        (DESCRIBE_LISTENERS, json!({"ListenerSet": "lbl-1"})),
        (DESCRIBE_L4_LISTENERS, json!({})),
        (DESCRIBE_L4_LISTENERS, json!({"ListenerSet": null})),
        (
            DESCRIBE_L4_LISTENERS,
            json!({"ListenerSet": {"ListenerId": "lbl-4"}}),
        ),
        (DESCRIBE_RULES, json!({})),
        (DESCRIBE_RULES, json!({"RuleSet": null})),
        (DESCRIBE_RULES, json!({"RuleSet": 7})),
        (DESCRIBE_RULES, json!({"RuleSet": [{"DomainId": "dm-1"}]})),
        (
            DESCRIBE_RULES,
            json!({"RuleSet": [{"DomainId": "dm-1", "LocationSet": null}]}),
        ),
        (
            DESCRIBE_RULES,
            json!({"RuleSet": [{"DomainId": "dm-1", "LocationSet": {}}]}),
        ),
    ] {
        // Two load balancers: the second's answer is the malformed one (the first's
        // are requests 1 to 3).
        let body = fields.clone();
        let s = region(2, move |a, i| (a == act && i > 3).then(|| body.clone())).await;
        let (targets, err) = discover_all(&BmlbDiscoverer::new(client(&s))).await;
        assert_eq!(
            (targets, err),
            (vec![path(0)], Some(ErrorKind::Incomplete)),
            "{act}: {fields}"
        );
    }
}

/// Every lying server ends BMLB discovery `Incomplete`, in a bounded number of
/// requests (`with_max_records` ends the shifting ids). One body answers the four
/// actions (each reads only its own set): every load balancer has one layer-7
/// listener with one location and one layer-4 listener (two targets), so each costs
/// three more requests.
#[tokio::test]
async fn every_liar_ends_bmlb_discovery_incomplete_in_a_bounded_number_of_requests() {
    let (limit, max_records) = (4, 40);
    for liar in Liar::ALL {
        let s = liar
            .serve(liar_position, |lie| {
                let mut nested = listeners();
                nested["RuleSet"] = rules()["RuleSet"].clone();
                lb_page_reply(lie, nested)
            })
            .await;
        let paths = BmlbDiscoverer::new(client(&s))
            .with_page_size(limit)
            .with_max_records(max_records);
        let (targets, err) = discover_all(&paths).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{liar:?}: {targets:?}");
        let bound = match liar {
            Liar::ShiftingIds => 12,
            _ => 4,
        };
        let pages = windows(&s);
        assert!(pages.len() <= bound, "{liar:?}: {} pages", pages.len());
        assert!(
            pages.iter().all(|(_, l)| *l == u64::from(limit)),
            "{liar:?}"
        );
        // Each load balancer admitted (at most max_records plus one page, plus one
        // page over the limit) costs two listener requests and one rules request.
        let lbs = usize::try_from(max_records).unwrap() + 2 * usize::try_from(limit).unwrap();
        assert!(
            s.request_count() <= pages.len() + 3 * lbs,
            "{liar:?}: {} requests",
            s.request_count()
        );
        assert_eq!(
            s.request_count(),
            pages.len() + 3 * targets.len() / 2,
            "{liar:?}"
        );
    }
}

/// A load balancer's layer-4 listeners are targets of their own, after its
/// locations: `tencent-bmlb:LB/LISTENER`, named, with protocol and port.
#[tokio::test]
async fn layer4_listeners_are_targets_after_the_locations() {
    let s = region(1, |a, _| {
        (a == DESCRIBE_L4_LISTENERS).then(|| {
            json!({"ListenerSet": [{"ListenerId": "lbl-4", "ListenerName": "tcp-443",
                "Protocol": "tcp", "LoadBalancerPort": 443}]})
        })
    })
    .await;
    let paths = BmlbDiscoverer::new(client(&s));
    let all: Vec<TargetInfo> = paths.targets(None).try_collect().await.unwrap();
    let texts: Vec<String> = all.iter().map(|t| t.target.to_string()).collect();
    assert_eq!(
        texts,
        [path(0), "tencent-bmlb:lb-00000000/lbl-4".to_owned()]
    );
    let l4 = &all[1];
    assert_eq!(l4.name.as_deref(), Some("tcp-443"));
    assert_eq!(l4.protocol.as_deref(), Some("TCP"));
    assert_eq!(l4.port, Some(443));
    assert_eq!(l4.load_balancer.as_deref(), Some("lb-00000000"));
}
