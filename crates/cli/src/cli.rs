//! The command line: clap types for `lbb` and its subcommands.

use std::{net::IpAddr, path::PathBuf, str::FromStr, time::Duration};

use clap::{builder::BoolishValueParser, ArgAction, Args, Parser, Subcommand, ValueEnum};
use lb_backends::{BackendName, Port, ProviderKind, ResourceId, Target, Weight};

const ABOUT: &str =
    "See and change the backend servers behind Huawei Cloud and Tencent Cloud load balancers";

/// The providers compiled into this build.
pub fn compiled_providers() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "huawei-elb") {
        v.push("huawei-elb");
    }
    if cfg!(feature = "huawei-apig") {
        v.push("huawei-apig");
    }
    if cfg!(feature = "tencent-clb") {
        v.push("tencent-clb");
    }
    if cfg!(feature = "tencent-bmlb") {
        v.push("tencent-bmlb");
    }
    v
}

fn after_help() -> String {
    let built = compiled_providers();
    let built = if built.is_empty() {
        "none".to_owned()
    } else {
        built.join(", ")
    };
    format!("{AFTER_HELP}\n\nProviders in this build: {built}.")
}

const AFTER_HELP: &str = "\
Targets:
  huawei-elb:POOL_ID                                    members of an ELB v3 backend server group
  huawei-apig:INSTANCE_ID/VPC_CHANNEL_ID                members of an APIG VPC channel
  tencent-clb:LB_ID                                     backends of a CLB load balancer
  tencent-clb:LB_ID/LISTENER_ID[/LOCATION_ID]           one CLB listener or layer-7 rule (API 3.0)
  tencent-bmlb:LB_ID/LISTENER_ID/DOMAIN_ID/LOCATION_ID  hosts on a BMLB forwarding path
  tencent-bmlb:LB_ID/LISTENER_ID                        hosts on a BMLB layer-4 listener (API 3.0)

