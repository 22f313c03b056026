//! BMLB forwarding paths and their bindings (API.md 6).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{default_weight, ForcedError};

/// The BMLB part of a fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BmlbFleet {
    /// The forwarding paths.
    #[serde(default)]
    pub locations: Vec<BmlbLocation>,
    /// Layer-4 listeners (served by API 3.0 only).
    #[serde(default, rename = "l4Listeners", skip_serializing_if = "Vec::is_empty")]
    pub l4_listeners: Vec<BmlbL4Listener>,
}

/// A BMLB layer-4 listener and the hosts bound to it (API 3.0 `DescribeL4Backends`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BmlbL4Listener {
    /// The load balancer (*required*).
    pub load_balancer_id: String,
    /// The layer-4 listener (*required*).
    pub listener_id: String,
    /// The bindings, in listing order.
    #[serde(default, rename = "data")]
    pub bindings: Vec<BmlbBinding>,
}

impl BmlbL4Listener {
    /// A layer-4 listener without bindings.
    pub fn new(
        load_balancer_id: impl Into<String>,
        listener_id: impl Into<String>,
    ) -> BmlbL4Listener {
        BmlbL4Listener {
            load_balancer_id: load_balancer_id.into(),
            listener_id: listener_id.into(),
            bindings: Vec::new(),
        }
    }
}

/// A BMLB layer-7 forwarding path and the hosts bound to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BmlbLocation {
    /// The load balancer (*required*).
    pub load_balancer_id: String,
    /// The layer-7 listener (*required*).
    pub listener_id: String,
    /// The forwarding domain (*required*).
    pub domain_id: String,
    /// The forwarding path (*required*).
    pub location_id: String,
    /// The bindings, in listing order.
    #[serde(default, rename = "data")]
    pub bindings: Vec<BmlbBinding>,
    /// When set, every call naming this location answers this error instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ForcedError>,
}

impl BmlbLocation {
    /// A location without bindings.
    pub fn new(
        load_balancer_id: impl Into<String>,
        listener_id: impl Into<String>,
        domain_id: impl Into<String>,
        location_id: impl Into<String>,
    ) -> BmlbLocation {
        BmlbLocation {
            load_balancer_id: load_balancer_id.into(),
            listener_id: listener_id.into(),
            domain_id: domain_id.into(),
            location_id: location_id.into(),
            ..BmlbLocation::default()
        }
    }

    /// The four ids, in API order.
    pub fn key(&self) -> [&str; 4] {
        [
            &self.load_balancer_id,
            &self.listener_id,
            &self.domain_id,
            &self.location_id,
        ]
    }
}

/// One binding of a BMLB forwarding path (API.md 6, `data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BmlbBinding {
    /// 0 bare-metal host, 1 VM IP, 2 semi-managed host (*required*).
    pub bind_type: u8,
    /// The host's port (*required*).
    pub rs_port: u16,
    /// 0–100 (default 10).
    #[serde(default = "default_weight")]
    pub weight: u32,
    /// `Alive` (default) or `Dead` (anything else is served as is).
    #[serde(default = "default_alive")]
    pub status: String,
    /// The host's address (*required*).
    pub lan_ip: String,
    /// bindType 0: `cpm-...` (*required* then).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance_id: String,
    /// bindType 0: the host's alias.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
    /// bindType 0: the management address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mgt_ip: String,
    /// bindType 0: what may be done to the host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operates: Vec<String>,
}

fn default_alive() -> String {
    "Alive".to_string()
}

/// The actions the seed lists for a bare-metal host.
pub const BM_OPERATES: [&str; 12] = [
    "modifyDeviceAlias",
    "renewDevice",
    "shutdownDevice",
    "rebootDevice",
    "reloadDeviceOs",
    "resetPasswd",
    "bindEip",
    "unbindEip",
    "isolateDevice",
    "offlineDevice",
    "bindLb",
    "unbindLb",
];

impl BmlbBinding {
    /// A bare-metal host binding (bindType 0), `Alive`, weight 10.
    pub fn host(
        instance_id: impl Into<String>,
        lan_ip: impl Into<String>,
        rs_port: u16,
    ) -> BmlbBinding {
        BmlbBinding {
            bind_type: 0,
            rs_port,
            weight: default_weight(),
            status: default_alive(),
            lan_ip: lan_ip.into(),
            instance_id: instance_id.into(),
            alias: String::new(),
            mgt_ip: String::new(),
            operates: BM_OPERATES.iter().map(ToString::to_string).collect(),
        }
    }

    /// A VM IP binding (bindType 1), `Alive`, weight 10.
    pub fn vm_ip(lan_ip: impl Into<String>, rs_port: u16) -> BmlbBinding {
        BmlbBinding {
            bind_type: 1,
            rs_port,
            weight: default_weight(),
            status: default_alive(),
            lan_ip: lan_ip.into(),
            instance_id: String::new(),
            alias: String::new(),
            mgt_ip: String::new(),
            operates: Vec::new(),
        }
    }

    /// The `InstanceId` API 3.0 shows: the host's id, or a VM binding's IP.
    pub fn instance_id3(&self) -> &str {
        if self.bind_type == 1 {
            &self.lan_ip
        } else {
            &self.instance_id
        }
    }

    /// The `L7Backend` record of API 3.0 `DescribeL7Backends` (layer 4: `ProbePort`
    /// -1 instead of `MgtIp`).
    pub fn to_api3(&self, layer7: bool) -> Value {
        let mut v = json!({
            "BindType": self.bind_type,
            "Port": self.rs_port,
            "Weight": self.weight,
            "Status": self.status,
            "InstanceId": self.instance_id3(),
            "Alias": self.alias,
            "LanIp": self.lan_ip,
            "Operates": self.operates,
        });
        if layer7 {
            v["MgtIp"] = json!(self.mgt_ip);
        } else {
            v["ProbePort"] = json!(-1);
        }
        v
    }

    /// The record as `DescribeBmLocationBackends` returns it: the host fields only
    /// for bindType 0.
    pub fn to_api(&self) -> Value {
        let mut v = json!({
            "bindType": self.bind_type,
            "rsPort": self.rs_port,
            "weight": self.weight,
            "lanIp": self.lan_ip,
            "status": self.status,
        });
        if self.bind_type == 0 {
            v["instanceId"] = json!(self.instance_id);
            v["alias"] = json!(self.alias);
            v["mgtIp"] = json!(self.mgt_ip);
            v["operates"] = json!(self.operates);
        }
        v
    }
}
