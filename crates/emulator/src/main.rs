//! `lbb-emulator`: runs the emulator until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lb_backends_emulator::{
    Emulator, FaultKind, Faults, Fleet, TencentAccount, DEFAULT_AK, DEFAULT_SK,
    DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY, DEFAULT_TOKEN,
};

/// Ids of the generated APIG instance and VPC channel.
const GENERATED_APIG: [&str; 2] = [
    "a9160000000040008000000000000001",
    "c4a00000000040008000000000000001",
];
/// Ids of the generated Tencent CLB load balancer and BMLB forwarding path.
const GENERATED_CLB: &str = "lb-gen00001";
/// Id of the generated standard CLB (API 3.0).
const GENERATED_CLB3: &str = "lb-gen3std1";
const GENERATED_BMLB: [&str; 4] = ["lb-genbm001", "lbl-gen00001", "dm-gen00001", "loc-gen00001"];
/// Id of the generated BMLB layer-4 listener (API 3.0).
const GENERATED_BMLB_L4: [&str; 2] = ["lb-genbm001", "lbl-gen4l001"];

/// A local stand-in for the Huawei Cloud ELB v3 (members) and VPC v1 (ports) APIs and
/// the Tencent Cloud CLB and BMLB APIs: legacy (/v2/index.php) and API 3.0 (POST or
/// GET /, TC3-HMAC-SHA256 or signature v1), with asynchronous write tasks.
///
/// Serves every API on one loopback port, with token (X-Auth-Token) and AK/SK
/// (SDK-HMAC-SHA256) authentication, the create-member rules, marker paging, Tencent
/// signature v1 with clock and nonce checks, and optional injected faults. The
/// credentials are emulator-only demo values.
#[derive(Debug, Parser)]
#[command(
    name = "lbb-emulator",
    version,
    after_help = "\
Examples:
  lbb-emulator
      Serve the demo fleet on a free port.
  lbb-emulator --listen 127.0.0.1:8080 --fixture crates/emulator/fixtures/demo.json
      Serve a fixture file on a fixed port.
  lbb-emulator --members 5000 --seed 7
      Add a generated pool of 5,000 members (its id is printed) to the demo fleet.
  lbb-emulator --fault-rate 0.1 --faults server-error,throttle --retry-after-secs 0
      Answer 10 % of the requests with a 5xx or a 429.
  lbb-emulator --latency-ms 200
      Add 200 ms to every request.
  lbb-emulator --clb-backends 250 --bmlb-bindings 130 --fault-rate 0.2 \\
      --faults server-error,drop,tencent-throttle
      Add a Tencent CLB load balancer and a BMLB forwarding path, with faults.
  lbb-emulator --clb3-targets 320
      Add a standard CLB (API 3.0; two layer-4 listeners, one layer-7 listener with
      two rules) of 320 targets. The demo fleet's API 3.0 ids: lb-std00001 (standard:
      lbl-tcp00001, lbl-udp00001, lbl-http0001 with loc-rule0001 and loc-rule0002)
      and lb-cls00001 (classic); every legacy CLB is a classic CLB on API 3.0.
      BMLB on API 3.0: the layer-7 path lb-abcdefgh/lbl-abcdefgh/dm-abcdefgh/
      loc-abcdefgh and the layer-4 listener lb-abcdefgh/lbl-bml4tcp1.
  lbb-emulator --tencent-task-ms 2000 --tencent-failing-listeners lbl-tcp00001
      Tencent write tasks take 2 s; batch calls fail on listener lbl-tcp00001.

Fault kinds: server-error (500/502/503), throttle (429 + Retry-After), drop (close the
connection without answering), truncate (cut the body short), drop-after-commit (do
the work, then close without answering), tencent-throttle (Tencent only: code 4400
under HTTP 200 on the legacy API, RequestLimitExceeded on API 3.0)."
)]
struct Cli {
    /// Address to listen on; loopback only (127.0.0.0/8 or ::1). Port 0: any free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,

    /// Fleet fixture (JSON) to serve instead of the demo fleet.
    #[arg(long, value_name = "FILE")]
    fixture: Option<PathBuf>,

    /// Also generate one ELB pool with N members (and the VPC ports behind them).
    #[arg(long, value_name = "N")]
    members: Option<usize>,

