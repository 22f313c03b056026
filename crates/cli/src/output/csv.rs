//! `--output csv`: a header line, then one line per backend (RFC 4180 quoting).
//!
//! Written by hand: the quoting rule is four lines, and a CSV crate would add to every
//! build of `lbb` for it.

use std::io::{self, Write};

use lb_backends::Backend;

use super::{direct, Record, Sink};

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
    /// One line, reused: the record reaches the output in one write.
    line: String,
    /// The same for a listed backend, written directly.
    bytes: Vec<u8>,
}

impl CsvSink {
    /// A sink; `with_lookup` adds the `instance_lookup` column.
    pub fn new(with_lookup: bool) -> Self {
        Self {
            header_done: false,
            with_lookup,
            line: String::new(),
            bytes: Vec::new(),
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
        // Borrowed from the record, each field escaped only when it must be.
        fn opt(v: &Option<String>) -> &str {
            v.as_deref().unwrap_or_default()
        }
        let inst = r.instance.as_ref();
        let port = r.port.map(|p| p.to_string()).unwrap_or_default();
        let weight = r.weight.map(|w| w.to_string()).unwrap_or_default();
        let mut fields: Vec<&str> = vec![
            &r.provider,
            &r.target,
            &r.id,
            opt(&r.address),
            &port,
            &weight,
            &r.health,
            &r.admin_state,
            inst.map_or("", |i| i.id.as_str()),
            inst.and_then(|i| i.name.as_deref()).unwrap_or_default(),
            inst.map_or("", |i| i.kind.as_str()),
            inst.and_then(|i| i.state.as_deref()).unwrap_or_default(),
            opt(&r.name),
            opt(&r.created_at),
        ];
        if self.with_lookup {
            fields.push(r.instance_lookup.as_ref().map_or("", |l| l.result.as_str()));
        }
        self.line.clear();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            if field.contains([',', '"', '\n', '\r']) {
                self.line.push_str(&escape(field));
            } else {
                self.line.push_str(field);
            }
        }
        self.line.push('\n');
        out.write_all(self.line.as_bytes())
    }

    fn listed(
        &mut self,
        out: &mut dyn Write,
        target: &str,
        backend: &Backend,
        raw: bool,
    ) -> io::Result<()> {
        if self.with_lookup {
            let record = Record::with_target(target.to_owned(), backend, raw);
            return self.record(out, &record);
        }
        self.header(out)?;
        self.bytes.clear();
        direct::csv_line(&mut self.bytes, target, backend);
        out.write_all(&self.bytes)
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.header(out)
    }
}

/// Quote a field when it holds a comma, a quote or a line break; double its quotes.
/// A field starting with `=`, `+`, `-` or `@` is written as is: `lbb` does not guess
/// which program opens the file.
pub use lb_backends_cli_direct::csv_escape as escape;

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
