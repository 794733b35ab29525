//! Locating a model path (`operations[2].request[3].type`) in the spec's source text.

use std::fmt;
use std::ops::Range;

use toml_edit::{Document, Item, Table, TableLike, Value};

/// One step of a path into the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path into the spec, such as `operations[2].request[3].type`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecPath(pub Vec<Seg>);

impl SpecPath {
    /// The root.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path with a key appended.
    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_owned()));
        Self(v)
    }

    /// This path with an index appended.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }
}

impl fmt::Display for SpecPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A line and column, both 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

/// The start of every line of a source, computed once, so that locating many diagnostics takes
/// linear time (a binary search each) instead of rescanning the text from its start.
pub struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Index `src`.
    pub fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Self { src, starts }
    }

    /// Line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        let column = self.src.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        LineCol { line, column }
    }
}

/// Line and column of a byte offset in `src` (one lookup; use [`LineIndex`] for many).
pub fn line_col(src: &str, offset: usize) -> LineCol {
    LineIndex::new(src).line_col(offset)
}

enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(&self) -> Option<Range<usize>> {
        match self {
            Node::Item(i) => i.span().or_else(|| i.as_table().and_then(|t| t.span())),
            Node::Table(t) => t.span(),
            Node::Value(v) => v.span(),
        }
    }

    fn table_like(&self) -> Option<&'a dyn TableLike> {
        match self {
            Node::Item(i) => i.as_table_like(),
            Node::Table(t) => Some(*t as &dyn TableLike),
            Node::Value(_) => None,
        }
    }

    /// The child at `seg`, with the span of its key when it has one.
    fn child(&self, seg: &Seg) -> Option<(Node<'a>, Option<Range<usize>>)> {
        if let Node::Value(v) = self {
            return match seg {
                Seg::Key(k) => {
                    let t = v.as_inline_table()?;
                    let key_span = t.get_key_value(k).and_then(|(key, _)| key.span());
                    Some((Node::Value(t.get(k)?), key_span))
                }
                Seg::Index(i) => Some((Node::Value(v.as_array()?.get(*i)?), None)),
            };
        }
        match seg {
            Seg::Key(k) => {
                let t = self.table_like()?;
                let (key, item) = t.get_key_value(k)?;
                Some((Node::Item(item), key.span()))
            }
            Seg::Index(i) => {
                let Node::Item(item) = self else { return None };
                if let Some(aot) = item.as_array_of_tables() {
                    return Some((Node::Table(aot.get(*i)?), None));
                }
                Some((Node::Value(item.as_array()?.get(*i)?), None))
            }
        }
    }
}

/// A parsed document that can answer "where is this path?".
pub struct Locator {
    doc: Option<Document<String>>,
}

impl Locator {
    /// Parse `src` for locating; a document that does not parse locates everything at the start.
    pub fn new(src: &str) -> Self {
        Self {
            doc: Document::parse(src.to_owned()).ok(),
        }
    }

    /// The byte span of the deepest part of `path` that exists in the source.
    pub fn span(&self, path: &SpecPath) -> Range<usize> {
        let Some(doc) = &self.doc else { return 0..0 };
        let mut node = Node::Table(doc.as_table());
        let mut best: Range<usize> = 0..0;
        for seg in &path.0 {
            match node.child(seg) {
                Some((child, key_span)) => {
                    if let Some(s) = child.span().or(key_span) {
                        best = s;
                    }
                    node = child;
                }
                None => break,
            }
        }
        best
    }

    /// The raw text of a string value at `path`, if it is one.
    pub fn string_at(&self, path: &SpecPath) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let mut node = Node::Table(doc.as_table());
        for seg in &path.0 {
            node = node.child(seg)?.0;
        }
        match node {
            Node::Item(i) => i.as_str().map(str::to_owned),
            Node::Value(v) => v.as_str().map(str::to_owned),
            Node::Table(_) => None,
        }
    }
}
