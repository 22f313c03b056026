//! Tracing on stderr (`-v`, `-q`, `RUST_LOG`).

use std::io::IsTerminal;

use tracing::Subscriber;
use tracing_subscriber::{layer::SubscriberExt, EnvFilter, Layer, Registry};

/// Our crates: `-v` makes these chattier, and only these.
const OUR_CRATES: &[&str] = &[
    "lbb",
    "lb_backends",
    "lb_backends_cli",
    "lb_backends_core",
    "lb_backends_huawei_core",
    "lb_backends_huawei_elb",
    "lb_backends_huawei_apig",
    "lb_backends_tencent",
];

/// The span each inventory target is listed in (its `target` field names it).
pub const TARGET_SPAN: &str = "lbb.target";

/// The subscriber for one run: formatted events on stderr at the chosen level.
pub fn subscriber(verbose: u8, quiet: bool) -> impl Subscriber + Send + Sync {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            EnvFilter::try_new(spec).unwrap_or_else(|_| level_filter(verbose, quiet))
        }
        _ => level_filter(verbose, quiet),
    };
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(true);
    Registry::default().with(fmt.with_filter(filter))
}

fn level_filter(verbose: u8, quiet: bool) -> EnvFilter {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let base = if quiet { "error" } else { "warn" };
    let mut spec = base.to_owned();
    for krate in OUR_CRATES {
        spec.push_str(&format!(",{krate}={level}"));
    }
    EnvFilter::new(spec)
}
