//! What every CLI test shares: an emulator started in-process, and `lbb` run against
//! it with the emulator's credentials in the environment and a clean config home.
//! Every run is checked for secrets on stdout and stderr.
#![allow(dead_code)]

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::Output,
    time::Duration,
};

use assert_cmd::Command;
use lb_backends_emulator::{
    tencent::{DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY},
    Emulator, EmulatorBuilder, Fleet, DEFAULT_AK, DEFAULT_PASSWORD, DEFAULT_PROJECT_ID, DEFAULT_SK,
    DEFAULT_TOKEN,
};

/// Secrets that must never be printed.
pub const SECRETS: &[&str] = &[
    DEFAULT_SK,
    DEFAULT_TOKEN,
    DEFAULT_TENCENT_SECRET_KEY,
    DEFAULT_PASSWORD,
    // The IAM tokens the emulator issues begin so.
    "MIIemulator",
    HUAWEI_SECURITY_TOKEN,
    TENCENT_SESSION_TOKEN,
];

/// Temporary-credential tokens some tests send (the emulator accepts any when it has
/// none configured); they must never be printed either.
pub const HUAWEI_SECURITY_TOKEN: &str = "huawei-security-token-NEVER-PRINTED";
/// See [`HUAWEI_SECURITY_TOKEN`].
pub const TENCENT_SESSION_TOKEN: &str = "tencent-session-token-NEVER-PRINTED";

/// Every variable `lbb` reads; removed before each run so the developer's own
/// environment cannot leak into a test.
const VARS: &[&str] = &[
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_REGION",
    "HUAWEICLOUD_SDK_AUTH_TOKEN",
    "HUAWEICLOUD_SDK_IAM_ENDPOINT",
    "HW_USER_NAME",
    "HW_PASSWORD",
    "HW_DOMAIN_NAME",
    "LBB_HW_MFA_USER_ID",
    "LBB_HW_MFA_PASSCODE",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENTCLOUD_SESSION_TOKEN",
    "TENCENTCLOUD_REGION",
    "LBB_TENCENT_API",
    "LBB_CONFIG",
    "LBB_PROFILE",
    "LBB_OUTPUT",
    "LBB_MAX_ATTEMPTS",
    "RUST_LOG",
    "NO_COLOR",
    "XDG_CONFIG_HOME",
];

/// A running emulator, a private config home, and a way to run `lbb`.
pub struct Env {
    pub emu: Emulator,
    pub home: tempfile::TempDir,
    /// `LBB_TENCENT_API` for every run: `legacy` unless [`Env::on_tencent_api3`].
    tencent_api: &'static str,
    // Declared last: dropped after the emulator.
    rt: tokio::runtime::Runtime,
}

/// What one run of `lbb` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn new(out: Output) -> Self {
        let run = Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        for secret in SECRETS {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "a secret was printed: {run:?}"
            );
        }
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("lbb: internal error (a bug"),
            "lbb panicked: {run:?}"
        );
        run
    }

    /// Assert the exit code, showing the run when it is another.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        self
    }

    /// Assert success.
    #[track_caller]
    pub fn ok(self) -> Self {
        self.code(0)
    }

    /// stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// stdout as JSON lines.
    pub fn ndjson(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The one line of stderr that starts with `lbb: `.
    #[track_caller]
    pub fn error_line(&self) -> &str {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("lbb: "))
            .collect();
        assert_eq!(lines.len(), 1, "expected one error line: {self:#?}");
        lines[0]
    }
}

impl Env {
    /// The emulator with `fleet`; health checks settle at once.
    pub fn start(fleet: Fleet) -> Self {
        Self::with_health_delay(fleet, Duration::ZERO)
    }

    /// The emulator with `fleet`, whose health checks settle after `health_delay`.
    pub fn with_health_delay(fleet: Fleet, health_delay: Duration) -> Self {
        Self::started(
            Emulator::builder()
                .fleet(fleet)
                .health_check_delay(health_delay),
        )
    }

    /// The emulator `builder` makes; health checks settle at once.
    pub fn from_builder(builder: EmulatorBuilder) -> Self {
        Self::started(builder.health_check_delay(Duration::ZERO))
    }

    fn started(builder: EmulatorBuilder) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emu = rt.block_on(builder.start()).unwrap();
        Self {
            emu,
            home: tempfile::tempdir().unwrap(),
            tencent_api: "legacy",
            rt,
        }
    }

    /// The emulator with the demo fleet.
    pub fn demo() -> Self {
        Self::start(Fleet::demo())
    }

    /// Every run uses Tencent API 3.0 rather than the legacy API.
    pub fn on_tencent_api3(mut self) -> Self {
        self.tencent_api = "3";
        self
    }

    /// `lbb` with a clean environment: the emulator's credentials, a private config
    /// home, two attempts per call; no arguments yet.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::cargo_bin("lbb").unwrap();
        for var in VARS {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("LBB_MAX_ATTEMPTS", "2")
            .env("HUAWEICLOUD_SDK_AK", DEFAULT_AK)
            .env("HUAWEICLOUD_SDK_SK", DEFAULT_SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID)
            .env("TENCENTCLOUD_SECRET_ID", DEFAULT_TENCENT_SECRET_ID)
            .env("TENCENTCLOUD_SECRET_KEY", DEFAULT_TENCENT_SECRET_KEY)
            .env("TENCENTCLOUD_REGION", "gz")
            // The Tencent tests written for the legacy API keep running it; the API
            // 3.0 tests choose 3 themselves (tencent3.rs) or for the whole
            // environment (operate).
            .env("LBB_TENCENT_API", self.tencent_api);
        cmd
    }

    /// [`bare`](Self::bare) without any cloud credentials or Tencent region.
    pub fn without_credentials(&self) -> Command {
        let mut cmd = self.bare();
        for var in [
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "TENCENTCLOUD_SECRET_ID",
            "TENCENTCLOUD_SECRET_KEY",
            "TENCENTCLOUD_REGION",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// `lbb --endpoint EMULATOR ARGS...`, run.
    pub fn lbb<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.bare();
        cmd.arg("--endpoint").arg(self.emu.base_url()).args(args);
        Run::new(cmd.output().unwrap())
    }

    /// Run a prepared command.
    pub fn run(&self, cmd: &mut Command) -> Run {
        Run::new(cmd.output().unwrap())
    }

    /// Where `lbb` looks for its config file.
    pub fn config_path(&self) -> PathBuf {
        self.home.path().join("config/lb-backends/config.toml")
    }

    /// Write the config file with this mode.
    pub fn write_config(&self, text: &str, mode: u32) -> PathBuf {
        let path = self.config_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_mode(&path, text, mode);
        path
    }

    /// Write a file in the temporary home.
    pub fn write_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The requests that change something (not GET; Tencent API 3.0 reads are POSTs
    /// too, so this is for the Huawei APIs).
    pub fn huawei_writes(&self) -> Vec<String> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET" && !r.path.starts_with("/?") && r.path != "/")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// Block on a future on the emulator's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

pub fn write_mode(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = mode;
}
