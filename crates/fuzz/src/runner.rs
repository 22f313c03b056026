//! Running cases: generation, the decoder under `catch_unwind`, the tally, and the
//! files a failing case leaves behind.

use std::{
    cell::RefCell,
    collections::BTreeMap,
    fs,
    panic::{self, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use lb_backends_core::transport::RawResponse;
use serde_json::Value;

use crate::{
    decoders::{self, Decoder, Verdict},
    mutate::{self, Size},
    node::Node,
    rng::{case_seed, Rng},
};

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cases per decoder.
    pub cases: u64,
    /// The first case number (a run of `cases` from `first` covers `first..first+cases`).
    pub first: u64,
    /// The run's seed: with a decoder's name and a case number it names one body.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// The decoders to run.
    pub decoders: Vec<&'static Decoder>,
    /// How big the rare huge bodies get.
    pub size: Size,
    /// Where crashes and violating bodies are written (`None`: nowhere).
    pub out: Option<PathBuf>,
    /// Stop at the first panic or unknown violation.
    pub stop_on_failure: bool,
}

/// One case that failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Case number.
    pub case: u64,
    /// What happened (the panic message, or the violation).
    pub what: String,
    /// Where its body was written.
    pub file: Option<PathBuf>,
}

/// The tally of one invariant of one decoder.
#[derive(Debug, Clone, Default)]
pub struct Broken {
    /// Cases that broke it.
    pub count: u64,
    /// The first few.
    pub examples: Vec<Failure>,
}

/// The tally of one decoder.
#[derive(Debug, Clone, Default)]
pub struct DecoderReport {
    /// Cases run.
    pub cases: u64,
    /// Bodies the decoder accepted.
    pub accepted: u64,
    /// Records decoded, in all.
    pub records: u64,
    /// Body bytes, in all.
    pub bytes: u64,
    /// Panics.
    pub panics: Broken,
    /// Broken invariants, by name.
    pub violations: BTreeMap<&'static str, Broken>,
    /// Thread time spent on this decoder (generation included).
    pub busy: Duration,
}

impl DecoderReport {
    fn merge(&mut self, other: DecoderReport) {
        self.cases += other.cases;
        self.accepted += other.accepted;
        self.records += other.records;
        self.bytes += other.bytes;
        self.busy += other.busy;
        merge_broken(&mut self.panics, other.panics);
        for (k, b) in other.violations {
            merge_broken(self.violations.entry(k).or_default(), b);
        }
    }

    /// Bodies per second on one thread.
    pub fn rate(&self) -> f64 {
        self.cases as f64 / self.busy.as_secs_f64().max(1e-9)
    }

    /// Violations not explained by a known defect.
    pub fn unknown_violations(&self, decoder: &str) -> u64 {
        self.violations
            .iter()
            .filter(|(inv, _)| decoders::known(decoder, inv).is_none())
            .map(|(_, b)| b.count)
            .sum()
    }
}

fn merge_broken(into: &mut Broken, from: Broken) {
    into.count += from.count;
    for e in from.examples {
        if into.examples.len() < EXAMPLES {
            into.examples.push(e);
        }
    }
    into.examples.sort_by_key(|e| e.case);
}

/// Examples kept (and bodies written) per decoder and invariant.
const EXAMPLES: usize = 3;

/// The result of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per decoder, in the order of the config.
    pub decoders: Vec<(&'static str, DecoderReport)>,
    /// Wall time.
    pub wall: Duration,
    /// Threads used.
    pub threads: usize,
}

impl Report {
    /// Panics in all.
    pub fn panics(&self) -> u64 {
        self.decoders.iter().map(|(_, r)| r.panics.count).sum()
    }

    /// Violations not explained by a known defect, in all.
    pub fn unknown_violations(&self) -> u64 {
        self.decoders
            .iter()
            .map(|(n, r)| r.unknown_violations(n))
            .sum()
    }
}

/// One generated case.
#[derive(Debug)]
pub struct Case {
    /// The response handed to the decoder.
    pub response: RawResponse,
    /// The generator, positioned after generation (decoders draw from it too).
    pub rng: Rng,
}

