//! The normalized model: one [`Backend`] record whatever the cloud, with typed fields
//! where every provider has them and the provider's own record kept whole in `raw`.
//!
//! Enums are `#[non_exhaustive]` and keep values they do not know as `Unknown(..)`:
//! a value the cloud adds tomorrow is carried, never a panic.

use std::{fmt, net::IpAddr, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Which provider a backend or target belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProviderKind {
    /// Huawei Cloud ELB v3: members of a backend server group (pool).
    HuaweiElb,
    /// Huawei Cloud APIG: members of a VPC channel.
    HuaweiApig,
    /// Tencent Cloud CLB (legacy API): backends of a load balancer.
    TencentClb,
    /// Tencent Cloud BMLB (legacy API): hosts bound to a layer-7 forwarding path.
    TencentBmlb,
}

impl ProviderKind {
    /// Every provider kind, in a stable order.
    pub const ALL: [ProviderKind; 4] = [
        Self::HuaweiElb,
        Self::HuaweiApig,
        Self::TencentClb,
        Self::TencentBmlb,
    ];

    /// The textual name used in targets, the CLI and JSON (`huawei-elb`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HuaweiElb => "huawei-elb",
            Self::HuaweiApig => "huawei-apig",
            Self::TencentClb => "tencent-clb",
            Self::TencentBmlb => "tencent-bmlb",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown provider {s:?}; expected one of huawei-elb, huawei-apig, \
                     tencent-clb, tencent-bmlb"
                ))
            })
    }
}

/// What the load balancer's health check says about a backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Health {
    /// Passing health checks (ELB `ONLINE`, BMLB `Alive`).
    Healthy,
    /// Failing health checks or gone (ELB `OFFLINE`, BMLB `Dead`).
    Unhealthy,
    /// Health checks configured but no result yet (ELB `INITIAL`).
    Pending,
    /// No health check is configured (ELB `NO_MONITOR`).
    Unmonitored,
    /// The cloud did not report health for this backend.
    NotReported,
    /// A value we do not know, kept as the cloud sent it (ELB `UNKNOWN` lands here too).
    Unknown(String),
}

impl Health {
    /// A short stable name for tables and CSV (`healthy`, `unknown:FOO`, ...).
    pub fn label(&self) -> String {
        match self {
            Self::Healthy => "healthy".into(),
            Self::Unhealthy => "unhealthy".into(),
            Self::Pending => "pending".into(),
            Self::Unmonitored => "unmonitored".into(),
            Self::NotReported => "-".into(),
            // The cloud's own word for "unknown" needs no repeating.
            Self::Unknown(v) if v.eq_ignore_ascii_case("unknown") => "unknown".into(),
            Self::Unknown(v) => format!("unknown:{v}"),
        }
    }
}

/// Whether the backend is administratively enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AdminState {
    /// Enabled: takes traffic when healthy.
    Up,
    /// Disabled by an operator or by the cloud.
    Down,
    /// The cloud does not report an admin state for this backend.
    NotReported,
}

/// Health as seen by one listener, when the cloud reports it per listener.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListenerHealth {
    /// The listener's id.
    pub listener_id: String,
    /// The health that listener sees.
    pub health: Health,
    /// Why, when the cloud says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Box<HealthDetail>>,
}

impl ListenerHealth {
    /// The health one listener sees, without detail.
    pub fn new(listener_id: impl Into<String>, health: Health) -> Self {
        Self {
            listener_id: listener_id.into(),
            health,
            detail: None,
        }
    }
}

/// Why a backend's health is what it is, as the cloud explains it. Every field is the
/// cloud's own text; none is interpreted.
///
/// ```
/// use lb_backends_core::HealthDetail;
/// let why = HealthDetail::code("CONNECT_TIMEOUT").with_expected("200").with_observed("timeout");
/// assert_eq!(why.to_string(), "CONNECT_TIMEOUT (expected 200, got timeout)");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HealthDetail {
    /// A reason code (ELB `reason_code`, Tencent `HealthStatusDetail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What the health check expected (ELB `expected_response`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What it got (ELB `healthcheck_response`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
}

impl HealthDetail {
    /// A detail with a reason code.
    pub fn code(code: impl Into<String>) -> Self {
        Self {
            code: Some(code.into()),
            ..Self::default()
        }
    }

    /// Set what was expected.
    #[must_use]
    pub fn with_expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Set what was observed.
    #[must_use]
    pub fn with_observed(mut self, observed: impl Into<String>) -> Self {
        self.observed = Some(observed.into());
        self
    }

    /// Whether the cloud said nothing.
    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.expected.is_none() && self.observed.is_none()
    }
}

