//! The demo fleet ([`Fleet::demo`](crate::Fleet::demo)) and the ids in it, for tests
//! that want to name a specific case.
//!
//! | pool | protocol | ip version | cross-VPC | algorithm | health monitor |
//! |---|---|---|---|---|---|
//! | [`POOL_WEB`] | TCP | v4 | yes | ROUND_ROBIN | yes |
//! | [`POOL_UDP`] | UDP | v4 | no | SOURCE_IP | no |
//! | [`POOL_DUAL`] | HTTP | dualstack | no | LEAST_CONNECTIONS | yes |
//! | [`POOL_EMPTY`] | HTTPS | v4 | no | ROUND_ROBIN | yes (no members) |
//!
//! The members of [`POOL_WEB`] cover every case of "which ECS is behind a member":
//! [`MEMBER_WITH_INSTANCE`] (ELB knows the ECS), [`MEMBER_PORT_MATCH`] (no
//! `instance_id`; exactly one port on its subnet has its address, and a port in another
//! VPC has the same address), [`MEMBER_NO_PORT`] (no port at all),
//! [`MEMBER_AMBIGUOUS`] (two ports on its subnet) and [`MEMBER_CROSS_VPC`] (no subnet).
//!
//! The APIG instance and VPC channels are in [`apig_demo`](crate::fleet::apig_demo).

use super::{
    FixedIp, Fleet, Member, MemberStatus, Pool, PoolIpVersion, PoolProtocol, Port, Subnet,
};

/// TCP pool of the LB in VPC A, cross-VPC enabled, six members (all the ECS cases).
pub const POOL_WEB: &str = "36ce7086-a496-4666-9064-5ba0e6840c75";
/// UDP pool, SOURCE_IP, no health monitor, two members.
pub const POOL_UDP: &str = "5a1e0002-0000-4000-8000-000000000002";
/// Dual-stack HTTP pool with an IPv4 and an IPv6 member.
pub const POOL_DUAL: &str = "5a1e0003-0000-4000-8000-000000000003";
/// HTTPS pool without members (cross-VPC disabled): for create tests.
pub const POOL_EMPTY: &str = "5a1e0004-0000-4000-8000-000000000004";

/// The load balancers' VPC.
pub const VPC_A: &str = "4c0a0000-0000-4000-8000-00000000000a";
/// Another VPC, reusing the same private range.
pub const VPC_B: &str = "4c0b0000-0000-4000-8000-00000000000b";
/// `10.0.1.0/24` in VPC A.
pub const SUBNET_A1: &str = "c09f620e-3492-4429-ac15-445d5dd9ca74";
/// `10.0.2.0/24` in VPC A.
pub const SUBNET_A2: &str = "5b000002-0000-4000-8000-0000000000a2";
/// `10.0.3.0/24` and `2001:db8:a3::/64` in VPC A.
pub const SUBNET_A_DUAL: &str = "5b000003-0000-4000-8000-0000000000a3";
/// `10.0.1.0/24` in VPC B (same range as [`SUBNET_A1`]).
pub const SUBNET_B1: &str = "5b00000b-0000-4000-8000-0000000000b1";

/// `10.0.1.10:80`, `instance_id` = [`ECS_1`].
pub const MEMBER_WITH_INSTANCE: &str = "3e3b0001-0000-4000-8000-000000000001";
/// `10.0.1.11:80`, no `instance_id`; one port on [`SUBNET_A1`] ([`ECS_2`]) and one on
/// [`SUBNET_B1`] ([`ECS_OTHER_VPC`]) have that address.
pub const MEMBER_PORT_MATCH: &str = "3e3b0002-0000-4000-8000-000000000002";
/// `10.0.1.12:80`, no `instance_id`, no port with that address (ECS deleted; OFFLINE).
pub const MEMBER_NO_PORT: &str = "3e3b0003-0000-4000-8000-000000000003";
/// `10.0.1.13:80`, no `instance_id`, two ports on its subnet ([`ECS_3`], [`ECS_4`]).
pub const MEMBER_AMBIGUOUS: &str = "3e3b0004-0000-4000-8000-000000000004";
/// `192.168.50.7:8080`, cross-VPC (`member_type` `ip`, no subnet, no ECS).
pub const MEMBER_CROSS_VPC: &str = "3e3b0005-0000-4000-8000-000000000005";
/// `10.0.2.20:80`, weight 0, `instance_id` = [`ECS_5`], listener-level status OFFLINE.
pub const MEMBER_DRAINING: &str = "3e3b0006-0000-4000-8000-000000000006";

