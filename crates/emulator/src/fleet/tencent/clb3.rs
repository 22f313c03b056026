//! CLB load balancers as API 3.0 sees them (spec b): standard CLBs (`Forward` 1) with
//! layer-4 listeners (targets on the listener) and layer-7 listeners (targets on
//! rules), and classic CLBs (`Forward` 0: a flat list of CVMs, ports per listener).
//! Records carry the API 3.0 field names (`ListenerId`, `PrivateIpAddresses`, ...).
//!
//! The legacy section's load balancers are served by API 3.0 too, as classic CLBs
//! (spec c: `unInstanceId` is `InstanceId`, `lanIp` the first `PrivateIpAddresses`,
//! `instanceStatus` the `RunFlag`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::default_weight;

/// The API 3.0 CLB part of a fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Clb3Fleet {
    /// The load balancers.
    #[serde(default, rename = "LoadBalancers")]
    pub load_balancers: Vec<Clb3LoadBalancer>,
}

impl Clb3Fleet {
    /// Whether it holds no load balancer.
    pub fn is_empty(&self) -> bool {
        self.load_balancers.is_empty()
    }
}

/// A CLB load balancer (standard or classic).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Clb3LoadBalancer {
    /// `lb-...` (*required*).
    pub load_balancer_id: String,
    /// Its name.
    #[serde(default)]
    pub load_balancer_name: String,
    /// 1 standard CLB (default), 0 classic.
    #[serde(default = "one")]
    pub forward: i64,
    /// Standard CLB: its listeners.
    #[serde(default)]
    pub listeners: Vec<Clb3Listener>,
    /// Classic CLB: its listeners (ports only).
    #[serde(default)]
    pub classic_listeners: Vec<ClassicListener>,
    /// Classic CLB: its CVMs.
    #[serde(default)]
    pub classic_targets: Vec<ClassicTarget>,
}

fn one() -> i64 {
    1
}

impl Clb3LoadBalancer {
    /// A standard CLB without listeners.
    pub fn standard(id: impl Into<String>) -> Clb3LoadBalancer {
        Clb3LoadBalancer {
            load_balancer_id: id.into(),
            forward: 1,
            ..Clb3LoadBalancer::default()
        }
    }

    /// A classic CLB without targets.
    pub fn classic(id: impl Into<String>) -> Clb3LoadBalancer {
        Clb3LoadBalancer {
            load_balancer_id: id.into(),
            forward: 0,
            ..Clb3LoadBalancer::default()
        }
    }

    /// `LoadBalancerSet[]` of `DescribeLoadBalancers`.
    pub fn to_api(&self) -> Value {
        json!({
            "LoadBalancerId": self.load_balancer_id,
            "LoadBalancerName": self.load_balancer_name,
            "LoadBalancerType": "INTERNAL",
            "Forward": self.forward,
            "Status": 1,
        })
    }
}

/// A listener of a standard CLB.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Clb3Listener {
    /// `lbl-...` (*required*).
    pub listener_id: String,
    /// Its name.
    #[serde(default)]
    pub listener_name: String,
    /// `TCP`, `UDP`, `TCP_SSL`, `QUIC` (layer 4) or `HTTP`, `HTTPS` (layer 7).
    pub protocol: String,
    /// The listener port.
    pub port: u16,
    /// Layer 4: the targets.
    #[serde(default)]
    pub targets: Vec<Clb3Target>,
    /// Layer 7: the rules.
    #[serde(default)]
    pub rules: Vec<Clb3Rule>,
}

impl Clb3Listener {
    /// Whether targets hang off rules (HTTP, HTTPS).
    pub fn is_layer7(&self) -> bool {
        matches!(self.protocol.as_str(), "HTTP" | "HTTPS")
    }
}

/// A layer-7 forwarding rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Clb3Rule {
    /// `loc-...` (*required*).
    pub location_id: String,
    /// The domain.
    #[serde(default)]
    pub domain: String,
    /// The URL path.
    #[serde(default)]
    pub url: String,
    /// The targets.
    #[serde(default)]
    pub targets: Vec<Clb3Target>,
}

