//! `lbb` against the emulator for issue 11 (Huawei): ELB's read-only admin state, IAM
//! password tokens and their refresh, project discovery, batch writes from a file,
//! health reasons, the diagnosis job, pool settings, `describe`, APIG enable/disable
//! and its weight range.
#![cfg(all(feature = "huawei-elb", feature = "huawei-apig"))]

use std::{ffi::OsStr, time::Duration};

use assert_cmd::Command;
use lb_backends_emulator::{
    fleet::demo::*, Emulator, Faults, Fleet, DEFAULT_AK, DEFAULT_DOMAIN_NAME, DEFAULT_PASSWORD,
    DEFAULT_PROJECT_ID, DEFAULT_SK, DEFAULT_USER_NAME,
};

mod common;

use common::{Env, Run};

/// How `lbb` signs in to Huawei.
enum Creds {
    AkSk { project: bool },
    Password,
}

/// The Huawei tests' runs: region `cn-north-4`, no Tencent credentials.
impl Env {
    fn cmd(&self, creds: Creds) -> Command {
        let mut cmd = self.without_credentials();
        cmd.env_remove("LBB_TENCENT_API");
        cmd.env("HUAWEICLOUD_SDK_REGION", "cn-north-4");
        match creds {
            Creds::AkSk { project } => {
                cmd.env("HUAWEICLOUD_SDK_AK", DEFAULT_AK)
                    .env("HUAWEICLOUD_SDK_SK", DEFAULT_SK);
                if project {
                    cmd.env("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID);
                }
            }
            Creds::Password => {
                cmd.env("HW_USER_NAME", DEFAULT_USER_NAME)
                    .env("HW_PASSWORD", DEFAULT_PASSWORD)
                    .env("HW_DOMAIN_NAME", DEFAULT_DOMAIN_NAME);
            }
        }
        cmd.arg("--endpoint").arg(self.emu.base_url());
        cmd
    }

    fn run_with<I, S>(&self, creds: Creds, args: I, stdin: Option<&str>) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.cmd(creds);
        cmd.args(args);
        if let Some(input) = stdin {
            cmd.write_stdin(input.to_owned());
        }
        self.run(&mut cmd)
    }

    /// `lbb --endpoint EMULATOR ARGS...` with AK/SK and the project id.
    fn huawei_lbb<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_with(Creds::AkSk { project: true }, args, None)
    }

    fn paths(&self, needle: &str) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.path.contains(needle))
            .count()
    }
}

fn elb(pool: &str) -> String {
    format!("huawei-elb:{pool}")
}

#[test]
fn elb_admin_state_is_refused_before_sending_with_the_weight_advice() {
    let env = Env::demo();
    let target = elb(POOL_WEB);
    for args in [
        vec!["set", &target, MEMBER_WITH_INSTANCE, "--admin-up", "false"],
        vec![
            "add",
            &target,
            "--address",
            "10.0.1.77",
            "--port",
            "80",
            "--subnet",
            SUBNET_A1,
            "--admin-up",
            "true",
        ],
    ] {
        let run = env.huawei_lbb(&args).code(2);
        assert!(run.stderr.contains("--weight 0"), "{run:#?}");
        assert_eq!(env.emu.request_count(), 0, "{args:?}");
    }
}

#[test]
fn password_only_lists_and_nothing_secret_is_printed_at_vvv() {
    let env = Env::demo();
    let run = env
        .run_with(
            Creds::Password,
            ["list", &elb(POOL_WEB), "-vvv", "-o", "json"],
            None,
        )
        .ok();
    assert_eq!(run.json().as_array().unwrap().len(), 6);
    assert_eq!(env.emu.huawei_tokens_issued(), 1);
    assert_eq!(env.paths("/v3/projects"), 0, "the token names the project");
    assert!(run.stderr.contains("IamCreateToken"), "{}", run.stderr);
}

#[test]
fn a_2s_token_is_refreshed_during_a_longer_listing_and_the_listing_is_exact() {
    let pool = "5a1e5000-0000-4000-8000-00000000beef";
    let env = Env::from_builder(
        Emulator::builder()
            .fleet(Fleet::generate_elb_pool(pool, 10_000, 3))
            .huawei_token_lifetime(Duration::from_secs(2))
            .faults(Faults {
                latency: Duration::from_millis(600),
                ..Faults::none()
            }),
    );
    let run = env
        .run_with(
            Creds::Password,
            ["list", &elb(pool), "-vvv", "-o", "ndjson"],
            None,
        )
        .ok();
    let ids: std::collections::BTreeSet<String> = run
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(run.stdout.lines().count(), 10_000);
    assert_eq!(ids.len(), 10_000);
    assert!(
        env.emu.huawei_tokens_issued() >= 2,
        "the token was not refreshed: {}",
        env.emu.huawei_tokens_issued()
    );
}

