//! Mutations: byte-level (bit flips, inserts, deletes, splices, truncation, bounded huge
//! repeats, unicode and invalid UTF-8), number-text changes, and structure-aware edits of JSON
//! objects (duplicated, added, removed, retyped and re-escaped fields), form bodies and
//! line-oriented text (TOML specs). A dictionary of tokens taken from the seeds steers inserts
//! towards names and values the parsers know.

use crate::fields::{self, Entry};
use crate::rng::Rng;

/// Bytes that are special to one of the parsers.
const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\"",
    b"\\",
    b"&",
    b"=",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"%",
    b"%26",
    b"%3D",
    b"%00",
    b"%ZZ",
    b"%",
    b"+",
    b".",
    b"-",
    b"0",
    b"e",
    b"E",
    b"#",
    b"'",
    b"'''",
    b"\"\"\"",
    b"\t",
    b" ",
    b"\\u0000",
    b"\\ud800",
    b"\\udc00\\ud800",
    b"\\u0026",
    b"\xef\xbb\xbf",
    b"null",
    b"true",
    b"[[",
    b"]]",
    b"{pairs}",
    b"{secret}",
    b"{",
    b"$",
];

/// Replacements for a run of digits.
const NUMBER_FORMS: &[&str] = &[
    "{}.0",
    "{}.00",
    "{}.000",
    "{}e0",
    "{}E0",
    "1e2",
    "-{}",
    "+{}",
    "0{}",
    "{}0",
    " {}",
    "{} ",
    "0",
    "-0",
    "0.0",
    "00",
    ".5",
    "5.",
    "1.5",
    "1.005",
    "0x{}",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "92233720368547758.07",
    "92233720368547758.08",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "1e400",
    "-1e-400",
    "NaN",
    "Infinity",
    "１２３",
    "٣",
    "1_000",
    "1,000",
];

/// Values a JSON field can be replaced with.
const JSON_VALUES: &[&str] = &[
    "\"\"",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e2",
    "100.0",
    "\"100.00\"",
    "100.00",
    "[]",
    "{}",
    "[1,2]",
    "{\"a\":1}",
    "\"\\u0000\"",
    "\"a&b=c\"",
    "\"=\"",
    "\"&\"",
    "\"\\ud800\"",
    "\"é\"",
    "\"\u{202e}\"",
    "\"\u{1F600}\"",
    "1e400",
    "-0",
    "\" 60 \"",
    "\"60\"",
    "60",
    "\"HMAC-SHA256\"",
    "\"hmac-sha256\"",
    "\"MD5\"",
];

/// Unicode text to insert.
const UNICODE: &[&str] = &[
    "é",
    "e\u{301}",
    "\u{0}",
    "\u{7f}",
    "\u{80}",
    "\u{a0}",
    "\u{200b}",
    "\u{202e}",
    "\u{fe0f}",
    "\u{feff}",
    "\u{fffd}",
    "\u{ffff}",
    "\u{10ffff}",
    "\u{1F600}",
    "王小明",
    "İ",
    "ß",
    "ǅ",
    "\u{2028}",
];

/// Invalid or odd UTF-8.
const BAD_UTF8: &[&[u8]] = &[
    b"\xc0\xaf",
    b"\xe0\x80\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\xc3",
    b"\xfe",
];

/// A mutator with a dictionary and a size bound.
#[derive(Debug, Clone)]
pub struct Mutator {
    dict: Vec<Vec<u8>>,
    /// `key = value` lines of the seeds: each key's values, to swap one for another.
    values: std::collections::BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
    max_len: usize,
}

impl Mutator {
    /// A mutator whose dictionary is taken from `seeds` (names, quoted strings, numbers) and
    /// whose outputs are at most `max_len` bytes.
    pub fn new(seeds: &[Vec<u8>], max_len: usize) -> Self {
        let mut dict = std::collections::BTreeSet::new();
        for s in seeds {
            collect_tokens(s, &mut dict);
        }
        let mut dict: Vec<Vec<u8>> = dict.into_iter().collect();
        if dict.is_empty() {
            dict.push(b"x".to_vec());
        }
        let mut values: std::collections::BTreeMap<Vec<u8>, Vec<Vec<u8>>> = Default::default();
        for s in seeds {
            for line in s.split(|c| *c == b'\n') {
                if let Some(eq) = line.iter().position(|c| *c == b'=') {
                    let key = trim(&line[..eq]);
                    let value = trim(&line[eq + 1..]);
                    let known = values.entry(key.to_vec()).or_default();
                    if !key.is_empty() && known.len() < 64 && !known.iter().any(|v| v == value) {
                        known.push(value.to_vec());
                    }
                }
            }
        }
        values.retain(|_, v| v.len() > 1);
        Self {
            dict,
            values,
            max_len,
        }
    }

