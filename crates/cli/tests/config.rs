//! Credentials: the environment first, then a profile of the config file (inline, or
//! through the variables it names); profile selection and endpoints; the permission
//! rule for files holding a secret.
#![cfg(feature = "huawei-elb")]

mod common;

use common::Env;
use lb_backends_emulator::{
    fleet::demo::*, DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK, DEFAULT_TOKEN,
};

fn web() -> String {
    format!("huawei-elb:{POOL_WEB}")
}

#[test]
fn a_profile_names_the_variables_that_hold_secrets() {
    let env = Env::demo();
    // No secret inline: any mode is fine.
    env.write_config(
        &format!(
            "[profile.default]\nproject_id = \"{DEFAULT_PROJECT_ID}\"\nendpoint = \"{}\"\n\
             ak = \"{DEFAULT_AK}\"\nsk_env = \"MY_ELB_SK\"\n",
            env.emu.base_url()
        ),
        0o644,
    );
    let run = env
        .run(
            env.without_credentials()
                .env("MY_ELB_SK", DEFAULT_SK)
                .args(["list", &web()]),
        )
        .ok();
    assert_eq!(run.stdout.lines().count(), 7);

    let unset = env
        .run(env.without_credentials().args(["list", &web()]))
        .code(3);
    assert!(
        unset
            .error_line()
            .contains("takes sk from the variable MY_ELB_SK, which is not set"),
        "{}",
        unset.stderr
    );
}

#[test]
fn inline_secrets_need_an_owner_only_file() {
    let env = Env::demo();
    let text = format!(
        "[profile.prod]\nproject_id = \"{DEFAULT_PROJECT_ID}\"\nendpoint = \"{}\"\n\
         ak = \"{DEFAULT_AK}\"\nsk = \"{DEFAULT_SK}\"\n",
        env.emu.base_url()
    );
    env.write_config(&text, 0o600);
    env.run(
        env.without_credentials()
            .args(["--profile", "prod", "list", &web()]),
    )
    .ok();
    env.run(
        env.without_credentials()
            .env("LBB_PROFILE", "prod")
            .args(["list", &web()]),
    )
    .ok();
    #[cfg(unix)]
    {
        env.write_config(&text, 0o604);
        let run = env
            .run(
                env.without_credentials()
                    .args(["--profile", "prod", "list", &web()]),
            )
            .code(3);
        assert!(
            run.error_line().contains("profile.prod.sk"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn the_environment_wins_over_the_profile() {
    let env = Env::demo();
    env.write_config(
        &format!(
            "[profile.default]\nproject_id = \"{DEFAULT_PROJECT_ID}\"\nregion = \"cn-north-4\"\n\
             ak = \"{DEFAULT_AK}\"\nsk = \"wrong-secret-key\"\n"
        ),
        0o600,
    );
    // Complete credentials in the environment: the profile's wrong key is not used;
    // --endpoint wins over the profile's region.
    env.lbb(["list", &web()]).ok();
    // Only the profile: its wrong key is refused by the cloud.
    let run = env
        .run(
            env.without_credentials()
                .args(["--endpoint", &env.emu.base_url(), "list", &web()]),
        )
        .code(3);
    assert!(!run.stderr.contains("wrong-secret-key"));
}

#[test]
fn profile_selection_and_endpoints() {
    let env = Env::demo();
    let url = env.emu.base_url();
    env.write_config(
        &format!(
            "[profile.split]\nproject_id = \"{DEFAULT_PROJECT_ID}\"\nregion = \"cn-north-4\"\n\
             token_env = \"MY_TOKEN\"\n\
             [profile.split.endpoints]\nelb = \"{url}\"\nvpc = \"{url}\"\n"
        ),
        0o600,
    );
    // Per-service endpoints; the ECS lookup goes to the VPC endpoint.
    let run = env
        .run(
            env.without_credentials()
                .env("MY_TOKEN", DEFAULT_TOKEN)
                .args([
                    "--profile",
                    "split",
                    "get",
                    &web(),
                    MEMBER_PORT_MATCH,
                    "--instance",
                    "-o",
                    "json",
                ]),
        )
        .ok();
    assert_eq!(run.json()["instance_lookup"]["instance"]["id"], ECS_2);

    let missing = env
        .run(
            env.without_credentials()
                .args(["--profile", "nope", "list", &web()]),
        )
        .code(2);
    assert!(
        missing.error_line().contains("no profile \"nope\""),
        "{}",
        missing.stderr
    );

    // LBB_CONFIG points elsewhere.
    let other = env.write_file(
        "elsewhere.toml",
        &format!(
            "[profile.default]\nproject_id = \"{DEFAULT_PROJECT_ID}\"\nendpoint = \"{url}\"\n\
             token_env = \"MY_TOKEN\"\n"
        ),
    );
    env.run(
        env.without_credentials()
            .env("LBB_CONFIG", &other)
            .env("MY_TOKEN", DEFAULT_TOKEN)
            .args(["list", &web()]),
    )
    .ok();
}

#[test]
fn a_huawei_token_from_the_environment() {
    let env = Env::demo();
    env.run(
        env.without_credentials()
            .env("HUAWEICLOUD_SDK_AUTH_TOKEN", DEFAULT_TOKEN)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID)
            .args(["--endpoint", &env.emu.base_url(), "list", &web()]),
    )
    .ok();
}

#[test]
fn a_broken_config_file_is_exit_2_without_its_text() {
    let env = Env::demo();
    env.write_config(
        "[profile.default]\nsk = \"sk-unterminated\nak = \"x\"\n",
        0o600,
    );
    let run = env.lbb(["list", &web()]).code(2);
    assert!(run.error_line().contains("line 2"), "{}", run.stderr);
    assert!(!run.stderr.contains("sk-unterminated"));
}

#[cfg(feature = "tencent-clb")]
#[test]
fn a_tencent_profile() {
    use lb_backends_emulator::tencent::{DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY};
    let env = Env::demo();
    env.write_config(
        &format!(
            "[profile.tc]\nregion = \"gz\"\nendpoint = \"{}\"\nsecret_id = \"{DEFAULT_TENCENT_SECRET_ID}\"\n\
             secret_key_env = \"MY_TC_KEY\"\n",
            env.emu.base_url()
        ),
        0o600,
    );
    let run = env
        .run(
            env.without_credentials()
                .env("MY_TC_KEY", DEFAULT_TENCENT_SECRET_KEY)
                .args([
                    "--profile",
                    "tc",
                    "list",
                    &format!("tencent-clb:{TENCENT_CLB}"),
                ]),
        )
        .ok();
    assert_eq!(run.stdout.lines().count(), 3);
}
