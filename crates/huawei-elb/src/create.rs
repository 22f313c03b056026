//! [`CreateMember`]: every field of ELB's `CreateMemberOption` (API.md 2.3), and the
//! checks that refuse what the cloud would refuse, before any byte is sent.

use std::net::IpAddr;

use lb_backends_core::{BackendName, Error, NewBackend, Port, ResourceId, Result, Weight};
use serde::Serialize;

/// A member to create in a pool: ELB's `CreateMemberOption`, field for field.
///
/// Fields hold what the caller gave, unchecked; [`ElbProvider::create_member`]
/// checks every rule before sending (see [`check`](Self::check)):
///
/// | field | rule |
/// |---|---|
/// | `address` | an IPv4 or IPv6 address, 1–64 characters |
/// | `protocol_port` | 1–65535 |
/// | `subnet_cidr_id` | 1–36 characters of `A-Z a-z 0-9 - _`; none = a cross-VPC member, whose address must be IPv4 |
/// | `weight` | 0–100 (cloud default 1) |
/// | `name` | 0–255 characters, no control characters |
/// | `admin_state_up` | refused: ELB says "do not pass this field" (huawei-more.md 2.3); the cloud sets it from the ECS's existence |
/// | `project_id` | 1–32 characters of `A-Z a-z 0-9 - _` |
/// | `availability_zone` | not empty, at most 255 characters, no control characters |
///
/// ```
/// use lb_backends_huawei_elb::CreateMember;
///
/// let spec = CreateMember::new("192.168.0.10", 8080)
///     .with_subnet("c09f620e-3492-4429-ac15-445d5dd9ca74")
///     .with_weight(10)
///     .with_name("web-01");
/// assert!(spec.check().is_ok());
///
/// let err = CreateMember::new("2001:db8::1", 80).check().unwrap_err();
/// assert!(err.message().contains("cross-VPC"), "{err}");
/// let err = CreateMember::new("10.0.0.1", 80).with_weight(101).check().unwrap_err();
/// assert!(err.message().contains("weight 101"), "{err}");
/// ```
///
/// [`ElbProvider::create_member`]: crate::ElbProvider::create_member
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateMember {
    /// The address traffic will be sent to.
    pub address: String,
    /// The port traffic will be sent to.
    pub protocol_port: i64,
    /// The subnet the address is in; `None` makes a cross-VPC member.
    pub subnet_cidr_id: Option<String>,
    /// The weight; `None` leaves the cloud's default (1).
    pub weight: Option<i64>,
    /// The member's name.
    pub name: Option<String>,
    /// Administrative state: read-only on ELB (the cloud sets it from the ECS's
    /// existence), so [`check`](Self::check) refuses any value here.
    pub admin_state_up: Option<bool>,
    /// The project the member belongs to.
    pub project_id: Option<String>,
    /// The availability zone.
    pub availability_zone: Option<String>,
}

impl CreateMember {
    /// A member at `address:protocol_port`, everything else left to the cloud.
    pub fn new(address: impl Into<String>, protocol_port: i64) -> Self {
        Self {
            address: address.into(),
            protocol_port,
            subnet_cidr_id: None,
            weight: None,
            name: None,
            admin_state_up: None,
            project_id: None,
            availability_zone: None,
        }
    }

    /// Set the subnet (an ECS-bound member).
    #[must_use]
    pub fn with_subnet(mut self, subnet_cidr_id: impl Into<String>) -> Self {
        self.subnet_cidr_id = Some(subnet_cidr_id.into());
        self
    }

    /// Set the weight.
    #[must_use]
    pub fn with_weight(mut self, weight: i64) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Set the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Set the administrative state.
    #[must_use]
    pub fn with_admin_state_up(mut self, up: bool) -> Self {
        self.admin_state_up = Some(up);
        self
    }

    /// Set the project id.
    #[must_use]
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Set the availability zone.
    #[must_use]
    pub fn with_availability_zone(mut self, zone: impl Into<String>) -> Self {
        self.availability_zone = Some(zone.into());
        self
    }

    /// The same member, from the provider-neutral [`NewBackend`]. Every field of
    /// `NewBackend` has its ELB counterpart, so nothing is dropped.
    pub fn from_new_backend(spec: &NewBackend) -> Self {
        Self {
            address: spec.address.map(|a| a.to_string()).unwrap_or_default(),
            protocol_port: i64::from(spec.port.get()),
            subnet_cidr_id: spec.subnet_id.as_ref().map(ToString::to_string),
            weight: spec.weight.map(|w| i64::from(w.get())),
            name: spec.name.as_ref().map(ToString::to_string),
            admin_state_up: spec.admin_up,
            project_id: None,
            availability_zone: None,
        }
    }

