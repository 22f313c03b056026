//! The [`BackendProvider`] trait every provider implements, and the input types of
//! its write operations.

use std::{fmt, net::IpAddr};

use async_trait::async_trait;
use futures::{stream::BoxStream, TryStreamExt};
use serde::Serialize;

use crate::{
    Backend, BackendName, Error, ErrorKind, InstanceLookup, Port, ProviderKind, ResourceId, Result,
    Target, Weight,
};

/// A paged listing: lazy until first polled, then fetching ahead of the caller (at most
/// one page decoded ahead and one request in flight after it:
/// [`paging::paginate`](crate::paging::paginate)).
/// The stream ends after the first error.
pub type BackendStream<'a> = BoxStream<'a, Result<Backend>>;

/// The backend of `stream` whose id is `id`, or [`ErrorKind::NotFound`] once the
/// stream ends without it: `get` for an API that has no single-backend call.
///
/// Pages are fetched only until the backend is found, but a miss costs the whole
/// listing of `target` (named in the error). The first error of the stream is
/// returned as it is.
///
/// ```
/// use futures::StreamExt;
/// use lb_backends_core::{provider::find_listed, Backend, ErrorKind, ProviderKind, ResourceId, Target};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let target: Target = "tencent-clb:lb-abcdefgh".parse()?;
/// let listing = || {
///     let backends = ["ins-1", "ins-2"].map(|id| Ok(Backend::new(ProviderKind::TencentClb, id)));
///     futures::stream::iter(backends).boxed()
/// };
/// let found = find_listed(listing(), &ResourceId::new("ins-2")?, &target).await?;
/// assert_eq!(found.id, "ins-2");
/// let missing = find_listed(listing(), &ResourceId::new("ins-9")?, &target).await;
/// assert_eq!(missing.unwrap_err().kind(), ErrorKind::NotFound);
/// # Ok::<(), lb_backends_core::Error>(())
/// # }).unwrap();
/// ```
pub async fn find_listed(
    mut stream: BackendStream<'_>,
    id: &ResourceId,
    target: &Target,
) -> Result<Backend> {
    while let Some(backend) = stream.try_next().await? {
        if backend.id == id.as_str() {
            return Ok(backend);
        }
    }
    Err(Error::new(
        ErrorKind::NotFound,
        format!("backend {id} is not among the backends of {target}"),
    ))
}

/// The result of a delete as a provider's [`remove`](BackendProvider::remove) reports
/// it: `NotFound` after an earlier attempt whose outcome is unknown is success.
///
/// **The rule.** A delete is idempotent, so the transport sends it again after a
/// failure that leaves open whether it was applied (the connection dropped after the
/// request went out, a timeout, a 5xx). When the first attempt *was* applied and only
/// its answer was lost, the retry finds nothing to delete and the cloud answers "not
/// found". The transport marks such an error
/// ([`Error::earlier_attempt_unknown`]); this function turns it into `Ok(())`, so
/// `remove` says what happened: the backend is gone. A `NotFound` on the first
/// attempt, or after attempts that were certainly not applied (throttled, refused),
/// is still `NotFound`: the backend was not there. Every provider's `remove` passes
/// its delete call's result through here.
///
/// If someone else removed the backend between our lost attempt and the retry, the
/// result is the same (`Ok`): the API gives no way to tell the two apart, and either
/// way the backend is gone.
///
/// ```
/// use lb_backends_core::{provider::removed, Error, ErrorKind};
/// let gone = Error::new(ErrorKind::NotFound, "no such member");
/// assert!(removed(Err(gone.with_earlier_attempt_unknown())).is_ok());
/// let never_there = Error::new(ErrorKind::NotFound, "no such member");
/// assert_eq!(removed(Err(never_there)).unwrap_err().kind(), ErrorKind::NotFound);
/// assert!(removed(Ok(())).is_ok());
/// ```
pub fn removed(result: Result<()>) -> Result<()> {
    match result {
        Err(e) if e.kind() == ErrorKind::NotFound && e.earlier_attempt_unknown() => {
            tracing::info!(
                "the delete's earlier attempt was applied and its answer lost; the retry found \
                 nothing left to delete"
            );
            Ok(())
        }
        other => other,
    }
}

