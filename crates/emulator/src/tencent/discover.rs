//! Discovery on the Tencent side: the `BackendPrivateIps` filter of API 3.0
//! `DescribeLoadBalancers` (which `clb` serves, paging by `Offset`/`Limit`; this adds
//! the filter).

use crate::fleet::Clb3LoadBalancer;

/// Whether `lb` has a backend at one of `ips` (any listener, rule or classic CVM);
/// no filter (`None`) matches every load balancer.
pub(crate) fn has_backend_ip(lb: &Clb3LoadBalancer, ips: Option<&[String]>) -> bool {
    let Some(ips) = ips else {
        return true;
    };
    let hit = |ip: &String| ips.contains(ip);
    lb.listeners.iter().any(|l| {
        l.targets.iter().any(|t| hit(&t.private_ip))
            || l.rules
                .iter()
                .any(|r| r.targets.iter().any(|t| hit(&t.private_ip)))
    }) || lb.classic_targets.iter().any(|t| hit(&t.private_ip))
}

/// BMLB (2018-06-25) discovery actions served on API 3.0:
///
/// | action | answers |
/// |---|---|
/// | `DescribeLoadBalancers` | `LoadBalancerSet[]{LoadBalancerId, LoadBalancerName}`, `TotalCount`; `Offset` (0), `Limit` (20, 1–100), ids in order |
/// | `DescribeL7Listeners` | `ListenerSet[]{ListenerId, ListenerName, Protocol, LoadBalancerPort}` of `LoadBalancerId` (the listeners its locations name) |
/// | `DescribeL7Rules` | `RuleSet[]{Domain, DomainId, LocationSet[]{LocationId, Url}}` of `LoadBalancerId` + `ListenerId` |
/// | `DescribeL4Listeners` | `ListenerSet[]{ListenerId, ListenerName, Protocol, LoadBalancerPort, Status}` of `LoadBalancerId`, only `ListenerIds` when given (protocol `tcp`, port 80: the fleet keeps neither) |
///
/// A missing `LoadBalancerId` is `MissingParameter`; an unknown one
/// `InvalidParameter.LBIdNotFound` (*chosen*); another action `InvalidAction`.
pub(crate) fn bmlb(
    state: &crate::state::AppState,
    action: &str,
    p: &serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Map<String, serde_json::Value>, super::v3::ApiError> {
    use super::v3::ApiError;
    use serde_json::{json, Value};
    use std::collections::BTreeMap;

    let text = |name: &str| p.get(name).and_then(Value::as_str).map(str::to_owned);
    let int = |name: &str, default: i64| -> Result<i64, ApiError> {
        match p.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_i64().ok_or_else(|| {
                ApiError::new(
                    "InvalidParameter.FormatError",
                    format!("{name} must be an integer"),
                )
            }),
        }
    };
    let obj = |v: Value| match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let store = crate::state::lock(&state.tencent);
    let lb_of = || -> Result<String, ApiError> {
        let id = text("LoadBalancerId")
            .ok_or_else(|| ApiError::new("MissingParameter", "LoadBalancerId is required"))?;
        if store.bmlb_lbs.contains(&id) {
            Ok(id)
        } else {
            Err(ApiError::new(
                "InvalidParameter.LBIdNotFound",
                format!("load balancer {id} does not exist"),
            ))
        }
    };
    match action {
        "DescribeLoadBalancers" => {
            let offset = int("Offset", 0)?;
            let limit = int("Limit", 20)?;
            if offset < 0 || !(1..=100).contains(&limit) {
                return Err(ApiError::new(
                    "InvalidParameterValue",
                    "Offset must be >= 0 and Limit 1-100",
                ));
            }
            let mut ids: Vec<&String> = store.bmlb_lbs.iter().collect();
            ids.sort();
            let set: Vec<Value> = ids
                .iter()
                .skip(offset as usize)
                .take(limit as usize)
                .map(|id| json!({"LoadBalancerId": id, "LoadBalancerName": format!("bm-{id}")}))
                .collect();
            Ok(obj(
                json!({"TotalCount": ids.len(), "LoadBalancerSet": set}),
            ))
        }
        "DescribeL7Listeners" => {
            let lb = lb_of()?;
            let mut listeners: Vec<&String> = store
                .bmlb
                .keys()
                .filter(|k| k[0] == lb)
                .map(|k| &k[1])
                .collect();
            listeners.sort();
            listeners.dedup();
            let set: Vec<Value> = listeners
                .iter()
                .map(|l| json!({"ListenerId": l, "ListenerName": l, "Protocol": "http", "LoadBalancerPort": 80}))
                .collect();
            Ok(obj(json!({"ListenerSet": set})))
        }
        "DescribeL7Rules" => {
            let lb = lb_of()?;
            let listener = text("ListenerId")
                .ok_or_else(|| ApiError::new("MissingParameter", "ListenerId is required"))?;
            let mut domains: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
            for k in store.bmlb.keys().filter(|k| k[0] == lb && k[1] == listener) {
                domains.entry(&k[2]).or_default().push(&k[3]);
            }
            let set: Vec<Value> = domains
                .into_iter()
                .map(|(domain, mut locations)| {
                    locations.sort();
                    json!({
                        "Domain": format!("{domain}.example.com"),
                        "DomainId": domain,
                        "Status": 1,
                        "LocationSet": locations.iter().map(|l| json!({"LocationId": l, "Url": format!("/{l}")})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Ok(obj(json!({"RuleSet": set})))
        }
        "DescribeL4Listeners" => {
            let lb = lb_of()?;
            let only: Option<Vec<String>> = match p.get("ListenerIds") {
                None | Some(Value::Null) => None,
                Some(Value::Array(ids)) => Some(
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                ),
                Some(_) => {
                    return Err(ApiError::new(
                        "InvalidParameter.FormatError",
                        "ListenerIds must be an array",
                    ))
                }
            };
            let mut listeners: Vec<&String> = store
                .bmlb4
                .keys()
                .filter(|(l, id)| *l == lb && only.as_ref().is_none_or(|o| o.contains(id)))
                .map(|(_, id)| id)
                .collect();
            listeners.sort();
            let set: Vec<Value> = listeners
                .iter()
                .map(|l| {
                    json!({"ListenerId": l, "ListenerName": l, "Protocol": "tcp",
                           "LoadBalancerPort": 80, "Status": 1})
                })
                .collect();
            Ok(obj(json!({"ListenerSet": set})))
        }
        other => Err(ApiError::new(
            "InvalidAction",
            format!("the action {other} is not served by the emulator's BMLB"),
        )),
    }
}
