//! Legacy classic-CLB writes (spec e), opt-in with
//! [`ClbProvider::with_writes`](super::ClbProvider::with_writes):
//! `RegisterInstancesWithLoadBalancer` (add a CVM by its `unInstanceId`, with a
//! weight), `ModifyLoadBalancerBackends` (weight) and
//! `DeregisterInstancesFromLoadBalancer` (remove). Each answers a `requestId` (an
//! integer), polled with `DescribeLoadBalancersTaskResult` until `data.status` is 0
//! (1: a typed error naming the task). Writes to one load balancer are serialised
//! in-process. A write whose answer was lost is re-read and sent again only if it did
//! not take effect, so it is applied once. Arrays are sent 0-based (`backends.0.instanceId`), as the current
//! docs show (the older 1-based form is unconfirmed).

use lb_backends_core::{
    Backend, BackendProvider, BackendUpdate, Error, ErrorKind, NewBackend, ResourceId, Result,
};
use serde_json::Value;

use super::ClbProvider;
use crate::client::Service;

impl ClbProvider {
    /// The checks `add` makes before sending: a classic CLB binds CVMs by id.
    pub(crate) fn check_legacy_spec(&self, spec: &NewBackend) -> Result<()> {
        if spec.address.is_some() {
            return Err(Error::invalid_input(format!(
                "{} (legacy API) binds CVMs by instance id (--instance ins-...), not by address",
                self.load_balancer_id
            )));
        }
        if spec.name.is_some() || spec.subnet_id.is_some() || spec.admin_up.is_some() {
            return Err(Error::invalid_input(
                "a classic CLB backend has no name, subnet or admin state: give the instance \
                 id and the weight",
            ));
        }
        Ok(())
    }

    /// [`write_and_wait`](Self::write_and_wait), applied once: `took_effect` re-reads
    /// the load balancer when the answer is lost (see [`crate::applied_once`]).
    async fn write_once<F, Fut>(
        &self,
        action: &'static str,
        params: Vec<(&str, String)>,
        took_effect: F,
    ) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        crate::applied_once::write_once(
            action,
            crate::applied_once::answer_lost,
            || self.write_and_wait(action, params.clone()),
            took_effect,
        )
        .await
    }

    /// The backend `id` now, if listed.
    async fn listed(&self, id: &ResourceId) -> Result<Option<Backend>> {
        match self.get(id).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn write_and_wait(
        &self,
        action: &'static str,
        params: Vec<(&str, String)>,
    ) -> Result<()> {
        let lock = self
            .client
            .write_lock(&format!("legacy:{}", self.load_balancer_id));
        let _turn = lock.lock().await;
        let answer: Value = self
            .client
            .write_legacy(Service::Clb, action, &params)
            .await?;
        let task = match answer.get("requestId") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(Error::new(
                    ErrorKind::Decode,
                    format!("the {action} answer has no requestId"),
                ))
            }
        };
        let client = &self.client;
        crate::v3::task::wait_with(&task, action, || async {
            let answer: Value = client
                .describe(
                    Service::Clb,
                    "DescribeLoadBalancersTaskResult",
                    &[("requestId", task.clone())],
                )
                .await?;
            let status = answer.pointer("/data/status").and_then(Value::as_i64);
            let message = answer
                .get("message")
                .or_else(|| answer.get("msg"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            crate::v3::task::polled(status, message, &task)
        })
        .await
    }

    pub(crate) async fn add_legacy(&self, spec: &NewBackend) -> Result<Backend> {
        self.check_legacy_spec(spec)?;
        let Some(id) = &spec.instance_id else {
            return Err(Error::invalid_input("give the CVM's instance id"));
        };
        let mut params = vec![
            ("loadBalancerId", self.load_balancer_id.to_string()),
            ("backends.0.instanceId", id.to_string()),
        ];
        if let Some(w) = spec.weight {
            params.push(("backends.0.weight", w.get().to_string()));
        }
        self.write_once("RegisterInstancesWithLoadBalancer", params, || async {
            Ok(self.listed(id).await?.is_some())
        })
        .await?;
        self.get(id).await
    }

    pub(crate) async fn update_legacy(
        &self,
        id: &ResourceId,
        change: &BackendUpdate,
    ) -> Result<Backend> {
        if change.name.is_some() || change.admin_up.is_some() {
            return Err(Error::invalid_input(
                "a classic CLB backend has no name or admin state: only its weight changes",
            ));
        }
        let Some(weight) = change.weight else {
            return Err(Error::invalid_input("nothing to change"));
        };
        // ModifyLoadBalancerBackends refuses a CVM that is not bound: say NotFound.
        self.get(id).await?;
        let params = vec![
            ("loadBalancerId", self.load_balancer_id.to_string()),
            ("backends.0.instanceId", id.to_string()),
            ("backends.0.weight", weight.get().to_string()),
        ];
        self.write_once("ModifyLoadBalancerBackends", params, || async {
            Ok(self.listed(id).await?.and_then(|b| b.weight) == Some(weight.get()))
        })
        .await?;
        self.get(id).await
    }

    pub(crate) async fn remove_legacy(&self, id: &ResourceId) -> Result<()> {
        self.get(id).await?;
        let params = vec![
            ("loadBalancerId", self.load_balancer_id.to_string()),
            ("backends.0.instanceId", id.to_string()),
        ];
        self.write_once("DeregisterInstancesFromLoadBalancer", params, || async {
            Ok(self.listed(id).await?.is_none())
        })
        .await
    }
}
