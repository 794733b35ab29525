//! Field rules, checked before anything is sent (and, in the simulator, when a request
//! arrives). Every broken rule is reported, each naming its field.
//!
//! Generated code checks its rules as plain code and reports them with the types here; the
//! interpreter (feature `dynamic`) checks any spec's fields with [`check`].

use std::fmt;

use crate::Money;
#[cfg(feature = "dynamic")]
use crate::received::{Object, Raw};
#[cfg(feature = "dynamic")]
use crate::wire::{WireFields, json_items};
#[cfg(feature = "dynamic")]
use paywire_spec::{Field, FieldType, MoneyFormat};
#[cfg(feature = "dynamic")]
use std::collections::HashMap;
#[cfg(feature = "dynamic")]
use std::sync::{LazyLock, Mutex};

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The field is required.
    Required,
    /// The field is required under a condition that holds.
    RequiredWhen(String),
    /// Too many characters.
    MaxLength { max: usize, actual: usize },
    /// Too few characters.
    MinLength { min: usize, actual: usize },
    /// Does not match the pattern.
    Pattern {
        pattern: String,
        doc: Option<String>,
    },
    /// Not one of the allowed values.
    OneOf(Vec<String>),
    /// Not of the field's type.
    Type(&'static str),
    /// Too few list items.
    MinItems { min: usize, actual: usize },
    /// Too many list items.
    MaxItems { max: usize, actual: usize },
    /// A list item does not match the item pattern.
    ItemPattern { index: usize, pattern: String },
    /// Below the minimum.
    Min(i64),
    /// An amount below the minimum.
    MinAmount(Money),
    /// Above the maximum.
    Max(i64),
    /// An amount above the maximum.
    MaxAmount(Money),
    /// The value contains the signing string's separator, and the gateway sends it back: a
    /// shifted answer could carry the same signature.
    Separator(String),
    /// A rule from elsewhere (such as a channel's form rules).
    Other(String),
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The field's wire name (nested fields as `parent.child`).
    pub field: String,
    /// The rule.
    pub rule: Rule,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.field;
        match &self.rule {
            Rule::Required => write!(f, "`{n}` is required"),
            Rule::RequiredWhen(c) => write!(f, "`{n}` is required when {c}"),
            Rule::MaxLength { max, actual } => {
                write!(
                    f,
                    "`{n}` has {actual} characters; at most {max} are allowed"
                )
            }
            Rule::MinLength { min, actual } => {
                write!(
                    f,
                    "`{n}` has {actual} characters; at least {min} are required"
                )
            }
            Rule::Pattern { pattern, doc } => match doc {
                Some(d) => write!(f, "`{n}` must be {d} (pattern {pattern})"),
                None => write!(f, "`{n}` does not match the pattern {pattern}"),
            },
            Rule::OneOf(allowed) => write!(f, "`{n}` must be one of: {}", allowed.join(", ")),
            Rule::Type(t) => write!(f, "`{n}` must be {t}"),
            Rule::MinItems { min, actual } => {
                write!(f, "`{n}` has {actual} items; at least {min} are required")
            }
            Rule::MaxItems { max, actual } => {
                write!(f, "`{n}` has {actual} items; at most {max} are allowed")
            }
            Rule::ItemPattern { index, pattern } => {
                write!(f, "`{n}[{index}]` does not match the pattern {pattern}")
            }
            Rule::Min(min) => write!(f, "`{n}` must be at least {min}"),
            Rule::MinAmount(min) => write!(f, "`{n}` must be at least {min}"),
            Rule::Max(max) => write!(f, "`{n}` must be at most {max}"),
            Rule::MaxAmount(max) => write!(f, "`{n}` must be at most {max}"),
            Rule::Separator(s) => write!(
                f,
                "`{n}` may not contain `{s}`: the gateway sends it back, and the separator would make the signed string ambiguous (mark the field `allow_separators` if it must)"
            ),
            Rule::Other(m) => write!(f, "`{n}`: {m}"),
        }
    }
}

/// Every broken rule of a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid request: ")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl ValidationErrors {
    /// Whether some error names `field`.
    pub fn names(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
}

