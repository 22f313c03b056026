//! `cargo xtask <task>`: the project's chores, in Rust so they run wherever cargo does.
//!
//! - `ci`: what CI runs: format check, clippy with `-D warnings`, the tests, and a
//!   build of the facade with each provider feature alone and with none.
//! - `features`: only the facade feature matrix.
//! - `demo`: start the emulator with a fleet of all four providers and run `lbb`
//!   against it (the README's first command).
//! - `fuzz`: the decoder fuzz harness (`crates/fuzz`) in release, every argument
//!   passed on (`--cases N`, `--seed S`, `--threads N`, `--decoder NAME`, `--case K`,
//!   ...; `cargo xtask fuzz --help`). See `docs/reliability.md`.
//! - `bench [--vs-official] [--inventory] [--members N] [--big N] [--no-callgrind]`:
//!   the benchmarks of `docs/benchmarks.md` (release `lbb` and `lbb-emulator` as
//!   processes), printing ratios against the targets of issue 9. Never part of `ci`.
//! - `sizes`: release-build `lbb` with each provider alone and with all, print the
//!   size table of `docs/cli.md`, and fail if a single-provider build holds another
//!   provider's host names or API names.
//! - `official-sdks [-v]`: the official Tencent Cloud and Huawei Cloud Python SDKs
//!   (pinned in `xtask/official-sdks/requirements.txt`, installed in a venv under
//!   `target/`) against the emulator, each call PASS or FAIL. Needs PyPI: never part
//!   of `ci`.

mod official_sdks;
mod sizes;

use std::{
    env,
    process::{Command, ExitCode},
    time::Instant,
};

/// Facade features, each of which must build alone.
const FACADE_FEATURES: &[&str] = &["huawei-elb", "huawei-apig", "tencent-clb", "tencent-bmlb"];

fn main() -> ExitCode {
    let task = env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "ci" => ci(),
        "features" => features(),
        "demo" => demo(),
        "sizes" => sizes::run(),
        "bench" => bench(),
        "fuzz" => fuzz(),
        "official-sdks" => official_sdks::run(),
        _ => {
            eprintln!("usage: cargo xtask <ci|features|demo|bench|fuzz|sizes|official-sdks>");
            eprintln!("  ci        fmt check, clippy -D warnings, tests, facade feature matrix");
            eprintln!("  features  build the facade and lbb with each feature alone and with none");
            eprintln!("  demo      start the emulator and run lbb against all four providers");
            eprintln!(
                "  bench     benchmarks against the emulator, as ratios (docs/benchmarks.md);"
            );
            eprintln!(
                "            [--vs-official] [--inventory] [--members N] [--big N] [--no-callgrind]"
            );
            eprintln!(
                "  fuzz      fuzz every response decoder in release: [--cases N] [--seed S] [--threads N]"
            );
            eprintln!(
                "            [--decoder NAME] [--case K] ... (cargo xtask fuzz --help; docs/reliability.md)"
            );
            eprintln!(
                "  sizes     release-build lbb per provider; sizes and a no-other-provider check"
            );
            eprintln!(
                "  official-sdks  the official Tencent and Huawei Python SDKs against the emulator"
            );
            eprintln!(
                "            (venv under target/, needs PyPI; [-v] for tracebacks; not part of ci)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(step) => {
            eprintln!("xtask: step failed: {step}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo run --release -p lb-backends-fuzz -- ARGS`, with this task's arguments.
fn fuzz() -> Result<(), String> {
    let passed: Vec<String> = env::args().skip(2).collect();
    let mut args = vec!["run", "--release", "-p", "lb-backends-fuzz", "--"];
    args.extend(passed.iter().map(String::as_str));
    cargo(&args)
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--all-features"])?;
    features()
}

fn features() -> Result<(), String> {
    cargo(&["build", "-p", "lb-backends", "--no-default-features"])?;
    for feature in FACADE_FEATURES {
        cargo(&[
            "build",
            "-p",
            "lb-backends",
            "--no-default-features",
            "--features",
            feature,
        ])?;
    }
    // lbb passes the same features through; each must build alone too.
    cargo(&["build", "-p", "lb-backends-cli", "--no-default-features"])?;
    for feature in FACADE_FEATURES {
        cargo(&[
            "build",
            "-p",
            "lb-backends-cli",
            "--no-default-features",
            "--features",
            feature,
        ])?;
    }
    Ok(())
}

fn demo() -> Result<(), String> {
    cargo(&[
        "run",
        "--quiet",
        "-p",
        "lb-backends-cli",
        "--example",
        "demo",
    ])
}

fn bench() -> Result<(), String> {
    // The processes measured, each built alone (as shipped: built together, cargo
    // would unify their dependencies' features), then the bench itself (which holds
    // the floor client).
    cargo(&[
        "build",
        "--release",
        "-p",
        "lb-backends-cli",
        "--bin",
        "lbb",
    ])?;
    cargo(&[
        "build",
        "--release",
        "-p",
        "lb-backends-emulator",
        "--bin",
        "lbb-emulator",
    ])?;
    let mut args = vec![
        "run",
        "--quiet",
        "--release",
        "-p",
        "lb-backends-e2e",
        "--example",
        "bench",
        "--",
    ];
    let rest: Vec<String> = env::args().skip(2).collect();
    args.extend(rest.iter().map(String::as_str));
    cargo(&args)
}

pub(crate) fn cargo(args: &[&str]) -> Result<(), String> {
    let line = format!("cargo {}", args.join(" "));
    eprintln!("xtask: running {line}");
    let started = Instant::now();
    let status = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .status()
        .map_err(|e| format!("{line}: {e}"))?;
    eprintln!("xtask: {line} took {:.1?}", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(line)
    }
}
