//! Wire types of ELB v3 members and VPC v1 ports, decoded leniently.
//!
//! The cloud may leave out any field, send `null`, add fields, or (rarely, through a
//! proxy or an older service version) send a value of another type. Every field here
//! is an `Option` (or an empty `Vec`) and a value of the wrong type decodes as `None`
//! rather than failing the whole record: what we cannot read is dropped here and
//! still kept whole in [`Backend::raw`](lb_backends_core::Backend::raw).
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

use serde::{de::DeserializeOwned, Deserialize, Deserializer};
use serde_json::Value;

/// A value of type `T`, or `None` when it is missing, `null` or of another type.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// The elements of an array that decode as `T`; anything else gives an empty list.
fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// An ELB v3 member (backend server) as the cloud sends it (API.md 2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// The member id (not the ECS id).
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    /// The member's name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    /// The project the member belongs to.
    #[serde(default, deserialize_with = "lenient")]
    pub project_id: Option<String>,
    /// The pool (documented as "not supported, do not use").
    #[serde(default, deserialize_with = "lenient")]
    pub pool_id: Option<String>,
    /// Administrative state.
    #[serde(default, deserialize_with = "lenient")]
    pub admin_state_up: Option<bool>,
    /// The subnet of the member's address; absent for a cross-VPC member.
    #[serde(default, deserialize_with = "lenient")]
    pub subnet_cidr_id: Option<String>,
    /// The port traffic is sent to.
    #[serde(default, deserialize_with = "lenient")]
    pub protocol_port: Option<i64>,
    /// The weight, 0 to 100.
    #[serde(default, deserialize_with = "lenient")]
    pub weight: Option<i64>,
    /// The address traffic is sent to.
    #[serde(default, deserialize_with = "lenient")]
    pub address: Option<String>,
    /// `v4` or `v6`.
    #[serde(default, deserialize_with = "lenient")]
    pub ip_version: Option<String>,
    /// Health: `ONLINE`, `OFFLINE`, `NO_MONITOR`, `INITIAL`, `UNKNOWN`, ...
    #[serde(default, deserialize_with = "lenient")]
    pub operating_status: Option<String>,
    /// Health per listener.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub status: Vec<MemberStatus>,
    /// Why the health check fails, when it does.
    #[serde(default)]
    pub reason: Option<Value>,
    /// Creation time, `yyyy-MM-dd'T'HH:mm:ss'Z'`.
    #[serde(default, deserialize_with = "lenient")]
    pub created_at: Option<String>,
    /// Last update time, `yyyy-MM-dd'T'HH:mm:ss'Z'`.
    #[serde(default, deserialize_with = "lenient")]
    pub updated_at: Option<String>,
    /// `ip` (cross-VPC) or `instance` (bound to an ECS).
    #[serde(default, deserialize_with = "lenient")]
    pub member_type: Option<String>,
    /// The ECS id; empty or absent for a cross-VPC member and on older services.
    #[serde(default, deserialize_with = "lenient")]
    pub instance_id: Option<String>,
    /// The availability zone.
    #[serde(default, deserialize_with = "lenient")]
    pub availability_zone: Option<String>,
    /// Documented as "not supported, do not use".
    #[serde(default, deserialize_with = "lenient")]
    pub device_owner: Option<String>,
    /// Documented as "not supported, do not use".
    #[serde(default, deserialize_with = "lenient")]
    pub device_id: Option<String>,
}

/// The health one listener sees of a member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MemberStatus {
    /// The listener's id.
    #[serde(default, deserialize_with = "lenient")]
    pub listener_id: Option<String>,
    /// The health that listener sees.
    #[serde(default, deserialize_with = "lenient")]
    pub operating_status: Option<String>,
}

/// `page_info` of a member listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageInfo {
    /// The first id of this page.
    #[serde(default, deserialize_with = "lenient")]
    pub previous_marker: Option<String>,
    /// The last id of this page, present when more members follow.
    #[serde(default, deserialize_with = "lenient")]
    pub next_marker: Option<String>,
    /// How many members this page holds.
    #[serde(default, deserialize_with = "lenient")]
    pub current_count: Option<i64>,
}

/// A VPC v1 port (a NIC), as far as the ECS lookup needs it (API.md 2.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VpcPort {
    /// The port id.
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    /// The port's name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    /// `ACTIVE`, `DOWN`, ...
    #[serde(default, deserialize_with = "lenient")]
    pub status: Option<String>,
    /// The addresses of the port, each on a subnet.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub fixed_ips: Vec<FixedIp>,
    /// The device the port is attached to: the ECS id for an ECS NIC.
    #[serde(default, deserialize_with = "lenient")]
    pub device_id: Option<String>,
    /// `compute:{az}` for an ECS NIC.
    #[serde(default, deserialize_with = "lenient")]
    pub device_owner: Option<String>,
    /// The network (VPC subnet's network) id.
    #[serde(default, deserialize_with = "lenient")]
    pub network_id: Option<String>,
    /// The MAC address.
    #[serde(default, deserialize_with = "lenient")]
    pub mac_address: Option<String>,
    /// The instance id, on newer services.
    #[serde(default, deserialize_with = "lenient")]
    pub instance_id: Option<String>,
}

/// One address of a port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FixedIp {
    /// The subnet the address is on.
    #[serde(default, deserialize_with = "lenient")]
    pub subnet_id: Option<String>,
    /// The address.
    #[serde(default, deserialize_with = "lenient")]
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