/// A broken rule of the field `prefix` + `name` (generated code).
pub fn error(prefix: &str, name: &str, rule: Rule) -> ValidationError {
    let mut field = String::with_capacity(prefix.len() + name.len());
    field.push_str(prefix);
    field.push_str(name);
    ValidationError { field, rule }
}

/// Whether a condition on another field holds: its wire text (None when absent) is one of
/// `is_in` (any value when empty) and none of `not_in`.
pub fn holds(value: Option<&str>, is_in: &[&str], not_in: &[&str]) -> bool {
    match value {
        None => false,
        Some(v) => (is_in.is_empty() || is_in.contains(&v)) && !not_in.contains(&v),
    }
}

/// A regular expression a whole value must match, compiled once (feature `patterns`).
/// A pattern that does not compile matches nothing; specs are validated before use.
#[cfg(feature = "patterns")]
#[derive(Debug, Clone)]
pub struct Pattern(Option<regex_lite::Regex>);

#[cfg(feature = "patterns")]
impl Pattern {
    /// Compile `pattern`, anchored at both ends.
    pub fn new(pattern: &str) -> Self {
        Self(regex_lite::Regex::new(&format!("^(?:{pattern})$")).ok())
    }

    /// Whether the whole of `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.as_ref().is_some_and(|re| re.is_match(text))
    }
}

#[cfg(feature = "dynamic")]
/// Values a validator can read: outgoing wire fields or a received object.
pub trait FieldSource {
    /// The text of a field (None when absent or null).
    fn text(&self, key: &str) -> Option<String>;
    /// The items of a list field (None when absent or not a list).
    fn items(&self, key: &str) -> Option<Vec<String>>;
    /// Nested objects of an `object` (one) or `objects` (many) field.
    fn objects(&self, key: &str) -> Option<Vec<Object>>;
    /// Whether the value is a JSON object or list (not text, a number or a boolean).
    fn is_structured(&self, key: &str) -> bool;
}

#[cfg(feature = "dynamic")]
impl FieldSource for WireFields {
    fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|v| v.text())
    }
    fn items(&self, key: &str) -> Option<Vec<String>> {
        WireFields::items(self, key)
    }
    fn objects(&self, key: &str) -> Option<Vec<Object>> {
        let text = self.get(key)?.text()?;
        objects_of(&text)
    }
    fn is_structured(&self, key: &str) -> bool {
        matches!(
            self.get(key),
            Some(crate::wire::WireValue::Strings(_) | crate::wire::WireValue::Json(_))
        )
    }
}

#[cfg(feature = "dynamic")]
impl FieldSource for Object {
    fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Raw::sign_text)
    }
    fn items(&self, key: &str) -> Option<Vec<String>> {
        match self.get(key)? {
            Raw::Json(r) => json_items(r.get()),
            Raw::Text(t) => json_items(t),
        }
    }
    fn objects(&self, key: &str) -> Option<Vec<Object>> {
        objects_of(&self.get(key)?.sign_text()?)
    }
    fn is_structured(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Raw::Json(r)) if r.get().trim_start().starts_with(['{', '[']))
    }
}

#[cfg(feature = "dynamic")]
fn objects_of(json: &str) -> Option<Vec<Object>> {
    let t = json.trim_start();
    if t.starts_with('{') {
        return Object::from_json(t.as_bytes()).ok().map(|o| vec![o]);
    }
    let list: Vec<Box<serde_json::value::RawValue>> = serde_json::from_str(t).ok()?;
    list.iter()
        .map(|r| Object::from_json(r.get().as_bytes()).ok())
        .collect()
}

#[cfg(feature = "dynamic")]
static REGEX_CACHE: LazyLock<Mutex<HashMap<String, Pattern>>> = LazyLock::new(Default::default);

#[cfg(feature = "dynamic")]
/// Whether `text` matches `pattern` (anchored at both ends unless the pattern anchors itself).
/// A pattern that does not compile matches nothing (specs are validated before use).
pub fn matches(pattern: &str, text: &str) -> bool {
    let mut cache = match REGEX_CACHE.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    if !cache.contains_key(pattern) {
        cache.insert(pattern.to_owned(), Pattern::new(pattern));
    }
    cache.get(pattern).is_some_and(|re| re.is_match(text))
}

