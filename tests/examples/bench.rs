//! Benchmarks against the emulator (`cargo xtask bench`; see docs/benchmarks.md).
//!
//! Runs the release `lbb` and `lbb-emulator` as separate processes, as a user would,
//! and prints each measure next to what it is compared with, as a ratio, against the
//! targets of issue 9:
//!
//! 1. the emulator's own cost: resident memory per stored member and start time, CPU
//!    per member served, and (callgrind) instructions per member served;
//! 2. `lbb list -o ndjson|json|csv` against the floor: a plain reqwest loop in this
//!    file with typed serde of borrowed `&str` fields writing the same ndjson (checked
//!    byte for byte): wall time, CPU, peak RSS, and callgrind instructions per member;
//! 3. with `--vs-official`: the official Huawei Python SDK (`huaweicloudsdkelb`,
//!    installed into a venv under `target/bench/venv`) listing the same pool;
//! 4. peak RSS of `lbb list -o ndjson` at 1,000,000 members;
//! 5. with `--inventory`: 1,000 single-page targets under `--rate huawei-elb=20`
//!    against the 50 s that rate allows, and the most calls seen in any 1 s window;
//! 6. signing cost: one SDK-HMAC-SHA256 and one Tencent v1 signature against the wall
//!    time of one 2,000-member page (from the floor's listing).
//!
//! Options: `--members N` (default 50,000), `--big N` (default 1,000,000; 0 skips it),
//! `--no-callgrind`, `--vs-official`, `--inventory`. Callgrind needs valgrind (Debian:
//! `apt-get install valgrind`); without it those lines are skipped with a message.
//! Nothing here is a timed assertion: a missed target is printed, not failed.

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lb_backends_emulator::{DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK};
use lb_backends_huawei_core::signer::{authorization, SigningInput};
use serde::{Deserialize, Serialize};

/// The id of the pool `lbb-emulator --members N` generates.
const POOL: &str = "9e0e0000-0000-4000-8000-000000000001";
/// The largest page ELB serves, what lbb asks for.
const PAGE: usize = 2000;
/// Members of the pool the emulator is run under callgrind with (slow: 50x).
const CALLGRIND_EMULATOR_MEMBERS: usize = 20_000;
/// Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

#[derive(Debug, Clone)]
struct Opts {
    members: usize,
    big: usize,
    callgrind: bool,
    official: bool,
    inventory: bool,
}

fn opts() -> Opts {
    let mut o = Opts {
        members: 50_000,
        big: 1_000_000,
        callgrind: true,
        official: false,
        inventory: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = |what: &str| -> usize {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| panic!("{what} takes a number"))
        };
        match a.as_str() {
            "--members" => o.members = number("--members"),
            "--big" => o.big = number("--big"),
            "--no-callgrind" => o.callgrind = false,
            "--vs-official" => o.official = true,
            "--inventory" => o.inventory = true,
            "--bench" => {}
            other => panic!("unknown option {other} (see tests/examples/bench.rs)"),
        }
    }
    o
}

fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("floor") {
        let url = args.next().expect("floor URL");
        let limit: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(PAGE);
        floor(&url, limit);
        return;
    }
    let o = opts();
    let bins = Bins::find();
    let mut report = Report;
    report.line(format!(
        "lb-backends benchmarks: {} members (pages of {PAGE}), release build, {}",
        o.members,
        machine()
    ));
    report.line(format!(
        "command: cargo xtask bench{}{}",
        if o.official { " --vs-official" } else { "" },
        if o.inventory { " --inventory" } else { "" }
    ));
    let valgrind = o.callgrind && has_valgrind();
    if o.callgrind && !valgrind {
        report.line("callgrind: skipped (valgrind is not installed: apt-get install valgrind)");
    }

    emulator_cost(&bins, &o, valgrind, &mut report);
    let client = client_cost(&bins, &o, valgrind, &mut report);
    if o.official {
        official(&bins, &o, &client, &mut report);
    }
    if o.big > 0 {
        big(&bins, &o, &client, &mut report);
    }
    if o.inventory {
        inventory(&bins, &mut report);
    }
    signing(&client, &mut report);
}

