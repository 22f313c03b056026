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
    // 0 or absent only in an any-port pool (checked in `build`, which knows the pool).
    let port = f.integer("protocol_port", 0, 65535)?.unwrap_or(0);
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
    let mut opt = opt.clone();
    if pool.spec.any_port_enable {
        // Port pass-through: the member's port follows the listener's.
        opt.protocol_port = 0;
    } else if opt.protocol_port == 0 {
        return Err(HuaweiError::invalid(
            rid,
            "Invalid input for protocol_port: 1 to 65535 (0 only in a pool with any_port_enable).",
        ));
    }
    let opt = &opt;
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

/// The most members one batch call takes (huawei-more.md 2: "up to 200 at a time").
pub(super) const MAX_BATCH: usize = 200;

fn items<'a>(
    body: &'a Map<String, Value>,
    rid: &str,
) -> Result<Vec<&'a Map<String, Value>>, HuaweiError> {
    let bad = || {
        HuaweiError::invalid(
            rid,
            format!("The request body must be {{\"members\": [{{...}}, ...]}} with 1 to {MAX_BATCH} members."),
        )
    };
    let list = body
        .get("members")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    if list.is_empty() || list.len() > MAX_BATCH {
        return Err(bad());
    }
    list.iter().map(|v| v.as_object().ok_or_else(bad)).collect()
}

fn with_status(member: &Member, ret_status: &str) -> Value {
    let mut v = serde_json::to_value(member).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("ret_status".into(), ret_status.into());
        // BatchMember has neither (huawei-more.md 5).
        m.remove("availability_zone");
        m.remove("ip_version");
    }
    v
}

/// `POST .../members/batch-add` `{"members": [CreateMemberOption]}` → 200 with each
/// member and its `ret_status`: `successful`, or `existed` when the pool already has
/// one at that address and port (that member is answered). A member that breaks a
/// rule fails the whole call (*chosen*: huawei-more.md 10.1 leaves it open).
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
    // Which are already there (in the pool, or earlier in this body).
    let mut existing: Vec<Option<Member>> = Vec::with_capacity(opts.len());
    let mut new_opts = Vec::new();
    {
        let mut store = lock(&st.huawei);
        let pool = pool_mut(&mut store, &pool_id, &rid)?;
        let mut seen = HashSet::new();
        for opt in &opts {
            let key = (opt.address, opt.protocol_port);
            let found = pool
                .iter()
                .find(|m| m.address == opt.address && m.protocol_port == opt.protocol_port)
                .map(|m| m.to_member());
            if found.is_some() || !seen.insert(key) {
                existing.push(Some(found.unwrap_or_else(|| {
                    Member::new(opt.address.to_string(), opt.protocol_port)
                })));
            } else {
                existing.push(None);
                new_opts.push(opt.clone());
            }
        }
    }
    let mut created = create_all(&st, &pool_id, &new_opts, &rid)?.into_iter();
    let mut made: Vec<(IpAddr, u16, Member)> = Vec::new();
    let members: Vec<Value> = existing
        .into_iter()
        .zip(&opts)
        .map(|(e, opt)| match e {
            Some(m) => {
                // A duplicate within the body: the member made earlier in this call.
                let m = made
                    .iter()
                    .find(|(a, p, _)| *a == opt.address && *p == opt.protocol_port)
                    .map(|(_, _, m)| m.clone())
                    .unwrap_or(m);
                with_status(&m, "existed")
            }
            None => {
                let m = created
                    .next()
                    .unwrap_or_else(|| Member::new(opt.address.to_string(), opt.protocol_port));
                made.push((opt.address, opt.protocol_port, m.clone()));
                with_status(&m, "successful")
            }
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "request_id": rid, "members": members }),
    ))
}

/// One item of a batch-delete: an id, or an address and port (never both).
enum Target {
    Id(String),
    At(IpAddr, u16),
}

