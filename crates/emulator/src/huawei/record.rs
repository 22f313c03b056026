//! How the store keeps ELB members and VPC ports: compact records ([`StoredMember`],
//! [`StoredPort`]) built from the fixture types, serialized straight to the wire.
//!
//! The wire form is exactly what serializing the fixture type ([`Member`], [`Port`])
//! through a `serde_json::Value` gives: the same fields, skipped under the same rules,
//! keys in sorted order (a `Value` object is a sorted map). The tests check it byte for
//! byte.

use std::net::IpAddr;
use std::sync::Arc;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::compact::{Interner, Text};
#[cfg(test)]
use crate::fleet::FixedIp;
use crate::fleet::{Member, MemberStatus, Port};

/// A listener-level status entry.
#[derive(Debug, Clone)]
pub(crate) struct StoredStatus {
    pub listener_id: Arc<str>,
    pub operating_status: Arc<str>,
}

/// An ELB member as the store keeps it.
#[derive(Debug, Clone)]
pub(crate) struct StoredMember {
    pub id: Text,
    pub name: Text,
    pub project_id: Arc<str>,
    pub subnet_cidr_id: Option<Arc<str>>,
    pub ip_version: Arc<str>,
    pub operating_status: Arc<str>,
    pub member_type: Arc<str>,
    pub instance_id: Text,
    pub availability_zone: Arc<str>,
    pub created_at: Option<Text>,
    pub updated_at: Option<Text>,
    pub status: Box<[StoredStatus]>,
    pub reason: Option<Box<serde_json::Value>>,
    /// Always a valid address (the store normalizes it when loading).
    pub address: IpAddr,
    pub protocol_port: u16,
    pub weight: u8,
    pub admin_state_up: bool,
}

impl StoredMember {
    /// The record of `m`, whose `address` must be an IP address.
    pub(crate) fn from_member(m: &Member, address: IpAddr, strings: &mut Interner) -> Self {
        StoredMember {
            id: Text::new(&m.id),
            name: Text::new(&m.name),
            project_id: strings.get(&m.project_id),
            subnet_cidr_id: m.subnet_cidr_id.as_deref().map(|s| strings.get(s)),
            ip_version: strings.get(&m.ip_version),
            operating_status: strings.get(&m.operating_status),
            member_type: strings.get(&m.member_type),
            instance_id: Text::new(&m.instance_id),
            availability_zone: strings.get(&m.availability_zone),
            created_at: m.created_at.as_deref().map(Text::new),
            updated_at: m.updated_at.as_deref().map(Text::new),
            status: m
                .status
                .iter()
                .map(|s| StoredStatus {
                    listener_id: strings.get(&s.listener_id),
                    operating_status: strings.get(&s.operating_status),
                })
                .collect(),
            reason: m.reason.clone().map(Box::new),
            address,
            protocol_port: m.protocol_port,
            weight: m.weight,
            admin_state_up: m.admin_state_up,
        }
    }

    /// The fixture form.
    pub(crate) fn to_member(&self) -> Member {
        let mut m = Member::new(self.address.to_string(), self.protocol_port);
        m.id = self.id.to_owned_string();
        m.name = self.name.to_owned_string();
        m.project_id = self.project_id.to_string();
        m.admin_state_up = self.admin_state_up;
        m.subnet_cidr_id = self.subnet_cidr_id.as_deref().map(str::to_string);
        m.weight = self.weight;
        m.ip_version = self.ip_version.to_string();
        m.operating_status = self.operating_status.to_string();
        m.status = self
            .status
            .iter()
            .map(|s| MemberStatus::new(&*s.listener_id, &*s.operating_status))
            .collect();
        m.reason = self.reason.as_deref().cloned();
        m.created_at = self.created_at.as_ref().map(Text::to_owned_string);
        m.updated_at = self.updated_at.as_ref().map(Text::to_owned_string);
        m.member_type = self.member_type.to_string();
        m.instance_id = self.instance_id.to_owned_string();
        m.availability_zone = self.availability_zone.to_string();
        m
    }
}

impl Serialize for StoredStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("listener_id", &*self.listener_id)?;
        map.serialize_entry("operating_status", &*self.operating_status)?;
        map.end()
    }
}

