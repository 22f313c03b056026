//! `cargo xtask <task>`: the project's chores, in Rust so they run wherever cargo does.
//!
//! - `ci`: what CI runs: format check, clippy with `-D warnings`, the tests, and a
//!   build of the facade with each provider feature alone and with none.
//! - `features`: only the facade feature matrix.
//! - `demo`: start the emulator and use lb-backends against it.

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
        _ => {
            eprintln!("usage: cargo xtask <ci|features|demo>");
            eprintln!("  ci        fmt check, clippy -D warnings, tests, facade feature matrix");
            eprintln!("  features  build the facade with each feature alone and with none");
            eprintln!("  demo      start the emulator and list a pool through lb-backends");
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
    if !facade_exists() {
        eprintln!("xtask: no facade crate yet; skipping the feature matrix");
        return Ok(());
    }
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
    Ok(())
}

fn demo() -> Result<(), String> {
    cargo(&[
        "run",
        "--quiet",
        "-p",
        "lb-backends",
        "--example",
        "list_pool",
    ])
}

fn facade_exists() -> bool {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/lb-backends/Cargo.toml")
        .exists()
}

fn cargo(args: &[&str]) -> Result<(), String> {
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
