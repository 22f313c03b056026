//! The provider against a scripted loopback server: paging, safe create, odd bodies.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    BackendProvider, ErrorKind, Health, InstanceLookup, ResourceId,
};
use lb_backends_huawei_core::{Credentials, HuaweiClient};
use lb_backends_testkit::{Reply, ScriptedServer};
use serde_json::json;

use crate::{CreateMember, ElbProvider, ListQuery};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// A provider of pool `pool-1` on `server`, three attempts per call.
fn provider(server: &ScriptedServer, page_size: u32) -> ElbProvider {
    let client = HuaweiClient::builder()
        .project_id(PROJECT)
        .credentials(Credentials::token("tok-SECRET"))
        .endpoint_all(server.url())
        .transport_config(TransportConfig {
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
            ..TransportConfig::default()
        })
        .build()
        .unwrap();
    ElbProvider::new(client, ResourceId::new("pool-1").unwrap()).with_page_size(page_size)
}

fn member(id: &str, address: &str, port: u16) -> serde_json::Value {
    json!({"id": id, "address": address, "protocol_port": port, "operating_status": "ONLINE"})
}

fn page(members: &[serde_json::Value], next: Option<&str>) -> Reply {
    Reply::json(
        200,
        json!({"members": members, "page_info": {"next_marker": next}}).to_string(),
    )
}

/// A pool served page by page: each page's members (by id, at 10.0.0.N:80) and its
/// `next_marker`, the first page for a request without a marker, the others for a
/// request whose marker is the page before's `next_marker`.
async fn pool_of_pages(
    pages: &'static [(&'static [&'static str], Option<&'static str>)],
) -> ScriptedServer {
    ScriptedServer::start_with(move |req| {
        let at = pages
            .iter()
            .position(|(_, next)| next.is_some_and(|m| req.target.contains(&format!("marker={m}"))))
            .map_or(0, |i| i + 1);
        let (ids, next) = pages[at];
        let members: Vec<serde_json::Value> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| member(id, &format!("10.0.0.{}", i + 1), 80))
            .collect();
        page(&members, next)
    })
    .await
}

