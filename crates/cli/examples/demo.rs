//! The demo behind `cargo xtask demo`: the emulator of all five APIs on a free loopback
//! port, with a sample fleet of all four providers, and `lbb` run against it the way
//! an operator would run it against the clouds (only the endpoint differs).
//!
//! `cargo run -p lb-backends-cli --example demo`

use std::{io::Write, process::ExitCode};

use lb_backends_emulator::{
    fleet::{apig_demo, clb3::demo_ids as clb3, demo::*},
    tencent::{DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY},
    Emulator, Fleet, DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK,
};

fn main() -> ExitCode {
    // The emulator's (demo-only) credentials, where `lbb` reads them: the clouds'
    // conventional variables. No config file of yours is read.
    for (name, value) in [
        ("HUAWEICLOUD_SDK_AK", DEFAULT_AK),
        ("HUAWEICLOUD_SDK_SK", DEFAULT_SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID),
        ("TENCENTCLOUD_SECRET_ID", DEFAULT_TENCENT_SECRET_ID),
        ("TENCENTCLOUD_SECRET_KEY", DEFAULT_TENCENT_SECRET_KEY),
        ("TENCENTCLOUD_REGION", "gz"),
        ("LBB_CONFIG", "/nonexistent/lbb-demo/config.toml"),
    ] {
        std::env::set_var(name, value);
    }
    for name in [
        "LBB_PROFILE",
        "LBB_OUTPUT",
        "RUST_LOG",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    ] {
        std::env::remove_var(name);
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("demo: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let emulator = match runtime.block_on(Emulator::builder().fleet(Fleet::demo()).start()) {
        Ok(emu) => emu,
        Err(e) => {
            eprintln!("demo: cannot start the emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = emulator.base_url();
    let dir = std::env::temp_dir().join(format!("lbb-demo-{}", std::process::id()));
    let fleet_file = dir.join("fleet.toml");
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&fleet_file, fleet_toml()))
    {
        eprintln!("demo: cannot write {}: {e}", fleet_file.display());
        return ExitCode::FAILURE;
    }

    println!("lb-backends demo");
    println!("================");
    println!();
    println!("The emulator of the cloud APIs (Huawei ELB v3, VPC v1, APIG; Tencent CLB on API");
    println!("3.0 and on the legacy API, BMLB) listens on {url}, holding a sample fleet:");
    println!("4 ELB pools, 3 APIG VPC channels, a standard and a classic CLB, a BMLB path.");
    println!();
    println!("Every command below is `lbb --endpoint {url} ...`, signed with the emulator's");
    println!("demo credentials from HUAWEICLOUD_SDK_AK/_SK/_PROJECT_ID and TENCENTCLOUD_*.");
    println!("Against the real clouds you would drop --endpoint and set your own.");

    let web = format!("huawei-elb:{POOL_WEB}");
    let empty = format!("huawei-elb:{POOL_EMPTY}");
    let clb = format!("tencent-clb:{TENCENT_CLB}");
    let tcp = format!("tencent-clb:{}/{}", clb3::STANDARD, clb3::TCP);
    let fleet = fleet_file.display().to_string();
    let steps: Vec<(&str, Vec<&str>, u8)> = vec![
        (
            "Every backend of every target in a fleet file, all four providers at once \
             (a few targets at a time, within a per-provider rate of API calls):",
            vec!["inventory", &fleet],
            0,
        ),
        // Issue 13: discovery.
        (
            "No fleet file at hand? Every target of the account, discovered (ELB pools, \
             APIG VPC channels, CLB load balancers, BMLB paths):",
            vec!["targets"],
            0,
        ),
        (
            "Where is 10.0.1.10 registered? Every place, across the providers (ELB and \
             APIG filter by address on the server; the rest is confirmed by listing):",
            vec!["find", "10.0.1.10"],
            0,
        ),
        ("The members of one ELB pool:", vec!["list", &web], 0),
        (
            "The same, as JSON for scripts (fields documented in docs/cli.md); here the \
             TCP listener of a Tencent standard CLB, on API 3.0 (health per backend):",
            vec!["list", &tcp, "--output", "json"],
            0,
        ),
        (
            "Which ECS is behind this member? ELB does not say, so lbb finds its VPC \
             port on the member's own subnet (the same address exists in another VPC):",
            vec!["get", &web, MEMBER_PORT_MATCH, "--instance"],
            0,
        ),
        (
            "Registering a backend: first a dry run, which checks everything and sends \
             nothing...",
            vec![
                "add",
                &empty,
                "--address",
                "10.0.1.50",
                "--port",
                "443",
                "--weight",
                "5",
                "--subnet",
                SUBNET_A1,
                "--name",
                "web-new",
                "--dry-run",
            ],
            0,
        ),
        (
            "...then for real:",
            vec![
                "add",
                &empty,
                "--address",
                "10.0.1.50",
                "--port",
                "443",
                "--weight",
                "5",
                "--subnet",
                SUBNET_A1,
                "--name",
                "web-new",
            ],
            0,
        ),
        (
            "On Tencent a write is an asynchronous task: lbb returns once it has ended \
             (here a backend registered on the CLB's TCP listener):",
            vec![
                "add",
                &tcp,
                "--address",
                "10.0.0.9",
                "--port",
                "8080",
                "--weight",
                "20",
            ],
            0,
        ),
        (
            "A classic CLB binds cloud instances, not addresses: what it cannot take is \
             refused before anything is sent, exit code 2 (--instance ins-... would work):",
            vec!["add", &clb, "--address", "10.0.0.9", "--port", "80"],
            2,
        ),
        (
            "A pool that does not exist: the cloud's code and request id, exit code 4:",
            vec!["list", "huawei-elb:5a1e0999-0000-4000-8000-000000000999"],
            4,
        ),
    ];

    let mut failed = false;
    for (i, (what, args, expected)) in steps.iter().enumerate() {
        println!();
        println!("{}. {what}", i + 1);
        println!();
        println!("$ lbb {}", args.join(" "));
        let _ = std::io::stdout().flush();
        let mut full = vec!["lbb", "--endpoint", &url];
        full.extend(args.iter().copied());
        let code = lb_backends_cli::run(full);
        let _ = std::io::stderr().flush();
        if code != ExitCode::from(*expected) {
            eprintln!("demo: this step should have exited {expected}");
            failed = true;
        } else if *expected != 0 {
            println!("(exit code {expected})");
        }
    }

    println!();
    println!(
        "That was {} API calls to the emulator.",
        emulator.request_count()
    );
    println!();
    println!("Next:");
    println!("  cargo run -p lb-backends-emulator             # the emulator on its own, with its credentials");
    println!("  cargo run -p lb-backends-cli -- --help        # lbb itself");
    println!(
        "  docs/cli.md                                   # commands, config, formats, exit codes"
    );
    let _ = std::fs::remove_dir_all(&dir);
    runtime.block_on(emulator.shutdown());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Every target of the demo fleet, one per provider section.
fn fleet_toml() -> String {
    let mut targets: Vec<String> = [POOL_WEB, POOL_UDP, POOL_DUAL, POOL_EMPTY]
        .iter()
        .map(|p| format!("huawei-elb:{p}"))
        .collect();
    for c in [
        apig_demo::CHANNEL_IP,
        apig_demo::CHANNEL_ECS,
        apig_demo::CHANNEL_EMPTY,
    ] {
        targets.push(format!("huawei-apig:{}/{c}", apig_demo::INSTANCE));
    }
    targets.push(format!("tencent-clb:{TENCENT_CLB}"));
    targets.push(format!("tencent-bmlb:{}", TENCENT_BMLB.join("/")));
    let mut text = String::from(
        "# lbb inventory: the demo fleet\n[limits]\nconcurrency = 4\n\n[limits.rate]\nhuawei-elb = 10\ntencent-clb = 5\n",
    );
    for t in targets {
        text.push_str(&format!("\n[[target]]\ntarget = \"{t}\"\n"));
    }
    text
}
