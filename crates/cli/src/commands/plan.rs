//! `lbb plan DESIRED.toml` and `lbb plan --from-current TARGET...`: what
//! `apply` would change, computed by the core ([`plan_target`]) from each target's
//! listing; and the current state written as a desired-state file, to start from.

use std::{collections::BTreeSet, io::Write, path::PathBuf};

use clap::Args;
use futures::future::join_all;
use lb_backends::{
    workflow::desired::{plan_target, PlanOptions, TargetPlan},
    BackendProvider, BackendProviderExt, Error, ErrorKind, Target,
};
use serde_json::json;

use super::{desired_file::DesiredFile, desired_file::DesiredTarget, done, stdout, Ctx};
use crate::{
    cli::{parse_target, Format},
    connect,
    exit::{self, Failure},
    output::printable,
};

/// `lbb plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The desired-state file (TOML; see docs/cli.md).
    #[arg(value_name = "DESIRED.toml", required_unless_present = "from_current")]
    pub file: Option<PathBuf>,
    /// Write the current state of these targets as a desired-state file instead.
    #[arg(long, value_parser = parse_target, num_args = 1.., value_name = "TARGET", conflicts_with = "file")]
    pub from_current: Vec<Target>,
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// What a plan may remove (shared by `plan` and `apply`).
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Remove the backends of a target that the file does not list.
    #[arg(long)]
    pub prune: bool,
    /// With --prune, remove at most N backends per target (default: a quarter of the
    /// target's backends, rounded up, at least 1).
    #[arg(long, value_name = "N", requires = "prune")]
    pub max_remove: Option<usize>,
    /// Override the safety rules (--max-remove, the last healthy backend).
    #[arg(long)]
    pub force: bool,
}

impl RuleArgs {
    /// The core's options.
    pub fn options(&self) -> PlanOptions {
        PlanOptions::new()
            .prune(self.prune)
            .max_remove(self.max_remove)
            .force(self.force)
    }
}

/// One target of the file: its provider and its plan (or why it has none).
pub struct Planned {
    /// The file's entry.
    pub entry: DesiredTarget,
    /// Its provider.
    pub provider: Box<dyn BackendProvider>,
    /// The plan, or the error that stopped it (a failed listing).
    pub plan: Result<TargetPlan, Error>,
}

/// Load and check the file, build every provider and check every backend's values
/// with it, all before anything is sent; then read each target and plan it.
pub async fn load_and_plan(
    ctx: &Ctx,
    path: &std::path::Path,
    rules: &RuleArgs,
) -> Result<(DesiredFile, Vec<Planned>), Failure> {
    let file = DesiredFile::load(path)?;
    let config = ctx.config()?;
    let cli = ctx.settings();
    let mut providers = Vec::with_capacity(file.targets.len());
    for entry in &file.targets {
        let settings = entry.settings.or(&cli).or(&file.defaults);
        let provider = connect::provider(&entry.target, &settings, config, &ctx.transport)?;
        for d in &entry.backends {
            // The values only: a target that cannot add says so on the row that adds.
            let Ok(spec) = d.spec() else { continue };
            match provider.check_add(&spec) {
                Err(e) if e.kind() != ErrorKind::Unsupported => {
                    return Err(Error::invalid_input(format!(
                        "{}: {}: backend {}: {}",
                        path.display(),
                        entry.target,
                        d.label(),
                        e.message()
                    ))
                    .into())
                }
                _ => {}
            }
        }
        providers.push(provider);
    }
    let options = rules.options();
    let reads = file
        .targets
        .iter()
        .zip(&providers)
        .map(|(entry, p)| async move {
            p.collect_all().await.map(|current| {
                plan_target(
                    &entry.target,
                    &current,
                    &entry.backends,
                    p.capabilities(),
                    &options,
                )
            })
        });
    let plans = join_all(reads).await;
    let planned = file
        .targets
        .iter()
        .cloned()
        .zip(providers)
        .zip(plans)
        .map(|((entry, provider), plan)| Planned {
            entry,
            provider,
            plan,
        })
        .collect();
    Ok((file, planned))
}

