//! Issue 13, library level, against the emulator: each provider's discoverer pages
//! (small pages, so several), its server-side filter, the core's `find`, and the
//! scoping of a discoverer to its project and API generation.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use lb_backends_core::{
    discover::{find, Discoverer, FilterSupport, Needle},
    transport::{RetryPolicy, TransportConfig},
    BackendProvider, Endpoint, ErrorKind, Result, Target, TargetInfo,
};
use lb_backends_emulator::{
    tencent::{DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY},
    Emulator, Fleet, DEFAULT_AK, DEFAULT_SK,
};
use lb_backends_huawei_apig::{ApigDiscoverer, ApigProvider};
use lb_backends_huawei_core::{Credentials, HuaweiClient};
use lb_backends_huawei_elb::{ElbDiscoverer, ElbProvider};
use lb_backends_tencent::{
    BmlbDiscoverer, ClbDiscoverer, ClbV3Provider, TencentApi, TencentClient, TencentCredentials,
};
use serde_json::{json, Value};

const A: &str = "10.9.9.9";

fn transport() -> TransportConfig {
    TransportConfig {
        retry: RetryPolicy::default().with_max_attempts(2),
        ..TransportConfig::default()
    }
}

fn huawei(emu: &Emulator, project: &str) -> HuaweiClient {
    HuaweiClient::builder()
        .project_id(project)
        .credentials(Credentials::ak_sk(DEFAULT_AK, DEFAULT_SK))
        .endpoint_all(emu.base_url())
        .transport_config(transport())
        .build()
        .unwrap()
}

fn tencent(emu: &Emulator, api: TencentApi) -> TencentClient {
    let endpoint = Endpoint::parse(&emu.base_url()).unwrap();
    TencentClient::builder()
        .region("gz")
        .credentials(
            TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY).unwrap(),
        )
        .api(api)
        .endpoint_clb(endpoint.clone())
        .endpoint_bmlb(endpoint)
        .transport_config(transport())
        .build()
        .unwrap()
}

/// 23 ELB pools (A in 5, 9 and 17), 2 APIG instances of 6 channels (A in one),
/// 25 CLB load balancers (A in 4 and 21), 7 BMLB locations over 4 load balancers
/// (A in one) and a BMLB layer-4 listener (A on it).
fn fleet() -> Fleet {
    let pools: Vec<Value> = (0..23)
        .map(|i| {
            let mut members = vec![json!({"protocol_port": 80, "address": format!("10.1.{i}.1")})];
            if [5, 9, 17].contains(&i) {
                members.push(json!({"protocol_port": 81, "address": A}));
            }
            json!({"id": format!("5d{i:06}-0000-4000-8000-{i:012}"), "members": members})
        })
        .collect();
    let instances: Vec<Value> = (1..=2)
        .map(|n| {
            let channels: Vec<Value> = (1..=6)
                .map(|c| {
                    let host = if n == 2 && c == 6 { A.to_owned() } else { format!("192.168.{n}.{c}") };
                    json!({
                        "id": format!("c{n}{c:030}"), "name": format!("ch-{n}-{c}"),
                        "member_type": "ip", "port": 80,
                        "members": [{"id": format!("b{n}{c:030}"), "host": host, "port": 80, "weight": 1, "status": 1}],
                    })
                })
                .collect();
            json!({"id": format!("e{n:031}"), "channels": channels})
        })
        .collect();
    let lbs: Vec<Value> = (0..25)
        .map(|i| {
            let ip = if i == 4 || i == 21 { A.to_owned() } else { format!("10.2.0.{i}") };
            json!({
                "LoadBalancerId": format!("lb-d{i:07}"), "Forward": 1,
                "Listeners": [{"ListenerId": format!("lbl-d{i:06}"), "Protocol": "TCP", "Port": 80,
                               "Targets": [{"InstanceId": format!("ins-d{i:06}"), "Port": 80, "PrivateIp": ip}]}],
            })
        })
        .collect();
    let locations: Vec<Value> = (0..7)
        .map(|i| {
            let ip = if i == 5 { A.to_owned() } else { format!("10.3.0.{i}") };
            json!({
                "loadBalancerId": format!("lb-bm{:05}", i % 4), "listenerId": format!("lbl-bm{:04}", i % 2),
                "domainId": format!("dm-bm{i:05}"), "locationId": format!("loc-bm{i:04}"),
                "data": [{"bindType": 1, "rsPort": 80, "weight": 1, "status": "Alive", "lanIp": ip,
                          "instanceId": ip, "alias": "", "mgtIp": "", "operates": []}],
            })
        })
        .collect();
    let l4 = json!([{
        "loadBalancerId": "lb-bm00002", "listenerId": "lbl-bml4000",
        "data": [{"bindType": 1, "rsPort": 443, "weight": 1, "status": "Alive", "lanIp": A,
                  "instanceId": A, "alias": "", "mgtIp": "", "operates": []}],
    }]);
    let text = json!({
        "huawei": {"elb": {"pools": pools}, "apig": {"instances": instances}},
        "tencent": {"clb3": {"LoadBalancers": lbs}, "bmlb": {"locations": locations, "l4Listeners": l4}},
    })
    .to_string();
    Fleet::from_json_str(&text).unwrap()
}

