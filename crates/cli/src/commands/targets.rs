//! `lbb targets [PROVIDER...]`: the targets of the account(s), discovered
//! through each provider's [`Discoverer`](lb_backends::discover::Discoverer); and
//! what `find` and `inventory --discover` share: the scope (providers and profiles)
//! and the one line per cloud that cannot be searched.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::Write,
};

use clap::Args;
use futures::TryStreamExt;
use lb_backends::{
    discover::Discoverer, transport::HttpTransport, Error, ProviderKind, TargetInfo,
};
use serde::Serialize;

use super::{done, stdout, Ctx};
use crate::{
    cli::{parse_lbb, Format},
    connect::{self, Settings},
    exit::{self, Failure},
    fleet::{Fleet, FleetTarget},
    output::printable,
};

/// Which providers and profiles discovery searches.
#[derive(Debug, Clone, Args, Default)]
pub struct Scope {
    /// The providers to search (default: every one compiled in).
    #[arg(value_parser = parse_lbb::<ProviderKind>, value_name = "PROVIDER")]
    pub providers: Vec<ProviderKind>,
    /// Search with every profile of the config file (else with `--profile`, or the
    /// default profile and the environment).
    #[arg(long, conflicts_with = "profiles")]
    pub all_profiles: bool,
    /// Search with these profiles (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub profiles: Vec<String>,
}

/// `lbb targets`.
#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// Providers and profiles.
    #[command(flatten)]
    pub scope: Scope,
    /// Print a fleet file (TOML) that `lbb inventory` reads, instead of rows.
    #[arg(long)]
    pub as_fleet: bool,
}

/// One provider in one profile: what discovery runs over.
pub struct Place {
    /// The profile (`None`: the command line's, or the default).
    pub profile: Option<String>,
    /// The settings to connect with.
    pub settings: Settings,
    /// The discoverer.
    pub discoverer: Box<dyn Discoverer>,
}

/// How the search went, for the exit code: the codes of what failed.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Exit codes of the failures.
    pub failed: BTreeSet<u8>,
}

impl Outcome {
    /// Note a failure, on stderr, as `lbb: WHERE: error`.
    pub fn fail(&mut self, place: &str, e: &Error) {
        self.failed.insert(exit::code_of(e.kind()));
        eprintln!("lbb: {place}: {}", exit::describe(e));
    }

    /// The exit code: 0, the one code of every failure, or 1 when they differ.
    pub fn code(&self) -> u8 {
        match self.failed.len() {
            0 => exit::OK,
            1 => self.failed.iter().next().copied().unwrap_or(exit::OTHER),
            _ => exit::OTHER,
        }
    }
}

fn cloud(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::HuaweiElb | ProviderKind::HuaweiApig => "huawei",
        _ => "tencent",
    }
}

/// The discoverers of `scope`: one per provider and profile. A cloud that cannot be
/// connected to (no credentials, say) is skipped with one line on stderr per cloud
/// and profile, and noted in `outcome`.
pub fn places(ctx: &Ctx, scope: &Scope, outcome: &mut Outcome) -> Result<Vec<Place>, Failure> {
    places_via(ctx, scope, outcome, None)
}

