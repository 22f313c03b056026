//! VPC v1 ports (API.md 2.6): `GET /v1/{project_id}/ports` with `fixed_ips` and the
//! usual filters, marker paging like ELB, and `GET /v1/{project_id}/ports/{port_id}`.
//!
//! `fixed_ips` takes `ip_address=X` or `subnet_id=Y` (repeatable): a port matches when
//! one of its fixed IPs has one of the given addresses (if any are given) and one of
//! the given subnets (if any). Other filters (`id`, `name`, `status`, `device_id`,
//! `device_owner`, `network_id`, `mac_address`) are exact, ORed within a key. `limit`
//! is 0–2000 (0 or absent: 2000); `marker` is a port id, unknown → 400.

use std::collections::BTreeSet;
use std::net::IpAddr;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::json;

use super::codes;
use super::errors::{body_response, json_response, HuaweiError};
use super::record::StoredPort;
use crate::compact::TextRef;
use crate::state::{lock, AppState, RequestId};
use crate::util::query_pairs;

const MAX_LIMIT: usize = 2000;

/// The VPC routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/{project_id}/ports", get(list_ports))
        .route("/v1/{project_id}/ports/{port_id}", get(show_port))
}

fn invalid(rid: &str, msg: String) -> HuaweiError {
    HuaweiError::new(
        StatusCode::BAD_REQUEST,
        codes::VPC_INVALID_PARAMETER,
        msg,
        rid,
    )
}

#[derive(Debug, Default)]
struct PortQuery {
    limit: usize,
    marker: Option<String>,
    ips: Vec<IpAddr>,
    subnets: Vec<String>,
    exact: Vec<(String, Vec<String>)>,
}

fn parse(raw: Option<&str>, rid: &str) -> Result<PortQuery, HuaweiError> {
    let mut q = PortQuery {
        limit: MAX_LIMIT,
        ..PortQuery::default()
    };
    for (k, v) in query_pairs(raw) {
        match k.as_str() {
            "limit" => {
                q.limit = match v.trim().parse::<u64>() {
                    Ok(0) => MAX_LIMIT,
                    Ok(n) if n <= MAX_LIMIT as u64 => n as usize,
                    _ => return Err(invalid(rid, format!("Invalid input for limit: '{v}' is not an integer from 0 to {MAX_LIMIT}."))),
                }
            }
            "marker" => q.marker = Some(v),
            "fixed_ips" => match v.split_once('=') {
                Some(("ip_address", ip)) => q.ips.push(
                    ip.trim()
                        .parse()
                        .map_err(|_| invalid(rid, format!("Invalid input for fixed_ips: '{ip}' is not an IP address.")))?,
                ),
                Some(("subnet_id", s)) => q.subnets.push(s.to_string()),
                _ => {
                    return Err(invalid(
                        rid,
                        format!("Invalid input for fixed_ips: '{v}' (expected ip_address=... or subnet_id=...)."),
                    ))
                }
            },
            "id" | "name" | "status" | "device_id" | "device_owner" | "network_id" | "mac_address" => {
                match q.exact.iter_mut().find(|(key, _)| *key == k) {
                    Some((_, vals)) => vals.push(v),
                    None => q.exact.push((k, vec![v])),
                }
            }
            _ => {}
        }
    }
    Ok(q)
}

fn matches(p: &StoredPort, q: &PortQuery) -> bool {
    let fixed_ok = (q.ips.is_empty() && q.subnets.is_empty())
        || p.fixed_ips.iter().any(|f| {
            (q.ips.is_empty()
                || f.ip_address
                    .get()
                    .parse()
                    .is_ok_and(|ip: IpAddr| q.ips.contains(&ip)))
                && (q.subnets.is_empty() || q.subnets.iter().any(|s| **s == *f.subnet_id))
        });
    fixed_ok
        && q.exact.iter().all(|(k, vals)| {
            let have = match k.as_str() {
                "id" => p.id.get(),
                "name" => p.name.get(),
                "status" => TextRef::Borrowed(&p.status),
                "device_id" => p.device_id.get(),
                "device_owner" => TextRef::Borrowed(&p.device_owner),
                "network_id" => TextRef::Borrowed(&p.network_id),
                _ => p.mac_address.get(),
            };
            vals.iter().any(|v| **v == *have)
        })
}

async fn list_ports(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    RawQuery(raw): RawQuery,
) -> Result<Response, HuaweiError> {
    let q = parse(raw.as_deref(), &rid)?;
    let store = lock(&st.huawei);
    let ports: Vec<&StoredPort> = {
        let start = match &q.marker {
            None => 0,
            Some(m) => {
                store.port(m).ok_or_else(|| {
                    invalid(
                        &rid,
                        format!("Invalid input for marker: port {m} not found."),
                    )
                })? + 1
            }
        };
        if q.ips.is_empty() {
            let candidates = store.ports.iter().skip(start);
            candidates
                .filter(|p| matches(p, &q))
                .take(q.limit)
                .collect()
        } else {
            // Use the address index: only ports holding one of the addresses.
            let idx: BTreeSet<usize> = q
                .ips
                .iter()
                .flat_map(|ip| store.ports_at(ip))
                .filter(|&i| i >= start)
                .collect();
            idx.into_iter()
                .map(|i| &store.ports[i])
                .filter(|p| matches(p, &q))
                .take(q.limit)
                .collect()
        }
    };
    /// The answer: `{"ports": [...]}` only, as the cloud's VPC v1 (and the SDKs'
    /// `ListPortsResponse`) has it; the request id is in `X-Request-Id`.
    #[derive(Serialize)]
    struct Answer<'a> {
        ports: &'a [&'a StoredPort],
    }
    let body = serde_json::to_vec(&Answer { ports: &ports }).unwrap_or_default();
    drop(ports);
    drop(store);
    Ok(body_response(StatusCode::OK, body))
}

async fn show_port(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> Result<Response, HuaweiError> {
    let Ok(Path((_, port_id))) = path else {
        return Err(invalid(&rid, "Invalid path.".into()));
    };
    let store = lock(&st.huawei);
    let port = store
        .port(&port_id)
        .map(|i| store.ports[i].clone())
        .ok_or_else(|| {
            HuaweiError::new(
                StatusCode::NOT_FOUND,
                codes::VPC_NOT_FOUND,
                format!("Port {port_id} could not be found."),
                &rid,
            )
        })?;
    Ok(json_response(
        StatusCode::OK,
        // `{"port": ...}` only, as the cloud's VPC v1 (`ShowPortResponse`) has it.
        &json!({ "port": port }),
    ))
}
