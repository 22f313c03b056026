//! The wire shapes of the CLB read actions (spec b.1, b.2, b.11) and their mapping
//! onto [`Backend`]. Lists are strict (a list that is not a list is a decode error);
//! the fields of a record are lenient (a value of another type is `None`).

use std::collections::HashMap;

use lb_backends_core::{
    lenient, Backend, Health, HealthDetail, InstanceKind, InstanceRef, InstanceState,
    ListenerHealth, ProviderKind, RawRecord,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::id::BackendId;

/// `DescribeLoadBalancers`.
#[derive(Debug, Deserialize)]
pub(crate) struct LoadBalancers {
    #[serde(rename = "LoadBalancerSet", deserialize_with = "lenient::records")]
    pub set: Vec<Value>,
}

/// One `LoadBalancerSet` record, the fields used.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoadBalancer {
    #[serde(default, rename = "LoadBalancerId", deserialize_with = "lenient::opt")]
    pub id: Option<String>,
    #[serde(default, rename = "Forward", deserialize_with = "lenient::opt")]
    pub forward: Option<i64>,
}

/// `DescribeTargets`: every listener asked for, whole (no paging).
#[derive(Debug, Deserialize)]
pub(crate) struct Targets {
    #[serde(rename = "Listeners", deserialize_with = "lenient::records")]
    pub listeners: Vec<Value>,
}

/// One `ListenerBackend`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Listener {
    #[serde(default, rename = "ListenerId", deserialize_with = "lenient::opt")]
    pub id: Option<String>,
    #[serde(default, rename = "Protocol", deserialize_with = "lenient::opt")]
    pub protocol: Option<String>,
    #[serde(default, rename = "Port", deserialize_with = "lenient::opt")]
    pub port: Option<i64>,
    #[serde(default, rename = "Rules", deserialize_with = "lenient::records")]
    pub rules: Vec<Value>,
    #[serde(default, rename = "Targets", deserialize_with = "lenient::records")]
    pub targets: Vec<Value>,
}

impl Listener {
    /// Layer 7 (targets on rules): HTTP and HTTPS.
    pub fn is_layer7(&self) -> bool {
        self.protocol
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("HTTP") || p.eq_ignore_ascii_case("HTTPS"))
    }
}

/// One `RuleTargets`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Rule {
    #[serde(default, rename = "LocationId", deserialize_with = "lenient::opt")]
    pub location_id: Option<String>,
    #[serde(default, rename = "Domain", deserialize_with = "lenient::opt")]
    pub domain: Option<String>,
    #[serde(default, rename = "Url", deserialize_with = "lenient::opt")]
    pub url: Option<String>,
    #[serde(default, rename = "Targets", deserialize_with = "lenient::records")]
    pub targets: Vec<Value>,
}

/// One `Backend` (standard) or `ClassicalTarget` record, the fields used.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Target {
    #[serde(default, rename = "Type", deserialize_with = "lenient::opt")]
    pub kind: Option<String>,
    #[serde(default, rename = "InstanceId", deserialize_with = "lenient::opt")]
    pub instance_id: Option<String>,
    #[serde(default, rename = "Port", deserialize_with = "lenient::opt")]
    pub port: Option<i64>,
    #[serde(default, rename = "Weight", deserialize_with = "lenient::opt")]
    pub weight: Option<i64>,
    #[serde(
        default,
        rename = "PrivateIpAddresses",
        deserialize_with = "lenient::list"
    )]
    pub private_ips: Vec<String>,
    #[serde(default, rename = "InstanceName", deserialize_with = "lenient::opt")]
    pub instance_name: Option<String>,
    #[serde(default, rename = "RunFlag", deserialize_with = "lenient::opt")]
    pub run_flag: Option<i64>,
}

impl Target {
    /// The `InstanceId`, when not empty.
    pub fn instance(&self) -> Option<&str> {
        self.instance_id.as_deref().filter(|s| !s.is_empty())
    }

    /// The first private address, as sent.
    pub fn ip(&self) -> Option<&str> {
        self.private_ips.first().map(String::as_str)
    }
}

