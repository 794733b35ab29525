//! Outgoing wire values and body encodings (JSON, form, query string).

use std::fmt::Write as _;

use paywire_spec::{MoneyFormat, NumberWire};

use crate::Money;
use crate::received::{Object, minify};
use crate::signing::SignField;

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

impl WireValue {
    /// An integer written as the field's spec says (number or string).
    pub fn integer(v: i64, wire: NumberWire) -> Self {
        match wire {
            NumberWire::Number => Self::Num(v.to_string()),
            NumberWire::String => Self::Str(v.to_string()),
        }
    }

    /// An amount written as the field's spec says.
    pub fn money(v: Money, format: MoneyFormat, wire: NumberWire) -> Self {
        match format {
            MoneyFormat::Decimal => Self::Str(v.to_decimal_string()),
            MoneyFormat::Minor => Self::integer(v.minor(), wire),
        }
    }

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
