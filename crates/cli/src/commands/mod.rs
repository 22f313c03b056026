//! One module per subcommand, and what they share.

mod add;
pub mod apply;
mod batch;
mod describe;
mod desired_file;
mod diagnose;
pub mod drain;
pub mod find;
mod get;
mod hooks;
mod inventory;
mod list;
pub mod plan;
mod remove;
mod set;
pub mod targets;
pub mod wait;

use std::{
    io::{self, BufWriter, Write},
    sync::OnceLock,
};

use lb_backends::{transport::HttpTransport, BackendProvider, Capabilities, Error, Result, Target};

use crate::{
    cli::{Command, GlobalArgs},
    config::Config,
    connect::{self, Settings},
    exit::Failure,
    output::Style,
};

/// What every command runs with.
#[derive(Debug)]
pub struct Ctx {
    /// The global options.
    pub global: GlobalArgs,
    /// The HTTP transport all clients share.
    pub transport: HttpTransport,
    /// How to print.
    pub style: Style,
    config: OnceLock<Config>,
}

impl Ctx {
    /// A context; the config file is read when first needed.
    pub fn new(global: GlobalArgs) -> Result<Self> {
        let transport = connect::transport(global.timeout, global.deadline, global.max_attempts)?;
        let style = Style::detect(global.output);
        crate::output::query::set(global.query.as_deref())?;
        Ok(Self {
            global,
            transport,
            style,
            config: OnceLock::new(),
        })
    }

    /// The config file (read and checked once).
    pub fn config(&self) -> Result<&Config> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let loaded = Config::load()?;
        Ok(self.config.get_or_init(|| loaded))
    }

    /// The connection settings of the command line.
    pub fn settings(&self) -> Settings {
        Settings {
            profile: self.global.profile.clone(),
            region: self.global.region.clone(),
            project_id: self.global.project_id.clone(),
            endpoint: self.global.endpoint.clone(),
            tencent_api: self.global.tencent_api.clone(),
        }
    }

    /// A provider for `target` with the command line's settings.
    pub fn provider(&self, target: &Target) -> Result<Box<dyn BackendProvider>> {
        connect::provider(target, &self.settings(), self.config()?, &self.transport)
    }

    /// Say something on stderr unless `-q`.
    pub fn note(&self, text: &str) {
        if !self.global.quiet {
            eprintln!("{text}");
        }
    }
}

/// Buffered stdout.
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// An `Unsupported` error unless `can`.
pub fn require(can: bool, provider: &dyn BackendProvider, operation: &str) -> Result<()> {
    if can {
        Ok(())
    } else {
        Err(Error::unsupported(provider.kind(), operation))
    }
}

/// The capabilities of a provider (a short name for the commands).
pub fn caps(provider: &dyn BackendProvider) -> Capabilities {
    provider.capabilities()
}

/// Run one subcommand; the exit code on success.
pub async fn run(command: Command, ctx: &Ctx) -> Result<u8, Failure> {
    if ctx.style.format == crate::cli::Format::Fleet && !matches!(command, Command::Targets(_)) {
        return Err(Error::invalid_input(
            "-o fleet writes a fleet file of discovered targets: it is for `lbb targets` only",
        )
        .into());
    }
    let code = match command {
        Command::List { target, atomic } => list::run(ctx, &target, atomic).await?,
        Command::Get {
            target,
            backend_id,
            instance,
        } => get::run(ctx, &target, &backend_id, instance).await?,
        Command::Add(args) => add::run(ctx, args).await?,
        Command::Set(args) => set::run(ctx, args).await?,
        Command::Remove {
            target,
            backend_id,
            from,
            ops,
            everywhere,
        } => match (target, backend_id, from) {
            (Some(target), _, Some(file)) if everywhere.address.is_none() => {
                batch::remove(ctx, &target, &file).await?
            }
            (Some(target), Some(backend_id), None) if everywhere.address.is_none() => {
                remove::run(ctx, &target, &backend_id, &ops).await?
            }
            _ => find::remove_everywhere(ctx, &everywhere).await?,
        },
        Command::Describe { target } => describe::run(ctx, &target).await?,
        Command::Diagnose(args) => diagnose::run(ctx, args).await?,
        Command::Wait(args) => wait::run(ctx, args).await?,
        Command::Drain(args) => drain::run(ctx, args).await?,
        Command::Undrain(args) => drain::run_undrain(ctx, args).await?,
        Command::Plan(args) => plan::run(ctx, args).await?,
        Command::Apply(args) => apply::run(ctx, args).await?,
        Command::Inventory(args) => inventory::run(ctx, args).await?,
        Command::Targets(args) => targets::run(ctx, args).await?,
        Command::Find(args) => find::run(ctx, args).await?,
        Command::Completions { .. } => crate::exit::OK,
    };
    Ok(code)
}

/// Flush stdout, as the last step of a command.
pub fn done(mut out: impl Write) -> Result<u8, Failure> {
    out.flush()?;
    Ok(crate::exit::OK)
}
