//! `update_many` on a standard CLB: weight-only changes through
//! `BatchModifyTargetWeight` (at most 100 rules of at most 50 targets, 500 targets per
//! call; one rule per run of one listener/rule, each target with its own `Weight`),
//! every other change one `update` at a time. See the `batch` module for the rules
//! every batch follows (a task per call, one result per input, a listing to check).

use lb_backends_core::{
    Backend, BackendProvider, BackendUpdate, BatchOutcome, Error, ErrorKind, ResourceId, Result,
};
use serde_json::{json, Value};

use super::batch::{
    batch_target, found, replica, Nothing, MAX_BATCH_TARGETS, MAX_TARGETS_PER_RULE,
    MAX_WEIGHT_RULES,
};
use super::{id::BackendId, ClbV3Provider};

impl ClbV3Provider {
    pub(crate) async fn update_many_impl(
        &self,
        changes: &[(ResourceId, BackendUpdate)],
    ) -> Vec<Result<BatchOutcome<Backend>>> {
        let mut out: Vec<Option<Result<BatchOutcome<Backend>>>> =
            changes.iter().map(|_| None).collect();
        let classic = matches!(self.kind().await, Ok(super::LbKind::Classic));
        // Weight-only changes go in batches; anything else one by one.
        let mut weights: Vec<(usize, BackendId, u16)> = Vec::new();
        let mut singles = Vec::new();
        for (i, (id, change)) in changes.iter().enumerate() {
            if let Err(e) = self.check_update(id, change) {
                out[i] = Some(Err(e));
                continue;
            }
            match (classic, change.weight, change.port, self.backend_id(id)) {
                (false, Some(w), None, Ok(p))
                    if change.name.is_none() && change.admin_up.is_none() =>
                {
                    weights.push((i, p, w.get()));
                }
                (_, _, _, Err(e)) if !classic => out[i] = Some(Err(e)),
                _ => singles.push(i),
            }
        }
        if !weights.is_empty() {
            match self.bound_ids().await {
                Err(e) => {
                    for (i, _, _) in weights.drain(..) {
                        out[i] = Some(Err(replica(&e)));
                    }
                }
                Ok(bound) => weights.retain(|(i, p, _)| {
                    let there = bound.contains(&p.to_string());
                    if !there {
                        out[*i] = Some(Err(Error::new(
                            ErrorKind::NotFound,
                            format!("backend {p} is not among the backends of {}", self.target),
                        )));
                    }
                    there
                }),
            }
        }
        let mut sent: Vec<Option<Result<()>>> = weights.iter().map(|_| None).collect();
        for (range, result) in self.send_weight_batches(&weights).await {
            let lost = result.as_ref().is_err_and(super::write::answer_lost);
            for slot in &mut sent[range] {
                // A lost answer: the listing below decides.
                *slot = Some(if lost {
                    Ok(())
                } else {
                    result.as_ref().copied().map_err(replica)
                });
            }
        }
        if !weights.is_empty() {
            let listed = self.listed_by_id().await;
            for ((i, p, w), r) in weights.iter().zip(sent) {
                let r = r.unwrap_or_else(|| Err(Error::invalid_input("not sent")));
                out[*i] = Some(r.and_then(|()| {
                    let b = found(
                        &listed,
                        &p.to_string(),
                        "BatchModifyTargetWeight changed it",
                    )?;
                    if b.weight == Some(*w) {
                        Ok(BatchOutcome::changed(b))
                    } else {
                        Err(Error::new(
                            ErrorKind::Service,
                            format!(
                                "BatchModifyTargetWeight ended, but {} has weight {:?}, not {w}",
                                b.id, b.weight
                            ),
                        ))
                    }
                }));
            }
        }
        for i in singles {
            let (id, change) = &changes[i];
            out[i] = Some(self.update(id, change).await.map(BatchOutcome::changed));
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Error::invalid_input("not processed"))))
            .collect()
    }

    /// `BatchModifyTargetWeight` in calls of at most 100 rules of at most 50 targets
    /// (500 targets): each call's range of `weights` and its result.
    async fn send_weight_batches(
        &self,
        weights: &[(usize, BackendId, u16)],
    ) -> Vec<(std::ops::Range<usize>, Result<()>)> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < weights.len() {
            // Sorted input is not assumed: a rule is a run of one place.
            let mut rules: Vec<Value> = Vec::new();
            let mut end = start;
            while end < weights.len() && end - start < MAX_BATCH_TARGETS {
                let (_, p, _) = &weights[end];
                let mut run_end = end;
                while run_end < weights.len()
                    && run_end - end < MAX_TARGETS_PER_RULE
                    && run_end - start < MAX_BATCH_TARGETS
                    && weights[run_end].1.listener_id == p.listener_id
                    && weights[run_end].1.location_id == p.location_id
                {
                    run_end += 1;
                }
                if rules.len() == MAX_WEIGHT_RULES {
                    break;
                }
                let targets: Vec<Value> = weights[end..run_end]
                    .iter()
                    .map(|(_, id, w)| {
                        let mut t = batch_target(id, Some(*w));
                        if let Some(o) = t.as_object_mut() {
                            o.remove("ListenerId");
                            o.remove("LocationId");
                        }
                        t
                    })
                    .collect();
                let mut rule = json!({ "ListenerId": p.listener_id, "Targets": targets });
                if let Some(loc) = &p.location_id {
                    rule["LocationId"] = json!(loc);
                }
                rules.push(rule);
                end = run_end;
            }
            let body = json!({
                "LoadBalancerId": self.load_balancer_id.as_str(),
                "ModifyList": rules,
            });
            let result = self
                .write_task::<Nothing>("BatchModifyTargetWeight", body)
                .await
                .map(|_| ());
            out.push((start..end, result));
            start = end;
        }
        out
    }
}
