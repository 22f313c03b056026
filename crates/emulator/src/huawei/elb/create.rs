//! Creating members (API.md 2.3): the field rules of `CreateMemberOption`, the four
//! constraints, and the batch endpoints; plus the body of an update.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::fields::Fields;
use super::{pool_mut, read_object, P};
use crate::fleet::{Member, MemberStatus, PoolIpVersion};
use crate::huawei::codes;
use crate::huawei::errors::{json_response, HuaweiError};
use crate::huawei::store::{ip_version, HuaweiStore};
use crate::state::{lock, AppState, RequestId};
use crate::util::{format_timestamp, unix_now, uuid};

/// A validated `CreateMemberOption`.
#[derive(Debug, Clone)]
pub(super) struct CreateOption {
    address: IpAddr,
    protocol_port: u16,
    subnet_cidr_id: Option<String>,
    weight: Option<u8>,
    name: Option<String>,
    admin_state_up: Option<bool>,
    availability_zone: Option<String>,
}

/// A validated update body.
#[derive(Debug, Clone, Default)]
pub(super) struct UpdateOption {
    pub name: Option<String>,
    pub weight: Option<u8>,
    pub admin_state_up: Option<bool>,
}

/// The `member` object of a body, or a 400.
fn inner<'a>(
    body: &'a Map<String, Value>,
    key: &str,
    rid: &str,
) -> Result<&'a Map<String, Value>, HuaweiError> {
    match body.get(key) {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(HuaweiError::invalid(
            rid,
            format!("The request body must be {{\"{key}\": {{...}}}}."),
        )),
    }
}

fn parse_create(obj: &Map<String, Value>, rid: &str) -> Result<CreateOption, HuaweiError> {
    let f = Fields {
        obj,
        what: "member",
        rid,
    };
    f.only(&[
        "address",
        "protocol_port",
        "subnet_cidr_id",
        "weight",
        "name",
        "admin_state_up",
        "project_id",
        "availability_zone",
    ])?;
    let Some(address) = f.string("address", 1, 64)? else {
        return Err(f.bad("Missing mandatory attribute 'address'.".into()));
    };
    let address: IpAddr = address.parse().map_err(|_| {
        f.bad(format!(
            "Invalid input for address: '{address}' is not a valid IP address."
        ))
    })?;
    let Some(port) = f.integer("protocol_port", 1, 65535)? else {
        return Err(f.bad("Missing mandatory attribute 'protocol_port'.".into()));
    };
    // project_id is checked but not used: the member belongs to the path's project.
    f.string("project_id", 1, 32)?;
    Ok(CreateOption {
        address,
        protocol_port: u16::try_from(port).unwrap_or(u16::MAX),
        subnet_cidr_id: f.string("subnet_cidr_id", 1, 36)?,
        weight: f.integer("weight", 0, 100)?.map(|w| w as u8),
        name: f.string("name", 0, 255)?,
        admin_state_up: f.boolean("admin_state_up")?,
        availability_zone: f.string("availability_zone", 0, 255)?,
    })
}

/// Parses `{"member": {name?, weight?, admin_state_up?}}`.
pub(super) fn parse_update(
    body: &Map<String, Value>,
    rid: &str,
) -> Result<UpdateOption, HuaweiError> {
    let f = Fields {
        obj: inner(body, "member", rid)?,
        what: "member",
        rid,
    };
    f.only(&["name", "weight", "admin_state_up"])?;
    Ok(UpdateOption {
        name: f.string("name", 0, 255)?,
        weight: f.integer("weight", 0, 100)?.map(|w| w as u8),
        admin_state_up: f.boolean("admin_state_up")?,
    })
}

