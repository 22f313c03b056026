//! `lbb` on Tencent CLB API 3.0: chosen by `--tencent-api 3`, `LBB_TENCENT_API` or the
//! profile's `tencent_api`, and the default; listener and rule targets. (The test
//! harness pins `LBB_TENCENT_API=legacy` for the legacy tests; these remove it.)
#![cfg(feature = "tencent-clb")]

mod common;

use common::Env;
use lb_backends_emulator::fleet::clb3::demo_ids as demo;

#[test]
fn the_flag_the_variable_and_the_profile_select_api_3() {
    let env = Env::demo();
    let whole = format!("tencent-clb:{}", demo::STANDARD);
    let json = env
        .lbb(["--tencent-api", "3", "list", &whole, "-o", "json"])
        .ok()
        .json();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(all[0]["id"], "lbl-tcp00001:ins-aaaa1111:8080");
    assert_eq!(all[0]["health"], "healthy");

    let rule = format!(
        "tencent-clb:{}/{}/{}",
        demo::STANDARD,
        demo::HTTP,
        demo::RULE_API
    );
    let by_env = env
        .run(env.bare().env("LBB_TENCENT_API", "3").args([
            "--endpoint",
            &env.emu.base_url(),
            "list",
            &rule,
            "-o",
            "json",
        ]))
        .ok()
        .json();
    assert_eq!(by_env.as_array().unwrap().len(), 2);

    let id = "lbl-http0001:loc-rule0001:ins-aaaa1111:9000";
    let one = env
        .lbb(["--tencent-api", "3", "get", &whole, id, "-o", "json"])
        .ok()
        .json();
    assert_eq!(one["id"], id);
    assert_eq!(one["port"], 9000);

    env.write_config(
        &format!(
            "[profile.tc3]\nregion = \"gz\"\nendpoint = \"{}\"\ntencent_api = \"3\"\n",
            env.emu.base_url()
        ),
        0o600,
    );
    let by_profile = env
        .run(env.bare().env_remove("LBB_TENCENT_API").args([
            "--profile",
            "tc3",
            "list",
            &whole,
            "-o",
            "json",
        ]))
        .ok()
        .json();
    assert_eq!(by_profile.as_array().unwrap().len(), 6);
}

#[test]
fn api_3_is_the_default_and_legacy_refuses_listener_targets_without_sending() {
    let env = Env::demo();
    let default = env
        .run(env.bare().env_remove("LBB_TENCENT_API").args([
            "--endpoint",
            &env.emu.base_url(),
            "list",
            &format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP),
            "-o",
            "json",
        ]))
        .ok()
        .json();
    assert_eq!(default.as_array().unwrap().len(), 2);
    // The seed's LB: the same backends on both APIs (a classic CLB on 3.0).
    let ids = |api: &str| -> Vec<String> {
        env.lbb([
            "--tencent-api",
            api,
            "list",
            "tencent-clb:lb-abcdefgh",
            "-o",
            "json",
        ])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect()
    };
    assert_eq!(ids("legacy"), ids("3"));
    // Legacy mode (the harness's): the seed LB lists as before.
    let run = env.lbb(["list", "tencent-clb:lb-abcdefgh"]).ok();
    assert_eq!(run.stdout.lines().count(), 3);
    let before = env.emu.request_count();
    let run = env
        .lbb([
            "list",
            &format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP),
        ])
        .code(2);
    assert!(run.error_line().contains("API 3.0"), "{}", run.stderr);
    assert_eq!(env.emu.request_count(), before, "nothing sent");
    let run = env.lbb(["--tencent-api", "2", "list", "tencent-clb:lb-abcdefgh"]);
    assert_ne!(run.code, 0);
}

#[test]
fn add_set_remove_on_a_listener_with_api_3() {
    let env = Env::demo();
    let target = format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP);
    let added = env
        .lbb([
            "--tencent-api",
            "3",
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
    assert_eq!(id, "lbl-tcp00001:10.9.9.9:8080");
    assert_eq!(added["weight"], 3);
    let set = env
        .lbb([
            "--tencent-api",
            "3",
            "set",
            &target,
            &id,
            "--weight",
            "9",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(set["weight"], 9);
    env.lbb(["--tencent-api", "3", "remove", &target, &id]).ok();
    let listed = env
        .lbb(["--tencent-api", "3", "list", &target, "-o", "json"])
        .ok()
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // A whole load balancer is not one place: refused, naming the listeners.
    let run = env
        .lbb([
            "--tencent-api",
            "3",
            "add",
            &format!("tencent-clb:{}", demo::STANDARD),
            "--address",
            "10.9.9.9",
            "--port",
            "8080",
        ])
        .code(2);
    assert!(run.error_line().contains(demo::TCP), "{}", run.stderr);
}

#[test]
fn add_by_instance_and_set_port_with_api_3_and_legacy_writes() {
    let env = Env::demo();
    let target = format!("tencent-clb:{}/{}", demo::STANDARD, demo::TCP);
    let added = env
        .lbb([
            "--tencent-api",
            "3",
            "add",
            &target,
            "--instance",
            "ins-clitest1",
            "--port",
            "8443",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(added["id"], "lbl-tcp00001:ins-clitest1:8443");
    let moved = env
        .lbb([
            "--tencent-api",
            "3",
            "set",
            &target,
            "lbl-tcp00001:ins-clitest1:8443",
            "--port",
            "8444",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(moved["id"], "lbl-tcp00001:ins-clitest1:8444");
    assert_eq!(moved["port"], 8444);
    // --address and --instance: exactly one.
    env.lbb([
        "--tencent-api",
        "3",
        "add",
        &target,
        "--instance",
        "ins-clitest2",
        "--address",
        "10.0.0.1",
        "--port",
        "80",
    ])
    .code(2);
    env.lbb(["--tencent-api", "3", "add", &target, "--port", "80"])
        .code(2);
    // Legacy mode writes a classic CLB (the harness pins LBB_TENCENT_API=legacy).
    let legacy = env
        .lbb([
            "add",
            "tencent-clb:lb-abcdefgh",
            "--instance",
            "ins-clitest3",
            "--weight",
            "4",
            "--port",
            "80",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        (legacy["id"].as_str(), legacy["weight"].as_u64()),
        (Some("ins-clitest3"), Some(4))
    );
    let set = env
        .lbb([
            "set",
            "tencent-clb:lb-abcdefgh",
            "ins-clitest3",
            "--weight",
            "6",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(set["weight"], 6);
    env.lbb(["remove", "tencent-clb:lb-abcdefgh", "ins-clitest3"])
        .ok();
}
