//! `POST .../members` (upsert by address), `PUT .../members` (replace the whole set)
//! and `DELETE .../members/{member_id}`, each holding its channel for the write time
//! so that an overlapping write fails with `APIG.9999`.

use std::collections::HashSet;
use std::net::IpAddr;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::store::{member_id, ChannelState};
use super::{channel, gate, member_not_found, ApigError, ApigPath};
use crate::fleet::apig::{valid_id, valid_name};
use crate::fleet::{ChannelMember, ChannelMemberType};
use crate::huawei::auth::MAX_BODY;
use crate::huawei::errors::json_response;
use crate::state::{lock, AppState};
use crate::util::{format_timestamp, unix_now};

/// One member entry of a write body, checked against the channel's member type.
#[derive(Debug, Clone)]
struct Entry {
    host: Option<String>,
    ecs_id: Option<String>,
    ecs_name: Option<String>,
    weight: Option<u16>,
    port: Option<u16>,
    is_backup: Option<bool>,
    member_group_name: Option<String>,
    status: Option<u8>,
}

impl Entry {
    fn key(&self) -> Option<String> {
        match (&self.host, &self.ecs_id) {
            (Some(h), _) => Some(format!("host:{h}")),
            (None, Some(e)) => Some(format!("ecs:{e}")),
            _ => None,
        }
    }

    /// Applies the given fields to `m` (an existing member, or a new one).
    fn apply(&self, m: &mut ChannelMember) {
        if let Some(n) = &self.ecs_name {
            m.ecs_name = Some(n.clone());
        }
        if let Some(w) = self.weight {
            m.weight = w;
        }
        if self.port.is_some() {
            m.port = self.port;
        }
        if let Some(b) = self.is_backup {
            m.is_backup = b;
        }
        if let Some(g) = &self.member_group_name {
            m.member_group_name = Some(g.clone());
        }
        if let Some(s) = self.status {
            m.status = s;
        }
    }
}

fn int_in(v: &Value, key: &str, lo: u64, hi: u64) -> Result<u64, ApigError> {
    v.as_u64()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| ApigError::invalid(key))
}

fn text(v: &Value, key: &str, ok: fn(&str) -> bool) -> Result<String, ApigError> {
    v.as_str()
        .filter(|s| ok(s))
        .map(str::to_string)
        .ok_or_else(|| ApigError::invalid(key))
}

fn entry(obj: &Map<String, Value>, kind: ChannelMemberType) -> Result<Entry, ApigError> {
    let mut e = Entry {
        host: None,
        ecs_id: None,
        ecs_name: None,
        weight: None,
        port: None,
        is_backup: None,
        member_group_name: None,
        status: None,
    };
    for (k, v) in obj {
        match k.as_str() {
            "host" => {
                let ip: IpAddr = v
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| ApigError::invalid("host"))?;
                e.host = Some(ip.to_string());
            }
            "ecs_id" => e.ecs_id = Some(text(v, "ecs_id", valid_id)?),
            "ecs_name" => e.ecs_name = Some(text(v, "ecs_name", valid_name)?),
            "weight" => e.weight = Some(int_in(v, "weight", 0, 10_000)? as u16),
            "port" => e.port = Some(int_in(v, "port", 1, 65_535)? as u16),
            "status" => e.status = Some(int_in(v, "status", 1, 2)? as u8),
            "is_backup" => {
                e.is_backup = Some(v.as_bool().ok_or_else(|| ApigError::invalid("is_backup"))?)
            }
            "member_group_name" => {
                e.member_group_name = Some(text(v, "member_group_name", valid_name)?)
            }
            other => return Err(ApigError::invalid(other)),
        }
    }
    match kind {
        ChannelMemberType::Ip if e.host.is_none() || e.ecs_id.is_some() => {
            Err(ApigError::invalid("host"))
        }
        ChannelMemberType::Ecs
            if e.host.is_some() || e.ecs_id.is_none() || e.ecs_name.is_none() =>
        {
            Err(ApigError::invalid("ecs_id"))
        }
        _ => Ok(e),
    }
}

