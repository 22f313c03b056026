//! The wire side: one page of `VpcMemberInfo` records, and one record mapped to a
//! normalized [`Backend`].
//!
//! Decoding is deliberately lenient: records are read as JSON values and every
//! field is optional, so a missing field, a `null` or a value of the wrong type gives
//! `None` in the typed field (the record is still kept whole in `raw`), never a
//! panic and never a lost member. Only what paging cannot do without is required of
//! a page: a JSON object with a non-negative integer `total` and, when present, an
//! array of objects in `members`.

use lb_backends_core::{
    lenient::json_kind,
    paging::read_count,
    transport::{decode_json, RawResponse},
    AdminState, Backend, Error, ErrorKind, Health, InstanceKind, InstanceRef, ProviderKind,
    RawRecord, Result,
};
use serde_json::{Map, Value};

/// One page of the member listing as the service sent it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MemberPage {
    /// `total`: how many members match the query, by the service's count.
    pub total: u64,
    /// `members`: the records of this page, in order (`size` is not trusted; the
    /// number of records is what counts).
    pub records: Vec<Map<String, Value>>,
}

/// Read a page from a successful response. A body cut short is a retryable
/// [`ErrorKind::Decode`] error (the transport retries it), as is a body that is not
/// JSON; JSON that is not a page (not an object, `total` missing or not an integer
/// of 0 or more, `members` not an array of objects) is a non-retryable
/// [`ErrorKind::Incomplete`] one: it cannot say whether more follows.
pub(crate) fn decode_page(action: &str, response: &RawResponse) -> Result<MemberPage> {
    let value: Value = decode_json(action, response)?;
    page_from_value(value).map_err(|e| e.with_response(response))
}

fn page_from_value(value: Value) -> Result<MemberPage> {
    let Value::Object(mut obj) = value else {
        return Err(bad_page("the body is not a JSON object"));
    };
    let total = match obj.get("total") {
        Some(v) => read_count(v).ok_or_else(|| {
            bad_page(&format!(
                "`total` is {}, not an integer of 0 or more",
                json_kind(v)
            ))
        })?,
        None => return Err(bad_page("it has no `total`")),
    };
    let records = match obj.remove("members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(record) => Ok(record),
                other => Err(bad_page(&format!(
                    "member #{i} is {}, not an object",
                    json_kind(&other)
                ))),
            })
            .collect::<Result<_>>()?,
        Some(other) => {
            return Err(bad_page(&format!(
                "`members` is {}, not an array",
                json_kind(&other)
            )))
        }
    };
    Ok(MemberPage { total, records })
}

/// A page of the wrong shape cannot say whether more follows: the listing is
/// incomplete, never complete.
fn bad_page(why: &str) -> Error {
    Error::new(
        ErrorKind::Incomplete,
        format!("the member listing page is not usable: {why}"),
    )
}

