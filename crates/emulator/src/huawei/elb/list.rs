//! `GET .../members`: marker paging and the multi-valued filters of API.md 2.2.
//!
//! Paging: members are listed in creation order. `limit` is 0–2000 (default 2000; 0
//! means the default). `marker` is the id of a member of the pool (any member, matched
//! by the filters or not); the page starts right after it, or, with `page_reverse=true`,
//! ends right before it (the page is still in forward order). `page_info.next_marker` is
//! the page's last id and is present only when more matching members follow the page;
//! `previous_marker` is the page's first id (absent on an empty page). An unknown marker
//! is a 400.

use std::net::IpAddr;
use std::ops::Bound;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{pool_mut, P};
use crate::fleet::Member;
use crate::huawei::errors::{json_response, HuaweiError};
use crate::state::{lock, AppState, RequestId};
use crate::util::query_pairs;

/// The largest (and default) page size.
pub(crate) const MAX_LIMIT: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Weight,
    SubnetCidrId,
    Address,
    ProtocolPort,
    Id,
    OperatingStatus,
    IpVersion,
    MemberType,
    InstanceId,
    AvailabilityZone,
    AdminStateUp,
}

impl Field {
    fn of(key: &str) -> Option<Field> {
        Some(match key {
            "name" => Field::Name,
            "weight" => Field::Weight,
            "subnet_cidr_id" => Field::SubnetCidrId,
            "address" => Field::Address,
            "protocol_port" => Field::ProtocolPort,
            "id" => Field::Id,
            "operating_status" => Field::OperatingStatus,
            "ip_version" => Field::IpVersion,
            "member_type" => Field::MemberType,
            "instance_id" => Field::InstanceId,
            "availability_zone" => Field::AvailabilityZone,
            "admin_state_up" => Field::AdminStateUp,
            _ => return None,
        })
    }
}

/// One filter value, pre-parsed for the typed fields.
#[derive(Debug, Clone)]
enum Want {
    Text(String),
    Number(u64),
    Bool(bool),
}

#[derive(Debug, Default)]
pub(super) struct ListQuery {
    limit: usize,
    marker: Option<String>,
    reverse: bool,
    /// Values of one field are ORed, fields are ANDed.
    filters: Vec<(Field, Vec<Want>)>,
}

fn parse_bool(key: &str, v: &str, rid: &str) -> Result<bool, HuaweiError> {
    match v {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(HuaweiError::invalid(
            rid,
            format!("Invalid input for {key}: '{v}' is not a boolean."),
        )),
    }
}

fn parse_query(raw: Option<&str>, rid: &str) -> Result<ListQuery, HuaweiError> {
    let mut q = ListQuery {
        limit: MAX_LIMIT,
        ..ListQuery::default()
    };
    for (k, v) in query_pairs(raw) {
        match k.as_str() {
            "limit" => {
                q.limit = match v.trim().parse::<u64>() {
                    Ok(0) => MAX_LIMIT,
                    Ok(n) if n <= MAX_LIMIT as u64 => n as usize,
                    _ => {
                        return Err(HuaweiError::invalid(
                            rid,
                            format!(
                        "Invalid input for limit: '{v}' is not an integer from 0 to {MAX_LIMIT}."
                    ),
                        ))
                    }
                }
            }
            "marker" => q.marker = Some(v),
            "page_reverse" => q.reverse = parse_bool("page_reverse", &v, rid)?,
            key => {
                let Some(field) = Field::of(key) else {
                    continue;
                };
                let want = match field {
                    Field::Weight | Field::ProtocolPort => match v.trim().parse::<u64>() {
                        Ok(n) => Want::Number(n),
                        Err(_) => {
                            return Err(HuaweiError::invalid(
                                rid,
                                format!("Invalid input for {key}: '{v}' is not an integer."),
                            ))
                        }
                    },
                    Field::AdminStateUp => Want::Bool(parse_bool(key, &v, rid)?),
                    _ => Want::Text(v),
                };
                match q.filters.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, wants)) => wants.push(want),
                    None => q.filters.push((field, vec![want])),
                }
            }
        }
    }
    Ok(q)
}

fn same_address(have: &str, want: &str) -> bool {
    match (have.parse::<IpAddr>(), want.trim().parse::<IpAddr>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => have == want,
    }
}

fn matches_one(m: &Member, field: Field, want: &Want) -> bool {
    match (field, want) {
        (Field::Weight, Want::Number(n)) => u64::from(m.weight) == *n,
        (Field::ProtocolPort, Want::Number(n)) => u64::from(m.protocol_port) == *n,
        (Field::AdminStateUp, Want::Bool(b)) => m.admin_state_up == *b,
        (Field::Address, Want::Text(t)) => same_address(&m.address, t),
        (Field::SubnetCidrId, Want::Text(t)) => m.subnet_cidr_id.as_deref().unwrap_or("") == t,
        (field, Want::Text(t)) => {
            let have = match field {
                Field::Name => &m.name,
                Field::Id => &m.id,
                Field::OperatingStatus => &m.operating_status,
                Field::IpVersion => &m.ip_version,
                Field::MemberType => &m.member_type,
                Field::InstanceId => &m.instance_id,
                Field::AvailabilityZone => &m.availability_zone,
                _ => return false,
            };
            have == t
        }
        _ => false,
    }
}

fn matches(m: &Member, filters: &[(Field, Vec<Want>)]) -> bool {
    filters
        .iter()
        .all(|(field, wants)| wants.iter().any(|w| matches_one(m, *field, w)))
}

pub(super) async fn list_members(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, HuaweiError> {
    let q = parse_query(raw.as_deref(), &rid)?;
    let (page, more) = {
        let mut store = lock(&st.huawei);
        let pool = pool_mut(&mut store, &pool_id, &rid)?;
        let marker_seq = match &q.marker {
            None => None,
            Some(m) => Some(*pool.by_id.get(m).ok_or_else(|| {
                HuaweiError::invalid(
                    &rid,
                    format!("Invalid input for marker: member {m} not found in pool {pool_id}."),
                )
            })?),
        };
        let ok = |m: &&Member| matches(m, &q.filters);
        if q.reverse {
            let upper = marker_seq.map_or(Bound::Unbounded, Bound::Excluded);
            let mut page: Vec<Member> = pool
                .members
                .range((Bound::Unbounded, upper))
                .rev()
                .map(|(_, m)| m)
                .filter(ok)
                .take(q.limit)
                .cloned()
                .collect();
            page.reverse();
            let more =
                marker_seq.is_some_and(|s| pool.members.range(s..).map(|(_, m)| m).any(|m| ok(&m)));
            (page, more)
        } else {
            let lower = marker_seq.map_or(Bound::Unbounded, Bound::Excluded);
            let mut page: Vec<Member> = pool
                .members
                .range((lower, Bound::Unbounded))
                .map(|(_, m)| m)
                .filter(ok)
                .take(q.limit + 1)
                .cloned()
                .collect();
            let more = page.len() > q.limit;
            page.truncate(q.limit);
            (page, more)
        }
    };
    let mut page_info = serde_json::Map::new();
    if let Some(first) = page.first() {
        page_info.insert("previous_marker".into(), json!(first.id));
    }
    if let (true, Some(last)) = (more, page.last()) {
        page_info.insert("next_marker".into(), json!(last.id));
    }
    page_info.insert("current_count".into(), json!(page.len()));
    Ok(json_response(
        StatusCode::OK,
        &json!({ "request_id": rid, "page_info": page_info, "members": page }),
    ))
}
