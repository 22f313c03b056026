//! Tencent CLB on API 3.0: standard CLBs (`Forward` 1: listeners, rules and
//! targets) and classic CLBs (`Forward` 0: a flat list of CVMs), told apart with
//! `DescribeLoadBalancers` (the answer is cached per load balancer in the client).
//!
//! | load balancer | list | health |
//! |---|---|---|
//! | standard | `DescribeTargets` | `DescribeTargetHealth`, joined on listener, rule (layer 7), IP and port |
//! | classic | `DescribeClassicalLBTargets` | `DescribeClassicalLBHealthStatus`, joined on IP |
//!
//! Targets: `tencent-clb:LB_ID` (every listener and rule), `tencent-clb:LB_ID/LISTENER_ID`
//! (one listener: a layer-4 listener, or every rule of a layer-7 one) and
//! `tencent-clb:LB_ID/LISTENER_ID/LOCATION_ID` (one layer-7 rule). A classic CLB is
//! `tencent-clb:LB_ID` only. Backend ids are [`BackendId`]s (standard) or the
//! `InstanceId` (classic).
//!
//! **End of a listing.** Neither `DescribeTargets` nor `DescribeClassicalLBTargets`
//! pages: one answer holds every listener asked for, whole. The end signal is that
//! answer's success envelope (a `Response` object with its `RequestId` and a
//! `Listeners` / `Targets` list); the listing is then checked against what was asked:
//! a listener or rule of the target that is missing from the answer is
//! [`NotFound`](lb_backends_core::ErrorKind::NotFound), a listener that was not asked
//! for is [`Incomplete`](lb_backends_core::ErrorKind::Incomplete), and a backend listed
//! twice is yielded once.

mod batch;
mod batch_weight;
mod classic;
mod describe;
mod id;
pub(crate) mod model;
mod write;

use std::collections::HashSet;

use async_trait::async_trait;
use lb_backends_core::{
    paging::{paginate, Page},
    provider::find_listed,
    Backend, BackendProvider, BackendStream, BackendUpdate, BatchOutcome, Capabilities, Error,
    ErrorKind, InstanceLookup, NewBackend, ResourceId, Result, Target, TargetInfo,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub use batch::{Placement, MAX_BATCH_TARGETS, MAX_TARGETS_PER_RULE, MAX_WEIGHT_RULES};
pub use id::BackendId;
pub use model::health_of;
pub use write::TASK_TIMEOUT;

use crate::client::{Service, TencentClient};
use model::{fields, HealthIndex, Place};

/// What kind of CLB a load balancer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LbKind {
    /// `Forward` 1: listeners, rules and targets.
    Standard,
    /// `Forward` 0: a flat list of CVMs.
    Classic,
}

/// The backends of a CLB load balancer, one of its listeners, or one layer-7 rule,
/// through API 3.0.
///
/// ```no_run
/// use lb_backends_core::BackendProviderExt;
/// use lb_backends_tencent::{v3::clb::ClbV3Provider, TencentApi, TencentClient};
///
/// # async fn demo() -> lb_backends_core::Result<()> {
/// let client = TencentClient::builder()
///     .region("ap-guangzhou")
///     .credentials(lb_backends_tencent::TencentCredentials::new("AKID...", "key")?)
///     .api(TencentApi::V3)
///     .build()?;
/// let clb = ClbV3Provider::for_target(client, &"tencent-clb:lb-abcdefgh/lbl-abcdefgh".parse()?)?;
/// for b in clb.collect_all().await? {
///     println!("{} {:?}:{:?} weight {:?} {:?}", b.id, b.address, b.port, b.weight, b.health);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClbV3Provider {
    client: TencentClient,
    target: Target,
    load_balancer_id: ResourceId,
    listener_id: Option<ResourceId>,
    location_id: Option<ResourceId>,
}