/// A target of a standard CLB listener or rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Clb3Target {
    /// `CVM` (default) or `ENI`.
    #[serde(default = "cvm")]
    pub r#type: String,
    /// `ins-...`; empty for an IP target.
    #[serde(default)]
    pub instance_id: String,
    /// The backend port.
    pub port: u16,
    /// 0–100 (default 10).
    #[serde(default = "default_weight")]
    pub weight: u32,
    /// The private address (*required*).
    pub private_ip: String,
    /// Public addresses.
    #[serde(default)]
    pub public_ip_addresses: Vec<String>,
    /// The CVM's name.
    #[serde(default)]
    pub instance_name: String,
    /// The ENI of an IP target.
    #[serde(default)]
    pub eni_id: String,
    /// `Alive` (default), `Dead`, `Unknown` or `Close`.
    #[serde(default = "alive")]
    pub health_status_detail: String,
    /// When it was bound.
    #[serde(default = "registered")]
    pub registered_time: String,
    /// A target bound while the emulator runs: `Unknown` until then, `Alive` after.
    #[serde(skip)]
    pub alive_at: Option<std::time::Instant>,
}

fn cvm() -> String {
    "CVM".into()
}

fn alive() -> String {
    "Alive".into()
}

fn registered() -> String {
    "2025-03-04 10:11:12".into()
}

impl Clb3Target {
    /// A CVM target, healthy, weight 10.
    pub fn cvm(instance_id: impl Into<String>, ip: impl Into<String>, port: u16) -> Clb3Target {
        Clb3Target {
            r#type: cvm(),
            instance_id: instance_id.into(),
            port,
            weight: default_weight(),
            private_ip: ip.into(),
            public_ip_addresses: Vec::new(),
            instance_name: String::new(),
            eni_id: String::new(),
            health_status_detail: alive(),
            registered_time: registered(),
            alive_at: None,
        }
    }

    /// An IP (ENI) target.
    pub fn ip(ip: impl Into<String>, port: u16) -> Clb3Target {
        let mut t = Clb3Target::cvm("", ip, port);
        t.r#type = "ENI".into();
        t
    }

    /// `HealthStatusDetail` now: a target bound while the emulator runs moves from
    /// `Unknown` to `Alive` once its health delay has passed.
    pub fn health_now(&self) -> &str {
        match self.alive_at {
            Some(at)
                if self.health_status_detail == "Unknown" && std::time::Instant::now() >= at =>
            {
                "Alive"
            }
            _ => &self.health_status_detail,
        }
    }

    /// The `Backend` record of `DescribeTargets`.
    pub fn to_api(&self) -> Value {
        json!({
            "Type": self.r#type,
            "InstanceId": self.instance_id,
            "Port": self.port,
            "Weight": self.weight,
            "PublicIpAddresses": if self.public_ip_addresses.is_empty() { Value::Null } else { json!(self.public_ip_addresses) },
            "PrivateIpAddresses": [self.private_ip],
            "InstanceName": if self.instance_name.is_empty() { Value::Null } else { json!(self.instance_name) },
            "RegisteredTime": self.registered_time,
            "EniId": if self.eni_id.is_empty() { Value::Null } else { json!(self.eni_id) },
            "Tag": "",
            "Zone": "ap-guangzhou-3",
        })
    }

    /// The `TargetHealth` record of `DescribeTargetHealth`.
    pub fn to_health(&self) -> Value {
        json!({
            "IP": self.private_ip,
            "Port": self.port,
            "HealthStatus": self.health_now() == "Alive",
            "TargetId": self.instance_id,
            "HealthStatusDetail": self.health_now(),
            "HealthStatusDetial": self.health_now(),
            "TargetGroupId": "",
            "Weight": self.weight,
        })
    }
}

/// A listener of a classic CLB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ClassicListener {
    /// `lbl-...`.
    #[serde(default)]
    pub listener_id: String,
    /// `TCP`, `UDP`, `HTTP`, `HTTPS`.
    pub protocol: String,
    /// The listener port.
    pub listener_port: u16,
    /// The port on the CVMs.
    pub instance_port: u16,
}

/// A CVM behind a classic CLB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ClassicTarget {
    /// `ins-...` (*required*).
    pub instance_id: String,
    /// The private address (*required*).
    pub private_ip: String,
    /// Public addresses.
    #[serde(default)]
    pub public_ip_addresses: Vec<String>,
    /// The CVM's name.
    #[serde(default)]
    pub instance_name: String,
    /// 0–100 (default 10).
    #[serde(default = "default_weight")]
    pub weight: u32,
    /// The CVM state (2 running, the default).
    #[serde(default = "running")]
    pub run_flag: i64,
    /// Health on every listener (default true).
    #[serde(default = "healthy")]
    pub healthy: bool,
}

