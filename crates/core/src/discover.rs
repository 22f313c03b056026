//! Discovery: the targets of an account, and where a server is registered.
//!
//! A provider implements the small [`Discoverer`] trait: a lazy, paged stream of the
//! targets of one account and region ([`TargetInfo`], the short description), all of
//! them or only those the cloud says have a backend at an address or bound to an
//! instance ([`Needle`]), and how far the cloud's own filter can be trusted
//! ([`FilterSupport`]). Paging follows the core listing rule
//! ([`paging`](crate::paging)): a listing is exact or ends with
//! [`ErrorKind::Incomplete`](crate::ErrorKind::Incomplete).
//!
//! "Find" is written once, here ([`find`]): discover with the filter, then list each
//! candidate target and keep the backends that match, as [`Registration`]s. The
//! listing confirms what the filter said, so a cloud filter that is only a hint (or
//! none) gives the same answer, only with more requests.
//!
//! ```
//! use lb_backends_core::discover::Needle;
//!
//! let at: Needle = "10.0.1.5:8080".parse()?;
//! assert_eq!(at.to_string(), "10.0.1.5:8080");
//! let any_port: Needle = "10.0.1.5".parse()?;
//! assert!(any_port.port().is_none());
//! let v6: Needle = "[fd00::5]:80".parse()?;
//! assert_eq!(v6.port(), Some(80));
//! let instance: Needle = "ins-abc12345".parse()?;
//! assert!(matches!(instance, Needle::Instance(_)));
//! assert!("../x".parse::<Needle>().is_err());
//! # Ok::<(), lb_backends_core::Error>(())
//! ```

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    str::FromStr,
};

use futures::{stream::BoxStream, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::{
    Backend, BackendProvider, Error, ProviderKind, ResourceId, Result, Target, TargetInfo,
};

/// A paged stream of discovered targets; it ends after its first error.
pub type TargetStream<'a> = BoxStream<'a, Result<TargetInfo>>;

/// What to look for: a backend at an address (on any port, or one), or bound to a
/// cloud instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Needle {
    /// A backend at this address (and port, when given).
    Address {
        /// The address.
        address: IpAddr,
        /// The port; `None`: any.
        port: Option<u16>,
    },
    /// A backend bound to this cloud instance (ECS id, CVM `ins-...`).
    Instance(ResourceId),
}

impl Needle {
    /// A backend at `address`, any port.
    pub fn address(address: IpAddr) -> Self {
        Self::Address {
            address,
            port: None,
        }
    }

    /// The address looked for, if any.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Self::Address { address, .. } => Some(*address),
            Self::Instance(_) => None,
        }
    }

    /// The port looked for, if any.
    pub fn port(&self) -> Option<u16> {
        match self {
            Self::Address { port, .. } => *port,
            Self::Instance(_) => None,
        }
    }

    /// The instance looked for, if any.
    pub fn instance(&self) -> Option<&ResourceId> {
        match self {
            Self::Instance(id) => Some(id),
            Self::Address { .. } => None,
        }
    }

    /// Whether `backend` is what is looked for.
    ///
    /// ```
    /// use lb_backends_core::{discover::Needle, Backend, ProviderKind};
    /// let mut b = Backend::new(ProviderKind::HuaweiElb, "m1");
    /// b.address = Some("10.0.1.5".parse().unwrap());
    /// b.port = Some(80);
    /// assert!("10.0.1.5".parse::<Needle>()?.matches(&b));
    /// assert!("10.0.1.5:80".parse::<Needle>()?.matches(&b));
    /// assert!(!"10.0.1.5:81".parse::<Needle>()?.matches(&b));
    /// assert!(!"10.0.1.6".parse::<Needle>()?.matches(&b));
    /// # Ok::<(), lb_backends_core::Error>(())
    /// ```
    pub fn matches(&self, backend: &Backend) -> bool {
        match self {
            Self::Address { address, port } => {
                backend.address == Some(*address) && port.is_none_or(|p| backend.port == Some(p))
            }
            Self::Instance(id) => backend
                .instance
                .as_ref()
                .is_some_and(|i| i.id == id.as_str()),
        }
    }
}

impl FromStr for Needle {
    type Err = Error;