const DESCRIBE_LBS: &str = "DescribeLoadBalancers";
const DESCRIBE_TARGETS: &str = "DescribeTargets";
const DESCRIBE_HEALTH: &str = "DescribeTargetHealth";
const DESCRIBE_CLASSIC: &str = "DescribeClassicalLBTargets";
const DESCRIBE_CLASSIC_HEALTH: &str = "DescribeClassicalLBHealthStatus";

fn shape_error(action: &str, what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("the {action} answer has an unexpected shape: {what}"),
    )
}

/// A structural part of an answer (a listener, a rule): an object whose lists are lists.
fn structure<T: DeserializeOwned>(action: &str, v: &Value) -> Result<T> {
    if !v.is_object() {
        return Err(shape_error(
            action,
            format!("a record is {}", lb_backends_core::lenient::json_kind(v)),
        ));
    }
    serde_json::from_value(v.clone()).map_err(|e| shape_error(action, e))
}

impl ClbV3Provider {
    /// A provider for a `tencent-clb` target (any of its three forms); any other
    /// target is [`InvalidInput`](ErrorKind::InvalidInput).
    ///
    /// ```
    /// # use lb_backends_tencent::{v3::clb::ClbV3Provider, TencentApi, TencentClient, TencentCredentials};
    /// # let client = TencentClient::builder().region("gz").api(TencentApi::V3)
    /// #     .credentials(TencentCredentials::new("AKID", "key")?).build()?;
    /// let rule = ClbV3Provider::for_target(client.clone(), &"tencent-clb:lb-1/lbl-2/loc-3".parse()?)?;
    /// assert_eq!(rule.listener_id().map(|l| l.as_str()), Some("lbl-2"));
    /// assert!(ClbV3Provider::for_target(client, &"huawei-elb:pool-1".parse()?).is_err());
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn for_target(client: TencentClient, target: &Target) -> Result<Self> {
        let (lb, listener, location) = match target {
            Target::TencentClb { load_balancer_id } => (load_balancer_id.clone(), None, None),
            Target::TencentClbListener {
                load_balancer_id,
                listener_id,
                location_id,
            } => (
                load_balancer_id.clone(),
                Some(listener_id.clone()),
                location_id.clone(),
            ),
            other => {
                return Err(Error::invalid_input(format!(
                    "the Tencent CLB provider serves tencent-clb targets, not {other}"
                )))
            }
        };
        client.region_v3()?;
        Ok(Self {
            client,
            target: target.clone(),
            load_balancer_id: lb,
            listener_id: listener,
            location_id: location,
        })
    }

    /// The load balancer looked at.
    pub fn load_balancer_id(&self) -> &ResourceId {
        &self.load_balancer_id
    }

    /// The listener of the target, when it names one.
    pub fn listener_id(&self) -> Option<&ResourceId> {
        self.listener_id.as_ref()
    }

    /// The layer-7 rule of the target, when it names one.
    pub fn location_id(&self) -> Option<&ResourceId> {
        self.location_id.as_ref()
    }