/// What a provider can do, so a caller can ask before it tries.
///
/// The default checks of [`BackendProvider::check_add`] and
/// [`BackendProvider::check_update`] read it, so what it says and what is refused
/// before sending cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// [`BackendProvider::get`] works.
    pub get: bool,
    /// [`BackendProvider::add`] works.
    pub add: bool,
    /// [`BackendProvider::update`] works.
    pub update: bool,
    /// [`BackendProvider::remove`] works.
    pub remove: bool,
    /// [`BackendProvider::instance_of`] works.
    pub instance_lookup: bool,
    /// The highest weight the target takes (0 to this); `None`: backends have no
    /// weight there.
    pub max_weight: Option<u16>,
    /// An update can change a backend's port.
    pub update_port: bool,
    /// The admin state can be written (on add or update); where it is read-only (ELB)
    /// or absent, a write that sets it is refused before sending.
    pub admin_state: bool,
    /// A backend can be added by cloud instance id ([`NewBackend::instance`]).
    pub add_by_instance: bool,
    /// The batch operations use the cloud's own batch calls (else one call per
    /// backend).
    pub native_batch: bool,
    /// Whether a new backend can be a standby one, sent traffic only when the others
    /// are down ([`NewBackend::backup`]; APIG's `is_backup`).
    pub backup: bool,
    /// Whether a new backend can be put in a named group of the target
    /// ([`NewBackend::group`]; APIG's member groups).
    pub groups: bool,
}

impl Capabilities {
    /// Listing and getting only.
    pub const READ_ONLY: Self = Self {
        get: true,
        add: false,
        update: false,
        remove: false,
        instance_lookup: false,
        max_weight: Some(100),
        update_port: false,
        admin_state: false,
        add_by_instance: false,
        native_batch: false,
        backup: false,
        groups: false,
    };

    /// Reading and writing, with weights 0 to 100 and a writable admin state; no port
    /// change, no add by instance, no native batches.
    pub const ALL: Self = Self {
        get: true,
        add: true,
        update: true,
        remove: true,
        instance_lookup: true,
        max_weight: Some(100),
        update_port: false,
        admin_state: true,
        add_by_instance: false,
        native_batch: false,
        backup: false,
        groups: false,
    };

    /// The same, with `add`, `update` and `remove` set to `writable`.
    #[must_use]
    pub const fn with_writes(mut self, writable: bool) -> Self {
        self.add = writable;
        self.update = writable;
        self.remove = writable;
        self
    }

    /// The same, with `update` set.
    #[must_use]
    pub const fn with_update(mut self, update: bool) -> Self {
        self.update = update;
        self
    }

    /// The same, with `instance_lookup` set.
    #[must_use]
    pub const fn with_instance_lookup(mut self, lookup: bool) -> Self {
        self.instance_lookup = lookup;
        self
    }

    /// The same, with `max_weight` set.
    #[must_use]
    pub const fn with_max_weight(mut self, max: Option<u16>) -> Self {
        self.max_weight = max;
        self
    }

    /// The same, with `update_port` set.
    #[must_use]
    pub const fn with_update_port(mut self, yes: bool) -> Self {
        self.update_port = yes;
        self
    }

    /// The same, with `admin_state` set.
    #[must_use]
    pub const fn with_admin_state(mut self, writable: bool) -> Self {
        self.admin_state = writable;
        self
    }

    /// The same, with `add_by_instance` set.
    #[must_use]
    pub const fn with_add_by_instance(mut self, yes: bool) -> Self {
        self.add_by_instance = yes;
        self
    }

    /// The same, with `native_batch` set.
    #[must_use]
    pub const fn with_native_batch(mut self, yes: bool) -> Self {
        self.native_batch = yes;
        self
    }

    /// The same, with `backup` and `groups` set.
    #[must_use]
    pub const fn with_backup_and_groups(mut self, yes: bool) -> Self {
        self.backup = yes;
        self.groups = yes;
        self
    }

    /// Refuse a weight this target does not take, naming its range.
    pub fn check_weight(&self, kind: ProviderKind, weight: Weight) -> Result<()> {
        match self.max_weight {
            Some(max) if weight.get() <= max => Ok(()),
            Some(max) => Err(Error::invalid_input(format!(
                "weight {weight} is out of range for {kind}: it must be 0 to {max}"
            ))),
            None => Err(Error::invalid_input(format!(
                "{kind} backends have no weight here"
            ))),
        }
    }