/// The ECS of [`MEMBER_WITH_INSTANCE`].
pub const ECS_1: &str = "ec500001-0000-4000-8000-000000000001";
/// The ECS found by port lookup for [`MEMBER_PORT_MATCH`].
pub const ECS_2: &str = "ec500002-0000-4000-8000-000000000002";
/// One of the two ECSs of [`MEMBER_AMBIGUOUS`].
pub const ECS_3: &str = "ec500003-0000-4000-8000-000000000003";
/// The other ECS of [`MEMBER_AMBIGUOUS`].
pub const ECS_4: &str = "ec500004-0000-4000-8000-000000000004";
/// The ECS of [`MEMBER_DRAINING`].
pub const ECS_5: &str = "ec500005-0000-4000-8000-000000000005";
/// An ECS in VPC B with the same private address as [`MEMBER_PORT_MATCH`].
pub const ECS_OTHER_VPC: &str = "ec50000b-0000-4000-8000-00000000000b";
/// The listener in front of [`POOL_WEB`].
pub const LISTENER_WEB: &str = "427eee03-b569-4d6c-b1f1-712032f7ec2d";

/// Tencent CLB load balancer with seed 003's two backends (`ins-123test1`,
/// `ins-123test2`).
pub const TENCENT_CLB: &str = "lb-abcdefgh";
/// Tencent BMLB forwarding path (load balancer, listener, domain, location) with seed
/// 004's bare-metal host (`cpm-abcdefgh`, `Dead`) and one VM IP binding
/// (`10.2.0.5:8080`, `Alive`).
pub const TENCENT_BMLB: [&str; 4] = ["lb-abcdefgh", "lbl-abcdefgh", "dm-abcdefgh", "loc-abcdefgh"];
/// Tencent BMLB layer-4 listener (API 3.0 only: load balancer, listener) with a
/// bare-metal host (`cpm-l4host01:9000`) and a semi-managed one
/// (`cpm-semi0001:9000`, `BindType` 2).
pub const TENCENT_BMLB_L4: [&str; 2] = ["lb-abcdefgh", "lbl-bml4tcp1"];

const AZ: &str = "cn-north-4a";
const T0: &str = "2026-01-05T09:12:44Z";
const T1: &str = "2026-03-18T16:02:10Z";

fn member(id: &str, addr: &str, port: u16, subnet: Option<&str>, status: &str) -> Member {
    let mut m = Member::new(addr, port);
    m.id = id.to_string();
    m.subnet_cidr_id = subnet.map(str::to_string);
    m.operating_status = status.to_string();
    m.member_type = if subnet.is_some() { "instance" } else { "ip" }.to_string();
    m.availability_zone = if subnet.is_some() { AZ } else { "" }.to_string();
    m.created_at = Some(T0.to_string());
    m.updated_at = Some(T1.to_string());
    m
}

fn nic(id: &str, subnet: &str, ip: &str, ecs: &str, name: &str) -> Port {
    let mut p = Port::new(vec![FixedIp::new(subnet, ip)]).ecs_nic(ecs, AZ);
    p.id = id.to_string();
    p.name = name.to_string();
    p
}

fn pool(id: &str, name: &str, protocol: PoolProtocol, algorithm: &str) -> Pool {
    let mut p = Pool::new(id);
    p.name = name.to_string();
    p.protocol = protocol;
    p.lb_algorithm = algorithm.to_string();
    p.vpc_id = Some(VPC_A.to_string());
    p
}

