//! `lbb plan` and `lbb apply` on three providers, `--prune` limits, faults, and
//! `--query`.

use std::time::Duration;

use lb_backends_emulator::{
    fleet::{apig_demo, clb3::demo_ids, demo::*},
    FaultKind, Faults, Fleet,
};

use crate::common::Env;

fn elb() -> String {
    format!("huawei-elb:{POOL_WEB}")
}
fn apig() -> String {
    format!(
        "huawei-apig:{}/{}",
        apig_demo::INSTANCE,
        apig_demo::CHANNEL_IP
    )
}
fn clb() -> String {
    format!("tencent-clb:{}/{}", demo_ids::STANDARD, demo_ids::TCP)
}

/// One change of each kind on ELB, an add on APIG and on Tencent CLB.
fn desired() -> String {
    format!(
        r#"
[wait]
interval = "100ms"
timeout = "20s"

[[target]]
target = "{elb}"
[[target.backend]]
address = "10.0.1.10"
port = 80
weight = 20
[[target.backend]]
address = "10.0.1.11"
port = 80
[[target.backend]]
address = "10.0.1.60"
port = 80
weight = 5
subnet = "{SUBNET_A1}"
name = "web-60"

[[target]]
target = "{apig}"
[[target.backend]]
address = "192.168.0.5"
weight = 1
[[target.backend]]
address = "192.168.0.6"
port = 80
weight = 3

[[target]]
target = "{clb}"
[[target.backend]]
address = "10.0.0.11"
port = 8080
weight = 10
[[target.backend]]
address = "10.0.0.12"
port = 8080
weight = 5
"#,
        elb = elb(),
        apig = apig(),
        clb = clb()
    )
}

fn count(env: &Env, method: &str) -> usize {
    env.emu
        .requests()
        .iter()
        .filter(|r| r.method == method && !r.path.starts_with("/?") && r.path != "/")
        .count()
}

