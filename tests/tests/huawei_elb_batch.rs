//! ELB's batch operations through the provider trait, and the diagnosis job polled to
//! its end, against the emulator.

use std::time::Duration;

use lb_backends_core::{
    BackendProvider, BackendUpdate, ErrorKind, NewBackend, Port, ResourceId, Weight,
};
use lb_backends_emulator::{fleet::demo, Emulator, Fleet};
use lb_backends_huawei_core::{Credentials, HuaweiClient};
use lb_backends_huawei_elb::ElbProvider;

async fn setup(delay: Duration) -> (Emulator, ElbProvider) {
    let emu = Emulator::builder()
        .fleet(Fleet::demo())
        .health_check_delay(delay)
        .start()
        .await
        .unwrap();
    let client = HuaweiClient::builder()
        .project_id(emu.huawei().project_id.clone())
        .credentials(Credentials::token(emu.huawei().token.clone()))
        .endpoint_all(emu.base_url())
        .build()
        .unwrap();
    let p = ElbProvider::new(client, ResourceId::new(demo::POOL_WEB).unwrap());
    (emu, p)
}

fn calls(emu: &Emulator, suffix: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path.ends_with(suffix))
        .count()
}

#[tokio::test]
async fn add_many_splits_at_200_and_reports_each_member() {
    let (emu, p) = setup(Duration::ZERO).await;
    assert!(p.capabilities().native_batch);
    let mut specs: Vec<NewBackend> = (0..450)
        .map(|i| {
            NewBackend::new(
                "192.168.201.9".parse().unwrap(),
                Port::new(3000 + i).unwrap(),
            )
            .with_weight(Weight::new(2).unwrap())
        })
        .collect();
    // One refused before sending (weight over ELB's 100): it costs no call.
    specs.push(
        NewBackend::new("192.168.201.9".parse().unwrap(), Port::new(9).unwrap())
            .with_weight(Weight::new(500).unwrap()),
    );
    let out = p.add_many(&specs).await;
    assert_eq!(out.len(), 451);
    assert!(out[..450]
        .iter()
        .all(|r| r.as_ref().is_ok_and(|o| !o.unchanged)));
    assert_eq!(
        out[450].as_ref().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(calls(&emu, "/batch-add"), 3);
    let again = p.add_many(&specs[..450]).await;
    assert!(again.iter().all(|r| r.as_ref().is_ok_and(|o| o.unchanged)));
    assert_eq!(calls(&emu, "/batch-add"), 6);

    let ids: Vec<ResourceId> = out[..3]
        .iter()
        .map(|r| ResourceId::new(r.as_ref().unwrap().value.id.clone()).unwrap())
        .collect();
    let changes: Vec<(ResourceId, BackendUpdate)> = ids
        .iter()
        .map(|id| {
            (
                id.clone(),
                BackendUpdate::new().with_weight(Weight::new(9).unwrap()),
            )
        })
        .collect();
    let updated = p.update_many(&changes).await;
    assert!(updated
        .iter()
        .all(|r| r.as_ref().is_ok_and(|o| o.value.weight == Some(9))));
    assert_eq!(calls(&emu, "/batch-update"), 1);

    let removed = p.remove_many(&ids).await;
    assert!(removed
        .iter()
        .all(|r| r.as_ref().is_ok_and(|o| !o.unchanged)));
    let again = p.remove_many(&ids).await;
    assert!(again.iter().all(|r| r.as_ref().is_ok_and(|o| o.unchanged)));
    let at: Vec<_> = (3..450)
        .map(|i| {
            (
                "192.168.201.9".parse().unwrap(),
                Port::new(3000 + i).unwrap(),
            )
        })
        .collect();
    let gone = p.remove_many_at(&at).await;
    assert!(gone
        .iter()
        .all(|r| r.as_ref().is_ok_and(|o| !o.unchanged && o.value.is_some())));
    assert_eq!(calls(&emu, "/batch-delete"), 2 + 3);
    assert_eq!(emu.huawei_members(demo::POOL_WEB).unwrap().len(), 6);
}

#[tokio::test]
async fn the_diagnosis_job_is_polled_until_it_ends() {
    let (emu, p) = setup(Duration::from_millis(300)).await;
    let d = p
        .diagnose(
            &ResourceId::new(demo::MEMBER_NO_PORT).unwrap(),
            Some(&ResourceId::new(demo::LISTENER_WEB).unwrap()),
            "all",
            Duration::from_secs(10),
            Duration::from_millis(50),
        )
        .await
        .unwrap();
    assert_eq!(d.status, "processed");
    assert!(calls(&emu, "/health-check") == 1);
    let polls = emu
        .requests()
        .iter()
        .filter(|r| r.path.contains("/check/jobs/"))
        .count();
    assert!(polls >= 2, "polled {polls} times");
    let failed: Vec<_> = d.findings.iter().filter(|f| !f.passed).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].severity, "Major");
    // Bounded: a job still running when the wait is over is a Timeout.
    let err = p
        .diagnose(
            &ResourceId::new(demo::MEMBER_NO_PORT).unwrap(),
            Some(&ResourceId::new(demo::LISTENER_WEB).unwrap()),
            "config",
            Duration::from_millis(100),
            Duration::from_millis(40),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}
