use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
};

use futures::StreamExt;
use lb_backends_core::{
    BackendProviderExt, BackendUpdate, ErrorKind, NewBackend, Port, ResourceId, Target,
};
use lb_backends_testkit::ScriptedServer;
use serde_json::json;

use super::*;
use crate::testutil::{client, liar_position, queries, serve, total_claim, window};

fn record(i: usize) -> serde_json::Value {
    json!({
        "instanceId": format!("qcvm{i:032x}"),
        "unInstanceId": format!("ins-{i:08}"),
        "instanceName": format!("web-{i}"),
        "weight": 10,
        "lanIp": format!("10.0.{}.{}", i / 250, i % 250 + 1),
        "wanIpSet": [format!("203.0.{}.{}", i / 250, i % 250 + 1)],
        "instanceStatus": 2
    })
}

/// A load balancer of `n` backends that says `total` and honours offset/limit.
async fn fleet(n: usize, total: usize) -> ScriptedServer {
    serve(move |q| {
        assert_eq!(q.get("Action").map(String::as_str), Some(ACTION));
        let (offset, limit) = window(q);
        let limit = limit.min(100);
        let set: Vec<_> = (offset..n.min(offset + limit)).map(record).collect();
        let body = json!({"code": 0, "message": "", "totalCount": total, "backendSet": set});
        (200, body.to_string())
    })
    .await
}

fn lb() -> ResourceId {
    ResourceId::new("lb-abcdefgh").unwrap()
}

#[tokio::test]
async fn lists_250_in_three_pages_of_100() {
    let s = fleet(250, 250).await;
    let clb = ClbProvider::new(client(&s), lb());
    let all = clb.collect_all().await.unwrap();
    assert_eq!(all.len(), 250);
    let ids: HashSet<_> = all.iter().map(|b| b.id.clone()).collect();
    assert_eq!(ids.len(), 250);
    let seen = queries(&s);
    let windows: Vec<_> = seen.iter().map(window).collect();
    assert_eq!(windows, vec![(0, 100), (100, 100), (200, 100)]);
    assert!(seen
        .iter()
        .all(|q| q.get("loadBalancerId").map(String::as_str) == Some("lb-abcdefgh")));
}

#[tokio::test]
async fn a_total_that_never_comes_ends_at_the_empty_page_flagged() {
    use futures::StreamExt;
    let s = fleet(150, 1_000).await;
    let clb = ClbProvider::new(client(&s), lb());
    let items: Vec<_> = clb.list().collect().await;
    let (ok, errs): (Vec<_>, Vec<_>) = items.into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 150, "everything read is yielded");
    assert_eq!(errs.len(), 1, "then one error ends the stream");
    let err = errs.into_iter().next().unwrap().unwrap_err();
    assert_eq!(err.kind(), lb_backends_core::ErrorKind::Incomplete);
    let windows: Vec<_> = queries(&s).iter().map(window).collect();
    assert_eq!(
        windows,
        vec![(0, 100), (100, 100)],
        "the short page is the service's end"
    );
}

#[tokio::test]
async fn a_total_too_small_is_incomplete() {
    // Issue 8 defect 2: this listed 100 of 250 and succeeded.
    let s = fleet(250, 100).await;
    let clb = ClbProvider::new(client(&s), lb());
    let err = clb.collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Incomplete);
    assert_eq!(s.request_count(), 2);
}

#[tokio::test]
async fn a_service_ignoring_offset_cannot_loop_forever() {
    let s = serve(|_q| {
        let set: Vec<_> = (0..100).map(record).collect();
        let body = json!({"code": 0, "totalCount": 1_000_000, "backendSet": set});
        (200, body.to_string())
    })
    .await;
    let clb = ClbProvider::new(client(&s), lb());
    let results: Vec<_> = clb.list().collect().await;
    assert_eq!(results.len(), 101);
    assert!(results[..100].iter().all(Result::is_ok));
    assert_eq!(
        results[100].as_ref().unwrap_err().kind(),
        ErrorKind::Incomplete
    );
}

