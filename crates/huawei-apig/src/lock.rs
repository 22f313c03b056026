//! One async mutex per VPC channel, shared by every provider in the process that
//! writes to that channel.
//!
//! APIG fails concurrent writes to one channel with `APIG.9999` (API.md 3), so each
//! write holds its channel's lock from the request until the answer. The registry
//! keeps only weak references: a lock lives as long as some provider for its
//! channel does, and dead entries are swept when a new channel is registered.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError, Weak},
};

/// A channel's write lock.
pub(crate) type ChannelLock = Arc<tokio::sync::Mutex<()>>;

type Registry = Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>;

fn registry() -> &'static Registry {
    static LOCKS: OnceLock<Registry> = OnceLock::new();
    LOCKS.get_or_init(Registry::default)
}

/// The write lock of the channel named by `key` (endpoint, project, instance and
/// channel), the same `Arc` for every caller while any holder lives.
pub(crate) fn channel_lock(key: &str) -> ChannelLock {
    let mut map = registry().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lock) = map.get(key).and_then(Weak::upgrade) {
        return lock;
    }
    map.retain(|_, weak| weak.strong_count() > 0);
    let lock = ChannelLock::default();
    map.insert(key.to_owned(), Arc::downgrade(&lock));
    lock
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_channel_same_lock_and_dead_entries_go() {
        let a = channel_lock("lock-test|a");
        let a2 = channel_lock("lock-test|a");
        let b = channel_lock("lock-test|b");
        assert!(Arc::ptr_eq(&a, &a2));
        assert!(!Arc::ptr_eq(&a, &b));
        drop((a, a2));
        let _c = channel_lock("lock-test|c");
        let map = registry().lock().unwrap();
        assert!(!map.contains_key("lock-test|a"));
        assert!(map.contains_key("lock-test|b"));
    }
}
