//! `lbb apply DESIRED.toml`: the plan of `lbb plan`, applied target by
//! target by the core ([`apply_target`]) with the providers' batch operations. One
//! failing target does not stop the others; the exit code follows `inventory`'s rule.

use std::{
    collections::BTreeSet,
    io::{BufRead, IsTerminal, Write},
    path::PathBuf,
    time::Duration,
};

use clap::Args;
use lb_backends::{
    workflow::{
        desired::{apply_target, ApplyEvent, ApplyOptions, Problem, TargetOutcome},
        WaitEvent,
    },
    Error,
};
use serde_json::json;

use super::{
    done,
    plan::{load_and_plan, print_plans, rule, RuleArgs},
    stdout, wait, Ctx,
};
use crate::{
    cli::{parse_duration, Format},
    exit::{self, Failure},
    output::printable,
};

/// `lbb apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The desired-state file (TOML; see docs/cli.md).
    #[arg(value_name = "DESIRED.toml")]
    pub file: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Wait until the added backends are healthy (always done before removals).
    #[arg(long)]
    pub wait: bool,
    /// Longest wait per target (default: the file's [wait] timeout, the profile's
    /// wait_timeout, else 5m).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub wait_timeout: Option<Duration>,
    /// Time between polls (default: the file's [wait] interval, the profile's
    /// wait_interval, else 5s).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub interval: Option<Duration>,
}

fn code_of(p: Problem) -> u8 {
    match p {
        Problem::Refused => exit::REFUSED,
        Problem::TimedOut => exit::WAIT_TIMEOUT,
        Problem::Error(kind) => exit::code_of(kind),
        _ => exit::OTHER,
    }
}

pub async fn run(ctx: &Ctx, args: ApplyArgs) -> Result<u8, Failure> {
    let (file, planned) = load_and_plan(ctx, &args.file, &args.rules).await?;
    let changes: usize = planned
        .iter()
        .filter_map(|p| p.plan.as_ref().ok())
        .filter(|p| p.refused.is_none())
        .map(|p| p.counts.add + p.counts.update + p.counts.remove)
        .sum();
    if changes > 0 && !args.yes {
        confirm(ctx, &planned, changes)?;
    }
    let options = ApplyOptions::new(
        args.wait || file.wait_healthy.unwrap_or(false),
        wait::options(
            ctx,
            args.wait_timeout.or(file.wait_timeout),
            args.interval.or(file.wait_interval),
        )?,
    );
    let mut outcomes = Vec::with_capacity(planned.len());
    for p in &planned {
        let target = &p.entry.target;
        let outcome = match &p.plan {
            Err(e) => TargetOutcome::failed(target, e),
            Ok(plan) => {
                apply_target(
                    &*p.provider,
                    plan,
                    &p.entry.backends,
                    &options,
                    &mut |event| match event {
                        ApplyEvent::Batch(what, n) => {
                            ctx.note(&format!("lbb: {target}: {what} {n} backend(s)"))
                        }
                        ApplyEvent::Waiting(n) => ctx.note(&format!(
                            "lbb: {target}: waiting until {n} added backend(s) are healthy"
                        )),
                        ApplyEvent::Wait(WaitEvent::Regressed(o)) => ctx.note(&format!(
                            "lbb: {target}: {} turned {} after being healthy",
                            o.selector,
                            printable(&o.state)
                        )),
                        _ => {}
                    },
                )
                .await
            }
        };
        outcomes.push(outcome);
    }
    let mut out = stdout();
    print_outcomes(ctx, &mut out, &outcomes, changes)?;
    done(out)?;
    let mut codes = BTreeSet::new();
    for o in &outcomes {
        if let Some(e) = &o.error {
            ctx.note(&format!("lbb: {}: {}", o.target, printable(e)));
        }
        codes.extend(o.problems().into_iter().map(code_of));
    }
    let changed: usize = outcomes.iter().map(|o| o.changed).sum();
    ctx.note(&if changes == 0 && codes.is_empty() {
        "apply: no changes".to_owned()
    } else {
        format!(
            "apply: {} target(s), {changed} change(s) made, {} target(s) with failures",
            outcomes.len(),
            outcomes.iter().filter(|o| !o.problems().is_empty()).count()
        )
    });
    Ok(rule(&codes))
}

/// Show the plan on stderr and ask; refuse when stdin is not a terminal.
fn confirm(ctx: &Ctx, planned: &[super::plan::Planned], changes: usize) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid_input(format!(
            "apply would make {changes} change(s): give --yes to apply without asking \
             (stdin is not a terminal); `lbb plan` shows them"
        ))
        .into());
    }
    let mut err = std::io::stderr();
    let _ = ctx;
    let text = crate::output::Style {
        format: Format::Table,
        color: false,
        width: None,
    };
    print_plans(text, &mut err, planned)?;
    write!(err, "apply {changes} change(s)? [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure::Exit {
            code: exit::OTHER,
            message: "apply: not confirmed; nothing was sent".into(),
        })
    }
}

fn print_outcomes(
    ctx: &Ctx,
    out: &mut dyn Write,
    outcomes: &[TargetOutcome],
    planned_changes: usize,
) -> std::io::Result<()> {
    let json =
        crate::output::query::active() || matches!(ctx.style.format, Format::Json | Format::Ndjson);
    match json {
        true => {
            let changed: usize = outcomes.iter().map(|o| o.changed).sum();
            crate::output::print_message(
                out,
                ctx.style,
                &json!({
                    "changes": planned_changes > 0,
                    "changed": changed,
                    "targets": outcomes,
                }),
                "",
            )
        }
        false => {
            if planned_changes == 0 && outcomes.iter().all(|o| o.problems().is_empty()) {
                return writeln!(out, "no changes");
            }
            for o in outcomes {
                writeln!(out, "{}: {} change(s)", printable(&o.target), o.changed)?;
                for r in o
                    .rows
                    .iter()
                    .filter(|r| r.result != "unchanged" && r.result != "extra")
                {
                    writeln!(
                        out,
                        "  {:<9} {:<40} {:<24} {}{}",
                        format!("{:?}", r.action).to_lowercase(),
                        printable(r.id.as_deref().unwrap_or("-")),
                        printable(&r.backend),
                        r.result,
                        r.error
                            .as_deref()
                            .map_or_else(String::new, |e| format!(": {}", printable(e)))
                    )?;
                }
            }
            Ok(())
        }
    }
}
