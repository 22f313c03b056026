//! [`BmlbDiscoverer`]: the layer-7 forwarding paths (locations) of one region's BMLB
//! load balancers, through BMLB API 3.0 (`DescribeLoadBalancers`,
//! `DescribeL7Listeners`, `DescribeL7Rules`).

use lb_backends_core::{
    discover::{Discoverer, FilterSupport, Needle, TargetStream},
    paging::{paginate_checked, read_count, Page, PageGuard},
    Error, ErrorKind, ProviderKind, RawRecord, ResourceId, Result, Target, TargetInfo,
};
use serde_json::{json, Value};

use crate::{client::Service, TencentApi, TencentClient};

/// The BMLB forwarding paths of the client's region: every load balancer
/// (`DescribeLoadBalancers`, `Offset`/`Limit` 100 a page, ended by `TotalCount`),
/// its layer-7 listeners (`DescribeL7Listeners`), and their domains and locations
/// (`DescribeL7Rules`); one `tencent-bmlb:LB/LISTENER/DOMAIN/LOCATION` target each.
///
/// BMLB has no filter by backend address or host, so a search lists every location
/// ([`FilterSupport::None`]) and the listings decide. Layer-4 listeners
/// (`DescribeL4Listeners`) are not yielded: lb-backends has no BMLB layer-4 target
/// yet. With [`TencentApi::Legacy`], discovery is
/// [`ErrorKind::Unsupported`] (the legacy BMLB listing calls are not implemented).
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
}

impl BmlbDiscoverer {
    /// The most load balancers a page holds (and the default).
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// The forwarding paths of `client`'s region.
    pub fn new(client: TencentClient) -> Self {
        Self {
            client,
            page_size: Self::MAX_PAGE_SIZE,
        }
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
    async fn page(
        &self,
        (offset, mut guard): (u64, PageGuard),
    ) -> Result<Page<Result<TargetInfo>, (u64, PageGuard)>> {
        let answer = self
            .call(
                "DescribeLoadBalancers",
                &json!({"Offset": offset, "Limit": guard.limit()}),
            )
            .await?;
        let set = list(&answer, "LoadBalancerSet", "DescribeLoadBalancers")?;
        let got = set.len();
        let ids = set
            .iter()
            .map(|lb| id_of(lb, "LoadBalancerId"))
            .collect::<Result<Vec<_>>>()?;
        let admitted = guard.admit(ids, |id| id.to_string());
        let mut items = Vec::new();
        for lb in admitted.items {
            match self.locations(lb).await {
                Ok(infos) => items.extend(infos.into_iter().map(Ok)),
                Err(e) => {
                    items.push(Err(e));
                    return Ok(Page { items, next: None });
                }
            }
        }
        if let Some(e) = admitted.problem {
            items.push(Err(e));
            return Ok(Page { items, next: None });
        }
        let more = match read_count(&answer["TotalCount"]) {
            Some(total) => guard.by_total(total, got),
            None => Err(guard.incomplete("TotalCount cannot be read")),
        };
        let next = match more {
            Ok(more) => more.then(|| (offset + got as u64, guard)),
            Err(e) => {
                items.push(Err(e));
                None
            }
        };
        Ok(Page { items, next })
    }

    /// Every location of load balancer `lb`.
    async fn locations(&self, lb: ResourceId) -> Result<Vec<TargetInfo>> {
        let listeners = self
            .call(
                "DescribeL7Listeners",
                &json!({"LoadBalancerId": lb.as_str()}),
            )
            .await?;
        let mut out = Vec::new();
        for listener in list(&listeners, "ListenerSet", "DescribeL7Listeners")? {
            let listener_id = id_of(&listener, "ListenerId")?;
            let rules = self
                .call(
                    "DescribeL7Rules",
                    &json!({"LoadBalancerId": lb.as_str(), "ListenerId": listener_id.as_str()}),
                )
                .await?;
            for rule in list(&rules, "RuleSet", "DescribeL7Rules")? {
                let domain_id = id_of(&rule, "DomainId")?;
                for location in list(&rule, "LocationSet", "DescribeL7Rules")? {
                    let mut info = TargetInfo::new(Target::TencentBmlb {
                        load_balancer_id: lb.clone(),
                        listener_id: listener_id.clone(),
                        domain_id: domain_id.clone(),
                        location_id: id_of(&location, "LocationId")?,
                    });
                    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
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
        }
        Ok(out)
    }
}

fn list(answer: &Value, key: &str, action: &str) -> Result<Vec<Value>> {
    match &answer[key] {
        Value::Array(a) => Ok(a.clone()),
        Value::Null => Ok(Vec::new()),
        _ => Err(Error::new(
            ErrorKind::Decode,
            format!("{action}: {key} is not a list"),
        )),
    }
}

fn id_of(record: &Value, key: &str) -> Result<ResourceId> {
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
        let first = (
            0u64,
            PageGuard::new("listing the BMLB load balancers", self.page_size),
        );
        paginate_checked(first, move |cursor| self.page(cursor))
    }

    fn filter_support(&self, _needle: &Needle) -> FilterSupport {
        FilterSupport::None
    }
}
