//! [`ElbProvider`]: the members of one ELB v3 pool, as a core [`BackendProvider`].

use async_trait::async_trait;
use http::Method;
use std::net::IpAddr;

use lb_backends_core::{
    provider::BatchOutcome, transport::ApiRequest, Backend, BackendProvider, BackendStream,
    BackendUpdate, Capabilities, Error, InstanceLookup, NewBackend, Port, ResourceId, Result,
    Target, TargetInfo,
};
use lb_backends_huawei_core::{HuaweiClient, Service};
use serde_json::{Map, Value};

use crate::{batch::MemberRef, mapping, CreateMember, ListQuery};

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
/// let caps = provider.capabilities();
/// assert_eq!((caps.max_weight, caps.admin_state), (Some(100), false));
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
    /// The pool's settings, read once when a write needs them (clones share them).
    pub(crate) pool: std::sync::Arc<tokio::sync::OnceCell<crate::PoolSettings>>,
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
            pool: std::sync::Arc::default(),
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

    /// Change a member's name or weight (`PUT`, HTTP 200). An update that changes
    /// nothing, a weight over 100, or an admin state (read-only on ELB: the cloud sets
    /// it from the ECS's existence) is refused before sending.
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
        BackendProvider::check_update(self, id, change)?;
        let mut member = Map::new();
        if let Some(name) = &change.name {
            member.insert("name".into(), name.as_str().into());
        }
        if let Some(weight) = change.weight {
            member.insert("weight".into(), weight.get().into());
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
        // ELB's admin_state_up is read-only: "do not pass this field" on create and
        // update; its value says whether the ECS behind the member exists.
        Capabilities::ALL
            .with_max_weight(Some(crate::create::MAX_WEIGHT))
            .with_admin_state(false)
            .with_native_batch(true)
    }

    fn list(&self) -> BackendStream<'_> {
        self.list_members(&ListQuery::default())
    }

    /// ELB filters by `address` and `protocol_port` (one short page). An IPv6
    /// address is matched by ELB as the text it was created with, which may not be
    /// ours, so only the port is asked of the server then; either way what comes back
    /// is checked here too.
    fn list_at(&self, address: IpAddr, port: Option<Port>) -> BackendStream<'_> {
        let mut query = ListQuery::new();
        if address.is_ipv4() {
            query = query.with_address(address);
        }
        if let Some(port) = port {
            query = query.with_protocol_port(port);
        }
        lb_backends_core::provider::at_place(self.list_members(&query), address, port)
    }

    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        self.get_member(id).await
    }

    fn check_add(&self, spec: &NewBackend) -> Result<()> {
        if spec.admin_up.is_some() {
            return Err(crate::create::admin_state_read_only());
        }
        self.capabilities().check_new(self.kind(), spec)?;
        CreateMember::from_new_backend(spec).check().map(drop)
    }

    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        self.check_add(spec)?;
        // `create_member` runs the same `check` before sending.
        self.create_member(&CreateMember::from_new_backend(spec))
            .await
    }

    fn check_update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<()> {
        let _ = id;
        if change.admin_up.is_some() {
            return Err(crate::create::admin_state_read_only());
        }
        self.capabilities().check_change(self.kind(), change)
    }

    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        self.check_update(id, change)?;
        if change.weight.is_some() {
            self.check_weight_matters().await?;
        }
        self.update_member(id, change).await
    }

    async fn remove(&self, id: &ResourceId) -> Result<()> {
        self.check_removable().await?;
        self.delete_member(id).await
    }

    async fn instance_of(&self, id: &ResourceId) -> Result<InstanceLookup> {
        self.find_instance(id).await
    }

    async fn describe(&self) -> Result<TargetInfo> {
        self.describe_pool().await
    }

    async fn add_many(&self, specs: &[NewBackend]) -> Vec<Result<BatchOutcome<Backend>>> {
        // The same checks as `add`; a refused spec is reported and not sent.
        let mut out: Vec<Option<Result<BatchOutcome<Backend>>>> = Vec::new();
        let mut send = Vec::new();
        for spec in specs {
            match self.check_add(spec) {
                Ok(()) => {
                    out.push(None);
                    send.push(CreateMember::from_new_backend(spec));
                }
                Err(e) => out.push(Some(Err(e))),
            }
        }
        let mut sent = self.batch_add(&send).await.into_iter();
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    sent.next()
                        .unwrap_or_else(|| Err(Error::invalid_input("lost a batch result")))
                })
            })
            .collect()
    }

    async fn update_many(
        &self,
        changes: &[(ResourceId, BackendUpdate)],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        self.batch_update(changes).await
    }

    async fn remove_many(&self, ids: &[ResourceId]) -> Vec<Result<BatchOutcome<ResourceId>>> {
        let refs: Vec<MemberRef> = ids.iter().cloned().map(MemberRef::Id).collect();
        self.batch_delete(&refs)
            .await
            .into_iter()
            .zip(ids)
            .map(|(r, id)| r.map(|o| crate::batch::outcome(id.clone(), o.unchanged)))
            .collect()
    }

    async fn remove_many_at(
        &self,
        endpoints: &[(IpAddr, Port)],
    ) -> Vec<Result<BatchOutcome<Option<ResourceId>>>> {
        self.batch_delete_at(endpoints).await
    }
}
