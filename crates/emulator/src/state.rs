//! The state every API module's handlers share, and the per-request id.

use std::convert::Infallible;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::rngs::StdRng;

use crate::huawei::store::HuaweiStore;
use crate::huawei::HuaweiAccount;
use crate::tencent::store::TencentStore;
use crate::tencent::TencentAccount;

/// What the handlers of all API modules share. One field (or one store) per cloud.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Credentials and project the Huawei APIs accept.
    pub huawei_account: HuaweiAccount,
    /// Huawei resources (ELB pools and members, VPC subnets and ports).
    pub huawei: Mutex<HuaweiStore>,
    /// Seeded RNG for ids created at run time.
    pub rng: Mutex<StdRng>,
    /// How long a new member with a health monitor stays `INITIAL`.
    pub health_check_delay: Duration,
    /// Credentials the Tencent legacy API accepts.
    pub tencent_account: TencentAccount,
    /// Tencent resources (CLB, BMLB), nonces seen, clock offset.
    pub tencent: Mutex<TencentStore>,
}

/// The axum state: a cheap handle on [`Shared`].
#[derive(Debug, Clone)]
pub(crate) struct AppState(pub Arc<Shared>);

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Locks a mutex, ignoring poisoning (handlers never panic while holding a lock, and
/// a poisoned emulator is still more useful running than not).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The id of the request being handled: set by the server wrapper (which also puts it
/// in the `X-Request-Id` header of the answer), read by handlers for their bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(crate::util::request_id())))
    }
}