fn signing(client: &ClientCost, r: &mut Report) {
    r.line("");
    let pages = client.members.div_ceil(PAGE).max(1);
    let page = client.floor_wall / u32::try_from(pages).unwrap_or(u32::MAX);
    let huawei = per_op(20_000, sign_huawei);
    let tencent = per_op(20_000, sign_tencent);
    r.line(format!(
        "6. one SDK-HMAC-SHA256 signature: {huawei:.1?}; one Tencent v1 signature: {tencent:.1?}; one {PAGE}-member page (the floor's listing / pages): {page:.1?}"
    ));
    r.line(format!(
        "   signing / page: huawei {:.4}, tencent {:.4} (target <= 0.01: {})",
        huawei.as_secs_f64() / page.as_secs_f64(),
        tencent.as_secs_f64() / page.as_secs_f64(),
        met(huawei.max(tencent).as_secs_f64() / page.as_secs_f64() <= 0.01)
    ));
}

fn per_op(n: u32, op: fn()) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        op();
    }
    started.elapsed() / n
}

fn sign_huawei() {
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (
            "host".to_owned(),
            "elb.cn-north-4.myhuaweicloud.com".to_owned(),
        ),
        ("x-sdk-date".to_owned(), "20261122T083001Z".to_owned()),
    ];
    let query = vec![("limit".to_owned(), "2000".to_owned())];
    black_box(authorization(
        "QTWAOYTTINDUT2QVKYUC",
        b"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
        &SigningInput {
            method: "GET",
            path: "/v3/99a3fff0d03c428eac3678da6a7d0f24/elb/pools/36ce7086-a496-4666-9064-5ba0e6840c75/members",
            query: &query,
            headers: &headers,
            body: b"",
            sdk_date: "20261122T083001Z",
        },
    ));
}

fn sign_tencent() {
    use lb_backends_tencent::signer::{sign, string_to_sign, SignatureMethod};
    let params = [
        ("Action", "DescribeLoadBalancerBackends"),
        ("Nonce", "24763"),
        ("Region", "gz"),
        ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
        ("SignatureMethod", "HmacSHA256"),
        ("Timestamp", "1507714922"),
        ("limit", "100"),
        ("loadBalancerId", "lb-abcdefgh"),
        ("offset", "0"),
    ];
    let s = string_to_sign("GET", "lb.api.qcloud.com", "/v2/index.php", &params);
    black_box(sign(
        SignatureMethod::HmacSha256,
        b"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        &s,
    ));
}

/// Lines printed as they come.
#[derive(Default)]
struct Report;

impl Report {
    fn line(&mut self, s: impl AsRef<str>) {
        println!("{}", s.as_ref());
        let _ = std::io::stdout().flush();
    }
}

/// `ok` or `NOT MET` for a target.
fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT MET"
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(String::new(), |kb| format!(", {:.0} GiB", kb / 1048576.0));
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cores} cores ({cpu}){mem}, {date}")
}

/// The release binaries next to this one.
struct Bins {
    lbb: PathBuf,
    emulator: PathBuf,
    me: PathBuf,
    target: PathBuf,
}

impl Bins {
    fn find() -> Bins {
        let me = std::env::current_exe().expect("own path");
        // target/release/examples/bench
        let release = me
            .parent()
            .and_then(Path::parent)
            .expect("target/release")
            .to_path_buf();
        let target = release.parent().expect("target").to_path_buf();
        let bins = Bins {
            lbb: release.join("lbb"),
            emulator: release.join("lbb-emulator"),
            me,
            target,
        };
        for b in [&bins.lbb, &bins.emulator] {
            assert!(
                b.exists(),
                "{} is missing: cargo xtask bench builds it (cargo build --release -p lb-backends-cli -p lb-backends-emulator)",
                b.display()
            );
        }
        bins
    }

    fn work(&self) -> PathBuf {
        let d = self.target.join("bench");
        std::fs::create_dir_all(&d).expect("target/bench");
        d
    }
}

/// A running `lbb-emulator`.
struct Emu {
    child: Child,
    url: String,
    started_in: Duration,
}

