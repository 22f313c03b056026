//! [`ClbDiscoverer`]: the CLB load balancers of one region (API 3.0
//! `DescribeLoadBalancers`), all of them or those with a backend at an address.

use lb_backends_core::{
    discover::{Discoverer, FilterSupport, Needle, TargetStream},
    paging::{paginate_checked, Page, PageGuard},
    Error, ErrorKind, ProviderKind, RawRecord, ResourceId, Result, Target, TargetInfo,
};
use serde_json::{json, Value};

use crate::{
    client::Service,
    v3::{clb::LbKind, sets::lb_page_or_end},
    TencentApi, TencentClient,
};

/// The CLB load balancers of the client's region, through API 3.0
/// `DescribeLoadBalancers` (`Offset`/`Limit`, 100 a page, ended by `TotalCount`).
///
/// Each is yielded as a `tencent-clb:LB_ID` target: a standard CLB's listing covers
/// every listener and layer-7 rule, and its backend ids carry the listener and rule
/// (`lbl-…[:loc-…]:TARGET:PORT`) that writes need, so a registration found there can
/// be removed or drained as it is. Its `Forward` (standard or classic) is cached on
/// the client, so the providers built for the targets do not ask again.
///
/// An address is filtered by CLB itself (`BackendPrivateIps`):
/// [`FilterSupport::Candidates`] (the port is not a filter, and whether the filter
/// covers classic CLBs' CVMs and ENI targets is unconfirmed; listing confirms). An
/// instance id has no `DescribeLoadBalancers` filter: every load balancer is listed
/// ([`FilterSupport::None`]). With [`TencentApi::Legacy`], discovery is
/// [`ErrorKind::Unsupported`]: the legacy API's load balancer listing is not
/// implemented here (use API 3.0).
///
/// The listing is exact or it fails: a `LoadBalancerSet` or `TotalCount` missing,
/// `null` or of the wrong type, a total that disagrees with the pages, a repeated
/// or oversized page, or more than [`with_max_records`](Self::with_max_records)
/// load balancers ends it [`ErrorKind::Incomplete`] after what was read.
///
/// ```
/// use lb_backends_core::{discover::{Discoverer, FilterSupport, Needle}, ProviderKind};
/// use lb_backends_tencent::{ClbDiscoverer, TencentClient, TencentCredentials};
///
/// let client = TencentClient::builder()
///     .region("ap-guangzhou")
///     .credentials(TencentCredentials::new("AKIDexample", "secret")?)
///     .build()?;
/// let lbs = ClbDiscoverer::new(client);
/// assert_eq!(lbs.kind(), ProviderKind::TencentClb);
/// assert_eq!(lbs.filter_support(&"10.0.1.5".parse::<Needle>()?), FilterSupport::Candidates);
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClbDiscoverer {
    client: TencentClient,
    page_size: u32,
    max_records: Option<u64>,
}

const DESCRIBE_LBS: &str = "DescribeLoadBalancers";

impl ClbDiscoverer {
    /// The most load balancers a page holds (and the default).
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// The load balancers of `client`'s region.
    pub fn new(client: TencentClient) -> Self {
        Self {
            client,
            page_size: Self::MAX_PAGE_SIZE,
            max_records: None,
        }
    }

    /// The most load balancers one enumeration may yield before it ends
    /// [`Incomplete`](ErrorKind::Incomplete) (default: the core's [`PageGuard`]
    /// cap): a bound no server number raises.
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = Some(max);
        self
    }

    /// Load balancers per page, 1 to 100 (default 100).
    #[must_use]
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, Self::MAX_PAGE_SIZE);
        self
    }

    async fn page(
        &self,
        ips: Option<String>,
        (offset, mut guard): (u64, PageGuard),
    ) -> Result<Page<Result<TargetInfo>, (u64, PageGuard)>> {
        let mut body = json!({"Offset": offset, "Limit": guard.limit()});
        if let Some(ip) = &ips {
            body["BackendPrivateIps"] = json!([ip]);
        }
        let answer: Value = self
            .client
            .call_v3(Service::Clb, DESCRIBE_LBS, &body, true)
            .await?;
        // The set and the total are paging signals, read strictly: an answer that
        // lacks either (or has one of the wrong type) is not an empty or final page.
        let page = match lb_page_or_end(&answer, &guard) {
            Ok(page) => page,
            Err(end) => return Ok(end),
        };
        let got = page.set.len();
        let infos = page
            .set
            .iter()
            .map(|lb| {
                let (info, kind) = target_info(lb)?;
                if let (Some(kind), Target::TencentClb { load_balancer_id }) = (kind, &info.target)
                {
                    self.client.cache_lb_kind(load_balancer_id.as_str(), kind);
                }
                Ok(info)
            })
            .collect::<Result<Vec<_>>>()?;
        let admitted = guard.admit(infos, |i| i.target.to_string());
        if admitted.problem.is_some() {
            return Ok(admitted.into_page(Ok(None)));
        }
        let more = guard.by_total(page.total, got);
        let next = more.map(|more| more.then(|| (offset + got as u64, guard)));
        Ok(admitted.into_page(next))
    }
}

/// A `LoadBalancerSet` record as a `tencent-clb:LB_ID` target, and its kind when
/// `Forward` says it (1 standard, 0 classic). A record without a text
/// `LoadBalancerId` (or not an object) is [`ErrorKind::Decode`].
pub(crate) fn target_info(lb: &Value) -> Result<(TargetInfo, Option<LbKind>)> {
    let id = lb["LoadBalancerId"]
        .as_str()
        .ok_or_else(|| Error::new(ErrorKind::Decode, "a load balancer without an id"))?;
    let kind = match lb["Forward"].as_i64() {
        Some(1) => Some(LbKind::Standard),
        Some(0) => Some(LbKind::Classic),
        _ => None,
    };
    let mut info = TargetInfo::new(Target::TencentClb {
        load_balancer_id: ResourceId::new(id)?,
    });
    info.name = lb["LoadBalancerName"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    info.settings = RawRecord::from_value(lb);
    Ok((info, kind))
}

impl Discoverer for ClbDiscoverer {
    fn kind(&self) -> ProviderKind {
        ProviderKind::TencentClb
    }

    fn targets<'a>(&'a self, filter: Option<&'a Needle>) -> TargetStream<'a> {
        if self.client.api() == TencentApi::Legacy {
            return lb_backends_core::discover::unsupported(
                ProviderKind::TencentClb,
                "discovering load balancers with the legacy API (use Tencent API 3.0: \
                 --tencent-api 3)",
            );
        }
        let ips = filter.and_then(Needle::ip).map(|ip| ip.to_string());
        let mut guard = PageGuard::new("listing the CLB load balancers", self.page_size);
        if let Some(max) = self.max_records {
            guard = guard.with_max_records(max);
        }
        let first = (0u64, guard);
        paginate_checked(first, move |cursor| {
            let ips = ips.clone();
            async move { self.page(ips, cursor).await }
        })
    }

    fn filter_support(&self, needle: &Needle) -> FilterSupport {
        match needle {
            Needle::Address { .. } => FilterSupport::Candidates,
            _ => FilterSupport::None,
        }
    }
}

#[cfg(test)]
mod tests;
