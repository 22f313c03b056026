//! From the wire to the normalized model: a member JSON object into a core
//! [`Backend`], and the response envelopes around members.

use std::net::IpAddr;

use std::borrow::Cow;

use lb_backends_core::{
    lenient::{self, json_kind},
    paging::{read_count, split_page},
    transport::{decode_json, RawResponse},
    AdminState, Backend, Error, ErrorKind, Health, HealthDetail, InstanceKind, InstanceRef,
    ListenerHealth, ProviderKind, RawRecord, Result, Weight,
};
use serde::Deserialize;
use serde_json::{value::RawValue, Value};

use crate::model::{non_empty, Member};

/// ELB `operating_status` into [`Health`].
///
/// `ONLINE` → healthy, `OFFLINE` → unhealthy, `NO_MONITOR` → unmonitored, `INITIAL` →
/// pending, anything else (`UNKNOWN` included) → `Unknown(value)`.
/// Empty (or blank) is not reported, as APIG has it.
pub(crate) fn health(status: Option<&str>) -> Health {
    match status {
        None => Health::NotReported,
        Some(s) if blank(s) => Health::NotReported,
        Some("ONLINE") => Health::Healthy,
        Some("OFFLINE") => Health::Unhealthy,
        Some("NO_MONITOR") => Health::Unmonitored,
        Some("INITIAL") => Health::Pending,
        Some(other) => Health::Unknown(other.to_owned()),
    }
}

/// The ECS behind a member when the member itself names it (`instance_id`).
pub(crate) fn instance_ref(member: &Member) -> Option<InstanceRef> {
    non_empty(member.instance_id.as_ref()).map(|id| InstanceRef {
        id: id.to_owned(),
        name: None,
        kind: InstanceKind::Ecs,
        state: None,
    })
}

/// The fields of a member that normalisation reads, borrowed from the member's JSON
/// text (typed and lenient as [`Member`] is: a value of another type is `None`).
#[derive(Debug, Default, Deserialize)]
struct MemberRef<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    name: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    admin_state_up: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    protocol_port: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    weight: Option<i64>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    address: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    operating_status: Option<Cow<'a, str>>,
    /// Kept as text: each entry is read as [`MemberStatusRef`], entries that are not
    /// one dropped (as [`lenient::list`] does).
    #[serde(default, borrow)]
    status: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    created_at: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    instance_id: Option<Cow<'a, str>>,
    /// Why the health check fails (`reason_code`, `expected_response`,
    /// `healthcheck_response`), read by [`detail`].
    #[serde(default, borrow)]
    reason: Option<&'a RawValue>,
}

/// One entry of a member's `status`, borrowed.
#[derive(Debug, Default, Deserialize)]
struct MemberStatusRef<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    listener_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    operating_status: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    reason: Option<&'a RawValue>,
}

/// A member's `reason` (huawei-more.md 5), borrowed.
#[derive(Debug, Default, Deserialize)]
struct ReasonRef<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    reason_code: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    expected_response: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient::opt_str")]
    healthcheck_response: Option<Cow<'a, str>>,
}

/// The health detail a `reason` gives (an object, or a bare code string); `None`
/// when it says nothing.
fn detail(reason: Option<&RawValue>) -> Option<Box<HealthDetail>> {
    let text = reason?.get();
    let mut d = HealthDetail::default();
    if text.starts_with('{') {
        let r: ReasonRef<'_> = serde_json::from_str(text).ok()?;
        d.code = filled(&r.reason_code).map(str::to_owned);
        d.expected = filled(&r.expected_response).map(str::to_owned);
        d.observed = filled(&r.healthcheck_response).map(str::to_owned);
    } else if text.starts_with('"') {
        let code: String = serde_json::from_str(text).ok()?;
        d.code = Some(code).filter(|c| !c.trim().is_empty());
    }
    (!d.is_empty()).then(|| Box::new(d))
}

