//! Writes to a VPC channel: add (an upsert by address), update (a re-upsert of the
//! member as it is, with the change applied) and remove. Each holds the channel's
//! write lock for its whole request, so writes from this process never overlap.
//!
//! The whole-set `PUT .../members` is never used: it replaces every member of the
//! channel, so a stale or partial set would silently deregister the rest.

use std::collections::HashSet;

use futures::TryStreamExt;
use http::Method;
use lb_backends_core::{Backend, BackendUpdate, Error, ErrorKind, NewBackend, ResourceId, Result};
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

    /// The trait's `add`: an IP member at `spec.address:spec.port`. APIG members have
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
        let mut added = self.add_members(&[member]).await?;
        added
            .pop()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "the added member was not found"))
    }

    /// Change a member's weight or admin state by sending it again, as listed, with
    /// the change applied (an upsert of the same address updates in place). The
    /// read and the write both happen under the channel lock. Names cannot change.
    pub(crate) async fn update_member(
        &self,
        id: &ResourceId,
        change: &BackendUpdate,
    ) -> Result<Backend> {
        change.ensure_not_empty()?;
        if change.name.is_some() {
            return Err(Error::invalid_input(
                "APIG members have no name of their own to change",
            ));
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
            if let Some(up) = change.admin_up {
                member = member.with_admin_up(up);
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
/// subnet of their own.
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
