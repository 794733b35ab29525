//! Received bodies (responses, notifications), kept exactly as they arrived.
//!
//! A JSON object is split into its top-level fields with each value's raw text, so a number
//! such as `100.10` enters the canonical string as `100.10`, and fields paywire does not know are
//! still verified. Duplicate keys are refused: two parsers could disagree on which one counts.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::sign::SignField;

/// A received body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    /// The body is empty.
    #[error("the body is empty")]
    Empty,
    /// The body is not a JSON object.
    #[error("the body is not a JSON object: {0}")]
    NotJsonObject(String),
    /// A key appears twice.
    #[error("the key `{0}` appears twice")]
    DuplicateKey(String),
    /// The body is not UTF-8.
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// The body is larger than the limit (default [`DEFAULT_BODY_LIMIT`]).
    #[error("the body is {size} bytes; at most {limit} are accepted")]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is not a flat XML document (`<xml><key>value</key>…</xml>`).
    #[error("the body is not a flat XML document: {0}")]
    NotXmlDocument(String),
    /// The content type is neither JSON nor form.
    #[error(
        "unsupported content type `{0}`: expected application/json or application/x-www-form-urlencoded"
    )]
    ContentType(String),
}

/// The largest received body accepted by default (notifications, answers): 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Refuse a body larger than `limit` before any parsing.
pub fn check_size(body: &[u8], limit: usize) -> Result<(), ReceiveError> {
    if body.len() > limit {
        Err(ReceiveError::TooLarge {
            size: body.len(),
            limit,
        })
    } else {
        Ok(())
    }
}

/// One received value.
#[derive(Clone)]
pub enum Raw {
    /// A JSON value, as its exact text.
    Json(Box<RawValue>),
    /// A form or query value (already percent-decoded).
    Text(String),
}

impl PartialEq for Raw {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Raw::Json(a), Raw::Json(b)) => a.get() == b.get(),
            (Raw::Text(a), Raw::Text(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Raw {}

impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Json(r) => write!(f, "Json({})", r.get()),
            Raw::Text(t) => write!(f, "Text({t:?})"),
        }
    }
}

impl Raw {
    /// The text this value enters a canonical string with: strings unescaped, numbers and
    /// booleans as written, lists and objects as compact JSON (their text kept as received),
    /// null as `None`.
    pub fn sign_text(&self) -> Option<String> {
        match self {
            Raw::Text(t) => Some(t.clone()),
            Raw::Json(r) => {
                let t = r.get().trim();
                match t.as_bytes().first() {
                    Some(b'"') => serde_json::from_str::<String>(t).ok(),
                    Some(b'[' | b'{') => Some(minify(t)),
                    _ if t == "null" => None,
                    _ => Some(t.to_owned()),
                }
            }
        }
    }

    /// As [`Raw::sign_text`], borrowing where the text is already as it enters (plain strings,
    /// numbers, booleans, compact lists and objects).
    pub fn sign_str(&self) -> Option<Cow<'_, str>> {
        match self {
            Raw::Text(t) => Some(Cow::Borrowed(t)),
            Raw::Json(r) => {
                let t = r.get().trim();
                match t.as_bytes().first() {
                    Some(b'"') => {
                        let inner = &t[1..t.len().saturating_sub(1).max(1)];
                        if t.len() >= 2 && !inner.contains('\\') {
                            Some(Cow::Borrowed(inner))
                        } else {
                            serde_json::from_str::<String>(t).ok().map(Cow::Owned)
                        }
                    }
                    Some(b'[' | b'{') => {
                        if t.bytes().any(|b| b.is_ascii_whitespace()) {
                            Some(Cow::Owned(minify(t)))
                        } else {
                            Some(Cow::Borrowed(t))
                        }
                    }
                    _ if t == "null" => None,
                    _ => Some(Cow::Borrowed(t)),
                }
            }
        }
    }

    /// A received object as one JSON value (an XML document's fields as the payload).
    pub fn from_object(obj: &Object) -> Self {
        match RawValue::from_string(obj.to_value().to_string()) {
            Ok(r) => Raw::Json(r),
            Err(_) => Self::null(),
        }
    }

    /// JSON `null`.
    pub fn null() -> Self {
        Self::from_body(b"null")
    }

    /// A whole body as one value: JSON when it parses, else its text.
    pub fn from_body(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body).into_owned();
        match RawValue::from_string(text) {
            Ok(r) => Raw::Json(r),
            Err(_) => Raw::Text(String::from_utf8_lossy(body).into_owned()),
        }
    }

    /// Whether the value is JSON null.
    pub fn is_null(&self) -> bool {
        matches!(self, Raw::Json(r) if r.get().trim() == "null")
    }
}

