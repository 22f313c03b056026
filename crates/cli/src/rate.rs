//! A per-provider limit on API calls per second.
//!
//! Calls are spaced `1/rate` apart (no bursts). A caller that reserved a slot and did
//! not use it gives it back, so the next reservation moves up: over any stretch the
//! calls never outnumber the slots, though two calls may then start less than
//! `1/rate` apart. Small enough to write here; a general-purpose limiter crate
//! would be most of the binary's growth for one `acquire().await`.

use std::{
    sync::{Mutex, PoisonError},
    time::Duration,
};

use tokio::time::Instant;

/// Lets one call through every `1/rate` seconds.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    /// The start of the next free slot.
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `per_second` calls a second; `None` for 0 (no limit) or a rate
    /// whose interval no `Duration` can hold (refused earlier by `check_rate`).
    pub fn new(per_second: f64) -> Option<Self> {
        if per_second <= 0.0 {
            return None;
        }
        let interval = Duration::try_from_secs_f64(1.0 / per_second).ok()?;
        Some(Self {
            interval,
            next: Mutex::new(None),
        })
    }

    /// Wait for a slot.
    pub async fn acquire(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let at = next.map_or(now, |n| n.max(now));
            *next = Some(at + self.interval);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// A slot taken with [`acquire`](Self::acquire) was not used: the next one moves
    /// up by one interval (never into the past).
    pub fn give_back(&self) {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = *next {
            let now = Instant::now();
            *next = Some(n.checked_sub(self.interval).map_or(now, |m| m.max(now)));
        }
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
    fn calls_are_spaced() {
        assert!(RateLimiter::new(0.0).is_none());
        paused().block_on(async {
            let limiter = RateLimiter::new(4.0).unwrap();
            let start = Instant::now();
            for _ in 0..5 {
                limiter.acquire().await;
            }
            assert_eq!(start.elapsed(), Duration::from_secs(1));
        });
    }

    #[test]
    fn an_unused_slot_moves_the_next_one_up() {
        paused().block_on(async {
            let limiter = RateLimiter::new(10.0).unwrap();
            let start = Instant::now();
            limiter.acquire().await; // t=0, used
            limiter.acquire().await; // t=0.1, not used
            limiter.give_back();
            limiter.acquire().await; // takes the slot of t=0.1 again
            assert_eq!(start.elapsed(), Duration::from_millis(100));
            limiter.acquire().await;
            assert_eq!(start.elapsed(), Duration::from_millis(200));
            // Never into the past: after a pause, slots start from now.
            tokio::time::sleep(Duration::from_secs(5)).await;
            limiter.give_back();
            let t = Instant::now();
            limiter.acquire().await;
            limiter.acquire().await;
            assert_eq!(t.elapsed(), Duration::from_millis(100));
        });
    }
}
