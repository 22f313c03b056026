//! Helpers shared by the Huawei ELB end-to-end tests: an emulator that knows the
//! tests' token and AK/SK, and clients pointed at it with fast retries.
#![allow(dead_code)] // each test binary uses its own share

use std::time::Duration;

use lb_backends_core::transport::{RetryPolicy, TransportConfig};
use lb_backends_emulator::{Emulator, Fleet, DEFAULT_AK};
use lb_backends_huawei_core::{Credentials, HuaweiClient};

/// The token the emulator takes (a secret: no test output may show it).
pub const TOKEN: &str = "tok-e2e-DO-NOT-LEAK-7f3a";
/// The SK the emulator takes with `DEFAULT_AK` (a secret too).
pub const SK: &str = "sk-e2e-DO-NOT-LEAK-91c2";

/// An emulator serving `fleet`, seeded, with [`TOKEN`] and [`SK`].
pub async fn emulator(fleet: Fleet) -> Emulator {
    Emulator::builder()
        .fleet(fleet)
        .seed(7)
        .huawei_token(TOKEN)
        .huawei_ak_sk(DEFAULT_AK, SK)
        .start()
        .await
        .unwrap()
}

/// A client of `emu` with `credentials`, `attempts` attempts a call and
/// millisecond backoffs.
pub fn client(emu: &Emulator, credentials: Credentials, attempts: u32) -> HuaweiClient {
    HuaweiClient::builder()
        .project_id(emu.huawei().project_id.clone())
        .credentials(credentials)
        .endpoint_all(emu.base_url())
        .transport_config(TransportConfig {
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(10)),
            ..TransportConfig::default()
        })
        .build()
        .unwrap()
}
