//! Desired state: what a target should hold, the plan that gets it there
//! ([`plan_target`], a pure function of the current listing and the desired backends),
//! and the executor that applies a plan ([`apply_target`]) with the providers' batch
//! operations.
//!
//! **What is compared.** A desired backend is matched to a current one by place and
//! port ([`same_place`](super::same_place): the address, or the instance for a backend
//! given by instance). A match whose weight or name differs from what is desired (where
//! the file gives them) is an update; one that agrees is unchanged. A desired backend
//! with no match is an add. A current backend that nothing desired matches is an extra:
//! left alone, or removed with `prune`.
//!
//! **Safety.** With `prune`, a plan that removes more than `max_remove` backends
//! (default: a quarter of the target's current backends, rounded up, at least 1), or
//! that would leave no backend in service while adding none, is refused before
//! anything is sent, unless `force`.
//!
//! **Order.** Adds first (one batch), then updates (one batch); then, when backends
//! were added and removals follow (or waiting was asked for), a wait until the added
//! backends are healthy; then removals (one batch). Capacity never dips: nothing is
//! removed before what replaces it serves. A target whose adds do not turn healthy in
//! time has nothing removed.

use serde::Serialize;

use super::{in_service, wait::wait_for, Condition, Selector, WaitOptions, WorkflowError};
use crate::{
    Backend, BackendName, BackendProvider, BackendUpdate, Capabilities, Error, ErrorKind,
    NewBackend, Port, ResourceId, Result, Weight,
};
use std::net::IpAddr;

/// The share of a target's current backends that a prune may remove unless told
/// otherwise (rounded up, at least 1).
pub const DEFAULT_MAX_REMOVE_FRACTION: f64 = 0.25;

/// Where a desired backend is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Place {
    /// At this address.
    Address(IpAddr),
    /// This cloud instance (where the target adds by instance).
    Instance(ResourceId),
}

/// One backend a target should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DesiredBackend {
    /// Where it is.
    pub place: Place,
    /// Its port; `None`: any (matched by place alone; needed to add it).
    pub port: Option<Port>,
    /// Its weight; `None`: whatever it has (the provider's default when added).
    pub weight: Option<Weight>,
    /// Its name; `None`: whatever it has.
    pub name: Option<BackendName>,
    /// The subnet of its address, used when adding (ELB `subnet_cidr_id`).
    pub subnet: Option<ResourceId>,
}

impl DesiredBackend {
    /// A backend at `place` and `port`, nothing else said.
    pub fn new(place: Place, port: Port) -> Self {
        Self::at(place, Some(port))
    }

    /// A backend at `place`, on `port` when given.
    pub fn at(place: Place, port: Option<Port>) -> Self {
        Self {
            place,
            port,
            weight: None,
            name: None,
            subnet: None,
        }
    }

    /// Set the weight.
    #[must_use]
    pub fn with_weight(mut self, weight: Weight) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Set the name.
    #[must_use]
    pub fn with_name(mut self, name: BackendName) -> Self {
        self.name = Some(name);
        self
    }

    /// Set the subnet.
    #[must_use]
    pub fn with_subnet(mut self, subnet: ResourceId) -> Self {
        self.subnet = Some(subnet);
        self
    }

    /// The spec that adds it; an error when it has no port.
    pub fn spec(&self) -> Result<NewBackend> {
        let port = self.port.ok_or_else(|| {
            Error::invalid_input(format!(
                "backend {} has no port: give one to add it",
                self.label()
            ))
        })?;
        let mut spec = match &self.place {
            Place::Address(a) => NewBackend::new(*a, port),
            Place::Instance(i) => NewBackend::instance(i.clone(), port),
        };
        spec.weight = self.weight;
        spec.name.clone_from(&self.name);
        spec.subnet_id.clone_from(&self.subnet);
        Ok(spec)
    }

    /// Whether `backend` is this one: the same place (address, or instance), and the
    /// same port where both sides give one (an APIG member on its channel's port
    /// reports none).
    pub fn matches(&self, backend: &Backend) -> bool {
        let place = match &self.place {
            Place::Address(a) => backend.address == Some(*a),
            Place::Instance(i) => backend
                .instance
                .as_ref()
                .is_some_and(|x| x.id == i.as_str()),
        };
        place
            && match (self.port, backend.port) {
                (Some(p), Some(q)) => p.get() == q,
                _ => true,
            }
    }