    /// The dictionary.
    pub fn dict(&self) -> &[Vec<u8>] {
        &self.dict
    }

    /// One to four stacked mutations of `input`; `others` are splice partners.
    pub fn mutate(&self, rng: &mut Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
        let mut out = input.to_vec();
        let n = 1 + rng.below(4);
        for _ in 0..n {
            self.once(rng, &mut out, others);
            if out.len() > self.max_len {
                out.truncate(self.max_len);
            }
        }
        if out == input {
            // Never hand back the input unchanged.
            out.push(*rng.pick(b"x \n{}&="));
        }
        out
    }

    fn word(&self, rng: &mut Rng) -> Vec<u8> {
        rng.pick(&self.dict).clone()
    }

    /// One mutation, chosen by weight.
    pub fn once(&self, rng: &mut Rng, b: &mut Vec<u8>, others: &[Vec<u8>]) {
        match rng.below(24) {
            0 | 1 => bit_flip(rng, b),
            2 => set_byte(rng, b),
            3 => {
                let n = 1 + rng.below(8);
                let bytes = rng_bytes(rng, n);
                insert(rng, b, &bytes)
            }
            4 => {
                let t = rng.pick(INTERESTING).to_vec();
                insert(rng, b, &t)
            }
            5 | 6 => {
                let w = self.word(rng);
                insert(rng, b, &w)
            }
            7 => delete(rng, b),
            8 => duplicate_range(rng, b),
            9 => self.huge_repeat(rng, b),
            10 => splice(rng, b, others),
            11 => truncate(rng, b),
            12 | 13 => number_text(rng, b),
            14 => {
                let u = rng.pick(UNICODE).as_bytes().to_vec();
                insert(rng, b, &u)
            }
            15 => {
                let u = rng.pick(BAD_UTF8).to_vec();
                insert(rng, b, &u)
            }
            16..=19 => {
                if !self.json(rng, b) {
                    self.lines(rng, b, others)
                }
            }
            20 => {
                if !self.form(rng, b) {
                    bit_flip(rng, b)
                }
            }
            21 | 22 => self.lines(rng, b, others),
            _ => ascii_case(rng, b),
        }
    }

    fn huge_repeat(&self, rng: &mut Rng, b: &mut Vec<u8>) {
        // A chunk (or a special token) repeated up to a bounded total size.
        let chunk: Vec<u8> = if b.is_empty() || rng.chance(1, 3) {
            rng.pick(&[
                &b"["[..],
                b"{\"a\":",
                b"9",
                b"&a=1",
                b"\\\\",
                b"a",
                b"[[a]]\n",
            ])
            .to_vec()
        } else {
            let s = rng.below(b.len());
            let e = (s + 1 + rng.below(32)).min(b.len());
            b[s..e].to_vec()
        };
        let budget = self.max_len.saturating_sub(b.len()).min(1 << 16);
        let times = if chunk.is_empty() {
            0
        } else {
            (budget / chunk.len()).min(1 + rng.below(4096))
        };
        let mut rep = Vec::with_capacity(chunk.len() * times);
        for _ in 0..times {
            rep.extend_from_slice(&chunk);
        }
        insert(rng, b, &rep);
    }