    /// Id of the generated pool.
    #[arg(
        long,
        value_name = "ID",
        default_value = "9e0e0000-0000-4000-8000-000000000001"
    )]
    pool_id: String,

    /// Also generate an APIG instance with one ecs VPC channel of N members
    /// (a9160000000040008000000000000001/c4a00000000040008000000000000001).
    #[arg(long, value_name = "N")]
    apig_members: Option<usize>,

    /// Seed for generated data and random faults: same seed, same run.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Huawei project id accepted in paths [default: the fixture's, else
    /// 0123456789abcdef0123456789abcdef].
    #[arg(long, value_name = "ID")]
    project_id: Option<String>,

    /// Huawei IAM token accepted in X-Auth-Token.
    #[arg(long, default_value = DEFAULT_TOKEN)]
    token: String,

    /// Lifetime in seconds of the tokens Huawei IAM issues for a password (the
    /// cloud's is 86400): short ones make clients refresh.
    #[arg(long, value_name = "SECONDS", default_value_t = 86_400)]
    token_lifetime: u64,

    /// Huawei access key (AK) accepted for SDK-HMAC-SHA256.
    #[arg(long, default_value = DEFAULT_AK)]
    ak: String,

    /// Huawei secret key (SK) accepted for SDK-HMAC-SHA256.
    #[arg(long, default_value = DEFAULT_SK)]
    sk: String,

    /// Tencent SecretId accepted (legacy API, signature v1).
    #[arg(long, default_value = DEFAULT_TENCENT_SECRET_ID)]
    tencent_secret_id: String,

    /// Tencent SecretKey accepted.
    #[arg(long, default_value = DEFAULT_TENCENT_SECRET_KEY)]
    tencent_secret_key: String,

    /// Also generate a Tencent CLB load balancer (lb-gen00001) with N backends.
    #[arg(long, value_name = "N")]
    clb_backends: Option<usize>,

    /// Also generate a Tencent BMLB forwarding path
    /// (lb-genbm001/lbl-gen00001/dm-gen00001/loc-gen00001) with N bindings.
    #[arg(long, value_name = "N")]
    bmlb_bindings: Option<usize>,

    /// Also generate a standard Tencent CLB for API 3.0 (lb-gen3std1) with N targets
    /// over two layer-4 listeners and one layer-7 listener with two rules.
    #[arg(long, value_name = "N")]
    clb3_targets: Option<usize>,

    /// Also generate a BMLB layer-4 listener for API 3.0 (lb-genbm001/lbl-gen4l001)
    /// with N bindings.
    #[arg(long, value_name = "N")]
    bmlb_l4_bindings: Option<usize>,

    /// How long a Tencent write task runs (API 3.0 and legacy), in milliseconds;
    /// the load balancer is busy meanwhile.
    #[arg(long, default_value_t = 200, value_name = "MS")]
    tencent_task_ms: u64,

    /// How long a newly bound Tencent CLB target is `Unknown` before it is `Alive`,
    /// in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    tencent_health_delay_ms: u64,

    /// Listeners that Tencent batch calls fail on (`FailListenerIdSet`),
    /// comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    tencent_failing_listeners: Vec<String>,

    /// The next N Tencent write tasks fail (`Status` 1) and are not applied.
    #[arg(long, default_value_t = 0, value_name = "N")]
    tencent_failing_tasks: usize,

    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency_ms: u64,

    /// Fraction of requests (0.0-1.0) that get a random fault.
    #[arg(long, default_value_t = 0.0, value_name = "RATE", value_parser = parse_rate)]
    fault_rate: f64,

    /// Fault kinds drawn from, comma-separated (default with --fault-rate: server-error,throttle).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    faults: Vec<FaultKind>,

    /// Retry-After of throttled answers, in seconds.
    #[arg(long, default_value_t = 1, value_name = "SECS")]
    retry_after_secs: u64,

    /// How long a new member in a pool with a health monitor stays INITIAL, in ms.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    health_check_delay_ms: u64,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("`{s}` is not a number from 0.0 to 1.0")),
    }
}

