//! What the provider's unit tests share: a client for a
//! [`ScriptedServer`](lb_backends_testkit::ScriptedServer).

use std::time::Duration;

use lb_backends_core::transport::{RetryPolicy, TransportConfig};
use lb_backends_huawei_core::{Credentials, HuaweiClient};
use lb_backends_testkit::ScriptedServer;

pub(crate) const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// A client for `server`, trying each call at most `attempts` times.
pub(crate) fn client(server: &ScriptedServer, attempts: u32) -> HuaweiClient {
    HuaweiClient::builder()
        .project_id(PROJECT)
        .credentials(Credentials::token("test-token"))
        .endpoint_all(server.url())
        .transport_config(TransportConfig {
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
            ..TransportConfig::default()
        })
        .build()
        .unwrap()
}
