//! Waiting until selected backends are healthy, present, absent, or at a weight.
//!
//! One poll reads the target once (a listing; or `get` per backend when at most
//! [`GET_AT_MOST`] backends are selected by id), through the provider, so polls go
//! through its transport and count against its rate limit like any call. Between
//! polls the waiter sleeps on tokio's clock (tests pause it).
//!
//! The rules:
//! - an empty selection is an error, never "all healthy";
//! - "healthy" is [`effective_health`]: every listener's health where the cloud
//!   reports it per listener; `pending`, `unknown` and `unhealthy` keep waiting;
//!   a backend with no health check (`unmonitored`, not reported) counts as healthy
//!   ([`counts_as_healthy`]);
//! - a backend that turns unhealthy after having been healthy is reported at once
//!   ([`WaitEvent::Regressed`]) and waited for again;
//! - a poll that fails with a retryable error (after the transport's own retries) is
//!   reported ([`WaitEvent::PollFailed`]) and the waiter goes on; any other error ends
//!   it;
//! - on timeout, [`WaitTimeout`] carries the last observed state of each backend.

use std::{fmt, str::FromStr, time::Duration};

use futures::TryStreamExt;
use serde::Serialize;

use super::{counts_as_healthy, effective_health, Selector, WorkflowError};
use crate::{Backend, BackendProvider, Error, ErrorKind, Health, Result};

/// How long a waiter waits between polls unless told (the CLI's `--interval`).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// How long a waiter waits in all unless told (the CLI's `--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Up to this many backends selected by id are polled with `get`, one call each;
/// more, or any selected by address, with one listing per poll.
pub const GET_AT_MOST: usize = 3;

/// What to wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Condition {
    /// Present and healthy (see the module's rules).
    Healthy,
    /// Present, whatever its health.
    Present,
    /// Gone.
    Absent,
    /// Present at this weight.
    Weight(u16),
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Healthy => f.write_str("healthy"),
            Self::Present => f.write_str("present"),
            Self::Absent => f.write_str("absent"),
            Self::Weight(w) => write!(f, "weight={w}"),
        }
    }
}

impl FromStr for Condition {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "healthy" => Ok(Self::Healthy),
            "present" => Ok(Self::Present),
            "absent" => Ok(Self::Absent),
            _ => match s.strip_prefix("weight=").map(str::parse::<u16>) {
                Some(Ok(w)) => Ok(Self::Weight(w)),
                _ => Err(Error::invalid_input(format!(
                    "{s:?} is not a condition: healthy, present, absent or weight=N"
                ))),
            },
        }
    }
}

/// How often and how long to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Time between polls.
    pub interval: Duration,
    /// Time in all; the last poll is made at this point.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl WaitOptions {
    /// Poll every `interval` for at most `timeout`.
    pub fn new(interval: Duration, timeout: Duration) -> Self {
        Self { interval, timeout }
    }
}

/// What one poll saw of one selected backend.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Observed {
    /// How it was selected.
    pub selector: Selector,
    /// Its id, when it is there.
    pub id: Option<String>,
    /// Its state as one word: `absent`, or its health label (`healthy`, `pending`,
    /// `unhealthy`, `unknown:…`); for a weight condition, `weight N`.
    pub state: String,
    /// Whether it is as waited for.
    pub done: bool,
    /// The backend as seen, when it is there.
    #[serde(skip)]
    pub backend: Option<Backend>,
}

/// What a waiter reports while it runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitEvent<'a> {
    /// A poll ended: every selected backend's state.
    Polled {
        /// Polls so far, this one included.
        round: u32,
        /// One entry per selector, in order.
        states: &'a [Observed],
    },
    /// A backend that had been healthy is unhealthy now.
    Regressed(&'a Observed),
    /// A poll failed with a retryable error; the waiter goes on.
    PollFailed(&'a Error),
}

/// A waiter ran out of time: the last observed state of each backend.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct WaitTimeout {
    /// What was waited for.
    pub condition: Condition,
    /// How long.
    pub timeout: Duration,
    /// The last poll's view, one entry per selector.
    pub last: Vec<Observed>,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting: Vec<String> = self
            .last
            .iter()
            .filter(|o| !o.done)
            .map(|o| format!("{} {}", o.selector, o.state))
            .collect();
        write!(
            f,
            "timed out after {:?} waiting for {} of {} backends to be {}: {}",
            self.timeout,
            waiting.len(),
            self.last.len(),
            self.condition,
            waiting.join(", ")
        )
    }
}

