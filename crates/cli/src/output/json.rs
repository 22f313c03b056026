//! `--output json` (one document; an array for lists) and `--output ndjson` (one
//! object per line).

use std::io::{self, Write};

use serde::Serialize;

use super::{Record, Sink};

/// Pretty JSON and a newline.
pub fn pretty<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Compact JSON on one line.
pub fn line<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

/// A JSON array written as records arrive (`[]` when there are none).
#[derive(Debug, Default)]
pub struct JsonArraySink {
    count: usize,
}

impl Sink for JsonArraySink {
    fn record(&mut self, out: &mut dyn Write, record: &Record) -> io::Result<()> {
        out.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
        self.count += 1;
        // Indent the pretty object by one level inside the array.
        let text = serde_json::to_string_pretty(record)?;
        for (i, l) in text.lines().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            write!(out, "  {l}")?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.count == 0 {
            writeln!(out, "[]")
        } else {
            writeln!(out, "\n]")
        }
    }
}

/// One compact object per line.
#[derive(Debug)]
pub struct NdjsonSink;

impl Sink for NdjsonSink {
    fn record(&mut self, out: &mut dyn Write, record: &Record) -> io::Result<()> {
        line(out, record)
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
