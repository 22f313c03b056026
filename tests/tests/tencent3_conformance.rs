//! The shared conformance suite (`lb_backends_e2e::conformance`) against the Tencent
//! modes not covered elsewhere: API 3.0 on a layer-7 rule and on a classic CLB, and
//! the legacy API with its writes on. (API 3.0 on a layer-4 listener:
//! `tencent3.rs`; BMLB 3.0 layer 7 and 4: `tencent3_bmlb.rs`; legacy read-only CLB and
//! BMLB: `tencent_conformance.rs`.)
//!
//! Checks left out, and why:
//! - "a missing target keeps the cloud's code" (CLB 3.0 modes): API 3.0 answers an
//!   unknown load balancer with an empty `LoadBalancerSet`, which has no code; the
//!   provider's `NotFound` is checked in `tencent3.rs`.
//! - "capabilities are honest" on classic and legacy CLBs: the suite adds a backend
//!   by address and expects the address and port back; a classic CLB binds a CVM by
//!   instance id and has no backend port. The same promises are checked here by hand
//!   (`classic_and_legacy_capabilities_are_honest`).

mod tencent_common;

use std::collections::BTreeSet;

use async_trait::async_trait;
use lb_backends_core::{
    BackendProvider, BackendProviderExt, BackendUpdate, ErrorKind, NewBackend, Port, ResourceId,
    Weight,
};
use lb_backends_e2e::conformance::{self, Harness, Setup};
use lb_backends_emulator::{fleet::clb3::generate_standard, Fleet, DEFAULT_TENCENT_SECRET_KEY};
use lb_backends_tencent::{v3::clb::ClbV3Provider, ClbProvider};
use tencent_common::*;

struct RuleHarness;

