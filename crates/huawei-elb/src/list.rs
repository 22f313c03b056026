//! Listing a pool's members (API.md 2.2): the filters of [`ListQuery`], and marker
//! paging that fetches ahead of the caller: the next page's request goes out as soon
//! as this page's text is in, on a guess of its marker that the decoded page confirms
//! ([`FetchAhead`]).

use std::{net::IpAddr, sync::Arc};

use http::Method;
use lb_backends_core::{
    paging::{paginate_checked, tail_string, FetchAhead, Page, PageGuard},
    transport::{ApiRequest, RawResponse},
    Backend, BackendStream, Port, ResourceId, Result, Weight,
};

use crate::{mapping, mapping::PageSignal, ElbProvider};

/// Filters for [`ElbProvider::list_members`]: every filter ELB's list call takes.
///
/// Values of one field are alternatives (sent as repeated parameters,
/// `address=a&address=b`); different fields must all match. An empty query lists the
/// whole pool.
///
/// ```
/// use lb_backends_core::Port;
/// use lb_backends_huawei_elb::ListQuery;
///
/// let query = ListQuery::new()
///     .with_address("10.0.0.5".parse().unwrap())
///     .with_address("10.0.0.6".parse().unwrap())
///     .with_protocol_port(Port::new(80)?)
///     .with_admin_state_up(true);
/// assert_eq!(
///     query.to_pairs(),
///     vec![
///         ("address", "10.0.0.5".to_owned()),
///         ("address", "10.0.0.6".to_owned()),
///         ("protocol_port", "80".to_owned()),
///         ("admin_state_up", "true".to_owned()),
///     ]
/// );
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Member ids.
    pub id: Vec<ResourceId>,
    /// Member names.
    pub name: Vec<String>,
    /// Weights.
    pub weight: Vec<Weight>,
    /// Subnet ids.
    pub subnet_cidr_id: Vec<ResourceId>,
    /// Addresses.
    pub address: Vec<IpAddr>,
    /// Ports.
    pub protocol_port: Vec<Port>,
    /// Health as ELB writes it (`ONLINE`, `OFFLINE`, `NO_MONITOR`, `INITIAL`, `UNKNOWN`).
    pub operating_status: Vec<String>,
    /// `v4` or `v6`.
    pub ip_version: Vec<String>,
    /// `ip` (cross-VPC) or `instance`.
    pub member_type: Vec<String>,
    /// ECS ids.
    pub instance_id: Vec<String>,
    /// Availability zones.
    pub availability_zone: Vec<String>,
    /// Administratively up (`true`) or down (`false`).
    pub admin_state_up: Option<bool>,
}

impl ListQuery {
    /// No filter: the whole pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also match this member id.
    #[must_use]
    pub fn with_id(mut self, id: ResourceId) -> Self {
        self.id.push(id);
        self
    }

