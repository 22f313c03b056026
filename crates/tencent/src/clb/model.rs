//! The wire shapes of `DescribeLoadBalancerBackends` and their mapping onto
//! [`Backend`].

use lb_backends_core::{
    lenient::{self, json_kind},
    paging::read_count,
    Backend, Error, ErrorKind, InstanceKind, InstanceRef, InstanceState, ProviderKind, RawRecord,
    Result,
};
use serde::Deserialize;
use serde_json::Value;

/// One page of `DescribeLoadBalancerBackends`.
#[derive(Debug, Default)]
pub(crate) struct BackendsPage {
    /// How many backends the load balancer has in all.
    pub total_count: u64,
    /// This page's records, kept whole (each a JSON object).
    pub backend_set: Vec<Value>,
}

/// Read a page: `totalCount` (an integer of 0 or more) and `backendSet` (an array
/// of objects) are required, as the API always sends them; anything else is the
/// reason the page cannot be used (the listing then ends as incomplete).
pub(crate) fn page_of(body: Value) -> std::result::Result<BackendsPage, String> {
    let Value::Object(mut body) = body else {
        return Err(format!("the body is {}, not an object", json_kind(&body)));
    };
    let total_count = match body.get("totalCount") {
        None => return Err("it has no totalCount".into()),
        Some(v) => read_count(v).ok_or_else(|| {
            format!(
                "totalCount is {}, not an integer of 0 or more",
                json_kind(v)
            )
        })?,
    };
    let backend_set = crate::listing::objects(body.remove("backendSet"), "backendSet")?;
    Ok(BackendsPage {
        total_count,
        backend_set,
    })
}

/// The fields of one record that are mapped; the record itself is kept in `raw`.
#[derive(Debug, Default, Deserialize)]
struct Record {
    #[serde(
        default,
        rename = "unInstanceId",
        deserialize_with = "lenient::opt_string"
    )]
    un_instance_id: Option<String>,
    #[serde(
        default,
        rename = "instanceId",
        deserialize_with = "lenient::opt_string"
    )]
    instance_id: Option<String>,
    #[serde(
        default,
        rename = "instanceName",
        deserialize_with = "lenient::opt_string"
    )]
    instance_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    weight: Option<i64>,
    #[serde(default, rename = "lanIp", deserialize_with = "lenient::opt_string")]
    lan_ip: Option<String>,
    #[serde(default, rename = "instanceStatus")]
    instance_status: Value,
}

/// The instance state for a CVM `instanceStatus` (a number, or its text).
pub(crate) fn instance_state(status: &Value) -> Option<InstanceState> {
    if status.is_null() {
        return None;
    }
    let Some(code) = lenient::as_i64(status) else {
        return lenient::as_string(status).map(InstanceState::Unknown);
    };
    // The same table as API 3.0's `RunFlag`.
    Some(crate::v3::clb::model::run_state(code))
}

