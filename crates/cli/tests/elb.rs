//! `lbb` against the emulator's Huawei ELB: list in every format, get, `get --instance`
//! for every "which ECS" case, the add / set / remove cycle, and `add --dry-run`.
#![cfg(feature = "huawei-elb")]

mod common;

use common::Env;
use lb_backends_emulator::fleet::demo::*;
use serde_json::Value;

fn pool(id: &str) -> String {
    format!("huawei-elb:{id}")
}

/// The documented JSON fields of a backend, in order.
const FIELDS: &[&str] = &[
    "provider",
    "target",
    "id",
    "address",
    "port",
    "weight",
    "health",
    "listener_health",
    "admin_state",
    "instance",
    "name",
    "created_at",
];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn list_in_every_format() {
    let env = Env::demo();
    let target = pool(POOL_WEB);

    let table = env.lbb(["list", &target]).ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{}", table.stdout);
    assert!(lines[0].starts_with("ID "), "{}", lines[0]);
    for col in [
        "ADDRESS", "PORT", "WEIGHT", "HEALTH", "ADMIN", "INSTANCE", "NAME",
    ] {
        assert!(lines[0].contains(col), "{}", lines[0]);
    }
    assert!(lines[1].contains(MEMBER_WITH_INSTANCE) && lines[1].contains("web-01"));
    assert!(table.stdout.contains("unhealthy") && table.stdout.contains("down"));
    // Not a terminal: whole cells, no colour.
    assert!(table.stdout.contains(ECS_1));
    assert!(!table.stdout.contains('\u{1b}'));
    assert!(table.stderr.is_empty(), "{}", table.stderr);

    let json = env.lbb(["list", &target, "--output", "json"]).ok().json();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 6);
    let first = &all[0];
    let mut expected = FIELDS.to_vec();
    expected.sort_unstable();
    let mut got = keys(first);
    got.sort_unstable();
    assert_eq!(got, expected, "no raw without --raw");
    assert_eq!(first["provider"], "huawei-elb");
    assert_eq!(first["target"], target.as_str());
    assert_eq!(first["id"], MEMBER_WITH_INSTANCE);
    assert_eq!(first["address"], "10.0.1.10");
    assert_eq!(first["port"], 80);
    assert_eq!(first["weight"], 10);
    assert_eq!(first["health"], "healthy");
    assert_eq!(first["admin_state"], "up");
    assert_eq!(first["instance"]["id"], ECS_1);
    assert_eq!(first["instance"]["kind"], "ecs");
    assert_eq!(first["listener_health"][0]["listener_id"], LISTENER_WEB);
    assert_eq!(first["name"], "web-01");
    let no_port = all.iter().find(|b| b["id"] == MEMBER_NO_PORT).unwrap();
    assert_eq!(no_port["health"], "unhealthy");
    assert_eq!(no_port["admin_state"], "down");
    let cross = all.iter().find(|b| b["id"] == MEMBER_CROSS_VPC).unwrap();
    assert_eq!(cross["instance"], Value::Null);

    let ndjson = env.lbb(["list", &target, "-o", "ndjson"]).ok().ndjson();
    assert_eq!(ndjson, *all, "ndjson holds the same objects as json");

    let csv = env.lbb(["list", &target, "-o", "csv"]).ok();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(
        lines[0],
        "provider,target,id,address,port,weight,health,admin_state,instance_id,\
         instance_name,instance_kind,instance_state,name,created_at"
    );
    assert!(lines[1].starts_with(&format!("huawei-elb,{target},{MEMBER_WITH_INSTANCE},10.0.1.10,80,10,healthy,up,{ECS_1},,ecs,,web-01,")));

    let raw = env
        .lbb(["list", &target, "-o", "json", "--raw"])
        .ok()
        .json();
    assert_eq!(raw[0]["raw"]["id"], MEMBER_WITH_INSTANCE);
    assert_eq!(raw[0]["raw"]["protocol_port"], 80);

    // An empty pool: a header-only table is no table at all; JSON is [].
    let empty = env.lbb(["list", &pool(POOL_EMPTY)]).ok();
    assert_eq!(empty.stdout, "");
    assert_eq!(
        env.lbb(["list", &pool(POOL_EMPTY), "-o", "json"])
            .ok()
            .json(),
        Value::Array(vec![])
    );
    let csv = env.lbb(["list", &pool(POOL_EMPTY), "-o", "csv"]).ok();
    assert_eq!(csv.stdout.lines().count(), 1, "the header only");
}

