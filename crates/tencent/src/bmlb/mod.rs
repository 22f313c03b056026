//! Tencent BMLB (Black Stone, legacy API): the hosts bound to a layer-7 forwarding
//! path, through `DescribeBmLocationBackends` (seed 004).
//!
//! | binding field | normalized place |
//! |---|---|
//! | `instanceId` (bindType 0) | `Backend::id`, `InstanceRef::id` (kind `BareMetal`) |
//! | `lanIp`, `rsPort` (bindType 1) | `Backend::id` as `lanIp:rsPort`, no instance |
//! | `alias` | `InstanceRef::name` |
//! | `lanIp` | `Backend::address` |
//! | `rsPort` | `Backend::port` |
//! | `weight` | `Backend::weight` |
//! | `status` | `Backend::health`: `Alive` healthy, `Dead` unhealthy, else `Unknown` |
//! | the whole binding (`bindType`, `mgtIp`, `operates`, ...) | `Backend::raw` |
//!
//! Ids are unique within a location: should a host be bound on several ports, its
//! first binding is `instanceId` and the others `instanceId:rsPort`. Both id forms
//! are valid [`ResourceId`]s, so [`get`](BackendProvider::get) reaches every binding.
//! Writes are not implemented and return
//! [`ErrorKind::Unsupported`](lb_backends_core::ErrorKind::Unsupported).

pub(crate) mod model;

use async_trait::async_trait;
use lb_backends_core::{
    paging::{paginate_checked, Admitted, Page},
    provider::find_listed,
    Backend, BackendProvider, BackendStream, Capabilities, Error, InstanceLookup, ResourceId,
    Result, Target,
};

use crate::{
    client::{Service, TencentClient},
    listing::Cursor,
};
use serde_json::Value;

const ACTION: &str = "DescribeBmLocationBackends";

/// The hosts bound to one BMLB layer-7 forwarding path (location).
///
/// ```no_run
/// use lb_backends_core::{BackendProviderExt, ResourceId};
/// use lb_backends_tencent::{BmlbProvider, TencentClient};
///
/// # async fn demo() -> lb_backends_core::Result<()> {
/// let bmlb = BmlbProvider::new(
///     TencentClient::from_env()?,
///     ResourceId::new("lb-abcdefgh")?,
///     ResourceId::new("lbl-abcdefgh")?,
///     ResourceId::new("dm-abcdefgh")?,
///     ResourceId::new("loc-abcdefgh")?,
/// );
/// for b in bmlb.collect_all().await? {
///     println!("{} {:?}:{:?} {}", b.id, b.address, b.port, b.health.label());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BmlbProvider {
    client: TencentClient,
    target: Target,
    ids: [ResourceId; 4],
    page_size: u32,
    max_records: u64,
}

impl BmlbProvider {
    /// The default (and largest accepted) page size; the service documents none.
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// A provider for the forwarding path `location_id` of domain `domain_id` of
    /// layer-7 listener `listener_id` of load balancer `load_balancer_id`.
    pub fn new(
        client: TencentClient,
        load_balancer_id: ResourceId,
        listener_id: ResourceId,
        domain_id: ResourceId,
        location_id: ResourceId,
    ) -> Self {
        let target = Target::TencentBmlb {
            load_balancer_id: load_balancer_id.clone(),
            listener_id: listener_id.clone(),
            domain_id: domain_id.clone(),
            location_id: location_id.clone(),
        };
        Self {
            client,
            target,
            ids: [load_balancer_id, listener_id, domain_id, location_id],
            page_size: Self::MAX_PAGE_SIZE,
            max_records: lb_backends_core::paging::DEFAULT_MAX_RECORDS,
        }
    }

    /// A provider for a [`Target::TencentBmlb`]; any other target is
    /// [`ErrorKind::InvalidInput`](lb_backends_core::ErrorKind::InvalidInput).
    ///
    /// ```
    /// # use lb_backends_tencent::{BmlbProvider, TencentClient, TencentCredentials};
    /// # let client = TencentClient::builder().region("bj")
    /// #     .credentials(TencentCredentials::new("AKID", "key")?).build()?;
    /// let target = "tencent-bmlb:lb-abcdefgh/lbl-abcdefgh/dm-abcdefgh/loc-abcdefgh".parse()?;
    /// let bmlb = BmlbProvider::for_target(client.clone(), &target)?;
    /// assert_eq!(bmlb.location_id().as_str(), "loc-abcdefgh");
    /// assert!(BmlbProvider::for_target(client, &"tencent-clb:lb-1".parse()?).is_err());
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn for_target(client: TencentClient, target: &Target) -> Result<Self> {
        match target {
            Target::TencentBmlb {
                load_balancer_id,
                listener_id,
                domain_id,
                location_id,
            } => Ok(Self::new(
                client,
                load_balancer_id.clone(),
                listener_id.clone(),
                domain_id.clone(),
                location_id.clone(),
            )),
            other => Err(Error::invalid_input(format!(
                "the Tencent BMLB provider serves tencent-bmlb targets, not {other}"
            ))),
        }
    }