/// The parsed seeds of a decoder.
pub fn seeds(decoder: &Decoder) -> Vec<Node> {
    decoder
        .seeds
        .iter()
        .map(|s| {
            let v: Value = serde_json::from_str(s).unwrap_or(Value::Null);
            Node::from_value(&v)
        })
        .collect()
}

/// Generate case `case` of `decoder`.
pub fn generate(decoder: &Decoder, seeds: &[Node], seed: u64, case: u64, size: Size) -> Case {
    let mut rng = Rng::new(case_seed(seed, decoder.name, case));
    let start = rng.pick(seeds);
    let body = mutate::body(&mut rng, start, size);
    let status = decoders::status(&mut rng, decoder.statuses);
    let headers = decoders::headers(&mut rng);
    Case {
        response: RawResponse::new(status, headers, body),
        rng,
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Run the decoder on one response: its verdict, or the panic message.
pub fn run_one(decoder: &Decoder, case: &mut Case) -> Result<Verdict, String> {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        (decoder.run)(&case.response, &mut case.rng)
    }));
    result.map_err(|payload| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned())
    })
}

/// Cases per unit of work handed to a thread.
const CHUNK: u64 = 2_000;

/// Run `config`. `progress` is called after every unit of work with the cases done
/// and the total.
pub fn run(config: &Config, progress: &(dyn Fn(u64, u64) + Sync)) -> Report {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(message));
    }));
    let report = run_inner(config, progress);
    panic::set_hook(previous);
    report
}

fn run_inner(config: &Config, progress: &(dyn Fn(u64, u64) + Sync)) -> Report {
    let started = Instant::now();
    let seeds: Vec<Vec<Node>> = config.decoders.iter().map(|d| seeds(d)).collect();
    // Units interleaved across decoders, so that all advance together.
    let per_decoder = config.cases.div_ceil(CHUNK);
    let units: Vec<(usize, u64, u64)> = (0..per_decoder)
        .flat_map(|chunk| {
            (0..config.decoders.len()).map(move |d| {
                let from = config.first + chunk * CHUNK;
                let to = (from + CHUNK).min(config.first + config.cases);
                (d, from, to)
            })
        })
        .collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let total = config.cases * config.decoders.len() as u64;
    let reports: Mutex<Vec<DecoderReport>> =
        Mutex::new(vec![DecoderReport::default(); config.decoders.len()]);
    let threads = config.threads.max(1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut local = vec![DecoderReport::default(); config.decoders.len()];
                while !stop.load(Ordering::Relaxed) {
                    let Some(&(d, from, to)) = units.get(next.fetch_add(1, Ordering::Relaxed))
                    else {
                        break;
                    };
                    let t = Instant::now();
                    let failed = run_unit(
                        config,
                        config.decoders[d],
                        &seeds[d],
                        from,
                        to,
                        &mut local[d],
                    );
                    local[d].busy += t.elapsed();
                    if failed && config.stop_on_failure {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let n = done.fetch_add(
                        usize::try_from(to - from).unwrap_or(usize::MAX),
                        Ordering::Relaxed,
                    ) as u64
                        + (to - from);
                    progress(n, total);
                }
                let mut all = reports.lock().unwrap_or_else(|e| e.into_inner());
                for (into, from) in all.iter_mut().zip(local) {
                    into.merge(from);
                }
            });
        }
    });
    let reports = reports.into_inner().unwrap_or_else(|e| e.into_inner());
    Report {
        decoders: config
            .decoders
            .iter()
            .map(|d| d.name)
            .zip(reports)
            .collect(),
        wall: started.elapsed(),
        threads,
    }
}

