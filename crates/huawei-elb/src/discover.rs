//! [`ElbDiscoverer`]: the pools of one project and region (`ListPools`), all of them
//! or those with a member at an address or on an ECS, filtered by ELB itself.

use std::sync::Arc;

use http::Method;
use lb_backends_core::{
    discover::{Discoverer, FilterSupport, Needle, TargetStream},
    paging::{paginate_checked, Page, PageGuard},
    Error, ProviderKind, RawRecord, ResourceId, Result, Target, TargetInfo,
};
use lb_backends_huawei_core::{HuaweiClient, Service};
use serde::Deserialize;
use serde_json::Value;

/// The pools of the client's project and region, through ELB v3 `ListPools`
/// (`GET /v3/{project_id}/elb/pools`), marker-paged as member listings are.
///
/// With a [`Needle`], ELB filters on the server: `member_address` for an address,
/// `member_instance_id` for an instance (the ECS id; `member_device_id` names the
/// same ECS through its port and is not sent). The port of `ADDRESS:PORT` is not a
/// `ListPools` filter, so such a search is [`FilterSupport::Candidates`] and the
/// pool's listing confirms it. `ListPools` is project-wide and includes pools bound
/// to no load balancer (huawei-more.md 4.1); pools an enterprise project hides
/// from these credentials are not listed.
///
/// ```
/// use lb_backends_core::{discover::{Discoverer, FilterSupport, Needle}, ProviderKind};
/// use lb_backends_huawei_core::{Credentials, HuaweiClient};
/// use lb_backends_huawei_elb::ElbDiscoverer;
///
/// let client = HuaweiClient::builder()
///     .region("cn-north-4")
///     .project_id("0123456789abcdef0123456789abcdef")
///     .credentials(Credentials::token("MIIE..."))
///     .build()?;
/// let pools = ElbDiscoverer::new(client).with_page_size(500);
/// assert_eq!(pools.kind(), ProviderKind::HuaweiElb);
/// assert_eq!(pools.filter_support(&"10.0.1.5".parse::<Needle>()?), FilterSupport::Exact);
/// assert_eq!(pools.filter_support(&"10.0.1.5:80".parse::<Needle>()?), FilterSupport::Candidates);
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ElbDiscoverer {
    client: HuaweiClient,
    page_size: u32,
    max_records: Option<u64>,
}

impl ElbDiscoverer {
    /// The pools of `client`'s project and region.
    pub fn new(client: HuaweiClient) -> Self {
        Self {
            client,
            page_size: crate::ElbProvider::MAX_PAGE_SIZE,
            max_records: None,
        }
    }

