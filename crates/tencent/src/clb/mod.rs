//! Tencent CLB (legacy API): the backends of a load balancer, through
//! `DescribeLoadBalancerBackends` (seed 003).
//!
//! | record field | normalized place |
//! |---|---|
//! | `unInstanceId` | `Backend::id` and `InstanceRef::id` (falls back to `instanceId`) |
//! | `instanceName` | `InstanceRef::name` |
//! | `instanceStatus` | `InstanceRef::state` (unknown numbers as `Unknown("N")`) |
//! | `lanIp` | `Backend::address` |
//! | `weight` | `Backend::weight` |
//! | the whole record (`instanceId`, `wanIpSet`, ...) | `Backend::raw` |
//!
//! The API has no port and no health: `port` is `None`, `health` is
//! [`Health::NotReported`](lb_backends_core::Health::NotReported).
//!
//! Writes are opt-in ([`ClbProvider::with_writes`]; the facade's legacy mode turns
//! them on): add by instance id (`RegisterInstancesWithLoadBalancer`), weight
//! (`ModifyLoadBalancerBackends`) and remove (`DeregisterInstancesFromLoadBalancer`),
//! each an asynchronous task polled with `DescribeLoadBalancersTaskResult` (see the
//! `write` module). Without them, writes return
//! [`ErrorKind::Unsupported`](lb_backends_core::ErrorKind::Unsupported).

pub(crate) mod model;
mod write;

use async_trait::async_trait;
use lb_backends_core::{
    paging::{paginate_checked, Page},
    provider::find_listed,
    Backend, BackendProvider, BackendStream, BackendUpdate, Capabilities, Error, InstanceLookup,
    NewBackend, ResourceId, Result, Target,
};

use crate::{
    client::{Service, TencentClient},
    listing::Cursor,
};
use serde_json::Value;

const ACTION: &str = "DescribeLoadBalancerBackends";

/// The backends of one CLB load balancer.
///
/// ```no_run
/// use lb_backends_core::{BackendProviderExt, ResourceId};
/// use lb_backends_tencent::{ClbProvider, TencentClient};
///
/// # async fn demo() -> lb_backends_core::Result<()> {
/// let client = TencentClient::from_env()?;
/// let clb = ClbProvider::new(client, ResourceId::new("lb-abcdefgh")?);
/// for backend in clb.collect_all().await? {
///     println!("{} {:?} weight {:?}", backend.id, backend.address, backend.weight);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClbProvider {
    client: TencentClient,
    target: Target,
    load_balancer_id: ResourceId,
    page_size: u32,
    max_records: u64,
    writes: bool,
}

impl ClbProvider {
    /// The largest page the service returns (and the default page size).
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// A provider for load balancer `load_balancer_id` (`lb-...`).
    pub fn new(client: TencentClient, load_balancer_id: ResourceId) -> Self {
        Self {
            client,
            target: Target::TencentClb {
                load_balancer_id: load_balancer_id.clone(),
            },
            load_balancer_id,
            page_size: Self::MAX_PAGE_SIZE,
            max_records: lb_backends_core::paging::DEFAULT_MAX_RECORDS,
            writes: false,
        }
    }

    /// Turn the legacy writes on (add by instance id, weight, remove; see the
    /// module docs) or off (the default: read-only).
    ///
    /// ```
    /// # use lb_backends_core::{BackendProvider, ResourceId};
    /// # use lb_backends_tencent::{ClbProvider, TencentClient, TencentCredentials};
    /// # let client = TencentClient::builder().region("gz")
    /// #     .credentials(TencentCredentials::new("AKID", "key")?).build()?;
    /// let clb = ClbProvider::new(client, ResourceId::new("lb-abcdefgh")?);
    /// assert!(!clb.capabilities().add);
    /// let clb = clb.with_writes(true);
    /// assert!(clb.capabilities().add && clb.capabilities().add_by_instance);
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_writes(mut self, on: bool) -> Self {
        self.writes = on;
        self
    }

    /// A provider for a [`Target::TencentClb`]; any other target is
    /// [`ErrorKind::InvalidInput`](lb_backends_core::ErrorKind::InvalidInput).
    ///
    /// ```
    /// # use lb_backends_tencent::{ClbProvider, TencentClient, TencentCredentials};
    /// # let client = TencentClient::builder().region("gz")
    /// #     .credentials(TencentCredentials::new("AKID", "key")?).build()?;
    /// let target = "tencent-clb:lb-abcdefgh".parse()?;
    /// let clb = ClbProvider::for_target(client.clone(), &target)?;
    /// assert_eq!(clb.load_balancer_id().as_str(), "lb-abcdefgh");
    /// assert!(ClbProvider::for_target(client, &"huawei-elb:pool-1".parse()?).is_err());
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn for_target(client: TencentClient, target: &Target) -> Result<Self> {
        match target {
            Target::TencentClb { load_balancer_id } => {
                Ok(Self::new(client, load_balancer_id.clone()))
            }
            other => Err(Error::invalid_input(format!(
                "the Tencent CLB provider serves tencent-clb targets, not {other}"
            ))),
        }
    }

