//! Many targets at once on a standard CLB (spec b.7–b.9): `BatchRegisterTargets` and
//! `BatchDeregisterTargets` (at most 500 targets per call: more are split into several
//! calls) and `BatchModifyTargetWeight` (at most 100 rules of at most 50 targets, 500
//! targets per call). Each call is a task polled with `DescribeTaskStatus` (the docs
//! call only the weight batch asynchronous; Tencent's own controllers poll the other
//! two, and so does this), under the load balancer's write lock.
//!
//! **Partial failure.** `BatchRegisterTargets` and `BatchDeregisterTargets` may
//! succeed for some listeners and fail for others under HTTP 200: the listeners that
//! failed are in `FailListenerIdSet`, the reason in `Message`. Every target on such a
//! listener gets its own error (kind [`Service`](ErrorKind::Service), code
//! `FailedOperation`, naming the listener and the cloud's message); the others
//! succeed. A call that fails as a whole (or whose task fails) fails every target it
//! carried. After the calls, one listing checks the result: a target reported
//! written but not listed (or not gone) is an error, never a silent success.
//!
//! What needs no call: a target already bound (add) or already absent (remove) is
//! `unchanged`; a backend id outside the target or a change the provider refuses is
//! an error in its place, before anything is sent.

use std::collections::{HashMap, HashSet};

use lb_backends_core::{
    Backend, BackendProvider, BatchOutcome, Error, ErrorKind, NewBackend, ResourceId, Result,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{id::BackendId, model, write, ClbV3Provider};
use crate::client::Service;

/// Targets per `BatchRegisterTargets` / `BatchDeregisterTargets` call.
pub const MAX_BATCH_TARGETS: usize = 500;
/// `BatchModifyTargetWeight`: rules per call.
pub const MAX_WEIGHT_RULES: usize = 100;
/// `BatchModifyTargetWeight`: targets per rule.
pub const MAX_TARGETS_PER_RULE: usize = 50;

/// Where a target is bound on a standard CLB: a layer-4 listener, or a layer-7
/// listener's rule.
///
/// ```
/// use lb_backends_tencent::v3::clb::Placement;
/// let rule = Placement::rule("lbl-http0001", "loc-rule0001");
/// assert_eq!(rule.location_id.as_deref(), Some("loc-rule0001"));
/// assert!(Placement::listener("lbl-tcp00001").location_id.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Placement {
    /// `lbl-...`.
    pub listener_id: String,
    /// `loc-...` on a layer-7 listener.
    pub location_id: Option<String>,
}

impl Placement {
    /// A layer-4 listener.
    pub fn listener(listener_id: impl Into<String>) -> Self {
        Self {
            listener_id: listener_id.into(),
            location_id: None,
        }
    }

    /// A layer-7 rule.
    pub fn rule(listener_id: impl Into<String>, location_id: impl Into<String>) -> Self {
        Self {
            listener_id: listener_id.into(),
            location_id: Some(location_id.into()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct BatchAnswer {
    #[serde(
        default,
        rename = "FailListenerIdSet",
        deserialize_with = "lb_backends_core::lenient::list"
    )]
    failed: Vec<String>,
    #[serde(
        default,
        rename = "Message",
        deserialize_with = "lb_backends_core::lenient::opt"
    )]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Nothing {}

/// The same error again, for each target of a call that failed as a whole.
pub(super) fn replica(e: &Error) -> Error {
    let mut r = Error::new(e.kind(), e.message()).with_retryable(e.is_retryable());
    if let Some(c) = e.code() {
        r = r.with_code(c);
    }
    if let Some(id) = e.request_id() {
        r = r.with_request_id(id);
    }
    r
}

pub(super) fn batch_target(id: &BackendId, weight: Option<u16>) -> Value {
    let mut t = json!({ "ListenerId": id.listener_id, "Port": id.port });
    if id.target.starts_with("ins-") {
        t["InstanceId"] = json!(id.target);
    } else {
        t["EniIp"] = json!(id.target);
    }
    if let Some(loc) = &id.location_id {
        t["LocationId"] = json!(loc);
    }
    if let Some(w) = weight {
        t["Weight"] = json!(w);
    }
    t
}

impl ClbV3Provider {
    /// The listeners of the target's scope as `DescribeTargets` answers them.
    async fn scope_listeners(&self) -> Result<Vec<model::Listener>> {
        let mut ask = json!({ "LoadBalancerId": self.load_balancer_id.as_str() });
        if let Some(l) = &self.listener_id {
            ask["ListenerIds"] = json!([l.as_str()]);
        }
        let targets: model::Targets = self
            .client
            .call_v3(Service::Clb, "DescribeTargets", &ask, true)
            .await?;
        Ok(targets.listeners.iter().map(model::fields).collect())
    }

