//! `lbb inventory`: 20 targets across the four providers with one broken, the output
//! formats, the summary, the exit code of failures, the rate limit and concurrency.

mod common;

use std::fmt::Write as _;
#[cfg(feature = "tencent-clb")]
use std::time::{Duration, Instant};

use common::Env;
use lb_backends_emulator::Fleet;

/// A fleet file of `targets`, with `extra` TOML before the targets.
#[cfg_attr(not(feature = "tencent-clb"), allow(dead_code))]
fn fleet_file(extra: &str, targets: &[String]) -> String {
    let mut text = extra.to_owned();
    for t in targets {
        let _ = write!(text, "\n[[target]]\ntarget = \"{t}\"\n");
    }
    text
}

#[cfg(all(
    feature = "huawei-elb",
    feature = "huawei-apig",
    feature = "tencent-clb",
    feature = "tencent-bmlb"
))]
mod all_providers {
    use super::*;
    use lb_backends_emulator::fleet::{apig_demo, demo::*};

    const BROKEN: &str = "huawei-elb:5a1e0999-0000-4000-8000-000000000999";

    /// The demo fleet plus generated CLB, BMLB and APIG targets: 19 that exist.
    fn fleet() -> (Fleet, Vec<String>, usize) {
        let mut fleet = Fleet::demo();
        let mut targets: Vec<String> = [POOL_WEB, POOL_UDP, POOL_DUAL, POOL_EMPTY]
            .iter()
            .map(|p| format!("huawei-elb:{p}"))
            .collect();
        let mut expected = 6 + 2 + 2;
        for c in [
            apig_demo::CHANNEL_IP,
            apig_demo::CHANNEL_ECS,
            apig_demo::CHANNEL_EMPTY,
        ] {
            targets.push(format!("huawei-apig:{}/{c}", apig_demo::INSTANCE));
        }
        expected += 3 + 3;
        targets.push(format!("tencent-clb:{TENCENT_CLB}"));
        targets.push(format!("tencent-bmlb:{}", TENCENT_BMLB.join("/")));
        expected += 2 + 2;
        for i in 1..=4 {
            let lb = format!("lb-gen0000{i}");
            fleet.merge(Fleet::generate_clb(&lb, 3 * i, i as u64));
            targets.push(format!("tencent-clb:{lb}"));
            expected += 3 * i;
        }
        for i in 1..=3 {
            let ids = [
                format!("lb-bm00000{i}"),
                format!("lbl-bm0000{i}"),
                format!("dm-bm00000{i}"),
                format!("loc-bm0000{i}"),
            ];
            fleet.merge(Fleet::generate_bmlb(
                &ids[0],
                &ids[1],
                &ids[2],
                &ids[3],
                2 * i,
                i as u64,
            ));
            targets.push(format!("tencent-bmlb:{}", ids.join("/")));
            expected += 2 * i;
        }
        for i in 1..=3 {
            let instance = format!("a{i}000000000040008000000000000000");
            let channel = format!("c{i}000000000040008000000000000000");
            fleet.merge(Fleet::generate_apig_channel(
                &instance,
                &channel,
                5 * i,
                i as u64,
            ));
            targets.push(format!("huawei-apig:{instance}/{channel}"));
            expected += 5 * i;
        }
        assert_eq!(targets.len(), 19);
        (fleet, targets, expected)
    }

