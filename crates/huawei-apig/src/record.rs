//! The wire side: one page of `VpcMemberInfo` records, and one record mapped to a
//! normalized [`Backend`].
//!
//! A page is read once ([`split_page`]): each record is decoded from the page's text
//! as it is split off, typed and borrowing ([`MemberRef`]), and kept whole as the exact
//! text the service sent ([`Backend::raw`]). Decoding is deliberately lenient: every
//! field is optional, so a missing field, a `null` or a value of the wrong type gives
//! `None` in the typed field (the record is still kept whole in `raw`), an unknown
//! health is `Unknown(..)`, never a panic and never a lost member. Only what paging
//! cannot do without is required of a page: a JSON object with a non-negative integer
//! `total` and, when present, an array of objects in `members`.

use std::borrow::Cow;

use lb_backends_core::{
    lenient::{self, json_kind, raw_kind},
    paging::{read_count, split_page},
    transport::{decode_json, RawResponse},
    AdminState, Backend, Error, ErrorKind, Health, InstanceKind, InstanceRef, ProviderKind,
    RawRecord, Result,
};
use serde::{
    de::{IgnoredAny, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer,
};
use serde_json::{value::RawValue, Map, Value};

/// One page of the member listing as the service sent it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MemberPage {
    /// `total`: how many members match the query, by the service's count.
    pub total: u64,
    /// `members`: the records of this page, in order, each normalized (`size` is not
    /// trusted; the number of records is what counts).
    pub records: Vec<Backend>,
}

/// Read a page from a successful response. A body cut short is a retryable
/// [`ErrorKind::Decode`] error (the transport retries it), as is a body that is not
/// JSON; JSON that is not a page (not an object, `total` missing or not an integer
/// of 0 or more, `members` not an array of objects) is a non-retryable
/// [`ErrorKind::Incomplete`] one: it cannot say whether more follows.
pub(crate) fn decode_page(action: &str, response: &RawResponse) -> Result<MemberPage> {
    let fast = split_page::<MemberRef<'_>, _>(&response.body, "members", |text, member| {
        let raw = RawRecord::from_checked(text);
        match member {
            Some(member) => Ok(normalize(&member, raw)),
            None if raw.is_object() => Ok(from_record(raw)),
            None => Err(raw_kind(text)),
        }
    });
    if let Some(page) = fast {
        return fast_page(page.other("total"), page.records).map_err(|e| e.with_response(response));
    }
    let value: Value = decode_json(action, response)?;
    page_from_value(value).map_err(|e| e.with_response(response))
}

/// A page read in one pass: its `total`, and its records (or the kind of the first
/// one that is not an object).
fn fast_page(
    total: Option<&str>,
    records: Option<Vec<std::result::Result<Backend, &'static str>>>,
) -> Result<MemberPage> {
    let total = match total {
        Some(text) => {
            let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            total_of(&v)?
        }
        None => return Err(bad_page("it has no `total`")),
    };
    let records = records
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.map_err(|kind| not_an_object(i, kind)))
        .collect::<Result<_>>()?;
    Ok(MemberPage { total, records })
}

fn total_of(v: &Value) -> Result<u64> {
    read_count(v).ok_or_else(|| {
        bad_page(&format!(
            "`total` is {}, not an integer of 0 or more",
            json_kind(v)
        ))
    })
}

fn not_an_object(i: usize, kind: &str) -> Error {
    bad_page(&format!("member #{i} is {kind}, not an object"))
}

