//! The Huawei part of a fixture: the section itself and the ELB pools with their members
//! (the VPC part is in `vpc.rs`).
//!
//! A [`Member`] and a [`Port`] are stored and served in the shape the API returns
//! (API.md 2.5 and 2.6), so a fixture can be written by copying real responses. Fields
//! left out take the defaults documented on each field; ids left empty are generated
//! from the emulator's seed when it starts.

use serde::{Deserialize, Serialize};

use super::vpc::VpcFleet;

/// The Huawei section of a fixture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HuaweiFleet {
    /// The project the resources belong to. When set, it becomes the emulator's
    /// accepted project id unless the builder (or `--project-id`) overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// ELB v3 resources.
    #[serde(default)]
    pub elb: ElbFleet,
    /// VPC v1 resources.
    #[serde(default)]
    pub vpc: VpcFleet,
    /// APIG instances, their VPC channels and members (see `apig.rs`).
    #[serde(default, skip_serializing_if = "super::ApigFleet::is_empty")]
    pub apig: super::ApigFleet,
}

/// ELB v3 resources of a fixture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct ElbFleet {
    /// The backend server groups.
    #[serde(default)]
    pub pools: Vec<Pool>,
}

/// The protocol of a pool (backend server group).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum PoolProtocol {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
    /// HTTP.
    Http,
    /// HTTPS.
    Https,
    /// QUIC.
    Quic,
    /// TLS.
    Tls,
}

impl PoolProtocol {
    /// Whether a pool of this protocol may take cross-VPC (`ip`) members.
    pub fn allows_cross_vpc(self) -> bool {
        matches!(
            self,
            PoolProtocol::Tcp | PoolProtocol::Http | PoolProtocol::Https
        )
    }
}

/// The address family of a pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PoolIpVersion {
    /// IPv4 members only (the default).
    #[default]
    V4,
    /// IPv4 and IPv6 members.
    Dualstack,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_algorithm() -> String {
    "ROUND_ROBIN".to_string()
}

/// A backend server group and its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// Pool id (the `{pool_id}` path segment).
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `TCP` (default), `UDP`, `HTTP`, `HTTPS`, `QUIC` or `TLS`.
    #[serde(default)]
    pub protocol: PoolProtocol,
    /// `v4` (default) or `dualstack`.
    #[serde(default)]
    pub ip_version: PoolIpVersion,
    /// Whether the pool's load balancer has cross-VPC backends enabled (default false).
    #[serde(default, skip_serializing_if = "is_false")]
    pub cross_vpc: bool,
    /// `ROUND_ROBIN` (default), `LEAST_CONNECTIONS`, `SOURCE_IP`, ...
    #[serde(default = "default_algorithm")]
    pub lb_algorithm: String,
    /// The load balancer's VPC: a member's subnet must be in it. Unset: any subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The pool's health monitor. With one, a new member starts `INITIAL` and turns
    /// `ONLINE` after the emulator's health-check delay; without, it is `NO_MONITOR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthmonitor_id: Option<String>,
    /// Listeners using the pool: a new member gets one listener-level `status` entry
    /// per listener.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listener_ids: Vec<String>,
    /// Members cannot be removed (`member_deletion_protection_enable`; default false):
    /// a delete answers 409 `ELB.8923` (*chosen*; the cloud's code is unconfirmed).
    #[serde(default, skip_serializing_if = "is_false")]
    pub member_deletion_protection_enable: bool,
    /// Port pass-through (`any_port_enable`; default false): members take port 0.
    #[serde(default, skip_serializing_if = "is_false")]
    pub any_port_enable: bool,
    /// Deregistration delay: `{"enable": bool, "timeout": 10-4000}` (default off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_drain: Option<ConnectionDrain>,
    /// The pool's `type`: `instance`, `ip` or empty (default).
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub pool_type: String,
    /// The members, in listing order.
    #[serde(default)]
    pub members: Vec<Member>,
}

