//! Outgoing wire values and body encodings (JSON, form, query string).

use std::fmt::Write as _;

use crate::received::{Object, minify};
use crate::sign::SignField;

/// One outgoing value, as it will be written on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireValue {
    /// A JSON string.
    Str(String),
    /// A JSON number, as its decimal text.
    Num(String),
    /// A JSON boolean.
    Bool(bool),
    /// A list of strings.
    Strings(Vec<String>),
    /// Any other JSON, as its text (objects, lists of objects).
    Json(String),
    /// JSON null.
    Null,
}

#[cfg(feature = "dynamic")]
impl WireValue {
    /// An integer written as the field's spec says (number or string).
    pub fn integer(v: i64, wire: paywire_spec::NumberWire) -> Self {
        match wire {
            paywire_spec::NumberWire::Number => Self::Num(v.to_string()),
            paywire_spec::NumberWire::String => Self::Str(v.to_string()),
        }
    }

    /// An amount written as the field's spec says.
    pub fn money(
        v: crate::Money,
        format: paywire_spec::MoneyFormat,
        wire: paywire_spec::NumberWire,
    ) -> Self {
        match format {
            paywire_spec::MoneyFormat::Decimal => Self::Str(v.to_decimal_string()),
            paywire_spec::MoneyFormat::Minor => Self::integer(v.minor(), wire),
        }
    }
}

impl WireValue {
    /// The text this value enters a canonical string, a form or a query string with.
    pub fn text(&self) -> Option<String> {
        match self {
            WireValue::Str(s) | WireValue::Num(s) => Some(s.clone()),
            WireValue::Bool(b) => Some(b.to_string()),
            WireValue::Strings(items) => serde_json::to_string(items).ok(),
            WireValue::Json(j) => Some(minify(j)),
            WireValue::Null => None,
        }
    }

    fn write_json(&self, out: &mut String) {
        match self {
            WireValue::Str(s) => out.push_str(&json_string(s)),
            WireValue::Num(n) => out.push_str(n),
            WireValue::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            WireValue::Strings(items) => {
                out.push_str(&serde_json::to_string(items).unwrap_or_default())
            }
            WireValue::Json(j) => out.push_str(&minify(j)),
            WireValue::Null => out.push_str("null"),
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// An ordered list of outgoing fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireFields(pub Vec<(String, WireValue)>);

impl WireFields {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append a field.
    pub fn push(&mut self, key: impl Into<String>, value: WireValue) {
        self.0.push((key.into(), value));
    }

    /// Set the fields a signing profile adds (`sign_type = "HMAC-SHA256"`), before signing.
    #[cfg(feature = "dynamic")]
    pub fn apply_adds(&mut self, recipe: &paywire_spec::Recipe) {
        for (k, v) in &recipe.adds {
            self.set(k, WireValue::Str(v.clone()));
        }
    }

    /// Set a field, replacing an existing one of the same name.
    pub fn set(&mut self, key: &str, value: WireValue) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.push(key, value),
        }
    }

    /// The value of a field.
    pub fn get(&self, key: &str) -> Option<&WireValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The fields as offered for signing.
    pub fn sign_fields(&self) -> Vec<SignField> {
        self.0
            .iter()
            .map(|(k, v)| SignField {
                key: k.clone(),
                text: v.text(),
            })
            .collect()
    }

    /// The fields as a compact JSON object, in order.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(k));
            out.push(':');
            v.write_json(&mut out);
        }
        out.push('}');
        out
    }

    /// The fields as `application/x-www-form-urlencoded` text (also used for query strings).
    /// Nulls are left out.
    pub fn to_form(&self) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if let Some(t) = v.text() {
                ser.append_pair(k, &t);
            }
        }
        ser.finish()
    }

    /// Build outgoing fields from a received or hand-written JSON object, keeping each value's text.
    pub fn from_object(obj: &Object) -> Self {
        use crate::received::Raw;
        let fields = obj
            .entries()
            .iter()
            .map(|(k, raw)| {
                let v = match raw {
                    Raw::Text(t) => WireValue::Str(t.clone()),
                    Raw::Json(r) => {
                        let t = r.get().trim();
                        match t.as_bytes().first() {
                            Some(b'"') => {
                                WireValue::Str(serde_json::from_str(t).unwrap_or_default())
                            }
                            Some(b'[' | b'{') => WireValue::Json(t.to_owned()),
                            _ if t == "null" => WireValue::Null,
                            _ if t == "true" => WireValue::Bool(true),
                            _ if t == "false" => WireValue::Bool(false),
                            _ => WireValue::Num(t.to_owned()),
                        }
                    }
                };
                (k.clone(), v)
            })
            .collect();
        Self(fields)
    }

    /// Items of a list field (strings, or numbers as text).
    pub fn items(&self, key: &str) -> Option<Vec<String>> {
        match self.get(key)? {
            WireValue::Strings(items) => Some(items.clone()),
            WireValue::Json(j) => json_items(j),
            _ => None,
        }
    }
}

/// The items of a JSON array as text (strings unescaped, other values as JSON).
pub fn json_items(json: &str) -> Option<Vec<String>> {
    let v: Vec<serde_json::Value> = serde_json::from_str(json).ok()?;
    Some(
        v.into_iter()
            .map(|x| match x {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
    )
}

/// A JSON list of objects, each written from its wire fields.
pub fn json_list(items: impl IntoIterator<Item = WireFields>) -> String {
    let parts: Vec<String> = items.into_iter().map(|w| w.to_json()).collect();
    format!("[{}]", parts.join(","))
}

/// Append `s` as a JSON string (quoted and escaped) to `out`.
pub fn push_json_str(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail and a str always serializes.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Append a JSON object key (`"name":`) to `out`, with a comma before it unless it is the first.
pub fn push_json_key(out: &mut Vec<u8>, key: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    push_json_str(out, key);
    out.push(b':');
}

/// A JSON body written by generated code: the bytes as a string.
pub fn json_text(out: Vec<u8>) -> String {
    match String::from_utf8(out) {
        Ok(s) => s,
        // Only valid UTF-8 is ever written; this arm exists so that no panic path does.
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// A list of strings as compact JSON (`["a","b"]`).
pub fn json_strings(items: &[String]) -> String {
    let mut out = Vec::with_capacity(items.iter().map(|i| i.len() + 3).sum::<usize>() + 2);
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(&mut out, item);
    }
    out.push(b']');
    json_text(out)
}

/// `application/x-www-form-urlencoded` text, pair by pair (also query strings).
pub struct FormWriter(form_urlencoded::Serializer<'static, String>);

impl FormWriter {
    /// An empty form.
    pub fn new() -> Self {
        Self(form_urlencoded::Serializer::new(String::with_capacity(256)))
    }

    /// Append a pair.
    pub fn pair(&mut self, key: &str, value: &str) {
        self.0.append_pair(key, value);
    }

    /// The encoded text.
    pub fn finish(mut self) -> String {
        self.0.finish()
    }
}

impl Default for FormWriter {
    fn default() -> Self {
        Self::new()
    }
}
