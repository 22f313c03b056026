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
    paging::{paginate, Page},
    provider::find_listed,
    Backend, BackendProvider, BackendStream, Capabilities, Error, InstanceLookup, ResourceId,
    Result, Target,
};

use crate::{
    client::{Service, TencentClient},
    listing::{advance, repeated_page, Cursor},
};

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

    async fn page(&self, mut cursor: Cursor) -> Result<Page<Backend, Cursor>> {
        let [lb, listener, domain, location] = &self.ids;
        let params = [
            ("loadBalancerId", lb.to_string()),
            ("listenerId", listener.to_string()),
            ("domainId", domain.to_string()),
            ("locationId", location.to_string()),
            ("offset", cursor.offset.to_string()),
            ("limit", self.page_size.to_string()),
        ];
        let page: model::BindingsPage =
            self.client.describe(Service::Bmlb, ACTION, &params).await?;
        let got = page.data.len();
        let mut items = Vec::with_capacity(got);
        for raw in page.data {
            let model::Mapped {
                mut backend,
                binding_key,
            } = model::to_backend(raw)?;
            // The same binding twice (the set changed while paging): yield it once.
            if !cursor.seen.insert(format!("binding {binding_key}")) {
                tracing::debug!(id = %backend.id, "skipping a binding listed twice");
                continue;
            }
            // The same host on another port: qualify its id with the port.
            if !cursor.seen.insert(format!("id {}", backend.id)) {
                let port = backend.port.map_or(0, u32::from);
                backend.id = format!("{}:{port}", backend.id);
                cursor.seen.insert(format!("id {}", backend.id));
            }
            items.push(backend);
        }
        if got > 0 && items.is_empty() {
            return Err(repeated_page(ACTION, cursor.offset));
        }
        let next = advance(cursor, self.page_size, got, None, ACTION)?;
        Ok(Page { items, next })
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
    /// fewer than that (the response has no total) or is empty.
    fn list(&self) -> BackendStream<'_> {
        paginate(Cursor::default(), move |cursor| self.page(cursor))
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
