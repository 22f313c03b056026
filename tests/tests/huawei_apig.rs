//! Huawei APIG provider end to end against the emulator: a 1,203-member channel listed
//! once each (also under faults), the `name` filter, the seed's five error codes, a
//! `total` that lies, upserts, validation before sending, no whole-set PUT, and
//! serialised concurrent writes.

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use futures::{StreamExt, TryStreamExt};
use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    Backend, BackendName, BackendProvider, BackendUpdate, ErrorKind, NewBackend, Port, ResourceId,
    Target, Weight,
};
use lb_backends_emulator::{
    fleet::apig_demo as demo, Emulator, FaultKind, Faults, Fleet, DEFAULT_TOKEN,
};
use lb_backends_huawei_apig::{ApigMember, ApigProvider, MemberFilter, PreciseField};
use lb_backends_huawei_core::{Credentials, HuaweiClient};

const INST: &str = "a9160000000040008000000000001203";
const BIG: &str = "c4a00000000040008000000000001203";

/// The demo fleet plus a generated `ecs` channel of `n` members.
async fn emulator(n: usize) -> Emulator {
    let mut fleet = Fleet::demo();
    fleet.merge(Fleet::generate_apig_channel(INST, BIG, n, 17));
    Emulator::builder()
        .fleet(fleet)
        .seed(17)
        .start()
        .await
        .unwrap()
}

fn client(emu: &Emulator, token: &str, retry: RetryPolicy) -> HuaweiClient {
    HuaweiClient::builder()
        .project_id(emu.huawei().project_id.clone())
        .credentials(Credentials::token(token))
        .endpoint_all(emu.base_url())
        .transport_config(TransportConfig {
            request_timeout: Duration::from_secs(10),
            retry,
            ..TransportConfig::default()
        })
        .build()
        .unwrap()
}

/// 8 attempts, 1 ms initial backoff: survives 20% faults.
fn patient() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(8)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(10))
}

fn provider(emu: &Emulator, instance: &str, channel: &str, retry: RetryPolicy) -> ApigProvider {
    ApigProvider::new(
        client(emu, DEFAULT_TOKEN, retry),
        ResourceId::new(instance).unwrap(),
        ResourceId::new(channel).unwrap(),
    )
}

fn fleet_ids(emu: &Emulator, instance: &str, channel: &str) -> BTreeSet<String> {
    emu.apig_members(instance, channel)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect()
}

/// The ids, asserting none came twice.
fn ids_once(members: &[Backend]) -> BTreeSet<String> {
    let ids: BTreeSet<String> = members.iter().map(|b| b.id.clone()).collect();
    assert_eq!(ids.len(), members.len(), "a member was yielded twice");
    ids
}

fn assert_no_put(emu: &Emulator) {
    assert!(
        emu.requests().iter().all(|r| r.method != "PUT"),
        "the whole-set PUT was called"
    );
}

#[tokio::test]
async fn lists_1203_members_each_once_in_three_pages() {
    let emu = emulator(1203).await;
    let apig = provider(&emu, INST, BIG, RetryPolicy::never());
    let all: Vec<Backend> = apig.list().try_collect().await.unwrap();
    assert_eq!(ids_once(&all), fleet_ids(&emu, INST, BIG));
    assert_eq!(all.len(), 1203);
    let requests = emu.requests();
    let queries: Vec<String> = requests.iter().filter_map(|r| r.query.clone()).collect();
    assert_eq!(
        queries,
        [
            "offset=0&limit=500",
            "offset=500&limit=500",
            "offset=1000&limit=500"
        ]
    );
    // Instance members carry their ECS.
    let first = &all[0];
    let ecs = first.instance.as_ref().expect("an ecs member");
    assert!(ecs.name.as_deref().is_some_and(|n| n.ends_with("-00000")));
    assert_eq!(first.address, None);
}

