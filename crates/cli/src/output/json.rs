//! `--output json` (one document; an array for lists) and `--output ndjson` (one
//! object per line).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use lb_backends::Backend;

use super::{
    direct::{self, Json},
    Record, Sink,
};

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
    /// One record's text, reused: the record reaches the output in one write.
    buf: Vec<u8>,
}

impl Sink for JsonArraySink {
    fn record(&mut self, out: &mut dyn Write, record: &Record) -> io::Result<()> {
        self.buf.clear();
        self.buf
            .extend_from_slice(if self.count == 0 { b"[\n  " } else { b",\n  " });
        self.count += 1;
        // Written directly, one level deep: the pretty formatter starts inside the
        // array, so the object's lines are indented as an element's are.
        let mut element = PrettyFormatter::new();
        element.begin_array(&mut io::sink())?;
        let mut serializer = serde_json::Serializer::with_formatter(&mut self.buf, element);
        record.serialize(&mut serializer)?;
        out.write_all(&self.buf)
    }

    fn listed(
        &mut self,
        out: &mut dyn Write,
        target: &str,
        backend: &Backend,
        raw: bool,
    ) -> io::Result<()> {
        self.buf.clear();
        self.buf
            .extend_from_slice(if self.count == 0 { b"[\n  " } else { b",\n  " });
        self.count += 1;
        Json::new(&mut self.buf, Some(1)).backend(target, backend, raw);
        out.write_all(&self.buf)
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
#[derive(Debug, Default)]
pub struct NdjsonSink {
    /// One line, reused: the record reaches the output in one write.
    buf: Vec<u8>,
}

impl Sink for NdjsonSink {
    fn record(&mut self, out: &mut dyn Write, record: &Record) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, record)?;
        self.buf.push(b'\n');
        out.write_all(&self.buf)
    }

    fn listed(
        &mut self,
        out: &mut dyn Write,
        target: &str,
        backend: &Backend,
        raw: bool,
    ) -> io::Result<()> {
        self.buf.clear();
        direct::compact(&mut self.buf, target, backend, raw);
        self.buf.push(b'\n');
        out.write_all(&self.buf)
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
