//! Issue 13 against the emulator: `lbb find`, `lbb targets`, `lbb inventory
//! --discover`, `lbb remove --address --everywhere`, `lbb drain --address`, and a
//! cloud without credentials.
#![cfg(all(
    feature = "huawei-elb",
    feature = "huawei-apig",
    feature = "tencent-clb",
    feature = "tencent-bmlb"
))]

mod common;

use std::collections::BTreeSet;

use common::Env;
use lb_backends_emulator::Fleet;
use serde_json::{json, Value};

/// The address registered in 5 places.
const A: &str = "10.9.9.9";

fn pool_id(i: usize) -> String {
    format!("5d{i:06}-0000-4000-8000-{i:012}")
}

fn hex32(prefix: char, i: usize) -> String {
    format!("{prefix}{i:031}")
}

/// 50 targets: 20 ELB pools, 10 APIG channels (2 instances), 15 CLB load balancers
/// (one layer-7 rule each), 5 BMLB locations; `A` is registered in ELB pools 3 and
/// 11, APIG channel 2 of instance 1, the rule of CLB 7 and BMLB location 4.
fn fleet_of_50() -> Fleet {
    let pools: Vec<Value> = (0..20)
        .map(|i| {
            let mut members = vec![json!({
                "id": format!("3e{i:06}-0000-4000-8000-000000000001"),
                "name": format!("m{i}-1"),
                "protocol_port": 8080, "weight": 5, "address": format!("10.1.{i}.1"),
            })];
            if i == 3 || i == 11 {
                members.push(json!({
                    "id": format!("3e{i:06}-0000-4000-8000-000000000002"),
                    "name": format!("m{i}-a"),
                    "protocol_port": 8080, "weight": 7, "address": A,
                }));
            }
            json!({"id": pool_id(i), "name": format!("pool-{i}"), "members": members})
        })
        .collect();
    let instances: Vec<Value> = (1..=2)
        .map(|inst| {
            let channels: Vec<Value> = (1..=5)
                .map(|c| {
                    let mut members = vec![json!({
                        "id": hex32('b', inst * 10 + c),
                        "host": format!("192.168.{inst}.{c}"), "weight": 1, "status": 1,
                    })];
                    if inst == 1 && c == 2 {
                        members.push(json!({
                            "id": hex32('a', 99), "host": A, "port": 8080, "weight": 3, "status": 1,
                        }));
                    }
                    json!({
                        "id": hex32('c', inst * 10 + c), "name": format!("ch-{inst}-{c}"),
                        "member_type": "ip", "port": 8080, "members": members,
                    })
                })
                .collect();
            json!({"id": hex32('e', inst), "name": format!("apig-{inst}"), "channels": channels})
        })
        .collect();
    let lbs: Vec<Value> = (1..=15)
        .map(|i| {
            let mut targets = vec![json!({
                "InstanceId": format!("ins-gen{i:05}"), "Port": 8080, "PrivateIp": format!("10.2.0.{i}"),
            })];
            if i == 7 {
                targets.push(json!({"InstanceId": "ins-address9", "Port": 8080, "PrivateIp": A, "Weight": 20}));
            }
            json!({
                "LoadBalancerId": format!("lb-disc{i:04}"), "LoadBalancerName": format!("clb-{i}"),
                "Forward": 1,
                "Listeners": [{
                    "ListenerId": format!("lbl-disc{i:04}"), "Protocol": "HTTP", "Port": 80,
                    "Rules": [{"LocationId": format!("loc-disc{i:04}"), "Domain": "a.example.com",
                               "Url": "/", "Targets": targets}],
                }],
            })
        })
        .collect();
    let locations: Vec<Value> = (1..=5)
        .map(|i| {
            let mut data = vec![bm_binding(&format!("10.3.0.{i}"))];
            if i == 4 {
                data.push(bm_binding(A));
            }
            json!({
                "loadBalancerId": format!("lb-bm{i:05}"), "listenerId": format!("lbl-bm{i:04}"),
                "domainId": format!("dm-bm{i:05}"), "locationId": format!("loc-bm{i:04}"),
                "data": data,
            })
        })
        .collect();
    let text = json!({
        "huawei": {"elb": {"pools": pools}, "apig": {"instances": instances}},
        "tencent": {"clb3": {"LoadBalancers": lbs}, "bmlb": {"locations": locations}},
    })
    .to_string();
    Fleet::from_json_str(&text).unwrap()
}

