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
    weight: Option<u8>,
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
            "weight" => e.weight = Some(int_in(v, "weight", 0, 100)? as u8),
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
