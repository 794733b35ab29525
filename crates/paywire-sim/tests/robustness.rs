//! The simulator answers 10,000 malformed requests with the gateway's own error envelope and
//! never panics or answers 5xx unless a fault was asked for.
//!
//! Requests are generated deterministically (a small LCG, fixed seed) in ten categories, sent with
//! `tower::ServiceExt::oneshot` straight into `Simulator::router()`, and each answer is checked
//! against what the gateway documents for that mistake:
//!
//! - diamondpay: HTTP 200 `{"error_code":"0001"|"0004"|"0006","error_msg":"..."}` (invalid,
//!   signature, authorization);
//! - intqp: HTTP 200 `{"status":10001|10002,"msg":"...","sign":"..."}`, the sign verifying;
//! - goldenpay: HTTP 400 `{"code":400,"errors":{"message":"..."}}`;
//! - bodies over the 64 KiB cap: 413; unknown gateways and paths: 404; other methods: 405.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use paywire::received::Object;
use paywire::spec::{BodyEncoding, FieldType, Operation};
use paywire::{Gateway, Reply, Secret, WireFields, WireValue};
use paywire_sim::{SimConfig, SimGateway, Simulator};
use serde_json::Value;
use tower::ServiceExt;

const DP_KEY: &str = "dp-platform-key";
const DP_AUTH: &str = "PF0002-AUTH";
const GP_KEY: &str = "gp-api-token";
const IQ_KEY: &str = "iq-merchant-key";
const TOTAL: usize = 10_000;
const CAP: usize = 64 * 1024;

fn load(name: &str) -> Gateway {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(format!("{name}.toml"));
    Gateway::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A small deterministic generator (Knuth's MMIX LCG; the high bits are used).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 4);
        while out.len() < n {
            out.extend_from_slice(&(self.next() as u32).to_le_bytes());
        }
        out.truncate(n);
        out
    }
    fn word(&mut self, max: usize) -> String {
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
        let n = 1 + self.below(max);
        (0..n).map(|_| *self.pick(ALNUM) as char).collect()
    }
}

/// What an answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The gateway's error envelope for a body it cannot read or fields that break its rules.
    Invalid,
    /// The gateway's error envelope for a signature that does not verify (or is missing).
    Signature,
    /// The gateway's error envelope for a wrong Authorization header.
    Auth,
    /// The gateway's success envelope (a query that matches nothing answers an empty list).
    Success,
    /// A bare HTTP status from the router or the body limit.
    Status(u16),
}

/// One POST operation the generator aims at, with a body that the simulator accepts.
struct Target {
    gateway: Gateway,
    key: Secret,
    operation: String,
    url: String,
    base: fn(&str) -> WireFields,
}

fn s(v: &str) -> WireValue {
    WireValue::Str(v.to_owned())
}

fn n(v: &str) -> WireValue {
    WireValue::Num(v.to_owned())
}

