//! Tencent BMLB (Black Stone) on API 3.0 (`bmlb` 2018-06-25, spec d): the hosts
//! bound to a layer-7 forwarding path (`tencent-bmlb:LB/LISTENER/DOMAIN/LOCATION`,
//! `DescribeL7Backends`) or to a layer-4 listener (`tencent-bmlb:LB/LISTENER`,
//! `DescribeL4Backends`), and their writes.
//!
//! | binding field | normalized place |
//! |---|---|
//! | `InstanceId`, `Port` | `Backend::id` as `INSTANCE_ID:PORT` (for `BindType` 1 the `InstanceId` is the VM's IP) |
//! | `BindType` 0 (`cpm-...`) / 2 | `InstanceRef` (kind `BareMetal` / `Unknown("semi-managed")`), `Alias` its name |
//! | `LanIp` | `Backend::address` |
//! | `Port`, `Weight` | `Backend::port`, `Backend::weight` |
//! | `Status` | `Backend::health`: `Alive` healthy, `Dead` unhealthy, `""` not reported; the value in `health_detail` |
//! | the whole record (`MgtIp`, `Operates`, `ProbePort`, ...) | `Backend::raw` |
//!
//! Writes (each answers a `TaskId`, polled with `DescribeLoadBalancerTaskResult`
//! until `Status` 0; 1 is a typed error naming the task):
//!
//! | operation | layer 7 | layer 4 |
//! |---|---|---|
//! | add | `BindL7Backends` | `BindL4Backends` |
//! | weight | `ModifyL7BackendWeight` | `ModifyL4BackendWeight` |
//! | port | `ModifyL7BackendPort` | `ModifyL4BackendPort` |
//! | remove | `UnbindL7Backends` | `UnbindL4Backends` |
//!
//! `BindType` of a new binding (*chosen*, the API has no other way to say it): an
//! address is 1 (a VM by IP, the IP sent as `InstanceId`); an instance id `cpm-...` is
//! 0 (a bare-metal host); any other instance id is 2 (a semi-managed host). A change
//! or removal uses the `BindType` the listing shows, so it costs one read first.
//! Writes to one load balancer are serialised in-process.

mod write;

use async_trait::async_trait;
use lb_backends_core::{
    lenient,
    paging::{paginate, Page},
    provider::find_listed,
    Backend, BackendProvider, BackendStream, BackendUpdate, Capabilities, Error, ErrorKind, Health,
    HealthDetail, InstanceKind, InstanceLookup, InstanceRef, NewBackend, ProviderKind, RawRecord,
    ResourceId, Result, Target,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{Service, TencentClient};

/// The hosts bound to one BMLB layer-7 location or layer-4 listener, through API 3.0.
///
/// ```no_run
/// use lb_backends_core::BackendProviderExt;
/// use lb_backends_tencent::{v3::bmlb::BmlbV3Provider, TencentApi, TencentClient};
///
/// # async fn demo() -> lb_backends_core::Result<()> {
/// let client = TencentClient::builder()
///     .region("ap-guangzhou")
///     .credentials(lb_backends_tencent::TencentCredentials::new("AKID...", "key")?)
///     .api(TencentApi::V3)
///     .build()?;
/// let l4 = BmlbV3Provider::for_target(client, &"tencent-bmlb:lb-abcdefgh/lbl-abcdefgh".parse()?)?;
/// for b in l4.collect_all().await? {
///     println!("{} {:?}:{:?} weight {:?}", b.id, b.address, b.port, b.weight);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BmlbV3Provider {
    client: TencentClient,
    target: Target,
    load_balancer_id: ResourceId,
    listener_id: ResourceId,
    /// Layer 7: the domain and the location.
    location: Option<(ResourceId, ResourceId)>,
}