    /// The ids bound in the target's scope, from one `DescribeTargets`.
    pub(super) async fn bound_ids(&self) -> Result<HashSet<String>> {
        let listeners = self.scope_listeners().await?;
        let index = model::HealthIndex::new();
        let lb = self.load_balancer_id.as_str();
        let mut ids = HashSet::new();
        for listener in &listeners {
            let mut take = |rule: Option<&model::Rule>, records: &[Value]| {
                for r in records {
                    let place = model::Place {
                        load_balancer_id: lb,
                        listener,
                        rule,
                    };
                    if let Some(b) = model::standard_backend(&place, r.clone(), &index) {
                        ids.insert(b.id);
                    }
                }
            };
            if listener.is_layer7() {
                for r in &listener.rules {
                    let rule: model::Rule = model::fields(r);
                    take(Some(&rule), &rule.targets);
                }
            } else {
                take(None, &listener.targets);
            }
        }
        Ok(ids)
    }

    /// The place is a listener (layer 4) or a rule (layer 7) of the target's scope.
    fn check_placement(&self, place: &Placement, listeners: &[model::Listener]) -> Result<()> {
        let lb = self.load_balancer_id.as_str();
        if self
            .listener_id
            .as_ref()
            .is_some_and(|l| l.as_str() != place.listener_id)
            || self
                .location_id
                .as_ref()
                .is_some_and(|l| Some(l.as_str()) != place.location_id.as_deref())
        {
            return Err(Error::invalid_input(format!(
                "{}{} is outside {}",
                place.listener_id,
                place
                    .location_id
                    .as_deref()
                    .map(|l| format!("/{l}"))
                    .unwrap_or_default(),
                self.target
            )));
        }
        let listener = listeners
            .iter()
            .find(|l| l.id.as_deref() == Some(place.listener_id.as_str()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "listener {} is not a listener of load balancer {lb}",
                        place.listener_id
                    ),
                )
            })?;
        match (&place.location_id, listener.is_layer7()) {
            (None, false) => Ok(()),
            (Some(loc), true) => {
                let found = listener.rules.iter().any(|r| {
                    model::fields::<model::Rule>(r).location_id.as_deref() == Some(loc.as_str())
                });
                if found {
                    Ok(())
                } else {
                    Err(Error::new(
                        ErrorKind::NotFound,
                        format!("rule {loc} is not a rule of listener {}", place.listener_id),
                    ))
                }
            }
            (Some(_), false) => Err(Error::invalid_input(format!(
                "listener {} is layer 4: it has no rules",
                place.listener_id
            ))),
            (None, true) => Err(Error::invalid_input(format!(
                "listener {} is layer 7: name one of its rules",
                place.listener_id
            ))),
        }
    }

    /// Send `BatchRegisterTargets` / `BatchDeregisterTargets` for `items` (id and
    /// weight) in calls of at most 500, each waited for; one result per item.
    async fn send_batches(
        &self,
        action: &'static str,
        items: &[(BackendId, Option<u16>)],
    ) -> Vec<Result<()>> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_BATCH_TARGETS) {
            let targets: Vec<Value> = chunk.iter().map(|(id, w)| batch_target(id, *w)).collect();
            let body = json!({
                "LoadBalancerId": self.load_balancer_id.as_str(),
                "Targets": targets,
            });
            match self.write_task::<BatchAnswer>(action, body).await {
                Ok(answer) => {
                    let failed: HashSet<&str> = answer.failed.iter().map(String::as_str).collect();
                    for (id, _) in chunk {
                        out.push(if failed.contains(id.listener_id.as_str()) {
                            Err(Error::new(
                                ErrorKind::Service,
                                format!(
                                    "{action} failed on listener {}: {}",
                                    id.listener_id,
                                    answer.message.as_deref().unwrap_or("(no message)")
                                ),
                            )
                            .with_code("FailedOperation"))
                        } else {
                            Ok(())
                        });
                    }
                }
                // The answer was lost: the listing after the calls decides.
                Err(e) if super::write::answer_lost(&e) => {
                    tracing::info!(action, "a batch whose answer was lost: the listing decides");
                    out.extend(chunk.iter().map(|_| Ok(())));
                }
                Err(e) => out.extend(chunk.iter().map(|_| Err(replica(&e)))),
            }
        }
        out
    }

    /// Register `items` (each at its own place: a listener or a rule of the target)
    /// with `BatchRegisterTargets`, 500 per call: one result per item, in order. A
    /// target already bound there is `unchanged`; a listener in `FailListenerIdSet`
    /// fails exactly its items.
    ///
    /// ```no_run
    /// use lb_backends_core::{NewBackend, Port};
    /// use lb_backends_tencent::v3::clb::{ClbV3Provider, Placement};
    /// # async fn demo(clb: ClbV3Provider) -> lb_backends_core::Result<()> {
    /// let items = vec![
    ///     (Placement::listener("lbl-tcp00001"), NewBackend::new("10.0.0.5".parse().unwrap(), Port::new(80)?)),
    ///     (Placement::rule("lbl-http0001", "loc-rule0001"), NewBackend::new("10.0.0.6".parse().unwrap(), Port::new(80)?)),
    /// ];
    /// for result in clb.register_many(&items).await {
    ///     println!("{:?}", result.map(|o| o.value.id));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn register_many(
        &self,
        items: &[(Placement, NewBackend)],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        let mut out: Vec<Option<Result<BatchOutcome<Backend>>>> =
            items.iter().map(|_| None).collect();
        let mut ids: Vec<Option<BackendId>> = Vec::with_capacity(items.len());
        for (i, (place, spec)) in items.iter().enumerate() {
            match self.check_add(spec).and_then(|()| write::check_spec(spec)) {
                Ok(()) => ids.push(Some(BackendId::new(
                    place.listener_id.clone(),
                    place.location_id.clone(),
                    spec.place(),
                    spec.port.get(),
                ))),
                Err(e) => {
                    out[i] = Some(Err(e));
                    ids.push(None);
                }
            }
        }
        let prepared = async {
            if self.kind().await? == super::LbKind::Classic {
                return Err(Error::unsupported(
                    "tencent-clb (API 3.0, classic CLB)",
                    "batch calls (classic CLBs take one call per backend)",
                ));
            }
            let listeners = self.scope_listeners().await?;
            let bound = self.bound_ids().await?;
            Ok((listeners, bound))
        };
        let (listeners, bound) = match prepared.await {
            Ok(x) => x,
            Err(e) => {
                return out
                    .into_iter()
                    .map(|o| o.unwrap_or_else(|| Err(replica(&e))))
                    .collect()
            }
        };
        let mut send = Vec::new();
        let mut sent_at = Vec::new();
        let mut unchanged = Vec::new();
        let mut in_batch = HashSet::new();
        for (i, ((place, spec), id)) in items.iter().zip(&ids).enumerate() {
            let Some(id) = id else { continue };
            if let Err(e) = self.check_placement(place, &listeners) {
                out[i] = Some(Err(e));
            } else if bound.contains(&id.to_string()) {
                unchanged.push(i);
            } else if !in_batch.insert(id.to_string()) {
                out[i] = Some(Err(Error::invalid_input(format!(
                    "{id} is in the batch twice"
                ))));
            } else {
                send.push((id.clone(), spec.weight.map(|w| w.get())));
                sent_at.push(i);
            }
        }
        let results = self.send_batches("BatchRegisterTargets", &send).await;
        let listed = self.listed_by_id().await;
        for (i, r) in sent_at.into_iter().zip(results) {
            out[i] = Some(r.and_then(|()| {
                let id = ids[i].as_ref().map(ToString::to_string).unwrap_or_default();
                found(&listed, &id, "BatchRegisterTargets reported it bound")
                    .map(BatchOutcome::changed)
            }));
        }
        for i in unchanged {
            let id = ids[i].as_ref().map(ToString::to_string).unwrap_or_default();
            out[i] = Some(found(&listed, &id, "it was bound").map(BatchOutcome::unchanged));
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Error::invalid_input("not processed"))))
            .collect()
    }

    /// Every backend of the scope by id, or the listing's error.
    pub(super) async fn listed_by_id(
        &self,
    ) -> std::result::Result<HashMap<String, Backend>, Error> {
        Ok(self
            .fetch()
            .await?
            .into_iter()
            .map(|b| (b.id.clone(), b))
            .collect())
    }

    pub(crate) async fn add_many_impl(
        &self,
        specs: &[NewBackend],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        if matches!(self.kind().await, Ok(super::LbKind::Classic)) {
            let mut out = Vec::with_capacity(specs.len());
            for spec in specs {
                out.push(self.add(spec).await.map(BatchOutcome::changed));
            }
            return out;
        }
        // Every spec of `add_many` goes to the target's one place.
        let place = match self.place().await {
            Ok((listener, location)) => Placement {
                listener_id: listener,
                location_id: location,
            },
            Err(e) => return specs.iter().map(|_| Err(replica(&e))).collect(),
        };
        let items: Vec<(Placement, NewBackend)> =
            specs.iter().map(|s| (place.clone(), s.clone())).collect();
        self.register_many(&items).await
    }

    pub(crate) async fn remove_many_impl(
        &self,
        ids: &[ResourceId],
    ) -> Vec<Result<BatchOutcome<ResourceId>>> {
        if matches!(self.kind().await, Ok(super::LbKind::Classic)) {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(match self.remove(id).await {
                    Ok(()) => Ok(BatchOutcome::changed(id.clone())),
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        Ok(BatchOutcome::unchanged(id.clone()))
                    }
                    Err(e) => Err(e),
                });
            }
            return out;
        }
        let mut out: Vec<Option<Result<BatchOutcome<ResourceId>>>> =
            ids.iter().map(|_| None).collect();
        let parsed: Vec<Option<BackendId>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| match self.backend_id(id) {
                Ok(p) => Some(p),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    // Outside the target: not among its backends, so already gone here.
                    out[i] = Some(Ok(BatchOutcome::unchanged(id.clone())));
                    None
                }
                Err(e) => {
                    out[i] = Some(Err(e));
                    None
                }
            })
            .collect();
        let bound = match self.bound_ids().await {
            Ok(b) => b,
            Err(e) => {
                return out
                    .into_iter()
                    .map(|o| o.unwrap_or_else(|| Err(replica(&e))))
                    .collect()
            }
        };
        let mut send = Vec::new();
        let mut sent_at = Vec::new();
        let mut in_batch = HashSet::new();
        for (i, p) in parsed.iter().enumerate() {
            let Some(p) = p else { continue };
            let text = p.to_string();
            if !bound.contains(&text) || !in_batch.insert(text) {
                out[i] = Some(Ok(BatchOutcome::unchanged(ids[i].clone())));
            } else {
                send.push((p.clone(), None));
                sent_at.push(i);
            }
        }
        let results = self.send_batches("BatchDeregisterTargets", &send).await;
        let still = self.bound_ids().await;
        for (i, r) in sent_at.into_iter().zip(results) {
            let text = parsed[i]
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            out[i] = Some(r.and_then(|()| match &still {
                Ok(still) if still.contains(&text) => Err(Error::new(
                    ErrorKind::Service,
                    format!(
                        "BatchDeregisterTargets reported {text} unbound, but it is still listed"
                    ),
                )),
                Ok(_) => Ok(BatchOutcome::changed(ids[i].clone())),
                Err(e) => Err(replica(e).context(format!("checking that {text} is gone"))),
            }));
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Error::invalid_input("not processed"))))
            .collect()
    }
}

pub(super) fn found(
    listed: &std::result::Result<HashMap<String, Backend>, Error>,
    id: &str,
    claim: &str,
) -> Result<Backend> {
    match listed {
        Ok(map) => map.get(id).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::Service,
                format!("{claim}, but {id} is not listed"),
            )
        }),
        Err(e) => Err(replica(e).context(format!("reading back {id}"))),
    }
}
