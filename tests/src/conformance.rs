//! The provider conformance suite: the behaviour every [`BackendProvider`] shares,
//! checked the same way for each against the emulator.
//!
//! A provider's test file implements [`Harness`] (how to start an emulator holding a
//! target of `n` backends, and a provider for it) and calls [`run`]. The suite checks:
//!
//! 1. listing yields every backend exactly once, across several pages;
//! 2. `get` returns what the listing said, and an unknown id is `NotFound`;
//! 3. a target that does not exist is `NotFound`, with the cloud's code kept;
//! 4. `capabilities()` is honest: what it denies returns `Unsupported` and sends
//!    nothing; what it grants works (add then get, update then get, remove then gone);
//! 5. an update that changes nothing is refused before anything is sent;
//! 6. 20% of responses turned into 5xx, 429 and dropped connections are survived;
//! 7. a service that always fails ends in a retryable error, not a hang;
//! 8. the provider's `Debug` shows none of the secrets it was built with.

use std::{collections::BTreeSet, time::Duration};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use lb_backends_core::{BackendProvider, BackendUpdate, ErrorKind, NewBackend, ResourceId, Weight};
use lb_backends_emulator::{Emulator, FaultKind, Faults};

/// A running emulator and providers pointed at it.
#[derive(Debug)]
pub struct Setup {
    /// The emulator, holding the target.
    pub emulator: Emulator,
    /// A provider for the target. Build it with a small page size, so that the
    /// backends span several pages, and a retry policy generous enough for 20% faults
    /// (e.g. 8 attempts, 1 ms initial backoff).
    pub provider: Box<dyn BackendProvider>,
    /// A provider of the same kind for a target the emulator does not have.
    pub missing_target: Box<dyn BackendProvider>,
    /// The ids the listing must yield, each once.
    pub expected_ids: BTreeSet<String>,
    /// A backend the target accepts, when the provider can add.
    pub new_backend: Option<NewBackend>,
    /// The secrets the provider was built with; none may show in its `Debug`.
    pub secrets: Vec<String>,
}

/// How to set up one provider against the emulator.
#[async_trait]
pub trait Harness: Send + Sync {
    /// The provider's name, for failure messages.
    fn name(&self) -> &'static str;

    /// A fresh emulator whose target holds `n` backends, and providers for it.
    async fn setup(&self, n: usize) -> Setup;
}

/// How many backends the paging checks use: several pages at any small page size.
pub const BACKENDS: usize = 137;

/// Hang guard for calls that must end by themselves.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Run every check against `harness`.
pub async fn run(harness: &dyn Harness) {
    let name = harness.name();
    list_yields_each_backend_once(harness).await;
    get_matches_list(harness).await;
    missing_target_is_not_found(harness).await;
    capabilities_are_honest(harness).await;
    empty_update_sends_nothing(harness).await;
    faults_are_survived(harness).await;
    dead_service_ends_in_a_retryable_error(harness).await;
    debug_shows_no_secret(harness).await;
    eprintln!("conformance: {name}: all checks passed");
}

/// Run every check but [`missing_target_is_not_found`], for an API that answers an
/// unknown target without a code of its own (its test checks `NotFound` by hand).
pub async fn run_except_missing_target(harness: &dyn Harness) {
    let name = harness.name();
    list_yields_each_backend_once(harness).await;
    get_matches_list(harness).await;
    capabilities_are_honest(harness).await;
    empty_update_sends_nothing(harness).await;
    faults_are_survived(harness).await;
    dead_service_ends_in_a_retryable_error(harness).await;
    debug_shows_no_secret(harness).await;
    eprintln!("conformance: {name}: all checks but the missing target passed");
}

/// Check 1.
pub async fn list_yields_each_backend_once(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(BACKENDS).await;
    assert_eq!(s.expected_ids.len(), BACKENDS, "{name}: harness fleet size");
    let ids = collect_ids(&*s.provider).await;
    assert_exactly_once(name, &ids, &s.expected_ids);
    assert!(
        s.emulator.request_count() > 1,
        "{name}: {BACKENDS} backends should span several pages"
    );
}

/// Check 2.
pub async fn get_matches_list(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(12).await;
    let listed: Vec<_> = s.provider.list().try_collect().await.expect("list");
    for b in listed.iter().step_by(5) {
        let id = ResourceId::new(b.id.clone()).expect("listed ids are valid ids");
        let got = s.provider.get(&id).await.expect("get a listed backend");
        assert_eq!(
            (&got.id, got.address, got.port, got.weight),
            (&b.id, b.address, b.port, b.weight),
            "{name}: get({}) disagrees with the listing",
            b.id
        );
    }
    let unknown = ResourceId::new("doesnotexist0000").expect("valid id");
    let err = s.provider.get(&unknown).await.expect_err("unknown id");
    assert_eq!(
        err.kind(),
        ErrorKind::NotFound,
        "{name}: get(unknown): {err}"
    );
}

/// Check 3.
pub async fn missing_target_is_not_found(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(3).await;
    let first = s.missing_target.list().next().await;
    let err = match first {
        Some(Err(e)) => e,
        other => panic!("{name}: listing a missing target gave {other:?}"),
    };
    assert_eq!(err.kind(), ErrorKind::NotFound, "{name}: {err}");
    assert!(
        err.code().is_some(),
        "{name}: the cloud's code is kept: {err:?}"
    );
    assert!(!err.is_retryable(), "{name}: not found is final");
}

