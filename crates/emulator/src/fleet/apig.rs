//! The APIG part of a fixture (`huawei.apig`): instances, their VPC channels and the
//! channels' members (API.md 3); the generators are in `generate_apig.rs`.
//!
//! Members are stored and served in the shape `ListBackendInstancesV2` returns them
//! (`VpcMemberInfo`). A channel's `member_type` says which kind of member it takes:
//! `ip` members have a `host`; `ecs` members have `ecs_id` and `ecs_name`.

use std::collections::HashSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// APIG resources of a fixture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct ApigFleet {
    /// The dedicated gateway instances.
    #[serde(default)]
    pub instances: Vec<ApigInstance>,
}

impl ApigFleet {
    /// Whether there is nothing in it (it is then left out of a fixture).
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }
}

/// A gateway instance and its VPC channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct ApigInstance {
    /// Instance id (the `{instance_id}` path segment).
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The VPC channels.
    #[serde(default)]
    pub channels: Vec<VpcChannel>,
}

impl ApigInstance {
    /// An instance without channels.
    pub fn new(id: impl Into<String>) -> ApigInstance {
        ApigInstance {
            id: id.into(),
            name: String::new(),
            channels: Vec::new(),
        }
    }
}

/// The kind of member a VPC channel takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ChannelMemberType {
    /// Members are IP addresses (`host`); the default.
    #[default]
    Ip,
    /// Members are ECS instances (`ecs_id`, `ecs_name`).
    Ecs,
}

fn default_port() -> u16 {
    80
}

/// A VPC channel and its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct VpcChannel {
    /// Channel id (the `{vpc_channel_id}` path segment).
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `ip` (default) or `ecs`.
    #[serde(default)]
    pub member_type: ChannelMemberType,
    /// The channel's port, used by members without their own (default 80).
    #[serde(default = "default_port")]
    pub port: u16,
    /// The members, in listing order.
    #[serde(default)]
    pub members: Vec<ChannelMember>,
}

impl VpcChannel {
    /// An empty channel of `member_type` on port 80.
    pub fn new(id: impl Into<String>, member_type: ChannelMemberType) -> VpcChannel {
        VpcChannel {
            id: id.into(),
            name: String::new(),
            member_type,
            port: default_port(),
            members: Vec::new(),
        }
    }
}

fn default_weight() -> u16 {
    1
}
fn default_status() -> u8 {
    1
}
fn is_false(b: &bool) -> bool {
    !*b
}

/// A member of a VPC channel (`VpcMemberInfo`), as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct ChannelMember {
    /// Member id. Empty in a fixture: generated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The address (members of `ip` channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The ECS id (members of `ecs` channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_id: Option<String>,
    /// The ECS name (members of `ecs` channels), 1–64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_name: Option<String>,
    /// 0–100, default 1.
    #[serde(default = "default_weight")]
    pub weight: u16,
    /// The member's own port (absent: the channel's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// A backup member (default false).
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_backup: bool,
    /// The member group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_group_name: Option<String>,
    /// The member group's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_group_id: Option<String>,
    /// 1 available (default), 2 unavailable.
    #[serde(default = "default_status")]
    pub status: u8,
    /// `healthy`, `unhealthy`, `unknown`, `initial`, ... (absent: not reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_status: Option<String>,
    /// The channel's id; empty in a fixture: filled in.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vpc_channel_id: String,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

impl ChannelMember {
    /// A member of an `ip` channel.
    pub fn ip(host: impl Into<String>) -> ChannelMember {
        ChannelMember::empty(Some(host.into()), None, None)
    }

    /// A member of an `ecs` channel.
    pub fn ecs(ecs_id: impl Into<String>, ecs_name: impl Into<String>) -> ChannelMember {
        ChannelMember::empty(None, Some(ecs_id.into()), Some(ecs_name.into()))
    }

    fn empty(host: Option<String>, ecs_id: Option<String>, ecs_name: Option<String>) -> Self {
        ChannelMember {
            id: String::new(),
            host,
            ecs_id,
            ecs_name,
            weight: default_weight(),
            port: None,
            is_backup: false,
            member_group_name: None,
            member_group_id: None,
            status: default_status(),
            health_status: None,
            vpc_channel_id: String::new(),
            create_time: None,
        }
    }

