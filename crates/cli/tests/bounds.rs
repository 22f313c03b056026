//! What bounds a run: the per-call deadline against a server that never answers, the
//! shortest timeout, and config files that are not regular files (issue 8: items 11,
//! 8b and 8e).
#![cfg(feature = "huawei-elb")]

mod common;

use std::time::{Duration, Instant};

use common::Env;
use lb_backends_emulator::fleet::demo::POOL_WEB;

fn web() -> String {
    format!("huawei-elb:{POOL_WEB}")
}

/// A server that accepts every connection and never answers (nor closes).
fn silent_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    url
}

#[test]
fn the_deadline_ends_a_call_to_a_server_that_never_answers() {
    let env = Env::start(lb_backends_emulator::Fleet::new());
    let url = silent_server();
    let started = Instant::now();
    let run = env
        .run(env.bare().args([
            "--endpoint",
            &url,
            "--deadline",
            "3s",
            "--max-attempts",
            "5",
            "list",
            &web(),
        ]))
        .code(5);
    let took = started.elapsed();
    // The acceptance bound: exit 5 in under 4 s (the request timeout is 30 s).
    assert!(took < Duration::from_secs(4), "took {took:?}");
    let line = run.error_line();
    assert!(line.starts_with("lbb: timeout: "), "{line}");
    assert!(line.contains("within the deadline of 3s"), "{line}");

    let help = env.run(env.bare().arg("--help")).ok();
    assert!(
        help.stdout.contains("--deadline <DURATION>"),
        "{}",
        help.stdout
    );
    assert!(help.stdout.contains("[default: 2m]"), "{}", help.stdout);
}

#[test]
fn durations_under_one_millisecond_are_refused() {
    let env = Env::demo();
    for flag in ["--timeout", "--deadline"] {
        let run = env.lbb(["list", &web(), flag, "0.5ms"]).code(2);
        assert!(run.stderr.contains("between 1ms and 60m"), "{}", run.stderr);
    }
    assert_eq!(
        env.emu.request_count(),
        0,
        "refused before anything was sent"
    );
    // 1 ms is accepted (whatever the network then makes of it).
    let run = env.lbb(["list", &web(), "--timeout", "1ms", "--max-attempts", "1"]);
    assert_ne!(run.code, 2, "{run:?}");
}

#[cfg(unix)]
#[test]
fn lbb_config_naming_a_fifo_or_a_device_is_exit_2_at_once() {
    let env = Env::demo();
    let fifo = env.home.path().join("config.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // The FIFO first: before the fix it blocked forever (the timeout ends it).
    for path in [fifo.as_path(), std::path::Path::new("/dev/zero")] {
        let run = env
            .run(
                env.bare()
                    .env("LBB_CONFIG", path)
                    .timeout(Duration::from_secs(20))
                    .args(["--endpoint", &env.emu.base_url(), "list", &web()]),
            )
            .code(2);
        let line = run.error_line();
        assert!(line.contains("not a regular file"), "{line}");
        assert!(line.contains(&path.display().to_string()), "{line}");
    }
    assert_eq!(env.emu.request_count(), 0);
}
