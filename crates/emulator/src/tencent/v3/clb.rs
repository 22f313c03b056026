//! CLB (2018-03-17) actions served on API 3.0.
//!
//! | action | answers | errors (*chosen* where the service does not say) |
//! |---|---|---|
//! | `DescribeLoadBalancers` | `LoadBalancerSet` (`LoadBalancerId`, `LoadBalancerName`, `Forward`, ...), `TotalCount`; by `LoadBalancerIds`, else every load balancer; `BackendPrivateIps` (those with a backend at one of them); `Offset` (0), `Limit` (20, 1–100) | `InvalidParameterValue` for a bad `Limit`/`Offset` or ids |
//! | `DescribeTargets` | `Listeners[]` with `Targets` (layer 4) or `Rules[].Targets` (layer 7); no paging; filters `ListenerIds` (≤ 20), `Protocol`, `Port`, `Filters` `location-id` / `private-ip-address` | `MissingParameter`; `InvalidParameter.LBIdNotFound` (*chosen*); `UnsupportedOperation` on a classic CLB (*chosen*); `InvalidParameterValue.Length` for > 20 listener ids |
//! | `DescribeTargetHealth` | `LoadBalancers[].Listeners[].Rules[].Targets[]`; layer-4 listeners report through one rule whose `LocationId` is the listener's id with `loc-` for `lbl-` (*chosen*) and `Domain`/`Url` null | `InvalidParameter.LBIdNotFound`; `UnsupportedOperation` on a classic CLB (*chosen*); `InvalidParameterValue.Length` for > 30 ids |
//! | `DescribeClassicalLBTargets` | `Targets[]` (no port, `RunFlag`) | `InvalidParameter.LBIdNotFound`; `UnsupportedOperation` on a standard CLB (*chosen*) |
//! | `DescribeClassicalLBHealthStatus` | `HealthList[]`: one entry per classic listener and CVM (`HealthStatus` 1/0); optional `ListenerId` | as above |
//!
//! The legacy section's load balancers are served as classic CLBs without listeners.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::ApiError;
use crate::fleet::{Clb3Listener, Clb3LoadBalancer, Clb3Target};
use crate::state::{lock, AppState};

type Params = Map<String, Value>;
type Answer = Result<Map<String, Value>, ApiError>;

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn string<'a>(p: &'a Params, name: &str) -> Result<Option<&'a str>, ApiError> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::new(
            "InvalidParameter.FormatError",
            format!("{name} must be a string"),
        )),
    }
}

fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    string(p, name)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::new("MissingParameter", format!("{name} is required")))
}

fn strings(p: &Params, name: &str, max: usize) -> Result<Option<Vec<String>>, ApiError> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => {
            if items.len() > max {
                return Err(ApiError::new(
                    "InvalidParameterValue.Length",
                    format!("{name} takes at most {max} values"),
                ));
            }
            items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        ApiError::new(
                            "InvalidParameter.FormatError",
                            format!("{name} must be a list of strings"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        }
        Some(_) => Err(ApiError::new(
            "InvalidParameter.FormatError",
            format!("{name} must be a list"),
        )),
    }
}

fn integer(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| {
            ApiError::new(
                "InvalidParameter.FormatError",
                format!("{name} must be an integer"),
            )
        }),
    }
}

/// Serves `action`.
pub(crate) fn dispatch(state: &AppState, action: &str, p: &Params) -> Answer {
    match action {
        "DescribeLoadBalancers" => describe_load_balancers(state, p),
        "DescribeTargets" => describe_targets(state, p),
        "DescribeTargetHealth" => describe_target_health(state, p),
        "DescribeClassicalLBTargets" => describe_classical_targets(state, p),
        "DescribeClassicalLBHealthStatus" => describe_classical_health(state, p),
        other => Err(ApiError::new(
            "InvalidAction",
            format!("the action {other} is not served by the emulator's CLB"),
        )),
    }
}

fn find<'a>(
    lbs: &'a std::collections::BTreeMap<String, Clb3LoadBalancer>,
    id: &str,
) -> Result<&'a Clb3LoadBalancer, ApiError> {
    lbs.get(id).ok_or_else(|| {
        ApiError::new(
            "InvalidParameter.LBIdNotFound",
            format!("LoadBalancer {id} not found"),
        )
    })
}

