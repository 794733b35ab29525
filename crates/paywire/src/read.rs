//! Tolerant reading of received fields into typed values, used by generated response and
//! notification types. Keys match in snake_case or camelCase; strings accept numbers and
//! numbers accept strings (gateways drift); amounts are read from their exact text.

use std::collections::BTreeMap;

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

/// A time: Unix seconds (a JSON integer or a string of digits) or the text
/// `YYYY-MM-DD HH:MM:SS`; an empty value is absent.
pub fn time(obj: &Object, key: &str) -> Result<Option<crate::Time>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    if matches!(raw, Raw::Json(r) if matches!(r.get().trim().as_bytes().first(), Some(b'[' | b'{')))
    {
        return Err(bad(key, crate::time::EXPECTED, raw));
    }
    let text = raw.sign_text().unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(None);
    }
    crate::Time::parse(&text)
        .map(Some)
        .ok_or_else(|| bad(key, crate::time::EXPECTED, raw))
}

/// The whole number at `path` of a body (a query answer's row count beside its payload).
pub fn count(obj: &Object, path: &str) -> Result<Option<i64>, ReadError> {
    let Some(raw) = obj.path(path).filter(|r| !r.is_null()) else {
        return Ok(None);
    };
    // A list or an object is not a count (it has no text of its own).
    let Some(text) = raw.sign_text() else {
        return Err(bad(path, "a whole number", &raw));
    };
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| bad(path, "a whole number", &raw))
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

fn amount(
    obj: &Object,
    key: &str,
    parse: fn(&str) -> Result<Money, crate::MoneyError>,
) -> Result<Option<Money>, ReadError> {
    let Some(raw) = present(obj, key) else {
        return Ok(None);
    };
    let text = raw.sign_str().unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse(&text)
        .map(Some)
        .map_err(|_| bad(key, "an amount", raw))
}

/// An amount written in major units with decimals (`"100.00"`, `100.1`), from its exact text,
/// never through a float.
pub fn money_decimal(obj: &Object, key: &str) -> Result<Option<Money>, ReadError> {
    amount(obj, key, Money::from_decimal_str)
}

/// An amount written in integer minor units (`50000`, `"50000"`).
pub fn money_minor(obj: &Object, key: &str) -> Result<Option<Money>, ReadError> {
    amount(obj, key, Money::from_minor_str)
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
                .any(|n| n == k || crate::received::is_camel_of(n, k))
        })
        .map(|(k, v)| (k.clone(), raw_to_value(v)))
        .collect()
}

/// The payload as an object, or its first element when it is a list (a query's rows: the
/// status is the first row's).
pub fn first_object(payload: &Raw) -> Option<Object> {
    if let Ok(o) = Object::from_raw(payload) {
        return Some(o);
    }
    let text = payload.sign_text()?;
    let list: Vec<Box<serde_json::value::RawValue>> = serde_json::from_str(&text).ok()?;
    let first = list.into_iter().next()?;
    Object::from_raw(&Raw::Json(first)).ok()
}

/// The rows of a signed list (a JSON array of objects) for verification; a list that does not
/// parse has no rows, a row that is not an object is an error.
pub fn row_objects(list: &Raw) -> Result<Vec<Object>, crate::received::ReceiveError> {
    let Some(text) = list.sign_text() else {
        return Ok(Vec::new());
    };
    let items: Vec<Box<serde_json::value::RawValue>> =
        serde_json::from_str(&text).unwrap_or_default();
    items
        .into_iter()
        .map(|item| Object::from_raw(&Raw::Json(item)))
        .collect()
}

/// A payload that is a list of rows, each typed.
pub fn typed_rows<T: FromObject>(payload: &Raw) -> Result<Vec<T>, ReadError> {
    let text = payload.sign_text().unwrap_or_default();
    if text.trim().is_empty() || text == "null" {
        return Ok(Vec::new());
    }
    let list: Vec<Box<serde_json::value::RawValue>> =
        serde_json::from_str(&text).map_err(|_| ReadError {
            field: "(payload)".to_owned(),
            expected: "a list of rows",
            found: text.chars().take(60).collect(),
        })?;
    list.into_iter()
        .map(|r| T::from_object(&Object::from_raw(&Raw::Json(r)).unwrap_or_default()))
        .collect()
}

/// The merchant's order id a received message carries at `path`: a field, or a dotted path into
/// nested objects (`data.reference`), as text.
pub fn order_id(obj: &crate::received::Object, path: &str) -> Option<String> {
    if path.contains('.') {
        obj.path(path).and_then(|r| r.sign_text())
    } else {
        obj.text(path)
    }
}