fn running() -> i64 {
    2
}

fn healthy() -> bool {
    true
}

impl ClassicTarget {
    /// A running, healthy CVM with weight 10.
    pub fn new(instance_id: impl Into<String>, ip: impl Into<String>) -> ClassicTarget {
        ClassicTarget {
            instance_id: instance_id.into(),
            private_ip: ip.into(),
            public_ip_addresses: Vec::new(),
            instance_name: String::new(),
            weight: default_weight(),
            run_flag: running(),
            healthy: true,
        }
    }

    /// The `ClassicalTarget` record of `DescribeClassicalLBTargets`.
    pub fn to_api(&self) -> Value {
        json!({
            "Type": "CVM",
            "InstanceId": self.instance_id,
            "Weight": self.weight,
            "PublicIpAddresses": self.public_ip_addresses,
            "PrivateIpAddresses": [self.private_ip],
            "InstanceName": self.instance_name,
            "RunFlag": self.run_flag,
        })
    }
}

impl From<&super::ClbLoadBalancer> for Clb3LoadBalancer {
    /// A legacy-section load balancer as API 3.0 serves it: a classic CLB.
    fn from(lb: &super::ClbLoadBalancer) -> Clb3LoadBalancer {
        let mut out = Clb3LoadBalancer::classic(&lb.load_balancer_id);
        out.classic_targets = lb
            .backends
            .iter()
            .map(|b| ClassicTarget {
                instance_id: b.un_instance_id.clone(),
                private_ip: b.lan_ip.clone(),
                public_ip_addresses: b.wan_ip_set.clone(),
                instance_name: b.instance_name.clone(),
                weight: b.weight,
                run_flag: b.instance_status,
                healthy: true,
            })
            .collect();
        out
    }
}

/// Ids of the API 3.0 demo load balancers.
pub mod demo_ids {
    /// A standard CLB: TCP 80 (2 targets), UDP 53 (1 target), HTTP 80 with rules
    /// `/api` (2 targets) and `/static` (1 target).
    pub const STANDARD: &str = "lb-std00001";
    /// Its TCP listener.
    pub const TCP: &str = "lbl-tcp00001";
    /// Its UDP listener.
    pub const UDP: &str = "lbl-udp00001";
    /// Its HTTP listener.
    pub const HTTP: &str = "lbl-http0001";
    /// The `/api` rule.
    pub const RULE_API: &str = "loc-rule0001";
    /// The `/static` rule.
    pub const RULE_STATIC: &str = "loc-rule0002";
    /// A classic CLB with two CVMs.
    pub const CLASSIC: &str = "lb-cls00001";
}

/// The API 3.0 part of the demo fleet (see [`demo_ids`]).
pub(crate) fn demo() -> Clb3Fleet {
    use demo_ids::*;
    let mut lb = Clb3LoadBalancer::standard(STANDARD);
    lb.load_balancer_name = "demo-standard".into();
    let mut web1 = Clb3Target::cvm("ins-aaaa1111", "10.0.0.11", 8080);
    web1.instance_name = "web-1".into();
    let mut eni = Clb3Target::ip("10.0.1.23", 8080);
    eni.eni_id = "eni-bbbb2222".into();
    eni.weight = 0;
    eni.health_status_detail = "Dead".into();
    lb.listeners.push(Clb3Listener {
        listener_id: TCP.into(),
        listener_name: "tcp-80".into(),
        protocol: "TCP".into(),
        port: 80,
        targets: vec![web1.clone(), eni],
        rules: Vec::new(),
    });
    lb.listeners.push(Clb3Listener {
        listener_id: UDP.into(),
        listener_name: "udp-53".into(),
        protocol: "UDP".into(),
        port: 53,
        targets: vec![Clb3Target::cvm("ins-cccc3333", "10.0.0.13", 5353)],
        rules: Vec::new(),
    });
    let mut api9000 = web1.clone();
    api9000.port = 9000;
    api9000.weight = 50;
    api9000.health_status_detail = "Unknown".into();
    let mut closed = Clb3Target::cvm("ins-cccc3333", "10.0.0.13", 9000);
    closed.health_status_detail = "Close".into();
    lb.listeners.push(Clb3Listener {
        listener_id: HTTP.into(),
        listener_name: "http-80".into(),
        protocol: "HTTP".into(),
        port: 80,
        targets: Vec::new(),
        rules: vec![
            Clb3Rule {
                location_id: RULE_API.into(),
                domain: "www.example.com".into(),
                url: "/api".into(),
                targets: vec![api9000, closed],
            },
            Clb3Rule {
                location_id: RULE_STATIC.into(),
                domain: "www.example.com".into(),
                url: "/static".into(),
                targets: vec![Clb3Target::cvm("ins-dddd4444", "10.0.0.14", 80)],
            },
        ],
    });
    let mut classic = Clb3LoadBalancer::classic(CLASSIC);
    classic.load_balancer_name = "demo-classic".into();
    classic.classic_listeners.push(ClassicListener {
        listener_id: "lbl-cls00080".into(),
        protocol: "TCP".into(),
        listener_port: 80,
        instance_port: 8080,
    });
    let mut a = ClassicTarget::new("ins-9o9ex9s0", "10.104.222.152");
    a.weight = 44;
    a.instance_name = "test_k8s_1".into();
    a.public_ip_addresses = vec!["203.0.113.44".into()];
    let mut b = ClassicTarget::new("ins-123test2", "10.104.222.153");
    b.instance_name = "test_k8s_2".into();
    b.run_flag = 4;
    b.healthy = false;
    classic.classic_targets = vec![a, b];
    Clb3Fleet {
        load_balancers: vec![lb, classic],
    }
}

