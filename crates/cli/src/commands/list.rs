//! `lbb list TARGET [--atomic]`.

use futures::TryStreamExt;
use lb_backends::Target;

use super::Ctx;
use crate::{
    exit::Failure,
    output::{list_sink, ListingOut},
};

/// Print every backend of `target` as its pages arrive. When the listing fails
/// half-way, what was printed stays and the error follows on stderr; with `atomic`
/// the records wait in a spool file and a failure prints nothing but the error.
pub async fn run(ctx: &Ctx, target: &Target, atomic: bool) -> Result<u8, Failure> {
    let provider = ctx.provider(target)?;
    let mut out = ListingOut::new(atomic)?;
    let mut sink = list_sink(ctx.style, false);
    let mut backends = provider.list();
    let target_text = target.to_string();
    loop {
        match backends.try_next().await {
            Ok(Some(b)) => sink.listed(&mut out, &target_text, &b, ctx.global.raw)?,
            Ok(None) => break,
            Err(e) => {
                if !atomic {
                    sink.abort(&mut out)?;
                    out.commit()?;
                }
                return Err(e.into());
            }
        }
    }
    sink.finish(&mut out)?;
    out.commit()?;
    Ok(crate::exit::OK)
}
