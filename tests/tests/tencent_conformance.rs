//! The shared conformance suite (`lb_backends_e2e::conformance`), run for the Tencent
//! CLB and BMLB providers against the emulator.

mod tencent_common;

use std::collections::BTreeSet;

use async_trait::async_trait;
use lb_backends_e2e::conformance::{self, Harness, Setup};
use lb_backends_emulator::{Fleet, DEFAULT_TENCENT_SECRET_KEY};
use lb_backends_tencent::ClbProvider;
use tencent_common::*;

struct ClbHarness;

#[async_trait]
impl Harness for ClbHarness {
    fn name(&self) -> &'static str {
        "tencent-clb"
    }

    async fn setup(&self, n: usize) -> Setup {
        let fleet = Fleet::generate_clb("lb-conform01", n, 3);
        let expected_ids: BTreeSet<String> = fleet
            .tencent_clb("lb-conform01")
            .unwrap()
            .backends
            .iter()
            .map(|b| b.un_instance_id.clone())
            .collect();
        let emulator = emulator(fleet).await;
        let c = client(&emulator);
        Setup {
            provider: Box::new(
                ClbProvider::new(c.clone(), id("lb-conform01"))
                    .with_page_size(10)
                    .unwrap(),
            ),
            missing_target: Box::new(ClbProvider::new(c, id("lb-missing01"))),
            emulator,
            expected_ids,
            new_backend: None,
            secrets: vec![DEFAULT_TENCENT_SECRET_KEY.to_string()],
        }
    }
}

struct BmlbHarness;

#[async_trait]
impl Harness for BmlbHarness {
    fn name(&self) -> &'static str {
        "tencent-bmlb"
    }

    /// Both kinds of binding: bare-metal hosts (id `instanceId`) and VM IPs
    /// (id `lanIp:rsPort`).
    async fn setup(&self, n: usize) -> Setup {
        let ids = ["lb-conform02", "lbl-1", "dm-1", "loc-1"];
        let fleet = Fleet::generate_bmlb(ids[0], ids[1], ids[2], ids[3], n, 3);
        let loc = &fleet.tencent.bmlb.locations[0];
        let expected_ids: BTreeSet<String> = loc
            .bindings
            .iter()
            .map(|b| match b.bind_type {
                0 => b.instance_id.clone(),
                _ => format!("{}:{}", b.lan_ip, b.rs_port),
            })
            .collect();
        let emulator = emulator(fleet).await;
        let c = client(&emulator);
        Setup {
            provider: Box::new(bmlb(c.clone(), ids).with_page_size(10).unwrap()),
            missing_target: Box::new(bmlb(c, ["lb-missing02", "lbl-1", "dm-1", "loc-1"])),
            emulator,
            expected_ids,
            new_backend: None,
            secrets: vec![DEFAULT_TENCENT_SECRET_KEY.to_string()],
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clb_passes_the_conformance_suite() {
    conformance::run(&ClbHarness).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bmlb_passes_the_conformance_suite() {
    conformance::run(&BmlbHarness).await;
}
