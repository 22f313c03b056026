//! `lbb wait TARGET [ID|ADDR:PORT]... --for healthy|present|absent`, and the `--wait`
//! of `add`, `set` and `remove`. The waiting is the core's
//! ([`BackendProviderExt::wait_for`]); this prints it.

use std::{io::IsTerminal, time::Duration};

use clap::{Args, ValueEnum};
use lb_backends::{
    workflow::{Condition, Observed, Selector, WaitEvent, WaitOptions, WorkflowError},
    BackendProvider, BackendProviderExt, Target,
};
use serde::Serialize;

use super::{done, stdout, Ctx};
use crate::{
    cli::{parse_duration, parse_lbb, parse_target},
    exit::Failure,
    output::{print_message, printable},
};

/// How often and how long to wait (flags; else the profile's `wait_interval` and
/// `wait_timeout`; else the core's defaults, 5 s and 5 min).
#[derive(Debug, Clone, Default, Args)]
pub struct WaitFlags {
    /// Wait until the change is seen (add: healthy; set: the new weight, else healthy;
    /// remove: absent).
    #[arg(long)]
    pub wait: bool,
    /// Longest wait (e.g. 5m, 90s; default the profile's `wait_timeout`, else 5m). Not
    /// the global `--timeout`, which bounds one HTTP request.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub wait_timeout: Option<Duration>,
    /// Time between polls (default the profile's `wait_interval`, else 5s).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub interval: Option<Duration>,
}

/// `add`'s flags for idempotence and waiting.
#[derive(Debug, Clone, Default, Args)]
pub struct AddFlags {
    /// Send the add as it is, without looking for an existing backend first: the
    /// cloud's conflict (exit 1) where one is already at that address and port.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub wait: WaitFlags,
}

/// `remove`'s flags for idempotence and waiting.
#[derive(Debug, Clone, Default, Args)]
pub struct RemoveFlags {
    /// A backend that is not there is success (it is gone, as asked), not exit 4.
    #[arg(long)]
    pub if_exists: bool,
    #[command(flatten)]
    pub wait: WaitFlags,
}

/// What `lbb wait` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum For {
    /// Present and healthy (every listener's health, where reported per listener).
    Healthy,
    /// Present, whatever the health.
    Present,
    /// Gone.
    Absent,
}

/// `lbb wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The target.
    #[arg(value_parser = parse_target)]
    pub target: Target,
    /// The backends: ids, or ADDRESS:PORT (`[V6]:PORT`). At least one.
    #[arg(value_parser = parse_lbb::<Selector>, value_name = "ID|ADDR:PORT")]
    pub backends: Vec<Selector>,
    /// What to wait for.
    #[arg(long = "for", value_enum, value_name = "STATE")]
    pub condition: For,
    /// Longest wait (default the profile's `wait_timeout`, else 5m).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub wait_timeout: Option<Duration>,
    /// Time between polls (default the profile's `wait_interval`, else 5s).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub interval: Option<Duration>,
}

pub async fn run(ctx: &Ctx, args: WaitArgs) -> Result<u8, Failure> {
    let condition = match args.condition {
        For::Healthy => Condition::Healthy,
        For::Present => Condition::Present,
        For::Absent => Condition::Absent,
    };
    let options = options(ctx, args.wait_timeout, args.interval)?;
    let provider = ctx.provider(&args.target)?;
    let result = wait(ctx, &*provider, &args.backends, condition, &options).await;
    let mut out = stdout();
    match result {
        Ok(states) => {
            print_states(ctx, &mut out, &states)?;
            done(out)
        }
        Err(WorkflowError::TimedOut(t)) => {
            print_states(ctx, &mut out, &t.last)?;
            done(out)?;
            Err(WorkflowError::TimedOut(t).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The waiter's options: the flags, then the profile, then the core's defaults.
pub fn options(
    ctx: &Ctx,
    timeout: Option<Duration>,
    interval: Option<Duration>,
) -> lb_backends::Result<WaitOptions> {
    let defaults = WaitOptions::default();
    let profile = ctx.config()?.profile(ctx.global.profile.as_deref())?;
    let from_profile =
        |value: Option<&String>, key: &str| -> lb_backends::Result<Option<Duration>> {
            value
                .map(|v| {
                    parse_duration(v).map_err(|e| {
                        lb_backends::Error::invalid_input(format!("profile key {key}: {e}"))
                    })
                })
                .transpose()
        };
    let (p_timeout, p_interval) = match profile {
        Some(p) => (
            from_profile(p.profile.wait_timeout.as_ref(), "wait_timeout")?,
            from_profile(p.profile.wait_interval.as_ref(), "wait_interval")?,
        ),
        None => (None, None),
    };
    Ok(WaitOptions::new(
        interval.or(p_interval).unwrap_or(defaults.interval),
        timeout.or(p_timeout).unwrap_or(defaults.timeout),
    ))
}

/// Wait, showing progress on stderr when it is a terminal, and every regression
/// (a backend that turned unhealthy after being healthy) whatever stderr is.
pub async fn wait(
    ctx: &Ctx,
    provider: &dyn BackendProvider,
    selection: &[Selector],
    condition: Condition,
    options: &WaitOptions,
) -> Result<Vec<Observed>, WorkflowError> {
    let quiet = ctx.global.quiet;
    let progress = !quiet && std::io::stderr().is_terminal();
    let mut drawn = false;
    let result = provider
        .wait_for(selection, condition, options, &mut |event| match event {
            WaitEvent::Polled { states, .. } if progress => {
                let waiting: Vec<String> = states
                    .iter()
                    .filter(|o| !o.done)
                    .map(|o| format!("{} {}", o.selector, o.state))
                    .collect();
                if !waiting.is_empty() {
                    eprint!(
                        "\r\x1b[Kwaiting for {condition}: {} of {} left: {}",
                        waiting.len(),
                        states.len(),
                        printable(&waiting.join(", "))
                    );
                    drawn = true;
                }
            }
            WaitEvent::Regressed(o) if !quiet => {
                if drawn {
                    eprintln!();
                    drawn = false;
                }
                eprintln!(
                    "lbb: {} turned {} after being healthy; still waiting",
                    o.selector,
                    printable(&o.state)
                );
            }
            WaitEvent::PollFailed(e) if !quiet => {
                if drawn {
                    eprintln!();
                    drawn = false;
                }
                eprintln!(
                    "lbb: a poll failed ({}); still waiting",
                    crate::exit::describe(e)
                );
            }
            _ => {}
        })
        .await;
    if drawn {
        eprint!("\r\x1b[K");
    }
    result
}

#[derive(Serialize)]
struct StateRecord<'a> {
    selector: String,
    id: Option<&'a str>,
    state: &'a str,
    done: bool,
}

/// The states, one a line (`SELECTOR ID STATE`), or a JSON array.
pub fn print_states(
    ctx: &Ctx,
    out: &mut dyn std::io::Write,
    states: &[Observed],
) -> std::io::Result<()> {
    let records: Vec<StateRecord<'_>> = states
        .iter()
        .map(|o| StateRecord {
            selector: o.selector.to_string(),
            id: o.id.as_deref(),
            state: &o.state,
            done: o.done,
        })
        .collect();
    let text: Vec<String> = records
        .iter()
        .map(|r| {
            printable(&format!(
                "{} {} {}{}",
                r.selector,
                r.id.unwrap_or("-"),
                r.state,
                if r.done { "" } else { " (still waiting)" }
            ))
        })
        .collect();
    print_message(out, ctx.style, &records, &text.join("\n"))
}