fn bm_binding(ip: &str) -> Value {
    json!({
        "bindType": 1, "rsPort": 8080, "weight": 10, "status": "Alive", "lanIp": ip,
        "instanceId": ip, "alias": "vm", "mgtIp": "", "operates": [],
    })
}

/// No rate limit (the tests are about what is listed, not how fast).
const NO_LIMIT: [&str; 8] = [
    "--rate",
    "huawei-elb=0",
    "--rate",
    "huawei-apig=0",
    "--rate",
    "tencent-clb=0",
    "--rate",
    "tencent-bmlb=0",
];

/// `lbb --tencent-api 3 ARGS...`.
fn lbb3(env: &Env, args: &[&str]) -> common::Run {
    let mut all = vec!["--tencent-api", "3"];
    all.extend_from_slice(args);
    env.lbb(all)
}

/// The (target, backend id) pairs of a JSON list of records.
fn pairs(run: &common::Run) -> BTreeSet<(String, String)> {
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["target"].as_str().unwrap().to_owned(),
                r["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expected_five() -> BTreeSet<(String, String)> {
    [
        (
            format!("huawei-elb:{}", pool_id(3)),
            "3e000003-0000-4000-8000-000000000002".to_owned(),
        ),
        (
            format!("huawei-elb:{}", pool_id(11)),
            "3e000011-0000-4000-8000-000000000002".to_owned(),
        ),
        (
            format!("huawei-apig:{}/{}", hex32('e', 1), hex32('c', 12)),
            hex32('a', 99),
        ),
        (
            "tencent-clb:lb-disc0007".to_owned(),
            "lbl-disc0007:loc-disc0007:ins-address9:8080".to_owned(),
        ),
        (
            "tencent-bmlb:lb-bm00004/lbl-bm0004/dm-bm00004/loc-bm0004".to_owned(),
            format!("{A}:8080"),
        ),
    ]
    .into_iter()
    .collect()
}

#[test]
fn find_prints_exactly_the_five_registrations_and_elb_uses_its_filter() {
    let env = Env::start(fleet_of_50());
    let run = lbb3(&env, &["-o", "json", "find", A]).ok();
    assert_eq!(pairs(&run), expected_five(), "{run:#?}");
    let rows = run.json();
    for r in rows.as_array().unwrap() {
        assert_eq!(r["address"], A);
        assert_eq!(r["port"], 8080);
        assert!(r["weight"].is_number(), "{r}");
        assert!(r["health"].is_string(), "{r}");
    }
    // The ELB part: one ListPools with member_address, then only the two pools
    // found are listed; no other pool's members are read.
    let log = env.emu.requests();
    let pools: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("/elb/pools"))
        .collect();
    assert_eq!(pools.len(), 1, "{pools:#?}");
    assert!(pools[0]
        .query
        .as_deref()
        .unwrap_or_default()
        .contains(&format!("member_address={A}")));
    let listed: BTreeSet<String> = log
        .iter()
        .filter(|r| r.path.contains("/elb/pools/") && r.path.ends_with("/members"))
        .map(|r| r.path.split('/').nth(5).unwrap().to_owned())
        .collect();
    assert_eq!(listed, [pool_id(3), pool_id(11)].into_iter().collect());
    // APIG asked with member_host; only the matching channel is listed.
    assert!(log.iter().any(|r| r.path.ends_with("/vpc-channels")
        && r.query
            .as_deref()
            .unwrap_or_default()
            .contains(&format!("member_host={A}"))));
    let apig_listings = log
        .iter()
        .filter(|r| r.path.contains("/vpc-channels/") && r.path.ends_with("/members"))
        .count();
    assert_eq!(apig_listings, 1);

    // Every output format; a port narrows; an address nowhere finds nothing.
    let table = lbb3(&env, &["find", A]).ok();
    assert_eq!(table.stdout.lines().count(), 6, "{table:#?}");
    let csv = lbb3(&env, &["-o", "csv", "find", A]).ok();
    assert_eq!(csv.stdout.lines().count(), 6, "{csv:#?}");
    let nd = lbb3(&env, &["-o", "ndjson", "find", A]).ok();
    assert_eq!(nd.ndjson().len(), 5);
    let port = lbb3(&env, &["-o", "json", "find", &format!("{A}:8081")]).ok();
    assert_eq!(port.json().as_array().unwrap().len(), 0);
    let one = lbb3(&env, &["-o", "json", "find", "10.1.5.1"]).ok();
    assert_eq!(pairs(&one).len(), 1);
    // By instance id: the CLB's CVM.
    let ins = lbb3(&env, &["-o", "json", "find", "ins-address9"]).ok();
    assert_eq!(
        pairs(&ins),
        [(
            "tencent-clb:lb-disc0007".to_owned(),
            "lbl-disc0007:loc-disc0007:ins-address9:8080".to_owned()
        )]
        .into_iter()
        .collect()
    );
}