    /// Every check of a new backend that these capabilities decide: writes allowed,
    /// the weight in range, the admin state writable, the place given in a form the
    /// target takes.
    pub fn check_new(&self, kind: ProviderKind, spec: &NewBackend) -> Result<()> {
        if !self.add {
            return Err(Error::unsupported(kind, "adding a backend"));
        }
        spec.check_place()?;
        if spec.instance_id.is_some() && !self.add_by_instance {
            return Err(Error::invalid_input(format!(
                "{kind} cannot add a backend by instance id here: give its address"
            )));
        }
        if spec.address.is_none() && !self.add_by_instance {
            return Err(Error::invalid_input(format!(
                "{kind} needs the backend's address"
            )));
        }
        if let Some(w) = spec.weight {
            self.check_weight(kind, w)?;
        }
        if spec.admin_up.is_some() && !self.admin_state {
            return Err(admin_state_read_only(kind));
        }
        if spec.backup.is_some() && !self.backup {
            return Err(Error::invalid_input(format!(
                "{kind} has no backup backends: leave backup out"
            )));
        }
        if spec.group.is_some() && !self.groups {
            return Err(Error::invalid_input(format!(
                "{kind} has no backend groups: leave the group out"
            )));
        }
        Ok(())
    }

    /// Every check of an update that these capabilities decide: updates allowed, not
    /// empty, the weight in range, a port change and the admin state supported.
    pub fn check_change(&self, kind: ProviderKind, change: &BackendUpdate) -> Result<()> {
        if !self.update {
            return Err(Error::unsupported(kind, "updating a backend"));
        }
        change.ensure_not_empty()?;
        if let Some(w) = change.weight {
            self.check_weight(kind, w)?;
        }
        if change.port.is_some() && !self.update_port {
            return Err(Error::unsupported(kind, "changing a backend's port"));
        }
        if change.admin_up.is_some() && !self.admin_state {
            return Err(admin_state_read_only(kind));
        }
        Ok(())
    }
}

fn admin_state_read_only(kind: ProviderKind) -> Error {
    Error::invalid_input(format!(
        "the admin state of a {kind} backend cannot be set: to take it out of rotation, \
         set its weight to 0 (or drain it)"
    ))
}

/// A backend to register. Fields a provider cannot use are refused by it with
/// [`crate::ErrorKind::InvalidInput`] rather than silently dropped.
///
/// ```
/// use lb_backends_core::{NewBackend, Port, Weight};
/// let spec = NewBackend::new("10.0.0.5".parse().unwrap(), Port::new(8080)?)
///     .with_weight(Weight::new(10)?);
/// assert_eq!(spec.port.get(), 8080);
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewBackend {
    /// The address traffic will be sent to; `None` when the backend is given by
    /// [`instance_id`](Self::instance_id).
    pub address: Option<IpAddr>,
    /// The cloud instance to register (Tencent `InstanceId`, APIG `ecs_id`), where the
    /// target takes one ([`Capabilities::add_by_instance`]).
    pub instance_id: Option<ResourceId>,
    /// The port traffic will be sent to.
    pub port: Port,
    /// The weight (provider default when `None`).
    pub weight: Option<Weight>,
    /// A display name.
    pub name: Option<BackendName>,
    /// The subnet the address lives in (ELB: `subnet_cidr_id`; none = cross-VPC).
    pub subnet_id: Option<ResourceId>,
    /// Administratively up or down.
    pub admin_up: Option<bool>,
    /// A standby backend, sent traffic only when the others are down (where
    /// [`Capabilities::backup`] holds).
    pub backup: Option<bool>,
    /// The named group of the target it joins (where [`Capabilities::groups`]
    /// holds; the provider checks the name).
    pub group: Option<String>,
}

impl NewBackend {
    /// A backend at `address:port`, everything else left to the provider's default.
    pub fn new(address: IpAddr, port: Port) -> Self {
        Self {
            address: Some(address),
            instance_id: None,
            port,
            weight: None,
            name: None,
            subnet_id: None,
            admin_up: None,
            backup: None,
            group: None,
        }
    }

    /// The cloud instance `instance_id` on `port`, where the target takes instances
    /// ([`Capabilities::add_by_instance`]).
    ///
    /// ```
    /// use lb_backends_core::{NewBackend, Port, ResourceId};
    /// let spec = NewBackend::instance(ResourceId::new("ins-abc12345")?, Port::new(80)?);
    /// assert!(spec.address.is_none());
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn instance(instance_id: ResourceId, port: Port) -> Self {
        Self {
            address: None,
            instance_id: Some(instance_id),
            port,
            weight: None,
            name: None,
            subnet_id: None,
            admin_up: None,
            backup: None,
            group: None,
        }
    }

