//! The Tencent section of a fleet: CLB load balancers with their backends, and BMLB
//! layer-7 forwarding paths (locations) with their bindings. Records carry the field
//! names of the legacy API's answers (`unInstanceId`, `lanIp`, `bindType`, ...).

use std::collections::HashSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

mod bmlb;
mod clb;
pub mod clb3;

pub use bmlb::{BmlbBinding, BmlbFleet, BmlbL4Listener, BmlbLocation, BM_OPERATES};
pub use clb::{ClbBackend, ClbFleet, ClbLoadBalancer};
pub use clb3::{
    ClassicListener, ClassicTarget, Clb3Fleet, Clb3Listener, Clb3LoadBalancer, Clb3Rule, Clb3Target,
};

/// Weight of a record that gives none.
pub(crate) fn default_weight() -> u32 {
    10
}

/// Tencent Cloud: CLB and BMLB (legacy API).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TencentFleet {
    /// CLB load balancers.
    #[serde(default)]
    pub clb: ClbFleet,
    /// BMLB forwarding paths.
    #[serde(default)]
    pub bmlb: BmlbFleet,
    /// CLB load balancers as API 3.0 serves them (standard and classic); the `clb`
    /// section's load balancers are served by API 3.0 too, as classic CLBs.
    #[serde(default, skip_serializing_if = "Clb3Fleet::is_empty")]
    pub clb3: Clb3Fleet,
}

/// An error a load balancer or location always answers with (to test clients'
/// error handling): `{"code", "message", "codeDesc"}` under HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ForcedError {
    /// The error code (non-zero).
    pub code: i64,
    /// The message (default: the code's usual message).
    #[serde(default)]
    pub message: String,
    /// The code's name (default: the code's usual name).
    #[serde(default)]
    pub code_desc: String,
}

impl ForcedError {
    /// Code `code` with its usual message and name.
    pub fn new(code: i64) -> ForcedError {
        ForcedError {
            code,
            message: String::new(),
            code_desc: String::new(),
        }
    }
}

fn is_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok()
}

impl TencentFleet {
    /// Checks the rules of the real services: unique load balancer ids and location
    /// keys, unique backends, valid addresses, ports and weights, a host id on every
    /// bindType 0 binding, non-zero forced error codes.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let mut lbs = HashSet::new();
        for lb in &self.clb.load_balancers {
            if lb.load_balancer_id.is_empty() || !lbs.insert(lb.load_balancer_id.as_str()) {
                return Err(format!(
                    "CLB id {:?} is empty or repeated",
                    lb.load_balancer_id
                ));
            }
            if lb.error.as_ref().is_some_and(|e| e.code == 0) {
                return Err(format!(
                    "CLB {}: a forced error needs a non-zero code",
                    lb.load_balancer_id
                ));
            }
            let mut ids = HashSet::new();
            for b in &lb.backends {
                let ctx = format!(
                    "CLB {}, backend {:?}",
                    lb.load_balancer_id, b.un_instance_id
                );
                if b.un_instance_id.is_empty() || !ids.insert(b.un_instance_id.as_str()) {
                    return Err(format!("{ctx}: unInstanceId is empty or repeated"));
                }
                if !is_ip(&b.lan_ip) || b.wan_ip_set.iter().any(|ip| !is_ip(ip)) {
                    return Err(format!("{ctx}: lanIp and wanIpSet must be IP addresses"));
                }
                if b.weight > 100 {
                    return Err(format!("{ctx}: weight must be 0-100"));
                }
            }
        }
        self.validate_clb3(&mut lbs)?;
        let mut keys = HashSet::new();
        for loc in &self.bmlb.locations {
            let key = loc.key();
            let ctx = format!("BMLB location {}", key.join("/"));
            if key.iter().any(|k| k.is_empty()) || !keys.insert(key) {
                return Err(format!(
                    "{ctx}: an id is empty, or the location is repeated"
                ));
            }
            if loc.error.as_ref().is_some_and(|e| e.code == 0) {
                return Err(format!("{ctx}: a forced error needs a non-zero code"));
            }
            let mut endpoints = HashSet::new();
            for b in &loc.bindings {
                let at = format!("{ctx}, binding {}:{}", b.lan_ip, b.rs_port);
                if b.bind_type > 2 {
                    return Err(format!("{at}: bindType must be 0, 1 or 2"));
                }
                if b.bind_type != 1 && b.instance_id.is_empty() {
                    return Err(format!(
                        "{at}: a bindType 0 or 2 binding needs an instanceId"
                    ));
                }
                if !is_ip(&b.lan_ip) || (!b.mgt_ip.is_empty() && !is_ip(&b.mgt_ip)) {
                    return Err(format!("{at}: lanIp and mgtIp must be IP addresses"));
                }
                if b.rs_port == 0 || b.weight > 100 {
                    return Err(format!("{at}: rsPort must be 1-65535 and weight 0-100"));
                }
                if !endpoints.insert((b.lan_ip.as_str(), b.rs_port)) {
                    return Err(format!("{at}: the same address and port is bound twice"));
                }
            }
        }
        Ok(())
    }
}

