//! No secret of a Huawei ELB client reaches a trace line, an error or a `Debug`
//! (against the emulator). In a binary of its own, as `tencent3_secrets.rs`: the test
//! installs a thread-local tracing subscriber, and callsites that tests on other
//! threads of the same binary register concurrently can keep a cached "never" interest
//! (a race in tracing-core's interest cache), which made the "calls were traced" check
//! flaky in `huawei_elb.rs` (seen once in CI).

mod huawei_common;
mod trace_capture;

use futures::TryStreamExt;
use huawei_common::{client, emulator, SK, TOKEN};
use lb_backends_core::{Backend, BackendProvider, ErrorKind, ResourceId};
use lb_backends_emulator::{fleet::demo, FaultKind, Fleet, DEFAULT_AK};
use lb_backends_huawei_core::Credentials;
use lb_backends_huawei_elb::ElbProvider;
use trace_capture::Captured;

const WRONG: &str = "wrong-DO-NOT-LEAK-0d5e";

#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_a_trace_line_or_an_error() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = emulator(Fleet::demo()).await;
    let pool = ResourceId::new(demo::POOL_WEB).unwrap();
    let mut shown = Vec::new();
    for creds in [
        Credentials::token(TOKEN),
        Credentials::temporary(DEFAULT_AK, SK, TOKEN),
    ] {
        let p = ElbProvider::new(client(&emu, creds, 2), pool.clone()).with_page_size(3);
        shown.push(format!("{p:?}"));
        let listed: Vec<Backend> = p.list().try_collect().await.unwrap();
        assert!(listed.len() > 3, "more than one page");
        let missing = ResourceId::new("3e3b0fff-0000-4000-8000-000000000fff").unwrap();
        let err = p.get(&missing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        shown.push(format!("{err} {err:?}"));
    }
    let failing = ElbProvider::new(
        client(&emu, Credentials::ak_sk(DEFAULT_AK, SK), 2),
        pool.clone(),
    );
    emu.inject_next(FaultKind::ServerError);
    emu.inject_next(FaultKind::ServerError);
    let err = failing.list().try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    shown.push(format!("{err} {err:?}"));
    for creds in [
        Credentials::ak_sk(DEFAULT_AK, WRONG),
        Credentials::token(WRONG),
    ] {
        let p = ElbProvider::new(client(&emu, creds, 2), pool.clone());
        let err = p.list().try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        shown.push(format!("{err} {err:?} {p:?}"));
    }

    let log = captured.text();
    assert!(log.contains("lbb.call"), "the calls were traced: {log}");
    if std::env::var_os("SHOW_TRACE").is_some() {
        println!("{log}");
    }
    let all = format!("{log}\n{}", shown.join("\n"));
    for secret in [TOKEN, SK, WRONG] {
        assert!(!all.contains(secret), "{secret} leaked:\n{all}");
    }
}