/// Text that is present and not blank.
fn filled<'s>(field: &'s Option<Cow<'_, str>>) -> Option<&'s str> {
    field.as_deref().filter(|s| !blank(s))
}

/// Empty or only blanks (`str::trim`'s), answered from the first byte for the usual
/// text that starts with a printable ASCII character.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b'!'..=b'~') => false,
        Some(_) => s.trim().is_empty(),
    }
}

/// A member JSON object (its text, or a parsed value) into a [`Backend`]; `raw` keeps
/// the object whole.
///
/// `fallback_id` is used when the member carries no id (a `get` knows which id it
/// asked for); without one, a member with no id is a decode error.
pub(crate) fn to_backend(raw: impl Into<RawRecord>, fallback_id: Option<&str>) -> Result<Backend> {
    from_record(raw.into(), fallback_id)
}

/// A member, as the JSON text the cloud sent, into a [`Backend`] whose `raw` is that
/// text: decoded once, its fields borrowed from the text.
pub(crate) fn from_record(raw: RawRecord, fallback_id: Option<&str>) -> Result<Backend> {
    if !raw.is_object() {
        return Err(Error::new(
            ErrorKind::Decode,
            format!(
                "a member is not a JSON object but {}",
                lenient::raw_kind(raw.as_str())
            ),
        ));
    }
    let deduplicated;
    let member = match raw.parse::<MemberRef<'_>>() {
        Ok(member) => member,
        // Only an object with a key twice (a typed decode refuses it, a JSON value
        // keeps the last): read it as the value reads it.
        Err(_) => {
            deduplicated = serde_json::from_str::<Value>(raw.as_str())
                .ok()
                .and_then(|v| serde_json::to_string(&v).ok())
                .unwrap_or_default();
            serde_json::from_str(&deduplicated).unwrap_or_default()
        }
    };
    let mut b = normalize(&member, fallback_id)?;
    drop(member);
    b.raw = raw;
    Ok(b)
}

fn normalize(member: &MemberRef<'_>, fallback_id: Option<&str>) -> Result<Backend> {
    let id = filled(&member.id)
        .or(fallback_id)
        .ok_or_else(|| Error::new(ErrorKind::Decode, "a member in the response has no id"))?;
    let mut b = Backend::new(ProviderKind::HuaweiElb, id);
    b.address = member
        .address
        .as_deref()
        .and_then(|a| a.parse::<IpAddr>().or_else(|_| a.trim().parse()).ok());
    b.port = member
        .protocol_port
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0);
    b.weight = member
        .weight
        .and_then(|w| Weight::new(w).ok())
        .map(Weight::get)
        .filter(|w| *w <= crate::create::MAX_WEIGHT);
    b.health = health(member.operating_status.as_deref());
    b.health_detail = detail(member.reason);
    if let Some(status) = member.status.filter(|s| s.get().starts_with('[')) {
        let entries: Vec<&RawValue> = serde_json::from_str(status.get()).unwrap_or_default();
        b.listener_health = entries
            .into_iter()
            .filter_map(|entry| {
                let s: MemberStatusRef<'_> = serde_json::from_str(entry.get()).ok()?;
                let mut l = ListenerHealth::new(
                    filled(&s.listener_id)?.to_owned(),
                    health(s.operating_status.as_deref()),
                );
                l.detail = detail(s.reason);
                Some(l)
            })
            .collect();
    }
    b.admin_state = match member.admin_state_up {
        Some(true) => AdminState::Up,
        Some(false) => AdminState::Down,
        None => AdminState::NotReported,
    };
    b.instance = filled(&member.instance_id).map(|id| InstanceRef {
        id: id.to_owned(),
        name: None,
        kind: InstanceKind::Ecs,
        state: None,
    });
    b.name = member.name.as_deref().map(str::to_owned);
    b.created_at = filled(&member.created_at).map(str::to_owned);
    Ok(b)
}