async fn start() -> Emulator {
    Emulator::builder().fleet(fleet()).start().await.unwrap()
}

async fn all(d: &dyn Discoverer, filter: Option<&Needle>) -> Result<Vec<TargetInfo>> {
    d.targets(filter).try_collect().await
}

fn texts(infos: &[TargetInfo]) -> BTreeSet<String> {
    infos.iter().map(|i| i.target.to_string()).collect()
}

#[tokio::test]
async fn elb_pools_page_by_marker_and_filter_on_the_server() {
    let emu = start().await;
    let project = emu.huawei().project_id.clone();
    let d = ElbDiscoverer::new(huawei(&emu, &project)).with_page_size(5);
    let every = all(&d, None).await.unwrap();
    assert_eq!(every.len(), 23);
    assert_eq!(texts(&every).len(), 23, "no pool twice");
    let pages = emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/elb/pools"))
        .count();
    assert_eq!(pages, 5, "23 pools at 5 a page");
    // A full last page without next_marker: one more (empty) page confirms the end.
    let exact = ElbDiscoverer::new(huawei(&emu, &project)).with_page_size(23);
    let before = emu.requests().len();
    assert_eq!(all(&exact, None).await.unwrap().len(), 23);
    let asked: Vec<_> = emu.requests()[before..]
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(asked.len(), 2, "{asked:#?}");
    assert!(asked[1].contains("marker=5d000022-"), "{asked:#?}");

    let needle: Needle = A.parse().unwrap();
    assert_eq!(d.filter_support(&needle), FilterSupport::Exact);
    let some = all(&d, Some(&needle)).await.unwrap();
    assert_eq!(some.len(), 3);

    // find: the filter, then only the three pools are listed.
    let before = emu.requests().len();
    let client = huawei(&emu, &project);
    let found: Vec<_> = find(&d, &needle, move |t: &Target| {
        Ok(Box::new(ElbProvider::for_target(client.clone(), t)?) as Box<dyn BackendProvider>)
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|r| r.backend.port == Some(81)));
    let listed: BTreeSet<String> = emu.requests()[before..]
        .iter()
        .filter(|r| r.path.ends_with("/members"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(listed.len(), 3, "{listed:#?}");

    // A port narrows after listing: the filter is only a candidate list then.
    let with_port: Needle = format!("{A}:80").parse().unwrap();
    assert_eq!(d.filter_support(&with_port), FilterSupport::Candidates);
}

#[tokio::test]
async fn a_discoverer_is_scoped_to_its_project() {
    let emu = start().await;
    let d = ElbDiscoverer::new(huawei(&emu, "fedcba9876543210fedcba9876543210"));
    let err = all(&d, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
}

#[tokio::test]
async fn apig_channels_of_every_instance_page_by_offset_and_filter_by_host() {
    let emu = start().await;
    let client = huawei(&emu, &emu.huawei().project_id.clone());
    let d = ApigDiscoverer::new(client.clone()).with_page_size(4);
    let every = all(&d, None).await.unwrap();
    assert_eq!(every.len(), 12);
    assert!(every.iter().all(|i| i.port == Some(80) && i.name.is_some()));
    let needle: Needle = A.parse().unwrap();
    let some = all(&d, Some(&needle)).await.unwrap();
    assert_eq!(
        texts(&some),
        [format!("huawei-apig:e{:031}/c2{:030}", 2, 6)]
            .into_iter()
            .collect()
    );
    // One instance only.
    let one = ApigDiscoverer::new(client.clone()).with_instances(vec![
        lb_backends_core::ResourceId::new(format!("e{:031}", 1)).unwrap(),
    ]);
    assert_eq!(all(&one, None).await.unwrap().len(), 6);
    let found: Vec<_> = find(&d, &needle, move |t: &Target| {
        Ok(Box::new(ApigProvider::for_target(client.clone(), t)?) as Box<dyn BackendProvider>)
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn clb_load_balancers_page_by_offset_and_filter_by_backend_ip() {
    let emu = start().await;
    let client = tencent(&emu, TencentApi::V3);
    let d = ClbDiscoverer::new(client.clone()).with_page_size(10);
    let every = all(&d, None).await.unwrap();
    assert_eq!(every.len(), 25);
    let needle: Needle = A.parse().unwrap();
    let some = all(&d, Some(&needle)).await.unwrap();
    assert_eq!(
        texts(&some),
        ["tencent-clb:lb-d0000004", "tencent-clb:lb-d0000021"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let found: Vec<_> = find(&d, &needle, move |t: &Target| {
        Ok(Box::new(ClbV3Provider::for_target(client.clone(), t)?) as Box<dyn BackendProvider>)
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(found.len(), 2);
    // By instance: no server filter, every load balancer is a candidate.
    let ins: Needle = "ins-d000021".parse().unwrap();
    assert_eq!(d.filter_support(&ins), FilterSupport::None);
}

#[tokio::test]
async fn bmlb_locations_of_every_load_balancer() {
    let emu = start().await;
    let client = tencent(&emu, TencentApi::V3);
    let d = BmlbDiscoverer::new(client.clone()).with_page_size(3);
    let every = all(&d, None).await.unwrap();
    assert_eq!(every.len(), 8, "{:#?}", texts(&every));
    let needle: Needle = A.parse().unwrap();
    let found: Vec<_> = find(&d, &needle, move |t: &Target| {
        lb_backends_tencent::bmlb_provider(client.clone(), t)
    })
    .try_collect()
    .await
    .unwrap();
    let places: BTreeSet<String> = found.iter().map(|f| f.target.target.to_string()).collect();
    assert_eq!(
        places,
        BTreeSet::from([
            "tencent-bmlb:lb-bm00001/lbl-bm0001/dm-bm00005/loc-bm0005".to_owned(),
            "tencent-bmlb:lb-bm00002/lbl-bml4000".to_owned(),
        ])
    );
}

#[tokio::test]
async fn legacy_tencent_discovery_is_unsupported() {
    let emu = start().await;
    let client = tencent(&emu, TencentApi::Legacy);
    for d in [
        Box::new(ClbDiscoverer::new(client.clone())) as Box<dyn Discoverer>,
        Box::new(BmlbDiscoverer::new(client)),
    ] {
        let err = all(&*d, None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
    }
}

/// The emulator's discovery calls, raw: filters and refusals as the clouds answer.
#[tokio::test]
async fn the_emulator_serves_the_enumeration_calls_with_their_filters() {
    let emu = start().await;
    let p = emu.huawei().project_id.clone();
    let b = emu.base_url();
    let http = reqwest::Client::new();
    let get = |url: String| {
        let http = http.clone();
        async move {
            let r = http
                .get(url)
                .header("X-Auth-Token", lb_backends_emulator::DEFAULT_TOKEN)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
            )
        }
    };
    let (s, v) = get(format!("{b}/v3/{p}/elb/pools?limit=2&member_address={A}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["pools"].as_array().unwrap().len(), 2);
    let next = v["page_info"]["next_marker"].as_str().unwrap().to_owned();
    let (_, v) = get(format!(
        "{b}/v3/{p}/elb/pools?limit=2&member_address={A}&marker={next}"
    ))
    .await;
    assert_eq!(v["pools"].as_array().unwrap().len(), 1);
    assert!(v["page_info"]["next_marker"].is_null(), "{v}");
    let (s, _) = get(format!("{b}/v3/{p}/elb/pools?marker=no-such-pool")).await;
    assert_eq!(s, 400);
    let (s, _) = get(format!("{b}/v3/{p}/elb/pools?limit=2001")).await;
    assert_eq!(s, 400);
    let (_, v) = get(format!("{b}/v3/{p}/elb/pools?member_address=10.250.0.1")).await;
    assert_eq!(v["pools"].as_array().unwrap().len(), 0);
    // APIG: member_host and member_port, offset paging with a total.
    let inst = format!("e{:031}", 2);
    let (s, v) = get(format!(
        "{b}/v2/{p}/apigw/instances/{inst}/vpc-channels?member_host={A}&member_port=80"
    ))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["total"].as_u64(), v["size"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, v) = get(format!(
        "{b}/v2/{p}/apigw/instances/{inst}/vpc-channels?member_host={A}&member_port=81"
    ))
    .await;
    assert_eq!(v["total"], 0);
    let (_, v) = get(format!(
        "{b}/v2/{p}/apigw/instances/{inst}/vpc-channels?offset=4&limit=4"
    ))
    .await;
    assert_eq!(
        (v["total"].as_u64(), v["size"].as_u64()),
        (Some(6), Some(2))
    );
    let (s, _) = get(format!("{b}/v2/{p}/apigw/instances?limit=501")).await;
    assert_eq!(s, 400);
    let (_, v) = get(format!("{b}/v2/{p}/apigw/instances")).await;
    assert_eq!(v["total"], 2);
}
