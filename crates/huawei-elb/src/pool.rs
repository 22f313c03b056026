//! The pool itself (huawei-more.md 4.1): read once per provider when a write needs it,
//! and what its settings mean for the members' writes.
//!
//! | setting | effect here |
//! |---|---|
//! | `lb_algorithm` `SOURCE_IP` / `QUIC_CID` | a weight change is refused before sending: the cloud ignores weights there |
//! | `member_deletion_protection_enable` | removing members is refused before sending, naming the setting |
//! | `any_port_enable` | a member may be added with port 0 ([`CreateMember`](crate::CreateMember); the pool is read only then: in such a pool the cloud ignores any other port), and is deleted by address with port 0 |
//! | `connection_drain` | [`describe`](lb_backends_core::BackendProvider::describe)'s `drain_timeout` |
//!
//! The read is a courtesy that turns the cloud's refusals (or silent no-ops) into clear
//! errors before sending: when it fails, the write goes ahead without these checks
//! and the cloud decides.

use std::time::Duration;

use http::Method;
use lb_backends_core::{Error, RawRecord, Result, TargetInfo};
use serde_json::Value;

use crate::ElbProvider;

/// What a pool's settings say, as read from `GET /v3/{project}/elb/pools/{pool}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PoolSettings {
    /// The pool's name.
    pub name: Option<String>,
    /// `TCP`, `UDP`, `HTTP`, `HTTPS`, `QUIC`, `TLS`, `IP`, ...
    pub protocol: Option<String>,
    /// `ROUND_ROBIN`, `LEAST_CONNECTIONS`, `SOURCE_IP`, `QUIC_CID`, ...
    pub lb_algorithm: Option<String>,
    /// `v4` or `dualstack`.
    pub ip_version: Option<String>,
    /// `instance`, `ip` or empty.
    pub pool_type: Option<String>,
    /// Members cannot be removed.
    pub member_deletion_protection: bool,
    /// Port pass-through: members take port 0.
    pub any_port: bool,
    /// The connection drain's timeout, when drain is on.
    pub drain_timeout: Option<Duration>,
    /// The first load balancer of the pool.
    pub load_balancer: Option<String>,
    /// The pool object as the cloud sent it.
    pub raw: Value,
}

impl PoolSettings {
    /// Read a `{"pool": {...}}` answer.
    pub fn from_pool(raw: Value) -> Self {
        let s = |k: &str| {
            raw.get(k)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let b = |k: &str| raw.get(k).and_then(Value::as_bool).unwrap_or(false);
        let drain = raw.get("connection_drain");
        let drain_timeout = drain
            .filter(|d| d.get("enable").and_then(Value::as_bool) == Some(true))
            .and_then(|d| d.get("timeout").and_then(Value::as_u64))
            .map(Duration::from_secs);
        let load_balancer = raw
            .get("loadbalancers")
            .and_then(Value::as_array)
            .and_then(|l| l.first())
            .and_then(|l| l.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            name: s("name"),
            protocol: s("protocol"),
            lb_algorithm: s("lb_algorithm"),
            ip_version: s("ip_version"),
            pool_type: s("type"),
            member_deletion_protection: b("member_deletion_protection_enable"),
            any_port: b("any_port_enable"),
            drain_timeout,
            load_balancer,
            raw,
        }
    }

    /// Whether the algorithm ignores weights (`SOURCE_IP`, `QUIC_CID`).
    pub fn ignores_weights(&self) -> bool {
        matches!(self.lb_algorithm.as_deref(), Some("SOURCE_IP" | "QUIC_CID"))
    }
}

impl ElbProvider {
    /// The pool's settings: one `GET` per provider (clones share it), on the first
    /// call that needs them.
    pub async fn pool_settings(&self) -> Result<&PoolSettings> {
        self.pool
            .get_or_try_init(|| async {
                let request = self
                    .client()
                    .request(
                        "ShowPool",
                        Method::GET,
                        lb_backends_huawei_core::Service::Elb,
                    )
                    .segments([
                        "v3",
                        self.client().project_id().as_str(),
                        "elb",
                        "pools",
                        self.pool_id().as_str(),
                    ]);
                let answer: Value = self.client().send_json(&request).await?;
                let pool = answer
                    .get("pool")
                    .cloned()
                    .filter(Value::is_object)
                    .ok_or_else(|| {
                        Error::new(
                            lb_backends_core::ErrorKind::Decode,
                            "the ShowPool answer has no \"pool\" object",
                        )
                    })?;
                Ok(PoolSettings::from_pool(pool))
            })
            .await
    }