/// `DescribeTargetHealth`.
#[derive(Debug, Deserialize)]
pub(crate) struct TargetHealthAnswer {
    #[serde(rename = "LoadBalancers", deserialize_with = "lenient::records")]
    pub load_balancers: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LbHealth {
    #[serde(default, rename = "Listeners", deserialize_with = "lenient::records")]
    pub listeners: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListenerHealthW {
    #[serde(default, rename = "ListenerId", deserialize_with = "lenient::opt")]
    pub id: Option<String>,
    #[serde(default, rename = "Rules", deserialize_with = "lenient::records")]
    pub rules: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RuleHealth {
    #[serde(default, rename = "LocationId", deserialize_with = "lenient::opt")]
    pub location_id: Option<String>,
    #[serde(default, rename = "Targets", deserialize_with = "lenient::records")]
    pub targets: Vec<Value>,
}

/// One `TargetHealth`, the fields used.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TargetHealth {
    #[serde(default, rename = "IP", deserialize_with = "lenient::opt")]
    pub ip: Option<String>,
    #[serde(default, rename = "Port", deserialize_with = "lenient::opt")]
    pub port: Option<i64>,
    #[serde(default, rename = "HealthStatus", deserialize_with = "lenient::opt")]
    pub status: Option<bool>,
    #[serde(
        default,
        rename = "HealthStatusDetail",
        deserialize_with = "lenient::opt"
    )]
    pub detail: Option<String>,
}

/// `DescribeClassicalLBTargets`.
#[derive(Debug, Deserialize)]
pub(crate) struct ClassicTargets {
    #[serde(rename = "Targets", deserialize_with = "lenient::records")]
    pub targets: Vec<Value>,
}

/// `DescribeClassicalLBHealthStatus`.
#[derive(Debug, Deserialize)]
pub(crate) struct ClassicHealthAnswer {
    #[serde(rename = "HealthList", deserialize_with = "lenient::records")]
    pub list: Vec<Value>,
}

/// One `ClassicalHealth`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ClassicHealth {
    #[serde(default, rename = "IP", deserialize_with = "lenient::opt")]
    pub ip: Option<String>,
    #[serde(default, rename = "ListenerPort", deserialize_with = "lenient::opt")]
    pub listener_port: Option<i64>,
    #[serde(default, rename = "Protocol", deserialize_with = "lenient::opt")]
    pub protocol: Option<String>,
    #[serde(default, rename = "HealthStatus", deserialize_with = "lenient::opt")]
    pub status: Option<i64>,
}

/// A record decoded leniently: a record that is not an object gives the defaults.
pub(crate) fn fields<T: for<'de> Deserialize<'de> + Default>(v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

/// `HealthStatusDetail` (else the Boolean `HealthStatus`) as a [`Health`].
///
/// `Alive` healthy, `Dead` unhealthy, `Unknown` (not probed yet, or probing)
/// pending, `Close` (health check off, or the listener stopped) unmonitored.
pub fn health_of(detail: Option<&str>, status: Option<bool>) -> Health {
    match (detail, status) {
        (Some(d), _) if d.eq_ignore_ascii_case("Alive") => Health::Healthy,
        (Some(d), _) if d.eq_ignore_ascii_case("Dead") => Health::Unhealthy,
        (Some(d), _) if d.eq_ignore_ascii_case("Unknown") => Health::Pending,
        (Some(d), _) if d.eq_ignore_ascii_case("Close") => Health::Unmonitored,
        (Some(d), _) if !d.is_empty() => Health::Unknown(d.to_owned()),
        (_, Some(true)) => Health::Healthy,
        (_, Some(false)) => Health::Unhealthy,
        _ => Health::NotReported,
    }
}

/// The CVM state of a `RunFlag`; the legacy API's `instanceStatus` uses the same table.
pub(crate) fn run_state(flag: i64) -> InstanceState {
    use InstanceState::*;
    match flag {
        1 => Fault,
        2 => Running,
        3 => Creating,
        4 => Stopped,
        5 => Returned,
        6 => Returning,
        7 => Rebooting,
        8 => Starting,
        9 => ShuttingDown,
        10 => PasswordResetting,
        11 => Formatting,
        12 => MakingImage,
        13 => SettingBandwidth,
        14 => Reinstalling,
        19 => Upgrading,
        21 => HotMigrating,
        n => Unknown(n.to_string()),
    }
}

use crate::listing::weight;

/// Health records by (listener, location for layer 7, IP, port).
pub(crate) type HealthIndex = HashMap<(String, Option<String>, String, i64), Value>;

/// Where a standard target is bound.
#[derive(Debug)]
pub(crate) struct Place<'a> {
    pub load_balancer_id: &'a str,
    pub listener: &'a Listener,
    pub rule: Option<&'a Rule>,
}