#[test]
fn aksk_without_project_discovers_it_with_one_iam_call() {
    let env = Env::demo();
    env.run_with(
        Creds::AkSk { project: false },
        ["list", &elb(POOL_WEB)],
        None,
    )
    .ok();
    assert_eq!(env.paths("/v3/projects"), 1);
    // --project-id wins: no IAM call.
    env.emu.reset_request_count();
    let before = env.paths("/v3/projects");
    env.run_with(
        Creds::AkSk { project: false },
        ["list", &elb(POOL_WEB), "--project-id", DEFAULT_PROJECT_ID],
        None,
    )
    .ok();
    assert_eq!(env.paths("/v3/projects"), before);
}

fn count(env: &Env, suffix: &str) -> usize {
    env.emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with(suffix))
        .count()
}

#[test]
fn batches_of_450_take_3_calls_each_and_are_idempotent() {
    let env = Env::demo();
    let target = elb(POOL_WEB);
    let rows: String = (0..450)
        .map(|i| format!("192.168.200.7,{},5\n", 2000 + i))
        .collect();
    let file = env.home.path().join("members.csv");
    std::fs::write(&file, format!("address,port,weight\n{rows}")).unwrap();
    let file = file.to_str().unwrap();

    let added = env
        .huawei_lbb(["add", &target, "--from", file, "-o", "json"])
        .ok()
        .json();
    let added = added.as_array().unwrap();
    assert_eq!(added.len(), 450);
    assert!(added.iter().all(|r| r["outcome"] == "added"), "{added:?}");
    assert_eq!(added[0]["item"], "192.168.200.7:2000");
    assert_eq!(count(&env, "/members/batch-add"), 3, "200 + 200 + 50");
    assert_eq!(env.emu.huawei_members(POOL_WEB).unwrap().len(), 456);

    // Again: every one already present, exit 0.
    let again = env
        .huawei_lbb(["add", &target, "--from", file, "-o", "ndjson"])
        .ok();
    let lines: Vec<serde_json::Value> = again
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 450);
    assert!(lines.iter().all(|r| r["outcome"] == "already present"));
    assert_eq!(count(&env, "/members/batch-add"), 6);
    assert_eq!(env.emu.huawei_members(POOL_WEB).unwrap().len(), 456);

    // A weight for some by id, from stdin.
    let ids: Vec<String> = added
        .iter()
        .take(3)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let set = env
        .run_with(
            Creds::AkSk { project: true },
            ["set", &target, "--from", "-", "-o", "json"],
            Some(&format!(
                "{},7\n{{\"id\": \"{}\", \"weight\": 0}}\n{}\n",
                ids[0], ids[1], ids[2]
            )),
        )
        .code(2);
    assert!(set.stderr.contains("line 3"), "{set:#?}");
    let set = env
        .run_with(
            Creds::AkSk { project: true },
            ["set", &target, "--from", "-", "-o", "json"],
            Some(&format!(
                "{},7\n{{\"id\": \"{}\", \"weight\": 0}}\n",
                ids[0], ids[1]
            )),
        )
        .ok()
        .json();
    assert_eq!(set[0]["outcome"], "updated");
    assert_eq!(count(&env, "/members/batch-update"), 1);
    let weights: Vec<u8> = env
        .emu
        .huawei_members(POOL_WEB)
        .unwrap()
        .into_iter()
        .filter(|m| ids[..2].contains(&m.id))
        .map(|m| m.weight)
        .collect();
    assert_eq!(weights, [7, 0]);

    // Removing the 450 by address and port: 3 calls; again: already absent, exit 0.
    let removed = env
        .huawei_lbb(["remove", &target, "--from", file, "-o", "json"])
        .ok()
        .json();
    assert!(removed
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["outcome"] == "removed"));
    assert_eq!(count(&env, "/members/batch-delete"), 3);
    assert_eq!(env.emu.huawei_members(POOL_WEB).unwrap().len(), 6);
    let table = env.huawei_lbb(["remove", &target, "--from", file]).ok();
    assert_eq!(
        table
            .stdout
            .lines()
            .filter(|l| l.contains("already absent"))
            .count(),
        450
    );
    assert_eq!(count(&env, "/members/batch-delete"), 6);
}

