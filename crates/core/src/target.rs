//! What to look at: one typed [`Target`] per provider, with a textual form
//! (`huawei-elb:POOL_ID`, ...) that parses and prints both ways.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{Error, ProviderKind, ResourceId, Result};

/// A set of backends to look at or change.
///
/// | text | meaning |
/// |---|---|
/// | `huawei-elb:POOL_ID` | members of an ELB v3 backend server group |
/// | `huawei-apig:INSTANCE_ID/VPC_CHANNEL_ID` | members of an APIG VPC channel |
/// | `tencent-clb:LB_ID` | backends of a CLB load balancer (every listener and rule) |
/// | `tencent-clb:LB_ID/LISTENER_ID` | one listener of a CLB (API 3.0) |
/// | `tencent-clb:LB_ID/LISTENER_ID/LOCATION_ID` | one layer-7 rule of a CLB (API 3.0) |
/// | `tencent-bmlb:LB_ID/LISTENER_ID/DOMAIN_ID/LOCATION_ID` | hosts on a BMLB forwarding path |
/// | `tencent-bmlb:LB_ID/LISTENER_ID` | hosts on a BMLB layer-4 listener (API 3.0) |
///
/// Every id is a checked [`ResourceId`], so a target can always go into a URL.
///
/// ```
/// use lb_backends_core::Target;
/// let t: Target = "tencent-bmlb:lb-abcdefgh/lbl-abcdefgh/dm-abcdefgh/loc-abcdefgh".parse()?;
/// assert_eq!(t.to_string(), "tencent-bmlb:lb-abcdefgh/lbl-abcdefgh/dm-abcdefgh/loc-abcdefgh");
/// let rule: Target = "tencent-clb:lb-1/lbl-2/loc-3".parse()?;
/// assert_eq!(rule.to_string(), "tencent-clb:lb-1/lbl-2/loc-3");
/// assert!("tencent-clb:lb-1/lbl-2/loc-3/x".parse::<Target>().is_err());
/// let l4: Target = "tencent-bmlb:lb-1/lbl-2".parse()?;
/// assert_eq!(l4.to_string(), "tencent-bmlb:lb-1/lbl-2");
/// assert!("tencent-bmlb:lb-1/lbl-2/dm-3".parse::<Target>().is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// An ELB v3 backend server group.
    HuaweiElb {
        /// The pool id.
        pool_id: ResourceId,
    },
    /// A VPC channel of an APIG instance.
    HuaweiApig {
        /// The APIG instance id.
        instance_id: ResourceId,
        /// The VPC channel id.
        vpc_channel_id: ResourceId,
    },
    /// A CLB load balancer.
    TencentClb {
        /// The load balancer id (`lb-...`).
        load_balancer_id: ResourceId,
    },
    /// One listener of a CLB load balancer, or one layer-7 rule of it (API 3.0).
    TencentClbListener {
        /// The load balancer id (`lb-...`).
        load_balancer_id: ResourceId,
        /// The listener id (`lbl-...`).
        listener_id: ResourceId,
        /// The layer-7 rule (location) id (`loc-...`), for one rule only.
        location_id: Option<ResourceId>,
    },
    /// A BMLB layer-7 forwarding path.
    TencentBmlb {
        /// The load balancer id.
        load_balancer_id: ResourceId,
        /// The layer-7 listener id.
        listener_id: ResourceId,
        /// The forwarding domain id.
        domain_id: ResourceId,
        /// The forwarding path (location) id.
        location_id: ResourceId,
    },
    /// A BMLB layer-4 listener (API 3.0).
    TencentBmlbListener {
        /// The load balancer id.
        load_balancer_id: ResourceId,
        /// The layer-4 listener id.
        listener_id: ResourceId,
    },
}

impl Target {
    /// The provider that serves this target.
    pub fn provider(&self) -> ProviderKind {
        match self {
            Self::HuaweiElb { .. } => ProviderKind::HuaweiElb,
            Self::HuaweiApig { .. } => ProviderKind::HuaweiApig,
            Self::TencentClb { .. } | Self::TencentClbListener { .. } => ProviderKind::TencentClb,
            Self::TencentBmlb { .. } | Self::TencentBmlbListener { .. } => {
                ProviderKind::TencentBmlb
            }
        }
    }

    fn ids(&self) -> Vec<&ResourceId> {
        match self {
            Self::HuaweiElb { pool_id } => vec![pool_id],
            Self::HuaweiApig {
                instance_id,
                vpc_channel_id,
            } => vec![instance_id, vpc_channel_id],
            Self::TencentClb { load_balancer_id } => vec![load_balancer_id],
            Self::TencentClbListener {
                load_balancer_id,
                listener_id,
                location_id,
            } => {
                let mut ids = vec![load_balancer_id, listener_id];
                ids.extend(location_id);
                ids
            }
            Self::TencentBmlb {
                load_balancer_id,
                listener_id,
                domain_id,
                location_id,
            } => vec![load_balancer_id, listener_id, domain_id, location_id],
            Self::TencentBmlbListener {
                load_balancer_id,
                listener_id,
            } => vec![load_balancer_id, listener_id],
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.provider())?;
        for (i, id) in self.ids().into_iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            f.write_str(id.as_str())?;
        }
        Ok(())
    }
}

