//! `lbb inventory FLEET.toml`: every backend of many targets, listed a few at a time
//! within a per-provider rate of API calls; one failing target is reported and the
//! others still listed.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{IsTerminal, Write},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lb_backends::{transport::HttpTransport, Backend, ProviderKind, Result, Target};
use tracing::Instrument;

use super::{stdout, Ctx};
use crate::{
    cli::InventoryArgs,
    connect::{self, Settings},
    exit::{self, Failure},
    fleet::{Fleet, DEFAULT_CONCURRENCY, DEFAULT_RATE},
    logging::TARGET_SPAN,
    output::{list_sink, Record},
    rate::Pacer,
};

pub async fn run(ctx: &Ctx, args: InventoryArgs) -> Result<u8, Failure> {
    let fleet = Fleet::load(&args.file)?;
    let concurrency = args
        .concurrency
        .or(fleet.concurrency)
        .unwrap_or(DEFAULT_CONCURRENCY) as usize;
    let mut rates: BTreeMap<ProviderKind, f64> = ProviderKind::ALL
        .into_iter()
        .map(|k| (k, DEFAULT_RATE))
        .collect();
    rates.extend(fleet.rates.iter().map(|(k, v)| (*k, *v)));
    rates.extend(args.rate.iter().copied());
    // One transport per provider, sharing the run's connections, each with a hook
    // that waits for the provider's rate before every attempt and counts it.
    let sent = Arc::new(AtomicU64::new(0));
    let transports: BTreeMap<ProviderKind, HttpTransport> = rates
        .into_iter()
        .map(|(k, r)| {
            let pacer = Pacer::new(r, sent.clone());
            (k, ctx.transport.with_hook(Arc::new(pacer)))
        })
        .collect();

    let cli = ctx.settings();
    let total = fleet.targets.len();
    let progress = progress_bar(ctx, total as u64);
    let started = Instant::now();
    let transports = &transports;
    let fleet_defaults = &fleet.defaults;
    let cli = &cli;
    let mut results = futures::stream::iter(fleet.targets.iter())
        .map(|entry| async move {
            let settings = entry.settings.or(cli).or(fleet_defaults);
            let transport = transports
                .get(&entry.target.provider())
                .unwrap_or(&ctx.transport);
            let span = tracing::info_span!(TARGET_SPAN, target = %entry.target);
            let result = list_target(ctx, &entry.target, &settings, transport)
                .instrument(span)
                .await;
            (&entry.target, result)
        })
        .buffered(concurrency);

    let mut out = stdout();
    let mut sink = list_sink(ctx.style, true);
    let (mut ok, mut backends, mut failed_codes) = (0usize, 0usize, BTreeSet::new());
    while let Some((target, result)) = results.next().await {
        progress.inc(1);
        match result {
            Ok(list) => {
                ok += 1;
                backends += list.len();
                progress.suspend(|| -> std::io::Result<()> {
                    for b in &list {
                        sink.record(&mut out, &Record::new(target, b, ctx.global.raw))?;
                    }
                    out.flush()
                })?;
            }
            Err(e) => {
                failed_codes.insert(exit::code_of(e.kind()));
                progress.suspend(|| eprintln!("lbb: {target}: {}", exit::describe(&e)));
            }
        }
    }
    progress.finish_and_clear();
    sink.finish(&mut out)?;
    out.flush()?;

    let failed = total - ok;
    ctx.note(&summary(
        total,
        ok,
        failed,
        backends,
        sent.load(Ordering::Relaxed),
        started.elapsed(),
    ));
    Ok(match failed_codes.len() {
        0 => exit::OK,
        1 => failed_codes.into_iter().next().unwrap_or(exit::OTHER),
        _ => exit::OTHER,
    })
}

fn summary(
    total: usize,
    ok: usize,
    failed: usize,
    backends: usize,
    calls: u64,
    took: Duration,
) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    format!(
        "inventory: {}: {ok} ok, {failed} failed; {}; {} in {:.1}s",
        plural(total, "target", "targets"),
        plural(backends, "backend", "backends"),
        plural(calls as usize, "API request", "API requests"),
        took.as_secs_f64()
    )
}

fn progress_bar(ctx: &Ctx, len: u64) -> ProgressBar {
    let show = !ctx.global.quiet && ctx.global.verbose == 0 && std::io::stderr().is_terminal();
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} targets  {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Every backend of one target; the transport's hook paces and counts each attempt.
async fn list_target(
    ctx: &Ctx,
    target: &Target,
    settings: &Settings,
    transport: &HttpTransport,
) -> Result<Vec<Backend>> {
    let provider = connect::provider(target, settings, ctx.config()?, transport)?;
    provider.list().try_collect().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_well() {
        assert_eq!(
            summary(20, 19, 1, 57, 21, Duration::from_millis(420)),
            "inventory: 20 targets: 19 ok, 1 failed; 57 backends; 21 API requests in 0.4s"
        );
        assert_eq!(
            summary(1, 1, 0, 1, 1, Duration::ZERO),
            "inventory: 1 target: 1 ok, 0 failed; 1 backend; 1 API request in 0.0s"
        );
    }
}
