//! Writes to a standard CLB on API 3.0: `RegisterTargets` (add, by address as
//! `EniIp` or by CVM as `InstanceId`), `ModifyTargetWeight` and `ModifyTargetPort`
//! (update), `DeregisterTargets` (remove); batches are in `batch`, classic CLBs in
//! `classic`. Every write
//! is an asynchronous task: the call returns its `RequestId`, which is polled with
//! `DescribeTaskStatus` until `Status` is 0 (done) or 1 (failed: a typed error carrying
//! the task's id and message), within a bounded time.
//!
//! A write must name exactly one place: a layer-4 listener
//! (`tencent-clb:LB/LISTENER`) or a layer-7 rule (`tencent-clb:LB/LISTENER/LOCATION`)
//! for `add`; `update` and `remove` take the place from the backend id. A scope that
//! does not name one place is refused before any write is sent, naming the listeners
//! or rules to choose from. `FailedOperation.ResourceInOperating` (another task on the
//! load balancer, e.g. from another process) is retried by the transport with
//! backoff: the write was not applied. Within one process (clients cloned from one
//! `TencentClient`), writes to one load balancer are serialised.

use lb_backends_core::{Backend, BackendUpdate, Error, ErrorKind, NewBackend, ResourceId, Result};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Map, Value};

use super::{id::BackendId, model, BackendProvider, ClbV3Provider, LbKind};
use crate::client::Service;

pub use crate::v3::task::TASK_TIMEOUT;

/// Whether the write that failed with `e` may have been applied without its answer
/// reaching us (a failed task was answered: it is not that).
pub(crate) fn answer_lost(e: &Error) -> bool {
    crate::applied_once::answer_lost(e) && !e.is_retryable_refusal()
}

/// Refusals that say the write was not applied.
trait Refusal {
    fn is_retryable_refusal(&self) -> bool;
}

impl Refusal for Error {
    fn is_retryable_refusal(&self) -> bool {
        matches!(
            self.code(),
            Some("FailedOperation.ResourceInOperating" | "FailedOperation.ResourceInCloning")
        )
    }
}

/// The `RequestId` of a write: its task id.
#[derive(Debug, Deserialize)]
struct Written {}

impl ClbV3Provider {
    /// Send a write and wait for its task. The `RequestId` comes back through the
    /// envelope; `call_v3_with_id` returns it.
    pub(crate) async fn write_and_wait(&self, action: &'static str, body: Value) -> Result<()> {
        self.write_task::<Written>(action, body).await.map(|_| ())
    }

