//! Generated fleets: one ELB pool of `n` members, deterministic from a seed, with the
//! VPC subnets and ECS ports behind them.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{FixedIp, Fleet, Member, MemberStatus, Pool, PoolProtocol, Port, Subnet};
use crate::util::{format_timestamp, uuid};

/// Hosts used per generated `/16` subnet.
const HOSTS_PER_SUBNET: usize = 60_000;
/// 2025-01-01T00:00:00Z.
const EPOCH: i64 = 1_735_689_600;
const ZONES: [&str; 3] = ["cn-north-4a", "cn-north-4b", "cn-north-4c"];

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Fleet {
    /// One TCP pool with `n` members, each with a unique address and port, plus the
    /// subnets (`10.k.0.0/16`, one per 60,000 members, in one VPC) and one ECS port
    /// per non-cross-VPC member. Deterministic: the same `(pool_id, n, seed)` always
    /// gives the same fleet.
    ///
    /// The mix: about 5 % cross-VPC members (`172.k.x.y`, no subnet), 70 % of the others
    /// with `instance_id` set (the rest need the port lookup), 15 % without
    /// `created_at`/`updated_at`, 20 % with a listener-level `status`, mostly `ONLINE`
    /// with some `OFFLINE`, weights 0–100, a few with `admin_state_up` false.
    ///
    /// ```
    /// use lb_backends_emulator::Fleet;
    /// let fleet = Fleet::generate_elb_pool("pool-1", 100, 42);
    /// assert_eq!(fleet.huawei_pool("pool-1").unwrap().members.len(), 100);
    /// assert_eq!(fleet, Fleet::generate_elb_pool("pool-1", 100, 42));
    /// ```
    pub fn generate_elb_pool(pool_id: impl Into<String>, n: usize, seed: u64) -> Fleet {
        let mut pool = None;
        let mut subnets = Vec::new();
        let mut ports = Vec::new();
        let mut members = Vec::with_capacity(n);
        generate_elb_pool_with(pool_id.into(), n, seed, |item| match item {
            Generated::Pool(p) => pool = Some(p),
            Generated::Subnet(s) => subnets.push(s),
            Generated::Port(p) => ports.push(p),
            Generated::Member(m) => members.push(m),
        });
        let mut fleet = Fleet::new();
        if let Some(mut pool) = pool {
            pool.members = members;
            fleet.huawei.elb.pools.push(pool);
        }
        fleet.huawei.vpc.subnets = subnets;
        fleet.huawei.vpc.ports = ports;
        fleet
    }

    /// Adds [`Fleet::generate_elb_pool`]'s pool, subnets and ports to this fleet.
    pub fn add_generated_elb_pool(
        &mut self,
        pool_id: impl Into<String>,
        n: usize,
        seed: u64,
    ) -> &mut Fleet {
        self.merge(Fleet::generate_elb_pool(pool_id, n, seed))
    }
}

/// One piece of a generated pool, in the order [`generate_elb_pool_with`] makes them.
#[derive(Debug)]
pub(crate) enum Generated {
    /// The pool's settings (no members), first.
    Pool(Pool),
    /// A subnet, before the first port and member in it.
    Subnet(Subnet),
    /// The ECS NIC of the member that follows.
    Port(Port),
    /// A member.
    Member(Member),
}

