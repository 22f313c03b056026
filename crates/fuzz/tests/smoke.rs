//! The CI smoke run: 10,000 bodies per decoder, every decoder, with the smoke sizes
//! (rare bodies up to 64 KB strings and 1,000 levels of nesting). Fails on any panic
//! and on any violation not listed in `decoders::KNOWN`.

use std::time::Instant;

use lb_backends_fuzz::{
    decoders::DECODERS,
    mutate::Size,
    runner::{self, Config},
};

#[test]
fn ten_thousand_bodies_per_decoder() {
    let cases = std::env::var("LBB_FUZZ_SMOKE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let config = Config {
        cases,
        first: 0,
        seed: 1,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        decoders: DECODERS.iter().collect(),
        size: Size::Smoke,
        out: Some(runner::default_out().join("smoke")),
        stop_on_failure: false,
    };
    let started = Instant::now();
    let report = runner::run(&config, &|_, _| {});
    let mut failures = Vec::new();
    for (name, r) in &report.decoders {
        assert_eq!(r.cases, cases, "{name}");
        eprintln!(
            "{name}: {} bodies, {} accepted, {} records, {:.0} bodies/s",
            r.cases,
            r.accepted,
            r.records,
            r.rate()
        );
        for e in &r.panics.examples {
            failures.push(format!("{name} case {}: panic: {}", e.case, e.what));
        }
        for (inv, b) in &r.violations {
            if lb_backends_fuzz::decoders::known(name, inv).is_none() {
                for e in &b.examples {
                    failures.push(format!("{name} case {}: {inv}: {}", e.case, e.what));
                }
            }
        }
    }
    eprintln!("smoke: {:.1} s", started.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "replay with cargo xtask fuzz --seed 1 --smoke --decoder NAME --case K:\n{}",
        failures.join("\n")
    );
}
