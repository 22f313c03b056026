//! Legacy mode (`TencentApi::Legacy`): classic-CLB writes through
//! `RegisterInstancesWithLoadBalancer`, `ModifyLoadBalancerBackends` and
//! `DeregisterInstancesFromLoadBalancer`, each polled with
//! `DescribeLoadBalancersTaskResult`, against the emulator; API 3.0 sees the change.

mod tencent_common;

use std::time::Duration;

use lb_backends_core::{BackendProviderExt, BackendUpdate, ErrorKind, NewBackend, Port, Weight};
use lb_backends_emulator::{
    fleet::demo::TENCENT_CLB, Emulator, Faults, Fleet, DEFAULT_TENCENT_SECRET_ID,
    DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::{
    clb_provider, HttpMethod, SignatureMethod, TencentApi, TencentClient, TencentCredentials,
};
use tencent_common::*;

fn legacy(emu: &Emulator, method: HttpMethod) -> TencentClient {
    let endpoint = lb_backends_core::Endpoint::parse(&emu.base_url()).unwrap();
    TencentClient::builder()
        .region("gz")
        .credentials(
            TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY).unwrap(),
        )
        .api(TencentApi::Legacy)
        .endpoint_clb(endpoint.clone())
        .endpoint_bmlb(endpoint)
        .http_method(method)
        .signature_method(SignatureMethod::HmacSha256)
        .transport_config(fast_retries())
        .build()
        .unwrap()
}

fn polls(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| {
            r.query
                .as_deref()
                .is_some_and(|q| q.contains("Action=DescribeLoadBalancersTaskResult"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_add_set_remove_on_a_classic_lb_with_task_polling() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(120));
    let target = format!("tencent-clb:{TENCENT_CLB}").parse().unwrap();
    let p = clb_provider(legacy(&emu, HttpMethod::Get), &target).unwrap();
    let caps = p.capabilities();
    assert!(caps.add && caps.update && caps.remove && caps.add_by_instance && !caps.update_port);
    assert_eq!(p.collect_all().await.unwrap().len(), 2);

    let added = p
        .add(
            &NewBackend::instance(id("ins-legacy01"), Port::new(80).unwrap())
                .with_weight(Weight::new(40).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(
        (added.id.as_str(), added.weight),
        ("ins-legacy01", Some(40))
    );
    assert!(polls(&emu) >= 2, "the task was polled until it ended");
    let set = p
        .update(
            &id("ins-legacy01"),
            &BackendUpdate::new().with_weight(Weight::new(3).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(set.weight, Some(3));
    // API 3.0 sees the same classic load balancer.
    let v3 = TencentClient::builder()
        .region("gz")
        .credentials(
            TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY).unwrap(),
        )
        .endpoint_clb(lb_backends_core::Endpoint::parse(&emu.base_url()).unwrap())
        .transport_config(fast_retries())
        .build()
        .unwrap();
    let seen = clb_provider(v3, &target)
        .unwrap()
        .get(&id("ins-legacy01"))
        .await
        .unwrap();
    assert_eq!(seen.weight, Some(3));

    p.remove(&id("ins-legacy01")).await.unwrap();
    assert_eq!(p.collect_all().await.unwrap().len(), 2);
    assert_eq!(
        p.remove(&id("ins-legacy01")).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_writes_by_post_a_failing_task_and_bad_input() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(30));
    let target = format!("tencent-clb:{TENCENT_CLB}").parse().unwrap();
    let p = clb_provider(legacy(&emu, HttpMethod::Post), &target).unwrap();
    emu.fail_next_tencent_task("no such CVM");
    let err = p
        .add(&NewBackend::instance(
            id("ins-legacy02"),
            Port::new(80).unwrap(),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Service, Some("TaskFailed"))
    );
    assert!(
        err.message().contains("RegisterInstancesWithLoadBalancer"),
        "{err}"
    );
    let task = err.request_id().unwrap();
    assert!(err.message().contains(task), "{err}");
    assert_eq!(p.collect_all().await.unwrap().len(), 2, "not applied");

    emu.reset_request_count();
    for spec in [
        NewBackend::new("10.0.0.1".parse().unwrap(), Port::new(80).unwrap()),
        NewBackend::instance(id("ins-legacy02"), Port::new(80).unwrap())
            .with_weight(Weight::new(101).unwrap()),
    ] {
        assert_eq!(
            p.add(&spec).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    let err = p
        .update(
            &id("ins-123test1"),
            &BackendUpdate::new().with_port(Port::new(81).unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(emu.request_count(), 0, "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_writes_under_faults_are_applied_once() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(10));
    let faults = write_faults();
    emu.set_faults(faults);
    let target = format!("tencent-clb:{TENCENT_CLB}").parse().unwrap();
    let endpoint = lb_backends_core::Endpoint::parse(&emu.base_url()).unwrap();
    let client = TencentClient::builder()
        .region("gz")
        .credentials(
            TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY).unwrap(),
        )
        .api(TencentApi::Legacy)
        .endpoint_clb(endpoint)
        .transport_config(retries(
            30,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .build()
        .unwrap();
    let p = clb_provider(client, &target).unwrap();
    for i in 0..10 {
        let instance = format!("ins-faulty{i:02}");
        let b = p
            .add(
                &NewBackend::instance(id(&instance), Port::new(80).unwrap())
                    .with_weight(Weight::new(i).unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(b.id, instance);
    }
    for i in 0..5 {
        let id = id(&format!("ins-faulty{i:02}"));
        p.update(
            &id,
            &BackendUpdate::new().with_weight(Weight::new(77).unwrap()),
        )
        .await
        .unwrap();
    }
    for i in 5..10 {
        p.remove(&id(&format!("ins-faulty{i:02}"))).await.unwrap();
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
    let mut want: Vec<(String, Option<u16>)> = (0..5)
        .map(|i| (format!("ins-faulty{i:02}"), Some(77)))
        .collect();
    want.extend([
        ("ins-123test1".to_string(), Some(10)),
        ("ins-123test2".to_string(), Some(10)),
    ]);
    want.sort();
    assert_eq!(got, want, "every write applied once");
    assert!(emu.requests().iter().any(|r| r.fault.is_some()));
}