impl FromStr for Target {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let (provider, rest) = s.split_once(':').ok_or_else(|| {
            Error::invalid_input(format!(
                "target {s:?} has no provider prefix; write e.g. huawei-elb:POOL_ID"
            ))
        })?;
        let provider: ProviderKind = provider.parse()?;
        let (names, shape): (&[&str], &str) = match provider {
            ProviderKind::HuaweiElb => (&["pool id"], "huawei-elb:POOL_ID"),
            ProviderKind::HuaweiApig => (
                &["instance id", "VPC channel id"],
                "huawei-apig:INSTANCE_ID/VPC_CHANNEL_ID",
            ),
            ProviderKind::TencentClb => (
                &["load balancer id", "listener id", "location id"],
                "tencent-clb:LB_ID[/LISTENER_ID[/LOCATION_ID]]",
            ),
            ProviderKind::TencentBmlb => (
                &[
                    "load balancer id",
                    "listener id",
                    "domain id",
                    "location id",
                ],
                "tencent-bmlb:LB_ID/LISTENER_ID[/DOMAIN_ID/LOCATION_ID]",
            ),
        };
        // A single id is taken whole, so `huawei-elb:../x` is refused for its
        // characters rather than for its shape.
        let parts: Vec<&str> = if names.len() == 1 {
            vec![rest]
        } else {
            rest.split('/').collect()
        };
        // A CLB target may stop after the load balancer or the listener.
        let given = parts.len();
        let optional_tail = provider == ProviderKind::TencentClb;
        // A BMLB target is a layer-4 listener (two ids) or a layer-7 location (four).
        let bmlb_listener = provider == ProviderKind::TencentBmlb && parts.len() == 2;
        if parts.len() != names.len()
            && !(optional_tail && parts.len() < names.len())
            && !bmlb_listener
        {
            return Err(Error::invalid_input(format!(
                "target {s:?} does not have the form {shape}"
            )));
        }
        let mut ids = Vec::with_capacity(parts.len());
        for (part, name) in parts.into_iter().zip(names) {
            ids.push(
                ResourceId::new(part).map_err(|e| e.context(format!("{name} in target {s:?}")))?,
            );
        }
        let mut ids = ids.into_iter();
        let mut next = || ids.next().ok_or_else(|| Error::invalid_input("missing id"));
        Ok(match provider {
            ProviderKind::HuaweiElb => Self::HuaweiElb { pool_id: next()? },
            ProviderKind::HuaweiApig => Self::HuaweiApig {
                instance_id: next()?,
                vpc_channel_id: next()?,
            },
            ProviderKind::TencentClb if given == 1 => Self::TencentClb {
                load_balancer_id: next()?,
            },
            ProviderKind::TencentClb => Self::TencentClbListener {
                load_balancer_id: next()?,
                listener_id: next()?,
                location_id: next().ok(),
            },
            ProviderKind::TencentBmlb if given == 2 => Self::TencentBmlbListener {
                load_balancer_id: next()?,
                listener_id: next()?,
            },
            ProviderKind::TencentBmlb => Self::TencentBmlb {
                load_balancer_id: next()?,
                listener_id: next()?,
                domain_id: next()?,
                location_id: next()?,
            },
        })
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for text in [
            "huawei-elb:36ce7086-a496-4666-9064-5ba0e6840c75",
            "huawei-apig:eddc4d25480b4cd6b512f270a1b8b341/56a7d7358e1b42459c9d730d65b14e59",
            "tencent-clb:lb-abcdefgh",
            "tencent-clb:lb-abcdefgh/lbl-abcdefgh",
            "tencent-clb:lb-abcdefgh/lbl-abcdefgh/loc-abcdefgh",
            "tencent-bmlb:lb-a/lbl-b/dm-c/loc-d",
            "tencent-bmlb:lb-a/lbl-b",
        ] {
            let t: Target = text.parse().unwrap();
            assert_eq!(t.to_string(), text);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), t);
        }
    }

    #[test]
    fn bad_targets_say_why() {
        let cases = [
            ("pool", "no provider prefix"),
            ("aws:x", "unknown provider"),
            ("huawei-elb:../x", "pool id"),
            ("huawei-elb:a?b", "contains '?'"),
            ("huawei-apig:only-one", "does not have the form"),
            ("tencent-clb:", "must not be empty"),
            ("tencent-clb:lb-1/lbl-2/loc-3/x", "does not have the form"),
            ("tencent-clb:lb-1/", "listener id"),
            ("tencent-clb:lb-1//loc-3", "listener id"),
            ("tencent-clb:../x", "load balancer id"),
            ("tencent-bmlb:a/b/c", "does not have the form"),
        ];
        for (text, why) in cases {
            let err = text.parse::<Target>().unwrap_err();
            assert!(err.to_string().contains(why), "{text}: {err}");
        }
    }
}
