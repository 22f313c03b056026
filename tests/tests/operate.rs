//! Issue 12's workflows through real providers against the emulator: the core's
//! waiter on ELB (every listener's health, a regression reported as it happens, polls
//! sent through the provider), the idempotent add of core's extension trait on ELB and
//! APIG, and a drain through the ELB provider.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    workflow::{
        drain::{execute_drain, plan_drain, DrainOptions},
        Condition, Selector, WaitEvent, WaitOptions, WorkflowError,
    },
    BackendProvider, BackendProviderExt, Health, NewBackend, Port, ResourceId,
};
use lb_backends_emulator::{
    fleet::{apig_demo, demo},
    Emulator, Fleet, DEFAULT_TOKEN,
};
use lb_backends_huawei_apig::ApigProvider;
use lb_backends_huawei_core::{Credentials, HuaweiClient};
use lb_backends_huawei_elb::ElbProvider;

async fn emulator(delay: Duration) -> Emulator {
    Emulator::builder()
        .fleet(Fleet::demo())
        .health_check_delay(delay)
        .start()
        .await
        .unwrap()
}

fn client(emu: &Emulator) -> HuaweiClient {
    HuaweiClient::builder()
        .project_id(emu.huawei().project_id.clone())
        .credentials(Credentials::token(DEFAULT_TOKEN))
        .endpoint_all(emu.base_url())
        .transport_config(TransportConfig {
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default().with_max_attempts(3),
            ..TransportConfig::default()
        })
        .build()
        .unwrap()
}

fn elb(emu: &Emulator, pool: &str) -> ElbProvider {
    ElbProvider::new(client(emu), ResourceId::new(pool).unwrap())
}

fn fast(timeout: Duration) -> WaitOptions {
    WaitOptions::new(Duration::from_millis(20), timeout)
}

/// GETs of one member the emulator received.
fn polls_of(emu: &Emulator, id: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(id))
        .count()
}