impl Pool {
    /// An empty TCP, IPv4, round-robin pool without a health monitor.
    pub fn new(id: impl Into<String>) -> Pool {
        Pool {
            id: id.into(),
            name: String::new(),
            protocol: PoolProtocol::Tcp,
            ip_version: PoolIpVersion::V4,
            cross_vpc: false,
            lb_algorithm: default_algorithm(),
            vpc_id: None,
            healthmonitor_id: None,
            listener_ids: Vec::new(),
            member_deletion_protection_enable: false,
            any_port_enable: false,
            connection_drain: None,
            pool_type: String::new(),
            members: Vec::new(),
        }
    }
}

/// A pool's connection drain (deregistration delay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectionDrain {
    /// On or off.
    pub enable: bool,
    /// Seconds a removed member's connections are kept (10-4000).
    pub timeout: u32,
}

impl ConnectionDrain {
    /// A drain of `timeout` seconds, on.
    pub fn on(timeout: u32) -> Self {
        ConnectionDrain {
            enable: true,
            timeout,
        }
    }
}

/// The health of a member as seen by one listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberStatus {
    /// The listener.
    pub listener_id: String,
    /// `ONLINE`, `OFFLINE`, `NO_MONITOR`, `INITIAL` or `UNKNOWN`.
    pub operating_status: String,
}

impl MemberStatus {
    /// A listener-level status entry.
    pub fn new(listener_id: impl Into<String>, operating_status: impl Into<String>) -> Self {
        MemberStatus {
            listener_id: listener_id.into(),
            operating_status: operating_status.into(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_weight() -> u8 {
    1
}
fn default_no_monitor() -> String {
    "NO_MONITOR".to_string()
}

/// A backend server (ELB member), exactly as the API returns it (API.md 2.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// Member id (not the ECS id). Empty in a fixture: generated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Member name (default empty).
    #[serde(default)]
    pub name: String,
    /// Empty in a fixture: the account's project id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub project_id: String,
    /// Default true.
    #[serde(default = "default_true")]
    pub admin_state_up: bool,
    /// The member's subnet; `null` for a cross-VPC member.
    #[serde(default)]
    pub subnet_cidr_id: Option<String>,
    /// Backend port, 1–65535.
    pub protocol_port: u16,
    /// 0–100, default 1.
    #[serde(default = "default_weight")]
    pub weight: u8,
    /// IPv4 or IPv6 address.
    pub address: String,
    /// `v4` or `v6`; empty in a fixture: derived from `address`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ip_version: String,
    /// Default `NO_MONITOR`.
    #[serde(default = "default_no_monitor")]
    pub operating_status: String,
    /// Listener-level health (default none).
    #[serde(default)]
    pub status: Vec<MemberStatus>,
    /// Health-check failure reason, any JSON (absent by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<serde_json::Value>,
    /// `yyyy-MM-ddTHH:mm:ssZ`; absent on older resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// `yyyy-MM-ddTHH:mm:ssZ`; absent on older resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// `instance` or `ip`; empty in a fixture: `instance` with a subnet, else `ip`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub member_type: String,
    /// The ECS id; empty when unknown to ELB (older members, cross-VPC).
    #[serde(default)]
    pub instance_id: String,
    /// Availability zone (default empty).
    #[serde(default)]
    pub availability_zone: String,
}

impl Member {
    /// A member with every optional field at its default (fill in the rest by hand).
    pub fn new(address: impl Into<String>, protocol_port: u16) -> Member {
        Member {
            id: String::new(),
            name: String::new(),
            project_id: String::new(),
            admin_state_up: true,
            subnet_cidr_id: None,
            protocol_port,
            weight: 1,
            address: address.into(),
            ip_version: String::new(),
            operating_status: default_no_monitor(),
            status: Vec::new(),
            reason: None,
            created_at: None,
            updated_at: None,
            member_type: String::new(),
            instance_id: String::new(),
            availability_zone: String::new(),
        }
    }
}