fn page_from_value(value: Value) -> Result<MemberPage> {
    let Value::Object(mut obj) = value else {
        return Err(bad_page("the body is not a JSON object"));
    };
    let total = match obj.get("total") {
        Some(v) => total_of(v)?,
        None => return Err(bad_page("it has no `total`")),
    };
    let records = match obj.remove("members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(record) => Ok(to_backend(&record)),
                other => Err(not_an_object(i, json_kind(&other))),
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
/// one, the record itself (its text).
pub(crate) fn dedup_key(backend: &Backend) -> String {
    if backend.id.is_empty() {
        format!("raw:{}", backend.raw)
    } else {
        format!("id:{}", backend.id)
    }
}

/// The fields of a `VpcMemberInfo` that normalisation reads, borrowed from the
/// record's text: typed and lenient (a value of another type is `None`, as a JSON
/// value's `as_str`/`as_u64`/`as_i64` have it).
#[derive(Debug, Default, Deserialize)]
struct MemberRef<'a> {
    /// A non-empty string, or a number's text.
    #[serde(default, borrow, deserialize_with = "id_text")]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    host: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    port: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    weight: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    status: Option<i64>,
    /// Kept as text: a string is a health, `null` none, anything else an unknown
    /// health written as its JSON.
    #[serde(default, borrow)]
    health_status: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    ecs_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    ecs_name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    create_time: Option<Cow<'a, str>>,
}

/// `deserialize_with` for a member id: a non-empty string (borrowed when it can be),
/// or a number written as a JSON value writes it; anything else is `None`.
fn id_text<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Cow<'de, str>>, D::Error> {
    struct Id;
    impl<'de> Visitor<'de> for Id {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
            Ok((!v.is_empty()).then_some(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| Cow::Owned(v.to_owned())))
        }
        fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_f64<E>(self, v: f64) -> std::result::Result<Self::Value, E> {
            Ok(serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string())))
        }
        fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(Id)
}

/// A health status we know, or the value kept as sent.
fn health(status: Option<&RawValue>) -> Health {
    let Some(raw) = status else {
        return Health::NotReported;
    };
    let text = raw.get();
    if !text.starts_with('"') {
        // Not a string (`null` arrives as `None`): an unknown health, as its JSON.
        return match serde_json::from_str::<Value>(text) {
            Ok(Value::Null) => Health::NotReported,
            Ok(other) => Health::Unknown(other.to_string()),
            Err(_) => Health::Unknown(text.to_owned()),
        };
    }
    let s: Cow<'_, str> = serde_json::from_str(text).unwrap_or_default();
    match s.as_ref() {
        "healthy" => Health::Healthy,
        "unhealthy" => Health::Unhealthy,
        "initial" => Health::Pending,
        "" => Health::NotReported,
        other => Health::Unknown(other.to_owned()),
    }
}

/// Text that is present and not empty.
fn filled<'s>(field: &'s Option<Cow<'_, str>>) -> Option<&'s str> {
    field.as_deref().filter(|s| !s.is_empty())
}

/// Map one `VpcMemberInfo` record, decoded, to a [`Backend`] whose `raw` is `raw`.
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
fn normalize(record: &MemberRef<'_>, raw: RawRecord) -> Backend {
    let mut b = Backend::new(
        ProviderKind::HuaweiApig,
        record.id.as_deref().unwrap_or_default(),
    );
    b.address = filled(&record.host).and_then(|h| h.trim().parse().ok());
    b.port = record
        .port
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0);
    b.weight = record
        .weight
        .and_then(|w| u16::try_from(w).ok())
        .filter(|w| *w <= lb_backends_core::Weight::MAX);
    b.admin_state = match record.status {
        Some(1) => AdminState::Up,
        Some(2) => AdminState::Down,
        _ => AdminState::NotReported,
    };
    b.health = health(record.health_status);
    b.instance = filled(&record.ecs_id).map(|id| InstanceRef {
        id: id.to_owned(),
        name: filled(&record.ecs_name).map(str::to_owned),
        kind: InstanceKind::Ecs,
        state: None,
    });
    b.created_at = filled(&record.create_time).map(str::to_owned);
    b.raw = raw;
    b
}

/// One record, as the JSON text the service sent (an object), into a [`Backend`]
/// whose `raw` is that text: decoded once, borrowing. An object the typed decode
/// refuses (a key twice) is read as a JSON value reads it (the last one wins).
pub(crate) fn from_record(raw: RawRecord) -> Backend {
    if let Ok(member) = raw.parse::<MemberRef<'_>>() {
        let mut b = normalize(&member, RawRecord::null());
        drop(member);
        b.raw = raw;
        return b;
    }
    let deduplicated = serde_json::from_str::<Value>(raw.as_str())
        .ok()
        .and_then(|v| serde_json::to_string(&v).ok())
        .unwrap_or_default();
    let member = serde_json::from_str(&deduplicated).unwrap_or_default();
    normalize(&member, raw)
}