Credentials come from HUAWEICLOUD_SDK_AK/_SK/_PROJECT_ID/_REGION (or an IAM
user's HW_USER_NAME/HW_PASSWORD/HW_DOMAIN_NAME) and
TENCENTCLOUD_SECRET_ID/_SECRET_KEY/_REGION, then from a profile in
$XDG_CONFIG_HOME/lb-backends/config.toml. See docs/cli.md.

Exit codes: 0 ok, 2 usage or invalid input, 3 authentication or permission,
4 not found, 5 throttled or service/network error after retries, 6 a waiter timed
out, 7 refused by a safety rule (nothing written), 1 anything else.";

/// `lbb`: the command line of lb-backends.
#[derive(Debug, Parser)]
#[command(name = "lbb", version, about = ABOUT, after_help = after_help())]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The default of `--timeout`: how long one HTTP request may take.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Options every subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Region (e.g. cn-north-4, ap-guangzhou); default from the environment or profile.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Huawei project id; default HUAWEICLOUD_SDK_PROJECT_ID or the profile's, else
    /// discovered from IAM for the region.
    #[arg(long, global = true, value_name = "ID")]
    pub project_id: Option<String>,

    /// Profile of the config file to use (default: the profile named "default", if any).
    #[arg(
        long,
        global = true,
        env = "LBB_PROFILE",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub profile: Option<String>,

    /// Send every API of the target's provider to this base URL
    /// (https, or plain http to a loopback address only).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Tencent API generation: 3 (API 3.0, the default) or legacy (/v2/index.php;
    /// CLB targets of one whole load balancer only); default from the profile.
    #[arg(
        long,
        global = true,
        env = "LBB_TENCENT_API",
        value_parser = ["legacy", "3"],
        value_name = "API"
    )]
    pub tencent_api: Option<String>,

    /// Output format.
    #[arg(
        short,
        long,
        global = true,
        value_enum,
        default_value_t = Format::Table,
        env = "LBB_OUTPUT",
        hide_env_values = true,
        value_name = "FORMAT"
    )]
    pub output: Format,

    /// Also output each backend's record exactly as the cloud sent it (json, ndjson).
    #[arg(long, global = true)]
    pub raw: bool,

    /// Longest time one HTTP request may take (e.g. 30s, 1500ms, 2m). On `lbb wait`:
    /// the wait's timeout, as `--wait-timeout`.
    #[arg(long, global = true, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Longest time one API call may take as a whole: every attempt, and the waits
    /// between them (e.g. 2m, 30s). A call still unanswered then fails (exit code 5).
    #[arg(long, global = true, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
    pub deadline: Duration,

    /// Attempts per API call, first included, for what is worth retrying (1-10).
    #[arg(
        long,
        global = true,
        default_value_t = 5,
        env = "LBB_MAX_ATTEMPTS",
        hide_env_values = true,
        value_parser = clap::value_parser!(u32).range(1..=10),
        value_name = "N"
    )]
    pub max_attempts: u32,

    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG wins when set.
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr: no progress bar, no summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// A JMESPath expression applied to the JSON form of the output (as aws-cli and
    /// tccli take it); the result is printed as JSON, e.g.
    /// `--query "[?health=='unhealthy'].address"`.
    #[arg(long, global = true, value_parser = crate::output::query::parse, value_name = "EXPR")]
    pub query: Option<String>,
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people (fitted to the terminal when stdout is one).
    Table,
    /// One JSON document (an array for lists).
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header line.
    Csv,
    /// A fleet file (TOML) that `lbb inventory` reads: `lbb targets` only.
    Fleet,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every backend of a target.
    #[command(visible_alias = "ls", after_help = crate::examples::LIST)]
    List {
        /// What to list, e.g. huawei-elb:POOL_ID.
        #[arg(value_parser = parse_target)]
        target: Target,
        /// All or nothing: hold the output in a spool file and print it only once the
        /// listing has ended well (by default backends are printed as pages arrive,
        /// and a failure half-way leaves what was printed, then the error).
        #[arg(long)]
        atomic: bool,
    },

    /// One backend of a target.
    #[command(after_help = crate::examples::GET)]
    Get {
        /// The target the backend belongs to.
        #[arg(value_parser = parse_target)]
        target: Target,
        /// The backend's id as `lbb list` prints it (ELB/APIG member id, Tencent
        /// instance id, or a BMLB VM binding's `IP:PORT`).
        #[arg(value_parser = parse_id)]
        backend_id: ResourceId,
        /// Also find the cloud instance behind it (ELB: the ECS, through its VPC port).
        #[arg(long)]
        instance: bool,
    },

    /// Register a backend.
    #[command(after_help = crate::examples::ADD)]
    Add(AddArgs),

    /// Change a backend's weight, name or admin state.
    #[command(after_help = crate::examples::SET)]
    Set(SetArgs),

    /// Deregister a backend (or many: --from FILE).
    #[command(visible_alias = "rm", after_help = crate::examples::REMOVE)]
    Remove {
        /// The target the backend belongs to.
        #[arg(value_parser = parse_target, required_unless_present = "address")]
        target: Option<Target>,
        /// The backend's id.
        #[arg(value_parser = parse_id, required_unless_present_any = ["from", "address"])]
        backend_id: Option<ResourceId>,
        /// Remove every backend of FILE (`-`: stdin): one a line, `ID` or
        /// `ADDRESS,PORT` (CSV) or JSON lines; one row per item says what happened.
        #[arg(long, value_name = "FILE", conflicts_with = "backend_id")]
        from: Option<PathBuf>,
        /// Idempotent removal and waiting.
        #[command(flatten)]
        ops: crate::commands::wait::RemoveFlags,
        /// Removal of one server everywhere: `--address A --everywhere --dry-run|--yes`.
        #[command(flatten)]
        everywhere: crate::commands::find::EverywhereArgs,
    },

    /// What the cloud says about the target itself: the ELB pool, the APIG channel,
    /// the load balancer or rule (name, protocol, drain timeout, the raw settings).
    #[command(after_help = crate::examples::DESCRIBE)]
    Describe {
        /// The target, e.g. huawei-elb:POOL_ID.
        #[arg(value_parser = parse_target)]
        target: Target,
    },

    /// Run ELB's diagnosis job for one member (configuration, network ACL and
    /// security group checks against a listener) and print its findings.
    #[command(after_help = crate::examples::DIAGNOSE)]
    Diagnose(DiagnoseArgs),

    /// Every backend of many targets, listed from a fleet file (TOML), or of every
    /// target discovered (`--discover`).
    #[command(after_help = crate::examples::INVENTORY)]
    Inventory(InventoryArgs),

    /// The targets of the account(s): pools, VPC channels, load balancers.
    #[command(after_help = crate::examples::TARGETS)]
    Targets(crate::commands::targets::TargetsArgs),

    /// Every place a server (ADDRESS[:PORT] or instance id) is registered.
    #[command(after_help = crate::examples::FIND)]
    Find(crate::commands::find::FindArgs),

    /// Wait until backends are healthy, present or absent.
    #[command(after_help = crate::examples::WAIT)]
    Wait(crate::commands::wait::WaitArgs),

    /// Take backends out of rotation: weight 0, a grace period, then remove.
    #[command(after_help = crate::examples::DRAIN)]
    Drain(crate::commands::drain::DrainArgs),

    /// Put a drained backend back at a weight.
    #[command(after_help = crate::examples::UNDRAIN)]
    Undrain(crate::commands::drain::UndrainArgs),

    /// Show what `apply` would change to reach a desired-state file.
    #[command(after_help = crate::examples::PLAN)]
    Plan(crate::commands::plan::PlanArgs),

    /// Make the targets of a desired-state file as it says.
    #[command(after_help = crate::examples::APPLY)]
    Apply(crate::commands::apply::ApplyArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `lbb add`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("place").required(true).multiple(false).args(["address", "instance", "from"])))]
