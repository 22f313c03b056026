//! `cargo xtask sizes`: build `lbb` in release with each provider feature alone and
//! with all of them, print the size table of `docs/cli.md`, and check that a
//! single-provider binary holds none of the other providers' host names or API names.
//!
//! Slow (five release builds, one after the other, into `target/release`): run it by
//! hand after changing dependencies, features or `[profile.release]`, not in CI.

use std::{fs, path::PathBuf};

use crate::cargo;

/// What marks each provider's code in a binary: its public host name and the name of
/// its listing API (a path segment or an `Action`).
const MARKERS: &[(&str, &[&str])] = &[
    ("huawei-elb", &["elb/pools", "ListMembers"]),
    // The path segment alone is not enough: LLVM may write a short constant string
    // with immediate stores, leaving no copy of it in the binary.
    ("huawei-apig", &["vpc-channels", "ListBackendInstancesV2"]),
    ("tencent-clb", &["DescribeLoadBalancerBackends"]),
    ("tencent-bmlb", &["DescribeBmLocationBackends"]),
];

/// Host names counted in every binary (occurrences, like `strings lbb | grep -o HOST`).
const HOSTS: &[&str] = &[
    "myhuaweicloud.com",
    "lb.api.qcloud.com",
    "bmlb.api.qcloud.com",
];

struct Measure {
    build: &'static str,
    bytes: u64,
    hosts: Vec<usize>,
    markers: Vec<(&'static str, bool)>,
}

pub fn run() -> Result<(), String> {
    let builds: &[(&str, Option<&str>)] = &[
        ("huawei-elb", Some("huawei-elb")),
        ("huawei-apig", Some("huawei-apig")),
        ("tencent-clb", Some("tencent-clb")),
        ("tencent-bmlb", Some("tencent-bmlb")),
        ("all four (default)", None),
    ];
    let mut measures = Vec::new();
    for (name, feature) in builds {
        let mut args = vec![
            "build",
            "--release",
            "-p",
            "lb-backends-cli",
            "--bin",
            "lbb",
        ];
        if let Some(f) = feature {
            args.extend(["--no-default-features", "--features", f]);
        }
        cargo(&args)?;
        measures.push(measure(name)?);
    }

    println!("| build | release size | `myhuaweicloud.com` | `lb.api.qcloud.com` | `bmlb.api.qcloud.com` | provider code present |");
    println!("|---|---|---|---|---|---|");
    for m in &measures {
        let present: Vec<&str> = m
            .markers
            .iter()
            .filter(|(_, p)| *p)
            .map(|(n, _)| *n)
            .collect();
        println!(
            "| {} | {:.2} MiB ({} bytes) | {} | {} | {} | {} |",
            m.build,
            m.bytes as f64 / (1024.0 * 1024.0),
            m.bytes,
            m.hosts[0],
            m.hosts[1],
            m.hosts[2],
            present.join(", ")
        );
    }

    let mut problems = Vec::new();
    let full = measures.last().map_or(0, |m| m.bytes);
    for m in &measures[..measures.len() - 1] {
        for (provider, present) in &m.markers {
            if *present != (*provider == m.build) {
                problems.push(format!(
                    "{} build: {provider} code is {}",
                    m.build,
                    if *present { "present" } else { "missing" }
                ));
            }
        }
        let own_host = match m.build {
            "tencent-clb" => 1,
            "tencent-bmlb" => 2,
            _ => 0,
        };
        for (i, host) in HOSTS.iter().enumerate() {
            if i != own_host && m.hosts[i] > 0 {
                problems.push(format!("{} build holds the host name {host}", m.build));
            }
        }
        if m.bytes >= full {
            problems.push(format!(
                "{} build is not smaller than the full one",
                m.build
            ));
        }
    }
    if problems.is_empty() {
        eprintln!("xtask: every single-provider build holds only its own provider");
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn measure(build: &'static str) -> Result<Measure, String> {
    let path = binary();
    let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let hosts = HOSTS.iter().map(|h| count_host(&bytes, h)).collect();
    let markers = MARKERS
        .iter()
        .map(|(provider, names)| {
            let present = names.iter().any(|n| count(&bytes, n.as_bytes()) > 0);
            (*provider, present)
        })
        .collect();
    Ok(Measure {
        build,
        bytes: bytes.len() as u64,
        hosts,
        markers,
    })
}

fn binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target
        .join("release")
        .join(format!("lbb{}", std::env::consts::EXE_SUFFIX))
}

/// Occurrences of `host` not inside a longer host name (`lb.api.qcloud.com` is the
/// tail of `bmlb.api.qcloud.com`).
fn count_host(haystack: &[u8], host: &str) -> usize {
    let needle = host.as_bytes();
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(i, w)| {
            *w == needle
                && (*i == 0 || {
                    let before = haystack[i - 1];
                    !(before.is_ascii_alphanumeric() || before == b'-')
                })
        })
        .count()
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}
