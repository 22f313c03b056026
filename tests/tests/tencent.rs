//! Tencent CLB and BMLB providers against the emulator: paging, every field of the
//! seeds' examples, faults, every error code, input checks, credentials and clock.

mod tencent_common;

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;
use lb_backends_core::{
    Backend, BackendProvider, BackendProviderExt, ErrorKind, Health, InstanceKind, InstanceState,
    ResourceId, Target,
};
use lb_backends_emulator::{
    fleet::{demo, ForcedError},
    FaultKind, Faults, Fleet, DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::{ClbProvider, HttpMethod, SignatureMethod};
use serde_json::json;
use tencent_common::*;

fn assert_each_once(backends: &[Backend], expected: usize) {
    let ids: HashSet<&str> = backends.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(backends.len(), expected);
    assert_eq!(ids.len(), expected, "every backend exactly once");
}

fn check_clb_against_fleet(backends: &[Backend], fleet: &Fleet, lb: &str) {
    let records = &fleet.tencent_clb(lb).unwrap().backends;
    assert_each_once(backends, records.len());
    for (b, r) in backends.iter().zip(records) {
        assert_eq!(b.id, r.un_instance_id);
        assert_eq!(b.address, Some(r.lan_ip.parse().unwrap()));
        assert_eq!(b.weight.map(u32::from), Some(r.weight));
        assert_eq!(b.port, None);
        assert_eq!(b.health, Health::NotReported);
        let i = b.instance.as_ref().unwrap();
        assert_eq!(i.id, r.un_instance_id);
        assert_eq!(i.kind, InstanceKind::Cvm);
        assert_eq!(i.name.as_deref(), Some(r.instance_name.as_str()));
        assert!(i.state.is_some());
        if r.instance_status == 15 {
            assert_eq!(i.state, Some(InstanceState::Unknown("15".into())));
        }
        assert_eq!(b.raw, r.to_api());
    }
}

fn check_bmlb_against_fleet(backends: &[Backend], fleet: &Fleet, ids: [&str; 4]) {
    let records = &fleet
        .tencent_bmlb_location(ids[0], ids[1], ids[2], ids[3])
        .unwrap()
        .bindings;
    assert_each_once(backends, records.len());
    for (b, r) in backends.iter().zip(records) {
        assert_eq!(b.address, Some(r.lan_ip.parse().unwrap()));
        assert_eq!(b.port, Some(r.rs_port));
        assert_eq!(b.weight.map(u32::from), Some(r.weight));
        let health = if r.status == "Alive" {
            Health::Healthy
        } else {
            Health::Unhealthy
        };
        assert_eq!(b.health, health);
        assert_eq!(b.raw, r.to_api());
        if r.bind_type == 0 {
            assert_eq!(b.id, r.instance_id);
            let i = b.instance.as_ref().unwrap();
            assert_eq!(
                (i.id.as_str(), i.kind.clone()),
                (r.instance_id.as_str(), InstanceKind::BareMetal)
            );
            assert_eq!(i.name.as_deref(), Some(r.alias.as_str()));
        } else {
            assert_eq!(b.id, format!("{}:{}", r.lan_ip, r.rs_port));
            assert!(b.instance.is_none());
        }
    }
}

#[tokio::test]
async fn clb_lists_250_backends_in_three_pages_with_every_field_in_place() {
    let fleet = fleet();
    let emu = emulator(fleet.clone()).await;
    let clb = ClbProvider::new(client(&emu), id(CLB_250));
    let all = clb.collect_all().await.unwrap();
    check_clb_against_fleet(&all, &fleet, CLB_250);
    let pages: Vec<(String, String)> = logged_queries(&emu)
        .into_iter()
        .map(|q| (q["offset"].clone(), q["limit"].clone()))
        .collect();
    let want = [("0", "100"), ("100", "100"), ("200", "100")];
    assert_eq!(pages, want.map(|(o, l)| (o.to_string(), l.to_string())));

    // The seed's example, field by field.
    let seed = ClbProvider::for_target(
        client(&emu),
        &format!("tencent-clb:{}", demo::TENCENT_CLB)
            .parse()
            .unwrap(),
    )
    .unwrap()
    .collect_all()
    .await
    .unwrap();
    assert_eq!(seed.len(), 2);
    let b = &seed[0];
    assert_eq!(b.id, "ins-123test1");
    assert_eq!(b.address, Some("10.10.10.1".parse().unwrap()));
    assert_eq!(b.weight, Some(10));
    let i = b.instance.as_ref().unwrap();
    assert_eq!(i.id, "ins-123test1");
    assert_eq!(i.name.as_deref(), Some("my-backend-name1"));
    assert_eq!(i.state, Some(InstanceState::Running));
    assert_eq!(
        b.raw_value()["instanceId"],
        "qcvm2ed56d3399a1b92f31cf0891fdba700b"
    );
    assert_eq!(b.raw_value()["wanIpSet"], json!(["203.195.179.123"]));
    assert_eq!(seed[1].id, "ins-123test2");
    assert_eq!(seed[1].raw_value()["wanIpSet"], json!(["203.195.179.124"]));
}

#[tokio::test]
async fn bmlb_lists_130_bindings_of_both_kinds_with_every_field_in_place() {
    let fleet = fleet();
    let emu = emulator(fleet.clone()).await;
    let all = bmlb(client(&emu), BMLB_130).collect_all().await.unwrap();
    check_bmlb_against_fleet(&all, &fleet, BMLB_130);
    assert!(all.iter().any(|b| b.instance.is_some()) && all.iter().any(|b| b.instance.is_none()));
    assert_eq!(logged_queries(&emu).len(), 2, "130 at 100: two pages");

    // The seed's example, field by field (POST and HmacSHA256 this time).
    let post = client_with(
        &emu,
        DEFAULT_TENCENT_SECRET_KEY,
        HttpMethod::Post,
        SignatureMethod::HmacSha256,
    );
    let seed = bmlb(post, demo::TENCENT_BMLB).collect_all().await.unwrap();
    let host = &seed[0];
    assert_eq!(host.id, "cpm-abcdefgh");
    assert_eq!(host.address, Some("1.1.1.1".parse().unwrap()));
    assert_eq!(host.port, Some(1234));
    assert_eq!(host.weight, Some(10));
    assert_eq!(host.health, Health::Unhealthy);
    let i = host.instance.as_ref().unwrap();
    assert_eq!(i.id, "cpm-abcdefgh");
    assert_eq!(i.name.as_deref(), Some("XXX测试"));
    assert_eq!(i.kind, InstanceKind::BareMetal);
    assert_eq!(host.raw_value()["bindType"], 0);
    assert_eq!(host.raw_value()["mgtIp"], "2.2.2.2");
    assert_eq!(host.raw_value()["operates"].as_array().unwrap().len(), 12);
    let vm = &seed[1];
    assert!(vm.instance.is_none());
    assert_eq!(
        vm.id,
        format!(
            "{}:{}",
            vm.raw_value()["lanIp"].as_str().unwrap(),
            vm.port.unwrap()
        )
    );
}

#[tokio::test]
async fn faults_on_20_percent_still_list_everything_once_with_fresh_nonces() {
    let fleet = fleet();
    let emu = emulator(fleet.clone()).await;
    // One of each Tencent-specific fault for sure, then 20% at random.
    emu.inject_next(FaultKind::TencentThrottle);
    emu.set_faults(Faults {
        rate: 0.2,
        kinds: vec![
            FaultKind::ServerError,
            FaultKind::DropConnection,
            FaultKind::TencentThrottle,
            FaultKind::TruncatedBody,
        ],
        retry_after: Duration::ZERO,
        ..Faults::none()
    });
    for _ in 0..10 {
        let clb = ClbProvider::new(client(&emu), id(CLB_250))
            .collect_all()
            .await
            .unwrap();
        check_clb_against_fleet(&clb, &fleet, CLB_250);
        let bm = bmlb(client(&emu), BMLB_130).collect_all().await.unwrap();
        check_bmlb_against_fleet(&bm, &fleet, BMLB_130);
    }
    let log = emu.requests();
    let faulted = log.iter().filter(|r| r.fault.is_some()).count();
    assert!(faulted > 0, "faults were injected ({} requests)", log.len());
    let kinds: HashSet<_> = log.iter().filter_map(|r| r.fault).collect();
    assert!(kinds.contains(&FaultKind::TencentThrottle), "{kinds:?}");
    let nonces: Vec<String> = logged_queries(&emu)
        .into_iter()
        .map(|q| q["Nonce"].clone())
        .collect();
    let distinct: HashSet<&String> = nonces.iter().collect();
    assert_eq!(
        distinct.len(),
        nonces.len(),
        "no two attempts share a nonce"
    );
    println!("{} requests, {faulted} faulted", log.len());
}

/// Every code of both tables, with the kind and retryability the client must give it.
const CLB_CODES: [(i64, ErrorKind); 16] = [
    (4000, ErrorKind::InvalidInput),
    (4100, ErrorKind::Unauthorized),
    (4101, ErrorKind::Forbidden),
    (4102, ErrorKind::Forbidden),
    (4103, ErrorKind::Forbidden),
    (4104, ErrorKind::Unauthorized),
    (4105, ErrorKind::Unauthorized),
    (4110, ErrorKind::Forbidden),
    (4200, ErrorKind::Clock),
    (4300, ErrorKind::Forbidden),
    (4400, ErrorKind::Throttled),
    (4500, ErrorKind::Clock),
    (4600, ErrorKind::InvalidInput),
    (5000, ErrorKind::NotFound),
    (5400, ErrorKind::Service),
    (6000, ErrorKind::Service),
];
const BMLB_CODES: [(i64, ErrorKind); 5] = [
    (9003, ErrorKind::InvalidInput),
    (9006, ErrorKind::Service),
    (11041, ErrorKind::NotFound),
    (11060, ErrorKind::Service),
    (14100, ErrorKind::Service),
];

fn forced(code: i64) -> ForcedError {
    let mut e = ForcedError::new(code);
    e.message = format!("forced message {code}");
    e.code_desc = format!("Forced.Desc{code}");
    e
}

#[tokio::test]
async fn every_error_code_surfaces_as_its_kind_with_code_and_message() {
    let mut fleet = Fleet::new();
    for (code, _) in CLB_CODES {
        let mut f = Fleet::generate_clb(format!("lb-err{code}"), 1, 1);
        f.tencent.clb.load_balancers[0].error = Some(forced(code));
        fleet.merge(f);
    }
    for (code, _) in BMLB_CODES.iter().chain(&CLB_CODES) {
        let mut f = Fleet::generate_bmlb(format!("lb-bm{code}"), "lbl-1", "dm-1", "loc-1", 1, 1);
        f.tencent.bmlb.locations[0].error = Some(forced(*code));
        fleet.merge(f);
    }
    let emu = emulator(fleet).await;
    let c = client(&emu);
    let retryable = [4400, 6000, 9006, 11060, 14100];
    for (code, kind) in CLB_CODES {
        let err = ClbProvider::new(c.clone(), id(&format!("lb-err{code}")))
            .collect_all()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "CLB {code}: {err}");
        assert_eq!(err.code(), Some(code.to_string().as_str()));
        assert!(
            err.message().contains(&format!("forced message {code}")),
            "{err}"
        );
        assert!(
            err.message().contains(&format!("Forced.Desc{code}")),
            "{err}"
        );
        assert_eq!(err.is_retryable(), retryable.contains(&code), "CLB {code}");
    }
    for (code, kind) in BMLB_CODES.iter().chain(&CLB_CODES) {
        let ids = [format!("lb-bm{code}").as_str(), "lbl-1", "dm-1", "loc-1"].map(str::to_string);
        let err = bmlb(
            c.clone(),
            [&ids[0], &ids[1], &ids[2], &ids[3]].map(|s| s.as_str()),
        )
        .collect_all()
        .await
        .unwrap_err();
        assert_eq!(err.kind(), *kind, "BMLB {code}: {err}");
        assert_eq!(err.code(), Some(code.to_string().as_str()));
        assert!(
            err.message().contains(&format!("forced message {code}")),
            "{err}"
        );
        assert_eq!(err.is_retryable(), retryable.contains(code), "BMLB {code}");
    }
    // And the natural ones: unknown load balancers.
    let err = ClbProvider::new(c.clone(), id("lb-nothere"))
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::NotFound, Some("5000"))
    );
    let err = bmlb(c, ["lb-nothere", "lbl-1", "dm-1", "loc-1"])
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::NotFound, Some("11041"))
    );
}

