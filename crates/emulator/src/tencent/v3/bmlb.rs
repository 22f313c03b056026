//! BMLB (2018-06-25) on API 3.0 (spec d): the fleet's BMLB locations (layer 7) and
//! layer-4 listeners.
//!
//! | action | rules (*chosen* where the service does not say) |
//! |---|---|
//! | `DescribeL7Backends` | `LoadBalancerId`, `ListenerId` required; `DomainId` and `LocationId` unless `QueryType` is `all`; `BackendSet` of `L7Backend` (`InstanceId` is the IP for `BindType` 1) |
//! | `DescribeL4Backends` | `LoadBalancerId`, `ListenerId` required; `BackendSet` of `L4Backend` (`ProbePort` -1) |
//! | `BindL7Backends` / `BindL4Backends` | the scope, `BackendSet` (1–255 `{Port 1–65535, InstanceId, Weight 0–100}`, every field required), `BindType` 0, 1 or 2; a host port already bound `InvalidParameter` (*chosen*); more than 255 host ports on the location/listener `InvalidParameter` |
//! | `UnbindL7Backends` / `UnbindL4Backends` | the scope, `BackendSet` of `{Port, InstanceId}`, `BindType`; a binding not there `ResourceNotFound` (*chosen*) |
//! | `ModifyL7BackendWeight` / `ModifyL4BackendWeight` | the scope, `InstanceId`, `Port`, `Weight`, `BindType` |
//! | `ModifyL7BackendPort` / `ModifyL4BackendPort` | the scope, `InstanceId`, `Port`, `NewPort`, `BindType`; the new port taken `InvalidParameter` |
//! | `DescribeLoadBalancerTaskResult` | `TaskId`: `Status` 2 while the task runs, then 0 (or 1 for a task armed to fail) |
//!
//! An unknown load balancer, listener or location is `ResourceNotFound`; a write while
//! a task of the load balancer runs `ResourceInUse` (*chosen*: BMLB has no
//! `ResourceInOperating`); a `BindType` that differs from the binding's
//! `InvalidParameter`. Writes answer `TaskId` (`"<n>LBTASKID"`).

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::clb_write::{int_in, need, text};
use super::ApiError;
use crate::fleet::BmlbBinding;
use crate::state::{lock, AppState};
use crate::tencent::store::TencentStore;

type Params = Map<String, Value>;
type Answer = Result<Map<String, Value>, ApiError>;

/// The BMLB version served.
pub const BMLB_VERSION: &str = "2018-06-25";
/// Host ports per layer-7 location or layer-4 listener.
pub const MAX_BINDINGS: usize = 255;

/// Serves `action`.
pub(crate) fn dispatch(state: &AppState, action: &str, p: &Params) -> Answer {
    let layer7 = action.contains("L7");
    match action {
        "DescribeL7Backends" | "DescribeL4Backends" => describe(state, p, layer7),
        "BindL7Backends"
        | "BindL4Backends"
        | "UnbindL7Backends"
        | "UnbindL4Backends"
        | "ModifyL7BackendWeight"
        | "ModifyL4BackendWeight"
        | "ModifyL7BackendPort"
        | "ModifyL4BackendPort" => write(state, action, p, layer7),
        "DescribeLoadBalancerTaskResult" => task_result(state, p),
        other => Err(ApiError::new(
            "InvalidAction",
            format!("the action {other} is not served by the emulator's BMLB"),
        )),
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn not_found(what: String) -> ApiError {
    ApiError::new("ResourceNotFound", what)
}

/// The bindings of the scope `p` names.
fn bindings<'a>(
    store: &'a mut TencentStore,
    p: &Params,
    layer7: bool,
) -> Result<&'a mut Vec<BmlbBinding>, ApiError> {
    let lb = need(p, "LoadBalancerId")?.to_string();
    let listener = need(p, "ListenerId")?.to_string();
    if !store.bmlb_lbs.contains(&lb) {
        return Err(not_found(format!("load balancer {lb} does not exist")));
    }
    if layer7 {
        let domain = need(p, "DomainId")?.to_string();
        let location = need(p, "LocationId")?.to_string();
        store
            .bmlb
            .get_mut(&[lb.clone(), listener.clone(), domain, location.clone()])
            .map(|l| &mut l.bindings)
            .ok_or_else(|| {
                not_found(format!(
                    "location {location} of listener {listener} of {lb} does not exist"
                ))
            })
    } else {
        store
            .bmlb4
            .get_mut(&(lb.clone(), listener.clone()))
            .map(|l| &mut l.bindings)
            .ok_or_else(|| {
                not_found(format!(
                    "layer-4 listener {listener} of {lb} does not exist"
                ))
            })
    }
}

