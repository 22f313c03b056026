//! `lbb diagnose huawei-elb:POOL MEMBER [--listener ID] [--subject S] [--wait D]`:
//! ELB's diagnosis job for one member, run to its end, its findings printed.

use super::Ctx;
use crate::{cli::DiagnoseArgs, exit::Failure};

#[cfg(feature = "huawei-elb")]
pub async fn run(ctx: &Ctx, args: DiagnoseArgs) -> Result<u8, Failure> {
    use std::io::Write;

    use super::{done, stdout};
    use crate::{cli::Format, output::printable};
    use lb_backends::ProviderKind;

    if args.target.provider() != ProviderKind::HuaweiElb {
        return Err(lb_backends::Error::unsupported(
            args.target.provider(),
            "running a diagnosis job (huawei-elb only)",
        )
        .into());
    }
    let provider =
        crate::connect::huawei_elb(&args.target, &ctx.settings(), ctx.config()?, &ctx.transport)?;
    let d = provider
        .diagnose(
            &args.backend_id,
            args.listener.as_ref(),
            &args.subject,
            args.wait,
            std::time::Duration::from_secs(2)
                .min(args.wait / 4)
                .max(std::time::Duration::from_millis(50)),
        )
        .await?;
    let mut out = stdout();
    match ctx.style.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &d).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut out, &d).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(out, "group,passed,name,severity,reason")?;
            for f in &d.findings {
                writeln!(
                    out,
                    "{},{},{},{},\"{}\"",
                    f.group,
                    f.passed,
                    f.name,
                    f.severity,
                    f.reason.replace('"', "\"\"")
                )?;
            }
        }
        Format::Table | Format::Fleet => {
            writeln!(
                out,
                "job {} for member {} on listener {}: {}",
                printable(&d.job_id),
                d.member_id,
                d.listener_id,
                printable(&d.status)
            )?;
            for f in &d.findings {
                writeln!(
                    out,
                    "  {:15} {:6} {:6} {}  {}",
                    printable(&f.group),
                    if f.passed { "passed" } else { "FAILED" },
                    printable(&f.severity),
                    printable(&f.name),
                    printable(&f.reason)
                )?;
            }
        }
    }
    let code = done(out)?;
    Ok(if d.status == "processed" {
        code
    } else {
        crate::exit::OTHER
    })
}

#[cfg(not(feature = "huawei-elb"))]
pub async fn run(_ctx: &Ctx, args: DiagnoseArgs) -> Result<u8, Failure> {
    Err(lb_backends::Error::unsupported(args.target.provider(), "running a diagnosis job").into())
}
