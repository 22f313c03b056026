//! CLB (2018-03-17) single-listener writes on API 3.0, and their asynchronous tasks.
//!
//! | action | rules (*chosen* where the service does not say) |
//! |---|---|
//! | `RegisterTargets` | `LoadBalancerId`, `ListenerId`, `Targets` (1–20) required; a layer-7 listener needs `LocationId` (`Domain`+`Url` are not served, *chosen*: `InvalidParameter`), a layer-4 one refuses it (*chosen*); each target exactly one of `InstanceId` / `EniIp`, `Port` 1–65535, `Weight` 0–100 (default 10); a target already bound on that port `InvalidParameterValue.Duplicate` |
//! | `DeregisterTargets` | the same scope; every target must be bound (*chosen*: `InvalidParameter`) |
//! | `ModifyTargetWeight` | the same scope; `Weight` (top level, default 10) unless a target carries its own |
//! | `DescribeTaskStatus` | `TaskId`: `Status` 2 until the task's time has passed, then 0; an unknown id `InvalidParameter` (*chosen*) |
//!
//! A write is applied at once and answered with its `RequestId`, which is its task
//! id; the load balancer is then busy until the task ends (the task time, default
//! 200 ms: [`Emulator::set_tencent_task_delay`](crate::Emulator::set_tencent_task_delay)),
//! and any write to it meanwhile answers `FailedOperation.ResourceInOperating`. A
//! target registered by `InstanceId` gets the address the instance has elsewhere on
//! the load balancer, else one derived from its id; new targets are `Alive`.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::ApiError;
use crate::fleet::{Clb3LoadBalancer, Clb3Target};
use crate::state::{lock, AppState};
use crate::tencent::store::TencentStore;

type Params = Map<String, Value>;
type Answer = Result<Map<String, Value>, ApiError>;

/// The default task time.
pub const DEFAULT_TASK_DELAY: Duration = Duration::from_millis(200);
/// How long a newly bound target is `Unknown` before it is `Alive`, by default.
pub const DEFAULT_HEALTH_DELAY: Duration = Duration::from_millis(500);

/// One asynchronous task.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub load_balancer_id: String,
    pub done_at: Instant,
    /// `Some(message)`: the task fails (`Status` 1) and its write was not applied.
    pub failure: Option<String>,
}

pub(crate) fn text<'a>(p: &'a Params, name: &str) -> Result<Option<&'a str>, ApiError> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(Value::String(_)) => Ok(None),
        Some(_) => Err(ApiError::new(
            "InvalidParameter.FormatError",
            format!("{name} must be a string"),
        )),
    }
}

pub(crate) fn need<'a>(p: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    text(p, name)?.ok_or_else(|| ApiError::new("MissingParameter", format!("{name} is required")))
}

pub(crate) fn int_in(
    p: &Params,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, ApiError> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if range.contains(&n) => Ok(Some(n)),
            Some(_) => Err(ApiError::new(
                "InvalidParameterValue.Range",
                format!("{name} must be {}-{}", range.start(), range.end()),
            )),
            None => Err(ApiError::new(
                "InvalidParameter.FormatError",
                format!("{name} must be an integer"),
            )),
        },
    }
}

/// One entry of `Targets`.
pub(crate) struct Wanted {
    pub instance_id: Option<String>,
    pub eni_ip: Option<String>,
    pub port: u16,
    pub weight: Option<u32>,
}

fn targets(p: &Params) -> Result<Vec<Wanted>, ApiError> {
    let list = match p.get("Targets") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(ApiError::new("MissingParameter", "Targets is required"))
        }
        Some(_) => {
            return Err(ApiError::new(
                "InvalidParameter.FormatError",
                "Targets must be a list",
            ))
        }
    };
    if list.len() > 20 {
        return Err(ApiError::new(
            "InvalidParameterValue.Length",
            "Targets takes at most 20 targets",
        ));
    }
    list.iter().map(wanted).collect()
}

/// One target entry: exactly one of `InstanceId` / `EniIp`, `Port`, `Weight`.
pub(crate) fn wanted(t: &Value) -> Result<Wanted, ApiError> {
    let Value::Object(t) = t else {
        return Err(ApiError::new(
            "InvalidParameter.FormatError",
            "a target must be an object",
        ));
    };
    let instance_id = text(t, "InstanceId")?.map(str::to_string);
    let eni_ip = text(t, "EniIp")?.map(str::to_string);
    if instance_id.is_some() == eni_ip.is_some() {
        return Err(ApiError::new(
            "InvalidParameter",
            "a target needs exactly one of InstanceId and EniIp",
        ));
    }
    if eni_ip
        .as_deref()
        .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_err())
    {
        return Err(ApiError::new(
            "InvalidParameterValue",
            "EniIp must be an IP address",
        ));
    }
    let port = int_in(t, "Port", 1..=65_535)?
        .ok_or_else(|| ApiError::new("MissingParameter", "Targets.Port is required"))?;
    let weight = int_in(t, "Weight", 0..=100)?;
    Ok(Wanted {
        instance_id,
        eni_ip,
        port: u16::try_from(port).unwrap_or(1),
        weight: weight.and_then(|w| u32::try_from(w).ok()),
    })
}

