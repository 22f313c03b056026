//! `lbb remove TARGET BACKEND_ID`.

use serde_json::json;

use lb_backends::{ResourceId, Target};

use super::{caps, done, require, stdout, Ctx};
use crate::{exit::Failure, output::print_message};

pub async fn run(
    ctx: &Ctx,
    target: &Target,
    id: &ResourceId,
    ops: &super::wait::RemoveFlags,
) -> Result<u8, Failure> {
    let provider = ctx.provider(target)?;
    require(caps(&*provider).remove, &*provider, "removing a backend")?;
    // Gone after an ambiguous attempt is removed; --if-exists; --wait.
    let removed = super::hooks::remove(ctx, &*provider, id, ops.if_exists).await?;
    super::hooks::wait_gone(ctx, &*provider, id, &ops.wait).await?;
    let mut out = stdout();
    print_message(
        &mut out,
        ctx.style,
        &json!({
            "provider": target.provider().as_str(),
            "target": target.to_string(),
            "id": id.as_str(),
            "removed": removed,
        }),
        &if removed {
            format!("removed {id} from {target}")
        } else {
            format!("{id} was not in {target}: nothing to remove")
        },
    )?;
    done(out)
}
