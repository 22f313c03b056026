//! `--output table`: aligned columns for people. On a terminal, long cells are cut
//! (with `…`) so that rows fit its width, and health is coloured unless `NO_COLOR` is
//! set; anywhere else every cell is printed whole and plain.

use std::io::{self, Write};

use console::{measure_text_width, truncate_str};

use super::{printable, Record, Sink, Style};

/// A colour for a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// As is.
    Plain,
    /// Good.
    Green,
    /// Bad.
    Red,
    /// Waiting.
    Yellow,
}

impl Paint {
    fn of_health(health: &str) -> Self {
        match health {
            "healthy" => Self::Green,
            "unhealthy" => Self::Red,
            "pending" => Self::Yellow,
            _ => Self::Plain,
        }
    }

    fn of_admin(state: &str) -> Self {
        if state == "down" {
            Self::Red
        } else {
            Self::Plain
        }
    }

    /// `text` in this colour when `color`.
    pub fn apply(self, text: &str, color: bool) -> String {
        let code = match self {
            _ if !color => return text.to_owned(),
            Self::Plain => return text.to_owned(),
            Self::Green => "32",
            Self::Red => "31",
            Self::Yellow => "33",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

struct Column {
    title: &'static str,
    right: bool,
    /// May be cut to fit the terminal, down to this width (0: never cut).
    min: usize,
    /// Which cuttable column gives way first (lowest first): names before instances
    /// before targets before ids, which people copy into the next command.
    cut_order: u8,
}

impl Column {
    /// Ids and targets are cut in the middle (`huawei-elb:36ce…0c75`): their start and
    /// end are what tells them apart. Names are cut at the end.
    fn cut(&self, text: &str, width: usize) -> String {
        if measure_text_width(text) <= width {
            return text.to_owned();
        }
        let middle = self.title != "NAME" && text.is_ascii() && width >= 5;
        if !middle {
            return truncate_str(text, width, "…").into_owned();
        }
        let keep = width - 1;
        let tail = keep / 2;
        let head = keep - tail;
        format!("{}…{}", &text[..head], &text[text.len() - tail..])
    }
}

const fn col(title: &'static str, right: bool, min: usize, cut_order: u8) -> Column {
    Column {
        title,
        right,
        min,
        cut_order,
    }
}

/// Rows held back to fit the columns before the first line is printed.
pub const WINDOW: usize = 256;

/// Prints rows aligned as they arrive: the column widths are fitted to the first
/// [`WINDOW`] rows (or all of them, when fewer), then every later row is printed at
/// once with those widths. A later cell wider than its column is printed whole (the
/// row is then out of line), except on a terminal in a column that may be cut.
pub struct TableSink {
    style: Style,
    columns: Vec<Column>,
    /// Rows waiting for the widths to be fitted; empty once they are.
    window: Vec<Vec<(String, Paint)>>,
    /// The fitted widths, once the header is printed.
    widths: Option<Vec<usize>>,
    with_target: bool,
}

impl TableSink {
    /// A table; `with_target` adds a TARGET column first.
    pub fn new(style: Style, with_target: bool) -> Self {
        let mut columns = Vec::new();
        if with_target {
            columns.push(col("TARGET", false, 20, 2));
        }
        columns.extend([
            col("ID", false, 12, 3),
            col("ADDRESS", false, 0, 0),
            col("PORT", true, 0, 0),
            col("WEIGHT", true, 0, 0),
            col("HEALTH", false, 0, 0),
            col("ADMIN", false, 0, 0),
            col("INSTANCE", false, 10, 1),
            col("NAME", false, 8, 0),
        ]);
        Self {
            style,
            columns,
            window: Vec::new(),
            widths: None,
            with_target,
        }
    }

    /// Fit the widths to the rows held back, print the header and those rows.
    fn print_window(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.window
                    .iter()
                    .map(|r| measure_text_width(&r[i].0))
                    .chain([c.title.len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        if let Some(max) = self.style.width {
            fit(&self.columns, &mut widths, max);
        }
        let header: Vec<(String, Paint)> = self
            .columns
            .iter()
            .map(|c| (c.title.to_owned(), Paint::Plain))
            .collect();
        write_row(out, &self.columns, &widths, &header, self.style, false)?;
        for row in std::mem::take(&mut self.window) {
            write_row(
                out,
                &self.columns,
                &widths,
                &row,
                self.style,
                self.style.color,
            )?;
        }
        self.widths = Some(widths);
        Ok(())
    }
}

fn or_dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())
}

/// A health word for people: `-` when not reported.
fn health_text(h: &str) -> String {
    if h == "not_reported" {
        "-".into()
    } else {
        h.to_owned()
    }
}

impl Sink for TableSink {
    fn record(&mut self, out: &mut dyn Write, r: &Record) -> io::Result<()> {
        let r = &r.for_terminal();
        let mut row = Vec::new();
        if self.with_target {
            row.push((r.target.clone(), Paint::Plain));
        }
        row.extend([
            (r.id.clone(), Paint::Plain),
            (or_dash(r.address.clone()), Paint::Plain),
            (or_dash(r.port.map(|p| p.to_string())), Paint::Plain),
            (or_dash(r.weight.map(|w| w.to_string())), Paint::Plain),
            (health_text(&r.health), Paint::of_health(&r.health)),
            (health_text(&r.admin_state), Paint::of_admin(&r.admin_state)),
            (
                or_dash(r.instance.as_ref().map(|i| i.id.clone())),
                Paint::Plain,
            ),
            (or_dash(r.name.clone()), Paint::Plain),
        ]);
        if let Some(widths) = &self.widths {
            return write_row(
                out,
                &self.columns,
                widths,
                &row,
                self.style,
                self.style.color,
            );
        }
        self.window.push(row);
        if self.window.len() >= WINDOW {
            self.print_window(out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.widths.is_none() && !self.window.is_empty() {
            self.print_window(out)?;
        }
        Ok(())
    }
    fn abort(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.finish(out)
    }
}

/// Narrow the cuttable columns, in their cut order, each down to its minimum, until
/// the row fits in `max`.
fn fit(columns: &[Column], widths: &mut [usize], max: usize) {
    let gaps = 2 * columns.len().saturating_sub(1);
    let mut order: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].min > 0).collect();
    order.sort_by_key(|&i| columns[i].cut_order);
    for i in order {
        let total: usize = widths.iter().sum::<usize>() + gaps;
        if total <= max {
            return;
        }
        let excess = total - max;
        let room = widths[i].saturating_sub(columns[i].min);
        widths[i] -= excess.min(room);
    }
}

/// One row at `widths`. Cells are cut only on a terminal, in the columns that may be
/// cut; anywhere else a cell wider than its column is printed whole.
fn write_row(
    out: &mut dyn Write,
    columns: &[Column],
    widths: &[usize],
    row: &[(String, Paint)],
    style: Style,
    color: bool,
) -> io::Result<()> {
    let mut line = String::new();
    let last = columns.len() - 1;
    for (i, ((text, paint), column)) in row.iter().zip(columns).enumerate() {
        let cell = if style.width.is_some() && column.min > 0 {
            column.cut(text, widths[i])
        } else {
            text.clone()
        };
        let pad = widths[i].saturating_sub(measure_text_width(&cell));
        let painted = paint.apply(&cell, color);
        if column.right {
            line.push_str(&" ".repeat(pad));
            line.push_str(&painted);
        } else {
            line.push_str(&painted);
            if i != last {
                line.push_str(&" ".repeat(pad));
            }
        }
        if i != last {
            line.push_str("  ");
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// One backend, one field a line (`get`, `add`, `set`).
pub fn render_get(out: &mut dyn Write, style: Style, r: &Record) -> io::Result<()> {
    let c = style.color;
    let mut lines: Vec<(&str, String)> = vec![
        ("target", r.target.clone()),
        ("id", r.id.clone()),
        ("address", or_dash(r.address.clone())),
        ("port", or_dash(r.port.map(|p| p.to_string()))),
        ("weight", or_dash(r.weight.map(|w| w.to_string()))),
        (
            "health",
            Paint::of_health(&r.health).apply(&health_text(&r.health), c),
        ),
    ];
    if let Some(d) = &r.health_detail {
        lines.push(("  reason", printable(&d.to_string())));
    }
    for l in &r.listener_health {
        let why = l
            .detail
            .as_ref()
            .map_or_else(String::new, |d| format!(" ({})", printable(&d.to_string())));
        lines.push((
            "  listener",
            format!(
                "{} {}{why}",
                l.listener_id,
                Paint::of_health(&l.health).apply(&health_text(&l.health), c)
            ),
        ));
    }
    lines.push((
        "admin state",
        Paint::of_admin(&r.admin_state).apply(&health_text(&r.admin_state), c),
    ));
    lines.push((
        "instance",
        r.instance
            .as_ref()
            .map_or_else(|| "-".into(), describe_instance),
    ));
    lines.push(("name", or_dash(r.name.clone())));
    lines.push(("created at", or_dash(r.created_at.clone())));
    if let Some(l) = &r.instance_lookup {
        let text = match l.result.as_str() {
            "found" => l.instance.as_ref().map_or_else(
                || "found".into(),
                |i| format!("found {}", describe_instance(i)),
            ),
            "ambiguous" => format!(
                "ambiguous: {} instances match ({})",
                l.candidates.len(),
                l.candidates.join(", ")
            ),
            "not_bound" => "not bound to a cloud instance (an address is registered)".into(),
            "no_match" => "no instance found with this address on its subnet".into(),
            "unsupported" => "this provider cannot look the instance up".into(),
            other => other.to_owned(),
        };
        lines.push(("instance lookup", text));
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (key, value) in lines {
        writeln!(out, "{:<width$} {value}", format!("{key}:"))?;
    }
    Ok(())
}

fn describe_instance(i: &super::InstanceRecord) -> String {
    let mut extra = vec![i.kind.clone()];
    extra.extend(i.name.clone());
    extra.extend(i.state.clone());
    format!("{} ({})", i.id, extra.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_names_before_ids() {
        let cols = [
            col("ID", false, 12, 3),
            col("PORT", true, 0, 0),
            col("NAME", false, 8, 0),
        ];
        let mut widths = vec![36, 5, 20];
        fit(&cols, &mut widths, 60);
        assert_eq!(widths, vec![36, 5, 15], "only the name gives way");
        fit(&cols, &mut widths, 40);
        assert_eq!(widths, vec![23, 5, 8]);
        fit(&cols, &mut widths, 5);
        assert_eq!(widths, vec![12, 5, 8], "never below the minimums");
    }

    #[test]
    fn ids_are_cut_in_the_middle_names_at_the_end() {
        let id = col("ID", false, 12, 3);
        assert_eq!(id.cut("3e3b0001-0000-4000", 9), "3e3b…4000");
        assert_eq!(id.cut("short", 9), "short");
        let name = col("NAME", false, 8, 0);
        assert_eq!(name.cut("web-05-draining", 8), "web-05-…");
        assert_eq!(name.cut("测试测试测试", 5), "测试…");
    }

    fn record(id: &str, name: &str) -> Record {
        let target: lb_backends::Target = "tencent-clb:lb-abcdefgh".parse().unwrap();
        let mut b = lb_backends::Backend::new(lb_backends::ProviderKind::TencentClb, id);
        b.name = Some(name.to_owned());
        Record::new(&target, &b, false)
    }

    #[test]
    fn rows_stream_once_the_window_is_fitted() {
        let style = Style {
            format: crate::cli::Format::Table,
            color: false,
            width: None,
        };
        let mut sink = TableSink::new(style, false);
        let mut out = Vec::new();
        for i in 0..WINDOW - 1 {
            sink.record(&mut out, &record(&format!("ins-{i}"), "a"))
                .unwrap();
        }
        assert!(
            out.is_empty(),
            "the first window is held to fit the columns"
        );
        sink.record(&mut out, &record("ins-last", "a")).unwrap();
        let printed = String::from_utf8(out.clone()).unwrap();
        assert_eq!(printed.lines().count(), WINDOW + 1, "header and the window");
        // A later, wider cell is printed whole when piped, at once.
        let wide = "x".repeat(100);
        sink.record(&mut out, &record("ins-after", &wide)).unwrap();
        let printed = String::from_utf8(out.clone()).unwrap();
        assert!(printed.lines().last().unwrap().ends_with(&wide));
        sink.finish(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), WINDOW + 2);
    }

    #[test]
    fn paint_only_with_color() {
        assert_eq!(Paint::Green.apply("ok", false), "ok");
        assert_eq!(Paint::Green.apply("ok", true), "\x1b[32mok\x1b[0m");
        assert_eq!(Paint::Plain.apply("ok", true), "ok");
    }
}
