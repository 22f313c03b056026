//! Tencent CLB on API 3.0 (`ClbV3Provider`) against the emulator: standard CLBs
//! (layer-4 listeners, a layer-7 listener with rules) and classic CLBs, every target
//! form, health, get round trips, faults, the conformance suite, and bad input that
//! sends nothing.

mod tencent_common;

use std::collections::{BTreeSet, HashSet};

use async_trait::async_trait;
use lb_backends_core::{BackendProvider, BackendProviderExt, ErrorKind, Health, ResourceId};
use lb_backends_e2e::conformance::{self, Harness, Setup};
use lb_backends_emulator::{
    fleet::clb3::{demo_ids as demo, generate_standard},
    Emulator, FaultKind, Fleet, DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::{
    v3::clb::{BackendId, ClbV3Provider},
    TencentApi, TencentClient, TencentCredentials,
};
use tencent_common::*;

const BIG: &str = "lb-big00320";

fn clb(emu: &Emulator, target: &str) -> ClbV3Provider {
    ClbV3Provider::for_target(client3(emu), &target.parse().unwrap()).unwrap()
}

async fn emu_with_big() -> Emulator {
    let mut f = Fleet::demo();
    let mut extra = Fleet::new();
    extra
        .tencent
        .clb3
        .load_balancers
        .push(generate_standard(BIG, 320));
    f.merge(extra);
    emulator(f).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_clb_with_320_targets_lists_each_once_with_place_and_health() {
    let emu = emu_with_big().await;
    let all = clb(&emu, &format!("tencent-clb:{BIG}"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 320);
    let ids: HashSet<_> = all.iter().map(|b| b.id.clone()).collect();
    assert_eq!(ids.len(), 320);
    let mut per_listener = std::collections::BTreeMap::<String, usize>::new();
    for b in &all {
        let id: BackendId = b.id.parse().unwrap();
        *per_listener.entry(id.listener_id.clone()).or_default() += 1;
        assert_eq!(b.raw_value()["ListenerId"], id.listener_id.as_str());
        assert_eq!(b.port, Some(id.port));
        assert!(b.raw_value()["ListenerPort"].is_number());
        let n: usize = id.target[5..].parse().unwrap();
        let want = [
            Health::Healthy,
            Health::Healthy,
            Health::Unhealthy,
            Health::Pending,
        ][n % 4]
            .clone();
        assert_eq!(b.health, want, "{}", b.id);
        assert_eq!(b.weight, Some((n % 101) as u16));
        assert_eq!(
            id.location_id.is_some(),
            b.raw_value()["Protocol"] == "HTTP"
        );
    }
    assert_eq!(per_listener.len(), 3);
    assert_eq!(emu.request_count(), 3, "kind, targets, health");

    // Each listener, each rule: the parts add up to the whole, ids unchanged.
    let mut parts = HashSet::new();
    for target in [
        format!("tencent-clb:{BIG}/lbl-tbig00320"),
        format!("tencent-clb:{BIG}/lbl-ubig00320"),
        format!("tencent-clb:{BIG}/lbl-hbig00320/loc-abig00320"),
        format!("tencent-clb:{BIG}/lbl-hbig00320/loc-bbig00320"),
    ] {
        for b in clb(&emu, &target).collect_all().await.unwrap() {
            assert!(parts.insert(b.id.clone()), "{}", b.id);
        }
    }
    assert_eq!(parts, ids);
    let l7 = clb(&emu, &format!("tencent-clb:{BIG}/lbl-hbig00320"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(l7.len(), 160, "a layer-7 listener is every rule of it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_ids_round_trip_through_get_from_every_form() {
    let emu = emulator(Fleet::demo()).await;
    let whole = clb(&emu, &format!("tencent-clb:{}", demo::STANDARD));
    let all = whole.collect_all().await.unwrap();
    assert_eq!(all.len(), 6);
    let health: Vec<Health> = all.iter().map(|b| b.health.clone()).collect();
    assert!(health.contains(&Health::Unmonitored), "Close is mapped");
    for b in &all {
        let id = ResourceId::new(b.id.clone()).unwrap();
        let parsed: BackendId = b.id.parse().unwrap();
        let mut forms = vec![
            format!("tencent-clb:{}", demo::STANDARD),
            format!("tencent-clb:{}/{}", demo::STANDARD, parsed.listener_id),
        ];
        if let Some(loc) = &parsed.location_id {
            forms.push(format!(
                "tencent-clb:{}/{}/{loc}",
                demo::STANDARD,
                parsed.listener_id
            ));
        }
        for form in forms {
            assert_eq!(&clb(&emu, &form).get(&id).await.unwrap(), b, "{form}");
        }
    }
    let err = clb(
        &emu,
        &format!("tencent-clb:{}/{}", demo::STANDARD, demo::UDP),
    )
    .get(&ResourceId::new(all[0].id.clone()).unwrap())
    .await
    .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::NotFound,
        "a TCP backend is not on the UDP listener"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_clbs_and_legacy_fleet_lbs_list_on_3_0() {
    let emu = emulator(Fleet::demo()).await;
    let classic = clb(&emu, &format!("tencent-clb:{}", demo::CLASSIC))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(classic.len(), 2);
    assert_eq!(classic[0].health, Health::Healthy);
    assert_eq!(classic[1].health, Health::Unhealthy);
    // The seed's legacy LB, as a classic CLB: same ids as the legacy listing.
    let legacy = clb(&emu, "tencent-clb:lb-abcdefgh")
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = legacy.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["ins-123test1", "ins-123test2"]);
    let err = clb(&emu, &format!("tencent-clb:{}/lbl-x", demo::CLASSIC))
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_things_and_bad_input() {
    let emu = emulator(Fleet::demo()).await;
    let err = clb(&emu, "tencent-clb:lb-nothere0")
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = clb(&emu, &format!("tencent-clb:{}/lbl-nothere", demo::STANDARD))
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = clb(
        &emu,
        &format!("tencent-clb:{}/{}/loc-x", demo::STANDARD, demo::TCP),
    )
    .collect_all()
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");

    emu.reset_request_count();
    let bad_region = TencentClient::builder()
        .region("atlantis")
        .credentials(TencentCredentials::new("a", "b").unwrap())
        .api(TencentApi::V3)
        .build();
    assert_eq!(bad_region.unwrap_err().kind(), ErrorKind::InvalidInput);
    for bad in [
        "tencent-clb:lb-1/lbl-2/loc-3/x",
        "tencent-clb:lb 1",
        "tencent-clb:lb-1/../x",
    ] {
        assert!(bad.parse::<lb_backends_core::Target>().is_err(), "{bad}");
    }
    assert_eq!(emu.request_count(), 0, "bad input sends nothing");

    let wrong = ClbV3Provider::for_target(
        client3_with(&emu, "not-the-key", fast_retries()),
        &format!("tencent-clb:{}", demo::STANDARD).parse().unwrap(),
    )
    .unwrap();
    let err = wrong.collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));
    assert_eq!(emu.request_count(), 1, "not retried");

    emu.set_tencent_clock_offset(600);
    let err = clb(&emu, &format!("tencent-clb:{}", demo::STANDARD))
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Clock);
    assert_eq!(err.code(), Some("AuthFailure.SignatureExpire"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_limit_exceeded_and_5xx_and_drops_are_survived_exactly() {
    let emu = emu_with_big().await;
    let faults = read_faults();
    emu.set_faults(faults);
    for _ in 0..5 {
        let all = clb(&emu, &format!("tencent-clb:{BIG}"))
            .collect_all()
            .await
            .unwrap();
        let ids: HashSet<_> = all.iter().map(|b| b.id.clone()).collect();
        assert_eq!((all.len(), ids.len()), (320, 320));
    }
    assert!(emu
        .requests()
        .iter()
        .any(|r| r.fault == Some(FaultKind::TencentThrottle)));
}

struct Clb3Harness;

#[async_trait]
impl Harness for Clb3Harness {
    fn name(&self) -> &'static str {
        "tencent-clb (API 3.0)"
    }

    async fn setup(&self, n: usize) -> Setup {
        // Every fourth target is on the TCP listener: it holds `n`.
        let lb = generate_standard("lb-conform3", n * 4);
        // The TCP listener: one place, so the writes can be checked too.
        let tcp = &lb.listeners[0];
        let expected_ids: BTreeSet<String> = tcp
            .targets
            .iter()
            .map(|t| format!("{}:{}:{}", tcp.listener_id, t.instance_id, t.port))
            .collect();
        let mut fleet = Fleet::new();
        fleet.tencent.clb3.load_balancers.push(lb);
        let emulator = emulator(fleet).await;
        let c = client3(&emulator);
        let provider: Box<dyn BackendProvider> = Box::new(
            ClbV3Provider::for_target(
                c.clone(),
                &"tencent-clb:lb-conform3/lbl-tconform3".parse().unwrap(),
            )
            .unwrap(),
        );
        Setup {
            provider,
            missing_target: Box::new(
                ClbV3Provider::for_target(c, &"tencent-clb:lb-missing3".parse().unwrap()).unwrap(),
            ),
            emulator,
            expected_ids,
            new_backend: Some(lb_backends_core::NewBackend::new(
                "10.9.9.9".parse().unwrap(),
                lb_backends_core::Port::new(8080).unwrap(),
            )),
            secrets: vec![DEFAULT_TENCENT_SECRET_KEY.to_string()],
        }
    }
}

/// Every check of the suite but "a missing target keeps the cloud's code": API 3.0
/// answers an unknown load balancer with an empty `LoadBalancerSet`, which has no
/// code; `missing_things_and_bad_input` checks its `NotFound`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clb_3_0_passes_the_conformance_suite() {
    conformance::run_except_missing_target(&Clb3Harness).await;
}

mod writes {
    use std::time::Duration;

    use lb_backends_core::{
        transport::{RetryPolicy, TransportConfig},
        BackendUpdate, NewBackend, Port, Weight,
    };

    use super::*;

    fn patient(emu: &Emulator, target: &str) -> ClbV3Provider {
        let endpoint = lb_backends_core::Endpoint::parse(&emu.base_url()).unwrap();
        let client = TencentClient::builder()
            .region("ap-guangzhou")
            .credentials(
                TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY)
                    .unwrap(),
            )
            .endpoint_clb(endpoint)
            .transport_config(TransportConfig {
                retry: RetryPolicy::default()
                    .with_max_attempts(60)
                    .with_initial_backoff(Duration::from_millis(10))
                    .with_max_backoff(Duration::from_millis(100)),
                ..TransportConfig::default()
            })
            .build()
            .unwrap();
        ClbV3Provider::for_target(client, &target.parse().unwrap()).unwrap()
    }

    fn spec(ip: &str, port: i64, weight: i64) -> NewBackend {
        NewBackend::new(ip.parse().unwrap(), Port::new(port).unwrap())
            .with_weight(Weight::new(weight).unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn add_set_remove_on_a_layer_4_listener_and_a_layer_7_rule() {
        let emu = emulator(Fleet::demo()).await;
        emu.set_tencent_task_delay(Duration::from_millis(150));
        for (target, id) in [
            (
                format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP),
                "lbl-tcp00001:10.0.9.9:8081",
            ),
            (
                format!(
                    "tencent-clb:{}/{}/{}",
                    demo::STANDARD,
                    demo::HTTP,
                    demo::RULE_STATIC
                ),
                "lbl-http0001:loc-rule0002:10.0.9.9:8081",
            ),
        ] {
            let p = patient(&emu, &target);
            assert!(p.capabilities().add);
            let added = p.add(&spec("10.0.9.9", 8081, 33)).await.unwrap();
            assert_eq!(added.id, id);
            assert_eq!((added.port, added.weight), (Some(8081), Some(33)));
            // The task was polled until it ended.
            let polls = emu.requests().iter().filter(|r| r.path == "/").count();
            assert!(polls >= 4, "{polls}");
            let rid = ResourceId::new(id).unwrap();
            let set = p
                .update(
                    &rid,
                    &BackendUpdate::new().with_weight(Weight::new(7).unwrap()),
                )
                .await
                .unwrap();
            assert_eq!(set.weight, Some(7));
            let whole = clb(&emu, &format!("tencent-clb:{}", demo::STANDARD));
            assert_eq!(whole.get(&rid).await.unwrap().weight, Some(7));
            p.remove(&rid).await.unwrap();
            assert_eq!(p.get(&rid).await.unwrap_err().kind(), ErrorKind::NotFound);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ambiguous_scopes_and_bad_ids_send_no_write() {
        let emu = emulator(Fleet::demo()).await;
        let writes = |emu: &Emulator| emu.requests().len();
        let whole = patient(&emu, &format!("tencent-clb:{}", demo::STANDARD));
        let err = whole.add(&spec("10.0.9.9", 80, 1)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(
            err.message().contains(demo::TCP) && err.message().contains(demo::HTTP),
            "{err}"
        );
        let l7 = patient(
            &emu,
            &format!("tencent-clb:{}/{}", demo::STANDARD, demo::HTTP),
        );
        let err = l7.add(&spec("10.0.9.9", 80, 1)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains(demo::RULE_API), "{err}");
        // Only reads were sent: per provider (each has its own client, so its own
        // cache) the kind and the listeners.
        assert_eq!(writes(&emu), 4, "{:?}", emu.requests());

        emu.reset_request_count();
        for bad in ["ins-1", "lbl-x:ins-1:http", "lbl-tcp00001:ins-aaaa1111:0"] {
            let err = whole
                .remove(&ResourceId::new(bad).unwrap())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
        }
        let named = NewBackend::new("10.0.9.9".parse().unwrap(), Port::new(80).unwrap())
            .with_name(lb_backends_core::BackendName::new("x").unwrap());
        let l4 = patient(
            &emu,
            &format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP),
        );
        assert_eq!(
            l4.add(&named).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        let err = l4
            .update(
                &ResourceId::new("lbl-tcp00001:ins-aaaa1111:8080").unwrap(),
                &BackendUpdate::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let heavy = NewBackend::new("10.0.9.9".parse().unwrap(), Port::new(80).unwrap())
            .with_weight(Weight::new(101).unwrap());
        let err = l4.add(&heavy).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.message().contains("0 to 100"), "{err}");
        assert_eq!(emu.request_count(), 0, "nothing sent");
        assert!(Port::new(0).is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn twenty_concurrent_adds_on_one_lb_all_land() {
        let emu = emulator(Fleet::demo()).await;
        emu.set_tencent_task_delay(Duration::from_millis(20));
        // Few, fast retries (fast_retries: 8 attempts, 1-5 ms): the adds must queue
        // in-process rather than collide.
        let p = clb(
            &emu,
            &format!("tencent-clb:{}/{}", demo::STANDARD, demo::UDP),
        );
        let adds = (0..20).map(|i| {
            let p = p.clone();
            async move { p.add(&spec(&format!("10.0.8.{}", i + 1), 53, 10)).await }
        });
        let results = futures::future::join_all(adds).await;
        for r in &results {
            assert!(r.is_ok(), "{r:?}");
        }
        assert_eq!(p.collect_all().await.unwrap().len(), 21);
        // Serialised in-process: each add cost its write, its polls and its read-back,
        // and none was refused as ResourceInOperating (the client's retries are few).
        let calls = emu.requests().iter().filter(|r| r.path == "/").count();
        assert!(calls >= 20 * 3, "{calls} calls");
    }
}
