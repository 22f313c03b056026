//! [`ElbProvider`]: the members of one ELB v3 pool, as a core [`BackendProvider`].

use async_trait::async_trait;
use http::Method;
use lb_backends_core::{
    transport::ApiRequest, Backend, BackendProvider, BackendStream, BackendUpdate, Capabilities,
    Error, InstanceLookup, NewBackend, ResourceId, Result, Target,
};
use lb_backends_huawei_core::{HuaweiClient, Service};
use serde_json::{Map, Value};

use crate::{mapping, CreateMember, ListQuery};

/// The members (backend servers) of one ELB v3 backend server group (pool).
///
/// Cheap to clone; clones share the client's connections.
///
/// ```
/// use lb_backends_core::{BackendProvider, Capabilities, ResourceId, Target};
/// use lb_backends_huawei_core::{Credentials, HuaweiClient};
/// use lb_backends_huawei_elb::ElbProvider;
///
/// let client = HuaweiClient::builder()
///     .region("cn-north-4")
///     .project_id("0123456789abcdef0123456789abcdef")
///     .credentials(Credentials::token("MIIE..."))
///     .build()?;
/// let pool = ResourceId::new("36ce7086-a496-4666-9064-5ba0e6840c75")?;
/// let provider = ElbProvider::new(client.clone(), pool).with_page_size(500);
/// assert_eq!(provider.capabilities(), Capabilities::ALL);
///
/// // Or from a target, as the CLI has it.
/// let target: Target = "huawei-elb:36ce7086-a496-4666-9064-5ba0e6840c75".parse()?;
/// let same = ElbProvider::for_target(client.clone(), &target)?;
/// assert_eq!(same.target(), &target);
/// assert!(ElbProvider::for_target(client, &"tencent-clb:lb-1".parse()?).is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ElbProvider {
    client: HuaweiClient,
    target: Target,
    pool_id: ResourceId,
    page_size: u32,
    max_records: u64,
}

impl ElbProvider {
    /// The largest (and default) page size ELB takes.
    pub const MAX_PAGE_SIZE: u32 = 2000;

    /// The most members one listing reads by default: 1,000 full pages, the same
    /// bound on requests as the other providers' 100,000 records at 100 a page, and
    /// room for the million-member pools the benchmarks list.
    pub const DEFAULT_MAX_RECORDS: u64 = 2_000_000;

    /// The members of pool `pool_id`, through `client`.
    pub fn new(client: HuaweiClient, pool_id: ResourceId) -> Self {
        Self {
            client,
            target: Target::HuaweiElb {
                pool_id: pool_id.clone(),
            },
            pool_id,
            page_size: Self::MAX_PAGE_SIZE,
            max_records: Self::DEFAULT_MAX_RECORDS,
        }
    }

    /// The members of the pool a [`Target::HuaweiElb`] names; any other target is
    /// [`ErrorKind::InvalidInput`](lb_backends_core::ErrorKind::InvalidInput).
    pub fn for_target(client: HuaweiClient, target: &Target) -> Result<Self> {
        match target {
            Target::HuaweiElb { pool_id } => Ok(Self::new(client, pool_id.clone())),
            other => Err(Error::invalid_input(format!(
                "target {other} is a {} target; the Huawei ELB provider takes huawei-elb:POOL_ID",
                other.provider()
            ))),
        }
    }