    /// Whether the load balancer is a standard or a classic CLB: asked once with
    /// `DescribeLoadBalancers`, then answered from the client's cache.
    pub async fn kind(&self) -> Result<LbKind> {
        let id = self.load_balancer_id.as_str();
        if let Some(kind) = self.client.cached_lb_kind(id) {
            return Ok(kind);
        }
        let answer: model::LoadBalancers = self
            .client
            .call_v3(
                Service::Clb,
                DESCRIBE_LBS,
                &json!({"LoadBalancerIds": [id]}),
                true,
            )
            .await?;
        let mine: Vec<model::LoadBalancer> = answer
            .set
            .iter()
            .map(fields::<model::LoadBalancer>)
            .filter(|lb| lb.id.as_deref() == Some(id))
            .collect();
        let kind = match mine.as_slice() {
            [] => {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("load balancer {id} does not exist"),
                ))
            }
            [lb] => match lb.forward {
                Some(1) => LbKind::Standard,
                Some(0) => LbKind::Classic,
                other => {
                    return Err(shape_error(
                        DESCRIBE_LBS,
                        format!("{id} has Forward {other:?}, not 0 or 1"),
                    ))
                }
            },
            _ => return Err(shape_error(DESCRIBE_LBS, format!("{id} is listed twice"))),
        };
        self.client.cache_lb_kind(id, kind);
        Ok(kind)
    }

    async fn fetch(&self) -> Result<Vec<Backend>> {
        match self.kind().await? {
            LbKind::Standard => self.fetch_standard().await,
            LbKind::Classic => {
                if let Some(l) = &self.listener_id {
                    return Err(Error::invalid_input(format!(
                        "{} is a classic CLB: its backends are listed for the whole load \
                         balancer (tencent-clb:{}), not for listener {l}",
                        self.load_balancer_id, self.load_balancer_id
                    )));
                }
                self.fetch_classic().await
            }
        }
    }

    async fn fetch_standard(&self) -> Result<Vec<Backend>> {
        let lb = self.load_balancer_id.as_str();
        let mut ask = json!({ "LoadBalancerId": lb });
        let mut ask_health = json!({ "LoadBalancerIds": [lb] });
        if let Some(l) = &self.listener_id {
            ask["ListenerIds"] = json!([l.as_str()]);
            ask_health["ListenerIds"] = json!([l.as_str()]);
        }
        if let Some(loc) = &self.location_id {
            ask["Filters"] = json!([{"Name": "location-id", "Values": [loc.as_str()]}]);
            ask_health["LocationIds"] = json!([loc.as_str()]);
        }
        let targets: model::Targets = self
            .client
            .call_v3(Service::Clb, DESCRIBE_TARGETS, &ask, true)
            .await?;
        let health: model::TargetHealthAnswer = self
            .client
            .call_v3(Service::Clb, DESCRIBE_HEALTH, &ask_health, true)
            .await?;
        self.join(&targets, &health)
    }

    /// `DescribeTargets` joined with `DescribeTargetHealth`, checked against the
    /// target's scope: what a listing of a standard CLB yields (also run by the fuzz
    /// harness, `crate::fuzzing::clb3_join`).
    pub(crate) fn join(
        &self,
        targets: &model::Targets,
        health: &model::TargetHealthAnswer,
    ) -> Result<Vec<Backend>> {
        let lb = self.load_balancer_id.as_str();
        let index = health_index(health)?;
        let mut listeners = Vec::with_capacity(targets.listeners.len());
        for v in &targets.listeners {
            listeners.push(structure::<model::Listener>(DESCRIBE_TARGETS, v)?);
        }
        self.check_scope(&listeners)?;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for listener in &listeners {
            let mut push = |rule: Option<&model::Rule>, records: &[Value]| {
                for record in records {
                    let place = Place {
                        load_balancer_id: lb,
                        listener,
                        rule,
                    };
                    match model::standard_backend(&place, record.clone(), &index) {
                        Some(b) if seen.insert(b.id.clone()) => out.push(b),
                        Some(b) => {
                            tracing::warn!(id = %b.id, "a target listed twice is yielded once")
                        }
                        None => tracing::warn!(
                            listener = ?listener.id,
                            "a target with neither an InstanceId nor an address is skipped"
                        ),
                    }
                }
            };
            if listener.is_layer7() {
                for r in &listener.rules {
                    let rule: model::Rule = structure(DESCRIBE_TARGETS, r)?;
                    if self
                        .location_id
                        .as_ref()
                        .is_some_and(|loc| rule.location_id.as_deref() != Some(loc.as_str()))
                    {
                        return Err(Error::new(
                            ErrorKind::Incomplete,
                            format!(
                                "{DESCRIBE_TARGETS} answered rule {:?}, which was not asked for",
                                rule.location_id
                            ),
                        ));
                    }
                    push(Some(&rule), &rule.targets);
                }
            } else {
                push(None, &listener.targets);
            }
        }
        Ok(out)
    }

    /// The answer covers exactly the target's scope.
    fn check_scope(&self, listeners: &[model::Listener]) -> Result<()> {
        let Some(want) = &self.listener_id else {
            return Ok(());
        };
        if let Some(other) = listeners
            .iter()
            .find(|l| l.id.as_deref() != Some(want.as_str()))
        {
            return Err(Error::new(
                ErrorKind::Incomplete,
                format!(
                    "{DESCRIBE_TARGETS} answered listener {:?}, which was not asked for",
                    other.id
                ),
            ));
        }
        let Some(listener) = listeners.first() else {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "listener {want} is not a listener of load balancer {}",
                    self.load_balancer_id
                ),
            ));
        };
        if let Some(loc) = &self.location_id {
            if !listener.is_layer7() {
                return Err(Error::invalid_input(format!(
                    "listener {want} is a layer-4 ({}) listener: it has no rules, so \
                     tencent-clb:{}/{want} is the target, not .../{loc}",
                    listener.protocol.as_deref().unwrap_or("?"),
                    self.load_balancer_id
                )));
            }
            let found = listener
                .rules
                .iter()
                .any(|r| fields::<model::Rule>(r).location_id.as_deref() == Some(loc.as_str()));
            if !found {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("rule {loc} is not a rule of listener {want}"),
                ));
            }
        }
        Ok(())
    }

    async fn fetch_classic(&self) -> Result<Vec<Backend>> {
        let lb = self.load_balancer_id.as_str();
        let ask = json!({ "LoadBalancerId": lb });
        let targets: model::ClassicTargets = self
            .client
            .call_v3(Service::Clb, DESCRIBE_CLASSIC, &ask, true)
            .await?;
        let health: model::ClassicHealthAnswer = self
            .client
            .call_v3(Service::Clb, DESCRIBE_CLASSIC_HEALTH, &ask, true)
            .await?;
        let parsed: Vec<model::ClassicHealth> = health.list.iter().map(fields).collect();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for record in targets.targets {
            match model::classic_backend(lb, record, &parsed, &health.list) {
                Some(b) if seen.insert(b.id.clone()) => out.push(b),
                Some(b) => tracing::warn!(id = %b.id, "a CVM listed twice is yielded once"),
                None => tracing::warn!("a classic target without an InstanceId is skipped"),
            }
        }
        Ok(out)
    }
}

