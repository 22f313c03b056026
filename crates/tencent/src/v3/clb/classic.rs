//! Writes to a classic CLB on API 3.0 (spec b.11): `RegisterTargetsWithClassicalLB`
//! (add a CVM by its `InstanceId`, with a weight) and
//! `DeregisterTargetsFromClassicalLB` (remove), each an asynchronous task polled with
//! `DescribeTaskStatus`. A classic target is a whole CVM: it has no port of its own
//! (the listeners' ports apply), so the new backend's port is not sent. API 3.0 has no
//! call that changes a classic target's weight: an update is a typed
//! [`Unsupported`](lb_backends_core::ErrorKind::Unsupported), and
//! [`capabilities`](lb_backends_core::BackendProvider::capabilities) says so once the
//! load balancer's kind is known.

use lb_backends_core::{Backend, BackendProvider, Error, NewBackend, ResourceId, Result};
use serde_json::json;

use super::ClbV3Provider;

impl ClbV3Provider {
    fn classic_scope(&self) -> Result<()> {
        if let Some(l) = &self.listener_id {
            return Err(Error::invalid_input(format!(
                "{lb} is a classic CLB: its backends are written for the whole load \
                 balancer (tencent-clb:{lb}), not for listener {l}",
                lb = self.load_balancer_id
            )));
        }
        Ok(())
    }

    pub(crate) async fn add_classic(&self, spec: &NewBackend) -> Result<Backend> {
        self.classic_scope()?;
        let Some(instance) = &spec.instance_id else {
            return Err(Error::invalid_input(format!(
                "{} is a classic CLB: it binds CVMs by instance id (--instance ins-...), \
                 not by address",
                self.load_balancer_id
            )));
        };
        let mut target = json!({ "InstanceId": instance.as_str() });
        if let Some(w) = spec.weight {
            target["Weight"] = json!(w.get());
        }
        let body = json!({
            "LoadBalancerId": self.load_balancer_id.as_str(),
            "Targets": [target],
        });
        self.write_once("RegisterTargetsWithClassicalLB", body, || {
            self.is_listed(instance)
        })
        .await?;
        self.get(instance).await
    }

    pub(crate) async fn remove_classic(&self, id: &ResourceId) -> Result<()> {
        self.classic_scope()?;
        if !id.as_str().starts_with("ins-") {
            return Err(Error::invalid_input(format!(
                "{id} is not a classic-CLB backend id (the CVM's InstanceId, ins-...)"
            )));
        }
        // The call refuses a CVM that is not bound; say NotFound, as other providers do.
        self.get(id).await?;
        let body = json!({
            "LoadBalancerId": self.load_balancer_id.as_str(),
            "InstanceIds": [id.as_str()],
        });
        self.write_once("DeregisterTargetsFromClassicalLB", body, || async {
            Ok(!self.is_listed(id).await?)
        })
        .await
    }
}
