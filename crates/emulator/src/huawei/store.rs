//! The live Huawei resources: pools with their members (in listing order), subnets and
//! ports with an address index, built from a [`HuaweiFleet`] when the server starts.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

use super::record::{StoredMember, StoredPort};
use crate::compact::Interner;
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

/// 64-bit FNV-1a: the key of an id in an [`IdIndex`].
fn id_key(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Finds a record's position by its id without keeping a second copy of every id: a
/// map from the id's 64-bit hash to the position, checked against the record, plus the
/// (in practice empty) set of ids whose hash another id already holds.
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    first: HashMap<u64, usize>,
    more: HashMap<Box<str>, usize>,
}

impl IdIndex {
    /// The position of `id`; `is(pos)` says whether the record at `pos` has that id.
    pub(crate) fn get(&self, id: &str, is: impl Fn(usize) -> bool) -> Option<usize> {
        match self.first.get(&id_key(id)) {
            Some(&pos) if is(pos) => Some(pos),
            _ => self.more.get(id).copied(),
        }
    }

    /// Records `id` at `pos` (the id must not be in the index yet).
    pub(crate) fn insert(&mut self, id: &str, pos: usize) {
        match self.first.entry(id_key(id)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(pos);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.more.insert(id.into(), pos);
            }
        }
    }

    /// Forgets `id`, which is at `pos`.
    pub(crate) fn remove(&mut self, id: &str, pos: usize) {
        let key = id_key(id);
        if self.first.get(&key) == Some(&pos) {
            self.first.remove(&key);
            let other = self.more.keys().find(|o| id_key(o) == key).cloned();
            if let Some(other) = other {
                if let Some(p) = self.more.remove(&other) {
                    self.first.insert(key, p);
                }
            }
        } else {
            self.more.remove(id);
        }
    }
}

/// A pool and its members. Members are kept by creation sequence (the index into
/// `members`), which is the listing order and what a marker points into.
#[derive(Debug)]
pub(crate) struct PoolState {
    /// The pool's settings (its `members` field is left empty).
    pub spec: Pool,
    /// By sequence; `None` where a member was removed.
    members: Vec<Option<StoredMember>>,
    by_id: IdIndex,
    pub endpoints: HashSet<(IpAddr, u16)>,
    /// Members still `INITIAL`, with the time they turn `ONLINE`.
    pending: BTreeSet<(Instant, usize)>,
    /// Repeated strings of this pool's members.
    strings: Interner,
}

impl PoolState {
    fn new(spec: Pool) -> PoolState {
        PoolState {
            spec,
            members: Vec::new(),
            by_id: IdIndex::default(),
            endpoints: HashSet::new(),
            pending: BTreeSet::new(),
            strings: Interner::default(),
        }
    }

    /// Adds a member (already validated, `address` an IP address) at the end of the
    /// listing order.
    pub(crate) fn insert(&mut self, member: &Member, initial_for: Option<Duration>) {
        let Ok(ip) = member.address.parse::<IpAddr>() else {
            return;
        };
        let seq = self.members.len();
        self.endpoints.insert((ip, member.protocol_port));
        if let Some(d) = initial_for {
            self.pending.insert((Instant::now() + d, seq));
        }
        self.by_id.insert(&member.id, seq);
        let record = StoredMember::from_member(member, ip, &mut self.strings);
        self.members.push(Some(record));
    }

    /// The sequence number of the member with this id.
    pub(crate) fn seq_of(&self, id: &str) -> Option<usize> {
        let members = &self.members;
        self.by_id.get(id, |seq| {
            members
                .get(seq)
                .and_then(Option::as_ref)
                .is_some_and(|m| m.id == *id)
        })
    }

    /// Whether a member has this id.
    pub(crate) fn contains_id(&self, id: &str) -> bool {
        self.seq_of(id).is_some()
    }

    /// Removes a member by id.
    pub(crate) fn remove(&mut self, id: &str) -> Option<StoredMember> {
        let seq = self.seq_of(id)?;
        let m = self.members.get_mut(seq)?.take()?;
        self.by_id.remove(id, seq);
        self.endpoints.remove(&(m.address, m.protocol_port));
        self.pending.retain(|(_, s)| *s != seq);
        Some(m)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut StoredMember> {
        let seq = self.seq_of(id)?;
        self.members.get_mut(seq)?.as_mut()
    }

    /// The members after sequence `after` (all when `None`), in listing order.
    pub(crate) fn after(&self, after: Option<usize>) -> impl Iterator<Item = &StoredMember> {
        let start = after.map_or(0, |s| s + 1).min(self.members.len());
        self.members[start..].iter().flatten()
    }

    /// The members before sequence `before` (all when `None`), last first.
    pub(crate) fn before_rev(&self, before: Option<usize>) -> impl Iterator<Item = &StoredMember> {
        let end = before.unwrap_or(self.members.len()).min(self.members.len());
        self.members[..end].iter().rev().flatten()
    }

    /// The members from sequence `from` on, in listing order.
    pub(crate) fn starting_at(&self, from: usize) -> impl Iterator<Item = &StoredMember> {
        let start = from.min(self.members.len());
        self.members[start..].iter().flatten()
    }

    /// Every member, in listing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &StoredMember> {
        self.members.iter().flatten()
    }

