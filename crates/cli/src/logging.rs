//! Tracing on stderr (`-v`, `-q`, `RUST_LOG`).
//!
//! `RUST_LOG` is a list of `target=level` directives and at most one bare `level`
//! (`warn,lb_backends_core=debug`), read with tracing-subscriber's `Targets` filter: no
//! regular-expression engine in the binary. Built with the `env-filter` feature, `lbb`
//! reads it with `EnvFilter` instead, which also takes span and field directives
//! (`[lbb.call{status=429}]=debug`). A value the filter cannot read is ignored (the
//! `-v`/`-q` level applies).

use std::io::IsTerminal;

use tracing::Subscriber;
#[cfg(not(feature = "env-filter"))]
use tracing_subscriber::filter::Targets as Filter;
#[cfg(feature = "env-filter")]
use tracing_subscriber::EnvFilter as Filter;
use tracing_subscriber::{layer::SubscriberExt, Layer, Registry};

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
            parse_filter(&spec).unwrap_or_else(|| level_filter(verbose, quiet))
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

/// `RUST_LOG` read by the filter this build has; `None` when it does not parse.
#[cfg(not(feature = "env-filter"))]
fn parse_filter(spec: &str) -> Option<Filter> {
    spec.trim().parse().ok()
}

/// `RUST_LOG` read by the filter this build has; `None` when it does not parse.
#[cfg(feature = "env-filter")]
fn parse_filter(spec: &str) -> Option<Filter> {
    Filter::try_new(spec).ok()
}

fn level_filter(verbose: u8, quiet: bool) -> Filter {
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
    parse_filter(&spec).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_takes_targets_and_levels() {
        assert!(parse_filter("warn,lb_backends_core=debug,lbb=trace").is_some());
        assert!(parse_filter("debug").is_some());
        assert!(parse_filter("off").is_some());
        assert!(parse_filter("lbb=loud").is_none());
    }
}