    /// Check every rule the client can check: the field rules, and that a member
    /// without a subnet (cross-VPC) has an IPv4 address. The error names the field
    /// and the rule.
    pub fn check(&self) -> Result<CheckedMember> {
        self.check_in(false)
    }

    /// [`check`](Self::check) for a pool with `any_port_enable` (port pass-through),
    /// where a member's `protocol_port` is 0.
    pub fn check_in(&self, any_port_pool: bool) -> Result<CheckedMember> {
        if self.admin_state_up.is_some() {
            return Err(admin_state_read_only());
        }
        let address = check_address(&self.address)?;
        let protocol_port = if any_port_pool && self.protocol_port == 0 {
            0
        } else {
            Port::new(self.protocol_port)
                .map_err(|e| e.context("member protocol_port"))?
                .get()
        };
        let subnet_cidr_id = self
            .subnet_cidr_id
            .as_deref()
            .map(|s| check_id("subnet_cidr_id", s, 36))
            .transpose()?;
        if subnet_cidr_id.is_none() && address.is_ipv6() {
            return Err(Error::invalid_input(format!(
                "member address {address} is IPv6 but no subnet_cidr_id was given: a member \
                 without a subnet is a cross-VPC member, and those must have an IPv4 address \
                 (give the subnet of the IPv6 address, or use an IPv4 address)"
            )));
        }
        let weight = self
            .weight
            .map(|w| check_weight(w).map_err(|e| e.context("member weight")))
            .transpose()?;
        let name = self
            .name
            .as_deref()
            .map(|n| BackendName::new(n).map_err(|e| e.context("member name")))
            .transpose()?
            .map(|n| n.as_str().to_owned());
        let project_id = self
            .project_id
            .as_deref()
            .map(|p| check_id("project_id", p, 32))
            .transpose()?;
        let availability_zone = self
            .availability_zone
            .as_deref()
            .map(check_zone)
            .transpose()?;
        Ok(CheckedMember {
            address,
            protocol_port,
            subnet_cidr_id,
            weight,
            name,
            project_id,
            availability_zone,
        })
    }
}

/// A [`CreateMember`] that passed every check: what goes in the request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedMember {
    address: IpAddr,
    protocol_port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    subnet_cidr_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability_zone: Option<String>,
}

impl CheckedMember {
    /// The address, parsed.
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// The port.
    pub fn protocol_port(&self) -> u16 {
        self.protocol_port
    }
}

const MAX_ADDRESS_CHARS: usize = 64;
const MAX_ZONE_CHARS: usize = 255;

/// The refusal of a write that sets an ELB member's admin state.
pub(crate) fn admin_state_read_only() -> Error {
    Error::invalid_input(
        "the admin state of a huawei-elb member is read-only: ELB sets admin_state_up from \
         whether the ECS behind the member exists and ignores it on writes; to take a \
         member out of rotation, set its weight to 0 (lbb set TARGET ID --weight 0)",
    )
}

/// ELB takes weights 0 to 100 (the core's [`Weight`] goes higher, for APIG).
pub(crate) const MAX_WEIGHT: u16 = 100;

fn check_weight(weight: i64) -> Result<u16> {
    let w = Weight::new(weight)?;
    if w.get() > MAX_WEIGHT {
        return Err(Error::invalid_input(format!(
            "weight {weight} is out of range: an ELB member's weight is 0 to {MAX_WEIGHT}"
        )));
    }
    Ok(w.get())
}

fn check_address(address: &str) -> Result<IpAddr> {
    let len = address.chars().count();
    if len == 0 {
        return Err(Error::invalid_input("member address must not be empty"));
    }
    if len > MAX_ADDRESS_CHARS {
        return Err(Error::invalid_input(format!(
            "member address is {len} characters long; at most {MAX_ADDRESS_CHARS} are allowed"
        )));
    }
    address.parse().map_err(|_| {
        Error::invalid_input(format!(
            "member address {address:?} is not an IPv4 or IPv6 address"
        ))
    })
}

fn check_id(field: &str, value: &str, max: usize) -> Result<String> {
    let id = ResourceId::new(value).map_err(|e| e.context(format!("member {field}")))?;
    let len = value.chars().count();
    if len > max {
        return Err(Error::invalid_input(format!(
            "member {field} is {len} characters long; at most {max} are allowed"
        )));
    }
    Ok(id.as_str().to_owned())
}

