//! [`ApigMember`]: one member to add (or upsert) in a VPC channel, checked when built.

use std::net::IpAddr;

use lb_backends_core::{Error, Port, ResourceId, Result, Weight};
use serde_json::{Map, Value};

use crate::{names::check_name, record::text};

/// Where a member sends traffic: an IP address (channels of member type `ip`) or an
/// ECS instance (member type `instance`/`ecs`). APIG upserts by this address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MemberAddress {
    /// `host`: an IP address.
    Host(IpAddr),
    /// `ecs_id` and `ecs_name`: an Elastic Cloud Server.
    Ecs {
        /// The ECS id.
        id: ResourceId,
        /// The ECS name (1 to 64 characters).
        name: String,
    },
}

impl MemberAddress {
    /// What APIG upserts on: two members of one call must not share it.
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Host(ip) => format!("host:{ip}"),
            Self::Ecs { id, .. } => format!("ecs:{id}"),
        }
    }
}

/// A member to add to a VPC channel, or to update in place: APIG's add call is an
/// upsert by address, so sending a member whose address exists changes that member.
///
/// Every value is checked when set (weight and port through their core types), so
/// nothing invalid reaches a request.
///
/// ```
/// use lb_backends_core::{Port, ResourceId, Weight};
/// use lb_backends_huawei_apig::ApigMember;
///
/// let ip = ApigMember::host("192.168.0.5".parse().unwrap())
///     .with_port(Port::new(8080)?)
///     .with_weight(Weight::new(10)?)
///     .with_backup(false)
///     .with_member_group("blue")?
///     .with_admin_up(true);
/// let ecs = ApigMember::ecs(ResourceId::new("5e1d3a6c-0b9f-4c3a-9c5e-2a7d8e9f0a1b")?, "web-01")?;
/// assert!(ApigMember::ecs(ResourceId::new("e1")?, "").is_err());
/// assert!(Weight::new(10_001).is_err() && Port::new(0).is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApigMember {
    address: MemberAddress,
    port: Option<Port>,
    weight: Option<Weight>,
    is_backup: Option<bool>,
    member_group_name: Option<String>,
    admin_up: Option<bool>,
}

impl ApigMember {
    /// A member at an IP address (`host`).
    pub fn host(ip: IpAddr) -> Self {
        Self::at(MemberAddress::Host(ip))
    }

    /// A member that is an ECS instance (`ecs_id`, `ecs_name`); the name must be 1 to
    /// 64 letters (Chinese included), digits, `-`, `_` or `.`.
    pub fn ecs(id: ResourceId, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_name("ECS name", &name)?;
        Ok(Self::at(MemberAddress::Ecs { id, name }))
    }

    fn at(address: MemberAddress) -> Self {
        Self {
            address,
            port: None,
            weight: None,
            is_backup: None,
            member_group_name: None,
            admin_up: None,
        }
    }

    /// The port (the channel's port when not set).
    #[must_use]
    pub fn with_port(mut self, port: Port) -> Self {
        self.port = Some(port);
        self
    }

    /// The weight, 0 to 10,000 (only channels of type 2 use it).
    #[must_use]
    pub fn with_weight(mut self, weight: Weight) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Whether this is a backup member (`is_backup`).
    #[must_use]
    pub fn with_backup(mut self, is_backup: bool) -> Self {
        self.is_backup = Some(is_backup);
        self
    }

    /// The member group it belongs to (`member_group_name`, 1 to 64 letters, digits,
    /// `-`, `_` or `.`).
    pub fn with_member_group(mut self, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_name("member group name", &name)?;
        self.member_group_name = Some(name);
        Ok(self)
    }

    /// Available (`status` 1) or unavailable (`status` 2).
    #[must_use]
    pub fn with_admin_up(mut self, up: bool) -> Self {
        self.admin_up = Some(up);
        self
    }

    /// Where it sends traffic.
    pub fn address(&self) -> &MemberAddress {
        &self.address
    }

    /// The port, if set.
    pub fn port(&self) -> Option<Port> {
        self.port
    }

    /// The weight, if set.
    pub fn weight(&self) -> Option<Weight> {
        self.weight
    }

    /// The body entry of `POST .../members` for this member; unset fields are left
    /// out (the service's default applies).
    pub(crate) fn to_wire(&self) -> Value {
        let mut m = Map::new();
        match &self.address {
            MemberAddress::Host(ip) => {
                m.insert("host".into(), ip.to_string().into());
            }
            MemberAddress::Ecs { id, name } => {
                m.insert("ecs_id".into(), id.to_string().into());
                m.insert("ecs_name".into(), name.clone().into());
            }
        }
        if let Some(w) = self.weight {
            m.insert("weight".into(), w.get().into());
        }
        if let Some(p) = self.port {
            m.insert("port".into(), p.get().into());
        }
        if let Some(b) = self.is_backup {
            m.insert("is_backup".into(), b.into());
        }
        if let Some(g) = &self.member_group_name {
            m.insert("member_group_name".into(), g.clone().into());
        }
        if let Some(up) = self.admin_up {
            m.insert("status".into(), if up { 1 } else { 2 }.into());
        }
        Value::Object(m)
    }