#[test]
fn find_restricted_to_a_fleet_file() {
    let env = Env::start(fleet_of_50());
    let file = env.write_file(
        "fleet.toml",
        &format!(
            "[[target]]\ntarget = \"huawei-elb:{}\"\n[[target]]\ntarget = \"huawei-elb:{}\"\n",
            pool_id(3),
            pool_id(4)
        ),
    );
    let run = lbb3(
        &env,
        &["-o", "json", "find", A, "--fleet", file.to_str().unwrap()],
    )
    .ok();
    assert_eq!(pairs(&run).len(), 1, "{run:#?}");
    assert!(!env
        .emu
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/elb/pools")));
}

#[test]
fn targets_lists_every_target_paged_and_its_fleet_output_feeds_inventory() {
    // 120 CLB load balancers: two pages of DescribeLoadBalancers (100 a page).
    let mut fleet = fleet_of_50();
    for i in 0..120 {
        let id = format!("lb-page{i:04}");
        let mut one = Fleet::new();
        one.tencent.clb3.load_balancers =
            vec![lb_backends_emulator::fleet::clb3::generate_standard(&id, 1)];
        fleet.merge(one);
    }
    let env = Env::start(fleet);
    let run = lbb3(&env, &["-o", "json", "targets"]).ok();
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    let count = |p: &str| rows.iter().filter(|r| r["provider"] == p).count();
    assert_eq!(count("huawei-elb"), 20);
    assert_eq!(count("huawei-apig"), 10);
    assert_eq!(count("tencent-clb"), 135);
    assert_eq!(count("tencent-bmlb"), 5);
    assert!(rows.iter().any(|r| r["name"] == "pool-3"));
    // One provider; every format.
    let elb = lbb3(&env, &["-o", "ndjson", "targets", "huawei-elb"]).ok();
    assert_eq!(elb.ndjson().len(), 20);
    let csv = lbb3(&env, &["-o", "csv", "targets", "tencent-bmlb"]).ok();
    assert_eq!(csv.stdout.lines().count(), 6, "{csv:#?}");
    let table = lbb3(&env, &["targets", "huawei-apig"]).ok();
    assert_eq!(table.stdout.lines().count(), 11, "{table:#?}");
    assert!(table.stdout.starts_with("TARGET"));

    // -o fleet (or --as-fleet): a fleet file inventory reads, listing every backend.
    let fleet_text = lbb3(&env, &["-o", "fleet", "targets"]).ok().stdout;
    assert_eq!(
        fleet_text,
        lbb3(&env, &["targets", "--as-fleet"]).ok().stdout
    );
    let elsewhere = lbb3(&env, &["-o", "fleet", "find", A]).code(2);
    assert!(elsewhere.stderr.contains("lbb targets"), "{elsewhere:#?}");
    assert_eq!(fleet_text.matches("[[target]]").count(), 170);
    let file = env.write_file("discovered.toml", &fleet_text);
    let inv = lbb3(
        &env,
        &[
            &["-o", "json", "inventory", file.to_str().unwrap()],
            &NO_LIMIT[..],
        ]
        .concat(),
    )
    .ok();
    // ELB 20 + 2, APIG 10 + 1, CLB 15 + 1 + 120, BMLB 5 + 1.
    assert_eq!(inv.json().as_array().unwrap().len(), 175);
}

#[test]
fn inventory_discover_matches_the_fleet_file_inventory_row_for_row() {
    // 200 targets: the 50, plus 150 generated CLB load balancers.
    let mut fleet = fleet_of_50();
    for i in 0..150 {
        let id = format!("lb-inv{i:05}");
        let mut one = Fleet::new();
        one.tencent.clb3.load_balancers =
            vec![lb_backends_emulator::fleet::clb3::generate_standard(&id, 2)];
        fleet.merge(one);
    }
    let env = Env::start(fleet);
    let fleet_text = lbb3(&env, &["targets", "--as-fleet"]).ok().stdout;
    assert_eq!(fleet_text.matches("[[target]]").count(), 200);
    let file = env.write_file("all.toml", &fleet_text);
    let from_file = lbb3(
        &env,
        &[
            &["-o", "ndjson", "inventory", file.to_str().unwrap()],
            &NO_LIMIT[..],
        ]
        .concat(),
    )
    .ok();
    let discovered = lbb3(
        &env,
        &[
            &["-o", "ndjson", "inventory"],
            &NO_LIMIT[..],
            &["--discover"],
        ]
        .concat(),
    )
    .ok();
    assert_eq!(from_file.stdout, discovered.stdout);
    assert!(from_file.ndjson().len() > 300);
    assert!(
        discovered.stderr.contains("200 targets: 200 ok"),
        "{discovered:#?}"
    );
    // One provider only.
    let elb = lbb3(
        &env,
        &["-o", "ndjson", "inventory", "--discover", "huawei-elb"],
    )
    .ok();
    assert_eq!(elb.ndjson().len(), 22);
}

#[test]
fn remove_everywhere_dry_run_writes_nothing_then_yes_removes_all_five() {
    let env = Env::start(fleet_of_50());
    lbb3(&env, &["remove", "--address", A, "--everywhere"]).code(2);
    let before = env.emu.requests().len();
    let dry = lbb3(
        &env,
        &["remove", "--address", A, "--everywhere", "--dry-run"],
    );
    let dry = dry.ok();
    assert_eq!(
        dry.stdout
            .lines()
            .filter(|l| l.starts_with("would remove"))
            .count(),
        5,
        "{dry:#?}"
    );
    assert!(
        dry.stderr.contains("plan: remove 5 registration(s)"),
        "{dry:#?}"
    );
    let writes: Vec<_> = env.emu.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET" && r.path != "/")
        .cloned()
        .collect();
    assert!(writes.is_empty(), "a dry run sends no write: {writes:#?}");
    // (Tencent's API 3.0 reads are POSTs to `/` too: none of them is a write,
    // which the unchanged find below shows.)
    let still = lbb3(&env, &["-o", "json", "find", A]).ok();
    assert_eq!(pairs(&still), expected_five());

    let done = lbb3(
        &env,
        &[
            "-o",
            "json",
            "remove",
            "--address",
            A,
            "--everywhere",
            "--yes",
        ],
    )
    .ok();
    let rows = done.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 5, "{done:#?}");
    assert_eq!(rows.iter().filter(|r| r["removed"] == true).count(), 5);
    let after = lbb3(&env, &["find", A]).ok();
    assert!(
        after.stdout.trim().is_empty(),
        "a new find prints nothing: {after:#?}"
    );
    // The other backends are still there.
    let other = lbb3(&env, &["-o", "json", "find", "10.1.3.1"]).ok();
    assert_eq!(pairs(&other).len(), 1);
}

