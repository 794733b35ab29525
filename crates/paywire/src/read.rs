//! Tolerant reading of received fields into typed values, used by generated response and
//! notification types. Keys match in snake_case or camelCase; strings accept numbers and
//! numbers accept strings (gateways drift); amounts are read from their exact text.

use std::collections::BTreeMap;

use paywire_spec::MoneyFormat;

use crate::Money;
use crate::received::{Object, Raw, raw_to_value};
use crate::wire::json_items;

/// A received field could not be read as its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: expected {expected}, found `{found}`")]
pub struct ReadError {
    /// The field's wire name.
    pub field: String,
    /// What was expected.
    pub expected: &'static str,
    /// What was found (shortened).
    pub found: String,
}

fn bad(field: &str, expected: &'static str, raw: &Raw) -> ReadError {
    let found = match raw {
        Raw::Json(r) => r.get().to_owned(),
        Raw::Text(t) => t.clone(),
    };
    let found: String = found.chars().take(60).collect();
    ReadError {
        field: field.to_owned(),
        expected,
        found,
    }
}

/// Types that can be read from a received object.
pub trait FromObject: Sized {
    /// Read `Self` from `obj`.
    fn from_object(obj: &Object) -> Result<Self, ReadError>;
}

/// A required value that is absent.
pub fn required<T>(v: Option<T>, field: &str) -> Result<T, ReadError> {
    v.ok_or_else(|| ReadError {
        field: field.to_owned(),
        expected: "a value",
        found: "nothing".to_owned(),
    })
}

fn present<'a>(obj: &'a Object, key: &str) -> Option<&'a Raw> {
    obj.get(key).filter(|r| !r.is_null())
}

/// A string (numbers and booleans are taken as their text).
pub fn string(obj: &Object, key: &str) -> Result<Option<String>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    match raw {
        Raw::Json(r) if matches!(r.get().trim().as_bytes().first(), Some(b'[' | b'{')) => {
            Err(bad(key, "a string", raw))
        }
        _ => Ok(raw.sign_text()),
    }
}

/// A whole number (a string of digits is accepted).
pub fn integer(obj: &Object, key: &str) -> Result<Option<i64>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    let text = raw.sign_text().unwrap_or_default();
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| bad(key, "a whole number", raw))
}

/// A boolean (`true`, `false`, `"true"`, `"false"`, `1`, `0`).
pub fn boolean(obj: &Object, key: &str) -> Result<Option<bool>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    match raw.sign_text().as_deref() {
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        _ => Err(bad(key, "true or false", raw)),
    }
}

/// An amount, from its exact text (`100`, `"100.00"`, `50000`), never through a float.
pub fn money(obj: &Object, key: &str, format: MoneyFormat) -> Result<Option<Money>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    let text = raw.sign_text().unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(None);
    }
    let parsed = match format {
        MoneyFormat::Decimal => Money::from_decimal_str(&text),
        MoneyFormat::Minor => Money::from_minor_str(&text),
    };
    parsed.map(Some).map_err(|_| bad(key, "an amount", raw))
}

/// A list of strings (numbers taken as text).
pub fn strings(obj: &Object, key: &str) -> Result<Option<Vec<String>>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    let text = raw.sign_text().unwrap_or_default();
    json_items(&text)
        .map(Some)
        .ok_or_else(|| bad(key, "a list of strings", raw))
}

/// Any JSON, kept as a value.
pub fn json(obj: &Object, key: &str) -> Result<Option<serde_json::Value>, ReadError> {
    Ok(present(obj, key).map(raw_to_value))
}

/// A nested object.
pub fn object<T: FromObject>(obj: &Object, key: &str) -> Result<Option<T>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    let inner = Object::from_raw(raw).map_err(|_| bad(key, "an object", raw))?;
    T::from_object(&inner).map(Some)
}

/// A list of nested objects.
pub fn objects<T: FromObject>(obj: &Object, key: &str) -> Result<Option<Vec<T>>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    let text = raw.sign_text().unwrap_or_default();
    let list: Vec<Box<serde_json::value::RawValue>> =
        serde_json::from_str(&text).map_err(|_| bad(key, "a list of objects", raw))?;
    list.into_iter()
        .map(|r| {
            let item = Raw::Json(r);
            let o = Object::from_raw(&item).map_err(|_| bad(key, "a list of objects", &item))?;
            T::from_object(&o)
        })
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

/// Every field of `obj` that is not one of `known` (wire names; camelCase forms count as known).
pub fn extra(obj: &Object, known: &[&str]) -> BTreeMap<String, serde_json::Value> {
    obj.entries()
        .iter()
        .filter(|(k, _)| {
            !known
                .iter()
                .any(|n| n == k || paywire_spec::names::camel_case(n) == *k)
        })
        .map(|(k, v)| (k.clone(), raw_to_value(v)))
        .collect()
}