/// Remove insignificant whitespace from JSON text, keeping every token's text exactly.
pub fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The first key that appears twice, in linear time (a set once there are more than a few keys).
fn first_duplicate(entries: &[(String, Raw)]) -> Option<String> {
    if entries.len() <= 16 {
        for (i, (k, _)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(e, _)| e == k) {
                return Some(k.clone());
            }
        }
        return None;
    }
    let mut seen = HashSet::with_capacity(entries.len());
    entries
        .iter()
        .find(|(k, _)| !seen.insert(k.as_str()))
        .map(|(k, _)| k.clone())
}

/// `snake_case` to `camelCase` (`error_code` → `errorCode`), for gateways that drift.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `candidate` is the camelCase form of `snake` (`errorCode` of `error_code`), without
/// allocating: the same rule as [`camel_case`].
pub fn is_camel_of(snake: &str, candidate: &str) -> bool {
    let mut expected = snake.chars();
    let mut upper = false;
    let mut seen_any = false;
    let mut got = candidate.chars();
    loop {
        let Some(c) = expected.next() else {
            return got.next().is_none();
        };
        if c == '_' {
            upper = seen_any;
            continue;
        }
        let want = if upper { c.to_ascii_uppercase() } else { c };
        upper = false;
        seen_any = true;
        if got.next() != Some(want) {
            return false;
        }
    }
}

/// The top-level fields of a received object, in received order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Object {
    entries: Vec<(String, Raw)>,
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Result<Object, ReceiveError>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(String, Raw)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
            entries.push((k, Raw::Json(v)));
        }
        Ok(match first_duplicate(&entries) {
            Some(k) => Err(ReceiveError::DuplicateKey(k)),
            None => Ok(Object { entries }),
        })
    }
}

impl Object {
    /// Parse a JSON object body.
    pub fn from_json(body: &[u8]) -> Result<Self, ReceiveError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(ReceiveError::Empty);
        }
        let text = std::str::from_utf8(body).map_err(|_| ReceiveError::NotUtf8)?;
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed = (&mut de)
            .deserialize_map(ObjectVisitor)
            .map_err(|e| ReceiveError::NotJsonObject(e.to_string()))?;
        de.end()
            .map_err(|e| ReceiveError::NotJsonObject(e.to_string()))?;
        parsed
    }

    /// Parse a raw JSON value that should be an object.
    pub fn from_raw(raw: &Raw) -> Result<Self, ReceiveError> {
        match raw {
            Raw::Json(r) => Self::from_json(r.get().as_bytes()),
            Raw::Text(t) => Self::from_json(t.as_bytes()),
        }
    }

    /// Parse an `application/x-www-form-urlencoded` body or a query string.
    pub fn from_form(body: &[u8]) -> Result<Self, ReceiveError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(ReceiveError::Empty);
        }
        // A trailing newline (curl -d @file, most editors) is not part of the last value.
        let end = body
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let body = &body[..end];
        let mut entries: Vec<(String, Raw)> = Vec::new();
        for (k, v) in form_urlencoded::parse(body) {
            entries.push((k.into_owned(), Raw::Text(v.into_owned())));
        }
        match first_duplicate(&entries) {
            Some(k) => Err(ReceiveError::DuplicateKey(k)),
            None => Ok(Self { entries }),
        }
    }

    /// Parse a body by its content type (JSON when the type is absent and the body starts with `{`).
    pub fn from_body(body: &[u8], content_type: Option<&str>) -> Result<Self, ReceiveError> {
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        if ct.contains("json") {
            Self::from_json(body)
        } else if ct.contains("x-www-form-urlencoded") {
            Self::from_form(body)
        } else if ct.is_empty() || ct.starts_with("text/plain") {
            let first = body.iter().find(|b| !b.is_ascii_whitespace());
            match first {
                Some(b'{') => Self::from_json(body),
                Some(_) => Self::from_form(body),
                None => Err(ReceiveError::Empty),
            }
        } else {
            Err(ReceiveError::ContentType(ct))
        }
    }

    /// Build an object from text pairs (as a form would deliver them).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            entries: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), Raw::Text(v.into())))
                .collect(),
        }
    }

    /// Received text pairs (an XML document's elements), duplicate keys refused.
    pub fn from_received_pairs(pairs: Vec<(String, String)>) -> Result<Self, ReceiveError> {
        let entries: Vec<(String, Raw)> =
            pairs.into_iter().map(|(k, v)| (k, Raw::Text(v))).collect();
        match first_duplicate(&entries) {
            Some(k) => Err(ReceiveError::DuplicateKey(k)),
            None => Ok(Self { entries }),
        }
    }

    /// Parse a flat XML document (`<xml><key>value</key>…</xml>`, WeChat Pay v2): each
    /// element's text, CDATA and entities resolved; duplicate keys, nested elements and
    /// DOCTYPEs refused.
    #[cfg(feature = "xml")]
    pub fn from_xml(body: &[u8]) -> Result<Self, ReceiveError> {
        crate::xml::parse(body)
    }

    /// The entries in received order.
    pub fn entries(&self) -> &[(String, Raw)] {
        &self.entries
    }

    /// The value under `key`, or under its camelCase form.
    pub fn get(&self, key: &str) -> Option<&Raw> {
        self.find(key).or_else(|| {
            if !key.contains('_') {
                return None;
            }
            self.entries
                .iter()
                .find(|(k, _)| is_camel_of(key, k))
                .map(|(_, v)| v)
        })
    }

    /// The value under exactly `key` (no camelCase fallback), as signing sees it.
    pub fn find_exact(&self, key: &str) -> Option<&Raw> {
        self.find(key)
    }

    fn find(&self, key: &str) -> Option<&Raw> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value at a dot path (`errors.message`), each step also matching camelCase.
    pub fn path(&self, path: &str) -> Option<Raw> {
        let mut parts = path.split('.');
        let first = parts.next()?;
        let mut cur = self.get(first)?.clone();
        for p in parts {
            let obj = Self::from_raw(&cur).ok()?;
            cur = obj.get(p)?.clone();
        }
        Some(cur)
    }

    /// Every field as offered for signing, in received order.
    pub fn sign_fields(&self) -> Vec<SignField> {
        self.entries
            .iter()
            .map(|(k, v)| SignField {
                key: k.clone(),
                text: v.sign_text(),
            })
            .collect()
    }

    /// Wire names of the fields, in received order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The text of a field (strings unescaped, numbers as written), if present and not null.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Raw::sign_text)
    }

    /// The object as a `serde_json::Value` (for display and for unknown fields).
    pub fn to_value(&self) -> serde_json::Value {
        let map = self
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), raw_to_value(v)))
            .collect();
        serde_json::Value::Object(map)
    }
}

