//! Generated APIG VPC channels: `n` members, deterministic from a seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{ApigInstance, ChannelMember, ChannelMemberType, Fleet, VpcChannel};
use crate::util::{format_timestamp, uuid};

/// 2025-01-01T00:00:00Z.
const EPOCH: i64 = 1_735_689_600;
const ROLES: [&str; 3] = ["web", "api", "db"];

impl Fleet {
    /// One APIG instance with one `ecs` VPC channel of `n` members: names
    /// `web-00000`, `api-00001`, `db-00002`, ... (the role cycles, so a `name`
    /// filter of `web` matches every third member), unique `ecs_id`s, weights 0–100,
    /// a few unavailable (`status` 2), mostly `healthy`. Deterministic: the same
    /// arguments always give the same fleet.
    ///
    /// ```
    /// use lb_backends_emulator::Fleet;
    /// let fleet = Fleet::generate_apig_channel("inst-1", "chan-1", 1203, 7);
    /// let channel = fleet.huawei.apig.channel("inst-1", "chan-1").unwrap();
    /// assert_eq!(channel.members.len(), 1203);
    /// assert_eq!(fleet, Fleet::generate_apig_channel("inst-1", "chan-1", 1203, 7));
    /// ```
    pub fn generate_apig_channel(
        instance_id: impl Into<String>,
        channel_id: impl Into<String>,
        n: usize,
        seed: u64,
    ) -> Fleet {
        let (instance_id, channel_id) = (instance_id.into(), channel_id.into());
        let mut rng = StdRng::seed_from_u64(seed ^ 0x6170_6967_0000_0001 ^ n as u64);
        let mut channel = VpcChannel::new(channel_id.clone(), ChannelMemberType::Ecs);
        channel.name = "generated".to_string();
        channel.members.reserve(n);
        for i in 0..n {
            let mut m = ChannelMember::ecs(uuid(&mut rng), format!("{}-{i:05}", ROLES[i % 3]));
            m.id = uuid(&mut rng).replace('-', "");
            m.weight = rng.random_range(0..=100);
            m.status = if rng.random_bool(0.03) { 2 } else { 1 };
            m.health_status = Some(
                if m.status == 2 || rng.random_bool(0.05) {
                    "unhealthy"
                } else {
                    "healthy"
                }
                .to_string(),
            );
            m.vpc_channel_id.clone_from(&channel_id);
            m.create_time = Some(format_timestamp(EPOCH + rng.random_range(0..20_000_000)));
            channel.members.push(m);
        }
        let mut instance = ApigInstance::new(instance_id);
        instance.name = "generated".to_string();
        instance.channels.push(channel);
        let mut fleet = Fleet::new();
        fleet.huawei.apig.instances.push(instance);
        fleet
    }
}

impl Fleet {
    /// Like [`Fleet::generate_apig_channel`], but an `ip` channel: members are hosts
    /// `10.a.b.c` (unique), no names.
    ///
    /// ```
    /// use lb_backends_emulator::Fleet;
    /// let fleet = Fleet::generate_apig_ip_channel("inst-1", "chan-1", 10, 7);
    /// let channel = fleet.huawei.apig.channel("inst-1", "chan-1").unwrap();
    /// assert!(channel.members.iter().all(|m| m.host.is_some() && m.ecs_id.is_none()));
    /// ```
    pub fn generate_apig_ip_channel(
        instance_id: impl Into<String>,
        channel_id: impl Into<String>,
        n: usize,
        seed: u64,
    ) -> Fleet {
        let mut fleet = Fleet::generate_apig_channel(instance_id, channel_id, n, seed);
        for ch in &mut fleet.huawei.apig.instances[0].channels {
            ch.member_type = ChannelMemberType::Ip;
            for (i, m) in ch.members.iter_mut().enumerate() {
                m.host = Some(format!(
                    "10.{}.{}.{}",
                    i / 62_500,
                    i / 250 % 250,
                    i % 250 + 1
                ));
                m.ecs_id = None;
                m.ecs_name = None;
            }
        }
        fleet
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_channel_is_valid_and_unique() {
        let f = Fleet::generate_apig_channel("i", "c", 1203, 1);
        f.validate().unwrap();
        let members = &f.huawei.apig.channel("i", "c").unwrap().members;
        let ids: HashSet<_> = members.iter().map(|m| &m.id).collect();
        assert_eq!(ids.len(), 1203);
        let web = members
            .iter()
            .filter(|m| m.ecs_name.as_deref().is_some_and(|n| n.starts_with("web")))
            .count();
        assert_eq!(web, 401);
        assert_ne!(f, Fleet::generate_apig_channel("i", "c", 1203, 2));
        Fleet::generate_apig_ip_channel("i", "c", 70_000, 1)
            .validate()
            .unwrap();
    }
}
