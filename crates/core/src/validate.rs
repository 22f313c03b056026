//! Input types that are checked when built, so that bad input fails before any byte
//! is sent: an id that could escape a URL path, a weight over 100, port 0, a name
//! longer than the cloud takes, a plain-HTTP endpoint off loopback.

use std::{fmt, net::IpAddr, str::FromStr};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Error, Result};

/// Longest id we accept; every id the clouds issue is far shorter.
const MAX_ID_LEN: usize = 64;

/// An id issued by a cloud (pool, member, channel, load balancer, instance, subnet).
///
/// 1 to 64 characters from `A-Z a-z 0-9 - _ . :`. Every id Huawei and Tencent issue
/// uses the first four; `.` and `:` serve ids built from an address (a BMLB VM binding
/// is `10.0.0.7:8080`). An id made only of dots is refused, and ids are always
/// percent-encoded into paths, so no id can change the meaning of a URL.
///
/// ```
/// use lb_backends_core::ResourceId;
///
/// assert!(ResourceId::new("36ce7086-a496-4666-9064-5ba0e6840c75").is_ok());
/// assert!(ResourceId::new("lb-abcdefgh").is_ok());
/// assert!(ResourceId::new("10.0.0.7:8080").is_ok());
/// for bad in ["", "..", "../x", "a?b", "a/b", "a&b=c", "a\nb", "a b", "a%2fb"] {
///     assert!(ResourceId::new(bad).is_err(), "{bad:?} must be refused");
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ResourceId(String);