/// The fleet to serve (the generated ELB pool, if any, is made by the server itself:
/// see `EmulatorBuilder::generated_elb_pool`).
fn fleet(cli: &Cli) -> Result<Fleet, lb_backends_emulator::Error> {
    let mut fleet = match &cli.fixture {
        Some(path) => Fleet::from_file(path)?,
        None => Fleet::demo(),
    };
    if let Some(n) = cli.apig_members {
        let [instance, channel] = GENERATED_APIG;
        fleet.merge(Fleet::generate_apig_channel(instance, channel, n, cli.seed));
    }
    if let Some(n) = cli.clb_backends {
        fleet.merge(Fleet::generate_clb(GENERATED_CLB, n, cli.seed));
    }
    if let Some(n) = cli.clb3_targets {
        let mut extra = Fleet::new();
        extra.tencent.clb3.load_balancers.push(
            lb_backends_emulator::fleet::clb3::generate_standard(GENERATED_CLB3, n),
        );
        fleet.merge(extra);
    }
    if let Some(n) = cli.bmlb_bindings {
        let [lb, listener, domain, location] = GENERATED_BMLB;
        fleet.merge(Fleet::generate_bmlb(
            lb, listener, domain, location, n, cli.seed,
        ));
    }
    if let Some(n) = cli.bmlb_l4_bindings {
        let [lb, listener] = GENERATED_BMLB_L4;
        let generated =
            Fleet::generate_bmlb(lb, listener, "dm-gen4l001", "loc-gen4l001", n, cli.seed);
        let mut l4 = lb_backends_emulator::fleet::BmlbL4Listener::new(lb, listener);
        l4.bindings = generated.tencent.bmlb.locations[0].bindings.clone();
        let mut extra = Fleet::new();
        extra.tencent.bmlb.l4_listeners.push(l4);
        fleet.merge(extra);
    }
    Ok(fleet)
}

