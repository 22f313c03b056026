//! The APIG part of the demo fleet ([`Fleet::demo`](crate::Fleet::demo)) and its ids.
//!
//! | channel | member type | members |
//! |---|---|---|
//! | [`CHANNEL_IP`] | `ip` | the two of seed 001, plus an unavailable backup member |
//! | [`CHANNEL_ECS`] | `ecs` | three ECS members in two member groups |
//! | [`CHANNEL_EMPTY`] | `ip` | none (for add tests) |
//!
//! All three belong to instance [`INSTANCE`].

use super::{ApigFleet, ApigInstance, ChannelMember, ChannelMemberType, VpcChannel};

/// The demo APIG instance.
pub const INSTANCE: &str = "eddc4d25480b4cd6b512f270a1b8b341";
/// The `ip` channel of seed 001.
pub const CHANNEL_IP: &str = "56a7d7358e1b42459c9d730d65b14e59";
/// An `ecs` channel.
pub const CHANNEL_ECS: &str = "7c3a0000000040008000000000000e01";
/// An empty `ip` channel.
pub const CHANNEL_EMPTY: &str = "7c3a0000000040008000000000000e02";
/// `192.168.0.5` in [`CHANNEL_IP`] (seed 001).
pub const MEMBER_IP_1: &str = "be63c6260a1043888187f84af39c9f0e";
/// `192.168.1.124` in [`CHANNEL_IP`] (seed 001).
pub const MEMBER_IP_2: &str = "a57b13f1b89b417ca8acd76909e6df67";
/// `192.168.1.200` in [`CHANNEL_IP`]: unavailable (status 2), unhealthy, a backup.
pub const MEMBER_IP_BACKUP: &str = "a57b13f1b89b417ca8acd76909e6df68";
/// ECS `web-01` in [`CHANNEL_ECS`].
pub const MEMBER_ECS_WEB_1: &str = "c0e5000000004000800000000000e011";
/// The ECS of [`MEMBER_ECS_WEB_1`].
pub const ECS_WEB_1: &str = "ec5000e1-0000-4000-8000-0000000000e1";

const T: &str = "2020-07-23T07:11:57Z";

fn ip(id: &str, host: &str, weight: u16) -> ChannelMember {
    let mut m = ChannelMember::ip(host);
    m.id = id.to_string();
    m.weight = weight;
    m.create_time = Some(T.to_string());
    m
}

fn ecs(id: &str, ecs_id: &str, name: &str, group: &str, health: &str) -> ChannelMember {
    let mut m = ChannelMember::ecs(ecs_id, name);
    m.id = id.to_string();
    m.weight = 10;
    m.port = Some(8443);
    m.member_group_name = Some(group.to_string());
    m.member_group_id = Some(format!("{group}-group-id"));
    m.health_status = Some(health.to_string());
    m.create_time = Some(T.to_string());
    m
}

/// The demo APIG resources.
pub(crate) fn fleet() -> ApigFleet {
    let mut ip_channel = VpcChannel::new(CHANNEL_IP, ChannelMemberType::Ip);
    ip_channel.name = "seed-001".to_string();
    let mut backup = ip(MEMBER_IP_BACKUP, "192.168.1.200", 0);
    backup.status = 2;
    backup.is_backup = true;
    backup.health_status = Some("unhealthy".to_string());
    ip_channel.members = vec![
        ip(MEMBER_IP_1, "192.168.0.5", 1),
        ip(MEMBER_IP_2, "192.168.1.124", 2),
        backup,
    ];
    let mut ecs_channel = VpcChannel::new(CHANNEL_ECS, ChannelMemberType::Ecs);
    ecs_channel.name = "ecs-web".to_string();
    ecs_channel.port = 8443;
    ecs_channel.members = vec![
        ecs(MEMBER_ECS_WEB_1, ECS_WEB_1, "web-01", "blue", "healthy"),
        ecs(
            "c0e5000000004000800000000000e012",
            "ec5000e2-0000-4000-8000-0000000000e2",
            "web-02",
            "blue",
            "initial",
        ),
        ecs(
            "c0e5000000004000800000000000e013",
            "ec5000e3-0000-4000-8000-0000000000e3",
            "db-01",
            "green",
            "unknown",
        ),
    ];
    let mut empty = VpcChannel::new(CHANNEL_EMPTY, ChannelMemberType::Ip);
    empty.name = "empty".to_string();
    let mut instance = ApigInstance::new(INSTANCE);
    instance.name = "apig-demo".to_string();
    instance.channels = vec![ip_channel, ecs_channel, empty];
    ApigFleet {
        instances: vec![instance],
    }
}
