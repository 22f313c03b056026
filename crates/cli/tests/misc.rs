//! Completions, logging without secrets, and what a terminal sees (colour, `NO_COLOR`,
//! columns fitted to its width).

mod common;

use common::Env;
#[cfg(feature = "huawei-elb")]
use common::{HUAWEI_SECURITY_TOKEN, TENCENT_SESSION_TOKEN};
use lb_backends_emulator::Fleet;

#[test]
fn completions_for_every_shell() {
    let env = Env::start(Fleet::new());
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = env.run(env.bare().args(["completions", shell])).ok();
        assert!(run.stdout.contains("lbb"), "{shell}");
        assert!(run.stdout.contains("inventory"), "{shell}");
    }
    env.run(env.bare().args(["completions", "tcsh"])).code(2);
}

#[cfg(feature = "huawei-elb")]
#[test]
fn tracing_shows_calls_and_never_a_secret() {
    use lb_backends_emulator::{fleet::demo::*, FaultKind, Faults};
    let env = Env::demo();
    let web = format!("huawei-elb:{POOL_WEB}");
    let run = env
        .lbb(["-vvv", "get", &web, MEMBER_PORT_MATCH, "--instance"])
        .ok();
    assert!(run.stderr.contains("lbb.call"), "{}", run.stderr);
    // Every crate at TRACE, through failing and retried calls too.
    env.emu.set_faults(Faults {
        rate: 1.0,
        kinds: vec![FaultKind::ServerError],
        ..Faults::none()
    });
    let mut cmd = env.bare();
    cmd.env("RUST_LOG", "trace")
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", HUAWEI_SECURITY_TOKEN)
        .env("TENCENTCLOUD_SESSION_TOKEN", TENCENT_SESSION_TOKEN)
        .args(["--endpoint", &env.emu.base_url(), "list", &web]);
    let run = env.run(&mut cmd).code(5);
    assert!(run.stderr.contains("lbb.call"), "{}", run.stderr);
    // -q: nothing but the error.
    let run = env.lbb(["-q", "list", &web]).code(5);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

/// Run `lbb ARGS` on a pseudo-terminal `cols` wide (through `script`), or `None`
/// where `script` is not installed.
#[cfg(feature = "huawei-elb")]
fn on_a_terminal(env: &Env, cols: u16, no_color: bool, args: &str) -> Option<String> {
    use std::process::Command;
    let script = Command::new("script").arg("--version").output().ok()?;
    if !script.status.success() {
        return None;
    }
    let lbb = assert_cmd::cargo::cargo_bin("lbb");
    let line = format!(
        "stty cols {cols} rows 50; {} --endpoint {} {args}",
        lbb.display(),
        env.emu.base_url()
    );
    let base = env.bare();
    let mut cmd = base
        .get_envs()
        .fold(Command::new("script"), |mut c, (k, v)| {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
            c
        });
    cmd.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    for secret in common::SECRETS {
        assert!(!text.contains(secret));
    }
    Some(text)
}

#[cfg(feature = "huawei-elb")]
#[test]
fn a_terminal_gets_colour_unless_no_color_and_fitted_columns() {
    use lb_backends_emulator::fleet::demo::*;
    let env = Env::demo();
    let args = format!("list huawei-elb:{POOL_WEB}");
    let Some(coloured) = on_a_terminal(&env, 200, false, &args) else {
        eprintln!("`script` is not installed: skipped");
        return;
    };
    assert!(
        coloured.contains("\u{1b}[32mhealthy\u{1b}[0m"),
        "{coloured:?}"
    );
    assert!(
        coloured.contains(MEMBER_WITH_INSTANCE),
        "wide enough for whole ids"
    );

    let plain = on_a_terminal(&env, 200, true, &args).unwrap();
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert!(plain.contains("healthy"));

    let narrow = on_a_terminal(&env, 100, true, &args).unwrap();
    let rows: Vec<&str> = narrow.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 7, "{narrow}");
    for row in rows {
        assert!(
            row.chars().count() <= 100,
            "{} > 100: {row}",
            row.chars().count()
        );
    }
    assert!(narrow.contains('…'), "long ids are cut: {narrow}");
    assert!(
        narrow.contains("10.0.1.10"),
        "addresses are never cut: {narrow}"
    );
}
