//! Generated Tencent fleets: a CLB load balancer with `n` backends, a BMLB forwarding
//! path with `n` bindings of both kinds; deterministic from a seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{BmlbBinding, BmlbLocation, ClbBackend, ClbLoadBalancer, Fleet};

/// A stable hash of an id, so that two generated resources with different ids differ.
fn mix(parts: &[&str]) -> u64 {
    parts
        .iter()
        .flat_map(|p| p.bytes().chain([0]))
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// A unique 8-hex-digit suffix for item `i` (a bijection on `u32`).
fn suffix(i: usize, salt: u64) -> String {
    let i = u32::try_from(i).unwrap_or(u32::MAX);
    let salt = u32::try_from(salt & 0xffff_ffff).unwrap_or(0);
    format!("{:08x}", i.wrapping_mul(0x9e37_79b1) ^ salt)
}

/// `a.b.c.d` in `first.0.0.0/8`, unique for `i` below 16 million.
fn address(first: u8, i: usize) -> String {
    format!(
        "{first}.{}.{}.{}",
        (i / 62_500) % 256,
        (i / 250) % 250,
        i % 250 + 1
    )
}

impl Fleet {
    /// One CLB load balancer with `n` backends: unique `unInstanceId`s (`ins-…`) and
    /// private addresses (`10.x.y.z`), a legacy `instanceId` each, names, weights
    /// 0–100 (mostly 10), a public address on about 70 %, and mostly running
    /// instances with some in other states (and a few in an undocumented state, 15).
    /// The same `(lb_id, n, seed)` always gives the same fleet.
    ///
    /// ```
    /// use lb_backends_emulator::Fleet;
    /// let fleet = Fleet::generate_clb("lb-gen00001", 250, 7);
    /// assert_eq!(fleet.tencent_clb("lb-gen00001").unwrap().backends.len(), 250);
    /// assert_eq!(fleet, Fleet::generate_clb("lb-gen00001", 250, 7));
    /// ```
    pub fn generate_clb(lb_id: impl Into<String>, n: usize, seed: u64) -> Fleet {
        let lb_id = lb_id.into();
        let salt = seed ^ mix(&[&lb_id]);
        let mut rng = StdRng::seed_from_u64(salt);
        let mut lb = ClbLoadBalancer::new(lb_id);
        lb.backends.reserve(n);
        for i in 0..n {
            let mut b = ClbBackend::new(format!("ins-{}", suffix(i, salt)), address(10, i));
            b.instance_id = format!("qcvm{:032x}", rng.random::<u128>());
            b.instance_name = format!("clb-backend-{i:05}");
            b.weight = [10, 10, 10, 10, 20, 50, 100, 0][rng.random_range(0..8)];
            if rng.random_bool(0.7) {
                b.wan_ip_set = vec![format!("203.0.{}.{}", (i / 250) % 256, i % 250 + 1)];
            }
            b.instance_status = if rng.random_bool(0.85) {
                2
            } else {
                [1, 3, 4, 7, 8, 9, 12, 19, 21, 15][rng.random_range(0..10)]
            };
            lb.backends.push(b);
        }
        let mut fleet = Fleet::new();
        fleet.tencent.clb.load_balancers.push(lb);
        fleet
    }

    /// One BMLB forwarding path with `n` bindings: two in three bare-metal hosts
    /// (bindType 0: `cpm-…` id, alias, `10.20.x.y`, management address, the seed's
    /// `operates`), one in three VM IPs (bindType 1: `10.40.x.y`); ports, weights
    /// 0–100, about 85 % `Alive` and the rest `Dead`. Every address and port is unique.
    ///
    /// ```
    /// use lb_backends_emulator::Fleet;
    /// let fleet = Fleet::generate_bmlb("lb-1", "lbl-1", "dm-1", "loc-1", 130, 7);
    /// let loc = fleet.tencent_bmlb_location("lb-1", "lbl-1", "dm-1", "loc-1").unwrap();
    /// assert_eq!(loc.bindings.len(), 130);
    /// assert!(loc.bindings.iter().any(|b| b.bind_type == 0));
    /// assert!(loc.bindings.iter().any(|b| b.bind_type == 1));
    /// ```
    pub fn generate_bmlb(
        load_balancer_id: impl Into<String>,
        listener_id: impl Into<String>,
        domain_id: impl Into<String>,
        location_id: impl Into<String>,
        n: usize,
        seed: u64,
    ) -> Fleet {
        let mut loc = BmlbLocation::new(load_balancer_id, listener_id, domain_id, location_id);
        let salt = seed ^ mix(&loc.key());
        let mut rng = StdRng::seed_from_u64(salt);
        loc.bindings.reserve(n);
        for i in 0..n {
            let mut b = if i % 3 == 2 {
                BmlbBinding::vm_ip("", 0)
            } else {
                let mut h = BmlbBinding::host(format!("cpm-{}", suffix(i, salt)), "", 0);
                h.alias = if i % 2 == 0 {
                    format!("bm-host-{i:05}")
                } else {
                    format!("测试主机-{i:05}")
                };
                h
            };
            let (x, y) = ((i / 250) % 250, i % 250 + 1);
            if b.bind_type == 0 {
                b.lan_ip = format!("10.20.{x}.{y}");
                b.mgt_ip = format!("10.30.{x}.{y}");
                b.rs_port = [80, 8080, 443][rng.random_range(0..3)];
            } else {
                b.lan_ip = format!("10.40.{x}.{y}");
                b.rs_port = rng.random_range(8000..9000);
            }
            b.weight = rng.random_range(0..=100);
            b.status = if rng.random_bool(0.85) {
                "Alive"
            } else {
                "Dead"
            }
            .to_string();
            loc.bindings.push(b);
        }
        let mut fleet = Fleet::new();
        fleet.tencent.bmlb.locations.push(loc);
        fleet
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_clb_is_valid_and_unique() {
        let f = Fleet::generate_clb("lb-x", 20_000, 3);
        f.validate().unwrap();
        let b = &f.tencent.clb.load_balancers[0].backends;
        assert_eq!(
            b.iter()
                .map(|b| &b.un_instance_id)
                .collect::<HashSet<_>>()
                .len(),
            20_000
        );
        assert_eq!(
            b.iter().map(|b| &b.lan_ip).collect::<HashSet<_>>().len(),
            20_000
        );
        assert!(b.iter().any(|b| b.instance_status != 2));
        assert_ne!(f, Fleet::generate_clb("lb-x", 20_000, 4));
    }

    #[test]
    fn generated_bmlb_is_valid_with_both_kinds() {
        let f = Fleet::generate_bmlb("lb", "lbl", "dm", "loc", 1_000, 3);
        f.validate().unwrap();
        let b = &f.tencent.bmlb.locations[0].bindings;
        let hosts: HashSet<_> = b
            .iter()
            .filter(|b| b.bind_type == 0)
            .map(|b| &b.instance_id)
            .collect();
        assert_eq!(hosts.len(), b.iter().filter(|b| b.bind_type == 0).count());
        assert!(b
            .iter()
            .any(|b| b.bind_type == 1 && b.instance_id.is_empty()));
        assert!(b.iter().any(|b| b.status == "Dead"));
    }
}
