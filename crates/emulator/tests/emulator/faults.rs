//! Injected faults, as a raw client sees them, and the request counter and log.

use std::time::{Duration, Instant};

use lb_backends_emulator::{fleet::demo, Emulator, FaultInjection, FaultKind, Faults};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

/// Sends one raw HTTP/1.1 request and reads until the server closes.
async fn raw(emu: &Emulator, path: &str) -> Vec<u8> {
    let mut s = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nX-Auth-Token: {}\r\nConnection: close\r\n\r\n",
        emu.addr(),
        emu.huawei().token
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await; // a reset is an error: keep what came
    out
}

#[tokio::test]
async fn drop_connection_is_a_connection_error() {
    let emu = demo().await;
    emu.inject_next(FaultKind::DropConnection);
    let err = client()
        .get(members_url(&emu, demo::POOL_WEB))
        .header("X-Auth-Token", &emu.huawei().token)
        .send()
        .await;
    assert!(err.is_err(), "{err:?}");
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].fault, Some(FaultKind::DropConnection));

    emu.inject_next(FaultKind::DropConnection);
    let path = format!(
        "/v3/{}/elb/pools/{}/members",
        emu.huawei().project_id,
        demo::POOL_WEB
    );
    assert!(raw(&emu, &path).await.is_empty());
    // The next request is fine.
    assert_eq!(get(&emu, &members_url(&emu, demo::POOL_WEB)).await.0, 200);
}

#[tokio::test]
async fn truncated_body_is_a_body_error() {
    let emu = demo().await;
    emu.inject_next(FaultKind::TruncatedBody);
    let resp = client()
        .get(members_url(&emu, demo::POOL_WEB))
        .header("X-Auth-Token", &emu.huawei().token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let declared = resp.content_length().unwrap();
    assert!(declared > 100);
    assert!(resp.bytes().await.is_err(), "the body must fail");

    emu.inject_next(FaultKind::TruncatedBody);
    let path = format!(
        "/v3/{}/elb/pools/{}/members",
        emu.huawei().project_id,
        demo::POOL_WEB
    );
    let bytes = raw(&emu, &path).await;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").expect("headers were sent");
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap();
    assert!(
        !body.is_empty() && body.len() < len,
        "got {} of {len}",
        body.len()
    );
}

#[tokio::test]
async fn throttle_and_server_errors() {
    let emu = demo().await;
    emu.set_faults(Faults {
        retry_after: Duration::from_secs(7),
        ..Faults::none()
    });
    emu.inject_next(FaultKind::Throttle);
    let url = members_url(&emu, demo::POOL_WEB);
    let resp = client()
        .get(&url)
        .header("X-Auth-Token", &emu.huawei().token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert!(resp.headers().contains_key("x-request-id"));
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v,
        json!({"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:5 minute"})
    );

    let mut statuses = std::collections::BTreeSet::new();
    let mut html = false;
    for _ in 0..30 {
        emu.inject_next(FaultKind::ServerError);
        let resp = client()
            .get(&url)
            .header("X-Auth-Token", &emu.huawei().token)
            .send()
            .await
            .unwrap();
        statuses.insert(resp.status().as_u16());
        html |= resp.text().await.unwrap().contains("<html>");
    }
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        vec![500, 502, 503]
    );
    assert!(html);
}