async fn until(mut done: impl FnMut() -> bool) {
    while !done() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_member_is_waited_for_until_every_listener_is_healthy() {
    let emu = emulator(Duration::from_millis(300)).await;
    let p = elb(&emu, demo::POOL_WEB);
    let spec = NewBackend::new("10.0.1.77".parse().unwrap(), Port::new(8080).unwrap())
        .with_subnet(ResourceId::new(demo::SUBNET_A1).unwrap());
    let added = p.add_or_existing(&spec).await.unwrap();
    assert!(!added.unchanged);
    assert_eq!(added.value.health, Health::Pending);
    let id = added.value.id.clone();
    emu.reset_request_count();
    let mut polls = 0;
    let done = p
        .wait_for(
            &["10.0.1.77:8080".parse().unwrap()],
            Condition::Healthy,
            &fast(Duration::from_secs(30)),
            &mut |e| {
                if let WaitEvent::Polled { .. } = e {
                    polls += 1;
                }
            },
        )
        .await
        .unwrap();
    let b = done[0].backend.as_ref().unwrap();
    assert_eq!(b.id, id);
    assert!(!b.listener_health.is_empty());
    assert!(b
        .listener_health
        .iter()
        .all(|l| l.health == Health::Healthy));
    // Selected by address: one listing per poll, sent through the provider.
    assert!(polls >= 2, "{polls}");
    assert_eq!(emu.requests().len(), polls);

    // Added again: the existing member, nothing sent but the listing.
    emu.reset_request_count();
    let again = p.add_or_existing(&spec).await.unwrap();
    assert!(again.unchanged);
    assert_eq!(again.value.id, id);
    assert!(emu.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_turns_unhealthy_is_reported_as_it_happens() {
    let emu = Arc::new(emulator(Duration::from_secs(3600)).await);
    let p = elb(&emu, demo::POOL_WEB);
    // A new member that stays INITIAL until the test says.
    let spec = NewBackend::new("10.0.1.78".parse().unwrap(), Port::new(80).unwrap())
        .with_subnet(ResourceId::new(demo::SUBNET_A1).unwrap());
    let pending = p.add(&spec).await.unwrap().id;
    let healthy = demo::MEMBER_WITH_INSTANCE;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let selection: Vec<Selector> = [healthy, pending.as_str()]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let options = fast(Duration::from_secs(60));
    let mut on_event = move |e: WaitEvent<'_>| {
        if let WaitEvent::Regressed(o) = e {
            log.lock()
                .unwrap()
                .push(format!("{} {}", o.selector, o.state));
        }
    };
    let waiter = p.wait_for(&selection, Condition::Healthy, &options, &mut on_event);
    let control = {
        let emu = emu.clone();
        let pending = pending.clone();
        let seen = seen.clone();
        async move {
            // Healthy for a poll or two, then OFFLINE until the waiter said so.
            until(|| polls_of(&emu, healthy) >= 2).await;
            assert!(emu.set_huawei_member_status(demo::POOL_WEB, healthy, "OFFLINE"));
            until(|| !seen.lock().unwrap().is_empty()).await;
            assert!(emu.set_huawei_member_status(demo::POOL_WEB, healthy, "ONLINE"));
            assert!(emu.set_huawei_member_status(demo::POOL_WEB, &pending, "ONLINE"));
        }
    };
    let (result, ()) = tokio::join!(waiter, control);
    result.unwrap();
    assert_eq!(*seen.lock().unwrap(), [format!("{healthy} unhealthy")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_carries_the_last_state_and_an_empty_selection_is_refused() {
    let emu = emulator(Duration::from_secs(3600)).await;
    let p = elb(&emu, demo::POOL_WEB);
    let spec = NewBackend::new("10.0.1.79".parse().unwrap(), Port::new(80).unwrap())
        .with_subnet(ResourceId::new(demo::SUBNET_A1).unwrap());
    let id = p.add(&spec).await.unwrap().id;
    let err = p
        .wait_for(
            &[id.parse().unwrap(), "10.0.1.10:80".parse().unwrap()],
            Condition::Healthy,
            &fast(Duration::from_millis(200)),
            &mut |_| {},
        )
        .await
        .unwrap_err();
    let WorkflowError::TimedOut(t) = err else {
        panic!("{err}")
    };
    assert_eq!(t.last[0].state, "pending");
    assert!(!t.last[0].done);
    assert!(t.last[1].done);
    let err = p
        .wait_for(
            &[],
            Condition::Healthy,
            &fast(Duration::from_secs(1)),
            &mut |_| {},
        )
        .await
        .unwrap_err();
    assert!(matches!(err, WorkflowError::Failed(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_through_elb_and_the_idempotent_add_on_apig() {
    let emu = emulator(Duration::ZERO).await;
    let p = elb(&emu, demo::POOL_WEB);
    let plan = plan_drain(
        &p,
        &[demo::MEMBER_AMBIGUOUS.parse().unwrap()],
        DrainOptions::new().with_grace(Duration::from_millis(50)),
    )
    .await
    .unwrap();
    assert_eq!(plan.backends[0].weight_before, Some(1));
    execute_drain(&p, &plan, &mut |_| {}).await.unwrap();
    assert!(emu
        .huawei_members(demo::POOL_WEB)
        .unwrap()
        .iter()
        .all(|m| m.id != demo::MEMBER_AMBIGUOUS));

    let apig = ApigProvider::new(
        client(&emu),
        ResourceId::new(apig_demo::INSTANCE).unwrap(),
        ResourceId::new(apig_demo::CHANNEL_IP).unwrap(),
    );
    let specs = [
        NewBackend::new("192.168.0.5".parse().unwrap(), Port::new(80).unwrap()),
        NewBackend::new("192.168.0.9".parse().unwrap(), Port::new(80).unwrap()),
    ];
    let out = apig.add_many_or_existing(&specs).await;
    let got: Vec<bool> = out.iter().map(|r| r.as_ref().unwrap().unchanged).collect();
    assert_eq!(got, [true, false]);
    let again = apig.add_many_or_existing(&specs).await;
    assert!(again.iter().all(|r| r.as_ref().unwrap().unchanged));
}