pub struct AddArgs {
    /// The target to add to.
    #[arg(value_parser = parse_target)]
    pub target: Target,
    /// The backend's IP address (or give --instance).
    #[arg(long, value_name = "IP")]
    pub address: Option<IpAddr>,
    /// The cloud instance to add, by id, where the target takes one (Tencent CLB:
    /// `ins-...`; a classic CLB only takes this).
    #[arg(long, value_parser = parse_id, value_name = "ID")]
    pub instance: Option<ResourceId>,
    /// The port traffic is sent to (1-65535).
    #[arg(long, value_parser = parse_lbb::<Port>, value_name = "N", required_unless_present = "from")]
    pub port: Option<Port>,
    /// Add every backend of FILE (`-`: stdin): `ADDRESS,PORT[,WEIGHT]` (CSV) or JSON
    /// lines with address, port, weight, name, subnet, backup, group; --weight,
    /// --subnet, --name, --admin-up, --backup, --group apply to rows without their
    /// own. One row per item says what happened; one already there is a success.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["port", "dry_run"])]
    pub from: Option<PathBuf>,
    /// Weight (the target's range: ELB 0-100, APIG 0-10000); the provider's default
    /// when not given.
    #[arg(long, value_parser = parse_lbb::<Weight>, value_name = "W")]
    pub weight: Option<Weight>,
    /// Subnet of the address (ELB `subnet_cidr_id`; none: a cross-VPC member).
    #[arg(long, value_parser = parse_id, value_name = "ID")]
    pub subnet: Option<ResourceId>,
    /// A name for the backend.
    #[arg(long, value_parser = parse_lbb::<BackendName>, value_name = "S")]
    pub name: Option<BackendName>,
    /// Administratively up (true) or down (false).
    #[arg(long, value_parser = BoolishValueParser::new(), value_name = "BOOL")]
    pub admin_up: Option<bool>,
    /// A standby backend, sent traffic only when the others are down (APIG:
    /// `is_backup`).
    #[arg(long)]
    pub backup: bool,
    /// The target's group the backend joins (APIG: the member group's name).
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// Check everything and print what would be sent, sending nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// `--strict`, `--wait`.
    #[command(flatten)]
    pub ops: crate::commands::wait::AddFlags,
}

/// `lbb set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The target the backend belongs to.
    #[arg(value_parser = parse_target)]
    pub target: Target,
    /// The backend's id.
    #[arg(value_parser = parse_id, required_unless_present = "from")]
    pub backend_id: Option<ResourceId>,
    /// Change every backend of FILE (`-`: stdin): `ID[,WEIGHT]` (CSV) or JSON lines
    /// with id, weight, name; the other options apply to every row.
    #[arg(long, value_name = "FILE", conflicts_with = "backend_id")]
    pub from: Option<PathBuf>,
    /// New weight (the target's range: 0-100; APIG 0-10000).
    #[arg(long, value_parser = parse_lbb::<Weight>, value_name = "W")]
    pub weight: Option<Weight>,
    /// New port (where the target can change it: Tencent CLB).
    #[arg(long, value_parser = parse_lbb::<Port>, value_name = "N")]
    pub port: Option<Port>,
    /// New name.
    #[arg(long, value_parser = parse_lbb::<BackendName>, value_name = "S")]
    pub name: Option<BackendName>,
    /// Administratively up (true) or down (false).
    #[arg(long, value_parser = BoolishValueParser::new(), value_name = "BOOL")]
    pub admin_up: Option<bool>,
    /// `--wait`.
    #[command(flatten)]
    pub wait: crate::commands::wait::WaitFlags,
}

/// `lbb diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The pool, e.g. huawei-elb:POOL_ID.
    #[arg(value_parser = parse_target)]
    pub target: Target,
    /// The member's id.
    #[arg(value_parser = parse_id)]
    pub backend_id: ResourceId,
    /// The listener to check against (default: the member's first listener).
    #[arg(long, value_parser = parse_id, value_name = "ID")]
    pub listener: Option<ResourceId>,
    /// What to check.
    #[arg(long, default_value = "all", value_parser = ["all", "securityGroup", "networkAcl", "config"])]
    pub subject: String,
    /// Longest time to wait for the job to end.
    #[arg(long, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
    pub wait: Duration,
}