pub(crate) fn matches(t: &Clb3Target, w: &Wanted) -> bool {
    t.port == w.port
        && match (&w.instance_id, &w.eni_ip) {
            (Some(id), _) => &t.instance_id == id,
            (_, Some(ip)) => t.instance_id.is_empty() && &t.private_ip == ip,
            _ => false,
        }
}

/// The targets list of the scope named by `p`, after the common checks; the busy
/// check comes first (the service refuses any write to a busy load balancer).
fn scope<'a>(
    lb: &'a mut Clb3LoadBalancer,
    p: &Params,
) -> Result<&'a mut Vec<Clb3Target>, ApiError> {
    let listener_id = need(p, "ListenerId")?;
    let location = text(p, "LocationId")?;
    let id = lb.load_balancer_id.clone();
    let listener = lb
        .listeners
        .iter_mut()
        .find(|l| l.listener_id == listener_id)
        .ok_or_else(|| {
            ApiError::new(
                "InvalidParameter.ListenerIdNotFound",
                format!("listener {listener_id} is not on {id}"),
            )
        })?;
    if listener.is_layer7() {
        let Some(loc) = location else {
            return Err(ApiError::new(
                "InvalidParameter",
                format!("listener {listener_id} is layer 7: give LocationId"),
            ));
        };
        listener
            .rules
            .iter_mut()
            .find(|r| r.location_id == loc)
            .map(|r| &mut r.targets)
            .ok_or_else(|| {
                ApiError::new(
                    "InvalidParameter.LocationNotFound",
                    format!("rule {loc} is not on listener {listener_id}"),
                )
            })
    } else if location.is_some() {
        Err(ApiError::new(
            "InvalidParameter",
            format!("listener {listener_id} is layer 4: it has no rules"),
        ))
    } else {
        Ok(&mut listener.targets)
    }
}

/// An address for a CVM: the one it has elsewhere on the load balancer, else one
/// derived from its id.
pub(crate) fn address_of(lb: &Clb3LoadBalancer, instance_id: &str) -> String {
    for l in &lb.listeners {
        for t in l
            .targets
            .iter()
            .chain(l.rules.iter().flat_map(|r| &r.targets))
        {
            if t.instance_id == instance_id {
                return t.private_ip.clone();
            }
        }
    }
    let h = instance_id
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("10.254.{}.{}", (h >> 8) % 250, h % 250 + 1)
}

/// `FailedOperation.ResourceInOperating` while a task of load balancer `lb_id` runs.
pub(crate) fn check_idle(store: &TencentStore, lb_id: &str, now: Instant) -> Result<(), ApiError> {
    if store
        .tasks
        .values()
        .any(|t| t.load_balancer_id == lb_id && t.done_at > now)
    {
        return Err(ApiError::new(
            "FailedOperation.ResourceInOperating",
            format!(
                "Loadbalancer({lb_id}) is not in normal desState, maybe some tasks are being \
                 processed, please try later."
            ),
        ));
    }
    Ok(())
}

/// Record the task of a write to `lb_id` applied on `backup` (the load balancer as it
/// was): when a failing task is armed, the write is undone and the task fails.
pub(crate) fn start_task(
    store: &mut TencentStore,
    lb_id: &str,
    backup: Option<Clb3LoadBalancer>,
    rid: &str,
    now: Instant,
) {
    let failure = store.fail_next_tasks.pop_front();
    if failure.is_some() {
        if let Some(backup) = backup {
            store.clb3.insert(lb_id.to_string(), backup);
        }
    }
    let done_at = now + store.task_delay;
    store.tasks.insert(
        rid.to_string(),
        Task {
            load_balancer_id: lb_id.to_string(),
            done_at,
            failure,
        },
    );
}

/// A standard load balancer to write, after the busy check.
pub(crate) fn standard_mut<'a>(
    store: &'a mut TencentStore,
    lb_id: &str,
    now: Instant,
) -> Result<&'a mut Clb3LoadBalancer, ApiError> {
    writable(store, lb_id, now, 1, "is a classic CLB")
}

/// A classic load balancer to write, after the busy check.
pub(crate) fn classic_mut<'a>(
    store: &'a mut TencentStore,
    lb_id: &str,
    now: Instant,
) -> Result<&'a mut Clb3LoadBalancer, ApiError> {
    writable(store, lb_id, now, 0, "is not a classic CLB")
}

/// The load balancer `lb_id` to write, after the busy check, when its `Forward` is
/// `forward`; else `UnsupportedOperation`: "`lb_id` `otherwise`".
fn writable<'a>(
    store: &'a mut TencentStore,
    lb_id: &str,
    now: Instant,
    forward: i64,
    otherwise: &str,
) -> Result<&'a mut Clb3LoadBalancer, ApiError> {
    check_idle(store, lb_id, now)?;
    let lb = store.clb3.get_mut(lb_id).ok_or_else(|| {
        ApiError::new(
            "InvalidParameter.LBIdNotFound",
            format!("LoadBalancer {lb_id} not found"),
        )
    })?;
    if lb.forward != forward {
        return Err(ApiError::new(
            "UnsupportedOperation",
            format!("{lb_id} {otherwise}"),
        ));
    }
    Ok(lb)
}

