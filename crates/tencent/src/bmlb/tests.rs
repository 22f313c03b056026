use std::collections::HashSet;

use lb_backends_core::{BackendProviderExt, ErrorKind, Health, InstanceKind, ResourceId, Target};
use lb_backends_testkit::ScriptedServer;
use serde_json::{json, Value};

use super::*;
use crate::testutil::{client, liar_position, queries, serve, window};

fn binding(i: usize) -> Value {
    if i % 2 == 0 {
        json!({"bindType": 0, "rsPort": 8000 + i, "weight": 10, "instanceId": format!("cpm-{i:08}"),
            "alias": format!("host-{i}"), "lanIp": format!("10.1.0.{}", i % 250 + 1),
            "mgtIp": "2.2.2.2", "operates": ["rebootDevice"], "status": "Alive"})
    } else {
        json!({"bindType": 1, "rsPort": 9000 + i, "weight": 20,
            "lanIp": format!("10.2.0.{}", i % 250 + 1), "status": "Dead"})
    }
}

async fn location(records: Vec<Value>) -> ScriptedServer {
    serve(move |q| {
        assert_eq!(q.get("Action").map(String::as_str), Some(ACTION));
        let (offset, limit) = window(q);
        let data: Vec<_> = records.iter().skip(offset).take(limit).cloned().collect();
        (
            200,
            json!({"code": 0, "message": "", "codeDesc": "Success", "data": data}).to_string(),
        )
    })
    .await
}

fn provider(s: &ScriptedServer) -> BmlbProvider {
    let id = |s: &str| ResourceId::new(s).unwrap();
    BmlbProvider::new(
        client(s),
        id("lb-abcdefgh"),
        id("lbl-abcdefgh"),
        id("dm-abcdefgh"),
        id("loc-abcdefgh"),
    )
}

#[tokio::test]
async fn lists_130_bindings_of_both_kinds_in_two_pages() {
    let s = location((0..130).map(binding).collect()).await;
    let all = provider(&s).collect_all().await.unwrap();
    assert_eq!(all.len(), 130);
    let ids: HashSet<_> = all.iter().map(|b| b.id.clone()).collect();
    assert_eq!(ids.len(), 130);
    let host = &all[0];
    assert_eq!(host.id, "cpm-00000000");
    assert_eq!(host.port, Some(8000));
    assert_eq!(host.health, Health::Healthy);
    assert_eq!(
        host.instance.as_ref().unwrap().kind,
        InstanceKind::BareMetal
    );
    let vm = &all[1];
    assert_eq!(vm.id, "10.2.0.2:9001");
    assert!(vm.instance.is_none());
    assert_eq!(vm.health, Health::Unhealthy);
    let seen = queries(&s);
    let windows: Vec<_> = seen.iter().map(window).collect();
    assert_eq!(windows, vec![(0, 100), (100, 100)]);
    for q in seen.iter() {
        for (k, v) in [
            ("loadBalancerId", "lb-abcdefgh"),
            ("listenerId", "lbl-abcdefgh"),
            ("domainId", "dm-abcdefgh"),
            ("locationId", "loc-abcdefgh"),
        ] {
            assert_eq!(q.get(k).map(String::as_str), Some(v));
        }
    }
}

#[tokio::test]
async fn an_exact_multiple_of_the_limit_ends_at_the_empty_page() {
    let s = location((0..200).map(binding).collect()).await;
    assert_eq!(provider(&s).collect_all().await.unwrap().len(), 200);
    assert_eq!(s.request_count(), 3);
}

#[tokio::test]
async fn ids_stay_unique_and_duplicates_are_dropped() {
    let host = |port: u16| json!({"bindType": 0, "rsPort": port, "instanceId": "cpm-1", "lanIp": "10.0.0.1"});
    // The same host on two ports, and one binding listed twice.
    let s = location(vec![host(80), host(81), host(80)]).await;
    let all = provider(&s).collect_all().await.unwrap();
    let ids: Vec<_> = all.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, vec!["cpm-1", "cpm-1:81"]);
}

#[tokio::test]
async fn page_size_and_errors() {
    let s = location((0..5).map(binding).collect()).await;
    let p = provider(&s).with_page_size(2).unwrap();
    assert_eq!(p.collect_all().await.unwrap().len(), 5);
    assert_eq!(s.request_count(), 3);
    assert!(provider(&s).with_page_size(0).is_err());

    let gone = serve(|_q| {
        (200, r#"{"code":11041,"message":"lb not exist","codeDesc":"InvalidParameter.CCDBLBNotExist"}"#.into())
    })
    .await;
    let err = provider(&gone).collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("11041"));
    assert!(err.message().contains("CCDBLBNotExist"));
}

