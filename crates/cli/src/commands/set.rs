//! `lbb set TARGET BACKEND_ID [--weight W] [--port N] [--name S] [--admin-up BOOL]`.

use lb_backends::BackendUpdate;

use super::{caps, done, require, stdout, Ctx};
use crate::{
    cli::SetArgs,
    exit::Failure,
    output::{print_one, Record},
};

pub async fn run(ctx: &Ctx, args: SetArgs) -> Result<u8, Failure> {
    if let Some(file) = &args.from {
        let defaults = super::batch::Defaults {
            weight: args.weight,
            name: args.name.clone(),
            admin_up: args.admin_up,
            port: args.port,
            ..super::batch::Defaults::default()
        };
        return super::batch::set(ctx, &args.target, file, defaults).await;
    }
    let Some(backend_id) = args.backend_id.clone() else {
        return Err(
            lb_backends::Error::invalid_input("give the backend's id or --from FILE").into(),
        );
    };
    let mut change = BackendUpdate::new();
    if let Some(w) = args.weight {
        change = change.with_weight(w);
    }
    if let Some(p) = args.port {
        change = change.with_port(p);
    }
    if let Some(n) = args.name {
        change = change.with_name(n);
    }
    if let Some(up) = args.admin_up {
        change = change.with_admin_up(up);
    }
    change.ensure_not_empty()?;
    let provider = ctx.provider(&args.target)?;
    require(caps(&*provider).update, &*provider, "updating a backend")?;
    // Every check the provider makes before sending, so a refusal costs no request.
    provider.check_update(&backend_id, &change)?;
    let backend = provider.update(&backend_id, &change).await?;
    // --wait until the listing shows the new weight (else until present).
    let condition = args
        .weight
        .map_or(lb_backends::workflow::Condition::Present, |w| {
            lb_backends::workflow::Condition::Weight(w.get())
        });
    let (backend, timed_out) =
        super::hooks::wait_after(ctx, &*provider, backend, condition, &args.wait).await?;
    let mut out = stdout();
    print_one(
        &mut out,
        ctx.style,
        &Record::new(&args.target, &backend, ctx.global.raw),
    )?;
    done(out)?;
    timed_out.map_or(Ok(crate::exit::OK), Err)
}
