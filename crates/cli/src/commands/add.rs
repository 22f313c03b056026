//! `lbb add TARGET (--address IP | --instance ID) --port N [...] [--dry-run]`.

use serde_json::json;

use lb_backends::NewBackend;

use super::{caps, done, require, stdout, Ctx};
use crate::{
    cli::AddArgs,
    exit::Failure,
    output::{print_message, print_one, Record},
};

pub async fn run(ctx: &Ctx, args: AddArgs) -> Result<u8, Failure> {
    let provider = ctx.provider(&args.target)?;
    require(caps(&*provider).add, &*provider, "adding a backend")?;
    let mut spec = match (args.address, args.instance.clone()) {
        (Some(address), _) => NewBackend::new(address, args.port),
        (None, Some(instance)) => NewBackend::instance(instance, args.port),
        // clap's group requires one of the two.
        (None, None) => {
            return Err(lb_backends::Error::invalid_input("give --address or --instance").into())
        }
    };
    if let Some(w) = args.weight {
        spec = spec.with_weight(w);
    }
    if let Some(n) = args.name.clone() {
        spec = spec.with_name(n);
    }
    if let Some(s) = args.subnet.clone() {
        spec = spec.with_subnet(s);
    }
    if let Some(up) = args.admin_up {
        spec = spec.with_admin_up(up);
    }
    let mut out = stdout();
    if args.dry_run {
        // Every check `add` would make before sending, so a dry run never approves
        // what the real run refuses.
        provider.check_add(&spec)?;
        let plan = json!({
            "dry_run": true,
            "provider": args.target.provider().as_str(),
            "target": args.target.to_string(),
            "address": spec.address.map(|a| a.to_string()),
            "instance_id": spec.instance_id.as_ref().map(|i| i.as_str()),
            "port": spec.port.get(),
            "weight": spec.weight.map(|w| w.get()),
            "name": spec.name.as_ref().map(|n| n.as_str()),
            "subnet_id": spec.subnet_id.as_ref().map(|s| s.as_str()),
            "admin_up": spec.admin_up,
        });
        let mut text = format!(
            "would add {}:{} to {}",
            fmt_addr(&spec),
            spec.port,
            args.target
        );
        for (key, value) in [
            ("weight", spec.weight.map(|w| w.to_string())),
            ("name", spec.name.as_ref().map(ToString::to_string)),
            ("subnet", spec.subnet_id.as_ref().map(ToString::to_string)),
            ("admin up", spec.admin_up.map(|u| u.to_string())),
        ] {
            if let Some(v) = value {
                text.push_str(&format!(", {key} {v}"));
            }
        }
        print_message(&mut out, ctx.style, &plan, &text)?;
        let code = done(out)?;
        ctx.note("lbb: dry run: nothing was sent");
        return Ok(code);
    }
    let backend = provider.add(&spec).await?;
    print_one(
        &mut out,
        ctx.style,
        &Record::new(&args.target, &backend, ctx.global.raw),
    )?;
    done(out)
}

fn fmt_addr(spec: &NewBackend) -> String {
    match spec.address {
        Some(std::net::IpAddr::V6(a)) => format!("[{a}]"),
        _ => spec.place(),
    }
}
