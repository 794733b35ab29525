//! The paywire spec model: what a gateway spec file (TOML) says, its JSON Schema, and the
//! validation pass that reports every problem at once, each located at file:line:column with
//! what to write instead.
//!
//! ```
//! let src = r#"
//! [gateway]
//! name = "demo"
//! default_profile = "md5"
//!
//! [profiles.md5]
//! digest = "md5"
//! "#;
//! let spec = paywire_spec::parse_str(src, "demo.toml").unwrap();
//! assert_eq!(spec.gateway.name, "demo");
//! ```

pub mod location;
pub mod model;
pub mod names;
pub mod validate;

use std::fmt;
use std::ops::Range;
use std::path::Path;

pub use model::*;

use location::{LineIndex, Locator, SpecPath};

/// One located problem of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as given to the parser.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// Byte span in the source.
    pub span: Range<usize>,
    /// Path in the model (`operations[0].request[2].type`), empty for syntax errors.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Every problem of a spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SpecErrors(pub Vec<Diagnostic>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} problem{} in spec:", if n == 1 { "" } else { "s" })?;
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

fn diagnostic(
    lines: &LineIndex<'_>,
    file: &str,
    span: Range<usize>,
    path: String,
    message: String,
    help: Option<String>,
) -> Diagnostic {
    let lc = lines.line_col(span.start);
    Diagnostic {
        file: file.to_owned(),
        line: lc.line,
        column: lc.column,
        span,
        path,
        message,
        help,
    }
}

/// Parse and validate a spec from its source text. `file` names it in diagnostics.
pub fn parse_str(src: &str, file: &str) -> Result<Spec, SpecErrors> {
    let spec: Spec = match toml::from_str(src) {
        Ok(s) => s,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().to_owned();
            let help = syntax_help(&message);
            return Err(SpecErrors(vec![diagnostic(
                &LineIndex::new(src),
                file,
                span,
                String::new(),
                message,
                help,
            )]));
        }
    };
    let locator = Locator::new(src);
    let raw = |p: &SpecPath| locator.string_at(p);
    let problems = validate::problems(&spec, &raw);
    if problems.is_empty() {
        return Ok(spec);
    }
    let lines = LineIndex::new(src);
    let mut diags: Vec<Diagnostic> = problems
        .into_iter()
        .map(|p| {
            let span = locator.span(&p.path);
            diagnostic(&lines, file, span, p.path.to_string(), p.message, p.help)
        })
        .collect();
    // Report in source order (a stable sort keeps the pass's order at equal positions).
    diags.sort_by_key(|d| d.span.start);
    Err(SpecErrors(diags))
}

/// A hint for a deserialization error: the closest key for an unknown one, what to add for a
/// missing one.
fn syntax_help(message: &str) -> Option<String> {
    let quoted =
        |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    let see = "see specs/README.md or specs/schema.json for the keys each table takes";
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = quoted(rest);
        let (unknown, expected) = names.split_first()?;
        let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
        let close = expected
            .iter()
            .find(|e| norm(e) == norm(unknown))
            .or_else(|| {
                expected
                    .iter()
                    .map(|e| (edit_distance(e, unknown), e))
                    .filter(|(d, _)| *d <= 2)
                    .min_by_key(|(d, _)| *d)
                    .map(|(_, e)| e)
            });
        return Some(match close {
            Some(c) => format!("did you mean `{c}`? ({see})"),
            None => see.to_owned(),
        });
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let name = quoted(rest).into_iter().next()?;
        return Some(format!("add the `{name}` key here ({see})"));
    }
    None
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Read, parse and validate a spec file.
pub fn load(path: &Path) -> Result<(Spec, String), SpecErrors> {
    let file = path.display().to_string();
    let src = std::fs::read_to_string(path).map_err(|e| {
        SpecErrors(vec![Diagnostic {
            file: file.clone(),
            line: 0,
            column: 0,
            span: 0..0,
            path: String::new(),
            message: format!("cannot read spec: {e}"),
            help: None,
        }])
    })?;
    let spec = parse_str(&src, &file)?;
    Ok((spec, src))
}

/// The JSON Schema of spec files, pretty-printed with a trailing newline (`specs/schema.json`).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Spec);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
