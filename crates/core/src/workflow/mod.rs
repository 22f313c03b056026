//! Workflows written once for every provider, on [`BackendProvider`] alone: waiting
//! ([`wait`]), draining ([`drain`]), and planning and applying a desired state
//! ([`desired`]). A provider gets them by implementing the trait's primitives; the
//! CLI only prints what they return.
//!
//! What they share lives here: how to pick backends ([`Selector`]), what "in service"
//! means ([`effective_health`], [`in_service`]), and the error a workflow ends with
//! ([`WorkflowError`]).

pub mod desired;
pub mod drain;
pub mod wait;

#[cfg(test)]
pub(crate) mod fake;

use std::{fmt, net::IpAddr, str::FromStr};

use serde::Serialize;

use crate::{AdminState, Backend, Error, ErrorKind, Health, ResourceId};

pub use wait::{Condition, Observed, WaitEvent, WaitOptions, WaitTimeout};

/// One backend to act on: by its id, or by the address and port traffic goes to.
///
/// Its text form is `ADDRESS:PORT` (`[V6]:PORT` for IPv6) for an address, anything
/// else for an id:
///
/// ```
/// use lb_backends_core::workflow::Selector;
/// let by_addr: Selector = "10.0.0.5:8080".parse()?;
/// assert!(matches!(by_addr, Selector::Address { port: 8080, .. }));
/// let by_id: Selector = "3e3b0001-0000-4000-8000-000000000001".parse()?;
/// assert!(matches!(by_id, Selector::Id(_)));
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Selector {
    /// The backend with this id.
    Id(ResourceId),
    /// The backend at this address and port.
    Address {
        /// The address.
        address: IpAddr,
        /// The port.
        port: u16,
    },
}

impl Selector {
    /// Whether `backend` is the one selected. An address selector also matches a
    /// backend whose id is its text (a BMLB VM binding is named `IP:PORT`).
    pub fn matches(&self, backend: &Backend) -> bool {
        match self {
            Self::Id(id) => backend.id == id.as_str(),
            Self::Address { address, port } => {
                (backend.address == Some(*address) && backend.port == Some(*port))
                    || backend.id == self.to_string()
            }
        }
    }

    /// The id, when selected by id.
    pub fn id(&self) -> Option<&ResourceId> {
        match self {
            Self::Id(id) => Some(id),
            Self::Address { .. } => None,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Address {
                address: IpAddr::V6(a),
                port,
            } => write!(f, "[{a}]:{port}"),
            Self::Address { address, port } => write!(f, "{address}:{port}"),
        }
    }
}

impl Serialize for Selector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Selector {
    type Err = Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
            if sock.port() == 0 {
                return Err(Error::invalid_input(format!(
                    "{s:?}: port 0 is not a backend's port"
                )));
            }
            return Ok(Self::Address {
                address: sock.ip(),
                port: sock.port(),
            });
        }
        Ok(Self::Id(ResourceId::new(s)?))
    }
}

impl From<ResourceId> for Selector {
    fn from(id: ResourceId) -> Self {
        Self::Id(id)
    }
}

/// The health that counts for a backend: where the cloud reports health per listener,
/// every listener's (all healthy: healthy; any unhealthy: unhealthy; else the first
/// that is not healthy); else the backend's own.
///
/// ```
/// use lb_backends_core::{workflow::effective_health, Backend, Health, ListenerHealth, ProviderKind};
/// let mut b = Backend::new(ProviderKind::HuaweiElb, "m1");
/// b.health = Health::Healthy;
/// b.listener_health = vec![
///     ListenerHealth::new("l1", Health::Healthy),
///     ListenerHealth::new("l2", Health::Pending),
/// ];
/// assert_eq!(effective_health(&b), Health::Pending);
/// ```
pub fn effective_health(backend: &Backend) -> Health {
    if backend.listener_health.is_empty() {
        return backend.health.clone();
    }
    if let Some(bad) = backend
        .listener_health
        .iter()
        .find(|l| l.health == Health::Unhealthy)
    {
        return bad.health.clone();
    }
    backend
        .listener_health
        .iter()
        .find(|l| l.health != Health::Healthy)
        .map_or(Health::Healthy, |l| l.health.clone())
}

