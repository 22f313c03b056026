//! `cargo xtask official-sdks`: the official Tencent Cloud and Huawei Cloud Python SDKs
//! as clients of `lbb-emulator` (issue 10, item 6).
//!
//! Makes a venv under `target/official-sdks/venv` (`python3 -m venv`), installs the
//! pinned SDKs of `xtask/official-sdks/requirements.txt` from PyPI, builds and starts
//! `lbb-emulator` on a free loopback port, and runs `xtask/official-sdks/drive.py`
//! against it: each step prints PASS or FAIL, and the task fails on any FAIL. Needs
//! PyPI, so it is not part of `ci`. Arguments after the task go to `drive.py` (`-v`:
//! tracebacks of failed steps).

use std::{
    env,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
};

use crate::cargo;

/// Kills the emulator when the task ends, however it ends.
struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn run() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?
        .to_path_buf();
    let here = root.join("xtask").join("official-sdks");
    let target = env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let venv = target.join("official-sdks").join("venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };

    if !python.exists() {
        let py = env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run_cmd(Command::new(&py).args(["-m", "venv"]).arg(&venv))?;
    }
    run_cmd(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(here.join("requirements.txt")),
    )?;
    let versions = Command::new(&python)
        .args(["-m", "pip", "freeze"])
        .output()
        .map_err(|e| format!("pip freeze: {e}"))?;
    for line in String::from_utf8_lossy(&versions.stdout).lines() {
        if line.starts_with("tencentcloud-sdk-python") || line.starts_with("huaweicloudsdk") {
            eprintln!("xtask: {line}");
        }
    }

    cargo(&[
        "build",
        "-p",
        "lb-backends-emulator",
        "--bin",
        "lbb-emulator",
    ])?;
    let exe = target
        .join("debug")
        .join(format!("lbb-emulator{}", env::consts::EXE_SUFFIX));
    let mut child = Command::new(&exe)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let stdout = child.stdout.take().ok_or("no emulator stdout")?;
    let emulator = Emulator(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .and_then(Result::ok)
        .ok_or("the emulator printed nothing")?;
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("no URL in the emulator's first line: {first}"))?
        .to_string();
    // Keep draining its banner so it never blocks on a full pipe.
    thread::spawn(move || lines.for_each(drop));
    eprintln!("xtask: lbb-emulator at {url}");

    let passed: Vec<String> = env::args().skip(2).collect();
    let result = run_cmd(
        Command::new(&python)
            .arg(here.join("drive.py"))
            .arg(&url)
            .args(&passed),
    );
    drop(emulator);
    result
}

fn run_cmd(cmd: &mut Command) -> Result<(), String> {
    let line = format!("{cmd:?}");
    eprintln!("xtask: running {line}");
    let status = cmd.status().map_err(|e| format!("{line}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(line)
    }
}
