//! `lbb` against the emulator's Tencent CLB and BMLB (legacy API): list in every
//! format, get, `get --instance`, paging, and writes refused as unsupported.
#![cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]

mod common;

use common::Env;
use lb_backends_emulator::fleet::demo::*;
#[cfg(feature = "tencent-clb")]
use lb_backends_emulator::{FaultKind, Faults, Fleet};
#[cfg(feature = "tencent-bmlb")]
use serde_json::Value;

#[cfg(feature = "tencent-bmlb")]
fn bmlb() -> String {
    format!("tencent-bmlb:{}", TENCENT_BMLB.join("/"))
}

#[cfg(feature = "tencent-clb")]
#[test]
fn clb_list_in_every_format_and_get() {
    let env = Env::demo();
    let target = format!("tencent-clb:{TENCENT_CLB}");

    let table = env.lbb(["list", &target]).ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", table.stdout);
    assert!(lines[1].starts_with("ins-123test1") && lines[1].contains("10.10.10.1"));

    let json = env.lbb(["list", &target, "-o", "json"]).ok().json();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["provider"], "tencent-clb");
    assert_eq!(all[0]["target"], target.as_str());
    assert_eq!(all[0]["id"], "ins-123test1");
    assert_eq!(all[0]["address"], "10.10.10.1");
    assert_eq!(all[0]["instance"]["id"], "ins-123test1");
    assert_eq!(all[0]["instance"]["name"], "my-backend-name1");
    assert_eq!(all[0]["instance"]["kind"], "cvm");

    assert_eq!(
        env.lbb(["list", &target, "-o", "ndjson"]).ok().ndjson(),
        *all
    );

    let csv = env.lbb(["list", &target, "-o", "csv"]).ok();
    assert_eq!(csv.stdout.lines().count(), 3);
    assert!(csv
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .starts_with(&format!("tencent-clb,{target},ins-123test1,10.10.10.1,")));

    let one = env
        .lbb(["get", &target, "ins-123test2", "--instance", "-o", "json"])
        .ok()
        .json();
    assert_eq!(one["id"], "ins-123test2");
    assert_eq!(one["instance_lookup"]["result"], "found");
    assert_eq!(one["instance_lookup"]["instance"]["id"], "ins-123test2");

    let missing = env.lbb(["list", "tencent-clb:lb-nothere1"]).code(4);
    assert!(
        missing.error_line().contains("code 5000"),
        "{}",
        missing.stderr
    );
}

#[cfg(feature = "tencent-clb")]
#[test]
fn clb_pages_through_many_backends() {
    let env = Env::start(Fleet::generate_clb("lb-many0001", 250, 3));
    env.emu.reset_request_count();
    let all = env
        .lbb(["list", "tencent-clb:lb-many0001", "-o", "ndjson"])
        .ok()
        .ndjson();
    assert_eq!(all.len(), 250);
    let mut ids: Vec<&str> = all.iter().map(|b| b["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 250, "each backend once");
    assert_eq!(env.emu.request_count(), 3, "pages of 100");
}

#[cfg(feature = "tencent-clb")]
#[test]
fn legacy_clb_writes_refused_locally_send_nothing() {
    // Legacy classic-CLB writes exist (issue 10); what they cannot take is refused
    // before anything is sent.
    let env = Env::demo();
    let target = format!("tencent-clb:{TENCENT_CLB}");
    env.emu.reset_request_count();
    let add = env
        .lbb(["add", &target, "--address", "10.0.0.9", "--port", "80"])
        .code(2);
    assert!(
        add.error_line()
            .contains("by instance id (--instance ins-...)"),
        "{}",
        add.error_line()
    );
    let set = env
        .lbb(["set", &target, "ins-123test1", "--weight", "101"])
        .code(2);
    assert!(
        set.error_line().contains("0 to 100"),
        "{}",
        set.error_line()
    );
    assert_eq!(env.emu.request_count(), 0);
}

#[cfg(feature = "tencent-clb")]
#[test]
fn tencent_throttling_is_exit_5() {
    let env = Env::demo();
    env.emu.set_faults(Faults {
        rate: 1.0,
        kinds: vec![FaultKind::TencentThrottle],
        ..Faults::none()
    });
    let run = env
        .lbb(["list", &format!("tencent-clb:{TENCENT_CLB}")])
        .code(5);
    let line = run.error_line();
    assert!(line.starts_with("lbb: throttled: "), "{line}");
    assert!(line.contains("code 4400"), "{line}");
}

#[cfg(feature = "tencent-bmlb")]
#[test]
fn bmlb_list_in_every_format_and_get() {
    let env = Env::demo();
    let target = bmlb();

    let table = env.lbb(["list", &target]).ok();
    assert_eq!(table.stdout.lines().count(), 3, "{}", table.stdout);
    assert!(table.stdout.contains("cpm-abcdefgh") && table.stdout.contains("10.2.0.5"));

    let json = env.lbb(["list", &target, "-o", "json"]).ok().json();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 2);
    let host = all.iter().find(|b| b["id"] == "cpm-abcdefgh").unwrap();
    assert_eq!(host["provider"], "tencent-bmlb");
    assert_eq!(host["health"], "unhealthy");
    assert_eq!(host["port"], 1234);
    assert_eq!(host["instance"]["kind"], "bare_metal");
    let vm = all.iter().find(|b| b["address"] == "10.2.0.5").unwrap();
    assert_eq!(vm["health"], "healthy");
    assert_eq!(vm["weight"], 20);
    assert_eq!(vm["instance"], Value::Null);

    assert_eq!(
        env.lbb(["list", &target, "-o", "ndjson"]).ok().ndjson(),
        *all
    );
    let csv = env.lbb(["list", &target, "-o", "csv"]).ok();
    assert_eq!(csv.stdout.lines().count(), 3);
    // The host's alias holds non-ASCII text; CSV carries it as is.
    assert!(csv.stdout.contains("XXX测试"), "{}", csv.stdout);

    // A VM binding's id is `IP:PORT`, and `get` takes it like any other id.
    let id = vm["id"].as_str().unwrap();
    assert_eq!(id, "10.2.0.5:8080");
    let got = env
        .lbb(["get", &target, id, "--instance", "-o", "json"])
        .ok()
        .json();
    assert_eq!(got["address"], "10.2.0.5");
    assert_eq!(got["instance_lookup"]["result"], "not_bound");
    env.lbb(["get", &target, "10.2.0.5:9999"]).code(4);
    env.lbb(["get", &target, "10.2.0.5/8080"]).code(2);
    let host = env
        .lbb(["get", &target, "cpm-abcdefgh", "--instance", "-o", "json"])
        .ok()
        .json();
    assert_eq!(host["instance_lookup"]["result"], "found");
    assert_eq!(host["instance_lookup"]["instance"]["id"], "cpm-abcdefgh");

    let add = env
        .lbb(["add", &target, "--address", "10.0.0.9", "--port", "80"])
        .code(2);
    assert!(add.error_line().ends_with("not supported by tencent-bmlb"));

    let missing = env
        .lbb([
            "list",
            "tencent-bmlb:lb-nothere1/lbl-abcdefgh/dm-abcdefgh/loc-abcdefgh",
        ])
        .code(4);
    assert!(
        missing.error_line().contains("code 11041"),
        "{}",
        missing.stderr
    );
}
