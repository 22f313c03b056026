//! What `lbb` prints on stdout: one [`Record`] per backend, in the chosen format.
//!
//! The JSON field names and values are a stable interface, documented in
//! `docs/cli.md`; add fields, never rename or remove one.

mod csv;
mod direct;
mod json;
pub mod query;
mod spool;
mod table;

use std::io::{self, IsTerminal, Write};

use lb_backends::{AdminState, Backend, Health, InstanceLookup, InstanceRef, Target};
use serde::Serialize;

use crate::cli::Format;

pub use spool::ListingOut;
pub use table::render_get;

/// The cloud instance behind a backend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceRecord {
    /// ECS id, `ins-...`, `cpm-...`.
    pub id: String,
    /// Its name, when the cloud reports it.
    pub name: Option<String>,
    /// `ecs`, `cvm`, `bare_metal`, or `unknown:VALUE`.
    pub kind: String,
    /// Lifecycle state (`running`, `stopped`, ...), when the cloud reports it.
    pub state: Option<String>,
}

impl From<&InstanceRef> for InstanceRecord {
    fn from(i: &InstanceRef) -> Self {
        Self {
            id: i.id.clone(),
            name: i.name.clone(),
            kind: label(&i.kind),
            state: i.state.as_ref().map(label),
        }
    }
}

/// Health seen by one listener.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListenerHealthRecord {
    /// The listener's id.
    pub listener_id: String,
    /// Its view of the backend's health.
    pub health: String,
    /// Why, when the cloud says (ELB `status[].reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<lb_backends::HealthDetail>,
}

/// The answer of `get --instance`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LookupRecord {
    /// `found`, `not_bound`, `no_match`, `ambiguous`, or `unsupported`.
    pub result: String,
    /// The instance, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<InstanceRecord>,
    /// The candidates' ids, when ambiguous.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

impl From<&InstanceLookup> for LookupRecord {
    fn from(l: &InstanceLookup) -> Self {
        let mut record = Self {
            result: "unknown".into(),
            instance: None,
            candidates: Vec::new(),
        };
        match l {
            InstanceLookup::Found { instance } => {
                record.result = "found".into();
                record.instance = Some(instance.into());
            }
            InstanceLookup::NotBound => record.result = "not_bound".into(),
            InstanceLookup::NoMatch => record.result = "no_match".into(),
            InstanceLookup::Ambiguous { candidates } => {
                record.result = "ambiguous".into();
                record.candidates.clone_from(candidates);
            }
            _ => {}
        }
        record
    }
}

/// One backend as `lbb` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// `huawei-elb`, `huawei-apig`, `tencent-clb`, `tencent-bmlb`.
    pub provider: String,
    /// The target, in its textual form.
    pub target: String,
    /// The backend's id within its target.
    pub id: String,
    /// IP address.
    pub address: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// Weight 0-100.
    pub weight: Option<u16>,
    /// `healthy`, `unhealthy`, `pending`, `unmonitored`, `not_reported`, `unknown:VALUE`.
    pub health: String,
    /// Why the health is what it is, when the cloud says (ELB `reason`: `code`,
    /// `expected`, `observed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_detail: Option<lb_backends::HealthDetail>,
    /// Health per listener, when the cloud reports it.
    pub listener_health: Vec<ListenerHealthRecord>,
    /// `up`, `down`, `not_reported`.
    pub admin_state: String,
    /// The instance behind the backend, when known without another call.
    pub instance: Option<InstanceRecord>,
    /// The backend's own name.
    pub name: Option<String>,
    /// Creation time as the cloud wrote it.
    pub created_at: Option<String>,
    /// Only from `get --instance`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_lookup: Option<LookupRecord>,
    /// Only with `--raw`: the cloud's record, whole, written as the cloud sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<lb_backends::RawRecord>,
}