/// Check 4.
pub async fn capabilities_are_honest(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(4).await;
    let caps = s.provider.capabilities();
    let some_id = ResourceId::new(s.expected_ids.iter().next().expect("a backend").clone())
        .expect("valid id");
    let spec = s.new_backend.clone().unwrap_or_else(|| {
        NewBackend::new(
            "10.9.9.9".parse().expect("ip"),
            lb_backends_core::Port::new(8080).expect("port"),
        )
    });
    let change = BackendUpdate::new().with_weight(Weight::new(7).expect("weight"));

    let before = s.emulator.request_count();
    if !caps.add {
        let err = s.provider.add(&spec).await.expect_err("add is unsupported");
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{name}: add: {err}");
    }
    if !caps.update {
        let err = s
            .provider
            .update(&some_id, &change)
            .await
            .expect_err("update");
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{name}: update: {err}");
    }
    if !caps.remove {
        let err = s.provider.remove(&some_id).await.expect_err("remove");
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{name}: remove: {err}");
    }
    if !caps.instance_lookup {
        let err = s.provider.instance_of(&some_id).await.expect_err("lookup");
        assert_eq!(
            err.kind(),
            ErrorKind::Unsupported,
            "{name}: instance_of: {err}"
        );
    }
    assert_eq!(
        s.emulator.request_count(),
        before,
        "{name}: unsupported operations must send nothing"
    );

    if caps.add {
        let spec = s
            .new_backend
            .clone()
            .unwrap_or_else(|| panic!("{name}: can add, so the harness gives a new backend"));
        let added = s.provider.add(&spec).await.expect("add");
        assert_eq!(added.address, spec.address, "{name}: added address");
        let id = ResourceId::new(added.id.clone()).expect("valid id");
        let got = s.provider.get(&id).await.expect("get the added backend");
        assert_eq!(got.port, Some(spec.port.get()), "{name}: added port");
        if caps.update {
            let updated = s.provider.update(&id, &change).await.expect("update");
            assert_eq!(
                updated.weight,
                Some(7),
                "{name}: update returns the new weight"
            );
            let got = s.provider.get(&id).await.expect("get after update");
            assert_eq!(got.weight, Some(7), "{name}: get after update");
        }
        if caps.remove {
            s.provider.remove(&id).await.expect("remove");
            let ids = collect_ids(&*s.provider).await;
            assert!(
                !ids.contains(&added.id),
                "{name}: removed backend still listed"
            );
        }
    }
}

/// Check 5.
pub async fn empty_update_sends_nothing(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(2).await;
    if !s.provider.capabilities().update {
        return;
    }
    let id = ResourceId::new(s.expected_ids.iter().next().expect("a backend").clone())
        .expect("valid id");
    let before = s.emulator.request_count();
    let err = s
        .provider
        .update(&id, &BackendUpdate::new())
        .await
        .expect_err("empty update");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name}: {err}");
    assert_eq!(s.emulator.request_count(), before, "{name}: nothing sent");
}

/// Check 6.
pub async fn faults_are_survived(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(BACKENDS).await;
    let mut faults = Faults::random(
        0.2,
        [
            FaultKind::ServerError,
            FaultKind::Throttle,
            FaultKind::DropConnection,
        ],
    );
    faults.retry_after = Duration::ZERO;
    s.emulator.set_faults(faults);
    let ids = collect_ids(&*s.provider).await;
    assert_exactly_once(name, &ids, &s.expected_ids);
    let faulted = s
        .emulator
        .requests()
        .iter()
        .filter(|r| r.fault.is_some())
        .count();
    assert!(faulted > 0, "{name}: the emulator injected no fault");
}

/// Check 7.
pub async fn dead_service_ends_in_a_retryable_error(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(5).await;
    let mut faults = Faults::random(1.0, [FaultKind::ServerError, FaultKind::DropConnection]);
    faults.retry_after = Duration::ZERO;
    s.emulator.set_faults(faults);
    let first = tokio::time::timeout(HANG_GUARD, s.provider.list().next())
        .await
        .unwrap_or_else(|_| panic!("{name}: a dead service made the listing hang"));
    let err = match first {
        Some(Err(e)) => e,
        other => panic!("{name}: a dead service gave {other:?}"),
    };
    assert!(err.is_retryable(), "{name}: {err}");
    assert!(
        matches!(err.kind(), ErrorKind::Service | ErrorKind::Transport),
        "{name}: {err}"
    );
}

/// Check 8.
pub async fn debug_shows_no_secret(harness: &dyn Harness) {
    let name = harness.name();
    let s = harness.setup(1).await;
    assert!(
        !s.secrets.is_empty(),
        "{name}: the harness names its secrets"
    );
    let shown = format!("{:?} {:?}", s.provider, s.missing_target);
    for secret in &s.secrets {
        assert!(
            !shown.contains(secret.as_str()),
            "{name}: Debug shows a secret"
        );
    }
}

async fn collect_ids(provider: &dyn BackendProvider) -> Vec<String> {
    tokio::time::timeout(HANG_GUARD, provider.list().map_ok(|b| b.id).try_collect())
        .await
        .expect("listing ended")
        .expect("listing succeeded")
}

fn assert_exactly_once(name: &str, ids: &[String], expected: &BTreeSet<String>) {
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "{name}: a backend was yielded twice"
    );
    assert_eq!(
        &unique, expected,
        "{name}: listed ids differ from the fleet"
    );
}
