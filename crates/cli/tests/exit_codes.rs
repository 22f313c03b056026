//! Every documented exit code, each with one clear error line on stderr (the cloud's
//! code and request id when it sent them, no backtrace, no secret).
#![cfg(feature = "huawei-elb")]

mod common;

use std::time::Duration;

use common::Env;
use lb_backends_emulator::{fleet::demo::*, FaultKind, Faults};

fn web() -> String {
    format!("huawei-elb:{POOL_WEB}")
}

#[test]
fn exit_0_ok() {
    let env = Env::demo();
    env.lbb(["list", &web()]).code(0);
    let help = env.run(env.bare().arg("--help")).code(0);
    assert!(help.stdout.contains("Exit codes:"), "{}", help.stdout);
    env.run(env.bare().arg("--version")).code(0);
}

#[test]
fn exit_2_usage_and_invalid_input() {
    let env = Env::demo();
    env.emu.reset_request_count();
    // clap's own usage errors
    env.lbb(["lsit", &web()]).code(2);
    env.lbb(["get", &web()]).code(2);
    env.lbb(["list", "huawei-elb:../x"]).code(2);
    env.lbb(["list", "aws-elb:x"]).code(2);
    env.lbb(["list", &web(), "--timeout", "0"]).code(2);
    env.lbb(["list", &web(), "-o", "yaml"]).code(2);
    // A rate too small for any interval is refused, not a crash.
    env.lbb(["inventory", "fleet.toml", "--rate", "huawei-elb=1e-300"])
        .code(2);
    // A credential in an endpoint URL is refused without being echoed.
    let err = env
        .run(env.bare().args([
            "--endpoint",
            "http://user:TOPSECRET@10.1.2.3:8080",
            "list",
            &web(),
        ]))
        .code(2);
    assert!(!err.stderr.contains("TOPSECRET"), "{}", err.stderr);
    // our checks
    let err = env.lbb(["set", &web(), MEMBER_WITH_INSTANCE]).code(2);
    assert!(
        err.error_line().contains("changes nothing"),
        "{}",
        err.stderr
    );
    let err = env
        .run(
            env.bare()
                .args(["--endpoint", "http://10.1.2.3:8080", "list", &web()]),
        )
        .code(2);
    assert!(
        err.error_line().contains("plain http off loopback"),
        "{}",
        err.stderr
    );
    // No region and no endpoint: where to send it?
    let err = env.run(env.bare().args(["list", &web()])).code(2);
    assert!(
        err.error_line().contains("no Huawei region"),
        "{}",
        err.stderr
    );
    // Not supported by the provider (the legacy BMLB API is read-only).
    #[cfg(feature = "tencent-bmlb")]
    {
        let err = env
            .lbb([
                "add",
                "tencent-bmlb:lb-abcdefgh/lbl-abcdefgh/dm-abcdefgh/loc-abcdefgh",
                "--address",
                "10.0.0.1",
                "--port",
                "80",
            ])
            .code(2);
        assert_eq!(
            err.error_line(),
            "lbb: unsupported: adding a backend is not supported by tencent-bmlb"
        );
    }
    // Issue 10: a legacy classic CLB takes writes, by instance id only.
    #[cfg(feature = "tencent-clb")]
    {
        let err = env
            .lbb([
                "add",
                "tencent-clb:lb-abcdefgh",
                "--address",
                "10.0.0.1",
                "--port",
                "80",
            ])
            .code(2);
        assert!(err.error_line().contains("--instance"), "{}", err.stderr);
    }
    // A provider this build does not have.
    #[cfg(not(feature = "tencent-clb"))]
    {
        let err = env.lbb(["list", "tencent-clb:lb-abcdefgh"]).code(2);
        assert!(
            err.error_line().contains("not compiled into this build"),
            "{}",
            err.stderr
        );
    }
    assert_eq!(env.emu.request_count(), 0, "nothing was sent");
}

