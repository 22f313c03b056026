//! `lbb find ADDRESS[:PORT]|INSTANCE_ID`: every place a server is
//! registered, through the core's [`find`](lb_backends::discover::find); and the
//! writes that take its result as input: `lbb remove --address A --everywhere` and
//! `lbb drain --address A`.

use std::{collections::BTreeMap, path::PathBuf};

use clap::Args;
use futures::StreamExt;
use lb_backends::{
    discover::{find, registrations_in, Needle, Registration},
    workflow::{
        drain::{execute_drain, plan_drain, DrainOptions},
        Selector,
    },
    BackendProvider, ProviderKind, ResourceId, Result, Target, TargetInfo,
};
use serde::Serialize;

use super::{
    done, stdout,
    targets::{places, Outcome, Scope},
    Ctx,
};
use crate::{
    cli::parse_lbb,
    connect::{self, Settings},
    exit::{self, Failure},
    fleet::Fleet,
    output::{list_sink, print_message, printable, Record},
};

/// `lbb find`.
#[derive(Debug, Args)]
pub struct FindArgs {
    /// What to look for: an address, ADDRESS:PORT ([V6]:PORT), or a cloud instance id.
    #[arg(value_parser = parse_lbb::<Needle>, value_name = "ADDRESS[:PORT]|INSTANCE_ID")]
    pub needle: Needle,
    /// Where to look.
    #[command(flatten)]
    pub search: SearchArgs,
}

/// Where `find` (and `remove --everywhere`, `drain --address`) look.
#[derive(Debug, Clone, Args, Default)]
pub struct SearchArgs {
    /// Only these providers (repeatable; default: every one compiled in).
    #[arg(long = "provider", value_parser = parse_lbb::<ProviderKind>, value_name = "PROVIDER")]
    pub providers: Vec<ProviderKind>,
    /// Search with every profile of the config file.
    #[arg(long, conflicts_with = "profiles")]
    pub all_profiles: bool,
    /// Search with these profiles (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Only the targets of this fleet file (no discovery).
    #[arg(long, value_name = "FLEET.toml")]
    pub fleet: Option<PathBuf>,
}

impl SearchArgs {
    fn scope(&self) -> Scope {
        Scope {
            providers: self.providers.clone(),
            all_profiles: self.all_profiles,
            profiles: self.profiles.clone(),
        }
    }
}

/// One registration found, with the settings to reach its target again.
pub struct Found {
    /// Where to connect.
    pub settings: Settings,
    /// The target and the backend.
    pub registration: Registration,
}

/// Every registration of `needle` in `search`'s scope; failures are reported on
/// stderr and noted in `outcome`.
pub async fn search(
    ctx: &Ctx,
    needle: &Needle,
    search: &SearchArgs,
    outcome: &mut Outcome,
) -> Result<Vec<Found>, Failure> {
    let config = ctx.config()?;
    let mut found = Vec::new();
    if let Some(path) = &search.fleet {
        let fleet = Fleet::load(path)?;
        let cli = ctx.settings();
        for entry in &fleet.targets {
            let kind = entry.target.provider();
            if !search.providers.is_empty() && !search.providers.contains(&kind) {
                continue;
            }
            let settings = entry.settings.or(&cli).or(&fleet.defaults);
            let connect = |t: &Target| connect::provider(t, &settings, config, &ctx.transport);
            let info = TargetInfo::new(entry.target.clone());
            match registrations_in(info, needle, &connect).await {
                Ok(regs) => found.extend(regs.into_iter().map(|registration| Found {
                    settings: settings.clone(),
                    registration,
                })),
                Err(e) => outcome.fail(&entry.target.to_string(), &e),
            }
        }
        return Ok(found);
    }
    for place in places(ctx, &search.scope(), outcome)? {
        let settings = &place.settings;
        let connect = move |t: &Target| connect::provider(t, settings, config, &ctx.transport);
        let mut stream = find(&*place.discoverer, needle, connect);
        while let Some(item) = stream.next().await {
            match item {
                Ok(registration) => found.push(Found {
                    settings: settings.clone(),
                    registration,
                }),
                Err(e) => outcome.fail(&place.discoverer.kind().to_string(), &e),
            }
        }
    }
    Ok(found)
}

pub async fn run(ctx: &Ctx, args: FindArgs) -> Result<u8, Failure> {
    let mut outcome = Outcome::default();
    let found = search(ctx, &args.needle, &args.search, &mut outcome).await?;
    let mut out = stdout();
    let mut sink = list_sink(ctx.style, true);
    for f in &found {
        let r = &f.registration;
        sink.record(
            &mut out,
            &Record::new(&r.target.target, &r.backend, ctx.global.raw),
        )?;
    }
    sink.finish(&mut out)?;
    done(out)?;
    ctx.note(&format!(
        "find {}: {} registration(s){}",
        args.needle,
        found.len(),
        if outcome.failed.is_empty() {
            ""
        } else {
            " (partial: see above)"
        }
    ));
    Ok(outcome.code())
}