    /// `ADDRESS`, `ADDRESS:PORT` (`[V6]:PORT` for IPv6), or an instance id.
    fn from_str(s: &str) -> Result<Self> {
        if let Ok(address) = s.parse::<IpAddr>() {
            return Ok(Self::address(address));
        }
        if let Ok(sock) = s.parse::<SocketAddr>() {
            if sock.port() == 0 {
                return Err(Error::invalid_input(format!(
                    "{s:?}: the port must be 1 to 65535"
                )));
            }
            return Ok(Self::Address {
                address: sock.ip(),
                port: Some(sock.port()),
            });
        }
        if s.contains(':') || s.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(Error::invalid_input(format!(
                "{s:?} is neither ADDRESS, ADDRESS:PORT nor an instance id"
            )));
        }
        ResourceId::new(s)
            .map(Self::Instance)
            .map_err(|e| e.context("an instance id"))
    }
}

impl fmt::Display for Needle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Address {
                address,
                port: Some(p),
            } => write!(f, "{}", SocketAddr::new(*address, *p)),
            Self::Address {
                address,
                port: None,
            } => write!(f, "{address}"),
            Self::Instance(id) => write!(f, "{id}"),
        }
    }
}

/// How far a discoverer's filter can be trusted for one [`Needle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FilterSupport {
    /// The cloud filters on the server, exactly: every target yielded has a matching
    /// backend, and no other target has one.
    Exact,
    /// The cloud narrows the targets on the server, but a target yielded may have no
    /// matching backend (the port is not filtered, say): listing confirms.
    Candidates,
    /// No server-side filter: every target is yielded, and listing decides.
    None,
}

/// Enumerates the targets of one account and region for one provider.
///
/// Object safe; [`find`] and the CLI's `lbb targets`, `lbb find` and
/// `lbb inventory --discover` are written against it.
pub trait Discoverer: Send + Sync + fmt::Debug {
    /// The provider whose targets this yields.
    fn kind(&self) -> ProviderKind;

    /// The targets, lazily and page by page: every one of the account and region
    /// (`None`), or those with a backend matching `filter` as far as
    /// [`filter_support`](Self::filter_support) says (a superset of them, never
    /// fewer). A provider that cannot discover at all (with these settings) yields
    /// one [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error.
    fn targets<'a>(&'a self, filter: Option<&'a Needle>) -> TargetStream<'a>;

    /// How exact [`targets`](Self::targets) is for `needle`.
    fn filter_support(&self, needle: &Needle) -> FilterSupport;
}

/// A discoverer that cannot discover: its stream is one
/// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error saying why.
#[derive(Debug, Clone)]
pub struct Undiscoverable {
    kind: ProviderKind,
    why: String,
}

impl Undiscoverable {
    /// `kind` cannot discover: `why` (for example "listing needs Tencent API 3.0").
    pub fn new(kind: ProviderKind, why: impl Into<String>) -> Self {
        Self {
            kind,
            why: why.into(),
        }
    }
}

impl Discoverer for Undiscoverable {
    fn kind(&self) -> ProviderKind {
        self.kind
    }

    fn targets<'a>(&'a self, _filter: Option<&'a Needle>) -> TargetStream<'a> {
        unsupported(self.kind, &format!("discovering targets ({})", self.why))
    }

    fn filter_support(&self, _needle: &Needle) -> FilterSupport {
        FilterSupport::None
    }
}

/// A target stream of one [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
/// error: `kind` cannot do `operation`.
pub fn unsupported<'a>(kind: ProviderKind, operation: &str) -> TargetStream<'a> {
    let e = Error::unsupported(kind, operation);
    futures::stream::once(async move { Err(e) }).boxed()
}

/// One place a backend is registered: the target and the backend there.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Registration {
    /// The target (with its short description).
    pub target: TargetInfo,
    /// The backend, as the target's listing has it.
    pub backend: Backend,
}

/// Every registration of `needle` among the targets `discoverer` finds: discover
/// with the filter, then list each candidate target (a provider from `connect`) and
/// keep the matching backends, target by target in discovery order.
///
/// A target whose listing fails yields its error and the search goes on with the
/// next; an error of the discovery itself ends the stream.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use lb_backends_core::{discover::{find, Discoverer, Needle}, BackendProvider, Result, Target};
///
/// # async fn demo(
/// #     discoverer: &dyn Discoverer,
/// #     connect: impl Fn(&Target) -> Result<Box<dyn BackendProvider>> + Send + Sync,
/// # ) -> Result<()> {
/// let needle: Needle = "10.0.1.5:8080".parse()?;
/// let mut found = find(discoverer, &needle, connect);
/// while let Some(r) = found.try_next().await? {
///     println!("{} {}", r.target.target, r.backend.id);
/// }
/// # Ok(()) }
/// ```
pub fn find<'a, C>(
    discoverer: &'a dyn Discoverer,
    needle: &'a Needle,
    connect: C,
) -> BoxStream<'a, Result<Registration>>
where
    C: Fn(&Target) -> Result<Box<dyn BackendProvider>> + Send + Sync + 'a,
{
    let connect = std::sync::Arc::new(connect);
    discoverer
        .targets(Some(needle))
        .map_ok(move |info| {
            let connect = connect.clone();
            futures::stream::once(async move { registrations_in(info, needle, &*connect).await })
                .map(|r| match r {
                    Ok(found) => futures::stream::iter(found.into_iter().map(Ok)).boxed(),
                    Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
                })
                .flatten()
        })
        .try_flatten()
        .boxed()
}

