//! A point in time as gateways write it: Unix seconds (a JSON integer) or a date-time text.
//!
//! diamondpay's documentation does not say how `create_time` is written; public integrations
//! read Unix seconds, other copies of the API write `YYYY-MM-DD HH:MM:SS`. A field of spec type
//! `time` accepts both and keeps which one arrived. No time zone is assumed: the text is kept as
//! received, never converted.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::wire::{WireValue, push_json_str};

/// A received or sent time: Unix seconds, or the text `YYYY-MM-DD HH:MM:SS`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Time {
    /// Seconds since 1970-01-01 00:00:00 UTC (`1700000000`).
    Unix(i64),
    /// The text `YYYY-MM-DD HH:MM:SS`, as written (its time zone is the gateway's).
    Text(String),
}

/// What a value of type `time` must look like, for error messages.
pub const EXPECTED: &str = "Unix seconds or a time written YYYY-MM-DD HH:MM:SS";

impl Time {
    /// Read a received value's text: a whole number (surrounding spaces ignored) is Unix
    /// seconds, `YYYY-MM-DD HH:MM:SS` is kept as text; anything else is `None`.
    pub fn parse(text: &str) -> Option<Time> {
        let t = text.trim();
        if let Ok(n) = t.parse::<i64>() {
            return Some(Time::Unix(n));
        }
        is_datetime(text).then(|| Time::Text(text.to_owned()))
    }

    /// Whether the value is one a `time` field accepts: any Unix seconds, or text that
    /// [`Time::parse`] reads (`YYYY-MM-DD HH:MM:SS`, or the seconds written as digits, which
    /// are then sent as that text). A builder given other text refuses it, naming the field.
    pub fn is_valid(&self) -> bool {
        match self {
            Time::Unix(_) => true,
            Time::Text(t) => Time::parse(t).is_some(),
        }
    }

    /// Whether the value is empty text (treated as absent, like an empty string).
    pub fn is_empty(&self) -> bool {
        matches!(self, Time::Text(t) if t.is_empty())
    }

    /// The Unix seconds, when that is what the value holds.
    pub fn unix(&self) -> Option<i64> {
        match self {
            Time::Unix(n) => Some(*n),
            Time::Text(_) => None,
        }
    }

    /// The date-time text, when that is what the value holds.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Time::Unix(_) => None,
            Time::Text(t) => Some(t),
        }
    }

    /// The value's text as it enters a canonical string or a form: the digits of the seconds,
    /// or the date-time text.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Time::Unix(n) => Cow::Owned(itoa::Buffer::new().format(*n).to_owned()),
            Time::Text(t) => Cow::Borrowed(t),
        }
    }

    /// The interpreter's view of the value: seconds as a number (a string of digits with
    /// `as_string`), text as a string.
    pub fn to_wire_value(&self, as_string: bool) -> WireValue {
        match self {
            Time::Unix(n) if !as_string => WireValue::Num(n.to_string()),
            Time::Unix(n) => WireValue::Str(n.to_string()),
            Time::Text(t) => WireValue::Str(t.clone()),
        }
    }

    /// Write the value as JSON: seconds as a number (quoted with `as_string`), text as a string.
    pub fn write_json(&self, out: &mut Vec<u8>, as_string: bool) {
        match self {
            Time::Unix(n) => {
                let mut b = itoa::Buffer::new();
                if as_string {
                    out.push(b'"');
                }
                out.extend_from_slice(b.format(*n).as_bytes());
                if as_string {
                    out.push(b'"');
                }
            }
            Time::Text(t) => push_json_str(out, t),
        }
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl From<i64> for Time {
    fn from(n: i64) -> Self {
        Time::Unix(n)
    }
}

impl From<String> for Time {
    fn from(t: String) -> Self {
        Time::Text(t)
    }
}

impl From<&str> for Time {
    fn from(t: &str) -> Self {
        Time::Text(t.to_owned())
    }
}

/// Whether `t` is exactly `YYYY-MM-DD HH:MM:SS` (digits where the letters are, month 01–12,
/// day 01–31, hour 00–23, minute and second 00–59).
pub fn is_datetime(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() != 19 {
        return false;
    }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    if !digits.iter().all(|&i| b[i].is_ascii_digit()) {
        return false;
    }
    if b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return false;
    }
    let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    (1..=12).contains(&two(5))
        && (1..=31).contains(&two(8))
        && two(11) <= 23
        && two(14) <= 59
        && two(17) <= 59
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms_and_nothing_else() {
        assert_eq!(Time::parse("1700000000"), Some(Time::Unix(1_700_000_000)));
        assert_eq!(Time::parse(" 42 "), Some(Time::Unix(42)));
        assert_eq!(
            Time::parse("2024-01-31 23:59:59"),
            Some(Time::Text("2024-01-31 23:59:59".into()))
        );
        for bad in [
            "",
            "abc",
            "1.5",
            "2024-01-31T23:59:59",
            "2024-13-01 00:00:00",
            "2024-01-31 24:00:00",
            "2024-1-31 23:59:59",
            "２024-01-31 23:59:59",
        ] {
            assert_eq!(Time::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_and_json_keep_the_form() {
        let mut out = Vec::new();
        Time::Unix(1_700_000_000).write_json(&mut out, false);
        out.push(b',');
        Time::Unix(5).write_json(&mut out, true);
        out.push(b',');
        Time::from("2024-01-01 00:00:00").write_json(&mut out, false);
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            r#"1700000000,"5","2024-01-01 00:00:00""#
        );
        assert_eq!(Time::Unix(7).text(), "7");
        assert_eq!(
            serde_json::to_string(&Time::Unix(7)).unwrap_or_default(),
            "7"
        );
        assert_eq!(
            serde_json::from_str::<Time>("\"2024-01-01 00:00:00\"").ok(),
            Some(Time::Text("2024-01-01 00:00:00".into()))
        );
    }
}