/// One `L7Backend` / `L4Backend`, the fields used.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Binding {
    #[serde(default, rename = "BindType", deserialize_with = "lenient::opt")]
    pub bind_type: Option<i64>,
    #[serde(default, rename = "Port", deserialize_with = "lenient::opt")]
    pub port: Option<i64>,
    #[serde(default, rename = "Weight", deserialize_with = "lenient::opt")]
    pub weight: Option<i64>,
    #[serde(default, rename = "Status", deserialize_with = "lenient::opt")]
    pub status: Option<String>,
    #[serde(default, rename = "InstanceId", deserialize_with = "lenient::opt")]
    pub instance_id: Option<String>,
    #[serde(default, rename = "Alias", deserialize_with = "lenient::opt")]
    pub alias: Option<String>,
    #[serde(default, rename = "LanIp", deserialize_with = "lenient::opt")]
    pub lan_ip: Option<String>,
}

/// `DescribeL7Backends` / `DescribeL4Backends`.
#[derive(Debug, Deserialize)]
pub(crate) struct Backends {
    #[serde(rename = "BackendSet", deserialize_with = "lenient::records")]
    pub set: Vec<Value>,
}

/// A binding record as a [`Backend`] of `scope` (the target's ids, kept in `raw`);
/// `None` without an `InstanceId` or a port.
pub fn binding_backend(scope: &Value, record: Value) -> Option<Backend> {
    let b: Binding = serde_json::from_value(record.clone()).unwrap_or_default();
    let instance = b.instance_id.clone().filter(|s| !s.is_empty())?;
    let port = u16::try_from(b.port?).ok().filter(|p| *p > 0)?;
    let mut out = Backend::new(ProviderKind::TencentBmlb, format!("{instance}:{port}"));
    out.address = b
        .lan_ip
        .as_deref()
        .and_then(|ip| ip.parse().ok())
        .or_else(|| instance.parse().ok());
    out.port = Some(port);
    out.weight = crate::listing::weight(b.weight);
    out.health = match b.status.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("Alive") => Health::Healthy,
        Some(s) if s.eq_ignore_ascii_case("Dead") => Health::Unhealthy,
        None | Some("") => Health::NotReported,
        Some(s) => Health::Unknown(s.to_owned()),
    };
    out.health_detail = b
        .status
        .clone()
        .filter(|s| !s.is_empty())
        .map(|s| Box::new(HealthDetail::code(s)));
    out.instance = match b.bind_type {
        Some(1) => None,
        kind => Some(InstanceRef {
            id: instance,
            name: b.alias.clone().filter(|a| !a.is_empty()),
            kind: if kind == Some(2) {
                InstanceKind::Unknown("semi-managed".into())
            } else {
                InstanceKind::BareMetal
            },
            state: None,
        }),
    };
    out.raw = RawRecord::from_value(&json!({ "Scope": scope, "Backend": record }));
    Some(out)
}

impl BmlbV3Provider {
    /// A provider for a `tencent-bmlb` target: a layer-7 location (four ids) or a
    /// layer-4 listener (two).
    ///
    /// ```
    /// # use lb_backends_tencent::{v3::bmlb::BmlbV3Provider, TencentApi, TencentClient, TencentCredentials};
    /// # let client = TencentClient::builder().region("bj").api(TencentApi::V3)
    /// #     .credentials(TencentCredentials::new("AKID", "key")?).build()?;
    /// let l7 = BmlbV3Provider::for_target(client.clone(), &"tencent-bmlb:lb-1/lbl-2/dm-3/loc-4".parse()?)?;
    /// assert!(l7.is_layer7());
    /// let l4 = BmlbV3Provider::for_target(client.clone(), &"tencent-bmlb:lb-1/lbl-2".parse()?)?;
    /// assert!(!l4.is_layer7());
    /// assert!(BmlbV3Provider::for_target(client, &"tencent-clb:lb-1".parse()?).is_err());
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn for_target(client: TencentClient, target: &Target) -> Result<Self> {
        let (lb, listener, location) = match target {
            Target::TencentBmlb {
                load_balancer_id,
                listener_id,
                domain_id,
                location_id,
            } => (
                load_balancer_id,
                listener_id,
                Some((domain_id.clone(), location_id.clone())),
            ),
            Target::TencentBmlbListener {
                load_balancer_id,
                listener_id,
            } => (load_balancer_id, listener_id, None),
            other => {
                return Err(Error::invalid_input(format!(
                    "the Tencent BMLB provider serves tencent-bmlb targets, not {other}"
                )))
            }
        };
        client.region_v3()?;
        Ok(Self {
            client,
            target: target.clone(),
            load_balancer_id: lb.clone(),
            listener_id: listener.clone(),
            location,
        })
    }

