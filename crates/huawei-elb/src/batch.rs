//! ELB's batch member calls (huawei-more.md 2): `batch-add`, `batch-delete` (by id or
//! by address and port) and `batch-update`, at most [`MAX_BATCH`] members per call,
//! split beyond, each member's result reported on its own.
//!
//! `ret_status` `existed` (add) and `not found` (delete) are successes reported
//! `unchanged`: the pool already is as asked. A call the cloud refuses as a whole (a
//! 4xx) is reported on every member of that call: whether one bad member rejects the
//! whole call is not documented (huawei-more.md 10.1), so nothing of it is assumed
//! applied. A batch call is a POST: the transport resends it only when it certainly
//! was not applied (refused connection, throttling).

use std::{collections::HashMap, net::IpAddr};

use http::Method;
use lb_backends_core::{
    provider::BatchOutcome, Backend, BackendUpdate, Error, ErrorKind, Port, ResourceId, Result,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::{create::CheckedMember, mapping, CreateMember, ElbProvider};

/// The most members one batch call takes (huawei-more.md 2).
pub const MAX_BATCH: usize = 200;

/// A member to delete: by id, or by address and port (port 0 in an any-port pool).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberRef {
    /// The member's id.
    Id(ResourceId),
    /// Its address and `protocol_port`.
    At(IpAddr, u16),
}

/// A copy of an error for each member of a call that failed as a whole.
fn copy(e: &Error) -> Error {
    let mut c = Error::new(e.kind(), e.message().to_owned()).with_retryable(e.is_retryable());
    if let Some(code) = e.code() {
        c = c.with_code(code);
    }
    if let Some(id) = e.request_id() {
        c = c.with_request_id(id);
    }
    if let Some(s) = e.status() {
        c = c.with_status(s);
    }
    c
}

/// An outcome, changed or not.
pub(crate) fn outcome<T>(value: T, unchanged: bool) -> BatchOutcome<T> {
    if unchanged {
        BatchOutcome::unchanged(value)
    } else {
        BatchOutcome::changed(value)
    }
}

fn missing(what: &str) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("the cloud's batch answer says nothing of {what}"),
    )
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    members: Vec<Value>,
}