/// Map one record already parsed into a JSON object (a write's answer) to a
/// [`Backend`]: its `raw` is the object written compactly.
pub(crate) fn to_backend(record: &Map<String, Value>) -> Backend {
    from_record(RawRecord::from_serialize(record))
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
        let a = &page.records[0];
        assert_eq!(a.provider, ProviderKind::HuaweiApig);
        assert_eq!(a.id, "be63c6260a1043888187f84af39c9f0e");
        assert_eq!(a.address, Some("192.168.0.5".parse().unwrap()));
        assert_eq!((a.port, a.weight), (None, Some(1)));
        assert_eq!(a.admin_state, AdminState::Up);
        assert_eq!(a.health, Health::NotReported);
        assert_eq!(a.created_at.as_deref(), Some("2020-07-23T07:11:57Z"));
        assert!(a.instance.is_none());
        let b = &page.records[1];
        assert_eq!(
            (b.port, b.admin_state, b.health.clone()),
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
    fn a_page_keeps_each_record_as_sent_and_reads_odd_values_as_a_json_value_would() {
        let first =
            r#"{"id": 7,  "health_status": [1, {"a" : 2}], "zz": "w\u00e9b", "host": "10.0.0.9"}"#;
        let second = r#"{"id":1.5,"health_status":true,"port":80,"status":2,"id2":null}"#;
        let third = r#"{"id": "x", "id": "y", "health_status": null, "weight": 100}"#;
        let fourth = r#"{"id": "", "health_status": "initial", "ecs_id": "e\"1", "ecs_name": ""}"#;
        let body = format!(r#"{{"total": "4", "members": [ {first},{second} ,{third},{fourth}]}}"#);
        let page = decode_page("List", &response(&body)).unwrap();
        assert_eq!(page.total, 4);
        let texts: Vec<&str> = page.records.iter().map(|b| b.raw.as_str()).collect();
        assert_eq!(texts, [first, second, third, fourth], "byte for byte");
        let [a, b, c, d] = &page.records[..] else {
            panic!("four records");
        };
        assert_eq!(a.id, "7");
        assert_eq!(a.health, Health::Unknown(r#"[1,{"a":2}]"#.into()));
        assert_eq!(a.address, "10.0.0.9".parse().ok());
        assert_eq!((b.id.as_str(), b.port), ("1.5", Some(80)));
        assert_eq!(b.health, Health::Unknown("true".into()));
        assert_eq!(b.admin_state, AdminState::Down);
        assert_eq!(
            (c.id.as_str(), c.weight),
            ("y", Some(100)),
            "the last key wins"
        );
        assert_eq!(c.health, Health::NotReported);
        assert_eq!(d.id, "");
        assert_eq!(d.health, Health::Pending);
        let instance = d.instance.as_ref().unwrap();
        assert_eq!(
            (instance.id.as_str(), instance.name.as_deref()),
            ("e\"1", None)
        );
        // The same records parsed as JSON objects map the same way.
        for b in &page.records {
            let Value::Object(record) = b.raw.to_value() else {
                panic!("an object");
            };
            let again = to_backend(&record);
            assert_eq!(
                (&again.id, &again.health, again.port),
                (&b.id, &b.health, b.port)
            );
        }
        // A record that is not an object makes the page unusable, in both readings.
        let err = decode_page(
            "List",
            &response(r#"{"total": 2, "members": [{"id": "a"}, "b"]}"#),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Incomplete);
        assert!(
            err.message().contains("member #1 is a string"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn keys_identify_members() {
        let a = to_backend(&obj(json!({"id": "m1", "host": " 10.0.0.1 "})));
        assert_eq!(dedup_key(&a), "id:m1");
        let b = to_backend(&obj(json!({"ecs_id": "e1"})));
        assert_eq!(dedup_key(&b), r#"raw:{"ecs_id":"e1"}"#);
    }
}
