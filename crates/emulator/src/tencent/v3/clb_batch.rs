//! CLB (2018-03-17) batch writes and classic-CLB writes on API 3.0, each a task like
//! the single-listener writes of [`super::clb_write`].
//!
//! | action | rules (*chosen* where the service does not say) |
//! |---|---|
//! | `BatchRegisterTargets` | `LoadBalancerId`, `Targets` (1–500 `BatchTarget`s) required; each `ListenerId` and `Port` required, exactly one of `InstanceId` / `EniIp`, `Weight` 0–100 (default 10), `LocationId` required on a layer-7 listener; a malformed entry fails the call. A listener that does not exist, a rule that does not, a target already bound, or a listener named by [`Emulator::set_tencent_failing_listeners`](crate::Emulator::set_tencent_failing_listeners) puts the listener in `FailListenerIdSet` (with `Message`), and none of its targets is bound (*chosen*); the others are |
//! | `BatchDeregisterTargets` | the same shape; a target that is not bound fails its listener (*chosen*) |
//! | `BatchModifyTargetWeight` | `ModifyList` (1–100 `RsWeightRule`s, each `Targets` 1–50, 500 in all): `ListenerId`, `LocationId` on layer 7, a target's own `Weight` else the rule's; any unknown listener, rule or target fails the whole call (`InvalidParameter`, *chosen*) |
//! | `RegisterTargetsWithClassicalLB` | `LoadBalancerId`, `Targets` (1–20, *chosen*) of `{InstanceId, Weight}`; a CVM already bound `InvalidParameterValue.Duplicate` (*chosen*); a classic CLB only |
//! | `DeregisterTargetsFromClassicalLB` | `LoadBalancerId`, `InstanceIds`; a CVM not bound `InvalidParameter` (*chosen*) |
//!
//! Every one answers its `RequestId`, which is its task (`DescribeTaskStatus`); the
//! load balancer is busy meanwhile (`FailedOperation.ResourceInOperating`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::clb_write::{
    address_of, classic_mut, fresh, int_in, matches, need, standard_mut, start_task, text, wanted,
    Wanted,
};
use super::ApiError;
use crate::fleet::{ClassicTarget, Clb3LoadBalancer, Clb3Target, ClbBackend};
use crate::state::{lock, AppState};

type Params = Map<String, Value>;
type Answer = Result<Map<String, Value>, ApiError>;

/// Serves a batch or classic write; `None` for another action.
pub(crate) fn dispatch(state: &AppState, action: &str, p: &Params, rid: &str) -> Option<Answer> {
    Some(match action {
        "BatchRegisterTargets" | "BatchDeregisterTargets" => batch(state, action, p, rid),
        "BatchModifyTargetWeight" => batch_weight(state, p, rid),
        "RegisterTargetsWithClassicalLB" => classic_register(state, p, rid),
        "DeregisterTargetsFromClassicalLB" => classic_deregister(state, p, rid),
        _ => return None,
    })
}

fn list<'a>(p: &'a Params, name: &str, max: usize) -> Result<&'a Vec<Value>, ApiError> {
    match p.get(name) {
        Some(Value::Array(a)) if a.len() > max => Err(ApiError::new(
            "InvalidParameterValue.Length",
            format!("{name} takes at most {max} entries"),
        )),
        Some(Value::Array(a)) if !a.is_empty() => Ok(a),
        Some(Value::Array(_)) | None | Some(Value::Null) => Err(ApiError::new(
            "MissingParameter",
            format!("{name} is required"),
        )),
        Some(_) => Err(ApiError::new(
            "InvalidParameter.FormatError",
            format!("{name} must be a list"),
        )),
    }
}

/// One `BatchTarget`: its place and the target.
struct Entry {
    listener_id: String,
    location_id: Option<String>,
    wanted: Wanted,
}

fn entry(v: &Value) -> Result<Entry, ApiError> {
    let w = wanted(v)?;
    let Value::Object(o) = v else {
        return Err(ApiError::new(
            "InvalidParameter.FormatError",
            "a target must be an object",
        ));
    };
    Ok(Entry {
        listener_id: need(o, "ListenerId")?.to_string(),
        location_id: text(o, "LocationId")?.map(str::to_string),
        wanted: w,
    })
}

