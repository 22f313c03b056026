//! The fleet: every resource the emulator serves, loaded from a fixture (JSON) or
//! generated. See the crate documentation for the fixture format.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::util::Cidr;

pub(crate) mod apig;
pub mod apig_demo;
pub mod demo;
pub(crate) mod generate;
mod generate_apig;
mod generate_tencent;
mod huawei;
mod tencent;
mod vpc;

pub use apig::{ApigFleet, ApigInstance, ChannelMember, ChannelMemberType, VpcChannel};
pub use huawei::{
    ConnectionDrain, ElbFleet, HuaweiFleet, Member, MemberStatus, Pool, PoolIpVersion, PoolProtocol,
};
pub use tencent::{
    clb3, BmlbBinding, BmlbFleet, BmlbL4Listener, BmlbLocation, ClassicListener, ClassicTarget,
    Clb3Fleet, Clb3Listener, Clb3LoadBalancer, Clb3Rule, Clb3Target, ClbBackend, ClbFleet,
    ClbLoadBalancer, ForcedError, TencentFleet, BM_OPERATES,
};
pub use vpc::{FixedIp, Port, Subnet, VpcFleet};

/// Everything the emulator serves, one section per cloud.
///
/// ```
/// use lb_backends_emulator::Fleet;
/// let fleet = Fleet::from_json_str(r#"{
///   "huawei": {
///     "elb": { "pools": [ { "id": "pool-1", "protocol": "HTTP", "cross_vpc": true,
///       "members": [ { "address": "192.168.0.10", "protocol_port": 80 } ] } ] },
///     "vpc": { "subnets": [ { "id": "subnet-1", "cidr": "10.0.1.0/24" } ], "ports": [] }
///   }
/// }"#).unwrap();
/// assert_eq!(fleet.huawei.elb.pools[0].members.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Fleet {
    /// Huawei Cloud: ELB v3 pools and members, VPC subnets and ports.
    #[serde(default)]
    pub huawei: HuaweiFleet,
    /// Tencent Cloud: CLB load balancers and BMLB forwarding paths (legacy API).
    #[serde(default)]
    pub tencent: TencentFleet,
}

impl Fleet {
    /// An empty fleet.
    pub fn new() -> Fleet {
        Fleet::default()
    }

    /// Parses and validates a fixture.
    pub fn from_json_str(json: &str) -> Result<Fleet> {
        let fleet: Fleet = serde_json::from_str(json).map_err(|e| Error::Fixture(e.to_string()))?;
        fleet.validate()?;
        Ok(fleet)
    }