/// A non-empty string field.
pub(crate) fn text<'a>(record: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    record
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A member's id, as text (a numeric id is accepted too).
pub(crate) fn member_id(record: &Map<String, Value>) -> Option<String> {
    match record.get("id")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What de-duplicates records across pages: the member id, or for a record without
/// one, the record itself.
pub(crate) fn dedup_key(record: &Map<String, Value>) -> String {
    match member_id(record) {
        Some(id) => format!("id:{id}"),
        None => format!("raw:{}", Value::Object(record.clone())),
    }
}

/// A health status we know, or the value kept as sent.
fn health(record: &Map<String, Value>) -> Health {
    match record.get("health_status") {
        None | Some(Value::Null) => Health::NotReported,
        Some(Value::String(s)) => match s.as_str() {
            "healthy" => Health::Healthy,
            "unhealthy" => Health::Unhealthy,
            "initial" => Health::Pending,
            "" => Health::NotReported,
            other => Health::Unknown(other.to_owned()),
        },
        Some(other) => Health::Unknown(other.to_string()),
    }
}

/// Map one `VpcMemberInfo` record to a [`Backend`].
///
/// | record | backend |
/// |---|---|
/// | `id` | `id` (empty when missing) |
/// | `host` (an IP) | `address` |
/// | `ecs_id`, `ecs_name` | `instance` = `InstanceRef { kind: Ecs, .. }` |
/// | `port` 1–65535 | `port` |
/// | `weight` 0–100 | `weight` |
/// | `status` 1 / 2 | `admin_state` Up / Down (else NotReported) |
/// | `health_status` | `health` (healthy, unhealthy, initial → Pending, else Unknown) |
/// | `create_time` | `created_at` |
/// | the whole record | `raw` |
pub(crate) fn to_backend(record: &Map<String, Value>) -> Backend {
    let mut b = Backend::new(
        ProviderKind::HuaweiApig,
        member_id(record).unwrap_or_default(),
    );
    b.address = text(record, "host").and_then(|h| h.trim().parse().ok());
    b.port = record
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0);
    b.weight = record
        .get("weight")
        .and_then(Value::as_u64)
        .and_then(|w| u16::try_from(w).ok())
        .filter(|w| *w <= lb_backends_core::Weight::MAX);
    b.admin_state = match record.get("status").and_then(Value::as_i64) {
        Some(1) => AdminState::Up,
        Some(2) => AdminState::Down,
        _ => AdminState::NotReported,
    };
    b.health = health(record);
    b.instance = text(record, "ecs_id").map(|id| InstanceRef {
        id: id.to_owned(),
        name: text(record, "ecs_name").map(str::to_owned),
        kind: InstanceKind::Ecs,
        state: None,
    });
    b.created_at = text(record, "create_time").map(str::to_owned);
    b.raw = RawRecord::from_serialize(record);
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    fn response(body: &str) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "rid-1".parse().unwrap());
        RawResponse::new(200, headers, body.to_owned())
    }

    #[test]
    fn the_seed_example_maps() {
        let page = decode_page(
            "List",
            &response(
                r#"{"total":2,"size":2,"members":[
                {"create_time":"2020-07-23T07:11:57Z","vpc_channel_id":"56a7d7358e1b42459c9d730d65b14e59",
                 "host":"192.168.0.5","weight":1,"id":"be63c6260a1043888187f84af39c9f0e","status":1},
                {"create_time":"2020-07-23T07:11:57Z","host":"192.168.1.124","weight":2,
                 "id":"a57b13f1b89b417ca8acd76909e6df67","status":2,"port":8080,
                 "is_backup":true,"member_group_name":"blue","health_status":"healthy"}]}"#,
            ),
        )
        .unwrap();
        assert_eq!(page.total, 2);
        let a = to_backend(&page.records[0]);
        assert_eq!(a.provider, ProviderKind::HuaweiApig);
        assert_eq!(a.id, "be63c6260a1043888187f84af39c9f0e");
        assert_eq!(a.address, Some("192.168.0.5".parse().unwrap()));
        assert_eq!((a.port, a.weight), (None, Some(1)));
        assert_eq!(a.admin_state, AdminState::Up);
        assert_eq!(a.health, Health::NotReported);
        assert_eq!(a.created_at.as_deref(), Some("2020-07-23T07:11:57Z"));
        assert!(a.instance.is_none());
        let b = to_backend(&page.records[1]);
        assert_eq!(
            (b.port, b.admin_state, b.health),
            (Some(8080), AdminState::Down, Health::Healthy)
        );
        assert_eq!(b.raw.to_value()["is_backup"], json!(true));
        assert_eq!(b.raw.to_value()["member_group_name"], json!("blue"));
    }

    #[test]
    fn instance_members_carry_their_ecs() {
        let b = to_backend(&obj(json!({
            "id": "m1", "ecs_id": "ecs-1", "ecs_name": "web-01", "status": 1,
            "health_status": "initial", "weight": 100, "port": 65535
        })));
        assert_eq!(
            b.instance,
            Some(InstanceRef {
                id: "ecs-1".into(),
                name: Some("web-01".into()),
                kind: InstanceKind::Ecs,
                state: None
            })
        );
        assert_eq!(b.address, None);
        assert_eq!(b.health, Health::Pending);
        assert_eq!((b.port, b.weight), (Some(65535), Some(100)));
    }

    #[test]
    fn odd_fields_never_panic() {
        for record in [
            json!({}),
            json!({"id": null, "host": null, "weight": null, "status": null, "port": null}),
            json!({"id": 7, "host": 12, "weight": "5", "status": "1", "port": -1,
                   "health_status": 3, "ecs_id": ["x"], "create_time": false}),
            json!({"host": "not-an-ip", "weight": 10_001, "port": 70000, "status": 9,
                   "health_status": "degraded"}),
        ] {
            let b = to_backend(&obj(record.clone()));
            assert_eq!(
                (b.address, b.port, b.weight),
                (None, None, None),
                "{record}"
            );
            assert_eq!(b.raw, record);
        }
        let b = to_backend(&obj(json!({"id": 7, "health_status": "degraded"})));
        assert_eq!(b.id, "7");
        assert_eq!(b.health, Health::Unknown("degraded".into()));
        assert_eq!(
            to_backend(&obj(json!({"health_status": "unknown"}))).health,
            Health::Unknown("unknown".into())
        );
    }

    #[test]
    fn unusable_pages_are_typed_errors() {
        for (body, retryable) in [
            (r#"{"total": 3, "members": [{"id":"#, true),
            ("<html><body>502 Bad Gateway</body></html>", false),
            ("null", false),
            ("[]", false),
            (r#"{"members": []}"#, false),
            (r#"{"total": null, "members": []}"#, false),
            (r#"{"total": -1, "members": []}"#, false),
            (r#"{"total": 1.5, "members": []}"#, false),
            (r#"{"total": " 1", "members": []}"#, false),
            (r#"{"total": 1, "members": {"id": "x"}}"#, false),
            (r#"{"total": 1, "members": [null]}"#, false),
            (r#"{"total": 1, "members": ["m1"]}"#, false),
        ] {
            let err = decode_page("List", &response(body)).unwrap_err();
            // Not JSON: undecodable. JSON of the wrong shape: an envelope that cannot
            // say whether more follows, so the listing is incomplete.
            let want = if serde_json::from_str::<Value>(body).is_ok() {
                ErrorKind::Incomplete
            } else {
                ErrorKind::Decode
            };
            assert_eq!(err.kind(), want, "{body}");
            assert_eq!(err.is_retryable(), retryable, "{body}");
            assert_eq!(err.request_id(), Some("rid-1"), "{body}");
        }
    }

    #[test]
    fn lenient_pages_still_read() {
        let page = decode_page("List", &response(r#"{"total":"0","members":null}"#)).unwrap();
        assert_eq!((page.total, page.records.len()), (0, 0));
        let page = decode_page("List", &response(r#"{"total":0}"#)).unwrap();
        assert!(page.records.is_empty());
    }

    #[test]
    fn keys_identify_members() {
        let a = obj(json!({"id": "m1", "host": " 10.0.0.1 "}));
        assert_eq!(dedup_key(&a), "id:m1");
        let b = obj(json!({"ecs_id": "e1"}));
        assert!(dedup_key(&b).starts_with("raw:"));
    }
}