/// [`places`], each discoverer's requests through `transports`' transport for its
/// provider (inventory's paced ones), else the run's.
pub fn places_via(
    ctx: &Ctx,
    scope: &Scope,
    outcome: &mut Outcome,
    transports: Option<&BTreeMap<ProviderKind, HttpTransport>>,
) -> Result<Vec<Place>, Failure> {
    let config = ctx.config()?;
    let profiles: Vec<Option<String>> = if scope.all_profiles {
        let names = config.profile_names();
        if names.is_empty() {
            vec![None]
        } else {
            names.into_iter().map(Some).collect()
        }
    } else if !scope.profiles.is_empty() {
        scope.profiles.iter().cloned().map(Some).collect()
    } else {
        vec![None]
    };
    let kinds: Vec<ProviderKind> = if scope.providers.is_empty() {
        compiled_in()
    } else {
        let mut seen = BTreeSet::new();
        scope
            .providers
            .iter()
            .copied()
            .filter(|k| seen.insert(*k))
            .collect()
    };
    let mut places = Vec::new();
    // The first error of each cloud (and profile) that could not be connected to.
    let mut skipped: Vec<(Option<String>, &'static str, Error)> = Vec::new();
    for profile in profiles {
        let mut settings = ctx.settings();
        if profile.is_some() {
            settings.profile.clone_from(&profile);
        }
        for &kind in &kinds {
            let transport = transports
                .and_then(|t| t.get(&kind))
                .unwrap_or(&ctx.transport);
            match connect::discoverer(kind, &settings, config, transport) {
                Ok(discoverer) => places.push(Place {
                    profile: profile.clone(),
                    settings: settings.clone(),
                    discoverer,
                }),
                Err(e) => {
                    let known = skipped
                        .iter()
                        .any(|(p, c, _)| *p == profile && *c == cloud(kind));
                    if !known {
                        skipped.push((profile.clone(), cloud(kind), e));
                    }
                }
            }
        }
    }
    // One line per cloud skipped. With several profiles, a profile without a
    // cloud's credentials is not a failure when another profile searched that
    // cloud (profiles are often one per cloud).
    for (profile, c, e) in skipped {
        let searched = places.iter().any(|p| cloud(p.discoverer.kind()) == c);
        if searched && profile.is_some() {
            continue;
        }
        let place = match &profile {
            Some(p) => format!("{c} (profile {p}) skipped"),
            None => format!("{c} skipped"),
        };
        outcome.fail(&place, &e);
    }
    Ok(places)
}

/// The providers of this build.
// With every feature on, clippy sees a match of constants.
#[allow(clippy::match_like_matches_macro)]
fn compiled_in() -> Vec<ProviderKind> {
    ProviderKind::ALL
        .into_iter()
        .filter(|k| match k {
            ProviderKind::HuaweiElb => cfg!(feature = "huawei-elb"),
            ProviderKind::HuaweiApig => cfg!(feature = "huawei-apig"),
            ProviderKind::TencentClb => cfg!(feature = "tencent-clb"),
            ProviderKind::TencentBmlb => cfg!(feature = "tencent-bmlb"),
            _ => false,
        })
        .collect()
}

/// Every target of every place, as fleet entries (the profile kept), in discovery
/// order; a place whose discovery fails is reported and the others go on.
pub async fn discover_all(
    places: &[Place],
    outcome: &mut Outcome,
) -> Vec<(Option<String>, TargetInfo)> {
    let mut all = Vec::new();
    for place in places {
        let mut stream = place.discoverer.targets(None);
        loop {
            match stream.try_next().await {
                Ok(Some(info)) => all.push((place.profile.clone(), info)),
                Ok(None) => break,
                Err(e) => {
                    outcome.fail(&place.discoverer.kind().to_string(), &e);
                    break;
                }
            }
        }
    }
    all
}

/// The fleet of every discovered target (`inventory --discover`).
pub async fn discover_fleet(
    ctx: &Ctx,
    scope: &Scope,
    transports: Option<&BTreeMap<ProviderKind, HttpTransport>>,
) -> Result<(Fleet, Outcome), Failure> {
    let mut outcome = Outcome::default();
    let places = places_via(ctx, scope, &mut outcome, transports)?;
    let found = discover_all(&places, &mut outcome).await;
    let targets = found
        .into_iter()
        .map(|(profile, info)| FleetTarget {
            target: info.target,
            settings: Settings {
                profile,
                ..Settings::default()
            },
        })
        .collect();
    Ok((
        Fleet {
            defaults: Settings::default(),
            concurrency: None,
            rates: Default::default(),
            targets,
        },
        outcome,
    ))
}

/// One row of `lbb targets`.
#[derive(Debug, Serialize)]
struct Row<'a> {
    provider: &'static str,
    target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    name: Option<&'a str>,
    load_balancer: Option<&'a str>,
    protocol: Option<&'a str>,
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<&'a lb_backends::RawRecord>,
}

