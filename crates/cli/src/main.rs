//! `lbb`: see docs/cli.md.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug is reported on one line, without a backtrace, and exits 1.
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string().replace(['\n', '\r'], " ");
        eprintln!("lbb: internal error (a bug; please report it): {text}");
    }));
    std::panic::catch_unwind(|| lb_backends_cli::run(std::env::args_os()))
        .unwrap_or(ExitCode::FAILURE)
}