    #[test]
    fn twenty_targets_one_broken_in_every_format() {
        let (fleet, mut targets, expected) = fleet();
        let env = Env::start(fleet);
        targets.insert(7, BROKEN.to_owned());
        let file = env
            .write_file("fleet.toml", &fleet_file("", &targets))
            .display()
            .to_string();

        let run = env.lbb(["inventory", &file, "-o", "json"]);
        let run = run.code(4);
        let all = run.json();
        let all = all.as_array().unwrap();
        assert_eq!(all.len(), expected);
        // In file order, every target but the broken one.
        let mut seen: Vec<&str> = all.iter().map(|b| b["target"].as_str().unwrap()).collect();
        seen.dedup();
        let with_backends: Vec<&String> = targets
            .iter()
            .filter(|t| {
                *t != BROKEN && !t.contains(POOL_EMPTY) && !t.contains(apig_demo::CHANNEL_EMPTY)
            })
            .collect();
        assert_eq!(seen, with_backends);
        for provider in ["huawei-elb", "huawei-apig", "tencent-clb", "tencent-bmlb"] {
            assert!(all.iter().any(|b| b["provider"] == provider), "{provider}");
        }

        // One line for the failure, then the summary.
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{}", run.stderr);
        assert!(
            lines[0].starts_with(&format!("lbb: {BROKEN}: not found: ")),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains("code ELB.8904, HTTP 404, request id "),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with(&format!(
                "inventory: 20 targets: 19 ok, 1 failed; {expected} backends; 20 API requests in "
            )),
            "{}",
            lines[1]
        );

        let ndjson = env
            .lbb(["inventory", &file, "-o", "ndjson"])
            .code(4)
            .ndjson();
        assert_eq!(ndjson, *all);

        let csv = env.lbb(["inventory", &file, "-o", "csv"]).code(4);
        assert_eq!(csv.stdout.lines().count(), expected + 1);
        assert!(csv.stdout.starts_with("provider,target,id,"));

        let table = env.lbb(["inventory", &file, "-q"]).code(4);
        let header = table.stdout.lines().next().unwrap();
        assert!(header.starts_with("TARGET  "), "{header}");
        assert_eq!(table.stdout.lines().count(), expected + 1);
        // -q: the failure still, no summary.
        assert_eq!(table.stderr.lines().count(), 1, "{}", table.stderr);
    }

    #[test]
    fn failures_of_different_kinds_exit_1() {
        let (fleet, _, _) = fleet();
        let env = Env::start(fleet);
        // Not found, and a service that refuses connections.
        let text = format!(
            "[[target]]\ntarget = \"{BROKEN}\"\n\
             [[target]]\ntarget = \"tencent-clb:{TENCENT_CLB}\"\n\
             [[target]]\ntarget = \"tencent-clb:{TENCENT_CLB}\"\nendpoint = \"http://127.0.0.1:1\"\n"
        );
        let file = env.write_file("fleet.toml", &text).display().to_string();
        let run = env.lbb(["inventory", &file, "-o", "ndjson"]);
        let run = run.code(1);
        assert_eq!(run.ndjson().len(), 2, "the good target is still listed");
        assert!(run.stderr.contains(": not found: "), "{}", run.stderr);
        assert!(run.stderr.contains(": transport: "), "{}", run.stderr);
        assert!(
            run.stderr.contains("3 targets: 1 ok, 2 failed"),
            "{}",
            run.stderr
        );
    }
}

#[cfg(feature = "tencent-clb")]
#[test]
fn the_rate_limit_spaces_every_call_of_a_provider() {
    let mut fleet = Fleet::generate_clb("lb-many0001", 250, 1);
    for i in 2..=4 {
        fleet.merge(Fleet::generate_clb(format!("lb-many000{i}"), 2, i));
    }
    let env = Env::start(fleet);
    let targets: Vec<String> = (1..=4)
        .map(|i| format!("tencent-clb:lb-many000{i}"))
        .collect();
    // 3 pages for the first target, 1 for each other: 6 calls at 5 a second.
    let file = env
        .write_file(
            "fleet.toml",
            &fleet_file(
                "[limits]\nconcurrency = 4\n[limits.rate]\ntencent-clb = 5\n",
                &targets,
            ),
        )
        .display()
        .to_string();
    let started = Instant::now();
    let run = env.lbb(["inventory", &file, "-o", "ndjson"]).ok();
    let took = started.elapsed();
    assert_eq!(run.ndjson().len(), 256);
    assert!(
        run.stderr.contains("256 backends; 6 API requests"),
        "{}",
        run.stderr
    );
    // Slots 1.04 s / 5 = 0.208 s apart: the sixth request at 1.04 s at the earliest.
    assert!(
        took >= Duration::from_millis(1040),
        "6 calls at 5/s took {took:?}"
    );
    assert_eq!(env.emu.request_count(), 6);

    // --rate wins over the file; 0 is no limit.
    env.lbb(["inventory", &file, "--rate", "tencent-clb=0", "-q"])
        .ok();
}

