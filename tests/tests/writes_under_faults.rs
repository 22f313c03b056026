//! Writes that say what happened: 200 add/remove cycles for ELB and for APIG while
//! half of all requests are applied and then lose their answer
//! (`drop-after-commit` at rate 0.5). Every add must leave exactly one member, every
//! remove none, and each must report success: a delete whose first answer was lost
//! and whose retry hears "not found" did happen (issue 8, item 4).

use std::time::Duration;

use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    BackendProvider, NewBackend, Port, ResourceId,
};
use lb_backends_emulator::{
    fleet::{apig_demo, demo},
    Emulator, FaultKind, Faults, Fleet, DEFAULT_TOKEN,
};
use lb_backends_huawei_apig::ApigProvider;
use lb_backends_huawei_core::{Credentials, HuaweiClient};
use lb_backends_huawei_elb::ElbProvider;

const CYCLES: u16 = 200;

/// Seeded: the same faults hit the same requests on every run.
async fn emulator() -> Emulator {
    let emu = Emulator::builder()
        .fleet(Fleet::demo())
        .seed(8)
        .health_check_delay(Duration::ZERO)
        .start()
        .await
        .unwrap();
    emu.set_faults(Faults::random(0.5, [FaultKind::DropAfterCommit]));
    emu
}

/// No backoff to speak of, and attempts enough that 0.5^16 never ends a call.
fn client(emu: &Emulator) -> HuaweiClient {
    HuaweiClient::builder()
        .project_id(emu.huawei().project_id.clone())
        .credentials(Credentials::token(DEFAULT_TOKEN))
        .endpoint_all(emu.base_url())
        .transport_config(TransportConfig {
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default()
                .with_max_attempts(16)
                .with_initial_backoff(Duration::ZERO)
                .with_max_backoff(Duration::ZERO),
            ..TransportConfig::default()
        })
        .build()
        .unwrap()
}

fn spec(i: u16) -> NewBackend {
    let address = format!("192.168.{}.{}", 100 + i / 200, 1 + i % 200);
    NewBackend::new(
        address.parse().unwrap(),
        Port::new(8000 + i64::from(i)).unwrap(),
    )
}

/// Add then remove `CYCLES` times; `count` says how many members the emulator holds
/// at an address and port. Returns the failures, one line each.
async fn cycles(provider: &dyn BackendProvider, count: impl Fn(&str, u16) -> usize) -> Vec<String> {
    let mut failures = Vec::new();
    for i in 0..CYCLES {
        let spec = spec(i);
        let (address, port) = (spec.place(), spec.port.get());
        match provider.add(&spec).await {
            Ok(member) => {
                let n = count(&address, port);
                if n != 1 {
                    failures.push(format!("cycle {i}: add left {n} members"));
                }
                let id = ResourceId::new(&member.id).unwrap();
                if let Err(e) = provider.remove(&id).await {
                    failures.push(format!("cycle {i}: remove failed: {e}"));
                }
                let n = count(&address, port);
                if n != 0 {
                    failures.push(format!("cycle {i}: remove left {n} members"));
                }
            }
            Err(e) => failures.push(format!("cycle {i}: add failed: {e}")),
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elb_add_remove_cycles_under_drop_after_commit_say_what_happened() {
    let emu = emulator().await;
    let provider = ElbProvider::new(client(&emu), ResourceId::new(demo::POOL_WEB).unwrap());
    let failures = cycles(&provider, |address, port| {
        emu.huawei_members(demo::POOL_WEB)
            .unwrap()
            .iter()
            .filter(|m| m.address == address && m.protocol_port == port)
            .count()
    })
    .await;
    let dropped = emu
        .requests()
        .iter()
        .filter(|r| r.fault == Some(FaultKind::DropAfterCommit))
        .count();
    assert!(dropped > 200, "the faults were on: {dropped}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apig_add_remove_cycles_under_drop_after_commit_say_what_happened() {
    let emu = emulator().await;
    let provider = ApigProvider::new(
        client(&emu),
        ResourceId::new(apig_demo::INSTANCE).unwrap(),
        ResourceId::new(apig_demo::CHANNEL_IP).unwrap(),
    );
    let failures = cycles(&provider, |address, port| {
        emu.apig_members(apig_demo::INSTANCE, apig_demo::CHANNEL_IP)
            .unwrap()
            .iter()
            .filter(|m| m.host.as_deref() == Some(address) && m.port == Some(port))
            .count()
    })
    .await;
    let dropped = emu
        .requests()
        .iter()
        .filter(|r| r.fault == Some(FaultKind::DropAfterCommit))
        .count();
    assert!(dropped > 200, "the faults were on: {dropped}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