    /// Ask for pages of `size` bindings (1 to [`MAX_PAGE_SIZE`](Self::MAX_PAGE_SIZE)).
    pub fn with_page_size(mut self, size: u32) -> Result<Self> {
        self.page_size = crate::listing::check_page_size(size, Self::MAX_PAGE_SIZE)?;
        Ok(self)
    }

    /// The load balancer id.
    pub fn load_balancer_id(&self) -> &ResourceId {
        &self.ids[0]
    }

    /// The layer-7 listener id.
    pub fn listener_id(&self) -> &ResourceId {
        &self.ids[1]
    }

    /// The forwarding domain id.
    pub fn domain_id(&self) -> &ResourceId {
        &self.ids[2]
    }

    /// The forwarding path (location) id.
    pub fn location_id(&self) -> &ResourceId {
        &self.ids[3]
    }

    /// The page size in use.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The most bindings one listing reads (at least 1) before it ends with
    /// [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete): a client-side
    /// bound no answer of the service can raise. The default is
    /// [`DEFAULT_MAX_RECORDS`](lb_backends_core::paging::DEFAULT_MAX_RECORDS).
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = max.max(1);
        self
    }

    /// The most bindings one listing reads.
    pub fn max_records(&self) -> u64 {
        self.max_records
    }

    async fn page(&self, mut cursor: Cursor) -> Result<Page<Result<Backend>, Cursor>> {
        let [lb, listener, domain, location] = &self.ids;
        let params = [
            ("loadBalancerId", lb.to_string()),
            ("listenerId", listener.to_string()),
            ("domainId", domain.to_string()),
            ("locationId", location.to_string()),
            ("offset", cursor.offset.to_string()),
            ("limit", self.page_size.to_string()),
        ];
        let body: Value = self.client.describe(Service::Bmlb, ACTION, &params).await?;
        let page = model::page_of(body).map_err(|why| {
            cursor
                .guard
                .incomplete(format_args!("the {ACTION} response is not a page ({why})"))
        })?;
        let got = page.data.len();
        let mapped = page
            .data
            .into_iter()
            .map(model::to_backend)
            .collect::<Result<Vec<_>>>()?;
        // The same binding twice (the set changed while paging): yield it once.
        let admitted = cursor
            .guard
            .admit(mapped, |m| format!("binding {}", m.binding_key));
        let mut items = Vec::with_capacity(admitted.items.len());
        for model::Mapped { mut backend, .. } in admitted.items {
            // The same host on another port: qualify its id with the port.
            if !cursor.ids.insert(backend.id.clone()) {
                let port = backend.port.map_or(0, u32::from);
                backend.id = format!("{}:{port}", backend.id);
                cursor.ids.insert(backend.id.clone());
            }
            items.push(backend);
        }
        let admitted = Admitted {
            items,
            problem: admitted.problem,
        };
        if admitted.problem.is_some() {
            return Ok(admitted.into_page(Ok(None)));
        }
        // No total: a page shorter than asked for (or empty) is the last.
        if (got as u64) < u64::from(self.page_size) {
            return Ok(admitted.into_page(Ok(None)));
        }
        let next = cursor.guard.next_page().map(|()| {
            cursor.offset = cursor.offset.saturating_add(got as u64);
            Some(cursor)
        });
        Ok(admitted.into_page(next))
    }
}

#[async_trait]
impl BackendProvider for BmlbProvider {
    fn target(&self) -> &Target {
        &self.target
    }

    /// Read-only: listing, `get` and the instance of a binding.
    fn capabilities(&self) -> Capabilities {
        Capabilities::READ_ONLY.with_instance_lookup(true)
    }

    /// Pages of [`page_size`](Self::page_size) by `offset`, until a page holds
    /// fewer than that (the response has no total) or is empty. A page without
    /// `data` (an array of objects), a page with nothing new or larger than asked
    /// for, or more than [`max_records`](Self::max_records) bindings end it with
    /// [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete) after
    /// what was read.
    fn list(&self) -> BackendStream<'_> {
        let first = Cursor::new("the BMLB bindings", self.page_size, self.max_records);
        paginate_checked(first, move |cursor| self.page(cursor))
    }

    /// The API has no single-binding call: this lists and finds `id` (a host's
    /// `instanceId`), so it costs a full listing.
    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        find_listed(self.list(), id, &self.target).await
    }

    /// The bare-metal host behind a binding; a VM IP binding is
    /// [`InstanceLookup::NotBound`].
    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        Ok(InstanceLookup::from_backend(&self.get(id).await?))
    }
}

#[cfg(test)]
mod tests;