    /// Also match this name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name.push(name.into());
        self
    }

    /// Also match this weight.
    #[must_use]
    pub fn with_weight(mut self, weight: Weight) -> Self {
        self.weight.push(weight);
        self
    }

    /// Also match this subnet.
    #[must_use]
    pub fn with_subnet(mut self, subnet: ResourceId) -> Self {
        self.subnet_cidr_id.push(subnet);
        self
    }

    /// Also match this address.
    #[must_use]
    pub fn with_address(mut self, address: IpAddr) -> Self {
        self.address.push(address);
        self
    }

    /// Also match this port.
    #[must_use]
    pub fn with_protocol_port(mut self, port: Port) -> Self {
        self.protocol_port.push(port);
        self
    }

    /// Also match this `operating_status`.
    #[must_use]
    pub fn with_operating_status(mut self, status: impl Into<String>) -> Self {
        self.operating_status.push(status.into());
        self
    }

    /// Also match this IP version (`v4`, `v6`).
    #[must_use]
    pub fn with_ip_version(mut self, version: impl Into<String>) -> Self {
        self.ip_version.push(version.into());
        self
    }

    /// Also match this member type (`ip`, `instance`).
    #[must_use]
    pub fn with_member_type(mut self, member_type: impl Into<String>) -> Self {
        self.member_type.push(member_type.into());
        self
    }

    /// Also match this ECS id.
    #[must_use]
    pub fn with_instance_id(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id.push(instance_id.into());
        self
    }

    /// Also match this availability zone.
    #[must_use]
    pub fn with_availability_zone(mut self, zone: impl Into<String>) -> Self {
        self.availability_zone.push(zone.into());
        self
    }

    /// Only members administratively up (`true`) or down (`false`).
    #[must_use]
    pub fn with_admin_state_up(mut self, up: bool) -> Self {
        self.admin_state_up = Some(up);
        self
    }

    /// The query parameters, unencoded, in a stable order (the transport encodes).
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        fn add<T: ToString>(out: &mut Vec<(&'static str, String)>, key: &'static str, v: &[T]) {
            out.extend(v.iter().map(|x| (key, x.to_string())));
        }
        let mut out = Vec::new();
        add(&mut out, "id", &self.id);
        add(&mut out, "name", &self.name);
        add(&mut out, "weight", &self.weight);
        add(&mut out, "subnet_cidr_id", &self.subnet_cidr_id);
        add(&mut out, "address", &self.address);
        add(&mut out, "protocol_port", &self.protocol_port);
        add(&mut out, "operating_status", &self.operating_status);
        add(&mut out, "ip_version", &self.ip_version);
        add(&mut out, "member_type", &self.member_type);
        add(&mut out, "instance_id", &self.instance_id);
        add(&mut out, "availability_zone", &self.availability_zone);
        if let Some(up) = self.admin_state_up {
            out.push(("admin_state_up", up.to_string()));
        }
        out
    }
}

/// Where the next page starts, and the listing's [`PageGuard`] (ids yielded,
/// markers sent, the client-side page cap).
#[derive(Debug)]
pub(crate) struct Cursor {
    guard: PageGuard,
    marker: Option<String>,
    /// The previous page was full and had no `next_marker`: this page must be empty
    /// to confirm the end.
    confirming: bool,
    /// The next page's request, sent before this page was decoded (on the marker its
    /// text seemed to end with); used only if the page's own marker is the same.
    ahead: FetchAhead<RawResponse>,
}

impl Cursor {
    pub(crate) fn new(limit: u32, max_records: u64) -> Self {
        Self {
            guard: PageGuard::new("listing the ELB pool's members", limit)
                .with_max_records(max_records),
            marker: None,
            confirming: false,
            ahead: FetchAhead::new(),
        }
    }

    /// The cursor after a page of `count` records whose last id is `last_id` and
    /// whose `page_info` said `signal`; `None` when the listing ended cleanly. The
    /// page's records are already admitted into the guard.
    ///
    /// - a malformed `page_info`, a `current_count` that is not `count`, or an empty
    ///   page that still names a `next_marker`: [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete);
    /// - a `next_marker` (on a full page or a short one: a service may cap pages
    ///   below `limit`): the next page starts there, if it looks like an id and was
    ///   never sent before;
    /// - no `next_marker` after a short or empty page: the end;
    /// - no `next_marker` after a full page: one more page, after the page's last id,
    ///   must be empty to confirm the end (whether ELB leaves `next_marker` out of a
    ///   full last page is unconfirmed);
    /// - a confirming page that holds records: [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete).
    pub(crate) fn advance(
        mut self,
        count: usize,
        signal: std::result::Result<PageSignal, String>,
        last_id: Option<&str>,
    ) -> Result<Option<Self>> {
        let signal = signal.map_err(|why| {
            self.guard
                .incomplete(format_args!("page_info cannot be read ({why})"))
        })?;
        if let Some(n) = signal.current_count.filter(|n| *n != count as u64) {
            return Err(self.guard.incomplete(format_args!(
                "page_info.current_count says {n} but the page holds {count} members"
            )));
        }
        if self.confirming && count > 0 {
            return Err(self.guard.incomplete(
                "a full page without next_marker was followed by a page with more members",
            ));
        }
        let full = u32::try_from(count).map_or(true, |n| n >= self.guard.limit());
        let next = match (signal.next_marker, count) {
            (Some(_), 0) => {
                return Err(self.guard.incomplete("an empty page carries a next_marker"))
            }
            (Some(marker), _) => marker,
            (None, _) if !full => return Ok(None),
            (None, _) => {
                let Some(last) = last_id else {
                    return Err(self.guard.incomplete(
                        "a full page ended with a member without an id, so the end cannot be confirmed",
                    ));
                };
                self.confirming = true;
                last.to_owned()
            }
        };
        self.guard.follow(&next)?;
        self.marker = Some(next);
        Ok(Some(self))
    }
}

