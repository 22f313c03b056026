//! Issue 10's acceptance list for API 3.0 standard CLBs, against the emulator, on a
//! standard CLB with two layer-4 listeners and one layer-7 listener with two rules
//! and 320 targets: writes that return after their task succeeded and that the
//! listing agrees with; concurrent adds from two independent clients (serialised
//! in-process, `ResourceInOperating` across clients retried); bad input that sends
//! nothing. (Listing each target once with listener, rule, port and health:
//! `tencent3.rs`; failing tasks, batches of 500 with failing listeners, faults:
//! `tencent3_writes.rs`; classic: `tencent3_writes.rs`; BMLB: `tencent3_bmlb.rs`;
//! legacy: `tencent3_legacy.rs`.)

mod tencent_common;

use std::time::{Duration, Instant};

use lb_backends_core::{
    BackendName, BackendProvider, BackendProviderExt, BackendUpdate, ErrorKind, Health, NewBackend,
    Port,
};
use lb_backends_emulator::{
    fleet::clb3::generate_standard, Emulator, Fleet, DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::v3::clb::ClbV3Provider;
use tencent_common::*;

const BIG: &str = "lb-acc00320";
const TCP: &str = "lbl-tacc00320";
const HTTP: &str = "lbl-hacc00320";
const RULE_B: &str = "loc-bacc00320";
const TASK: Duration = Duration::from_millis(150);

fn provider(emu: &Emulator, target: &str) -> ClbV3Provider {
    let transport = retries(80, Duration::from_millis(10), Duration::from_millis(60));
    let client = client3_with(emu, DEFAULT_TENCENT_SECRET_KEY, transport);
    ClbV3Provider::for_target(client, &target.parse().unwrap()).unwrap()
}

async fn big() -> Emulator {
    let mut fleet = Fleet::new();
    fleet
        .tencent
        .clb3
        .load_balancers
        .push(generate_standard(BIG, 320));
    emulator(fleet).await
}

/// Run `write`, and check that it returned only after its task ended: it took at
/// least the task time and polled `DescribeTaskStatus` until `Status` 0.
async fn after_its_task<T>(emu: &Emulator, write: impl std::future::Future<Output = T>) -> T {
    let polls = emu.tencent_action_count("DescribeTaskStatus");
    let started = Instant::now();
    let out = write.await;
    assert!(
        started.elapsed() >= TASK,
        "returned before the task could end"
    );
    assert!(
        emu.tencent_action_count("DescribeTaskStatus") > polls,
        "the task was polled"
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_set_weight_set_port_remove_on_l4_and_l7_each_after_its_task_and_list_agrees() {
    let emu = big().await;
    emu.set_tencent_task_delay(TASK);
    emu.set_tencent_health_delay(Duration::from_millis(100));
    let whole = provider(&emu, &format!("tencent-clb:{BIG}"));
    assert_eq!(whole.collect_all().await.unwrap().len(), 320);
    for (target, added_id, moved_id) in [
        (
            format!("tencent-clb:{BIG}/{TCP}"),
            format!("{TCP}:10.99.0.1:7001"),
            format!("{TCP}:10.99.0.1:7002"),
        ),
        (
            format!("tencent-clb:{BIG}/{HTTP}/{RULE_B}"),
            format!("{HTTP}:{RULE_B}:ins-acc00001:7001"),
            format!("{HTTP}:{RULE_B}:ins-acc00001:7002"),
        ),
    ] {
        let place = provider(&emu, &target);
        let spec = if target.ends_with(RULE_B) {
            NewBackend::instance(id("ins-acc00001"), port(7001))
        } else {
            NewBackend::new("10.99.0.1".parse().unwrap(), port(7001))
        }
        .with_weight(weight(12));
        let added = after_its_task(&emu, place.add(&spec)).await.unwrap();
        assert_eq!(
            (added.id.as_str(), added.weight),
            (added_id.as_str(), Some(12))
        );
        let listed = whole.get(&id(&added_id)).await.unwrap();
        assert_eq!((listed.port, listed.weight), (Some(7001), Some(12)));
        assert_eq!(
            listed.raw_value()["ListenerId"],
            added_id.split(':').next().unwrap()
        );

        let set = after_its_task(
            &emu,
            place.update(
                &id(&added_id),
                &BackendUpdate::new().with_weight(weight(64)),
            ),
        )
        .await
        .unwrap();
        assert_eq!(set.weight, Some(64));
        assert_eq!(whole.get(&id(&added_id)).await.unwrap().weight, Some(64));

        let moved = after_its_task(
            &emu,
            place.update(&id(&added_id), &BackendUpdate::new().with_port(port(7002))),
        )
        .await
        .unwrap();
        assert_eq!(
            (moved.id.as_str(), moved.port),
            (moved_id.as_str(), Some(7002))
        );
        let listed = whole.get(&id(&moved_id)).await.unwrap();
        assert_eq!((listed.port, listed.weight), (Some(7002), Some(64)));
        assert_eq!(
            whole.get(&id(&added_id)).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(
            whole.get(&id(&moved_id)).await.unwrap().health,
            Health::Healthy
        );

        after_its_task(&emu, place.remove(&id(&moved_id)))
            .await
            .unwrap();
        assert_eq!(
            whole.get(&id(&moved_id)).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }
    let all = whole.collect_all().await.unwrap();
    assert_eq!(all.len(), 320, "back to where it started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_adds_from_two_clients_all_succeed() {
    let emu = big().await;
    // Tasks long enough that the other client's write always arrives while one runs,
    // however loaded the machine (a short task could end before it, and no collision
    // would be seen).
    emu.set_tencent_task_delay(Duration::from_millis(150));
    // Two independent clients (as two processes would be): in-process locks do not
    // see each other, so the emulator refuses some writes with ResourceInOperating,
    // and they are retried.
    let a = provider(&emu, &format!("tencent-clb:{BIG}/{TCP}"));
    let b = provider(&emu, &format!("tencent-clb:{BIG}/{TCP}"));
    let adds = (0..20).map(|i| {
        let p = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move {
            p.add(&NewBackend::new(
                format!("10.98.0.{}", i + 1).parse().unwrap(),
                Port::new(9000).unwrap(),
            ))
            .await
        }
    });
    let results = futures::future::join_all(adds).await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(a.collect_all().await.unwrap().len(), 80 + 20);
    let sent = emu.tencent_action_count("RegisterTargets");
    assert!(
        sent > 20,
        "{sent}: some adds met ResourceInOperating and were retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_clearly_and_sends_nothing() {
    let emu = big().await;
    let l4 = provider(&emu, &format!("tencent-clb:{BIG}/{TCP}"));
    let known = id(&format!("{TCP}:ins-g0000000:8000"));
    emu.reset_request_count();
    // Weight 101.
    let err = l4
        .add(&NewBackend::new("10.0.0.1".parse().unwrap(), port(80)).with_weight(weight(101)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("0 to 100"), "{err}");
    let err = l4
        .update(&known, &BackendUpdate::new().with_weight(weight(101)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    // Port 0: not a port at all, and not in an id.
    assert_eq!(Port::new(0).unwrap_err().kind(), ErrorKind::InvalidInput);
    let err = l4
        .remove(&id(&format!("{TCP}:ins-g0000000:0")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    // Malformed ids.
    for bad in ["x", "lbl-1", "lbl-1:ins-1", "lbl-1:ins-1:http", "ins-1:80"] {
        for err in [
            l4.remove(&id(bad)).await.unwrap_err(),
            l4.update(&id(bad), &BackendUpdate::new().with_weight(weight(1)))
                .await
                .unwrap_err(),
        ] {
            assert!(
                matches!(err.kind(), ErrorKind::InvalidInput | ErrorKind::NotFound),
                "{bad}: {err}"
            );
        }
    }
    // Fields the target does not take, an empty update.
    let named = NewBackend::new("10.0.0.1".parse().unwrap(), port(80))
        .with_name(BackendName::new("x").unwrap());
    assert_eq!(
        l4.add(&named).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let err = l4.update(&known, &BackendUpdate::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.request_count(), 0, "nothing was sent for any of these");

    // An ambiguous scope needs the listeners' kinds (a read), but no write is sent,
    // and the error names the choices.
    let whole = provider(&emu, &format!("tencent-clb:{BIG}"));
    let err = whole
        .add(&NewBackend::new("10.0.0.1".parse().unwrap(), port(80)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.message().contains(TCP) && err.message().contains(HTTP),
        "{err}"
    );
    let l7 = provider(&emu, &format!("tencent-clb:{BIG}/{HTTP}"));
    let err = l7
        .add(&NewBackend::new("10.0.0.1".parse().unwrap(), port(80)))
        .await
        .unwrap_err();
    assert!(err.message().contains(RULE_B), "{err}");
    assert_eq!(
        emu.tencent_action_count("RegisterTargets"),
        0,
        "no write sent"
    );
}
