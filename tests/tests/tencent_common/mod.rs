//! Helpers shared by the Tencent end-to-end tests: an emulator holding the targets, and
//! clients pointed at it with fast retries.
#![allow(dead_code)] // each test binary uses its own share

use std::collections::HashMap;
use std::time::Duration;

use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    Endpoint, Port, ResourceId, Weight,
};
use lb_backends_emulator::{
    Emulator, FaultKind, Faults, Fleet, DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::{
    BmlbProvider, HttpMethod, SignatureMethod, TencentApi, TencentClient, TencentCredentials,
};

pub const CLB_250: &str = "lb-e2e00250";
pub const BMLB_130: [&str; 4] = ["lb-e2ebm130", "lbl-e2e00001", "dm-e2e00001", "loc-e2e00001"];

/// Retries up to `max_attempts`, backing off from `initial` to `max`.
pub fn retries(max_attempts: u32, initial: Duration, max: Duration) -> TransportConfig {
    TransportConfig {
        retry: RetryPolicy::default()
            .with_max_attempts(max_attempts)
            .with_initial_backoff(initial)
            .with_max_backoff(max),
        ..TransportConfig::default()
    }
}

/// Eight quick attempts, each given five seconds.
pub fn fast_retries() -> TransportConfig {
    TransportConfig {
        request_timeout: Duration::from_secs(5),
        ..retries(8, Duration::from_millis(1), Duration::from_millis(5))
    }
}

pub fn client_with(
    emu: &Emulator,
    key: &str,
    method: HttpMethod,
    sig: SignatureMethod,
) -> TencentClient {
    let endpoint = Endpoint::parse(&emu.base_url()).unwrap();
    TencentClient::builder()
        .region("gz")
        .credentials(TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, key).unwrap())
        .endpoint_clb(endpoint.clone())
        .endpoint_bmlb(endpoint)
        .http_method(method)
        .signature_method(sig)
        .transport_config(fast_retries())
        .build()
        .unwrap()
}

pub fn client(emu: &Emulator) -> TencentClient {
    client_with(
        emu,
        DEFAULT_TENCENT_SECRET_KEY,
        HttpMethod::Get,
        SignatureMethod::HmacSha1,
    )
}

/// An API 3.0 client of the emulator (CLB and BMLB), with the default key and fast
/// retries.
pub fn client3(emu: &Emulator) -> TencentClient {
    client3_with(emu, DEFAULT_TENCENT_SECRET_KEY, fast_retries())
}

/// An API 3.0 client of the emulator (CLB and BMLB), signing with `key`. (The region
/// is `gz`: the emulator answers any.)
pub fn client3_with(emu: &Emulator, key: &str, transport: TransportConfig) -> TencentClient {
    let endpoint = Endpoint::parse(&emu.base_url()).unwrap();
    TencentClient::builder()
        .region("gz")
        .credentials(TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, key).unwrap())
        .api(TencentApi::V3)
        .endpoint_clb(endpoint.clone())
        .endpoint_bmlb(endpoint)
        .transport_config(transport)
        .build()
        .unwrap()
}

/// 20% of calls throttled (`RequestLimitExceeded`), 5xx or dropped, to be retried at
/// once: what every read must survive.
pub fn read_faults() -> Faults {
    twenty_percent([
        FaultKind::TencentThrottle,
        FaultKind::ServerError,
        FaultKind::DropConnection,
    ])
}

/// [`read_faults`] and drops after the write was committed: what a write must survive
/// and still be applied once.
pub fn write_faults() -> Faults {
    twenty_percent([
        FaultKind::TencentThrottle,
        FaultKind::ServerError,
        FaultKind::DropConnection,
        FaultKind::DropAfterCommit,
    ])
}

fn twenty_percent(kinds: impl IntoIterator<Item = FaultKind>) -> Faults {
    let mut faults = Faults::random(0.2, kinds);
    faults.retry_after = Duration::ZERO;
    faults
}

pub fn port(n: i64) -> Port {
    Port::new(n).unwrap()
}

pub fn weight(n: i64) -> Weight {
    Weight::new(n).unwrap()
}

pub fn id(s: &str) -> ResourceId {
    ResourceId::new(s).unwrap()
}

pub fn bmlb(client: TencentClient, ids: [&str; 4]) -> BmlbProvider {
    BmlbProvider::new(client, id(ids[0]), id(ids[1]), id(ids[2]), id(ids[3]))
}

/// The demo fleet (the seeds' examples) plus the generated CLB and BMLB targets.
pub fn fleet() -> Fleet {
    let mut f = Fleet::demo();
    f.merge(Fleet::generate_clb(CLB_250, 250, 11));
    f.merge(Fleet::generate_bmlb(
        BMLB_130[0],
        BMLB_130[1],
        BMLB_130[2],
        BMLB_130[3],
        130,
        11,
    ));
    f
}

pub async fn emulator(fleet: Fleet) -> Emulator {
    Emulator::builder()
        .fleet(fleet)
        .seed(7)
        .start()
        .await
        .unwrap()
}

/// The query parameters of every logged request to the Tencent path (values kept
/// encoded: the ones looked at are digits).
pub fn logged_queries(emu: &Emulator) -> Vec<HashMap<String, String>> {
    emu.requests()
        .into_iter()
        .filter(|r| r.path == "/v2/index.php")
        .map(|r| {
            r.query
                .unwrap_or_default()
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}