pub async fn run(ctx: &Ctx, args: TargetsArgs) -> Result<u8, Failure> {
    let mut outcome = Outcome::default();
    let places = places(ctx, &args.scope, &mut outcome)?;
    let found = discover_all(&places, &mut outcome).await;
    let mut out = stdout();
    if args.as_fleet || ctx.style.format == Format::Fleet {
        print_fleet(&mut out, &found)?;
    } else {
        let rows: Vec<Row<'_>> = found
            .iter()
            .map(|(profile, info)| Row {
                provider: info.target.provider().as_str(),
                target: info.target.to_string(),
                profile: profile.as_deref(),
                name: info.name.as_deref(),
                load_balancer: info.load_balancer.as_deref(),
                protocol: info.protocol.as_deref(),
                port: info.port,
                raw: ctx.global.raw.then_some(&info.settings),
            })
            .collect();
        print_rows(&mut out, ctx, &rows)?;
    }
    done(out)?;
    ctx.note(&format!(
        "targets: {} found{}",
        found.len(),
        if outcome.failed.is_empty() {
            ""
        } else {
            " (partial: see above)"
        }
    ));
    Ok(outcome.code())
}

fn print_fleet(out: &mut dyn Write, found: &[(Option<String>, TargetInfo)]) -> std::io::Result<()> {
    writeln!(
        out,
        "# written by `lbb targets --as-fleet`: {} targets",
        found.len()
    )?;
    for (profile, info) in found {
        writeln!(out, "\n[[target]]")?;
        // Target texts and profile names are checked ids and names: plain TOML
        // basic strings, escaped all the same.
        writeln!(out, "target = {}", toml_string(&info.target.to_string()))?;
        if let Some(p) = profile {
            writeln!(out, "profile = {}", toml_string(p))?;
        }
        if let Some(name) = &info.name {
            writeln!(out, "# name: {}", printable(name).replace('\n', " "))?;
        }
    }
    Ok(())
}

/// A CSV field, quoted when it must be (RFC 4180), as the backend listings' CSV.
pub fn escape(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn print_rows(out: &mut dyn Write, ctx: &Ctx, rows: &[Row<'_>]) -> std::io::Result<()> {
    match ctx.style.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        Format::Ndjson => rows.iter().try_for_each(|r| {
            serde_json::to_writer(&mut *out, r)?;
            writeln!(out)
        }),
        Format::Csv => {
            writeln!(out, "provider,target,name,load_balancer,protocol,port")?;
            for r in rows {
                writeln!(
                    out,
                    "{},{},{},{},{},{}",
                    r.provider,
                    escape(&r.target),
                    escape(r.name.unwrap_or("")),
                    escape(r.load_balancer.unwrap_or("")),
                    escape(r.protocol.unwrap_or("")),
                    r.port.map_or_else(String::new, |p| p.to_string())
                )?;
            }
            Ok(())
        }
        Format::Table | Format::Fleet => {
            let cells: Vec<[String; 5]> = rows
                .iter()
                .map(|r| {
                    [
                        r.target.clone(),
                        printable(r.name.unwrap_or("-")),
                        printable(r.load_balancer.unwrap_or("-")),
                        r.protocol.unwrap_or("-").to_owned(),
                        r.port.map_or_else(|| "-".into(), |p| p.to_string()),
                    ]
                })
                .collect();
            table(
                out,
                ["TARGET", "NAME", "LOAD BALANCER", "PROTOCOL", "PORT"],
                &cells,
            )
        }
    }
}

/// Aligned columns with a header line.
pub fn table<const N: usize>(
    out: &mut dyn Write,
    header: [&str; N],
    rows: &[[String; N]],
) -> std::io::Result<()> {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: [&str; N]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, header)?;
    for row in rows {
        line(out, std::array::from_fn(|i| row[i].as_str()))?;
    }
    Ok(())
}