fn standard<'a>(
    lbs: &'a std::collections::BTreeMap<String, Clb3LoadBalancer>,
    id: &str,
) -> Result<&'a Clb3LoadBalancer, ApiError> {
    let lb = find(lbs, id)?;
    if lb.forward != 1 {
        return Err(ApiError::new(
            "UnsupportedOperation",
            format!("{id} is a classic CLB; use the ClassicalLB actions"),
        ));
    }
    Ok(lb)
}

fn classic<'a>(
    lbs: &'a std::collections::BTreeMap<String, Clb3LoadBalancer>,
    id: &str,
) -> Result<&'a Clb3LoadBalancer, ApiError> {
    let lb = find(lbs, id)?;
    if lb.forward != 0 {
        return Err(ApiError::new(
            "UnsupportedOperation",
            format!("{id} is not a classic CLB"),
        ));
    }
    Ok(lb)
}

fn describe_load_balancers(state: &AppState, p: &Params) -> Answer {
    let ids = strings(p, "LoadBalancerIds", 20)?;
    let offset = integer(p, "Offset")?.unwrap_or(0);
    let limit = integer(p, "Limit")?.unwrap_or(20);
    if offset < 0 || !(1..=100).contains(&limit) {
        return Err(ApiError::new(
            "InvalidParameterValue",
            "Offset must be >= 0 and Limit 1-100",
        ));
    }
    let backend_ips = strings(p, "BackendPrivateIps", 100)?;
    let store = lock(&state.tencent);
    let all: Vec<&Clb3LoadBalancer> = match &ids {
        Some(ids) => ids.iter().filter_map(|id| store.clb3.get(id)).collect(),
        None => store.clb3.values().collect(),
    };
    let all: Vec<&Clb3LoadBalancer> = (all.into_iter())
        .filter(|lb| crate::tencent::discover::has_backend_ip(lb, backend_ips.as_deref()))
        .collect();
    let set: Vec<Value> = all
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|lb| lb.to_api())
        .collect();
    Ok(obj(
        json!({"TotalCount": all.len(), "LoadBalancerSet": set}),
    ))
}

/// The listener filter of `DescribeTargets` / `DescribeTargetHealth`.
fn listener_filter(p: &Params, max: usize) -> Result<Option<HashSet<String>>, ApiError> {
    Ok(strings(p, "ListenerIds", max)?.map(|v| v.into_iter().collect()))
}

fn target_matches(t: &Clb3Target, ips: &Option<HashSet<String>>) -> bool {
    ips.as_ref().is_none_or(|ips| ips.contains(&t.private_ip))
}

fn describe_targets(state: &AppState, p: &Params) -> Answer {
    let id = required(p, "LoadBalancerId")?;
    let listeners = listener_filter(p, 20)?;
    let protocol = string(p, "Protocol")?;
    let port = integer(p, "Port")?;
    let mut locations: Option<HashSet<String>> = None;
    let mut ips: Option<HashSet<String>> = None;
    if let Some(filters) = p.get("Filters").filter(|v| !v.is_null()) {
        let Some(filters) = filters.as_array() else {
            return Err(ApiError::new(
                "InvalidParameter.FormatError",
                "Filters must be a list",
            ));
        };
        for f in filters {
            let f = obj(f.clone());
            let name = required(&f, "Name")?.to_string();
            let values: HashSet<String> = strings(&f, "Values", 100)?
                .unwrap_or_default()
                .into_iter()
                .collect();
            match name.as_str() {
                "location-id" => locations = Some(values),
                "private-ip-address" => ips = Some(values),
                _ => {
                    return Err(ApiError::new(
                        "InvalidParameterValue.InvalidFilter",
                        format!("filter {name} is not supported"),
                    ))
                }
            }
        }
    }
    let store = lock(&state.tencent);
    let lb = standard(&store.clb3, id)?;
    let wanted = |l: &Clb3Listener| {
        listeners
            .as_ref()
            .is_none_or(|s| s.contains(&l.listener_id))
            && protocol.is_none_or(|p| p == l.protocol)
            && port.is_none_or(|p| p == i64::from(l.port))
    };
    let out: Vec<Value> = lb
        .listeners
        .iter()
        .filter(|l| wanted(l))
        .map(|l| {
            let (targets, rules) = if l.is_layer7() {
                let rules: Vec<Value> = l
                    .rules
                    .iter()
                    .filter(|r| locations.as_ref().is_none_or(|s| s.contains(&r.location_id)))
                    .map(|r| {
                        json!({
                            "LocationId": r.location_id,
                            "Domain": r.domain,
                            "Url": r.url,
                            "Targets": r.targets.iter().filter(|t| target_matches(t, &ips)).map(Clb3Target::to_api).collect::<Vec<_>>(),
                            "FunctionTargets": [],
                        })
                    })
                    .collect();
                (Value::Null, json!(rules))
            } else {
                let targets: Vec<Value> = l
                    .targets
                    .iter()
                    .filter(|t| target_matches(t, &ips))
                    .map(Clb3Target::to_api)
                    .collect();
                (json!(targets), Value::Null)
            };
            json!({
                "ListenerId": l.listener_id,
                "Protocol": l.protocol,
                "Port": l.port,
                "Rules": rules,
                "Targets": targets,
                "EndPort": 0,
            })
        })
        .collect();
    Ok(obj(json!({ "Listeners": out })))
}

