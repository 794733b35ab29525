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
        Err(e) => return Err(SpecErrors(deserialize_errors(src, file, &e))),
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

fn toml_diagnostic(lines: &LineIndex<'_>, file: &str, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_owned();
    let help = syntax_help(&message);
    diagnostic(lines, file, span, String::new(), message, help)
}

/// One `[table]` or `[[array]]` section of the source: its header's key path and byte range
/// (header line to the next header).
struct Section {
    path: Vec<String>,
    range: Range<usize>,
}

/// The sections of a TOML source, found by their header lines (`[a.b]`, `[[a.b]]`).
fn sections(src: &str) -> Vec<Section> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let t = line.trim();
        let t = t.split_once('#').map_or(t, |(h, _)| h.trim_end());
        let inner = t
            .strip_prefix("[[")
            .and_then(|r| r.strip_suffix("]]"))
            .or_else(|| t.strip_prefix('[').and_then(|r| r.strip_suffix(']')));
        if let Some(inner) = inner.filter(|i| {
            !i.trim().is_empty()
                && i.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-. \"'".contains(c))
        }) {
            let path = inner
                .split('.')
                .map(|k| k.trim().trim_matches(['"', '\'']).to_owned())
                .collect();
            starts.push((offset, path));
        }
        offset += line.len();
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|(o, _)| *o)
        .chain([src.len()])
        .collect();
    starts
        .into_iter()
        .zip(ends)
        .map(|((start, path), end)| Section {
            path,
            range: start..end,
        })
        .collect()
}

/// Every deserialization problem of a source that is valid TOML, not only serde's first: each
/// error's section (and the sections nested in it) is blanked out, keeping every byte offset,
/// and the rest is read again, until it reads or no section is left to blank. A `missing field`
/// error for a key whose section was blanked is a consequence and is not reported. A TOML syntax
/// error stops the parser: it is the only one reported.
fn deserialize_errors(src: &str, file: &str, first: &toml::de::Error) -> Vec<Diagnostic> {
    let lines = LineIndex::new(src);
    let mut diags = vec![toml_diagnostic(&lines, file, first)];
    if toml::from_str::<toml::Table>(src).is_err() {
        return diags;
    }
    let sections = sections(src);
    let mut text = src.as_bytes().to_vec();
    let mut blanked: Vec<&Section> = Vec::new();
    let mut error = first.clone();
    for _ in 0..64 {
        let Some(at) = error.span().map(|s| s.start) else {
            break;
        };
        let Some(i) = sections.iter().position(|s| s.range.contains(&at)) else {
            break;
        };
        if blanked.iter().any(|b| b.range == sections[i].range) {
            break;
        }
        let head = &sections[i];
        let nested = sections[i + 1..]
            .iter()
            .take_while(|s| s.path.len() > head.path.len() && s.path.starts_with(&head.path));
        for s in std::iter::once(head).chain(nested) {
            for b in &mut text[s.range.clone()] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b' ';
                }
            }
            blanked.push(s);
        }
        let Ok(rest) = std::str::from_utf8(&text) else {
            break;
        };
        match toml::from_str::<Spec>(rest) {
            Ok(_) => break,
            Err(e) => {
                let consequence = e
                    .message()
                    .strip_prefix("missing field `")
                    .and_then(|m| m.split('`').next())
                    .is_some_and(|k| blanked.iter().any(|b| b.path.iter().any(|p| p == k)));
                if consequence {
                    break;
                }
                let d = toml_diagnostic(&lines, file, &e);
                if diags.contains(&d) {
                    break;
                }
                diags.push(d);
                error = e;
            }
        }
    }
    diags.sort_by_key(|d| d.span.start);
    diags
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
