//! The provider against a scripted server: the requests it sends, and what it makes
//! of the answers (errors, odd bodies, upserts, serialised writes).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::TryStreamExt;
use lb_backends_core::{
    BackendProvider, BackendUpdate, ErrorKind, NewBackend, Port, ResourceId, Target, Weight,
};
use lb_backends_testkit::{Reply, Request, ScriptedServer};
use serde_json::{json, Value};

use crate::{
    testutil::{client, PROJECT},
    ApigMember, ApigProvider, MemberFilter, PreciseField,
};

const INSTANCE: &str = "eddc4d25480b4cd6b512f270a1b8b341";
const CHANNEL: &str = "56a7d7358e1b42459c9d730d65b14e59";

fn members_path() -> String {
    format!("/v2/{PROJECT}/apigw/instances/{INSTANCE}/vpc-channels/{CHANNEL}/members")
}

fn provider(server: &ScriptedServer, attempts: u32) -> ApigProvider {
    ApigProvider::new(
        client(server, attempts),
        ResourceId::new(INSTANCE).unwrap(),
        ResourceId::new(CHANNEL).unwrap(),
    )
}

/// A small in-memory channel: GET pages by item offset, POST upserts by host.
fn channel(n: usize) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let members: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(
        (0..n)
            .map(|i| json!({"id": format!("m{i:04}"), "host": format!("10.0.{}.{}", i / 250, i % 250 + 1), "status": 1, "weight": 1}))
            .collect(),
    ));
    move |req: &Request| {
        let mut members = members.lock().unwrap();
        match req.method.as_str() {
            "GET" => {
                let offset: usize = req.query("offset").unwrap().parse().unwrap();
                let limit: usize = req.query("limit").unwrap().parse().unwrap();
                let page: Vec<Value> = members.iter().skip(offset).take(limit).cloned().collect();
                Reply::json(
                    200,
                    json!({"total": members.len(), "size": page.len(), "members": page})
                        .to_string(),
                )
            }
            "POST" => {
                let body: Value = serde_json::from_str(&req.body).unwrap();
                let mut out = Vec::new();
                for m in body["members"].as_array().unwrap() {
                    let pos = members.iter().position(|x| x["host"] == m["host"]);
                    let record = match pos {
                        Some(i) => {
                            for (k, v) in m.as_object().unwrap() {
                                members[i][k] = v.clone();
                            }
                            members[i].clone()
                        }
                        None => {
                            let mut r = m.clone();
                            r["id"] = json!(format!("new{}", members.len()));
                            members.push(r.clone());
                            r
                        }
                    };
                    out.push(record);
                }
                Reply::json(
                    201,
                    json!({"total": out.len(), "size": out.len(), "members": out}).to_string(),
                )
            }
            _ => Reply::json(404, r#"{"error_code":"APIG.3002","error_msg":"no"}"#),
        }
    }
}

#[tokio::test]
async fn lists_by_item_offset_with_filters() {
    let server = ScriptedServer::start_with(channel(1203)).await;
    let p = provider(&server, 1);
    let ids: Vec<String> = p.list().map_ok(|b| b.id).try_collect().await.unwrap();
    assert_eq!(ids.len(), 1203);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1203);
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    for (req, offset) in seen.iter().zip(["0", "500", "1000"]) {
        assert_eq!(
            (req.method.as_str(), req.path()),
            ("GET", members_path().as_str())
        );
        assert_eq!(req.query("offset"), Some(offset));
        assert_eq!(req.query("limit"), Some("500"));
    }

    let p = p.with_page_size(100).unwrap();
    let filter = MemberFilter::new()
        .name("web 01")
        .unwrap()
        .member_group_name("blue")
        .unwrap()
        .member_group_id(ResourceId::new("g1").unwrap())
        .precise(PreciseField::Name);
    let _ = p.list_members(&filter).try_next().await.unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.query("name"), Some("web%2001"));
    assert_eq!(last.query("member_group_name"), Some("blue"));
    assert_eq!(last.query("member_group_id"), Some("g1"));
    assert_eq!(last.query("precise_search"), Some("name"));
    assert_eq!(last.query("limit"), Some("100"));
}

