//! `--output csv`: a header line, then one line per backend (RFC 4180 quoting).
//!
//! Written by hand: the quoting rule is four lines, and a CSV crate would add to every
//! build of `lbb` for it.

use std::io::{self, Write};

use super::{Record, Sink};

/// The columns, in order; `instance_lookup` only after `get --instance`.
pub const COLUMNS: &[&str] = &[
    "provider",
    "target",
    "id",
    "address",
    "port",
    "weight",
    "health",
    "admin_state",
    "instance_id",
    "instance_name",
    "instance_kind",
    "instance_state",
    "name",
    "created_at",
];

/// Writes a header before the first record (or at the end when there is none).
#[derive(Debug)]
pub struct CsvSink {
    header_done: bool,
    with_lookup: bool,
}

impl CsvSink {
    /// A sink; `with_lookup` adds the `instance_lookup` column.
    pub fn new(with_lookup: bool) -> Self {
        Self {
            header_done: false,
            with_lookup,
        }
    }

    fn header(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.header_done {
            self.header_done = true;
            let mut cols = COLUMNS.to_vec();
            if self.with_lookup {
                cols.push("instance_lookup");
            }
            writeln!(out, "{}", cols.join(","))?;
        }
        Ok(())
    }
}

impl Sink for CsvSink {
    fn record(&mut self, out: &mut dyn Write, r: &Record) -> io::Result<()> {
        self.header(out)?;
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let inst = r.instance.as_ref();
        let mut fields = vec![
            r.provider.clone(),
            r.target.clone(),
            r.id.clone(),
            opt(&r.address),
            r.port.map(|p| p.to_string()).unwrap_or_default(),
            r.weight.map(|w| w.to_string()).unwrap_or_default(),
            r.health.clone(),
            r.admin_state.clone(),
            inst.map(|i| i.id.clone()).unwrap_or_default(),
            inst.and_then(|i| i.name.clone()).unwrap_or_default(),
            inst.map(|i| i.kind.clone()).unwrap_or_default(),
            inst.and_then(|i| i.state.clone()).unwrap_or_default(),
            opt(&r.name),
            opt(&r.created_at),
        ];
        if self.with_lookup {
            fields.push(
                r.instance_lookup
                    .as_ref()
                    .map(|l| l.result.clone())
                    .unwrap_or_default(),
            );
        }
        let line: Vec<String> = fields.iter().map(|f| escape(f)).collect();
        writeln!(out, "{}", line.join(","))
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.header(out)
    }
}

/// Quote a field when it holds a comma, a quote or a line break; double its quotes.
/// A field starting with `=`, `+`, `-` or `@` is written as is: `lbb` does not guess
/// which program opens the file.
pub fn escape(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(escape("web-01"), "web-01");
        assert_eq!(escape(""), "");
        assert_eq!(escape("a,b"), "\"a,b\"");
        assert_eq!(escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("two\nlines"), "\"two\nlines\"");
    }
}
