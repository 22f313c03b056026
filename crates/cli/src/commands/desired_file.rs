//! The desired-state file of `lbb plan` and `lbb apply`: targets, their
//! connection settings, and the backends each should hold. Checked whole before
//! anything is sent: unknown keys, bad values and duplicates are exit code 2.
//!
//! ```toml
//! [defaults]                 # optional: profile, region, project_id, endpoint
//! profile = "prod"
//!
//! [wait]                     # optional
//! healthy = true             # wait until added backends are healthy (as --wait)
//! timeout = "5m"             # as --wait-timeout
//! interval = "5s"            # as --interval
//!
//! [[target]]
//! target = "huawei-elb:36ce7086-a496-4666-9064-5ba0e6840c75"
//! region = "cn-north-4"      # optional: profile, region, project_id, endpoint
//!
//! [[target.backend]]
//! address = "10.0.1.10"      # or instance = "ins-abcd1234" where the target adds by instance
//! port = 80                  # optional where the cloud reports none (an APIG member on its channel's port)
//! weight = 10                # optional: left as it is (added: the provider's default)
//! name = "web-01"            # optional
//! subnet = "c09f620e-..."    # optional: ELB subnet_cidr_id, used when adding
//! ```

use std::{net::IpAddr, path::Path, time::Duration};

use lb_backends::{
    workflow::desired::{check_unique, DesiredBackend, Place},
    BackendName, Error, Port, ResourceId, Result, Target, Weight,
};
use serde::Deserialize;

use crate::{
    cli::parse_duration,
    config::{parse_toml, read_regular_file, FileSettings},
    connect::Settings,
};

/// The largest desired-state file read.
pub const MAX_DESIRED_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitSection {
    healthy: Option<bool>,
    timeout: Option<String>,
    interval: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackendEntry {
    address: Option<String>,
    instance: Option<String>,
    port: Option<i64>,
    weight: Option<i64>,
    name: Option<String>,
    subnet: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetEntry {
    target: String,
    profile: Option<String>,
    region: Option<String>,
    project_id: Option<String>,
    endpoint: Option<String>,
    #[serde(default)]
    backend: Vec<BackendEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    defaults: FileSettings,
    #[serde(default)]
    wait: WaitSection,
    #[serde(default)]
    target: Vec<TargetEntry>,
}

/// One target of the file.
#[derive(Debug, Clone)]
pub struct DesiredTarget {
    /// The target.
    pub target: Target,
    /// Its own settings.
    pub settings: Settings,
    /// What it should hold.
    pub backends: Vec<DesiredBackend>,
}

/// A checked desired-state file.
#[derive(Debug, Clone)]
pub struct DesiredFile {
    /// `[defaults]`.
    pub defaults: Settings,
    /// `[wait] healthy`.
    pub wait_healthy: Option<bool>,
    /// `[wait] timeout`.
    pub wait_timeout: Option<Duration>,
    /// `[wait] interval`.
    pub wait_interval: Option<Duration>,
    /// The targets, in file order.
    pub targets: Vec<DesiredTarget>,
}

impl DesiredFile {
    /// Read and check the file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = read_regular_file(path, "desired-state file", MAX_DESIRED_BYTES)?;
        Self::parse(&text, path)
    }

    /// [`load`](Self::load) from text.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let file: File = parse_toml(text, path)?;
        let at = |what: String| Error::invalid_input(format!("{}: {what}", path.display()));
        if file.target.is_empty() {
            return Err(at("no [[target]] entries".into()));
        }
        let duration = |v: &Option<String>, key: &str| -> Result<Option<Duration>> {
            v.as_deref()
                .map(|s| parse_duration(s).map_err(|e| at(format!("[wait] {key}: {e}"))))
                .transpose()
        };
        let mut targets: Vec<DesiredTarget> = Vec::with_capacity(file.target.len());
        for (ti, entry) in file.target.into_iter().enumerate() {
            let where_t = format!("target {} ({:?})", ti + 1, entry.target);
            let target: Target = entry
                .target
                .parse()
                .map_err(|e: Error| at(format!("{where_t}: {}", e.message())))?;
            if targets.iter().any(|t| t.target == target) {
                return Err(at(format!("{where_t}: the target is listed twice")));
            }
            let mut backends = Vec::with_capacity(entry.backend.len());
            for (bi, b) in entry.backend.into_iter().enumerate() {
                let bad = |e: Error| at(format!("{where_t}, backend {}: {}", bi + 1, e.message()));
                backends.push(backend(b).map_err(bad)?);
            }
            check_unique(&backends).map_err(|e| at(format!("{where_t}: {}", e.message())))?;
            targets.push(DesiredTarget {
                target,
                settings: Settings {
                    profile: entry.profile,
                    region: entry.region,
                    project_id: entry.project_id,
                    endpoint: entry.endpoint,
                    tencent_api: None,
                },
                backends,
            });
        }
        Ok(Self {
            defaults: file.defaults.into(),
            wait_healthy: file.wait.healthy,
            wait_timeout: duration(&file.wait.timeout, "timeout")?,
            wait_interval: duration(&file.wait.interval, "interval")?,
            targets,
        })
    }
}

