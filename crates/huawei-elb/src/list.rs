//! Listing a pool's members (API.md 2.2): the filters of [`ListQuery`], and marker
//! paging that fetches a page only when the caller reaches it.

use std::{collections::HashSet, net::IpAddr, sync::Arc};

use http::Method;
use lb_backends_core::{
    paging::{paginate, Page},
    BackendStream, Error, ErrorKind, Port, ResourceId, Result, Weight,
};

use crate::{mapping, ElbProvider};

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

/// Where the next page starts, every marker sent so far, and every member id
/// yielded (a member moved across a page boundary while we page is yielded once).
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    marker: Option<String>,
    seen: HashSet<String>,
    yielded: HashSet<String>,
}

impl Cursor {
    /// The cursor after a page of `count` items whose last id is `last_id`, or `None`
    /// when the listing is over: a short page, or no `next_marker`. A marker sent
    /// before means the server is going round in circles: [`ErrorKind::Incomplete`].
    pub(crate) fn advance(
        mut self,
        count: usize,
        limit: u32,
        next_marker: Option<&str>,
        last_id: Option<&str>,
    ) -> Result<Option<Self>> {
        let full = u32::try_from(count).map_or(true, |n| n >= limit);
        if !full || next_marker.is_none() {
            return Ok(None);
        }
        let Some(last) = last_id.filter(|id| !id.is_empty()) else {
            return Err(Error::new(
                ErrorKind::Incomplete,
                "a full page ended with a record without an id, so the next page cannot be asked for",
            ));
        };
        if !self.seen.insert(last.to_owned()) {
            return Err(Error::new(
                ErrorKind::Incomplete,
                format!(
                    "the server sent a page ending at {last:?} twice (a repeated marker); \
                     stopped rather than loop forever, everything yielded so far is valid"
                ),
            ));
        }
        self.marker = Some(last.to_owned());
        Ok(Some(self))
    }
}

impl ElbProvider {
    /// The members of the pool that match `query`, page by page as the caller reads
    /// them (a page is fetched only when the previous one is used up).
    ///
    /// Pages hold [`page_size`](Self::with_page_size) members; the next page starts
    /// after the last member's id (`marker`). The listing ends at a page with fewer
    /// members than asked for or without `page_info.next_marker`. A server that sends
    /// the same page twice ends the stream with [`ErrorKind::Incomplete`] instead of
    /// looping; the stream ends after the first error.
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
        paginate(Cursor::default(), move |cursor| {
            let pairs = Arc::clone(&pairs);
            async move { self.fetch_page(&pairs, cursor).await }
        })
    }

    async fn fetch_page(
        &self,
        pairs: &[(&'static str, String)],
        cursor: Cursor,
    ) -> Result<Page<lb_backends_core::Backend, Cursor>> {
        let limit = self.page_size();
        let mut request = self
            .members_request("ListMembers", Method::GET)
            .query("limit", limit);
        if let Some(marker) = &cursor.marker {
            request = request.query("marker", marker);
        }
        for (key, value) in pairs {
            request = request.query(*key, value);
        }
        let (raw, next_marker) = self
            .client()
            .send_with(&request, |r| mapping::page_of("ListMembers", r))
            .await?;
        let count = raw.len();
        let mut cursor = cursor;
        let mut items = raw
            .into_iter()
            .map(|m| mapping::to_backend(m, None))
            .collect::<Result<Vec<_>>>()?;
        // The marker is the page's last id as served, duplicates or not.
        let last_id = items.last().map(|b| b.id.clone());
        items.retain(|b| cursor.yielded.insert(b.id.clone()));
        let next = cursor.advance(count, limit, next_marker.as_deref(), last_id.as_deref())?;
        Ok(Page { items, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn paging_ends_on_a_short_page_or_without_next_marker() {
        let c = Cursor::default();
        assert!(c.advance(1, 2, Some("a"), Some("a")).unwrap().is_none());
        let c = Cursor::default();
        assert!(c.advance(2, 2, None, Some("b")).unwrap().is_none());
        let c = Cursor::default();
        let c = c.advance(2, 2, Some("b"), Some("b")).unwrap().unwrap();
        assert_eq!(c.marker.as_deref(), Some("b"));
    }

    #[test]
    fn a_repeated_marker_is_incomplete_not_a_loop() {
        let c = Cursor::default()
            .advance(2, 2, Some("b"), Some("b"))
            .unwrap()
            .unwrap();
        let c = c.advance(2, 2, Some("d"), Some("d")).unwrap().unwrap();
        let err = c.advance(2, 2, Some("b"), Some("b")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        let err = Cursor::default()
            .advance(2, 2, Some("x"), None)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
    }
}