impl fmt::Display for HealthDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_deref().unwrap_or("-"))?;
        match (&self.expected, &self.observed) {
            (Some(e), Some(o)) => write!(f, " (expected {e}, got {o})"),
            (Some(e), None) => write!(f, " (expected {e})"),
            (None, Some(o)) => write!(f, " (got {o})"),
            (None, None) => Ok(()),
        }
    }
}

/// What kind of cloud instance a backend is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InstanceKind {
    /// A Huawei Elastic Cloud Server.
    Ecs,
    /// A Tencent Cloud Virtual Machine.
    Cvm,
    /// A Tencent bare-metal (Black Stone, CPM) host.
    BareMetal,
    /// A value we do not know, kept as the cloud sent it.
    Unknown(String),
}

/// The lifecycle state of a cloud instance (Tencent CLB reports it per backend).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InstanceState {
    /// Faulty (Tencent 1).
    Fault,
    /// Running (Tencent 2).
    Running,
    /// Being created (Tencent 3).
    Creating,
    /// Stopped (Tencent 4).
    Stopped,
    /// Returned to the cloud (Tencent 5).
    Returned,
    /// Being returned (Tencent 6).
    Returning,
    /// Rebooting (Tencent 7).
    Rebooting,
    /// Starting (Tencent 8).
    Starting,
    /// Shutting down (Tencent 9).
    ShuttingDown,
    /// Password being reset (Tencent 10).
    PasswordResetting,
    /// Disk being formatted (Tencent 11).
    Formatting,
    /// Image being made (Tencent 12).
    MakingImage,
    /// Bandwidth being set (Tencent 13).
    SettingBandwidth,
    /// OS being reinstalled (Tencent 14).
    Reinstalling,
    /// Being upgraded (Tencent 19).
    Upgrading,
    /// Being hot-migrated (Tencent 21).
    HotMigrating,
    /// A value we do not know, kept as the cloud sent it.
    Unknown(String),
}

/// A reference to the cloud instance behind a backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InstanceRef {
    /// The instance id (ECS id, `ins-...`, `cpm-...`).
    pub id: String,
    /// The instance's name, when the cloud reports it.
    pub name: Option<String>,
    /// What kind of instance it is.
    pub kind: InstanceKind,
    /// Its lifecycle state, when the cloud reports it.
    pub state: Option<InstanceState>,
}

/// The answer to "which cloud instance is behind this backend?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InstanceLookup {
    /// Found exactly one instance.
    Found {
        /// The instance.
        instance: InstanceRef,
    },
    /// The backend is not bound to an instance by design (e.g. an ELB cross-VPC member).
    NotBound,
    /// Looked, and nothing matched (e.g. no VPC port on the member's subnet).
    NoMatch,
    /// More than one instance matched; reported rather than guessed.
    Ambiguous {
        /// The candidates' instance ids.
        candidates: Vec<String>,
    },
}

impl InstanceLookup {
    /// The answer a backend's own record gives: its [`Backend::instance`] when the
    /// cloud reported one ([`Found`](Self::Found)), else [`NotBound`](Self::NotBound).
    ///
    /// For providers whose records name their instance, so that no extra call can
    /// tell more.
    ///
    /// ```
    /// use lb_backends_core::{Backend, InstanceKind, InstanceLookup, InstanceRef, ProviderKind};
    ///
    /// let mut backend = Backend::new(ProviderKind::TencentClb, "ins-1");
    /// assert_eq!(InstanceLookup::from_backend(&backend), InstanceLookup::NotBound);
    ///
    /// let cvm = InstanceRef { id: "ins-1".into(), name: None, kind: InstanceKind::Cvm, state: None };
    /// backend.instance = Some(cvm.clone());
    /// assert_eq!(InstanceLookup::from_backend(&backend), InstanceLookup::Found { instance: cvm });
    /// ```
    pub fn from_backend(backend: &Backend) -> Self {
        match &backend.instance {
            Some(instance) => Self::Found {
                instance: instance.clone(),
            },
            None => Self::NotBound,
        }
    }
}

