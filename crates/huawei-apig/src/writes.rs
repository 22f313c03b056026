//! Writes to a VPC channel: add (an upsert by address), update (a re-upsert of the
//! member as it is, with the change applied) and remove. Each holds the channel's
//! write lock for its whole request, so writes from this process never overlap.
//!
//! The whole-set `PUT .../members` is never used: it replaces every member of the
//! channel, so a stale or partial set would silently deregister the rest.

use std::collections::HashSet;

use futures::TryStreamExt;
use http::Method;
use lb_backends_core::{
    provider::BatchOutcome, Backend, BackendUpdate, Error, ErrorKind, NewBackend, ResourceId,
    Result,
};
use serde_json::{json, Map, Value};

use crate::{
    record::{member_id, to_backend},
    ApigMember, ApigProvider,
};

impl ApigProvider {
    /// Add `members` to the channel in one call, or update those whose address
    /// (`host` or `ecs_id`) is there already: APIG's add is an upsert by address,
    /// so the call is marked idempotent and retried like a read.
    ///
    /// Returns the resulting members in the order given, taken from the answer or,
    /// when the answer does not name them, from a listing of the channel.
    /// Two members with the same address in one call are refused before sending.
    ///
    /// ```no_run
    /// # async fn demo(provider: &lb_backends_huawei_apig::ApigProvider) -> lb_backends_core::Result<()> {
    /// use lb_backends_core::{Port, Weight};
    /// use lb_backends_huawei_apig::ApigMember;
    /// let added = provider
    ///     .add_members(&[ApigMember::host("10.0.0.5".parse().unwrap())
    ///         .with_port(Port::new(8080)?)
    ///         .with_weight(Weight::new(10)?)])
    ///     .await?;
    /// println!("{}", added[0].id);
    /// # Ok(()) }
    /// ```
    pub async fn add_members(&self, members: &[ApigMember]) -> Result<Vec<Backend>> {
        if members.is_empty() {
            return Err(Error::invalid_input("no members to add"));
        }
        let mut addresses = HashSet::new();
        if let Some(dup) = members
            .iter()
            .find(|m| !addresses.insert(m.address().key()))
        {
            return Err(Error::invalid_input(format!(
                "{:?} is given twice; APIG upserts by address, so one call takes each \
                 address once",
                dup.address()
            )));
        }
        let answer = {
            let _guard = self.write_lock.lock().await;
            self.post_members(members).await?
        };
        self.resolve(members, &answer).await
    }

    /// `POST .../members` with the lock already held by the caller.
    async fn post_members(&self, members: &[ApigMember]) -> Result<Vec<Map<String, Value>>> {
        let body =
            json!({ "members": members.iter().map(ApigMember::to_wire).collect::<Vec<_>>() });
        let request = self
            .members_request("AddingBackendInstancesV2", Method::POST, &[])
            .json_body(&body)?
            .idempotent(true);
        // The call succeeded by its status; an answer we cannot read only means we
        // find the members by listing.
        self.client
            .send_with(&request, |r| Ok(answer_records(&r.body)))
            .await
    }

