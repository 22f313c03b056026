//! The live Huawei resources: pools with their members (in listing order), subnets and
//! ports with an address index, built from a [`HuaweiFleet`] when the server starts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::error::{Error, Result};
use crate::fleet::{HuaweiFleet, Member, Pool, Port};
use crate::util::{uuid, Cidr};

/// A subnet as the checks need it.
#[derive(Debug, Clone)]
pub(crate) struct SubnetState {
    pub v4: Option<Cidr>,
    pub v6: Option<Cidr>,
    pub vpc_id: Option<String>,
}

impl SubnetState {
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        self.v4.is_some_and(|c| c.contains(ip)) || self.v6.is_some_and(|c| c.contains(ip))
    }
}

/// A pool and its members. Members are kept by creation sequence, which is the listing
/// order and what a marker points into.
#[derive(Debug)]
pub(crate) struct PoolState {
    /// The pool's settings (its `members` field is left empty).
    pub spec: Pool,
    pub members: BTreeMap<u64, Member>,
    pub by_id: HashMap<String, u64>,
    pub endpoints: HashMap<(IpAddr, u16), u64>,
    /// Members still `INITIAL`, with the time they turn `ONLINE`.
    pending: BTreeSet<(Instant, u64)>,
    next_seq: u64,
}

impl PoolState {
    fn new(spec: Pool) -> PoolState {
        PoolState {
            spec,
            members: BTreeMap::new(),
            by_id: HashMap::new(),
            endpoints: HashMap::new(),
            pending: BTreeSet::new(),
            next_seq: 0,
        }
    }

    /// Adds a member (already validated) at the end of the listing order.
    pub(crate) fn insert(&mut self, member: Member, initial_for: Option<Duration>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if let Ok(ip) = member.address.parse::<IpAddr>() {
            self.endpoints.insert((ip, member.protocol_port), seq);
        }
        if let Some(d) = initial_for {
            self.pending.insert((Instant::now() + d, seq));
        }
        self.by_id.insert(member.id.clone(), seq);
        self.members.insert(seq, member);
    }

    /// Removes a member by id.
    pub(crate) fn remove(&mut self, id: &str) -> Option<Member> {
        let seq = self.by_id.remove(id)?;
        let m = self.members.remove(&seq)?;
        if let Ok(ip) = m.address.parse::<IpAddr>() {
            self.endpoints.remove(&(ip, m.protocol_port));
        }
        self.pending.retain(|(_, s)| *s != seq);
        Some(m)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Member> {
        let seq = *self.by_id.get(id)?;
        self.members.get_mut(&seq)
    }

    /// Moves members whose health-check delay is over from `INITIAL` to `ONLINE`.
    pub(crate) fn refresh(&mut self, now: Instant) {
        while let Some(&(due, seq)) = self.pending.first() {
            if due > now {
                break;
            }
            self.pending.pop_first();
            if let Some(m) = self.members.get_mut(&seq) {
                if m.operating_status == "INITIAL" {
                    m.operating_status = "ONLINE".to_string();
                    for s in &mut m.status {
                        s.operating_status = "ONLINE".to_string();
                    }
                }
            }
        }
    }
}

/// All Huawei resources.
#[derive(Debug, Default)]
pub(crate) struct HuaweiStore {
    pub pools: HashMap<String, PoolState>,
    pub subnets: HashMap<String, SubnetState>,
    /// In listing order.
    pub ports: Vec<Port>,
    pub port_by_id: HashMap<String, usize>,
    pub ports_by_ip: HashMap<IpAddr, Vec<usize>>,
    /// APIG instances, VPC channels and members.
    pub apig: super::apig::store::ApigStore,
}

/// `v4` or `v6`.
pub(crate) fn ip_version(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "v4"
    } else {
        "v6"
    }
}