fn fields(pairs: &[(&str, WireValue)]) -> WireFields {
    WireFields(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn dp_payout(id: &str) -> WireFields {
    fields(&[
        ("platform_id", s("PF0002")),
        ("service_id", s("SVC0004")),
        ("payout_cl_id", s(id)),
        ("amount", s("50000")),
        ("bank_code", s("812")),
        ("number", s("4088748280272397")),
        ("currency", s("twd")),
        ("request_time", s("1595504997")),
    ])
}

fn gp_payout(id: &str) -> WireFields {
    fields(&[
        ("mch_id", n("8888")),
        ("trans_id", s(id)),
        ("channel", s("bank")),
        ("amount", s("100.00")),
        ("currency", s("VND")),
        ("account_no", s("2333667799212341")),
        ("account_name", s("Nguyen Xuan Hung")),
        ("account_org", s("PVCOMBANK")),
        ("account_org_code", s("970425")),
        ("callback_url", s("http://127.0.0.1:9/unused")),
        ("nonce", s("abcdef12")),
        ("timestamp", n("1729187424")),
    ])
}

fn iq_withdraw(id: &str) -> WireFields {
    fields(&[
        ("uid", s("test1")),
        ("currency", s("VND")),
        ("orderid", s(id)),
        ("notify_url", s("http://127.0.0.1:9/unused")),
        ("amount", s("100.00")),
        ("userip", s("127.0.0.1")),
        ("timestamp", n("1758210270")),
        ("pay_code", s("1004")),
    ])
}

struct World {
    sim: Simulator,
    router: Router,
    targets: Vec<Target>,
    gateways: BTreeMap<String, (Gateway, Secret)>,
}

fn world() -> World {
    let dp = load("diamondpay");
    let gp = load("goldenpay");
    let iq = load("intqp");
    let sg = |g: &Gateway, key: &str| SimGateway {
        gateway: g.clone(),
        secret: Secret::new(key),
        authorization: Some(Secret::new(DP_AUTH)),
    };
    let mut config = SimConfig::new(vec![sg(&dp, DP_KEY), sg(&gp, GP_KEY), sg(&iq, IQ_KEY)]);
    // Nothing here moves orders along; a `timeout` fault (only in the explicit-fault test) is short.
    config.step = Duration::from_secs(3600);
    config.hold = Duration::from_millis(1);
    let sim = Simulator::new(config).unwrap();
    let router = sim.router();
    let target = |g: &Gateway, key: &str, op: &str, base: fn(&str) -> WireFields| Target {
        url: format!("/{}{}", g.name(), g.operation(op).unwrap().path),
        gateway: g.clone(),
        key: Secret::new(key),
        operation: op.to_owned(),
        base,
    };
    let targets = vec![
        target(&dp, DP_KEY, "create_payout_twd", dp_payout),
        target(&gp, GP_KEY, "create_payout", gp_payout),
        target(&iq, IQ_KEY, "withdraw", iq_withdraw),
    ];
    let gateways = [(&dp, DP_KEY), (&gp, GP_KEY), (&iq, IQ_KEY)]
        .into_iter()
        .map(|(g, k)| (g.name().to_owned(), (g.clone(), Secret::new(k))))
        .collect();
    World {
        sim,
        router,
        targets,
        gateways,
    }
}

impl Target {
    fn op(&self) -> &Operation {
        self.gateway.operation(&self.operation).unwrap()
    }

    fn signed(&self, fields: WireFields) -> WireFields {
        self.sign_with(None, fields, &self.key)
    }

    fn sign_with(&self, profile: Option<&str>, fields: WireFields, key: &Secret) -> WireFields {
        let profile = profile.or(self.op().profile.as_deref());
        self.gateway.sign_wire(profile, fields, key).unwrap()
    }

    /// A field every operation sharing this path requires (diamondpay has five payout flavours on
    /// one path: removing a field only one of them needs could make the body another flavour).
    fn required_everywhere(&self) -> Vec<String> {
        let spec = self.gateway.spec();
        let op = self.op();
        let siblings: Vec<&Operation> = spec
            .operations
            .iter()
            .filter(|o| o.path == op.path && o.method == op.method)
            .collect();
        op.request
            .iter()
            .filter(|f| {
                siblings
                    .iter()
                    .all(|o| o.request.iter().any(|g| g.name == f.name && g.required))
            })
            .map(|f| f.name.clone())
            .collect()
    }
}

/// One generated request and what its answer must be.
struct Case {
    category: &'static str,
    method: Method,
    uri: String,
    content_type: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
    gateway: Option<String>,
    operation: Option<String>,
    expect: Expect,
}

impl Case {
    fn post(category: &'static str, t: &Target, body: Vec<u8>, expect: Expect) -> Self {
        Case {
            category,
            method: Method::POST,
            uri: t.url.clone(),
            content_type: Some("application/json".to_owned()),
            headers: Vec::new(),
            body: body.into(),
            gateway: Some(t.gateway.name().to_owned()),
            operation: Some(t.operation.clone()),
            expect,
        }
    }
}

const CATEGORIES: [&str; 10] = [
    "bad_json",
    "wrong_type",
    "missing_field",
    "huge_body",
    "bad_signature",
    "unsigned",
    "random_bytes",
    "garbage_query",
    "unknown_path",
    "control",
];

fn bad_json(rng: &mut Lcg, t: &Target, id: &str) -> Case {
    let valid = t.signed((t.base)(id)).to_json().into_bytes();
    let body: Vec<u8> = match rng.below(8) {
        // Truncated anywhere before the closing brace (including nothing at all).
        0 => valid[..rng.below(valid.len())].to_vec(),
        // Valid JSON that is not an object.
        1 => rng
            .pick(&[
                "[]",
                "[1,2,3]",
                "\"text\"",
                "123",
                "-0.5e3",
                "null",
                "true",
                "[{\"a\":1}]",
                "  \n ",
            ])
            .as_bytes()
            .to_vec(),
        // Invalid UTF-8 inside a value.
        2 => {
            let mut b = valid.clone();
            let at = b.iter().position(|&c| c == b':').unwrap() + 2;
            let choices: [&[u8]; 4] = [&[0xff], &[0xc3, 0x28], &[0xed, 0xa0, 0x80], &[0x80]];
            let bad = *rng.pick(&choices);
            b.splice(at..at, bad.iter().copied());
            b
        }
        // A key that appears twice (each occurrence well-formed).
        3 => {
            let sent = (t.base)(id);
            let key = sent.0[rng.below(sent.0.len())].0.clone();
            let mut text = String::from_utf8(valid).unwrap();
            text.insert_str(text.len() - 1, &format!(",\"{key}\":\"again\""));
            text.into_bytes()
        }
        // Deep nesting: a top-level list of lists, or an unterminated nest inside an object.
        4 => {
            let depth = 100 + rng.below(20_000);
            if rng.chance(50) {
                let mut v = vec![b'['; depth];
                v.extend(std::iter::repeat_n(b']', depth));
                v
            } else {
                let mut v = b"{\"a\":".to_vec();
                v.extend(std::iter::repeat_n(b'[', depth));
                v
            }
        }
        // Trailing garbage after a complete object.
        5 => {
            let mut b = valid;
            let choices: [&[u8]; 5] = [b"x", b"}", b",{}", b"{}", b"\0"];
            b.extend_from_slice(rng.pick::<&[u8]>(&choices));
            b
        }
        // Broken tokens: control characters, bad escapes, lone surrogates in keys, bare words.
        6 => rng
            .pick(&[
                &b"{\"a\":\"\x01\"}"[..],
                b"{\"a\":\"\\u12\"}",
                b"{\"\\ud800\":1}",
                b"{\"a\":\"\\q\"}",
                b"{a:1}",
                b"{'a':'b'}",
                b"{\"a\":01}",
                b"{\"a\":1,}",
                b"{\"a\" 1}",
                b"{\"a\":NaN}",
                b"{\"a\":tru}",
            ])
            .to_vec(),
        // A byte-order mark or a comment before the object.
        _ => {
            let mut b = rng
                .pick(&[&b"\xef\xbb\xbf"[..], b"// hi\n", b"/* */"])
                .to_vec();
            b.extend_from_slice(&valid);
            b
        }
    };
    Case::post("bad_json", t, body, Expect::Invalid)
}

fn wrong_type(rng: &mut Lcg, t: &Target, id: &str) -> Case {
    let op = t.op();
    let mut w = (t.base)(id);
    // Fields of the base body by type.
    let typed: Vec<(String, FieldType)> =
        w.0.iter()
            .filter_map(|(k, _)| {
                op.request
                    .iter()
                    .find(|f| &f.name == k)
                    .map(|f| (k.clone(), f.ty))
            })
            .collect();
    let (name, ty) = rng.pick(&typed).clone();
    let value = match ty {
        FieldType::Integer => rng
            .pick(&[
                s("abc"),
                s("12x"),
                s(""),
                n("1.5"),
                n("1e3"),
                s("99999999999999999999"),
                WireValue::Bool(true),
                WireValue::Json("{\"v\":1}".into()),
                WireValue::Json("[1]".into()),
                WireValue::Null,
            ])
            .clone(),
        FieldType::Money => rng
            .pick(&[
                s("abc"),
                s("1e5"),
                s("-500"),
                s("0"),
                s("1.001"),
                s("99999999999999999999"),
                s("100.00.00"),
                s(""),
                WireValue::Bool(false),
                WireValue::Json("{\"v\":100}".into()),
                WireValue::Json("[100]".into()),
                WireValue::Null,
            ])
            .clone(),
        // Objects and lists where text is expected (short enough to pass any length rule).
        _ => rng
            .pick(&[
                WireValue::Json("{\"a\":1}".into()),
                WireValue::Json("[\"x\"]".into()),
                WireValue::Json("[]".into()),
                WireValue::Json("{}".into()),
                WireValue::Json("{\"a\":{\"b\":[1]}}".into()),
            ])
            .clone(),
    };
    w.set(&name, value);
    let body = t.signed(w).to_json().into_bytes();
    Case::post("wrong_type", t, body, Expect::Invalid)
}

fn missing_field(rng: &mut Lcg, t: &Target, id: &str) -> Case {
    let required = t.required_everywhere();
    let mut w = (t.base)(id);
    let k = 1 + rng.below(required.len());
    for _ in 0..k {
        let name = rng.pick(&required).clone();
        w.0.retain(|(key, _)| *key != name);
    }
    if rng.chance(10) {
        w.0.clear();
    }
    let body = t.signed(w).to_json().into_bytes();
    Case::post("missing_field", t, body, Expect::Invalid)
}

fn huge_body(rng: &mut Lcg, t: &Target, id: &str) -> Case {
    let size = CAP + 1 + rng.below(CAP);
    let body = match rng.below(3) {
        // A well-formed, signed body with one huge value in front.
        0 => {
            let signed = t.signed((t.base)(id)).to_json();
            format!("{{\"remarks\":\"{}\",{}", "x".repeat(size), &signed[1..]).into_bytes()
        }
        // Random bytes (a random kilobyte, repeated: the content is never read).
        1 => rng.bytes(1024).repeat(size / 1024 + 1),
        _ => vec![b' '; size],
    };
    let mut case = Case::post("huge_body", t, body, Expect::Status(413));
    if rng.chance(20) {
        // The cap applies before routing: an unknown gateway gets 413 too.
        case.uri = format!("/{}/x", rng.word(8));
        case.gateway = None;
    }
    case
}

fn bad_signature(rng: &mut Lcg, t: &Target, id: &str) -> Case {
    let sign_field = t
        .gateway
        .profile(t.op().profile.as_deref())
        .unwrap()
        .signature_field
        .clone();
    let good = t.signed((t.base)(id));
    let sign = good.get(&sign_field).and_then(WireValue::text).unwrap();
    let mut w = good.clone();
    match rng.below(7) {
        // One hex digit changed.
        0 => {
            let i = rng.below(sign.len());
            let mut chars: Vec<char> = sign.chars().collect();
            chars[i] = if chars[i] == '0' { '1' } else { '0' };
            w.set(&sign_field, WireValue::Str(chars.into_iter().collect()));
        }
        // Signed with another key.
        1 => w = t.sign_with(None, (t.base)(id), &Secret::new("not-the-key")),
        // A field changed after signing (the signature covers every field).
        2 => {
            let k = rng.below(w.0.len() - 1);
            let changed = format!("{}1", w.0[k].1.text().unwrap_or_default());
            w.0[k].1 = WireValue::Str(changed);
        }
        // An unknown field added after signing.
        3 => w.push(format!("x_{}", rng.word(10)), s("extra")),
        // Empty, non-hex, or not a string.
        4 => w.set(
            &sign_field,
            rng.pick(&[
                s(""),
                s("zz"),
                n("12345"),
                WireValue::Json("{\"sign\":1}".into()),
                WireValue::Json("[]".into()),
                s(&sign[..sign.len() / 2]),
                s(&format!("{sign}00")),
            ])
            .clone(),
        ),
        // Signed under another profile of the same gateway, with another key: the simulator
        // accepts any offered profile (merchants sign with different readings of one recipe),
        // so only the key makes this one bad.
        5 => {
            let other: Vec<&String> = t
                .gateway
                .spec()
                .profiles
                .keys()
                .filter(|p| Some(p.as_str()) != t.op().profile.as_deref() && p.as_str() != "md5")
                .filter(|p| {
                    // Not a listed-field profile, nor one that announces itself (diamondpay's
                    // `sign_type=HMAC-SHA256`): the gateway accepts those by design.
                    let r = t.gateway.profile(Some(p)).unwrap();
                    r.fields.is_none() && r.adds.is_empty()
                })
                .collect();
            match other.as_slice() {
                [] => w.set(&sign_field, s("0".repeat(sign.len()).as_str())),
                list => {
                    let p = (*rng.pick(list)).clone();
                    w = t.sign_with(Some(&p), (t.base)(id), &Secret::new("not-the-key"));
                }
            }
        }
        // The signature of another order.
        _ => {
            let other = t.signed((t.base)(&format!("{id}-other")));
            w.set(&sign_field, other.get(&sign_field).unwrap().clone());
        }
    }
    Case::post(
        "bad_signature",
        t,
        w.to_json().into_bytes(),
        Expect::Signature,
    )
}

fn unsigned(rng: &mut Lcg, t: &Target, id: &str) -> Case {
    let sign_field = t.gateway.profile(None).unwrap().signature_field.clone();
    let mut w = t.signed((t.base)(id));
    match rng.below(3) {
        0 => w.0.retain(|(k, _)| *k != sign_field),
        1 => w.set(&sign_field, WireValue::Null),
        _ => w = (t.base)(id),
    }
    Case::post("unsigned", t, w.to_json().into_bytes(), Expect::Signature)
}

fn random_bytes(rng: &mut Lcg, t: &Target) -> Case {
    let len = rng.below(4096);
    let mut body = rng.bytes(len);
    if rng.chance(10) {
        // Some random text that at least starts like JSON.
        body.insert(0, b'{');
    }
    // A body that happens to be a JSON object has no signature; anything else is unreadable.
    let expect = if Object::from_json(&body).is_ok() {
        Expect::Signature
    } else {
        Expect::Invalid
    };
    let mut case = Case::post("random_bytes", t, body, expect);
    case.content_type = rng
        .pick(&[
            None,
            Some("application/json"),
            Some("application/x-www-form-urlencoded"),
            Some("text/plain"),
            Some("image/png"),
        ])
        .map(str::to_owned);
    case
}

/// Query-string characters, with percent escapes that are valid, decode to invalid UTF-8, or are
/// not hex at all.
fn garbage(rng: &mut Lcg, len: usize) -> String {
    const SOUP: &[u8] = b"abcxyzABC0123456789-._~!$'()*+,;:@/?=&&==";
    const HEX: &[u8] = b"0123456789abcdefABCDEFgz%";
    let mut v = String::new();
    for _ in 0..len {
        if rng.chance(10) {
            v.push('%');
            v.push(*rng.pick(HEX) as char);
            v.push(*rng.pick(HEX) as char);
        } else {
            v.push(*rng.pick(SOUP) as char);
        }
    }
    v
}

fn garbage_query(rng: &mut Lcg, w: &World) -> Case {
    let q = if rng.chance(60) {
        // Distinct keys (known names and others) with garbage values.
        let mut keys: Vec<String> = Vec::new();
        for _ in 0..rng.below(8) {
            let key = if rng.chance(60) {
                (*rng.pick(&[
                    "limit",
                    "offset",
                    "id",
                    "payout_cl_id",
                    "payout_id",
                    "mch_id",
                    "nonce",
                    "timestamp",
                    "sign",
                    "currency",
                    "platform_id",
                ]))
                .to_owned()
            } else {
                rng.word(10)
            };
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys.iter()
            .map(|k| {
                let len = rng.below(20);
                let value = garbage(rng, len).replace(['&', '='], "");
                format!("{k}={value}")
            })
            .collect::<Vec<_>>()
            .join("&")
    } else {
        let len = rng.below(200);
        garbage(rng, len)
    };
    // Any operation's path: the GET ones of the signed gateway (goldenpay) and of the
    // Authorization-header one (diamondpay), and POST-only paths (404 for GET).
    let mut gets: Vec<(String, &Operation)> = Vec::new();
    for (name, (g, _)) in &w.gateways {
        for op in &g.spec().operations {
            gets.push((name.clone(), op));
        }
    }
    let (gw_name, op) = rng.pick(&gets).clone();
    let (gw, _) = &w.gateways[&gw_name];
    let uri = format!("/{gw_name}{}?{q}", op.path);
    let mut headers = Vec::new();
    let get_op = gw
        .spec()
        .operations
        .iter()
        .find(|o| o.path == op.path && o.method == paywire::spec::Method::Get);
    let expect = match get_op {
        None => Expect::Status(404),
        Some(op) => {
            assert_eq!(
                op.body(),
                BodyEncoding::Query,
                "GET operations read the query"
            );
            let parsed = if q.is_empty() {
                Ok(Object::default())
            } else {
                Object::from_form(q.as_bytes())
            };
            let authorized = if op.headers.is_empty() {
                true
            } else {
                let good = rng.chance(50);
                let value = if good {
                    DP_AUTH.to_owned()
                } else {
                    rng.word(12)
                };
                if rng.chance(90) || good {
                    headers.push(("authorization", value));
                }
                good
            };
            match parsed {
                Err(_) => Expect::Invalid,
                Ok(_) if !authorized => Expect::Auth,
                Ok(_) if op.signed => Expect::Signature,
                Ok(obj) if paywire::validate::check(&op.request, &obj).is_err() => Expect::Invalid,
                Ok(_) => Expect::Success,
            }
        }
    };
    Case {
        category: "garbage_query",
        method: Method::GET,
        uri,
        content_type: None,
        headers,
        body: Bytes::new(),
        gateway: get_op.map(|_| gw_name.clone()),
        operation: get_op.map(|o| o.name.clone()),
        expect,
    }
}

fn unknown_path(rng: &mut Lcg, w: &World, id: &str) -> Case {
    let t = rng.pick(&w.targets);
    let valid = t.signed((t.base)(id)).to_json().into_bytes();
    let (method, uri, expect) = match rng.below(7) {
        0 => (
            Method::POST,
            format!("/{}/{}/{}", t.gateway.name(), rng.word(12), rng.word(6)),
            Expect::Status(404),
        ),
        1 => (
            Method::POST,
            format!("/{}{}", rng.word(12), t.op().path),
            Expect::Status(404),
        ),
        2 => (
            Method::POST,
            format!("/{}", rng.word(12)),
            Expect::Status(404),
        ),
        3 => (Method::GET, "/".to_owned(), Expect::Status(404)),
        // A known path under another method: nothing is created.
        4 => (
            rng.pick(&[Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS])
                .clone(),
            t.url.clone(),
            Expect::Status(405),
        ),
        // Percent-escapes in the path: valid UTF-8 names an unknown operation; invalid is refused.
        5 => {
            if rng.chance(50) {
                (
                    Method::POST,
                    format!("/{}/%E4%B8%AD{}", t.gateway.name(), rng.word(4)),
                    Expect::Status(404),
                )
            } else {
                (
                    Method::POST,
                    format!("/{}/%FF%FE{}", t.gateway.name(), rng.word(4)),
                    Expect::Status(400),
                )
            }
        }
        // A known operation path with a trailing or doubled slash.
        _ => (
            Method::POST,
            if rng.chance(50) {
                format!("{}/", t.url)
            } else {
                t.url
                    .replacen(t.op().path.as_str(), &format!("/{}", t.op().path), 1)
            },
            Expect::Status(404),
        ),
    };
    Case {
        category: "unknown_path",
        method,
        uri,
        content_type: Some("application/json".to_owned()),
        headers: Vec::new(),
        body: valid.into(),
        gateway: None,
        operation: None,
        expect,
    }
}

fn control(rng: &mut Lcg) -> Case {
    let (method, body, expect): (Method, Vec<u8>, u16) = match rng.below(4) {
        0 => {
            let len = rng.below(300);
            (Method::POST, rng.bytes(len), 400)
        }
        1 => (
            Method::POST,
            rng.pick(&[
                &br#"{"gateway":"intqp","fault":"explode"}"#[..],
                br#"{"gateway":"intqp","fault":"delay=soon"}"#,
                br#"{"gateway":"intqp","fault":"timeout","times":-1}"#,
                br#"{"gateway":"intqp"}"#,
                br#"{"fault":"500"}"#,
                br#"{"gateway":1,"fault":"500"}"#,
                br#"["intqp","500"]"#,
                b"",
            ])
            .to_vec(),
            400,
        ),
        2 => (Method::GET, Vec::new(), 405),
        _ => (Method::POST, Vec::new(), 405),
    };
    let uri = match (method.clone(), expect) {
        (Method::POST, 405) => rng.pick(&["/_sim/orders", "/_sim/deliveries"]).to_string(),
        _ => "/_sim/faults".to_owned(),
    };
    Case {
        category: "control",
        method,
        uri,
        content_type: Some("application/json".to_owned()),
        headers: Vec::new(),
        body: body.into(),
        gateway: None,
        operation: None,
        expect: Expect::Status(expect),
    }
}

/// The code each gateway documents for each situation.
fn code_of(gateway: &str, expect: Expect) -> &'static str {
    match (gateway, expect) {
        ("diamondpay", Expect::Invalid) => "0001",
        ("diamondpay", Expect::Signature) => "0004",
        ("diamondpay", Expect::Auth) => "0006",
        ("diamondpay", Expect::Success) => "0000",
        ("intqp", Expect::Invalid) => "10001",
        ("intqp", Expect::Signature) => "10002",
        ("intqp", Expect::Success) => "10000",
        ("goldenpay", Expect::Invalid | Expect::Signature) => "400",
        ("goldenpay", Expect::Success) => "200",
        other => panic!("no code for {other:?}"),
    }
}

fn check(w: &World, case: &Case, status: StatusCode, body: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(body);
    let expect = case.expect;
    if let Expect::Status(code) = expect {
        if status.as_u16() != code {
            return Err(format!("expected HTTP {code}, got {status}: {text}"));
        }
        if code == 404
            && let Some(g) = case.uri.split('/').nth(1)
            && w.gateways.contains_key(g)
            && !text.contains(g)
        {
            return Err(format!(
                "a 404 under `{g}` should say what is missing: {text}"
            ));
        }
        return Ok(());
    }
    let gateway = case.gateway.as_deref().ok_or("no gateway")?;
    let operation = case.operation.as_deref().ok_or("no operation")?;
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON ({e}): {status} {text}"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| format!("not an object: {text}"))?;
    let code = code_of(gateway, expect);
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    match (gateway, expect) {
        ("diamondpay", Expect::Success) => {
            if status != StatusCode::OK || obj["error_code"] != code || !obj.contains_key("data") {
                return Err(format!("expected success: {status} {text}"));
            }
        }
        ("diamondpay", _) => {
            if status != StatusCode::OK
                || keys != ["error_code", "error_msg"]
                || obj["error_code"] != code
                || !obj["error_msg"].is_string()
            {
                return Err(format!(
                    "expected {{error_code:{code},error_msg}}: {status} {text}"
                ));
            }
        }
        ("intqp", Expect::Success) => {
            if status != StatusCode::OK || obj["status"] != 10000 || !obj.contains_key("result") {
                return Err(format!("expected success: {status} {text}"));
            }
        }
        ("intqp", _) => {
            if status != StatusCode::OK
                || keys != ["msg", "sign", "status"]
                || obj["status"] != code.parse::<i64>().unwrap()
                || !obj["msg"].is_string()
            {
                return Err(format!(
                    "expected {{status:{code},msg,sign}}: {status} {text}"
                ));
            }
        }
        ("goldenpay", Expect::Success) => {
            if status != StatusCode::OK || obj["code"] != 200 {
                return Err(format!("expected success: {status} {text}"));
            }
        }
        ("goldenpay", _) => {
            let message = obj
                .get("errors")
                .and_then(|e| e.as_object())
                .filter(|e| e.len() == 1)
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str);
            if status != StatusCode::BAD_REQUEST || keys != ["code", "errors"] || obj["code"] != 400
            {
                return Err(format!(
                    "expected HTTP 400 {{code:400,errors}}: {status} {text}"
                ));
            }
            let Some(message) = message else {
                return Err(format!("expected errors.message: {text}"));
            };
            let says_signature = message.starts_with("Signature verification failed");
            if says_signature != (expect == Expect::Signature) {
                return Err(format!("{expect:?} answered with: {message}"));
            }
        }
        _ => return Err(format!("unexpected gateway {gateway}")),
    }
    // The answer reads through the gateway's own envelope (intqp's sign verifies) with the code.
    let (gw, key) = &w.gateways[gateway];
    match gw.read_response(operation, body, key) {
        Ok(Reply::Rejected(r)) if r.code == code && expect != Expect::Success => Ok(()),
        Ok(Reply::Accepted(a)) if a.code == code && expect == Expect::Success => Ok(()),
        other => Err(format!("read as {other:?}: {text}")),
    }
}

async fn send(router: &Router, case: &Case) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder()
        .method(case.method.clone())
        .uri(case.uri.as_str());
    if let Some(ct) = &case.content_type {
        req = req.header("content-type", ct.as_str());
    }
    for (k, v) in &case.headers {
        req = req.header(*k, v.as_str());
    }
    let req = req
        .body(Body::from(case.body.clone()))
        .unwrap_or_else(|e| panic!("cannot build {} {}: {e}", case.method, case.uri));
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body.to_vec())
}

