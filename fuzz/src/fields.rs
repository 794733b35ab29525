//! Top-level fields of a JSON object or a form body, with each value's text, written
//! independently of `paywire::received` so the forgery test's oracle does not trust the code
//! it checks (serde_json's tokenizer is the only shared part). Duplicate keys are kept.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One field as written: the decoded key and the value's raw JSON text (or form text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, decoded.
    pub key: String,
    /// The value's raw JSON text (JSON bodies) or its decoded text (form bodies).
    pub raw: String,
}

struct Collect;

impl<'de> Visitor<'de> for Collect {
    type Value = Vec<Entry>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
            out.push(Entry {
                key: k,
                raw: v.get().to_owned(),
            });
        }
        Ok(out)
    }
}

/// The top-level fields of a JSON object body, duplicates kept, in order; `None` when the body
/// is not exactly one JSON object.
pub fn split_json(body: &[u8]) -> Option<Vec<Entry>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = (&mut de).deserialize_map(Collect).ok()?;
    de.end().ok()?;
    Some(entries)
}

/// A JSON object from entries (keys escaped, values written as their raw text), compact.
pub fn join_json(entries: &[Entry]) -> String {
    let mut out = String::from("{");
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&json_string(&e.key));
        out.push(':');
        out.push_str(&e.raw);
    }
    out.push('}');
    out
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The text a JSON value enters a canonical string with: a string's content, a number's or
/// boolean's text as written, a list or object as its text without insignificant whitespace,
/// `None` for null (and for text that is not a value).
pub fn json_text(raw: &str) -> Option<String> {
    let t = raw.trim();
    match t.as_bytes().first()? {
        b'"' => serde_json::from_str::<String>(t).ok(),
        b'[' | b'{' => Some(squeeze(t)),
        _ if t == "null" => None,
        _ => Some(t.to_owned()),
    }
}

/// JSON text without whitespace outside strings.
pub fn squeeze(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_str, mut esc) = (false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The fields of a form body (`k=v&...`, percent-decoded, `+` as space), duplicates kept.
/// Trailing ASCII whitespace after the body is not part of the last value (documented by
/// `paywire::received::Object::from_form`).
pub fn split_form(body: &[u8]) -> Vec<Entry> {
    let end = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    form_urlencoded::parse(&body[..end])
        .map(|(k, v)| Entry {
            key: k.into_owned(),
            raw: v.into_owned(),
        })
        .collect()
}

/// A form body from decoded pairs.
pub fn join_form(pairs: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// A received body's fields as `(key, text)`, parsed the way the content type says (JSON when
/// it names json, form when it names x-www-form-urlencoded, else by the first byte), text as
/// signed (`None` for JSON null). `None` when the body cannot be read.
pub fn texts(
    body: &[u8],
    content_type: Option<&str>,
    json_only: bool,
) -> Option<Vec<(String, Option<String>)>> {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let as_json = if json_only || ct.contains("json") {
        true
    } else if ct.contains("x-www-form-urlencoded") {
        false
    } else if ct.is_empty() || ct.starts_with("text/plain") {
        body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    } else {
        return None;
    };
    if as_json {
        let entries = split_json(body)?;
        Some(
            entries
                .into_iter()
                .map(|e| (e.key, json_text(&e.raw)))
                .collect(),
        )
    } else {
        Some(
            split_form(body)
                .into_iter()
                .map(|e| (e.key, Some(e.raw)))
                .collect(),
        )
    }
}