/// The ids `provider` lists, in order.
async fn listed_ids(provider: &ElbProvider) -> Vec<String> {
    provider
        .list()
        .map_ok(|b| b.id)
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn pages_are_fetched_lazily_then_one_ahead_with_the_last_id_as_marker() {
    let s = ScriptedServer::start_with(|req| {
        if req.target.contains("marker=b") {
            page(&[member("c", "10.0.0.3", 80)], None)
        } else {
            page(
                &[member("a", "10.0.0.1", 80), member("b", "10.0.0.2", 80)],
                Some("b"),
            )
        }
    })
    .await;
    let p = provider(&s, 2);
    let mut stream = p.list();
    assert_eq!(s.request_count(), 0, "nothing before the first poll");
    assert_eq!(stream.try_next().await.unwrap().unwrap().id, "a");
    assert_eq!(stream.try_next().await.unwrap().unwrap().id, "b");
    // The second page is requested while the first is read (one page ahead): whether
    // the server has seen it yet depends on the scheduling, never more than that.
    assert!(s.request_count() <= 2, "at most one page ahead");
    assert_eq!(stream.try_next().await.unwrap().unwrap().id, "c");
    assert!(stream.try_next().await.unwrap().is_none());
    let reqs = s.requests();
    assert_eq!(
        reqs[0].target,
        format!("/v3/{PROJECT}/elb/pools/pool-1/members?limit=2")
    );
    assert_eq!(
        reqs[1].target,
        format!("/v3/{PROJECT}/elb/pools/pool-1/members?limit=2&marker=b")
    );
}

#[tokio::test]
async fn the_request_sent_ahead_on_the_pages_tail_is_used_once_and_costs_nothing() {
    // Three honest pages: the marker read from each page's tail is the one its
    // page_info names, so the request sent ahead is the one the listing needs.
    let s = pool_of_pages(&[
        (&["a", "b"], Some("b")),
        (&["c", "d"], Some("d")),
        (&["e"], None),
    ])
    .await;
    assert_eq!(
        listed_ids(&provider(&s, 2)).await,
        ["a", "b", "c", "d", "e"]
    );
    let markers: Vec<String> = s.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(markers.len(), 3, "one request a page: {markers:?}");
}

#[tokio::test]
async fn a_wrong_guess_of_the_next_marker_is_dropped_and_the_listing_stays_exact() {
    // The page's text ends with a member field named like the cursor: the guess
    // ("zz") is sent ahead, but page_info names "b", which is what is followed.
    let s = ScriptedServer::start_with(|req| {
        if req.target.contains("marker=zz") {
            page(&[member("wrong", "10.0.0.9", 80)], None)
        } else if req.target.contains("marker=b") {
            page(&[member("c", "10.0.0.3", 80)], None)
        } else {
            let mut last = member("b", "10.0.0.2", 80);
            last["next_marker"] = json!("zz");
            let body = format!(
                r#"{{"page_info": {{"next_marker": "b"}}, "members": [{}, {}]}}"#,
                member("a", "10.0.0.1", 80),
                last
            );
            Reply::json(200, body)
        }
    })
    .await;
    assert_eq!(listed_ids(&provider(&s, 2)).await, ["a", "b", "c"]);
    let targets: Vec<String> = s.requests().iter().map(|r| r.target.clone()).collect();
    assert!(targets.last().unwrap().ends_with("marker=b"), "{targets:?}");
    assert!(
        targets.iter().filter(|t| t.contains("marker=zz")).count() <= 1,
        "a wrong guess costs one request at most: {targets:?}"
    );
}

#[tokio::test]
async fn a_member_on_two_overlapping_pages_is_yielded_once() {
    // The pool changed while we paged: `b` shows up again.
    let s = pool_of_pages(&[
        (&["a", "b"], Some("b")),
        (&["b", "c"], Some("c")),
        (&["d"], None),
    ])
    .await;
    assert_eq!(listed_ids(&provider(&s, 2)).await, ["a", "b", "c", "d"]);
    assert_eq!(s.request_count(), 3);
}

#[tokio::test]
async fn a_server_that_repeats_itself_ends_with_incomplete() {
    let s = ScriptedServer::start_with(|_| {
        page(
            &[member("a", "10.0.0.1", 80), member("b", "10.0.0.2", 80)],
            Some("b"),
        )
    })
    .await;
    let p = provider(&s, 2);
    let got: Vec<_> = p.list().collect().await;
    assert_eq!(got.len(), 3, "two members, then one error");
    assert_eq!(got[2].as_ref().unwrap_err().kind(), ErrorKind::Incomplete);
    assert_eq!(s.request_count(), 2);
}

#[tokio::test]
async fn filters_go_out_as_repeated_parameters() {
    let s = ScriptedServer::start_with(|_| page(&[], None)).await;
    let q = ListQuery::new()
        .with_address("10.0.0.1".parse().unwrap())
        .with_address("10.0.0.2".parse().unwrap())
        .with_admin_state_up(true);
    let n = provider(&s, 2000).list_members(&q).count().await;
    assert_eq!(n, 0);
    assert!(s.requests()[0]
        .target
        .ends_with("?limit=2000&address=10.0.0.1&address=10.0.0.2&admin_state_up=true"));
}

#[tokio::test]
async fn a_dropped_create_that_was_applied_returns_the_member_once() {
    let s = ScriptedServer::start_with(|req| match req.method.as_str() {
        "POST" => Reply::close(),
        _ => page(&[member("m1", "10.0.0.9", 8080)], None),
    })
    .await;
    let b = provider(&s, 2000)
        .create_member(&CreateMember::new("10.0.0.9", 8080))
        .await
        .unwrap();
    assert_eq!(b.id, "m1");
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&reqs[0].body).unwrap(),
        json!({"member": {"address": "10.0.0.9", "protocol_port": 8080}})
    );
    assert!(reqs[1]
        .target
        .contains("address=10.0.0.9&protocol_port=8080"));
}