    /// Where the backend is, as text: its address, else its instance id.
    pub fn place(&self) -> String {
        match (&self.address, &self.instance_id) {
            (Some(a), _) => a.to_string(),
            (None, Some(i)) => i.to_string(),
            (None, None) => "-".into(),
        }
    }

    /// Refuse a spec that gives neither an address nor an instance, or both.
    pub fn check_place(&self) -> Result<()> {
        match (&self.address, &self.instance_id) {
            (Some(_), None) | (None, Some(_)) => Ok(()),
            (None, None) => Err(Error::invalid_input(
                "a new backend needs an address or an instance id",
            )),
            (Some(_), Some(_)) => Err(Error::invalid_input(
                "give a new backend's address or its instance id, not both",
            )),
        }
    }

    /// Set the weight.
    #[must_use]
    pub fn with_weight(mut self, weight: Weight) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Set the name.
    #[must_use]
    pub fn with_name(mut self, name: BackendName) -> Self {
        self.name = Some(name);
        self
    }

    /// Set the subnet.
    #[must_use]
    pub fn with_subnet(mut self, subnet_id: ResourceId) -> Self {
        self.subnet_id = Some(subnet_id);
        self
    }

    /// Set the admin state.
    #[must_use]
    pub fn with_admin_up(mut self, up: bool) -> Self {
        self.admin_up = Some(up);
        self
    }

    /// Make it a standby backend, or say it is not one.
    #[must_use]
    pub fn with_backup(mut self, backup: bool) -> Self {
        self.backup = Some(backup);
        self
    }

    /// Put it in the target's group `name`.
    #[must_use]
    pub fn with_group(mut self, name: impl Into<String>) -> Self {
        self.group = Some(name.into());
        self
    }
}

/// A change to an existing backend; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackendUpdate {
    /// New weight.
    pub weight: Option<Weight>,
    /// New port (where [`Capabilities::update_port`] holds).
    pub port: Option<Port>,
    /// New name.
    pub name: Option<BackendName>,
    /// New admin state.
    pub admin_up: Option<bool>,
}

impl BackendUpdate {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Change the weight.
    #[must_use]
    pub fn with_weight(mut self, weight: Weight) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Change the name.
    #[must_use]
    pub fn with_name(mut self, name: BackendName) -> Self {
        self.name = Some(name);
        self
    }

    /// Change the port.
    #[must_use]
    pub fn with_port(mut self, port: Port) -> Self {
        self.port = Some(port);
        self
    }

    /// Change the admin state.
    #[must_use]
    pub fn with_admin_up(mut self, up: bool) -> Self {
        self.admin_up = Some(up);
        self
    }

    /// Whether this changes nothing.
    pub fn is_empty(&self) -> bool {
        self.weight.is_none()
            && self.port.is_none()
            && self.name.is_none()
            && self.admin_up.is_none()
    }

    /// Refuse an update that changes nothing, before anything is sent.
    pub fn ensure_not_empty(&self) -> Result<()> {
        if self.is_empty() {
            Err(Error::invalid_input(
                "the update changes nothing: give a weight, a port, a name or an admin state",
            ))
        } else {
            Ok(())
        }
    }
}

/// The backends of one [`Target`], seen through one cloud's API.
///
/// Object safe: `Box<dyn BackendProvider>` works, so a program can hold providers of
/// different clouds side by side. Operations a provider cannot do return
/// [`crate::ErrorKind::Unsupported`] and are reported by [`capabilities`](Self::capabilities).
/// Conveniences built on these live in [`crate::BackendProviderExt`].
#[async_trait]
pub trait BackendProvider: Send + Sync + fmt::Debug {
    /// The target this provider looks at.
    fn target(&self) -> &Target;

    /// Which provider this is.
    fn kind(&self) -> ProviderKind {
        self.target().provider()
    }

    /// What this provider can do.
    fn capabilities(&self) -> Capabilities;

    /// Every backend of the target, page by page as the caller consumes them.
    fn list(&self) -> BackendStream<'_>;