#[tokio::test]
async fn drop_after_commit_really_commits() {
    let emu = demo().await;
    emu.inject(
        FaultInjection::new(FaultKind::DropAfterCommit)
            .method("POST")
            .path_contains("/members"),
    );
    // A GET first: not matched, served normally.
    assert_eq!(get(&emu, &members_url(&emu, demo::POOL_EMPTY)).await.0, 200);
    let body = json!({"member": {"address": "10.0.1.77", "protocol_port": 443, "subnet_cidr_id": demo::SUBNET_A1}});
    let res = client()
        .post(members_url(&emu, demo::POOL_EMPTY))
        .header("X-Auth-Token", &emu.huawei().token)
        .body(body.to_string())
        .send()
        .await;
    assert!(res.is_err(), "{res:?}");
    let members = emu.huawei_members(demo::POOL_EMPTY).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].address, "10.0.1.77");
    // The blind retry meets its own first attempt.
    let (s, v, _) = call(
        &emu,
        "POST",
        &members_url(&emu, demo::POOL_EMPTY),
        Some(body),
    )
    .await;
    assert_eq!((s, v["error_code"].as_str()), (409, Some("ELB.8907")));
    // The safe retry finds it.
    let (_, v) = get(
        &emu,
        &format!(
            "{}?address=10.0.1.77&protocol_port=443",
            members_url(&emu, demo::POOL_EMPTY)
        ),
    )
    .await;
    assert_eq!(v["members"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn random_faults_are_seeded_and_latency_applies() {
    async fn run(seed: u64) -> Vec<u16> {
        let emu = Emulator::builder()
            .seed(seed)
            .faults(Faults {
                rate: 0.5,
                kinds: vec![FaultKind::ServerError, FaultKind::Throttle],
                retry_after: Duration::ZERO,
                ..Faults::none()
            })
            .start()
            .await
            .unwrap();
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(get(&emu, &members_url(&emu, demo::POOL_UDP)).await.0);
        }
        out
    }
    let a = run(9).await;
    assert_eq!(a, run(9).await);
    assert!(a.contains(&200) && a.iter().any(|s| *s != 200), "{a:?}");

    let emu = demo().await;
    emu.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::none()
    });
    let t = Instant::now();
    assert_eq!(get(&emu, &members_url(&emu, demo::POOL_UDP)).await.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    emu.set_faults(Faults::none());
    assert!(!emu.faults().is_active());
}

#[tokio::test]
async fn request_counter_and_log() {
    let emu = demo().await;
    assert_eq!(emu.request_count(), 0);
    // Counted before auth and routing.
    let _ = client()
        .get(format!("{}/nowhere?x=1", emu.base_url()))
        .send()
        .await
        .unwrap();
    let _ = client()
        .get(members_url(&emu, demo::POOL_WEB))
        .send()
        .await
        .unwrap();
    let _ = get(
        &emu,
        &format!("{}?limit=1", members_url(&emu, demo::POOL_WEB)),
    )
    .await;
    assert_eq!(emu.request_count(), 3);
    let log = emu.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].path.as_str(),
            log[0].query.as_deref(),
            log[0].status
        ),
        ("GET", "/nowhere", Some("x=1"), Some(404))
    );
    assert_eq!(log[1].status, Some(401));
    assert_eq!(log[2].status, Some(200));
    assert_eq!(log[2].query.as_deref(), Some("limit=1"));
    emu.reset_request_count();
    assert_eq!(emu.request_count(), 0);
    assert!(emu.requests().is_empty());
    let _ = get(&emu, &members_url(&emu, demo::POOL_WEB)).await;
    assert_eq!(emu.request_count(), 1);
    assert_eq!(emu.requests()[0].status, Some(200));

    let base = emu.base_url();
    emu.shutdown().await;
    assert!(client().get(base).send().await.is_err(), "stopped");
}

#[tokio::test]
async fn max_in_flight_counts_overlapping_requests() {
    let emu = demo().await;
    let url = members_url(&emu, demo::POOL_WEB);
    get(&emu, &url).await;
    get(&emu, &url).await;
    assert_eq!(emu.max_in_flight(), 1, "one after the other");

    emu.reset_request_count();
    emu.set_faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::none()
    });
    let (a, b, c) = tokio::join!(get(&emu, &url), get(&emu, &url), get(&emu, &url));
    assert_eq!((a.0, b.0, c.0), (200, 200, 200));
    assert_eq!(emu.max_in_flight(), 3, "three held by the latency at once");
}

#[tokio::test]
async fn the_log_says_when_each_request_arrived() {
    let emu = demo().await;
    let before = emu.requests().len();
    assert_eq!(before, 0);
    for _ in 0..3 {
        raw(&emu, "/nowhere").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    emu.reset_request_count();
    raw(&emu, "/nowhere").await;
    let log = emu.requests();
    assert_eq!(log.len(), 1, "the reset empties the log");
    // The clock is the emulator's since start: not reset, and never going back.
    assert!(log[0].received_at >= Duration::from_millis(150), "{log:?}");
    raw(&emu, "/nowhere").await;
    let log = emu.requests();
    assert!(log[1].received_at >= log[0].received_at, "{log:?}");
}