#[tokio::test]
async fn ten_thousand_malformed_requests_get_the_gateways_own_errors() {
    let w = world();
    let mut rng = Lcg(0x5eed_2025);
    let mut counts: BTreeMap<&str, usize> = CATEGORIES.iter().map(|c| (*c, 0)).collect();
    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let started = Instant::now();
    for i in 0..TOTAL {
        let id = format!("RB{i:05}");
        let category = CATEGORIES[rng.below(CATEGORIES.len())];
        let t = &w.targets[rng.below(w.targets.len())];
        let case = match category {
            "bad_json" => bad_json(&mut rng, t, &id),
            "wrong_type" => wrong_type(&mut rng, t, &id),
            "missing_field" => missing_field(&mut rng, t, &id),
            "huge_body" => huge_body(&mut rng, t, &id),
            "bad_signature" => bad_signature(&mut rng, t, &id),
            "unsigned" => unsigned(&mut rng, t, &id),
            "random_bytes" => random_bytes(&mut rng, t),
            "garbage_query" => garbage_query(&mut rng, &w),
            "unknown_path" => unknown_path(&mut rng, &w, &id),
            _ => control(&mut rng),
        };
        assert_eq!(case.category, category);
        *counts.get_mut(category).unwrap() += 1;
        let (status, body) = send(&w.router, &case).await;
        assert!(
            !status.is_server_error(),
            "#{i} {category}: HTTP {status} without a fault: {} {}",
            case.method,
            case.uri
        );
        *answers
            .entry(format!(
                "{category:>13} {} {:?} -> {}",
                case.gateway.as_deref().unwrap_or("-"),
                case.expect,
                status.as_u16()
            ))
            .or_default() += 1;
        if let Err(e) = check(&w, &case, status, &body) {
            failures.push(format!(
                "#{i} {category} {} {} ({:?}): {e}",
                case.method, case.uri, case.expect
            ));
        }
    }
    let elapsed = started.elapsed();
    println!("{TOTAL} requests in {elapsed:?}; per category: {counts:?}");
    for (k, v) in &answers {
        println!("{v:6}  {k}");
    }
    assert!(
        failures.is_empty(),
        "{} of {TOTAL} answers were wrong; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(counts.values().sum::<usize>(), TOTAL, "{counts:?}");
    for (category, count) in &counts {
        assert!(*count >= TOTAL / 20, "{category}: only {count} cases");
    }
    // No malformed request created an order or armed a fault: a valid request still goes
    // through normally afterwards, and only it exists.
    assert!(w.sim.orders().is_empty(), "{:?}", w.sim.orders());
    for t in &w.targets {
        let case = Case::post(
            "valid",
            t,
            t.signed((t.base)("AFTER-1")).to_json().into_bytes(),
            Expect::Success,
        );
        let (status, body) = send(&w.router, &case).await;
        check(&w, &case, status, &body).unwrap();
    }
    assert_eq!(w.sim.orders().len(), w.targets.len());
}

/// The contrast: 5xx (and empty, cut or delayed answers) only when a fault was asked for, and the
/// order exists every time.
#[tokio::test]
async fn explicit_faults_are_the_only_server_errors() {
    let w = world();
    let faults = [
        ("500", Some(500)),
        ("502", Some(502)),
        ("empty", Some(200)),
        ("truncated", Some(200)),
        ("delay=1", Some(200)),
        ("timeout", Some(200)),
        ("reset", None),
    ];
    for t in &w.targets {
        for (i, (fault, want)) in faults.into_iter().enumerate() {
            let id = format!("FAULT-{i}");
            let case = Case::post(
                "fault",
                t,
                t.signed((t.base)(&id)).to_json().into_bytes(),
                Expect::Success,
            );
            let req = Request::builder()
                .method(Method::POST)
                .uri(case.uri.as_str())
                .header("content-type", "application/json")
                .header("x-paywire-fault", fault)
                .body(Body::from(case.body.clone()))
                .unwrap();
            let resp = w.router.clone().oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
            match (fault, want) {
                ("reset", None) => assert!(body.is_err(), "reset: the body stream fails"),
                (_, Some(code)) => {
                    assert_eq!(status, code, "{} {fault}", t.gateway.name());
                    let body = body.unwrap();
                    let complete = check(&w, &case, StatusCode::OK, &body).is_ok();
                    let should_be = matches!(fault, "delay=1" | "timeout");
                    assert_eq!(complete, should_be, "{fault}: {body:?}");
                    if fault == "empty" || fault == "500" {
                        assert!(body.is_empty());
                    }
                }
                _ => unreachable!(),
            }
            assert!(
                w.sim
                    .orders()
                    .iter()
                    .any(|o| o.gateway == t.gateway.name() && o.order_id == id),
                "{fault}: the order exists although the answer was lost"
            );
        }
    }
}

/// diamondpay serves five payout flavours on one path (POST /gateway/api/v2/payouts): each is
/// checked against its own field rules and recorded as itself.
#[tokio::test]
async fn operations_sharing_a_path_are_told_apart() {
    let w = world();
    let dp = &w.targets[0];
    let flavours: [(&str, WireFields); 5] = [
        ("create_payout_twd", dp_payout("FL-1")),
        (
            "create_payout_cny_bank",
            fields(&[
                ("platform_id", s("PF0002")),
                ("service_id", s("SVC0004")),
                ("payout_cl_id", s("FL-2")),
                ("amount", s("50000")),
                ("bank_name", s("中国工商银行")),
                ("name", s("张三")),
                ("number", s("6212261202000000000")),
                ("bank_branch", s("北京分行")),
                ("province", s("北京")),
                ("city", s("北京")),
                ("request_time", s("1595504997")),
            ]),
        ),
        (
            "create_payout_inr",
            fields(&[
                ("platform_id", s("PF0002")),
                ("service_id", s("SVC0004")),
                ("payout_cl_id", s("FL-5")),
                ("amount", s("50000")),
                ("ifsc_code", s("SBIN0001234")),
                ("name", s("Ravi Kumar")),
                ("number", s("50100012345678")),
                ("currency", s("inr")),
                ("request_time", s("1595504997")),
            ]),
        ),
        (
            "create_payout_cny_alipay",
            fields(&[
                ("platform_id", s("PF0002")),
                ("service_id", s("SVC0033")),
                ("payout_cl_id", s("FL-3")),
                ("amount", s("50000")),
                ("alipay_account_name", s("a@example.com")),
                ("alipay_surname", s("张")),
                ("request_time", s("1595504997")),
            ]),
        ),
        (
            "create_payout_cny_unionpay",
            fields(&[
                ("platform_id", s("PF0002")),
                ("service_id", s("SVC0062")),
                ("payout_cl_id", s("FL-4")),
                ("amount", s("50000")),
                ("name", s("张三")),
                ("number", s("6212261202000000000")),
                ("request_time", s("1595504997")),
            ]),
        ),
    ];
    for (op, body) in flavours {
        // The client side agrees the body is valid for this flavour.
        dp.gateway
            .validate(op, &body)
            .unwrap_or_else(|e| panic!("{op}: {e}"));
        let id = body.get("payout_cl_id").unwrap().text().unwrap();
        let case = Case::post(
            "flavour",
            dp,
            dp.signed(body).to_json().into_bytes(),
            Expect::Success,
        );
        let (status, answer) = send(&w.router, &case).await;
        check(&w, &case, status, &answer)
            .unwrap_or_else(|e| panic!("{op} refused by the simulator: {e}"));
        let order = w
            .sim
            .orders()
            .into_iter()
            .find(|o| o.order_id == id)
            .unwrap();
        assert_eq!(order.operation, op);
    }
}
