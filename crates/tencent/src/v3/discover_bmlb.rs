//! [`BmlbDiscoverer`]: the layer-7 forwarding paths (locations) and the layer-4
//! listeners of one region's BMLB load balancers, through BMLB API 3.0
//! (`DescribeLoadBalancers`, `DescribeL7Listeners`, `DescribeL7Rules`,
//! `DescribeL4Listeners`).

use lb_backends_core::{
    discover::{Discoverer, FilterSupport, Needle, TargetStream},
    paging::{paginate_checked, Page, PageGuard},
    Error, ErrorKind, ProviderKind, RawRecord, ResourceId, Result, Target, TargetInfo,
};
use serde_json::{json, Value};

use crate::{
    client::Service,
    v3::sets::{lb_page_or_end, set_of, LbPage},
    TencentApi, TencentClient,
};

/// The BMLB targets of the client's region: every load balancer
/// (`DescribeLoadBalancers`, `Offset`/`Limit` 100 a page, ended by `TotalCount`),
/// its layer-7 listeners (`DescribeL7Listeners`) and their domains and locations
/// (`DescribeL7Rules`), one `tencent-bmlb:LB/LISTENER/DOMAIN/LOCATION` target each,
/// then its layer-4 listeners (`DescribeL4Listeners`), one
/// `tencent-bmlb:LB/LISTENER` target each.
///
/// BMLB has no filter by backend address or host, so a search lists every target
/// ([`FilterSupport::None`]) and the listings decide. With [`TencentApi::Legacy`],
/// discovery is
/// [`ErrorKind::Unsupported`] (the legacy BMLB listing calls are not implemented).
///
/// The listing is exact or it fails: the load balancers are paged as
/// [`ClbDiscoverer`](crate::ClbDiscoverer) pages them, and a `ListenerSet`,
/// `RuleSet` or `LocationSet` missing, `null` or of the wrong type (either
/// listener answer's `ListenerSet` included) also ends it
/// [`ErrorKind::Incomplete`] (an empty set is `[]`), after the locations read
/// before.
///
/// ```
/// use lb_backends_core::{discover::{Discoverer, FilterSupport, Needle}, ProviderKind};
/// use lb_backends_tencent::{BmlbDiscoverer, TencentClient, TencentCredentials};
///
/// let client = TencentClient::builder()
///     .region("ap-guangzhou")
///     .credentials(TencentCredentials::new("AKIDexample", "secret")?)
///     .build()?;
/// let paths = BmlbDiscoverer::new(client);
/// assert_eq!(paths.kind(), ProviderKind::TencentBmlb);
/// assert_eq!(paths.filter_support(&"10.0.1.5".parse::<Needle>()?), FilterSupport::None);
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BmlbDiscoverer {
    client: TencentClient,
    page_size: u32,
    max_records: Option<u64>,
}

impl BmlbDiscoverer {
    /// The most load balancers a page holds (and the default).
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// The forwarding paths of `client`'s region.
    pub fn new(client: TencentClient) -> Self {
        Self {
            client,
            page_size: Self::MAX_PAGE_SIZE,
            max_records: None,
        }
    }

    /// The most load balancers one enumeration may read before it ends
    /// [`Incomplete`](ErrorKind::Incomplete) (default: the core's [`PageGuard`]
    /// cap): a bound no server number raises. (The locations of each are one
    /// unpaged answer per listener.)
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

    async fn call(&self, action: &'static str, body: &Value) -> Result<Value> {
        self.client.call_v3(Service::Bmlb, action, body, true).await
    }

    /// One page of load balancers, as the locations of each.
    ///
    /// The page is checked whole (its set and total, its ids, the paging rule) before
    /// any load balancer's locations are asked for; the locations of the load
    /// balancers it admitted are yielded before the error of a page that ends the
    /// listing.
    async fn page(
        &self,
        (offset, mut guard): (u64, PageGuard),
    ) -> Result<Page<Result<TargetInfo>, (u64, PageGuard)>> {
        let answer = self
            .call(
                DESCRIBE_LBS,
                &json!({"Offset": offset, "Limit": guard.limit()}),
            )
            .await?;
        let page = match lb_page_or_end(&answer, &guard) {
            Ok(page) => page,
            Err(end) => return Ok(end),
        };
        let got = page.set.len();
        let ids = lb_ids(&page)?;
        let admitted = guard.admit(ids, |id| id.to_string());
        let next = match admitted.problem {
            Some(e) => Err(e),
            None => guard.by_total(page.total, got),
        };
        let mut items = Vec::new();
        for lb in admitted.items {
            match self.locations(&guard, lb).await {
                Ok(infos) => items.extend(infos.into_iter().map(Ok)),
                Err(e) => {
                    items.push(Err(e));
                    return Ok(Page { items, next: None });
                }
            }
        }
        let next = match next {
            Ok(more) => more.then(|| (offset + got as u64, guard)),
            Err(e) => {
                items.push(Err(e));
                None
            }
        };
        Ok(Page { items, next })
    }

