//! Draining backends out of rotation, and back.
//!
//! A drain is planned first ([`plan_drain`]: one listing, and the target's
//! [`describe`](crate::BackendProvider::describe) for the grace when none is given),
//! then executed ([`execute_drain`]): weight 0 (or, where the target has no weights,
//! the admin state set down), a grace period for the open connections, then the
//! removal unless kept. The plan is checked before any write:
//!
//! **Baragon's rule.** A drain that would leave the target with no healthy backend of
//! weight > 0 ([`in_service`](super::in_service)) is refused, unless forced.

use std::time::Duration;

use serde::Serialize;

use super::{effective_health, in_service, Selector, WorkflowError};
use crate::{
    Backend, BackendProvider, BackendProviderExt, BackendUpdate, Error, ErrorKind, ResourceId,
    Weight,
};

/// The grace of a drain when neither the caller nor the target says
/// ([`TargetInfo::drain_timeout`](crate::TargetInfo::drain_timeout)).
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

/// How a drain takes a backend out of rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Method {
    /// Weight 0.
    Weight,
    /// Admin state down: the target has no weights (an APIG channel of a type without
    /// weights).
    Disable,
}

/// Where the grace came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GraceSource {
    /// The caller gave it.
    Given,
    /// The target's connection-drain timeout.
    Target,
    /// [`DEFAULT_GRACE`].
    Default,
}

/// What the caller asks of a drain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainOptions {
    /// The grace; `None`: the target's drain timeout, else [`DEFAULT_GRACE`].
    pub grace: Option<Duration>,
    /// Leave the backends registered (at weight 0 / disabled).
    pub keep: bool,
    /// Drain even if no healthy backend of weight > 0 would be left.
    pub force: bool,
}

impl DrainOptions {
    /// The defaults: the target's grace, then remove, never forced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the grace.
    #[must_use]
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// Keep the backends registered.
    #[must_use]
    pub fn keep(mut self, keep: bool) -> Self {
        self.keep = keep;
        self
    }

    /// Override Baragon's rule.
    #[must_use]
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// One backend to drain, as it was before.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DrainItem {
    /// Its id.
    pub id: String,
    /// Its address.
    pub address: Option<String>,
    /// Its port.
    pub port: Option<u16>,
    /// Its weight before the drain: what `undrain --weight` restores.
    pub weight_before: Option<u16>,
    /// Its admin state before the drain.
    pub admin_state_before: String,
    /// Its health when planned.
    pub health: String,
}

/// One step of a drain.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DrainStep {
    /// Set the backend's weight to 0.
    SetWeight {
        /// The backend.
        id: String,
        /// Its weight before.
        from: Option<u16>,
        /// 0.
        to: u16,
    },
    /// Set the backend's admin state down (no weights on this target).
    Disable {
        /// The backend.
        id: String,
    },
    /// Let open connections finish.
    Wait {
        /// How long, in seconds.
        seconds: f64,
    },
    /// Deregister the backend.
    Remove {
        /// The backend.
        id: String,
    },
}

impl std::fmt::Display for DrainStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SetWeight { id, from, to } => match from {
                Some(w) => write!(f, "set the weight of {id} from {w} to {to}"),
                None => write!(f, "set the weight of {id} to {to}"),
            },
            Self::Disable { id } => write!(f, "disable {id} (admin state down)"),
            Self::Wait { seconds } => write!(f, "wait {seconds}s for open connections"),
            Self::Remove { id } => write!(f, "remove {id}"),
        }
    }
}

/// A checked drain, ready to run: nothing has been written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DrainPlan {
    /// The target, as text.
    pub target: String,
    /// Weight 0, or disable.
    pub method: Method,
    /// The grace, in seconds.
    pub grace_seconds: f64,
    /// Where the grace came from.
    pub grace_source: GraceSource,
    /// The backends, as they were.
    pub backends: Vec<DrainItem>,
    /// The steps, in order.
    pub steps: Vec<DrainStep>,
    /// Backends of the target in service once these are drained.
    pub left_in_service: usize,
    /// What the caller should know (a method other than the weight, a forced drain).
    pub notes: Vec<String>,
    #[serde(skip)]
    grace: Duration,
}