/// One backend server, normalized.
///
/// `raw` holds the provider's record exactly as the cloud sent it, so nothing is lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Backend {
    /// Which provider this came from.
    pub provider: ProviderKind,
    /// The backend's id within its target (ELB member id, APIG member id, Tencent
    /// instance id, BMLB instance id or `ip:port`).
    pub id: String,
    /// The address traffic is sent to, when the cloud reports a valid one.
    pub address: Option<IpAddr>,
    /// The port traffic is sent to, when the cloud reports it.
    pub port: Option<u16>,
    /// The weight, when the cloud reports one in range.
    pub weight: Option<u16>,
    /// Health-check result.
    pub health: Health,
    /// Why the health is what it is, when the cloud says (ELB `reason`, Tencent
    /// `HealthStatusDetail`).
    /// Boxed: most backends have none, and a listing moves many records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_detail: Option<Box<HealthDetail>>,
    /// Per-listener health, when the cloud reports it (where a listener is listed,
    /// its entry wins over `health`).
    pub listener_health: Vec<ListenerHealth>,
    /// Administrative state.
    pub admin_state: AdminState,
    /// The cloud instance behind it, when known without another call.
    pub instance: Option<InstanceRef>,
    /// The backend's own name, when it has one.
    pub name: Option<String>,
    /// When it was created, as the cloud wrote it (RFC 3339 UTC).
    pub created_at: Option<String>,
    /// The provider's record, whole: the JSON text the cloud sent for it, parsed
    /// only when asked ([`raw_value`](Self::raw_value), [`RawRecord::parse`]).
    pub raw: RawRecord,
}

impl Backend {
    /// A backend with only its provider and id set; providers fill in the rest.
    pub fn new(provider: ProviderKind, id: impl Into<String>) -> Self {
        Self {
            provider,
            id: id.into(),
            address: None,
            port: None,
            weight: None,
            health: Health::NotReported,
            health_detail: None,
            listener_health: Vec::new(),
            admin_state: AdminState::NotReported,
            instance: None,
            name: None,
            created_at: None,
            raw: RawRecord::null(),
        }
    }

    /// The provider's record ([`raw`](Self::raw)) parsed into a JSON value; `null` if it
    /// cannot be (see [`RawRecord::to_value`]).
    pub fn raw_value(&self) -> serde_json::Value {
        self.raw.to_value()
    }
}

/// A record as the cloud sent it: its JSON text, verbatim (the providers' listings
/// keep the bytes of the page), so writing it out (`lbb --raw`) gives back exactly
/// what the cloud sent, and nothing is decoded into a tree unless asked for.
///
/// It serializes as the JSON it holds (not as a string), and compares by text.
///
/// ```
/// use lb_backends_core::RawRecord;
/// use serde_json::json;
///
/// let raw = RawRecord::from_text(r#"{"id": "m1", "weight": 10}"#)?;
/// assert_eq!(raw.as_str(), r#"{"id": "m1", "weight": 10}"#);
/// assert!(raw.is_object());
/// assert_eq!(raw.to_value()["weight"], 10);
/// assert_eq!(raw, json!({"id": "m1", "weight": 10}));
/// assert_eq!(serde_json::to_string(&raw)?, r#"{"id": "m1", "weight": 10}"#);
/// assert!(RawRecord::from_text("{").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct RawRecord(Box<str>);

impl RawRecord {
    /// JSON `null`: no record.
    pub fn null() -> Self {
        Self("null".into())
    }

    /// A record from its JSON text, checked to be one JSON value (kept verbatim; blanks
    /// around it are an error, as serde_json's `RawValue` has it).
    pub fn from_text(text: &str) -> serde_json::Result<Self> {
        serde_json::value::RawValue::from_string(text.to_owned()).map(|raw| Self(raw.into()))
    }

    /// A record from text its caller already delimited and checked as exactly one JSON
    /// value (a parser's slice of a page): kept verbatim and **not checked again**,
    /// which is what makes a listing read its page once. Text that is not one JSON
    /// value is not unsafe, only wrong: it fails to serialize and to parse.
    pub fn from_checked(text: &str) -> Self {
        Self(text.into())
    }

    /// A record already checked as one JSON value (borrowed from a page).
    pub fn from_raw(raw: &serde_json::value::RawValue) -> Self {
        Self(raw.get().into())
    }

    /// A record from a parsed value (written compactly).
    pub fn from_value(value: &serde_json::Value) -> Self {
        Self::from_serialize(value)
    }