impl TencentClient {
    /// The cached kind of load balancer `id`.
    pub(crate) fn cached_lb_kind(&self, id: &str) -> Option<LbKind> {
        let cache = self
            .inner()
            .forward_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.get(id).map(|forward| match forward {
            0 => LbKind::Classic,
            _ => LbKind::Standard,
        })
    }

    /// Remember the kind of load balancer `id` (it changes only by migration).
    pub(crate) fn cache_lb_kind(&self, id: &str, kind: LbKind) {
        let mut cache = self
            .inner()
            .forward_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.insert(id.to_owned(), i64::from(kind == LbKind::Standard));
    }
}

/// Health records by (listener, location for layer 7, IP, port). A layer-4
/// listener reports through one rule; its key has no location.
fn health_index(answer: &model::TargetHealthAnswer) -> Result<HealthIndex> {
    let mut index = HealthIndex::new();
    for lb in &answer.load_balancers {
        let lb: model::LbHealth = structure(DESCRIBE_HEALTH, lb)?;
        for l in &lb.listeners {
            let l: model::ListenerHealthW = structure(DESCRIBE_HEALTH, l)?;
            let Some(listener_id) = l.id else { continue };
            for r in &l.rules {
                let r: model::RuleHealth = structure(DESCRIBE_HEALTH, r)?;
                for t in r.targets {
                    let h: model::TargetHealth = fields(&t);
                    let (Some(ip), Some(port)) = (h.ip.clone(), h.port) else {
                        continue;
                    };
                    // Keyed both ways: the rule's (layer 7) and the listener's (layer 4).
                    index.insert(
                        (listener_id.clone(), r.location_id.clone(), ip.clone(), port),
                        t.clone(),
                    );
                    index.insert((listener_id.clone(), None, ip, port), t);
                }
            }
        }
    }
    Ok(index)
}

