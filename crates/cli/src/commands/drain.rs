//! `lbb drain TARGET ID...` and `lbb undrain TARGET ID --weight W`. The
//! plan, Baragon's rule and the steps are the core's ([`lb_backends::workflow::drain`]);
//! this prints them.

use std::time::Duration;

use clap::Args;
use lb_backends::{
    workflow::{
        drain::{execute_drain, plan_drain, undrain, DrainOptions, DrainPlan, GraceSource},
        Selector,
    },
    Target, Weight,
};
use serde::Serialize;

use super::{done, stdout, Ctx};
use crate::{
    cli::{parse_duration, parse_lbb, parse_target},
    exit::Failure,
    output::{print_message, print_one, printable, Record},
};

/// `lbb drain`.
#[derive(Debug, Args)]
pub struct DrainArgs {
    /// The target.
    #[arg(value_parser = parse_target, required_unless_present = "address")]
    pub target: Option<Target>,
    /// The backends to drain: ids, or ADDRESS:PORT.
    #[arg(required_unless_present = "address", value_parser = parse_lbb::<Selector>, value_name = "ID|ADDR:PORT")]
    pub backends: Vec<Selector>,
    /// Drain this server (ADDRESS[:PORT] or an instance id) wherever `lbb find`
    /// finds it, instead of a target's backends.
    #[arg(long, value_parser = parse_lbb::<lb_backends::discover::Needle>, value_name = "ADDRESS[:PORT]|INSTANCE_ID", conflicts_with_all = ["target", "backends"])]
    pub address: Option<lb_backends::discover::Needle>,
    /// Where `--address` looks.
    #[command(flatten)]
    pub search: super::find::SearchArgs,
    /// How long to let open connections finish after weight 0 (default: the target's
    /// connection-drain timeout where the cloud has one, else 30s).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub grace: Option<Duration>,
    /// Leave the backends registered at weight 0 (do not remove them).
    #[arg(long)]
    pub keep: bool,
    /// Drain even if no healthy backend of weight > 0 would be left.
    #[arg(long)]
    pub force: bool,
    /// Print the steps, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `lbb undrain`.
#[derive(Debug, Args)]
pub struct UndrainArgs {
    /// The target.
    #[arg(value_parser = parse_target)]
    pub target: Target,
    /// The backend: its id, or ADDRESS:PORT.
    #[arg(value_parser = parse_lbb::<Selector>, value_name = "ID|ADDR:PORT")]
    pub backend: Selector,
    /// The weight to restore (drain printed the weight before); not needed where the
    /// target has no weights (the admin state is set up).
    #[arg(long, value_parser = parse_lbb::<Weight>, value_name = "W")]
    pub weight: Option<Weight>,
}

#[derive(Serialize)]
struct DrainOut<'a> {
    #[serde(flatten)]
    plan: &'a DrainPlan,
    dry_run: bool,
    done: bool,
}

pub async fn run(ctx: &Ctx, args: DrainArgs) -> Result<u8, Failure> {
    let (Some(target), None) = (&args.target, &args.address) else {
        let needle = args.address.clone().ok_or_else(|| {
            lb_backends::Error::invalid_input("give a target and backends, or --address")
        })?;
        return super::find::drain_found(ctx, &args, &needle).await;
    };
    let provider = ctx.provider(target)?;
    let mut options = DrainOptions::new().keep(args.keep).force(args.force);
    if let Some(g) = args.grace {
        options = options.with_grace(g);
    }
    let plan = plan_drain(&*provider, &args.backends, options).await?;
    for note in &plan.notes {
        ctx.note(&format!("lbb: {}", printable(note)));
    }
    if !args.dry_run {
        execute_drain(&*provider, &plan, &mut |step| {
            ctx.note(&format!("lbb: {}", printable(&step.to_string())));
        })
        .await?;
    }
    let mut out = stdout();
    let text = describe(&plan, args.dry_run);
    print_message(
        &mut out,
        ctx.style,
        &DrainOut {
            plan: &plan,
            dry_run: args.dry_run,
            done: !args.dry_run,
        },
        &text,
    )?;
    let code = done(out)?;
    if args.dry_run {
        ctx.note("lbb: dry run: nothing was sent");
    }
    Ok(code)
}

pub(super) fn describe(plan: &DrainPlan, dry_run: bool) -> String {
    let source = match plan.grace_source {
        GraceSource::Given => "--grace",
        GraceSource::Target => "the target's connection-drain timeout",
        _ => "the default",
    };
    let mut lines = vec![format!(
        "{} {} ({} backend(s); grace {}s from {source})",
        if dry_run { "would drain" } else { "drained" },
        plan.target,
        plan.backends.len(),
        plan.grace_seconds
    )];
    for b in &plan.backends {
        let place = match (&b.address, b.port) {
            (Some(a), Some(p)) => format!("{a}:{p}"),
            (Some(a), None) => a.clone(),
            _ => "-".into(),
        };
        let weight = b
            .weight_before
            .map_or_else(|| "no weight".to_owned(), |w| format!("weight before {w}"));
        lines.push(format!(
            "  {} {place} {weight} admin {}",
            b.id, b.admin_state_before
        ));
    }
    if dry_run {
        lines.push("steps:".into());
        for (i, s) in plan.steps.iter().enumerate() {
            lines.push(format!("  {}. {s}", i + 1));
        }
    }
    for b in &plan.backends {
        if let Some(w) = b.weight_before {
            lines.push(format!(
                "restore: lbb undrain {} {} --weight {w}",
                plan.target, b.id
            ));
        }
    }
    printable(&lines.join("\n"))
}

pub async fn run_undrain(ctx: &Ctx, args: UndrainArgs) -> Result<u8, Failure> {
    let provider = ctx.provider(&args.target)?;
    let backend = undrain(&*provider, &args.backend, args.weight).await?;
    let mut out = stdout();
    print_one(
        &mut out,
        ctx.style,
        &Record::new(&args.target, &backend, ctx.global.raw),
    )?;
    done(out)
}
