//! The per-member writers of `lbb`'s listings, in a crate of their own so that the
//! release profile builds them at opt-level 3 (a listing writes tens of thousands of
//! backends) while the rest of the CLI, run once per command, is built for size.
//! `lbb`'s tests (crates/cli, `output::direct`) hold these writers to the bytes of
//! the serialized record.
//!
//! A listed backend written straight from the [`Backend`], borrowing: the same bytes
//! as its [`Record`](super::Record) serialized (JSON compact or pretty, CSV), without
//! building the record. A listing writes tens of thousands of these; the tests below
//! hold the two paths to the same output.

use std::{borrow::Cow, io::Write as _, net::IpAddr};

use lb_backends_core::{AdminState, Backend, Health, HealthDetail, InstanceKind};
use serde::Serialize;

/// `health_label` (lbb's output module), borrowed for the known values.
pub fn health_word(health: &Health) -> Cow<'static, str> {
    Cow::Borrowed(match health {
        Health::Healthy => "healthy",
        Health::Unhealthy => "unhealthy",
        Health::Pending => "pending",
        Health::Unmonitored => "unmonitored",
        Health::NotReported => "not_reported",
        other => return Cow::Owned(label(other)),
    })
}

/// The record's `admin_state`.
pub fn admin_word(state: AdminState) -> Cow<'static, str> {
    Cow::Borrowed(match state {
        AdminState::Up => "up",
        AdminState::Down => "down",
        AdminState::NotReported => "not_reported",
        other => return Cow::Owned(label(&other)),
    })
}

/// An instance's `kind`.
pub fn kind_word(kind: &InstanceKind) -> Cow<'static, str> {
    Cow::Borrowed(match kind {
        InstanceKind::Ecs => "ecs",
        InstanceKind::Cvm => "cvm",
        InstanceKind::BareMetal => "bare_metal",
        other => return Cow::Owned(label(other)),
    })
}

/// An address as `IpAddr`'s `Display` writes it, IPv4 without the formatter.
pub fn address(buf: &mut Vec<u8>, address: IpAddr) {
    match address {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    buf.push(b'.');
                }
                number(buf, u64::from(octet));
            }
        }
        IpAddr::V6(v6) => {
            let _ = write!(buf, "{v6}");
        }
    }
}

/// The fields of a [`HealthDetail`] in its `Serialize` order.
fn detail_fields(d: &HealthDetail) -> [(&'static str, Option<&str>); 3] {
    [
        ("code", d.code.as_deref()),
        ("expected", d.expected.as_deref()),
        ("observed", d.observed.as_deref()),
    ]
}

/// A [`HealthDetail`] as compact JSON, absent fields left out.
fn compact_detail(buf: &mut Vec<u8>, d: &HealthDetail) {
    buf.push(b'{');
    let mut first = true;
    for (k, v) in detail_fields(d) {
        if let Some(v) = v {
            if !first {
                buf.push(b',');
            }
            first = false;
            buf.push(b'"');
            buf.extend_from_slice(k.as_bytes());
            buf.extend_from_slice(b"\":");
            string(buf, v);
        }
    }
    buf.push(b'}');
}

/// A whole number in decimal.
pub fn number(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[at..]);
}

/// JSON text of a record, compact (`indent` `None`) or pretty as serde_json's
/// `PrettyFormatter` writes it (two spaces a level, starting at level `indent`).
#[derive(Debug)]
pub struct Json<'b> {
    buf: &'b mut Vec<u8>,
    indent: Option<usize>,
    /// Nothing written yet at the current level.
    first: bool,
}

impl<'b> Json<'b> {
    pub fn new(buf: &'b mut Vec<u8>, indent: Option<usize>) -> Self {
        Self {
            buf,
            indent,
            first: true,
        }
    }

    fn newline(&mut self) {
        if let Some(level) = self.indent {
            self.buf.push(b'\n');
            self.buf.resize(self.buf.len() + 2 * level, b' ');
        }
    }

    fn open(&mut self, bracket: u8) {
        self.buf.push(bracket);
        if let Some(level) = &mut self.indent {
            *level += 1;
        }
        self.first = true;
    }

    fn close(&mut self, bracket: u8) {
        if let Some(level) = &mut self.indent {
            *level -= 1;
            if !self.first {
                self.newline();
            }
        }
        self.buf.push(bracket);
        self.first = false;
    }

    /// Before an element of an array, or a key of an object.
    fn next(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.newline();
    }

