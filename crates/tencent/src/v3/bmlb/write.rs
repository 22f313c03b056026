//! BMLB writes on API 3.0: bind, unbind, weight and port, each answered with a
//! `TaskId` polled with `DescribeLoadBalancerTaskResult`.

use lb_backends_core::{
    Backend, BackendProvider, BackendUpdate, Error, NewBackend, ResourceId, Result,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{bad_id, Binding, BmlbV3Provider};
use crate::client::Service;

#[derive(Debug, Deserialize)]
struct TaskAnswer {
    #[serde(
        default,
        rename = "TaskId",
        deserialize_with = "lb_backends_core::lenient::opt"
    )]
    task_id: Option<String>,
}

/// `INSTANCE_ID:PORT` as its two parts.
pub(crate) fn parse_id(id: &ResourceId) -> Result<(String, u16)> {
    let (instance, port) = id
        .as_str()
        .rsplit_once(':')
        .ok_or_else(|| bad_id(id.as_str()))?;
    let port: u16 = port.parse().map_err(|_| bad_id(id.as_str()))?;
    if instance.is_empty() || port == 0 {
        return Err(bad_id(id.as_str()));
    }
    Ok((instance.to_owned(), port))
}

/// The `BindType` of a new binding (see the module docs) and its `InstanceId`.
fn bind_type_of(spec: &NewBackend) -> (i64, String) {
    match (&spec.instance_id, &spec.address) {
        (Some(id), _) if id.as_str().starts_with("cpm-") => (0, id.to_string()),
        (Some(id), _) => (2, id.to_string()),
        (None, Some(ip)) => (1, ip.to_string()),
        (None, None) => (1, String::new()),
    }
}

impl BmlbV3Provider {
    fn action(&self, l7: &'static str, l4: &'static str) -> &'static str {
        if self.is_layer7() {
            l7
        } else {
            l4
        }
    }

    /// Send `action` with `body`, then poll its `TaskId` until the task ends.
    /// `ResourceInUse` (the load balancer runs another task, e.g. another process's)
    /// is retried with backoff: BMLB has no `ResourceInOperating`.
    async fn write_and_wait(&self, action: &'static str, body: &Map<String, Value>) -> Result<()> {
        let lock = self
            .client
            .write_lock(&format!("bmlb:{}", self.load_balancer_id));
        let _turn = lock.lock().await;
        let mut pause = std::time::Duration::from_millis(50);
        let mut tries = 0;
        let answer: TaskAnswer = loop {
            tries += 1;
            match self
                .client
                .call_v3(Service::Bmlb, action, &Value::Object(body.clone()), false)
                .await
            {
                Err(e) if e.code() == Some("ResourceInUse") && tries < 20 => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(2));
                }
                other => break other?,
            }
        };
        let task = answer.task_id.filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::new(
                lb_backends_core::ErrorKind::Decode,
                format!("the {action} answer has no TaskId"),
            )
        })?;
        crate::v3::task::wait(
            &self.client,
            Service::Bmlb,
            "DescribeLoadBalancerTaskResult",
            &task,
            action,
        )
        .await
    }

    /// [`write_and_wait`](Self::write_and_wait), applied once: `took_effect` re-reads
    /// the binding when the answer is lost (see [`crate::applied_once`]).
    async fn write_once<F, Fut>(
        &self,
        action: &'static str,
        body: Map<String, Value>,
        took_effect: F,
    ) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        crate::applied_once::write_once(
            action,
            crate::applied_once::answer_lost,
            || self.write_and_wait(action, &body),
            took_effect,
        )
        .await
    }

    /// The binding `id` now, if listed.
    async fn binding(&self, id: &ResourceId) -> Result<Option<Backend>> {
        match self.get(id).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == lb_backends_core::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The `BindType` of the binding `id`, from the listing.
    async fn bind_type(&self, id: &ResourceId) -> Result<i64> {
        let b = self.get(id).await?;
        let record: Value = b.raw_value();
        let binding: Binding =
            serde_json::from_value(record["Backend"].clone()).unwrap_or_default();
        Ok(binding.bind_type.unwrap_or(0))
    }

    pub(super) async fn add_impl(&self, spec: &NewBackend) -> Result<Backend> {
        spec.check_place()?;
        if spec.name.is_some() || spec.subnet_id.is_some() || spec.admin_up.is_some() {
            return Err(Error::invalid_input(
                "a BMLB binding has no name, subnet or admin state: give only the address \
                 or instance id, the port and the weight",
            ));
        }
        let (bind_type, instance) = bind_type_of(spec);
        let port = spec.port.get();
        let mut body = self.scope();
        body.insert(
            "BackendSet".into(),
            json!([{
                "Port": port,
                "InstanceId": instance,
                "Weight": spec.weight.map_or(10, |w| w.get()),
            }]),
        );
        body.insert("BindType".into(), json!(bind_type));
        let id = ResourceId::new(format!("{instance}:{port}"))?;
        self.write_once(
            self.action("BindL7Backends", "BindL4Backends"),
            body,
            || async { Ok(self.binding(&id).await?.is_some()) },
        )
        .await?;
        self.get(&id).await
    }

    pub(super) async fn update_impl(
        &self,
        id: &ResourceId,
        change: &BackendUpdate,
    ) -> Result<Backend> {
        change.ensure_not_empty()?;
        if change.name.is_some() || change.admin_up.is_some() {
            return Err(Error::invalid_input(
                "a BMLB binding has no name or admin state: only its weight and port change",
            ));
        }
        let (instance, mut port) = parse_id(id)?;
        let bind_type = self.bind_type(id).await?;
        if let Some(w) = change.weight {
            let mut body = self.scope();
            body.insert("InstanceId".into(), json!(instance));
            body.insert("Weight".into(), json!(w.get()));
            body.insert("Port".into(), json!(port));
            body.insert("BindType".into(), json!(bind_type));
            self.write_once(
                self.action("ModifyL7BackendWeight", "ModifyL4BackendWeight"),
                body,
                || async { Ok(self.binding(id).await?.and_then(|b| b.weight) == Some(w.get())) },
            )
            .await?;
        }
        if let Some(new) = change.port.filter(|p| p.get() != port) {
            let mut body = self.scope();
            body.insert("InstanceId".into(), json!(instance));
            body.insert("Port".into(), json!(port));
            body.insert("NewPort".into(), json!(new.get()));
            body.insert("BindType".into(), json!(bind_type));
            let moved = ResourceId::new(format!("{instance}:{}", new.get()))?;
            self.write_once(
                self.action("ModifyL7BackendPort", "ModifyL4BackendPort"),
                body,
                || async { Ok(self.binding(&moved).await?.is_some()) },
            )
            .await?;
            port = new.get();
        }
        self.get(&ResourceId::new(format!("{instance}:{port}"))?)
            .await
    }

    pub(super) async fn remove_impl(&self, id: &ResourceId) -> Result<()> {
        let (instance, port) = parse_id(id)?;
        let bind_type = self.bind_type(id).await?;
        let mut body = self.scope();
        body.insert(
            "BackendSet".into(),
            json!([{ "Port": port, "InstanceId": instance }]),
        );
        body.insert("BindType".into(), json!(bind_type));
        self.write_once(
            self.action("UnbindL7Backends", "UnbindL4Backends"),
            body,
            || async { Ok(self.binding(id).await?.is_none()) },
        )
        .await
    }
}
