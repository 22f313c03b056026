//! `lbb` against the emulator's Huawei APIG: list in every format, get,
//! `get --instance`, the add / set / remove cycle, and the APIG error codes.
#![cfg(feature = "huawei-apig")]

mod common;

use common::Env;
use lb_backends_emulator::fleet::apig_demo::*;

fn channel(id: &str) -> String {
    format!("huawei-apig:{INSTANCE}/{id}")
}

#[test]
fn list_in_every_format_and_get() {
    let env = Env::demo();
    let ip = channel(CHANNEL_IP);

    let table = env.lbb(["list", &ip]).ok();
    assert_eq!(table.stdout.lines().count(), 4, "{}", table.stdout);
    assert!(table.stdout.contains("192.168.1.124"));

    let json = env.lbb(["list", &ip, "-o", "json"]).ok().json();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 3);
    let first = all.iter().find(|b| b["id"] == MEMBER_IP_1).unwrap();
    assert_eq!(first["provider"], "huawei-apig");
    assert_eq!(first["target"], ip.as_str());
    assert_eq!(first["address"], "192.168.0.5");
    assert_eq!(first["weight"], 1);
    let backup = all.iter().find(|b| b["id"] == MEMBER_IP_BACKUP).unwrap();
    assert_eq!(backup["health"], "unhealthy");
    assert_eq!(backup["admin_state"], "down");

    assert_eq!(env.lbb(["list", &ip, "-o", "ndjson"]).ok().ndjson(), *all);
    let csv = env.lbb(["list", &ip, "-o", "csv"]).ok();
    assert_eq!(csv.stdout.lines().count(), 4);

    let ecs = channel(CHANNEL_ECS);
    let one = env
        .lbb(["get", &ecs, MEMBER_ECS_WEB_1, "--instance", "-o", "json"])
        .ok()
        .json();
    assert_eq!(one["id"], MEMBER_ECS_WEB_1);
    assert_eq!(one["instance"]["id"], ECS_WEB_1);
    assert_eq!(one["instance"]["name"], "web-01");
    assert_eq!(one["instance_lookup"]["result"], "found");

    let ip_member = env
        .lbb(["get", &ip, MEMBER_IP_2, "--instance", "-o", "json"])
        .ok()
        .json();
    assert_eq!(ip_member["instance_lookup"]["result"], "not_bound");
}

#[test]
fn a_missing_channel_is_exit_4_with_the_apig_code() {
    let env = Env::demo();
    let run = env
        .lbb(["list", &channel("7c3a0000000040008000000000009999")])
        .code(4);
    let line = run.error_line();
    assert!(line.starts_with("lbb: not found: "), "{line}");
    assert!(line.contains("code APIG.3023, HTTP 404"), "{line}");
}

#[test]
fn add_set_remove_cycle() {
    let env = Env::demo();
    let target = channel(CHANNEL_EMPTY);
    let added = env
        .lbb([
            "add",
            &target,
            "--address",
            "10.9.9.9",
            "--port",
            "8080",
            "--weight",
            "3",
            "-o",
            "json",
        ])
        .ok()
        .json();
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(added["address"], "10.9.9.9");
    assert_eq!(added["weight"], 3);
    let members = env.emu.apig_members(INSTANCE, CHANNEL_EMPTY).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].host.as_deref(), Some("10.9.9.9"));

    let set = env
        .lbb(["set", &target, &id, "--weight", "9", "-o", "json"])
        .ok()
        .json();
    assert_eq!(set["weight"], 9);
    assert_eq!(
        env.emu.apig_members(INSTANCE, CHANNEL_EMPTY).unwrap()[0].weight,
        9
    );

    env.lbb(["remove", &target, &id]).ok();
    assert!(env
        .emu
        .apig_members(INSTANCE, CHANNEL_EMPTY)
        .unwrap()
        .is_empty());
    env.lbb(["get", &target, &id]).code(4);
}