/// The member `asked` for, from a `{"member": {...}}` answer: a member that names
/// another id (or an id that is not a string) is a [`ErrorKind::Decode`] error,
/// never shown as the one asked for; a member without an id is taken as `asked`.
pub(crate) fn the_member(raw: RawRecord, asked: &str) -> Result<Backend> {
    ensure_asked(&raw, asked)?;
    to_backend(raw, Some(asked))
}

/// An error unless member object `raw` is the member `asked` for (or names no id).
/// Read typed from the text; an object the typed read refuses (a key twice) is read
/// as a JSON value reads it.
pub(crate) fn ensure_asked(raw: &RawRecord, asked: &str) -> Result<()> {
    #[derive(Deserialize)]
    struct IdOf<'a> {
        #[serde(default, borrow)]
        id: Option<&'a RawValue>,
    }
    let shown = match raw.parse::<IdOf<'_>>() {
        Ok(IdOf { id: None }) => return Ok(()),
        Ok(IdOf { id: Some(id) }) => {
            let text = id.get();
            if text.starts_with('"')
                && serde_json::from_str::<Cow<'_, str>>(text).is_ok_and(|id| id == asked)
            {
                return Ok(());
            }
            serde_json::from_str::<Value>(text).map_or_else(|_| text.to_owned(), |v| v.to_string())
        }
        Err(_) => match raw.to_value().get("id") {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::String(id)) if id == asked => return Ok(()),
            Some(other) => other.to_string(),
        },
    };
    let shown = if shown.len() > 80 {
        format!("{}...", shown.chars().take(80).collect::<String>())
    } else {
        shown
    };
    Err(Error::new(
        ErrorKind::Decode,
        format!(
            "asked ELB for member {asked:?} but the answer is about member {shown}; \
             refusing to take it for the one asked for"
        ),
    ))
}

/// The `member` object of a `{"member": {...}}` answer (show, create, update), as the
/// exact text the cloud sent for it. A body that is not a JSON object with `member`
/// once is read as a JSON value, which says exactly what is wrong with it.
pub(crate) fn member_of(action: &str, response: &RawResponse) -> Result<RawRecord> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(default, borrow)]
        member: Option<&'a RawValue>,
    }
    let body = response.body.trim_ascii_start();
    if body.starts_with(b"{") {
        if let Ok(Envelope {
            member: Some(member),
        }) = serde_json::from_slice::<Envelope<'_>>(body)
        {
            if member.get().starts_with('{') {
                return Ok(RawRecord::from_raw(member));
            }
        }
    }
    let mut body: Value = decode_json(action, response)?;
    match body.get_mut("member").map(Value::take) {
        Some(member @ Value::Object(_)) => Ok(RawRecord::from_value(&member)),
        other => Err(shape_error(
            action,
            response,
            &format!(
                "\"member\" is {}",
                other.as_ref().map_or("missing", json_kind)
            ),
        )),
    }
}

/// The fields of a member answer as [`Member`] reads them (a key twice: as a JSON
/// value reads it).
pub(crate) fn member_fields(raw: &RawRecord) -> Member {
    raw.parse::<Member>()
        .unwrap_or_else(|_| Member::deserialize(&raw.to_value()).unwrap_or_default())
}

/// A page as [`page_of`] reads it: each member (or why it cannot be one, in its
/// place), and what `page_info` says (or why it cannot be read).
pub(crate) type ReadPage = (
    Vec<Result<Backend>>,
    std::result::Result<PageSignal, String>,
);

/// What a page's `page_info` says about the rest of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageSignal {
    /// `next_marker`: `Some` (a non-empty string) when more follows; `None` when it
    /// is absent or `null`, which is how ELB says there is no more.
    pub next_marker: Option<String>,
    /// `current_count`, when sent.
    pub current_count: Option<u64>,
}