#[test]
fn get_shows_why_a_member_is_unhealthy_and_diagnose_runs_a_job_to_its_end() {
    let env = Env::demo();
    let target = elb(POOL_WEB);
    let table = env.huawei_lbb(["get", &target, MEMBER_NO_PORT]).ok();
    assert!(
        table.stdout.contains("reason") && table.stdout.contains("CONNECT_TIMEOUT"),
        "{}",
        table.stdout
    );
    let json = env
        .huawei_lbb(["get", &target, MEMBER_NO_PORT, "-o", "json"])
        .ok()
        .json();
    assert_eq!(json["health_detail"]["code"], "CONNECT_TIMEOUT");
    let healthy = env
        .huawei_lbb(["get", &target, MEMBER_WITH_INSTANCE, "-o", "json"])
        .ok()
        .json();
    assert!(healthy.get("health_detail").is_none());

    let run = env
        .huawei_lbb([
            "diagnose",
            &target,
            MEMBER_NO_PORT,
            "--listener",
            LISTENER_WEB,
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(run["status"], "processed");
    let config = run["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["group"] == "config")
        .unwrap()
        .clone();
    assert_eq!(config["passed"], false);
    assert!(config["reason"]
        .as_str()
        .unwrap()
        .contains("CONNECT_TIMEOUT"));
    assert_eq!(count(&env, "/health-check"), 1);
    assert!(env.paths("/check/jobs/") >= 1);
    let table = env
        .huawei_lbb([
            "diagnose",
            &target,
            MEMBER_WITH_INSTANCE,
            "--subject",
            "config",
        ])
        .ok();
    assert!(table.stdout.contains("processed"), "{}", table.stdout);
    env.huawei_lbb(["diagnose", &target, MEMBER_WITH_INSTANCE, "--subject", "x"])
        .code(2);
}

const POOL_HASH: &str = "5a1e0000-0000-4000-8000-00000000a5e1";
const POOL_GUARDED: &str = "5a1e0000-0000-4000-8000-00000000a5e2";

/// The demo, plus a SOURCE_IP pool and a pool with deletion protection and a drain.
fn settings_env() -> Env {
    use lb_backends_emulator::fleet::{ConnectionDrain, Member, Pool};
    let mut fleet = Fleet::demo();
    let mut hash = Pool::new(POOL_HASH);
    hash.lb_algorithm = "SOURCE_IP".into();
    hash.cross_vpc = true;
    let mut m = Member::new("192.168.9.1", 80);
    m.id = "3e3b0000-0000-4000-8000-00000000a5e1".into();
    hash.members.push(m);
    let mut guarded = Pool::new(POOL_GUARDED);
    guarded.name = "guarded".into();
    guarded.member_deletion_protection_enable = true;
    guarded.connection_drain = Some(ConnectionDrain::on(60));
    guarded.cross_vpc = true;
    let mut m = Member::new("192.168.9.2", 80);
    m.id = "3e3b0000-0000-4000-8000-00000000a5e2".into();
    guarded.members.push(m);
    fleet.huawei.elb.pools.push(hash);
    fleet.huawei.elb.pools.push(guarded);
    Env::from_builder(Emulator::builder().fleet(fleet))
}

#[test]
fn the_pool_is_read_once_and_its_settings_refuse_what_the_cloud_would_ignore() {
    let env = settings_env();
    let hash = elb(POOL_HASH);
    let run = env
        .huawei_lbb([
            "set",
            &hash,
            "3e3b0000-0000-4000-8000-00000000a5e1",
            "--weight",
            "5",
        ])
        .code(2);
    assert!(run.stderr.contains("SOURCE_IP"), "{run:#?}");
    let sent: Vec<String> = env
        .emu
        .requests()
        .into_iter()
        .map(|r| r.method + " " + &r.path)
        .collect();
    assert_eq!(sent.len(), 1, "only the pool read: {sent:?}");
    assert!(
        sent[0].starts_with("GET ") && sent[0].ends_with(POOL_HASH),
        "{sent:?}"
    );

    env.emu.reset_request_count();
    let guarded = elb(POOL_GUARDED);
    let run = env
        .huawei_lbb(["remove", &guarded, "3e3b0000-0000-4000-8000-00000000a5e2"])
        .code(2);
    assert!(
        run.stderr.contains("member_deletion_protection_enable"),
        "{run:#?}"
    );
    let sent: Vec<String> = env
        .emu
        .requests()
        .into_iter()
        .map(|r| r.method + " " + &r.path)
        .collect();
    assert_eq!(sent.len(), 1, "only the pool read: {sent:?}");
    assert!(sent[0].starts_with("GET "), "{sent:?}");
    assert_eq!(env.emu.huawei_members(POOL_GUARDED).unwrap().len(), 1);

    // describe: the pool's own settings, drain timeout from connection_drain.
    let d = env
        .huawei_lbb(["describe", &guarded, "-o", "json"])
        .ok()
        .json();
    assert_eq!(d["name"], "guarded");
    assert_eq!(d["drain_timeout"], 60);
    assert_eq!(d["settings"]["member_deletion_protection_enable"], true);
    let table = env.huawei_lbb(["describe", &hash]).ok();
    assert!(table.stdout.contains("SOURCE_IP"), "{}", table.stdout);
}

fn apig() -> String {
    use lb_backends_emulator::fleet::apig_demo::{CHANNEL_IP, INSTANCE};
    format!("huawei-apig:{INSTANCE}/{CHANNEL_IP}")
}

#[test]
fn apig_disable_then_enable_one_call_each_and_weights_to_10000() {
    use lb_backends_emulator::fleet::apig_demo::{CHANNEL_IP, INSTANCE, MEMBER_IP_1};
    let env = Env::demo();
    let status = |env: &Env| {
        env.emu
            .apig_members(INSTANCE, CHANNEL_IP)
            .unwrap()
            .into_iter()
            .find(|m| m.id == MEMBER_IP_1)
            .unwrap()
            .status
    };
    let off = env
        .huawei_lbb([
            "set",
            &apig(),
            MEMBER_IP_1,
            "--admin-up",
            "false",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(off["admin_state"], "down");
    assert_eq!(status(&env), 2);
    assert_eq!(count(&env, "/members/batch-disable"), 1);
    let on = env
        .huawei_lbb([
            "set",
            &apig(),
            MEMBER_IP_1,
            "--admin-up",
            "true",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(on["admin_state"], "up");
    assert_eq!(status(&env), 1);
    assert_eq!(count(&env, "/members/batch-enable"), 1);
    assert_eq!(
        env.emu
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        2,
        "no re-upsert"
    );

    // Weight 5000: accepted on APIG, refused on ELB before sending.
    let set = env
        .huawei_lbb([
            "set",
            &apig(),
            MEMBER_IP_1,
            "--weight",
            "5000",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(set["weight"], 5000);
    env.huawei_lbb(["set", &apig(), MEMBER_IP_1, "--weight", "10001"])
        .code(2);
    env.emu.reset_request_count();
    let elb_run = env
        .huawei_lbb([
            "set",
            &elb(POOL_WEB),
            MEMBER_WITH_INSTANCE,
            "--weight",
            "5000",
        ])
        .code(2);
    assert!(elb_run.stderr.contains("0 to 100"), "{elb_run:#?}");
    assert_eq!(env.emu.request_count(), 0);

    // describe: the channel's settings.
    let d = env
        .huawei_lbb(["describe", &apig(), "-o", "json"])
        .ok()
        .json();
    assert_eq!(d["settings"]["member_type"], "ip");
    assert!(d["settings"]["vpc_health_config"].is_object());
    assert!(d["settings"].get("members").is_none());
}

#[cfg(feature = "tencent-bmlb")]
#[test]
fn describe_on_a_provider_without_it_is_unsupported() {
    use lb_backends_emulator::{DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY};
    let env = Env::demo();
    let mut cmd = env.cmd(Creds::AkSk { project: true });
    cmd.env("TENCENTCLOUD_SECRET_ID", DEFAULT_TENCENT_SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", DEFAULT_TENCENT_SECRET_KEY)
        .env("TENCENTCLOUD_REGION", "gz")
        .args([
            "describe",
            "tencent-bmlb:lb-abcdefgh/lbl-abcdefgh/dm-abcdefgh/loc-abcdefgh",
        ]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("describing the target"), "{stderr}");
    assert_eq!(env.emu.request_count(), 0);
}

/// `lbb` whose password credentials and region come from the profile alone.
#[cfg(unix)]
fn from_the_profile(env: &Env) -> Command {
    let mut cmd = env.cmd(Creds::Password);
    for var in [
        "HW_USER_NAME",
        "HW_PASSWORD",
        "HW_DOMAIN_NAME",
        "HUAWEICLOUD_SDK_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[cfg(unix)]
#[test]
fn a_profile_with_a_password_works_and_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::demo();
    let dir = env.home.path().join("config/lb-backends");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[profile.default]\nregion = \"cn-north-4\"\nuser_name = \"{DEFAULT_USER_NAME}\"\n\
             password = \"{DEFAULT_PASSWORD}\"\ndomain_name = \"{DEFAULT_DOMAIN_NAME}\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = from_the_profile(&env);
    let out = cmd.args(["list", &elb(POOL_WEB)]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = from_the_profile(&env);
    let out = cmd
        .args(["list", &elb(POOL_WEB), "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(DEFAULT_PASSWORD));
    assert_eq!(env.emu.huawei_tokens_issued(), 1);
}