/// The body's member entries, or 400.
fn entries(bytes: &[u8], kind: ChannelMemberType) -> Result<Vec<Entry>, ApigError> {
    let body: Value = serde_json::from_slice(bytes).map_err(|_| ApigError::invalid("members"))?;
    let items = body
        .get("members")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApigError::invalid("members"))?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let obj = item
            .as_object()
            .ok_or_else(|| ApigError::invalid("members"))?;
        let e = entry(obj, kind)?;
        if !seen.insert(e.key()) {
            return Err(ApigError::invalid("members"));
        }
        out.push(e);
    }
    Ok(out)
}

/// Marks a channel as being written to; clears the mark when dropped (also when the
/// client goes away mid-write).
struct Writing {
    st: AppState,
    instance_id: String,
    channel_id: String,
}

impl Drop for Writing {
    fn drop(&mut self) {
        if let Some(ch) = lock(&self.st.huawei)
            .apig
            .channel_mut(&self.instance_id, &self.channel_id)
        {
            ch.writing = false;
        }
    }
}

/// Passes the gate, finds the channel, refuses an overlapping write, then holds the
/// channel for the write time and runs `write` on it.
async fn hold_and_write<T>(
    st: &AppState,
    instance_id: &str,
    channel_id: &str,
    body: Option<Body>,
    write: impl FnOnce(&mut ChannelState, Vec<Entry>) -> Result<T, ApigError>,
) -> Result<T, ApigError> {
    let bytes = match body {
        Some(b) => Some(
            to_bytes(b, MAX_BODY)
                .await
                .map_err(|_| ApigError::invalid("members"))?,
        ),
        None => None,
    };
    let (entries, wait, _writing) = {
        let mut store = lock(&st.huawei);
        gate(&mut store.apig)?;
        let wait = store.apig.write_time;
        let ch = channel(&mut store.apig, instance_id, channel_id)?;
        let entries = match &bytes {
            Some(b) => entries(b, ch.spec.member_type)?,
            None => Vec::new(),
        };
        if ch.writing {
            return Err(ApigError::system());
        }
        ch.writing = true;
        let guard = Writing {
            st: st.clone(),
            instance_id: instance_id.to_string(),
            channel_id: channel_id.to_string(),
        };
        (entries, wait, guard)
    };
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    let mut store = lock(&st.huawei);
    let ch = channel(&mut store.apig, instance_id, channel_id)?;
    write(ch, entries)
}

/// A new member from an entry.
fn create(st: &AppState, ch: &ChannelState, e: &Entry) -> ChannelMember {
    let mut m = ChannelMember::ip("");
    m.host.clone_from(&e.host);
    m.ecs_id.clone_from(&e.ecs_id);
    m.id = member_id(&mut *lock(&st.rng));
    m.vpc_channel_id.clone_from(&ch.spec.id);
    m.health_status = Some("healthy".to_string());
    m.create_time = Some(format_timestamp(unix_now()));
    e.apply(&mut m);
    m
}

/// Upserts `entries` into the channel; returns the upserted members.
fn upsert(st: &AppState, ch: &mut ChannelState, entries: &[Entry]) -> Vec<ChannelMember> {
    entries
        .iter()
        .map(|e| match ch.position(&e.key()) {
            Some(i) => {
                e.apply(&mut ch.members[i]);
                ch.members[i].clone()
            }
            None => {
                let m = create(st, ch, e);
                ch.members.push(m.clone());
                m
            }
        })
        .collect()
}

fn page(members: &[ChannelMember]) -> Value {
    json!({ "total": members.len(), "size": members.len(), "members": members })
}

pub(super) async fn add_members(
    State(st): State<AppState>,
    ApigPath((_, instance_id, channel_id)): ApigPath<(String, String, String)>,
    body: Body,
) -> Result<Response, ApigError> {
    let st2 = st.clone();
    let upserted = hold_and_write(&st, &instance_id, &channel_id, Some(body), |ch, entries| {
        Ok(upsert(&st2, ch, &entries))
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &page(&upserted)))
}