    /// Members per page, 1 to 2000 (default 2000); values outside are clamped to
    /// that range.
    #[must_use]
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, Self::MAX_PAGE_SIZE);
        self
    }

    /// Members per page.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The most members one listing reads (at least 1) before it ends with
    /// [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete): a client-side
    /// bound no answer of the server can raise. The default is
    /// [`DEFAULT_MAX_RECORDS`](Self::DEFAULT_MAX_RECORDS).
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = max.max(1);
        self
    }

    /// The most members one listing reads.
    pub fn max_records(&self) -> u64 {
        self.max_records
    }

    /// The pool.
    pub fn pool_id(&self) -> &ResourceId {
        &self.pool_id
    }

    /// The client in use.
    pub fn client(&self) -> &HuaweiClient {
        &self.client
    }

    /// `/v3/{project_id}/elb/pools/{pool_id}/members`
    pub(crate) fn members_request(&self, action: &'static str, method: Method) -> ApiRequest {
        self.client.request(action, method, Service::Elb).segments([
            "v3",
            self.client.project_id().as_str(),
            "elb",
            "pools",
            self.pool_id.as_str(),
            "members",
        ])
    }

    fn member_request(&self, action: &'static str, method: Method, id: &ResourceId) -> ApiRequest {
        self.members_request(action, method).segment(id.as_str())
    }

    /// The member object as the cloud sent it.
    pub(crate) async fn show_member_raw(
        &self,
        id: &ResourceId,
    ) -> Result<lb_backends_core::RawRecord> {
        let request = self.member_request("ShowMember", Method::GET, id);
        self.client
            .send_with(&request, |r| mapping::member_of("ShowMember", r))
            .await
    }

    /// One member by its id.
    ///
    /// ```no_run
    /// # async fn demo(provider: lb_backends_huawei_elb::ElbProvider) -> lb_backends_core::Result<()> {
    /// let id = lb_backends_core::ResourceId::new("1923923e-fe8a-484f-bdbc-e11559b1f48f")?;
    /// let member = provider.get_member(&id).await?;
    /// println!("{:?}:{:?} weight {:?} {:?}", member.address, member.port, member.weight, member.health);
    /// # Ok(()) }
    /// ```
    pub async fn get_member(&self, id: &ResourceId) -> Result<Backend> {
        let raw = self.show_member_raw(id).await?;
        mapping::the_member(raw, id.as_str())
    }

    /// Change a member's name, weight or admin state (`PUT`, HTTP 200). An update
    /// that changes nothing is refused before sending.
    ///
    /// ```no_run
    /// # async fn demo(provider: lb_backends_huawei_elb::ElbProvider) -> lb_backends_core::Result<()> {
    /// use lb_backends_core::{BackendUpdate, ResourceId, Weight};
    /// let id = ResourceId::new("1923923e-fe8a-484f-bdbc-e11559b1f48f")?;
    /// let drained = provider
    ///     .update_member(&id, &BackendUpdate::new().with_weight(Weight::new(0)?))
    ///     .await?;
    /// assert_eq!(drained.weight, Some(0));
    /// # Ok(()) }
    /// ```
    pub async fn update_member(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        change.ensure_not_empty()?;
        let mut member = Map::new();
        if let Some(name) = &change.name {
            member.insert("name".into(), name.as_str().into());
        }
        if let Some(weight) = change.weight {
            member.insert("weight".into(), weight.get().into());
        }
        if let Some(up) = change.admin_up {
            member.insert("admin_state_up".into(), up.into());
        }
        let mut body = Map::new();
        body.insert("member".into(), Value::Object(member));
        let request = self
            .member_request("UpdateMember", Method::PUT, id)
            .json_body(&body)?;
        let raw = self
            .client
            .send_with(&request, |r| mapping::member_of("UpdateMember", r))
            .await?;
        mapping::the_member(raw, id.as_str())
    }

    /// Remove a member from the pool (`DELETE`, HTTP 204). Retried on failures that
    /// may be transient; a "not found" that follows an attempt whose answer was lost
    /// means that attempt removed it, and is success ([`removed`]).
    ///
    /// [`removed`]: lb_backends_core::provider::removed
    pub async fn delete_member(&self, id: &ResourceId) -> Result<()> {
        let request = self.member_request("DeleteMember", Method::DELETE, id);
        lb_backends_core::provider::removed(self.client.send_with(&request, |_| Ok(())).await)
    }
}

#[async_trait]
impl BackendProvider for ElbProvider {
    fn target(&self) -> &Target {
        &self.target
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    fn list(&self) -> BackendStream<'_> {
        self.list_members(&ListQuery::default())
    }

    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        self.get_member(id).await
    }

    fn check_add(&self, spec: &NewBackend) -> Result<()> {
        CreateMember::from_new_backend(spec).check().map(drop)
    }

    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        // `create_member` runs the same `check` before sending.
        self.create_member(&CreateMember::from_new_backend(spec))
            .await
    }

    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        self.update_member(id, change).await
    }

    async fn remove(&self, id: &ResourceId) -> Result<()> {
        self.delete_member(id).await
    }

    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        self.find_instance(id).await
    }
}