impl Emu {
    fn spawn(program: &Path, wrapper: &[&str], args: &[&str]) -> Emu {
        let started = Instant::now();
        let mut cmd = if wrapper.is_empty() {
            Command::new(program)
        } else {
            let mut c = Command::new(wrapper[0]);
            c.args(&wrapper[1..]).arg(program);
            c
        };
        let mut child = cmd
            .args(args)
            .args(["--seed", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("lbb-emulator starts");
        let mut url = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        loop {
            line.clear();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("lbb-emulator stopped before it was ready");
            }
            if let Some(u) = line.trim().strip_prefix("lbb-emulator listening on ") {
                url = u.to_string();
            }
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        let started_in = started.elapsed();
        // Keep reading (and dropping) what it prints, so it never blocks on a pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        Emu {
            child,
            url,
            started_in,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops it with SIGINT (so callgrind writes its counts) and waits.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A field of /proc/PID/status, in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU of a process so far.
fn cpu_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3 on.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // utime, stime are fields 14, 15 (indexes 11, 12 here); cutime, cstime 16, 17.
    let ticks = if pid == "self" {
        f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0)
    } else {
        f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)
    };
    Duration::from_secs_f64(ticks as f64 / TICKS)
}

/// What one process run cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall: Duration,
    cpu: Duration,
    peak_kb: u64,
}

/// Runs `cmd` to the end with stdout into `out`: wall time, CPU (exact, from the
/// children's times of this process) and peak RSS (its `VmHWM`, sampled every 2 ms).
fn measure(mut cmd: Command, out: &Path) -> Cost {
    let file = std::fs::File::create(out).expect("output file");
    let before = cpu_of("self");
    let started = Instant::now();
    let mut child = cmd
        .stdout(file)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        peak = peak.max(status_kb(pid, "VmHWM"));
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = started.elapsed();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        panic!("{cmd:?} failed: {status}: {err}");
    }
    Cost {
        wall,
        cpu: cpu_of("self").saturating_sub(before),
        peak_kb: peak,
    }
}

/// The best (least CPU) of `n` runs, with the highest peak RSS seen.
fn best_of(n: usize, mut make: impl FnMut() -> Command, out: &Path) -> Cost {
    let mut best: Option<Cost> = None;
    for _ in 0..n {
        let c = measure(make(), out);
        best = Some(match best {
            None => c,
            Some(b) => Cost {
                wall: b.wall.min(c.wall),
                cpu: b.cpu.min(c.cpu),
                peak_kb: b.peak_kb.max(c.peak_kb),
            },
        });
    }
    best.expect("at least one run")
}

fn lbb(bins: &Bins, url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(&bins.lbb);
    lbb_env(&mut c);
    c.args(["--endpoint", url]).args(args);
    c
}

fn lbb_env(c: &mut Command) {
    for var in [
        "RUST_LOG",
        "LBB_CONFIG",
        "LBB_PROFILE",
        "LBB_OUTPUT",
        "NO_COLOR",
    ] {
        c.env_remove(var);
    }
    c.env("HUAWEICLOUD_SDK_AK", DEFAULT_AK)
        .env("HUAWEICLOUD_SDK_SK", DEFAULT_SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID)
        .env("HOME", "/nonexistent-lbb-bench-home")
        .env("XDG_CONFIG_HOME", "/nonexistent-lbb-bench-home");
}

fn list_args(output: &str) -> Vec<String> {
    vec![
        "list".into(),
        format!("huawei-elb:{POOL}"),
        "-o".into(),
        output.into(),
    ]
}

fn floor_cmd(bins: &Bins, url: &str) -> Command {
    let mut c = Command::new(&bins.me);
    c.args(["floor", url]);
    c
}

fn has_valgrind() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Instructions (callgrind `summary`) of running `cmd` to the end.
fn callgrind(cmd: &Command, work: &Path, tag: &str) -> u64 {
    let out = work.join(format!("callgrind.{tag}.out"));
    let mut c = Command::new("valgrind");
    c.arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let status = c.status().expect("valgrind runs");
    assert!(status.success(), "callgrind {tag}: {status}");
    callgrind_summary(&out)
}

