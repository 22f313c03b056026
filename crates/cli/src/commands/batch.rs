//! Batch writes from a file, for every provider: `lbb add TARGET --from FILE`,
//! `lbb remove TARGET --from FILE`, `lbb set TARGET --from FILE`.
//!
//! FILE (`-`: stdin) holds one backend a line, as CSV (`address,port[,weight]` or
//! `id[,weight]`; a first line starting with `address` or `id` is a header) or as JSON
//! lines (`{"address": "10.0.0.5", "port": 80, "weight": 5, "name": "web", "subnet":
//! "...", "backup": false, "group": "blue"}` or `{"id": "...", "weight": 0}`); blank lines and `#` comments are skipped.
//! The whole file is read and checked before anything is sent. The provider's batch
//! operations do the rest (ELB: its batch calls, 200 a call; others: one call a
//! backend), and one row per item says what happened; an item already as asked
//! (present on add, absent on remove) is a success. Exit 0 when every item
//! succeeded, else the exit code of the first failure.

use std::{io::Read, net::IpAddr, path::Path};

use lb_backends::{
    BackendName, BackendProvider, BackendUpdate, Error, NewBackend, Port, ResourceId, Result,
    Target, Weight,
};
use serde::Serialize;
use serde_json::Value;

use super::{done, stdout, Ctx};
use crate::{cli::Format, exit::Failure};

/// The largest batch file read.
const MAX_BATCH_BYTES: u64 = 16 * 1024 * 1024;

/// One line of a batch file.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// Line number (1-based), for errors.
    pub line: usize,
    /// The backend's address.
    pub address: Option<IpAddr>,
    /// Its port.
    pub port: Option<Port>,
    /// Its id.
    pub id: Option<ResourceId>,
    /// A weight.
    pub weight: Option<Weight>,
    /// A name.
    pub name: Option<BackendName>,
    /// A subnet.
    pub subnet: Option<ResourceId>,
    /// A standby backend, or not.
    pub backup: Option<bool>,
    /// The group it joins.
    pub group: Option<String>,
}

impl Row {
    fn item(&self) -> String {
        match (&self.id, self.address, self.port) {
            (Some(id), _, _) => id.to_string(),
            (None, Some(IpAddr::V6(a)), Some(p)) => format!("[{a}]:{p}"),
            (None, Some(a), Some(p)) => format!("{a}:{p}"),
            _ => format!("line {}", self.line),
        }
    }
}

/// Read FILE (`-`: stdin) into rows; any bad line fails the whole file.
pub fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(MAX_BATCH_BYTES + 1)
            .read_to_string(&mut s)
            .map_err(|e| Error::invalid_input(format!("cannot read the batch from stdin: {e}")))?;
        if s.len() as u64 > MAX_BATCH_BYTES {
            return Err(Error::invalid_input(format!(
                "the batch on stdin is larger than {MAX_BATCH_BYTES} bytes"
            )));
        }
        s
    } else {
        crate::config::read_regular_file(path, "batch file", MAX_BATCH_BYTES)?
    };
    parse_rows(&text)
}

fn at_line(line: usize, e: Error) -> Error {
    Error::invalid_input(format!("batch line {line}: {}", e.message()))
}

/// Parse the text of a batch file.
pub fn parse_rows(text: &str) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let row = if l.starts_with('{') {
            json_row(line, l)
        } else {
            let first = l.split(',').next().unwrap_or_default().trim();
            if rows.is_empty()
                && (first.eq_ignore_ascii_case("address") || first.eq_ignore_ascii_case("id"))
            {
                continue;
            }
            csv_row(line, l)
        }
        .map_err(|e| at_line(line, e))?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(Error::invalid_input("the batch file holds no backend"));
    }
    Ok(rows)
}