/// A standard-CLB target as a [`Backend`]; `None` when the record names neither an
/// instance nor an address (it cannot be told apart from others).
pub(crate) fn standard_backend(
    place: &Place<'_>,
    record: Value,
    health: &HealthIndex,
) -> Option<Backend> {
    let t: Target = fields(&record);
    let listener_id = place.listener.id.clone()?;
    let location_id = place.rule.and_then(|r| r.location_id.clone());
    let ip = t.ip().map(str::to_owned);
    let who = t.instance().map(str::to_owned).or_else(|| ip.clone())?;
    let port = t.port.unwrap_or(0);
    let id = BackendId::new(
        listener_id.clone(),
        location_id.clone(),
        who,
        u16::try_from(port).unwrap_or(0),
    );
    let key = (
        listener_id.clone(),
        location_id.clone(),
        ip.clone().unwrap_or_default(),
        port,
    );
    let health_record = health.get(&key).cloned();
    let h: TargetHealth = health_record.as_ref().map(fields).unwrap_or_default();
    let status = if health_record.is_some() {
        health_of(h.detail.as_deref(), h.status)
    } else {
        Health::NotReported
    };
    let mut b = Backend::new(ProviderKind::TencentClb, id.to_string());
    b.address = ip.as_deref().and_then(|ip| ip.parse().ok());
    b.port = u16::try_from(port).ok().filter(|p| *p > 0);
    b.weight = weight(t.weight);
    // `HealthStatusDetail` kept as the cloud wrote it (`Alive`, `Dead`, `Unknown`,
    // `Close`, or a value added tomorrow).
    let detail = h
        .detail
        .clone()
        .filter(|d| !d.is_empty())
        .map(|d| Box::new(HealthDetail::code(d)));
    let mut per_listener = ListenerHealth::new(listener_id.clone(), status.clone());
    per_listener.detail.clone_from(&detail);
    b.listener_health = vec![per_listener];
    b.health = status;
    b.health_detail = detail;
    b.instance = t.instance().map(|id| InstanceRef {
        id: id.to_owned(),
        name: t.instance_name.clone().filter(|n| !n.is_empty()),
        kind: match t.kind.as_deref() {
            Some(k) if k.eq_ignore_ascii_case("CVM") => InstanceKind::Cvm,
            None => InstanceKind::Cvm,
            Some(k) => InstanceKind::Unknown(k.to_owned()),
        },
        state: None,
    });
    b.raw = RawRecord::from_value(&json!({
        "LoadBalancerId": place.load_balancer_id,
        "ListenerId": listener_id,
        "Protocol": place.listener.protocol,
        "ListenerPort": place.listener.port,
        "LocationId": location_id,
        "Domain": place.rule.and_then(|r| r.domain.clone()),
        "Url": place.rule.and_then(|r| r.url.clone()),
        "Target": record,
        "Health": health_record,
    }));
    Some(b)
}

/// A classic-CLB target as a [`Backend`] (id: its `InstanceId`); `None` without one.
pub(crate) fn classic_backend(
    load_balancer_id: &str,
    record: Value,
    health: &[ClassicHealth],
    health_raw: &[Value],
) -> Option<Backend> {
    let t: Target = fields(&record);
    let id = t.instance()?.to_owned();
    let ip = t.ip().map(str::to_owned);
    let mut b = Backend::new(ProviderKind::TencentClb, id.clone());
    b.address = ip.as_deref().and_then(|ip| ip.parse().ok());
    b.weight = weight(t.weight);
    let mut mine = Vec::new();
    for (h, raw) in health.iter().zip(health_raw) {
        if ip.is_some() && h.ip == ip {
            let status = match h.status {
                Some(1) => Health::Healthy,
                Some(0) => Health::Unhealthy,
                Some(n) => Health::Unknown(n.to_string()),
                None => Health::NotReported,
            };
            b.listener_health.push(ListenerHealth::new(
                format!(
                    "{}:{}",
                    h.protocol.as_deref().unwrap_or("?"),
                    h.listener_port.unwrap_or(0)
                ),
                status,
            ));
            mine.push(raw.clone());
        }
    }
    b.health = if b.listener_health.is_empty() {
        Health::NotReported
    } else if b
        .listener_health
        .iter()
        .all(|l| l.health == Health::Healthy)
    {
        Health::Healthy
    } else if b
        .listener_health
        .iter()
        .any(|l| l.health == Health::Unhealthy)
    {
        Health::Unhealthy
    } else {
        b.listener_health[0].health.clone()
    };
    b.instance = Some(InstanceRef {
        id,
        name: t.instance_name.clone().filter(|n| !n.is_empty()),
        kind: InstanceKind::Cvm,
        state: t.run_flag.map(run_state),
    });
    b.raw = RawRecord::from_value(&json!({
        "LoadBalancerId": load_balancer_id,
        "Target": record,
        "Health": mine,
    }));
    Some(b)
}