fn describe(state: &AppState, p: &Params, layer7: bool) -> Answer {
    let mut store = lock(&state.tencent);
    if layer7 && text(p, "QueryType")? == Some("all") {
        let lb = need(p, "LoadBalancerId")?;
        let listener = need(p, "ListenerId")?;
        let set: Vec<Value> = store
            .bmlb
            .values()
            .filter(|l| l.load_balancer_id == lb && l.listener_id == listener)
            .flat_map(|l| l.bindings.iter().map(|b| b.to_api3(true)))
            .collect();
        return Ok(obj(json!({ "BackendSet": set })));
    }
    let list = bindings(&mut store, p, layer7)?;
    let set: Vec<Value> = list.iter().map(|b| b.to_api3(layer7)).collect();
    Ok(obj(json!({ "BackendSet": set })))
}

/// `BindType` 0, 1 or 2.
fn bind_type(p: &Params) -> Result<u8, ApiError> {
    let t = int_in(p, "BindType", 0..=2)?
        .ok_or_else(|| ApiError::new("MissingParameter", "BindType is required"))?;
    Ok(u8::try_from(t).unwrap_or(0))
}

fn port_of(p: &Params, name: &str) -> Result<u16, ApiError> {
    let n = int_in(p, name, 1..=65_535)?
        .ok_or_else(|| ApiError::new("MissingParameter", format!("{name} is required")))?;
    Ok(u16::try_from(n).unwrap_or(1))
}

/// `(InstanceId, Port, Weight)` of each `BackendSet` entry.
fn backend_set(p: &Params, with_weight: bool) -> Result<Vec<(String, u16, u32)>, ApiError> {
    let list = match p.get("BackendSet") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= MAX_BINDINGS => a,
        Some(Value::Array(a)) if a.len() > MAX_BINDINGS => {
            return Err(ApiError::new(
                "InvalidParameter",
                format!("BackendSet takes at most {MAX_BINDINGS} entries"),
            ))
        }
        _ => return Err(ApiError::new("MissingParameter", "BackendSet is required")),
    };
    list.iter()
        .map(|v| {
            let Value::Object(o) = v else {
                return Err(ApiError::new(
                    "InvalidParameter",
                    "a BackendSet entry must be an object",
                ));
            };
            let weight = if with_weight {
                int_in(o, "Weight", 0..=100)?
                    .ok_or_else(|| ApiError::new("MissingParameter", "Weight is required"))?
            } else {
                0
            };
            Ok((
                need(o, "InstanceId")?.to_string(),
                port_of(o, "Port")?,
                u32::try_from(weight).unwrap_or(0),
            ))
        })
        .collect()
}

/// The binding of `InstanceId` on `port` with `bind_type`.
fn find<'a>(
    list: &'a mut [BmlbBinding],
    instance: &str,
    port: u16,
    bind_type: u8,
) -> Result<&'a mut BmlbBinding, ApiError> {
    let b = list
        .iter_mut()
        .find(|b| b.instance_id3() == instance && b.rs_port == port)
        .ok_or_else(|| not_found(format!("{instance}:{port} is not bound here")))?;
    if b.bind_type != bind_type {
        return Err(ApiError::new(
            "InvalidParameter",
            format!(
                "{instance}:{port} is bound with BindType {}, not {bind_type}",
                b.bind_type
            ),
        ));
    }
    Ok(b)
}

