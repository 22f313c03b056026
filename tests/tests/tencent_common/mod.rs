//! Helpers shared by the Tencent end-to-end tests: an emulator holding the targets, and
//! clients pointed at it with fast retries.
#![allow(dead_code)] // each test binary uses its own share

use std::collections::HashMap;
use std::time::Duration;

use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    Endpoint, ResourceId,
};
use lb_backends_emulator::{
    Emulator, Fleet, DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::{
    BmlbProvider, HttpMethod, SignatureMethod, TencentClient, TencentCredentials,
};

pub const CLB_250: &str = "lb-e2e00250";
pub const BMLB_130: [&str; 4] = ["lb-e2ebm130", "lbl-e2e00001", "dm-e2e00001", "loc-e2e00001"];

pub fn fast_retries() -> TransportConfig {
    TransportConfig {
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default()
            .with_max_attempts(8)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(5)),
        ..TransportConfig::default()
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