/// One page of a listing: the member objects (each kept as the text the cloud sent),
/// and what `page_info` says, or why it cannot be read (the listing must then end as
/// incomplete, never as complete).
///
/// `page_info` must be an object; `next_marker` absent or `null` means no more, a
/// non-empty string means more, anything else is malformed; `current_count` is
/// absent, `null` or a count ([`read_count`]).
///
/// The page is read once, borrowing ([`split_page`]): each member decoded into a
/// [`Backend`] from the page's text as it is split from its array, its `raw` the
/// member's exact text. A body that is not that (not JSON, the wrong shape, a key
/// twice) is read as a JSON value, which says exactly what is wrong with it. A member
/// that cannot be normalized is its error, in its place.
pub(crate) fn page_of(action: &str, response: &RawResponse) -> Result<ReadPage> {
    // Read once: each member decoded from the page's text as it is split off, its
    // text kept as the record.
    let fast = split_page::<MemberRef<'_>, _>(&response.body, "members", |text, member| {
        let raw = RawRecord::from_checked(text);
        match member {
            Some(member) => normalize(&member, None).map(|mut b| {
                b.raw = raw;
                b
            }),
            None => from_record(raw, None),
        }
    });
    if let Some(page) = fast {
        let info = page.other("page_info");
        if let (Some(members), Some(info)) = (page.records, info) {
            let info = serde_json::from_str::<Value>(info).ok();
            let signal = match &info {
                Some(info) => page_signal(Some(info)),
                None => Err("\"page_info\" cannot be read".to_owned()),
            };
            return Ok((members, signal));
        }
    }
    let mut body: Value = decode_json(action, response)?;
    let members = match body.get_mut("members").map(Value::take) {
        Some(Value::Array(items)) => items,
        other => {
            // The envelope's shape is a paging signal too: incomplete, not "empty".
            return Err(Error::new(
                ErrorKind::Incomplete,
                format!(
                    "the {action} response is not what ELB sends (\"members\" is {}), so the \
                     listing cannot go on; body begins: {:?}",
                    other.as_ref().map_or("missing", json_kind),
                    response.body_excerpt()
                ),
            )
            .with_response(response));
        }
    };
    let records = members
        .iter()
        .map(|m| from_record(RawRecord::from_value(m), None))
        .collect();
    Ok((records, page_signal(body.get("page_info"))))
}

fn page_signal(page_info: Option<&Value>) -> std::result::Result<PageSignal, String> {
    let info = match page_info {
        Some(Value::Object(info)) => info,
        other => {
            return Err(format!(
                "\"page_info\" is {}, not an object",
                other.map_or("missing", json_kind)
            ))
        }
    };
    let next_marker = match info.get("next_marker") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) if !m.is_empty() => Some(m.clone()),
        Some(Value::String(_)) => return Err("\"next_marker\" is an empty string".into()),
        Some(other) => {
            return Err(format!(
                "\"next_marker\" is {}, not a string",
                json_kind(other)
            ))
        }
    };
    let current_count = match info.get("current_count") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            read_count(v)
                .ok_or_else(|| format!("\"current_count\" is {}, not a count", json_kind(v)))?,
        ),
    };
    Ok(PageSignal {
        next_marker,
        current_count,
    })
}