fn backend(b: BackendEntry) -> Result<DesiredBackend> {
    let place =
        match (b.address, b.instance) {
            (Some(a), None) => Place::Address(a.trim().parse::<IpAddr>().map_err(|_| {
                Error::invalid_input(format!("address {a:?} is not an IP address"))
            })?),
            (None, Some(i)) => Place::Instance(ResourceId::new(i)?),
            (None, None) => return Err(Error::invalid_input("give address or instance")),
            (Some(_), Some(_)) => {
                return Err(Error::invalid_input("give address or instance, not both"))
            }
        };
    let mut d = DesiredBackend::at(place, b.port.map(Port::try_from).transpose()?);
    if let Some(w) = b.weight {
        d = d.with_weight(Weight::try_from(w)?);
    }
    if let Some(n) = b.name {
        d = d.with_name(BackendName::new(n)?);
    }
    if let Some(s) = b.subnet {
        d = d.with_subnet(ResourceId::new(s)?);
    }
    Ok(d)
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The current state of targets as a desired-state file (`lbb plan --from-current`).
pub fn render(targets: &[(Target, Vec<lb_backends::Backend>)]) -> String {
    let mut text = String::from(
        "# Written by `lbb plan --from-current`: the targets as they are now.\n\
         # Edit the backends, then `lbb plan FILE` and `lbb apply FILE`.\n",
    );
    for (target, backends) in targets {
        text.push_str(&format!(
            "\n[[target]]\ntarget = {}\n",
            quote(&target.to_string())
        ));
        for b in backends {
            text.push_str("\n[[target.backend]]\n");
            match (b.address, &b.instance) {
                (Some(a), _) => text.push_str(&format!("address = {}\n", quote(&a.to_string()))),
                (None, Some(i)) => text.push_str(&format!("instance = {}\n", quote(&i.id))),
                (None, None) => text.push_str(&format!("# no address: id {}\n", quote(&b.id))),
            }
            match b.port {
                Some(port) => text.push_str(&format!("port = {port}\n")),
                None => {
                    text.push_str("# port: the cloud reports none (give one to add it elsewhere)\n")
                }
            }
            if let Some(w) = b.weight {
                text.push_str(&format!("weight = {w}\n"));
            }
            if let Some(n) = b.name.as_deref().filter(|n| !n.is_empty()) {
                text.push_str(&format!("name = {}\n", quote(n)));
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DesiredFile> {
        DesiredFile::parse(text, Path::new("desired.toml"))
    }

    #[test]
    fn a_full_file() {
        let f = parse(
            r#"
            [defaults]
            profile = "prod"
            [wait]
            healthy = true
            timeout = "2m"
            [[target]]
            target = "huawei-elb:pool-1"
            [[target.backend]]
            address = "10.0.0.1"
            port = 80
            weight = 10
            name = "web-01"
            subnet = "subnet-1"
            [[target.backend]]
            address = "10.0.0.2"
            port = 80
            [[target]]
            target = "tencent-clb:lb-1/lbl-1"
            [[target.backend]]
            instance = "ins-1"
            port = 8080
            "#,
        )
        .unwrap();
        assert_eq!(f.targets.len(), 2);
        assert_eq!(f.targets[0].backends.len(), 2);
        assert_eq!(f.wait_timeout, Some(Duration::from_secs(120)));
        assert_eq!(f.wait_healthy, Some(true));
        assert_eq!(f.defaults.profile.as_deref(), Some("prod"));
    }

    #[test]
    fn mistakes_are_refused_with_where() {
        let t = "[[target]]\ntarget = \"huawei-elb:pool-1\"\n";
        for (text, why) in [
            (String::new(), "no [[target]]"),
            (format!("{t}[[target.backend]]\naddress = \"10.0.0.1\"\nport = 80\nwieght = 1\n"), "wieght"),
            (format!("{t}[[target.backend]]\naddress = \"10.0.0.x\"\nport = 80\n"), "not an IP"),
            (format!("{t}[[target.backend]]\naddress = \"10.0.0.1\"\nport = 0\n"), "backend 1"),
            (format!("{t}[[target.backend]]\naddress = \"10.0.0.1\"\nport = 80\nweight = 10001\n"), "weight"),
            (format!("{t}[[target.backend]]\nport = 80\n"), "address or instance"),
            (format!("{t}[[target.backend]]\naddress = \"10.0.0.1\"\n[[target.backend]]\naddress = \"10.0.0.1\"\n"), "listed twice"),
            (
                format!("{t}[[target.backend]]\naddress = \"10.0.0.1\"\nport = 80\n[[target.backend]]\naddress = \"10.0.0.1\"\nport = 80\n"),
                "listed twice",
            ),
            (format!("{t}{t}"), "listed twice"),
            (format!("[wait]\ntimeout = \"forever\"\n{t}"), "[wait] timeout"),
            (format!("[wiat]\n{t}"), "wiat"),
        ] {
            let err = parse(&text).unwrap_err();
            assert!(err.message().contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn the_current_state_renders_as_a_file_that_parses() {
        let mut b = lb_backends::Backend::new(lb_backends::ProviderKind::HuaweiElb, "m1");
        b.address = Some("10.0.0.1".parse().unwrap());
        b.port = Some(80);
        b.weight = Some(3);
        b.name = Some("we\"b".into());
        let target: Target = "huawei-elb:pool-1".parse().unwrap();
        let text = render(&[(target, vec![b])]);
        let f = parse(&text).unwrap();
        assert_eq!(f.targets[0].backends[0].weight.map(|w| w.get()), Some(3));
        assert_eq!(
            f.targets[0].backends[0].name.as_ref().unwrap().as_str(),
            "we\"b"
        );
    }
}