/// Wait until every backend of `selection` meets `condition`, or `options.timeout`
/// passes. Returns the last poll's view. `on_event` hears of each poll, each
/// regression and each failed poll as they happen.
///
/// ```no_run
/// # async fn demo(provider: &dyn lb_backends_core::BackendProvider) -> Result<(), lb_backends_core::workflow::WorkflowError> {
/// use lb_backends_core::workflow::{wait::wait_for, Condition, WaitEvent, WaitOptions};
/// let ids = ["10.0.0.5:80".parse()?];
/// wait_for(provider, &ids, Condition::Healthy, &WaitOptions::default(), &mut |e| {
///     if let WaitEvent::Regressed(o) = e {
///         eprintln!("{} turned {}", o.selector, o.state);
///     }
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn wait_for<P: BackendProvider + ?Sized>(
    provider: &P,
    selection: &[Selector],
    condition: Condition,
    options: &WaitOptions,
    on_event: &mut (dyn for<'e> FnMut(WaitEvent<'e>) + Send),
) -> std::result::Result<Vec<Observed>, WorkflowError> {
    if selection.is_empty() {
        return Err(Error::invalid_input(
            "nothing to wait for: select at least one backend (an empty selection is never \"all healthy\")",
        )
        .into());
    }
    let deadline = tokio::time::Instant::now() + options.timeout;
    let mut was_healthy = vec![false; selection.len()];
    let mut last: Vec<Observed> = selection
        .iter()
        .map(|s| Observed {
            selector: s.clone(),
            id: None,
            state: "not polled".into(),
            done: false,
            backend: None,
        })
        .collect();
    let mut round = 0;
    loop {
        round += 1;
        match observe(provider, selection, condition).await {
            Ok(states) => {
                for (i, o) in states.iter().enumerate() {
                    let health = o.backend.as_ref().map(effective_health);
                    match health {
                        Some(Health::Healthy) => was_healthy[i] = true,
                        Some(Health::Unhealthy) if was_healthy[i] => {
                            was_healthy[i] = false;
                            on_event(WaitEvent::Regressed(o));
                        }
                        _ => {}
                    }
                }
                on_event(WaitEvent::Polled {
                    round,
                    states: &states,
                });
                last = states;
                if last.iter().all(|o| o.done) {
                    return Ok(last);
                }
            }
            Err(e) if e.is_retryable() => on_event(WaitEvent::PollFailed(&e)),
            Err(e) => return Err(e.into()),
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(WaitTimeout {
                condition,
                timeout: options.timeout,
                last,
            }
            .into());
        }
        tokio::time::sleep(options.interval.min(deadline - now)).await;
    }
}

/// One poll: each selected backend's state.
async fn observe<P: BackendProvider + ?Sized>(
    provider: &P,
    selection: &[Selector],
    condition: Condition,
) -> Result<Vec<Observed>> {
    // Waiting for absent always lists: a `get` answers "not found" for a missing
    // target too, which must not pass for a backend gone.
    let by_get = condition != Condition::Absent
        && selection.len() <= GET_AT_MOST
        && selection.iter().all(|s| s.id().is_some());
    let mut found: Vec<Option<Backend>> = Vec::with_capacity(selection.len());
    if by_get {
        for s in selection {
            let Some(id) = s.id() else { continue };
            found.push(match provider.get(id).await {
                Ok(b) => Some(b),
                Err(e) if e.kind() == ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            });
        }
    } else {
        found = vec![None; selection.len()];
        let mut stream = provider.list();
        while let Some(b) = stream.try_next().await? {
            for (i, s) in selection.iter().enumerate() {
                if found[i].is_none() && s.matches(&b) {
                    found[i] = Some(b.clone());
                }
            }
        }
    }
    Ok(selection
        .iter()
        .zip(found)
        .map(|(s, b)| judge(s, b, condition))
        .collect())
}

