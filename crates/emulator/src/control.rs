//! What tests can switch on a running emulator's ELB members (waiters and
//! drains need a member's health to change while a client watches).

use std::sync::Arc;

use crate::state::lock;
use crate::Emulator;

impl Emulator {
    /// Sets an ELB member's `operating_status` (`ONLINE`, `OFFLINE`, `INITIAL`,
    /// `NO_MONITOR`, ...) and the status it has on each listener. Returns false when
    /// there is no such pool or member.
    ///
    /// ```
    /// use lb_backends_emulator::{fleet::demo::*, Emulator, Fleet};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emu = Emulator::builder().fleet(Fleet::demo()).start().await?;
    /// assert!(emu.set_huawei_member_status(POOL_WEB, MEMBER_WITH_INSTANCE, "OFFLINE"));
    /// let members = emu.huawei_members(POOL_WEB).unwrap();
    /// assert_eq!(members[0].operating_status, "OFFLINE");
    /// assert_eq!(members[0].status[0].operating_status, "OFFLINE");
    /// assert!(!emu.set_huawei_member_status(POOL_WEB, "no-such-member", "ONLINE"));
    /// # Ok(()) }
    /// ```
    pub fn set_huawei_member_status(&self, pool_id: &str, member_id: &str, status: &str) -> bool {
        let mut store = lock(&self.state.huawei);
        let Some(pool) = store.pools.get_mut(pool_id) else {
            return false;
        };
        pool.refresh(std::time::Instant::now());
        let Some(m) = pool.get_mut(member_id) else {
            return false;
        };
        let status: Arc<str> = Arc::from(status);
        m.operating_status = status.clone();
        for s in m.status.iter_mut() {
            s.operating_status = status.clone();
        }
        true
    }
}