fn answer(
    action: &'static str,
    r: &lb_backends_core::transport::RawResponse,
) -> Result<Vec<Value>> {
    lb_backends_core::transport::decode_json::<Answer>(action, r).map(|a| a.members)
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

impl ElbProvider {
    /// One `POST /v3/{project}/elb/pools/{pool}/members/batch-{what}` of `members`:
    /// the members the cloud answers.
    async fn send_batch(
        &self,
        action: &'static str,
        what: &str,
        members: &impl serde::Serialize,
    ) -> Result<Vec<Value>> {
        let request = self
            .members_request(action, Method::POST)
            .segment(format!("batch-{what}"))
            .json_body(&json!({ "members": members }))?;
        self.client()
            .send_with(&request, |r| answer(action, r))
            .await
    }

    /// Add many members with `batch-add`: one result per spec, in order. A spec that
    /// fails the checks of [`CreateMember::check`] gets its error and is not sent; a
    /// member already in the pool (same address and port) is `unchanged`.
    pub async fn batch_add(&self, specs: &[CreateMember]) -> Vec<Result<BatchOutcome<Backend>>> {
        let mut out: Vec<Option<Result<BatchOutcome<Backend>>>> =
            (0..specs.len()).map(|_| None).collect();
        let mut ok: Vec<(usize, CheckedMember)> = Vec::new();
        // Port 0 only in a pool with any_port_enable: the pool is read only if asked.
        let any_port = if specs
            .iter()
            .any(|s| s.protocol_port == 0 && s.check_in(true).is_ok())
        {
            self.any_port().await
        } else {
            false
        };
        for (i, spec) in specs.iter().enumerate() {
            let checked = if any_port {
                spec.check_in(true)
            } else {
                spec.check()
            };
            match checked {
                Ok(c) => ok.push((i, c)),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        for chunk in ok.chunks(MAX_BATCH) {
            let members: Vec<&CheckedMember> = chunk.iter().map(|(_, c)| c).collect();
            let result = self.send_batch("BatchCreateMembers", "add", &members).await;
            match result {
                Err(e) => {
                    for (i, _) in chunk {
                        out[*i] = Some(Err(copy(&e)));
                    }
                }
                Ok(list) => {
                    let mut by_endpoint: HashMap<(IpAddr, u16), Value> = HashMap::new();
                    for m in list {
                        let ip = text(&m, "address").and_then(|a| a.parse::<IpAddr>().ok());
                        let port = m
                            .get("protocol_port")
                            .and_then(Value::as_u64)
                            .and_then(|p| u16::try_from(p).ok());
                        if let (Some(ip), Some(port)) = (ip, port) {
                            by_endpoint.insert((ip, port), m);
                        }
                    }
                    for (i, c) in chunk {
                        let key = (c.address(), c.protocol_port());
                        out[*i] = Some(match by_endpoint.remove(&key) {
                            None => Err(missing(&format!("{}:{}", key.0, key.1))),
                            Some(m) => {
                                let existed = text(&m, "ret_status") == Some("existed");
                                mapping::to_backend(m, None).map(|b| outcome(b, existed))
                            }
                        });
                    }
                }
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(missing("a member"))))
            .collect()
    }

    /// Delete many members with `batch-delete`, by id or by address and port: one
    /// result per member, in order, with the id deleted when the cloud says it. A
    /// member already gone (`not found`) is `unchanged`.
    pub async fn batch_delete(
        &self,
        members: &[MemberRef],
    ) -> Vec<Result<BatchOutcome<Option<ResourceId>>>> {
        if members.is_empty() {
            return Vec::new();
        }
        if let Err(e) = self.check_removable().await {
            return members.iter().map(|_| Err(copy(&e))).collect();
        }
        let any_port = self.any_port().await;
        let mut out = Vec::with_capacity(members.len());
        for chunk in members.chunks(MAX_BATCH) {
            let body: Vec<Value> = chunk
                .iter()
                .map(|m| match m {
                    MemberRef::Id(id) => json!({ "id": id.as_str() }),
                    MemberRef::At(a, p) => json!({
                        "address": a.to_string(),
                        "protocol_port": if any_port { 0 } else { *p },
                    }),
                })
                .collect();
            let result = self.send_batch("BatchDeleteMembers", "delete", &body).await;
            match result {
                Err(e) => out.extend(chunk.iter().map(|_| Err(copy(&e)))),
                Ok(list) => {
                    // Matched by id where asked by id; else in order (the answer holds
                    // only `id` and `ret_status`).
                    let mut by_id: HashMap<String, Value> = HashMap::new();
                    for m in &list {
                        if let Some(id) = text(m, "id") {
                            by_id.insert(id.to_owned(), m.clone());
                        }
                    }
                    for (k, asked) in chunk.iter().enumerate() {
                        let item = match asked {
                            MemberRef::Id(id) => by_id.get(id.as_str()).cloned(),
                            MemberRef::At(..) => list.get(k).cloned(),
                        };
                        out.push(match item {
                            None => Err(missing(&format!("{asked:?}"))),
                            Some(m) => {
                                let status = text(&m, "ret_status").unwrap_or_default();
                                let id = match asked {
                                    MemberRef::Id(id) => Some(id.clone()),
                                    MemberRef::At(..) => text(&m, "id")
                                        .filter(|s| !s.is_empty())
                                        .and_then(|s| ResourceId::new(s).ok()),
                                };
                                match status {
                                    "successful" => Ok(BatchOutcome::changed(id)),
                                    "not found" => Ok(BatchOutcome::unchanged(id)),
                                    other => Err(Error::new(
                                        ErrorKind::Service,
                                        format!("batch-delete answered ret_status {other:?}"),
                                    )),
                                }
                            }
                        });
                    }
                }
            }
        }
        out
    }

    /// Update many members with `batch-update`: one result per change, in order.
    /// Every change is checked first (as [`update`](lb_backends_core::BackendProvider::update)
    /// checks it); a refused one is not sent.
    pub async fn batch_update(
        &self,
        changes: &[(ResourceId, BackendUpdate)],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        let mut out: Vec<Option<Result<BatchOutcome<Backend>>>> =
            (0..changes.len()).map(|_| None).collect();
        let mut ok: Vec<(usize, Value)> = Vec::new();
        let checks: Vec<Result<()>> = changes
            .iter()
            .map(|(id, change)| lb_backends_core::BackendProvider::check_update(self, id, change))
            .collect();
        let weight_refused = if changes
            .iter()
            .zip(&checks)
            .any(|((_, c), ok)| ok.is_ok() && c.weight.is_some())
        {
            self.check_weight_matters().await.err()
        } else {
            None
        };
        for (i, ((id, change), check)) in changes.iter().zip(checks).enumerate() {
            let check = match (&weight_refused, check) {
                (Some(e), Ok(())) if change.weight.is_some() => Err(copy(e)),
                (_, c) => c,
            };
            match check {
                Err(e) => out[i] = Some(Err(e)),
                Ok(()) => {
                    let mut m = Map::new();
                    m.insert("id".into(), id.as_str().into());
                    if let Some(w) = change.weight {
                        m.insert("weight".into(), w.get().into());
                    }
                    if let Some(n) = &change.name {
                        m.insert("name".into(), n.as_str().into());
                    }
                    if let Some(p) = change.port {
                        m.insert("protocol_port".into(), p.get().into());
                    }
                    ok.push((i, Value::Object(m)));
                }
            }
        }
        for chunk in ok.chunks(MAX_BATCH) {
            let members: Vec<&Value> = chunk.iter().map(|(_, m)| m).collect();
            let result = self
                .send_batch("BatchUpdateMembers", "update", &members)
                .await;
            match result {
                Err(e) => {
                    for (i, _) in chunk {
                        out[*i] = Some(Err(copy(&e)));
                    }
                }
                Ok(list) => {
                    let mut by_id: HashMap<String, Value> = HashMap::new();
                    for m in list {
                        if let Some(id) = text(&m, "id") {
                            by_id.insert(id.to_owned(), m);
                        }
                    }
                    for (i, m) in chunk {
                        let id = text(m, "id").unwrap_or_default();
                        out[*i] = Some(match by_id.remove(id) {
                            // Semantics for an unknown id are not documented
                            // (huawei-more.md 10.1): absent from the answer = not found.
                            None => Err(Error::new(
                                ErrorKind::NotFound,
                                format!("batch-update did not update member {id}: not in the pool"),
                            )),
                            Some(m) => mapping::to_backend(m, Some(id)).map(BatchOutcome::changed),
                        });
                    }
                }
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(missing("a member"))))
            .collect()
    }

    /// Delete members at these endpoints with `batch-delete` by address and port.
    pub async fn batch_delete_at(
        &self,
        endpoints: &[(IpAddr, Port)],
    ) -> Vec<Result<BatchOutcome<Option<ResourceId>>>> {
        let refs: Vec<MemberRef> = endpoints
            .iter()
            .map(|(a, p)| MemberRef::At(*a, p.get()))
            .collect();
        self.batch_delete(&refs).await
    }
}
