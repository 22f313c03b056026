//! ELB's member diagnosis job (huawei-more.md 3): `POST /v3/{project}/elb/members/
//! {member}/health-check` starts a job that checks the member's configuration,
//! subnet network ACL and security group rules against one listener;
//! `GET /v3/{project}/elb/members/check/jobs/{job}` reports it until its `status` is
//! `processed` (or `failed`). Not a health check of traffic.

use std::time::{Duration, Instant};

use http::Method;
use lb_backends_core::{Error, ErrorKind, ResourceId, Result};
use lb_backends_huawei_core::Service;
use serde::Serialize;
use serde_json::{json, Value};

use crate::ElbProvider;

/// What a diagnosis job checks (`subject`).
pub const SUBJECTS: [&str; 4] = ["all", "securityGroup", "networkAcl", "config"];

/// One check of a diagnosis job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The group: `config`, `acl` or `security_group`.
    pub group: String,
    /// Whether the group passed (`check_result`).
    pub passed: bool,
    /// The check's name.
    pub name: String,
    /// `Major` or `Tips`.
    pub severity: String,
    /// What the cloud says.
    pub reason: String,
}

/// A diagnosis job as it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Diagnosis {
    /// The job's id.
    pub job_id: String,
    /// The member checked.
    pub member_id: String,
    /// The listener checked against.
    pub listener_id: String,
    /// `processed` or `failed`.
    pub status: String,
    /// Each group's checks (a group without items says whether it passed).
    pub findings: Vec<Finding>,
    /// The job as the cloud reported it last (`member_check`).
    pub raw: Value,
}

impl ElbProvider {
    /// Run a diagnosis job for `member` against `listener` (default: the first
    /// listener of the member's `status`), checking `subject` (one of [`SUBJECTS`]),
    /// polling every `every` until it ends, at most `wait` in all (then
    /// [`ErrorKind::Timeout`] naming the job). The job itself is a write
    /// (`elb:members:create`).
    pub async fn diagnose(
        &self,
        member: &ResourceId,
        listener: Option<&ResourceId>,
        subject: &str,
        wait: Duration,
        every: Duration,
    ) -> Result<Diagnosis> {
        if !SUBJECTS.contains(&subject) {
            return Err(Error::invalid_input(format!(
                "subject {subject:?} is not one of {}",
                SUBJECTS.join(", ")
            )));
        }
        let listener = match listener {
            Some(l) => l.clone(),
            None => {
                let raw = self.show_member_raw(member).await?.to_value();
                let first = raw
                    .get("status")
                    .and_then(Value::as_array)
                    .and_then(|s| s.iter().find_map(|e| e.get("listener_id")?.as_str()))
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        Error::invalid_input(format!(
                            "member {member} reports no listener: give one (--listener ID)"
                        ))
                    })?;
                ResourceId::new(first)?
            }
        };
        let project = self.client().project_id().to_string();
        let start = self
            .client()
            .request("CreateMemberHealthCheckJob", Method::POST, Service::Elb)
            .segments([
                "v3",
                &project,
                "elb",
                "members",
                member.as_str(),
                "health-check",
            ])
            .json_body(
                &json!({"member_check": {"listener_id": listener.as_str(), "subject": subject}}),
            )?;
        let started: Value = self.client().send_json(&start).await?;
        let job = started
            .pointer("/member_check/job_id")
            .and_then(Value::as_str)
            .filter(|j| !j.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Decode,
                    "the health-check answer has no member_check.job_id",
                )
            })?;
        let job = ResourceId::new(job)?;
        let ends = Instant::now() + wait;
        loop {
            let show = self
                .client()
                .request("ShowMemberHealthCheckJob", Method::GET, Service::Elb)
                .segments([
                    "v3",
                    &project,
                    "elb",
                    "members",
                    "check",
                    "jobs",
                    job.as_str(),
                ]);
            let answer: Value = self.client().send_json(&show).await?;
            let check = answer.get("member_check").cloned().ok_or_else(|| {
                Error::new(ErrorKind::Decode, "the job answer has no member_check")
            })?;
            let status = check
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if status != "processing" {
                return Ok(Diagnosis {
                    job_id: job.to_string(),
                    member_id: member.to_string(),
                    listener_id: listener.to_string(),
                    findings: findings(&check),
                    status,
                    raw: check,
                });
            }
            if Instant::now() + every > ends {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "diagnosis job {job} was still processing after {}s",
                        wait.as_secs()
                    ),
                )
                .with_retryable(false));
            }
            tokio::time::sleep(every).await;
        }
    }
}

fn findings(check: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(result) = check.get("result").and_then(Value::as_object) else {
        return out;
    };
    for (group, g) in result {
        let passed = g
            .get("check_result")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let items = g
            .get("check_items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if items.is_empty() {
            out.push(Finding {
                group: group.clone(),
                passed,
                name: "-".into(),
                severity: "-".into(),
                reason: if passed {
                    "passed".into()
                } else {
                    "failed".into()
                },
            });
        }
        for i in items {
            let t = |k: &str| i.get(k).and_then(Value::as_str).unwrap_or("-").to_owned();
            out.push(Finding {
                group: group.clone(),
                passed,
                name: t("name"),
                severity: t("severity"),
                reason: t("reason"),
            });
        }
    }
    out
}