    /// Reads, parses and validates a fixture file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Fleet> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::FixtureIo {
            path: path.to_path_buf(),
            source,
        })?;
        Fleet::from_json_str(&text).map_err(|e| Error::Fixture(format!("{}: {e}", path.display())))
    }

    /// The fixture form of this fleet (pretty JSON).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Adds another fleet's resources to this one.
    pub fn merge(&mut self, other: Fleet) -> &mut Fleet {
        let h = other.huawei;
        if self.huawei.project_id.is_none() {
            self.huawei.project_id = h.project_id;
        }
        self.huawei.elb.pools.extend(h.elb.pools);
        self.huawei.vpc.subnets.extend(h.vpc.subnets);
        self.huawei.vpc.ports.extend(h.vpc.ports);
        self.huawei.apig.instances.extend(h.apig.instances);
        let t = other.tencent;
        self.tencent.clb.load_balancers.extend(t.clb.load_balancers);
        self.tencent.bmlb.locations.extend(t.bmlb.locations);
        self.tencent.bmlb.l4_listeners.extend(t.bmlb.l4_listeners);
        self.tencent
            .clb3
            .load_balancers
            .extend(t.clb3.load_balancers);
        self
    }

    /// The Huawei pool with this id.
    pub fn huawei_pool(&self, pool_id: &str) -> Option<&Pool> {
        self.huawei.elb.pools.iter().find(|p| p.id == pool_id)
    }

    /// The Tencent CLB load balancer with this id.
    pub fn tencent_clb(&self, load_balancer_id: &str) -> Option<&ClbLoadBalancer> {
        self.tencent
            .clb
            .load_balancers
            .iter()
            .find(|lb| lb.load_balancer_id == load_balancer_id)
    }

    /// The Tencent BMLB forwarding path with these ids.
    pub fn tencent_bmlb_location(
        &self,
        load_balancer_id: &str,
        listener_id: &str,
        domain_id: &str,
        location_id: &str,
    ) -> Option<&BmlbLocation> {
        let key = [load_balancer_id, listener_id, domain_id, location_id];
        self.tencent.bmlb.locations.iter().find(|l| l.key() == key)
    }

    /// Checks the rules the real service would never let a fleet break: unique pool,
    /// member, subnet and port ids; members with a valid address, port and weight,
    /// unique address+port per pool, a known subnet whose range holds the address;
    /// valid subnet ranges and port addresses.
    /// (The Tencent rules are listed on [`TencentFleet`]'s sections.)
    pub fn validate(&self) -> Result<()> {
        self.tencent.validate().map_err(Error::Fixture)?;
        let h = &self.huawei;
        h.apig.validate()?;
        let bad = |msg: String| Err(Error::Fixture(msg));
        let mut subnets = std::collections::HashMap::new();
        for s in &h.vpc.subnets {
            let v4 = Cidr::parse(&s.cidr);
            let v6 = s.ipv6_cidr.as_deref().map(Cidr::parse);
            if v4.is_none() || matches!(v6, Some(None)) {
                return bad(format!("subnet {}: invalid cidr", s.id));
            }
            if subnets.insert(s.id.as_str(), (v4, v6.flatten())).is_some() {
                return bad(format!("duplicate subnet id {}", s.id));
            }
        }
        let mut pool_ids = HashSet::new();
        for p in &h.elb.pools {
            if p.id.is_empty() || !pool_ids.insert(p.id.as_str()) {
                return bad(format!("pool id {:?} is empty or repeated", p.id));
            }
            let mut ids = HashSet::new();
            let mut endpoints = HashSet::new();
            for m in &p.members {
                let ctx = format!("pool {}, member {}:{}", p.id, m.address, m.protocol_port);
                let Ok(ip) = m.address.parse::<IpAddr>() else {
                    return bad(format!("{ctx}: address is not an IP address"));
                };
                if m.protocol_port == 0 || m.weight > 100 {
                    return bad(format!("{ctx}: port must be 1-65535 and weight 0-100"));
                }
                if !m.id.is_empty() && !ids.insert(m.id.as_str()) {
                    return bad(format!("{ctx}: duplicate member id {}", m.id));
                }
                if !endpoints.insert((ip, m.protocol_port)) {
                    return bad(format!("{ctx}: duplicate address and port"));
                }
                if let Some(sid) = m.subnet_cidr_id.as_deref().filter(|s| !s.is_empty()) {
                    let Some((v4, v6)) = subnets.get(sid) else {
                        return bad(format!("{ctx}: unknown subnet {sid}"));
                    };
                    let inside =
                        v4.is_some_and(|c| c.contains(ip)) || v6.is_some_and(|c| c.contains(ip));
                    if !inside {
                        return bad(format!("{ctx}: address outside subnet {sid}"));
                    }
                }
            }
        }
        let mut port_ids = HashSet::new();
        for port in &h.vpc.ports {
            if !port.id.is_empty() && !port_ids.insert(port.id.as_str()) {
                return bad(format!("duplicate port id {}", port.id));
            }
            for f in &port.fixed_ips {
                if f.ip_address.parse::<IpAddr>().is_err() {
                    return bad(format!(
                        "port {:?}: {} is not an IP address",
                        port.id, f.ip_address
                    ));
                }
            }
        }
        Ok(())
    }
}
