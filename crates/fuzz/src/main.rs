//! `lb-backends-fuzz`: run the fuzz harness (usually through `cargo xtask fuzz`).

use std::{
    io::Write,
    path::PathBuf,
    process::ExitCode,
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

use lb_backends_core::transport::RawResponse;
use lb_backends_fuzz::{
    decoders::{self, Decoder, DECODERS},
    mutate::Size,
    rng::Rng,
    runner::{self, Case, Config, Report},
};

const USAGE: &str = "\
usage: cargo xtask fuzz [OPTIONS]
  --cases N          cases per decoder (default 100000; 10M for the record run)
  --seed S           the run's seed (default 1); with a decoder and a case number it names one body
  --threads N        worker threads (default: every core)
  --decoder NAME     only this decoder (repeat, or NAME,NAME); --list names them
  --case K           replay case K alone (with --seed and --decoder), printing the body
  --first K          start at case K instead of 0
  --body FILE        run the decoder(s) on this body file (e.g. from target/fuzz/crashes)
  --status N         the HTTP status for --body (default 200)
  --smoke            smaller rare bodies (64 KB strings, 1,000 levels), as the CI smoke test
  --out DIR          where failing bodies go (default target/fuzz)
  --stop-on-failure  stop at the first panic or unknown violation
  --list             list the decoders and what each calls
exit status: 0 when no panic and no violation outside docs/reliability.md's known defects";

struct Args {
    config: Config,
    case: Option<u64>,
    body: Option<PathBuf>,
    status: u16,
    list: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut config = Config {
        cases: 100_000,
        first: 0,
        seed: 1,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        decoders: Vec::new(),
        size: Size::Full,
        out: Some(runner::default_out()),
        stop_on_failure: false,
    };
    let (mut case, mut body, mut status, mut list) = (None, None, 200, false);
    let mut it = args.iter();
    let number = |v: Option<&String>, flag: &str| -> Result<u64, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        let v = v.replace('_', "");
        let (digits, scale) = match v.strip_suffix(['M', 'm']) {
            Some(d) => (d, 1_000_000),
            None => match v.strip_suffix(['k', 'K']) {
                Some(d) => (d, 1_000),
                None => (v.as_str(), 1),
            },
        };
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(|| format!("{flag}: {v:?} is not a number"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--cases" => config.cases = number(it.next(), arg)?,
            "--seed" => config.seed = number(it.next(), arg)?,
            "--first" => config.first = number(it.next(), arg)?,
            "--threads" => {
                config.threads =
                    usize::try_from(number(it.next(), arg)?.max(1)).map_err(|e| e.to_string())?;
            }
            "--case" => case = Some(number(it.next(), arg)?),
            "--status" => {
                status = u16::try_from(number(it.next(), arg)?).map_err(|e| e.to_string())?;
            }
            "--decoder" => {
                let names = it.next().ok_or("--decoder needs a value")?;
                for name in names.split(',') {
                    config.decoders.push(
                        decoders::by_name(name)
                            .ok_or_else(|| format!("no decoder {name:?}; --list names them"))?,
                    );
                }
            }
            "--body" => body = Some(PathBuf::from(it.next().ok_or("--body needs a file")?)),
            "--out" => config.out = Some(PathBuf::from(it.next().ok_or("--out needs a dir")?)),
            "--smoke" => config.size = Size::Smoke,
            "--stop-on-failure" => config.stop_on_failure = true,
            "--list" => list = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if config.decoders.is_empty() {
        config.decoders = DECODERS.iter().collect();
    }
    Ok(Args {
        config,
        case,
        body,
        status,
        list,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&args) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("lb-backends-fuzz: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.list {
        for d in DECODERS {
            println!("{:<17} {}", d.name, d.calls);
        }
        return ExitCode::SUCCESS;
    }
    if let Some(file) = &args.body {
        return replay_file(&args.config, file, args.status);
    }
    if let Some(case) = args.case {
        return replay_case(&args.config, case);
    }
    campaign(&args.config)
}

/// Print what a decoder made of one case.
fn show(decoder: &Decoder, mut case: Case, label: &str) -> bool {
    let body = &case.response.body;
    let excerpt = String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned();
    println!(
        "{} {label}: HTTP {}, {} bytes{}\n  body: {excerpt}{}",
        decoder.name,
        case.response.status,
        body.len(),
        if case.response.headers.is_empty() {
            String::new()
        } else {
            format!(", headers {:?}", case.response.headers)
        },
        if body.len() > 400 { "…" } else { "" }
    );
    match runner::run_one(decoder, &mut case) {
        Err(message) => {
            println!("  PANIC: {message}");
            false
        }
        Ok(v) => {
            println!(
                "  {}, {} records",
                if v.accepted { "accepted" } else { "rejected" },
                v.records
            );
            let mut clean = true;
            for (inv, what) in &v.violations {
                let known = decoders::known(decoder.name, inv);
                clean &= known.is_some();
                println!(
                    "  VIOLATION {inv}: {what}{}",
                    known.map_or(String::new(), |k| format!(" (known: {k})"))
                );
            }
            clean
        }
    }
}

fn replay_case(config: &Config, case: u64) -> ExitCode {
    let mut clean = true;
    for d in &config.decoders {
        let c = runner::generate(d, &runner::seeds(d), config.seed, case, config.size);
        if let Some(out) = &config.out {
            let dir = out.join("replay");
            let file = dir.join(format!("{}-seed{}-case{case}.body", d.name, config.seed));
            if std::fs::create_dir_all(&dir).is_ok()
                && std::fs::write(&file, &c.response.body).is_ok()
            {
                println!("{}: body written to {}", d.name, file.display());
            }
        }
        clean &= show(d, c, &format!("seed {} case {case}", config.seed));
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn replay_file(config: &Config, file: &PathBuf, status: u16) -> ExitCode {
    let body = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("lb-backends-fuzz: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let mut clean = true;
    for d in &config.decoders {
        let case = Case {
            response: RawResponse::new(status, http::HeaderMap::new(), body.clone()),
            rng: Rng::new(0),
        };
        clean &= show(d, case, &file.display().to_string());
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn campaign(config: &Config) -> ExitCode {
    println!(
        "fuzzing {} decoder(s), {} cases each from case {}, seed {}, {} thread(s){}",
        config.decoders.len(),
        config.cases,
        config.first,
        config.seed,
        config.threads,
        if config.size == Size::Smoke {
            ", smoke sizes"
        } else {
            ""
        }
    );
    let started = Instant::now();
    let last = AtomicU64::new(0);
    let progress = |done: u64, total: u64| {
        let secs = started.elapsed().as_secs();
        if secs >= last.load(Ordering::Relaxed) + 10 {
            last.store(secs, Ordering::Relaxed);
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "  {done}/{total} bodies, {secs} s, {:.0} bodies/s",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    };
    let report = runner::run(config, &progress);
    print_report(config, &report);
    if report.panics() == 0 && report.unknown_violations() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_report(config: &Config, report: &Report) {
    println!(
        "\n| decoder | bodies | accepted | records | panics | violations (known) | bodies/s per thread | est. 10M on {} thread(s) |",
        report.threads
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut all_10m = 0.0;
    for (name, r) in &report.decoders {
        let known: u64 =
            r.violations.values().map(|b| b.count).sum::<u64>() - r.unknown_violations(name);
        let est = 10_000_000.0 / r.rate() / report.threads as f64;
        all_10m += est;
        println!(
            "| {name} | {} | {} | {} | {} | {} ({known}) | {:.0} | {} |",
            r.cases,
            r.accepted,
            r.records,
            r.panics.count,
            r.unknown_violations(name),
            r.rate(),
            duration(est)
        );
    }
    let bodies: u64 = report.decoders.iter().map(|(_, r)| r.cases).sum();
    let bytes: u64 = report.decoders.iter().map(|(_, r)| r.bytes).sum();
    println!(
        "\n{bodies} bodies ({:.1} MB) in {:.1} s wall; 10M per decoder, all decoders: about {} on {} thread(s)",
        bytes as f64 / 1e6,
        report.wall.as_secs_f64(),
        duration(all_10m),
        report.threads
    );
    for (name, r) in &report.decoders {
        for e in &r.panics.examples {
            println!(
                "PANIC {name} case {}: {}{}",
                e.case,
                e.what,
                e.file
                    .as_ref()
                    .map_or(String::new(), |f| format!(" (body: {})", f.display()))
            );
        }
        for (inv, b) in &r.violations {
            let known = decoders::known(name, inv);
            for e in &b.examples {
                println!(
                    "{} {name} {inv} ({} cases) e.g. case {}: {}{}",
                    if known.is_some() {
                        "known"
                    } else {
                        "VIOLATION"
                    },
                    b.count,
                    e.case,
                    e.what,
                    e.file
                        .as_ref()
                        .map_or(String::new(), |f| format!(" (body: {})", f.display()))
                );
            }
            if let Some(k) = known {
                println!("  known defect: {k}");
            }
        }
    }
    if report.panics() > 0 || report.unknown_violations() > 0 {
        println!(
            "\nreplay one: cargo xtask fuzz --seed {}{} --decoder NAME --case K",
            config.seed,
            if config.size == Size::Smoke {
                " --smoke"
            } else {
                ""
            }
        );
    }
}

fn duration(secs: f64) -> String {
    if secs < 120.0 {
        format!("{secs:.0} s")
    } else if secs < 7200.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}
