//! XML bodies (feature `xml`): the flat `<xml><key>value</key>…</xml>` documents of WeChat Pay
//! v2 and its family, read with quick-xml.
//!
//! A received document becomes a received [`Object`] whose values are each element's text
//! (CDATA and entities resolved), so it is verified and read exactly like a form body. Writing
//! puts strings in CDATA (as the gateways' own SDKs do) and numbers and booleans as text.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::received::{Object, ReceiveError};
use crate::wire::WireFields;
#[cfg(test)]
use crate::wire::WireValue;

/// Parse a flat XML document: one root element whose children are leaf elements.
pub fn parse(body: &[u8]) -> Result<Object, ReceiveError> {
    let text = std::str::from_utf8(body).map_err(|_| ReceiveError::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(ReceiveError::Empty);
    }
    let bad = |why: &str| ReceiveError::NotXmlDocument(why.to_owned());
    let mut reader = Reader::from_str(text);
    let mut pairs: Vec<(String, String)> = Vec::new();
    // 0: before the root, 1: inside the root, 2: inside a child, 3: after the root.
    let mut depth = 0u8;
    let mut key = String::new();
    let mut value = String::new();
    loop {
        let event = reader.read_event().map_err(|e| bad(&e.to_string()))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec())
                    .map_err(|_| ReceiveError::NotUtf8)?;
                match depth {
                    0 => depth = 1,
                    1 => {
                        key = name;
                        value.clear();
                        depth = 2;
                    }
                    2 => return Err(bad(&format!("element `{key}` holds another element"))),
                    _ => return Err(bad("content after the root element")),
                }
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec())
                    .map_err(|_| ReceiveError::NotUtf8)?;
                match depth {
                    0 => depth = 3,
                    1 => pairs.push((name, String::new())),
                    2 => return Err(bad(&format!("element `{key}` holds another element"))),
                    _ => return Err(bad("content after the root element")),
                }
            }
            Event::End(_) => match depth {
                2 => {
                    pairs.push((std::mem::take(&mut key), std::mem::take(&mut value)));
                    depth = 1;
                }
                1 => depth = 3,
                _ => return Err(bad("unbalanced end tag")),
            },
            Event::Text(t) => {
                let s = t.decode().map_err(|e| bad(&e.to_string()))?;
                match depth {
                    2 => value.push_str(&s),
                    _ if s.trim().is_empty() => {}
                    _ => return Err(bad("text outside a field element")),
                }
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| bad(&e.to_string()))?;
                if depth != 2 {
                    return Err(bad("CDATA outside a field element"));
                }
                value.push_str(&s);
            }
            Event::GeneralRef(r) => {
                if depth != 2 {
                    return Err(bad("an entity outside a field element"));
                }
                let name = r.decode().map_err(|e| bad(&e.to_string()))?;
                if let Some(c) = r.resolve_char_ref().map_err(|e| bad(&e.to_string()))? {
                    value.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                    value.push_str(s);
                } else {
                    return Err(bad(&format!("unknown entity `&{name};`")));
                }
            }
            Event::DocType(_) => return Err(bad("a DOCTYPE is not accepted")),
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    if depth != 3 {
        return Err(bad("the document ends inside an element"));
    }
    Object::from_received_pairs(pairs)
}

/// Write fields as `<xml><key>value</key>…</xml>`: a value of digits (an amount, a count) as
/// text, any other in CDATA (as WeChat Pay's own SDKs write it), lists and objects as their
/// compact JSON, nulls left out.
pub fn write(fields: &WireFields) -> String {
    let mut w = XmlWriter::new();
    for (k, v) in &fields.0 {
        if let Some(text) = v.text() {
            w.pair(k, &text);
        }
    }
    w.finish()
}

/// An XML body written element by element (generated code and [`write()`]).
#[derive(Debug, Default)]
pub struct XmlWriter(String);

impl XmlWriter {
    /// `<xml>`.
    pub fn new() -> Self {
        let mut s = String::with_capacity(256);
        s.push_str("<xml>");
        Self(s)
    }

    /// One element: digits as text, anything else in CDATA (the rule of [`write()`]).
    pub fn pair(&mut self, key: &str, value: &str) {
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            self.plain(key, value);
        } else {
            self.cdata(key, value);
        }
    }

    /// `<key><![CDATA[value]]></key>`; a `]]>` inside the value is split across two sections.
    pub fn cdata(&mut self, key: &str, value: &str) {
        self.open(key);
        self.0.push_str("<![CDATA[");
        self.0.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
        self.0.push_str("]]>");
        self.close(key);
    }

    /// `<key>value</key>` with `&`, `<` and `>` escaped.
    pub fn plain(&mut self, key: &str, value: &str) {
        self.open(key);
        self.0.push_str(&quick_xml::escape::escape(value));
        self.close(key);
    }

    fn open(&mut self, key: &str) {
        self.0.push('<');
        self.0.push_str(key);
        self.0.push('>');
    }

    fn close(&mut self, key: &str) {
        self.0.push_str("</");
        self.0.push_str(key);
        self.0.push('>');
    }

    /// `</xml>`, and the text.
    pub fn finish(mut self) -> String {
        self.0.push_str("</xml>");
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cdata_entities_and_empty_elements() {
        let body = b"<xml><appid><![CDATA[wx1]]></appid><total_fee>1</total_fee><body>a &amp; b&#33;</body><attach/></xml>";
        let obj = parse(body).unwrap();
        let fields: Vec<(String, Option<String>)> = obj
            .sign_fields()
            .into_iter()
            .map(|f| (f.key, f.text))
            .collect();
        assert_eq!(
            fields,
            [
                ("appid".into(), Some("wx1".into())),
                ("total_fee".into(), Some("1".into())),
                ("body".into(), Some("a & b!".into())),
                ("attach".into(), Some(String::new())),
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_a_flat_document() {
        for body in [
            &b""[..],
            b"<xml><a><b>1</b></a></xml>",
            b"<xml><a>1</a>",
            b"<!DOCTYPE x [<!ENTITY e \"boom\">]><xml><a>&e;</a></xml>",
            b"<xml><a>1</a><a>2</a></xml>",
            b"<xml><a>&unknown;</a></xml>",
            b"<xml>loose</xml>",
        ] {
            assert!(parse(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn writes_and_reads_back() {
        let mut f = WireFields::new();
        f.push("body", WireValue::Str("x]]>y <z>".into()));
        f.push("total_fee", WireValue::Num("100".into()));
        let xml = write(&f);
        assert_eq!(
            xml,
            "<xml><body><![CDATA[x]]]]><![CDATA[>y <z>]]></body><total_fee>100</total_fee></xml>"
        );
        let back = parse(xml.as_bytes()).unwrap();
        assert_eq!(back.text("body").as_deref(), Some("x]]>y <z>"));
    }
}
