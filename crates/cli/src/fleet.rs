//! The fleet file of `lbb inventory`: the targets to list, their connection settings,
//! and the limits (concurrency, API calls per second per provider).
//!
//! ```toml
//! [defaults]               # optional: settings for every target that gives none
//! profile = "prod"
//!
//! [limits]                 # optional
//! concurrency = 8          # targets listed at once
//! [limits.rate]            # API calls per second, per provider (0: no limit)
//! huawei-elb = 10
//!
//! [[target]]
//! target = "huawei-elb:36ce7086-a496-4666-9064-5ba0e6840c75"
//! region = "cn-north-4"    # optional: profile, region, project_id, endpoint
//! ```

use std::{collections::BTreeMap, path::Path};

use lb_backends::{Error, ProviderKind, Result, Target};
use serde::Deserialize;

use crate::{
    cli::check_rate,
    config::{parse_toml, read_regular_file, FileSettings},
    connect::Settings,
};

/// The largest fleet file read: room for about 100,000 targets.
pub const MAX_FLEET_BYTES: u64 = 16 * 1024 * 1024;

/// Targets listed at once when neither the file nor `--concurrency` says.
pub const DEFAULT_CONCURRENCY: u32 = 8;
/// API calls per second per provider when neither the file nor `--rate` says.
pub const DEFAULT_RATE: f64 = 10.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    target: String,
    profile: Option<String>,
    region: Option<String>,
    project_id: Option<String>,
    endpoint: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Limits {
    concurrency: Option<u32>,
    #[serde(default)]
    rate: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    defaults: FileSettings,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    target: Vec<Entry>,
}

/// One target of the fleet and its own settings.
#[derive(Debug, Clone)]
pub struct FleetTarget {
    /// What to list.
    pub target: Target,
    /// Its settings (before the command line, `[defaults]`, environment and profile).
    pub settings: Settings,
}

/// A checked fleet file.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// `[defaults]`.
    pub defaults: Settings,
    /// `[limits] concurrency`.
    pub concurrency: Option<u32>,
    /// `[limits.rate]`.
    pub rates: BTreeMap<ProviderKind, f64>,
    /// `[[target]]`, in file order.
    pub targets: Vec<FleetTarget>,
}

impl Fleet {
    /// Read and check a fleet file: every target parses, every limit is in range.
    pub fn load(path: &Path) -> Result<Self> {
        let text = read_regular_file(path, "fleet file", MAX_FLEET_BYTES)?;
        Self::parse(&text, path)
    }

    /// [`load`](Self::load) from text.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let file: File = parse_toml(text, path)?;
        let at = |what: String| Error::invalid_input(format!("{}: {what}", path.display()));
        if file.target.is_empty() {
            return Err(at("no [[target]] entries".into()));
        }
        if let Some(c) = file.limits.concurrency {
            if !(1..=256).contains(&c) {
                return Err(at(format!("[limits] concurrency {c} is not 1-256")));
            }
        }
        let mut rates = BTreeMap::new();
        for (name, n) in file.limits.rate {
            let kind: ProviderKind = name
                .parse()
                .map_err(|e: Error| at(format!("[limits.rate]: {}", e.message())))?;
            check_rate(n).map_err(|e| at(format!("[limits.rate] {name}: {e}")))?;
            rates.insert(kind, n);
        }
        let mut targets = Vec::with_capacity(file.target.len());
        for (i, entry) in file.target.into_iter().enumerate() {
            let target = entry.target.parse().map_err(|e: Error| {
                at(format!(
                    "target {} ({:?}): {}",
                    i + 1,
                    entry.target,
                    e.message()
                ))
            })?;
            targets.push(FleetTarget {
                target,
                settings: Settings {
                    profile: entry.profile,
                    region: entry.region,
                    project_id: entry.project_id,
                    endpoint: entry.endpoint,
                    tencent_api: None,
                },
            });
        }
        Ok(Self {
            defaults: file.defaults.into(),
            concurrency: file.limits.concurrency,
            rates,
            targets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Fleet> {
        Fleet::parse(text, Path::new("fleet.toml"))
    }

    #[test]
    fn a_full_file() {
        let fleet = parse(
            r#"
            [defaults]
            profile = "prod"
            [limits]
            concurrency = 4
            [limits.rate]
            huawei-elb = 2.5
            tencent-clb = 0
            [[target]]
            target = "huawei-elb:pool-1"
            region = "cn-north-4"
            [[target]]
            target = "tencent-clb:lb-1"
            endpoint = "http://127.0.0.1:1"
            "#,
        )
        .unwrap();
        assert_eq!(fleet.defaults.profile.as_deref(), Some("prod"));
        assert_eq!(fleet.concurrency, Some(4));
        assert_eq!(fleet.rates[&ProviderKind::HuaweiElb], 2.5);
        assert_eq!(fleet.targets.len(), 2);
        assert_eq!(
            fleet.targets[0].settings.region.as_deref(),
            Some("cn-north-4")
        );
        assert_eq!(fleet.targets[1].target.to_string(), "tencent-clb:lb-1");
    }

    #[test]
    fn mistakes_are_refused_with_where() {
        for (text, why) in [
            ("", "no [[target]]"),
            ("[[target]]\ntarget = \"huawei-elb:../x\"\n", "target 1"),
            ("[[target]]\ntarget = \"aws:x\"\n", "unknown provider"),
            (
                "[[target]]\ntarget = \"tencent-clb:lb-1\"\nregoin = \"gz\"\n",
                "regoin",
            ),
            (
                "[limits]\nconcurrency = 0\n[[target]]\ntarget = \"tencent-clb:lb-1\"\n",
                "concurrency",
            ),
            (
                "[limits.rate]\naws = 1\n[[target]]\ntarget = \"tencent-clb:lb-1\"\n",
                "unknown provider",
            ),
            (
                "[limits.rate]\ntencent-clb = -1\n[[target]]\ntarget = \"tencent-clb:lb-1\"\n",
                "rate",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.message().contains(why), "{text}: {err}");
        }
    }
}