fn judge(selector: &Selector, backend: Option<Backend>, condition: Condition) -> Observed {
    let (state, done) = match (&backend, condition) {
        (None, c) => ("absent".to_owned(), c == Condition::Absent),
        (Some(b), Condition::Weight(w)) => (
            b.weight
                .map_or_else(|| "no weight".to_owned(), |x| format!("weight {x}")),
            b.weight == Some(w),
        ),
        (Some(b), c) => {
            let health = effective_health(b);
            let done = match c {
                Condition::Healthy => counts_as_healthy(&health),
                Condition::Present => true,
                _ => false,
            };
            (health.label(), done)
        }
    };
    Observed {
        selector: selector.clone(),
        id: backend.as_ref().map(|b| b.id.clone()),
        state,
        done,
        backend,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::workflow::fake::{backend, Fake};

    fn sel(s: &str) -> Selector {
        s.parse().unwrap()
    }

    fn opts(interval: u64, timeout: u64) -> WaitOptions {
        WaitOptions::new(Duration::from_secs(interval), Duration::from_secs(timeout))
    }

    #[tokio::test(start_paused = true)]
    async fn pending_keeps_waiting_until_healthy() {
        let fake =
            Fake::new(vec![backend("m1", "10.0.0.1", 80, 1, Health::Pending)]).on_list(|n, all| {
                if n == 4 {
                    all[0].health = Health::Healthy;
                }
            });
        let start = tokio::time::Instant::now();
        let mut polls = 0;
        let done = wait_for(
            &fake,
            &[sel("10.0.0.1:80")],
            Condition::Healthy,
            &opts(5, 60),
            &mut |e| {
                if let WaitEvent::Polled { .. } = e {
                    polls += 1;
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(polls, 4);
        assert_eq!(fake.lists(), 4);
        assert_eq!(done[0].state, "healthy");
        assert_eq!(done[0].id.as_deref(), Some("m1"));
        assert_eq!(start.elapsed(), Duration::from_secs(15));
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_selection_is_an_error() {
        let fake = Fake::new(vec![backend("m1", "10.0.0.1", 80, 1, Health::Healthy)]);
        let err = wait_for(&fake, &[], Condition::Healthy, &opts(1, 1), &mut |_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(&err, WorkflowError::Failed(e) if e.kind() == ErrorKind::InvalidInput),
            "{err}"
        );
        assert_eq!(fake.lists(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_carries_the_last_state_of_each() {
        let fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 1, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 1, Health::Unknown("UNKNOWN".into())),
        ]);
        let err = wait_for(
            &fake,
            &[sel("m1"), sel("m2"), sel("m3")],
            Condition::Healthy,
            &opts(5, 12),
            &mut |_| {},
        )
        .await
        .unwrap_err();
        let WorkflowError::TimedOut(t) = err else {
            panic!("{err}")
        };
        let states: Vec<(&str, bool)> = t.last.iter().map(|o| (&*o.state, o.done)).collect();
        assert_eq!(
            states,
            [("healthy", true), ("unknown", false), ("absent", false)]
        );
        assert!(t.to_string().contains("m2 unknown, m3 absent"), "{t}");
        // polls at 0, 5, 10 and the deadline (12): get per id, three ids
        assert_eq!(fake.lists(), 4 * 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_regression_is_reported_as_it_happens() {
        let fake = Fake::new(vec![
            backend("m1", "10.0.0.1", 80, 1, Health::Healthy),
            backend("m2", "10.0.0.2", 80, 1, Health::Pending),
        ])
        .on_list(|n, all| match n {
            2 => all[0].health = Health::Unhealthy,
            3 => all[0].health = Health::Healthy,
            4 => all[1].health = Health::Healthy,
            _ => {}
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        wait_for(
            &fake,
            &[sel("10.0.0.1:80"), sel("10.0.0.2:80")],
            Condition::Healthy,
            &opts(1, 60),
            &mut |e| match e {
                WaitEvent::Regressed(o) => log
                    .lock()
                    .unwrap()
                    .push(format!("{} {}", o.selector, o.state)),
                WaitEvent::Polled { round, .. } => {
                    log.lock().unwrap().push(format!("poll {round}"))
                }
                WaitEvent::PollFailed(_) => {}
            },
        )
        .await
        .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "poll 1",
                "10.0.0.1:80 unhealthy",
                "poll 2",
                "poll 3",
                "poll 4"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn absent_present_and_weight() {
        let fake =
            Fake::new(vec![backend("m1", "10.0.0.1", 80, 5, Health::Pending)]).on_list(|n, all| {
                if n == 2 {
                    all.clear();
                }
            });
        wait_for(
            &fake,
            &[sel("m1")],
            Condition::Present,
            &opts(1, 5),
            &mut |_| {},
        )
        .await
        .unwrap();
        wait_for(
            &fake,
            &[sel("m1")],
            Condition::Absent,
            &opts(1, 5),
            &mut |_| {},
        )
        .await
        .unwrap();
        let fake = Fake::new(vec![backend("m1", "10.0.0.1", 80, 5, Health::Pending)]);
        wait_for(
            &fake,
            &[sel("m1")],
            Condition::Weight(5),
            &opts(1, 5),
            &mut |_| {},
        )
        .await
        .unwrap();
        assert!(wait_for(
            &fake,
            &[sel("m1")],
            Condition::Weight(0),
            &opts(1, 2),
            &mut |_| {}
        )
        .await
        .is_err());
        assert_eq!(
            "weight=7".parse::<Condition>().unwrap(),
            Condition::Weight(7)
        );
        assert!("sideways".parse::<Condition>().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_poll_ends_the_wait_unless_retryable() {
        #[derive(Debug)]
        struct Broken(ErrorKind);
        #[async_trait::async_trait]
        impl BackendProvider for Broken {
            fn target(&self) -> &crate::Target {
                unreachable!()
            }
            fn capabilities(&self) -> crate::Capabilities {
                crate::Capabilities::ALL
            }
            fn list(&self) -> crate::BackendStream<'_> {
                let e = Error::new(self.0, "boom");
                Box::pin(futures::stream::iter([Err(e)]))
            }
            async fn get(&self, _id: &crate::ResourceId) -> Result<Backend> {
                Err(Error::new(self.0, "boom"))
            }
        }
        let err = wait_for(
            &Broken(ErrorKind::Forbidden),
            &[sel("m1")],
            Condition::Healthy,
            &opts(1, 5),
            &mut |_| {},
        )
        .await
        .unwrap_err();
        assert!(matches!(err, WorkflowError::Failed(_)));
        let mut failed = 0;
        let err = wait_for(
            &Broken(ErrorKind::Service),
            &[sel("m1")],
            Condition::Healthy,
            &opts(1, 3),
            &mut |e| {
                if let WaitEvent::PollFailed(_) = e {
                    failed += 1;
                }
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(err, WorkflowError::TimedOut(_)));
        assert_eq!(failed, 4);
    }
}