    /// Whether the target is a layer-7 location (else a layer-4 listener).
    pub fn is_layer7(&self) -> bool {
        self.location.is_some()
    }

    /// The target's ids as the calls name them.
    fn scope(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert(
            "LoadBalancerId".into(),
            json!(self.load_balancer_id.as_str()),
        );
        m.insert("ListenerId".into(), json!(self.listener_id.as_str()));
        if let Some((domain, location)) = &self.location {
            m.insert("DomainId".into(), json!(domain.as_str()));
            m.insert("LocationId".into(), json!(location.as_str()));
        }
        m
    }

    async fn fetch(&self) -> Result<Vec<Backend>> {
        let action = if self.is_layer7() {
            "DescribeL7Backends"
        } else {
            "DescribeL4Backends"
        };
        let scope = Value::Object(self.scope());
        let answer: Backends = self
            .client
            .call_v3(Service::Bmlb, action, &scope, true)
            .await?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(answer.set.len());
        for record in answer.set {
            match binding_backend(&scope, record) {
                Some(b) if seen.insert(b.id.clone()) => out.push(b),
                Some(b) => tracing::warn!(id = %b.id, "a binding listed twice is yielded once"),
                None => tracing::warn!("a binding without InstanceId or port is skipped"),
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl BackendProvider for BmlbV3Provider {
    fn target(&self) -> &Target {
        &self.target
    }

    /// Add (by address: `BindType` 1; by instance id: 0 or 2), weight 0–100, port,
    /// remove; no admin state, no native batch.
    fn capabilities(&self) -> Capabilities {
        Capabilities::READ_ONLY
            .with_writes(true)
            .with_instance_lookup(true)
            .with_max_weight(Some(crate::listing::MAX_WEIGHT))
            .with_update_port(true)
            .with_add_by_instance(true)
    }

    /// One `DescribeL7Backends` / `DescribeL4Backends` (the API does not page).
    fn list(&self) -> BackendStream<'_> {
        paginate((), move |()| async move {
            Ok(Page {
                items: self.fetch().await?,
                next: None,
            })
        })
    }

    /// Lists the target and finds `id` (`INSTANCE_ID:PORT`; any other id is simply
    /// not found).
    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        find_listed(self.list(), id, &self.target).await
    }

    /// `BindL7Backends` / `BindL4Backends`, then the task, then the binding.
    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        self.check_add(spec)?;
        self.add_impl(spec).await
    }

    /// `Modify…BackendWeight` and/or `Modify…BackendPort`, each then its task.
    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        self.check_update(id, change)?;
        write::parse_id(id)?;
        self.update_impl(id, change).await
    }

    /// `UnbindL7Backends` / `UnbindL4Backends`, then the task.
    async fn remove(&self, id: &ResourceId) -> Result<()> {
        write::parse_id(id)?;
        self.remove_impl(id).await
    }

    /// The host behind a binding, from the listing.
    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        Ok(InstanceLookup::from_backend(&self.get(id).await?))
    }
}

/// An id that is not `INSTANCE_ID:PORT`.
fn bad_id(id: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("{id:?} is not a BMLB binding id (INSTANCE_ID:PORT, e.g. cpm-abcdefgh:80)"),
    )
}

#[cfg(test)]
mod tests;