pub async fn run(ctx: &Ctx, args: PlanArgs) -> Result<u8, Failure> {
    if !args.from_current.is_empty() {
        return from_current(ctx, &args.from_current).await;
    }
    let Some(path) = args.file.as_deref() else {
        return Err(
            Error::invalid_input("give a desired-state file, or --from-current TARGET").into(),
        );
    };
    let (_, planned) = load_and_plan(ctx, path, &args.rules).await?;
    let mut out = stdout();
    print_plans(ctx.style, &mut out, &planned)?;
    done(out)?;
    let codes: BTreeSet<u8> = planned
        .iter()
        .filter_map(|p| match &p.plan {
            Err(e) => {
                ctx.note(&format!("lbb: {}: {}", p.entry.target, exit::describe(e)));
                Some(exit::code_of(e.kind()))
            }
            Ok(plan) if plan.refused.is_some() => Some(exit::REFUSED),
            Ok(_) => None,
        })
        .collect();
    Ok(rule(&codes))
}

/// `inventory`'s rule: 0 when nothing failed; the failures' code when they share one;
/// else 1.
pub fn rule(codes: &BTreeSet<u8>) -> u8 {
    match codes.len() {
        0 => exit::OK,
        1 => codes.iter().next().copied().unwrap_or(exit::OTHER),
        _ => exit::OTHER,
    }
}

/// The plans: a JSON array (each target's plan, or `{"target", "error"}`), or text.
pub fn print_plans(
    style: crate::output::Style,
    out: &mut dyn Write,
    planned: &[Planned],
) -> std::io::Result<()> {
    let json =
        crate::output::query::active() || matches!(style.format, Format::Json | Format::Ndjson);
    match json {
        true => {
            let values: Vec<serde_json::Value> = planned
                .iter()
                .map(|p| match &p.plan {
                    Ok(plan) => serde_json::to_value(plan).unwrap_or_default(),
                    Err(e) => {
                        json!({"target": p.entry.target.to_string(), "error": exit::describe(e)})
                    }
                })
                .collect();
            let changes = planned
                .iter()
                .any(|p| p.plan.as_ref().is_ok_and(TargetPlan::has_changes));
            let doc = json!({"changes": changes, "targets": values});
            crate::output::print_message(out, style, &doc, "")
        }
        false => {
            let mut any = false;
            for p in planned {
                let plan = match &p.plan {
                    Ok(plan) => plan,
                    Err(e) => {
                        writeln!(
                            out,
                            "{}: cannot plan: {}",
                            p.entry.target,
                            exit::describe(e)
                        )?;
                        continue;
                    }
                };
                any |= plan.has_changes();
                writeln!(out, "{}", printable(&summary(plan)))?;
                if let Some(why) = &plan.refused {
                    writeln!(out, "  REFUSED: {}", printable(why))?;
                }
                for r in &plan.rows {
                    let action = format!("{:?}", r.action).to_lowercase();
                    let weight = r.weight.map_or_else(|| "-".to_owned(), |w| w.to_string());
                    let what = if r.changes.is_empty() {
                        format!("weight {weight}")
                    } else {
                        r.changes.join(", ")
                    };
                    writeln!(
                        out,
                        "  {action:<9} {:<40} {:<24} {}",
                        printable(r.id.as_deref().unwrap_or("-")),
                        printable(&r.backend),
                        printable(&what)
                    )?;
                }
            }
            if !any {
                writeln!(out, "no changes")?;
            }
            Ok(())
        }
    }
}

/// `huawei-elb:…: 1 to add, 0 to update, 0 to remove, 3 unchanged, 1 extra`.
pub fn summary(plan: &TargetPlan) -> String {
    let c = plan.counts;
    let mut s = format!(
        "{}: {} to add, {} to update, {} to remove, {} unchanged",
        plan.target, c.add, c.update, c.remove, c.unchanged
    );
    if c.extra > 0 {
        s.push_str(&format!(
            ", {} not in the file (left alone; --prune removes them)",
            c.extra
        ));
    }
    s
}

async fn from_current(ctx: &Ctx, targets: &[Target]) -> Result<u8, Failure> {
    let mut read = Vec::with_capacity(targets.len());
    for t in targets {
        let provider = ctx.provider(t)?;
        read.push((t.clone(), provider.collect_all().await?));
    }
    let mut out = stdout();
    out.write_all(super::desired_file::render(&read).as_bytes())?;
    done(out)
}
