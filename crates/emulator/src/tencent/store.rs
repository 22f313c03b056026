//! The Tencent resources as served (from the fleet), the nonces seen, and the
//! server clock's offset.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::fleet::{BmlbL4Listener, BmlbLocation, Clb3LoadBalancer, ClbLoadBalancer, TencentFleet};

/// How long a nonce is remembered: a request's timestamp may be 5 minutes old and a
/// replay may come 5 minutes after it.
pub(crate) const NONCE_MEMORY_SECS: i64 = 600;
/// How far a request's timestamp may be from the server clock.
pub(crate) const MAX_SKEW_SECS: i64 = 300;

/// What the Tencent handlers read and remember.
#[derive(Debug, Default)]
pub(crate) struct TencentStore {
    /// CLB load balancers by id.
    pub clb: HashMap<String, ClbLoadBalancer>,
    /// BMLB load balancer ids (those with at least one location).
    pub bmlb_lbs: HashSet<String>,
    /// BMLB locations by their four ids.
    pub bmlb: HashMap<[String; 4], BmlbLocation>,
    /// BMLB layer-4 listeners by load balancer and listener (API 3.0).
    pub bmlb4: BTreeMap<(String, String), BmlbL4Listener>,
    /// How many BMLB and legacy tasks were started (their ids are numbered).
    pub task_counter: u64,
    /// CLB load balancers as API 3.0 serves them, by id (the legacy section's as
    /// classic CLBs, then the `clb3` section's).
    pub clb3: BTreeMap<String, Clb3LoadBalancer>,
    /// API 3.0 tasks by id (the write's `RequestId`).
    pub(crate) tasks: HashMap<String, super::v3::clb_write::Task>,
    /// How long an API 3.0 task runs.
    pub task_delay: std::time::Duration,
    /// How long a newly bound target stays `Unknown` before it is `Alive`.
    pub health_delay: std::time::Duration,
    /// The messages of the next tasks that fail (their writes are not applied).
    pub fail_next_tasks: std::collections::VecDeque<String>,
    /// Listeners a batch call fails on (`FailListenerIdSet`).
    pub failing_listeners: HashSet<String>,
    /// API 3.0 calls that reached their handler, by action.
    pub action_counts: HashMap<String, u64>,
    /// Seconds added to the real clock (a server whose clock is off).
    pub clock_offset: i64,
    /// `SecretId` + nonce -> when it was first seen (server time).
    nonces: HashMap<(String, u64), i64>,
}

impl TencentStore {
    pub(crate) fn load(fleet: &TencentFleet) -> TencentStore {
        let mut store = TencentStore {
            task_delay: super::v3::clb_write::DEFAULT_TASK_DELAY,
            health_delay: super::v3::clb_write::DEFAULT_HEALTH_DELAY,
            ..TencentStore::default()
        };
        for lb in &fleet.clb.load_balancers {
            store.clb.insert(lb.load_balancer_id.clone(), lb.clone());
            store
                .clb3
                .insert(lb.load_balancer_id.clone(), Clb3LoadBalancer::from(lb));
        }
        for lb in &fleet.clb3.load_balancers {
            store.clb3.insert(lb.load_balancer_id.clone(), lb.clone());
        }
        for l in &fleet.bmlb.l4_listeners {
            store.bmlb_lbs.insert(l.load_balancer_id.clone());
            store.bmlb4.insert(
                (l.load_balancer_id.clone(), l.listener_id.clone()),
                l.clone(),
            );
        }
        for loc in &fleet.bmlb.locations {
            store.bmlb_lbs.insert(loc.load_balancer_id.clone());
            store
                .bmlb
                .insert(loc.key().map(str::to_string), loc.clone());
        }
        store
    }

    /// Remembers a nonce; `false` when it was already used within the window.
    pub(crate) fn use_nonce(&mut self, secret_id: &str, nonce: u64, now: i64) -> bool {
        if self.nonces.len() >= 4096 && self.nonces.len().is_power_of_two() {
            self.nonces
                .retain(|_, seen| now - *seen <= NONCE_MEMORY_SECS);
        }
        let key = (secret_id.to_string(), nonce);
        match self.nonces.get(&key) {
            Some(seen) if now - *seen <= NONCE_MEMORY_SECS => false,
            _ => {
                self.nonces.insert(key, now);
                true
            }
        }
    }

    /// How many nonces are remembered.
    pub(crate) fn nonces_seen(&self) -> usize {
        self.nonces.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_single_use_within_the_window() {
        let mut s = TencentStore::default();
        assert!(s.use_nonce("id", 7, 1_000));
        assert!(!s.use_nonce("id", 7, 1_100));
        assert!(s.use_nonce("other", 7, 1_100));
        assert!(s.use_nonce("id", 7, 1_000 + NONCE_MEMORY_SECS + 1));
    }
}