    /// Makes room for `n` more members.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.members.reserve_exact(n);
    }

    /// Moves members whose health-check delay is over from `INITIAL` to `ONLINE`.
    pub(crate) fn refresh(&mut self, now: Instant) {
        while let Some(&(due, seq)) = self.pending.first() {
            if due > now {
                break;
            }
            self.pending.pop_first();
            if let Some(Some(m)) = self.members.get_mut(seq) {
                if &*m.operating_status == "INITIAL" {
                    let online: Arc<str> = self.strings.get("ONLINE");
                    m.operating_status = online.clone();
                    for s in m.status.iter_mut() {
                        s.operating_status = online.clone();
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
    pub ports: Vec<StoredPort>,
    port_by_id: IdIndex,
    /// The first port holding each address, and the others (rare) in `ports_by_ip_more`.
    ports_by_ip: HashMap<IpAddr, u32>,
    ports_by_ip_more: HashMap<IpAddr, Vec<u32>>,
    /// Repeated strings of the ports.
    strings: Interner,
    /// APIG instances, VPC channels and members.
    pub apig: super::apig::store::ApigStore,
    /// Tokens IAM issued, with the time each stops being accepted.
    pub iam_tokens: HashMap<String, Instant>,
    /// How many tokens IAM issued.
    pub iam_tokens_issued: u64,
    /// ELB member diagnosis jobs by id.
    pub jobs: HashMap<String, super::elb::jobs::Job>,
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

/// A pool generated at start ([`crate::Fleet::generate_elb_pool`] without building the
/// fleet first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GeneratedPool {
    pub pool_id: String,
    pub members: usize,
    pub seed: u64,
}

impl HuaweiStore {
    /// Builds the store, filling what a fixture may leave out (ids, project ids,
    /// `ip_version`, `member_type`, MAC addresses, ...), plus a generated pool made
    /// record by record, in the order (and with the same ids) as if it had been merged
    /// into the fleet. The fleet must be valid.
    pub(crate) fn load_with<R: Rng + ?Sized>(
        fleet: &HuaweiFleet,
        generated: Option<&GeneratedPool>,
        project_id: &str,
        rng: &mut R,
    ) -> Result<HuaweiStore> {
        let mut store = HuaweiStore::default();
        for s in &fleet.vpc.subnets {
            store.add_subnet(s);
        }
        for p in &fleet.vpc.ports {
            store.add_port(p.clone(), project_id, rng);
        }
        let mut extra = None;
        if let Some(g) = generated {
            let mut state: Option<PoolState> = None;
            crate::fleet::generate::generate_elb_pool_with(
                g.pool_id.clone(),
                g.members,
                g.seed,
                |item| match item {
                    crate::fleet::generate::Generated::Pool(spec) => {
                        let mut s = PoolState::new(spec);
                        s.reserve(g.members);
                        state = Some(s);
                    }
                    crate::fleet::generate::Generated::Subnet(s) => store.add_subnet(&s),
                    crate::fleet::generate::Generated::Port(p) => {
                        store.add_port(p, project_id, rng);
                    }
                    crate::fleet::generate::Generated::Member(mut m) => {
                        if let Some(s) = state.as_mut() {
                            if fill_member(&mut m, project_id, rng).is_ok() {
                                s.insert(&m, None);
                            }
                        }
                    }
                },
            );
            store.ports.shrink_to_fit();
            extra = state;
        }
        for pool in &fleet.elb.pools {
            let mut spec = pool.clone();
            spec.members = Vec::new();
            let mut state = PoolState::new(spec);
            state.reserve(pool.members.len());
            for m in &pool.members {
                let mut m = m.clone();
                fill_member(&mut m, project_id, rng)?;
                if state.contains_id(&m.id) {
                    return Err(Error::Fixture(format!(
                        "pool {}: duplicate member id {}",
                        pool.id, m.id
                    )));
                }
                state.insert(&m, None);
            }
            if store.pools.insert(pool.id.clone(), state).is_some() {
                return Err(Error::Fixture(format!("duplicate pool id {}", pool.id)));
            }
        }
        if let Some(state) = extra {
            let id = state.spec.id.clone();
            if store.pools.insert(id.clone(), state).is_some() {
                return Err(Error::Fixture(format!("duplicate pool id {id}")));
            }
        }
        store.apig = super::apig::store::ApigStore::load(&fleet.apig, rng)?;
        Ok(store)
    }

    fn add_subnet(&mut self, s: &crate::fleet::Subnet) {
        self.subnets.insert(
            s.id.clone(),
            SubnetState {
                v4: Cidr::parse(&s.cidr),
                v6: s.ipv6_cidr.as_deref().and_then(Cidr::parse),
                vpc_id: s.vpc_id.clone(),
            },
        );
    }

    /// Fills the port's defaults and adds it at the end of the listing order.
    fn add_port<R: Rng + ?Sized>(&mut self, mut p: Port, project_id: &str, rng: &mut R) {
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
        if p.tenant_id.is_empty() {
            p.tenant_id = project_id.to_string();
        }
        if p.instance_id.is_empty() && p.device_owner.starts_with("compute:") {
            p.instance_id.clone_from(&p.device_id);
        }
        let idx = self.ports.len();
        let idx32 = u32::try_from(idx).unwrap_or(u32::MAX);
        for f in &p.fixed_ips {
            if let Ok(ip) = f.ip_address.parse::<IpAddr>() {
                match self.ports_by_ip.get(&ip) {
                    None => {
                        self.ports_by_ip.insert(ip, idx32);
                    }
                    Some(&first) if first == idx32 => {}
                    Some(_) => {
                        let v = self.ports_by_ip_more.entry(ip).or_default();
                        if !v.contains(&idx32) {
                            v.push(idx32);
                        }
                    }
                }
            }
        }
        // A later port with the same id wins, as in a map.
        if let Some(old) = self.port(&p.id) {
            self.port_by_id.remove(&p.id, old);
        }
        self.port_by_id.insert(&p.id, idx);
        let record = StoredPort::from_port(&p, &mut self.strings);
        self.ports.push(record);
    }

    /// The position of the port with this id.
    pub(crate) fn port(&self, id: &str) -> Option<usize> {
        let ports = &self.ports;
        self.port_by_id
            .get(id, |i| ports.get(i).is_some_and(|p| p.id == *id))
    }

    /// Positions of the ports holding `ip`, in listing order.
    pub(crate) fn ports_at(&self, ip: &IpAddr) -> impl Iterator<Item = usize> + '_ {
        self.ports_by_ip
            .get(ip)
            .into_iter()
            .chain(self.ports_by_ip_more.get(ip).into_iter().flatten())
            .map(|&i| i as usize)
    }

    /// The ECS behind `ip` on `subnet_id`, when exactly one ECS port matches.
    pub(crate) fn ecs_for(&self, subnet_id: &str, ip: IpAddr) -> Option<String> {
        let mut found = self.ports_at(&ip).filter_map(|i| {
            let p = &self.ports[i];
            let on_subnet = p
                .fixed_ips
                .iter()
                .any(|f| &*f.subnet_id == subnet_id && f.ip_address.get().parse() == Ok(ip));
            (on_subnet && p.device_owner.starts_with("compute:"))
                .then(|| p.device_id.to_owned_string())
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

/// Fills what a fixture member may leave out; its address, normalized.
fn fill_member<R: Rng + ?Sized>(m: &mut Member, project_id: &str, rng: &mut R) -> Result<IpAddr> {
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
    Ok(ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fleet;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn a_generated_pool_is_the_same_as_a_merged_one() {
        let mut merged = Fleet::demo();
        merged.add_generated_elb_pool("gen", 3_000, 7);
        let mut rng_a = StdRng::seed_from_u64(5);
        let a = HuaweiStore::load_with(&merged.huawei, None, "proj", &mut rng_a).unwrap();
        let mut rng_b = StdRng::seed_from_u64(5);
        let g = GeneratedPool {
            pool_id: "gen".into(),
            members: 3_000,
            seed: 7,
        };
        let b =
            HuaweiStore::load_with(&Fleet::demo().huawei, Some(&g), "proj", &mut rng_b).unwrap();
        let members = |s: &HuaweiStore| {
            serde_json::to_string(&s.pools["gen"].iter().collect::<Vec<_>>()).unwrap()
        };
        assert_eq!(members(&a), members(&b));
        assert_eq!(a.pools["gen"].spec, b.pools["gen"].spec);
        assert_eq!(
            serde_json::to_string(&a.ports).unwrap(),
            serde_json::to_string(&b.ports).unwrap()
        );
        assert_eq!(a.subnets.len(), b.subnets.len());
        assert_eq!(rng_a.random::<u64>(), rng_b.random::<u64>());
        let some_port = &a.ports[a.ports.len() - 1];
        let id = some_port.id.to_owned_string();
        assert_eq!(a.port(&id), b.port(&id));
    }

    #[test]
    fn the_id_index_survives_hash_collisions() {
        let mut idx = IdIndex::default();
        let ids = ["a", "b", "c"];
        // Force every id into one slot to exercise the overflow map.
        idx.first.insert(id_key("a"), 0);
        idx.more.insert("b".into(), 1);
        idx.more.insert("c".into(), 2);
        let is = |i: usize, id: &str| ids[i] == id;
        assert_eq!(idx.get("a", |i| is(i, "a")), Some(0));
        assert_eq!(idx.get("b", |i| is(i, "b")), Some(1));
        idx.remove("a", 0);
        assert_eq!(idx.get("a", |i| is(i, "a")), None);
        assert_eq!(idx.get("c", |i| is(i, "c")), Some(2));
    }
}
