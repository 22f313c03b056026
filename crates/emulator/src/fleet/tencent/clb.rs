//! CLB load balancers and their backends (API.md 5).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{default_weight, ForcedError};

/// The CLB part of a fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClbFleet {
    /// The load balancers.
    #[serde(default, rename = "loadBalancers")]
    pub load_balancers: Vec<ClbLoadBalancer>,
}

/// A CLB load balancer and the CVMs behind it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClbLoadBalancer {
    /// `lb-...` (*required*).
    #[serde(rename = "loadBalancerId")]
    pub load_balancer_id: String,
    /// Its backends, in listing order.
    #[serde(default, rename = "backendSet")]
    pub backends: Vec<ClbBackend>,
    /// When set, every call naming this load balancer answers this error instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ForcedError>,
}

impl ClbLoadBalancer {
    /// A load balancer without backends.
    pub fn new(load_balancer_id: impl Into<String>) -> ClbLoadBalancer {
        ClbLoadBalancer {
            load_balancer_id: load_balancer_id.into(),
            ..ClbLoadBalancer::default()
        }
    }
}

/// One backend of a CLB load balancer (API.md 5, `backendSet`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClbBackend {
    /// The legacy instance id (`qcvm...`).
    #[serde(default)]
    pub instance_id: String,
    /// `ins-...` (*required*).
    pub un_instance_id: String,
    /// The CVM's name.
    #[serde(default)]
    pub instance_name: String,
    /// 0–100 (default 10).
    #[serde(default = "default_weight")]
    pub weight: u32,
    /// The private address (*required*).
    pub lan_ip: String,
    /// Public addresses.
    #[serde(default)]
    pub wan_ip_set: Vec<String>,
    /// CVM state: 1 fault, 2 running (default), ... (any number is served as is).
    #[serde(default = "default_status")]
    pub instance_status: i64,
}

fn default_status() -> i64 {
    2
}

impl ClbBackend {
    /// A running backend with weight 10.
    pub fn new(un_instance_id: impl Into<String>, lan_ip: impl Into<String>) -> ClbBackend {
        ClbBackend {
            instance_id: String::new(),
            un_instance_id: un_instance_id.into(),
            instance_name: String::new(),
            weight: default_weight(),
            lan_ip: lan_ip.into(),
            wan_ip_set: Vec::new(),
            instance_status: default_status(),
        }
    }

    /// The record as `DescribeLoadBalancerBackends` returns it.
    pub fn to_api(&self) -> Value {
        json!({
            "instanceId": self.instance_id,
            "unInstanceId": self.un_instance_id,
            "instanceName": self.instance_name,
            "weight": self.weight,
            "lanIp": self.lan_ip,
            "wanIpSet": self.wan_ip_set,
            "instanceStatus": self.instance_status,
        })
    }
}