#[async_trait]
impl Harness for RuleHarness {
    fn name(&self) -> &'static str {
        "tencent-clb (API 3.0, layer-7 rule)"
    }

    async fn setup(&self, n: usize) -> Setup {
        // Every fourth target is on the first rule: it holds `n`.
        let lb = generate_standard("lb-conform7", n * 4);
        let listener = lb.listeners[2].listener_id.clone();
        let rule = &lb.listeners[2].rules[0];
        let expected_ids: BTreeSet<String> = rule
            .targets
            .iter()
            .map(|t| {
                format!(
                    "{listener}:{}:{}:{}",
                    rule.location_id, t.instance_id, t.port
                )
            })
            .collect();
        let target = format!("tencent-clb:lb-conform7/{listener}/{}", rule.location_id);
        let mut fleet = Fleet::new();
        fleet.tencent.clb3.load_balancers.push(lb);
        let emulator = emulator(fleet).await;
        let c = client3(&emulator);
        Setup {
            provider: Box::new(
                ClbV3Provider::for_target(c.clone(), &target.parse().unwrap()).unwrap(),
            ),
            missing_target: Box::new(
                ClbV3Provider::for_target(c, &"tencent-clb:lb-missing7".parse().unwrap()).unwrap(),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clb_3_0_layer_7_rule_passes_the_conformance_suite() {
    conformance::run_except_missing_target(&RuleHarness).await;
}

/// A classic CLB of `n` CVMs (API 3.0), or a legacy-section one (legacy mode).
struct ClassicHarness {
    legacy: bool,
}

#[async_trait]
impl Harness for ClassicHarness {
    fn name(&self) -> &'static str {
        if self.legacy {
            "tencent-clb (legacy, writes on)"
        } else {
            "tencent-clb (API 3.0, classic)"
        }
    }

    async fn setup(&self, n: usize) -> Setup {
        let fleet = Fleet::generate_clb("lb-conformc", n, 9);
        let expected_ids: BTreeSet<String> = fleet
            .tencent_clb("lb-conformc")
            .unwrap()
            .backends
            .iter()
            .map(|b| b.un_instance_id.clone())
            .collect();
        let emulator = emulator(fleet).await;
        let (provider, missing): (Box<dyn BackendProvider>, Box<dyn BackendProvider>) = if self
            .legacy
        {
            let c = client(&emulator);
            (
                Box::new(
                    ClbProvider::new(c.clone(), id("lb-conformc"))
                        .with_page_size(10)
                        .unwrap()
                        .with_writes(true),
                ),
                Box::new(ClbProvider::new(c, id("lb-missingc")).with_writes(true)),
            )
        } else {
            let c = client3(&emulator);
            let p =
                ClbV3Provider::for_target(c.clone(), &"tencent-clb:lb-conformc".parse().unwrap())
                    .unwrap();
            // The kind is asked once and cached: capabilities() then knows it is classic.
            p.kind().await.unwrap();
            emulator.reset_request_count();
            (
                Box::new(p),
                Box::new(
                    ClbV3Provider::for_target(c, &"tencent-clb:lb-missingc".parse().unwrap())
                        .unwrap(),
                ),
            )
        };
        Setup {
            provider,
            missing_target: missing,
            emulator,
            expected_ids,
            new_backend: Some(NewBackend::instance(
                ResourceId::new("ins-conformnew").unwrap(),
                Port::new(80).unwrap(),
            )),
            secrets: vec![DEFAULT_TENCENT_SECRET_KEY.to_string()],
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clb_3_0_classic_passes_the_conformance_suite() {
    let h = ClassicHarness { legacy: false };
    conformance::list_yields_each_backend_once(&h).await;
    conformance::get_matches_list(&h).await;
    conformance::empty_update_sends_nothing(&h).await;
    conformance::faults_are_survived(&h).await;
    conformance::dead_service_ends_in_a_retryable_error(&h).await;
    conformance::debug_shows_no_secret(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_clb_with_writes_passes_the_conformance_suite() {
    let h = ClassicHarness { legacy: true };
    conformance::list_yields_each_backend_once(&h).await;
    conformance::get_matches_list(&h).await;
    conformance::missing_target_is_not_found(&h).await;
    conformance::empty_update_sends_nothing(&h).await;
    conformance::faults_are_survived(&h).await;
    conformance::dead_service_ends_in_a_retryable_error(&h).await;
    conformance::debug_shows_no_secret(&h).await;
}

/// Check 4 of the suite, by hand, for a CLB that binds CVMs by instance id: what
/// the capabilities deny is `Unsupported` and sends nothing; what they grant works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_and_legacy_capabilities_are_honest() {
    for legacy in [false, true] {
        let h = ClassicHarness { legacy };
        let s = h.setup(4).await;
        s.emulator
            .set_tencent_task_delay(std::time::Duration::from_millis(20));
        let caps = s.provider.capabilities();
        assert!(caps.add && caps.remove && caps.add_by_instance, "{legacy}");
        assert!(!caps.update_port && !caps.native_batch && !caps.admin_state);
        let some = ResourceId::new(s.expected_ids.iter().next().unwrap().clone()).unwrap();
        let change = BackendUpdate::new().with_weight(Weight::new(7).unwrap());
        let before = s.emulator.request_count();
        if !caps.update {
            let err = s.provider.update(&some, &change).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{legacy}: {err}");
        }
        let err = s
            .provider
            .update(
                &some,
                &BackendUpdate::new().with_port(Port::new(81).unwrap()),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{legacy}: {err}");
        assert_eq!(
            s.emulator.request_count(),
            before,
            "{legacy}: denied sends nothing"
        );

        let spec = s.new_backend.clone().unwrap();
        let added = s.provider.add(&spec).await.unwrap();
        assert_eq!(added.id, "ins-conformnew");
        assert_eq!(added.instance.as_ref().unwrap().id, "ins-conformnew");
        if caps.update {
            let updated = s
                .provider
                .update(&id("ins-conformnew"), &change)
                .await
                .unwrap();
            assert_eq!(updated.weight, Some(7), "{legacy}");
        }
        s.provider.remove(&id("ins-conformnew")).await.unwrap();
        let ids: Vec<String> = s
            .provider
            .collect_all()
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect();
        assert!(!ids.contains(&"ins-conformnew".to_string()), "{legacy}");
    }
}
