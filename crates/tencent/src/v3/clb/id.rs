//! The id of a standard-CLB backend: where it is bound (listener, and rule on a
//! layer-7 listener), what is bound (a CVM's `InstanceId`, or the address of an IP
//! target) and on which port.
//!
//! Text form: `LISTENER_ID:TARGET:PORT` (layer 4) or
//! `LISTENER_ID:LOCATION_ID:TARGET:PORT` (layer 7), e.g.
//! `lbl-tcp00001:ins-aaaa1111:8080`, `lbl-http0001:loc-rule0001:10.0.1.23:9000`.
//! The same backend has the same id whichever target form listed it
//! (`tencent-clb:LB`, `LB/LISTENER` or `LB/LISTENER/LOCATION`). A classic-CLB
//! backend's id is its `InstanceId`.

use std::{fmt, str::FromStr};

use lb_backends_core::{Error, Result};

/// A standard-CLB backend id.
///
/// ```
/// use lb_backends_tencent::v3::clb::BackendId;
/// let id: BackendId = "lbl-http0001:loc-rule0001:10.0.1.23:9000".parse()?;
/// assert_eq!(id.listener_id, "lbl-http0001");
/// assert_eq!(id.location_id.as_deref(), Some("loc-rule0001"));
/// assert_eq!(id.target, "10.0.1.23");
/// assert_eq!(id.port, 9000);
/// assert_eq!(id.to_string(), "lbl-http0001:loc-rule0001:10.0.1.23:9000");
/// assert!("ins-1".parse::<BackendId>().is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BackendId {
    /// `lbl-...`.
    pub listener_id: String,
    /// `loc-...`, on a layer-7 listener.
    pub location_id: Option<String>,
    /// The CVM's `InstanceId` (`ins-...`), or the IP of an IP (ENI) target.
    pub target: String,
    /// The backend port.
    pub port: u16,
}

impl BackendId {
    /// An id from its parts.
    pub fn new(
        listener_id: impl Into<String>,
        location_id: Option<String>,
        target: impl Into<String>,
        port: u16,
    ) -> Self {
        Self {
            listener_id: listener_id.into(),
            location_id,
            target: target.into(),
            port,
        }
    }
}

impl fmt::Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.listener_id)?;
        if let Some(loc) = &self.location_id {
            write!(f, ":{loc}")?;
        }
        write!(f, ":{}:{}", self.target, self.port)
    }
}

impl FromStr for BackendId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::invalid_input(format!(
                "{s:?} is not a CLB backend id (LISTENER_ID[:LOCATION_ID]:TARGET:PORT, \
                 e.g. lbl-abcdefgh:ins-abcdefgh:80)"
            ))
        };
        let (listener, rest) = s.split_once(':').ok_or_else(bad)?;
        let (location, rest) = match rest.strip_prefix("loc-") {
            Some(_) => {
                let (loc, rest) = rest.split_once(':').ok_or_else(bad)?;
                (Some(loc.to_owned()), rest)
            }
            None => (None, rest),
        };
        let (target, port) = rest.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        if listener.is_empty() || target.is_empty() || location.as_deref() == Some("loc-") {
            return Err(bad());
        }
        Ok(Self::new(listener, location, target, port))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trips_including_ipv6_targets() {
        for text in [
            "lbl-tcp00001:ins-aaaa1111:8080",
            "lbl-tcp00001:10.0.1.23:8080",
            "lbl-http0001:loc-rule0001:ins-aaaa1111:9000",
            "lbl-http0001:loc-rule0001:fd00::1:9000",
            "lbl-udp:fd00::1:53",
        ] {
            let id: BackendId = text.parse().unwrap();
            assert_eq!(id.to_string(), text);
        }
        let v6: BackendId = "lbl-udp:fd00::1:53".parse().unwrap();
        assert_eq!((v6.target.as_str(), v6.port), ("fd00::1", 53));
        for bad in [
            "",
            "lbl-1",
            "lbl-1:ins-1",
            "lbl-1:ins-1:http",
            ":ins-1:80",
            "lbl-1:loc-:x:1",
            "lbl-1:ins-1:70000",
        ] {
            assert!(bad.parse::<BackendId>().is_err(), "{bad}");
        }
    }
}
