//! CLB discovery (`DescribeLoadBalancers`) under the lying servers, and the shapes of
//! its paging signals.

#![allow(clippy::unwrap_used)]

use lb_backends_core::ErrorKind;
use lb_backends_testkit::{Liar, ScriptedServer};
use serde_json::{json, Value};

use super::*;
use crate::testutil::{client, discover_all, lb_page_reply, liar_position, v3_reply};

/// A region of `n` load balancers that answers every page honestly.
async fn region(n: usize) -> ScriptedServer {
    ScriptedServer::start_with(move |request| {
        let (at, limit) = liar_position(request);
        let lb_backends_testkit::Position::Offset(offset) = at else {
            unreachable!()
        };
        let offset = usize::try_from(offset).unwrap();
        let set: Vec<_> = (offset..n.min(offset + limit))
            .map(|i| json!({"LoadBalancerId": format!("lb-{i:08}"), "Forward": 1}))
            .collect();
        v3_reply(json!({"TotalCount": n, "LoadBalancerSet": set}))
    })
    .await
}

/// The `(Offset, Limit)` of every request `server` received.
fn windows(server: &ScriptedServer) -> Vec<(u64, u64)> {
    server
        .requests()
        .iter()
        .map(|r| {
            assert_eq!(r.header("X-TC-Action"), Some(DESCRIBE_LBS));
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
    for (n, pages) in [
        (10, vec![(0, 4), (4, 4), (8, 4)]),
        (8, vec![(0, 4), (4, 4), (8, 4)]),
    ] {
        let s = region(n).await;
        let lbs = ClbDiscoverer::new(client(&s)).with_page_size(4);
        let (targets, err) = discover_all(&lbs).await;
        let expected: Vec<_> = (0..n).map(|i| format!("tencent-clb:lb-{i:08}")).collect();
        assert_eq!((targets, err), (expected, None), "{n}");
        assert_eq!(windows(&s), pages, "{n}");
    }
    // An empty region: an empty set and a total of 0.
    let s = region(0).await;
    let (targets, err) = discover_all(&ClbDiscoverer::new(client(&s))).await;
    assert_eq!((targets.len(), err), (0, None));
    assert_eq!(s.request_count(), 1);
}

/// The set and the total are paging signals: missing, `null` or of the wrong type,
/// the listing ends `Incomplete` (not as a decoding error, not as an empty page).
#[tokio::test]
async fn a_set_or_total_of_the_wrong_shape_is_incomplete() {
    let lb = json!([{"LoadBalancerId": "lb-00000001"}]);
    for fields in [
        json!({"TotalCount": 1, "LoadBalancerSet": {"0": {"LoadBalancerId": "lb-00000001"}}}),
        json!({"TotalCount": 1, "LoadBalancerSet": "lb-00000001"}),
        json!({"TotalCount": 0, "LoadBalancerSet": 0}),
        json!({"TotalCount": 0, "LoadBalancerSet": null}),
        json!({"TotalCount": 0}),
        json!({"TotalCount": 1, "LoadBalancerSet": null}),
        json!({"TotalCount": "many", "LoadBalancerSet": lb}),
        json!({"TotalCount": [1], "LoadBalancerSet": lb}),
        json!({"TotalCount": true, "LoadBalancerSet": lb}),
        json!({"TotalCount": -1, "LoadBalancerSet": lb}),
        json!({"TotalCount": 1.5, "LoadBalancerSet": lb}),
        json!({"TotalCount": null, "LoadBalancerSet": lb}),
        json!({"LoadBalancerSet": lb}),
    ] {
        let body = fields.clone();
        let s = ScriptedServer::start_with(move |_| v3_reply(body.clone())).await;
        let (targets, err) = discover_all(&ClbDiscoverer::new(client(&s))).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{fields}: {targets:?}");
        assert!(targets.is_empty(), "{fields}");
        assert_eq!(s.request_count(), 1, "{fields}");
    }
}

/// A later page without its set is not the end of the listing either (the total
/// would otherwise agree: 4 read of 4).
#[tokio::test]
async fn a_confirming_page_without_its_set_is_incomplete() {
    let s = ScriptedServer::start_with(|request| {
        if request.index == 0 {
            let set: Vec<_> = (0..4)
                .map(|i| json!({"LoadBalancerId": format!("lb-{i:08}")}))
                .collect();
            v3_reply(json!({"TotalCount": 4, "LoadBalancerSet": set}))
        } else {
            v3_reply(json!({"TotalCount": 4}))
        }
    })
    .await;
    let lbs = ClbDiscoverer::new(client(&s)).with_page_size(4);
    let (targets, err) = discover_all(&lbs).await;
    assert_eq!((targets.len(), err), (4, Some(ErrorKind::Incomplete)));
    assert_eq!(s.request_count(), 2);
}

/// Every lying server ends CLB discovery `Incomplete`, in a bounded number of
/// requests (`with_max_records` ends the shifting ids).
#[tokio::test]
async fn every_liar_ends_clb_discovery_incomplete_in_a_bounded_number_of_requests() {
    for liar in Liar::ALL {
        let s = liar
            .serve(liar_position, |lie| lb_page_reply(lie, json!({})))
            .await;
        let lbs = ClbDiscoverer::new(client(&s))
            .with_page_size(4)
            .with_max_records(40);
        let (targets, err) = discover_all(&lbs).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{liar:?}: {targets:?}");
        let bound = match liar {
            Liar::ShiftingIds => 12,
            _ => 4,
        };
        assert!(
            s.request_count() <= bound,
            "{liar:?}: {} requests",
            s.request_count()
        );
        assert!(windows(&s).iter().all(|(_, limit)| *limit == 4), "{liar:?}");
    }
}