#[tokio::test]
async fn invalid_ids_fail_before_any_request() {
    let emu = emulator(fleet()).await;
    for bad in ["", "lb-a&b", "lb-a=b", "lb-a\nb", "lb a", "lb-a/../b"] {
        let err = ResourceId::new(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(
            format!("tencent-clb:{bad}").parse::<Target>().is_err(),
            "{bad:?}"
        );
        let bm = format!("tencent-bmlb:lb-1/lbl-1/{bad}/loc-1");
        assert!(bm.parse::<Target>().is_err(), "{bad:?}");
    }
    let wrong = ClbProvider::for_target(client(&emu), &"tencent-bmlb:a/b/c/d".parse().unwrap())
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::InvalidInput);
    let clb = ClbProvider::new(client(&emu), id(CLB_250));
    let spec = lb_backends_core::NewBackend::new(
        "10.0.0.1".parse().unwrap(),
        lb_backends_core::Port::new(80).unwrap(),
    );
    assert_eq!(
        clb.add(&spec).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(emu.request_count(), 0);
}

#[tokio::test]
async fn bad_key_is_unauthorized_and_a_skewed_clock_is_clock() {
    let emu = emulator(fleet()).await;
    let wrong = client_with(
        &emu,
        "not-the-key",
        HttpMethod::Get,
        SignatureMethod::HmacSha1,
    );
    let err = ClbProvider::new(wrong, id(CLB_250))
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Unauthorized, Some("4100"))
    );
    assert!(!err.to_string().contains("not-the-key"));
    assert_eq!(emu.request_count(), 1, "not retried");

    emu.set_tencent_clock_offset(-3600);
    let err = bmlb(client(&emu), BMLB_130)
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.code()), (ErrorKind::Clock, Some("4200")));
    assert!(err.message().contains("clock skew"), "{err}");
    emu.set_tencent_clock_offset(0);
    let ok = bmlb(client(&emu), BMLB_130)
        .list()
        .collect::<Vec<_>>()
        .await;
    assert!(ok.iter().all(Result::is_ok));
}
