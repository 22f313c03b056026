//! Wire types of ELB v3 members and VPC v1 ports, decoded leniently.
//!
//! The cloud may leave out any field, send `null`, add fields, or (rarely, through a
//! proxy or an older service version) send a value of another type. Every field here
//! is an `Option` (or an empty `Vec`) and a value of the wrong type decodes as `None`
//! rather than failing the whole record: what we cannot read is dropped here and
//! still kept whole in [`Backend::raw`](lb_backends_core::Backend::raw). The rule is
//! the typed one of [`lb_backends_core::lenient`] ([`opt`](lb_backends_core::lenient::opt),
//! [`list`](lb_backends_core::lenient::list)): v3 sends JSON types as documented, so
//! `"80"` is not read as a port.
//!
//! ```
//! use lb_backends_huawei_elb::model::Member;
//!
//! let member: Member = serde_json::from_str(
//!     r#"{"id": "m1", "weight": "ten", "protocol_port": 80, "new_field": [1, 2]}"#,
//! )?;
//! assert_eq!(member.id.as_deref(), Some("m1"));
//! assert_eq!(member.weight, None); // wrong type: dropped, not an error
//! assert_eq!(member.protocol_port, Some(80));
//! # Ok::<(), serde_json::Error>(())
//! ```

use lb_backends_core::lenient;
use serde::Deserialize;
use serde_json::Value;

/// An ELB v3 member (backend server) as the cloud sends it (API.md 2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// The member id (not the ECS id).
    #[serde(default, deserialize_with = "lenient::opt")]
    pub id: Option<String>,
    /// The member's name.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub name: Option<String>,
    /// The project the member belongs to.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub project_id: Option<String>,
    /// The pool (documented as "not supported, do not use").
    #[serde(default, deserialize_with = "lenient::opt")]
    pub pool_id: Option<String>,
    /// Administrative state.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub admin_state_up: Option<bool>,
    /// The subnet of the member's address; absent for a cross-VPC member.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub subnet_cidr_id: Option<String>,
    /// The port traffic is sent to.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub protocol_port: Option<i64>,
    /// The weight, 0 to 100.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub weight: Option<i64>,
    /// The address traffic is sent to.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub address: Option<String>,
    /// `v4` or `v6`.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub ip_version: Option<String>,
    /// Health: `ONLINE`, `OFFLINE`, `NO_MONITOR`, `INITIAL`, `UNKNOWN`, ...
    #[serde(default, deserialize_with = "lenient::opt")]
    pub operating_status: Option<String>,
    /// Health per listener.
    #[serde(default, deserialize_with = "lenient::list")]
    pub status: Vec<MemberStatus>,
    /// Why the health check fails, when it does.
    #[serde(default)]
    pub reason: Option<Value>,
    /// Creation time, `yyyy-MM-dd'T'HH:mm:ss'Z'`.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub created_at: Option<String>,
    /// Last update time, `yyyy-MM-dd'T'HH:mm:ss'Z'`.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub updated_at: Option<String>,
    /// `ip` (cross-VPC) or `instance` (bound to an ECS).
    #[serde(default, deserialize_with = "lenient::opt")]
    pub member_type: Option<String>,
    /// The ECS id; empty or absent for a cross-VPC member and on older services.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub instance_id: Option<String>,
    /// The availability zone.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub availability_zone: Option<String>,
    /// Documented as "not supported, do not use".
    #[serde(default, deserialize_with = "lenient::opt")]
    pub device_owner: Option<String>,
    /// Documented as "not supported, do not use".
    #[serde(default, deserialize_with = "lenient::opt")]
    pub device_id: Option<String>,
}

/// The health one listener sees of a member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MemberStatus {
    /// The listener's id.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub listener_id: Option<String>,
    /// The health that listener sees.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub operating_status: Option<String>,
}

/// `page_info` of a member listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageInfo {
    /// The first id of this page.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub previous_marker: Option<String>,
    /// The last id of this page, present when more members follow.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub next_marker: Option<String>,
    /// How many members this page holds.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub current_count: Option<i64>,
}

/// A VPC v1 port (a NIC), as far as the ECS lookup needs it (API.md 2.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VpcPort {
    /// The port id.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub id: Option<String>,
    /// The port's name.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub name: Option<String>,
    /// `ACTIVE`, `DOWN`, ...
    #[serde(default, deserialize_with = "lenient::opt")]
    pub status: Option<String>,
    /// The addresses of the port, each on a subnet.
    #[serde(default, deserialize_with = "lenient::list")]
    pub fixed_ips: Vec<FixedIp>,
    /// The device the port is attached to: the ECS id for an ECS NIC.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub device_id: Option<String>,
    /// `compute:{az}` for an ECS NIC.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub device_owner: Option<String>,
    /// The network (VPC subnet's network) id.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub network_id: Option<String>,
    /// The MAC address.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub mac_address: Option<String>,
    /// The instance id, on newer services.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub instance_id: Option<String>,
}

/// One address of a port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FixedIp {
    /// The subnet the address is on.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub subnet_id: Option<String>,
    /// The address.
    #[serde(default, deserialize_with = "lenient::opt")]
    pub ip_address: Option<String>,
}

/// A text field that is present and not empty.
pub(crate) fn non_empty(field: Option<&String>) -> Option<&str> {
    field.map(String::as_str).filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_wrong_types_decode_as_none() {
        let m: Member = serde_json::from_str(
            r#"{"id": 7, "name": null, "admin_state_up": "yes", "protocol_port": "80",
                "weight": 1.5, "status": {"a": 1}, "created_at": false, "extra": {}}"#,
        )
        .unwrap();
        assert_eq!(m, Member::default());
        let m: Member =
            serde_json::from_str(r#"{"status": [1, null, {"listener_id": "l1"}]}"#).unwrap();
        assert_eq!(m.status.len(), 1, "non-objects dropped, objects kept");
        assert_eq!(m.status[0].listener_id.as_deref(), Some("l1"));
    }

    #[test]
    fn ports_decode_leniently() {
        let p: VpcPort = serde_json::from_str(
            r#"{"id": "p1", "admin_state_up": "true", "fixed_ips": [{"subnet_id": "s", "ip_address": 3}],
                "binding:vnic_type": "normal"}"#,
        )
        .unwrap();
        assert_eq!(p.id.as_deref(), Some("p1"));
        assert_eq!(p.fixed_ips[0].subnet_id.as_deref(), Some("s"));
        assert_eq!(p.fixed_ips[0].ip_address, None);
    }
}
