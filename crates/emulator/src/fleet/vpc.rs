//! The VPC part of a Huawei fixture: subnets and ports.

use serde::{Deserialize, Serialize};

fn default_true() -> bool {
    true
}

/// VPC v1 resources of a fixture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct VpcFleet {
    /// Subnets members can be created in.
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    /// Network interfaces, searched by the ECS lookup.
    #[serde(default)]
    pub ports: Vec<Port>,
}

/// A subnet (its `id` is what a member's `subnet_cidr_id` names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    /// Subnet id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The address range, e.g. `10.0.1.0/24` (or an IPv6 range).
    pub cidr: String,
    /// An IPv6 range of the same subnet, if it is dual-stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<String>,
    /// The VPC the subnet is in (compared with a pool's `vpc_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
}

impl Subnet {
    /// A subnet with a range and nothing else.
    pub fn new(id: impl Into<String>, cidr: impl Into<String>) -> Subnet {
        Subnet {
            id: id.into(),
            name: String::new(),
            cidr: cidr.into(),
            ipv6_cidr: None,
            vpc_id: None,
        }
    }
}

/// One address of a port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FixedIp {
    /// The subnet.
    pub subnet_id: String,
    /// The address.
    pub ip_address: String,
}

impl FixedIp {
    /// An address in a subnet.
    pub fn new(subnet_id: impl Into<String>, ip_address: impl Into<String>) -> FixedIp {
        FixedIp {
            subnet_id: subnet_id.into(),
            ip_address: ip_address.into(),
        }
    }
}

fn default_active() -> String {
    "ACTIVE".to_string()
}
fn default_vnic() -> String {
    "normal".to_string()
}

/// A VPC port (network interface), as the API returns it (API.md 2.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Port {
    /// Port id. Empty in a fixture: generated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Name (default empty).
    #[serde(default)]
    pub name: String,
    /// `ACTIVE` (default), `DOWN`, `BUILD`.
    #[serde(default = "default_active")]
    pub status: String,
    /// Default true.
    #[serde(default = "default_true")]
    pub admin_state_up: bool,
    /// The port's addresses.
    #[serde(default)]
    pub fixed_ips: Vec<FixedIp>,
    /// Empty in a fixture: generated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    /// Empty in a fixture: the first fixed IP's subnet id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub network_id: String,
    /// Empty in a fixture: the account's project id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant_id: String,
    /// Accepted in a fixture and never served: a VPC v1 port carries the project in
    /// `tenant_id` only (the cloud's Port, and the official SDKs' `Port` model, have no
    /// `project_id`).
    #[serde(default, skip_serializing)]
    pub project_id: String,
    /// The device (for an ECS NIC, the ECS id).
    #[serde(default)]
    pub device_id: String,
    /// `compute:{az}` for an ECS NIC; `neutron:LOADBALANCERV2`, `network:dhcp`, ...
    #[serde(default)]
    pub device_owner: String,
    /// Security group ids.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Allowed address pairs, any JSON.
    #[serde(default)]
    pub allowed_address_pairs: Vec<serde_json::Value>,
    /// Extra DHCP options, any JSON.
    #[serde(default)]
    pub extra_dhcp_opts: Vec<serde_json::Value>,
    /// Default `normal`.
    #[serde(rename = "binding:vnic_type", default = "default_vnic")]
    pub binding_vnic_type: String,
    /// Default empty.
    #[serde(default)]
    pub dns_name: String,
    /// Empty in a fixture: `device_id` when `device_owner` starts with `compute:`.
    #[serde(default)]
    pub instance_id: String,
}

impl Port {
    /// A port with the given addresses and every other field at its default.
    pub fn new(fixed_ips: Vec<FixedIp>) -> Port {
        Port {
            id: String::new(),
            name: String::new(),
            status: default_active(),
            admin_state_up: true,
            fixed_ips,
            mac_address: String::new(),
            network_id: String::new(),
            tenant_id: String::new(),
            project_id: String::new(),
            device_id: String::new(),
            device_owner: String::new(),
            security_groups: Vec::new(),
            allowed_address_pairs: Vec::new(),
            extra_dhcp_opts: Vec::new(),
            binding_vnic_type: default_vnic(),
            dns_name: String::new(),
            instance_id: String::new(),
        }
    }

    /// This port as the NIC of an ECS: `device_id` and `instance_id` = `ecs_id`,
    /// `device_owner` = `compute:{az}`.
    pub fn ecs_nic(mut self, ecs_id: impl Into<String>, az: &str) -> Port {
        let id = ecs_id.into();
        self.device_id.clone_from(&id);
        self.instance_id = id;
        self.device_owner = format!("compute:{az}");
        self
    }
}
