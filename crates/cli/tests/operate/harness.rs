//! The harness of issue 12's CLI tests: an emulator whose health-check delay the test
//! chooses, and `lbb` run against it in a clean environment (as `common` does; that
//! one fixes the delay at zero).

use std::{ffi::OsStr, time::Duration};

use assert_cmd::Command;
use lb_backends_emulator::{
    tencent::{DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY},
    Emulator, Fleet, DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK, DEFAULT_TOKEN,
};

const VARS: &[&str] = &[
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_REGION",
    "HUAWEICLOUD_SDK_AUTH_TOKEN",
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

pub struct Env {
    pub emu: Emulator,
    pub home: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        self
    }

    #[track_caller]
    pub fn ok(self) -> Self {
        self.code(0)
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

impl Env {
    pub fn start(fleet: Fleet, health_delay: Duration) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emu = rt
            .block_on(
                Emulator::builder()
                    .fleet(fleet)
                    .health_check_delay(health_delay)
                    .start(),
            )
            .unwrap();
        Self {
            emu,
            home: tempfile::tempdir().unwrap(),
            rt,
        }
    }

    pub fn demo() -> Self {
        Self::start(Fleet::demo(), Duration::ZERO)
    }

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
            .env("LBB_TENCENT_API", "3");
        cmd
    }

    pub fn lbb<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.bare();
        cmd.arg("--endpoint").arg(self.emu.base_url()).args(args);
        self.run(&mut cmd)
    }

    pub fn run(&self, cmd: &mut Command) -> Run {
        let out = cmd.output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        for secret in [DEFAULT_SK, DEFAULT_TOKEN, DEFAULT_TENCENT_SECRET_KEY] {
            assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
        }
        assert!(!run.stderr.contains("panicked"), "lbb panicked: {run:?}");
        run
    }

    #[allow(dead_code)]
    pub fn write_file(&self, name: &str, text: &str) -> std::path::PathBuf {
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

    #[allow(dead_code)]
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}
