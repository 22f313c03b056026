//! Discovery: the calls that enumerate an account's targets.
//!
//! | call | path | paging | filters |
//! |---|---|---|---|
//! | ELB `ListPools` | `GET /v3/{project_id}/elb/pools` | `marker` (a pool id) / `limit` (0–2000, default 2000) | `member_address`, `member_instance_id`, `member_device_id` (repeated keys: any), `id`, `name` |
//! | APIG instances | `GET /v2/{project_id}/apigw/instances` | `offset` / `limit` (default 20, 1–500) | none |
//! | APIG `ListVpcChannelsV2` | `GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels` | `offset` / `limit` (default 20, 1–500) | `member_host` (exact), `member_port`, `name` |
//!
//! Pools are listed in id order, so a marker is a pool id and the next page starts
//! after it; an unknown marker is a 400, as ELB answers. Instances and channels are
//! listed in id order too. The project id of the path is checked by the
//! authentication layer (one project per emulator): a discoverer scoped to another
//! project is refused with `APIGW.0302`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::elb::P;
use super::errors::{json_response, HuaweiError};
use crate::state::{lock, AppState, RequestId};

/// The discovery routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v3/{project_id}/elb/pools", get(list_pools))
        .route("/v2/{project_id}/apigw/instances", get(list_instances))
        .route(
            "/v2/{project_id}/apigw/instances/{instance_id}/vpc-channels",
            get(list_channels),
        )
}

fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

fn values<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn number(pairs: &[(String, String)], key: &str) -> Result<Option<i64>, String> {
    match values(pairs, key).last() {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("Invalid input for {key}: {v}")),
    }
}

async fn list_pools(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_,)): P<(String,)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, HuaweiError> {
    let q = pairs(raw.as_deref());
    let limit = number(&q, "limit").map_err(|m| HuaweiError::invalid(&rid, m))?;
    let limit = match limit {
        None => 2000,
        Some(n @ 0..=2000) => n.max(1) as usize,
        Some(n) => {
            return Err(HuaweiError::invalid(
                &rid,
                format!("Invalid input for limit: {n} is not in 0-2000."),
            ))
        }
    };
    let addresses = values(&q, "member_address");
    let instances = values(&q, "member_instance_id");
    let devices = values(&q, "member_device_id");
    let ids = values(&q, "id");
    let names = values(&q, "name");
    let mut store = lock(&st.huawei);
    let mut pool_ids: Vec<String> = store.pools.keys().cloned().collect();
    pool_ids.sort();
    let start = match values(&q, "marker").last() {
        None => 0,
        Some(m) => match pool_ids.iter().position(|p| p == m) {
            Some(i) => i + 1,
            None => {
                return Err(HuaweiError::invalid(
                    &rid,
                    format!("Invalid input for marker: pool {m} not found."),
                ))
            }
        },
    };
    let mut page = Vec::new();
    let mut more = false;
    for id in &pool_ids[start..] {
        let Some(pool) = store.pools.get_mut(id) else {
            continue;
        };
        pool.refresh(std::time::Instant::now());
        let spec = &pool.spec;
        if (!ids.is_empty() && !ids.contains(&spec.id.as_str()))
            || (!names.is_empty() && !names.contains(&spec.name.as_str()))
        {
            continue;
        }
        let member_filter = !addresses.is_empty() || !instances.is_empty() || !devices.is_empty();
        if member_filter
            && !pool.iter().any(|m| {
                addresses.contains(&m.address.to_string().as_str())
                    || (!m.instance_id.is_empty()
                        && (instances.iter().any(|i| m.instance_id == **i)
                            || devices.iter().any(|i| m.instance_id == **i)))
            })
        {
            continue;
        }
        if page.len() == limit {
            more = true;
            break;
        }
        page.push(pool_json(pool));
    }
    let next = if more {
        page.last()
            .and_then(|p| p["id"].as_str())
            .map(str::to_owned)
    } else {
        None
    };
    let body = json!({
        "request_id": rid,
        "pools": page,
        "page_info": {
            "previous_marker": page.first().map(|p| p["id"].clone()),
            "current_count": page.len(),
            "next_marker": next,
        },
    });
    Ok(json_response(StatusCode::OK, &body))
}

