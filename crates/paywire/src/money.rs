//! Money in integer minor units. No floating point anywhere on a money path.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount in integer minor units (cents): `Money::from_minor(50000)` is 500.00.
///
/// ```
/// use paywire::Money;
/// let m = Money::from_decimal_str("100.10").unwrap();
/// assert_eq!(m.minor(), 10010);
/// assert_eq!(m.to_decimal_string(), "100.10");
/// assert!(Money::from_decimal_str("1.005").is_err());
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Text that is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an amount: {reason}")]
pub struct MoneyError {
    /// The text given.
    pub text: String,
    /// Why it was refused.
    pub reason: &'static str,
}

impl Money {
    /// An amount of `minor` minor units.
    pub const fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    /// The amount in minor units.
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Parse integer minor units written as text (`"50000"`).
    pub fn from_minor_str(text: &str) -> Result<Self, MoneyError> {
        let err = |reason| MoneyError {
            text: text.to_owned(),
            reason,
        };
        let t = text.trim();
        if t.is_empty() {
            return Err(err("empty"));
        }
        t.parse::<i64>()
            .map(Self)
            .map_err(|_| err("expected whole minor units (digits only)"))
    }

    /// Parse a decimal amount in major units with at most two decimals (`"100.1"`, `"100.10"`, `"100"`).
    pub fn from_decimal_str(text: &str) -> Result<Self, MoneyError> {
        let err = |reason| MoneyError {
            text: text.to_owned(),
            reason,
        };
        let t = text.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t, ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected digits before the decimal point"));
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected digits after the decimal point"));
        }
        if frac.len() > 2 && frac[2..].bytes().any(|b| b != b'0') {
            return Err(err("more than two decimal places"));
        }
        let whole: i64 = whole.parse().map_err(|_| err("too large"))?;
        let mut cents = 0i64;
        for (i, b) in frac.bytes().take(2).enumerate() {
            let d = i64::from(b - b'0');
            cents += if i == 0 { d * 10 } else { d };
        }
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or_else(|| err("too large"))?;
        Ok(Self(if neg { -minor } else { minor }))
    }

    /// The amount as a two-decimal string (`"100.10"`).
    pub fn to_decimal_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Money {
    /// The two-decimal text (`"100.10"`) without allocating, for signers and body writers.
    pub fn decimal_text(self) -> DecimalText {
        let mut buf = [0u8; 24];
        let mut at = buf.len();
        let abs = self.0.unsigned_abs();
        let mut push = |b: u8| {
            at -= 1;
            buf[at] = b;
        };
        let cents = abs % 100;
        push(b'0' + (cents % 10) as u8);
        push(b'0' + (cents / 10) as u8);
        push(b'.');
        let mut whole = abs / 100;
        loop {
            push(b'0' + (whole % 10) as u8);
            whole /= 10;
            if whole == 0 {
                break;
            }
        }
        if self.0 < 0 {
            push(b'-');
        }
        DecimalText { buf, start: at }
    }
}

/// An amount's two-decimal text on the stack (see [`Money::decimal_text`]).
#[derive(Debug, Clone, Copy)]
pub struct DecimalText {
    buf: [u8; 24],
    start: usize,
}

impl DecimalText {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, '.' and '-' are written.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or("")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_decimals() {
        for (text, minor) in [
            ("100.00", 10000),
            ("100.1", 10010),
            ("100.10", 10010),
            ("0.05", 5),
            ("7", 700),
            ("-1.50", -150),
            ("2.500", 250),
        ] {
            assert_eq!(
                Money::from_decimal_str(text).unwrap().minor(),
                minor,
                "{text}"
            );
        }
        assert_eq!(Money::from_minor(5).to_decimal_string(), "0.05");
        assert_eq!(Money::from_minor(-150).to_decimal_string(), "-1.50");
        for bad in [
            "",
            ".5",
            "1.005",
            "1,00",
            "abc",
            "1e3",
            "99999999999999999999",
        ] {
            assert!(Money::from_decimal_str(bad).is_err(), "{bad}");
        }
        assert_eq!(Money::from_minor_str("50000").unwrap().minor(), 50000);
        assert!(Money::from_minor_str("500.00").is_err());
        for m in [0, 5, 10, 99, 100, 10010, -150, -5, i64::MAX, i64::MIN] {
            let m = Money::from_minor(m);
            assert_eq!(m.decimal_text().as_str(), m.to_decimal_string());
        }
    }
}