/// Map one `backendSet` record.
///
/// `unInstanceId` is the id (both the backend's and the instance's), falling back
/// to the legacy `instanceId`, then to `lanIp`; a record with none of them cannot
/// be told apart from others and is a decode error.
pub(crate) fn to_backend(raw: Value) -> Result<Backend> {
    // Not serde's sequence form of `Record`: a record is an object.
    if !raw.is_object() {
        return Err(Error::new(
            ErrorKind::Decode,
            format!(
                "a DescribeLoadBalancerBackends record is {}, not an object",
                json_kind(&raw)
            ),
        ));
    }
    let record: Record = serde_json::from_value(raw.clone()).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("a DescribeLoadBalancerBackends record is not an object: {e}"),
        )
    })?;
    let instance_id = record.un_instance_id.or(record.instance_id);
    let id = instance_id
        .clone()
        .or_else(|| record.lan_ip.clone())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                "a DescribeLoadBalancerBackends record has no unInstanceId, instanceId or lanIp",
            )
        })?;
    let mut backend = Backend::new(ProviderKind::TencentClb, id);
    backend.address = record.lan_ip.as_deref().and_then(|ip| ip.parse().ok());
    backend.weight = crate::listing::weight(record.weight);
    backend.instance = instance_id.map(|id| InstanceRef {
        id,
        name: record.instance_name,
        kind: InstanceKind::Cvm,
        state: instance_state(&record.instance_status),
    });
    backend.raw = RawRecord::from_value(&raw);
    Ok(backend)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lb_backends_core::Health;
    use serde_json::json;

    #[test]
    fn the_seed_record_lands_in_its_places() {
        let raw = json!({
            "instanceId": "qcvm2ed56d3399a1b92f31cf0891fdba700b",
            "unInstanceId": "ins-123test1",
            "instanceName": "my-backend-name1",
            "weight": 10,
            "lanIp": "10.10.10.1",
            "wanIpSet": ["203.195.179.123"],
            "instanceStatus": 2
        });
        let b = to_backend(raw.clone()).unwrap();
        assert_eq!(b.provider, ProviderKind::TencentClb);
        assert_eq!(b.id, "ins-123test1");
        assert_eq!(b.address, Some("10.10.10.1".parse().unwrap()));
        assert_eq!(b.port, None);
        assert_eq!(b.weight, Some(10));
        assert_eq!(b.health, Health::NotReported);
        let i = b.instance.unwrap();
        assert_eq!(i.id, "ins-123test1");
        assert_eq!(i.name.as_deref(), Some("my-backend-name1"));
        assert_eq!(i.kind, InstanceKind::Cvm);
        assert_eq!(i.state, Some(InstanceState::Running));
        assert_eq!(b.raw, raw);
    }

    #[test]
    fn every_documented_status_and_unknown_ones() {
        let known = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 19, 21];
        for code in known {
            let s = instance_state(&json!(code)).unwrap();
            assert!(!matches!(s, InstanceState::Unknown(_)), "{code}");
        }
        assert_eq!(
            instance_state(&json!(15)),
            Some(InstanceState::Unknown("15".into()))
        );
        assert_eq!(
            instance_state(&json!(99)),
            Some(InstanceState::Unknown("99".into()))
        );
        assert_eq!(instance_state(&json!("2")), Some(InstanceState::Running));
        assert_eq!(
            instance_state(&json!("LAUNCHING")),
            Some(InstanceState::Unknown("LAUNCHING".into()))
        );
        assert_eq!(instance_state(&json!(null)), None);
    }

    #[test]
    fn odd_records_decode_leniently() {
        let b = to_backend(json!({
            "instanceId": "qcvm1", "weight": "7", "lanIp": "not-an-ip",
            "instanceStatus": 42, "brandNewField": {"x": 1}
        }))
        .unwrap();
        assert_eq!(b.id, "qcvm1");
        assert_eq!(b.weight, Some(7));
        assert_eq!(b.address, None);
        assert_eq!(
            b.instance.unwrap().state,
            Some(InstanceState::Unknown("42".into()))
        );
        let b = to_backend(json!({"unInstanceId": "ins-1", "weight": 300})).unwrap();
        assert_eq!(b.weight, None);

        let all_null = json!({
            "instanceId": null, "unInstanceId": null, "instanceName": null, "weight": null,
            "lanIp": null, "wanIpSet": null, "instanceStatus": null
        });
        let err = to_backend(all_null).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert_eq!(
            to_backend(json!("x")).unwrap_err().kind(),
            ErrorKind::Decode
        );
        // Only an address: still listed, without an instance.
        let b = to_backend(json!({"lanIp": "10.0.0.9"})).unwrap();
        assert_eq!(b.id, "10.0.0.9");
        assert!(b.instance.is_none());
    }

    #[test]
    fn pages_need_their_total_and_records() {
        let p = page_of(json!({"code": 0, "totalCount": "3", "backendSet": [{}]})).unwrap();
        assert_eq!((p.total_count, p.backend_set.len()), (3, 1));
        for bad in [
            json!({"code": 0, "totalCount": null, "backendSet": null}),
            json!({"code": 0, "backendSet": []}),
            json!({"code": 0, "totalCount": 0}),
            json!({"code": 0, "totalCount": -1, "backendSet": []}),
            json!({"code": 0, "totalCount": 1.5, "backendSet": []}),
            json!({"code": 0, "totalCount": 1, "backendSet": "x"}),
            json!({"code": 0, "totalCount": 1, "backendSet": [[0, "ins-x"]]}),
            json!([0, [{"unInstanceId": "ins-x"}]]),
        ] {
            assert!(page_of(bad.clone()).is_err(), "{bad}");
        }
        assert_eq!(
            to_backend(json!(["ins-x", "ins-x", "n", 10, "10.0.0.1"]))
                .unwrap_err()
                .kind(),
            ErrorKind::Decode
        );
    }
}