/// A decode error for a JSON answer of an unexpected shape.
pub(crate) fn shape_error(action: &str, response: &RawResponse, what: &str) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!(
            "the {action} response is not what ELB sends ({what}); body begins: {:?}",
            response.body_excerpt()
        ),
    )
    .with_response(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use serde_json::json;

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse::new(status, HeaderMap::new(), body.to_owned())
    }

    #[test]
    fn blank_is_trims_empty() {
        for s in [
            "",
            " ",
            "\t\n",
            "\u{a0}",
            "\u{3000}x",
            "\u{b}",
            "a",
            " a",
            "~",
            "\u{7f}",
            "é",
        ] {
            assert_eq!(blank(s), s.trim().is_empty(), "{s:?}");
        }
    }

    #[test]
    fn every_operating_status_maps() {
        for (wire, want) in [
            ("ONLINE", Health::Healthy),
            ("OFFLINE", Health::Unhealthy),
            ("NO_MONITOR", Health::Unmonitored),
            ("INITIAL", Health::Pending),
            ("UNKNOWN", Health::Unknown("UNKNOWN".into())),
            ("DEGRADED", Health::Unknown("DEGRADED".into())),
            ("online", Health::Unknown("online".into())),
        ] {
            let b = to_backend(json!({"id": "m", "operating_status": wire}), None).unwrap();
            assert_eq!(b.health, want, "{wire}");
        }
        let b = to_backend(json!({"id": "m"}), None).unwrap();
        assert_eq!(b.health, Health::NotReported);
        // Defect 8g: empty is "not reported", as APIG has it (not `unknown:`).
        for empty in ["", "  "] {
            let b = to_backend(
                json!({"id": "m", "operating_status": empty,
                       "status": [{"listener_id": "l1", "operating_status": empty}]}),
                None,
            )
            .unwrap();
            assert_eq!(b.health, Health::NotReported, "{empty:?}");
            assert_eq!(b.listener_health[0].health, Health::NotReported);
        }
        let b = to_backend(json!({"id": "m", "operating_status": 3}), None).unwrap();
        assert_eq!(
            b.health,
            Health::NotReported,
            "a wrong type is not reported"
        );
    }

    #[test]
    fn a_full_member_maps_field_by_field() {
        let raw = json!({
            "name": "My member", "weight": 10, "admin_state_up": false,
            "subnet_cidr_id": "c09f620e-3492-4429-ac15-445d5dd9ca74",
            "address": "120.10.10.16", "protocol_port": 89,
            "id": "1923923e-fe8a-484f-bdbc-e11559b1f48f", "operating_status": "NO_MONITOR",
            "status": [{"listener_id": "l1", "operating_status": "ONLINE"},
                       {"operating_status": "OFFLINE"}],
            "instance_id": "ecs-1", "created_at": "2024-01-02T03:04:05Z", "future": true
        });
        let b = to_backend(raw.clone(), None).unwrap();
        assert_eq!(b.provider, ProviderKind::HuaweiElb);
        assert_eq!(b.id, "1923923e-fe8a-484f-bdbc-e11559b1f48f");
        assert_eq!(b.address, Some("120.10.10.16".parse().unwrap()));
        assert_eq!((b.port, b.weight), (Some(89), Some(10)));
        assert_eq!(b.admin_state, AdminState::Down);
        assert_eq!(b.name.as_deref(), Some("My member"));
        assert_eq!(b.created_at.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(
            b.listener_health.len(),
            1,
            "entries without a listener id are skipped"
        );
        assert_eq!(b.listener_health[0].health, Health::Healthy);
        let inst = b.instance.unwrap();
        assert_eq!((inst.id.as_str(), inst.kind), ("ecs-1", InstanceKind::Ecs));
        assert_eq!(b.raw, raw, "raw is the member whole");
    }

    #[test]
    fn out_of_range_and_odd_values_are_dropped_not_fatal() {
        let b = to_backend(
            json!({"id": "m", "weight": 101, "protocol_port": 0, "address": "not-an-ip",
                   "instance_id": "", "admin_state_up": null}),
            None,
        )
        .unwrap();
        assert_eq!((b.weight, b.port, b.address), (None, None, None));
        assert_eq!(
            b.raw_value()["address"],
            "not-an-ip",
            "the raw address is kept"
        );
        assert_eq!(b.instance, None);
        assert_eq!(b.admin_state, AdminState::NotReported);
        let b = to_backend(
            json!({"id": "m", "weight": -1, "protocol_port": 70000}),
            None,
        )
        .unwrap();
        assert_eq!((b.weight, b.port), (None, None));
    }

    #[test]
    fn null_in_every_field_gives_a_typed_error_or_a_bare_backend() {
        let all_null = json!({
            "id": null, "name": null, "project_id": null, "pool_id": null,
            "admin_state_up": null, "subnet_cidr_id": null, "protocol_port": null,
            "weight": null, "address": null, "ip_version": null, "operating_status": null,
            "status": null, "reason": null, "created_at": null, "updated_at": null,
            "member_type": null, "instance_id": null, "availability_zone": null
        });
        let err = to_backend(all_null.clone(), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        let b = to_backend(all_null, Some("asked-for")).unwrap();
        assert_eq!(b.id, "asked-for");
        assert_eq!(b.health, Health::NotReported);
        for not_object in [json!(null), json!([1]), json!("m"), json!(3)] {
            assert_eq!(
                to_backend(not_object, Some("x")).unwrap_err().kind(),
                ErrorKind::Decode
            );
        }
    }

    #[test]
    fn envelopes_of_every_odd_shape_give_typed_errors() {
        for body in [
            r#"{"member": {"id": "m", "address": "#,
            "<html><body>502 Bad Gateway</body></html>",
            "",
            "null",
            r#"{"member": null}"#,
            r#"{"member": [1]}"#,
            r#"{"members": "x"}"#,
        ] {
            let err = member_of("ShowMember", &resp(200, body)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
            // A page that is not JSON is undecodable; JSON of the wrong shape is an
            // envelope that cannot say whether more follows: incomplete.
            let err = page_of("ListMembers", &resp(200, body)).unwrap_err();
            let want = if serde_json::from_str::<Value>(body).is_ok() {
                ErrorKind::Incomplete
            } else {
                ErrorKind::Decode
            };
            assert_eq!(err.kind(), want, "{body}");
        }
        let err = member_of("ShowMember", &resp(200, r#"{"member": {"id": "m""#)).unwrap_err();
        assert!(err.is_retryable(), "a truncated body is retryable");
    }

    #[test]
    fn a_page_keeps_each_member_as_the_text_the_cloud_sent() {
        // Key order, blanks, escapes and numbers as sent: `--raw` gives them back.
        let first = r#"{"weight": 1.50, "id": "a",  "name": "w\u00e9b", "zz": [1, {}]}"#;
        let second = r#"{"id":"b","address":"10.0.0.2","protocol_port":80}"#;
        let body =
            format!(r#"{{"members": [ {first} ,{second}], "page_info": {{"next_marker": "b"}}}}"#);
        let (records, signal) = page_of("ListMembers", &resp(200, &body)).unwrap();
        assert_eq!(signal.unwrap().next_marker.as_deref(), Some("b"));
        let records: Vec<Backend> = records.into_iter().map(Result::unwrap).collect();
        let texts: Vec<&str> = records.iter().map(|b| b.raw.as_str()).collect();
        assert_eq!(texts, [first, second]);
        let b = &records[0];
        assert_eq!(
            (b.id.as_str(), b.name.as_deref(), b.weight),
            ("a", Some("wéb"), None)
        );
        assert_eq!(
            from_record(b.raw.clone(), None).unwrap(),
            *b,
            "one pass or two, the same backend"
        );
        let b = &records[1];
        assert_eq!((b.port, b.address), (Some(80), "10.0.0.2".parse().ok()));
        // A key twice is read as a JSON value reads it (the last wins), not refused.
        let twice = RawRecord::from_text(r#"{"id": "x", "id": "y", "weight": 5}"#).unwrap();
        let b = from_record(twice, None).unwrap();
        assert_eq!((b.id.as_str(), b.weight), ("y", Some(5)));
        let body = r#"{"members": [{"id": "x", "id": "y", "weight": 5}, 3], "page_info": {}}"#;
        let (records, _) = page_of("ListMembers", &resp(200, body)).unwrap();
        assert_eq!(records[0].as_ref().unwrap().id, "y");
        assert_eq!(
            records[1].as_ref().unwrap_err().kind(),
            ErrorKind::Decode,
            "a member that is no object is its error, in its place"
        );
        // So is an envelope with a key twice, or members of the wrong shape.
        let body = r#"{"members": [{"id": "a"}], "members": [{"id": "c"}], "page_info": {}}"#;
        let (records, _) = page_of("ListMembers", &resp(200, body)).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].as_ref().unwrap().id, "c");
        let body = r#"[[{"id": "a"}], {}]"#;
        let err = page_of("ListMembers", &resp(200, body)).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Incomplete,
            "the sequence form is no object"
        );
    }

    #[test]
    fn a_member_answer_keeps_the_member_as_sent_and_must_be_the_one_asked_for() {
        let member = r#"{"id": "m\u0031",  "weight": 1.50, "address": "10.0.0.1"}"#;
        let raw = member_of(
            "ShowMember",
            &resp(200, &format!(r#"{{"member": {member} }}"#)),
        )
        .unwrap();
        assert_eq!(raw.as_str(), member, "byte for byte");
        let b = the_member(raw.clone(), "m1").unwrap();
        assert_eq!((b.id.as_str(), b.raw.as_str()), ("m1", member));
        let err = the_member(raw, "m2").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(
            err.message().contains(r#"member "m1""#),
            "{}",
            err.message()
        );
        for (text, asked, ok) in [
            (r#"{"weight": 1}"#, "a", true),
            (r#"{"id": null}"#, "a", true),
            (r#"{"id": 7}"#, "7", false),
            (r#"{"id": ["a"]}"#, "a", false),
            (r#"{"id": "b", "id": "a"}"#, "a", true),
            (r#"{"id": "a", "id": "b"}"#, "a", false),
        ] {
            let raw = RawRecord::from_text(text).unwrap();
            assert_eq!(ensure_asked(&raw, asked).is_ok(), ok, "{text}");
        }
        let err =
            ensure_asked(&RawRecord::from_text(r#"{"id": [1, 2]}"#).unwrap(), "a").unwrap_err();
        assert!(err.message().contains("member [1,2]"), "{}", err.message());
        // A key twice in the envelope is read as a JSON value reads it.
        let raw = member_of(
            "ShowMember",
            &resp(200, r#"{"member": {"id": "a"}, "member": {"id": "b"}}"#),
        )
        .unwrap();
        assert_eq!(raw.as_str(), r#"{"id":"b"}"#);
    }

    #[test]
    fn pages_read_members_and_next_marker() {
        let (items, signal) = page_of(
            "ListMembers",
            &resp(
                200,
                r#"{"members": [{"id": "a"}, {"id": "b"}], "page_info": {"next_marker": "b", "current_count": 2}}"#,
            ),
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        let signal = signal.unwrap();
        assert_eq!(signal.next_marker.as_deref(), Some("b"));
        assert_eq!(signal.current_count, Some(2));
        for page_info in [r#"{"next_marker": null}"#, "{}"] {
            let body = format!(r#"{{"members": [], "page_info": {page_info}}}"#);
            let (_, signal) = page_of("ListMembers", &resp(200, &body)).unwrap();
            assert_eq!(signal.unwrap().next_marker, None, "{page_info}");
        }
        // What says neither "more" nor "no more" is malformed, never "no more".
        for page_info in [
            "null",
            "7",
            r#""b""#,
            "[]",
            r#"{"next_marker": ""}"#,
            r#"{"next_marker": 7}"#,
            r#"{"next_marker": ["b"]}"#,
            r#"{"next_marker": {}}"#,
            r#"{"next_marker": "b", "current_count": -1}"#,
            r#"{"next_marker": "b", "current_count": 1.5}"#,
        ] {
            let body = format!(r#"{{"members": [], "page_info": {page_info}}}"#);
            let (_, signal) = page_of("ListMembers", &resp(200, &body)).unwrap();
            assert!(signal.is_err(), "{page_info}");
        }
        let (_, signal) = page_of("ListMembers", &resp(200, r#"{"members": []}"#)).unwrap();
        assert!(signal.is_err(), "page_info missing");
    }
}
