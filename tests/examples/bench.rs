//! Benchmarks, as ratios against the emulator on loopback (`cargo xtask bench`).
//!
//! Absolute times depend on the machine; the ratios are what the targets in
//! `docs/benchmarks.md` are about:
//!
//! 1. listing overhead: the ELB provider (typed decoding, normalization, `raw` kept)
//!    against the same pages fetched with reqwest and parsed into `serde_json::Value`;
//! 2. streaming memory: peak resident memory of a fresh process that counts a
//!    20,000-member listing through the stream, against one that collects it whole,
//!    each above a baseline process that fetches only the first page (Linux: `VmHWM`);
//! 3. signing cost: one SDK-HMAC-SHA256 signature and one Tencent v1 signature against
//!    one request to the emulator.

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use futures::TryStreamExt;
use lb_backends_core::{BackendProvider, BackendProviderExt, ResourceId};
use lb_backends_emulator::{Emulator, Fleet, DEFAULT_PROJECT_ID, DEFAULT_TOKEN};
use lb_backends_huawei_core::{
    signer::{authorization, SigningInput},
    Credentials, HuaweiClient,
};
use lb_backends_huawei_elb::ElbProvider;

const POOL: &str = "36ce7086-a496-4666-9064-5ba0e6840c75";
const MEMBERS: usize = 20_000;
const PAGE: u32 = 2000;
const ROUNDS: u32 = 5;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Some(mode) = std::env::args().nth(1).filter(|a| a != "--bench") {
        memory_child(&mode).await;
        return;
    }
    let (emulator, provider) = setup().await;

    println!("lb-backends benchmarks ({MEMBERS} ELB members, pages of {PAGE}, best of {ROUNDS})");
    println!();
    let ours = best(ROUNDS, || async {
        let n = provider
            .list()
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await;
        assert_eq!(n.expect("list"), MEMBERS);
    })
    .await;
    let raw = best(ROUNDS, || raw_listing(&emulator)).await;
    let ratio = ours.as_secs_f64() / raw.as_secs_f64();
    println!(
        "1. listing through the provider: {ours:.1?}; raw reqwest + serde_json::Value: {raw:.1?}"
    );
    println!("   overhead ratio {ratio:.2} (target <= 1.50)");

    let baseline = peak_of_child("first-page");
    let streaming = peak_of_child("stream");
    let collected = peak_of_child("collect");
    let growth = |peak: usize| peak.saturating_sub(baseline);
    let mem_ratio = growth(streaming) as f64 / growth(collected).max(1) as f64;
    println!(
        "2. peak resident memory: first page only {:.1} MiB; whole listing streamed {:.1} MiB; \
         collected {:.1} MiB",
        mib(baseline),
        mib(streaming),
        mib(collected)
    );
    println!(
        "   growth above one page, streamed / collected: {:.1} / {:.1} MiB, ratio {mem_ratio:.2} \
         (target <= 0.25)",
        mib(growth(streaming)),
        mib(growth(collected))
    );

    let round_trip = best(ROUNDS, || async {
        let first = provider.list().try_next().await.expect("page");
        black_box(first);
    })
    .await;
    let huawei = per_op(20_000, sign_huawei);
    let tencent = per_op(20_000, sign_tencent);
    println!(
        "3. one SDK-HMAC-SHA256 signature: {huawei:.1?}; one Tencent v1 signature: {tencent:.1?}; \
         one {PAGE}-member page from the emulator: {round_trip:.1?}"
    );
    println!(
        "   signing / request ratio: huawei {:.4}, tencent {:.4} (target <= 0.01)",
        huawei.as_secs_f64() / round_trip.as_secs_f64(),
        tencent.as_secs_f64() / round_trip.as_secs_f64()
    );
    emulator.shutdown().await;
}