    /// [`write_and_wait`](Self::write_and_wait) of a write whose answer may be lost
    /// (a dropped connection, a 5xx: the transport does not send a non-idempotent
    /// write again on its own). Then `took_effect` re-reads the target: when the
    /// write shows, it is done (its task's end is not known: a later write to the
    /// load balancer meets `ResourceInOperating` if it still runs, and that is
    /// retried); when it does not, it is sent again, up to four times. So a write is
    /// applied once, and an error is returned only when it was not.
    pub(crate) async fn write_once<F, Fut>(
        &self,
        action: &'static str,
        body: Value,
        took_effect: F,
    ) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        crate::applied_once::write_once(
            action,
            answer_lost,
            || self.write_and_wait(action, body.clone()),
            took_effect,
        )
        .await
    }

    /// [`write_and_wait`](Self::write_and_wait), returning the write's answer (a
    /// batch call's `FailListenerIdSet` and `Message`).
    pub(crate) async fn write_task<T: DeserializeOwned + Send>(
        &self,
        action: &'static str,
        body: Value,
    ) -> Result<T> {
        // One write (and its task) at a time per load balancer in this process: the
        // cloud runs one task per load balancer and refuses the others.
        let lock = self.client.write_lock(self.load_balancer_id.as_str());
        let _turn = lock.lock().await;
        let (written, task): (T, String) = self
            .client
            .call_v3_with_id(Service::Clb, action, &body, false)
            .await?;
        self.wait_task(action, &task).await?;
        Ok(written)
    }

    /// Poll `DescribeTaskStatus` until task `task` ends.
    pub(crate) async fn wait_task(&self, action: &str, task: &str) -> Result<()> {
        crate::v3::task::wait(
            &self.client,
            Service::Clb,
            "DescribeTaskStatus",
            task,
            action,
        )
        .await
    }

    /// The listener (and rule) a write on this target goes to, checked against the
    /// load balancer: exactly one place, or an error naming the choices.
    pub(crate) async fn place(&self) -> Result<(String, Option<String>)> {
        let lb = self.load_balancer_id.as_str();
        if self.kind().await? == LbKind::Classic {
            return Err(Error::unsupported(
                "tencent-clb (API 3.0, classic CLB)",
                "writing a classic CLB's backends",
            ));
        }
        let mut ask = json!({ "LoadBalancerId": lb });
        if let Some(l) = &self.listener_id {
            ask["ListenerIds"] = json!([l.as_str()]);
        }
        let targets: model::Targets = self
            .client
            .call_v3(Service::Clb, "DescribeTargets", &ask, true)
            .await?;
        let listeners: Vec<model::Listener> = targets.listeners.iter().map(model::fields).collect();
        let Some(want) = &self.listener_id else {
            let names: Vec<String> = listeners
                .iter()
                .filter_map(|l| {
                    Some(format!(
                        "{} ({} {})",
                        l.id.as_deref()?,
                        l.protocol.as_deref().unwrap_or("?"),
                        l.port.unwrap_or(0)
                    ))
                })
                .collect();
            return Err(Error::invalid_input(format!(
                "tencent-clb:{lb} names a whole load balancer: add to one listener \
                 (tencent-clb:{lb}/LISTENER_ID) or one layer-7 rule; listeners: {}",
                names.join(", ")
            )));
        };
        let listener = listeners
            .iter()
            .find(|l| l.id.as_deref() == Some(want.as_str()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("listener {want} is not a listener of load balancer {lb}"),
                )
            })?;
        match (&self.location_id, listener.is_layer7()) {
            (None, false) => Ok((want.to_string(), None)),
            (Some(loc), true) => Ok((want.to_string(), Some(loc.to_string()))),
            (Some(_), false) => Err(Error::invalid_input(format!(
                "listener {want} is layer 4: it has no rules; use tencent-clb:{lb}/{want}"
            ))),
            (None, true) => {
                let rules: Vec<String> = listener
                    .rules
                    .iter()
                    .map(model::fields::<model::Rule>)
                    .filter_map(|r| {
                        Some(format!(
                            "{} ({}{})",
                            r.location_id?,
                            r.domain.unwrap_or_default(),
                            r.url.unwrap_or_default()
                        ))
                    })
                    .collect();
                Err(Error::invalid_input(format!(
                    "listener {want} is layer 7: add to one of its rules \
                     (tencent-clb:{lb}/{want}/LOCATION_ID); rules: {}",
                    rules.join(", ")
                )))
            }
        }
    }

    /// The parsed id of a backend to change, checked against the target's scope.
    pub(crate) fn backend_id(&self, id: &ResourceId) -> Result<BackendId> {
        let parsed: BackendId = id.as_str().parse()?;
        let outside = self
            .listener_id
            .as_ref()
            .is_some_and(|l| l.as_str() != parsed.listener_id)
            || self
                .location_id
                .as_ref()
                .is_some_and(|l| Some(l.as_str()) != parsed.location_id.as_deref());
        if outside {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("backend {id} is not among the backends of {}", self.target),
            ));
        }
        if parsed.port == 0 {
            return Err(Error::invalid_input(format!(
                "backend {id} has port 0 (a port-range binding): it cannot be changed here"
            )));
        }
        Ok(parsed)
    }

    pub(crate) fn scope_body(&self, id: &BackendId) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert(
            "LoadBalancerId".into(),
            json!(self.load_balancer_id.as_str()),
        );
        body.insert("ListenerId".into(), json!(id.listener_id));
        if let Some(loc) = &id.location_id {
            body.insert("LocationId".into(), json!(loc));
        }
        let who = if id.target.starts_with("ins-") {
            json!({"InstanceId": id.target, "Port": id.port})
        } else {
            json!({"EniIp": id.target, "Port": id.port})
        };
        body.insert("Targets".into(), json!([who]));
        body
    }

    /// What can be told about a backend id without a call: a standard-CLB id
    /// (`LISTENER[:LOCATION]:TARGET:PORT`, checked against the target's scope and
    /// its port; returned), or a classic one (`ins-...`: `None`, its load balancer's
    /// kind decides). Anything else is refused before any request.
    fn local_id_check(&self, id: &ResourceId) -> Result<Option<BackendId>> {
        let text = id.as_str();
        if text.starts_with("ins-") && !text.contains(':') {
            return Ok(None);
        }
        self.backend_id(id).map(Some)
    }

    /// Whether backend `id` is listed now.
    pub(crate) async fn is_listed(&self, id: &ResourceId) -> Result<bool> {
        match self.get(id).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn add_impl(&self, spec: &NewBackend) -> Result<Backend> {
        check_spec(spec)?;
        if self.kind().await? == LbKind::Classic {
            return self.add_classic(spec).await;
        }
        let (listener, location) = self.place().await?;
        let mut body = json!({
            "LoadBalancerId": self.load_balancer_id.as_str(),
            "ListenerId": listener,
            "Targets": [wire_target(spec)],
        });
        if let Some(loc) = &location {
            body["LocationId"] = json!(loc);
        }
        let id = BackendId::new(listener, location, spec.place(), spec.port.get());
        let rid = ResourceId::new(id.to_string())?;
        self.write_once("RegisterTargets", body, || self.is_listed(&rid))
            .await?;
        self.get(&rid).await
    }

    /// Weight (`ModifyTargetWeight`) and port (`ModifyTargetPort`), each a task; the
    /// weight first, so a change of both is two tasks and the backend returned has
    /// its new id (the port is part of it).
    pub(crate) async fn update_impl(
        &self,
        id: &ResourceId,
        change: &BackendUpdate,
    ) -> Result<Backend> {
        change.ensure_not_empty()?;
        if change.name.is_some() || change.admin_up.is_some() {
            return Err(Error::invalid_input(
                "a Tencent CLB target has no name or admin state: only its weight and port change",
            ));
        }
        let standard = self.local_id_check(id)?;
        if self.kind().await? == LbKind::Classic {
            return Err(classic_weight_unsupported());
        }
        let mut parsed = standard.map_or_else(|| self.backend_id(id), Ok)?;
        if let Some(weight) = change.weight {
            let mut body = self.scope_body(&parsed);
            body.insert("Weight".into(), json!(weight.get()));
            let now = ResourceId::new(parsed.to_string())?;
            self.write_once("ModifyTargetWeight", Value::Object(body), || async {
                Ok(self.get(&now).await?.weight == Some(weight.get()))
            })
            .await?;
        }
        if let Some(port) = change.port.filter(|p| p.get() != parsed.port) {
            let mut body = self.scope_body(&parsed);
            body.insert("NewPort".into(), json!(port.get()));
            let mut moved = parsed.clone();
            moved.port = port.get();
            let moved_id = ResourceId::new(moved.to_string())?;
            self.write_once("ModifyTargetPort", Value::Object(body), || {
                self.is_listed(&moved_id)
            })
            .await?;
            parsed = moved;
        }
        self.get(&ResourceId::new(parsed.to_string())?).await
    }

    pub(crate) async fn remove_impl(&self, id: &ResourceId) -> Result<()> {
        let standard = self.local_id_check(id)?;
        if self.kind().await? == LbKind::Classic {
            return self.remove_classic(id).await;
        }
        let parsed = standard.map_or_else(|| self.backend_id(id), Ok)?;
        let body = self.scope_body(&parsed);
        self.write_once("DeregisterTargets", Value::Object(body), || async {
            Ok(!self.is_listed(id).await?)
        })
        .await
    }
}