fn callgrind_summary(file: &Path) -> u64 {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("summary:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e6 / n as f64
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn emulator_cost(bins: &Bins, o: &Opts, valgrind: bool, r: &mut Report) {
    r.line("");
    r.line("1. the emulator (lbb-emulator --members N, its own process)");
    let empty = Emu::spawn(&bins.emulator, &[], &["--members", "0"]);
    let base_kb = status_kb(empty.pid(), "VmRSS");
    empty.stop();
    let emu = Emu::spawn(&bins.emulator, &[], &["--members", &o.members.to_string()]);
    let rss = status_kb(emu.pid(), "VmRSS");
    let hwm = status_kb(emu.pid(), "VmHWM");
    let per_member = (rss.saturating_sub(base_kb)) as f64 * 1024.0 / o.members as f64;
    let per_member_peak = (hwm.saturating_sub(base_kb)) as f64 * 1024.0 / o.members as f64;
    r.line(format!(
        "   start with {} members: {:.2?}; RSS {:.1} MiB ({:.1} MiB empty): {per_member:.0} bytes per stored member (peak during start {per_member_peak:.0}); target <= 1024: {}",
        o.members,
        emu.started_in,
        mib(rss),
        mib(base_kb),
        met(per_member <= 1024.0)
    ));
    let pid = emu.pid().to_string();
    let rounds = 3;
    let before = cpu_of(&pid);
    let work = bins.work();
    for _ in 0..rounds {
        measure(floor_cmd(bins, &emu.url), &work.join("floor.ndjson"));
    }
    let served = cpu_of(&pid).saturating_sub(before);
    let us = per(served, rounds * o.members);
    r.line(format!(
        "   CPU per member served: {us:.2} µs ({rounds} listings of {} by the floor client); target <= 2 µs: {}",
        o.members,
        met(us <= 2.0)
    ));
    emu.stop();
    if valgrind {
        let n = CALLGRIND_EMULATOR_MEMBERS;
        let mut counts = Vec::new();
        for list in [false, true] {
            let tag = if list {
                "emulator-list"
            } else {
                "emulator-idle"
            };
            let file = work.join(format!("callgrind.{tag}.out"));
            let arg = format!("--callgrind-out-file={}", file.display());
            let emu = Emu::spawn(
                &bins.emulator,
                &["valgrind", "--tool=callgrind", &arg],
                &["--members", &n.to_string()],
            );
            if list {
                measure(floor_cmd(bins, &emu.url), &work.join("floor.ndjson"));
            }
            emu.stop();
            counts.push(callgrind_summary(&file));
        }
        let per_member = counts[1].saturating_sub(counts[0]) as f64 / n as f64;
        r.line(format!(
            "   instructions per member served (callgrind, {n} members, start subtracted): {per_member:.0}"
        ));
    }
}

/// What the client part measured, for the later comparisons.
struct ClientCost {
    lbb: Cost,
    floor_wall: Duration,
    members: usize,
}

fn client_cost(bins: &Bins, o: &Opts, valgrind: bool, r: &mut Report) -> ClientCost {
    r.line("");
    r.line(format!(
        "2. lbb list against the floor (a plain reqwest loop, typed serde of &str fields, the same ndjson), {} members, best of 3",
        o.members
    ));
    let work = bins.work();
    let emu = Emu::spawn(&bins.emulator, &[], &["--members", &o.members.to_string()]);
    let url = emu.url.clone();
    let floor_out = work.join("floor.ndjson");
    let lbb_out = work.join("lbb.ndjson");
    let floor = best_of(3, || floor_cmd(bins, &url), &floor_out);
    let nd_args = list_args("ndjson");
    let nd: Vec<&str> = nd_args.iter().map(String::as_str).collect();
    let ours = best_of(3, || lbb(bins, &url, &nd), &lbb_out);
    let same = std::fs::read(&floor_out).ok() == std::fs::read(&lbb_out).ok();
    let lines = std::fs::read(&lbb_out).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    assert_eq!(lines, o.members, "lbb listed {lines} members");
    r.line(format!(
        "   floor: wall {:.2?}, CPU {:.2?} ({:.2} µs/member), peak RSS {:.1} MiB",
        floor.wall,
        floor.cpu,
        per(floor.cpu, o.members),
        mib(floor.peak_kb)
    ));
    r.line(format!(
        "   lbb -o ndjson: wall {:.2?}, CPU {:.2?} ({:.2} µs/member), peak RSS {:.1} MiB; output identical to the floor's: {}",
        ours.wall,
        ours.cpu,
        per(ours.cpu, o.members),
        mib(ours.peak_kb),
        if same { "yes" } else { "NO" }
    ));
    let wall_ratio = ours.wall.as_secs_f64() / floor.wall.as_secs_f64();
    r.line(format!(
        "   wall lbb / floor: {wall_ratio:.2} (target <= 1.1: {}); CPU lbb / floor: {:.2}",
        met(wall_ratio <= 1.1),
        ours.cpu.as_secs_f64() / floor.cpu.as_secs_f64().max(1e-9)
    ));
    let mut formats = String::new();
    for fmt in ["json", "csv"] {
        let args = list_args(fmt);
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let c = best_of(3, || lbb(bins, &url, &a), &work.join(format!("lbb.{fmt}")));
        let _ = write!(
            formats,
            "{fmt}: CPU {:.2?} ({:.2}x ndjson), peak RSS {:.1} MiB; ",
            c.cpu,
            c.cpu.as_secs_f64() / ours.cpu.as_secs_f64().max(1e-9),
            mib(c.peak_kb)
        );
    }
    r.line(format!("   lbb -o {}", formats.trim_end_matches("; ")));
    if valgrind {
        let n = o.members;
        let floor_i = callgrind(&floor_cmd(bins, &url), &work, "floor") as f64 / n as f64;
        let mut line = format!("   instructions per member (callgrind): floor {floor_i:.0}");
        let mut nd_i = 0.0;
        for fmt in ["ndjson", "json", "csv"] {
            let args = list_args(fmt);
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let i = callgrind(&lbb(bins, &url, &a), &work, &format!("lbb-{fmt}")) as f64 / n as f64;
            if fmt == "ndjson" {
                nd_i = i;
            }
            let _ = write!(line, "; lbb -o {fmt} {i:.0}");
        }
        r.line(line);
        r.line(format!(
            "   lbb ndjson / floor: {:.2}x; target <= 20000 instructions per member (1.3x the floor): {}",
            nd_i / floor_i,
            met(nd_i <= 20_000.0)
        ));
    }
    let mem_50k = ours.peak_kb;
    emu.stop();
    ClientCost {
        lbb: Cost {
            peak_kb: mem_50k,
            ..ours
        },
        floor_wall: floor.wall,
        members: o.members,
    }
}

const OFFICIAL_SCRIPT: &str = r#"
import json, sys
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkelb.v3 import ElbClient, ListMembersRequest

url, pool, ak, sk, project = sys.argv[1:6]
config = HttpConfig.get_default_config()
config.ignore_ssl_verification = True
builder = ElbClient.new_builder().with_http_config(config) \
    .with_credentials(BasicCredentials(ak, sk, project))
builder = builder.with_endpoints([url]) if hasattr(builder, "with_endpoints") \
    else builder.with_endpoint(url)
client = builder.build()
out = sys.stdout
marker, n = None, 0
while True:
    resp = client.list_members(ListMembersRequest(pool_id=pool, limit=2000, marker=marker))
    members = resp.members or []
    for m in members:
        out.write(json.dumps(m.to_dict(), separators=(",", ":")))
        out.write("\n")
    n += len(members)
    nxt = resp.page_info.next_marker if resp.page_info else None
    if not members or not nxt:
        break
    marker = nxt
print(n, file=sys.stderr)
"#;

fn official(bins: &Bins, o: &Opts, client: &ClientCost, r: &mut Report) {
    r.line("");
    r.line("3. the official Huawei Python SDK (huaweicloudsdkelb), the same listing");
    let work = bins.work();
    let venv = work.join("venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            r.line("   skipped: python3 -m venv failed");
            return;
        }
    }
    let installed = Command::new(&python)
        .args(["-c", "import huaweicloudsdkelb"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        || Command::new(venv.join("bin").join("pip"))
            .args(["install", "-q", "huaweicloudsdkelb"])
            .status()
            .is_ok_and(|s| s.success());
    if !installed {
        r.line("   skipped: pip install huaweicloudsdkelb failed");
        return;
    }
    let version = Command::new(venv.join("bin").join("pip"))
        .args(["show", "huaweicloudsdkelb"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Version: ").map(str::to_string))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let script = work.join("official.py");
    std::fs::write(&script, OFFICIAL_SCRIPT).expect("script");
    let emu = Emu::spawn(&bins.emulator, &[], &["--members", &o.members.to_string()]);
    let url = emu.url.clone();
    let cost = best_of(
        1,
        || {
            let mut c = Command::new(&python);
            c.arg(&script)
                .args([&url, POOL, DEFAULT_AK, DEFAULT_SK, DEFAULT_PROJECT_ID]);
            c
        },
        &work.join("official.ndjson"),
    );
    emu.stop();
    let lines = std::fs::read(work.join("official.ndjson"))
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    let ratio = cost.cpu.as_secs_f64() / client.lbb.cpu.as_secs_f64().max(1e-9);
    r.line(format!(
        "   huaweicloudsdkelb {version}: {lines} members, wall {:.2?}, CPU {:.2?} ({:.1} µs/member), peak RSS {:.1} MiB",
        cost.wall,
        cost.cpu,
        per(cost.cpu, client.members),
        mib(cost.peak_kb)
    ));
    r.line(format!(
        "   CPU official / lbb: {ratio:.1}x (target >= 15x: {}); wall official / lbb: {:.1}x",
        met(ratio >= 15.0),
        cost.wall.as_secs_f64() / client.lbb.wall.as_secs_f64()
    ));
}

fn big(bins: &Bins, o: &Opts, client: &ClientCost, r: &mut Report) {
    r.line("");
    r.line(format!("4. {} members", o.big));
    let emu = Emu::spawn(&bins.emulator, &[], &["--members", &o.big.to_string()]);
    let rss = status_kb(emu.pid(), "VmRSS");
    let hwm = status_kb(emu.pid(), "VmHWM");
    r.line(format!(
        "   lbb-emulator --members {}: started in {:.2?}, RSS {:.1} MiB ({:.0} bytes per member; peak {:.1} MiB)",
        o.big,
        emu.started_in,
        mib(rss),
        rss as f64 * 1024.0 / o.big as f64,
        mib(hwm)
    ));
    let args = list_args("ndjson");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let work = bins.work();
    let cost = measure(lbb(bins, &emu.url, &a), &work.join("lbb.big.ndjson"));
    emu.stop();
    let growth = mib(cost.peak_kb) - mib(client.lbb.peak_kb);
    r.line(format!(
        "   lbb list -o ndjson: wall {:.2?}, CPU {:.2?}, peak RSS {:.1} MiB (target <= 32: {}); {:.1} MiB more than at {} (target <= 8: {})",
        cost.wall,
        cost.cpu,
        mib(cost.peak_kb),
        met(mib(cost.peak_kb) <= 32.0),
        growth,
        client.members,
        met(growth <= 8.0)
    ));
    let _ = std::fs::remove_file(work.join("lbb.big.ndjson"));
}

fn inventory(bins: &Bins, r: &mut Report) {
    r.line("");
    r.line("5. inventory: 1,000 single-page ELB targets under --rate huawei-elb=20");
    let work = bins.work();
    let targets = 1000;
    let mut fixture = String::from(r#"{"huawei":{"elb":{"pools":["#);
    let mut fleet = String::from("[limits]\nconcurrency = 8\n\n");
    for i in 0..targets {
        let id = format!("be0c0000-0000-4000-8000-{i:012}");
        if i > 0 {
            fixture.push(',');
        }
        let _ = write!(
            fixture,
            r#"{{"id":"{id}","cross_vpc":true,"members":[{{"address":"172.16.{}.{}","protocol_port":80}}]}}"#,
            i / 250,
            i % 250 + 2
        );
        let _ = write!(fleet, "[[target]]\ntarget = \"huawei-elb:{id}\"\n\n");
    }
    fixture.push_str("]}}}");
    let fixture_path = work.join("inventory-fixture.json");
    let fleet_path = work.join("inventory.toml");
    std::fs::write(&fixture_path, fixture).expect("fixture");
    std::fs::write(&fleet_path, fleet).expect("fleet");
    let emu = Emu::spawn(
        &bins.emulator,
        &[],
        &["--fixture", fixture_path.to_str().expect("utf-8 path")],
    );
    let mut cmd = lbb(
        bins,
        &emu.url,
        &[
            "inventory",
            fleet_path.to_str().expect("utf-8 path"),
            "--rate",
            "huawei-elb=20",
            "-o",
            "ndjson",
        ],
    );
    // Calls per window come from lbb's own debug log: one timestamped line as each
    // call ends ("call succeeded").
    cmd.env("RUST_LOG", "lb_backends_core=debug");
    let log = work.join("inventory.log");
    let out = work.join("inventory.ndjson");
    let started = Instant::now();
    let status = cmd
        .stdout(std::fs::File::create(&out).expect("out"))
        .stderr(std::fs::File::create(&log).expect("log"))
        .status()
        .expect("lbb runs");
    let wall = started.elapsed();
    emu.stop();
    let listed = std::fs::read(&out).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    let floor = Duration::from_secs(50);
    let ratio = wall.as_secs_f64() / floor.as_secs_f64();
    r.line(format!(
        "   {listed} backends in {wall:.2?} (exit {status}); the least the rate allows: {floor:.0?} (1,000 calls at 20/s); ratio {ratio:.3} (target <= 1.05: {})",
        met(ratio <= 1.05 && status.success())
    ));
    match max_calls_per_second(&log) {
        Some(max) => r.line(format!(
            "   most calls ended in any 1 s window (lbb's debug log of each call): {max} (target <= 20: {})",
            met(max <= 20)
        )),
        None => r.line("   calls per 1 s window: not measured (lbb's log has no call timestamps)"),
    }
}

/// The most calls ended within any 1 s window, from the timestamps of the "call
/// succeeded" lines of a `RUST_LOG=lb_backends_core=debug` log; `None` when none.
fn max_calls_per_second(log: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(log).ok()?;
    let mut times: Vec<f64> = text
        .lines()
        .filter(|l| l.contains("call succeeded"))
        .filter_map(|l| {
            // 2026-12-01T01:02:03.456789Z ...
            let ts = l.split_whitespace().next()?;
            let t = ts.split('T').nth(1)?.trim_end_matches('Z');
            let mut parts = t.split(':');
            let h: f64 = parts.next()?.parse().ok()?;
            let m: f64 = parts.next()?.parse().ok()?;
            let s: f64 = parts.next()?.parse().ok()?;
            Some(h * 3600.0 + m * 60.0 + s)
        })
        .collect();
    if times.is_empty() {
        return None;
    }
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut max = 0;
    let mut j = 0;
    for i in 0..times.len() {
        while times[i] - times[j] >= 1.0 {
            j += 1;
        }
        max = max.max(i - j + 1);
    }
    Some(max)
}

// ---------------------------------------------------------------------------------
// The floor: what a plain client does, written to print exactly what lbb prints.

#[derive(Deserialize)]
struct WirePage<'a> {
    #[serde(borrow, default)]
    members: Vec<WireMember<'a>>,
    #[serde(borrow, default)]
    page_info: Option<WirePageInfo<'a>>,
}

#[derive(Deserialize)]
struct WirePageInfo<'a> {
    #[serde(borrow, default)]
    next_marker: Option<&'a str>,
}

#[derive(Deserialize)]
struct WireMember<'a> {
    #[serde(borrow)]
    id: &'a str,
    #[serde(borrow, default)]
    name: Option<&'a str>,
    #[serde(borrow, default)]
    address: Option<&'a str>,
    #[serde(default)]
    protocol_port: Option<u16>,
    #[serde(default)]
    weight: Option<u8>,
    #[serde(borrow, default)]
    operating_status: Option<&'a str>,
    #[serde(default)]
    admin_state_up: Option<bool>,
    #[serde(borrow, default)]
    instance_id: Option<&'a str>,
    #[serde(borrow, default)]
    created_at: Option<&'a str>,
    #[serde(borrow, default)]
    status: Vec<WireStatus<'a>>,
}

#[derive(Deserialize)]
struct WireStatus<'a> {
    #[serde(borrow)]
    listener_id: &'a str,
    #[serde(borrow, default)]
    operating_status: Option<&'a str>,
}

/// lbb's ndjson record, field for field.
#[derive(Serialize)]
struct OutRecord<'a> {
    provider: &'static str,
    target: &'a str,
    id: &'a str,
    address: Option<&'a str>,
    port: Option<u16>,
    weight: Option<u8>,
    health: Health<'a>,
    listener_health: Vec<OutListener<'a>>,
    admin_state: &'static str,
    instance: Option<OutInstance<'a>>,
    name: Option<&'a str>,
    created_at: Option<&'a str>,
}

#[derive(Serialize)]
struct OutListener<'a> {
    listener_id: &'a str,
    health: Health<'a>,
}