#[test]
fn drain_by_address_prints_each_plan_first() {
    let env = Env::start(fleet_of_50());
    let dry = lbb3(
        &env,
        &[
            "drain",
            "--address",
            A,
            "--provider",
            "huawei-elb",
            "--dry-run",
        ],
    )
    .ok();
    assert_eq!(dry.stdout.matches("would drain").count(), 2, "{dry:#?}");
    let run = lbb3(
        &env,
        &[
            "drain",
            "--address",
            A,
            "--provider",
            "huawei-elb",
            "--grace",
            "1ms",
            "--force",
        ],
    )
    .ok();
    assert_eq!(run.stdout.matches("drained").count(), 2, "{run:#?}");
    let left = lbb3(&env, &["-o", "json", "find", A, "--provider", "huawei-elb"]).ok();
    assert!(left.json().as_array().unwrap().is_empty(), "{left:#?}");
}

#[test]
fn a_cloud_without_credentials_is_skipped_with_one_line_and_the_run_is_partial() {
    let env = Env::start(fleet_of_50());
    let mut cmd = env.bare();
    cmd.env_remove("TENCENTCLOUD_SECRET_ID")
        .env_remove("TENCENTCLOUD_SECRET_KEY")
        .args(["--endpoint", &env.emu.base_url(), "--tencent-api", "3"])
        .args(["-o", "json", "find", A]);
    let run = env.run(&mut cmd).code(3);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("lbb: "))
        .collect();
    assert_eq!(lines.len(), 1, "{run:#?}");
    assert!(lines[0].contains("tencent skipped"), "{run:#?}");
    let found = pairs(&run);
    assert_eq!(
        found.len(),
        3,
        "the Huawei registrations are found: {run:#?}"
    );
    assert!(found.iter().all(|(t, _)| t.starts_with("huawei-")));
    assert!(run.stderr.contains("partial"));

    // The same for targets.
    let mut cmd = env.bare();
    cmd.env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .args(["--endpoint", &env.emu.base_url(), "--tencent-api", "3"])
        .args(["-o", "json", "targets"]);
    let run = env.run(&mut cmd).code(3);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("lbb: "))
            .count(),
        1,
        "{run:#?}"
    );
    assert_eq!(run.json().as_array().unwrap().len(), 20);
}