    /// The member a listed record describes, with every field it carries that the
    /// add call takes, so that re-sending it changes nothing but what is then set.
    pub(crate) fn from_record(record: &Map<String, Value>) -> Result<Self> {
        let mut member = if let Some(host) = text(record, "host") {
            let ip: IpAddr = host.trim().parse().map_err(|_| {
                Error::invalid_input(format!(
                    "member host {host:?} is not an IP address; it cannot be re-sent"
                ))
            })?;
            Self::host(ip)
        } else if let Some(id) = text(record, "ecs_id") {
            let name = text(record, "ecs_name").unwrap_or(id);
            Self::ecs(ResourceId::new(id)?, name)?
        } else {
            return Err(Error::invalid_input(
                "the member has neither a host nor an ecs_id; it cannot be re-sent",
            ));
        };
        let int = |key: &str| record.get(key).and_then(Value::as_i64);
        if let Some(p) = int("port").and_then(|p| Port::new(p).ok()) {
            member.port = Some(p);
        }
        if let Some(w) = int("weight").and_then(|w| Weight::new(w).ok()) {
            member.weight = Some(w);
        }
        member.is_backup = record.get("is_backup").and_then(Value::as_bool);
        if let Some(g) = text(record, "member_group_name") {
            member.member_group_name = Some(g.to_owned());
        }
        member.admin_up = match int("status") {
            Some(1) => Some(true),
            Some(2) => Some(false),
            _ => None,
        };
        Ok(member)
    }

    /// Whether a listed record is this member: the same `host` IP for an IP member,
    /// the same `ecs_id` for an instance member (whatever else the record carries).
    pub(crate) fn matches(&self, record: &Map<String, Value>) -> bool {
        match &self.address {
            MemberAddress::Host(ip) => {
                text(record, "host").and_then(|h| h.trim().parse::<IpAddr>().ok()) == Some(*ip)
            }
            MemberAddress::Ecs { id, .. } => text(record, "ecs_id") == Some(id.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_form_leaves_unset_fields_out() {
        let m = ApigMember::host("10.0.0.5".parse().unwrap());
        assert_eq!(m.to_wire(), json!({"host": "10.0.0.5"}));
        let m = ApigMember::ecs(ResourceId::new("e-1").unwrap(), "web-01")
            .unwrap()
            .with_port(Port::new(80).unwrap())
            .with_weight(Weight::new(0).unwrap())
            .with_backup(true)
            .with_member_group("g.1")
            .unwrap()
            .with_admin_up(false);
        assert_eq!(
            m.to_wire(),
            json!({"ecs_id": "e-1", "ecs_name": "web-01", "weight": 0, "port": 80,
                   "is_backup": true, "member_group_name": "g.1", "status": 2})
        );
    }

    #[test]
    fn bad_names_are_refused() {
        let id = ResourceId::new("e-1").unwrap();
        assert!(ApigMember::ecs(id.clone(), "x".repeat(65)).is_err());
        assert!(ApigMember::ecs(id.clone(), "a b").is_err());
        assert!(ApigMember::host("10.0.0.1".parse().unwrap())
            .with_member_group("")
            .is_err());
    }

    #[test]
    fn records_round_trip_to_members() {
        let record = json!({"id": "m1", "host": "10.0.0.9", "port": 81, "weight": 7,
            "is_backup": false, "member_group_name": "blue", "status": 2,
            "health_status": "healthy", "create_time": "2020-07-23T07:11:57Z"});
        let Value::Object(record) = record else {
            unreachable!()
        };
        let m = ApigMember::from_record(&record).unwrap();
        assert!(m.matches(&record));
        assert_eq!(
            m.to_wire(),
            json!({"host": "10.0.0.9", "port": 81, "weight": 7, "is_backup": false,
                   "member_group_name": "blue", "status": 2})
        );
        let Value::Object(ecs) = json!({"ecs_id": "e-9", "ecs_name": "db"}) else {
            unreachable!()
        };
        let m = ApigMember::from_record(&ecs).unwrap();
        assert_eq!(m.to_wire(), json!({"ecs_id": "e-9", "ecs_name": "db"}));
        assert!(!m.matches(&record));
        let Value::Object(both) = json!({"host": "10.0.0.9", "ecs_id": "e-9"}) else {
            unreachable!()
        };
        assert!(
            m.matches(&both),
            "an ECS member matches on ecs_id even with a host"
        );
        let Value::Object(none) = json!({"id": "x"}) else {
            unreachable!()
        };
        assert!(ApigMember::from_record(&none).is_err());
    }
}