#[async_trait]
impl BackendProvider for ClbV3Provider {
    fn target(&self) -> &Target {
        &self.target
    }

    /// A standard CLB: add (by address or instance id), weight 0–100, port, remove,
    /// native batches. A classic CLB (once its kind is known): add by instance id and
    /// remove; no update (API 3.0 has no call for a classic target's weight), no
    /// native batch.
    fn capabilities(&self) -> Capabilities {
        let classic =
            self.client.cached_lb_kind(self.load_balancer_id.as_str()) == Some(LbKind::Classic);
        Capabilities::READ_ONLY
            .with_instance_lookup(true)
            .with_writes(true)
            .with_update(!classic)
            .with_max_weight(Some(crate::listing::MAX_WEIGHT))
            .with_admin_state(false)
            .with_update_port(!classic)
            .with_add_by_instance(true)
            .with_native_batch(!classic)
    }

    /// One `DescribeTargets` (or `DescribeClassicalLBTargets`) and one health call,
    /// joined; see the module docs for the end signal.
    fn list(&self) -> BackendStream<'_> {
        paginate((), move |()| async move {
            Ok(Page {
                items: self.fetch().await?,
                next: None,
            })
        })
    }

    /// Lists the target and finds `id` (the API has no single-target call); the same
    /// id is found from any target form that covers the backend.
    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        find_listed(self.list(), id, &self.target).await
    }

    /// `RegisterTargets` of `spec.address` (as `EniIp`) or `spec.instance_id` (as
    /// `InstanceId`) on `spec.port` with its weight, on the one listener or rule of the
    /// target, then `DescribeTaskStatus` until the task ends; returns the new backend
    /// as listed. Classic CLB: `RegisterTargetsWithClassicalLB` by instance id.
    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        self.check_add(spec)?;
        self.add_impl(spec).await
    }

    /// `ModifyTargetWeight` and/or `ModifyTargetPort`, each then its task, then the
    /// backend (with its new id when the port changed). Classic CLB: `Unsupported`.
    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        self.check_update(id, change)?;
        self.update_impl(id, change).await
    }

    /// `DeregisterTargets` (classic: `DeregisterTargetsFromClassicalLB`), then the task.
    async fn remove(&self, id: &ResourceId) -> Result<()> {
        self.remove_impl(id).await
    }

    /// The load balancer (its name), the listener (name, protocol, port) or the rule
    /// (domain and URL, the listener's protocol and port).
    async fn describe(&self) -> Result<TargetInfo> {
        self.describe_impl().await
    }

    /// `BatchRegisterTargets` (500 per call) to the target's one place; see
    /// [`register_many`](Self::register_many).
    async fn add_many(&self, specs: &[NewBackend]) -> Vec<Result<BatchOutcome<Backend>>> {
        self.add_many_impl(specs).await
    }

    /// Weight-only changes through `BatchModifyTargetWeight`; the rest one by one.
    async fn update_many(
        &self,
        changes: &[(ResourceId, BackendUpdate)],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        self.update_many_impl(changes).await
    }

    /// `BatchDeregisterTargets` (500 per call); a listener in `FailListenerIdSet`
    /// fails exactly its backends.
    async fn remove_many(&self, ids: &[ResourceId]) -> Vec<Result<BatchOutcome<ResourceId>>> {
        self.remove_many_impl(ids).await
    }

    /// The CVM behind a backend, from the listing itself.
    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        Ok(InstanceLookup::from_backend(&self.get(id).await?))
    }
}

#[cfg(test)]
mod tests;