fn csv_row(line: usize, l: &str) -> Result<Row> {
    let fields: Vec<&str> = l.split(',').map(str::trim).collect();
    let mut row = Row {
        line,
        ..Row::default()
    };
    let weight_at = if let Ok(ip) = fields[0].parse::<IpAddr>() {
        row.address = Some(ip);
        let port = fields.get(1).filter(|p| !p.is_empty()).ok_or_else(|| {
            Error::invalid_input("an address needs its port: ADDRESS,PORT[,WEIGHT]")
        })?;
        row.port = Some(port.parse()?);
        2
    } else {
        row.id = Some(fields[0].parse()?);
        1
    };
    if let Some(w) = fields.get(weight_at).filter(|w| !w.is_empty()) {
        row.weight = Some(w.parse()?);
    }
    if fields.len() > weight_at + 1 {
        return Err(Error::invalid_input(
            "too many fields: ADDRESS,PORT[,WEIGHT] or ID[,WEIGHT]",
        ));
    }
    Ok(row)
}

fn json_row(line: usize, l: &str) -> Result<Row> {
    let v: Value = serde_json::from_str(l)
        .map_err(|e| Error::invalid_input(format!("not a JSON object: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| Error::invalid_input("not a JSON object"))?;
    let mut row = Row {
        line,
        ..Row::default()
    };
    for (k, v) in obj {
        let text = || match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(Error::invalid_input(format!(
                "{k} must be a string or a number"
            ))),
        };
        match k.as_str() {
            "address" => {
                row.address = Some(text()?.parse().map_err(|_| {
                    Error::invalid_input(format!("address {v} is not an IP address"))
                })?);
            }
            "port" => row.port = Some(text()?.parse()?),
            "id" => row.id = Some(text()?.parse()?),
            "weight" => row.weight = Some(text()?.parse()?),
            "name" => row.name = Some(text()?.parse()?),
            "subnet" => row.subnet = Some(text()?.parse()?),
            "backup" => {
                row.backup = Some(
                    v.as_bool()
                        .ok_or_else(|| Error::invalid_input("backup must be true or false"))?,
                );
            }
            "group" => row.group = Some(text()?),
            other => {
                return Err(Error::invalid_input(format!(
                    "unknown key {other:?} (address, port, id, weight, name, subnet, backup, group)"
                )))
            }
        }
    }
    if row.address.is_some() != row.port.is_some() {
        return Err(Error::invalid_input("give address and port together"));
    }
    if row.address.is_none() && row.id.is_none() {
        return Err(Error::invalid_input("give an id, or an address and port"));
    }
    Ok(row)
}

/// What happened to one item.
#[derive(Debug, Serialize)]
struct Outcome {
    item: String,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip)]
    failure: Option<Error>,
}

fn outcome<T>(
    item: String,
    result: Result<lb_backends::provider::BatchOutcome<T>>,
    done: (&'static str, &'static str),
    id_of: impl Fn(&T) -> Option<String>,
) -> Outcome {
    match result {
        Ok(o) => Outcome {
            item,
            outcome: if o.unchanged { done.1 } else { done.0 },
            id: id_of(&o.value),
            error: None,
            failure: None,
        },
        Err(e) => Outcome {
            item,
            outcome: "failed",
            id: None,
            error: Some(crate::exit::describe(&e)),
            failure: Some(e),
        },
    }
}

/// The defaults the command line gives every row.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    /// `--weight`.
    pub weight: Option<Weight>,
    /// `--name`.
    pub name: Option<BackendName>,
    /// `--subnet`.
    pub subnet: Option<ResourceId>,
    /// `--admin-up`.
    pub admin_up: Option<bool>,
    /// `--backup`.
    pub backup: Option<bool>,
    /// `--group`.
    pub group: Option<String>,
    /// `--port` (set).
    pub port: Option<Port>,
}

