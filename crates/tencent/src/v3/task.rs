//! Waiting for an asynchronous API 3.0 task: CLB's `DescribeTaskStatus` and BMLB's
//! `DescribeLoadBalancerTaskResult` both take a `TaskId` and answer `Status` 0
//! (succeeded), 1 (failed) or 2 (in progress). Polled with a growing pause (100 ms
//! doubling up to 2 s), at most [`TASK_TIMEOUT`]; a failed task is a typed error
//! (kind [`Service`](ErrorKind::Service), code `TaskFailed`, the task id as its
//! request id, the cloud's `Message` when there is one), a task that does not end in
//! time a [`Timeout`](ErrorKind::Timeout) naming it.

use std::time::Duration;

use lb_backends_core::{Error, ErrorKind, Result};
use serde::Deserialize;
use serde_json::json;

use crate::client::{Service, TencentClient};

/// How long a task is polled at most.
pub const TASK_TIMEOUT: Duration = Duration::from_secs(120);
const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(2);

#[derive(Debug, Default, Deserialize)]
struct TaskStatus {
    #[serde(
        default,
        rename = "Status",
        deserialize_with = "lb_backends_core::lenient::opt"
    )]
    status: Option<i64>,
    #[serde(
        default,
        rename = "Message",
        deserialize_with = "lb_backends_core::lenient::opt"
    )]
    message: Option<String>,
}

/// What one poll said.
pub(crate) enum Polled {
    /// Status 0.
    Done,
    /// Status 1, with the cloud's message.
    Failed(Option<String>),
    /// Status 2.
    Running,
}

/// A `Status` (0, 1, 2) as [`Polled`]; anything else is a decode error.
pub(crate) fn polled(status: Option<i64>, message: Option<String>, task: &str) -> Result<Polled> {
    match status {
        Some(0) => Ok(Polled::Done),
        Some(1) => Ok(Polled::Failed(message)),
        Some(2) => Ok(Polled::Running),
        other => Err(Error::new(
            ErrorKind::Decode,
            format!("the status of task {task} is {other:?}, not 0, 1 or 2"),
        )),
    }
}

/// The error of task `task` of `action` that failed.
pub(crate) fn failed(task: &str, action: &str, message: Option<&str>) -> Error {
    Error::new(
        ErrorKind::Service,
        format!(
            "task {task} of {action} failed: {}",
            message.filter(|m| !m.is_empty()).unwrap_or("(no message)")
        ),
    )
    .with_code("TaskFailed")
    .with_request_id(task)
}

/// Poll with `poll` (one call, answering what the task is) until the task ends.
pub(crate) async fn wait_with<F, Fut>(task: &str, action: &str, mut poll: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Polled>>,
{
    let started = tokio::time::Instant::now();
    let mut pause = FIRST_POLL;
    loop {
        match poll()
            .await
            .map_err(|e| e.context(format!("polling task {task} of {action}")))?
        {
            Polled::Done => return Ok(()),
            Polled::Failed(message) => return Err(failed(task, action, message.as_deref())),
            Polled::Running => {}
        }
        if started.elapsed() + pause > TASK_TIMEOUT {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "task {task} of {action} did not end within {} s; it may still \
                     finish: list the target to see",
                    TASK_TIMEOUT.as_secs()
                ),
            )
            .with_request_id(task));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL);
    }
}

/// Poll API 3.0 `poll_action` (`DescribeTaskStatus`, `DescribeLoadBalancerTaskResult`)
/// with `{"TaskId": task}` until the task ends.
pub(crate) async fn wait(
    client: &TencentClient,
    service: Service,
    poll_action: &'static str,
    task: &str,
    action: &str,
) -> Result<()> {
    wait_with(task, action, || async {
        let s: TaskStatus = client
            .call_v3(service, poll_action, &json!({ "TaskId": task }), true)
            .await?;
        polled(s.status, s.message, task)
    })
    .await
}

impl TencentClient {
    /// The in-process lock of writes to load balancer `id`: the cloud runs one task
    /// per load balancer and refuses the others.
    pub(crate) fn write_lock(&self, id: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .inner()
            .write_locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.entry(id.to_owned()).or_default().clone()
    }
}