/// `POST .../members/batch-delete` `{"members": [{"id"} | {"address", "protocol_port"}]}`
/// → 200 `{"members": [{"id", "ret_status"}]}`, `ret_status` `successful` or
/// `not found` (the id is empty when a member asked by address was not there).
pub(super) async fn batch_delete(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
    body: Body,
) -> Result<Response, HuaweiError> {
    let body = read_object(body, &rid).await?;
    let targets = items(&body, &rid)?
        .into_iter()
        .map(|o| {
            let f = Fields {
                obj: o,
                what: "members",
                rid: &rid,
            };
            f.only(&["id", "address", "protocol_port"])?;
            let id = f.string("id", 1, 36)?;
            let address = f.string("address", 1, 64)?;
            let port = f.integer("protocol_port", 0, 65535)?;
            match (id, address, port) {
                (Some(id), None, None) => Ok(Target::Id(id)),
                (None, Some(a), Some(p)) => {
                    let ip: IpAddr = a.parse().map_err(|_| {
                        f.bad(format!(
                            "Invalid input for address: '{a}' is not a valid IP address."
                        ))
                    })?;
                    Ok(Target::At(ip, u16::try_from(p).unwrap_or(0)))
                }
                (Some(_), _, _) => {
                    Err(f.bad("A member given by id must not have other fields.".into()))
                }
                _ => Err(f.bad("Give each member's id, or its address and protocol_port.".into())),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = lock(&st.huawei);
    let pool = pool_mut(&mut store, &pool_id, &rid)?;
    if pool.spec.member_deletion_protection_enable {
        return Err(super::deletion_protected(&rid, &pool_id));
    }
    let any_port = pool.spec.any_port_enable;
    let answers: Vec<Value> = targets
        .iter()
        .map(|t| {
            let id = match t {
                Target::Id(id) => pool.contains_id(id).then(|| id.clone()),
                Target::At(a, p) => pool
                    .iter()
                    .find(|m| m.address == *a && (m.protocol_port == *p || (any_port && *p == 0)))
                    .map(|m| m.id.to_string()),
            };
            match id {
                Some(id) if pool.remove(&id).is_some() => {
                    json!({"id": id, "ret_status": "successful"})
                }
                _ => {
                    let id = match t {
                        Target::Id(id) => id.clone(),
                        Target::At(..) => String::new(),
                    };
                    json!({"id": id, "ret_status": "not found"})
                }
            }
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "request_id": rid, "members": answers }),
    ))
}

/// `POST .../members/batch-update` `{"members": [{"id", name?, weight?,
/// protocol_port?, admin_state_up? (ignored)}]}` → 200 with the updated members. An
/// id not in the pool is left out of the answer (*chosen*: huawei-more.md 10.1).
pub(super) async fn batch_update(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
    body: Body,
) -> Result<Response, HuaweiError> {
    let body = read_object(body, &rid).await?;
    let mut changes = Vec::new();
    for o in items(&body, &rid)? {
        let f = Fields {
            obj: o,
            what: "members",
            rid: &rid,
        };
        f.only(&[
            "id",
            "name",
            "weight",
            "protocol_port",
            "availability_zone",
            "admin_state_up",
        ])?;
        let id = f
            .string("id", 1, 36)?
            .ok_or_else(|| f.bad("Missing mandatory attribute 'id'.".into()))?;
        let name = f.string("name", 0, 255)?;
        let weight = f.integer("weight", 0, 100)?.map(|w| w as u8);
        let port = f.integer("protocol_port", 1, 65535)?;
        f.boolean("admin_state_up")?;
        changes.push((id, name, weight, port));
    }
    let mut store = lock(&st.huawei);
    let pool = pool_mut(&mut store, &pool_id, &rid)?;
    if pool.spec.any_port_enable && changes.iter().any(|c| c.3.is_some()) {
        return Err(HuaweiError::invalid(
            &rid,
            "protocol_port cannot be updated in a pool with any_port_enable.",
        ));
    }
    let now = format_timestamp(unix_now());
    let mut answers = Vec::new();
    for (id, name, weight, port) in changes {
        let Some(m) = pool.get_mut(&id) else { continue };
        if let Some(n) = name {
            m.name = crate::compact::Text::new(&n);
        }
        if let Some(w) = weight {
            m.weight = w;
        }
        if let Some(p) = port {
            m.protocol_port = u16::try_from(p).unwrap_or(m.protocol_port);
        }
        m.updated_at = Some(crate::compact::Text::new(&now));
        let mut v = serde_json::to_value(&*m).unwrap_or(Value::Null);
        if let Value::Object(o) = &mut v {
            // BatchUpdateMember has no ip_version (huawei-more.md 5).
            o.remove("ip_version");
        }
        answers.push(v);
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({ "request_id": rid, "members": answers }),
    ))
}