#[test]
fn plan_then_apply_on_three_providers_and_a_rerun_changes_nothing() {
    let env = Env::demo().on_tencent_api3();
    let file = env.write_file("desired.toml", &desired());
    let file = file.to_str().unwrap();

    let plan = env.lbb(["plan", file, "-o", "json"]).ok().json();
    assert_eq!(plan["changes"], true);
    let counts: Vec<(u64, u64, u64, u64)> = plan["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let c = &t["counts"];
            (
                c["add"].as_u64().unwrap(),
                c["update"].as_u64().unwrap(),
                c["remove"].as_u64().unwrap(),
                c["extra"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [(1, 1, 0, 4), (1, 0, 0, 2), (1, 0, 0, 1)],
        "{plan:#}"
    );
    let text = env.lbb(["plan", file]).ok().stdout;
    assert!(text.contains("weight 10 -> 20"), "{text}");
    assert!(
        text.contains("1 to add, 1 to update, 0 to remove"),
        "{text}"
    );
    // plan sends no write
    assert_eq!(
        count(&env, "POST") + count(&env, "PUT") + count(&env, "DELETE"),
        0
    );
    let reads_of_a_plan = {
        env.emu.reset_request_count();
        env.lbb(["plan", file]).ok();
        env.emu.requests().len()
    };

    // Not a terminal and no --yes: refused before anything is sent.
    env.emu.reset_request_count();
    let refused = env.lbb(["apply", file]).code(2);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(count(&env, "POST") + count(&env, "PUT"), 0);

    env.emu.reset_request_count();
    let applied = env.lbb(["apply", file, "--yes", "-o", "json"]).ok();
    let out = applied.json();
    assert_eq!(out["changed"], 4, "{out:#}");
    let results: Vec<Vec<String>> = out["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["result"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        results,
        [
            vec![
                "added",
                "updated",
                "unchanged",
                "extra",
                "extra",
                "extra",
                "extra"
            ],
            vec!["added", "unchanged", "extra", "extra"],
            vec!["added", "unchanged", "extra"],
        ]
    );
    // The Huawei writes: ELB's own batch calls (one batch-add, one batch-update), and
    // one create on APIG (a batch of one).
    let writes = env.huawei_writes();
    assert_eq!(count(&env, "POST"), 3, "{writes:?}");
    assert_eq!(count(&env, "PUT"), 0, "{writes:?}");
    assert!(writes[0].ends_with("/members/batch-add"), "{writes:?}");
    assert!(writes[1].ends_with("/members/batch-update"), "{writes:?}");
    let elb_now = env.emu.huawei_members(POOL_WEB).unwrap();
    let m60 = elb_now.iter().find(|m| m.address == "10.0.1.60").unwrap();
    assert_eq!((m60.weight, m60.name.as_str()), (5, "web-60"));
    assert_eq!(elb_now[0].weight, 20);
    let apig_now = env
        .emu
        .apig_members(apig_demo::INSTANCE, apig_demo::CHANNEL_IP)
        .unwrap();
    assert!(apig_now
        .iter()
        .any(|m| m.host.as_deref() == Some("192.168.0.6") && m.weight == 3));
    let clb_now = env.lbb(["list", &clb(), "-o", "json"]).ok().json();
    assert!(clb_now
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["address"] == "10.0.0.12" && b["weight"] == 5));

    // Again: nothing to do, nothing sent but the reads of a plan.
    env.emu.reset_request_count();
    let again = env.lbb(["apply", file]).ok();
    assert_eq!(again.stdout.trim(), "no changes");
    assert!(
        again.stderr.contains("apply: no changes"),
        "{}",
        again.stderr
    );
    assert_eq!(
        count(&env, "POST") + count(&env, "PUT") + count(&env, "DELETE"),
        0
    );
    assert_eq!(env.emu.requests().len(), reads_of_a_plan);
    let json = env.lbb(["apply", file, "-o", "json"]).ok().json();
    assert_eq!(
        (json["changes"].as_bool(), json["changed"].as_u64()),
        (Some(false), Some(0))
    );
}

#[test]
fn a_bad_file_is_exit_2_and_nothing_is_sent() {
    let env = Env::demo().on_tencent_api3();
    for (text, why) in [
        (desired().replace("weight = 20", "wieght = 20"), "wieght"),
        (desired().replace("10.0.1.11", "10.0.1.10"), "listed twice"),
        (
            desired().replace("weight = 20", "weight = 200"),
            "weight 200 is out of range",
        ),
        (desired().replace("10.0.0.12", "10.0.0.x"), "not an IP"),
    ] {
        let file = env.write_file("bad.toml", &text);
        let run = env.lbb(["apply", file.to_str().unwrap(), "--yes"]).code(2);
        assert!(run.stderr.contains(why), "{why}: {}", run.stderr);
    }
    assert!(env.emu.requests().is_empty(), "{:?}", env.emu.requests());
}

#[test]
fn prune_beyond_max_remove_is_refused_before_any_removal() {
    let mut fleet = Fleet::demo();
    fleet.merge(Fleet::generate_elb_pool("pool-gen-12", 12, 7));
    let env = Env::start(fleet).on_tencent_api3();
    let members = env.emu.huawei_members("pool-gen-12").unwrap();
    let target = "huawei-elb:pool-gen-12";
    let mut text = format!("[[target]]\ntarget = \"{target}\"\n");
    for m in &members[..2] {
        text.push_str(&format!(
            "[[target.backend]]\naddress = \"{}\"\nport = {}\n",
            m.address, m.protocol_port
        ));
    }
    let file = env.write_file("prune.toml", &text);
    let file = file.to_str().unwrap();
    let plan = env
        .lbb(["plan", file, "--prune", "--max-remove", "5", "-o", "json"])
        .code(7)
        .json();
    assert_eq!(plan["targets"][0]["counts"]["remove"], 10);
    let run = env
        .lbb(["apply", file, "--prune", "--max-remove", "5", "--yes"])
        .code(7);
    assert!(
        run.stderr.contains("more than the limit of 5"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&env, "DELETE"), 0);
    assert_eq!(env.emu.huawei_members("pool-gen-12").unwrap().len(), 12);
    // Without --prune the extras are left alone.
    env.lbb(["apply", file, "--yes"]).ok();
    assert_eq!(env.emu.huawei_members("pool-gen-12").unwrap().len(), 12);
}

#[test]
fn under_20_percent_faults_apply_converges_and_a_rerun_is_clean() {
    let env = Env::demo().on_tencent_api3();
    let file = env.write_file("desired.toml", &desired());
    let file = file.to_str().unwrap();
    env.emu.set_faults(Faults {
        retry_after: Duration::ZERO,
        ..Faults::random(
            0.2,
            [
                FaultKind::ServerError,
                FaultKind::Throttle,
                FaultKind::DropConnection,
                FaultKind::DropAfterCommit,
            ],
        )
    });
    let mut runs = Vec::new();
    for _ in 0..8 {
        let run = env.lbb(["apply", file, "--yes", "--max-attempts", "6"]);
        let code = run.code;
        runs.push(run);
        if code == 0 {
            break;
        }
    }
    assert_eq!(runs.last().unwrap().code, 0, "{runs:#?}");
    assert!(
        env.emu.requests().iter().any(|r| r.fault.is_some()),
        "the faults were on"
    );
    // Converged: the next run, faults still on, finds nothing to change.
    let clean = env
        .lbb(["apply", file, "--yes", "--max-attempts", "6"])
        .ok();
    assert_eq!(clean.stdout.trim(), "no changes", "{clean:#?}");
    env.emu.set_faults(Faults::none());
    let members = env.emu.huawei_members(POOL_WEB).unwrap();
    assert_eq!(
        members.iter().filter(|m| m.address == "10.0.1.60").count(),
        1
    );
    let apig_now = env
        .emu
        .apig_members(apig_demo::INSTANCE, apig_demo::CHANNEL_IP)
        .unwrap();
    assert_eq!(
        apig_now
            .iter()
            .filter(|m| m.host.as_deref() == Some("192.168.0.6"))
            .count(),
        1
    );
}

#[test]
fn from_current_writes_a_file_that_plans_no_changes() {
    let env = Env::demo().on_tencent_api3();
    let text = env
        .lbb(["plan", "--from-current", &elb(), &apig(), &clb()])
        .ok()
        .stdout;
    let file = env.write_file("current.toml", &text);
    let plan = env.lbb(["plan", file.to_str().unwrap()]).ok();
    assert!(
        plan.stdout.trim_end().ends_with("no changes"),
        "{}",
        plan.stdout
    );
}

#[test]
fn query_filters_the_json_output() {
    let env = Env::demo().on_tencent_api3();
    let run = env
        .lbb([
            "list",
            &elb(),
            "-o",
            "json",
            "--query",
            "[?health=='unhealthy'].address",
        ])
        .ok();
    assert_eq!(run.json(), serde_json::json!(["10.0.1.12"]));
    let one = env
        .lbb(["get", &elb(), MEMBER_WITH_INSTANCE, "--query", "name"])
        .ok();
    assert_eq!(one.stdout.trim(), "\"web-01\"");
    env.lbb(["list", &elb(), "--query", "[?"]).code(2);
}
