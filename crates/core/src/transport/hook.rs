//! What runs before every attempt: the [`AttemptHook`] trait, and [`RateLimit`], the
//! hook that paces attempts.

use std::{
    collections::VecDeque,
    fmt,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use async_trait::async_trait;
use tokio::time::Instant;

/// One attempt about to be sent, as an [`AttemptHook`] sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The dialect's name (`huawei`, `tencent`).
    pub dialect: &'static str,
    /// The call's action (`ListMembers`, ...).
    pub action: &'a str,
    /// 1 for the first attempt of the call, 2 for its first retry, ...
    pub number: u32,
}

impl<'a> Attempt<'a> {
    /// An attempt (the transport makes these; hooks' own tests may too).
    pub fn new(dialect: &'static str, action: &'a str, number: u32) -> Self {
        Self {
            dialect,
            action,
            number,
        }
    }
}

/// Runs before **every attempt** of every call of a transport, retries included, and
/// before the attempt is signed; the attempt waits until it returns. Set one with
/// [`TransportConfig::hook`](super::TransportConfig) or
/// [`HttpTransport::with_hook`](super::HttpTransport::with_hook).
///
/// A hook that waits (a rate limit) delays the attempt; a hook that counts sees every
/// request the transport is about to send. The wait before a call's first attempt
/// does not count against the call's deadline; a wait before a retry does.
///
/// ```
/// use std::sync::{atomic::{AtomicU64, Ordering}, Arc};
/// use lb_backends_core::transport::{Attempt, AttemptHook};
///
/// #[derive(Debug, Default)]
/// struct Count(AtomicU64);
///
/// #[async_trait::async_trait]
/// impl AttemptHook for Count {
///     async fn before_attempt(&self, _attempt: Attempt<'_>) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// let hook: Arc<dyn AttemptHook> = Arc::new(Count::default());
/// # let _ = hook;
/// ```
#[async_trait]
pub trait AttemptHook: Send + Sync + fmt::Debug {
    /// Called before `attempt` is signed and sent.
    async fn before_attempt(&self, attempt: Attempt<'_>);
}

/// Lets attempts through at most `n` per second, evenly spaced: no bursts, and
/// fair (attempts go in the order they asked). Clones share the limit, so one
/// `RateLimit` given to several transports or clients limits them together.
///
/// Each attempt reserves the next free slot and sleeps until it. Slots are spaced
/// `(1 s + JITTER_GUARD) / n` apart, slightly under the rate: a server counts the
/// requests on its own clock, and sees each one a little after we sent it, by a delay
/// that varies. What is enforced is measured on the moments attempts are actually let
/// through, not only planned: any `n + 1` consecutive attempts span at least
/// `1 s + JITTER_GUARD` (so a server also counts at most `n` in any one-second
/// window, closed or half-open, unless two delays differ by more than the guard), and
/// two consecutive ones are at least half an interval apart. A waiter the runtime
/// woke late therefore never lets the next ones through in a burst, and it does not
/// push the whole schedule back either: the slots stay where they were planned, so
/// lateness does not add up over a long run (1,000 attempts at 20 a second take
/// 999 intervals, 51.95 s, however late each wake-up is by a millisecond).
/// A slot whose waiter is dropped (its call was cancelled) stays used: the limit
/// errs on the slow side, never the fast one.
///
/// ```
/// use std::time::Duration;
/// use lb_backends_core::transport::{HttpTransport, RateLimit, TransportConfig};
/// let limit = RateLimit::per_second(20.0).expect("a positive rate");
/// assert_eq!(limit.interval(), Duration::from_millis(52));
/// let transport = HttpTransport::new(TransportConfig::default())?.with_hook(limit.into_hook());
/// # let _ = transport;
/// assert!(RateLimit::per_second(0.0).is_none());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RateLimit {
    interval: Duration,
    /// How many attempts the span rule looks back over: `n` for `n` a second, so
    /// that any `window + 1` consecutive attempts span `window` intervals.
    window: usize,
    slots: Arc<Mutex<Slots>>,
}

/// Where the limit stands.
#[derive(Debug, Default)]
struct Slots {
    /// The start of the next free slot (the order attempts go in).
    next: Option<Instant>,
    /// When the last `window` attempts were actually let through, oldest first. A
    /// waiter woken late (a busy runtime) must not let the next ones through in a
    /// burst: see [`RateLimit::earliest`].
    releases: VecDeque<Instant>,
}