impl Fleet {
    /// A small sample fleet: four pools, four subnets in two VPCs, and ports covering
    /// every ECS-lookup case (see [`demo`](crate::fleet::demo) for the ids).
    pub fn demo() -> Fleet {
        let mut web = pool(POOL_WEB, "web-tcp", PoolProtocol::Tcp, "ROUND_ROBIN");
        web.cross_vpc = true;
        web.healthmonitor_id = Some("4c31e2f0-0000-4000-8000-00000000c001".to_string());
        web.listener_ids = vec![LISTENER_WEB.to_string()];
        let mut with_instance = member(
            MEMBER_WITH_INSTANCE,
            "10.0.1.10",
            80,
            Some(SUBNET_A1),
            "ONLINE",
        );
        with_instance.name = "web-01".to_string();
        with_instance.instance_id = ECS_1.to_string();
        with_instance.weight = 10;
        with_instance.status = vec![MemberStatus::new(LISTENER_WEB, "ONLINE")];
        let mut port_match = member(
            MEMBER_PORT_MATCH,
            "10.0.1.11",
            80,
            Some(SUBNET_A1),
            "ONLINE",
        );
        port_match.name = "web-02".to_string();
        port_match.created_at = None;
        port_match.updated_at = None;
        let mut no_port = member(MEMBER_NO_PORT, "10.0.1.12", 80, Some(SUBNET_A1), "OFFLINE");
        no_port.name = "web-03-gone".to_string();
        no_port.admin_state_up = false;
        no_port.reason = Some(serde_json::json!({
            "reason_code": "CONNECT_TIMEOUT",
            "expected_response": "",
            "healthcheck_response": ""
        }));
        let mut ambiguous = member(MEMBER_AMBIGUOUS, "10.0.1.13", 80, Some(SUBNET_A1), "ONLINE");
        ambiguous.name = "web-04".to_string();
        let mut cross = member(MEMBER_CROSS_VPC, "192.168.50.7", 8080, None, "ONLINE");
        cross.name = "on-prem-01".to_string();
        let mut draining = member(MEMBER_DRAINING, "10.0.2.20", 80, Some(SUBNET_A2), "ONLINE");
        draining.name = "web-05-draining".to_string();
        draining.weight = 0;
        draining.instance_id = ECS_5.to_string();
        draining.status = vec![MemberStatus::new(LISTENER_WEB, "OFFLINE")];
        web.members = vec![
            with_instance,
            port_match,
            no_port,
            ambiguous,
            cross,
            draining,
        ];

        let mut udp = pool(POOL_UDP, "dns-udp", PoolProtocol::Udp, "SOURCE_IP");
        let mut u1 = member(
            "3e3b0011-0000-4000-8000-000000000011",
            "10.0.2.30",
            53,
            Some(SUBNET_A2),
            "NO_MONITOR",
        );
        u1.instance_id = "ec500011-0000-4000-8000-000000000011".to_string();
        let mut u2 = member(
            "3e3b0012-0000-4000-8000-000000000012",
            "10.0.2.31",
            53,
            Some(SUBNET_A2),
            "NO_MONITOR",
        );
        u2.instance_id = "ec500012-0000-4000-8000-000000000012".to_string();
        udp.members = vec![u1, u2];

        let mut dual = pool(
            POOL_DUAL,
            "api-dual",
            PoolProtocol::Http,
            "LEAST_CONNECTIONS",
        );
        dual.ip_version = PoolIpVersion::Dualstack;
        dual.healthmonitor_id = Some("4c31e2f0-0000-4000-8000-00000000c003".to_string());
        let ecs_dual = "ec500021-0000-4000-8000-000000000021";
        let mut d4 = member(
            "3e3b0021-0000-4000-8000-000000000021",
            "10.0.3.5",
            8080,
            Some(SUBNET_A_DUAL),
            "ONLINE",
        );
        d4.instance_id = ecs_dual.to_string();
        let mut d6 = member(
            "3e3b0022-0000-4000-8000-000000000022",
            "2001:db8:a3::5",
            8080,
            Some(SUBNET_A_DUAL),
            "ONLINE",
        );
        d6.ip_version = "v6".to_string();
        d6.instance_id = ecs_dual.to_string();
        dual.members = vec![d4, d6];

        let mut empty = pool(POOL_EMPTY, "web-https", PoolProtocol::Https, "ROUND_ROBIN");
        empty.healthmonitor_id = Some("4c31e2f0-0000-4000-8000-00000000c004".to_string());
        empty.listener_ids = vec!["427eee03-0000-4000-8000-000000000004".to_string()];

        let subnet = |id: &str, name: &str, cidr: &str, vpc: &str| {
            let mut s = Subnet::new(id, cidr);
            s.name = name.to_string();
            s.vpc_id = Some(vpc.to_string());
            s
        };
        let mut a_dual = subnet(SUBNET_A_DUAL, "subnet-a-dual", "10.0.3.0/24", VPC_A);
        a_dual.ipv6_cidr = Some("2001:db8:a3::/64".to_string());
        let subnets = vec![
            subnet(SUBNET_A1, "subnet-a1", "10.0.1.0/24", VPC_A),
            subnet(SUBNET_A2, "subnet-a2", "10.0.2.0/24", VPC_A),
            a_dual,
            subnet(SUBNET_B1, "subnet-b1", "10.0.1.0/24", VPC_B),
        ];

        let mut vip = Port::new(vec![FixedIp::new(SUBNET_A1, "10.0.1.100")]);
        vip.id = "90470000-0000-4000-8000-000000000100".to_string();
        vip.device_id = "1b0a0000-0000-4000-8000-000000000001".to_string();
        vip.device_owner = "neutron:LOADBALANCERV2".to_string();
        vip.status = "DOWN".to_string();
        let mut dual_nic = nic(
            "90470021-0000-4000-8000-000000000021",
            SUBNET_A_DUAL,
            "10.0.3.5",
            ecs_dual,
            "api-dual-nic",
        );
        dual_nic
            .fixed_ips
            .push(FixedIp::new(SUBNET_A_DUAL, "2001:db8:a3::5"));
        let ports = vec![
            nic(
                "90470001-0000-4000-8000-000000000001",
                SUBNET_A1,
                "10.0.1.10",
                ECS_1,
                "web-01-nic",
            ),
            nic(
                "90470002-0000-4000-8000-000000000002",
                SUBNET_A1,
                "10.0.1.11",
                ECS_2,
                "web-02-nic",
            ),
            nic(
                "9047000b-0000-4000-8000-00000000000b",
                SUBNET_B1,
                "10.0.1.11",
                ECS_OTHER_VPC,
                "other-vpc-nic",
            ),
            nic(
                "90470003-0000-4000-8000-000000000003",
                SUBNET_A1,
                "10.0.1.13",
                ECS_3,
                "web-04a-nic",
            ),
            nic(
                "90470004-0000-4000-8000-000000000004",
                SUBNET_A1,
                "10.0.1.13",
                ECS_4,
                "web-04b-nic",
            ),
            nic(
                "90470005-0000-4000-8000-000000000005",
                SUBNET_A2,
                "10.0.2.20",
                ECS_5,
                "web-05-nic",
            ),
            nic(
                "90470011-0000-4000-8000-000000000011",
                SUBNET_A2,
                "10.0.2.30",
                "ec500011-0000-4000-8000-000000000011",
                "dns-01-nic",
            ),
            nic(
                "90470012-0000-4000-8000-000000000012",
                SUBNET_A2,
                "10.0.2.31",
                "ec500012-0000-4000-8000-000000000012",
                "dns-02-nic",
            ),
            dual_nic,
            vip,
        ];

        let mut fleet = Fleet::new();
        fleet.huawei.elb.pools = vec![web, udp, dual, empty];
        fleet.huawei.vpc.subnets = subnets;
        fleet.huawei.vpc.ports = ports;
        fleet.huawei.apig = super::apig_demo::fleet();
        fleet.tencent = super::tencent::demo();
        fleet
    }
}