/// The registrations of `needle` in the target `info` describes: its listing,
/// filtered.
pub async fn registrations_in<C>(
    info: TargetInfo,
    needle: &Needle,
    connect: &C,
) -> Result<Vec<Registration>>
where
    C: Fn(&Target) -> Result<Box<dyn BackendProvider>> + ?Sized,
{
    let provider = connect(&info.target)?;
    let backends: Vec<Backend> = provider
        .list()
        .try_filter(|b| futures::future::ready(needle.matches(b)))
        .try_collect()
        .await
        .map_err(|e| e.context(&info.target))?;
    Ok(backends
        .into_iter()
        .map(|backend| Registration {
            target: info.clone(),
            backend,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_parse_and_print_both_ways() {
        for text in [
            "10.0.0.1",
            "10.0.0.1:80",
            "fd00::1",
            "[fd00::1]:443",
            "ins-1a2b3c4d",
        ] {
            let n: Needle = text.parse().unwrap();
            assert_eq!(n.to_string(), text);
        }
        for bad in ["10.0.0.1:0", "10.0.0.1:x", "10.0.0", "", "a/b", "a b"] {
            assert!(bad.parse::<Needle>().is_err(), "{bad}");
        }
    }

    #[derive(Debug)]
    struct Two;
    impl Discoverer for Two {
        fn kind(&self) -> ProviderKind {
            ProviderKind::HuaweiElb
        }
        fn targets<'a>(&'a self, _: Option<&'a Needle>) -> TargetStream<'a> {
            let t = [
                "huawei-elb:pool-1",
                "huawei-elb:pool-2",
                "huawei-elb:pool-3",
            ]
            .map(|t| Ok(TargetInfo::new(t.parse().unwrap())));
            futures::stream::iter(t).boxed()
        }
        fn filter_support(&self, _: &Needle) -> FilterSupport {
            FilterSupport::None
        }
    }

    #[tokio::test]
    async fn find_lists_each_candidate_and_keeps_the_matches() {
        use crate::workflow::fake::{backend, Fake};
        use crate::Health;
        let connect = |t: &Target| -> Result<Box<dyn BackendProvider>> {
            if t.to_string() == "huawei-elb:pool-3" {
                return Err(Error::new(crate::ErrorKind::Forbidden, "no"));
            }
            let mut backends = vec![backend("b1", "10.0.0.1", 80, 1, Health::Healthy)];
            if t.to_string() == "huawei-elb:pool-2" {
                backends.push(backend("b2", "10.0.0.2", 80, 1, Health::Healthy));
                backends.push(backend("b3", "10.0.0.2", 81, 1, Health::Healthy));
            }
            let mut fake = Fake::new(backends);
            fake.target = t.clone();
            Ok(Box::new(fake))
        };
        let needle: Needle = "10.0.0.2:81".parse().unwrap();
        let found: Vec<Result<Registration>> = find(&Two, &needle, connect).collect().await;
        assert_eq!(found.len(), 2, "{found:?}");
        let r = found[0].as_ref().unwrap();
        assert_eq!(
            (r.target.target.to_string().as_str(), r.backend.id.as_str()),
            ("huawei-elb:pool-2", "b3")
        );
        assert_eq!(
            found[1].as_ref().unwrap_err().kind(),
            crate::ErrorKind::Forbidden
        );
    }

    #[tokio::test]
    async fn undiscoverable_says_why() {
        let d = Undiscoverable::new(ProviderKind::TencentClb, "needs API 3.0");
        let all: Vec<Result<TargetInfo>> = d.targets(None).collect().await;
        assert_eq!(all.len(), 1);
        let e = all[0].as_ref().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unsupported);
        assert!(e.message().contains("needs API 3.0"), "{e}");
    }
}
