//! Tencent CLB on API 3.0, writes beyond the basics, against the emulator: add by
//! instance id, port changes, health moving from `Unknown` to `Alive`, `describe`,
//! native batches with partial failure, failing tasks, classic-CLB writes.

mod tencent_common;

use std::time::Duration;

use lb_backends_core::{
    BackendProvider, BackendProviderExt, BackendUpdate, ErrorKind, Health, NewBackend, ResourceId,
};
use lb_backends_emulator::{
    fleet::clb3::{demo_ids as demo, generate_standard, generate_wide},
    Emulator, Fleet, DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::v3::clb::{ClbV3Provider, Placement};
use tencent_common::*;

fn patient(emu: &Emulator, target: &str) -> ClbV3Provider {
    let transport = retries(60, Duration::from_millis(10), Duration::from_millis(100));
    let client = client3_with(emu, DEFAULT_TENCENT_SECRET_KEY, transport);
    ClbV3Provider::for_target(client, &target.parse().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_by_instance_set_port_and_health_moves_from_unknown_to_alive() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(50));
    emu.set_tencent_health_delay(Duration::from_millis(400));
    let p = patient(
        &emu,
        &format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP),
    );
    let caps = p.capabilities();
    assert!(caps.add_by_instance && caps.update_port && caps.native_batch);
    assert_eq!(caps.max_weight, Some(100));
    let added = p
        .add(&NewBackend::instance(id("ins-newcvm01"), port(8443)).with_weight(weight(20)))
        .await
        .unwrap();
    assert_eq!(added.id, "lbl-tcp00001:ins-newcvm01:8443");
    assert_eq!(added.instance.as_ref().unwrap().id, "ins-newcvm01");
    assert_eq!(added.health, Health::Pending, "Unknown right after binding");
    assert_eq!(
        added.health_detail.as_ref().unwrap().code.as_deref(),
        Some("Unknown")
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let now = p.get(&id(&added.id)).await.unwrap();
    assert_eq!(now.health, Health::Healthy);
    assert_eq!(now.health_detail.unwrap().code.as_deref(), Some("Alive"));

    // Port and weight in one update: two tasks; the id follows the port.
    let moved = p
        .update(
            &id(&added.id),
            &BackendUpdate::new()
                .with_port(port(9443))
                .with_weight(weight(5)),
        )
        .await
        .unwrap();
    assert_eq!(moved.id, "lbl-tcp00001:ins-newcvm01:9443");
    assert_eq!((moved.port, moved.weight), (Some(9443), Some(5)));
    assert_eq!(
        p.get(&id(&added.id)).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // On a layer-7 rule too, from the whole-LB target by id.
    let whole = patient(&emu, &format!("tencent-clb:{}", demo::STANDARD));
    let l7 = whole
        .update(
            &id("lbl-http0001:loc-rule0002:ins-dddd4444:80"),
            &BackendUpdate::new().with_port(port(81)),
        )
        .await
        .unwrap();
    assert_eq!(l7.id, "lbl-http0001:loc-rule0002:ins-dddd4444:81");
    p.remove(&id(&moved.id)).await.unwrap();
    assert_eq!(p.collect_all().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_names_the_load_balancer_listener_and_rule() {
    let emu = emulator(Fleet::demo()).await;
    let info = patient(&emu, &format!("tencent-clb:{}", demo::STANDARD))
        .describe()
        .await
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("demo-standard"));
    let info = patient(
        &emu,
        &format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP),
    )
    .describe()
    .await
    .unwrap();
    assert_eq!(
        (info.name.as_deref(), info.protocol.as_deref(), info.port),
        (Some("tcp-80"), Some("TCP"), Some(80))
    );
    assert_eq!(info.load_balancer.as_deref(), Some(demo::STANDARD));
    let info = patient(
        &emu,
        &format!(
            "tencent-clb:{}/{}/{}",
            demo::STANDARD,
            demo::HTTP,
            demo::RULE_API
        ),
    )
    .describe()
    .await
    .unwrap();
    assert_eq!(
        (info.name.as_deref(), info.protocol.as_deref(), info.port),
        (Some("www.example.com/api"), Some("HTTP"), Some(80))
    );
    let err = patient(
        &emu,
        &format!("tencent-clb:{}/lbl-nothere1", demo::STANDARD),
    )
    .describe()
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_is_a_typed_error_naming_the_task_and_nothing_changes() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(30));
    let p = patient(
        &emu,
        &format!("tencent-clb:{}/{}", demo::STANDARD, demo::UDP),
    );
    emu.fail_next_tencent_task("RS 10.0.7.7 not found in VPC");
    let err = p
        .add(&NewBackend::new("10.0.7.7".parse().unwrap(), port(53)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "{err}");
    assert_eq!(err.code(), Some("TaskFailed"));
    let task = err.request_id().expect("the task id").to_string();
    assert!(err.message().contains(&task), "{err}");
    assert!(err.message().contains("RegisterTargets"), "{err}");
    assert!(err.message().contains("RS 10.0.7.7 not found"), "{err}");
    assert_eq!(p.collect_all().await.unwrap().len(), 1, "not applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_500_with_3_failing_listeners_reports_exactly_those() {
    const WIDE: &str = "lb-wide00010";
    let mut fleet = Fleet::new();
    fleet
        .tencent
        .clb3
        .load_balancers
        .push(generate_wide(WIDE, 10));
    let emu = emulator(fleet).await;
    emu.set_tencent_task_delay(Duration::from_millis(30));
    let listeners: Vec<String> = (0..10).map(|i| format!("lbl-wwide0{i:03}")).collect();
    let failing = [&listeners[2], &listeners[5], &listeners[7]];
    emu.set_tencent_failing_listeners(failing.iter().map(|s| s.to_string()));
    let p = patient(&emu, &format!("tencent-clb:{WIDE}"));
    let items: Vec<(Placement, NewBackend)> = (0..500)
        .map(|i| {
            (
                Placement::listener(listeners[i % 10].clone()),
                NewBackend::new(
                    format!("10.20.{}.{}", i / 200, i % 200 + 1)
                        .parse()
                        .unwrap(),
                    port(8000 + (i % 3) as i64),
                )
                .with_weight(weight((i % 100) as i64)),
            )
        })
        .collect();
    emu.reset_request_count();
    let results = p.register_many(&items).await;
    assert_eq!(results.len(), 500);
    let batch_calls = emu.tencent_action_count("BatchRegisterTargets");
    assert_eq!(batch_calls, 1, "500 targets: one call");
    let mut failed_listeners = std::collections::BTreeSet::new();
    for ((place, _), r) in items.iter().zip(&results) {
        match r {
            Ok(o) => {
                assert!(!failing.contains(&&place.listener_id));
                assert!(!o.unchanged);
            }
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Service);
                assert!(e.message().contains(&place.listener_id), "{e}");
                failed_listeners.insert(place.listener_id.clone());
            }
        }
    }
    let want: std::collections::BTreeSet<String> = failing.iter().map(|s| s.to_string()).collect();
    assert_eq!(failed_listeners, want);
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 150);
    let listed = p.collect_all().await.unwrap();
    assert_eq!(listed.len(), 350);

    // Again: what is there is unchanged, the failing listeners fail again.
    emu.set_tencent_failing_listeners(Vec::<String>::new());
    let again = p.register_many(&items[..20]).await;
    assert_eq!(
        again
            .iter()
            .filter(|r| matches!(r, Ok(o) if o.unchanged))
            .count(),
        14
    );
    assert_eq!(
        again
            .iter()
            .filter(|r| matches!(r, Ok(o) if !o.unchanged))
            .count(),
        6
    );

    // 356 backends: weights in batches, then removal in one batch with a failing listener.
    let ids: Vec<ResourceId> = p
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|b| id(&b.id))
        .collect();
    assert_eq!(ids.len(), 356);
    let changes: Vec<(ResourceId, BackendUpdate)> = ids
        .iter()
        .map(|id| (id.clone(), BackendUpdate::new().with_weight(weight(77))))
        .collect();
    emu.reset_request_count();
    let set = p.update_many(&changes).await;
    assert!(set
        .iter()
        .all(|r| matches!(r, Ok(o) if o.value.weight == Some(77))));
    assert_eq!(emu.tencent_action_count("BatchModifyTargetWeight"), 1);
    emu.set_tencent_failing_listeners([listeners[0].clone()]);
    let mut to_remove = ids.clone();
    to_remove.push(id(&format!("{}:10.99.99.99:80", listeners[1])));
    let removed = p.remove_many(&to_remove).await;
    let bad: Vec<_> = removed.iter().filter(|r| r.is_err()).collect();
    let on_first = ids
        .iter()
        .filter(|id| id.as_str().starts_with(&format!("{}:", listeners[0])))
        .count();
    assert_eq!(bad.len(), on_first);
    assert!(matches!(removed.last(), Some(Ok(o)) if o.unchanged));
    assert_eq!(p.collect_all().await.unwrap().len(), on_first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_500_are_split_and_add_many_goes_to_the_targets_one_place() {
    let mut fleet = Fleet::new();
    fleet
        .tencent
        .clb3
        .load_balancers
        .push(generate_standard("lb-split0001", 0));
    let emu = emulator(fleet).await;
    emu.set_tencent_task_delay(Duration::from_millis(20));
    // The generated LB's first layer-7 rule.
    let p = patient(&emu, "tencent-clb:lb-split0001/lbl-hsplit000/loc-asplit000");
    let specs: Vec<NewBackend> = (0..620)
        .map(|i| {
            NewBackend::new(
                format!("10.30.{}.{}", i / 200, i % 200 + 1)
                    .parse()
                    .unwrap(),
                port(80),
            )
        })
        .collect();
    emu.reset_request_count();
    let results = p.add_many(&specs).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(emu.tencent_action_count("BatchRegisterTargets"), 2);
    assert_eq!(p.collect_all().await.unwrap().len(), 620);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_clb_add_and_remove_by_instance_and_no_weight_change() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(30));
    let p = patient(&emu, &format!("tencent-clb:{}", demo::CLASSIC));
    assert_eq!(p.collect_all().await.unwrap().len(), 2);
    let caps = p.capabilities();
    assert!(caps.add && caps.remove && !caps.update && !caps.native_batch);
    let added = p
        .add(&NewBackend::instance(id("ins-clsnew01"), port(80)).with_weight(weight(30)))
        .await
        .unwrap();
    assert_eq!(
        (added.id.as_str(), added.weight),
        ("ins-clsnew01", Some(30))
    );
    let err = p
        .update(
            &id("ins-clsnew01"),
            &BackendUpdate::new().with_weight(weight(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    emu.reset_request_count();
    let err = p
        .add(&NewBackend::new("10.0.0.1".parse().unwrap(), port(80)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(emu.request_count(), 0, "the kind is cached: nothing sent");
    p.remove(&id("ins-clsnew01")).await.unwrap();
    assert_eq!(
        p.remove(&id("ins-clsnew01")).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(p.collect_all().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_under_20_percent_faults_are_applied_once_and_listings_stay_exact() {
    let emu = emulator(Fleet::demo()).await;
    emu.set_tencent_task_delay(Duration::from_millis(20));
    let faults = write_faults();
    emu.set_faults(faults);
    let p = patient(
        &emu,
        &format!("tencent-clb:{}/{}", demo::STANDARD, demo::UDP),
    );
    for i in 0..10 {
        let added = p
            .add(
                &NewBackend::new(format!("10.0.6.{}", i + 1).parse().unwrap(), port(53))
                    .with_weight(weight(i)),
            )
            .await
            .unwrap();
        assert_eq!(added.weight, Some(i as u16));
    }
    for i in 0..5 {
        let id = id(&format!("{}:10.0.6.{}:53", demo::UDP, i + 1));
        p.update(&id, &BackendUpdate::new().with_weight(weight(90)))
            .await
            .unwrap();
        p.update(&id, &BackendUpdate::new().with_port(port(5353)))
            .await
            .unwrap();
    }
    for i in 5..10 {
        p.remove(&id(&format!("{}:10.0.6.{}:53", demo::UDP, i + 1)))
            .await
            .unwrap();
    }
    // Listings under faults are exact.
    for _ in 0..5 {
        let listed = p.collect_all().await.unwrap();
        let mut got: Vec<(String, Option<u16>)> =
            listed.iter().map(|b| (b.id.clone(), b.weight)).collect();
        got.sort();
        let mut want: Vec<(String, Option<u16>)> = (0..5)
            .map(|i| (format!("{}:10.0.6.{}:5353", demo::UDP, i + 1), Some(90)))
            .collect();
        want.push((format!("{}:ins-cccc3333:5353", demo::UDP), Some(10)));
        want.sort();
        assert_eq!(got, want);
    }
    assert!(emu.requests().iter().any(|r| r.fault.is_some()));
}