    /// A structure-aware edit of a JSON object body; false when `b` is not one.
    fn json(&self, rng: &mut Rng, b: &mut Vec<u8>) -> bool {
        let Some(mut entries) = fields::split_json(b) else {
            return false;
        };
        let n = entries.len();
        match rng.below(14) {
            0 if n > 0 => {
                // Duplicate a key (same or another value).
                let mut e = entries[rng.below(n)].clone();
                if rng.chance(1, 2) {
                    e.raw = rng.pick(JSON_VALUES).to_string();
                }
                let at = rng.below(n + 1);
                entries.insert(at, e);
            }
            1 if n > 0 => {
                entries.remove(rng.below(n));
            }
            2 => {
                let key = String::from_utf8_lossy(&self.word(rng)).into_owned();
                let raw = if rng.chance(1, 2) {
                    rng.pick(JSON_VALUES).to_string()
                } else {
                    fields::json_string(&String::from_utf8_lossy(&self.word(rng)))
                };
                let at = rng.below(n + 1);
                entries.insert(at, Entry { key, raw });
            }
            3 if n > 0 => {
                let i = rng.below(n);
                entries[i].raw = rng.pick(JSON_VALUES).to_string();
            }
            4 if n > 0 => {
                // String <-> number with the same text.
                let i = rng.below(n);
                let raw = entries[i].raw.clone();
                entries[i].raw = match fields::json_text(&raw) {
                    Some(t) if raw.trim_start().starts_with('"') => t,
                    Some(t) => fields::json_string(&t),
                    None => "\"null\"".to_owned(),
                };
            }
            5 if n > 1 => {
                let (i, j) = (rng.below(n), rng.below(n));
                entries.swap(i, j);
            }
            6 if n > 0 => {
                // Escape one character of a string value as \uXXXX.
                let i = rng.below(n);
                if let Some(t) = fields::json_text(&entries[i].raw) {
                    let chars: Vec<char> = t.chars().collect();
                    if !chars.is_empty() && entries[i].raw.trim_start().starts_with('"') {
                        let k = rng.below(chars.len());
                        let mut s = String::from("\"");
                        for (x, c) in chars.iter().enumerate() {
                            if x == k {
                                let mut buf = [0u16; 2];
                                for u in c.encode_utf16(&mut buf) {
                                    s.push_str(&format!("\\u{:04x}", u));
                                }
                            } else {
                                let js = fields::json_string(&c.to_string());
                                s.push_str(&js[1..js.len() - 1]);
                            }
                        }
                        s.push('"');
                        entries[i].raw = s;
                    }
                }
            }
            7 if n > 0 => {
                // Deep nesting, past and below serde_json's recursion limit.
                let depth = 1 + rng.below(300);
                let i = rng.below(n);
                let open = if rng.chance(1, 2) { "[" } else { "{\"a\":" };
                let close = if open == "[" { "]" } else { "}" };
                entries[i].raw = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            }
            8 if n > 0 => {
                // Rename a key: camelCase, upper case, a separator inside.
                let i = rng.below(n);
                let k = entries[i].key.clone();
                entries[i].key = match rng.below(4) {
                    0 => paywire::received::camel_case(&k),
                    1 => k.to_ascii_uppercase(),
                    2 => format!("{k}&x"),
                    _ => format!("{k}="),
                };
            }
            9 if n > 0 => {
                let i = rng.below(n);
                let u = rng.pick(UNICODE);
                if let Some(t) = fields::json_text(&entries[i].raw) {
                    entries[i].raw = fields::json_string(&format!("{t}{u}"));
                }
            }
            10 => {
                // Whitespace between tokens.
                let s = fields::join_json(&entries)
                    .replace(',', ",\n  ")
                    .replace(':', " : ");
                *b = s.into_bytes();
                return true;
            }
            11 if n > 0 => {
                let i = rng.below(n);
                let mut t = entries[i].raw.clone().into_bytes();
                number_text(rng, &mut t);
                entries[i].raw = String::from_utf8_lossy(&t).into_owned();
            }
            12 => {
                // Move a `&k=v` piece from one value into its neighbour.
                if n > 1 {
                    let i = rng.below(n - 1);
                    let piece = format!(
                        "{}&{}={}",
                        fields::json_text(&entries[i].raw).unwrap_or_default(),
                        entries[i + 1].key,
                        fields::json_text(&entries[i + 1].raw).unwrap_or_default()
                    );
                    entries[i].raw = fields::json_string(&piece);
                    entries.remove(i + 1);
                }
            }
            _ => {
                let s = fields::join_json(&entries);
                *b = s.into_bytes();
                let _ = rng.byte();
                bit_flip(rng, b);
                return true;
            }
        }
        *b = fields::join_json(&entries).into_bytes();
        true
    }