impl ResourceId {
    /// Check and wrap an id.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if id.is_empty() {
            return Err(Error::invalid_input("an id must not be empty"));
        }
        if id.chars().count() > MAX_ID_LEN {
            return Err(Error::invalid_input(format!(
                "id {:?} is longer than {MAX_ID_LEN} characters",
                shorten(&id)
            )));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
        {
            return Err(Error::invalid_input(format!(
                "id {:?} contains {bad:?}; ids hold only letters, digits, '-', '_', '.' and ':'",
                shorten(&id)
            )));
        }
        if id.chars().all(|c| c == '.') {
            return Err(Error::invalid_input(format!(
                "id {:?} is only dots",
                shorten(&id)
            )));
        }
        Ok(Self(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ResourceId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl AsRef<str> for ResourceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ResourceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(s).map_err(serde::de::Error::custom)
    }
}

/// A backend weight, 0 to [`Weight::MAX`] (0: takes no new requests).
///
/// The clouds differ: ELB and Tencent take 0 to 100, APIG 0 to 10,000. This type holds
/// the widest range; each provider states its own in
/// [`Capabilities::max_weight`](crate::Capabilities::max_weight) and refuses a weight
/// above it before sending anything.
///
/// ```
/// use lb_backends_core::Weight;
/// assert_eq!(Weight::new(100)?.get(), 100);
/// assert_eq!(Weight::new(5000)?.get(), 5000);
/// assert!(Weight::new(10_001).is_err());
/// assert!(Weight::new(-1).is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u16")]
pub struct Weight(u16);

impl Weight {
    /// The highest weight any supported cloud accepts (APIG).
    pub const MAX: u16 = 10_000;

    /// Check and wrap a weight.
    pub fn new(weight: i64) -> Result<Self> {
        match u16::try_from(weight) {
            Ok(w) if w <= Self::MAX => Ok(Self(w)),
            _ => Err(Error::invalid_input(format!(
                "weight {weight} is out of range: it must be 0 to {}",
                Self::MAX
            ))),
        }
    }

    /// The weight as a number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for Weight {
    type Error = Error;
    fn try_from(w: i64) -> Result<Self> {
        Self::new(w)
    }
}

impl From<Weight> for u16 {
    fn from(w: Weight) -> u16 {
        w.0
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Weight {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let n: i64 = s
            .trim()
            .parse()
            .map_err(|_| Error::invalid_input(format!("weight {s:?} is not a number")))?;
        Self::new(n)
    }
}

/// A TCP/UDP port a backend listens on, 1 to 65535.
///
/// ```
/// use lb_backends_core::Port;
/// assert_eq!(Port::new(8080)?.get(), 8080);
/// assert!(Port::new(0).is_err());
/// assert!(Port::new(65536).is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u16")]
pub struct Port(u16);

impl Port {
    /// Check and wrap a port.
    pub fn new(port: i64) -> Result<Self> {
        match u16::try_from(port) {
            Ok(p) if p >= 1 => Ok(Self(p)),
            _ => Err(Error::invalid_input(format!(
                "port {port} is out of range: it must be 1 to 65535"
            ))),
        }
    }

    /// The port as a number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for Port {
    type Error = Error;
    fn try_from(p: i64) -> Result<Self> {
        Self::new(p)
    }
}

impl From<Port> for u16 {
    fn from(p: Port) -> u16 {
        p.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Port {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let n: i64 = s
            .trim()
            .parse()
            .map_err(|_| Error::invalid_input(format!("port {s:?} is not a number")))?;
        Self::new(n)
    }
}

/// A backend's display name: at most 255 characters, no control characters.
///
/// ```
/// use lb_backends_core::BackendName;
/// assert!(BackendName::new("web-01").is_ok());
/// assert!(BackendName::new("x".repeat(256)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BackendName(String);

impl BackendName {
    /// The longest name ELB takes; providers with shorter limits check their own.
    pub const MAX_CHARS: usize = 255;

    /// Check and wrap a name.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let len = name.chars().count();
        if len > Self::MAX_CHARS {
            return Err(Error::invalid_input(format!(
                "name is {len} characters long; at most {} are allowed",
                Self::MAX_CHARS
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid_input(
                "name must not contain control characters",
            ));
        }
        Ok(Self(name))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BackendName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BackendName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl<'de> Deserialize<'de> for BackendName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A base URL to send API calls to: `https://` anywhere, plain `http://` only to a
/// loopback address (the emulator).
///
/// ```
/// use lb_backends_core::Endpoint;
/// assert!(Endpoint::parse("https://elb.cn-north-4.myhuaweicloud.com").is_ok());
/// assert!(Endpoint::parse("http://127.0.0.1:8080").is_ok());
/// assert!(Endpoint::parse("http://[::1]:8080").is_ok());
/// assert!(Endpoint::parse("http://elb.example.com").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Endpoint(Url);

impl Endpoint {
    /// Check and parse a base URL.
    pub fn parse(url: &str) -> Result<Self> {
        // The text given is never echoed: it may carry a password.
        let parsed = Url::parse(url.trim())
            .map_err(|e| Error::invalid_input(format!("the endpoint is not a URL: {e}")))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::invalid_input(
                "the endpoint must not carry a user name or password",
            ));
        }
        let shown = parsed.as_str();
        match parsed.scheme() {
            "https" => {}
            "http" if is_loopback(&parsed) => {}
            "http" => {
                return Err(Error::invalid_input(format!(
                    "endpoint {shown:?} uses plain http off loopback; use https \
                     (plain http is allowed only to 127.0.0.0/8, [::1] or localhost)"
                )))
            }
            other => {
                return Err(Error::invalid_input(format!(
                    "endpoint {shown:?} has scheme {other:?}; use https"
                )))
            }
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Error::invalid_input(format!(
                "endpoint {shown:?} has no host"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(Error::invalid_input(
                "the endpoint must not have a query or fragment",
            ));
        }
        Ok(Self(parsed))
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The `Host` header value for this endpoint: host, and `:port` when it is not the
    /// scheme's default.
    pub fn host_header(&self) -> String {
        let host = self.0.host_str().unwrap_or_default();
        match self.0.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// Whether this endpoint is a loopback address (the emulator).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.0)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_str().trim_end_matches('/').fmt(f)
    }
}

impl FromStr for Endpoint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// The first 40 characters of untrusted text, for error messages.
pub(crate) fn shorten(s: &str) -> String {
    const KEEP: usize = 40;
    if s.chars().count() <= KEEP {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(KEEP).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn endpoint_refuses_tricks() {
        for bad in [
            "ftp://x",
            "http://10.0.0.1",
            "https://user:pw@host",
            "http://user:pw@10.0.0.1",
            "https://h/?a=b",
            "not a url",
            "http://127.0.0.1.evil.com",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
        let err = Endpoint::parse("http://user:TOPSECRET@10.0.0.1").unwrap_err();
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
        let err = Endpoint::parse("not a url TOPSECRET").unwrap_err();
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
        let e = Endpoint::parse("http://localhost:9000/").unwrap();
        assert_eq!(e.host_header(), "localhost:9000");
        assert_eq!(e.to_string(), "http://localhost:9000");
    }

    #[test]
    fn weight_and_port_parse_from_text() {
        assert_eq!("42".parse::<Weight>().unwrap().get(), 42);
        assert!("-1".parse::<Weight>().is_err());
        assert!("x".parse::<Port>().is_err());
        assert_eq!(serde_json::from_str::<Weight>("7").unwrap().get(), 7);
        assert!(serde_json::from_str::<Weight>("10001").is_err());
    }

    proptest! {
        #[test]
        fn accepted_ids_stay_one_path_segment(s in "[a-z0-9./:?#&=% _-]{0,12}") {
            if let Ok(id) = ResourceId::new(s) {
                let encoded = crate::transport::encode::encode_component(id.as_str());
                prop_assert!(!encoded.contains(['/', '?', '#', '&', '=', ' ']));
                prop_assert!(encoded.chars().any(|c| c != '.'));
            }
        }

        #[test]
        fn weight_accepts_exactly_0_to_max(n in -1000i64..20_000) {
            prop_assert_eq!(Weight::new(n).is_ok(), (0..=10_000).contains(&n));
        }
    }
}