fn check_zone(zone: &str) -> Result<String> {
    let len = zone.chars().count();
    if zone.trim().is_empty() {
        return Err(Error::invalid_input(
            "member availability_zone must not be empty: give a zone or leave it out",
        ));
    }
    if len > MAX_ZONE_CHARS {
        return Err(Error::invalid_input(format!(
            "member availability_zone is {len} characters long; at most {MAX_ZONE_CHARS} are allowed"
        )));
    }
    if zone.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            "member availability_zone must not contain control characters",
        ));
    }
    Ok(zone.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lb_backends_core::ErrorKind;

    const SUBNET: &str = "c09f620e-3492-4429-ac15-445d5dd9ca74";

    fn refused(spec: CreateMember, says: &str) {
        let err = spec.check().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.message().contains(says), "{err:?} should say {says:?}");
    }

    #[test]
    fn every_rule_is_refused_with_a_clear_message() {
        let ok = || CreateMember::new("10.0.0.1", 80).with_subnet(SUBNET);
        refused(CreateMember::new("", 80), "address must not be empty");
        refused(CreateMember::new("1".repeat(65), 80), "at most 64");
        refused(CreateMember::new("10.0.0.256", 80), "not an IPv4 or IPv6");
        refused(
            CreateMember::new("web.example.com", 80),
            "not an IPv4 or IPv6",
        );
        refused(CreateMember::new(" 10.0.0.1", 80), "not an IPv4 or IPv6");
        refused(CreateMember::new("10.0.0.1", 0), "port 0 is out of range");
        refused(
            CreateMember::new("10.0.0.1", 65536),
            "port 65536 is out of range",
        );
        refused(CreateMember::new("10.0.0.1", -1), "protocol_port");
        refused(ok().with_weight(101), "weight 101 is out of range");
        refused(ok().with_weight(-1), "weight -1 is out of range");
        refused(
            ok().with_name("x".repeat(256)),
            "256 characters long; at most 255",
        );
        refused(ok().with_name("a\nb"), "control characters");
        refused(
            ok().with_subnet(""),
            "subnet_cidr_id: an id must not be empty",
        );
        refused(
            ok().with_subnet("x".repeat(37)),
            "subnet_cidr_id is 37 characters",
        );
        refused(ok().with_subnet("../x"), "subnet_cidr_id");
        refused(ok().with_project_id(""), "project_id");
        refused(
            ok().with_project_id("a".repeat(33)),
            "project_id is 33 characters",
        );
        refused(ok().with_project_id("a?b"), "project_id");
        refused(
            ok().with_availability_zone(""),
            "availability_zone must not be empty",
        );
        refused(ok().with_availability_zone("z".repeat(256)), "at most 255");
        refused(CreateMember::new("2001:db8::1", 80), "cross-VPC");
        refused(CreateMember::new("::ffff:10.0.0.1", 80), "cross-VPC");
    }

    #[test]
    fn the_limits_themselves_pass() {
        let spec = CreateMember::new("2001:db8::1", 65535)
            .with_subnet("s".repeat(36))
            .with_weight(0)
            .with_name("n".repeat(255))
            .with_project_id("p".repeat(32))
            .with_availability_zone("cn-north-4a");
        let checked = spec.check().unwrap();
        assert_eq!(checked.protocol_port(), 65535);
        let err = CreateMember::new("10.0.0.1", 1)
            .with_admin_state_up(true)
            .check()
            .unwrap_err();
        assert!(err.message().contains("weight to 0"), "{err}");
        assert!(CreateMember::new("10.0.0.1", 1)
            .with_weight(100)
            .check()
            .is_ok());
        assert!(CreateMember::new("10.0.0.1", 1)
            .with_name("")
            .check()
            .is_ok());
    }

    #[test]
    fn the_body_carries_only_what_was_given() {
        let body =
            serde_json::to_value(CreateMember::new("120.10.10.16", 89).check().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"address": "120.10.10.16", "protocol_port": 89})
        );
        let body = serde_json::to_value(
            CreateMember::new("2001:DB8:0::1", 89)
                .with_subnet(SUBNET)
                .with_weight(0)
                .check()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            body["address"], "2001:db8::1",
            "addresses are sent in canonical form"
        );
        assert_eq!(body["weight"], 0);
    }

    #[test]
    fn new_backend_maps_every_field() {
        let spec = NewBackend::new("10.1.2.3".parse().unwrap(), Port::new(443).unwrap())
            .with_weight(Weight::new(7).unwrap())
            .with_name(BackendName::new("w").unwrap())
            .with_subnet(ResourceId::new(SUBNET).unwrap())
            .with_admin_up(false);
        let c = CreateMember::from_new_backend(&spec);
        assert_eq!(
            c,
            CreateMember::new("10.1.2.3", 443)
                .with_weight(7)
                .with_name("w")
                .with_subnet(SUBNET)
                .with_admin_state_up(false)
        );
    }
}