pub(super) async fn replace_members(
    State(st): State<AppState>,
    ApigPath((_, instance_id, channel_id)): ApigPath<(String, String, String)>,
    body: Body,
) -> Result<Response, ApigError> {
    let st2 = st.clone();
    let all = hold_and_write(&st, &instance_id, &channel_id, Some(body), |ch, entries| {
        let keep: HashSet<Option<String>> = entries.iter().map(Entry::key).collect();
        ch.members.retain(|m| keep.contains(&m.address_key()));
        upsert(&st2, ch, &entries);
        Ok(ch.members.clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &page(&all)))
}

pub(super) async fn delete_member(
    State(st): State<AppState>,
    ApigPath((_, instance_id, channel_id, member)): ApigPath<(String, String, String, String)>,
) -> Result<Response, ApigError> {
    hold_and_write(&st, &instance_id, &channel_id, None, |ch, _| {
        let i = ch
            .members
            .iter()
            .position(|m| m.id == member)
            .ok_or_else(|| member_not_found(&member))?;
        ch.members.remove(i);
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST .../members/batch-enable` and `.../batch-disable` `{"member_ids": [...]}`
/// → 204: each member's `status` becomes 1 (available) or 2 (unavailable). An id not
/// in the channel fails the whole call with 404 `APIG.3024` (*chosen*: unknown-id
/// behaviour is unconfirmed, huawei-more.md 10.5).
async fn switch(
    st: &AppState,
    instance_id: &str,
    channel_id: &str,
    body: Body,
    status: u8,
) -> Result<Response, ApigError> {
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApigError::invalid("member_ids"))?;
    let ids: Vec<String> = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(o)) => match o.get("member_ids") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ApigError::invalid("member_ids"))?,
            None => Vec::new(),
            Some(_) => return Err(ApigError::invalid("member_ids")),
        },
        _ => return Err(ApigError::invalid("member_ids")),
    };
    hold_and_write(st, instance_id, channel_id, None, |ch, _| {
        if let Some(missing) = ids
            .iter()
            .find(|id| !ch.members.iter().any(|m| &m.id == *id))
        {
            return Err(member_not_found(missing));
        }
        for m in ch.members.iter_mut().filter(|m| ids.contains(&m.id)) {
            m.status = status;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn batch_enable(
    State(st): State<AppState>,
    ApigPath((_, instance_id, channel_id)): ApigPath<(String, String, String)>,
    body: Body,
) -> Result<Response, ApigError> {
    switch(&st, &instance_id, &channel_id, body, 1).await
}

pub(super) async fn batch_disable(
    State(st): State<AppState>,
    ApigPath((_, instance_id, channel_id)): ApigPath<(String, String, String)>,
    body: Body,
) -> Result<Response, ApigError> {
    switch(&st, &instance_id, &channel_id, body, 2).await
}

/// `GET .../vpc-channels/{id}` (ShowDetailsOfVpcChannelV2, huawei-more.md 6.7): the
/// channel's settings, its member groups, members and health check.
pub(super) async fn show_channel(
    State(st): State<AppState>,
    ApigPath((_, instance_id, channel_id)): ApigPath<(String, String, String)>,
) -> Result<Response, ApigError> {
    let mut store = lock(&st.huawei);
    gate(&mut store.apig)?;
    let ch = channel(&mut store.apig, &instance_id, &channel_id)?;
    let mut groups: Vec<Value> = Vec::new();
    for m in &ch.members {
        if let Some(g) = &m.member_group_name {
            if !groups.iter().any(|x| x["member_group_name"] == g.as_str()) {
                groups.push(json!({
                    "member_group_name": g,
                    "member_group_id": m.member_group_id.clone().unwrap_or_default(),
                    "member_group_remark": "", "member_group_weight": 1,
                }));
            }
        }
    }
    let member_type = match ch.spec.member_type {
        ChannelMemberType::Ecs => "ecs",
        _ => "ip",
    };
    let body = json!({
        "id": ch.spec.id,
        "name": ch.spec.name,
        "port": ch.spec.port,
        "balance_strategy": 1,
        "member_type": member_type,
        "type": 2,
        "vpc_channel_type": "builtin",
        "dict_code": "",
        "status": 1,
        "create_time": "2026-01-05T09:12:44Z",
        "member_groups": groups,
        "members": ch.members,
        "microservice_info": null,
        "vpc_health_config": {
            "protocol": "TCP", "path": "", "method": "GET", "port": 0,
            "threshold_normal": 2, "threshold_abnormal": 5, "time_interval": 10,
            "http_code": "", "enable_client_ssl": false, "status": 1, "timeout": 5,
            "vpc_channel_id": ch.spec.id, "id": format!("hc-{}", ch.spec.id),
            "create_time": "2026-01-05T09:12:44Z"
        },
    });
    Ok(json_response(StatusCode::OK, &body))
}