/// A standard CLB `id` with `n` targets spread over two layer-4 listeners and one
/// layer-7 listener with two rules (ids derived from `id`'s tail).
pub fn generate_standard(id: &str, n: usize) -> Clb3LoadBalancer {
    let tail: String = id.trim_start_matches("lb-").chars().take(8).collect();
    let mut lb = Clb3LoadBalancer::standard(id);
    let listener = |kind: &str, protocol: &str, port: u16| Clb3Listener {
        listener_id: format!("lbl-{kind}{tail}"),
        listener_name: format!("{protocol}-{port}").to_lowercase(),
        protocol: protocol.into(),
        port,
        targets: Vec::new(),
        rules: Vec::new(),
    };
    let mut tcp = listener("t", "TCP", 80);
    let mut udp = listener("u", "UDP", 53);
    let mut http = listener("h", "HTTP", 8080);
    http.rules = vec![
        Clb3Rule {
            location_id: format!("loc-a{tail}"),
            domain: "gen.example.com".into(),
            url: "/a".into(),
            targets: Vec::new(),
        },
        Clb3Rule {
            location_id: format!("loc-b{tail}"),
            domain: "gen.example.com".into(),
            url: "/b".into(),
            targets: Vec::new(),
        },
    ];
    for i in 0..n {
        let ip = format!(
            "10.{}.{}.{}",
            100 + i / 62_500,
            (i / 250) % 250,
            i % 250 + 1
        );
        let mut t = Clb3Target::cvm(format!("ins-g{i:07}"), ip, 8000 + (i % 7) as u16);
        t.weight = (i % 101) as u32;
        t.health_status_detail = ["Alive", "Alive", "Dead", "Unknown"][i % 4].into();
        match i % 4 {
            0 => tcp.targets.push(t),
            1 => udp.targets.push(t),
            2 => http.rules[0].targets.push(t),
            _ => http.rules[1].targets.push(t),
        }
    }
    lb.listeners = vec![tcp, udp, http];
    lb
}

/// A standard CLB `id` with `listeners` empty TCP listeners on ports 10001, 10002, ...
/// (ids `lbl-w<tail><nnn>`, from `id`'s tail): room for batches across listeners.
pub fn generate_wide(id: &str, listeners: usize) -> Clb3LoadBalancer {
    let tail: String = id.trim_start_matches("lb-").chars().take(5).collect();
    let mut lb = Clb3LoadBalancer::standard(id);
    lb.listeners = (0..listeners)
        .map(|i| Clb3Listener {
            listener_id: format!("lbl-w{tail}{i:03}"),
            listener_name: format!("tcp-{}", 10_001 + i),
            protocol: "TCP".into(),
            port: u16::try_from(10_001 + i).unwrap_or(u16::MAX),
            targets: Vec::new(),
            rules: Vec::new(),
        })
        .collect();
    lb
}