fn write(state: &AppState, action: &str, p: &Params, layer7: bool) -> Answer {
    let lb_id = need(p, "LoadBalancerId")?.to_string();
    let bt = bind_type(p)?;
    let now = Instant::now();
    let mut guard = lock(&state.tencent);
    let store = &mut *guard;
    if store
        .tasks
        .values()
        .any(|t| t.load_balancer_id == lb_id && t.done_at > now)
    {
        return Err(ApiError::new(
            "ResourceInUse",
            format!("load balancer {lb_id} is processing another task, please try later"),
        ));
    }
    let failing = !store.fail_next_tasks.is_empty();
    let list = bindings(store, p, layer7)?;
    let before = list.clone();
    if action.starts_with("Bind") {
        let set = backend_set(p, true)?;
        if list.len() + set.len() > MAX_BINDINGS {
            return Err(ApiError::new(
                "InvalidParameter",
                format!("at most {MAX_BINDINGS} host ports may be bound here"),
            ));
        }
        for (instance, port, weight) in &set {
            if list
                .iter()
                .any(|b| b.instance_id3() == instance && b.rs_port == *port)
            {
                return Err(ApiError::new(
                    "InvalidParameter",
                    format!("{instance}:{port} is already bound"),
                ));
            }
            if bt == 1 && instance.parse::<std::net::IpAddr>().is_err() {
                return Err(ApiError::new(
                    "InvalidParameter",
                    format!("BindType 1 binds a VM by IP: {instance} is not an IP"),
                ));
            }
            let mut b = if bt == 1 {
                BmlbBinding::vm_ip(instance.clone(), *port)
            } else {
                let ip = super::clb_write::address_of(
                    &crate::fleet::Clb3LoadBalancer::default(),
                    instance,
                );
                let mut b = BmlbBinding::host(instance.clone(), ip, *port);
                b.bind_type = bt;
                b
            };
            b.weight = *weight;
            list.push(b);
        }
    } else if action.starts_with("Unbind") {
        let set = backend_set(p, false)?;
        for (instance, port, _) in &set {
            find(list, instance, *port, bt)?;
        }
        list.retain(|b| {
            !set.iter()
                .any(|(i, port, _)| b.instance_id3() == i && b.rs_port == *port)
        });
    } else {
        let instance = need(p, "InstanceId")?.to_string();
        let port = port_of(p, "Port")?;
        if action.ends_with("Weight") {
            let w = int_in(p, "Weight", 0..=100)?
                .ok_or_else(|| ApiError::new("MissingParameter", "Weight is required"))?;
            find(list, &instance, port, bt)?.weight = u32::try_from(w).unwrap_or(0);
        } else {
            let new = port_of(p, "NewPort")?;
            if new != port
                && list
                    .iter()
                    .any(|b| b.instance_id3() == instance && b.rs_port == new)
            {
                return Err(ApiError::new(
                    "InvalidParameter",
                    format!("{instance}:{new} is already bound"),
                ));
            }
            find(list, &instance, port, bt)?.rs_port = new;
        }
    }
    if failing {
        *list = before;
    }
    store.task_counter += 1;
    let task_id = format!("{}LBTASKID", 100_000 + store.task_counter);
    super::clb_write::start_task(store, &lb_id, None, &task_id, now);
    Ok(obj(json!({ "TaskId": task_id })))
}

fn task_result(state: &AppState, p: &Params) -> Answer {
    let id = need(p, "TaskId")?;
    let store = lock(&state.tencent);
    let task = store
        .tasks
        .get(id)
        .ok_or_else(|| ApiError::new("InvalidParameter", format!("task {id} not found")))?;
    let status = match (&task.failure, task.done_at > Instant::now()) {
        (_, true) => 2,
        (Some(_), false) => 1,
        (None, false) => 0,
    };
    Ok(obj(json!({ "Status": status })))
}
