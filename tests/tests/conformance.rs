//! Every provider passes the shared conformance suite (`lb_backends_e2e::conformance`)
//! against the emulator.

use std::{collections::BTreeSet, time::Duration};

use async_trait::async_trait;
use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    NewBackend, Port, ResourceId,
};
use lb_backends_e2e::conformance::{self, Harness, Setup};
use lb_backends_emulator::{Emulator, Fleet};

/// Fast retries with a budget that survives 20% injected faults.
fn transport_config() -> TransportConfig {
    TransportConfig {
        request_timeout: Duration::from_secs(10),
        retry: RetryPolicy::default()
            .with_max_attempts(8)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(20)),
        ..TransportConfig::default()
    }
}

fn id(s: &str) -> ResourceId {
    ResourceId::new(s).expect("valid id")
}

/// An emulator serving `fleet`, and a Huawei client (AK/SK) pointed at it.
async fn huawei_on_emulator(fleet: Fleet) -> (Emulator, lb_backends_huawei_core::HuaweiClient) {
    use lb_backends_emulator::{DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK};
    use lb_backends_huawei_core::{Credentials, HuaweiClient};
    let emulator = Emulator::builder()
        .fleet(fleet)
        .seed(5)
        .start()
        .await
        .expect("emulator starts");
    let client = HuaweiClient::builder()
        .project_id(DEFAULT_PROJECT_ID)
        .credentials(Credentials::ak_sk(DEFAULT_AK, DEFAULT_SK))
        .endpoint_all(emulator.base_url())
        .transport_config(transport_config())
        .build()
        .expect("client");
    (emulator, client)
}

mod huawei_elb {
    use super::*;
    use lb_backends_emulator::DEFAULT_SK;
    use lb_backends_huawei_elb::ElbProvider;

    const POOL: &str = "36ce7086-a496-4666-9064-5ba0e6840c75";

    struct Elb;

    #[async_trait]
    impl Harness for Elb {
        fn name(&self) -> &'static str {
            "huawei-elb"
        }

        async fn setup(&self, n: usize) -> Setup {
            let fleet = Fleet::generate_elb_pool(POOL, n, 11);
            let expected_ids: BTreeSet<String> = fleet
                .huawei_pool(POOL)
                .expect("generated pool")
                .members
                .iter()
                .map(|m| m.id.clone())
                .collect();
            let (emulator, client) = huawei_on_emulator(fleet).await;
            Setup {
                provider: Box::new(ElbProvider::new(client.clone(), id(POOL)).with_page_size(50)),
                missing_target: Box::new(ElbProvider::new(
                    client,
                    id("00000000-0000-0000-0000-000000000000"),
                )),
                emulator,
                expected_ids,
                new_backend: Some(NewBackend::new(
                    "192.0.2.10".parse().expect("ip"),
                    Port::new(9090).expect("port"),
                )),
                secrets: vec![DEFAULT_SK.to_owned()],
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn passes_the_conformance_suite() {
        conformance::run(&Elb).await;
    }
}

mod huawei_apig {
    use super::*;
    use lb_backends_emulator::DEFAULT_SK;
    use lb_backends_huawei_apig::ApigProvider;

    const INSTANCE: &str = "eddc4d25480b4cd6b512f270a1b8b341";
    const CHANNEL: &str = "c4a0000000004000800000000000c0f0";

    struct Apig;

    #[async_trait]
    impl Harness for Apig {
        fn name(&self) -> &'static str {
            "huawei-apig"
        }

        async fn setup(&self, n: usize) -> Setup {
            let fleet = Fleet::generate_apig_ip_channel(INSTANCE, CHANNEL, n, 13);
            let expected_ids: BTreeSet<String> = fleet
                .huawei
                .apig
                .channel(INSTANCE, CHANNEL)
                .expect("generated channel")
                .members
                .iter()
                .map(|m| m.id.clone())
                .collect();
            let (emulator, client) = huawei_on_emulator(fleet).await;
            Setup {
                provider: Box::new(
                    ApigProvider::new(client.clone(), id(INSTANCE), id(CHANNEL))
                        .with_page_size(50)
                        .expect("page size"),
                ),
                missing_target: Box::new(ApigProvider::new(
                    client,
                    id(INSTANCE),
                    id("00000000000000000000000000000000"),
                )),
                emulator,
                expected_ids,
                new_backend: Some(NewBackend::new(
                    "192.0.2.10".parse().expect("ip"),
                    Port::new(9090).expect("port"),
                )),
                secrets: vec![DEFAULT_SK.to_owned()],
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn passes_the_conformance_suite() {
        conformance::run(&Apig).await;
    }
}
