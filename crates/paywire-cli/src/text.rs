//! Aligned text output: `label      value` lines and small tables.

use std::fmt::Write as _;

use paywire::GatewayStatus;
use paywire::received::{Raw, minify};

/// Width of the label column.
pub const LABEL: usize = 11;

/// Text being built for standard output.
#[derive(Debug, Default)]
pub struct Out(String);

impl Out {
    /// A labelled line; further lines of `value` are indented under the first.
    pub fn line(&mut self, label: &str, value: &str) {
        let mut lines = value.lines();
        let first = lines.next().unwrap_or("");
        self.raw(&format!("{label:<LABEL$}{first}"));
        for more in lines {
            self.raw(&format!("{:LABEL$}{more}", ""));
        }
    }

    /// A line as is (trailing spaces removed).
    pub fn raw(&mut self, line: &str) {
        let _ = writeln!(self.0, "{}", line.trim_end());
    }

    /// Rows of cells, each column padded to its widest cell (up to `max` characters).
    pub fn table(&mut self, indent: usize, rows: &[Vec<String>], max: usize) {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                rows.iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
                    .min(max)
            })
            .collect();
        for row in rows {
            let mut line = " ".repeat(indent);
            for (c, cell) in row.iter().enumerate() {
                let pad = widths
                    .get(c)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.chars().count());
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
            self.raw(&line);
        }
    }

    /// The text.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A value's text quoted as a JSON string, so spaces and control characters show.
pub fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// A received value as it arrived: JSON as its compact text, form values quoted.
pub fn raw_text(raw: &Raw) -> String {
    match raw {
        Raw::Json(r) => minify(r.get()),
        Raw::Text(t) => quoted(t),
    }
}

/// A common status's name.
pub fn common_name(status: paywire::CommonStatus) -> &'static str {
    status.as_str()
}

/// A status as the gateway wrote it and as the common status: `"3" -> succeeded`.
pub fn status_text(s: &GatewayStatus) -> String {
    format!("{} -> {}", quoted(&s.code), common_name(s.common))
}
