//! `--wait`, `lbb wait`, drain and undrain, idempotent add and remove.

use std::time::Duration;

use lb_backends_emulator::{fleet::demo::*, Fleet};

use crate::common::Env;

fn pool(id: &str) -> String {
    format!("huawei-elb:{id}")
}

const D4: &str = "3e3b0021-0000-4000-8000-000000000021";
const D6: &str = "3e3b0022-0000-4000-8000-000000000022";

fn add_args<'a>(target: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "add",
        target,
        "--address",
        "10.0.1.50",
        "--port",
        "8081",
        "--subnet",
        SUBNET_A1,
        "-o",
        "json",
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn add_wait_returns_once_the_member_left_initial() {
    let env = Env::with_health_delay(Fleet::demo(), Duration::from_millis(600)).on_tencent_api3();
    let target = pool(POOL_WEB);
    let run = env
        .lbb(add_args(
            &target,
            &["--wait", "--interval", "100ms", "--wait-timeout", "30s"],
        ))
        .ok();
    let added = run.json();
    assert_eq!(added["health"], "healthy", "{run:#?}");
    assert_eq!(added["listener_health"][0]["health"], "healthy");
    // The create, then polls (GET of the member) until ONLINE.
    let gets = env
        .emu
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains(added["id"].as_str().unwrap()))
        .count();
    assert!(gets >= 2, "{gets} polls");
}

#[test]
fn a_waiter_timeout_has_its_own_exit_code_and_prints_the_last_state() {
    let env = Env::with_health_delay(Fleet::demo(), Duration::from_secs(600)).on_tencent_api3();
    let target = pool(POOL_WEB);
    let run = env
        .lbb(add_args(
            &target,
            &["--wait", "--interval", "100ms", "--wait-timeout", "500ms"],
        ))
        .code(6);
    assert_eq!(run.json()["health"], "pending");
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(run.stderr.contains("pending"), "{}", run.stderr);

    let id = run.json()["id"].as_str().unwrap().to_owned();
    let run = env
        .lbb([
            "wait",
            &target,
            &id,
            "10.0.1.10:80",
            "--for",
            "healthy",
            "--interval",
            "100ms",
            "--wait-timeout",
            "300ms",
            "-o",
            "json",
        ])
        .code(6);
    let states = run.json();
    assert_eq!(states[0]["state"], "pending");
    assert_eq!(states[0]["done"], false);
    assert_eq!(states[1]["state"], "healthy");
    assert_eq!(states[1]["done"], true);

    // On `lbb wait`, `--timeout` is the wait's timeout (the spelling), not one
    // request's: it times out the same way.
    let run = env
        .lbb([
            "wait",
            &target,
            &id,
            "--for",
            "healthy",
            "--interval",
            "100ms",
            "--timeout",
            "300ms",
            "-o",
            "json",
        ])
        .code(6);
    assert_eq!(run.json()[0]["state"], "pending");
}

#[test]
fn wait_for_healthy_on_an_empty_selection_is_exit_2() {
    let env = Env::demo().on_tencent_api3();
    let run = env
        .lbb(["wait", &pool(POOL_WEB), "--for", "healthy"])
        .code(2);
    assert!(run.stderr.contains("select at least one"), "{}", run.stderr);
    assert!(env.emu.requests().is_empty());
}

#[test]
fn wait_for_present_and_absent() {
    let env = Env::demo().on_tencent_api3();
    let target = pool(POOL_WEB);
    env.lbb([
        "wait",
        &target,
        MEMBER_WITH_INSTANCE,
        "--for",
        "present",
        "--interval",
        "100ms",
    ])
    .ok();
    env.lbb([
        "wait",
        &target,
        "10.9.9.9:80",
        "--for",
        "absent",
        "--interval",
        "100ms",
    ])
    .ok();
    env.lbb([
        "remove",
        &target,
        MEMBER_AMBIGUOUS,
        "--wait",
        "--interval",
        "100ms",
    ])
    .ok();
    assert!(env
        .emu
        .huawei_members(POOL_WEB)
        .unwrap()
        .iter()
        .all(|m| m.id != MEMBER_AMBIGUOUS));
}

