//! `inventory`'s per-provider pacing: a hook the transport runs before every attempt
//! (retries included) of one provider's calls, which waits for the provider's
//! [`RateLimit`] and counts the requests sent.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use lb_backends::transport::{Attempt, AttemptHook, RateLimit};

/// Waits for a slot of the provider's rate (when it has one), then counts the attempt.
#[derive(Debug)]
pub struct Pacer {
    limit: Option<RateLimit>,
    sent: Arc<AtomicU64>,
}

impl Pacer {
    /// A pacer for `per_second` attempts a second (0: no limit) that adds each attempt
    /// to `sent`.
    pub fn new(per_second: f64, sent: Arc<AtomicU64>) -> Self {
        Self {
            limit: RateLimit::per_second(per_second),
            sent,
        }
    }
}

#[async_trait::async_trait]
impl AttemptHook for Pacer {
    async fn before_attempt(&self, _attempt: Attempt<'_>) {
        if let Some(limit) = &self.limit {
            limit.acquire().await;
        }
        self.sent.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn attempts_are_paced_and_counted() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let sent = Arc::new(AtomicU64::new(0));
            let pacer = Pacer::new(13.0, sent.clone());
            let unlimited = Pacer::new(0.0, sent.clone());
            let attempt = Attempt::new("huawei", "ListMembers", 1);
            let start = tokio::time::Instant::now();
            for _ in 0..12 {
                pacer.before_attempt(attempt).await;
                unlimited.before_attempt(attempt).await;
            }
            assert_eq!(sent.load(Ordering::Relaxed), 24);
            // 12 paced attempts, 1.04 s / 13 = 80 ms apart.
            assert_eq!(start.elapsed(), Duration::from_millis(880));
        });
    }
}
