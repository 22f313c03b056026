//! The wire shapes of `DescribeBmLocationBackends` and their mapping onto
//! [`Backend`].

use std::net::IpAddr;

use lb_backends_core::{
    lenient::{self, json_kind},
    Backend, Error, ErrorKind, Health, InstanceKind, InstanceRef, ProviderKind, RawRecord, Result,
};
use serde::Deserialize;
use serde_json::Value;

/// One page of `DescribeBmLocationBackends` (it has no total).
#[derive(Debug, Default)]
pub(crate) struct BindingsPage {
    /// This page's bindings, kept whole (each a JSON object).
    pub data: Vec<Value>,
}

/// Read a page: `data` (an array of objects) is required, as the API always sends
/// it; anything else is the reason the page cannot be used.
pub(crate) fn page_of(body: Value) -> std::result::Result<BindingsPage, String> {
    let Value::Object(mut body) = body else {
        return Err(format!("the body is {}, not an object", json_kind(&body)));
    };
    let data = crate::listing::objects(body.remove("data"), "data")?;
    Ok(BindingsPage { data })
}

/// The fields of one binding that are mapped; the record itself is kept in `raw`
/// (with `mgtIp`, `operates` and anything new).
#[derive(Debug, Default, Deserialize)]
struct Binding {
    #[serde(default, rename = "bindType", deserialize_with = "lenient::opt_i64")]
    bind_type: Option<i64>,
    #[serde(default, rename = "rsPort", deserialize_with = "lenient::opt_i64")]
    rs_port: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    weight: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    status: Option<String>,
    #[serde(
        default,
        rename = "instanceId",
        deserialize_with = "lenient::opt_string"
    )]
    instance_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    alias: Option<String>,
    #[serde(default, rename = "lanIp", deserialize_with = "lenient::opt_string")]
    lan_ip: Option<String>,
}

/// `bindType` 0: a bare-metal host.
pub(crate) const BIND_HOST: i64 = 0;
/// `bindType` 1: a VM, by IP only.
pub(crate) const BIND_VM_IP: i64 = 1;

/// A mapped binding, with what the provider needs to keep ids unique.
#[derive(Debug)]
pub(crate) struct Mapped {
    /// The backend, with its natural id.
    pub backend: Backend,
    /// What makes the binding itself unique (id and port).
    pub binding_key: String,
}

/// The health for a binding's `status`.
pub(crate) fn health(status: Option<&str>) -> Health {
    match status {
        None => Health::NotReported,
        Some(s) if s.eq_ignore_ascii_case("Alive") => Health::Healthy,
        Some(s) if s.eq_ignore_ascii_case("Dead") => Health::Unhealthy,
        Some(other) => Health::Unknown(other.to_owned()),
    }
}

/// `ip:port`, or the address alone without a port. IPv6 too goes without brackets
/// (the last `:` is the port's), so every such id is a valid `ResourceId`.
pub(crate) fn address_id(lan_ip: &str, port: Option<u16>) -> String {
    let ip = lan_ip
        .parse::<IpAddr>()
        .map_or_else(|_| lan_ip.to_owned(), |ip| ip.to_string());
    match port {
        None => ip,
        Some(p) => format!("{ip}:{p}"),
    }
}