    /// The pool's settings for a write's checks; `None` when they could not be read
    /// (the write goes ahead and the cloud decides).
    pub(crate) async fn settings_for_write(&self) -> Option<&PoolSettings> {
        match self.pool_settings().await {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::debug!(error = %e, "could not read the pool's settings; writing without their checks");
                None
            }
        }
    }

    /// Refuse a weight change the pool's algorithm ignores.
    pub(crate) async fn check_weight_matters(&self) -> Result<()> {
        if let Some(s) = self.settings_for_write().await {
            if s.ignores_weights() {
                return Err(Error::invalid_input(format!(
                    "pool {} uses lb_algorithm {}, which ignores member weights: the change \
                     would do nothing (use a ROUND_ROBIN or LEAST_CONNECTIONS pool, or remove \
                     the member to take it out of rotation)",
                    self.pool_id(),
                    s.lb_algorithm.as_deref().unwrap_or_default()
                )));
            }
        }
        Ok(())
    }

    /// Refuse a removal from a pool with member deletion protection.
    pub(crate) async fn check_removable(&self) -> Result<()> {
        if let Some(s) = self.settings_for_write().await {
            if s.member_deletion_protection {
                return Err(Error::invalid_input(format!(
                    "pool {} has member_deletion_protection_enable set: its members cannot be \
                     removed (turn the pool's member deletion protection off first)",
                    self.pool_id()
                )));
            }
        }
        Ok(())
    }

    /// Whether the pool passes any port through (members take port 0).
    pub(crate) async fn any_port(&self) -> bool {
        self.settings_for_write().await.is_some_and(|s| s.any_port)
    }

    /// The pool as [`TargetInfo`].
    pub(crate) async fn describe_pool(&self) -> Result<TargetInfo> {
        let s = self.pool_settings().await?;
        let mut info = TargetInfo::new(lb_backends_core::BackendProvider::target(self).clone())
            .with_settings(RawRecord::from_value(&s.raw));
        if let Some(n) = &s.name {
            info = info.with_name(n);
        }
        if let Some(p) = &s.protocol {
            info = info.with_listener(p, None);
        }
        if let Some(lb) = &s.load_balancer {
            info = info.with_load_balancer(lb);
        }
        if let Some(d) = s.drain_timeout {
            info = info.with_drain_timeout(d);
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_are_read_from_the_pool() {
        let s = PoolSettings::from_pool(json!({
            "name": "web", "protocol": "TCP", "lb_algorithm": "SOURCE_IP",
            "member_deletion_protection_enable": true, "any_port_enable": false,
            "connection_drain": {"enable": true, "timeout": 60},
            "loadbalancers": [{"id": "lb1"}], "type": ""
        }));
        assert!(s.ignores_weights() && s.member_deletion_protection && !s.any_port);
        assert_eq!(s.drain_timeout, Some(Duration::from_secs(60)));
        assert_eq!(
            (s.load_balancer.as_deref(), s.pool_type),
            (Some("lb1"), None)
        );
        let off =
            PoolSettings::from_pool(json!({"connection_drain": {"enable": false, "timeout": 60}}));
        assert_eq!(off.drain_timeout, None);
        assert!(!off.ignores_weights());
    }
}
