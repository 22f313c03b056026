//! `lbb inventory`'s rate limit as the server counts it (issue 8, item 5). Its own test
//! binary, so no other test of the same binary loads the machine while it runs: the
//! guarantee holds while arrival delays differ by less than the limiter's guard.
#![cfg(feature = "huawei-elb")]

mod common;

use std::{fmt::Write as _, time::Duration};

use common::Env;
use lb_backends_emulator::Fleet;

/// A fleet file of `targets`, with `extra` TOML before the targets.
fn fleet_file(extra: &str, targets: &[String]) -> String {
    let mut text = extra.to_owned();
    for t in targets {
        let _ = write!(text, "\n[[target]]\ntarget = \"{t}\"\n");
    }
    text
}

/// Issue 8, item 5 and its acceptance: 500 ELB targets at `--rate huawei-elb=20` with
/// 64 listed at once, while 20% of the requests fail and are retried. The emulator's
/// log, on its own clock, never holds more than 20 requests in a one-second window.
///
/// The windows are half-open, `[t, t + 1 s)`, and each starts at a request: any
/// window can slide right until its start meets a request without losing one, so
/// these are the fullest. lbb spaces a provider's requests `1.04 s / N` apart (see
/// docs/cli.md), so 21 requests span at least 1.04 s when sent; the emulator sees them
/// a little later each, and only a difference of more than 40 ms between two of
/// those delays could put 21 in one of its seconds.
#[test]
fn the_rate_holds_in_every_second_of_the_servers_log_with_retries() {
    use lb_backends_emulator::{FaultKind, Faults};
    const TARGETS: usize = 500;
    const RATE: usize = 20;
    let pools: Vec<String> = (1..=TARGETS)
        .map(|i| format!("9a7e0000-0000-4000-8000-{i:012}"))
        .collect();
    let mut fleet = Fleet::new();
    for (i, pool) in pools.iter().enumerate() {
        fleet.merge(Fleet::generate_elb_pool(pool, 1, i as u64));
    }
    let env = Env::start(fleet);
    env.emu.set_faults(Faults {
        retry_after: Duration::ZERO,
        ..Faults::random(
            0.2,
            [
                FaultKind::ServerError,
                FaultKind::Throttle,
                FaultKind::DropConnection,
                FaultKind::TruncatedBody,
            ],
        )
    });
    let targets: Vec<String> = pools.iter().map(|p| format!("huawei-elb:{p}")).collect();
    let file = env
        .write_file("fleet.toml", &fleet_file("", &targets))
        .display()
        .to_string();
    let run = env
        .lbb([
            "inventory",
            &file,
            "--rate",
            &format!("huawei-elb={RATE}"),
            "--concurrency",
            "64",
            "--max-attempts",
            "10",
            "-o",
            "ndjson",
        ])
        .ok();
    assert_eq!(run.ndjson().len(), TARGETS);

    let log = env.emu.requests();
    let retried = log.iter().filter(|r| r.fault.is_some()).count();
    assert!(retried > 50, "the faults were on: {retried}");
    let mut at: Vec<Duration> = log.iter().map(|r| r.received_at).collect();
    at.sort();
    let mut fullest = (0, Duration::ZERO);
    for (i, start) in at.iter().enumerate() {
        let n = at[i..]
            .iter()
            .take_while(|t| **t < *start + Duration::from_secs(1))
            .count();
        if n > fullest.0 {
            fullest = (n, *start);
        }
    }
    eprintln!(
        "{} requests; the fullest second held {} (from {:?})",
        at.len(),
        fullest.0,
        fullest.1
    );
    assert!(
        fullest.0 <= RATE,
        "{} requests in the second from {:?}",
        fullest.0,
        fullest.1
    );
    assert!(
        run.stderr
            .contains(&format!("{} API requests in", log.len())),
        "every attempt counted: {} logged; {}",
        log.len(),
        run.stderr
    );
}
