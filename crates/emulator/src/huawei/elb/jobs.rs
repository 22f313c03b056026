//! The member diagnosis job (huawei-more.md 3) and the pool itself (4.1).
//!
//! | call | answer |
//! |---|---|
//! | `POST /v3/{p}/elb/members/{member}/health-check` `{"member_check": {"listener_id", "subject"}}` | 201 `{"member_check": {"job_id"}}`; 404 for an unknown member; 400 for a bad subject or no listener_id |
//! | `GET /v3/{p}/elb/members/check/jobs/{job}` | 200; `status` `processing` for the emulator's health-check delay, then `processed` with `result.{config,acl,security_group}`: the config group fails (a `Major` item) when the member is `OFFLINE`, naming its `reason_code` |
//! | `GET /v3/{p}/elb/pools/{pool}` | 200 `{"pool": {...}}`: the pool's settings (algorithm, protocol, connection drain, deletion protection, any-port, `type`, ...) |

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::fields::Fields;
use super::{pool_mut, read_object, P};
use crate::huawei::errors::{json_response, HuaweiError};
use crate::state::{lock, AppState, RequestId};
use crate::util::{format_timestamp, unix_now, uuid};

/// A diagnosis job.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub member_id: String,
    pub listener_id: String,
    pub subject: String,
    pub started: Instant,
    pub created_at: String,
    /// Whether the member was OFFLINE, and its reason code.
    pub offline: Option<String>,
}

pub(in crate::huawei) async fn create_job(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, member_id)): P<(String, String)>,
    body: Body,
) -> Result<Response, HuaweiError> {
    let body = read_object(body, &rid).await?;
    let obj = match body.get("member_check") {
        Some(Value::Object(m)) => m.clone(),
        _ => {
            return Err(HuaweiError::invalid(
                &rid,
                "The request body must be {\"member_check\": {...}}.",
            ))
        }
    };
    let f = Fields {
        obj: &obj,
        what: "member_check",
        rid: &rid,
    };
    f.only(&["listener_id", "subject"])?;
    let listener_id = f
        .string("listener_id", 1, 36)?
        .ok_or_else(|| f.bad("Missing mandatory attribute 'listener_id'.".into()))?;
    let subject = f.string("subject", 1, 32)?.unwrap_or_else(|| "all".into());
    if !["all", "securityGroup", "networkAcl", "config"].contains(&subject.as_str()) {
        return Err(f.bad(format!("Invalid subject '{subject}'.")));
    }
    let mut store = lock(&st.huawei);
    let mut found = None;
    let pool_ids: Vec<String> = store.pools.keys().cloned().collect();
    for pid in pool_ids {
        let pool = pool_mut(&mut store, &pid, &rid)?;
        if let Some(m) = pool.get_mut(&member_id) {
            let offline = (&*m.operating_status == "OFFLINE").then(|| {
                m.reason
                    .as_deref()
                    .and_then(|r| r.get("reason_code"))
                    .and_then(Value::as_str)
                    .unwrap_or("CONNECT_FAILED")
                    .to_owned()
            });
            found = Some(offline);
            break;
        }
    }
    let Some(offline) = found else {
        return Err(HuaweiError::not_found(&rid, "Member", &member_id));
    };
    let job_id = uuid(&mut *lock(&st.rng));
    store.jobs.insert(
        job_id.clone(),
        Job {
            member_id,
            listener_id,
            subject,
            started: Instant::now(),
            created_at: format_timestamp(unix_now()),
            offline,
        },
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"member_check": {"job_id": job_id}, "request_id": rid}),
    ))
}

fn group(passed: bool, items: Vec<Value>) -> Value {
    json!({"check_result": passed, "check_status": "processed", "check_items": items})
}

pub(in crate::huawei) async fn show_job(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, job_id)): P<(String, String)>,
) -> Result<Response, HuaweiError> {
    let job = lock(&st.huawei)
        .jobs
        .get(&job_id)
        .cloned()
        .ok_or_else(|| HuaweiError::not_found(&rid, "Job", &job_id))?;
    let done = job.started.elapsed() >= st.health_check_delay;
    let wants = |s: &str| job.subject == "all" || job.subject == s;
    let mut result = serde_json::Map::new();
    let mut total = 0;
    if wants("config") {
        total += 1;
        let items = match &job.offline {
            Some(code) => vec![json!({
                "name": "member_healthcheck_status", "severity": "Major", "subject": "config",
                "job_id": job_id,
                "reason": format!("The health check of member {} fails ({code}): check that the member listens on the health check port.", job.member_id),
                "reason_template": "member_healthcheck_status_failed", "reason_params": [job.member_id, code],
            })],
            None => Vec::new(),
        };
        result.insert("config".into(), group(job.offline.is_none(), items));
    }
    if wants("networkAcl") {
        total += 1;
        result.insert("acl".into(), group(true, Vec::new()));
    }
    if wants("securityGroup") {
        total += 1;
        result.insert("security_group".into(), group(true, Vec::new()));
    }
    let check = json!({
        "job_id": job_id,
        "member_id": job.member_id,
        "listener_id": job.listener_id,
        "status": if done { "processed" } else { "processing" },
        "check_item_total_num": total,
        "check_item_finished_num": if done { total } else { 0 },
        "created_at": job.created_at,
        "updated_at": format_timestamp(unix_now()),
        "result": if done { Value::Object(result) } else { json!({}) },
    });
    Ok(json_response(
        StatusCode::OK,
        &json!({"member_check": check, "request_id": rid}),
    ))
}

pub(in crate::huawei) async fn show_pool(
    State(st): State<AppState>,
    RequestId(rid): RequestId,
    P((_, pool_id)): P<(String, String)>,
) -> Result<Response, HuaweiError> {
    let mut store = lock(&st.huawei);
    let pool = pool_mut(&mut store, &pool_id, &rid)?;
    let spec = &pool.spec;
    let members: Vec<Value> = pool
        .iter()
        .map(|m| json!({"id": m.id.to_string()}))
        .collect();
    let drain = spec.connection_drain.map_or_else(
        || json!({"enable": false, "timeout": 300}),
        |d| json!({"enable": d.enable, "timeout": d.timeout}),
    );
    let pool_json = json!({
        "id": spec.id,
        "name": spec.name,
        "description": "",
        "admin_state_up": true,
        "protocol": spec.protocol,
        "lb_algorithm": spec.lb_algorithm,
        "ip_version": spec.ip_version,
        "project_id": st.huawei_account.project_id,
        "vpc_id": spec.vpc_id.clone().unwrap_or_default(),
        "type": spec.pool_type,
        "healthmonitor_id": spec.healthmonitor_id.clone().unwrap_or_default(),
        "listeners": spec.listener_ids.iter().map(|l| json!({"id": l})).collect::<Vec<_>>(),
        "loadbalancers": [],
        "members": members,
        "member_deletion_protection_enable": spec.member_deletion_protection_enable,
        "any_port_enable": spec.any_port_enable,
        "connection_drain": drain,
        "session_persistence": null,
        "slow_start": {"enable": false, "duration": 30},
        "protection_status": "nonProtection",
        "protection_reason": "",
        "pool_health": {"minimum_healthy_member_count": 0},
    });
    Ok(json_response(
        StatusCode::OK,
        &json!({"pool": pool_json, "request_id": rid}),
    ))
}