#[tokio::test]
async fn the_name_filter_returns_only_matches() {
    let emu = emulator(1203).await;
    let apig = provider(&emu, INST, BIG, RetryPolicy::never());
    let web: Vec<Backend> = apig
        .list_members(&MemberFilter::new().name("web").unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids_once(&web).len(), 401);
    for b in &web {
        let name = b.instance.as_ref().and_then(|i| i.name.as_deref()).unwrap();
        assert!(name.contains("web"), "{name}");
    }
    let one: Vec<Backend> = apig
        .list_members(
            &MemberFilter::new()
                .name("web-00003")
                .unwrap()
                .precise(PreciseField::Name),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    // The demo `ip` channel: IP members map to addresses.
    let ip = provider(&emu, demo::INSTANCE, demo::CHANNEL_IP, RetryPolicy::never());
    let b = ip
        .get(&ResourceId::new(demo::MEMBER_IP_1).unwrap())
        .await
        .unwrap();
    assert_eq!(b.address, Some("192.168.0.5".parse().unwrap()));
}

#[tokio::test]
async fn the_five_error_codes_surface_as_their_kinds() {
    let emu = emulator(3).await;
    let never = RetryPolicy::never();
    let first_error = |p: ApigProvider, filter: MemberFilter| async move {
        p.list_members(&filter).next().await.unwrap().unwrap_err()
    };
    let mut seen = Vec::new();

    let err = first_error(
        provider(&emu, INST, "nochannel", never.clone()),
        MemberFilter::new(),
    )
    .await;
    seen.push((err, ErrorKind::NotFound, "APIG.3023", 404));

    // Sane for the client (1-64 printable characters), refused by the service.
    let err = first_error(
        provider(&emu, INST, BIG, never.clone()),
        MemberFilter::new().name("web!").unwrap(),
    )
    .await;
    seen.push((err, ErrorKind::InvalidInput, "APIG.2012", 400));

    let wrong = ApigProvider::new(
        client(&emu, "not-the-token", never.clone()),
        ResourceId::new(INST).unwrap(),
        ResourceId::new(BIG).unwrap(),
    );
    seen.push((
        first_error(wrong, MemberFilter::new()).await,
        ErrorKind::Unauthorized,
        "APIG.1002",
        401,
    ));

    emu.set_apig_forbidden(true);
    let err = first_error(
        provider(&emu, INST, BIG, never.clone()),
        MemberFilter::new(),
    )
    .await;
    seen.push((err, ErrorKind::Forbidden, "APIG.1005", 403));
    emu.set_apig_forbidden(false);

    emu.fail_next_apig(1);
    let err = first_error(
        provider(&emu, INST, BIG, never.clone()),
        MemberFilter::new(),
    )
    .await;
    assert!(err.is_retryable(), "a system error is worth retrying");
    seen.push((err, ErrorKind::Service, "APIG.9999", 500));

    for (err, kind, code, status) in seen {
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.code(), Some(code), "{err}");
        assert_eq!(err.status(), Some(status), "{err}");
        assert!(!err.message().is_empty());
        let rid = err
            .request_id()
            .unwrap_or_else(|| panic!("no request id: {err:?}"));
        assert_eq!(rid.len(), 36, "{rid}");
    }

    // With retries, a passing system error is survived.
    emu.fail_next_apig(2);
    let all: Vec<Backend> = provider(&emu, INST, BIG, patient())
        .list()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn under_20_percent_faults_each_member_still_comes_once() {
    let emu = emulator(1203).await;
    let mut faults = Faults::random(
        0.2,
        [
            FaultKind::ServerError,
            FaultKind::Throttle,
            FaultKind::DropConnection,
            FaultKind::TruncatedBody,
        ],
    );
    faults.retry_after = Duration::ZERO;
    emu.set_faults(faults);
    let expected = fleet_ids(&emu, INST, BIG);
    // Three pages a listing is few requests for a 20% rate: list a few times, and once
    // at 100 a page, so that faults do land (the seed makes it the same every run).
    for page_size in [500, 500, 500, 500, 100] {
        let apig = provider(&emu, INST, BIG, patient())
            .with_page_size(page_size)
            .unwrap();
        let all: Vec<Backend> = apig.list().try_collect().await.unwrap();
        assert_eq!(ids_once(&all), expected, "page size {page_size}");
    }
    let faulted = emu.requests().iter().filter(|r| r.fault.is_some()).count();
    assert!(faulted > 0, "the emulator injected no fault");
}

/// Everything a listing yields: the members, then its error if it had one.
async fn drain(apig: &ApigProvider) -> (Vec<Backend>, Option<lb_backends_core::Error>) {
    lb_backends_core::BackendProviderExt::collect_partial(apig).await
}

#[tokio::test]
async fn a_total_that_disagrees_with_the_pages_ends_the_listing_in_bounded_time() {
    let emu = emulator(1203).await;
    let apig = provider(&emu, INST, BIG, RetryPolicy::never());
    for (skew, requests) in [(100, 3), (-3, 3)] {
        assert!(emu.set_apig_total_skew(INST, BIG, skew));
        emu.reset_request_count();
        let started = Instant::now();
        let (members, error) = tokio::time::timeout(Duration::from_secs(10), drain(&apig))
            .await
            .expect("the listing ends by itself");
        assert!(started.elapsed() < Duration::from_secs(5));
        let err = error.expect("the disagreement is flagged");
        assert_eq!(err.kind(), ErrorKind::Incomplete, "{err}");
        assert_eq!(
            ids_once(&members).len(),
            1203,
            "what was read is yielded once"
        );
        assert_eq!(emu.request_count(), requests, "skew {skew}");
    }
    // An honest total again: clean.
    emu.set_apig_total_skew(INST, BIG, 0);
    let (members, error) = drain(&apig).await;
    assert!(error.is_none());
    assert_eq!(members.len(), 1203);
}

#[tokio::test]
async fn adding_the_same_address_twice_leaves_one_member() {
    let emu = emulator(0).await;
    let apig = provider(&emu, demo::INSTANCE, demo::CHANNEL_EMPTY, patient());
    let spec = NewBackend::new("10.3.0.1".parse().unwrap(), Port::new(8080).unwrap())
        .with_weight(Weight::new(5).unwrap());
    let first = apig.add(&spec).await.unwrap();
    let again = apig
        .add(&spec.clone().with_weight(Weight::new(6).unwrap()))
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!((again.weight, again.port), (Some(6), Some(8080)));
    let members = emu
        .apig_members(demo::INSTANCE, demo::CHANNEL_EMPTY)
        .unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].weight, 6);

    // ECS members upsert by ecs_id.
    let ecs = provider(&emu, demo::INSTANCE, demo::CHANNEL_ECS, patient());
    let added = ecs
        .add_members(&[
            ApigMember::ecs(ResourceId::new(demo::ECS_WEB_1).unwrap(), "web-01")
                .unwrap()
                .with_weight(Weight::new(33).unwrap()),
        ])
        .await
        .unwrap();
    assert_eq!(added[0].id, demo::MEMBER_ECS_WEB_1);
    assert_eq!(
        emu.apig_members(demo::INSTANCE, demo::CHANNEL_ECS)
            .unwrap()
            .len(),
        3
    );
    assert_no_put(&emu);
}