    /// The resulting record of each member, from the answer or a listing.
    async fn resolve(
        &self,
        members: &[ApigMember],
        answer: &[Map<String, Value>],
    ) -> Result<Vec<Backend>> {
        let mut found: Vec<Option<Backend>> = members
            .iter()
            .map(|m| answer.iter().find(|r| m.matches(r)).map(to_backend))
            .collect();
        if found.iter().any(Option::is_none) {
            let listed: Vec<Backend> = self
                .list_members(&crate::MemberFilter::new())
                .try_collect()
                .await?;
            for (slot, member) in found.iter_mut().zip(members) {
                if slot.is_none() {
                    *slot = listed
                        .iter()
                        .find(|b| {
                            b.raw
                                .parse::<serde_json::Map<String, serde_json::Value>>()
                                .is_ok_and(|r| member.matches(&r))
                        })
                        .cloned();
                }
            }
        }
        found
            .into_iter()
            .zip(members)
            .map(|(b, m)| {
                b.ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!(
                            "APIG accepted {:?} but VPC channel {} does not list it",
                            m.address(),
                            self.vpc_channel_id
                        ),
                    )
                })
            })
            .collect()
    }

    /// The trait's `add`: an IP member at `spec.address:spec.port`, a backup member
    /// when `spec.backup` says so, in the member group `spec.group`. APIG members have
    /// no name and no subnet, so a spec with either is refused.
    pub(crate) async fn add_backend(&self, spec: &NewBackend) -> Result<Backend> {
        check_new_backend(spec)?;
        let address = spec.address.ok_or_else(|| {
            Error::invalid_input("an APIG member is added by its address here: give the address")
        })?;
        let mut member = ApigMember::host(address).with_port(spec.port);
        if let Some(w) = spec.weight {
            member = member.with_weight(w);
        }
        if let Some(up) = spec.admin_up {
            member = member.with_admin_up(up);
        }
        if let Some(backup) = spec.backup {
            member = member.with_backup(backup);
        }
        if let Some(group) = &spec.group {
            member = member.with_member_group(group.as_str())?;
        }
        let mut added = self.add_members(&[member]).await?;
        added
            .pop()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "the added member was not found"))
    }

    /// Take members out of rotation (`enable: false`: `POST .../members/batch-disable`,
    /// their `status` becomes 2) or put them back (`batch-enable`, 1): one call for
    /// all of them, under the channel lock. An id not in the channel is
    /// [`ErrorKind::NotFound`] (`APIG.3024`).
    pub async fn set_enabled(&self, ids: &[ResourceId], enable: bool) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let (action, what) = if enable {
            ("BatchEnableMembers", "batch-enable")
        } else {
            ("BatchDisableMembers", "batch-disable")
        };
        let request = self
            .members_request(action, Method::POST, &[what])
            .json_body(
                &json!({ "member_ids": ids.iter().map(ResourceId::as_str).collect::<Vec<_>>() }),
            )?
            // Setting a status twice is harmless.
            .idempotent(true);
        let _guard = self.write_lock.lock().await;
        self.client.send_with(&request, |_| Ok(())).await
    }

    /// Change a member: its admin state with [`set_enabled`](Self::set_enabled) (one
    /// call), its weight by sending it again, as listed, with the weight changed (an
    /// upsert of the same address updates in place; the read and the write both
    /// under the channel lock). Names cannot change. Returns the member as listed
    /// after the change.
    pub(crate) async fn update_member(
        &self,
        id: &ResourceId,
        change: &BackendUpdate,
    ) -> Result<Backend> {
        change.ensure_not_empty()?;
        check_change(change)?;
        if let Some(up) = change.admin_up {
            self.set_enabled(std::slice::from_ref(id), up).await?;
            if change.weight.is_none() {
                return self.get_member(id).await;
            }
        }
        let (member, answer) = {
            let _guard = self.write_lock.lock().await;
            let current = self.get_member(id).await?;
            let record: serde_json::Map<String, serde_json::Value> =
                current.raw.parse().unwrap_or_default();
            let mut member = ApigMember::from_record(&record)?;
            if let Some(w) = change.weight {
                member = member.with_weight(w);
            }
            let answer = self.post_members(std::slice::from_ref(&member)).await?;
            (member, answer)
        };
        let mut updated = self.resolve(std::slice::from_ref(&member), &answer).await?;
        updated
            .pop()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "the updated member was not found"))
    }

    /// `DELETE .../members/{id}` under the channel lock. Retried on failures that
    /// may be transient; a retry after a delete that did land answers not-found,
    /// which is success ([`removed`](lb_backends_core::provider::removed)).
    pub(crate) async fn remove_member(&self, id: &ResourceId) -> Result<()> {
        let request =
            self.members_request("DeleteBackendInstanceV2", Method::DELETE, &[id.as_str()]);
        let _guard = self.write_lock.lock().await;
        lb_backends_core::provider::removed(self.client.send_with(&request, |_| Ok(())).await)
    }
}

/// APIG's weights: 0 to 10,000 (huawei-more.md 6.1).
pub(crate) const MAX_WEIGHT: u16 = 10_000;

/// What an update refuses on APIG beyond the capabilities: a name.
pub(crate) fn check_change(change: &BackendUpdate) -> Result<()> {
    if change.name.is_some() {
        return Err(Error::invalid_input(
            "APIG members have no name of their own to change",
        ));
    }
    Ok(())
}

