//! `lbb`, the command line of **lb-backends**: list, inspect and change the backend
//! servers behind Huawei Cloud and Tencent Cloud load balancers.
//!
//! The binary is a thin `main` around [`run`]; the library exists so that examples
//! (the demo) can run `lbb` in-process. See `docs/cli.md` for the commands, the
//! formats and the exit codes.
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod commands;
// Every key of the config file is parsed in every build (one file serves them all);
// a build without one cloud does not read that cloud's keys.
#[cfg_attr(
    not(all(
        any(feature = "huawei-elb", feature = "huawei-apig"),
        any(feature = "tencent-clb", feature = "tencent-bmlb")
    )),
    allow(dead_code)
)]
mod config;
mod connect;
mod examples;
mod exit;
mod fleet;
mod logging;
mod output;
mod rate;

use std::{ffi::OsString, process::ExitCode};

use clap::{CommandFactory, FromArgMatches};
use lb_backends::{Error, ErrorKind};

pub use exit::{AUTH, NOT_FOUND, OK, OTHER, UNAVAILABLE, USAGE};

use crate::{
    cli::{Cli, Command},
    exit::Failure,
};

/// Run `lbb` with these arguments (the first is the program name) and return its
/// exit code. Reads the environment and the config file like the binary does.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(USAGE));
        }
    };
    timeout_of_wait(&mut cli, &matches);
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "lbb", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let subscriber = logging::subscriber(cli.global.verbose, cli.global.quiet);
    tracing::subscriber::with_default(subscriber, || exit::finish(execute(cli)))
}

/// On `lbb wait`, `--timeout` (given on the command line, without `--wait-timeout`) is
/// the wait's, as the issue and the clouds' CLIs have it; one HTTP request then keeps
/// its default bound. Everywhere else `--timeout` bounds one HTTP request.
fn timeout_of_wait(cli: &mut Cli, matches: &clap::ArgMatches) {
    use clap::parser::ValueSource;
    let Command::Wait(wait) = &mut cli.command else {
        return;
    };
    let given = |m: &clap::ArgMatches| m.value_source("timeout") == Some(ValueSource::CommandLine);
    let on_command_line = given(matches) || matches.subcommand().is_some_and(|(_, sub)| given(sub));
    if wait.wait_timeout.is_none() && on_command_line {
        wait.wait_timeout = Some(cli.global.timeout);
        cli.global.timeout = cli::DEFAULT_REQUEST_TIMEOUT;
    }
}

fn execute(cli: Cli) -> Result<u8, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::Transport,
                format!("cannot start the runtime: {e}"),
            )
        })?;
    let ctx = commands::Ctx::new(cli.global)?;
    runtime.block_on(commands::run(cli.command, &ctx))
}