fn describe_target_health(state: &AppState, p: &Params) -> Answer {
    let ids = strings(p, "LoadBalancerIds", 30)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::new("MissingParameter", "LoadBalancerIds is required"))?;
    let listeners = listener_filter(p, 100)?;
    let locations: Option<HashSet<String>> =
        strings(p, "LocationIds", 100)?.map(|v| v.into_iter().collect());
    let store = lock(&state.tencent);
    let mut out = Vec::new();
    for id in &ids {
        let lb = standard(&store.clb3, id)?;
        let ls: Vec<Value> = lb
            .listeners
            .iter()
            .filter(|l| listeners.as_ref().is_none_or(|s| s.contains(&l.listener_id)))
            .map(|l| {
                let rules: Vec<Value> = if l.is_layer7() {
                    l.rules
                        .iter()
                        .filter(|r| locations.as_ref().is_none_or(|s| s.contains(&r.location_id)))
                        .map(|r| {
                            json!({
                                "LocationId": r.location_id,
                                "Domain": r.domain,
                                "Url": r.url,
                                "RuleId": "",
                                "Targets": r.targets.iter().map(Clb3Target::to_health).collect::<Vec<_>>(),
                            })
                        })
                        .collect()
                } else {
                    vec![json!({
                        "LocationId": l.listener_id.replacen("lbl-", "loc-", 1),
                        "Domain": null,
                        "Url": null,
                        "RuleId": "",
                        "Targets": l.targets.iter().map(Clb3Target::to_health).collect::<Vec<_>>(),
                    })]
                };
                json!({
                    "ListenerId": l.listener_id,
                    "ListenerName": l.listener_name,
                    "Protocol": l.protocol,
                    "Port": l.port,
                    "Rules": rules,
                })
            })
            .collect();
        out.push(json!({
            "LoadBalancerId": lb.load_balancer_id,
            "LoadBalancerName": lb.load_balancer_name,
            "Listeners": ls,
        }));
    }
    Ok(obj(json!({ "LoadBalancers": out })))
}

fn describe_classical_targets(state: &AppState, p: &Params) -> Answer {
    let id = required(p, "LoadBalancerId")?;
    let store = lock(&state.tencent);
    let lb = classic(&store.clb3, id)?;
    let targets: Vec<Value> = lb.classic_targets.iter().map(|t| t.to_api()).collect();
    Ok(obj(json!({ "Targets": targets })))
}

fn describe_classical_health(state: &AppState, p: &Params) -> Answer {
    let id = required(p, "LoadBalancerId")?;
    let listener = string(p, "ListenerId")?;
    let store = lock(&state.tencent);
    let lb = classic(&store.clb3, id)?;
    let mut list = Vec::new();
    for l in lb
        .classic_listeners
        .iter()
        .filter(|l| listener.is_none_or(|id| id == l.listener_id))
    {
        for t in &lb.classic_targets {
            list.push(json!({
                "IP": t.private_ip,
                "Port": l.instance_port,
                "ListenerPort": l.listener_port,
                "Protocol": l.protocol,
                "HealthStatus": i64::from(t.healthy),
            }));
        }
    }
    Ok(obj(json!({ "HealthList": list })))
}