impl ApigProvider {
    /// Many updates: the admin-state-only ones with one `batch-enable` and one
    /// `batch-disable` call in all, the others one by one; one result per change.
    pub(crate) async fn update_members(
        &self,
        changes: &[(ResourceId, BackendUpdate)],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        let mut out: Vec<Option<Result<BatchOutcome<Backend>>>> =
            changes.iter().map(|_| None).collect();
        let mut switch: [(Vec<usize>, Vec<ResourceId>); 2] = Default::default();
        for (i, (id, change)) in changes.iter().enumerate() {
            if let Err(e) = lb_backends_core::BackendProvider::check_update(self, id, change) {
                out[i] = Some(Err(e));
                continue;
            }
            match change.admin_up {
                Some(up) if change.weight.is_none() && change.name.is_none() => {
                    let slot = &mut switch[usize::from(up)];
                    slot.0.push(i);
                    slot.1.push(id.clone());
                }
                _ => {
                    out[i] = Some(
                        self.update_member(id, change)
                            .await
                            .map(BatchOutcome::changed),
                    )
                }
            }
        }
        let mut switched = Vec::new();
        for (up, (idx, ids)) in switch.iter().enumerate() {
            match self.set_enabled(ids, up == 1).await {
                Ok(()) => switched.extend(idx.iter().copied()),
                Err(e) => {
                    for i in idx {
                        out[*i] = Some(Err(Error::new(e.kind(), e.message().to_owned())));
                    }
                }
            }
        }
        if !switched.is_empty() {
            match self
                .list_members(&crate::MemberFilter::new())
                .try_collect::<Vec<Backend>>()
                .await
            {
                Ok(listed) => {
                    for i in switched {
                        let id = changes[i].0.as_str();
                        out[i] = Some(
                            listed
                                .iter()
                                .find(|b| b.id == id)
                                .cloned()
                                .map(BatchOutcome::changed)
                                .ok_or_else(|| {
                                    Error::new(
                                        ErrorKind::NotFound,
                                        format!("member {id} is not listed"),
                                    )
                                }),
                        );
                    }
                }
                Err(e) => {
                    for i in switched {
                        out[i] = Some(Err(Error::new(e.kind(), e.message().to_owned())));
                    }
                }
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::invalid_input("lost a result"))))
            .collect()
    }

    /// The channel itself (`GET .../vpc-channels/{id}`): name, port, `member_type`,
    /// `balance_strategy`, member groups and `vpc_health_config`, in
    /// [`TargetInfo::settings`](lb_backends_core::TargetInfo::settings).
    pub(crate) async fn describe_channel(&self) -> Result<lb_backends_core::TargetInfo> {
        let request = self
            .client
            .request(
                "ShowDetailsOfVpcChannelV2",
                Method::GET,
                lb_backends_huawei_core::Service::Apig,
            )
            .segments([
                "v2",
                self.client.project_id().as_str(),
                "apigw",
                "instances",
                self.instance_id.as_str(),
                "vpc-channels",
                self.vpc_channel_id.as_str(),
            ]);
        let mut channel: Value = self.client.send_json(&request).await?;
        if let Value::Object(o) = &mut channel {
            // The settings, not the member list (that is `lbb list`).
            o.remove("members");
        }
        let text = |k: &str| {
            channel
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let mut info = lb_backends_core::TargetInfo::new(
            lb_backends_core::BackendProvider::target(self).clone(),
        );
        if let Some(n) = text("name") {
            info = info.with_name(n);
        }
        let port = channel
            .get("port")
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok());
        // The channel's default member port; it has no protocol of its own (its
        // health check's is in the settings).
        info.port = port;
        Ok(info.with_settings(lb_backends_core::RawRecord::from_value(&channel)))
    }
}

/// The member records in an add answer (`{"members": [...]}`), if it has any.
pub(crate) fn answer_records(body: &[u8]) -> Vec<Map<String, Value>> {
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    match obj.remove("members") {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(o) if member_id(&o).is_some() => Some(o),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What the trait's `add` refuses before sending: APIG members have no name and no
/// subnet of their own, and a member group's name must be one APIG takes.
pub(crate) fn check_new_backend(spec: &NewBackend) -> Result<()> {
    if spec.name.is_some() {
        return Err(Error::invalid_input(
            "APIG members have no name of their own; leave the name out \
             (an instance member's name is its ECS name)",
        ));
    }
    if spec.subnet_id.is_some() {
        return Err(Error::invalid_input(
            "APIG members take no subnet; leave the subnet out",
        ));
    }
    if let Some(group) = &spec.group {
        crate::names::check_name("member group name", group)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_leniently() {
        assert!(answer_records(b"").is_empty());
        assert!(answer_records(b"<html/>").is_empty());
        assert!(answer_records(br#"{"members": null}"#).is_empty());
        let got = answer_records(
            br#"{"total":2,"members":[{"id":"m1","host":"10.0.0.1"},{"host":"10.0.0.2"},7]}"#,
        );
        assert_eq!(got.len(), 1, "records without an id cannot be returned");
    }
}
