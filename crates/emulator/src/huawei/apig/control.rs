//! What tests can see and switch on a running emulator's APIG resources.

use std::time::Duration;

use crate::fleet::ChannelMember;
use crate::state::lock;
use crate::Emulator;

impl Emulator {
    /// The members of an APIG VPC channel as the server holds them now, in listing
    /// order (`None`: no such instance or channel). For tests that check what really
    /// happened.
    pub fn apig_members(&self, instance_id: &str, channel_id: &str) -> Option<Vec<ChannelMember>> {
        let mut store = lock(&self.state.huawei);
        let ch = store.apig.channel_mut(instance_id, channel_id)?;
        Some(ch.members.clone())
    }

    /// Makes the channel's listings report `total` = the real count + `skew` (floored
    /// at 0), while serving only the real members: a service whose count disagrees with
    /// its pages. Returns false when there is no such channel.
    ///
    /// ```
    /// use lb_backends_emulator::{Emulator, Fleet};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emu = Emulator::builder()
    ///     .fleet(Fleet::generate_apig_channel("inst-1", "chan-1", 3, 1))
    ///     .start()
    ///     .await?;
    /// assert!(emu.set_apig_total_skew("inst-1", "chan-1", 100));
    /// let url = format!(
    ///     "{}/v2/{}/apigw/instances/inst-1/vpc-channels/chan-1/members",
    ///     emu.base_url(),
    ///     emu.huawei().project_id
    /// );
    /// let body: serde_json::Value = reqwest::Client::new()
    ///     .get(url)
    ///     .header("X-Auth-Token", &emu.huawei().token)
    ///     .send()
    ///     .await?
    ///     .json()
    ///     .await?;
    /// assert_eq!((body["total"].as_u64(), body["size"].as_u64()), (Some(103), Some(3)));
    /// # Ok(()) }
    /// ```
    pub fn set_apig_total_skew(&self, instance_id: &str, channel_id: &str, skew: i64) -> bool {
        let mut store = lock(&self.state.huawei);
        match store.apig.channel_mut(instance_id, channel_id) {
            Some(ch) => {
                ch.total_skew = skew;
                true
            }
            None => false,
        }
    }

    /// While on, every APIG call (after authentication) answers 403 `APIG.1005`.
    pub fn set_apig_forbidden(&self, forbidden: bool) {
        lock(&self.state.huawei).apig.forbidden = forbidden;
    }

    /// The next `n` APIG calls (after authentication) answer 500 `APIG.9999`.
    pub fn fail_next_apig(&self, n: u32) {
        lock(&self.state.huawei).apig.fail_next = n;
    }

    /// How long an APIG write holds its channel (default
    /// [`DEFAULT_WRITE_TIME`](crate::huawei::apig::DEFAULT_WRITE_TIME)); a second
    /// write to the same channel meanwhile answers 500 `APIG.9999`. Zero: writes are
    /// instant and never overlap.
    pub fn set_apig_write_time(&self, time: Duration) {
        lock(&self.state.huawei).apig.write_time = time;
    }
}