/// `text` with every control character and every bidirectional formatting character
/// escaped (`\u{1b}`, `\n`, `\u{202e}`): what a cloud put in a name or a message must
/// not drive the operator's terminal, nor reorder the line it is shown on.
pub fn printable(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if needs_escape(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Control characters, Unicode's bidirectional marks, embeddings, overrides and
/// isolates (UAX #9), and the line and paragraph separators.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

impl Record {
    /// A copy fit for a terminal: every text field from the cloud passed through
    /// [`printable`]. Tables use it; JSON escapes control characters itself and CSV
    /// keeps values exact for the programs that read it.
    pub fn for_terminal(&self) -> Self {
        let opt = |s: &Option<String>| s.as_deref().map(printable);
        let instance = |i: &InstanceRecord| InstanceRecord {
            id: printable(&i.id),
            name: opt(&i.name),
            kind: printable(&i.kind),
            state: opt(&i.state),
        };
        Self {
            provider: self.provider.clone(),
            target: printable(&self.target),
            id: printable(&self.id),
            address: opt(&self.address),
            port: self.port,
            weight: self.weight,
            health: printable(&self.health),
            health_detail: self.health_detail.clone(),
            listener_health: self
                .listener_health
                .iter()
                .map(|l| ListenerHealthRecord {
                    listener_id: printable(&l.listener_id),
                    health: printable(&l.health),
                    detail: l.detail.clone(),
                })
                .collect(),
            admin_state: printable(&self.admin_state),
            instance: self.instance.as_ref().map(instance),
            name: opt(&self.name),
            created_at: opt(&self.created_at),
            instance_lookup: self.instance_lookup.as_ref().map(|l| LookupRecord {
                result: printable(&l.result),
                instance: l.instance.as_ref().map(instance),
                candidates: l.candidates.iter().map(|c| printable(c)).collect(),
            }),
            raw: None,
        }
    }

    /// The record of `backend` of `target`; its raw record kept when `raw`.
    pub fn new(target: &Target, backend: &Backend, raw: bool) -> Self {
        Self::with_target(target.to_string(), backend, raw)
    }

    /// [`new`](Self::new) with the target already written out (a listing writes it
    /// once, not once per backend).
    pub fn with_target(target: String, backend: &Backend, raw: bool) -> Self {
        Self {
            provider: backend.provider.as_str().to_owned(),
            target,
            id: backend.id.clone(),
            address: backend.address.map(|a| a.to_string()),
            port: backend.port,
            weight: backend.weight,
            health: health_label(&backend.health),
            health_detail: backend.health_detail.as_deref().cloned(),
            listener_health: backend
                .listener_health
                .iter()
                .map(|l| ListenerHealthRecord {
                    listener_id: l.listener_id.clone(),
                    health: health_label(&l.health),
                    detail: l.detail.as_deref().cloned(),
                })
                .collect(),
            admin_state: match backend.admin_state {
                AdminState::Up => "up".to_owned(),
                AdminState::Down => "down".to_owned(),
                AdminState::NotReported => "not_reported".to_owned(),
                other => label(&other),
            },
            instance: backend.instance.as_ref().map(InstanceRecord::from),
            name: backend.name.clone(),
            created_at: backend.created_at.clone(),
            instance_lookup: None,
            raw: raw.then(|| backend.raw.clone()),
        }
    }
}

/// [`label`] of a health, without serializing the known ones.
fn health_label(health: &Health) -> String {
    match health {
        Health::Healthy => "healthy",
        Health::Unhealthy => "unhealthy",
        Health::Pending => "pending",
        Health::Unmonitored => "unmonitored",
        Health::NotReported => "not_reported",
        other => return label(other),
    }
    .to_owned()
}

pub use lb_backends_cli_direct::label;

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// The format.
    pub format: Format,
    /// Colour in tables (stdout is a terminal and `NO_COLOR` is not set).
    pub color: bool,
    /// Fit tables to this width (stdout is a terminal of this width).
    pub width: Option<usize>,
}

impl Style {
    /// The style for `format` on this process's stdout.
    pub fn detect(format: Format) -> Self {
        let tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let width = tty
            .then(|| {
                console::Term::stdout()
                    .size_checked()
                    .map(|(_, w)| usize::from(w))
                    .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
            })
            .flatten()
            .filter(|w| *w > 20);
        Self {
            format,
            color: tty && !no_color,
            width,
        }
    }
}

/// Where backends go, one at a time, in the chosen format.
pub trait Sink {
    /// One backend.
    fn record(&mut self, out: &mut dyn Write, record: &Record) -> io::Result<()>;
    /// One listed backend of `target` (its text form), its raw record kept when `raw`:
    /// what [`record`](Self::record) writes of its [`Record`], which the formats a
    /// listing streams write straight from the backend, without building the record.
    fn listed(
        &mut self,
        out: &mut dyn Write,
        target: &str,
        backend: &Backend,
        raw: bool,
    ) -> io::Result<()> {
        self.record(out, &Record::with_target(target.to_owned(), backend, raw))
    }
    /// No more backends.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// The listing failed after some backends: write out any held back, without
    /// closing the document (a JSON array stays open, so no parser takes a cut
    /// listing for a whole one).
    fn abort(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let _ = out;
        Ok(())
    }
}

/// A sink for a list of backends (`list`, `inventory`); `with_target` adds a TARGET
/// column to tables.
pub fn list_sink(style: Style, with_target: bool) -> Box<dyn Sink> {
    if query::active() {
        return Box::new(query::QuerySink::new(style));
    }
    match style.format {
        Format::Table | Format::Fleet => Box::new(table::TableSink::new(style, with_target)),
        Format::Json => Box::new(json::JsonArraySink::default()),
        Format::Ndjson => Box::new(json::NdjsonSink::default()),
        Format::Csv => Box::new(csv::CsvSink::new(false)),
    }
}

/// Print one backend (`get`, `add`, `set`).
pub fn print_one(out: &mut dyn Write, style: Style, record: &Record) -> io::Result<()> {
    if query::active() {
        return query::write(out, style, record);
    }
    match style.format {
        Format::Table | Format::Fleet => render_get(out, style, &record.for_terminal()),
        Format::Json => json::pretty(out, record),
        Format::Ndjson => json::line(out, record),
        Format::Csv => {
            let mut sink = csv::CsvSink::new(record.instance_lookup.is_some());
            sink.record(out, record)?;
            sink.finish(out)
        }
    }
}

/// Print any serializable value in a JSON format, or `text` for table and CSV.
pub fn print_message<T: Serialize>(
    out: &mut dyn Write,
    style: Style,
    value: &T,
    text: &str,
) -> io::Result<()> {
    if query::active() {
        return query::write(out, style, value);
    }
    match style.format {
        Format::Json => json::pretty(out, value),
        Format::Ndjson => json::line(out, value),
        Format::Table | Format::Csv | Format::Fleet => writeln!(out, "{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lb_backends::{InstanceKind, InstanceState};

    #[test]
    fn control_characters_never_reach_a_terminal() {
        assert_eq!(printable("web-01 名字"), "web-01 名字");
        assert_eq!(printable("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert!(!printable("\u{7}\u{9b}x").chars().any(char::is_control));
        // Bidirectional overrides and isolates would reorder the operator's line.
        let evil = "web\u{202e}1-bew\u{2066}x\u{2069}\u{200f}\u{61c}\u{2028}";
        let shown = printable(evil);
        assert!(!shown.chars().any(needs_escape), "{shown}");
        assert_eq!(
            shown,
            "web\\u{202e}1-bew\\u{2066}x\\u{2069}\\u{200f}\\u{61c}\\u{2028}"
        );
    }

    #[test]
    fn the_quick_labels_are_the_serde_ones() {
        for h in [
            Health::Healthy,
            Health::Unhealthy,
            Health::Pending,
            Health::Unmonitored,
            Health::NotReported,
            Health::Unknown("X".into()),
        ] {
            assert_eq!(health_label(&h), label(&h));
        }
    }

    #[test]
    fn labels_are_stable_words() {
        assert_eq!(label(&Health::Healthy), "healthy");
        assert_eq!(label(&Health::NotReported), "not_reported");
        assert_eq!(
            label(&Health::Unknown("DEGRADED".into())),
            "unknown:DEGRADED"
        );
        assert_eq!(label(&AdminState::Down), "down");
        assert_eq!(label(&InstanceKind::BareMetal), "bare_metal");
        assert_eq!(label(&InstanceState::ShuttingDown), "shutting_down");
    }
}
