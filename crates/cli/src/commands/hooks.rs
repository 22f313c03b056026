//! What `add`, `set` and `remove` do for idempotence and waiting, kept out of their
//! files: the idempotent add (`--strict`), the idempotent remove (`--if-exists`), and
//! `--wait`.

use lb_backends::{
    provider::removed,
    workflow::{Condition, Selector, WorkflowError},
    Backend, BackendProvider, BackendProviderExt, BatchOutcome, ErrorKind, NewBackend, ResourceId,
};

use super::{
    wait::{options, wait, AddFlags, WaitFlags},
    Ctx,
};
use crate::{
    cli::Format,
    exit::Failure,
    output::{print_message, print_one, printable, Record},
};

/// Register `spec`, or, when a backend with its address and port is there already,
/// take that one ("exists"; with `--strict`: the add is sent as it is, and the cloud's
/// conflict is the error). Returns it, and whether it was there already.
pub async fn add(
    ctx: &Ctx,
    provider: &dyn BackendProvider,
    spec: &NewBackend,
    flags: &AddFlags,
) -> Result<(Backend, bool), Failure> {
    // --strict: the plain add, sent as it is; the cloud's own conflict error (ELB 409
    // ELB.8907) comes back as it is.
    let outcome = if flags.strict {
        BatchOutcome::changed(provider.add(spec).await?)
    } else {
        provider.add_or_existing(spec).await?
    };
    if outcome.unchanged {
        ctx.note(&printable(&format!(
            "lbb: exists: {} is already at {}:{}; nothing was sent",
            outcome.value.id,
            spec.place(),
            spec.port
        )));
    }
    Ok((outcome.value, outcome.unchanged))
}

/// `add`'s output: the backend, and in JSON also `"exists"` (true: it was there
/// already and nothing was sent).
pub fn print_added(
    ctx: &Ctx,
    out: &mut dyn std::io::Write,
    record: &Record,
    exists: bool,
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Added<'a> {
        #[serde(flatten)]
        record: &'a Record,
        exists: bool,
    }
    match ctx.style.format {
        Format::Json | Format::Ndjson => {
            print_message(out, ctx.style, &Added { record, exists }, "")
        }
        Format::Table | Format::Csv | Format::Fleet => print_one(out, ctx.style, record),
    }
}

/// With `--wait`, wait for `condition` on `backend`, then return it as last seen; a
/// timeout returns it too, with the error to report after printing it.
pub async fn wait_after(
    ctx: &Ctx,
    provider: &dyn BackendProvider,
    backend: Backend,
    condition: Condition,
    flags: &WaitFlags,
) -> Result<(Backend, Option<Failure>), Failure> {
    if !flags.wait {
        return Ok((backend, None));
    }
    let options = options(ctx, flags.wait_timeout, flags.interval)?;
    let selection = [Selector::Id(ResourceId::new(backend.id.clone())?)];
    match wait(ctx, provider, &selection, condition, &options).await {
        Ok(mut states) => Ok((states.remove(0).backend.unwrap_or(backend), None)),
        Err(WorkflowError::TimedOut(mut t)) => {
            let last = t.last.first_mut().and_then(|o| o.backend.clone());
            Ok((
                last.unwrap_or(backend),
                Some(WorkflowError::TimedOut(t).into()),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Remove `id`: a backend found gone after an ambiguous attempt is removed; with
/// `if_exists`, one that was never there is success too. Returns whether this call
/// removed it.
pub async fn remove(
    ctx: &Ctx,
    provider: &dyn BackendProvider,
    id: &ResourceId,
    if_exists: bool,
) -> Result<bool, Failure> {
    match removed(provider.remove(id).await) {
        Ok(()) => Ok(true),
        Err(e) if if_exists && e.kind() == ErrorKind::NotFound => {
            ctx.note(&format!(
                "lbb: {id} is not in {} (nothing to remove; --if-exists)",
                provider.target()
            ));
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// With `--wait`, wait until `id` is absent.
pub async fn wait_gone(
    ctx: &Ctx,
    provider: &dyn BackendProvider,
    id: &ResourceId,
    flags: &WaitFlags,
) -> Result<(), Failure> {
    if !flags.wait {
        return Ok(());
    }
    let options = options(ctx, flags.wait_timeout, flags.interval)?;
    wait(
        ctx,
        provider,
        &[Selector::Id(id.clone())],
        Condition::Absent,
        &options,
    )
    .await?;
    Ok(())
}