impl DrainPlan {
    /// The grace.
    pub fn grace(&self) -> Duration {
        self.grace
    }
}

fn text_of(state: crate::AdminState) -> String {
    match state {
        crate::AdminState::Up => "up".into(),
        crate::AdminState::Down => "down".into(),
        _ => "not_reported".into(),
    }
}

/// Check a drain of `selection` and lay out its steps; nothing is written.
///
/// Refused ([`WorkflowError::Refused`]) when the drain would leave no backend of the
/// target in service, unless `options.force`; an error when a selected backend is not
/// there or the target can neither weigh nor disable its backends.
pub async fn plan_drain<P: BackendProvider + ?Sized>(
    provider: &P,
    selection: &[Selector],
    options: DrainOptions,
) -> Result<DrainPlan, WorkflowError> {
    if selection.is_empty() {
        return Err(Error::invalid_input("nothing to drain: name at least one backend").into());
    }
    let kind = provider.kind();
    let caps = provider.capabilities();
    let mut notes = Vec::new();
    let method = match caps.max_weight {
        Some(_) if caps.update => Method::Weight,
        None if caps.update && caps.admin_state => {
            notes.push(format!(
                "{kind} backends have no weight here: drain disables them (admin state down) instead"
            ));
            Method::Disable
        }
        _ => {
            return Err(Error::unsupported(
                kind,
                "draining a backend (no weight nor admin state to set)",
            )
            .into())
        }
    };
    if !options.keep && !caps.remove {
        return Err(
            Error::unsupported(kind, "removing a backend (drain with --keep instead)").into(),
        );
    }
    let all = provider.collect_all().await?;
    let mut chosen: Vec<&Backend> = Vec::new();
    for s in selection {
        let b = all.iter().find(|b| s.matches(b)).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "backend {s} is not among the backends of {}",
                    provider.target()
                ),
            )
        })?;
        if !chosen.iter().any(|c| c.id == b.id) {
            chosen.push(b);
        }
    }
    let left_in_service = all
        .iter()
        .filter(|b| !chosen.iter().any(|c| c.id == b.id) && in_service(b))
        .count();
    if left_in_service == 0 {
        let names: Vec<&str> = chosen.iter().map(|b| b.id.as_str()).collect();
        let why = format!(
            "draining {} would leave {} with no healthy backend of weight > 0 (Baragon's rule: \
             never drain the last one); nothing was written; --force drains anyway",
            names.join(", "),
            provider.target()
        );
        if !options.force {
            return Err(WorkflowError::Refused(why));
        }
        notes.push(format!("forced: {why}"));
    }
    let (grace, grace_source) = match options.grace {
        Some(g) => (g, GraceSource::Given),
        None => match provider.describe().await.map(|i| i.drain_timeout) {
            Ok(Some(g)) => (g, GraceSource::Target),
            Ok(None) => (DEFAULT_GRACE, GraceSource::Default),
            Err(e) => {
                if e.kind() != ErrorKind::Unsupported {
                    notes.push(format!("the target's drain timeout could not be read ({e}); using the default grace"));
                }
                (DEFAULT_GRACE, GraceSource::Default)
            }
        },
    };
    let mut steps = Vec::new();
    for b in &chosen {
        steps.push(match method {
            Method::Weight => DrainStep::SetWeight {
                id: b.id.clone(),
                from: b.weight,
                to: 0,
            },
            Method::Disable => DrainStep::Disable { id: b.id.clone() },
        });
    }
    steps.push(DrainStep::Wait {
        seconds: grace.as_secs_f64(),
    });
    if !options.keep {
        steps.extend(
            chosen
                .iter()
                .map(|b| DrainStep::Remove { id: b.id.clone() }),
        );
    }
    Ok(DrainPlan {
        target: provider.target().to_string(),
        method,
        grace_seconds: grace.as_secs_f64(),
        grace_source,
        backends: chosen
            .iter()
            .map(|b| DrainItem {
                id: b.id.clone(),
                address: b.address.map(|a| a.to_string()),
                port: b.port,
                weight_before: b.weight,
                admin_state_before: text_of(b.admin_state),
                health: effective_health(b).label(),
            })
            .collect(),
        steps,
        left_in_service,
        notes,
        grace,
    })
}