#[tokio::test]
async fn get_lists_and_picks_or_says_not_found() {
    let server = ScriptedServer::start_with(channel(30)).await;
    let p = provider(&server, 1).with_page_size(10).unwrap();
    let b = p.get(&ResourceId::new("m0012").unwrap()).await.unwrap();
    assert_eq!(b.address, Some("10.0.0.13".parse().unwrap()));
    assert_eq!(server.request_count(), 2, "stops at the page holding it");
    let err = p.get(&ResourceId::new("nope").unwrap()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let lookup = p
        .instance_of(&ResourceId::new("m0001").unwrap())
        .await
        .unwrap();
    assert_eq!(lookup, lb_backends_core::InstanceLookup::NotBound);
}

#[tokio::test]
async fn the_seed_error_table_surfaces_typed() {
    for (status, code, kind) in [
        (400, "APIG.2012", ErrorKind::InvalidInput),
        (401, "APIG.1002", ErrorKind::Unauthorized),
        (403, "APIG.1005", ErrorKind::Forbidden),
        (404, "APIG.3023", ErrorKind::NotFound),
        (500, "APIG.9999", ErrorKind::Service),
    ] {
        let body = json!({"error_code": code, "error_msg": format!("msg {code}")}).to_string();
        let server = ScriptedServer::start_with(move |_| {
            Reply::json(status, body.clone()).with_header("x-request-id", "rid-42")
        })
        .await;
        let err = provider(&server, 1).list().try_next().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.message(), format!("msg {code}"));
        assert_eq!(err.request_id(), Some("rid-42"));
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn odd_bodies_become_typed_errors_and_truncation_is_retried() {
    for (status, body, kind) in [
        (200, r#"{"total": 3, "members": [{"id":"#, ErrorKind::Decode),
        (
            200,
            "<html><body>maintenance</body></html>",
            ErrorKind::Decode,
        ),
        (
            200,
            r#"{"total": null, "members": null}"#,
            ErrorKind::Incomplete,
        ),
        (
            502,
            "<html><body>Bad Gateway</body></html>",
            ErrorKind::Service,
        ),
    ] {
        let server = ScriptedServer::start_with(move |_| Reply::json(status, body)).await;
        let err = provider(&server, 1).list().try_next().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{body}");
    }
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let server = ScriptedServer::start_with(move |_| {
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            Reply::json(200, r#"{"total": 1, "members": [{"id":"#)
        } else {
            Reply::json(200, r#"{"total": 1, "members": [{"id":"m1"}]}"#)
        }
    })
    .await;
    let all: Vec<_> = provider(&server, 3).list().try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(*calls.lock().unwrap(), 2);
}

#[tokio::test]
async fn add_is_an_idempotent_upsert_and_never_a_put() {
    let server = ScriptedServer::start_with(channel(3)).await;
    let p = provider(&server, 1);
    let spec = NewBackend::new("10.9.9.9".parse().unwrap(), Port::new(8080).unwrap())
        .with_weight(Weight::new(5).unwrap())
        .with_admin_up(true);
    let first = p.add(&spec).await.unwrap();
    let again = p
        .add(&spec.clone().with_weight(Weight::new(6).unwrap()))
        .await
        .unwrap();
    assert_eq!(first.id, again.id, "the same address is updated, not added");
    assert_eq!(again.weight, Some(6));
    assert_eq!(p.list().try_collect::<Vec<_>>().await.unwrap().len(), 4);
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(post.path(), members_path());
    assert_eq!(
        serde_json::from_str::<Value>(&post.body).unwrap(),
        json!({"members": [{"host": "10.9.9.9", "port": 8080, "weight": 5, "status": 1}]})
    );
    assert!(server.requests().iter().all(|r| r.method != "PUT"));
}

#[tokio::test]
async fn add_is_retried_after_a_system_error_and_found_by_listing() {
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let server = ScriptedServer::start_with(move |req| {
        let mut n = c.lock().unwrap();
        *n += 1;
        match (req.method.as_str(), *n) {
            ("POST", 1) => Reply::json(
                500,
                r#"{"error_code":"APIG.9999","error_msg":"System error"}"#,
            ),
            ("POST", _) => Reply::json(201, "{}"),
            _ => Reply::json(
                200,
                r#"{"total":1,"members":[{"id":"m7","host":"10.0.0.7","port":80}]}"#,
            ),
        }
    })
    .await;
    let added = provider(&server, 3)
        .add_members(&[ApigMember::host("10.0.0.7".parse().unwrap())])
        .await
        .unwrap();
    assert_eq!(added[0].id, "m7");
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "POST", "GET"]);
}

#[tokio::test]
async fn update_re_upserts_the_member_as_listed() {
    let server = ScriptedServer::start_with(channel(2)).await;
    let p = provider(&server, 1);
    let b = p
        .update(
            &ResourceId::new("m0001").unwrap(),
            &BackendUpdate::new().with_weight(Weight::new(42).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!((b.id.as_str(), b.weight), ("m0001", Some(42)));
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&post.body).unwrap(),
        json!({"members": [{"host": "10.0.0.2", "weight": 42, "status": 1}]})
    );
    let err = p
        .update(&ResourceId::new("m0001").unwrap(), &BackendUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn remove_deletes_one_member_by_id() {
    let server = ScriptedServer::start_with(|_| Reply::json(204, "")).await;
    provider(&server, 1)
        .remove(&ResourceId::new("m1").unwrap())
        .await
        .unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.method, "DELETE");
    assert_eq!(req.path(), format!("{}/m1", members_path()));
}

#[tokio::test]
async fn invalid_input_fails_before_any_request() {
    let server = ScriptedServer::start_with(channel(1)).await;
    let p = provider(&server, 1);
    assert!(p.clone().with_page_size(0).is_err());
    assert!(p.clone().with_page_size(501).is_err());
    assert!(ResourceId::new("56a7/../x").is_err());
    assert!(Weight::new(10_001).is_err() && Port::new(0).is_err());
    let named = NewBackend::new("10.0.0.1".parse().unwrap(), Port::new(80).unwrap())
        .with_name(lb_backends_core::BackendName::new("n").unwrap());
    assert_eq!(
        p.add(&named).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let subnet = NewBackend::new("10.0.0.1".parse().unwrap(), Port::new(80).unwrap())
        .with_subnet(ResourceId::new("s1").unwrap());
    assert_eq!(
        p.add(&subnet).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let twice = [
        ApigMember::host("10.0.0.1".parse().unwrap()),
        ApigMember::host("10.0.0.1".parse().unwrap()).with_port(Port::new(81).unwrap()),
    ];
    assert_eq!(
        p.add_members(&twice).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        p.add_members(&[]).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let elb: Target = "huawei-elb:pool-1".parse().unwrap();
    assert!(ApigProvider::for_target(client(&server, 1), &elb).is_err());
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_to_one_channel_never_overlap() {
    // Each write takes 10 ms on the server; two at once would overlap.
    let server = ScriptedServer::start_with(|req| {
        let body: Value = serde_json::from_str(&req.body).unwrap();
        let mut m = body["members"][0].clone();
        m["id"] = json!(format!("id-{}", m["host"].as_str().unwrap()));
        Reply::json(201, json!({"members": [m]}).to_string()).with_delay(Duration::from_millis(10))
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..10u8 {
        // Separate providers (as separate parts of a program would have) share the lock.
        let p = provider(&server, 1);
        tasks.push(tokio::spawn(async move {
            p.add_members(&[ApigMember::host(format!("10.1.0.{i}").parse().unwrap())])
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(server.request_count(), 10);
    assert_eq!(server.max_in_flight(), 1);
}

// ---- issue 8: listings that are exact or fail -------------------------------------

/// Everything a listing yields: the ids, then the kind of error it ended with.
async fn drain(p: &ApigProvider) -> (Vec<String>, Option<ErrorKind>) {
    let (read, error) = lb_backends_core::BackendProviderExt::collect_partial(p).await;
    (
        read.into_iter().map(|b| b.id).collect(),
        error.map(|e| e.kind()),
    )
}

/// Defect 1: a server that ignores `offset`, repeats one full page and reports a
/// total of 10^12 made 1,546 requests in 20 s; it must stop at the repeat.
#[tokio::test]
async fn a_repeated_page_with_a_huge_total_stops_at_once() {
    for total in [1_000_000_000_000u64, 5_000] {
        let server = ScriptedServer::start_with(move |req| {
            let limit: usize = req.query("limit").unwrap().parse().unwrap();
            let page: Vec<Value> = (0..limit)
                .map(|i| json!({"id": format!("m{i:04}"), "host": "10.0.0.1"}))
                .collect();
            Reply::json(
                200,
                json!({"total": total, "size": limit, "members": page}).to_string(),
            )
        })
        .await;
        let p = provider(&server, 1).with_page_size(10).unwrap();
        let (ids, err) = drain(&p).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "total {total}");
        assert!(ids.len() <= 10, "total {total}");
        assert!(
            server.request_count() <= 2,
            "total {total}: {} requests",
            server.request_count()
        );
    }
}

/// A total that cannot be read exactly is incomplete, never "missing".
#[tokio::test]
async fn a_malformed_total_is_incomplete() {
    for total in [
        "-1",
        "1.5",
        "\"abc\"",
        "true",
        "null",
        "{}",
        "18446744073709551615",
    ] {
        let body = format!(r#"{{"total": {total}, "members": [{{"id": "m1"}}]}}"#);
        let server = ScriptedServer::start_with(move |_| Reply::json(200, body.clone())).await;
        let (_, err) = drain(&provider(&server, 1)).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{total}");
        assert_eq!(server.request_count(), 1, "{total}");
    }
}

/// Item 10: every lying server ends in a bounded number of requests, Incomplete.
/// Where a lying server's offset-paged request is (`offset`, `limit`).
fn offset_position(req: &Request) -> (lb_backends_testkit::Position, usize) {
    (
        lb_backends_testkit::Position::Offset(req.query("offset").unwrap().parse().unwrap()),
        req.query("limit").unwrap().parse().unwrap(),
    )
}

/// A lie's `total` as APIG would write it.
fn total_claim(lie: &lb_backends_testkit::Lie) -> Value {
    use lb_backends_testkit::Claim;
    match &lie.total {
        Claim::Absent => Value::Null,
        Claim::Int(n) => json!(n),
        Claim::Text(t) => json!(t),
        Claim::WrongType => json!("many"),
    }
}

/// Discovery (issue 13) pages `ListVpcChannelsV2` as member listings are paged: every
/// lying server ends it `Incomplete`, in a bounded number of requests.
#[tokio::test]
async fn every_liar_ends_channel_discovery_incomplete_in_a_bounded_number_of_requests() {
    use futures::StreamExt;
    use lb_backends_core::discover::Discoverer;
    use lb_backends_testkit::{Liar, Lie};
    fn render(lie: &Lie) -> Reply {
        let channels: Vec<Value> = lie
            .ids
            .iter()
            .map(|id| json!({"id": id, "name": "c"}))
            .collect();
        let total = total_claim(lie);
        Reply::json(
            200,
            json!({"total": total, "size": channels.len(), "vpc_channels": channels}).to_string(),
        )
    }
    for liar in Liar::ALL {
        let server = liar.serve(offset_position, render).await;
        let channels = crate::ApigDiscoverer::new(client(&server, 1))
            .with_instances(vec![ResourceId::new(INSTANCE).unwrap()])
            .with_page_size(4)
            .with_max_records(40);
        let mut stream = channels.targets(None);
        let mut error = None;
        while let Some(item) = stream.next().await {
            if let Err(e) = item {
                error = Some(e.kind());
                break;
            }
        }
        assert_eq!(error, Some(ErrorKind::Incomplete), "{liar:?}");
        let bound = match liar {
            Liar::ShiftingIds => 12,
            _ => 4,
        };
        assert!(
            server.request_count() <= bound,
            "{liar:?}: {} requests",
            server.request_count()
        );
    }
}

#[tokio::test]
async fn every_liar_ends_incomplete_in_a_bounded_number_of_requests() {
    use lb_backends_testkit::{Liar, Lie};
    fn render(lie: &Lie) -> Reply {
        let members: Vec<Value> = lie
            .ids
            .iter()
            .map(|id| json!({"id": id, "host": "10.0.0.1", "status": 1}))
            .collect();
        let total = total_claim(lie);
        Reply::json(
            200,
            json!({"total": total, "size": members.len(), "members": members}).to_string(),
        )
    }
    for liar in Liar::ALL {
        let server = liar.serve(offset_position, render).await;
        let p = provider(&server, 1)
            .with_page_size(4)
            .unwrap()
            .with_max_records(40);
        let (ids, err) = drain(&p).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{liar:?}: {ids:?}");
        let bound = match liar {
            Liar::ShiftingIds => 12,
            _ => 4,
        };
        assert!(
            server.request_count() <= bound,
            "{liar:?}: {} requests",
            server.request_count()
        );
    }
}
