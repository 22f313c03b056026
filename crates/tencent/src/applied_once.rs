//! A write whose answer may be lost (a dropped connection, a 5xx: the transport does
//! not send a non-idempotent write again on its own), applied once: the load balancer
//! is re-read; when the write shows, it is done, else it is sent again, up to
//! [`MAX_SENDS`] times. An error is returned only when the write was not applied.
//! Every Tencent writer (legacy CLB, CLB and BMLB on API 3.0) sends through here.

use std::future::Future;

use lb_backends_core::{Error, Result};

/// How many times one write is sent at most.
pub(crate) const MAX_SENDS: u32 = 4;

/// Whether `e` may hide a write that was applied: the answer was lost, and it was
/// not the write's task that failed.
pub(crate) fn answer_lost(e: &Error) -> bool {
    e.may_have_been_applied() && e.code() != Some("TaskFailed")
}

/// `send` the write `action` until it is known to have been applied: when `send`
/// fails with an error `lost` says may hide an applied write, `took_effect` re-reads
/// the load balancer and the write is sent again only when it does not show.
pub(crate) async fn write_once<S, SFut, T, TFut>(
    action: &'static str,
    lost: impl Fn(&Error) -> bool,
    send: S,
    took_effect: T,
) -> Result<()>
where
    S: Fn() -> SFut,
    SFut: Future<Output = Result<()>>,
    T: Fn() -> TFut,
    TFut: Future<Output = Result<bool>>,
{
    let mut sends = 0;
    loop {
        sends += 1;
        match send().await {
            Ok(()) => return Ok(()),
            Err(e) if lost(&e) => {
                if took_effect().await? {
                    tracing::info!(action, "a write whose answer was lost took effect");
                    return Ok(());
                }
                if sends >= MAX_SENDS {
                    return Err(e);
                }
                tracing::info!(
                    action,
                    "a write whose answer was lost did not take effect: sending it again"
                );
            }
            Err(e) => return Err(e),
        }
    }
}