    /// What the channel upserts on: the host (normalized) or the ECS id.
    pub(crate) fn address_key(&self) -> Option<String> {
        if let Some(h) = &self.host {
            return Some(match h.parse::<IpAddr>() {
                Ok(ip) => format!("host:{ip}"),
                Err(_) => format!("host:{h}"),
            });
        }
        self.ecs_id.as_ref().map(|e| format!("ecs:{e}"))
    }
}

/// Whether `s` is an ECS or member-group name APIG takes: 1–64 letters (Chinese
/// included), digits, `-`, `_`, `.`.
pub(crate) fn valid_name(s: &str) -> bool {
    let n = s.chars().count();
    (1..=64).contains(&n)
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `s` is an id APIG issues: 1–64 of `A-Z a-z 0-9 - _`.
pub(crate) fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl ApigFleet {
    /// Checks unique instance, channel and member ids, members of the channel's kind
    /// (an IP `host`, or a valid `ecs_id` and `ecs_name`), unique addresses per
    /// channel, weights 0–10000, ports 1–65535 and status 1 or 2.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Fixture(msg));
        let mut instances = HashSet::new();
        for inst in &self.instances {
            if !valid_id(&inst.id) || !instances.insert(inst.id.as_str()) {
                return bad(format!(
                    "APIG instance id {:?} is invalid or repeated",
                    inst.id
                ));
            }
            let mut channels = HashSet::new();
            for ch in &inst.channels {
                if !valid_id(&ch.id) || !channels.insert(ch.id.as_str()) {
                    return bad(format!("VPC channel id {:?} is invalid or repeated", ch.id));
                }
                if ch.port == 0 {
                    return bad(format!("VPC channel {}: port must be 1-65535", ch.id));
                }
                let (mut ids, mut addresses) = (HashSet::new(), HashSet::new());
                for m in &ch.members {
                    let ctx = format!("VPC channel {}, member {:?}", ch.id, m.address_key());
                    let kind_ok = match ch.member_type {
                        ChannelMemberType::Ip => m
                            .host
                            .as_deref()
                            .is_some_and(|h| h.parse::<IpAddr>().is_ok()),
                        ChannelMemberType::Ecs => {
                            m.ecs_id.as_deref().is_some_and(valid_id)
                                && m.ecs_name.as_deref().is_some_and(valid_name)
                        }
                    };
                    if !kind_ok {
                        return bad(format!(
                            "{ctx}: an ip channel's members need an IP host, an ecs \
                             channel's a valid ecs_id and ecs_name"
                        ));
                    }
                    if m.weight > 10_000 || m.port == Some(0) || !matches!(m.status, 1 | 2) {
                        return bad(format!(
                            "{ctx}: weight must be 0-10000, port 1-65535, status 1 or 2"
                        ));
                    }
                    if !m.id.is_empty() && !ids.insert(m.id.as_str()) {
                        return bad(format!("{ctx}: duplicate member id {}", m.id));
                    }
                    if !addresses.insert(m.address_key()) {
                        return bad(format!("{ctx}: duplicate address"));
                    }
                }
            }
        }
        Ok(())
    }

    /// The channel `channel_id` of instance `instance_id`.
    pub fn channel(&self, instance_id: &str, channel_id: &str) -> Option<&VpcChannel> {
        self.instances
            .iter()
            .find(|i| i.id == instance_id)?
            .channels
            .iter()
            .find(|c| c.id == channel_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_channels_are_refused() {
        let mut ip = VpcChannel::new("c", ChannelMemberType::Ip);
        ip.members = vec![ChannelMember::ecs("e1", "web")];
        let mut dup = VpcChannel::new("c", ChannelMemberType::Ip);
        dup.members = vec![ChannelMember::ip("10.0.0.1"), ChannelMember::ip("10.0.0.1")];
        let mut heavy = VpcChannel::new("c", ChannelMemberType::Ip);
        heavy.members = vec![ChannelMember::ip("10.0.0.1")];
        heavy.members[0].weight = 10_001;
        let mut slash = VpcChannel::new("c/x", ChannelMemberType::Ip);
        slash.members = Vec::new();
        for ch in [ip, dup, heavy, slash] {
            let mut inst = ApigInstance::new("i");
            inst.channels.push(ch);
            let fleet = ApigFleet {
                instances: vec![inst],
            };
            assert!(fleet.validate().is_err());
        }
    }
}
