//! Fixtures, robustness against odd input, routing.

use std::net::SocketAddr;

use lb_backends_emulator::{fleet::demo, Emulator, Error, Fleet};
use serde_json::Value;

use crate::common::*;

#[test]
fn demo_fixture_file_is_the_demo_fleet() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.json");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(path, Fleet::demo().to_json_pretty() + "\n").unwrap();
    }
    let from_file =
        Fleet::from_file(path).expect("demo.json loads (UPDATE_FIXTURES=1 rewrites it)");
    assert_eq!(from_file, Fleet::demo());
}

#[test]
fn bad_fixtures_are_refused() {
    let bad = [
        r#"{"huawei": {"elb": {"pools": [{"id": "p", "members": [{"address": "x", "protocol_port": 1}]}]}}}"#,
        r#"{"huawei": {"elb": {"pools": [{"id": "p", "members": [{"address": "10.0.0.1", "protocol_port": 0}]}]}}}"#,
        r#"{"huawei": {"elb": {"pools": [{"id": "p", "members": [{"address": "10.0.0.1", "protocol_port": 1, "weight": 101}]}]}}}"#,
        r#"{"huawei": {"elb": {"pools": [{"id": "p", "members": [{"address": "10.0.0.1", "protocol_port": 1}, {"address": "10.0.0.1", "protocol_port": 1}]}]}}}"#,
        r#"{"huawei": {"elb": {"pools": [{"id": "p"}, {"id": "p"}]}}}"#,
        r#"{"huawei": {"elb": {"pools": [{"id": "p", "protocol": "SCTP"}]}}}"#,
        r#"{"huawei": {"elb": {"pools": [{"id": "p", "cross_vcp": true}]}}}"#,
        r#"{"huawei": {"elb": {"pools": [{"id": "p", "members": [{"address": "10.0.0.1", "protocol_port": 1, "subnet_cidr_id": "s"}]}]}}}"#,
        r#"{"huawei": {"vpc": {"subnets": [{"id": "s", "cidr": "10.0.0.0/99"}]}}}"#,
        r#"not json"#,
    ];
    for f in bad {
        assert!(
            matches!(Fleet::from_json_str(f), Err(Error::Fixture(_))),
            "{f}"
        );
    }
    // Unknown top-level sections are left for other versions.
    assert!(Fleet::from_json_str(r#"{"tencent": {"x": 1}}"#).is_ok());
    assert!(matches!(
        Fleet::from_file("/no/such/file.json"),
        Err(Error::FixtureIo { .. })
    ));
}

#[tokio::test]
async fn only_loopback() {
    let addr: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = Emulator::builder().listen(addr).start().await.unwrap_err();
    assert!(matches!(err, Error::NotLoopback(_)));
    assert!(err.to_string().contains("loopback"));
    let emu = Emulator::builder()
        .listen("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    assert!(emu.base_url().starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn odd_requests_get_realistic_answers() {
    let emu = demo().await;
    let p = &emu.huawei().project_id;
    let b = emu.base_url();
    let cases: Vec<(String, u16)> = vec![
        (format!("{b}/"), 404),
        // Issue 13: ListPools is served; a path the emulator does not serve is 404.
        (format!("{b}/v3/{p}/elb/loadbalancers"), 404),
        (format!("{b}/v3/{p}/elb/pools/%2e%2e%2Fx/members"), 404),
        (
            format!("{b}/v3/{p}/elb/pools/{}/members/%ff%fe", demo::POOL_WEB),
            400,
        ),
        (
            format!(
                "{b}/v3/{p}/elb/pools/{}/members?limit=%ff&&&=&marker",
                demo::POOL_WEB
            ),
            400,
        ),
        (
            format!(
                "{b}/v3/{p}/elb/pools/{}/members?address=%zz",
                demo::POOL_WEB
            ),
            200,
        ),
        (format!("{b}/v1/{p}/ports?fixed_ips=&limit=1"), 400),
    ];
    for (url, status) in cases {
        let (s, v) = get(&emu, &url).await;
        assert_eq!(s, status, "{url}: {v}");
        assert!(v["error_code"].is_string() || s == 200, "{url}: {v}");
    }
    // Wrong method on a known path: the gateway knows no such API.
    let (s, v, _) = call(&emu, "PATCH", &members_url(&emu, demo::POOL_WEB), None).await;
    assert_eq!((s, v["error_code"].as_str()), (404, Some("APIGW.0101")));
    // The server is still fine.
    let (s, v): (u16, Value) = get(&emu, &members_url(&emu, demo::POOL_WEB)).await;
    assert_eq!((s, v["members"].as_array().map(Vec::len)), (200, Some(6)));
}