#[tokio::test]
async fn a_create_that_was_not_applied_is_sent_again_within_the_budget() {
    let s = ScriptedServer::start_with(|req| match (req.method.as_str(), req.index) {
        ("POST", 0) => Reply::json(503, r#"{"error_code":"ELB.0001","error_msg":"busy"}"#),
        ("POST", _) => Reply::json(
            201,
            json!({"member": member("m2", "10.0.0.9", 81)}).to_string(),
        ),
        _ => page(&[], None),
    })
    .await;
    let b = provider(&s, 2000)
        .create_member(&CreateMember::new("10.0.0.9", 81))
        .await
        .unwrap();
    assert_eq!(b.id, "m2");
    let methods: Vec<String> = s.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "GET", "POST"]);

    // Always failing: POST, GET, POST, GET, POST, GET and give up (3 attempts).
    let s = ScriptedServer::start_with(|req| match req.method.as_str() {
        "POST" => Reply::close(),
        _ => page(&[], None),
    })
    .await;
    let err = provider(&s, 2000)
        .create_member(&CreateMember::new("10.0.0.9", 81))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(s.request_count(), 6);
}

#[tokio::test]
async fn a_first_409_is_a_conflict_and_bad_specs_send_nothing() {
    let s = ScriptedServer::start_with(|_| {
        Reply::json(409, r#"{"error_code":"ELB.8907","error_msg":"duplicate"}"#)
    })
    .await;
    let p = provider(&s, 2000);
    let err = p
        .create_member(&CreateMember::new("10.0.0.1", 80))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(s.request_count(), 1, "no lookup, no resend");
    for bad in [
        CreateMember::new("10.0.0.1", 0),
        CreateMember::new("10.0.0.1", 80).with_weight(101),
        CreateMember::new("2001:db8::1", 80),
        CreateMember::new("10.0.0.1", 80).with_name("n".repeat(256)),
    ] {
        let err = p.create_member(&bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    let err = p
        .update(&ResourceId::new("m").unwrap(), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    // Port 0 is valid in an any-port pool only: that spec reads the pool (here a 409,
    // so its settings stay unknown and the port is refused); nothing else was sent.
    assert_eq!(s.request_count(), 2, "nothing more was sent");
}

#[tokio::test]
async fn odd_bodies_give_typed_errors_or_unknown_values() {
    let s = ScriptedServer::start_with(|req| {
        let body = match req.target.rsplit('/').next().unwrap_or_default() {
            "html" => "<html><body>502 Bad Gateway</body></html>".to_owned(),
            "trunc" => r#"{"member": {"id": "trunc", "addr"#.to_owned(),
            "nulls" => r#"{"member": {"id": null, "weight": null, "status": null}}"#.to_owned(),
            "types" => r#"{"member": {"id": "types", "weight": "x", "protocol_port": [], "operating_status": {}}}"#.to_owned(),
            "5" => r#"{"member": {"id": 5}}"#.to_owned(),
            _ => r#"{"member": {"id": "enum", "operating_status": "DRAINING", "status": [{"listener_id": "l", "operating_status": "WARMING"}]}}"#.to_owned(),
        };
        Reply::json(200, body)
    })
    .await;
    let p = provider(&s, 2000);
    async fn get(p: &ElbProvider, id: &str) -> lb_backends_core::Result<lb_backends_core::Backend> {
        p.get(&ResourceId::new(id).unwrap()).await
    }
    assert_eq!(get(&p, "html").await.unwrap_err().kind(), ErrorKind::Decode);
    let err = get(&p, "trunc").await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Decode,
        "retried, then still cut short"
    );
    let b = get(&p, "nulls").await.unwrap();
    assert_eq!(
        (b.id.as_str(), b.weight, b.health.clone()),
        ("nulls", None, Health::NotReported)
    );
    let b = get(&p, "types").await.unwrap();
    assert_eq!((b.weight, b.port), (None, None));
    // An id of another type is not the id asked for (issue 8a).
    assert_eq!(get(&p, "5").await.unwrap_err().kind(), ErrorKind::Decode);
    let b = get(&p, "enum").await.unwrap();
    assert_eq!(b.health, Health::Unknown("DRAINING".into()));
    assert_eq!(
        b.listener_health[0].health,
        Health::Unknown("WARMING".into())
    );
}

#[tokio::test]
async fn the_ecs_lookup_asks_the_vpc_for_the_address() {
    let s = ScriptedServer::start_with(|req| {
        if req.target.contains("/ports") {
            Reply::json(
                200,
                json!({"ports": [
                    {"id": "p1", "device_id": "ecs-1", "fixed_ips": [{"subnet_id": "sub-a", "ip_address": "10.0.0.5"}]},
                    {"id": "p2", "device_id": "ecs-2", "fixed_ips": [{"subnet_id": "sub-b", "ip_address": "10.0.0.5"}]}
                ]})
                .to_string(),
            )
        } else {
            Reply::json(
                200,
                json!({"member": {"id": "m", "address": "10.0.0.5", "subnet_cidr_id": "sub-b", "instance_id": ""}})
                    .to_string(),
            )
        }
    })
    .await;
    let got = provider(&s, 2000)
        .instance_of(&ResourceId::new("m").unwrap())
        .await
        .unwrap();
    match got {
        InstanceLookup::Found { instance } => assert_eq!(instance.id, "ecs-2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.requests()[1].target,
        format!("/v1/{PROJECT}/ports?fixed_ips=ip_address%3D10.0.0.5&limit=2000")
    );
}

// ---- issue 8: listings that are exact or fail -------------------------------------

/// An honest pool of `n` members (`m-0`, `m-1`, ...) paged by marker (the last id),
/// pages capped at `cap` members, whose full pages carry `page_info` as
/// `full_page_info` makes it of the honest next marker; other pages carry the
/// honest `page_info`.
fn pool(
    n: usize,
    cap: usize,
    full_page_info: impl Fn(Option<String>) -> serde_json::Value + Send + Sync + 'static,
) -> impl Fn(&lb_backends_testkit::Request) -> Reply + Send + Sync + 'static {
    move |req| {
        let limit: usize = req.query("limit").unwrap().parse().unwrap();
        let start = req.query("marker").map_or(0, |m| {
            m.trim_start_matches("m-").parse::<usize>().unwrap() + 1
        });
        let end = n.min(start + limit.min(cap));
        let members: Vec<_> = (start..end)
            .map(|i| member(&format!("m-{i}"), "10.0.0.1", 80))
            .collect();
        let next = (end < n).then(|| format!("m-{}", end - 1));
        let page_info = if members.len() == limit {
            full_page_info(next)
        } else {
            json!({"next_marker": next, "current_count": members.len()})
        };
        Reply::json(
            200,
            json!({"members": members, "page_info": page_info}).to_string(),
        )
    }
}

/// Everything a listing yields: the ids, then the error it ended with.
async fn drain(p: &ElbProvider) -> (Vec<String>, Option<ErrorKind>) {
    let (read, error) = lb_backends_core::BackendProviderExt::collect_partial(p).await;
    (
        read.into_iter().map(|b| b.id).collect(),
        error.map(|e| e.kind()),
    )
}

/// Defect 3a: "more follows" written in a way lenient decoding turned into "end".
#[tokio::test]
async fn a_full_page_with_a_malformed_next_marker_is_incomplete() {
    type PageInfo = fn(Option<String>) -> serde_json::Value;
    let variants: Vec<(&str, PageInfo)> = vec![
        ("number", |_| json!({"next_marker": 7})),
        ("object", |_| json!({"next_marker": {"id": "m-1"}})),
        ("array", |m| json!({"next_marker": [m]})),
        ("empty string", |_| json!({"next_marker": ""})),
        ("null", |_| json!({"next_marker": null})),
        ("absent", |_| json!({})),
        ("page_info a string", |m| json!(m)),
        ("page_info an array", |m| json!([{"next_marker": m}])),
        ("page_info null", |_| json!(null)),
        (
            "current_count wrong",
            |m| json!({"next_marker": m, "current_count": 1}),
        ),
        (
            "current_count a string",
            |m| json!({"next_marker": m, "current_count": "x"}),
        ),
    ];
    for (what, info) in variants {
        let s = ScriptedServer::start_with(pool(6, 100, info)).await;
        let (ids, err) = drain(&provider(&s, 2)).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{what}: {ids:?}");
        assert!(ids.len() < 6, "{what}");
        assert!(s.request_count() <= 2, "{what}: {}", s.request_count());
    }
}

/// Defect 3b: a server that caps pages below `limit` still says more follows.
#[tokio::test]
async fn a_short_page_with_a_next_marker_is_followed() {
    let s = ScriptedServer::start_with(pool(5, 2, |m| json!({"next_marker": m}))).await;
    let (ids, err) = drain(&provider(&s, 4)).await;
    assert_eq!(err, None);
    assert_eq!(ids, ["m-0", "m-1", "m-2", "m-3", "m-4"]);
    assert_eq!(s.request_count(), 3);
}

/// A full last page without a next marker is confirmed by one more (empty) page.
#[tokio::test]
async fn a_full_page_without_a_next_marker_is_confirmed_by_an_empty_page() {
    let s = ScriptedServer::start_with(pool(4, 100, |m| json!({"next_marker": m}))).await;
    let (ids, err) = drain(&provider(&s, 2)).await;
    assert_eq!((ids.len(), err), (4, None));
    assert_eq!(s.request_count(), 3);
    assert!(s.requests()[2].target.ends_with("marker=m-3"));
}

#[tokio::test]
async fn an_empty_page_with_a_next_marker_is_incomplete() {
    let s = ScriptedServer::start_with(|_| page(&[], Some("m-9"))).await;
    let (ids, err) = drain(&provider(&s, 2)).await;
    assert_eq!((ids.len(), err), (0, Some(ErrorKind::Incomplete)));
    assert_eq!(s.request_count(), 1);
}

/// Defect 8d: a cursor no cloud id looks like ends the listing (exit 1), unsent.
#[tokio::test]
async fn an_unusable_cursor_ends_incomplete_without_being_sent() {
    let huge = "m".repeat(1 << 20);
    for (last, next) in [
        (huge.clone(), Some(huge.clone())),
        (huge.clone(), None),
        ("b".to_owned(), Some("a b/../c".to_owned())),
    ] {
        let body = json!({"members": [member("a", "10.0.0.1", 80), member(&last, "10.0.0.2", 80)],
            "page_info": {"next_marker": next}})
        .to_string();
        let s = ScriptedServer::start_with(move |_| Reply::json(200, body.clone())).await;
        let (ids, err) = drain(&provider(&s, 2)).await;
        assert_eq!(err, Some(ErrorKind::Incomplete));
        assert_eq!(ids.len(), 2);
        assert_eq!(s.request_count(), 1, "nothing sent with that cursor");
    }
}

/// Defect 8a: `get` of one id must not return another member.
#[tokio::test]
async fn get_refuses_a_member_with_another_id() {
    let s = ScriptedServer::start_with(|_| {
        Reply::json(
            200,
            json!({"member": member("other", "10.0.0.1", 80)}).to_string(),
        )
    })
    .await;
    let p = provider(&s, 2000);
    let err = p.get(&ResourceId::new("m1").unwrap()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.message().contains("other"), "{}", err.message());
    assert_eq!(s.request_count(), 1);
}

/// Where a lying server's marker-paged request is (`marker`, `limit`).
fn marker_position(req: &lb_backends_testkit::Request) -> (lb_backends_testkit::Position, usize) {
    use lb_backends_testkit::Position;
    let at = req
        .query("marker")
        .map_or(Position::Start, |m| Position::Marker(m.to_owned()));
    (at, req.query("limit").unwrap().parse().unwrap())
}

/// The `page_info` of a lie: its `next_marker` claim as ELB would write it.
fn marker_page_info(lie: &lb_backends_testkit::Lie) -> serde_json::Map<String, serde_json::Value> {
    use lb_backends_testkit::Claim;
    let mut info = serde_json::Map::new();
    match &lie.next {
        Claim::Absent => {}
        Claim::Int(n) => drop(info.insert("next_marker".into(), json!(n.to_string()))),
        Claim::Text(t) => drop(info.insert("next_marker".into(), json!(t))),
        Claim::WrongType => drop(info.insert("next_marker".into(), json!(12345))),
    }
    info
}

/// Item 10: every lying server ends in a bounded number of requests, Incomplete.
#[tokio::test]
async fn every_liar_ends_incomplete_in_a_bounded_number_of_requests() {
    use lb_backends_testkit::{Claim, Liar, Lie};
    fn render(lie: &Lie) -> Reply {
        let members: Vec<_> = lie
            .ids
            .iter()
            .map(|id| member(id, "10.0.0.1", 80))
            .collect();
        let mut info = marker_page_info(lie);
        match &lie.count {
            Claim::Int(n) => drop(info.insert("current_count".into(), json!(n))),
            Claim::WrongType => drop(info.insert("current_count".into(), json!("many"))),
            _ => {}
        }
        Reply::json(
            200,
            json!({"members": members, "page_info": info}).to_string(),
        )
    }
    let limit = 4;
    let max_records = 40;
    for liar in Liar::ALL {
        let s = liar.serve(marker_position, render).await;
        let p = provider(&s, limit).with_max_records(max_records);
        let (ids, err) = drain(&p).await;
        assert_eq!(err, Some(ErrorKind::Incomplete), "{liar:?}: {ids:?}");
        let bound = match liar {
            Liar::ShiftingIds => 12,
            _ => 3,
        };
        assert!(
            s.request_count() <= bound,
            "{liar:?}: {} requests",
            s.request_count()
        );
    }
}

/// Discovery (issue 13) pages `ListPools` as member listings are paged: every lying
/// server ends it `Incomplete`, in a bounded number of requests.
#[tokio::test]
async fn every_liar_ends_pool_discovery_incomplete_in_a_bounded_number_of_requests() {
    use futures::StreamExt;
    use lb_backends_core::discover::Discoverer;
    use lb_backends_testkit::{Liar, Lie};
    fn render(lie: &Lie) -> Reply {
        let pools: Vec<_> = lie
            .ids
            .iter()
            .map(|id| json!({"id": id, "name": "p", "protocol": "HTTP"}))
            .collect();
        let info = marker_page_info(lie);
        Reply::json(200, json!({"pools": pools, "page_info": info}).to_string())
    }
    for liar in Liar::ALL {
        let s = liar.serve(marker_position, render).await;
        let client = provider(&s, 4).client().clone();
        let pools = crate::ElbDiscoverer::new(client)
            .with_page_size(4)
            .with_max_records(40);
        let mut stream = pools.targets(None);
        let mut error = None;
        while let Some(item) = stream.next().await {
            if let Err(e) = item {
                error = Some(e.kind());
                break;
            }
        }
        // A liar the pool listing cannot tell from an honest server (totals: ListPools
        // sends none) may end well; every other one ends Incomplete.
        if !liar.lies_about_totals() {
            assert_eq!(error, Some(ErrorKind::Incomplete), "{liar:?}");
        }
        let bound = match liar {
            Liar::ShiftingIds => 12,
            _ => 3,
        };
        assert!(
            s.request_count() <= bound,
            "{liar:?}: {} requests",
            s.request_count()
        );
    }
}

/// Issue 8 (8a, 8d) for the ECS lookup: the member shown must be the one asked for,
/// and the VPC ports listing follows the same paging checks.
#[tokio::test]
async fn the_ecs_lookup_checks_the_member_and_the_ports_paging() {
    let s = ScriptedServer::start_with(|_| {
        Reply::json(
            200,
            json!({"member": {"id": "other", "instance_id": "ecs-9"}}).to_string(),
        )
    })
    .await;
    let err = provider(&s, 2000)
        .instance_of(&ResourceId::new("m").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);

    // A full page of ports whose last id cannot be a marker; then a repeating page.
    for last in ["p".repeat(1 << 20), "p1".to_owned()] {
        let s = ScriptedServer::start_with(move |req| {
            if req.target.contains("/ports") {
                let ports: Vec<_> = ["p1", last.as_str()]
                    .iter()
                    .map(|id| json!({"id": id, "device_id": "ecs-1", "fixed_ips": [{"subnet_id": "sub-a", "ip_address": "10.0.0.5"}]}))
                    .collect();
                Reply::json(200, json!({"ports": ports}).to_string())
            } else {
                Reply::json(
                    200,
                    json!({"member": {"id": "m", "address": "10.0.0.5", "subnet_cidr_id": "sub-a"}})
                        .to_string(),
                )
            }
        })
        .await;
        let err = provider(&s, 2)
            .instance_of(&ResourceId::new("m").unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        assert!(s.request_count() <= 3, "{}", s.request_count());
    }
}