/// Writes an IP address as a JSON string without allocating.
struct Addr(IpAddr);

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl Serialize for StoredMember {
    /// [`Member`]'s fields and skip rules, keys sorted.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("address", &Addr(self.address))?;
        map.serialize_entry("admin_state_up", &self.admin_state_up)?;
        map.serialize_entry("availability_zone", &*self.availability_zone)?;
        if let Some(c) = &self.created_at {
            map.serialize_entry("created_at", c)?;
        }
        if !self.id.is_empty() {
            map.serialize_entry("id", &self.id)?;
        }
        map.serialize_entry("instance_id", &self.instance_id)?;
        if !self.ip_version.is_empty() {
            map.serialize_entry("ip_version", &*self.ip_version)?;
        }
        if !self.member_type.is_empty() {
            map.serialize_entry("member_type", &*self.member_type)?;
        }
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("operating_status", &*self.operating_status)?;
        if !self.project_id.is_empty() {
            map.serialize_entry("project_id", &*self.project_id)?;
        }
        map.serialize_entry("protocol_port", &self.protocol_port)?;
        if let Some(r) = &self.reason {
            map.serialize_entry("reason", r)?;
        }
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("subnet_cidr_id", &self.subnet_cidr_id.as_deref())?;
        if let Some(u) = &self.updated_at {
            map.serialize_entry("updated_at", u)?;
        }
        map.serialize_entry("weight", &self.weight)?;
        map.end()
    }
}

/// Shared strings written as a JSON array of strings.
struct Strs<'a>(&'a [Arc<str>]);

impl Serialize for Strs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|a| &**a))
    }
}

/// A fixed IP of a stored port.
#[derive(Debug, Clone)]
pub(crate) struct StoredFixedIp {
    pub subnet_id: Arc<str>,
    pub ip_address: Text,
}

impl Serialize for StoredFixedIp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("ip_address", &self.ip_address)?;
        map.serialize_entry("subnet_id", &*self.subnet_id)?;
        map.end()
    }
}

/// A VPC port as the store keeps it.
#[derive(Debug, Clone)]
pub(crate) struct StoredPort {
    pub id: Text,
    pub name: Text,
    pub status: Arc<str>,
    pub fixed_ips: Box<[StoredFixedIp]>,
    pub mac_address: Text,
    pub network_id: Arc<str>,
    pub tenant_id: Arc<str>,
    pub device_id: Text,
    pub device_owner: Arc<str>,
    pub security_groups: Box<[Arc<str>]>,
    pub allowed_address_pairs: Box<[serde_json::Value]>,
    pub extra_dhcp_opts: Box<[serde_json::Value]>,
    pub binding_vnic_type: Arc<str>,
    pub dns_name: Arc<str>,
    pub instance_id: Text,
    pub admin_state_up: bool,
}

impl StoredPort {
    /// The record of `p`.
    pub(crate) fn from_port(p: &Port, strings: &mut Interner) -> Self {
        StoredPort {
            id: Text::new(&p.id),
            name: Text::new(&p.name),
            status: strings.get(&p.status),
            fixed_ips: p
                .fixed_ips
                .iter()
                .map(|f| StoredFixedIp {
                    subnet_id: strings.get(&f.subnet_id),
                    ip_address: Text::new(&f.ip_address),
                })
                .collect(),
            mac_address: Text::new(&p.mac_address),
            network_id: strings.get(&p.network_id),
            tenant_id: strings.get(&p.tenant_id),
            device_id: Text::new(&p.device_id),
            device_owner: strings.get(&p.device_owner),
            security_groups: p.security_groups.iter().map(|g| strings.get(g)).collect(),
            allowed_address_pairs: p.allowed_address_pairs.clone().into_boxed_slice(),
            extra_dhcp_opts: p.extra_dhcp_opts.clone().into_boxed_slice(),
            binding_vnic_type: strings.get(&p.binding_vnic_type),
            dns_name: strings.get(&p.dns_name),
            instance_id: Text::new(&p.instance_id),
            admin_state_up: p.admin_state_up,
        }
    }

