//! Which ECS is behind a member (API.md 2.6, seed 000): the member's own
//! `instance_id` when it has one, else the VPC port that holds the member's address on
//! the member's subnet.

use std::net::IpAddr;

use http::Method;
use lb_backends_core::{
    lenient::json_kind, paging::PageGuard, transport::decode_json, Error, ErrorKind, InstanceKind,
    InstanceLookup, InstanceRef, ResourceId, Result,
};
use lb_backends_huawei_core::Service;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    mapping,
    model::{non_empty, VpcPort},
    ElbProvider,
};

/// Most ports asked for per page (VPC's own maximum).
const MAX_PORTS_PAGE: u32 = 2000;

impl ElbProvider {
    /// Find the ECS behind member `id`.
    ///
    /// 1. Show the member. A non-empty `instance_id` is the answer
    ///    ([`InstanceLookup::Found`], kind ECS).
    /// 2. A member without `subnet_cidr_id` (or with `member_type: ip`) is a cross-VPC
    ///    member and has no ECS: [`InstanceLookup::NotBound`].
    /// 3. Otherwise list the VPC ports holding the member's address
    ///    (`GET {vpc}/v1/{project_id}/ports?fixed_ips=ip_address={address}`, paged) and
    ///    keep those with a fixed IP of that address **on the member's subnet**
    ///    (private addresses repeat across VPCs). None: [`InstanceLookup::NoMatch`];
    ///    one device: `Found` (its `device_id`); several: [`InstanceLookup::Ambiguous`]
    ///    with every candidate, never a guess.
    ///
    /// ```no_run
    /// # async fn demo(provider: lb_backends_huawei_elb::ElbProvider) -> lb_backends_core::Result<()> {
    /// use lb_backends_core::{InstanceLookup, ResourceId};
    ///
    /// let member = ResourceId::new("1923923e-fe8a-484f-bdbc-e11559b1f48f")?;
    /// match provider.find_instance(&member).await? {
    ///     InstanceLookup::Found { instance } => println!("ECS {}", instance.id),
    ///     InstanceLookup::NotBound => println!("cross-VPC member: no ECS"),
    ///     InstanceLookup::NoMatch => println!("no NIC holds that address on that subnet"),
    ///     InstanceLookup::Ambiguous { candidates } => println!("one of {candidates:?}"),
    ///     _ => {}
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_instance(&self, id: &ResourceId) -> Result<InstanceLookup> {
        let raw = self.show_member_raw(id).await?;
        mapping::ensure_asked(&raw, id.as_str())?;
        let member = mapping::member_fields(&raw);
        if let Some(instance) = mapping::instance_ref(&member) {
            return Ok(InstanceLookup::Found { instance });
        }
        let cross_vpc = member.member_type.as_deref() == Some("ip");
        let Some(subnet) = non_empty(member.subnet_cidr_id.as_ref()).filter(|_| !cross_vpc) else {
            return Ok(InstanceLookup::NotBound);
        };
        let Some(address) = non_empty(member.address.as_ref()) else {
            return Err(Error::new(
                ErrorKind::Decode,
                format!("member {id} has a subnet but no address, so its NIC cannot be looked up"),
            ));
        };
        let ports = self.ports_with_address(address).await?;
        Ok(pick(&ports, subnet, address))
    }

    /// Every VPC port with a fixed IP `address`, all pages.
    async fn ports_with_address(&self, address: &str) -> Result<Vec<VpcPort>> {
        let limit = self.page_size().min(MAX_PORTS_PAGE);
        let mut ports = Vec::new();
        let mut marker: Option<String> = None;
        let mut guard = PageGuard::new("listing the VPC ports of the member's address", limit);
        loop {
            let mut request = self
                .client()
                .request("ListPorts", Method::GET, Service::Vpc)
                .segments(["v1", self.client().project_id().as_str(), "ports"])
                .query("fixed_ips", format!("ip_address={address}"))
                .query("limit", limit);
            if let Some(m) = &marker {
                request = request.query("marker", m);
            }
            let page = self.client().send_with(&request, ports_page).await?;
            let full = u32::try_from(page.len()).map_or(true, |n| n >= limit);
            let last = page
                .last()
                .and_then(|p| non_empty(p.id.as_ref()))
                .map(str::to_owned);
            // The checks every listing makes: nothing new, over the limit, the cap.
            let admitted = guard.admit(page, |p| match non_empty(p.id.as_ref()) {
                Some(id) => format!("id {id}"),
                None => format!("port {p:?}"),
            });
            if let Some(problem) = admitted.problem {
                return Err(problem);
            }
            ports.extend(admitted.items);
            if !full {
                return Ok(ports);
            }
            let Some(last) = last else {
                return Err(guard.incomplete(
                    "a full page of VPC ports ended with a port without an id, so the next \
                     page cannot be asked for",
                ));
            };
            // A plausible id, never sent before, within the client-side bound.
            guard.follow(&last)?;
            marker = Some(last);
        }
    }
}