/// Run the steps of `plan` in order; `on_step` hears of each before it runs. The
/// weight (or admin state) changes go in one [`update_many`] and the removals in one
/// [`remove_many`] (the provider's batch calls where it has them). Stops at the first
/// failure. A backend already gone when removed is success.
///
/// [`update_many`]: BackendProvider::update_many
/// [`remove_many`]: BackendProvider::remove_many
pub async fn execute_drain<P: BackendProvider + ?Sized>(
    provider: &P,
    plan: &DrainPlan,
    on_step: &mut (dyn FnMut(&DrainStep) + Send),
) -> Result<(), WorkflowError> {
    let mut i = 0;
    while i < plan.steps.len() {
        match &plan.steps[i] {
            DrainStep::Wait { .. } => {
                on_step(&plan.steps[i]);
                tokio::time::sleep(plan.grace).await;
                i += 1;
            }
            DrainStep::SetWeight { .. } | DrainStep::Disable { .. } => {
                let mut changes = Vec::new();
                while let Some(step) = plan.steps.get(i) {
                    let change = match step {
                        DrainStep::SetWeight { to, .. } => {
                            BackendUpdate::new().with_weight(Weight::new(i64::from(*to))?)
                        }
                        DrainStep::Disable { .. } => BackendUpdate::new().with_admin_up(false),
                        _ => break,
                    };
                    let (DrainStep::SetWeight { id, .. } | DrainStep::Disable { id }) = step else {
                        break;
                    };
                    on_step(step);
                    changes.push((ResourceId::new(id.clone())?, change));
                    i += 1;
                }
                for result in provider.update_many(&changes).await {
                    result?;
                }
            }
            DrainStep::Remove { .. } => {
                let mut ids = Vec::new();
                while let Some(step @ DrainStep::Remove { id }) = plan.steps.get(i) {
                    on_step(step);
                    ids.push(ResourceId::new(id.clone())?);
                    i += 1;
                }
                for result in provider.remove_many(&ids).await {
                    match result {
                        Ok(_) => {}
                        Err(e) if e.kind() == ErrorKind::NotFound => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    }
    Ok(())
}

/// Put a drained backend back: its weight to `weight` (required where the target has
/// weights), or, where it has none, its admin state up. Returns it as it now is.
pub async fn undrain<P: BackendProvider + ?Sized>(
    provider: &P,
    selector: &Selector,
    weight: Option<Weight>,
) -> Result<Backend, WorkflowError> {
    let caps = provider.capabilities();
    let change = match (caps.max_weight, weight) {
        (Some(_), Some(w)) => BackendUpdate::new().with_weight(w),
        (Some(_), None) => {
            return Err(Error::invalid_input(
                "give the weight to restore (--weight W; drain printed the weight before)",
            )
            .into())
        }
        (None, _) if caps.admin_state => BackendUpdate::new().with_admin_up(true),
        (None, _) => {
            return Err(Error::unsupported(
                provider.kind(),
                "undraining (no weight nor admin state)",
            )
            .into())
        }
    };
    let id = match selector {
        Selector::Id(id) => id.clone(),
        Selector::Address { .. } => {
            let all = provider.collect_all().await?;
            let b = all.iter().find(|b| selector.matches(b)).ok_or_else(|| {
                Error::new(ErrorKind::NotFound, format!("no backend at {selector}"))
            })?;
            ResourceId::new(b.id.clone())?
        }
    };
    provider.check_update(&id, &change)?;
    Ok(provider.update(&id, &change).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        workflow::fake::{backend, Fake},
        Capabilities, Health,
    };

    fn sel(s: &str) -> Selector {
        s.parse().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_healthy_backend_is_never_drained_without_force() {
        let fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 10, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 10, Health::Unhealthy),
            backend("m3", "10.0.0.3", 80, 0, Health::Healthy),
        ]);
        let err = plan_drain(&fake, &[sel("m1")], DrainOptions::new())
            .await
            .unwrap_err();
        let WorkflowError::Refused(why) = err else {
            panic!("{err}")
        };
        assert!(why.contains("Baragon"), "{why}");
        assert!(fake.writes().is_empty());
        let plan = plan_drain(&fake, &[sel("m1")], DrainOptions::new().force(true))
            .await
            .unwrap();
        assert!(plan.notes[0].starts_with("forced"), "{:?}", plan.notes);
    }

    #[tokio::test(start_paused = true)]
    async fn a_drain_sets_weight_zero_waits_then_removes() {
        let mut fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 10, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 7, Health::Healthy),
        ]);
        fake.drain_timeout = Some(Duration::from_secs(12));
        let plan = plan_drain(&fake, &[sel("10.0.0.2:80")], DrainOptions::new())
            .await
            .unwrap();
        assert_eq!(plan.grace_source, GraceSource::Target);
        assert_eq!(plan.backends[0].weight_before, Some(7));
        assert_eq!(plan.steps.len(), 3);
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        execute_drain(&fake, &plan, &mut |s| seen.push(s.to_string()))
            .await
            .unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(12));
        assert_eq!(fake.writes(), ["update m2", "remove m2"]);
        assert_eq!(seen[0], "set the weight of m2 from 7 to 0");
        let back = undrain(&fake, &sel("m1"), Some(Weight::new(3).unwrap()))
            .await
            .unwrap();
        assert_eq!(back.weight, Some(3));
        assert!(undrain(&fake, &sel("m1"), None).await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn several_backends_are_drained_in_batches_in_order() {
        let fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 10, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 7, Health::Healthy),
            backend("m3", "10.0.0.3", 80, 7, Health::Healthy),
        ]);
        let plan = plan_drain(
            &fake,
            &[sel("m1"), sel("10.0.0.2:80"), sel("m1")],
            DrainOptions::new(),
        )
        .await
        .unwrap();
        assert_eq!(
            plan.backends.len(),
            2,
            "a backend named twice is drained once"
        );
        assert_eq!(plan.grace_source, GraceSource::Default);
        assert_eq!(plan.grace(), DEFAULT_GRACE);
        let mut steps = 0;
        execute_drain(&fake, &plan, &mut |_| steps += 1)
            .await
            .unwrap();
        assert_eq!(steps, 5);
        assert_eq!(
            fake.writes(),
            ["update m1", "update m2", "remove m1", "remove m2"]
        );
        assert!(plan_drain(&fake, &[sel("m9")], DrainOptions::new())
            .await
            .is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn without_weights_drain_disables_and_says_so() {
        let mut fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 10, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 7, Health::Healthy),
        ]);
        fake.caps = Capabilities::ALL.with_max_weight(None);
        let plan = plan_drain(
            &fake,
            &[sel("m1")],
            DrainOptions::new()
                .keep(true)
                .with_grace(Duration::from_secs(1)),
        )
        .await
        .unwrap();
        assert_eq!(plan.method, Method::Disable);
        assert!(plan.notes[0].contains("disables"), "{:?}", plan.notes);
        assert_eq!(plan.grace_source, GraceSource::Given);
        execute_drain(&fake, &plan, &mut |_| {}).await.unwrap();
        assert_eq!(fake.writes(), ["update m1"]);
        assert_eq!(fake.backends()[0].admin_state, crate::AdminState::Down);
    }
}