    /// A structure-aware edit of a form body; false when `b` does not look like one.
    fn form(&self, rng: &mut Rng, b: &mut Vec<u8>) -> bool {
        if !b.contains(&b'=') || b.first() == Some(&b'{') {
            return false;
        }
        let mut pairs: Vec<(String, String)> = fields::split_form(b)
            .into_iter()
            .map(|e| (e.key, e.raw))
            .collect();
        let n = pairs.len();
        match rng.below(7) {
            0 if n > 0 => {
                let p = pairs[rng.below(n)].clone();
                pairs.push(p);
            }
            1 if n > 0 => {
                pairs.remove(rng.below(n));
            }
            2 => {
                let k = String::from_utf8_lossy(&self.word(rng)).into_owned();
                let v = String::from_utf8_lossy(&self.word(rng)).into_owned();
                pairs.insert(rng.below(n + 1), (k, v));
            }
            3 if n > 0 => {
                let i = rng.below(n);
                let extra: &str = rng.pick::<&str>(&["&", "=", "&status=3", "%", "+", " "]);
                pairs[i].1.push_str(extra);
            }
            4 => {
                // Raw text edits: `&&`, a key without `=`, `;` separators.
                let mut s = fields::join_form(&pairs);
                match rng.below(3) {
                    0 => s = s.replacen('&', "&&", 1),
                    1 => s.push_str("&flag"),
                    _ => s = s.replacen('&', ";", 1),
                }
                *b = s.into_bytes();
                return true;
            }
            5 => {
                // Percent-encode one byte that needs no encoding, or turn + into %20.
                let mut s = fields::join_form(&pairs).into_bytes();
                if !s.is_empty() {
                    let i = rng.below(s.len());
                    let c = s[i];
                    if c == b'+' {
                        s.splice(i..i + 1, b"%20".iter().copied());
                    } else if c != b'&' && c != b'=' && c != b'%' {
                        let enc = if rng.chance(1, 2) {
                            format!("%{c:02X}")
                        } else {
                            format!("%{c:02x}")
                        };
                        s.splice(i..i + 1, enc.into_bytes());
                    }
                }
                *b = s;
                return true;
            }
            _ if n > 1 => {
                let (i, j) = (rng.below(n), rng.below(n));
                pairs.swap(i, j);
            }
            _ => return false,
        }
        *b = fields::join_form(&pairs).into_bytes();
        true
    }

    /// A line-level edit (TOML specs, pretty JSON): delete, duplicate, swap, take a line from
    /// another input, or replace what follows `=` with a dictionary token.
    fn lines(&self, rng: &mut Rng, b: &mut Vec<u8>, others: &[Vec<u8>]) {
        let mut lines: Vec<Vec<u8>> = b.split(|c| *c == b'\n').map(<[u8]>::to_vec).collect();
        let n = lines.len();
        if n == 0 {
            return;
        }
        match rng.below(8) {
            0 => {
                lines.remove(rng.below(n));
            }
            6 | 7 => {
                // Another value this key takes somewhere in the seeds (`digest = "sha256"`).
                let i = rng.below(n);
                if let Some(eq) = lines[i].iter().position(|c| *c == b'=')
                    && let Some(vals) = self.values.get(trim(&lines[i][..eq]))
                {
                    let mut l = lines[i][..=eq].to_vec();
                    l.push(b' ');
                    l.extend_from_slice(rng.pick::<Vec<u8>>(vals));
                    lines[i] = l;
                }
            }
            1 => {
                let i = rng.below(n);
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let (i, j) = (rng.below(n), rng.below(n));
                lines.swap(i, j);
            }
            3 if !others.is_empty() => {
                let o = rng.pick(others);
                let ol: Vec<&[u8]> = o.split(|c| *c == b'\n').collect();
                let take = 1 + rng.below(6);
                let s = rng.below(ol.len());
                let at = rng.below(n + 1);
                for (k, l) in ol[s..(s + take).min(ol.len())].iter().enumerate() {
                    lines.insert(at + k, l.to_vec());
                }
            }
            _ => {
                let i = rng.below(n);
                if let Some(eq) = lines[i].iter().position(|c| *c == b'=') {
                    let mut l = lines[i][..=eq].to_vec();
                    l.push(b' ');
                    let w = self.word(rng);
                    match rng.below(4) {
                        0 => l.extend_from_slice(&w),
                        1 => {
                            l.push(b'"');
                            l.extend_from_slice(&w);
                            l.push(b'"');
                        }
                        2 => l.extend_from_slice(rng.pick::<&[u8]>(&[
                            &b"true"[..],
                            b"false",
                            b"[]",
                            b"{}",
                            b"-1",
                            b"0",
                            b"99999999999999999999",
                            b"\"\"",
                            b"[\"\"]",
                            b"\"{pairs}\"",
                            b"\"{secret}{pairs}{secret}\"",
                            b"\"{\"",
                            b"\"(\"",
                            b"\"[\"",
                            b"1.5",
                        ])),
                        _ => {
                            l.extend_from_slice(b"[\"");
                            l.extend_from_slice(&w);
                            l.extend_from_slice(b"\"]");
                        }
                    }
                    lines[i] = l;
                } else {
                    let w = self.word(rng);
                    lines[i] = w;
                }
            }
        }
        *b = lines.join(&b'\n');
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    &b[s..e.max(s)]
}

fn rng_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.byte()).collect()
}

