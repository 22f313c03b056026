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

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::{pool_mut, P};
use crate::compact::Text;
use crate::huawei::errors::{body_response, HuaweiError};
use crate::huawei::record::StoredMember;
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

fn same_address(have: IpAddr, want: &str) -> bool {
    match want.trim().parse::<IpAddr>() {
        Ok(b) => have == b,
        Err(_) => have.to_string() == want,
    }
}

fn matches_one(m: &StoredMember, field: Field, want: &Want) -> bool {
    match (field, want) {
        (Field::Weight, Want::Number(n)) => u64::from(m.weight) == *n,
        (Field::ProtocolPort, Want::Number(n)) => u64::from(m.protocol_port) == *n,
        (Field::AdminStateUp, Want::Bool(b)) => m.admin_state_up == *b,
        (Field::Address, Want::Text(t)) => same_address(m.address, t),
        (Field::SubnetCidrId, Want::Text(t)) => m.subnet_cidr_id.as_deref().unwrap_or("") == t,
        (field, Want::Text(t)) => match field {
            Field::Name => m.name == **t,
            Field::Id => m.id == **t,
            Field::InstanceId => m.instance_id == **t,
            Field::OperatingStatus => &*m.operating_status == t,
            Field::IpVersion => &*m.ip_version == t,
            Field::MemberType => &*m.member_type == t,
            Field::AvailabilityZone => &*m.availability_zone == t,
            _ => false,
        },
        _ => false,
    }
}

fn matches(m: &StoredMember, filters: &[(Field, Vec<Want>)]) -> bool {
    filters
        .iter()
        .all(|(field, wants)| wants.iter().any(|w| matches_one(m, *field, w)))
}

/// `page_info`, keys sorted.
#[derive(Serialize)]
struct PageInfo<'a> {
    current_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<&'a Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_marker: Option<&'a Text>,
}

/// The answer, keys sorted: the members are written straight from the store.
#[derive(Serialize)]
struct Page<'a> {
    members: &'a [&'a StoredMember],
    page_info: PageInfo<'a>,
    request_id: &'a str,
}

/// Bytes of JSON per member, about: what the answer's buffer starts with.
const BYTES_PER_MEMBER: usize = 520;

pub(super) async fn list_members(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, HuaweiError> {
    let q = parse_query(raw.as_deref(), &rid)?;
    let body = {
        let mut store = lock(&st.huawei);
        let pool = pool_mut(&mut store, &pool_id, &rid)?;
        let marker_seq = match &q.marker {
            None => None,
            Some(m) => Some(pool.seq_of(m).ok_or_else(|| {
                HuaweiError::invalid(
                    &rid,
                    format!("Invalid input for marker: member {m} not found in pool {pool_id}."),
                )
            })?),
        };
        let ok = |m: &&StoredMember| matches(m, &q.filters);
        let (page, more) = if q.reverse {
            let mut page: Vec<&StoredMember> = pool
                .before_rev(marker_seq)
                .filter(ok)
                .take(q.limit)
                .collect();
            page.reverse();
            let more = marker_seq.is_some_and(|s| pool.starting_at(s).any(|m| ok(&m)));
            (page, more)
        } else {
            let mut page: Vec<&StoredMember> = pool
                .after(marker_seq)
                .filter(ok)
                .take(q.limit + 1)
                .collect();
            let more = page.len() > q.limit;
            page.truncate(q.limit);
            (page, more)
        };
        let answer = Page {
            members: &page,
            page_info: PageInfo {
                current_count: page.len(),
                next_marker: page.last().filter(|_| more).map(|m| &m.id),
                previous_marker: page.first().map(|m| &m.id),
            },
            request_id: &rid,
        };
        let mut body = Vec::with_capacity(256 + page.len() * BYTES_PER_MEMBER);
        serde_json::to_writer(&mut body, &answer).map_err(|e| {
            HuaweiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYS.0500",
                format!("cannot write the page: {e}"),
                &rid,
            )
        })?;
        body
    };
    Ok(body_response(StatusCode::OK, body))
}