#[test]
fn legacy_tencent_discovery_is_unsupported_and_says_so() {
    let env = Env::start(fleet_of_50());
    let run = env.lbb(["-o", "json", "targets", "tencent-clb"]).code(2);
    assert!(run.stderr.contains("legacy API"), "{run:#?}");
}

#[test]
fn all_profiles_searches_each_profiles_clouds() {
    use lb_backends_emulator::{
        tencent::{DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY},
        DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK,
    };
    let env = Env::start(fleet_of_50());
    let url = env.emu.base_url();
    // One profile per cloud, as operators often have them.
    env.write_config(
        &format!(
            "[profile.hw]\nak = \"{DEFAULT_AK}\"\nsk = \"{DEFAULT_SK}\"\n\
             project_id = \"{DEFAULT_PROJECT_ID}\"\nendpoint = \"{url}\"\n\n\
             [profile.tc]\nsecret_id = \"{DEFAULT_TENCENT_SECRET_ID}\"\n\
             secret_key = \"{DEFAULT_TENCENT_SECRET_KEY}\"\nregion = \"gz\"\n\
             tencent_api = \"3\"\nendpoint = \"{url}\"\n"
        ),
        0o600,
    );
    let bare = |args: &[&str]| {
        let mut cmd = env.bare();
        for var in [
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "TENCENTCLOUD_SECRET_ID",
            "TENCENTCLOUD_SECRET_KEY",
            "TENCENTCLOUD_REGION",
            "LBB_TENCENT_API",
        ] {
            cmd.env_remove(var);
        }
        cmd.args(args);
        env.run(&mut cmd)
    };
    let all = bare(&["-o", "json", "find", A, "--all-profiles"]).ok();
    assert_eq!(pairs(&all), expected_five(), "{all:#?}");
    assert!(
        !all.stderr.contains("lbb: "),
        "no cloud is missing: {all:#?}"
    );
    // One profile: the other cloud is skipped, with one line, and the run is partial.
    // (Here the profile has no Tencent region, the first thing missing: exit 2.)
    let hw = bare(&["-o", "json", "find", A, "--profiles", "hw"]).code(2);
    assert_eq!(pairs(&hw).len(), 3, "{hw:#?}");
    assert_eq!(
        hw.stderr.lines().filter(|l| l.starts_with("lbb: ")).count(),
        1,
        "{hw:#?}"
    );
    assert!(
        hw.stderr.contains("tencent (profile hw) skipped"),
        "{hw:#?}"
    );
}