#[test]
fn exit_3_authentication_or_permission() {
    let env = Env::demo();
    let wrong_key = env
        .run(env.bare().env("HUAWEICLOUD_SDK_SK", "not-the-key").args([
            "--endpoint",
            &env.emu.base_url(),
            "list",
            &web(),
        ]))
        .code(3);
    let line = wrong_key.error_line();
    assert!(line.starts_with("lbb: unauthorized: "), "{line}");
    assert!(
        line.contains("code APIGW.0301") && line.contains("HTTP 401"),
        "{line}"
    );
    assert!(line.contains("request id "), "{line}");
    assert!(!wrong_key.stderr.contains("not-the-key"));

    let no_credentials = env
        .run(
            env.bare()
                .env_remove("HUAWEICLOUD_SDK_AK")
                .env_remove("HUAWEICLOUD_SDK_SK")
                .args(["--endpoint", &env.emu.base_url(), "list", &web()]),
        )
        .code(3);
    assert!(no_credentials
        .error_line()
        .contains("no Huawei credentials"));

    let other_project = env
        .lbb([
            "list",
            &web(),
            "--project-id",
            "fedcba9876543210fedcba9876543210",
        ])
        .code(3);
    assert!(other_project.error_line().starts_with("lbb: forbidden: "));
}

#[cfg(unix)]
#[test]
fn exit_3_for_a_config_file_others_can_read_holding_a_secret() {
    let env = Env::demo();
    let path = env.write_config(
        "[profile.default]\nak = \"AK\"\nsk = \"sk-in-a-shared-file\"\n",
        0o644,
    );
    let run = env.lbb(["list", &web()]).code(3);
    let line = run.error_line();
    assert!(line.contains(&path.display().to_string()), "{line}");
    assert!(line.contains("chmod 600"), "{line}");
    assert!(!run.stderr.contains("sk-in-a-shared-file"));
}

#[test]
fn exit_4_not_found() {
    let env = Env::demo();
    let run = env
        .lbb(["list", "huawei-elb:5a1e0999-0000-4000-8000-000000000999"])
        .code(4);
    let line = run.error_line();
    assert!(line.starts_with("lbb: not found: "), "{line}");
    assert!(
        line.contains("code ELB.8904, HTTP 404, request id "),
        "{line}"
    );
    env.lbb(["get", &web(), "3e3b0999-0000-4000-8000-000000000999"])
        .code(4);
    env.lbb(["remove", &web(), "3e3b0999-0000-4000-8000-000000000999"])
        .code(4);
}

#[test]
fn exit_5_service_errors_and_throttling_after_retries() {
    let env = Env::demo();
    env.emu.set_faults(Faults {
        rate: 1.0,
        kinds: vec![FaultKind::ServerError],
        ..Faults::none()
    });
    let run = env.lbb(["list", &web()]).code(5);
    assert!(
        run.error_line().starts_with("lbb: service: "),
        "{}",
        run.stderr
    );
    assert_eq!(env.emu.request_count(), 2, "LBB_MAX_ATTEMPTS=2 attempts");

    env.emu.reset_request_count();
    env.emu.set_faults(Faults {
        rate: 1.0,
        kinds: vec![FaultKind::Throttle],
        retry_after: Duration::ZERO,
        ..Faults::none()
    });
    let run = env.lbb(["list", &web(), "--max-attempts", "3"]).code(5);
    let line = run.error_line();
    assert!(line.starts_with("lbb: throttled: "), "{line}");
    assert!(
        line.contains("code APIGW.0308") && line.contains("HTTP 429"),
        "{line}"
    );
    assert_eq!(
        env.emu.request_count(),
        3,
        "--max-attempts wins over the variable"
    );

    env.emu.set_faults(Faults::none());
    let closed = env
        .run(
            env.bare()
                .args(["--endpoint", "http://127.0.0.1:1", "list", &web()]),
        )
        .code(5);
    assert!(
        closed.error_line().starts_with("lbb: transport: "),
        "{}",
        closed.stderr
    );
}

#[test]
fn exit_1_anything_else() {
    let env = Env::demo();
    // The same address and port twice: a conflict (with --strict: without it, an add
    // of what exists is success, issue 12).
    let run = env
        .lbb([
            "add",
            "--strict",
            &web(),
            "--address",
            "10.0.1.10",
            "--port",
            "80",
            "--subnet",
            SUBNET_A1,
        ])
        .code(1);
    let line = run.error_line();
    assert!(line.starts_with("lbb: conflict: "), "{line}");
    assert!(line.contains("code ELB.8907, HTTP 409"), "{line}");
}
