//! Tencent BMLB on API 3.0 (`BmlbV3Provider`) against the emulator: layer-7
//! locations and layer-4 listeners; list, add, set (weight and port), remove with
//! their tasks; all three `BindType`s; a failing task; the conformance suite for both
//! forms; the facade routing `tencent-bmlb` targets by API generation.

mod tencent_common;

use std::{collections::BTreeSet, time::Duration};

use async_trait::async_trait;
use lb_backends_core::{
    BackendProvider, BackendProviderExt, BackendUpdate, ErrorKind, Health, InstanceKind,
    NewBackend, Port, Weight,
};
use lb_backends_e2e::conformance::{self, Harness, Setup};
use lb_backends_emulator::{
    fleet::{demo::TENCENT_BMLB, demo::TENCENT_BMLB_L4, BmlbL4Listener},
    Emulator, Faults, Fleet, DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::{
    bmlb_provider, v3::bmlb::BmlbV3Provider, TencentApi, TencentClient, TencentCredentials,
};
use tencent_common::*;

fn bmlb3(emu: &Emulator, target: &str) -> BmlbV3Provider {
    BmlbV3Provider::for_target(client3(emu), &target.parse().unwrap()).unwrap()
}

fn l7_target() -> String {
    format!("tencent-bmlb:{}", TENCENT_BMLB.join("/"))
}

fn l4_target() -> String {
    format!("tencent-bmlb:{}", TENCENT_BMLB_L4.join("/"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layer_7_list_add_set_remove_with_tasks() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(60));
    let p = bmlb3(&emu, &l7_target());
    let listed = p.collect_all().await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["cpm-abcdefgh:1234", "10.2.0.5:8080"]);
    assert_eq!(listed[0].health, Health::Unhealthy);
    assert_eq!(
        listed[0].instance.as_ref().unwrap().kind,
        InstanceKind::BareMetal
    );
    assert_eq!(
        listed[0].instance.as_ref().unwrap().name.as_deref(),
        Some("XXX测试")
    );
    assert!(listed[1].instance.is_none(), "a VM by IP");
    assert_eq!(listed[1].weight, Some(20));

    // BindType 1 (by address), then 0 (cpm-), then 2 (another instance id).
    let vm = p
        .add(
            &NewBackend::new("10.2.0.9".parse().unwrap(), Port::new(8081).unwrap())
                .with_weight(Weight::new(30).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!((vm.id.as_str(), vm.weight), ("10.2.0.9:8081", Some(30)));
    assert_eq!(vm.raw_value()["Backend"]["BindType"], 1);
    let host = p
        .add(&NewBackend::instance(
            id("cpm-newhost1"),
            Port::new(80).unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(host.raw_value()["Backend"]["BindType"], 0);
    assert_eq!(host.weight, Some(10), "the default weight");
    let semi = p
        .add(&NewBackend::instance(
            id("hm-semi00002"),
            Port::new(80).unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(semi.raw_value()["Backend"]["BindType"], 2);
    let polls = emu.tencent_action_count("DescribeLoadBalancerTaskResult");
    assert!(polls >= 3, "every write waited for its task: {polls} polls");

    let set = p
        .update(
            &id("10.2.0.9:8081"),
            &BackendUpdate::new()
                .with_weight(Weight::new(5).unwrap())
                .with_port(Port::new(8082).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(
        (set.id.as_str(), set.weight, set.port),
        ("10.2.0.9:8082", Some(5), Some(8082))
    );
    for backend in ["10.2.0.9:8082", "cpm-newhost1:80", "hm-semi00002:80"] {
        p.remove(&id(backend)).await.unwrap();
    }
    assert_eq!(p.collect_all().await.unwrap().len(), 2);
    assert_eq!(
        p.remove(&id("cpm-newhost1:80")).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layer_4_list_add_set_remove_and_a_failing_task() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(40));
    let p = bmlb3(&emu, &l4_target());
    let listed = p.collect_all().await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["cpm-l4host01:9000", "cpm-semi0001:9000"]);
    assert_eq!(
        listed[1].instance.as_ref().unwrap().kind,
        InstanceKind::Unknown("semi-managed".into())
    );
    assert_eq!(listed[0].raw_value()["Backend"]["ProbePort"], -1);
    let added = p
        .add(&NewBackend::instance(
            id("cpm-l4host02"),
            Port::new(9000).unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(added.id, "cpm-l4host02:9000");
    // Changing the semi-managed host sends its BindType (2), else the emulator refuses.
    let set = p
        .update(
            &id("cpm-semi0001:9000"),
            &BackendUpdate::new().with_weight(Weight::new(0).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(set.weight, Some(0));
    let moved = p
        .update(
            &id("cpm-l4host02:9000"),
            &BackendUpdate::new().with_port(Port::new(9001).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(moved.id, "cpm-l4host02:9001");

    emu.fail_next_tencent_task("host cpm-l4host02 is isolated");
    let err = p.remove(&id("cpm-l4host02:9001")).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Service, Some("TaskFailed"))
    );
    let task = err.request_id().unwrap().to_string();
    assert!(
        task.ends_with("LBTASKID") && err.message().contains(&task),
        "{err}"
    );
    assert!(err.message().contains("UnbindL4Backends"), "{err}");
    assert_eq!(p.collect_all().await.unwrap().len(), 3, "not applied");
    p.remove(&id("cpm-l4host02:9001")).await.unwrap();
    assert_eq!(p.collect_all().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_sends_nothing_and_the_api_generation_picks_the_provider() {
    let emu = emulator(Fleet::demo()).await;
    let p = bmlb3(&emu, &l4_target());
    emu.reset_request_count();
    for bad in ["cpm-1", "cpm-1:0", "cpm-1:http", ":80"] {
        let err = p.remove(&id(bad)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
        let err = p
            .update(
                &id(bad),
                &BackendUpdate::new().with_weight(Weight::new(1).unwrap()),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
    }
    let err = p
        .add(
            &NewBackend::new("10.0.0.1".parse().unwrap(), Port::new(80).unwrap())
                .with_weight(Weight::new(101).unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.request_count(), 0, "nothing sent");

    // Legacy mode: layer 7 only, through the legacy provider.
    let legacy = client(&emu);
    let legacy = TencentClient::builder()
        .region("bj")
        .credentials(
            TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY).unwrap(),
        )
        .api(TencentApi::Legacy)
        .endpoint_clb(lb_backends_core::Endpoint::parse(&emu.base_url()).unwrap())
        .endpoint_bmlb(lb_backends_core::Endpoint::parse(&emu.base_url()).unwrap())
        .build()
        .map(|c| (c, legacy))
        .unwrap()
        .0;
    let err = bmlb_provider(legacy.clone(), &l4_target().parse().unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let old = bmlb_provider(legacy, &l7_target().parse().unwrap()).unwrap();
    assert!(
        !old.capabilities().add,
        "the legacy BMLB provider reads only"
    );
    let new = bmlb_provider(client3(&emu), &l7_target().parse().unwrap()).unwrap();
    assert!(new.capabilities().add && new.capabilities().update_port);
}

struct Bmlb3Harness {
    layer7: bool,
}

#[async_trait]
impl Harness for Bmlb3Harness {
    fn name(&self) -> &'static str {
        if self.layer7 {
            "tencent-bmlb (API 3.0, layer 7)"
        } else {
            "tencent-bmlb (API 3.0, layer 4)"
        }
    }

    async fn setup(&self, n: usize) -> Setup {
        let ids = ["lb-conform3b", "lbl-1", "dm-1", "loc-1"];
        let mut fleet = Fleet::generate_bmlb(ids[0], ids[1], ids[2], ids[3], n, 5);
        let bindings = fleet.tencent.bmlb.locations[0].bindings.clone();
        let expected_ids: BTreeSet<String> = bindings
            .iter()
            .map(|b| format!("{}:{}", b.instance_id3(), b.rs_port))
            .collect();
        let target = if self.layer7 {
            format!("tencent-bmlb:{}", ids.join("/"))
        } else {
            let mut l4 = BmlbL4Listener::new(ids[0], "lbl-4");
            l4.bindings = bindings;
            fleet.tencent.bmlb.locations.clear();
            fleet.tencent.bmlb.l4_listeners.push(l4);
            format!("tencent-bmlb:{}/lbl-4", ids[0])
        };
        let emulator = emulator(fleet).await;
        let c = client3(&emulator);
        let missing = if self.layer7 {
            "tencent-bmlb:lb-missing3b/lbl-1/dm-1/loc-1"
        } else {
            "tencent-bmlb:lb-missing3b/lbl-4"
        };
        Setup {
            provider: Box::new(
                BmlbV3Provider::for_target(c.clone(), &target.parse().unwrap()).unwrap(),
            ),
            missing_target: Box::new(
                BmlbV3Provider::for_target(c, &missing.parse().unwrap()).unwrap(),
            ),
            emulator,
            expected_ids,
            new_backend: Some(NewBackend::new(
                "10.9.9.9".parse().unwrap(),
                Port::new(8080).unwrap(),
            )),
            secrets: vec![DEFAULT_TENCENT_SECRET_KEY.to_string()],
        }
    }
}

/// Every check of the suite but "several pages": the BMLB 3.0 listings do not page
/// (one answer holds every binding), so the exactly-once check is made here instead.
async fn conformance_without_paging(h: &Bmlb3Harness) {
    let s = h.setup(conformance::BACKENDS).await;
    let ids: Vec<String> = s
        .provider
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(ids.len(), conformance::BACKENDS);
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), s.expected_ids);
    conformance::get_matches_list(h).await;
    conformance::missing_target_is_not_found(h).await;
    conformance::capabilities_are_honest(h).await;
    conformance::empty_update_sends_nothing(h).await;
    // The suite's fault check lists once; one unpaged call may draw no fault, so
    // list ten times under 20% faults (RequestLimitExceeded, 5xx, drops).
    let s = h.setup(conformance::BACKENDS).await;
    let faults = read_faults();
    s.emulator.set_faults(faults);
    for _ in 0..10 {
        let ids: BTreeSet<String> = s
            .provider
            .collect_all()
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect();
        assert_eq!(ids, s.expected_ids);
    }
    assert!(s.emulator.requests().iter().any(|r| r.fault.is_some()));
    conformance::dead_service_ends_in_a_retryable_error(h).await;
    conformance::debug_shows_no_secret(h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bmlb_3_0_layer_7_passes_the_conformance_suite() {
    conformance_without_paging(&Bmlb3Harness { layer7: true }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bmlb_3_0_layer_4_passes_the_conformance_suite() {
    conformance_without_paging(&Bmlb3Harness { layer7: false }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bmlb_writes_under_20_percent_faults_are_applied_once() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(10));
    let faults = write_faults();
    emu.set_faults(faults);
    let client = client3_with(
        &emu,
        DEFAULT_TENCENT_SECRET_KEY,
        retries(30, Duration::from_millis(1), Duration::from_millis(5)),
    );
    let p = BmlbV3Provider::for_target(client, &l4_target().parse().unwrap()).unwrap();
    for i in 0..8 {
        p.add(&NewBackend::new(
            format!("10.4.0.{}", i + 1).parse().unwrap(),
            Port::new(7000).unwrap(),
        ))
        .await
        .unwrap();
    }
    for i in 0..4 {
        let id = id(&format!("10.4.0.{}:7000", i + 1));
        p.update(
            &id,
            &BackendUpdate::new()
                .with_weight(Weight::new(66).unwrap())
                .with_port(Port::new(7001).unwrap()),
        )
        .await
        .unwrap();
    }
    for i in 4..8 {
        p.remove(&id(&format!("10.4.0.{}:7000", i + 1)))
            .await
            .unwrap();
    }
    emu.set_faults(Faults::none());
    let mut got: Vec<(String, Option<u16>)> = p
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.id, b.weight))
        .collect();
    got.sort();
    let mut want: Vec<(String, Option<u16>)> = (0..4)
        .map(|i| (format!("10.4.0.{}:7001", i + 1), Some(66)))
        .collect();
    want.extend([
        ("cpm-l4host01:9000".to_string(), Some(10)),
        ("cpm-semi0001:9000".to_string(), Some(10)),
    ]);
    want.sort();
    assert_eq!(got, want, "every write applied once");
    assert!(emu.requests().iter().any(|r| r.fault.is_some()));
}