#[test]
fn get_one_backend() {
    let env = Env::demo();
    let target = pool(POOL_WEB);
    let json = env
        .lbb(["get", &target, MEMBER_WITH_INSTANCE, "-o", "json"])
        .ok()
        .json();
    assert_eq!(json["id"], MEMBER_WITH_INSTANCE);
    assert_eq!(json["instance"]["id"], ECS_1);
    assert!(json.get("instance_lookup").is_none());

    let table = env.lbb(["get", &target, MEMBER_DRAINING]).ok();
    for line in [
        &format!("id:          {MEMBER_DRAINING}") as &str,
        "weight:      0",
        "name:        web-05-draining",
        "address:     10.0.2.20",
    ] {
        assert!(table.stdout.contains(line), "{line:?} in\n{}", table.stdout);
    }
    assert!(
        table
            .stdout
            .contains(&format!("  listener:  {LISTENER_WEB} unhealthy")),
        "{}",
        table.stdout
    );

    let missing = env
        .lbb(["get", &target, "3e3b0999-0000-4000-8000-000000000999"])
        .code(4);
    assert!(
        missing.error_line().starts_with("lbb: not found: "),
        "{}",
        missing.stderr
    );
    assert!(
        missing.error_line().contains("code ELB.8904"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.error_line().contains("request id "),
        "{}",
        missing.stderr
    );
    assert_eq!(missing.stdout, "");
}

#[test]
fn get_instance_covers_every_ecs_case() {
    let env = Env::demo();
    let target = pool(POOL_WEB);
    let lookup = |member: &str| {
        env.lbb(["get", &target, member, "--instance", "-o", "json"])
            .ok()
            .json()
    };

    let known = lookup(MEMBER_WITH_INSTANCE);
    assert_eq!(known["instance_lookup"]["result"], "found");
    assert_eq!(known["instance_lookup"]["instance"]["id"], ECS_1);

    // No instance_id on the member: found through its VPC port on its own subnet,
    // not the same address in the other VPC.
    let by_port = lookup(MEMBER_PORT_MATCH);
    assert_eq!(by_port["instance_lookup"]["result"], "found");
    assert_eq!(by_port["instance_lookup"]["instance"]["id"], ECS_2);
    assert_eq!(
        by_port["instance"]["id"], ECS_2,
        "the found instance fills `instance`"
    );

    let ambiguous = lookup(MEMBER_AMBIGUOUS);
    assert_eq!(ambiguous["instance_lookup"]["result"], "ambiguous");
    let mut candidates: Vec<&str> = ambiguous["instance_lookup"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    candidates.sort_unstable();
    assert_eq!(candidates, [ECS_3, ECS_4]);

    assert_eq!(
        lookup(MEMBER_CROSS_VPC)["instance_lookup"]["result"],
        "not_bound"
    );
    assert_eq!(
        lookup(MEMBER_NO_PORT)["instance_lookup"]["result"],
        "no_match"
    );

    let table = env
        .lbb(["get", &target, MEMBER_PORT_MATCH, "--instance"])
        .ok();
    assert!(
        table
            .stdout
            .contains(&format!("instance lookup: found {ECS_2} (ecs")),
        "{}",
        table.stdout
    );
    let csv = env
        .lbb(["get", &target, MEMBER_AMBIGUOUS, "--instance", "-o", "csv"])
        .ok();
    assert!(csv
        .stdout
        .lines()
        .next()
        .unwrap()
        .ends_with(",instance_lookup"));
    assert!(csv.stdout.lines().nth(1).unwrap().ends_with(",ambiguous"));
}

#[test]
fn add_set_remove_cycle() {
    let env = Env::demo();
    let target = pool(POOL_EMPTY);
    let added = env
        .lbb([
            "add",
            &target,
            "--address",
            "10.0.1.50",
            "--port",
            "443",
            "--weight",
            "5",
            "--subnet",
            SUBNET_A1,
            "--name",
            "web-new",
            "-o",
            "json",
        ])
        .ok()
        .json();
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(added["address"], "10.0.1.50");
    assert_eq!(added["port"], 443);
    assert_eq!(added["weight"], 5);
    assert_eq!(added["name"], "web-new");
    let members = env.emu.huawei_members(POOL_EMPTY).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].id, id);

    let listed = env.lbb(["list", &target, "-o", "json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let set = env
        .lbb([
            "set",
            &target,
            &id,
            "--weight",
            "42",
            "--name",
            "web-renamed",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(set["weight"], 42);
    assert_eq!(set["name"], "web-renamed");
    // ELB's admin state is read-only (issue 11): refused before sending.
    env.emu.reset_request_count();
    let refused = env
        .lbb(["set", &target, &id, "--admin-up", "false"])
        .code(2);
    assert!(refused.error_line().contains("weight to 0"), "{refused:?}");
    assert_eq!(env.emu.request_count(), 0);
    let member = &env.emu.huawei_members(POOL_EMPTY).unwrap()[0];
    assert_eq!(member.weight, 42);
    assert_eq!(member.name, "web-renamed");

    let got = env.lbb(["get", &target, &id, "-o", "json"]).ok().json();
    assert_eq!(got["weight"], 42);

    let removed = env.lbb(["remove", &target, &id]).ok();
    assert_eq!(removed.stdout.trim(), format!("removed {id} from {target}"));
    assert!(env.emu.huawei_members(POOL_EMPTY).unwrap().is_empty());
    env.lbb(["get", &target, &id]).code(4);
    let again = env.lbb(["rm", &target, &id, "-o", "json"]).code(4);
    assert_eq!(again.stdout, "");
}

#[test]
fn add_refuses_bad_input_before_sending_anything() {
    let env = Env::demo();
    let target = pool(POOL_EMPTY);
    env.emu.reset_request_count();
    for bad in [
        vec!["--address", "10.0.1.50", "--port", "0"],
        vec!["--address", "10.0.1.50", "--port", "443", "--weight", "101"],
        vec!["--address", "not-an-ip", "--port", "443"],
        vec![
            "--address",
            "10.0.1.50",
            "--port",
            "443",
            "--subnet",
            "../x",
        ],
    ] {
        let mut args = vec!["add", target.as_str()];
        args.extend(bad);
        env.lbb(&args).code(2);
    }
    env.lbb(["set", &target, MEMBER_WITH_INSTANCE]).code(2);
    assert_eq!(env.emu.request_count(), 0);
}

#[test]
fn add_dry_run_validates_and_sends_nothing() {
    let env = Env::demo();
    let target = pool(POOL_EMPTY);
    env.emu.reset_request_count();
    let plan = env
        .lbb([
            "add",
            &target,
            "--address",
            "10.0.1.50",
            "--port",
            "443",
            "--weight",
            "5",
            "--subnet",
            SUBNET_A1,
            "--dry-run",
            "-o",
            "json",
        ])
        .ok();
    let json = plan.json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["address"], "10.0.1.50");
    assert_eq!(json["port"], 443);
    assert_eq!(json["weight"], 5);
    assert_eq!(json["subnet_id"], SUBNET_A1);
    assert!(plan.stderr.contains("nothing was sent"));
    let text = env
        .lbb([
            "add",
            &target,
            "--address",
            "10.0.1.50",
            "--port",
            "443",
            "--dry-run",
        ])
        .ok();
    assert_eq!(
        text.stdout.trim(),
        format!("would add 10.0.1.50:443 to {target}")
    );
    assert_eq!(env.emu.request_count(), 0);
    assert!(env.emu.huawei_members(POOL_EMPTY).unwrap().is_empty());
}

/// Issue 8, defect 6: a dry run refuses what `add` refuses, before anything is sent.
#[test]
fn add_dry_run_refuses_what_add_refuses() {
    let env = Env::demo();
    let target = pool(POOL_EMPTY);
    env.emu.reset_request_count();
    let subnet_37 = "a".repeat(37);
    for bad in [
        // IPv6 without a subnet is a cross-VPC member, which must be IPv4.
        vec!["--address", "2001:db8::5", "--port", "443"],
        // ELB subnet ids are at most 36 characters.
        vec![
            "--address",
            "10.0.1.50",
            "--port",
            "443",
            "--subnet",
            &subnet_37,
        ],
    ] {
        for dry in [true, false] {
            let mut args = vec!["add", &target];
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

/// An idempotent `add` looks for the backend with ELB's own filters: one short page,
/// however large the pool (a pool of 10,000 takes 5 full pages to list).
#[test]
fn add_looks_for_an_existing_member_with_one_filtered_page() {
    let pool_id = "5a1e5000-0000-4000-8000-00000000add1";
    let env = Env::start(lb_backends_emulator::Fleet::generate_elb_pool(
        pool_id, 10_000, 7,
    ));
    let target = pool(pool_id);
    let listed = env.lbb(["list", &target, "-o", "ndjson"]).ok().ndjson();
    let last = listed.last().unwrap();
    let (address, port) = (
        last["address"].as_str().unwrap().to_owned(),
        last["port"].as_u64().unwrap().to_string(),
    );
    let subnet = last["raw"]["subnet_cidr_id"].as_str().map(str::to_owned);
    env.emu.reset_request_count();
    let mut args = vec![
        "add",
        &target,
        "--address",
        &address,
        "--port",
        &port,
        "-o",
        "json",
    ];
    if let Some(subnet) = &subnet {
        args.extend(["--subnet", subnet.as_str()]);
    }
    let again = env.lbb(&args).ok().json();
    assert_eq!(again["exists"], true);
    assert_eq!(again["id"], last["id"]);
    assert_eq!(
        env.emu.request_count(),
        1,
        "one filtered page, nothing written"
    );
}
