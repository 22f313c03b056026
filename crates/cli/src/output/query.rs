//! `--query EXPR`: a JMESPath expression applied to the JSON form of the output, as
//! aws-cli and tccli do. The result is printed as JSON (pretty; compact with `-o
//! ndjson`) whatever the format. A listing is gathered whole before the expression
//! runs (an expression sees the whole document), so `--query` gives up `list`'s
//! streaming.
//!
//! The expression of the run is kept per thread (`lbb` runs on one), set once by the
//! command context.

use std::{
    cell::RefCell,
    io::{self, Write},
    rc::Rc,
};

use jmespath::{Expression, Variable};
use serde::Serialize;

use super::{Record, Sink, Style};
use crate::cli::Format;

thread_local! {
    static QUERY: RefCell<Option<Rc<Expression<'static>>>> = const { RefCell::new(None) };
}

/// Check an expression (clap's value parser for `--query`).
pub fn parse(text: &str) -> Result<String, String> {
    jmespath::compile(text)
        .map(|_| text.to_owned())
        .map_err(|e| {
            format!(
                "not a JMESPath expression: {}",
                e.to_string().replace('\n', " ")
            )
        })
}

/// Use `text` for this run's output (`None`: no query).
pub fn set(text: Option<&str>) -> lb_backends::Result<()> {
    let expr = text
        .map(|t| {
            jmespath::compile(t).map_err(|e| {
                lb_backends::Error::invalid_input(format!(
                    "--query: {}",
                    e.to_string().replace('\n', " ")
                ))
            })
        })
        .transpose()?;
    QUERY.with(|q| *q.borrow_mut() = expr.map(Rc::new));
    Ok(())
}

fn current() -> Option<Rc<Expression<'static>>> {
    QUERY.with(|q| q.borrow().clone())
}

/// Whether a query is set.
pub fn active() -> bool {
    QUERY.with(|q| q.borrow().is_some())
}

/// Write `value` through the query (or as it is, when none is set).
pub fn write<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    style: Style,
    value: &T,
) -> io::Result<()> {
    let bad = |e: jmespath::JmespathError| {
        io::Error::new(io::ErrorKind::InvalidData, format!("--query: {e}"))
    };
    let result = match current() {
        Some(expr) => {
            let data = Variable::from_serializable(value).map_err(bad)?;
            let found = expr.search(data).map_err(bad)?;
            serde_json::to_value(&*found)?
        }
        None => serde_json::to_value(value)?,
    };
    if style.format == Format::Ndjson {
        serde_json::to_writer(&mut *out, &result)?;
    } else {
        serde_json::to_writer_pretty(&mut *out, &result)?;
    }
    writeln!(out)
}

/// A listing gathered whole, then written through the query.
#[derive(Debug)]
pub struct QuerySink {
    style: Style,
    records: Vec<serde_json::Value>,
}

impl QuerySink {
    /// An empty listing.
    pub fn new(style: Style) -> Self {
        Self {
            style,
            records: Vec::new(),
        }
    }
}

impl Sink for QuerySink {
    fn record(&mut self, _out: &mut dyn Write, record: &Record) -> io::Result<()> {
        self.records.push(serde_json::to_value(record)?);
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        write(out, self.style, &self.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_filters_and_projects() {
        set(Some("[?health=='unhealthy'].address")).unwrap();
        let style = Style {
            format: Format::Ndjson,
            color: false,
            width: None,
        };
        let mut out = Vec::new();
        let data = serde_json::json!([
            {"address": "10.0.0.1", "health": "healthy"},
            {"address": "10.0.0.2", "health": "unhealthy"}
        ]);
        write(&mut out, style, &data).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[\"10.0.0.2\"]\n");
        set(None).unwrap();
        assert!(!active());
        assert!(parse("[?").is_err());
    }
}