/// The checks of a new backend that need no call: no name, subnet or admin state.
pub(crate) fn check_spec(spec: &NewBackend) -> Result<()> {
    spec.check_place()?;
    if spec.name.is_some() || spec.subnet_id.is_some() || spec.admin_up.is_some() {
        return Err(Error::invalid_input(
            "a Tencent CLB target has no name, subnet or admin state: give only the \
             address or instance id, the port and the weight",
        ));
    }
    if let Some(id) = &spec.instance_id {
        if !id.as_str().starts_with("ins-") {
            return Err(Error::invalid_input(format!(
                "{id} is not a CVM instance id (ins-...)"
            )));
        }
    }
    Ok(())
}

/// A `Target` of `RegisterTargets`: `InstanceId` or `EniIp`, `Port`, `Weight`.
pub(crate) fn wire_target(spec: &NewBackend) -> Value {
    let mut target = match (&spec.instance_id, &spec.address) {
        (Some(id), _) => json!({"InstanceId": id.as_str()}),
        (None, Some(ip)) => json!({"EniIp": ip.to_string()}),
        (None, None) => json!({}),
    };
    target["Port"] = json!(spec.port.get());
    if let Some(w) = spec.weight {
        target["Weight"] = json!(w.get());
    }
    target
}

/// A classic CLB's weight cannot be changed through API 3.0 (spec b.11).
pub(crate) fn classic_weight_unsupported() -> Error {
    Error::unsupported(
        "tencent-clb (API 3.0, classic CLB)",
        "changing a backend's weight or port (API 3.0 has no such call for classic CLBs; \
         the legacy API's ModifyLoadBalancerBackends does: --tencent-api legacy)",
    )
}