/// Check `source` against `fields`, collecting every broken rule.
#[cfg(feature = "dynamic")]
pub fn check(fields: &[Field], source: &dyn FieldSource) -> Result<(), ValidationErrors> {
    check_with(fields, source, None)
}

/// As [`check`], refusing `separator` in the values of fields marked `echoed` or `free_text`
/// (and not `allow_separators`): what is checked before a request is signed and sent.
#[cfg(feature = "dynamic")]
pub fn check_with(
    fields: &[Field],
    source: &dyn FieldSource,
    separator: Option<&str>,
) -> Result<(), ValidationErrors> {
    let mut errors = Vec::new();
    check_into(fields, source, "", separator, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(errors))
    }
}

#[cfg(feature = "dynamic")]
fn check_into(
    fields: &[Field],
    source: &dyn FieldSource,
    prefix: &str,
    separator: Option<&str>,
    errors: &mut Vec<ValidationError>,
) {
    for f in fields {
        let name = format!("{prefix}{}", f.name);
        let err = |rule| ValidationError {
            field: name.clone(),
            rule,
        };
        let present = match f.ty {
            FieldType::Strings | FieldType::Objects | FieldType::Object | FieldType::Json => {
                source.text(&f.name).is_some()
            }
            _ => source.text(&f.name).is_some_and(|t| !t.is_empty()),
        };
        if !present {
            if f.required {
                errors.push(err(Rule::Required));
            } else if !f.required_when.is_empty()
                && f.required_when
                    .iter()
                    .all(|c| c.holds(source.text(&c.field).as_deref()))
            {
                let cond: Vec<String> = f.required_when.iter().map(|c| c.describe()).collect();
                errors.push(err(Rule::RequiredWhen(cond.join(" and "))));
            }
            continue;
        }
        let scalar = matches!(
            f.ty,
            FieldType::String
                | FieldType::Integer
                | FieldType::Money
                | FieldType::Boolean
                | FieldType::Time
        );
        if scalar && source.is_structured(&f.name) {
            errors.push(err(Rule::Type(
                "text or a number, not a JSON object or list",
            )));
            continue;
        }
        match f.ty {
            FieldType::String => {
                let text = source.text(&f.name).unwrap_or_default();
                let len = text.chars().count();
                if let Some(max) = f.max_length
                    && len > max
                {
                    errors.push(err(Rule::MaxLength { max, actual: len }));
                }
                if let Some(min) = f.min_length
                    && len < min
                {
                    errors.push(err(Rule::MinLength { min, actual: len }));
                }
                if let Some(p) = &f.pattern
                    && !matches(p, &text)
                {
                    errors.push(err(Rule::Pattern {
                        pattern: p.clone(),
                        doc: f.pattern_doc.clone(),
                    }));
                }
                if !f.one_of.is_empty() && !f.one_of.contains(&text) {
                    errors.push(err(Rule::OneOf(f.one_of.clone())));
                }
                if let Some(sep) = separator
                    && (f.echoed || f.free_text)
                    && !f.allow_separators
                    && text.contains(sep)
                {
                    errors.push(err(Rule::Separator(sep.to_owned())));
                }
            }
            FieldType::Integer => {
                let text = source.text(&f.name).unwrap_or_default();
                match text.trim().parse::<i64>() {
                    Err(_) => errors.push(err(Rule::Type("a whole number"))),
                    Ok(v) => {
                        if f.min.is_some_and(|m| v < m) {
                            errors.push(err(Rule::Min(f.min.unwrap_or_default())));
                        }
                        if let Some(max) = f.max
                            && v > max
                        {
                            errors.push(err(Rule::Max(max)));
                        }
                        if !f.one_of.is_empty() && !f.one_of.contains(&v.to_string()) {
                            errors.push(err(Rule::OneOf(f.one_of.clone())));
                        }
                    }
                }
            }
            FieldType::Money => {
                let text = source.text(&f.name).unwrap_or_default();
                let parsed = match f.money {
                    Some(MoneyFormat::Decimal) => Money::from_decimal_str(&text),
                    _ => Money::from_minor_str(&text),
                };
                match parsed {
                    Err(_) => errors.push(err(Rule::Type(match f.money {
                        Some(MoneyFormat::Decimal) => {
                            "an amount with at most two decimals, such as \"100.00\""
                        }
                        _ => "a whole number of minor units, such as 50000",
                    }))),
                    Ok(m) => {
                        if let Some(min) = f.min
                            && m.minor() < min
                        {
                            errors.push(err(Rule::MinAmount(Money::from_minor(min))));
                        }
                        if let Some(max) = f.max
                            && m.minor() > max
                        {
                            errors.push(err(Rule::MaxAmount(Money::from_minor(max))));
                        }
                    }
                }
            }
            FieldType::Time => {
                let text = source.text(&f.name).unwrap_or_default();
                if crate::Time::parse(&text).is_none() {
                    errors.push(err(Rule::Type(crate::time::EXPECTED)));
                }
            }
            FieldType::Boolean => {
                let text = source.text(&f.name).unwrap_or_default();
                if !matches!(text.as_str(), "true" | "false") {
                    errors.push(err(Rule::Type("true or false")));
                }
            }
            FieldType::Strings => match source.items(&f.name) {
                None => errors.push(err(Rule::Type("a list of strings"))),
                Some(items) => {
                    if let Some(min) = f.min_items
                        && items.len() < min
                    {
                        errors.push(err(Rule::MinItems {
                            min,
                            actual: items.len(),
                        }));
                    }
                    if let Some(max) = f.max_items
                        && items.len() > max
                    {
                        errors.push(err(Rule::MaxItems {
                            max,
                            actual: items.len(),
                        }));
                    }
                    if let Some(p) = &f.item_pattern {
                        for (index, item) in items.iter().enumerate() {
                            if !matches(p, item) {
                                errors.push(err(Rule::ItemPattern {
                                    index,
                                    pattern: p.clone(),
                                }));
                            }
                        }
                    }
                }
            },
            FieldType::Object | FieldType::Objects => match source.objects(&f.name) {
                None => errors.push(err(Rule::Type(if f.ty == FieldType::Object {
                    "an object"
                } else {
                    "a list of objects"
                }))),
                Some(objs) => {
                    if let Some(max) = f.max_items
                        && objs.len() > max
                    {
                        errors.push(err(Rule::MaxItems {
                            max,
                            actual: objs.len(),
                        }));
                    }
                    if let Some(min) = f.min_items
                        && objs.len() < min
                    {
                        errors.push(err(Rule::MinItems {
                            min,
                            actual: objs.len(),
                        }));
                    }
                    for (i, o) in objs.iter().enumerate() {
                        let p = if f.ty == FieldType::Object {
                            format!("{name}.")
                        } else {
                            format!("{name}[{i}].")
                        };
                        check_into(&f.fields, o, &p, separator, errors);
                    }
                }
            },
            FieldType::Json | FieldType::Unknown => {}
        }
    }
}

#[cfg(all(test, feature = "dynamic"))]
mod tests {
    use super::*;

    fn fields(src: &str) -> Vec<Field> {
        let spec = paywire_spec::parse_str(
            &format!("[gateway]\nname = \"t\"\ndefault_profile = \"m\"\n[profiles.m]\ndigest = \"md5\"\n[[operations]]\nname = \"o\"\nmethod = \"POST\"\npath = \"/o\"\n{src}"),
            "t.toml",
        )
        .unwrap();
        spec.operations[0].request.clone()
    }

    #[test]
    fn a_json_object_or_list_is_not_text() {
        let f = fields(
            "[[operations.request]]\nname = \"name\"\ntype = \"string\"\nmax_length = 20\n[[operations.request]]\nname = \"n\"\ntype = \"integer\"",
        );
        let obj = Object::from_json(br#"{"name":{"a":1},"n":[1]}"#).unwrap();
        let err = check(&f, &obj).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid request: `name` must be text or a number, not a JSON object or list; \
             `n` must be text or a number, not a JSON object or list"
        );
        let ok = Object::from_json(br#"{"name":"Ann","n":3}"#).unwrap();
        assert_eq!(check(&f, &ok), Ok(()));
    }
}