#[test]
fn drain_refuses_the_last_healthy_backend_before_any_write() {
    let env = Env::demo().on_tencent_api3();
    assert!(env.emu.set_huawei_member_status(POOL_DUAL, D6, "OFFLINE"));
    let target = pool(POOL_DUAL);
    let run = env.lbb(["drain", &target, D4, "--grace", "1s"]).code(7);
    assert!(run.stderr.contains("Baragon"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no healthy backend of weight > 0"),
        "{}",
        run.stderr
    );
    assert!(env.huawei_writes().is_empty(), "{:?}", env.huawei_writes());
    assert_eq!(env.emu.huawei_members(POOL_DUAL).unwrap()[0].weight, 1);
}

#[test]
fn drain_sets_weight_zero_waits_removes_and_undrain_restores() {
    let env = Env::demo().on_tencent_api3();
    let target = pool(POOL_WEB);
    // --dry-run prints the steps and sends nothing.
    let dry = env
        .lbb([
            "drain",
            &target,
            MEMBER_WITH_INSTANCE,
            "--grace",
            "1s",
            "--dry-run",
        ])
        .ok();
    assert!(
        dry.stdout.contains("1. set the weight of"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("2. wait 1s"), "{}", dry.stdout);
    assert!(dry.stdout.contains("3. remove"), "{}", dry.stdout);
    assert!(env.huawei_writes().is_empty());

    let run = env
        .lbb([
            "drain",
            &target,
            MEMBER_WITH_INSTANCE,
            "--grace",
            "1s",
            "-o",
            "json",
        ])
        .ok();
    let out = run.json();
    assert_eq!(out["backends"][0]["weight_before"], 10);
    assert_eq!(out["grace_seconds"], 1.0);
    assert_eq!(out["grace_source"], "given");
    let writes = env.huawei_writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(
        writes[0].ends_with("/members/batch-update")
            && writes[1].ends_with("/members/batch-delete"),
        "{writes:?}"
    );
    let requests = env.emu.requests();
    let put = requests
        .iter()
        .find(|r| r.path.ends_with("/members/batch-update"))
        .unwrap();
    let delete = requests
        .iter()
        .find(|r| r.path.ends_with("/members/batch-delete"))
        .unwrap();
    assert!(delete.received_at - put.received_at >= Duration::from_secs(1));
    assert!(env
        .emu
        .huawei_members(POOL_WEB)
        .unwrap()
        .iter()
        .all(|m| m.id != MEMBER_WITH_INSTANCE));

    // --keep leaves it at weight 0; undrain puts the printed weight back.
    let kept = env
        .lbb([
            "drain",
            &target,
            "10.0.1.11:80",
            "--grace",
            "1ms",
            "--keep",
            "-o",
            "json",
        ])
        .ok()
        .json();
    let before = kept["backends"][0]["weight_before"].as_u64().unwrap();
    let member = |id: &str| {
        env.emu
            .huawei_members(POOL_WEB)
            .unwrap()
            .into_iter()
            .find(|m| m.id == id)
            .unwrap()
    };
    assert_eq!(member(MEMBER_PORT_MATCH).weight, 0);
    let back = env
        .lbb([
            "undrain",
            &target,
            MEMBER_PORT_MATCH,
            "--weight",
            &before.to_string(),
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(back["weight"], before);
    assert_eq!(u64::from(member(MEMBER_PORT_MATCH).weight), before);
}

#[test]
fn add_twice_is_exists_and_strict_is_a_conflict() {
    let env = Env::demo().on_tencent_api3();
    let target = pool(POOL_WEB);
    let first = env.lbb(add_args(&target, &[])).ok().json();
    let posts = || {
        env.emu
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
    };
    assert_eq!(posts(), 1);
    assert_eq!(first["exists"], false);
    let again = env.lbb(add_args(&target, &[])).ok();
    assert_eq!(again.json()["id"], first["id"]);
    assert_eq!(again.json()["exists"], true);
    assert!(again.stderr.contains("exists"), "{}", again.stderr);
    assert_eq!(posts(), 1, "the second add sent nothing");
    // --strict: the add is sent as before, and the cloud's conflict comes back.
    let strict = env.lbb(add_args(&target, &["--strict"])).code(1);
    assert!(
        strict.stderr.contains("lbb: conflict: "),
        "{}",
        strict.stderr
    );
    assert!(strict.stderr.contains("ELB.8907"), "{}", strict.stderr);
    assert_eq!(posts(), 2);
}

#[test]
fn remove_if_exists_and_a_missing_backend() {
    let env = Env::demo().on_tencent_api3();
    let target = pool(POOL_WEB);
    env.lbb(["remove", &target, "no-such-member"]).code(4);
    let run = env
        .lbb([
            "remove",
            &target,
            "no-such-member",
            "--if-exists",
            "-o",
            "json",
        ])
        .ok();
    assert_eq!(run.json()["removed"], false);
}

#[test]
fn set_wait_returns_once_the_listing_shows_the_weight() {
    let env = Env::demo().on_tencent_api3();
    let target = pool(POOL_WEB);
    let run = env
        .lbb([
            "set",
            &target,
            MEMBER_PORT_MATCH,
            "--weight",
            "7",
            "--wait",
            "--interval",
            "100ms",
            "-o",
            "json",
        ])
        .ok();
    assert_eq!(run.json()["weight"], 7);
}

#[test]
fn a_profile_gives_the_waiter_its_defaults_and_a_bad_one_is_exit_2() {
    let env = Env::with_health_delay(Fleet::demo(), Duration::from_secs(600)).on_tencent_api3();
    let config = env.home.path().join("config/lb-backends");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[profile.default]\nwait_timeout = \"300ms\"\nwait_interval = \"100ms\"\n",
    )
    .unwrap();
    let target = pool(POOL_WEB);
    let run = env.lbb(add_args(&target, &["--wait"])).code(6);
    assert!(run.stderr.contains("300ms"), "{}", run.stderr);
    std::fs::write(
        config.join("config.toml"),
        "[profile.default]\nwait_timeout = \"soon\"\n",
    )
    .unwrap();
    let run = env
        .lbb(["wait", &target, MEMBER_WITH_INSTANCE, "--for", "present"])
        .code(2);
    assert!(run.stderr.contains("wait_timeout"), "{}", run.stderr);
}

#[test]
fn waiting_for_absent_on_a_missing_target_is_not_found() {
    let env = Env::demo().on_tencent_api3();
    let missing = pool("5a1e9999-0000-4000-8000-000000009999");
    env.lbb([
        "wait",
        &missing,
        MEMBER_WITH_INSTANCE,
        "--for",
        "absent",
        "--interval",
        "100ms",
    ])
    .code(4);
}