    /// The backends at `address` (on `port`, when given), as a listing: what the
    /// idempotent writes look for before they send. By default the whole listing,
    /// filtered here; a provider whose cloud filters by address (ELB) asks it to, so
    /// finding one backend in a pool of 50,000 is one short page, not 25 full ones.
    /// Either way only backends at that place are yielded.
    ///
    /// ```no_run
    /// # async fn demo(provider: &dyn lb_backends_core::BackendProvider) -> lb_backends_core::Result<()> {
    /// use futures::TryStreamExt;
    /// use lb_backends_core::Port;
    /// let there: Vec<_> = provider
    ///     .list_at("10.0.0.5".parse().unwrap(), Some(Port::new(80)?))
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    fn list_at(&self, address: IpAddr, port: Option<Port>) -> BackendStream<'_> {
        at_place(self.list(), address, port)
    }

    /// One backend by its id.
    async fn get(&self, id: &ResourceId) -> Result<Backend>;

    /// Every check [`add`](Self::add) makes before it sends anything, run without
    /// sending anything: what a dry run runs. A provider that checks a spec in `add`
    /// checks it here, and its `add` calls this first, so the two cannot disagree.
    /// By default: what [`Capabilities::check_new`] decides.
    ///
    /// ```
    /// use lb_backends_core::{provider::BackendProvider, NewBackend, Port};
    /// # fn demo(provider: &dyn BackendProvider) -> lb_backends_core::Result<()> {
    /// let spec = NewBackend::new("10.0.0.5".parse().unwrap(), Port::new(8080)?);
    /// provider.check_add(&spec)?; // nothing sent
    /// # Ok(()) }
    /// ```
    fn check_add(&self, spec: &NewBackend) -> Result<()> {
        self.capabilities().check_new(self.kind(), spec)
    }

    /// Every check [`update`](Self::update) makes before it sends anything, sending
    /// nothing. By default: what [`Capabilities::check_change`] decides; a provider
    /// with more to check adds to that, and its `update` calls this first.
    fn check_update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<()> {
        let _ = id;
        self.capabilities().check_change(self.kind(), change)
    }

    /// Register a backend and return it as the cloud now has it.
    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        let _ = spec;
        Err(Error::unsupported(self.kind(), "adding a backend"))
    }

    /// Change a backend's weight, name or admin state.
    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        let _ = (id, change);
        Err(Error::unsupported(self.kind(), "updating a backend"))
    }

    /// Deregister a backend.
    async fn remove(&self, id: &ResourceId) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.kind(), "removing a backend"))
    }

    /// Find the cloud instance behind a backend, with extra calls where needed.
    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        let _ = id;
        Err(Error::unsupported(self.kind(), "looking up the instance"))
    }

    /// What the cloud says about the target itself (pool, channel, load balancer,
    /// listener, location): one read. By default: [`ErrorKind::Unsupported`].
    async fn describe(&self) -> Result<crate::TargetInfo> {
        Err(Error::unsupported(self.kind(), "describing the target"))
    }

    /// Register many backends: one result per spec, in order. A provider with batch
    /// calls ([`Capabilities::native_batch`]) uses them, splitting at the cloud's
    /// limit, and reports a backend that was already there as `unchanged`; by default,
    /// one [`add`](Self::add) after another.
    async fn add_many(&self, specs: &[NewBackend]) -> Vec<Result<BatchOutcome<Backend>>> {
        let mut out = Vec::with_capacity(specs.len());
        for spec in specs {
            out.push(self.add(spec).await.map(BatchOutcome::changed));
        }
        out
    }

    /// Apply many updates: one result per change, in order; by default one
    /// [`update`](Self::update) after another.
    async fn update_many(
        &self,
        changes: &[(ResourceId, BackendUpdate)],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        let mut out = Vec::with_capacity(changes.len());
        for (id, change) in changes {
            out.push(self.update(id, change).await.map(BatchOutcome::changed));
        }
        out
    }

    /// Deregister many backends: one result per id, in order. A backend already
    /// absent is success, reported as `unchanged` (the caller wants it gone); by
    /// default one [`remove`](Self::remove) after another.
    async fn remove_many(&self, ids: &[ResourceId]) -> Vec<Result<BatchOutcome<ResourceId>>> {
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
        out
    }

    /// Deregister many backends given by address and port: one result per endpoint,
    /// in order, with the id removed (`None`: no backend was there, reported
    /// `unchanged`). A provider whose cloud deletes by address (ELB's batch-delete)
    /// does so; by default one listing ([`ids_at`]), then
    /// [`remove_many`](Self::remove_many) of what it found.
    async fn remove_many_at(
        &self,
        endpoints: &[(IpAddr, Port)],
    ) -> Vec<Result<BatchOutcome<Option<ResourceId>>>> {
        let ids = match ids_at(self.list(), endpoints).await {
            Ok(ids) => ids,
            Err(e) => return listing_failed(&e, endpoints.len()),
        };
        let present: Vec<ResourceId> = ids.iter().flatten().cloned().collect();
        let removed = self.remove_many(&present).await;
        merge_removed(ids, removed)
    }
}