    /// The fixture form.
    #[cfg(test)]
    pub(crate) fn to_port(&self) -> Port {
        let mut p = Port::new(
            self.fixed_ips
                .iter()
                .map(|f| FixedIp::new(&*f.subnet_id, f.ip_address.to_owned_string()))
                .collect(),
        );
        p.id = self.id.to_owned_string();
        p.name = self.name.to_owned_string();
        p.status = self.status.to_string();
        p.admin_state_up = self.admin_state_up;
        p.mac_address = self.mac_address.to_owned_string();
        p.network_id = self.network_id.to_string();
        p.tenant_id = self.tenant_id.to_string();
        p.device_id = self.device_id.to_owned_string();
        p.device_owner = self.device_owner.to_string();
        p.security_groups = self.security_groups.iter().map(|g| g.to_string()).collect();
        p.allowed_address_pairs = self.allowed_address_pairs.to_vec();
        p.extra_dhcp_opts = self.extra_dhcp_opts.to_vec();
        p.binding_vnic_type = self.binding_vnic_type.to_string();
        p.dns_name = self.dns_name.to_string();
        p.instance_id = self.instance_id.to_owned_string();
        p
    }
}

impl Serialize for StoredPort {
    /// [`Port`]'s fields and skip rules, keys sorted.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("admin_state_up", &self.admin_state_up)?;
        map.serialize_entry("allowed_address_pairs", &self.allowed_address_pairs)?;
        map.serialize_entry("binding:vnic_type", &*self.binding_vnic_type)?;
        map.serialize_entry("device_id", &self.device_id)?;
        map.serialize_entry("device_owner", &*self.device_owner)?;
        map.serialize_entry("dns_name", &*self.dns_name)?;
        map.serialize_entry("extra_dhcp_opts", &self.extra_dhcp_opts)?;
        map.serialize_entry("fixed_ips", &self.fixed_ips)?;
        if !self.id.is_empty() {
            map.serialize_entry("id", &self.id)?;
        }
        map.serialize_entry("instance_id", &self.instance_id)?;
        if !self.mac_address.is_empty() {
            map.serialize_entry("mac_address", &self.mac_address)?;
        }
        map.serialize_entry("name", &self.name)?;
        if !self.network_id.is_empty() {
            map.serialize_entry("network_id", &*self.network_id)?;
        }
        map.serialize_entry("security_groups", &Strs(&self.security_groups))?;
        map.serialize_entry("status", &*self.status)?;
        if !self.tenant_id.is_empty() {
            map.serialize_entry("tenant_id", &*self.tenant_id)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fleet;

    /// What the emulator served before it had typed records: the fixture type through a
    /// `serde_json::Value`.
    fn through_value<T: Serialize>(t: &T) -> String {
        serde_json::to_value(t).unwrap().to_string()
    }

    #[test]
    fn members_serialize_as_through_a_value() {
        let mut fleet = Fleet::generate_elb_pool("p", 2_000, 9);
        fleet.merge(Fleet::demo());
        let mut strings = Interner::default();
        let mut odd = Member::new("10.0.0.1", 80);
        odd.reason = Some(serde_json::json!({"z": 1, "a": [true, null], "m": "x"}));
        odd.name = "ünïcödé \"quoted\"\n".into();
        let members = fleet
            .huawei
            .elb
            .pools
            .iter()
            .flat_map(|p| &p.members)
            .chain([&odd]);
        for m in members {
            let ip: IpAddr = m.address.parse().unwrap();
            let mut m = m.clone();
            m.address = ip.to_string();
            let r = StoredMember::from_member(&m, ip, &mut strings);
            assert_eq!(serde_json::to_string(&r).unwrap(), through_value(&m));
            assert_eq!(r.to_member(), m);
        }
    }

    #[test]
    fn ports_serialize_as_through_a_value() {
        let mut fleet = Fleet::generate_elb_pool("p", 500, 9);
        fleet.merge(Fleet::demo());
        let mut strings = Interner::default();
        let mut odd = Port::new(vec![FixedIp::new("s", "10.0.0.1")]);
        odd.allowed_address_pairs =
            vec![serde_json::json!({"mac_address": "x", "ip_address": "y"})];
        odd.security_groups = vec!["sg-1".into(), "sg-2".into()];
        for p in fleet.huawei.vpc.ports.iter().chain([&odd]) {
            let r = StoredPort::from_port(p, &mut strings);
            assert_eq!(serde_json::to_string(&r).unwrap(), through_value(p));
            assert_eq!(&r.to_port(), p);
        }
    }

    #[test]
    fn records_are_small() {
        assert!(
            std::mem::size_of::<StoredMember>() <= 280,
            "{}",
            std::mem::size_of::<StoredMember>()
        );
        assert!(
            std::mem::size_of::<StoredPort>() <= 320,
            "{}",
            std::mem::size_of::<StoredPort>()
        );
    }
}
