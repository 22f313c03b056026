//! [`ApigProvider`]: the members of one APIG VPC channel, and the
//! [`BackendProvider`] implementation on top of its inherent calls.

use async_trait::async_trait;
use http::Method;
use lb_backends_core::{
    provider::find_listed, transport::ApiRequest, Backend, BackendProvider, BackendStream,
    BackendUpdate, Capabilities, Error, InstanceLookup, NewBackend, ResourceId, Result, Target,
};
use lb_backends_huawei_core::{HuaweiClient, Service};

use crate::{
    listing::list_pages,
    lock::{channel_lock, ChannelLock},
    record::decode_page,
    MemberFilter,
};

/// The most members one listing request may ask for (the service caps `limit` here).
pub const MAX_PAGE_SIZE: u32 = 500;

/// The members of one VPC channel of one APIG instance.
///
/// Cheap to clone; clones share the client's connections and the channel's write
/// lock (see the crate docs on write serialisation).
///
/// ```no_run
/// use futures::TryStreamExt;
/// use lb_backends_core::{BackendProvider, ResourceId};
/// use lb_backends_huawei_apig::{ApigProvider, MemberFilter};
/// use lb_backends_huawei_core::HuaweiClient;
///
/// # async fn demo() -> lb_backends_core::Result<()> {
/// let provider = ApigProvider::new(
///     HuaweiClient::from_env()?,
///     ResourceId::new("eddc4d25480b4cd6b512f270a1b8b341")?,
///     ResourceId::new("56a7d7358e1b42459c9d730d65b14e59")?,
/// )
/// .with_page_size(200)?;
/// let all: Vec<_> = provider.list().try_collect().await?;
/// let web: Vec<_> = provider
///     .list_members(&MemberFilter::new().name("web")?)
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ApigProvider {
    pub(crate) client: HuaweiClient,
    target: Target,
    pub(crate) instance_id: ResourceId,
    pub(crate) vpc_channel_id: ResourceId,
    page_size: u32,
    max_records: u64,
    pub(crate) write_lock: ChannelLock,
}

impl ApigProvider {
    /// The members of VPC channel `vpc_channel_id` of APIG instance `instance_id`.
    /// Ids are [`ResourceId`]s, so one with a `/`, `?` or `..` never gets this far.
    pub fn new(client: HuaweiClient, instance_id: ResourceId, vpc_channel_id: ResourceId) -> Self {
        let key = format!(
            "{}|{}|{instance_id}|{vpc_channel_id}",
            client.endpoint(Service::Apig),
            client.project_id()
        );
        Self {
            target: Target::HuaweiApig {
                instance_id: instance_id.clone(),
                vpc_channel_id: vpc_channel_id.clone(),
            },
            write_lock: channel_lock(&key),
            client,
            instance_id,
            vpc_channel_id,
            page_size: MAX_PAGE_SIZE,
            max_records: lb_backends_core::paging::DEFAULT_MAX_RECORDS,
        }
    }

    /// The provider for a [`Target::HuaweiApig`]; any other target is
    /// [`ErrorKind::InvalidInput`](lb_backends_core::ErrorKind::InvalidInput).
    ///
    /// ```
    /// use lb_backends_core::{ErrorKind, Target};
    /// use lb_backends_huawei_apig::ApigProvider;
    /// use lb_backends_huawei_core::{Credentials, HuaweiClient};
    ///
    /// let client = HuaweiClient::builder()
    ///     .project_id("0123456789abcdef0123456789abcdef")
    ///     .credentials(Credentials::token("token"))
    ///     .endpoint_all("http://127.0.0.1:9")
    ///     .build()?;
    /// let target: Target = "huawei-apig:eddc4d25480b4cd6b512f270a1b8b341/56a7d7358e1b42459c9d730d65b14e59".parse()?;
    /// let provider = ApigProvider::for_target(client.clone(), &target)?;
    /// assert_eq!(provider.page_size(), 500);
    /// let elb: Target = "huawei-elb:36ce7086-a496-4666-9064-5ba0e6840c75".parse()?;
    /// assert_eq!(ApigProvider::for_target(client, &elb).unwrap_err().kind(), ErrorKind::InvalidInput);
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn for_target(client: HuaweiClient, target: &Target) -> Result<Self> {
        match target {
            Target::HuaweiApig {
                instance_id,
                vpc_channel_id,
            } => Ok(Self::new(
                client,
                instance_id.clone(),
                vpc_channel_id.clone(),
            )),
            other => Err(Error::invalid_input(format!(
                "the APIG provider serves huawei-apig targets, not {}",
                other.provider()
            ))),
        }
    }

