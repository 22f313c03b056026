//! `lbb remove TARGET BACKEND_ID`.

use serde_json::json;

use lb_backends::{ResourceId, Target};

use super::{caps, done, require, stdout, Ctx};
use crate::{exit::Failure, output::print_message};

pub async fn run(ctx: &Ctx, target: &Target, id: &ResourceId) -> Result<u8, Failure> {
    let provider = ctx.provider(target)?;
    require(caps(&*provider).remove, &*provider, "removing a backend")?;
    provider.remove(id).await?;
    let mut out = stdout();
    print_message(
        &mut out,
        ctx.style,
        &json!({
            "provider": target.provider().as_str(),
            "target": target.to_string(),
            "id": id.as_str(),
            "removed": true,
        }),
        &format!("removed {id} from {target}"),
    )?;
    done(out)
}