/// [`Fleet::generate_elb_pool`] one piece at a time, so a large pool can go straight
/// into the emulator's store without the whole fleet in memory.
pub(crate) fn generate_elb_pool_with(
    pool_id: String,
    n: usize,
    seed: u64,
    mut emit: impl FnMut(Generated),
) {
    let mut rng = StdRng::seed_from_u64(seed ^ fnv1a(&pool_id));
    let vpc_id = uuid(&mut rng);
    let listener = uuid(&mut rng);
    let mut pool = Pool::new(pool_id);
    pool.name = "generated".to_string();
    pool.protocol = PoolProtocol::Tcp;
    pool.cross_vpc = true;
    pool.vpc_id = Some(vpc_id.clone());
    pool.healthmonitor_id = Some(uuid(&mut rng));
    pool.listener_ids = vec![listener.clone()];
    emit(Generated::Pool(pool));

    let mut subnet_ids: Vec<String> = Vec::new();
    for i in 0..n {
        let block = i / HOSTS_PER_SUBNET;
        let host = i % HOSTS_PER_SUBNET;
        let (second, wrap) = (block % 256, block / 256);
        let (third, fourth) = (host / 250, host % 250 + 2);
        let cross = rng.random_bool(0.05);
        let port = if wrap > 0 {
            u16::try_from(10_000 + wrap).unwrap_or(u16::MAX)
        } else {
            [80, 80, 8080, 443][rng.random_range(0..4)]
        };
        let mut m = Member::new(
            if cross {
                format!("172.{second}.{third}.{fourth}")
            } else {
                format!("10.{second}.{third}.{fourth}")
            },
            port,
        );
        m.id = uuid(&mut rng);
        m.name = format!("member-{i:05}");
        m.weight = rng.random_range(0..=100);
        m.admin_state_up = !rng.random_bool(0.03);
        m.operating_status = if !m.admin_state_up || rng.random_bool(0.1) {
            "OFFLINE"
        } else {
            "ONLINE"
        }
        .to_string();
        if rng.random_bool(0.2) {
            m.status = vec![MemberStatus::new(&listener, m.operating_status.clone())];
        }
        if !rng.random_bool(0.15) {
            let created = EPOCH + rng.random_range(0..20_000_000);
            m.created_at = Some(format_timestamp(created));
            m.updated_at = Some(format_timestamp(created + rng.random_range(0..5_000_000)));
        }
        if cross {
            m.member_type = "ip".to_string();
        } else {
            while subnet_ids.len() <= block {
                let k = subnet_ids.len();
                let mut s = Subnet::new(uuid(&mut rng), format!("10.{}.0.0/16", k % 256));
                s.name = format!("generated-{k}");
                s.vpc_id = Some(vpc_id.clone());
                subnet_ids.push(s.id.clone());
                emit(Generated::Subnet(s));
            }
            let subnet_id = subnet_ids[block].clone();
            let az = ZONES[rng.random_range(0..ZONES.len())];
            let ecs = uuid(&mut rng);
            let mut nic = Port::new(vec![FixedIp::new(&subnet_id, &m.address)]).ecs_nic(&ecs, az);
            nic.id = uuid(&mut rng);
            nic.name = format!("member-{i:05}-nic");
            emit(Generated::Port(nic));
            m.member_type = "instance".to_string();
            m.subnet_cidr_id = Some(subnet_id);
            m.availability_zone = az.to_string();
            if rng.random_bool(0.7) {
                m.instance_id = ecs;
            }
        }
        m.ip_version = "v4".to_string();
        emit(Generated::Member(m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_pool_is_valid_and_unique() {
        let f = Fleet::generate_elb_pool("p", 5_000, 42);
        f.validate().unwrap();
        let m = &f.huawei.elb.pools[0].members;
        assert_eq!(m.len(), 5_000);
        assert_eq!(m.iter().map(|m| &m.id).collect::<HashSet<_>>().len(), 5_000);
        assert!(m.iter().any(|m| m.member_type == "ip"));
        assert!(m
            .iter()
            .any(|m| m.instance_id.is_empty() && m.member_type == "instance"));
        assert_ne!(f, Fleet::generate_elb_pool("p", 5_000, 43));
    }

    #[test]
    fn large_pools_spread_over_subnets() {
        let f = Fleet::generate_elb_pool("big", 60_100, 1);
        f.validate().unwrap();
        assert_eq!(f.huawei.vpc.subnets.len(), 2);
    }
}