/// A newly bound target: `Unknown` until its first health checks pass.
pub(crate) fn fresh(mut t: Clb3Target, alive_at: Instant) -> Clb3Target {
    t.health_status_detail = "Unknown".into();
    t.alive_at = Some(alive_at);
    t
}

fn write(state: &AppState, action: &str, p: &Params, rid: &str) -> Answer {
    let lb_id = need(p, "LoadBalancerId")?;
    let wanted = targets(p)?;
    let top_weight = int_in(p, "Weight", 0..=100)?;
    let new_port = if action == "ModifyTargetPort" {
        let port = int_in(p, "NewPort", 1..=65_535)?
            .ok_or_else(|| ApiError::new("MissingParameter", "NewPort is required"))?;
        Some(u16::try_from(port).unwrap_or(1))
    } else {
        None
    };
    let now = Instant::now();
    let mut guard = lock(&state.tencent);
    let store = &mut *guard;
    let alive_at = now + store.health_delay;
    let lb = standard_mut(store, lb_id, now)?;
    let backup = lb.clone();
    let addresses: Vec<String> = wanted
        .iter()
        .map(|w| match (&w.instance_id, &w.eni_ip) {
            (Some(id), _) => address_of(lb, id),
            (_, Some(ip)) => ip.clone(),
            _ => String::new(),
        })
        .collect();
    let list = scope(lb, p)?;
    match action {
        "RegisterTargets" => {
            if wanted.iter().any(|w| list.iter().any(|t| matches(t, w))) {
                return Err(ApiError::new(
                    "InvalidParameterValue.Duplicate",
                    "a target is already bound on that port",
                ));
            }
            for (w, ip) in wanted.iter().zip(addresses) {
                let mut t = match &w.instance_id {
                    Some(id) => Clb3Target::cvm(id.clone(), ip, w.port),
                    None => Clb3Target::ip(ip, w.port),
                };
                t.weight = w.weight.unwrap_or(10);
                list.push(fresh(t, alive_at));
            }
        }
        _ => {
            if let Some(w) = wanted.iter().find(|w| !list.iter().any(|t| matches(t, w))) {
                return Err(ApiError::new(
                    "InvalidParameter",
                    format!(
                        "target {}:{} is not bound here",
                        w.instance_id
                            .as_deref()
                            .or(w.eni_ip.as_deref())
                            .unwrap_or("?"),
                        w.port
                    ),
                ));
            }
            if action == "DeregisterTargets" {
                list.retain(|t| !wanted.iter().any(|w| matches(t, w)));
            } else if let Some(port) = new_port {
                let clash = wanted.iter().any(|w| {
                    list.iter().any(|t| {
                        t.port == port
                            && matches(
                                t,
                                &Wanted {
                                    port,
                                    instance_id: w.instance_id.clone(),
                                    eni_ip: w.eni_ip.clone(),
                                    weight: None,
                                },
                            )
                    })
                });
                if clash {
                    return Err(ApiError::new(
                        "InvalidParameterValue.Duplicate",
                        format!("a target is already bound on port {port}"),
                    ));
                }
                for t in list.iter_mut() {
                    if wanted.iter().any(|w| matches(t, w)) {
                        t.port = port;
                    }
                }
            } else {
                for t in list.iter_mut() {
                    if let Some(w) = wanted.iter().find(|w| matches(t, w)) {
                        let weight = w.weight.or(top_weight.and_then(|w| u32::try_from(w).ok()));
                        t.weight = weight.unwrap_or(10);
                    }
                }
            }
        }
    }
    start_task(store, lb_id, Some(backup), rid, now);
    Ok(Map::new())
}

/// Serves a write or `DescribeTaskStatus`; `None` for another action.
pub(crate) fn dispatch(state: &AppState, action: &str, p: &Params, rid: &str) -> Option<Answer> {
    Some(match action {
        "RegisterTargets" | "DeregisterTargets" | "ModifyTargetWeight" | "ModifyTargetPort" => {
            write(state, action, p, rid)
        }
        "DescribeTaskStatus" => task_status(state, p),
        other => return super::clb_batch::dispatch(state, other, p, rid),
    })
}

fn task_status(state: &AppState, p: &Params) -> Answer {
    let id = need(p, "TaskId")?;
    let store = lock(&state.tencent);
    let task = store
        .tasks
        .get(id)
        .ok_or_else(|| ApiError::new("InvalidParameter", format!("task {id} not found")))?;
    let (status, message) = match (&task.failure, task.done_at > Instant::now()) {
        (_, true) => (2, String::new()),
        (Some(m), false) => (1, m.clone()),
        (None, false) => (0, String::new()),
    };
    Ok(
        match json!({
            "Status": status,
            "LoadBalancerIds": [task.load_balancer_id],
            "Message": message,
        }) {
            Value::Object(m) => m,
            _ => Map::new(),
        },
    )
}