/// `lbb add TARGET --from FILE`.
pub async fn add(ctx: &Ctx, target: &Target, file: &Path, d: Defaults) -> Result<u8, Failure> {
    let rows = read_rows(file)?;
    let mut specs = Vec::with_capacity(rows.len());
    for r in &rows {
        let (Some(address), Some(port)) = (r.address, r.port) else {
            return Err(at_line(r.line, Error::invalid_input("add needs ADDRESS,PORT")).into());
        };
        let mut spec = NewBackend::new(address, port);
        if let Some(w) = r.weight.or(d.weight) {
            spec = spec.with_weight(w);
        }
        if let Some(n) = r.name.clone().or_else(|| d.name.clone()) {
            spec = spec.with_name(n);
        }
        if let Some(s) = r.subnet.clone().or_else(|| d.subnet.clone()) {
            spec = spec.with_subnet(s);
        }
        if let Some(up) = d.admin_up {
            spec = spec.with_admin_up(up);
        }
        if let Some(backup) = r.backup.or(d.backup) {
            spec = spec.with_backup(backup);
        }
        if let Some(group) = r.group.clone().or_else(|| d.group.clone()) {
            spec = spec.with_group(group);
        }
        specs.push(spec);
    }
    let provider = ctx.provider(target)?;
    let results = provider.add_many(&specs).await;
    let out: Vec<Outcome> = rows
        .iter()
        .zip(results)
        .map(|(r, res)| {
            outcome(r.item(), res, ("added", "already present"), |b| {
                Some(b.id.clone())
            })
        })
        .collect();
    finish(ctx, out)
}

/// `lbb remove TARGET --from FILE`: rows by id go to `remove_many`, rows by address
/// and port to `remove_many_at`.
pub async fn remove(ctx: &Ctx, target: &Target, file: &Path) -> Result<u8, Failure> {
    let rows = read_rows(file)?;
    let provider: Box<dyn BackendProvider> = ctx.provider(target)?;
    let by_id: Vec<(usize, ResourceId)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.id.clone().map(|id| (i, id)))
        .collect();
    let by_at: Vec<(usize, (IpAddr, Port))> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match (r.id.is_none(), r.address, r.port) {
            (true, Some(a), Some(p)) => Some((i, (a, p))),
            _ => None,
        })
        .collect();
    let mut out: Vec<Option<Outcome>> = rows.iter().map(|_| None).collect();
    if !by_id.is_empty() {
        let ids: Vec<ResourceId> = by_id.iter().map(|(_, id)| id.clone()).collect();
        for ((i, _), res) in by_id.iter().zip(provider.remove_many(&ids).await) {
            out[*i] = Some(outcome(
                rows[*i].item(),
                res,
                ("removed", "already absent"),
                |id| Some(id.to_string()),
            ));
        }
    }
    if !by_at.is_empty() {
        let at: Vec<(IpAddr, Port)> = by_at.iter().map(|(_, e)| *e).collect();
        for ((i, _), res) in by_at.iter().zip(provider.remove_many_at(&at).await) {
            out[*i] = Some(outcome(
                rows[*i].item(),
                res,
                ("removed", "already absent"),
                |id| id.as_ref().map(ToString::to_string),
            ));
        }
    }
    finish(ctx, out.into_iter().flatten().collect())
}

/// `lbb set TARGET --from FILE`: each row's id with its weight (or the command
/// line's `--weight`, `--name`, `--port`, `--admin-up`).
pub async fn set(ctx: &Ctx, target: &Target, file: &Path, d: Defaults) -> Result<u8, Failure> {
    let rows = read_rows(file)?;
    let provider = ctx.provider(target)?;
    let mut changes = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(id) = r.id.clone() else {
            return Err(at_line(r.line, Error::invalid_input("set needs the backend's id")).into());
        };
        if r.subnet.is_some() || r.backup.is_some() || r.group.is_some() {
            let why = "set changes a backend's weight, name, port and admin state; \
                       its subnet, backup and group are given when it is added";
            return Err(at_line(r.line, Error::invalid_input(why)).into());
        }
        let mut change = BackendUpdate::new();
        if let Some(w) = r.weight.or(d.weight) {
            change = change.with_weight(w);
        }
        if let Some(n) = r.name.clone().or_else(|| d.name.clone()) {
            change = change.with_name(n);
        }
        if let Some(p) = d.port {
            change = change.with_port(p);
        }
        if let Some(up) = d.admin_up {
            change = change.with_admin_up(up);
        }
        change.ensure_not_empty().map_err(|e| at_line(r.line, e))?;
        changes.push((id, change));
    }
    let results = provider.update_many(&changes).await;
    let out: Vec<Outcome> = rows
        .iter()
        .zip(results)
        .map(|(r, res)| {
            outcome(r.item(), res, ("updated", "unchanged"), |b| {
                Some(b.id.clone())
            })
        })
        .collect();
    finish(ctx, out)
}