#[tokio::test]
async fn invalid_input_fails_before_any_request() {
    let emu = emulator(3).await;
    let apig = provider(&emu, demo::INSTANCE, demo::CHANNEL_EMPTY, patient());
    emu.reset_request_count();

    assert!(Weight::new(10_001).is_err());
    assert!(Port::new(0).is_err());
    assert!(ResourceId::new(format!("{}/x", demo::CHANNEL_IP)).is_err());
    assert!(
        format!("huawei-apig:{}/{}/x", demo::INSTANCE, demo::CHANNEL_IP)
            .parse::<Target>()
            .is_err()
    );
    assert!(ApigMember::ecs(ResourceId::new("e1").unwrap(), "").is_err());
    assert!(ApigMember::ecs(ResourceId::new("e1").unwrap(), "x".repeat(65)).is_err());
    assert!(MemberFilter::new().name("").is_err());
    assert!(apig.clone().with_page_size(0).is_err());
    assert!(apig.clone().with_page_size(501).is_err());
    let named = NewBackend::new("10.0.0.1".parse().unwrap(), Port::new(80).unwrap())
        .with_name(BackendName::new("web").unwrap());
    assert_eq!(
        apig.add(&named).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let twice = [
        ApigMember::host("10.0.0.1".parse().unwrap()),
        ApigMember::host("10.0.0.1".parse().unwrap()),
    ];
    assert_eq!(
        apig.add_members(&twice).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let id = ResourceId::new(demo::MEMBER_IP_1).unwrap();
    assert_eq!(
        apig.update(&id, &BackendUpdate::new())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(emu.request_count(), 0, "nothing reached the emulator");
}

#[tokio::test]
async fn updates_and_removes_touch_one_member_and_never_put() {
    let emu = emulator(0).await;
    let apig = provider(&emu, demo::INSTANCE, demo::CHANNEL_IP, patient());
    let id = ResourceId::new(demo::MEMBER_IP_2).unwrap();
    let updated = apig
        .update(
            &id,
            &BackendUpdate::new()
                .with_weight(Weight::new(42).unwrap())
                .with_admin_up(false),
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.id.as_str(), updated.weight),
        (demo::MEMBER_IP_2, Some(42))
    );
    let members = emu.apig_members(demo::INSTANCE, demo::CHANNEL_IP).unwrap();
    assert_eq!(members.len(), 3, "the other members are untouched");
    let m = members.iter().find(|m| m.id == demo::MEMBER_IP_2).unwrap();
    assert_eq!((m.weight, m.status), (42, 2));
    let backup = members
        .iter()
        .find(|m| m.id == demo::MEMBER_IP_BACKUP)
        .unwrap();
    assert!(backup.is_backup, "fields of other members are kept");

    apig.remove(&id).await.unwrap();
    assert_eq!(
        fleet_ids(&emu, demo::INSTANCE, demo::CHANNEL_IP),
        [demo::MEMBER_IP_1, demo::MEMBER_IP_BACKUP]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let err = apig.get(&id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let methods: BTreeSet<String> = emu.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(
        methods,
        ["DELETE", "GET", "POST"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    assert_no_put(&emu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_adds_to_one_channel_are_serialised() {
    let emu = emulator(0).await;
    // Each write holds the channel for 20 ms; an overlapping one gets APIG.9999.
    emu.set_apig_write_time(Duration::from_millis(20));
    let mut tasks = Vec::new();
    for i in 0..10u8 {
        // Separate providers for the same channel, no retries: an overlap would fail.
        let apig = provider(
            &emu,
            demo::INSTANCE,
            demo::CHANNEL_EMPTY,
            RetryPolicy::never(),
        );
        tasks.push(tokio::spawn(async move {
            let spec = NewBackend::new(
                format!("10.4.0.{}", i + 1).parse().unwrap(),
                Port::new(80).unwrap(),
            );
            apig.add(&spec).await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("every add succeeds");
    }
    assert_eq!(
        emu.apig_members(demo::INSTANCE, demo::CHANNEL_EMPTY)
            .unwrap()
            .len(),
        10
    );
    let requests = emu.requests();
    assert!(
        requests.iter().all(|r| r.status != Some(500)),
        "no write overlapped"
    );
    assert_eq!(requests.iter().filter(|r| r.method == "POST").count(), 10);
    assert_no_put(&emu);
}