#[derive(Serialize)]
struct OutInstance<'a> {
    id: &'a str,
    name: Option<&'a str>,
    kind: &'static str,
    state: Option<&'a str>,
}

struct Health<'a>(Option<&'a str>);

impl Serialize for Health<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => s.serialize_str("not_reported"),
            Some("ONLINE") => s.serialize_str("healthy"),
            Some("OFFLINE") => s.serialize_str("unhealthy"),
            Some("NO_MONITOR") => s.serialize_str("unmonitored"),
            Some("INITIAL") => s.serialize_str("pending"),
            Some(other) => s.collect_str(&format_args!("unknown:{other}")),
        }
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// Lists the generated pool with reqwest, page after page, printing lbb's ndjson.
fn floor(url: &str, limit: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let base = format!("{url}/v3/{DEFAULT_PROJECT_ID}/elb/pools/{POOL}/members");
        let target = format!("huawei-elb:{POOL}");
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
        let mut marker: Option<String> = None;
        loop {
            let mut req = http
                .get(&base)
                .header("x-auth-token", lb_backends_emulator::DEFAULT_TOKEN)
                .query(&[("limit", limit.to_string())]);
            if let Some(m) = &marker {
                req = req.query(&[("marker", m)]);
            }
            let body = req
                .send()
                .await
                .expect("send")
                .error_for_status()
                .expect("200")
                .bytes()
                .await
                .expect("body");
            let page: WirePage<'_> = serde_json::from_slice(&body).expect("a page");
            for m in &page.members {
                let record = OutRecord {
                    provider: "huawei-elb",
                    target: &target,
                    id: m.id,
                    address: m.address,
                    port: m.protocol_port.filter(|p| *p > 0),
                    weight: m.weight.filter(|w| *w <= 100),
                    health: Health(m.operating_status),
                    listener_health: m
                        .status
                        .iter()
                        .filter(|s| !s.listener_id.is_empty())
                        .map(|s| OutListener {
                            listener_id: s.listener_id,
                            health: Health(s.operating_status),
                        })
                        .collect(),
                    admin_state: match m.admin_state_up {
                        Some(true) => "up",
                        Some(false) => "down",
                        None => "not_reported",
                    },
                    instance: non_empty(m.instance_id).map(|id| OutInstance {
                        id,
                        name: None,
                        kind: "ecs",
                        state: None,
                    }),
                    name: m.name,
                    created_at: non_empty(m.created_at),
                };
                serde_json::to_writer(&mut out, &record).expect("write");
                out.write_all(b"\n").expect("write");
            }
            let next = page
                .page_info
                .and_then(|p| p.next_marker)
                .map(str::to_owned);
            match next {
                Some(n) if !page.members.is_empty() => marker = Some(n),
                _ => break,
            }
        }
        out.flush().expect("flush");
    });
}