    /// A key of ours (plain ASCII: nothing to escape).
    fn key(&mut self, key: &str) {
        self.next();
        self.buf.push(b'"');
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b"\":");
        if self.indent.is_some() {
            self.buf.push(b' ');
        }
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        string(self.buf, value);
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        self.key(key);
        match value {
            Some(v) => string(self.buf, v),
            None => self.buf.extend_from_slice(b"null"),
        }
    }

    fn opt_number(&mut self, key: &str, value: Option<u64>) {
        self.key(key);
        match value {
            Some(n) => number(self.buf, n),
            None => self.buf.extend_from_slice(b"null"),
        }
    }

    /// A [`HealthDetail`] as its `Serialize` writes it (absent fields left out).
    fn detail(&mut self, key: &str, d: &HealthDetail) {
        self.key(key);
        self.open(b'{');
        for (k, v) in detail_fields(d) {
            if let Some(v) = v {
                self.str(k, v);
            }
        }
        self.close(b'}');
    }

    /// The record of `backend` listed in `target` (`raw`: with the cloud's record).
    pub fn backend(mut self, target: &str, b: &Backend, raw: bool) {
        self.open(b'{');
        self.str("provider", b.provider.as_str());
        self.str("target", target);
        self.str("id", &b.id);
        self.key("address");
        match b.address {
            Some(a) => {
                self.buf.push(b'"');
                address(self.buf, a);
                self.buf.push(b'"');
            }
            None => self.buf.extend_from_slice(b"null"),
        }
        self.opt_number("port", b.port.map(u64::from));
        self.opt_number("weight", b.weight.map(u64::from));
        self.str("health", &health_word(&b.health));
        if let Some(d) = &b.health_detail {
            self.detail("health_detail", d);
        }
        self.key("listener_health");
        self.open(b'[');
        for l in &b.listener_health {
            self.next();
            self.open(b'{');
            self.str("listener_id", &l.listener_id);
            self.str("health", &health_word(&l.health));
            if let Some(d) = &l.detail {
                self.detail("detail", d);
            }
            self.close(b'}');
        }
        self.close(b']');
        self.str("admin_state", &admin_word(b.admin_state));
        self.key("instance");
        match &b.instance {
            Some(i) => {
                self.open(b'{');
                self.str("id", &i.id);
                self.opt_str("name", i.name.as_deref());
                self.str("kind", &kind_word(&i.kind));
                let state = i.state.as_ref().map(label);
                self.opt_str("state", state.as_deref());
                self.close(b'}');
            }
            None => self.buf.extend_from_slice(b"null"),
        }
        self.opt_str("name", b.name.as_deref());
        self.opt_str("created_at", b.created_at.as_deref());
        if raw {
            self.key("raw");
            self.buf.extend_from_slice(b.raw.as_str().as_bytes());
        }
        self.close(b'}');
    }
}

/// The compact (ndjson) record of `backend` listed in `target`: what [`Json::backend`]
/// writes without indentation, with the text between values written in one piece.
pub fn compact(buf: &mut Vec<u8>, target: &str, b: &Backend, raw: bool) {
    fn opt(buf: &mut Vec<u8>, value: Option<&str>) {
        match value {
            Some(v) => string(buf, v),
            None => buf.extend_from_slice(b"null"),
        }
    }
    fn opt_number(buf: &mut Vec<u8>, value: Option<u64>) {
        match value {
            Some(n) => number(buf, n),
            None => buf.extend_from_slice(b"null"),
        }
    }
    buf.extend_from_slice(b"{\"provider\":");
    string(buf, b.provider.as_str());
    buf.extend_from_slice(b",\"target\":");
    string(buf, target);
    buf.extend_from_slice(b",\"id\":");
    string(buf, &b.id);
    buf.extend_from_slice(b",\"address\":");
    match b.address {
        Some(a) => {
            buf.push(b'"');
            address(buf, a);
            buf.push(b'"');
        }
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\"port\":");
    opt_number(buf, b.port.map(u64::from));
    buf.extend_from_slice(b",\"weight\":");
    opt_number(buf, b.weight.map(u64::from));
    buf.extend_from_slice(b",\"health\":");
    string(buf, &health_word(&b.health));
    if let Some(d) = &b.health_detail {
        buf.extend_from_slice(b",\"health_detail\":");
        compact_detail(buf, d);
    }
    buf.extend_from_slice(b",\"listener_health\":[");
    for (i, l) in b.listener_health.iter().enumerate() {
        buf.extend_from_slice(if i == 0 {
            b"{\"listener_id\":"
        } else {
            b",{\"listener_id\":"
        });
        string(buf, &l.listener_id);
        buf.extend_from_slice(b",\"health\":");
        string(buf, &health_word(&l.health));
        if let Some(d) = &l.detail {
            buf.extend_from_slice(b",\"detail\":");
            compact_detail(buf, d);
        }
        buf.push(b'}');
    }
    buf.extend_from_slice(b"],\"admin_state\":");
    string(buf, &admin_word(b.admin_state));
    buf.extend_from_slice(b",\"instance\":");
    match &b.instance {
        Some(i) => {
            buf.extend_from_slice(b"{\"id\":");
            string(buf, &i.id);
            buf.extend_from_slice(b",\"name\":");
            opt(buf, i.name.as_deref());
            buf.extend_from_slice(b",\"kind\":");
            string(buf, &kind_word(&i.kind));
            buf.extend_from_slice(b",\"state\":");
            opt(buf, i.state.as_ref().map(label).as_deref());
            buf.push(b'}');
        }
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\"name\":");
    opt(buf, b.name.as_deref());
    buf.extend_from_slice(b",\"created_at\":");
    opt(buf, b.created_at.as_deref());
    if raw {
        buf.extend_from_slice(b",\"raw\":");
        buf.extend_from_slice(b.raw.as_str().as_bytes());
    }
    buf.push(b'}');
}