fn pool_json(pool: &super::store::PoolState) -> Value {
    let spec = &pool.spec;
    json!({
        "id": spec.id,
        "name": spec.name,
        "protocol": spec.protocol,
        "lb_algorithm": spec.lb_algorithm,
        "ip_version": spec.ip_version,
        "vpc_id": spec.vpc_id,
        "healthmonitor_id": spec.healthmonitor_id.clone().unwrap_or_default(),
        "admin_state_up": true,
        "listeners": spec.listener_ids.iter().map(|l| json!({"id": l})).collect::<Vec<_>>(),
        "loadbalancers": [],
        "members": [],
        "type": if spec.cross_vpc { "" } else { "instance" },
    })
}

/// `(offset, limit)` of an APIG listing: offset default 0 (negative: 0), limit
/// default 20, 1 to 500.
fn apig_window(q: &[(String, String)]) -> Result<(usize, usize), super::apig::ApigError> {
    let offset = number(q, "offset")
        .map_err(|_| super::apig::ApigError::invalid("offset"))?
        .unwrap_or(0)
        .max(0) as usize;
    let limit = match number(q, "limit").map_err(|_| super::apig::ApigError::invalid("limit"))? {
        None => 20,
        Some(n @ 1..=500) => n as usize,
        Some(_) => return Err(super::apig::ApigError::invalid("limit")),
    };
    Ok((offset, limit))
}

async fn list_instances(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, super::apig::ApigError> {
    let q = pairs(raw.as_deref());
    let (offset, limit) = apig_window(&q)?;
    let mut store = lock(&st.huawei);
    super::apig::gate(&mut store.apig)?;
    let mut ids: Vec<&String> = store.apig.instances.keys().collect();
    ids.sort();
    let page: Vec<Value> = ids
        .iter()
        .skip(offset)
        .take(limit)
        .map(|id| json!({"id": id, "instance_name": format!("apig-{}", &id[..8.min(id.len())]), "status": "Running", "type": "apig"}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"size": page.len(), "total": ids.len(), "instances": page}),
    ))
}

async fn list_channels(
    State(st): State<AppState>,
    axum::extract::Path((_, instance_id)): axum::extract::Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, super::apig::ApigError> {
    let q = pairs(raw.as_deref());
    let (offset, limit) = apig_window(&q)?;
    let host = values(&q, "member_host").last().copied();
    let port = match number(&q, "member_port") {
        Ok(p) => p,
        Err(_) => return Err(super::apig::ApigError::invalid("member_port")),
    };
    let name = values(&q, "name").last().copied();
    let mut store = lock(&st.huawei);
    super::apig::gate(&mut store.apig)?;
    let Some(channels) = store.apig.instances.get(&instance_id) else {
        // (The real gateway answers 404 APIG.3030; the emulator's APIG errors are
        // built in `apig`, which offers 400 only.)
        return Err(super::apig::ApigError::invalid("instance_id"));
    };
    let mut matching: Vec<&super::apig::store::ChannelState> = channels
        .values()
        .filter(|c| name.is_none_or(|n| c.spec.name == n))
        .filter(|c| {
            (host.is_none() && port.is_none())
                || c.members.iter().any(|m| {
                    host.is_none_or(|h| m.host.as_deref() == Some(h))
                        && port.is_none_or(|p| i64::from(m.port.unwrap_or(c.spec.port)) == p)
                })
        })
        .collect();
    matching.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| {
            json!({
                "id": c.spec.id,
                "name": c.spec.name,
                "port": c.spec.port,
                "balance_strategy": 1,
                "member_type": c.spec.member_type,
                "type": 2,
                "vpc_channel_type": "builtin",
                "status": 1,
                "create_time": "2026-01-01T00:00:00Z",
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"size": page.len(), "total": matching.len(), "vpc_channels": page}),
    ))
}