    /// `ADDRESS:PORT` or `INSTANCE:PORT` (no `:PORT` without a port).
    pub fn label(&self) -> String {
        let place = match &self.place {
            Place::Address(IpAddr::V6(a)) if self.port.is_some() => format!("[{a}]"),
            Place::Address(a) => a.to_string(),
            Place::Instance(i) => i.to_string(),
        };
        match self.port {
            Some(p) => format!("{place}:{p}"),
            None => place,
        }
    }
}

/// Refuse a list that names the same place and port twice.
pub fn check_unique(desired: &[DesiredBackend]) -> Result<()> {
    for (i, d) in desired.iter().enumerate() {
        if desired[..i]
            .iter()
            .any(|e| e.place == d.place && e.port == d.port)
        {
            return Err(Error::invalid_input(format!(
                "backend {} is listed twice",
                d.label()
            )));
        }
    }
    Ok(())
}

/// What a row of a plan does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Register a desired backend that is not there.
    Add,
    /// Change a backend's weight or name.
    Update,
    /// Deregister a backend nothing desired matches (with prune).
    Remove,
    /// Already as desired.
    Unchanged,
    /// Not desired, left alone (no prune).
    Extra,
}

/// One row of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Row {
    /// What it does.
    pub action: Action,
    /// The backend's id, when it exists.
    pub id: Option<String>,
    /// `ADDRESS:PORT` (or `INSTANCE:PORT`).
    pub backend: String,
    /// The weight it will have (desired, else current).
    pub weight: Option<u16>,
    /// The weight it has now, when it exists.
    pub weight_before: Option<u16>,
    /// The name it will have.
    pub name: Option<String>,
    /// What an update changes (`weight 10 -> 20`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    #[serde(skip)]
    desired: Option<usize>,
    #[serde(skip)]
    update: Option<BackendUpdate>,
}

/// How many rows of each action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Counts {
    /// Adds.
    pub add: usize,
    /// Updates.
    pub update: usize,
    /// Removals.
    pub remove: usize,
    /// Unchanged.
    pub unchanged: usize,
    /// Extras left alone.
    pub extra: usize,
}

/// The plan of one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TargetPlan {
    /// The target, as text.
    pub target: String,
    /// Rows of each action.
    pub counts: Counts,
    /// Why the plan is refused (a safety rule), when it is: nothing will be sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// The rows: adds, updates, removals, unchanged, extras.
    pub rows: Vec<Row>,
}

impl TargetPlan {
    /// Whether applying it writes anything.
    pub fn has_changes(&self) -> bool {
        self.counts.add + self.counts.update + self.counts.remove > 0
    }
}

/// What a plan may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Remove the backends nothing desired matches.
    pub prune: bool,
    /// Remove at most this many (default [`DEFAULT_MAX_REMOVE_FRACTION`] of the current).
    pub max_remove: Option<usize>,
    /// Override the safety rules.
    pub force: bool,
}

impl PlanOptions {
    /// No prune, default limits, not forced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set prune.
    #[must_use]
    pub fn prune(mut self, prune: bool) -> Self {
        self.prune = prune;
        self
    }

    /// Set the removal limit.
    #[must_use]
    pub fn max_remove(mut self, max: Option<usize>) -> Self {
        self.max_remove = max;
        self
    }