/// The targets list at an entry's place, or why the listener fails.
fn place<'a>(
    lb: &'a mut Clb3LoadBalancer,
    listener_id: &str,
    location_id: Option<&str>,
) -> Result<&'a mut Vec<Clb3Target>, String> {
    let listener = lb
        .listeners
        .iter_mut()
        .find(|l| l.listener_id == listener_id)
        .ok_or_else(|| format!("Listener {listener_id} not exists."))?;
    match (listener.is_layer7(), location_id) {
        (true, Some(loc)) => listener
            .rules
            .iter_mut()
            .find(|r| r.location_id == loc)
            .map(|r| &mut r.targets)
            .ok_or_else(|| format!("Location {loc} not exists in listener {listener_id}.")),
        (true, None) => Err(format!(
            "Listener {listener_id} is layer 7: LocationId is required."
        )),
        (false, Some(_)) => Err(format!(
            "Listener {listener_id} is layer 4: it has no rules."
        )),
        (false, None) => Ok(&mut listener.targets),
    }
}

fn batch(state: &AppState, action: &str, p: &Params, rid: &str) -> Answer {
    let lb_id = need(p, "LoadBalancerId")?;
    let entries = list(p, "Targets", 500)?
        .iter()
        .map(entry)
        .collect::<Result<Vec<_>, _>>()?;
    let now = Instant::now();
    let mut guard = lock(&state.tencent);
    let store = &mut *guard;
    let alive_at = now + store.health_delay;
    let failing = store.failing_listeners.clone();
    let lb = standard_mut(store, lb_id, now)?;
    let backup = lb.clone();
    // Group by listener: a listener fails or succeeds as a whole.
    let mut by_listener: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for e in &entries {
        by_listener
            .entry(e.listener_id.clone())
            .or_default()
            .push(e);
    }
    let mut failed: BTreeSet<String> = BTreeSet::new();
    let mut messages = Vec::new();
    for (listener_id, group) in &by_listener {
        if failing.contains(listener_id) {
            failed.insert(listener_id.clone());
            messages.push(format!("Listener {listener_id} is not in a normal state."));
            continue;
        }
        // Check the whole group first, then apply it.
        let mut problem = None;
        let addresses: Vec<String> = group
            .iter()
            .map(|e| match (&e.wanted.instance_id, &e.wanted.eni_ip) {
                (Some(id), _) => address_of(lb, id),
                (_, Some(ip)) => ip.clone(),
                _ => String::new(),
            })
            .collect();
        for e in group {
            match place(lb, listener_id, e.location_id.as_deref()) {
                Err(m) => problem = Some(m),
                Ok(targets) => {
                    let bound = targets.iter().any(|t| matches(t, &e.wanted));
                    if action == "BatchRegisterTargets" && bound {
                        problem = Some(format!(
                            "target {}:{} is already bound on listener {listener_id}.",
                            e.wanted
                                .instance_id
                                .as_deref()
                                .or(e.wanted.eni_ip.as_deref())
                                .unwrap_or("?"),
                            e.wanted.port
                        ));
                    } else if action == "BatchDeregisterTargets" && !bound {
                        problem = Some(format!(
                            "target {}:{} is not bound on listener {listener_id}.",
                            e.wanted
                                .instance_id
                                .as_deref()
                                .or(e.wanted.eni_ip.as_deref())
                                .unwrap_or("?"),
                            e.wanted.port
                        ));
                    }
                }
            }
            if problem.is_some() {
                break;
            }
        }
        if let Some(m) = problem {
            failed.insert(listener_id.clone());
            messages.push(m);
            continue;
        }
        for (e, ip) in group.iter().zip(addresses) {
            let Ok(targets) = place(lb, listener_id, e.location_id.as_deref()) else {
                continue;
            };
            if action == "BatchRegisterTargets" {
                let mut t = match &e.wanted.instance_id {
                    Some(id) => Clb3Target::cvm(id.clone(), ip, e.wanted.port),
                    None => Clb3Target::ip(ip, e.wanted.port),
                };
                t.weight = e.wanted.weight.unwrap_or(10);
                targets.push(fresh(t, alive_at));
            } else {
                targets.retain(|t| !matches(t, &e.wanted));
            }
        }
    }
    start_task(store, lb_id, Some(backup), rid, now);
    Ok(obj(json!({
        "FailListenerIdSet": failed,
        "Message": messages.join(" "),
    })))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn batch_weight(state: &AppState, p: &Params, rid: &str) -> Answer {
    let lb_id = need(p, "LoadBalancerId")?;
    let rules = list(p, "ModifyList", 100)?;
    let mut parsed = Vec::new();
    let mut total = 0;
    for r in rules {
        let Value::Object(r) = r else {
            return Err(ApiError::new(
                "InvalidParameter.FormatError",
                "a ModifyList entry must be an object",
            ));
        };
        let listener_id = need(r, "ListenerId")?.to_string();
        let location_id = text(r, "LocationId")?.map(str::to_string);
        let weight = int_in(r, "Weight", 0..=100)?;
        let targets = list(r, "Targets", 50)?
            .iter()
            .map(wanted)
            .collect::<Result<Vec<_>, _>>()?;
        total += targets.len();
        parsed.push((listener_id, location_id, weight, targets));
    }
    if total > 500 {
        return Err(ApiError::new(
            "InvalidParameterValue.Length",
            "ModifyList takes at most 500 targets in all",
        ));
    }
    let now = Instant::now();
    let mut guard = lock(&state.tencent);
    let store = &mut *guard;
    let lb = standard_mut(store, lb_id, now)?;
    let backup = lb.clone();
    for (listener_id, location_id, weight, targets) in &parsed {
        let list = place(lb, listener_id, location_id.as_deref())
            .map_err(|m| ApiError::new("InvalidParameter", m))?;
        for w in targets {
            if !list.iter().any(|t| matches(t, w)) {
                return Err(ApiError::new(
                    "InvalidParameter",
                    format!("a target on port {} is not bound on {listener_id}", w.port),
                ));
            }
        }
        for t in list.iter_mut() {
            if let Some(w) = targets.iter().find(|w| matches(t, w)) {
                let new = w.weight.or(weight.and_then(|w| u32::try_from(w).ok()));
                t.weight = new.unwrap_or(10);
            }
        }
    }
    start_task(store, lb_id, Some(backup), rid, now);
    Ok(Map::new())
}

fn classic_register(state: &AppState, p: &Params, rid: &str) -> Answer {
    let lb_id = need(p, "LoadBalancerId")?;
    let mut wanted = Vec::new();
    for t in list(p, "Targets", 20)? {
        let Value::Object(t) = t else {
            return Err(ApiError::new(
                "InvalidParameter.FormatError",
                "a target must be an object",
            ));
        };
        let id = need(t, "InstanceId")?.to_string();
        let weight = int_in(t, "Weight", 0..=100)?;
        wanted.push((id, weight));
    }
    let now = Instant::now();
    let mut guard = lock(&state.tencent);
    let store = &mut *guard;
    let lb = classic_mut(store, lb_id, now)?;
    let backup = lb.clone();
    if let Some((id, _)) = wanted
        .iter()
        .find(|(id, _)| lb.classic_targets.iter().any(|t| &t.instance_id == id))
    {
        return Err(ApiError::new(
            "InvalidParameterValue.Duplicate",
            format!("{id} is already bound to {lb_id}"),
        ));
    }
    for (id, weight) in wanted {
        let ip = classic_address(&id);
        let mut t = ClassicTarget::new(id, ip);
        t.weight = weight.and_then(|w| u32::try_from(w).ok()).unwrap_or(10);
        lb.classic_targets.push(t);
    }
    start_task(store, lb_id, Some(backup), rid, now);
    sync_legacy(store, lb_id);
    Ok(Map::new())
}

/// A legacy-section load balancer written through API 3.0: its legacy record follows
/// (existing backends keep their legacy fields; new ones get the classic target's).
fn sync_legacy(store: &mut crate::tencent::store::TencentStore, lb_id: &str) {
    let (Some(view), Some(legacy)) = (store.clb3.get(lb_id), store.clb.get_mut(lb_id)) else {
        return;
    };
    let old = std::mem::take(&mut legacy.backends);
    legacy.backends = view
        .classic_targets
        .iter()
        .map(|t| {
            let mut b = old
                .iter()
                .find(|b| b.un_instance_id == t.instance_id)
                .cloned()
                .unwrap_or_else(|| ClbBackend::new(t.instance_id.clone(), t.private_ip.clone()));
            b.weight = t.weight;
            b
        })
        .collect();
}

/// An address for a CVM bound to a classic CLB, derived from its id.
fn classic_address(instance_id: &str) -> String {
    address_of(&Clb3LoadBalancer::default(), instance_id)
}

fn classic_deregister(state: &AppState, p: &Params, rid: &str) -> Answer {
    let lb_id = need(p, "LoadBalancerId")?;
    let ids: Vec<String> = list(p, "InstanceIds", 20)?
        .iter()
        .map(|v| {
            v.as_str().map(str::to_string).ok_or_else(|| {
                ApiError::new(
                    "InvalidParameter.FormatError",
                    "InstanceIds must be a list of strings",
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let now = Instant::now();
    let mut guard = lock(&state.tencent);
    let store = &mut *guard;
    let lb = classic_mut(store, lb_id, now)?;
    let backup = lb.clone();
    if let Some(id) = ids
        .iter()
        .find(|id| !lb.classic_targets.iter().any(|t| &t.instance_id == *id))
    {
        return Err(ApiError::new(
            "InvalidParameter",
            format!("{id} is not bound to {lb_id}"),
        ));
    }
    lb.classic_targets.retain(|t| !ids.contains(&t.instance_id));
    start_task(store, lb_id, Some(backup), rid, now);
    sync_legacy(store, lb_id);
    Ok(Map::new())
}
