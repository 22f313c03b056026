//! `lbb describe TARGET`: what the cloud says about the target itself (the ELB pool,
//! the APIG channel, ...), for every provider; one without `describe` says so
//! (`Unsupported`, exit 2).

use std::io::Write;

use lb_backends::Target;
use serde_json::{json, Value};

use super::{done, stdout, Ctx};
use crate::{cli::Format, exit::Failure, output::printable};

pub async fn run(ctx: &Ctx, target: &Target) -> Result<u8, Failure> {
    let provider = ctx.provider(target)?;
    let info = provider.describe().await?;
    let mut out = stdout();
    let settings = info.settings.to_value();
    let doc = json!({
        "provider": target.provider().as_str(),
        "target": target.to_string(),
        "name": info.name,
        "protocol": info.protocol,
        "port": info.port,
        "load_balancer": info.load_balancer,
        "drain_timeout": info.drain_timeout.map(|d| d.as_secs()),
        "settings": settings,
    });
    match ctx.style.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Table | Format::Csv | Format::Fleet => {
            let mut rows: Vec<(String, String)> = vec![("target".into(), target.to_string())];
            for (k, v) in [
                ("name", info.name.clone()),
                ("protocol", info.protocol.clone()),
                ("port", info.port.map(|p| p.to_string())),
                ("load balancer", info.load_balancer.clone()),
                (
                    "drain timeout",
                    info.drain_timeout.map(|d| format!("{}s", d.as_secs())),
                ),
            ] {
                if let Some(v) = v {
                    rows.push((k.into(), v));
                }
            }
            if let Value::Object(m) = &settings {
                for (k, v) in m {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    rows.push((k.clone(), text));
                }
            }
            if ctx.style.format == Format::Csv {
                writeln!(out, "key,value")?;
                for (k, v) in rows {
                    writeln!(out, "{k},\"{}\"", v.replace('"', "\"\""))?;
                }
            } else {
                let w = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (k, v) in rows {
                    writeln!(out, "{k:w$}  {}", printable(&v))?;
                }
            }
        }
    }
    done(out)
}