impl TencentFleet {
    /// The API 3.0 rules: load balancer ids unique across both CLB sections,
    /// listener and rule ids unique, addresses IPs, ports 1–65535, weights 0–100,
    /// a target bound once per listener (and rule) and port.
    fn validate_clb3<'a>(&'a self, lbs: &mut HashSet<&'a str>) -> Result<(), String> {
        let mut listeners = HashSet::new();
        for lb in &self.clb3.load_balancers {
            let id = lb.load_balancer_id.as_str();
            if id.is_empty() || !lbs.insert(id) {
                return Err(format!("CLB id {id:?} is empty or repeated"));
            }
            if lb.forward != 0 && lb.forward != 1 {
                return Err(format!("CLB {id}: Forward must be 0 or 1"));
            }
            let mut ids = HashSet::new();
            for t in &lb.classic_targets {
                if t.instance_id.is_empty() || !ids.insert(t.instance_id.as_str()) {
                    return Err(format!(
                        "CLB {id}: a classic InstanceId is empty or repeated"
                    ));
                }
                if !is_ip(&t.private_ip) || t.weight > 100 {
                    return Err(format!(
                        "CLB {id}, {}: bad address or weight",
                        t.instance_id
                    ));
                }
            }
            for l in &lb.listeners {
                if l.listener_id.is_empty() || !listeners.insert(l.listener_id.as_str()) {
                    return Err(format!(
                        "CLB {id}: listener id {:?} empty or repeated",
                        l.listener_id
                    ));
                }
                let mut bound = HashSet::new();
                let mut check = |loc: &str, t: &'a Clb3Target| -> Result<(), String> {
                    let at = format!(
                        "CLB {id}, {} {loc} {}:{}",
                        l.listener_id, t.private_ip, t.port
                    );
                    if !is_ip(&t.private_ip) || t.port == 0 || t.weight > 100 {
                        return Err(format!("{at}: bad address, port or weight"));
                    }
                    let who = if t.instance_id.is_empty() {
                        &t.private_ip
                    } else {
                        &t.instance_id
                    };
                    if !bound.insert((loc.to_string(), who.clone(), t.port)) {
                        return Err(format!("{at}: bound twice"));
                    }
                    Ok(())
                };
                for t in &l.targets {
                    check("", t)?;
                }
                for r in &l.rules {
                    if r.location_id.is_empty() || !listeners.insert(r.location_id.as_str()) {
                        return Err(format!(
                            "CLB {id}: rule id {:?} empty or repeated",
                            r.location_id
                        ));
                    }
                    for t in &r.targets {
                        check(&r.location_id, t)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The Tencent part of [`Fleet::demo`](crate::Fleet::demo): the seeds' examples.
pub(crate) fn demo() -> TencentFleet {
    use super::demo::{TENCENT_BMLB, TENCENT_CLB};
    let backend = |n: u8, instance_id: &str| {
        let mut b = ClbBackend::new(format!("ins-123test{n}"), format!("10.10.10.{n}"));
        b.instance_id = instance_id.to_string();
        b.instance_name = format!("my-backend-name{n}");
        b.wan_ip_set = vec![format!("203.195.179.{}", 122 + u16::from(n))];
        b
    };
    let mut lb = ClbLoadBalancer::new(TENCENT_CLB);
    lb.backends = vec![
        backend(1, "qcvm2ed56d3399a1b92f31cf0891fdba700b"),
        backend(2, "qcvm1ed56d3399a1b92f31cf0891fdba700b"),
    ];
    let [lb_id, listener, domain, location] = TENCENT_BMLB;
    let mut loc = BmlbLocation::new(lb_id, listener, domain, location);
    let mut host = BmlbBinding::host("cpm-abcdefgh", "1.1.1.1", 1234);
    host.alias = "XXX测试".to_string();
    host.mgt_ip = "2.2.2.2".to_string();
    host.status = "Dead".to_string();
    let mut vm = BmlbBinding::vm_ip("10.2.0.5", 8080);
    vm.weight = 20;
    loc.bindings = vec![host, vm];
    let mut fleet = TencentFleet::default();
    fleet.clb.load_balancers.push(lb);
    fleet.bmlb.locations.push(loc);
    // API 3.0 only: a layer-4 listener of the same load balancer.
    let [_, l4] = super::demo::TENCENT_BMLB_L4;
    let mut tcp = BmlbL4Listener::new(lb_id, l4);
    let mut semi = BmlbBinding::host("cpm-semi0001", "10.3.0.7", 9000);
    semi.bind_type = 2;
    semi.alias = "semi-managed-1".to_string();
    tcp.bindings = vec![BmlbBinding::host("cpm-l4host01", "10.3.0.6", 9000), semi];
    fleet.bmlb.l4_listeners.push(tcp);
    fleet.clb3 = clb3::demo();
    fleet
}
