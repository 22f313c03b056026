//! Creating a member, safely retried (API.md 2.3).
//!
//! Create is not idempotent: a POST whose answer is lost may still have been applied,
//! and sending it again would then fail on "same address and port" (409). The
//! transport never resends a POST after such an ambiguous failure; this module does
//! the safe thing instead: it lists the pool with the `address` and `protocol_port`
//! filters, returns the member if it is there, and sends the POST again only if it is
//! not, within the transport's attempt budget.

use futures::TryStreamExt;
use http::Method;
use lb_backends_core::{Backend, ErrorKind, Port, Result};
use serde_json::json;

use crate::{create::CheckedMember, mapping, CreateMember, ElbProvider, ListQuery};

impl ElbProvider {
    /// Create a member and return it as the cloud now has it (HTTP 201).
    ///
    /// Every rule of [`CreateMember`] is checked first; a refused spec sends nothing.
    /// A pool that already has a member at this address and port answers HTTP 409:
    /// [`ErrorKind::Conflict`].
    ///
    /// When the POST fails in a way that leaves open whether it was applied (a
    /// timeout, a dropped connection, a 5xx, a cut or unreadable 2xx body), the pool is
    /// listed with the `address` and `protocol_port` filters: a member found there is
    /// returned (it is this call's); otherwise the POST is sent again, at most as many
    /// times in all as the transport's [`RetryPolicy`] allows attempts. If the member
    /// already existed before this call *and* the first POST failed ambiguously, that
    /// member is returned as if created: the API gives no way to tell the two apart.
    ///
    /// ```no_run
    /// # async fn demo(provider: lb_backends_huawei_elb::ElbProvider) -> lb_backends_core::Result<()> {
    /// use lb_backends_huawei_elb::CreateMember;
    ///
    /// let member = provider
    ///     .create_member(
    ///         &CreateMember::new("192.168.0.10", 8080)
    ///             .with_subnet("c09f620e-3492-4429-ac15-445d5dd9ca74")
    ///             .with_weight(10),
    ///     )
    ///     .await?;
    /// println!("created {} ({:?})", member.id, member.health);
    /// # Ok(()) }
    /// ```
    ///
    /// [`RetryPolicy`]: lb_backends_core::transport::RetryPolicy
    pub async fn create_member(&self, spec: &CreateMember) -> Result<Backend> {
        // Port 0 is for a pool with any_port_enable only: then (and only then) the
        // pool is read to know. In such a pool any other port is ignored by the cloud.
        spec.check_in(true)?;
        let checked = if spec.protocol_port == 0 && self.any_port().await {
            spec.check_in(true)?
        } else {
            spec.check()?
        };
        let request = self
            .members_request("CreateMember", Method::POST)
            .json_body(&json!({ "member": &checked }))?;
        let policy = self.client().transport().config().retry.clone();
        let mut attempt = 1;
        let mut ambiguous_before = false;
        loop {
            let result = self
                .client()
                .send_with(&request, |r| {
                    let raw = mapping::member_of("CreateMember", r)?;
                    mapping::to_backend(raw, None).map_err(|e| e.with_status(r.status))
                })
                .await;
            let err = match result {
                Ok(member) => return Ok(member),
                Err(err) => err,
            };
            let conflict = err.kind() == ErrorKind::Conflict;
            if conflict && !ambiguous_before {
                return Err(err);
            }
            if !conflict && !err.may_have_been_applied() {
                return Err(err);
            }
            ambiguous_before = true;
            tracing::debug!(
                attempt,
                kind = %err.kind(),
                "create member failed without a clear answer; checking whether it was applied"
            );
            match self.find_created(&checked).await {
                Ok(Some(member)) => {
                    tracing::info!(
                        attempt,
                        member = %member.id,
                        "the create had been applied; returning the member it made"
                    );
                    return Ok(member);
                }
                Ok(None) => {}
                Err(lookup) => {
                    let note = format!(
                        "create member (may or may not have been applied; checking failed: {lookup})"
                    );
                    return Err(err.context(note));
                }
            }
            if conflict || attempt >= policy.max_attempts() {
                return Err(err);
            }
            tokio::time::sleep(policy.delay(attempt, err.retry_after())).await;
            attempt += 1;
        }
    }

    /// The member at the checked spec's address and port, if the pool has one.
    async fn find_created(&self, checked: &CheckedMember) -> Result<Option<Backend>> {
        let address = checked.address();
        let port = checked.protocol_port();
        let query = ListQuery::new()
            .with_address(address)
            .with_protocol_port(Port::new(i64::from(port))?);
        let found: Vec<Backend> = self.list_members(&query).try_collect().await?;
        Ok(found
            .into_iter()
            .find(|b| b.address == Some(address) && b.port == Some(port)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lb_backends_core::Error;

    #[test]
    fn only_unclear_failures_count_as_maybe_applied() {
        let e = |k| Error::new(k, "x");
        let may_have_been_applied = |e: &Error| e.may_have_been_applied();
        assert!(may_have_been_applied(&e(ErrorKind::Transport)));
        assert!(may_have_been_applied(&e(ErrorKind::Timeout)));
        assert!(may_have_been_applied(
            &e(ErrorKind::Service).with_status(503)
        ));
        assert!(may_have_been_applied(
            &e(ErrorKind::Decode).with_status(201)
        ));
        assert!(!may_have_been_applied(
            &e(ErrorKind::Decode).with_status(302)
        ));
        assert!(!may_have_been_applied(
            &e(ErrorKind::Transport).with_not_sent()
        ));
        for k in [
            ErrorKind::Conflict,
            ErrorKind::InvalidInput,
            ErrorKind::Throttled,
            ErrorKind::Unauthorized,
            ErrorKind::NotFound,
        ] {
            assert!(!may_have_been_applied(&e(k)), "{k}");
        }
    }
}
