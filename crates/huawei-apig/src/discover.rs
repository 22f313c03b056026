//! [`ApigDiscoverer`]: the VPC channels of a project's APIG instances
//! (`ListVpcChannelsV2`), all of them or those with a member at an address.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use http::Method;
use lb_backends_core::{
    discover::{Discoverer, FilterSupport, Needle, TargetStream},
    paging::{paginate_checked, read_count, Page, PageGuard},
    transport::ApiRequest,
    Error, ErrorKind, ProviderKind, RawRecord, ResourceId, Result, Target, TargetInfo,
};
use lb_backends_huawei_core::{HuaweiClient, Service};
use serde_json::Value;

/// The VPC channels of the client's project: of the APIG instances given
/// ([`with_instances`](Self::with_instances)), else of every instance the project
/// lists (`GET /v2/{project_id}/apigw/instances`), each instance's channels through
/// `GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels`, offset-paged.
///
/// An address is filtered by APIG itself (`member_host`, "exact match by default",
/// huawei-more.md 6.7, with `member_port` for `ADDRESS:PORT`):
/// [`FilterSupport::Exact`]. APIG has no channel filter by ECS id, so an instance
/// search lists every channel ([`FilterSupport::None`]) and the listings decide.
///
/// ```
/// use lb_backends_core::{discover::{Discoverer, FilterSupport, Needle}, ResourceId};
/// use lb_backends_huawei_apig::ApigDiscoverer;
/// use lb_backends_huawei_core::{Credentials, HuaweiClient};
///
/// let client = HuaweiClient::builder()
///     .region("cn-north-4")
///     .project_id("0123456789abcdef0123456789abcdef")
///     .credentials(Credentials::token("MIIE..."))
///     .build()?;
/// let channels = ApigDiscoverer::new(client)
///     .with_instances(vec![ResourceId::new("eddc4d25480b4cd6b512f270a1b8b341")?]);
/// assert_eq!(channels.filter_support(&"10.0.1.5".parse::<Needle>()?), FilterSupport::Exact);
/// assert_eq!(channels.filter_support(&"ins-1".parse::<Needle>()?), FilterSupport::None);
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ApigDiscoverer {
    client: HuaweiClient,
    instances: Option<Vec<ResourceId>>,
    page_size: u32,
    max_records: Option<u64>,
}

impl ApigDiscoverer {
    /// The channels of every APIG instance of `client`'s project.
    pub fn new(client: HuaweiClient) -> Self {
        Self {
            client,
            instances: None,
            page_size: crate::MAX_PAGE_SIZE,
            max_records: None,
        }
    }

    /// The most records one listing (of instances, or of one instance's channels)
    /// may yield before it ends
    /// [`Incomplete`](lb_backends_core::ErrorKind::Incomplete) (default: the core's
    /// [`PageGuard`] cap).
    #[must_use]
    pub fn with_max_records(mut self, max: u64) -> Self {
        self.max_records = Some(max);
        self
    }

    /// Only the channels of these instances (no instance listing).
    #[must_use]
    pub fn with_instances(mut self, instances: Vec<ResourceId>) -> Self {
        self.instances = Some(instances);
        self
    }