    /// Set force.
    #[must_use]
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

fn place_of(b: &Backend) -> String {
    match (b.address, b.port) {
        (Some(IpAddr::V6(a)), Some(p)) => format!("[{a}]:{p}"),
        (Some(a), Some(p)) => format!("{a}:{p}"),
        (Some(a), None) => a.to_string(),
        (None, _) => b.id.clone(),
    }
}

/// The plan that takes `current` to `desired` on `target`: a pure function, nothing
/// is sent. `desired` must be [`check_unique`].
///
/// ```
/// use lb_backends_core::{workflow::desired::*, Backend, Capabilities, Port, ProviderKind, Weight};
/// let mut web1 = Backend::new(ProviderKind::HuaweiElb, "m1");
/// web1.address = Some("10.0.0.1".parse().unwrap());
/// web1.port = Some(80);
/// web1.weight = Some(5);
/// let want = [
///     DesiredBackend::new(Place::Address("10.0.0.1".parse().unwrap()), Port::new(80)?).with_weight(Weight::new(10)?),
///     DesiredBackend::new(Place::Address("10.0.0.2".parse().unwrap()), Port::new(80)?),
/// ];
/// let target = "huawei-elb:pool-1".parse()?;
/// let plan = plan_target(&target, &[web1], &want, Capabilities::ALL, &PlanOptions::new());
/// assert_eq!((plan.counts.update, plan.counts.add), (1, 1));
/// assert_eq!(plan.rows[1].changes, ["weight 5 -> 10"]);
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
pub fn plan_target(
    target: &crate::Target,
    current: &[Backend],
    desired: &[DesiredBackend],
    caps: Capabilities,
    options: &PlanOptions,
) -> TargetPlan {
    let mut taken = vec![false; current.len()];
    let mut adds = Vec::new();
    let mut updates = Vec::new();
    let mut unchanged = Vec::new();
    for (di, d) in desired.iter().enumerate() {
        let found = current
            .iter()
            .enumerate()
            .find(|(i, b)| !taken[*i] && d.matches(b));
        match found {
            None => adds.push(Row {
                action: Action::Add,
                id: None,
                backend: d.label(),
                weight: d.weight.map(Weight::get),
                weight_before: None,
                name: d.name.as_ref().map(ToString::to_string),
                changes: Vec::new(),
                desired: Some(di),
                update: None,
            }),
            Some((i, b)) => {
                taken[i] = true;
                let mut change = BackendUpdate::new();
                let mut changes = Vec::new();
                if let (Some(w), Some(_)) = (d.weight, caps.max_weight) {
                    if b.weight != Some(w.get()) {
                        changes.push(format!(
                            "weight {} -> {w}",
                            b.weight.map_or_else(|| "-".to_owned(), |x| x.to_string())
                        ));
                        change = change.with_weight(w);
                    }
                }
                if let Some(n) = &d.name {
                    if b.name.as_deref() != Some(n.as_str()) {
                        changes.push(format!("name {} -> {n}", b.name.as_deref().unwrap_or("-")));
                        change = change.with_name(n.clone());
                    }
                }
                let row = Row {
                    action: if changes.is_empty() {
                        Action::Unchanged
                    } else {
                        Action::Update
                    },
                    id: Some(b.id.clone()),
                    backend: place_of(b),
                    weight: d.weight.map(Weight::get).or(b.weight),
                    weight_before: b.weight,
                    name: d
                        .name
                        .as_ref()
                        .map(ToString::to_string)
                        .or_else(|| b.name.clone()),
                    changes,
                    desired: Some(di),
                    update: (!change.is_empty()).then_some(change),
                };
                if row.action == Action::Update {
                    updates.push(row);
                } else {
                    unchanged.push(row);
                }
            }
        }
    }
    let extras: Vec<Row> = current
        .iter()
        .enumerate()
        .filter(|(i, _)| !taken[*i])
        .map(|(_, b)| Row {
            action: if options.prune {
                Action::Remove
            } else {
                Action::Extra
            },
            id: Some(b.id.clone()),
            backend: place_of(b),
            weight: b.weight,
            weight_before: b.weight,
            name: b.name.clone(),
            changes: Vec::new(),
            desired: None,
            update: None,
        })
        .collect();
    let counts = Counts {
        add: adds.len(),
        update: updates.len(),
        remove: extras.iter().filter(|r| r.action == Action::Remove).count(),
        unchanged: unchanged.len(),
        extra: extras.iter().filter(|r| r.action == Action::Extra).count(),
    };
    let mut refused = None;
    if counts.remove > 0 && !options.force {
        let max = options
            .max_remove
            .unwrap_or_else(|| default_max_remove(current.len()));
        let kept_in_service = current
            .iter()
            .enumerate()
            .filter(|(i, b)| taken[*i] && in_service(b))
            .count();
        if counts.remove > max {
            refused = Some(format!(
                "the plan removes {} backends of {target}, more than the limit of {max} \
                 (--max-remove); nothing was sent; --force removes them all",
                counts.remove
            ));
        } else if kept_in_service == 0 && counts.add == 0 {
            refused = Some(format!(
                "the plan removes the last healthy backend of {target} and adds none; \
                 nothing was sent; --force removes it anyway"
            ));
        }
    }
    let mut rows = adds;
    rows.extend(updates);
    rows.extend(
        extras
            .iter()
            .filter(|r| r.action == Action::Remove)
            .cloned(),
    );
    rows.extend(unchanged);
    rows.extend(extras.into_iter().filter(|r| r.action == Action::Extra));
    TargetPlan {
        target: target.to_string(),
        counts,
        refused,
        rows,
    }
}

/// The default `--max-remove` for a target of `current` backends.
pub fn default_max_remove(current: usize) -> usize {
    ((current as f64 * DEFAULT_MAX_REMOVE_FRACTION).ceil() as usize).max(1)
}

/// How applying went wrong for a row or a target, coarse enough for an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A safety rule refused the plan.
    Refused,
    /// The added backends did not turn healthy in time.
    TimedOut,
    /// A call failed with this kind.
    Error(ErrorKind),
}