    /// Every location, then every layer-4 listener, of load balancer `lb` (a set of
    /// the wrong shape is `guard`'s [`Incomplete`](ErrorKind::Incomplete)).
    async fn locations(&self, guard: &PageGuard, lb: ResourceId) -> Result<Vec<TargetInfo>> {
        let incomplete = |action: &'static str| {
            let lb = &lb;
            move |why: String| guard.incomplete(format!("{action} of {lb}: {why}"))
        };
        let answer = self
            .call(DESCRIBE_LISTENERS, &json!({"LoadBalancerId": lb.as_str()}))
            .await?;
        let mut out = Vec::new();
        for (listener_id, listener) in listeners_of(&answer, &incomplete(DESCRIBE_LISTENERS))? {
            let rules = self
                .call(
                    DESCRIBE_RULES,
                    &json!({"LoadBalancerId": lb.as_str(), "ListenerId": listener_id.as_str()}),
                )
                .await?;
            out.extend(paths(
                &lb,
                &listener_id,
                &listener,
                &rules,
                &incomplete(DESCRIBE_RULES),
            )?);
        }
        let answer = self
            .call(
                DESCRIBE_L4_LISTENERS,
                &json!({"LoadBalancerId": lb.as_str()}),
            )
            .await?;
        for (listener_id, listener) in listeners_of(&answer, &incomplete(DESCRIBE_L4_LISTENERS))? {
            out.push(layer4(&lb, listener_id, &listener));
        }
        Ok(out)
    }
}

const DESCRIBE_LBS: &str = "DescribeLoadBalancers";
const DESCRIBE_LISTENERS: &str = "DescribeL7Listeners";
const DESCRIBE_RULES: &str = "DescribeL7Rules";
const DESCRIBE_L4_LISTENERS: &str = "DescribeL4Listeners";

/// The load balancers of a `DescribeLoadBalancers` page, by id.
pub(crate) fn lb_ids(page: &LbPage) -> Result<Vec<ResourceId>> {
    page.set
        .iter()
        .map(|lb| id_of(lb, "LoadBalancerId"))
        .collect()
}

/// The listeners of a `DescribeL7Listeners` answer, each with its id; a
/// `ListenerSet` of the wrong shape is `incomplete`'s error.
pub(crate) fn listeners_of(
    answer: &Value,
    incomplete: &dyn Fn(String) -> Error,
) -> Result<Vec<(ResourceId, Value)>> {
    set_of(answer, "ListenerSet")
        .map_err(incomplete)?
        .into_iter()
        .map(|listener| Ok((id_of(&listener, "ListenerId")?, listener)))
        .collect()
}

/// The targets of one listener's `DescribeL7Rules` answer: one per location of each
/// rule (domain). A `RuleSet` or `LocationSet` of the wrong shape is `incomplete`'s
/// error.
pub(crate) fn paths(
    lb: &ResourceId,
    listener_id: &ResourceId,
    listener: &Value,
    answer: &Value,
    incomplete: &dyn Fn(String) -> Error,
) -> Result<Vec<TargetInfo>> {
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let mut out = Vec::new();
    for rule in set_of(answer, "RuleSet").map_err(incomplete)? {
        let domain_id = id_of(&rule, "DomainId")?;
        for location in set_of(&rule, "LocationSet").map_err(incomplete)? {
            let mut info = TargetInfo::new(Target::TencentBmlb {
                load_balancer_id: lb.clone(),
                listener_id: listener_id.clone(),
                domain_id: domain_id.clone(),
                location_id: id_of(&location, "LocationId")?,
            });
            info.name = match (text(&rule["Domain"]), text(&location["Url"])) {
                (Some(d), Some(u)) => Some(format!("{d}{u}")),
                (d, u) => d.or(u),
            };
            info.protocol = text(&listener["Protocol"]).map(|p| p.to_ascii_uppercase());
            info.port = listener["LoadBalancerPort"]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok());
            info.load_balancer = Some(lb.to_string());
            info.settings = RawRecord::from_value(&location);
            out.push(info);
        }
    }
    Ok(out)
}

/// The target of one layer-4 listener of a `DescribeL4Listeners` answer.
pub(crate) fn layer4(lb: &ResourceId, listener_id: ResourceId, listener: &Value) -> TargetInfo {
    let mut info = TargetInfo::new(Target::TencentBmlbListener {
        load_balancer_id: lb.clone(),
        listener_id,
    });
    info.name = listener["ListenerName"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    info.protocol = listener["Protocol"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase);
    info.port = listener["LoadBalancerPort"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok());
    info.load_balancer = Some(lb.to_string());
    info.settings = RawRecord::from_value(listener);
    info
}

/// The text id under `key` of a record ([`ErrorKind::Decode`] without one).
pub(crate) fn id_of(record: &Value, key: &str) -> Result<ResourceId> {
    let id = record[key]
        .as_str()
        .ok_or_else(|| Error::new(ErrorKind::Decode, format!("a record without {key}")))?;
    ResourceId::new(id)
}

impl Discoverer for BmlbDiscoverer {
    fn kind(&self) -> ProviderKind {
        ProviderKind::TencentBmlb
    }

    fn targets<'a>(&'a self, _filter: Option<&'a Needle>) -> TargetStream<'a> {
        if self.client.api() == TencentApi::Legacy {
            return lb_backends_core::discover::unsupported(
                ProviderKind::TencentBmlb,
                "discovering forwarding paths with the legacy API (use Tencent API 3.0: \
                 --tencent-api 3)",
            );
        }
        let mut guard = PageGuard::new("listing the BMLB load balancers", self.page_size);
        if let Some(max) = self.max_records {
            guard = guard.with_max_records(max);
        }
        let first = (0u64, guard);
        paginate_checked(first, move |cursor| self.page(cursor))
    }

    fn filter_support(&self, _needle: &Needle) -> FilterSupport {
        FilterSupport::None
    }
}

#[cfg(test)]
mod tests;
