//! Whether a merchant's reply to a notification acknowledges it: by meaning, as the spec's
//! `reply` states it, not byte for byte.
//!
//! - A JSON reply (the spec's reply content type names JSON and its body is a JSON object)
//!   acknowledges when every member of the spec's reply is in the merchant's, with the same
//!   value: `{"error_code": "0000"}` (with a space) and `{"error_code":"0000","message":"Success"}`
//!   both acknowledge `{"error_code":"0000"}`. Scalars compare by their text, so `"0"` and `0`
//!   agree while `"0000"` and `0` do not.
//! - Any other reply acknowledges when it equals the spec's body once both are trimmed.

use paywire::spec::Reply;
use serde_json::Value;

/// Whether `got` (the body the merchant answered with) acknowledges a notification whose
/// documented reply is `expected`. `Err` holds a one-line reason for the log.
pub(crate) fn acknowledges(expected: &Reply, got: &[u8]) -> Result<(), String> {
    let wanted = expected.body.trim();
    if expected.content_type.contains("json")
        && let Ok(Value::Object(want)) = serde_json::from_str::<Value>(wanted)
    {
        return match serde_json::from_slice::<Value>(got) {
            Ok(Value::Object(have)) => match want
                .iter()
                .find(|(k, v)| !have.get(*k).is_some_and(|h| same(v, h)))
            {
                None => Ok(()),
                Some((k, v)) => Err(format!(
                    "the reply's `{k}` is {}, not {v}",
                    have.get(k)
                        .map_or_else(|| "missing".to_owned(), Value::to_string)
                )),
            },
            _ => Err(format!(
                "the reply is not a JSON object (expected one with {wanted}): {}",
                shown(got)
            )),
        };
    }
    let text = String::from_utf8_lossy(got);
    if text.trim() == wanted {
        Ok(())
    } else {
        Err(format!("the reply is {}, not {wanted:?}", shown(got)))
    }
}

/// Whether a received value means what the documented one does.
fn same(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => {
            w.iter().all(|(k, v)| h.get(k).is_some_and(|x| same(v, x)))
        }
        (Value::Array(w), Value::Array(h)) => {
            w.len() == h.len() && w.iter().zip(h).all(|(a, b)| same(a, b))
        }
        _ => scalar(want).is_some() && scalar(want) == scalar(have),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".to_owned()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A reply shortened for a log line.
fn shown(got: &[u8]) -> String {
    let text = String::from_utf8_lossy(got);
    let mut short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    format!("{short:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json() -> Reply {
        Reply {
            content_type: "application/json".into(),
            body: r#"{"error_code":"0000"}"#.into(),
        }
    }

    fn text() -> Reply {
        Reply {
            content_type: "text/plain".into(),
            body: "success".into(),
        }
    }

    #[test]
    fn json_replies_are_compared_by_their_members() {
        for ok in [
            r#"{"error_code":"0000"}"#,
            r#"{"error_code": "0000"}"#,
            "{\n  \"error_code\" : \"0000\"\n}\n",
            r#"{"error_code":"0000","message":"Success"}"#,
            r#"{"message":"Success","error_code":"0000"}"#,
        ] {
            assert_eq!(acknowledges(&json(), ok.as_bytes()), Ok(()), "{ok}");
        }
        for bad in [
            r#"{"error_code":"0001"}"#,
            r#"{"error_code":0}"#,
            r#"{"error_code":"0000 "}"#,
            r#"{"code":"0000"}"#,
            r#"["error_code","0000"]"#,
            "error_code=0000",
            "",
            "success",
        ] {
            let why = acknowledges(&json(), bad.as_bytes()).expect_err(bad);
            assert!(!why.is_empty() && !why.contains('\n'), "{why}");
        }
    }

    #[test]
    fn numbers_and_strings_agree_by_text() {
        let r = Reply {
            content_type: "application/json".into(),
            body: r#"{"code":0,"ok":true}"#.into(),
        };
        assert_eq!(acknowledges(&r, br#"{"code":"0","ok":true}"#), Ok(()));
        assert!(acknowledges(&r, br#"{"code":0,"ok":false}"#).is_err());
        assert!(acknowledges(&r, br#"{"code":0}"#).is_err());
    }

    #[test]
    fn text_replies_are_trimmed_and_exact() {
        for ok in ["success", "success\n", "  success \r\n"] {
            assert_eq!(acknowledges(&text(), ok.as_bytes()), Ok(()), "{ok:?}");
        }
        for bad in ["SUCCESS", "success!", "", "ok", "\"success\""] {
            assert!(acknowledges(&text(), bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}