impl RateLimit {
    /// How much later than `1/n` seconds apart slots are, per second of window: room
    /// for the delay between our sending and the server's counting to vary.
    ///
    /// 40 ms: the guard is paid on every call (a long run goes at `n / 1.04` a second,
    /// 4% under the rate; 1,000 calls at 20 a second take 51.95 s, not the 54.95 s of a
    /// 100 ms guard, against a benchmark target of 52.5 s), and it only has to cover how much
    /// two arrival delays, `n` calls apart, differ: on one network path, the variation
    /// of scheduling and queueing, well under a millisecond on loopback and a few
    /// milliseconds to a cloud endpoint. A stall of the sender before a release is
    /// absorbed by the spacing, which is measured on the releases; one between a
    /// release and its request reaching the wire is not, and must stay under the
    /// guard (on a heavily loaded machine it may not: docs/benchmarks.md).
    pub const JITTER_GUARD: Duration = Duration::from_millis(40);

    /// At most `n` attempts in any second, as a server counts them (see the type's
    /// documentation); `None` when `n` is not a positive rate a `Duration` can space
    /// (0 is "no limit" for callers).
    pub fn per_second(n: f64) -> Option<Self> {
        if !(n.is_finite() && n > 0.0) {
            return None;
        }
        let window = Duration::from_secs(1) + Self::JITTER_GUARD;
        let interval = Duration::try_from_secs_f64(window.as_secs_f64() / n).ok()?;
        // `n` a second: any `ceil(n) + 1` attempts span `ceil(n)` intervals (at least
        // 1 s + the guard). Bounded, so a huge rate keeps a small record.
        let attempts = n.ceil().clamp(1.0, 1024.0) as usize;
        Some(Self {
            window: attempts,
            ..Self::every(interval)
        })
    }

    /// Attempts exactly `interval` apart, without a guard: each one at least
    /// `interval` after the one before was actually let through (a late one pushes
    /// the next ones back).
    pub fn every(interval: Duration) -> Self {
        Self {
            interval,
            window: 1,
            slots: Arc::new(Mutex::new(Slots::default())),
        }
    }

    /// The time between two attempts.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The earliest an attempt may be let through, from the ones let through before:
    /// `window` intervals after the attempt `window` back, and half an interval (a
    /// whole one for [`every`](Self::every)) after the last one.
    fn earliest(&self, slots: &Slots) -> Option<Instant> {
        let gap = if self.window == 1 {
            self.interval
        } else {
            self.interval / 2
        };
        let after_last = slots.releases.back().map(|last| *last + gap);
        let span = u32::try_from(self.window).unwrap_or(u32::MAX);
        let after_window = (slots.releases.len() >= self.window)
            .then(|| {
                slots
                    .releases
                    .front()
                    .map(|first| *first + self.interval * span)
            })
            .flatten();
        after_last.max(after_window)
    }

    /// Wait for the next free slot, and for the spacing measured on the attempts let
    /// through before (so a late wake-up never turns into a burst).
    pub async fn acquire(&self) {
        let mut at = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let at = slots.next.map_or(now, |n| n.max(now));
            slots.next = Some(at + self.interval);
            at
        };
        loop {
            tokio::time::sleep_until(at).await;
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            match self.earliest(&slots) {
                Some(earliest) if now < earliest => at = earliest,
                _ => {
                    slots.releases.push_back(now);
                    if slots.releases.len() > self.window {
                        slots.releases.pop_front();
                    }
                    if self.window == 1 {
                        // Exactly `interval` apart: later reservations never start
                        // before this release's interval.
                        let floor = now + self.interval;
                        slots.next = Some(slots.next.map_or(floor, |n| n.max(floor)));
                    }
                    return;
                }
            }
        }
    }

    /// This limit as a hook for a transport.
    pub fn into_hook(self) -> Arc<dyn AttemptHook> {
        Arc::new(self)
    }
}