    /// Ask for `page_size` members per listing request, 1 to 500 (default 500).
    pub fn with_page_size(mut self, page_size: u32) -> Result<Self> {
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(Error::invalid_input(format!(
                "page size {page_size} is out of range: it must be 1 to {MAX_PAGE_SIZE}"
            )));
        }
        self.page_size = page_size;
        Ok(self)
    }

    /// Members asked for per listing request.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The most members one listing reads (at least 1) before it ends with
    /// [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete): a client-side
    /// bound no answer of the server can raise. The default is
    /// [`DEFAULT_MAX_RECORDS`](lb_backends_core::paging::DEFAULT_MAX_RECORDS).
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = max.max(1);
        self
    }

    /// The most members one listing reads.
    pub fn max_records(&self) -> u64 {
        self.max_records
    }

    /// The APIG instance.
    pub fn instance_id(&self) -> &ResourceId {
        &self.instance_id
    }

    /// The VPC channel.
    pub fn vpc_channel_id(&self) -> &ResourceId {
        &self.vpc_channel_id
    }

    /// A call on `.../vpc-channels/{id}/members`, followed by `extra` segments.
    pub(crate) fn members_request(
        &self,
        action: &'static str,
        method: Method,
        extra: &[&str],
    ) -> ApiRequest {
        self.client
            .request(action, method, Service::Apig)
            .segments([
                "v2",
                self.client.project_id().as_str(),
                "apigw",
                "instances",
                self.instance_id.as_str(),
                "vpc-channels",
                self.vpc_channel_id.as_str(),
                "members",
            ])
            .segments(extra.iter().copied())
    }

    /// The members that pass `filter`, page by page as the caller consumes them
    /// (`offset` is an item offset; see the crate docs for how a `total` that
    /// disagrees with the pages ends the stream with
    /// [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete)).
    pub fn list_members(&self, filter: &MemberFilter) -> BackendStream<'_> {
        let pairs = filter.query_pairs();
        list_pages(self.page_size, self.max_records, move |offset, limit| {
            let mut request = self.members_request("ListBackendInstancesV2", Method::GET, &[]);
            for (key, value) in &pairs {
                request = request.query(*key, value);
            }
            let request = request.query("offset", offset).query("limit", limit);
            async move {
                self.client
                    .send_with(&request, |r| decode_page(request.action(), r))
                    .await
            }
        })
    }

    /// One member by id. APIG has no call to read a single member, so this lists
    /// the channel and picks the member out (one pass, stopping when found; a
    /// member that is not there costs a full listing).
    pub async fn get_member(&self, id: &ResourceId) -> Result<Backend> {
        find_listed(self.list_members(&MemberFilter::new()), id, &self.target).await
    }
}

#[async_trait]
impl BackendProvider for ApigProvider {
    fn target(&self) -> &Target {
        &self.target
    }

    /// Everything but nothing-new: get, add (upsert), update (re-upsert), remove,
    /// and the instance of a member (known from its record, no extra call).
    fn capabilities(&self) -> Capabilities {
        // Weights 0-10,000 (huawei-more.md 6.1); the admin state is the member's
        // `status` 1/2, switched by batch-enable / batch-disable; `is_backup` and
        // `member_group_name` are taken on create (API.md).
        Capabilities::ALL
            .with_max_weight(Some(crate::writes::MAX_WEIGHT))
            .with_backup_and_groups(true)
    }

    fn list(&self) -> BackendStream<'_> {
        self.list_members(&MemberFilter::new())
    }

    /// Lists the channel and finds `id` ([`get_member`](ApigProvider::get_member)),
    /// so it costs up to a full listing.
    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        self.get_member(id).await
    }

    fn check_add(&self, spec: &NewBackend) -> Result<()> {
        self.capabilities().check_new(self.kind(), spec)?;
        crate::writes::check_new_backend(spec)
    }

    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        self.check_add(spec)?;
        self.add_backend(spec).await
    }

    fn check_update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<()> {
        let _ = id;
        self.capabilities().check_change(self.kind(), change)?;
        crate::writes::check_change(change)
    }

    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        self.check_update(id, change)?;
        self.update_member(id, change).await
    }

    async fn update_many(
        &self,
        changes: &[(ResourceId, BackendUpdate)],
    ) -> Vec<Result<lb_backends_core::provider::BatchOutcome<Backend>>> {
        self.update_members(changes).await
    }

    async fn describe(&self) -> Result<lb_backends_core::TargetInfo> {
        self.describe_channel().await
    }

    async fn remove(&self, id: &ResourceId) -> Result<()> {
        self.remove_member(id).await
    }

    /// An instance member's ECS comes with its record; an IP member is not bound to
    /// an instance by design ([`InstanceLookup::NotBound`]).
    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        Ok(InstanceLookup::from_backend(&self.get_member(id).await?))
    }
}
