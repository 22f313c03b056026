//! `lbb add TARGET (--address IP | --instance ID) --port N [...] [--dry-run]`.

use serde_json::json;

use lb_backends::NewBackend;

use super::{caps, done, require, stdout, Ctx};
use crate::{
    cli::AddArgs,
    exit::Failure,
    output::{print_message, Record},
};

pub async fn run(ctx: &Ctx, args: AddArgs) -> Result<u8, Failure> {
    if let Some(file) = &args.from {
        let defaults = super::batch::Defaults {
            weight: args.weight,
            name: args.name.clone(),
            subnet: args.subnet.clone(),
            admin_up: args.admin_up,
            backup: args.backup.then_some(true),
            group: args.group.clone(),
            port: None,
        };
        return super::batch::add(ctx, &args.target, file, defaults).await;
    }
    let Some(port) = args.port else {
        return Err(lb_backends::Error::invalid_input("give --port, or --from FILE").into());
    };
    let provider = ctx.provider(&args.target)?;
    require(caps(&*provider).add, &*provider, "adding a backend")?;
    let mut spec = match (args.address, args.instance.clone()) {
        (Some(address), _) => NewBackend::new(address, port),
        (None, Some(instance)) => NewBackend::instance(instance, port),
        // clap's group requires one of the three.
        (None, None) => {
            return Err(lb_backends::Error::invalid_input(
                "give --address or --instance, or --from FILE",
            )
            .into())
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
    if args.backup {
        spec = spec.with_backup(true);
    }
    if let Some(group) = args.group.clone() {
        spec = spec.with_group(group);
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
            "backup": spec.backup,
            "group": spec.group,
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
            ("backup", spec.backup.map(|b| b.to_string())),
            ("group", spec.group.clone()),
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
    // An existing backend at the same address and port is success
    // ("exists", unless --strict); --wait waits until it is healthy.
    let (backend, exists) = super::hooks::add(ctx, &*provider, &spec, &args.ops).await?;
    let (backend, timed_out) = super::hooks::wait_after(
        ctx,
        &*provider,
        backend,
        lb_backends::workflow::Condition::Healthy,
        &args.ops.wait,
    )
    .await?;
    let record = Record::new(&args.target, &backend, ctx.global.raw);
    super::hooks::print_added(ctx, &mut out, &record, exists)?;
    done(out)?;
    timed_out.map_or(Ok(crate::exit::OK), Err)
}

fn fmt_addr(spec: &NewBackend) -> String {
    match spec.address {
        Some(std::net::IpAddr::V6(a)) => format!("[{a}]"),
        _ => spec.place(),
    }
}