    /// Records per page, 1 to 500 (default 500).
    #[must_use]
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, crate::MAX_PAGE_SIZE);
        self
    }

    fn instances_request(&self) -> ApiRequest {
        self.client
            .request("ListInstancesV2", Method::GET, Service::Apig)
            .segments([
                "v2",
                self.client.project_id().as_str(),
                "apigw",
                "instances",
            ])
    }

    fn channels_request(
        &self,
        instance: &ResourceId,
        filter: &[(&'static str, String)],
    ) -> ApiRequest {
        let mut request = self
            .client
            .request("ListVpcChannelsV2", Method::GET, Service::Apig)
            .segments([
                "v2",
                self.client.project_id().as_str(),
                "apigw",
                "instances",
                instance.as_str(),
                "vpc-channels",
            ]);
        for (k, v) in filter {
            request = request.query(*k, v);
        }
        request
    }

    /// Every record under `key` of an offset-paged listing.
    fn offset_listing<'a>(
        &'a self,
        request: ApiRequest,
        key: &'static str,
        what: String,
    ) -> futures::stream::BoxStream<'a, Result<Value>> {
        let request = Arc::new(request);
        let mut guard = PageGuard::new(what, self.page_size);
        if let Some(max) = self.max_records {
            guard = guard.with_max_records(max);
        }
        let first = Cursor { offset: 0, guard };
        paginate_checked(first, move |cursor| {
            let request = Arc::clone(&request);
            async move { self.offset_page(&request, key, cursor).await }
        })
    }

    async fn offset_page(
        &self,
        request: &ApiRequest,
        key: &'static str,
        cursor: Cursor,
    ) -> Result<Page<Result<Value>, Cursor>> {
        let Cursor { offset, mut guard } = cursor;
        let request = request
            .clone()
            .query("offset", offset)
            .query("limit", guard.limit());
        let answer: Value = self.client.send_json(&request).await?;
        // The envelope's shape is not read leniently: no array under `key` is an
        // answer we cannot page, not an empty page.
        let Some(records) = answer[key].as_array().cloned() else {
            let why = format!("the answer has no {key} array");
            return Ok(Page {
                items: vec![Err(guard.incomplete(why))],
                next: None,
            });
        };
        let got = records.len();
        let total = read_count(&answer["total"]);
        let admitted = guard.admit(records, |r| r["id"].as_str().unwrap_or_default().to_owned());
        if admitted.problem.is_some() {
            return Ok(admitted.into_page(Ok(None)));
        }
        let more = match total {
            None => Err(guard.incomplete("the answer has no readable total")),
            Some(total) => guard.by_total(total, got),
        };
        let next = more.map(|more| {
            more.then(|| Cursor {
                offset: offset + got as u64,
                guard,
            })
        });
        Ok(admitted.into_page(next))
    }

    fn instance_ids(&self) -> futures::stream::BoxStream<'_, Result<ResourceId>> {
        match &self.instances {
            Some(ids) => futures::stream::iter(ids.clone().into_iter().map(Ok)).boxed(),
            None => self
                .offset_listing(
                    self.instances_request(),
                    "instances",
                    "listing the APIG instances".into(),
                )
                .and_then(|i| async move {
                    let id = i["id"].as_str().unwrap_or_default();
                    ResourceId::new(id).map_err(|e| e.context("an APIG instance id"))
                })
                .boxed(),
        }
    }
}

struct Cursor {
    offset: u64,
    guard: PageGuard,
}

/// The short description of a channel from its `ListVpcChannelsV2` record.
fn channel_info(instance: &ResourceId, channel: &Value) -> Result<TargetInfo> {
    let id = channel["id"]
        .as_str()
        .ok_or_else(|| Error::new(ErrorKind::Decode, "a VPC channel without an id"))?;
    let mut info = TargetInfo::new(Target::HuaweiApig {
        instance_id: instance.clone(),
        vpc_channel_id: ResourceId::new(id)?,
    });
    info.name = channel["name"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    info.port = channel["port"].as_u64().and_then(|p| u16::try_from(p).ok());
    info.load_balancer = Some(instance.to_string());
    info.settings = RawRecord::from_value(channel);
    Ok(info)
}

impl Discoverer for ApigDiscoverer {
    fn kind(&self) -> ProviderKind {
        ProviderKind::HuaweiApig
    }

    fn targets<'a>(&'a self, filter: Option<&'a Needle>) -> TargetStream<'a> {
        let mut pairs = Vec::new();
        if let Some(Needle::Address { address, port }) = filter {
            pairs.push(("member_host", address.to_string()));
            if let Some(p) = port {
                pairs.push(("member_port", p.to_string()));
            }
        }
        let pairs = Arc::new(pairs);
        self.instance_ids()
            .map_ok(move |instance| {
                let request = self.channels_request(&instance, &pairs);
                let what = format!("listing the VPC channels of APIG instance {instance}");
                self.offset_listing(request, "vpc_channels", what)
                    .and_then(move |c| {
                        let info = channel_info(&instance, &c);
                        async move { info }
                    })
            })
            .try_flatten()
            .boxed()
    }

    fn filter_support(&self, needle: &Needle) -> FilterSupport {
        match needle {
            Needle::Address { .. } => FilterSupport::Exact,
            _ => FilterSupport::None,
        }
    }
}