    /// A record from anything that serializes as JSON (written compactly); `null` if
    /// it does not.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Self {
        serde_json::value::to_raw_value(value).map_or_else(|_| Self::null(), |raw| Self(raw.into()))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The record as a borrowed `RawValue` (`null` if the text is not one JSON value,
    /// which only [`from_checked`](Self::from_checked) can make).
    pub fn as_raw_value(&self) -> &serde_json::value::RawValue {
        serde_json::from_str(&self.0).unwrap_or(serde_json::value::RawValue::NULL)
    }

    /// Whether the record is a JSON object (from its first byte: no parsing).
    pub fn is_object(&self) -> bool {
        self.as_str().starts_with('{')
    }

    /// The record decoded as `T`.
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> serde_json::Result<T> {
        serde_json::from_str(self.as_str())
    }

    /// The record parsed into a JSON value; `null` if it cannot be: well-formed JSON
    /// that a value cannot hold (nested deeper than serde_json's recursion limit, or a
    /// number beyond `f64`'s range), which is kept as sent all the same.
    ///
    /// ```
    /// use lb_backends_core::RawRecord;
    ///
    /// let odd = RawRecord::from_text(r#"{"id": "m", "big": 1e999}"#)?;
    /// assert!(odd.is_object());
    /// assert_eq!(odd.to_value(), serde_json::Value::Null);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn to_value(&self) -> serde_json::Value {
        self.parse().unwrap_or(serde_json::Value::Null)
    }
}

impl Default for RawRecord {
    fn default() -> Self {
        Self::null()
    }
}

impl fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawRecord({})", self.as_str())
    }
}

impl fmt::Display for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for RawRecord {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

/// Equal when the text parses to that value (key order and blanks aside).
impl PartialEq<serde_json::Value> for RawRecord {
    fn eq(&self, other: &serde_json::Value) -> bool {
        self.parse::<serde_json::Value>().is_ok_and(|v| v == *other)
    }
}

/// Serializes as the JSON it holds (not as a string).
impl Serialize for RawRecord {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawRecord {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        Box::<serde_json::value::RawValue>::deserialize(deserializer).map(|raw| Self(raw.into()))
    }
}

impl From<serde_json::Value> for RawRecord {
    fn from(value: serde_json::Value) -> Self {
        Self::from_value(&value)
    }
}

impl From<&serde_json::Value> for RawRecord {
    fn from(value: &serde_json::Value) -> Self {
        Self::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_kind_round_trips() {
        for k in ProviderKind::ALL {
            assert_eq!(k.as_str().parse::<ProviderKind>().unwrap(), k);
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert!("aws-elb".parse::<ProviderKind>().is_err());
    }

    #[test]
    fn health_labels_are_stable() {
        assert_eq!(Health::Healthy.label(), "healthy");
        assert_eq!(Health::Unknown("X".into()).label(), "unknown:X");
        assert_eq!(Health::Unknown("UNKNOWN".into()).label(), "unknown");
    }
}

/// What the cloud says about a target itself: the ELB pool, the APIG channel, the
/// Tencent load balancer, listener or rule, the BMLB location. Workflows read it (a
/// drain's default grace is [`drain_timeout`](Self::drain_timeout)); `lbb describe`
/// prints it.
///
/// ```
/// use lb_backends_core::{TargetInfo, Target};
/// let target: Target = "huawei-elb:0f8e4e7b-7b58-4d4c-9a87-7c2ecdd2c3b4".parse()?;
/// let info = TargetInfo::new(target).with_name("web");
/// assert_eq!(info.name.as_deref(), Some("web"));
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TargetInfo {
    /// The target described.
    pub target: crate::Target,
    /// Its name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The protocol traffic arrives with (`TCP`, `HTTP`, ...), where the target has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The port traffic arrives on (a listener's port), where the target has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The load balancer it belongs to, where that is not the target itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    /// How long the cloud keeps a removed backend's connections (ELB
    /// `connection_drain`), when it does.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "secs")]
    pub drain_timeout: Option<std::time::Duration>,
    /// The cloud's own record of the target, whole.
    pub settings: RawRecord,
}

fn secs<S: serde::Serializer>(
    d: &Option<std::time::Duration>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_u64(d.as_secs()),
        None => s.serialize_none(),
    }
}

impl TargetInfo {
    /// A description of `target` with nothing known yet.
    pub fn new(target: crate::Target) -> Self {
        Self {
            target,
            name: None,
            protocol: None,
            port: None,
            load_balancer: None,
            drain_timeout: None,
            settings: RawRecord::null(),
        }
    }

    /// Set the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Set the protocol and port traffic arrives with.
    #[must_use]
    pub fn with_listener(mut self, protocol: impl Into<String>, port: Option<u16>) -> Self {
        self.protocol = Some(protocol.into());
        self.port = port;
        self
    }

    /// Set the load balancer.
    #[must_use]
    pub fn with_load_balancer(mut self, id: impl Into<String>) -> Self {
        self.load_balancer = Some(id.into());
        self
    }

    /// Set the connection-drain timeout.
    #[must_use]
    pub fn with_drain_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.drain_timeout = Some(timeout);
        self
    }

    /// Set the cloud's own record.
    #[must_use]
    pub fn with_settings(mut self, settings: RawRecord) -> Self {
        self.settings = settings;
        self
    }
}