/// The emulator holding the pool, and a provider listing it page by page.
async fn setup() -> (Emulator, ElbProvider) {
    let emulator = Emulator::builder()
        .fleet(Fleet::generate_elb_pool(POOL, MEMBERS, 1))
        .start()
        .await
        .expect("emulator");
    let client = HuaweiClient::builder()
        .project_id(DEFAULT_PROJECT_ID)
        .credentials(Credentials::token(DEFAULT_TOKEN))
        .endpoint_all(emulator.base_url())
        .build()
        .expect("client");
    let provider =
        ElbProvider::new(client, ResourceId::new(POOL).expect("id")).with_page_size(PAGE);
    (emulator, provider)
}

async fn raw_listing(emulator: &Emulator) {
    let http = reqwest::Client::new();
    let base = format!(
        "{}/v3/{DEFAULT_PROJECT_ID}/elb/pools/{POOL}/members",
        emulator.base_url()
    );
    let mut marker: Option<String> = None;
    let mut n = 0;
    loop {
        let mut req = http
            .get(&base)
            .header("x-auth-token", DEFAULT_TOKEN)
            .query(&[("limit", PAGE.to_string())]);
        if let Some(m) = &marker {
            req = req.query(&[("marker", m)]);
        }
        let body = req.send().await.expect("send").bytes().await.expect("body");
        let page: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let members = page["members"].as_array().expect("members");
        n += members.len();
        if members.len() < PAGE as usize {
            break;
        }
        marker = members
            .last()
            .and_then(|m| m["id"].as_str())
            .map(str::to_owned);
    }
    assert_eq!(n, MEMBERS);
}

async fn best<F, Fut>(rounds: u32, mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run().await; // warm up connections and caches
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        run().await;
        best = best.min(started.elapsed());
    }
    best
}

/// Start an emulator and a provider, do `mode`, print the peak resident bytes.
async fn memory_child(mode: &str) {
    let (_emulator, provider) = setup().await;
    match mode {
        "first-page" => {
            black_box(provider.list().try_next().await.expect("page"));
        }
        "stream" => {
            let n = provider
                .list()
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await;
            assert_eq!(n.expect("list"), MEMBERS);
        }
        "collect" => {
            let all = provider.collect_all().await.expect("collect");
            assert_eq!(all.len(), MEMBERS);
            black_box(all);
        }
        other => panic!("unknown mode {other}"),
    }
    println!("{}", status_kib("VmHWM") * 1024);
}

/// Peak resident bytes of a fresh process doing `mode`.
fn peak_of_child(mode: &str) -> usize {
    let exe = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(exe)
        .arg(mode)
        .output()
        .expect("child runs");
    assert!(out.status.success(), "memory child {mode} failed");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("bytes")
}

fn status_kib(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a kB value")
}

fn per_op(n: u32, op: fn()) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        op();
    }
    started.elapsed() / n
}

fn sign_huawei() {
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (
            "host".to_owned(),
            "elb.cn-north-4.myhuaweicloud.com".to_owned(),
        ),
        ("x-sdk-date".to_owned(), "20261122T083001Z".to_owned()),
    ];
    let query = vec![("limit".to_owned(), "2000".to_owned())];
    black_box(authorization(
        "QTWAOYTTINDUT2QVKYUC",
        b"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
        &SigningInput {
            method: "GET",
            path: "/v3/99a3fff0d03c428eac3678da6a7d0f24/elb/pools/36ce7086-a496-4666-9064-5ba0e6840c75/members",
            query: &query,
            headers: &headers,
            body: b"",
            sdk_date: "20261122T083001Z",
        },
    ));
}

fn sign_tencent() {
    use lb_backends_tencent::signer::{sign, string_to_sign, SignatureMethod};
    let params = [
        ("Action", "DescribeLoadBalancerBackends"),
        ("Nonce", "24763"),
        ("Region", "gz"),
        ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
        ("SignatureMethod", "HmacSHA256"),
        ("Timestamp", "1507714922"),
        ("limit", "100"),
        ("loadBalancerId", "lb-abcdefgh"),
        ("offset", "0"),
    ];
    let s = string_to_sign("GET", "lb.api.qcloud.com", "/v2/index.php", &params);
    black_box(sign(
        SignatureMethod::HmacSha256,
        b"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        &s,
    ));
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