/// A raw value as `serde_json::Value`; form text becomes a JSON string.
pub fn raw_to_value(raw: &Raw) -> serde_json::Value {
    match raw {
        Raw::Text(t) => serde_json::Value::String(t.clone()),
        Raw::Json(r) => serde_json::from_str(r.get()).unwrap_or(serde_json::Value::Null),
    }
}

// Deserializer glue so `Object` can sit inside serde types if a user wants it.
impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectVisitor)?.map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_number_text_and_unknown_fields() {
        let body = br#"{"amount": 100.10, "id":"A\u00e9", "list": [ "1", 2 ], "n": null, "new_field": true}"#;
        let o = Object::from_json(body).unwrap();
        let f = o.sign_fields();
        assert_eq!(f[0].text.as_deref(), Some("100.10"));
        assert_eq!(f[1].text.as_deref(), Some("Aé"));
        assert_eq!(f[2].text.as_deref(), Some(r#"["1",2]"#));
        assert_eq!(f[3].text, None);
        assert_eq!(f[4].text.as_deref(), Some("true"));
    }

    #[test]
    fn refuses_duplicates_and_garbage() {
        assert_eq!(
            Object::from_json(br#"{"a":1,"a":2}"#),
            Err(ReceiveError::DuplicateKey("a".into()))
        );
        assert_eq!(Object::from_json(b"  "), Err(ReceiveError::Empty));
        assert!(matches!(
            Object::from_json(b"[1]"),
            Err(ReceiveError::NotJsonObject(_))
        ));
        assert!(matches!(
            Object::from_json(br#"{"a":1"#),
            Err(ReceiveError::NotJsonObject(_))
        ));
        assert!(matches!(
            Object::from_json(b"<html>"),
            Err(ReceiveError::NotJsonObject(_))
        ));
        assert_eq!(
            Object::from_form(b"a=1&a=2"),
            Err(ReceiveError::DuplicateKey("a".into()))
        );
    }

    #[test]
    fn camel_forms_match_without_allocating() {
        for name in [
            "error_code",
            "a",
            "payment_cl_id",
            "_lead",
            "trail_",
            "x__y",
            "already",
        ] {
            let camel = camel_case(name);
            assert!(is_camel_of(name, &camel), "{name} {camel}");
            assert!(!is_camel_of(name, &format!("{camel}x")), "{name}");
        }
        assert!(!is_camel_of("error_code", "errorcode"));
        assert!(!is_camel_of("error_code", "errorCod"));
    }

    #[test]
    fn reads_camel_case_and_paths() {
        let o = Object::from_json(
            br#"{"errorCode":"0000","data":{"paymentInfo":{"displayAmount":5}}}"#,
        )
        .unwrap();
        assert_eq!(o.text("error_code").as_deref(), Some("0000"));
        assert_eq!(
            o.path("data.payment_info.display_amount")
                .and_then(|r| r.sign_text())
                .as_deref(),
            Some("5")
        );
        let f =
            Object::from_body(b"a=x+y&b=%26", Some("application/x-www-form-urlencoded")).unwrap();
        assert_eq!(f.text("a").as_deref(), Some("x y"));
        assert_eq!(f.text("b").as_deref(), Some("&"));
    }
}