fn mac<R: Rng + ?Sized>(rng: &mut R) -> String {
    let b: [u8; 3] = rng.random();
    format!("fa:16:3e:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
}

impl HuaweiStore {
    /// Builds the store, filling what a fixture may leave out (ids, project ids,
    /// `ip_version`, `member_type`, MAC addresses, ...). The fleet must be valid.
    pub(crate) fn load<R: Rng + ?Sized>(
        fleet: &HuaweiFleet,
        project_id: &str,
        rng: &mut R,
    ) -> Result<HuaweiStore> {
        let mut store = HuaweiStore::default();
        for s in &fleet.vpc.subnets {
            store.subnets.insert(
                s.id.clone(),
                SubnetState {
                    v4: crate::util::Cidr::parse(&s.cidr),
                    v6: s.ipv6_cidr.as_deref().and_then(Cidr::parse),
                    vpc_id: s.vpc_id.clone(),
                },
            );
        }
        for p in &fleet.vpc.ports {
            let mut p = p.clone();
            if p.id.is_empty() {
                p.id = uuid(rng);
            }
            if p.mac_address.is_empty() {
                p.mac_address = mac(rng);
            }
            if p.network_id.is_empty() {
                p.network_id = p
                    .fixed_ips
                    .first()
                    .map(|f| f.subnet_id.clone())
                    .unwrap_or_default();
            }
            for field in [&mut p.tenant_id, &mut p.project_id] {
                if field.is_empty() {
                    *field = project_id.to_string();
                }
            }
            if p.instance_id.is_empty() && p.device_owner.starts_with("compute:") {
                p.instance_id.clone_from(&p.device_id);
            }
            store.add_port(p);
        }
        for pool in &fleet.elb.pools {
            let mut spec = pool.clone();
            spec.members = Vec::new();
            let mut state = PoolState::new(spec);
            for m in &pool.members {
                let mut m = m.clone();
                let ip: IpAddr = m
                    .address
                    .parse()
                    .map_err(|_| Error::Fixture(format!("{} is not an IP address", m.address)))?;
                m.address = ip.to_string();
                if m.id.is_empty() {
                    m.id = uuid(rng);
                }
                if m.project_id.is_empty() {
                    m.project_id = project_id.to_string();
                }
                if m.ip_version.is_empty() {
                    m.ip_version = ip_version(ip).to_string();
                }
                if m.subnet_cidr_id.as_deref() == Some("") {
                    m.subnet_cidr_id = None;
                }
                if m.member_type.is_empty() {
                    m.member_type = if m.subnet_cidr_id.is_some() {
                        "instance"
                    } else {
                        "ip"
                    }
                    .to_string();
                }
                if state.by_id.contains_key(&m.id) {
                    return Err(Error::Fixture(format!(
                        "pool {}: duplicate member id {}",
                        pool.id, m.id
                    )));
                }
                state.insert(m, None);
            }
            if store.pools.insert(pool.id.clone(), state).is_some() {
                return Err(Error::Fixture(format!("duplicate pool id {}", pool.id)));
            }
        }
        store.apig = super::apig::store::ApigStore::load(&fleet.apig, rng)?;
        Ok(store)
    }

    fn add_port(&mut self, p: Port) {
        let idx = self.ports.len();
        for f in &p.fixed_ips {
            if let Ok(ip) = f.ip_address.parse::<IpAddr>() {
                let v = self.ports_by_ip.entry(ip).or_default();
                if !v.contains(&idx) {
                    v.push(idx);
                }
            }
        }
        self.port_by_id.insert(p.id.clone(), idx);
        self.ports.push(p);
    }

    /// The ECS behind `ip` on `subnet_id`, when exactly one ECS port matches.
    pub(crate) fn ecs_for(&self, subnet_id: &str, ip: IpAddr) -> Option<String> {
        let mut found = self.ports_by_ip.get(&ip)?.iter().filter_map(|&i| {
            let p = &self.ports[i];
            let on_subnet = p
                .fixed_ips
                .iter()
                .any(|f| f.subnet_id == subnet_id && f.ip_address.parse() == Ok(ip));
            (on_subnet && p.device_owner.starts_with("compute:")).then(|| p.device_id.clone())
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}