/// Map one binding. Its natural id is the `instanceId` of a host (bindType 0) and
/// `lanIp:rsPort` for a VM IP (bindType 1, or a host record without an id).
pub(crate) fn to_backend(raw: Value) -> Result<Mapped> {
    // Not serde's sequence form of `Binding`: a binding is an object.
    if !raw.is_object() {
        return Err(Error::new(
            ErrorKind::Decode,
            format!(
                "a DescribeBmLocationBackends record is {}, not an object",
                json_kind(&raw)
            ),
        ));
    }
    let b: Binding = serde_json::from_value(raw.clone()).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("a DescribeBmLocationBackends record is not an object: {e}"),
        )
    })?;
    let port = b
        .rs_port
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0);
    let bind_type = b.bind_type;
    // A VM IP binding names no instance even if a field says otherwise.
    let instance_id = b.instance_id.filter(|_| bind_type != Some(BIND_VM_IP));
    let id = match (&instance_id, &b.lan_ip) {
        (Some(id), _) => id.clone(),
        (None, Some(ip)) => address_id(ip, port),
        (None, None) => {
            return Err(Error::new(
                ErrorKind::Decode,
                "a DescribeBmLocationBackends record has neither instanceId nor lanIp",
            ))
        }
    };
    let binding_key = format!("{id}#{}", port.map_or(0, u32::from));
    let mut backend = Backend::new(ProviderKind::TencentBmlb, id);
    backend.address = b.lan_ip.as_deref().and_then(|ip| ip.parse().ok());
    backend.port = port;
    backend.weight = crate::listing::weight(b.weight);
    backend.health = health(b.status.as_deref());
    backend.instance = instance_id.map(|id| InstanceRef {
        id,
        name: b.alias,
        kind: match bind_type {
            Some(BIND_HOST) => InstanceKind::BareMetal,
            Some(other) => InstanceKind::Unknown(format!("bindType {other}")),
            None => InstanceKind::Unknown("bindType missing".into()),
        },
        state: None,
    });
    backend.raw = RawRecord::from_value(&raw);
    Ok(Mapped {
        backend,
        binding_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed() -> Value {
        json!({
            "bindType": 0, "rsPort": 1234, "weight": 10,
            "instanceId": "cpm-abcdefgh", "alias": "XXX测试",
            "lanIp": "1.1.1.1", "mgtIp": "2.2.2.2",
            "operates": ["modifyDeviceAlias", "renewDevice", "shutdownDevice", "rebootDevice",
                "reloadDeviceOs", "resetPasswd", "bindEip", "unbindEip", "isolateDevice",
                "offlineDevice", "bindLb", "unbindLb"],
            "status": "Dead"
        })
    }

    #[test]
    fn the_seed_host_lands_in_its_places() {
        let m = to_backend(seed()).unwrap();
        let b = m.backend;
        assert_eq!(b.provider, ProviderKind::TencentBmlb);
        assert_eq!(b.id, "cpm-abcdefgh");
        assert_eq!(b.address, Some("1.1.1.1".parse().unwrap()));
        assert_eq!(b.port, Some(1234));
        assert_eq!(b.weight, Some(10));
        assert_eq!(b.health, Health::Unhealthy);
        let i = b.instance.unwrap();
        assert_eq!(i.id, "cpm-abcdefgh");
        assert_eq!(i.name.as_deref(), Some("XXX测试"));
        assert_eq!(i.kind, InstanceKind::BareMetal);
        assert_eq!(b.raw, seed());
        assert_eq!(b.raw.to_value()["mgtIp"], "2.2.2.2");
        assert_eq!(b.raw.to_value()["operates"].as_array().unwrap().len(), 12);
    }

    #[test]
    fn a_vm_ip_binding_is_known_by_address_and_port() {
        let m = to_backend(json!({"bindType": 1, "rsPort": 80, "weight": 5,
            "lanIp": "10.1.2.3", "status": "Alive"}))
        .unwrap();
        assert_eq!(m.backend.id, "10.1.2.3:80");
        assert!(m.backend.instance.is_none());
        assert_eq!(m.backend.health, Health::Healthy);
        let m = to_backend(json!({"bindType": 1, "rsPort": 80, "lanIp": "fd00::1"})).unwrap();
        assert_eq!(m.backend.id, "fd00::1:80");
        assert!(lb_backends_core::ResourceId::new(m.backend.id.clone()).is_ok());
        assert_eq!(m.backend.health, Health::NotReported);
    }

    #[test]
    fn odd_bindings_decode_leniently() {
        let m = to_backend(json!({"bindType": "0", "rsPort": "8080", "weight": "3",
            "instanceId": "cpm-1", "lanIp": "10.0.0.1", "status": "Checking"}))
        .unwrap();
        assert_eq!(m.backend.port, Some(8080));
        assert_eq!(m.backend.weight, Some(3));
        assert_eq!(m.backend.health, Health::Unknown("Checking".into()));
        let m = to_backend(json!({"bindType": 7, "instanceId": "x-1", "rsPort": 70000})).unwrap();
        assert_eq!(m.backend.port, None);
        assert_eq!(
            m.backend.instance.unwrap().kind,
            InstanceKind::Unknown("bindType 7".into())
        );
        let nulls = json!({"bindType": null, "rsPort": null, "weight": null, "status": null,
            "instanceId": null, "alias": null, "lanIp": null, "mgtIp": null, "operates": null});
        assert_eq!(to_backend(nulls).unwrap_err().kind(), ErrorKind::Decode);
        assert_eq!(to_backend(json!(3)).unwrap_err().kind(), ErrorKind::Decode);
        // Serde's sequence form of the struct is not a binding.
        let seq = json!([0, 80, 10, "Alive", "cpm-x", "alias", "10.0.0.1"]);
        assert_eq!(to_backend(seq).unwrap_err().kind(), ErrorKind::Decode);
        assert!(page_of(json!({"code": 0})).is_err());
        assert!(page_of(json!({"code": 0, "data": null})).is_err());
        assert!(page_of(json!({"code": 0, "data": [[0, 80]]})).is_err());
        assert_eq!(
            page_of(json!({"code": 0, "data": []})).unwrap().data.len(),
            0
        );
    }
}