impl ElbProvider {
    /// The members of the pool that match `query`, page by page as the caller reads
    /// them (nothing is fetched before the first poll, then at most one page ahead).
    ///
    /// Pages hold [`page_size`](Self::with_page_size) members; the next page starts
    /// at `page_info.next_marker` (sent as `marker`). The listing ends cleanly only
    /// when ELB says so: a page without `next_marker` that is shorter than asked for,
    /// or empty (a full page without `next_marker` is confirmed by one more request).
    /// Anything that disagrees (a malformed `page_info`, a `current_count` that is
    /// not the page's, a repeated or implausible marker, a page with nothing new or
    /// larger than asked for, more than [`max_records`](Self::max_records) members)
    /// ends the stream with [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete) after what was read; the stream
    /// ends after the first error. See `docs/providers/huawei-elb.md`.
    ///
    /// ```no_run
    /// # async fn demo(provider: lb_backends_huawei_elb::ElbProvider) -> lb_backends_core::Result<()> {
    /// use futures::TryStreamExt;
    /// use lb_backends_huawei_elb::ListQuery;
    ///
    /// let offline: Vec<_> = provider
    ///     .list_members(&ListQuery::new().with_operating_status("OFFLINE"))
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn list_members(&self, query: &ListQuery) -> BackendStream<'_> {
        let pairs = Arc::new(query.to_pairs());
        let first = Cursor::new(self.page_size(), self.max_records());
        paginate_checked(first, move |cursor| {
            self.fetch_page(Arc::clone(&pairs), cursor)
        })
    }

    fn page_request(
        &self,
        pairs: &[(&'static str, String)],
        limit: u32,
        marker: Option<&str>,
    ) -> ApiRequest {
        let mut request = self
            .members_request("ListMembers", Method::GET)
            .query("limit", limit);
        if let Some(marker) = marker {
            request = request.query("marker", marker);
        }
        for (key, value) in pairs {
            request = request.query(*key, value);
        }
        request
    }

    async fn fetch_page(
        &self,
        pairs: Arc<Vec<(&'static str, String)>>,
        mut cursor: Cursor,
    ) -> Result<Page<Result<Backend>, Cursor>> {
        let limit = cursor.guard.limit();
        let request = self.page_request(&pairs, limit, cursor.marker.as_deref());
        let sent_ahead = match &cursor.marker {
            Some(marker) => cursor.ahead.take(marker).await,
            None => None,
        };
        let response = match sent_ahead {
            Some(answer) => answer?,
            None => self.client().send_with(&request, |r| Ok(r.clone())).await?,
        };
        // The next page's request goes out now, on the marker this page's text seems
        // to end with, so that ELB makes it while this one is decoded; the page's own
        // marker decides below whether that answer is used.
        let guess =
            tail_string(&response.body, "next_marker").filter(|m| cursor.guard.may_follow(m));
        if let Some(guess) = guess {
            let client = self.client().clone();
            let next = self.page_request(&pairs, limit, Some(guess));
            cursor.ahead.start(guess, async move {
                client.send_with(&next, |r| Ok(r.clone())).await
            });
            // Two turns of the runtime: the task hands the request to the connection,
            // whose task writes it, before the decoding below holds this thread.
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        }
        let decoded = match mapping::page_of("ListMembers", &response) {
            // A body that reads as cut short is fetched again, with the usual retries.
            Err(e) if e.is_retryable() => {
                self.client()
                    .send_with(&request, |r| mapping::page_of("ListMembers", r))
                    .await
            }
            decoded => decoded,
        };
        let (members, signal) = decoded?;
        let count = members.len();
        let items = members.into_iter().collect::<Result<Vec<_>>>()?;
        let last_id = items.last().map(|b| b.id.clone());
        let admitted = cursor
            .guard
            .admit_by(items, |b| std::borrow::Cow::Borrowed(b.id.as_str()));
        if admitted.problem.is_some() {
            return Ok(admitted.into_page(Ok(None)));
        }
        let next = cursor.advance(count, signal, last_id.as_deref());
        Ok(admitted.into_page(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lb_backends_core::ErrorKind;

    #[test]
    fn every_filter_becomes_repeated_parameters() {
        let q = ListQuery::new()
            .with_id(ResourceId::new("m1").unwrap())
            .with_name("a b")
            .with_weight(Weight::new(0).unwrap())
            .with_subnet(ResourceId::new("s1").unwrap())
            .with_address("::1".parse().unwrap())
            .with_protocol_port(Port::new(8080).unwrap())
            .with_operating_status("ONLINE")
            .with_operating_status("INITIAL")
            .with_ip_version("v6")
            .with_member_type("instance")
            .with_instance_id("ecs-1")
            .with_availability_zone("az1")
            .with_admin_state_up(false);
        let keys: Vec<&str> = q.to_pairs().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "id",
                "name",
                "weight",
                "subnet_cidr_id",
                "address",
                "protocol_port",
                "operating_status",
                "operating_status",
                "ip_version",
                "member_type",
                "instance_id",
                "availability_zone",
                "admin_state_up"
            ]
        );
        assert!(ListQuery::new().to_pairs().is_empty());
    }

    fn more(marker: &str) -> std::result::Result<PageSignal, String> {
        Ok(PageSignal {
            next_marker: Some(marker.to_owned()),
            current_count: None,
        })
    }

    fn end() -> std::result::Result<PageSignal, String> {
        Ok(PageSignal {
            next_marker: None,
            current_count: None,
        })
    }

    #[test]
    fn paging_follows_next_marker_and_confirms_a_full_end() {
        // A short page with a marker is followed (a server capping pages).
        let c = Cursor::new(2, 100)
            .advance(1, more("a"), Some("a"))
            .unwrap()
            .unwrap();
        assert_eq!(c.marker.as_deref(), Some("a"));
        // A short page without one is the end.
        assert!(Cursor::new(2, 100)
            .advance(1, end(), Some("a"))
            .unwrap()
            .is_none());
        // A full page without one is confirmed from its last id; the confirming page
        // must be empty.
        let c = Cursor::new(2, 100)
            .advance(2, end(), Some("b"))
            .unwrap()
            .unwrap();
        assert!(c.confirming);
        assert_eq!(c.marker.as_deref(), Some("b"));
        let err = c.advance(1, end(), Some("c")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        let c = Cursor::new(2, 100)
            .advance(2, end(), Some("b"))
            .unwrap()
            .unwrap();
        assert!(c.advance(0, end(), None).unwrap().is_none());
    }

    #[test]
    fn a_repeated_or_malformed_signal_is_incomplete_not_a_loop() {
        let c = Cursor::new(2, 100)
            .advance(2, more("b"), Some("b"))
            .unwrap()
            .unwrap();
        let c = c.advance(2, more("d"), Some("d")).unwrap().unwrap();
        let err = c.advance(2, more("b"), Some("b")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        let err = Cursor::new(2, 100).advance(2, end(), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        let err = Cursor::new(2, 100)
            .advance(2, Err("bad".into()), Some("b"))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        let err = Cursor::new(2, 100).advance(0, more("b"), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        let counted = Ok(PageSignal {
            next_marker: None,
            current_count: Some(3),
        });
        let err = Cursor::new(5, 100)
            .advance(2, counted, Some("b"))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
    }
}