/// Only the backends of `stream` at `address` (on `port`, when given): the default
/// [`BackendProvider::list_at`], and what a provider's own filtered listing is passed
/// through, so a server that filters loosely cannot widen it.
pub fn at_place(
    stream: BackendStream<'_>,
    address: IpAddr,
    port: Option<Port>,
) -> BackendStream<'_> {
    let port = port.map(Port::get);
    Box::pin(stream.try_filter(move |b| {
        std::future::ready(b.address == Some(address) && port.is_none_or(|p| b.port == Some(p)))
    }))
}

/// One error per endpoint when the listing that finds them failed.
fn listing_failed<T>(e: &Error, n: usize) -> Vec<Result<T>> {
    let why = format!("listing the target to find the backends failed: {e}");
    (0..n)
        .map(|_| Err(Error::new(e.kind(), why.clone())))
        .collect()
}

/// What [`BackendProvider::remove_many_at`] reports: for each endpoint's id found
/// (or not), the outcome of its removal, in order. Not generic: written once for
/// every provider.
fn merge_removed(
    ids: Vec<Option<ResourceId>>,
    removed: Vec<Result<BatchOutcome<ResourceId>>>,
) -> Vec<Result<BatchOutcome<Option<ResourceId>>>> {
    let mut removed = removed.into_iter();
    ids.into_iter()
        .map(|id| match id {
            None => Ok(BatchOutcome::unchanged(None)),
            Some(id) => match removed.next() {
                Some(Ok(o)) => Ok(BatchOutcome {
                    value: Some(id),
                    unchanged: o.unchanged,
                }),
                Some(Err(e)) => Err(e),
                None => Err(Error::new(
                    ErrorKind::Decode,
                    format!("no result for backend {id}"),
                )),
            },
        })
        .collect()
}

/// The backends of `stream` at these endpoints: for each, its id, or `None` when no
/// backend of the listing is there. One listing; the first error ends it.
pub async fn ids_at(
    mut stream: BackendStream<'_>,
    endpoints: &[(IpAddr, Port)],
) -> Result<Vec<Option<ResourceId>>> {
    let mut found: std::collections::HashMap<(IpAddr, u16), ResourceId> =
        std::collections::HashMap::new();
    let wanted: std::collections::HashSet<(IpAddr, u16)> =
        endpoints.iter().map(|(a, p)| (*a, p.get())).collect();
    while let Some(b) = stream.try_next().await? {
        if let (Some(a), Some(p)) = (b.address, b.port) {
            if wanted.contains(&(a, p)) {
                if let Ok(id) = ResourceId::new(b.id.clone()) {
                    found.entry((a, p)).or_insert(id);
                }
            }
        }
    }
    Ok(endpoints
        .iter()
        .map(|(a, p)| found.get(&(*a, p.get())).cloned())
        .collect())
}

/// One item of a batch write that succeeded: the backend (or id) as it now is, and
/// whether the world already was as asked (added: it was there; removed: it was gone).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BatchOutcome<T> {
    /// The backend as the cloud now has it (for a removal: its id).
    pub value: T,
    /// `true`: nothing needed doing.
    pub unchanged: bool,
}

impl<T> BatchOutcome<T> {
    /// The write changed something.
    pub fn changed(value: T) -> Self {
        Self {
            value,
            unchanged: false,
        }
    }

    /// The world already was as asked.
    pub fn unchanged(value: T) -> Self {
        Self {
            value,
            unchanged: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    #[tokio::test]
    async fn find_listed_stops_at_the_first_error_and_names_the_target() {
        let target: Target = "tencent-clb:lb-abcdefgh".parse().unwrap();
        let backends = vec![
            Ok(Backend::new(ProviderKind::TencentClb, "ins-1")),
            Err(Error::new(ErrorKind::Throttled, "slow down")),
            Ok(Backend::new(ProviderKind::TencentClb, "ins-2")),
        ];
        let id = ResourceId::new("ins-2").unwrap();
        let err = find_listed(futures::stream::iter(backends).boxed(), &id, &target)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Throttled);

        let err = find_listed(futures::stream::empty().boxed(), &id, &target)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(
            err.message(),
            "backend ins-2 is not among the backends of tencent-clb:lb-abcdefgh"
        );
    }
}