fn finish(ctx: &Ctx, rows: Vec<Outcome>) -> Result<u8, Failure> {
    let mut out = stdout();
    print(&mut out, ctx.style.format, &rows)?;
    let failed: Vec<&Outcome> = rows.iter().filter(|r| r.failure.is_some()).collect();
    done(out)?;
    match failed.first().and_then(|f| f.failure.as_ref()) {
        None => Ok(crate::exit::OK),
        Some(first) => {
            ctx.note(&format!(
                "lbb: {} of {} items failed",
                failed.len(),
                rows.len()
            ));
            Ok(crate::exit::code_of(first.kind()))
        }
    }
}

fn print(out: &mut dyn std::io::Write, format: Format, rows: &[Outcome]) -> std::io::Result<()> {
    use crate::output::printable;
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for r in rows {
                serde_json::to_writer(&mut *out, r)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            writeln!(out, "item,outcome,id,error")?;
            for r in rows {
                let error = r.error.as_deref().unwrap_or_default().replace('"', "\"\"");
                writeln!(
                    out,
                    "{},{},{},\"{}\"",
                    r.item,
                    r.outcome,
                    r.id.as_deref().unwrap_or_default(),
                    error
                )?;
            }
            Ok(())
        }
        Format::Table | Format::Fleet => {
            let w_item = rows.iter().map(|r| r.item.len()).max().unwrap_or(4).max(4);
            let w_out = rows
                .iter()
                .map(|r| r.outcome.len())
                .max()
                .unwrap_or(7)
                .max(7);
            let w_id = rows
                .iter()
                .map(|r| r.id.as_deref().map_or(1, str::len))
                .max()
                .unwrap_or(2)
                .max(2);
            writeln!(
                out,
                "{:w_item$}  {:w_out$}  {:w_id$}  ERROR",
                "ITEM", "OUTCOME", "ID"
            )?;
            for r in rows {
                writeln!(
                    out,
                    "{:w_item$}  {:w_out$}  {:w_id$}  {}",
                    r.item,
                    r.outcome,
                    r.id.as_deref().unwrap_or("-"),
                    printable(r.error.as_deref().unwrap_or("-")),
                )?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_lines_parse_and_bad_lines_are_named() {
        let rows = parse_rows(
            "address,port,weight\n10.0.0.1,80\n10.0.0.2, 81, 5\n# c\n\n{\"id\": \"m-1\", \"weight\": 0}\nm-2\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].weight.map(|w| w.get()), Some(5));
        assert_eq!(rows[2].id.as_ref().unwrap().as_str(), "m-1");
        assert_eq!(rows[3].item(), "m-2");
        for bad in [
            "10.0.0.1",
            "10.0.0.1,0",
            "10.0.0.1,80,x",
            "a/b",
            "{\"address\": \"10.0.0.1\"}",
            "",
            "10.0.0.1,80,1,2",
        ] {
            assert!(parse_rows(bad).is_err(), "{bad:?}");
        }
        let err = parse_rows("10.0.0.1,80\n10.0.0.2,99999").unwrap_err();
        assert!(err.message().starts_with("batch line 2"), "{err}");
    }
}