/// Whether a health counts as "healthy" for waiting and for the safety rules:
/// [`Health::Healthy`], and also [`Health::Unmonitored`] and [`Health::NotReported`]
/// (there is no health check to wait for: the load balancer sends traffic to it).
pub fn counts_as_healthy(health: &Health) -> bool {
    matches!(
        health,
        Health::Healthy | Health::Unmonitored | Health::NotReported
    )
}

/// Whether a backend takes traffic: healthy by [`counts_as_healthy`] of its
/// [`effective_health`], not administratively down, and of weight > 0 where it has a
/// weight. The safety rules of drain and apply count these.
pub fn in_service(backend: &Backend) -> bool {
    counts_as_healthy(&effective_health(backend))
        && backend.admin_state != AdminState::Down
        && backend.weight != Some(0)
}

/// Whether `backend` is the one `spec` would register: the same address (or, for a
/// spec by instance, the same instance) and the same port (a backend whose port the
/// cloud does not report, such as an APIG member on its channel's port, matches by
/// place alone). What makes an add idempotent
/// ([`add_or_existing`](crate::BackendProviderExt::add_or_existing)).
pub fn same_place(spec: &crate::NewBackend, backend: &Backend) -> bool {
    if backend.port.is_some_and(|p| p != spec.port.get()) {
        return false;
    }
    match (&spec.address, &spec.instance_id) {
        (Some(a), _) => backend.address == Some(*a),
        (None, Some(i)) => backend
            .instance
            .as_ref()
            .is_some_and(|x| x.id == i.as_str()),
        (None, None) => false,
    }
}

/// How a workflow ended when it did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// A call failed, or the input was refused.
    #[error(transparent)]
    Failed(#[from] Error),
    /// A safety rule refused the change before anything was written.
    #[error("refused: {0}")]
    Refused(String),
    /// A waiter ran out of time; the last observed state of each backend is kept.
    #[error(transparent)]
    TimedOut(#[from] WaitTimeout),
}

impl WorkflowError {
    /// The error as a plain [`Error`]: a refusal is [`ErrorKind::Conflict`], a timeout
    /// [`ErrorKind::Timeout`].
    pub fn into_error(self) -> Error {
        match self {
            Self::Failed(e) => e,
            Self::Refused(why) => Error::new(ErrorKind::Conflict, format!("refused: {why}")),
            Self::TimedOut(t) => Error::new(ErrorKind::Timeout, t.to_string()),
        }
    }
}

impl From<WorkflowError> for Error {
    fn from(e: WorkflowError) -> Self {
        e.into_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ListenerHealth, ProviderKind};

    #[test]
    fn selectors_parse_both_ways() {
        for text in ["10.0.0.5:80", "[fd00::1]:443", "m-1", "10.2.0.5"] {
            assert_eq!(text.parse::<Selector>().unwrap().to_string(), text);
        }
        assert!("10.0.0.5:0".parse::<Selector>().is_err());
        assert!("../x".parse::<Selector>().is_err());
    }

    #[test]
    fn an_address_selector_matches_address_and_port_or_the_id() {
        let mut b = Backend::new(ProviderKind::TencentBmlb, "10.2.0.5:8080");
        let sel: Selector = "10.2.0.5:8080".parse().unwrap();
        assert!(sel.matches(&b));
        b.id = "m".into();
        assert!(!sel.matches(&b));
        b.address = Some("10.2.0.5".parse().unwrap());
        b.port = Some(8080);
        assert!(sel.matches(&b));
        b.port = Some(8081);
        assert!(!sel.matches(&b));
    }

    #[test]
    fn every_listener_counts() {
        let mut b = Backend::new(ProviderKind::HuaweiElb, "m");
        b.health = Health::Pending;
        assert_eq!(effective_health(&b), Health::Pending);
        b.listener_health = vec![
            ListenerHealth::new("a", Health::Healthy),
            ListenerHealth::new("b", Health::Healthy),
        ];
        assert_eq!(effective_health(&b), Health::Healthy);
        b.listener_health
            .push(ListenerHealth::new("c", Health::Unhealthy));
        assert_eq!(effective_health(&b), Health::Unhealthy);
        assert!(!in_service(&b));
        b.listener_health.pop();
        b.weight = Some(0);
        assert!(!in_service(&b));
        b.weight = Some(1);
        assert!(in_service(&b));
        b.admin_state = AdminState::Down;
        assert!(!in_service(&b));
    }
}