/// A JSON string, escaped as serde_json escapes it: `"`, `\`, and control characters
/// (`\b`, `\t`, `\n`, `\f`, `\r`, else `\u00XX`); everything else as is.
pub fn string(buf: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = start + plain_prefix(&bytes[start..]);
        buf.extend_from_slice(&bytes[start..i]);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            0x08 => buf.extend_from_slice(b"\\b"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            0x0c => buf.extend_from_slice(b"\\f"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        start = i + 1;
    }
    buf.push(b'"');
}

/// How many bytes of `bytes` need no escaping: eight at a time while none of them is a
/// control character, `"` or `\`, then byte by byte.
fn plain_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// Whether a byte of `w` is below `n` (n <= 128; exact when none is).
    fn below(w: u64, n: u8) -> u64 {
        w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH
    }
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        if below(w, 0x20) | below(w ^ (ONES * 0x22), 1) | below(w ^ (ONES * 0x5c), 1) != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b < 0x20 || b == b'"' || b == b'\\' {
            break;
        }
        i += 1;
    }
    i
}

/// A CSV line of a listed backend: the columns of the CSV columns of `lbb` (its output module), each quoted
/// only when it must be ([`csv_escape`]).
pub fn csv_line(line: &mut Vec<u8>, target: &str, b: &Backend) {
    fn field(line: &mut Vec<u8>, value: &str) {
        if value
            .bytes()
            .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        {
            line.extend_from_slice(csv_escape(value).as_bytes());
        } else {
            line.extend_from_slice(value.as_bytes());
        }
    }
    let inst = b.instance.as_ref();
    field(line, b.provider.as_str());
    line.push(b',');
    field(line, target);
    line.push(b',');
    field(line, &b.id);
    line.push(b',');
    if let Some(a) = b.address {
        address(line, a);
    }
    line.push(b',');
    if let Some(p) = b.port {
        number(line, u64::from(p));
    }
    line.push(b',');
    if let Some(w) = b.weight {
        number(line, u64::from(w));
    }
    line.push(b',');
    field(line, &health_word(&b.health));
    line.push(b',');
    field(line, &admin_word(b.admin_state));
    line.push(b',');
    field(line, inst.map_or("", |i| i.id.as_str()));
    line.push(b',');
    field(
        line,
        inst.and_then(|i| i.name.as_deref()).unwrap_or_default(),
    );
    line.push(b',');
    if let Some(i) = inst {
        field(line, &kind_word(&i.kind));
    }
    line.push(b',');
    if let Some(state) = inst.and_then(|i| i.state.as_ref()) {
        field(line, &label(state));
    }
    line.push(b',');
    field(line, b.name.as_deref().unwrap_or_default());
    line.push(b',');
    field(line, b.created_at.as_deref().unwrap_or_default());
    line.push(b'\n');
}

/// A model enum as one stable word: its serde name (`not_reported`), or
/// `unknown:VALUE` for a value the cloud added that we do not know.
pub fn label<T: Serialize>(value: &T) -> String {
    // A unit variant serializes as a plain string: take it without building a value.
    if let Ok(text) = serde_json::to_string(value) {
        if let Some(word) = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|w| !w.contains(['\\', '"']))
        {
            return word.to_owned();
        }
    }
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(map)) if map.len() == 1 => {
            let (k, v) = map.into_iter().next().unwrap_or_default();
            match v {
                serde_json::Value::String(v) => format!("{k}:{v}"),
                other => format!("{k}:{other}"),
            }
        }
        _ => "unknown".into(),
    }
}

/// Quote a field when it holds a comma, a quote or a line break; double its quotes.
/// A field starting with `=`, `+`, `-` or `@` is written as is: `lbb` does not guess
/// which program opens the file.
pub fn csv_escape(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}
