//! The legacy (`/v2/index.php`, signature v1) classic-CLB writes (spec e), each an
//! asynchronous task:
//!
//! | action | rules (*chosen* where the service does not say) |
//! |---|---|
//! | `RegisterInstancesWithLoadBalancer` | `loadBalancerId`, `backends.N.instanceId` (0-based, at least one; the CVM's `unInstanceId`), `backends.N.weight` 0–100 (default 10); a CVM already bound: code 4000 (*chosen*) |
//! | `DeregisterInstancesFromLoadBalancer` | `loadBalancerId`, `backends.N.instanceId`; a CVM not bound: code 4000 (*chosen*) |
//! | `ModifyLoadBalancerBackends` | `loadBalancerId`, `backends.N.instanceId`, `backends.N.weight` (required) |
//! | `DescribeLoadBalancersTaskResult` | `requestId` (the write's): `data.status` 2 while the task runs, then 0 (1 for a task armed to fail) |
//!
//! An unknown load balancer is code 5000. A write answers `requestId` (an integer):
//! its task. The change is seen by API 3.0's classic view of the load balancer too.

use std::time::Instant;

use serde_json::{json, Value};

use super::api::{get, required, Failure};
use super::codes;
use super::store::TencentStore;
use crate::fleet::{Clb3LoadBalancer, ClbBackend};

type Params = [(String, String)];

/// Serves `action`.
pub(crate) fn dispatch(
    store: &mut TencentStore,
    action: &str,
    params: &Params,
) -> Result<Value, Failure> {
    if action == "DescribeLoadBalancersTaskResult" {
        let id = required(params, "requestId", codes::INVALID_PARAMETER)?;
        let task = store.tasks.get(id).ok_or_else(|| {
            Failure::new(codes::INVALID_PARAMETER, format!("task {id} not found"))
        })?;
        let status = match (&task.failure, task.done_at > Instant::now()) {
            (_, true) => 2,
            (Some(_), false) => 1,
            (None, false) => 0,
        };
        return Ok(json!({"code": 0, "message": "", "data": {"status": status}}));
    }
    let lb_id = required(params, "loadBalancerId", codes::INVALID_PARAMETER)?.to_string();
    let mut wanted = Vec::new();
    for n in 0.. {
        let Some(id) = get(params, &format!("backends.{n}.instanceId")).filter(|v| !v.is_empty())
        else {
            break;
        };
        let weight = match get(params, &format!("backends.{n}.weight")) {
            None | Some("") if action == "ModifyLoadBalancerBackends" => {
                return Err(Failure::new(
                    codes::INVALID_PARAMETER,
                    format!("missing parameter backends.{n}.weight"),
                ))
            }
            None | Some("") => None,
            Some(w) => Some(w.parse::<u32>().ok().filter(|w| *w <= 100).ok_or_else(|| {
                Failure::new(
                    codes::INVALID_PARAMETER,
                    format!("backends.{n}.weight must be 0-100"),
                )
            })?),
        };
        wanted.push((id.to_string(), weight));
    }
    if wanted.is_empty() {
        return Err(Failure::new(
            codes::INVALID_PARAMETER,
            "missing parameter backends.0.instanceId",
        ));
    }
    let now = Instant::now();
    let failing = !store.fail_next_tasks.is_empty();
    let lb = store.clb.get_mut(&lb_id).ok_or_else(|| {
        Failure::new(
            codes::RESOURCE_NOT_FOUND,
            format!("load balancer {lb_id} does not exist"),
        )
    })?;
    let bound = |lb: &crate::fleet::ClbLoadBalancer, id: &str| {
        lb.backends
            .iter()
            .any(|b| b.un_instance_id == id || b.instance_id == id)
    };
    for (id, _) in &wanted {
        let there = bound(lb, id);
        if action == "RegisterInstancesWithLoadBalancer" && there {
            return Err(Failure::new(
                codes::INVALID_PARAMETER,
                format!("{id} is already bound to {lb_id}"),
            ));
        }
        if action != "RegisterInstancesWithLoadBalancer" && !there {
            return Err(Failure::new(
                codes::INVALID_PARAMETER,
                format!("{id} is not bound to {lb_id}"),
            ));
        }
    }
    if !failing {
        match action {
            "RegisterInstancesWithLoadBalancer" => {
                for (id, weight) in &wanted {
                    let ip = super::v3::clb_write::address_of(&Clb3LoadBalancer::default(), id);
                    let mut b = ClbBackend::new(id.clone(), ip);
                    b.weight = weight.unwrap_or(10);
                    lb.backends.push(b);
                }
            }
            "DeregisterInstancesFromLoadBalancer" => lb.backends.retain(|b| {
                !wanted
                    .iter()
                    .any(|(id, _)| &b.un_instance_id == id || &b.instance_id == id)
            }),
            _ => {
                for b in &mut lb.backends {
                    if let Some((_, Some(w))) = wanted
                        .iter()
                        .find(|(id, _)| &b.un_instance_id == id || &b.instance_id == id)
                    {
                        b.weight = *w;
                    }
                }
            }
        }
        // API 3.0 serves the same load balancer as a classic CLB.
        let view = Clb3LoadBalancer::from(&*lb);
        store.clb3.insert(lb_id.clone(), view);
    }
    store.task_counter += 1;
    let request_id = 6_356_000 + store.task_counter;
    super::v3::clb_write::start_task(store, &lb_id, None, &request_id.to_string(), now);
    Ok(json!({"code": 0, "message": "", "codeDesc": "Success", "requestId": request_id}))
}
