//! `lbb list TARGET`.

use futures::TryStreamExt;
use lb_backends::{Backend, Target};

use super::{done, stdout, Ctx};
use crate::{
    exit::Failure,
    output::{list_sink, Record},
};

pub async fn run(ctx: &Ctx, target: &Target) -> Result<u8, Failure> {
    let provider = ctx.provider(target)?;
    // Collected first, so a failure half-way prints nothing but the error.
    let backends: Vec<Backend> = provider.list().try_collect().await?;
    let mut out = stdout();
    let mut sink = list_sink(ctx.style, false);
    for b in &backends {
        sink.record(&mut out, &Record::new(target, b, ctx.global.raw))?;
    }
    sink.finish(&mut out)?;
    done(out)
}