/// The `ports` array of a VPC answer.
pub(crate) fn ports_page(
    response: &lb_backends_core::transport::RawResponse,
) -> Result<Vec<VpcPort>> {
    let mut body: Value = decode_json("ListPorts", response)?;
    match body.get_mut("ports").map(Value::take) {
        // A port must be an object (serde would read an array as a port's fields in
        // order); within one, odd fields are read leniently.
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, p)| match p {
                Value::Object(_) => Ok(VpcPort::deserialize(&p).unwrap_or_default()),
                other => Err(mapping::shape_error(
                    "ListPorts",
                    response,
                    &format!("port {i} is {}, not an object", json_kind(&other)),
                )),
            })
            .collect(),
        other => Err(mapping::shape_error(
            "ListPorts",
            response,
            &format!(
                "\"ports\" is {}",
                other.as_ref().map_or("missing", json_kind)
            ),
        )),
    }
}

/// Whether two textual addresses are the same address (`2001:DB8::1` is `2001:db8::1`).
fn same_address(a: &str, b: &str) -> bool {
    match (a.trim().parse::<IpAddr>(), b.trim().parse::<IpAddr>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// The answer from the ports that hold `address`: only those with it on `subnet` count.
pub(crate) fn pick(ports: &[VpcPort], subnet: &str, address: &str) -> InstanceLookup {
    let mut devices: Vec<(&str, Option<&str>)> = Vec::new();
    for port in ports {
        let on_subnet = port.fixed_ips.iter().any(|ip| {
            ip.subnet_id.as_deref() == Some(subnet)
                && ip
                    .ip_address
                    .as_deref()
                    .is_some_and(|a| same_address(a, address))
        });
        let Some(device) = non_empty(port.device_id.as_ref()).filter(|_| on_subnet) else {
            continue;
        };
        if !devices.iter().any(|(d, _)| *d == device) {
            devices.push((device, non_empty(port.device_owner.as_ref())));
        }
    }
    match devices.as_slice() {
        [] => InstanceLookup::NoMatch,
        [(device, owner)] => InstanceLookup::Found {
            instance: InstanceRef {
                id: (*device).to_owned(),
                name: None,
                kind: match owner {
                    None => InstanceKind::Ecs,
                    Some(o) if o.starts_with("compute:") => InstanceKind::Ecs,
                    Some(o) => InstanceKind::Unknown((*o).to_owned()),
                },
                state: None,
            },
        },
        many => InstanceLookup::Ambiguous {
            candidates: many.iter().map(|(d, _)| (*d).to_owned()).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn port(device: &str, subnet: &str, ip: &str) -> VpcPort {
        VpcPort::deserialize(&json!({
            "id": format!("port-{device}"), "device_id": device, "device_owner": "compute:az1",
            "fixed_ips": [{"subnet_id": subnet, "ip_address": ip}]
        }))
        .unwrap()
    }

    #[test]
    fn the_subnet_decides() {
        let ports = [
            port("ecs-a", "s1", "10.0.0.5"),
            port("ecs-b", "s2", "10.0.0.5"),
        ];
        match pick(&ports, "s2", "10.0.0.5") {
            InstanceLookup::Found { instance } => {
                assert_eq!(
                    (instance.id.as_str(), instance.kind),
                    ("ecs-b", InstanceKind::Ecs)
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(pick(&ports, "s3", "10.0.0.5"), InstanceLookup::NoMatch);
        assert_eq!(pick(&[], "s1", "10.0.0.5"), InstanceLookup::NoMatch);
        assert_eq!(pick(&ports, "s1", "10.0.0.6"), InstanceLookup::NoMatch);
    }

    #[test]
    fn two_devices_are_ambiguous_and_one_device_twice_is_not() {
        let ports = [
            port("ecs-a", "s1", "10.0.0.5"),
            port("ecs-b", "s1", "10.0.0.5"),
        ];
        assert_eq!(
            pick(&ports, "s1", "10.0.0.5"),
            InstanceLookup::Ambiguous {
                candidates: vec!["ecs-a".into(), "ecs-b".into()]
            }
        );
        let ports = [
            port("ecs-a", "s1", "10.0.0.5"),
            port("ecs-a", "s1", "10.0.0.5"),
        ];
        assert!(matches!(
            pick(&ports, "s1", "10.0.0.5"),
            InstanceLookup::Found { .. }
        ));
    }

    #[test]
    fn odd_ports_are_skipped_not_fatal() {
        let mut unattached = port("", "s1", "10.0.0.5");
        unattached.device_id = None;
        let mut lb = port("lb-1", "s1", "2001:DB8::5");
        lb.device_owner = Some("neutron:LOADBALANCERV3".into());
        let ports = [unattached, VpcPort::default(), lb];
        assert_eq!(pick(&ports[..2], "s1", "10.0.0.5"), InstanceLookup::NoMatch);
        match pick(&ports, "s1", "2001:db8::5") {
            InstanceLookup::Found { instance } => assert_eq!(
                instance.kind,
                InstanceKind::Unknown("neutron:LOADBALANCERV3".into())
            ),
            other => panic!("{other:?}"),
        }
    }
}