/// Cases `from..to` of one decoder; whether a panic or unknown violation was seen.
fn run_unit(
    config: &Config,
    decoder: &Decoder,
    seeds: &[Node],
    from: u64,
    to: u64,
    report: &mut DecoderReport,
) -> bool {
    let mut failed = false;
    for case in from..to {
        let mut c = generate(decoder, seeds, config.seed, case, config.size);
        report.cases += 1;
        report.bytes += c.response.body.len() as u64;
        match run_one(decoder, &mut c) {
            Err(message) => {
                failed = true;
                let file = save(config, decoder, "crashes", case, &c, &message);
                report.panics.count += 1;
                if report.panics.examples.len() < EXAMPLES {
                    report.panics.examples.push(Failure {
                        case,
                        what: short(&message),
                        file,
                    });
                }
                if config.stop_on_failure {
                    return true;
                }
            }
            Ok(verdict) => {
                report.accepted += u64::from(verdict.accepted);
                report.records += verdict.records as u64;
                for (invariant, what) in verdict.violations {
                    let what = short(&what);
                    let broken = report.violations.entry(invariant).or_default();
                    broken.count += 1;
                    let unknown = decoders::known(decoder.name, invariant).is_none();
                    failed |= unknown;
                    if broken.examples.len() < EXAMPLES {
                        let dir = if unknown { "violations" } else { "known" };
                        let note = format!("{invariant}: {what}");
                        let file = save(config, decoder, dir, case, &c, &note);
                        broken.examples.push(Failure { case, what, file });
                    }
                }
            }
        }
    }
    failed
}

/// At most 200 characters of a description (ids can be a megabyte long).
fn short(what: &str) -> String {
    match what.char_indices().nth(200) {
        Some((i, _)) => format!("{}… ({} bytes)", &what[..i], what.len()),
        None => what.to_owned(),
    }
}

/// Write a failing case's body and a note on how to reproduce it.
fn save(
    config: &Config,
    decoder: &Decoder,
    dir: &str,
    case: u64,
    c: &Case,
    what: &str,
) -> Option<PathBuf> {
    let out = config.out.as_ref()?.join(dir);
    fs::create_dir_all(&out).ok()?;
    let stem = format!("{}-seed{}-case{case}", decoder.name, config.seed);
    let body = out.join(format!("{stem}.body"));
    fs::write(&body, &c.response.body).ok()?;
    let smoke = if config.size == Size::Smoke {
        " --smoke"
    } else {
        ""
    };
    let note = format!(
        "decoder: {}\nstatus: {}\nheaders: {:?}\nwhat: {what}\nreproduce: cargo xtask fuzz --decoder {} --seed {}{smoke} --case {case}\nor: cargo xtask fuzz --decoder {} --status {} --body {}\n",
        decoder.name,
        c.response.status,
        c.response.headers,
        decoder.name,
        config.seed,
        decoder.name,
        c.response.status,
        body.display()
    );
    fs::write(out.join(format!("{stem}.txt")), note).ok()?;
    Some(body)
}

/// The default output directory: `target/fuzz` of this workspace.
pub fn default_out() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(crate_dir)
        .join("target/fuzz")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoders::Statuses;

    fn panics_on_long_bodies(response: &RawResponse, _: &mut Rng) -> Verdict {
        assert!(response.body.len() < 40, "a long body");
        Verdict::default()
    }

    static PANICKY: Decoder = Decoder {
        name: "panicky",
        calls: "a test decoder",
        seeds: &[r#"{"a":"0123456789","b":[1,2,3]}"#],
        statuses: Statuses::Success,
        run: panics_on_long_bodies,
    };

    #[test]
    fn panics_are_caught_counted_saved_and_replayable() {
        let out = std::env::temp_dir().join(format!("lbb-fuzz-test-{}", std::process::id()));
        let config = Config {
            cases: 200,
            first: 0,
            seed: 3,
            threads: 2,
            decoders: vec![&PANICKY],
            size: Size::Smoke,
            out: Some(out.clone()),
            stop_on_failure: false,
        };
        let report = run(&config, &|_, _| {});
        let r = &report.decoders[0].1;
        assert_eq!(r.cases, 200);
        assert!(
            r.panics.count > 0 && r.panics.count < 200,
            "{}",
            r.panics.count
        );
        let first = &r.panics.examples[0];
        assert!(first.what.contains("a long body"), "{}", first.what);
        let saved = fs::read(first.file.as_ref().unwrap()).unwrap();
        let mut again = generate(&PANICKY, &seeds(&PANICKY), 3, first.case, Size::Smoke);
        assert_eq!(
            saved, again.response.body,
            "the saved body is the case's body"
        );
        assert!(run_one(&PANICKY, &mut again).is_err());
        let _ = fs::remove_dir_all(out);
    }
}