/// Issue 8, defect 6: a dry run refuses what `add` refuses, before anything is sent.
#[test]
fn add_dry_run_refuses_what_add_refuses() {
    let env = Env::demo();
    let target = channel(CHANNEL_EMPTY);
    env.emu.reset_request_count();
    for bad in [
        vec!["--name", "web-1"],
        vec!["--subnet", "c09f620e-0000-4000-8000-000000000001"],
    ] {
        for dry in [true, false] {
            let mut args = vec!["add", &target, "--address", "10.9.9.9", "--port", "8080"];
            args.extend(bad.iter().copied());
            if dry {
                args.push("--dry-run");
            }
            let run = env.lbb(&args).code(2);
            assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
            assert!(
                run.error_line().starts_with("lbb: invalid input: "),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
    assert_eq!(env.emu.request_count(), 0);
}

/// Issue 9, part 1: a listing is printed as it arrives; when it fails at the end,
/// what was printed stays and the exit code says it failed. `--atomic` prints
/// nothing but the error.
#[test]
fn a_failed_listing_keeps_what_was_printed_unless_atomic() {
    let env = Env::demo();
    let target = channel(CHANNEL_IP);
    let whole = env.lbb(["list", &target, "-o", "ndjson"]).ok().ndjson();
    assert!(!whole.is_empty());
    // The channel now says it has 5 more members than it serves.
    assert!(env.emu.set_apig_total_skew(INSTANCE, CHANNEL_IP, 5));
    for format in ["ndjson", "table", "csv", "json"] {
        let run = env.lbb(["list", &target, "-o", format]).code(1);
        assert!(run.error_line().starts_with("lbb: incomplete: "), "{run:?}");
        assert!(!run.stdout.is_empty(), "{format}: nothing printed");
        if format == "ndjson" {
            assert_eq!(run.ndjson(), whole, "every member read was printed");
        }
        if format == "json" {
            assert!(
                serde_json::from_str::<serde_json::Value>(&run.stdout).is_err(),
                "a cut JSON array is left open: {}",
                run.stdout
            );
        }
        let atomic = env.lbb(["list", &target, "-o", format, "--atomic"]).code(1);
        assert!(
            atomic.stdout.is_empty(),
            "{format} --atomic: {}",
            atomic.stdout
        );
        assert!(atomic.error_line().starts_with("lbb: incomplete: "));
    }
    assert!(env.emu.set_apig_total_skew(INSTANCE, CHANNEL_IP, 0));
    let atomic = env.lbb(["list", &target, "-o", "ndjson", "--atomic"]).ok();
    assert_eq!(atomic.ndjson(), whole);
}

/// A backup member in a member group, from the command line and from a file; a bad
/// group name, and `--backup` or `--group` on a target without them, are refused
/// before anything is sent.
#[test]
fn add_a_backup_member_to_a_member_group() {
    let env = Env::demo();
    let target = channel(CHANNEL_EMPTY);
    env.lbb([
        "add",
        &target,
        "--address",
        "10.9.9.9",
        "--port",
        "8080",
        "--backup",
        "--group",
        "blue",
    ])
    .ok();
    let file = env.write_file(
        "members.jsonl",
        r#"{"address": "10.9.9.10", "port": 8080, "group": "green", "backup": false}
"#,
    );
    env.lbb(["add", &target, "--from", file.to_str().unwrap()])
        .ok();
    let members = env.emu.apig_members(INSTANCE, CHANNEL_EMPTY).unwrap();
    assert_eq!(members.len(), 2);
    let at = |host: &str| {
        members
            .iter()
            .find(|m| m.host.as_deref() == Some(host))
            .unwrap()
    };
    assert!(at("10.9.9.9").is_backup);
    assert_eq!(at("10.9.9.9").member_group_name.as_deref(), Some("blue"));
    assert!(!at("10.9.9.10").is_backup);
    assert_eq!(at("10.9.9.10").member_group_name.as_deref(), Some("green"));

    env.emu.reset_request_count();
    let bad_name = env
        .lbb([
            "add",
            &target,
            "--address",
            "10.9.9.11",
            "--port",
            "8080",
            "--group",
            "no spaces",
        ])
        .code(2);
    assert!(
        bad_name.error_line().contains("member group name"),
        "{}",
        bad_name.stderr
    );
    #[cfg(feature = "huawei-elb")]
    {
        use lb_backends_emulator::fleet::demo::{POOL_EMPTY, SUBNET_A1};
        let pool = format!("huawei-elb:{POOL_EMPTY}");
        for flag in [["--backup", ""], ["--group", "blue"]] {
            let mut args = vec![
                "add",
                &pool,
                "--address",
                "10.0.1.50",
                "--port",
                "443",
                "--subnet",
                SUBNET_A1,
            ];
            args.extend(flag.iter().copied().filter(|a| !a.is_empty()));
            let run = env.lbb(&args).code(2);
            assert!(
                run.error_line().contains("huawei-elb has no"),
                "{}",
                run.stderr
            );
        }
    }
    assert_eq!(env.emu.request_count(), 0, "nothing was sent");
}