fn bit_flip(rng: &mut Rng, b: &mut [u8]) {
    if !b.is_empty() {
        let i = rng.below(b.len());
        b[i] ^= 1 << rng.below(8);
    }
}

fn set_byte(rng: &mut Rng, b: &mut [u8]) {
    if !b.is_empty() {
        let i = rng.below(b.len());
        b[i] = rng.byte();
    }
}

fn insert(rng: &mut Rng, b: &mut Vec<u8>, what: &[u8]) {
    let at = rng.below(b.len() + 1);
    b.splice(at..at, what.iter().copied());
}

fn delete(rng: &mut Rng, b: &mut Vec<u8>) {
    if b.is_empty() {
        return;
    }
    let s = rng.below(b.len());
    let max = if rng.chance(1, 4) { 256 } else { 8 };
    let len = 1 + rng.below(max);
    let e = (s + len).min(b.len());
    b.drain(s..e);
}

fn duplicate_range(rng: &mut Rng, b: &mut Vec<u8>) {
    if b.is_empty() {
        return;
    }
    let s = rng.below(b.len());
    let e = (s + 1 + rng.below(64)).min(b.len());
    let chunk = b[s..e].to_vec();
    insert(rng, b, &chunk);
}

fn splice(rng: &mut Rng, b: &mut Vec<u8>, others: &[Vec<u8>]) {
    if others.is_empty() {
        return;
    }
    let o = rng.pick(others);
    let cut_a = rng.below(b.len() + 1);
    let cut_b = rng.below(o.len() + 1);
    b.truncate(cut_a);
    b.extend_from_slice(&o[cut_b..]);
}

fn truncate(rng: &mut Rng, b: &mut Vec<u8>) {
    if !b.is_empty() {
        let at = rng.below(b.len());
        b.truncate(at);
    }
}

fn ascii_case(rng: &mut Rng, b: &mut [u8]) {
    if b.is_empty() {
        return;
    }
    let s = rng.below(b.len());
    let e = (s + 1 + rng.below(16)).min(b.len());
    for c in &mut b[s..e] {
        if c.is_ascii_lowercase() {
            c.make_ascii_uppercase()
        } else {
            c.make_ascii_lowercase()
        }
    }
}

/// Replace one run of digits (with its sign, point and fraction) by another form.
pub fn number_text(rng: &mut Rng, b: &mut Vec<u8>) {
    let starts: Vec<usize> = (0..b.len())
        .filter(|&i| b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()))
        .collect();
    if starts.is_empty() {
        let t = rng.pick(NUMBER_FORMS).replace("{}", "100");
        insert(rng, b, t.as_bytes());
        return;
    }
    let s = *rng.pick(&starts);
    let mut e = s;
    while e < b.len() && (b[e].is_ascii_digit() || b[e] == b'.') {
        e += 1;
    }
    let digits = String::from_utf8_lossy(&b[s..e]).into_owned();
    let form = rng.pick(NUMBER_FORMS).replace("{}", &digits);
    b.splice(s..e, form.into_bytes());
}

/// Names (`[A-Za-z_][A-Za-z0-9_-]*`), short quoted strings and numbers of an input.
fn collect_tokens(s: &[u8], out: &mut std::collections::BTreeSet<Vec<u8>>) {
    if out.len() > 4000 {
        return;
    }
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_' || s[i] == b'-') {
                i += 1;
            }
            if i - st >= 2 && i - st <= 40 {
                out.insert(s[st..i].to_vec());
            }
        } else if c == b'"' {
            let st = i + 1;
            i += 1;
            while i < s.len() && s[i] != b'"' && s[i] != b'\n' {
                i += 1;
            }
            if i < s.len() && i - st <= 40 && i > st {
                out.insert(s[st..i].to_vec());
            }
            i += 1;
        } else if c.is_ascii_digit() {
            let st = i;
            while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'.') {
                i += 1;
            }
            if i - st <= 24 {
                out.insert(s[st..i].to_vec());
            }
        } else {
            i += 1;
        }
    }
}