/// How one row went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RowOutcome {
    /// What the row was to do.
    pub action: Action,
    /// The backend's id (after an add, the new one).
    pub id: Option<String>,
    /// `ADDRESS:PORT`.
    pub backend: String,
    /// `added`, `exists`, `updated`, `removed`, `already_gone`, `unchanged`, `extra`,
    /// `skipped` or `failed`.
    pub result: &'static str,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    problem: Option<Problem>,
}

impl RowOutcome {
    /// What went wrong, if anything.
    pub fn problem(&self) -> Option<Problem> {
        self.problem
    }
}

/// How applying one target went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TargetOutcome {
    /// The target.
    pub target: String,
    /// Writes sent that changed something.
    pub changed: usize,
    /// One per row of the plan.
    pub rows: Vec<RowOutcome>,
    /// What stopped the target, if anything (a refusal, a wait that timed out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    problem: Option<Problem>,
}

impl TargetOutcome {
    /// Every problem of the target and its rows.
    pub fn problems(&self) -> Vec<Problem> {
        self.problem
            .into_iter()
            .chain(self.rows.iter().filter_map(|r| r.problem))
            .collect()
    }

    /// A target that could not be planned (its listing failed).
    pub fn failed(target: &crate::Target, error: &Error) -> Self {
        Self {
            target: target.to_string(),
            changed: 0,
            rows: Vec::new(),
            error: Some(error.to_string()),
            problem: Some(Problem::Error(error.kind())),
        }
    }
}

/// What [`apply_target`] tells as it goes.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApplyEvent<'a> {
    /// A batch is about to be sent: `add`, `update` or `remove`, and its size.
    Batch(&'static str, usize),
    /// Waiting for the added backends to be healthy.
    Waiting(usize),
    /// What the waiter reports.
    Wait(super::WaitEvent<'a>),
}

/// How to apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// Wait until the added backends are healthy even when no removal follows.
    pub wait: bool,
    /// How to wait (before removals always; after adds with `wait`).
    pub wait_options: WaitOptions,
}

impl ApplyOptions {
    /// Wait (or not), with these options.
    pub fn new(wait: bool, wait_options: WaitOptions) -> Self {
        Self { wait, wait_options }
    }
}

fn outcome(row: &Row, result: &'static str) -> RowOutcome {
    RowOutcome {
        action: row.action,
        id: row.id.clone(),
        backend: row.backend.clone(),
        result,
        error: None,
        problem: None,
    }
}

fn failed(row: &Row, e: &Error) -> RowOutcome {
    RowOutcome {
        error: Some(e.to_string()),
        problem: Some(Problem::Error(e.kind())),
        ..outcome(row, "failed")
    }
}