#[tokio::test]
async fn page_size_is_configurable_down_to_one() {
    let s = fleet(5, 5).await;
    let clb = ClbProvider::new(client(&s), lb())
        .with_page_size(2)
        .unwrap();
    assert_eq!(clb.collect_all().await.unwrap().len(), 5);
    let windows: Vec<_> = queries(&s).iter().map(window).collect();
    assert_eq!(windows, vec![(0, 2), (2, 2), (4, 2)]);
    for bad in [0, 101] {
        let err = ClbProvider::new(client(&s), lb())
            .with_page_size(bad)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

#[tokio::test]
async fn throttling_under_http_200_is_retried_with_a_new_nonce() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let s = serve(move |_q| {
        if c.fetch_add(1, Ordering::SeqCst) < 2 {
            return (
                200,
                r#"{"code":4400,"message":"over quota","codeDesc":"x"}"#.into(),
            );
        }
        let body = json!({"code": 0, "totalCount": 1, "backendSet": [record(1)]});
        (200, body.to_string())
    })
    .await;
    let clb = ClbProvider::new(client(&s), lb());
    assert_eq!(clb.collect_all().await.unwrap().len(), 1);
    let seen = queries(&s);
    assert_eq!(seen.len(), 3);
    let nonces: HashSet<_> = seen.iter().map(|q| q["Nonce"].clone()).collect();
    assert_eq!(nonces.len(), 3, "every attempt has its own nonce");
}

#[tokio::test]
async fn errors_and_odd_bodies_are_typed() {
    let s = serve(|q| match q.get("loadBalancerId").map(String::as_str) {
        Some("lb-gone") => (200, r#"{"code":5000,"message":"no such lb"}"#.into()),
        Some("lb-html") => (200, "<html><body>maintenance</body></html>".into()),
        Some("lb-nulls") => (
            200,
            r#"{"code":0,"totalCount":1,"backendSet":[{"instanceId":null,"unInstanceId":null,"lanIp":null,"weight":null,"instanceStatus":null}]}"#.into(),
        ),
        Some("lb-nothing") => (200, r#"{"code":0,"totalCount":null,"backendSet":null}"#.into()),
        _ => (200, r#"{"code":0,"totalCount":0,"backendSet":[]}"#.into()),
    })
    .await;
    let provider = |id: &str| ClbProvider::new(client(&s), ResourceId::new(id).unwrap());
    let err = provider("lb-gone").collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("5000"));
    assert!(err.message().contains("no such lb"));
    let err = provider("lb-html").collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let err = provider("lb-nulls").collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let err = provider("lb-nothing").collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Incomplete);
    assert!(provider("lb-empty").collect_all().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_lists_and_finds_and_writes_are_unsupported() {
    let s = fleet(3, 3).await;
    let clb = ClbProvider::new(client(&s), lb());
    let b = clb
        .get(&ResourceId::new("ins-00000002").unwrap())
        .await
        .unwrap();
    assert_eq!(b.instance.as_ref().unwrap().name.as_deref(), Some("web-2"));
    let err = clb
        .get(&ResourceId::new("ins-nope").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let found = clb
        .instance_of(&ResourceId::new("ins-00000001").unwrap())
        .await
        .unwrap();
    assert!(matches!(found, InstanceLookup::Found { .. }));

    let requests = s.request_count();
    let caps = clb.capabilities();
    assert!(caps.get && !caps.add && !caps.update && !caps.remove);
    let spec = NewBackend::new("10.0.0.1".parse().unwrap(), Port::new(80).unwrap());
    assert_eq!(
        clb.add(&spec).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    let id = ResourceId::new("ins-00000001").unwrap();
    let change = BackendUpdate::new().with_weight(lb_backends_core::Weight::new(5).unwrap());
    assert_eq!(
        clb.update(&id, &change).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(
        clb.remove(&id).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(s.request_count(), requests, "writes send nothing");
}

#[test]
fn for_target_checks_the_variant() {
    let c = TencentClient::builder()
        .region("gz")
        .credentials(crate::TencentCredentials::new("a", "b").unwrap())
        .build()
        .unwrap();
    let t: Target = "tencent-clb:lb-1".parse().unwrap();
    let p = ClbProvider::for_target(c.clone(), &t).unwrap();
    assert_eq!(p.target(), &t);
    assert_eq!(p.kind(), lb_backends_core::ProviderKind::TencentClb);
    let other: Target = "tencent-bmlb:a/b/c/d".parse().unwrap();
    assert_eq!(
        ClbProvider::for_target(c, &other).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

// ---- issue 8: listings that are exact or fail -------------------------------------

/// Everything a listing yields: the ids, then the kind of error it ended with.
async fn drain(p: &ClbProvider) -> (Vec<String>, Option<ErrorKind>) {
    let (read, error) = p.collect_partial().await;
    (
        read.into_iter().map(|b| b.id).collect(),
        error.map(|e| e.kind()),
    )
}

/// Defect 2: 250 backends served under a wrong `totalCount` gave exit 0 with a
/// short listing (0, -1, 150), and 2^64-1 was taken as "no total".
#[tokio::test]
async fn a_wrong_total_count_is_incomplete_never_a_short_success() {
    for total in [
        "0",
        "-1",
        "150",
        "249",
        "251",
        "1000000000",
        "18446744073709551615",
        "1.5",
        "\"abc\"",
        "true",
        "null",
        "[250]",
    ] {
        let s = serve(move |q| {
            let (offset, limit) = window(q);
            let set: Vec<_> = (offset..250.min(offset + limit.min(100)))
                .map(record)
                .collect();
            let body = format!(
                r#"{{"code": 0, "message": "", "totalCount": {total}, "backendSet": {}}}"#,
                json!(set)
            );
            (200, body)
        })
        .await;
        let (ids, err) = drain(&ClbProvider::new(client(&s), lb())).await;
        assert_eq!(
            err,
            Some(ErrorKind::Incomplete),
            "totalCount {total}: {}",
            ids.len()
        );
        assert!(s.request_count() <= 3, "totalCount {total}");
    }
    // Honest, and a multiple of the page size: one confirming (empty) page.
    let s = fleet(200, 200).await;
    let (ids, err) = drain(&ClbProvider::new(client(&s), lb())).await;
    assert_eq!((ids.len(), err), (200, None));
    assert_eq!(s.request_count(), 3);
}

/// Defect 7: the sequence form of a derived struct, and envelopes without the
/// fields the API always sends, or with a `code` that is not the integer 0.
#[tokio::test]
async fn envelopes_of_the_wrong_shape_are_never_a_listing() {
    for body in [
        r#"[0,[{"unInstanceId":"ins-x","lanIp":"10.0.0.1"}]]"#,
        r#"{"code":0,"totalCount":1,"backendSet":[["ins-x","ins-x","n",10,"10.0.0.1"]]}"#,
        r#"{"code":0,"codeDesc":"Success"}"#,
        r#"{"code":0,"codeDesc":"Success","totalCount":0}"#,
        r#"{"code":0,"codeDesc":"Success","backendSet":[]}"#,
        r#"{"code":0,"totalCount":1,"backendSet":{"0":{"unInstanceId":"ins-x"}}}"#,
        r#"{"code":0.5,"codeDesc":"Success","totalCount":0,"backendSet":[]}"#,
        r#"{"code":"abc","codeDesc":"Success","totalCount":0,"backendSet":[]}"#,
        r#"{"code":true,"codeDesc":"Success","totalCount":0,"backendSet":[]}"#,
        r#"{"code":null,"codeDesc":"Success","totalCount":0,"backendSet":[]}"#,
        r#"{"codeDesc":"Success","totalCount":0,"backendSet":[]}"#,
    ] {
        let s = serve(move |_| (200, body.to_owned())).await;
        let (ids, err) = drain(&ClbProvider::new(client(&s), lb())).await;
        assert!(
            matches!(err, Some(ErrorKind::Decode | ErrorKind::Incomplete)),
            "{body}: {ids:?} {err:?}"
        );
        assert!(ids.is_empty(), "{body}");
        assert_eq!(s.request_count(), 1, "{body}");
    }
}

/// Item 10: every lying server ends in a bounded number of requests, Incomplete.
#[tokio::test]
async fn every_liar_ends_incomplete_in_a_bounded_number_of_requests() {
    use lb_backends_testkit::{Liar, Lie, Reply};
    fn render(lie: &Lie) -> Reply {
        let set: Vec<_> = lie
            .ids
            .iter()
            .map(|id| json!({"unInstanceId": id, "instanceId": id, "lanIp": "10.0.0.1", "weight": 10}))
            .collect();
        let total = total_claim(lie);
        Reply::json(
            200,
            json!({"code": 0, "message": "", "codeDesc": "Success", "totalCount": total, "backendSet": set})
                .to_string(),
        )
    }
    for liar in Liar::ALL {
        let s = liar.serve(liar_position, render).await;
        let clb = ClbProvider::new(client(&s), lb())
            .with_page_size(4)
            .unwrap()
            .with_max_records(40);
        let (ids, err) = drain(&clb).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{liar:?}: {ids:?}");
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