async fn run(cli: Cli) -> Result<(), lb_backends_emulator::Error> {
    if !cli.listen.ip().is_loopback() {
        return Err(lb_backends_emulator::Error::NotLoopback(cli.listen));
    }
    let fleet = fleet(&cli)?;
    let mut kinds = cli.faults.clone();
    if kinds.is_empty() && cli.fault_rate > 0.0 {
        kinds = vec![FaultKind::ServerError, FaultKind::Throttle];
    }
    let faults = Faults {
        latency: Duration::from_millis(cli.latency_ms),
        rate: cli.fault_rate,
        kinds,
        retry_after: Duration::from_secs(cli.retry_after_secs),
    };
    let mut pools: Vec<(String, usize)> = fleet
        .huawei
        .elb
        .pools
        .iter()
        .map(|p| (p.id.clone(), p.members.len()))
        .collect();
    let generated = cli.members.map(|n| {
        pools.push((cli.pool_id.clone(), n));
        cli.pool_id.clone()
    });
    let apig_targets: Vec<(String, usize)> = fleet
        .huawei
        .apig
        .instances
        .iter()
        .flat_map(|i| {
            i.channels
                .iter()
                .map(|c| (format!("huawei-apig:{}/{}", i.id, c.id), c.members.len()))
        })
        .collect();
    let tencent_targets: Vec<(String, usize)> = fleet
        .tencent
        .clb
        .load_balancers
        .iter()
        .map(|lb| {
            (
                format!("tencent-clb:{}", lb.load_balancer_id),
                lb.backends.len(),
            )
        })
        .chain(fleet.tencent.clb3.load_balancers.iter().flat_map(|lb| {
            let id = &lb.load_balancer_id;
            let n = lb.classic_targets.len()
                + lb.listeners
                    .iter()
                    .map(|l| {
                        l.targets.len() + l.rules.iter().map(|r| r.targets.len()).sum::<usize>()
                    })
                    .sum::<usize>();
            let kind = if lb.forward == 1 {
                "standard"
            } else {
                "classic"
            };
            let mut out = vec![(format!("tencent-clb:{id} (API 3.0, {kind})"), n)];
            for l in &lb.listeners {
                for r in &l.rules {
                    out.push((
                        format!("tencent-clb:{id}/{}/{}", l.listener_id, r.location_id),
                        r.targets.len(),
                    ));
                }
                if l.rules.is_empty() {
                    out.push((
                        format!("tencent-clb:{id}/{}", l.listener_id),
                        l.targets.len(),
                    ));
                }
            }
            out
        }))
        .chain(fleet.tencent.bmlb.locations.iter().map(|l| {
            (
                format!("tencent-bmlb:{}", l.key().join("/")),
                l.bindings.len(),
            )
        }))
        .chain(fleet.tencent.bmlb.l4_listeners.iter().map(|l| {
            (
                format!(
                    "tencent-bmlb:{}/{} (API 3.0, layer 4)",
                    l.load_balancer_id, l.listener_id
                ),
                l.bindings.len(),
            )
        }))
        .collect();
    let mut builder = Emulator::builder()
        .fleet(fleet)
        .faults(faults.clone())
        .seed(cli.seed)
        .listen(cli.listen)
        .huawei_token(&cli.token)
        .huawei_ak_sk(&cli.ak, &cli.sk)
        .huawei_token_lifetime(Duration::from_secs(cli.token_lifetime.max(1)))
        .health_check_delay(Duration::from_millis(cli.health_check_delay_ms))
        .tencent_account(TencentAccount::new(
            &cli.tencent_secret_id,
            &cli.tencent_secret_key,
        ));
    if let Some(p) = &cli.project_id {
        builder = builder.huawei_project_id(p);
    }
    if let Some(n) = cli.members {
        builder = builder.generated_elb_pool(&cli.pool_id, n, cli.seed);
    }
    let emu = builder.start().await?;
    emu.set_tencent_task_delay(Duration::from_millis(cli.tencent_task_ms));
    emu.set_tencent_health_delay(Duration::from_millis(cli.tencent_health_delay_ms));
    emu.set_tencent_failing_listeners(cli.tencent_failing_listeners.clone());
    for _ in 0..cli.tencent_failing_tasks {
        emu.fail_next_tencent_task("the task failed (lbb-emulator --tencent-failing-tasks)");
    }
    let h = emu.huawei();
    let url = emu.base_url();
    println!("lbb-emulator listening on {url}");
    println!();
    println!("Huawei Cloud (ELB v3, VPC v1) - point every endpoint at {url}");
    println!("  project id : {}", h.project_id);
    println!("  token      : {}   (X-Auth-Token)", h.token);
    println!("  AK         : {}", h.ak);
    println!("  SK         : {}", h.sk);
    println!(
        "  IAM user   : {} / {} in domain {} (password tokens, project {})",
        h.user_name, h.password, h.domain_name, h.project_name
    );
    println!("  (emulator-only demo credentials)");
    println!();
    println!("  export HUAWEICLOUD_SDK_AK={}", h.ak);
    println!("  export HUAWEICLOUD_SDK_SK={}", h.sk);
    println!("  export HUAWEICLOUD_SDK_PROJECT_ID={}", h.project_id);
    println!();
    println!("ELB pools:");
    for (id, n) in &pools {
        println!("  {id}  ({n} members)");
    }
    if let Some(id) = generated {
        println!("generated pool: {id}");
    }
    println!(
        "  e.g. curl -H 'X-Auth-Token: {}' {url}/v3/{}/elb/pools/{}/members",
        h.token,
        h.project_id,
        pools.first().map(|p| p.0.as_str()).unwrap_or("POOL_ID")
    );
    println!("APIG VPC channels:");
    for (target, n) in &apig_targets {
        println!("  {target}  ({n} members)");
    }
    println!();
    println!("Tencent Cloud (CLB and BMLB, legacy and API 3.0) - point both endpoints at {url}");
    println!(
        "  export TENCENTCLOUD_SECRET_ID={}",
        emu.tencent().secret_id
    );
    println!(
        "  export TENCENTCLOUD_SECRET_KEY={}",
        emu.tencent().secret_key
    );
    println!("  export TENCENTCLOUD_REGION=gz");
    for (target, n) in &tencent_targets {
        println!("  {target}  ({n} backends)");
    }
    if faults.is_active() {
        let kinds: Vec<String> = faults.kinds.iter().map(ToString::to_string).collect();
        println!(
            "faults: latency {} ms, rate {}, kinds [{}], retry-after {} s",
            cli.latency_ms,
            faults.rate,
            kinds.join(","),
            cli.retry_after_secs
        );
    }
    println!();
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    println!("stopping ({} requests served)", emu.request_count());
    emu.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lbb-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lbb-emulator: {e}");
            ExitCode::from(2)
        }
    }
}