/// `--address A --everywhere` of `lbb remove`.
#[derive(Debug, Clone, Args, Default)]
pub struct EverywhereArgs {
    /// Remove the backends at this address (ADDRESS[:PORT] or an instance id) from
    /// every target `lbb find` finds them in (needs --everywhere).
    #[arg(long, value_parser = parse_lbb::<Needle>, value_name = "ADDRESS[:PORT]|INSTANCE_ID", requires = "everywhere", conflicts_with_all = ["target", "backend_id"])]
    pub address: Option<Needle>,
    /// With --address: every registration found, in every target.
    #[arg(long, requires = "address")]
    pub everywhere: bool,
    /// With --everywhere: print the removals, send nothing.
    #[arg(long, requires = "everywhere", conflicts_with = "yes")]
    pub dry_run: bool,
    /// With --everywhere: do the removals (after printing them).
    #[arg(long, requires = "everywhere")]
    pub yes: bool,
    /// Where to look.
    #[command(flatten)]
    pub search: SearchArgs,
}

#[derive(Serialize)]
struct Removal<'a> {
    provider: &'static str,
    target: String,
    id: &'a str,
    address: Option<String>,
    port: Option<u16>,
    dry_run: bool,
    removed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The found registrations, grouped by target (in the order found).
fn by_target(found: &[Found]) -> Vec<(&Target, &Settings, Vec<&Found>)> {
    let mut order: Vec<(&Target, &Settings, Vec<&Found>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for f in found {
        let t = &f.registration.target.target;
        let key = format!("{t}|{:?}", f.settings.profile);
        match index.get(&key) {
            Some(&i) => order[i].2.push(f),
            None => {
                index.insert(key, order.len());
                order.push((t, &f.settings, vec![f]));
            }
        }
    }
    order
}

/// `lbb remove --address A --everywhere --dry-run|--yes`.
pub async fn remove_everywhere(ctx: &Ctx, args: &EverywhereArgs) -> Result<u8, Failure> {
    let Some(needle) = &args.address else {
        return Err(lb_backends::Error::invalid_input("--everywhere needs --address").into());
    };
    if !args.dry_run && !args.yes {
        return Err(lb_backends::Error::invalid_input(
            "remove --everywhere writes to every target found: give --dry-run to see the \
             removals, or --yes to do them",
        )
        .into());
    }
    let mut outcome = Outcome::default();
    let found = search(ctx, needle, &args.search, &mut outcome).await?;
    let config = ctx.config()?;
    // Each target's provider, and whether it can remove: known before the plan is
    // printed, so the plan says what will not be done and nothing is half-planned.
    let groups: Vec<_> = by_target(&found)
        .into_iter()
        .map(|(target, settings, regs)| {
            let provider =
                connect::provider(target, settings, config, &ctx.transport).and_then(|p| {
                    if p.capabilities().remove {
                        Ok(p)
                    } else {
                        Err(lb_backends::Error::unsupported(
                            target.provider(),
                            "removing a backend",
                        ))
                    }
                });
            (target, regs, provider)
        })
        .collect();
    // The plan first, whatever happens next.
    eprintln!(
        "plan: remove {} registration(s) of {needle} from {} target(s){}",
        found.len(),
        groups.len(),
        if args.dry_run { " (dry run)" } else { "" }
    );
    for (t, regs, provider) in &groups {
        for f in regs {
            let b = &f.registration.backend;
            match provider {
                Ok(_) => eprintln!("  remove {} ({}) from {t}", printable(&b.id), place(b)),
                Err(e) => eprintln!(
                    "  cannot remove {} ({}) from {t}: {}",
                    printable(&b.id),
                    place(b),
                    exit::describe(e)
                ),
            }
        }
    }
    let mut rows = Vec::new();
    for (target, regs, provider) in groups {
        let mut results: Vec<(bool, Option<String>)> = vec![(false, None); regs.len()];
        match provider {
            Err(e) => {
                outcome.fail(&target.to_string(), &e);
                for slot in &mut results {
                    slot.1 = Some(exit::describe(&e));
                }
            }
            Ok(provider) if args.yes => {
                let ids: Vec<ResourceId> = regs
                    .iter()
                    .filter_map(|f| ResourceId::new(&f.registration.backend.id).ok())
                    .collect();
                let outcomes = provider.remove_many(&ids).await;
                for (slot, o) in results.iter_mut().zip(outcomes) {
                    *slot = match o {
                        Ok(_) => (true, None),
                        Err(e) => {
                            outcome.fail(&target.to_string(), &e);
                            (false, Some(exit::describe(&e)))
                        }
                    };
                }
            }
            Ok(_) => {}
        }
        for (f, (removed, error)) in regs.iter().zip(results) {
            let b = &f.registration.backend;
            rows.push(Removal {
                provider: target.provider().as_str(),
                target: target.to_string(),
                id: &b.id,
                address: b.address.map(|a| a.to_string()),
                port: b.port,
                dry_run: args.dry_run,
                removed,
                error,
            });
        }
    }
    let mut out = stdout();
    let text = rows
        .iter()
        .map(|r| {
            let verb = match (r.dry_run, r.removed, &r.error) {
                (_, _, Some(_)) => "cannot remove",
                (true, _, None) => "would remove",
                (false, true, None) => "removed",
                (false, false, None) => "failed to remove",
            };
            printable(&format!(
                "{verb} {} ({}) from {}",
                r.id,
                match (&r.address, r.port) {
                    (Some(a), Some(p)) => format!("{a}:{p}"),
                    (Some(a), None) => a.clone(),
                    _ => "-".into(),
                },
                r.target
            ))
        })
        .collect::<Vec<_>>()
        .join("\n");
    if !rows.is_empty() {
        print_message(&mut out, ctx.style, &rows, &text)?;
    }
    done(out)?;
    if args.dry_run {
        ctx.note("lbb: dry run: nothing was sent");
    }
    Ok(outcome.code())
}

/// The exit code and the line of a failure.
fn report(f: &Failure) -> (u8, String) {
    match f {
        Failure::Exit { code, message } => (*code, message.clone()),
        Failure::Lbb(e) => (exit::code_of(e.kind()), exit::describe(e)),
        Failure::Output(e) => (exit::OTHER, e.to_string()),
    }
}

fn place(b: &lb_backends::Backend) -> String {
    match (b.address, b.port) {
        (Some(a), Some(p)) => std::net::SocketAddr::new(a, p).to_string(),
        (Some(a), None) => a.to_string(),
        _ => "-".into(),
    }
}

/// `lbb drain --address A`: drain (the core's plan and steps) every registration
/// `find` finds, target by target; each plan is printed before it is carried out.
pub async fn drain_found(
    ctx: &Ctx,
    args: &super::drain::DrainArgs,
    needle: &Needle,
) -> Result<u8, Failure> {
    let mut outcome = Outcome::default();
    let found = search(ctx, needle, &args.search, &mut outcome).await?;
    let config = ctx.config()?;
    let mut out = stdout();
    if found.is_empty() {
        ctx.note(&format!(
            "lbb: {needle} is registered nowhere: nothing to drain"
        ));
    }
    for (target, settings, regs) in by_target(&found) {
        let provider: Box<dyn BackendProvider> =
            match connect::provider(target, settings, config, &ctx.transport) {
                Ok(p) => p,
                Err(e) => {
                    outcome.fail(&target.to_string(), &e);
                    continue;
                }
            };
        let selectors: Vec<Selector> = regs
            .iter()
            .filter_map(|f| ResourceId::new(&f.registration.backend.id).ok())
            .map(Selector::Id)
            .collect();
        let mut options = DrainOptions::new().keep(args.keep).force(args.force);
        if let Some(g) = args.grace {
            options = options.with_grace(g);
        }
        let plan = match plan_drain(&*provider, &selectors, options).await {
            Ok(p) => p,
            Err(e) => {
                let e: Failure = e.into();
                let (code, line) = report(&e);
                outcome.failed.insert(code);
                eprintln!("lbb: {target}: {line}");
                continue;
            }
        };
        // The plan first.
        eprintln!("{}", super::drain::describe(&plan, true));
        let mut done_ok = true;
        if !args.dry_run {
            if let Err(e) = execute_drain(&*provider, &plan, &mut |step| {
                ctx.note(&format!("lbb: {}", printable(&step.to_string())));
            })
            .await
            {
                let e: Failure = e.into();
                let (code, line) = report(&e);
                outcome.failed.insert(code);
                eprintln!("lbb: {target}: {line}");
                done_ok = false;
            }
        }
        let text = super::drain::describe(&plan, args.dry_run);
        print_message(
            &mut out,
            ctx.style,
            &serde_json::json!({
                "plan": &plan,
                "dry_run": args.dry_run,
                "done": !args.dry_run && done_ok,
            }),
            &text,
        )?;
    }
    done(out)?;
    if args.dry_run {
        ctx.note("lbb: dry run: nothing was sent");
    }
    Ok(outcome.code())
}