/// Apply `plan` (made by [`plan_target`] from `desired`) to `provider`'s target, in
/// the order of the module's rules; every row's outcome is reported, and one failing
/// row does not stop the others of its batch.
pub async fn apply_target<P: BackendProvider + ?Sized>(
    provider: &P,
    plan: &TargetPlan,
    desired: &[DesiredBackend],
    options: &ApplyOptions,
    on_event: &mut (dyn for<'e> FnMut(ApplyEvent<'e>) + Send),
) -> TargetOutcome {
    let mut out = TargetOutcome {
        target: plan.target.clone(),
        changed: 0,
        rows: plan
            .rows
            .iter()
            .map(|r| {
                outcome(
                    r,
                    match r.action {
                        Action::Extra => "extra",
                        Action::Unchanged => "unchanged",
                        _ => "skipped",
                    },
                )
            })
            .collect(),
        error: None,
        problem: None,
    };
    if let Some(why) = &plan.refused {
        out.error = Some(format!("refused: {why}"));
        out.problem = Some(Problem::Refused);
        return out;
    }
    let at = |action: Action| -> Vec<usize> {
        plan.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.action == action)
            .map(|(i, _)| i)
            .collect()
    };
    // 1. adds, one batch
    let add_rows = at(Action::Add);
    let mut added: Vec<Selector> = Vec::new();
    if !add_rows.is_empty() {
        let mut specs: Vec<NewBackend> = Vec::new();
        let mut sent = Vec::new();
        for &i in &add_rows {
            let spec = plan.rows[i]
                .desired
                .and_then(|d| desired.get(d))
                .ok_or_else(|| Error::invalid_input("the plan does not match the desired backends"))
                .and_then(DesiredBackend::spec)
                .and_then(|s| provider.check_add(&s).map(|()| s));
            match spec {
                Ok(s) => {
                    specs.push(s);
                    sent.push(i);
                }
                Err(e) => out.rows[i] = failed(&plan.rows[i], &e),
            }
        }
        on_event(ApplyEvent::Batch("add", specs.len()));
        let results = if specs.is_empty() {
            Vec::new()
        } else {
            provider.add_many(&specs).await
        };
        for (k, &i) in sent.iter().enumerate() {
            let row = &plan.rows[i];
            out.rows[i] = match results.get(k) {
                Some(Ok(o)) => {
                    if let Ok(id) = ResourceId::new(o.value.id.clone()) {
                        added.push(Selector::Id(id));
                    }
                    if !o.unchanged {
                        out.changed += 1;
                    }
                    RowOutcome {
                        id: Some(o.value.id.clone()),
                        ..outcome(row, if o.unchanged { "exists" } else { "added" })
                    }
                }
                Some(Err(e)) if e.kind() == ErrorKind::Conflict => outcome(row, "exists"),
                Some(Err(e)) => failed(row, e),
                None => failed(
                    row,
                    &Error::new(ErrorKind::Decode, "no result from the batch"),
                ),
            };
        }
    }
    // 2. updates, one batch
    let update_rows = at(Action::Update);
    if !update_rows.is_empty() {
        let mut changes = Vec::new();
        let mut sent = Vec::new();
        for &i in &update_rows {
            let row = &plan.rows[i];
            let id = row.id.clone().map(ResourceId::new);
            match (id, &row.update) {
                (Some(Ok(id)), Some(change)) => match provider.check_update(&id, change) {
                    Ok(()) => {
                        changes.push((id, change.clone()));
                        sent.push(i);
                    }
                    Err(e) => out.rows[i] = failed(row, &e),
                },
                (Some(Err(e)), _) => out.rows[i] = failed(row, &e),
                _ => {}
            }
        }
        if !changes.is_empty() {
            on_event(ApplyEvent::Batch("update", changes.len()));
            let results = provider.update_many(&changes).await;
            for (k, &i) in sent.iter().enumerate() {
                let row = &plan.rows[i];
                out.rows[i] = match results.get(k) {
                    Some(Ok(_)) => {
                        out.changed += 1;
                        outcome(row, "updated")
                    }
                    Some(Err(e)) => failed(row, e),
                    None => failed(
                        row,
                        &Error::new(ErrorKind::Decode, "no result from the batch"),
                    ),
                };
            }
        }
    }
    // 3. wait until the added backends are healthy (always before removals)
    let remove_rows = at(Action::Remove);
    if !added.is_empty() && (options.wait || !remove_rows.is_empty()) {
        on_event(ApplyEvent::Waiting(added.len()));
        let waited = wait_for(
            provider,
            &added,
            Condition::Healthy,
            &options.wait_options,
            &mut |e| on_event(ApplyEvent::Wait(e)),
        )
        .await;
        if let Err(e) = waited {
            let (problem, text) = match &e {
                WorkflowError::TimedOut(t) => (Problem::TimedOut, t.to_string()),
                WorkflowError::Failed(e) => (Problem::Error(e.kind()), e.to_string()),
                other => (Problem::Error(ErrorKind::Service), other.to_string()),
            };
            for &i in &remove_rows {
                out.rows[i].error = Some("not removed: the added backends are not healthy".into());
            }
            out.error = Some(text);
            out.problem = Some(problem);
            return out;
        }
    }
    // 4. removals, one batch
    if !remove_rows.is_empty() {
        let mut ids = Vec::new();
        let mut sent = Vec::new();
        for &i in &remove_rows {
            match plan.rows[i].id.clone().map(ResourceId::new) {
                Some(Ok(id)) => {
                    ids.push(id);
                    sent.push(i);
                }
                Some(Err(e)) => out.rows[i] = failed(&plan.rows[i], &e),
                None => {}
            }
        }
        on_event(ApplyEvent::Batch("remove", ids.len()));
        let results = provider.remove_many(&ids).await;
        for (k, &i) in sent.iter().enumerate() {
            let row = &plan.rows[i];
            out.rows[i] = match results.get(k) {
                Some(Ok(o)) if o.unchanged => outcome(row, "already_gone"),
                Some(Ok(_)) => {
                    out.changed += 1;
                    outcome(row, "removed")
                }
                Some(Err(e)) if e.kind() == ErrorKind::NotFound => outcome(row, "already_gone"),
                Some(Err(e)) => failed(row, e),
                None => failed(
                    row,
                    &Error::new(ErrorKind::Decode, "no result from the batch"),
                ),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{
        workflow::fake::{backend, Fake},
        Health,
    };

    fn want(addr: &str, port: u16, weight: Option<u16>) -> DesiredBackend {
        let mut d = DesiredBackend::new(
            Place::Address(addr.parse().unwrap()),
            Port::new(i64::from(port)).unwrap(),
        );
        d.weight = weight.map(|w| Weight::new(i64::from(w)).unwrap());
        d
    }

    fn target() -> crate::Target {
        "huawei-elb:pool-1".parse().unwrap()
    }

    #[test]
    fn the_plan_compares_place_weight_and_name() {
        let mut named = backend("m3", "10.0.0.3", 80, 1, Health::Healthy);
        named.name = Some("old".into());
        let current = vec![
            backend("m1", "10.0.0.1", 80, 5, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 5, Health::Healthy),
            named,
            backend("m9", "10.0.0.9", 80, 5, Health::Healthy),
        ];
        let mut rename = want("10.0.0.3", 80, None);
        rename.name = Some(BackendName::new("new").unwrap());
        let desired = vec![
            want("10.0.0.1", 80, Some(5)),
            want("10.0.0.2", 80, Some(7)),
            rename,
            want("10.0.0.4", 80, None),
        ];
        let plan = plan_target(
            &target(),
            &current,
            &desired,
            Capabilities::ALL,
            &PlanOptions::new(),
        );
        let actions: Vec<(Action, &str)> =
            plan.rows.iter().map(|r| (r.action, &*r.backend)).collect();
        assert_eq!(
            actions,
            [
                (Action::Add, "10.0.0.4:80"),
                (Action::Update, "10.0.0.2:80"),
                (Action::Update, "10.0.0.3:80"),
                (Action::Unchanged, "10.0.0.1:80"),
                (Action::Extra, "10.0.0.9:80"),
            ]
        );
        assert_eq!(plan.rows[2].changes, ["name old -> new"]);
        let pruned = plan_target(
            &target(),
            &current,
            &desired,
            Capabilities::ALL,
            &PlanOptions::new().prune(true),
        );
        assert_eq!(pruned.counts.remove, 1);
        assert!(pruned.refused.is_none());
    }

    #[test]
    fn prune_limits_and_the_last_healthy_backend() {
        let current: Vec<Backend> = (0..12)
            .map(|i| {
                backend(
                    &format!("m{i}"),
                    &format!("10.0.1.{i}"),
                    80,
                    1,
                    Health::Healthy,
                )
            })
            .collect();
        let desired = vec![want("10.0.1.0", 80, None), want("10.0.1.1", 80, None)];
        let opts = PlanOptions::new().prune(true).max_remove(Some(5));
        let plan = plan_target(&target(), &current, &desired, Capabilities::ALL, &opts);
        assert_eq!(plan.counts.remove, 10);
        assert!(plan
            .refused
            .as_deref()
            .unwrap()
            .contains("more than the limit of 5"));
        assert!(plan_target(
            &target(),
            &current,
            &desired,
            Capabilities::ALL,
            &opts.force(true)
        )
        .refused
        .is_none());
        // default: a quarter of 12 is 3
        let plan = plan_target(
            &target(),
            &current,
            &desired,
            Capabilities::ALL,
            &PlanOptions::new().prune(true),
        );
        assert!(plan.refused.as_deref().unwrap().contains("limit of 3"));

        let current = vec![
            backend("m1", "10.0.0.1", 80, 1, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 1, Health::Unhealthy),
        ];
        let desired = vec![want("10.0.0.2", 80, None)];
        let plan = plan_target(
            &target(),
            &current,
            &desired,
            Capabilities::ALL,
            &PlanOptions::new().prune(true),
        );
        assert!(
            plan.refused.as_deref().unwrap().contains("last healthy"),
            "{plan:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn apply_adds_waits_healthy_then_removes_and_a_rerun_is_clean() {
        let fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 1, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 1, Health::Healthy),
            backend("m3", "10.0.0.3", 80, 1, Health::Healthy),
            backend("m4", "10.0.0.4", 80, 1, Health::Healthy),
        ])
        .on_list(|_, all| {
            for b in all.iter_mut() {
                if b.health == Health::Pending {
                    b.health = Health::Healthy;
                }
            }
        });
        let desired = vec![
            want("10.0.0.1", 80, Some(3)),
            want("10.0.0.2", 80, None),
            want("10.0.0.3", 80, None),
            want("10.0.0.5", 80, None),
        ];
        let current = fake.backends();
        let plan = plan_target(
            &target(),
            &current,
            &desired,
            Capabilities::ALL,
            &PlanOptions::new().prune(true),
        );
        assert!(plan.refused.is_none(), "{plan:?}");
        let opts = ApplyOptions::new(
            false,
            WaitOptions::new(Duration::from_secs(1), Duration::from_secs(10)),
        );
        let mut batches = Vec::new();
        let out = apply_target(&fake, &plan, &desired, &opts, &mut |e| {
            if let ApplyEvent::Batch(what, n) = e {
                batches.push(format!("{what} {n}"));
            }
        })
        .await;
        assert_eq!(out.problems(), []);
        assert_eq!(batches, ["add 1", "update 1", "remove 1"]);
        assert_eq!(fake.writes(), ["add 10.0.0.5:80", "update m1", "remove m4"]);
        assert_eq!(out.changed, 3);

        let plan = plan_target(
            &target(),
            &fake.backends(),
            &desired,
            Capabilities::ALL,
            &PlanOptions::new().prune(true),
        );
        assert!(!plan.has_changes(), "{plan:?}");
        let out = apply_target(&fake, &plan, &desired, &opts, &mut |_| {}).await;
        assert_eq!(out.changed, 0);
        assert_eq!(fake.writes().len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_removed_when_the_added_do_not_turn_healthy() {
        let fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 1, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 1, Health::Healthy),
        ]);
        let desired = vec![want("10.0.0.1", 80, None), want("10.0.0.5", 80, None)];
        let plan = plan_target(
            &target(),
            &fake.backends(),
            &desired,
            Capabilities::ALL,
            &PlanOptions::new().prune(true),
        );
        let opts = ApplyOptions::new(
            false,
            WaitOptions::new(Duration::from_secs(1), Duration::from_secs(3)),
        );
        let out = apply_target(&fake, &plan, &desired, &opts, &mut |_| {}).await;
        assert_eq!(out.problems(), [Problem::TimedOut]);
        assert_eq!(fake.writes(), ["add 10.0.0.5:80"]);
    }

    #[test]
    fn duplicates_are_refused() {
        assert!(
            check_unique(&[want("10.0.0.1", 80, None), want("10.0.0.1", 80, Some(1))]).is_err()
        );
        assert!(check_unique(&[want("10.0.0.1", 80, None), want("10.0.0.1", 81, None)]).is_ok());
    }
}
