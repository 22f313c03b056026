//! No secret of a Tencent API 3.0 client reaches a trace line, an error or a `Debug`
//! (against the emulator). In a binary of its own: the test installs a thread-local
//! tracing subscriber, and callsites that tests on other threads of the same binary
//! register concurrently can keep a cached "never" interest (a race in tracing-core's
//! interest cache), which made the "calls were traced" check flaky in `tencent3.rs`.

mod tencent_common;
mod trace_capture;

use lb_backends_core::{BackendProviderExt, ErrorKind};
use lb_backends_emulator::TencentAccount;
use lb_backends_emulator::{
    fleet::clb3::demo_ids as demo, Emulator, FaultKind, Fleet, DEFAULT_TENCENT_SECRET_ID,
    DEFAULT_TENCENT_SECRET_KEY,
};
use lb_backends_tencent::{v3::clb::ClbV3Provider, TencentClient, TencentCredentials};
use tencent_common::*;
use trace_capture::Captured;

const TOKEN: &str = "tc3-session-token-SECRET-x1";

#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_a_trace_line_an_error_or_a_debug() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let emu = Emulator::builder()
        .fleet(Fleet::demo())
        .tencent_account(
            TencentAccount::new(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY)
                .with_token(TOKEN),
        )
        .start()
        .await
        .unwrap();
    let endpoint = lb_backends_core::Endpoint::parse(&emu.base_url()).unwrap();
    let make = |key: &str, token: &str| {
        TencentClient::builder()
            .region("gz")
            .credentials(
                TencentCredentials::new(DEFAULT_TENCENT_SECRET_ID, key)
                    .unwrap()
                    .with_token(token),
            )
            .endpoint_clb(endpoint.clone())
            .transport_config(fast_retries())
            .build()
            .unwrap()
    };
    let target: lb_backends_core::Target =
        format!("tencent-clb:{}", demo::STANDARD).parse().unwrap();
    let mut shown = Vec::new();
    let good = ClbV3Provider::for_target(make(DEFAULT_TENCENT_SECRET_KEY, TOKEN), &target).unwrap();
    assert_eq!(good.collect_all().await.unwrap().len(), 6);
    shown.push(format!("{good:?}"));
    emu.inject_next(FaultKind::ServerError);
    emu.inject_next(FaultKind::TencentThrottle);
    good.collect_all().await.unwrap();
    for (key, token) in [
        ("wrong-key-SECRET-y2", TOKEN),
        (DEFAULT_TENCENT_SECRET_KEY, "wrong-token-SECRET-z3"),
    ] {
        let p = ClbV3Provider::for_target(make(key, token), &target).unwrap();
        let err = p.collect_all().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
        shown.push(format!("{err} {err:?} {p:?}"));
    }
    let log = captured.text();
    assert!(log.contains("lbb.call"), "the calls were traced");
    let all = format!("{log}\n{}", shown.join("\n"));
    for secret in [
        DEFAULT_TENCENT_SECRET_KEY,
        TOKEN,
        "wrong-key-SECRET-y2",
        "wrong-token-SECRET-z3",
        "TC3-HMAC-SHA256 Credential",
    ] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
}
