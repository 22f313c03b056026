//! Tracing on stderr (`-v`, `-q`, `RUST_LOG`), and the layer that counts API calls.
//!
//! `RUST_LOG` is a list of `target=level` directives and at most one bare `level`
//! (`warn,lb_backends_core=debug`), read with tracing-subscriber's `Targets` filter: no
//! regular-expression engine in the binary. Built with the `env-filter` feature, `lbb`
//! reads it with `EnvFilter` instead, which also takes span and field directives
//! (`[lbb.call{status=429}]=debug`). A value the filter cannot read is ignored (the
//! `-v`/`-q` level applies).

use std::{
    collections::HashMap,
    io::IsTerminal,
    sync::{Arc, Mutex, PoisonError},
};

use tracing::{field::Visit, span, Subscriber};
#[cfg(not(feature = "env-filter"))]
use tracing_subscriber::filter::Targets as Filter;
#[cfg(feature = "env-filter")]
use tracing_subscriber::EnvFilter as Filter;
use tracing_subscriber::{
    filter::filter_fn,
    layer::{Context, SubscriberExt},
    registry::LookupSpan,
    Layer, Registry,
};

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

/// The span each inventory target is listed in; its `slot` field names the target.
pub const TARGET_SPAN: &str = "lbb.target";
/// The span the transport opens for every API call (see docs/architecture.md).
pub const CALL_SPAN: &str = "lbb.call";

/// The subscriber for one run: formatted events on stderr at the chosen level, and
/// API calls counted into `book`.
pub fn subscriber(verbose: u8, quiet: bool, book: Arc<CallBook>) -> impl Subscriber + Send + Sync {
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
    let counter = CallLayer { book }.with_filter(filter_fn(|m| {
        m.is_span() && (m.name() == CALL_SPAN || m.name() == TARGET_SPAN)
    }));
    Registry::default()
        .with(fmt.with_filter(filter))
        .with(counter)
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

/// How many API calls each inventory slot has started.
#[derive(Debug, Default)]
pub struct CallBook {
    calls: Mutex<HashMap<u64, u64>>,
    total: Mutex<u64>,
}

impl CallBook {
    /// Calls started under the target span with this slot.
    pub fn calls(&self, slot: u64) -> u64 {
        let calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        calls.get(&slot).copied().unwrap_or(0)
    }

    /// Calls started in this run.
    pub fn total(&self) -> u64 {
        *self.total.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, slot: Option<u64>) {
        *self.total.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        if let Some(slot) = slot {
            let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
            *calls.entry(slot).or_default() += 1;
        }
    }
}

struct Slot(u64);

#[derive(Default)]
struct SlotVisitor(Option<u64>);

impl Visit for SlotVisitor {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "slot" {
            self.0 = Some(value);
        }
    }

    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        if field.name() == "slot" {
            self.0 = u64::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, _field: &tracing::field::Field, _value: &dyn std::fmt::Debug) {}
}

/// Counts `lbb.call` spans, attributing each to the `lbb.target` span around it.
struct CallLayer {
    book: Arc<CallBook>,
}

impl<S> Layer<S> for CallLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let name = attrs.metadata().name();
        if name == TARGET_SPAN {
            let mut visitor = SlotVisitor::default();
            attrs.record(&mut visitor);
            if let (Some(slot), Some(span)) = (visitor.0, ctx.span(id)) {
                span.extensions_mut().insert(Slot(slot));
            }
        } else if name == CALL_SPAN {
            let slot = ctx.span_scope(id).and_then(|scope| {
                scope
                    .into_iter()
                    .find_map(|s| s.extensions().get::<Slot>().map(|slot| slot.0))
            });
            self.book.record(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Instrument;

    #[test]
    fn rust_log_takes_targets_and_levels() {
        assert!(parse_filter("warn,lb_backends_core=debug,lbb=trace").is_some());
        assert!(parse_filter("debug").is_some());
        assert!(parse_filter("off").is_some());
        assert!(parse_filter("lbb=loud").is_none());
    }

    #[test]
    fn calls_are_counted_per_target_slot() {
        let book = Arc::new(CallBook::default());
        let subscriber = subscriber(0, true, book.clone());
        tracing::subscriber::with_default(subscriber, || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(
                async {
                    for _ in 0..3 {
                        let _call = tracing::info_span!("lbb.call", action = "x").entered();
                    }
                }
                .instrument(tracing::info_span!("lbb.target", slot = 7_u64)),
            );
            let _outside = tracing::info_span!("lbb.call").entered();
        });
        assert_eq!(book.calls(7), 3);
        assert_eq!(book.calls(8), 0);
        assert_eq!(book.total(), 4);
    }
}