/// Checks constraints 1–4 and builds the member; `taken` holds endpoints created
/// earlier in the same batch.
fn build(
    store: &HuaweiStore,
    pool_id: &str,
    opt: &CreateOption,
    taken: &HashSet<(IpAddr, u16)>,
    new_id: String,
    project_id: &str,
    rid: &str,
) -> Result<Member, HuaweiError> {
    let pool = store
        .pools
        .get(pool_id)
        .ok_or_else(|| HuaweiError::not_found(rid, "Pool", pool_id))?;
    let bad = |code, msg: String| HuaweiError::new(StatusCode::BAD_REQUEST, code, msg, rid);
    let ip = opt.address;
    let mut instance_id = String::new();
    match &opt.subnet_cidr_id {
        Some(sid) => {
            let subnet = store.subnets.get(sid).ok_or_else(|| {
                bad(
                    codes::ELB_SUBNET_INVALID,
                    format!("Subnet {sid} could not be found."),
                )
            })?;
            if let (Some(lb_vpc), Some(vpc)) = (&pool.spec.vpc_id, &subnet.vpc_id) {
                if lb_vpc != vpc {
                    return Err(bad(
                        codes::ELB_SUBNET_INVALID,
                        format!("Subnet {sid} is not in the VPC ({lb_vpc}) of the load balancer."),
                    ));
                }
            }
            if !subnet.contains(ip) {
                return Err(bad(
                    codes::ELB_ADDRESS_NOT_IN_SUBNET,
                    format!("Address {ip} is not in the range of subnet {sid}."),
                ));
            }
            if ip.is_ipv6() && pool.spec.ip_version == PoolIpVersion::V4 {
                return Err(bad(
                    codes::ELB_IP_VERSION_MISMATCH,
                    format!("Pool {pool_id} is IPv4 only; {ip} is an IPv6 address."),
                ));
            }
            instance_id = store.ecs_for(sid, ip).unwrap_or_default();
        }
        None => {
            let why = if !pool.spec.cross_vpc {
                Some("the load balancer does not have cross-VPC backends enabled; subnet_cidr_id is required")
            } else if ip.is_ipv6() {
                Some("a cross-VPC member (no subnet_cidr_id) must have an IPv4 address")
            } else if !pool.spec.protocol.allows_cross_vpc() {
                Some("cross-VPC members are only allowed in TCP, HTTP and HTTPS pools")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(bad(
                    codes::ELB_CROSS_VPC_NOT_ALLOWED,
                    format!("Invalid member: {why}."),
                ));
            }
        }
    }
    let endpoint = (ip, opt.protocol_port);
    if pool.endpoints.contains(&endpoint) || taken.contains(&endpoint) {
        return Err(HuaweiError::new(
            StatusCode::CONFLICT,
            codes::ELB_DUPLICATE_MEMBER,
            format!(
                "Member with address {ip} and protocol_port {} already exists in pool {pool_id}.",
                opt.protocol_port
            ),
            rid,
        ));
    }
    let now = format_timestamp(unix_now());
    let health = if pool.spec.healthmonitor_id.is_some() {
        "INITIAL"
    } else {
        "NO_MONITOR"
    };
    let mut m = Member::new(ip.to_string(), opt.protocol_port);
    m.id = new_id;
    m.name = opt.name.clone().unwrap_or_default();
    m.project_id = project_id.to_string();
    // The cloud ignores admin_state_up on create ("do not pass this field") and reports
    // whether the ECS behind the member exists: an instance-type member whose address
    // no ECS holds is down; an IP-type (cross-VPC) member has no ECS to lose.
    let _ = opt.admin_state_up;
    m.admin_state_up = opt.subnet_cidr_id.is_none() || !instance_id.is_empty();
    m.subnet_cidr_id.clone_from(&opt.subnet_cidr_id);
    m.weight = opt.weight.unwrap_or(1);
    m.ip_version = ip_version(ip).to_string();
    m.operating_status = health.to_string();
    m.status = pool
        .spec
        .listener_ids
        .iter()
        .map(|l| MemberStatus::new(l, health))
        .collect();
    m.created_at = Some(now.clone());
    m.updated_at = Some(now);
    m.member_type = if opt.subnet_cidr_id.is_some() {
        "instance"
    } else {
        "ip"
    }
    .to_string();
    m.instance_id = instance_id;
    m.availability_zone = opt.availability_zone.clone().unwrap_or_default();
    Ok(m)
}

/// Validates and inserts members all-or-nothing.
fn create_all(
    st: &AppState,
    pool_id: &str,
    opts: &[CreateOption],
    rid: &str,
) -> Result<Vec<Member>, HuaweiError> {
    let mut store = lock(&st.huawei);
    pool_mut(&mut store, pool_id, rid)?;
    let mut taken = HashSet::new();
    let mut created = Vec::with_capacity(opts.len());
    for opt in opts {
        let id = uuid(&mut *lock(&st.rng));
        let m = build(
            &store,
            pool_id,
            opt,
            &taken,
            id,
            &st.huawei_account.project_id,
            rid,
        )?;
        taken.insert((opt.address, opt.protocol_port));
        created.push(m);
    }
    let pool = pool_mut(&mut store, pool_id, rid)?;
    let delay: Option<Duration> = pool
        .spec
        .healthmonitor_id
        .as_ref()
        .map(|_| st.health_check_delay);
    for m in &created {
        pool.insert(m, delay);
    }
    Ok(created)
}

pub(super) async fn create_member(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
    body: Body,
) -> Result<Response, HuaweiError> {
    let body = read_object(body, &rid).await?;
    let opt = parse_create(inner(&body, "member", &rid)?, &rid)?;
    let mut created = create_all(&st, &pool_id, &[opt], &rid)?;
    let member = created.pop();
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "member": member, "request_id": rid }),
    ))
}

fn items<'a>(
    body: &'a Map<String, Value>,
    rid: &str,
) -> Result<Vec<&'a Map<String, Value>>, HuaweiError> {
    let bad = || {
        HuaweiError::invalid(
            rid,
            "The request body must be {\"members\": [{...}, ...]} with 1 to 500 members.",
        )
    };
    let list = body
        .get("members")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    if list.is_empty() || list.len() > 500 {
        return Err(bad());
    }
    list.iter().map(|v| v.as_object().ok_or_else(bad)).collect()
}

/// `POST .../members/batch-add` `{"members": [CreateMemberOption]}` → 200, all or none.
pub(super) async fn batch_add(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
    body: Body,
) -> Result<Response, HuaweiError> {
    let body = read_object(body, &rid).await?;
    let opts = items(&body, &rid)?
        .into_iter()
        .map(|o| parse_create(o, &rid))
        .collect::<Result<Vec<_>, _>>()?;
    let created = create_all(&st, &pool_id, &opts, &rid)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "request_id": rid, "members": created }),
    ))
}

/// `POST .../members/batch-delete` `{"members": [{"id"}]}` → 200, all or none.
pub(super) async fn batch_delete(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
    body: Body,
) -> Result<Response, HuaweiError> {
    let body = read_object(body, &rid).await?;
    let ids = items(&body, &rid)?
        .into_iter()
        .map(|o| {
            let f = Fields {
                obj: o,
                what: "members",
                rid: &rid,
            };
            f.only(&["id"])?;
            f.string("id", 1, 36)?
                .ok_or_else(|| f.bad("Missing mandatory attribute 'id'.".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = lock(&st.huawei);
    let pool = pool_mut(&mut store, &pool_id, &rid)?;
    if let Some(missing) = ids.iter().find(|id| !pool.contains_id(id)) {
        return Err(HuaweiError::not_found(&rid, "Member", missing));
    }
    let removed: Vec<_> = ids.iter().filter_map(|id| pool.remove(id)).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "request_id": rid, "members": removed }),
    ))
}