    /// The most pools one enumeration may yield before it ends
    /// [`Incomplete`](lb_backends_core::ErrorKind::Incomplete) (default: the core's
    /// [`PageGuard`] cap): a bound no server number raises.
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = Some(max);
        self
    }

    /// Pools per page, 1 to 2000 (default 2000).
    #[must_use]
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, crate::ElbProvider::MAX_PAGE_SIZE);
        self
    }

    async fn page(
        &self,
        filter: Arc<Vec<(&'static str, String)>>,
        mut cursor: Cursor,
    ) -> Result<Page<Result<TargetInfo>, Cursor>> {
        // `page_info` is read as it came: a paging signal of the wrong shape ends the
        // enumeration `Incomplete` (as in member listings), not as a decoding error.
        #[derive(Deserialize)]
        struct Answer {
            pools: Vec<Value>,
            #[serde(default)]
            page_info: Option<Value>,
        }
        let mut request = self
            .client
            .request("ListPools", Method::GET, Service::Elb)
            .segments(["v3", self.client.project_id().as_str(), "elb", "pools"])
            .query("limit", cursor.guard.limit());
        if let Some(m) = &cursor.marker {
            request = request.query("marker", m);
        }
        for (k, v) in filter.iter() {
            request = request.query(*k, v);
        }
        let answer: Answer = self.client.send_json(&request).await?;
        let count = answer.pools.len();
        let infos = answer
            .pools
            .iter()
            .map(pool_info)
            .collect::<Result<Vec<_>>>()?;
        let last = infos.last().map(|i| i.target.to_string());
        let admitted = cursor.guard.admit(infos, |i| i.target.to_string());
        if admitted.problem.is_some() {
            return Ok(admitted.into_page(Ok(None)));
        }
        let next_marker = match answer.page_info.as_ref().map(|p| p.get("next_marker")) {
            None | Some(None | Some(Value::Null)) => None,
            Some(Some(Value::String(m))) if !m.is_empty() => Some(m.clone()),
            Some(Some(other)) => {
                let why = format!("next_marker is {other}, not a marker");
                return Ok(admitted.into_page(Err(cursor.guard.incomplete(why))));
            }
        };
        if answer.page_info.as_ref().is_some_and(|p| !p.is_object()) {
            let why = "page_info is not an object";
            return Ok(admitted.into_page(Err(cursor.guard.incomplete(why))));
        }
        let full = count >= cursor.guard.limit() as usize;
        let next = match (next_marker, count) {
            (Some(_), 0) => Err(cursor
                .guard
                .incomplete("an empty page carries a next_marker")),
            (Some(m), _) => Ok(Some(m)),
            // A full page without next_marker: one more page after its last pool
            // confirms the end (whether ELB omits next_marker on a full last page is
            // unconfirmed, huawei-more.md 10.3).
            (None, _) if full => {
                Ok(last.and_then(|t| t.split_once(':').map(|(_, id)| id.to_owned())))
            }
            (None, _) => Ok(None),
        };
        let next = next.and_then(|m| match m {
            Some(m) => {
                cursor.guard.follow(&m)?;
                cursor.marker = Some(m);
                Ok(Some(cursor))
            }
            None => Ok(None),
        });
        Ok(admitted.into_page(next))
    }
}

struct Cursor {
    guard: PageGuard,
    marker: Option<String>,
}

/// The short description of a pool from its `ListPools` record.
fn pool_info(pool: &Value) -> Result<TargetInfo> {
    let id = pool["id"]
        .as_str()
        .ok_or_else(|| Error::new(lb_backends_core::ErrorKind::Decode, "a pool without an id"))?;
    let mut info = TargetInfo::new(Target::HuaweiElb {
        pool_id: ResourceId::new(id)?,
    });
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    info.name = text(&pool["name"]);
    info.protocol = text(&pool["protocol"]);
    info.load_balancer = pool["loadbalancers"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|lb| text(&lb["id"]));
    if pool["connection_drain"]["enable"].as_bool() == Some(true) {
        info.drain_timeout = pool["connection_drain"]["timeout"]
            .as_u64()
            .map(std::time::Duration::from_secs);
    }
    info.settings = RawRecord::from_value(pool);
    Ok(info)
}

impl Discoverer for ElbDiscoverer {
    fn kind(&self) -> ProviderKind {
        ProviderKind::HuaweiElb
    }

    fn targets<'a>(&'a self, filter: Option<&'a Needle>) -> TargetStream<'a> {
        let mut pairs = Vec::new();
        match filter {
            Some(Needle::Address { address, .. }) => {
                pairs.push(("member_address", address.to_string()))
            }
            Some(Needle::Instance(id)) => pairs.push(("member_instance_id", id.to_string())),
            _ => {}
        }
        let pairs = Arc::new(pairs);
        let mut guard = PageGuard::new("listing the ELB pools", self.page_size);
        if let Some(max) = self.max_records {
            guard = guard.with_max_records(max);
        }
        let first = Cursor {
            guard,
            marker: None,
        };
        paginate_checked(first, move |cursor| self.page(pairs.clone(), cursor))
    }

    fn filter_support(&self, needle: &Needle) -> FilterSupport {
        match needle {
            Needle::Address { port: Some(_), .. } => FilterSupport::Candidates,
            _ => FilterSupport::Exact,
        }
    }
}