#[async_trait]
impl AttemptHook for RateLimit {
    async fn before_attempt(&self, _attempt: Attempt<'_>) {
        self.acquire().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paused() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_late_wake_up_never_lets_the_next_attempt_catch_up() {
        use std::{future::Future, pin::pin, task::Poll};
        paused().block_on(async {
            let limit = RateLimit::every(Duration::from_millis(100));
            let start = Instant::now();
            limit.acquire().await; // let through at 0
                                   // Two waiters reserve the slots at 100 ms and 200 ms...
            let mut first = pin!(limit.acquire());
            let mut second = pin!(limit.acquire());
            let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
            assert!(first.as_mut().poll(&mut cx).is_pending());
            assert!(second.as_mut().poll(&mut cx).is_pending());
            // ...but the first is not run until 190 ms (a busy runtime).
            tokio::time::advance(Duration::from_millis(190)).await;
            assert!(matches!(first.as_mut().poll(&mut cx), Poll::Ready(())));
            // The second's slot (200 ms) is not enough: it waits until 290 ms.
            tokio::time::advance(Duration::from_millis(10)).await;
            assert!(second.as_mut().poll(&mut cx).is_pending());
            tokio::time::advance(Duration::from_millis(89)).await;
            assert!(second.as_mut().poll(&mut cx).is_pending());
            tokio::time::advance(Duration::from_millis(1)).await;
            assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(())));
            assert_eq!(start.elapsed(), Duration::from_millis(290));
        });
    }

    #[test]
    fn late_wake_ups_neither_burst_nor_push_the_schedule_back() {
        use std::{future::Future, pin::Pin};
        paused().block_on(async {
            // 10 a second: slots 104 ms apart, any 11 attempts span 1,040 ms.
            let limit = RateLimit::per_second(10.0).unwrap();
            let start = Instant::now();
            let mut waiters: Vec<Pin<Box<dyn Future<Output = ()>>>> = (0..40)
                .map(|_| Box::pin(limit.acquire()) as Pin<Box<dyn Future<Output = ()>>>)
                .collect();
            let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
            let mut released = vec![None; waiters.len()];
            // Each reserves its slot, in order (the first is let through at once).
            for (i, w) in waiters.iter_mut().enumerate() {
                if w.as_mut().poll(&mut cx).is_ready() {
                    released[i] = Some(start.elapsed());
                }
            }
            // A busy runtime: waiters run only every 7 ms, and every fifth one not
            // until 30 ms later still.
            for ms in 0..6000u64 {
                if ms % 7 == 0 {
                    for (i, w) in waiters.iter_mut().enumerate() {
                        let late = i % 5 == 4 && (ms as u128) < released_by(i) + 30;
                        if released[i].is_none() && !late && w.as_mut().poll(&mut cx).is_ready() {
                            released[i] = Some(start.elapsed());
                        }
                    }
                }
                tokio::time::advance(Duration::from_millis(1)).await;
            }
            let mut times: Vec<Duration> = released.into_iter().map(Option::unwrap).collect();
            times.sort();
            for pair in times.windows(2) {
                assert!(pair[1] - pair[0] >= Duration::from_millis(52), "{pair:?}");
            }
            for span in times.windows(11) {
                assert!(
                    span[10] - span[0] >= Duration::from_millis(1040),
                    "{span:?}"
                );
            }
            // No drift: the last of 40 within a few late wake-ups of slot 39.
            let last = *times.last().unwrap();
            assert!(last >= Duration::from_millis(39 * 104), "{last:?}");
            assert!(last < Duration::from_millis(39 * 104 + 40), "{last:?}");
        });

        /// When slot `i` is due (104 ms apart).
        fn released_by(i: usize) -> u128 {
            i as u128 * 104
        }
    }

    #[test]
    fn slots_are_spaced_with_the_guard_and_shared_by_clones() {
        assert!(RateLimit::per_second(0.0).is_none());
        assert!(RateLimit::per_second(-1.0).is_none());
        assert!(RateLimit::per_second(f64::NAN).is_none());
        paused().block_on(async {
            let limit = RateLimit::per_second(10.0).unwrap();
            assert_eq!(limit.interval(), Duration::from_millis(104));
            let other = limit.clone();
            let start = Instant::now();
            for i in 0..11 {
                if i % 2 == 0 {
                    limit.acquire().await;
                } else {
                    other.acquire().await;
                }
            }
            // 11 attempts: the last one 10 intervals after the first, 1 s + the guard.
            assert_eq!(start.elapsed(), Duration::from_millis(1040));
        });
    }

    #[test]
    fn concurrent_waiters_never_share_a_slot() {
        paused().block_on(async {
            let limit = RateLimit::every(Duration::from_millis(50));
            let start = Instant::now();
            let times = futures::future::join_all((0..64).map(|_| {
                let limit = limit.clone();
                async move {
                    limit.acquire().await;
                    start.elapsed()
                }
            }))
            .await;
            let mut times = times;
            times.sort();
            for pair in times.windows(2) {
                assert!(pair[1] - pair[0] >= Duration::from_millis(50), "{pair:?}");
            }
            // After a pause, slots start from now: no burst of saved-up slots.
            tokio::time::sleep(Duration::from_secs(5)).await;
            let t = Instant::now();
            limit.acquire().await;
            limit.acquire().await;
            assert_eq!(t.elapsed(), Duration::from_millis(50));
        });
    }
}