#[tokio::test]
async fn get_finds_hosts_and_instance_of_knows_vm_ips() {
    let s = location((0..4).map(binding).collect()).await;
    let p = provider(&s);
    let b = p
        .get(&ResourceId::new("cpm-00000002").unwrap())
        .await
        .unwrap();
    assert_eq!(b.instance.unwrap().name.as_deref(), Some("host-2"));
    assert_eq!(
        p.get(&ResourceId::new("cpm-9").unwrap())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let caps = p.capabilities();
    assert!(caps.get && !caps.add && !caps.update && !caps.remove);
}

#[test]
fn for_target_checks_the_variant() {
    let c = TencentClient::builder()
        .region("bj")
        .credentials(crate::TencentCredentials::new("a", "b").unwrap())
        .build()
        .unwrap();
    let t: Target = "tencent-bmlb:lb-1/lbl-2/dm-3/loc-4".parse().unwrap();
    let p = BmlbProvider::for_target(c.clone(), &t).unwrap();
    assert_eq!(p.target(), &t);
    assert_eq!(p.listener_id().as_str(), "lbl-2");
    assert_eq!(p.domain_id().as_str(), "dm-3");
    let other: Target = "tencent-clb:lb-1".parse().unwrap();
    assert_eq!(
        BmlbProvider::for_target(c, &other).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

// ---- issue 8: listings that are exact or fail -------------------------------------

/// Everything a listing yields: the ids, then the kind of error it ended with.
async fn drain(p: &BmlbProvider) -> (Vec<String>, Option<ErrorKind>) {
    let (read, error) = p.collect_partial().await;
    (
        read.into_iter().map(|b| b.id).collect(),
        error.map(|e| e.kind()),
    )
}

/// Defect 7: a binding in serde's sequence form, and envelopes without `data`.
#[tokio::test]
async fn envelopes_and_records_of_the_wrong_shape_are_never_a_listing() {
    for body in [
        r#"{"code":0,"codeDesc":"Success","data":[[0,80,10,"Alive","cpm-x","a","10.0.0.1"]]}"#,
        r#"[0,[[0,80,10,"Alive","cpm-x","a","10.0.0.1"]]]"#,
        r#"{"code":0,"codeDesc":"Success"}"#,
        r#"{"code":0,"codeDesc":"Success","data":null}"#,
        r#"{"code":0,"codeDesc":"Success","data":{"bindType":0,"instanceId":"cpm-x"}}"#,
        r#"{"code":"abc","codeDesc":"Success","data":[]}"#,
    ] {
        let s = serve(move |_| (200, body.to_owned())).await;
        let (ids, err) = drain(&provider(&s)).await;
        assert!(
            matches!(err, Some(ErrorKind::Decode | ErrorKind::Incomplete)),
            "{body}: {ids:?} {err:?}"
        );
        assert!(ids.is_empty(), "{body}");
        assert_eq!(s.request_count(), 1, "{body}");
    }
}

/// Item 10: every lying server ends in a bounded number of requests, Incomplete.
/// BMLB pages carry no total and no count, so the two liars about totals have
/// nothing to lie with: their `totalCount` is ignored and the listing is exact.
#[tokio::test]
async fn every_liar_ends_incomplete_in_a_bounded_number_of_requests() {
    use lb_backends_testkit::{Claim, Liar, Lie, Reply};
    fn render(lie: &Lie) -> Reply {
        let data: Vec<_> = lie
            .ids
            .iter()
            .map(|id| json!({"bindType": 0, "rsPort": 80, "instanceId": id, "lanIp": "10.0.0.1", "status": "Alive"}))
            .collect();
        // BMLB has no cursor: "the signal of the wrong type" is the record list's.
        let data = match lie.next {
            Claim::WrongType => json!({"0": data}),
            _ => json!(data),
        };
        let mut body = json!({"code": 0, "message": "", "codeDesc": "Success", "data": data});
        if let Claim::Int(n) = lie.total {
            body["totalCount"] = json!(n);
        }
        Reply::json(200, body.to_string())
    }
    for liar in Liar::ALL {
        let s = liar.serve(liar_position, render).await;
        let bmlb = provider(&s).with_page_size(4).unwrap().with_max_records(40);
        let (ids, err) = drain(&bmlb).await;
        if liar.lies_about_totals() {
            assert_eq!((ids.len(), err), (10, None), "{liar:?}");
        } else {
            assert_eq!(err, Some(ErrorKind::Incomplete), "{liar:?}: {ids:?}");
        }
        let bound = match liar {
            Liar::ShiftingIds => 12,
            _ => 4,
        };
        assert!(
            s.request_count() <= bound,
            "{liar:?}: {}",
            s.request_count()
        );
    }
}
