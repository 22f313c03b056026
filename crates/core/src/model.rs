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
    pub weight: Option<u8>,
    /// Health-check result.
    pub health: Health,
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
    /// The provider's record, whole.
    pub raw: serde_json::Value,
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
            listener_health: Vec::new(),
            admin_state: AdminState::NotReported,
            instance: None,
            name: None,
            created_at: None,
            raw: serde_json::Value::Null,
        }
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