#[cfg(feature = "tencent-clb")]
#[test]
fn concurrency_bounds_the_targets_in_flight() {
    use lb_backends_emulator::Faults;
    let mut fleet = Fleet::new();
    for i in 1..=6 {
        fleet.merge(Fleet::generate_clb(format!("lb-conc000{i}"), 1, i));
    }
    let env = Env::start(fleet);
    env.emu.set_faults(Faults {
        latency: Duration::from_millis(200),
        ..Faults::none()
    });
    let targets: Vec<String> = (1..=6)
        .map(|i| format!("tencent-clb:lb-conc000{i}"))
        .collect();
    let file = env
        .write_file(
            "fleet.toml",
            &fleet_file("[limits.rate]\ntencent-clb = 0\n", &targets),
        )
        .display()
        .to_string();
    // The emulator's high-water mark of requests in flight shows the bound; the
    // latency only makes overlap possible, nothing is timed.
    let in_flight = |concurrency: &str| {
        env.emu.reset_request_count();
        env.lbb(["inventory", &file, "--concurrency", concurrency, "-q"])
            .ok();
        env.emu.max_in_flight()
    };
    assert_eq!(in_flight("1"), 1, "one target at a time");
    let at_six = in_flight("6");
    assert!(
        (2..=6).contains(&at_six),
        "six targets may overlap, never more: {at_six}"
    );
    assert_eq!(in_flight("2"), 2, "at most two at a time");
}

#[test]
fn a_bad_fleet_file_is_exit_2_and_sends_nothing() {
    let env = Env::start(Fleet::new());
    for (text, why) in [
        ("", "no [[target]]"),
        ("[[target]]\ntarget = \"huawei-elb:../x\"\n", "target 1"),
        (
            "[[target]]\ntarget = \"tencent-clb:lb-1\"\nregoin = \"gz\"\n",
            "regoin",
        ),
        (
            "[limits]\nconcurrency = 0\n[[target]]\ntarget = \"tencent-clb:lb-1\"\n",
            "concurrency",
        ),
    ] {
        let file = env.write_file("fleet.toml", text).display().to_string();
        let run = env.lbb(["inventory", &file]).code(2);
        assert!(run.error_line().contains(why), "{text}: {}", run.stderr);
    }
    let run = env.lbb(["inventory", "/nonexistent/fleet.toml"]).code(2);
    assert!(run.error_line().contains("cannot read fleet file"));
    env.lbb(["inventory", "x.toml", "--rate", "aws=1"]).code(2);
    assert_eq!(env.emu.request_count(), 0);
}

/// Issue 9, part 1: inventory prints each target's backends as they arrive, in
/// file order; a target that fails after some backends leaves them printed, unless
/// `--atomic`, which prints a target only once its listing ended well.
#[cfg(all(feature = "huawei-apig", feature = "huawei-elb"))]
#[test]
fn a_target_failing_half_way_keeps_its_rows_unless_atomic() {
    use lb_backends_emulator::fleet::{apig_demo, demo::*};
    let env = Env::demo();
    let lying = format!(
        "huawei-apig:{}/{}",
        apig_demo::INSTANCE,
        apig_demo::CHANNEL_IP
    );
    let targets = [format!("huawei-elb:{POOL_WEB}"), lying.clone()];
    let file = env.write_file("fleet.toml", &fleet_file("", &targets));
    let file = file.to_str().unwrap();
    let whole = env.lbb(["inventory", file, "-o", "ndjson"]).ok().ndjson();
    let rows_of =
        |rows: &[serde_json::Value], t: &str| rows.iter().filter(|r| r["target"] == t).count();
    let lying_rows = rows_of(&whole, &lying);
    assert!(lying_rows > 0);
    assert_eq!(whole[0]["target"], targets[0], "file order");

    assert!(env
        .emu
        .set_apig_total_skew(apig_demo::INSTANCE, apig_demo::CHANNEL_IP, 3));
    let streamed = env.lbb(["inventory", file, "-o", "ndjson"]).code(1);
    assert!(
        streamed
            .stderr
            .contains(&format!("lbb: {lying}: incomplete: ")),
        "{streamed:?}"
    );
    assert_eq!(streamed.ndjson(), whole, "what was read is printed");

    let atomic = env
        .lbb(["inventory", file, "-o", "ndjson", "--atomic"])
        .code(1);
    let rows = atomic.ndjson();
    assert_eq!(
        rows_of(&rows, &lying),
        0,
        "the failed target prints nothing"
    );
    assert_eq!(rows_of(&rows, &targets[0]), whole.len() - lying_rows);
}