    /// Ask for pages of `size` backends (1 to [`MAX_PAGE_SIZE`](Self::MAX_PAGE_SIZE)).
    pub fn with_page_size(mut self, size: u32) -> Result<Self> {
        self.page_size = crate::listing::check_page_size(size, Self::MAX_PAGE_SIZE)?;
        Ok(self)
    }

    /// The load balancer looked at.
    pub fn load_balancer_id(&self) -> &ResourceId {
        &self.load_balancer_id
    }

    /// The page size in use.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The most backends one listing reads (at least 1) before it ends with
    /// [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete): a client-side
    /// bound no answer of the service can raise. The default is
    /// [`DEFAULT_MAX_RECORDS`](lb_backends_core::paging::DEFAULT_MAX_RECORDS).
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = max.max(1);
        self
    }

    /// The most backends one listing reads.
    pub fn max_records(&self) -> u64 {
        self.max_records
    }

    async fn page(&self, mut cursor: Cursor) -> Result<Page<Result<Backend>, Cursor>> {
        let params = [
            ("loadBalancerId", self.load_balancer_id.to_string()),
            ("offset", cursor.offset.to_string()),
            ("limit", self.page_size.to_string()),
        ];
        let body: Value = self.client.describe(Service::Clb, ACTION, &params).await?;
        let page = model::page_of(body).map_err(|why| {
            cursor
                .guard
                .incomplete(format_args!("the {ACTION} response is not a page ({why})"))
        })?;
        let got = page.backend_set.len();
        let backends = page
            .backend_set
            .into_iter()
            .map(model::to_backend)
            .collect::<Result<Vec<_>>>()?;
        let admitted = cursor.guard.admit(backends, |b| b.id.clone());
        if admitted.problem.is_some() {
            return Ok(admitted.into_page(Ok(None)));
        }
        let offset = cursor.offset;
        tracing::trace!(offset, got, total = page.total_count, "CLB page");
        let next = cursor.guard.by_total(page.total_count, got).map(|more| {
            more.then(|| {
                cursor.offset = offset.saturating_add(got as u64);
                cursor
            })
        });
        Ok(admitted.into_page(next))
    }
}

#[async_trait]
impl BackendProvider for ClbProvider {
    fn target(&self) -> &Target {
        &self.target
    }

    /// Read-only: listing, `get` and the instance of a backend.
    fn capabilities(&self) -> Capabilities {
        Capabilities::READ_ONLY
            .with_instance_lookup(true)
            .with_writes(self.writes)
            .with_max_weight(Some(crate::listing::MAX_WEIGHT))
            .with_admin_state(false)
            .with_add_by_instance(self.writes)
    }

    fn check_add(&self, spec: &NewBackend) -> Result<()> {
        self.capabilities().check_new(self.kind(), spec)?;
        self.check_legacy_spec(spec)
    }

    /// `RegisterInstancesWithLoadBalancer` (when writes are on), then the task.
    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        self.check_add(spec)?;
        self.add_legacy(spec).await
    }

    /// `ModifyLoadBalancerBackends` (when writes are on), then the task.
    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        self.check_update(id, change)?;
        self.update_legacy(id, change).await
    }

    /// `DeregisterInstancesFromLoadBalancer` (when writes are on), then the task.
    async fn remove(&self, id: &ResourceId) -> Result<()> {
        if !self.writes {
            return Err(Error::unsupported(self.kind(), "removing a backend"));
        }
        self.remove_legacy(id).await
    }

    /// Pages of [`page_size`](Self::page_size) by `offset`. The listing ends
    /// cleanly only when a short or empty page comes after exactly `totalCount`
    /// distinct backends; a `totalCount` that is missing, not an integer of 0 or
    /// more, changes, or disagrees with the pages, a page with nothing new or
    /// larger than asked for, or more than [`max_records`](Self::max_records)
    /// backends end it with
    /// [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete) after
    /// what was read. A backend listed twice (the set changed while paging) is
    /// yielded once.
    fn list(&self) -> BackendStream<'_> {
        let first = Cursor::new("the CLB backends", self.page_size, self.max_records);
        paginate_checked(first, move |cursor| self.page(cursor))
    }

    /// The API has no single-backend call: this lists and finds `id` (an
    /// `unInstanceId`), so it costs a full listing.
    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        find_listed(self.list(), id, &self.target).await
    }

    /// The CVM behind a backend, from the listing itself (no extra call).
    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        Ok(InstanceLookup::from_backend(&self.get(id).await?))
    }
}

#[cfg(test)]
mod tests;
