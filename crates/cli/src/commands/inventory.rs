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
use tokio::sync::mpsc;
use tracing::Instrument;

use super::Ctx;
use crate::{
    cli::InventoryArgs,
    connect::{self, Settings},
    exit::{self, Failure},
    fleet::{Fleet, DEFAULT_CONCURRENCY, DEFAULT_RATE},
    logging::TARGET_SPAN,
    output::{list_sink, ListingOut, Record},
    rate::Pacer,
};

pub async fn run(ctx: &Ctx, args: InventoryArgs) -> Result<u8, Failure> {
    // --discover lists the targets discovered, else the fleet file's.
    let file = args.file.as_deref().map(Fleet::load).transpose()?;
    let mut rates: BTreeMap<ProviderKind, f64> = ProviderKind::ALL
        .into_iter()
        .map(|k| (k, DEFAULT_RATE))
        .collect();
    if let Some(fleet) = &file {
        rates.extend(fleet.rates.iter().map(|(k, v)| (*k, *v)));
    }
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
    let (fleet, discovery) = match file {
        Some(fleet) => (fleet, None),
        None => {
            let scope = super::targets::Scope {
                providers: args.discover.clone().unwrap_or_default(),
                all_profiles: args.all_profiles,
                profiles: args.profiles.clone(),
            };
            // Discovery's requests go through the same paced transports.
            let (fleet, outcome) =
                super::targets::discover_fleet(ctx, &scope, Some(&transports)).await?;
            (fleet, Some(outcome))
        }
    };
    let concurrency = args
        .concurrency
        .or(fleet.concurrency)
        .unwrap_or(DEFAULT_CONCURRENCY) as usize;

    let cli = ctx.settings();
    let total = fleet.targets.len();
    let progress = progress_bar(ctx, total as u64);
    let started = Instant::now();
    let transports = &transports;
    let fleet_defaults = &fleet.defaults;
    let cli = &cli;

    // One bounded channel per target: up to `concurrency` targets are read at once,
    // each a page or so ahead of the printer, which takes the targets in file order
    // and prints each one's backends as they arrive. Memory holds a few pages per
    // target being read, never a whole listing.
    let (senders, receivers): (Vec<_>, Vec<_>) = fleet
        .targets
        .iter()
        .map(|_| mpsc::channel::<Event>(AHEAD))
        .unzip();
    let readers = futures::stream::iter(fleet.targets.iter().zip(senders)).for_each_concurrent(
        concurrency,
        |(entry, tx)| async move {
            let settings = entry.settings.or(cli).or(fleet_defaults);
            let transport = transports
                .get(&entry.target.provider())
                .unwrap_or(&ctx.transport);
            let span = tracing::info_span!(TARGET_SPAN, target = %entry.target);
            read_target(ctx, &entry.target, &settings, transport, &tx)
                .instrument(span)
                .await;
        },
    );

    let printer = async {
        let mut out = ListingOut::new(false)?;
        let mut sink = list_sink(ctx.style, true);
        let mut tally = Tally::default();
        for (entry, mut rx) in fleet.targets.iter().zip(receivers) {
            let target = &entry.target;
            // With --atomic, a target's backends wait in a spool until it ends well.
            let mut held = ListingOut::new(args.atomic).ok().filter(|_| args.atomic);
            let mut count = 0usize;
            let outcome = loop {
                match rx.recv().await {
                    Some(Event::Backend(b)) => {
                        count += 1;
                        let record = Record::new(target, &b, ctx.global.raw);
                        match held.as_mut() {
                            Some(spool) => sink.record(spool, &record)?,
                            None => progress.suspend(|| sink.record(&mut out, &record))?,
                        }
                    }
                    Some(Event::End(result)) => break result,
                    // A reader that ended without saying how: never a success.
                    None => {
                        break Err(lb_backends::Error::new(
                            lb_backends::ErrorKind::Incomplete,
                            "the listing ended without an outcome",
                        ))
                    }
                }
            };
            progress.inc(1);
            match outcome {
                Ok(()) => {
                    tally.ok += 1;
                    tally.backends += count;
                    if let Some(spool) = held.take() {
                        progress.suspend(|| spool.copy_to(&mut out))?;
                    }
                }
                Err(e) => {
                    tally.failed_codes.insert(exit::code_of(e.kind()));
                    progress.suspend(|| eprintln!("lbb: {target}: {}", exit::describe(&e)));
                }
            }
            progress.suspend(|| out.flush())?;
        }
        progress.finish_and_clear();
        sink.finish(&mut out)?;
        out.commit()?;
        Ok::<Tally, Failure>(tally)
    };
    let ((), tally) = futures::join!(readers, printer);
    let Tally {
        ok,
        backends,
        failed_codes,
    } = tally?;

    let failed = total - ok;
    ctx.note(&summary(
        total,
        ok,
        failed,
        backends,
        sent.load(Ordering::Relaxed),
        started.elapsed(),
    ));
    let mut failed_codes = failed_codes;
    failed_codes.extend(discovery.into_iter().flat_map(|o| o.failed));
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

/// Backends a target's reader may be ahead of the printer.
const AHEAD: usize = 2_000;

/// What a target's reader tells the printer.
enum Event {
    /// One more backend.
    Backend(Backend),
    /// The listing ended: well, or with this error.
    End(Result<()>),
}

/// How the targets went.
#[derive(Default)]
struct Tally {
    ok: usize,
    backends: usize,
    failed_codes: BTreeSet<u8>,
}

/// Send every backend of one target to `tx`, then how the listing ended; the
/// transport's hook paces and counts each attempt. Stops early when the printer is
/// gone.
async fn read_target(
    ctx: &Ctx,
    target: &Target,
    settings: &Settings,
    transport: &HttpTransport,
    tx: &mpsc::Sender<Event>,
) {
    let provider = match ctx
        .config()
        .and_then(|config| connect::provider(target, settings, config, transport))
    {
        Ok(p) => p,
        Err(e) => {
            let _ = tx.send(Event::End(Err(e))).await;
            return;
        }
    };
    let mut backends = provider.list();
    let end = loop {
        match backends.try_next().await {
            Ok(Some(b)) => {
                if tx.send(Event::Backend(b)).await.is_err() {
                    return;
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let _ = tx.send(Event::End(end)).await;
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