/// `lbb inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// The fleet file (TOML; see docs/cli.md).
    #[arg(value_name = "FLEET.toml", required_unless_present = "discover")]
    pub file: Option<PathBuf>,
    /// List every target discovered for these providers (none named: every one
    /// compiled in) instead of a fleet file's.
    #[arg(long, num_args = 0.., value_parser = parse_lbb::<ProviderKind>, value_name = "PROVIDER", conflicts_with = "file")]
    pub discover: Option<Vec<ProviderKind>>,
    /// With --discover: search with every profile of the config file.
    #[arg(long, requires = "discover", conflicts_with = "profiles")]
    pub all_profiles: bool,
    /// With --discover: search with these profiles.
    #[arg(
        long,
        requires = "discover",
        value_delimiter = ',',
        value_name = "NAME"
    )]
    pub profiles: Vec<String>,
    /// Targets listed at once (overrides the file's `[limits] concurrency`; default 8).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256), value_name = "N")]
    pub concurrency: Option<u32>,
    /// API calls per second for one provider, e.g. `--rate huawei-elb=5` (0: no limit;
    /// overrides the file's `[limits.rate]`; default 10 each). Repeatable.
    #[arg(long, value_parser = parse_rate, value_name = "PROVIDER=N")]
    pub rate: Vec<(ProviderKind, f64)>,
    /// Print a target's backends only once its listing has ended well (they wait in
    /// a spool file); by default they are printed as they arrive, and a target that
    /// fails half-way leaves what was printed, then its error.
    #[arg(long)]
    pub atomic: bool,
}

/// Anything the core parses from text, its error as clap shows it.
pub fn parse_lbb<T>(s: &str) -> Result<T, String>
where
    T: FromStr<Err = lb_backends::Error>,
{
    s.parse()
        .map_err(|e: lb_backends::Error| e.message().to_owned())
}

/// A target, checked as the core parses it.
pub fn parse_target(s: &str) -> Result<Target, String> {
    parse_lbb(s)
}

/// An id, checked as the core parses it.
pub fn parse_id(s: &str) -> Result<ResourceId, String> {
    parse_lbb(s)
}

/// `PROVIDER=N` with N a non-negative number of calls per second.
pub fn parse_rate(s: &str) -> Result<(ProviderKind, f64), String> {
    let (provider, n) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not PROVIDER=N, e.g. huawei-elb=5"))?;
    let provider: ProviderKind = parse_lbb(provider.trim())?;
    let n: f64 = n
        .trim()
        .parse()
        .map_err(|_| format!("{n:?} is not a number of calls per second"))?;
    check_rate(n)?;
    Ok((provider, n))
}

/// The slowest rate accepted: one call every 1,000 seconds.
pub const MIN_RATE: f64 = 0.001;

/// A rate is 0 (no limit) or a finite number of calls per second from
/// [`MIN_RATE`] to 100,000.
pub fn check_rate(n: f64) -> Result<(), String> {
    if n == 0.0 || (n.is_finite() && (MIN_RATE..=100_000.0).contains(&n)) {
        Ok(())
    } else {
        Err(format!(
            "rate {n} is not 0 (no limit) nor between {MIN_RATE} and 100000 calls per second"
        ))
    }
}

/// `30`, `30s`, `1500ms`, `2m`: a positive duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30s, 1500ms or 2m"))?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: unit {unit:?} is not one of ms, s, m")),
    };
    // 1 ms is the shortest: 1ms / 1000 is exactly the double nearest 0.001.
    if !(0.001..=3600.0).contains(&seconds) {
        return Err(format!("{s:?} is not between 1ms and 60m"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(
            parse_duration("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("0.5s").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1ms").unwrap(), Duration::from_millis(1));
        for bad in [
            "", "0", "-1s", "5h", "abc", "2m30s", "0.5ms", "0.0009s", "61m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates() {
        assert_eq!(
            parse_rate("huawei-elb=2.5").unwrap(),
            (ProviderKind::HuaweiElb, 2.5)
        );
        assert_eq!(
            parse_rate("tencent-bmlb=0").unwrap(),
            (ProviderKind::TencentBmlb, 0.0)
        );
        for bad in [
            "huawei-elb",
            "aws=1",
            "huawei-elb=-1",
            "huawei-elb=x",
            "huawei-elb=inf",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
