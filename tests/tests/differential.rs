//! The differential suite: the compiled path (generated provider code) and the interpreter
//! (`paywire::Gateway` over the same spec) must agree byte for byte.
//!
//! For every operation and every signing profile of every spec in the repository (the three
//! provider crates, `tests/gateways/`, the kitchen-sink fixture), random requests (unicode, `&`,
//! `=`, empty strings, numbers as text, lists, nested objects) are built through the typed API's
//! serde form and compared: canonical strings (exact and masked), the fields kept, signatures,
//! validation verdicts, and the prepared request (method, path, query, body, headers, order id).
//! For every notification, random signed bodies (JSON and, where accepted, form) are mutated
//! (values, number text, added/removed/emptied/duplicated fields, signature case, boundary
//! shifts, other secrets and profiles) and both engines must give the same verdict.

use paywire::received::Object;
use paywire::spec::{Field, FieldType, MoneyFormat, NotificationContent, Spec};
use paywire::{Credentials, Gateway, NotificationError, Secret, WireFields, WireValue, signing};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

mod kitchen_sink {
    paywire::gateway!("fixtures/kitchen_sink.toml");
}

mod wechatpay_v2 {
    paywire::gateway!("gateways/wechatpay_v2.toml");
}

const CASES: u32 = 48;

/// A small deterministic generator (xorshift64*), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const PIECES: &[&str] = &[
    "",
    "a",
    "Ann",
    "&",
    "=",
    "a&b=c",
    "x&amount=1",
    "中文",
    "😀",
    " spaced ",
    "\"q\"",
    "back\\slash",
    "100.00",
    "0",
    "%20",
    "+",
    "\n",
    "{secret}",
    "{value}",
    "é",
];

fn random_text(rng: &mut Rng) -> String {
    // Half the time, no separator at all: received values holding `&` are refused (boundary
    // shifting), and the suite must cover accepted messages too.
    let clean = rng.chance(50);
    (0..rng.below(4))
        .map(|_| *rng.pick(PIECES))
        .filter(|p| !clean || !p.contains('&'))
        .collect()
}

fn truncate(s: String, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A random value for `f`, in the typed request's serde form (money in minor units).
fn value_for(rng: &mut Rng, f: &Field) -> Value {
    match f.ty {
        FieldType::String | FieldType::Unknown => {
            if !f.one_of.is_empty() && rng.chance(80) {
                return json!(rng.pick(&f.one_of));
            }
            if let Some(e) = f.example.as_ref().filter(|_| rng.chance(60)) {
                return json!(e);
            }
            let mut s = random_text(rng);
            if let Some(min) = f.min_length.filter(|_| rng.chance(80)) {
                while s.chars().count() < min {
                    s.push('x');
                }
            }
            if let Some(max) = f.max_length.filter(|_| rng.chance(80)) {
                s = truncate(s, max);
            }
            json!(s)
        }
        FieldType::Integer => {
            let nums: Vec<i64> = f.one_of.iter().filter_map(|s| s.parse().ok()).collect();
            if !nums.is_empty() && rng.chance(80) {
                return json!(rng.pick(&nums));
            }
            let mut v = *rng.pick(&[0i64, 1, -1, 7, 42, 500, 1595504997, 9_999_999]);
            if rng.chance(80) {
                if let Some(min) = f.min {
                    v = v.max(min);
                }
                if let Some(max) = f.max {
                    v = v.min(max);
                }
            }
            json!(v)
        }
        FieldType::Money => {
            let mut v = *rng.pick(&[0i64, 1, 5, 99, 100, 10010, 50000, 50091, 123_456_789]);
            if rng.chance(80) {
                if let Some(min) = f.min {
                    v = v.max(min);
                }
                if let Some(max) = f.max {
                    v = v.min(max);
                }
            }
            json!(v)
        }
        FieldType::Boolean => json!(rng.chance(50)),
        // Both forms of a time, and text that is neither.
        FieldType::Time => match rng.below(5) {
            0 | 1 => json!(*rng.pick(&[0i64, 1_700_000_000, 1_766_005_863])),
            2 => json!("1700000000"),
            3 => json!("2024-01-31 23:59:59"),
            _ => json!(random_text(rng)),
        },
        FieldType::Strings => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n)
                .map(|_| {
                    if f.item_pattern.is_some() && rng.chance(80) {
                        format!("{:05}", rng.below(100_000))
                    } else {
                        random_text(rng)
                    }
                })
                .collect();
            json!(items)
        }
        FieldType::Object => Value::Object(object_for(rng, &f.fields)),
        FieldType::Objects => {
            let n = rng.below(3);
            Value::Array(
                (0..n)
                    .map(|_| Value::Object(object_for(rng, &f.fields)))
                    .collect(),
            )
        }
        FieldType::Json => match rng.below(4) {
            0 => json!(random_text(rng)),
            1 => json!(rng.below(1000)),
            2 => json!({"k": random_text(rng), "n": [1, 2]}),
            _ => Value::Null,
        },
    }
}

fn object_for(rng: &mut Rng, fields: &[Field]) -> Map<String, Value> {
    let mut m = Map::new();
    for f in fields {
        let present = if f.required {
            rng.chance(96)
        } else {
            rng.chance(50)
        };
        if present {
            m.insert(f.name.clone(), value_for(rng, f));
        }
    }
    m
}

/// What the compiled path produced for one request under one profile.
struct Compiled {
    canonical: Option<paywire::CanonicalString>,
    signature: Option<paywire::Signature>,
    prepared: Result<paywire::PreparedRequest, paywire::GatewayError>,
}

/// Compare the compiled path's output with the interpreter's for the same fields.
fn compare_request(
    gw: &Gateway,
    (op, profile): (&str, &str),
    wire: &WireFields,
    compiled: Compiled,
    secret: &Secret,
    context: &str,
) {
    let Compiled {
        canonical: compiled_canonical,
        signature: compiled_signature,
        prepared: compiled_prepared,
    } = compiled;
    let operation = gw.operation(op).expect("operation");
    if operation.signed {
        let recipe = gw.profile(Some(profile)).expect("profile");
        let mut w = wire.clone();
        w.apply_adds(recipe);
        let (canonical, signature) = signing::sign(recipe, &w.sign_fields(), secret);
        let compiled = compiled_canonical.expect("signed operation has a canonical string");
        assert_eq!(compiled.expose(), canonical.expose(), "canonical {context}");
        assert_eq!(compiled.masked(), canonical.masked(), "masked {context}");
        assert_eq!(compiled.kept(), canonical.kept(), "kept fields {context}");
        assert_eq!(
            compiled_signature.expect("signature").as_str(),
            signature.as_str(),
            "signature {context}"
        );
    } else {
        assert!(compiled_canonical.is_none() && compiled_signature.is_none());
    }
    let creds = Credentials::new(secret.clone()).with("authorization", Secret::new("Bearer t"));
    let interpreted = gw
        .prepare(op, wire.clone(), &creds, Some(profile))
        .map_err(|e| e.to_string());
    let compiled = compiled_prepared.map_err(|e| e.to_string());
    match (&compiled, &interpreted) {
        (Ok(c), Ok(i)) => {
            assert_eq!(c.operation, i.operation, "operation {context}");
            assert_eq!(c.method, i.method, "method {context}");
            assert_eq!(c.path, i.path, "path {context}");
            assert_eq!(c.query, i.query, "query {context}");
            assert_eq!(c.body, i.body, "body {context}");
            assert_eq!(c.content_type, i.content_type, "content type {context}");
            let headers = |p: &paywire::PreparedRequest| {
                p.headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(headers(c), headers(i), "headers {context}");
            assert_eq!(
                c.signature.as_ref().map(|s| s.as_str().to_owned()),
                i.signature.as_ref().map(|s| s.as_str().to_owned()),
                "prepared signature {context}"
            );
            assert_eq!(c.order_id, i.order_id, "order id {context}");
        }
        (Err(c), Err(i)) => assert_eq!(c, i, "validation {context}"),
        _ => {
            panic!("verdicts differ {context}: compiled {compiled:?}, interpreted {interpreted:?}")
        }
    }
}

/// Tally of what a run covered, so a suite that silently compares nothing fails.
#[derive(Default, Debug)]
struct Tally {
    prepared_ok: usize,
    refused: usize,
    undeserializable: usize,
    notifications: usize,
    accepted: usize,
    rejected: usize,
}

/// Mutations of a signed body (as wire fields), each either by design harmless to the signature
/// or not; both engines must agree either way.
fn mutate(rng: &mut Rng, fields: &mut WireFields, sig_field: &str) -> Option<String> {
    let n = fields.0.len();
    if n == 0 {
        return None;
    }
    let i = rng.below(n);
    match rng.below(11) {
        0 => {
            // change a value
            if let WireValue::Str(s) | WireValue::Num(s) = &mut fields.0[i].1 {
                s.push('1');
            }
        }
        1 => fields.push("zz_extra", WireValue::Str(random_text(rng))),
        2 if fields.0[i].0 != sig_field => {
            fields.0.remove(i);
        }
        3 => {
            for (k, v) in &mut fields.0 {
                if k == sig_field
                    && let WireValue::Str(s) = v
                {
                    *s = s.to_ascii_uppercase();
                }
            }
        }
        4 => {
            // number text: 100 -> 100.0, "100.00" -> 100.00 as a number
            match &mut fields.0[i].1 {
                WireValue::Num(s) => s.push_str(".0"),
                v @ WireValue::Str(_) => {
                    if let WireValue::Str(s) = v
                        && s.parse::<f64>().is_ok()
                    {
                        *v = WireValue::Num(s.clone());
                    }
                }
                _ => {}
            }
        }
        5 => fields.0[i].1 = WireValue::Str(String::new()),
        6 => fields.0[i].1 = WireValue::Null,
        // a boundary shift: move "&k=v" from one value into its neighbour
        7 if n >= 2 => {
            let j = (i + 1) % n;
            let moved = format!(
                "&{}={}",
                fields.0[j].0,
                fields.0[j].1.text().unwrap_or_default()
            );
            if let WireValue::Str(s) = &mut fields.0[i].1 {
                s.push_str(&moved);
                fields.0.remove(j);
            }
        }
        8 => {
            // a duplicated key, as raw JSON text
            let json = fields.to_json();
            let k = &fields.0[i].0;
            let dup = format!("{},\"{}\":\"x\"}}", &json[..json.len() - 1], k);
            return Some(dup);
        }
        9 => fields.0.reverse(),
        _ => {}
    }
    None
}

macro_rules! differential {
    ($module:ident, $krate:path, $spec:literal) => {
        mod $module {
            use super::*;
            use $krate as generated;

            fn spec_gateway() -> &'static Gateway {
                static G: std::sync::LazyLock<Gateway> = std::sync::LazyLock::new(|| {
                    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join($spec);
                    Gateway::load(&path).expect("spec validates")
                });
                &G
            }

            fn spec() -> &'static Spec {
                spec_gateway().spec()
            }

            fn requests(seed: u64) -> Tally {
                let gw = spec_gateway();
                let mut rng = Rng::new(seed);
                let mut tally = Tally::default();
                let secret = Secret::new(random_text(&mut rng) + "k");
                for op in &spec().operations {
                    let json = Value::Object(object_for(&mut rng, &op.request)).to_string();
                    let Ok(any) = generated::AnyRequest::from_json(&op.name, &json) else {
                        tally.undeserializable += 1;
                        continue;
                    };
                    let wire = any.to_wire();
                    for name in spec().profiles.keys() {
                        let profile = generated::Profile::from_name(name).expect("profile");
                        let context = format!("{}::{} with {name}, request {json}", $spec, op.name);
                        let creds = Credentials::new(secret.clone())
                            .with("authorization", Secret::new("Bearer t"));
                        let prepared = any.prepare(Some(profile), &creds);
                        match &prepared {
                            Ok(_) => tally.prepared_ok += 1,
                            Err(_) => tally.refused += 1,
                        }
                        let compiled = Compiled {
                            canonical: any.canonical_string_with(profile, &secret),
                            signature: any.signature_with(profile, &secret),
                            prepared,
                        };
                        compare_request(gw, (&op.name, name), &wire, compiled, &secret, &context);
                    }
                    // A stored request reads back the same.
                    let back = generated::AnyRequest::from_json(&op.name, &any.to_json()).expect("round trip");
                    assert_eq!(back, any);
                }
                tally
            }

            fn notifications(seed: u64) -> Tally {
                let gw = spec_gateway();
                let mut rng = Rng::new(seed);
                let mut tally = Tally::default();
                let secret = Secret::new("n-secret");
                for n in &spec().notifications {
                    for name in spec().profiles.keys() {
                        // A body shaped like the notification: its fields as wire text.
                        let mut body = Map::new();
                        for f in &n.fields {
                            if f.required || rng.chance(60) {
                                let v = value_for(&mut rng, f);
                                let v = match (f.ty, f.money) {
                                    (FieldType::Money, Some(MoneyFormat::Decimal)) => {
                                        json!(paywire::Money::from_minor(v.as_i64().unwrap_or(0)).to_decimal_string())
                                    }
                                    _ => v,
                                };
                                body.insert(f.name.clone(), v);
                            }
                        }
                        if rng.chance(50) {
                            body.insert("unknown_field".into(), json!(random_text(&mut rng)));
                        }
                        let raw = Value::Object(body).to_string();
                        let signed = gw.sign_json_body(Some(name), raw.as_bytes(), &secret).expect("signs");
                        let recipe = gw.profile(Some(name)).expect("profile");
                        let mut wire = WireFields::from_object(&Object::from_json(signed.as_bytes()).expect("json"));
                        let raw_dup = if rng.chance(70) {
                            mutate(&mut rng, &mut wire, &recipe.signature_field)
                        } else {
                            None
                        };
                        let wrong_secret = rng.chance(10);
                        let key = if wrong_secret { Secret::new("other") } else { secret.clone() };
                        let mut bodies = vec![(raw_dup.clone().unwrap_or_else(|| wire.to_json()), "application/json")];
                        if n.content != NotificationContent::Json && raw_dup.is_none() {
                            bodies.push((wire.to_form(), "application/x-www-form-urlencoded"));
                        }
                        for (body, ct) in bodies {
                            tally.notifications += 1;
                            let interpreted = gw.verify_notification(&n.name, body.as_bytes(), Some(ct), &key);
                            let compiled = generated::AnyNotification::verify(&n.name, body.as_bytes(), Some(ct), &key);
                            let context = format!("{}::{} signed with {name}, body {body}", $spec, n.name);
                            match (&compiled, &interpreted) {
                                (Ok(c), Ok(i)) => {
                                    tally.accepted += 1;
                                    assert_eq!(c.meta, *i, "meta {context}");
                                }
                                // The signature verified; the typed read is stricter than the interpreter.
                                (Err(NotificationError::Payload(_)), Ok(_)) => tally.accepted += 1,
                                // Both refuse the fields (after the signature verified): the typed
                                // read names a type problem where the interpreter names the rule.
                                (
                                    Err(NotificationError::Payload(_) | NotificationError::Invalid(_)),
                                    Err(NotificationError::Invalid(_)),
                                ) => tally.rejected += 1,
                                (Err(c), Err(i)) => {
                                    tally.rejected += 1;
                                    assert_eq!(c.to_string(), i.to_string(), "error {context}");
                                }
                                _ => panic!("verdicts differ {context}: compiled {compiled:?}, interpreted {interpreted:?}"),
                            }
                        }
                    }
                }
                tally
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(CASES))]

                #[test]
                fn compiled_and_interpreted_requests_agree(seed in any::<u64>()) {
                    requests(seed);
                }

                #[test]
                fn compiled_and_interpreted_notification_verdicts_agree(seed in any::<u64>()) {
                    notifications(seed);
                }
            }

            /// The random inputs exercise both sides of every verdict (a suite that compares
            /// nothing, or only refusals, fails here).
            #[test]
            fn covers_signed_and_refused_requests_and_verdicts() {
                let mut total = Tally::default();
                for seed in 1..=200u64 {
                    let r = requests(seed);
                    let n = notifications(seed);
                    total.prepared_ok += r.prepared_ok;
                    total.refused += r.refused;
                    total.undeserializable += r.undeserializable;
                    total.notifications += n.notifications;
                    total.accepted += n.accepted;
                    total.rejected += n.rejected;
                }
                eprintln!("{}: {total:?}", $spec);
                assert!(total.prepared_ok > 0, "no request was ever prepared: {total:?}");
                assert!(total.refused > 0, "no request was ever refused: {total:?}");
                if !spec().notifications.is_empty() {
                    assert!(total.accepted > 0 && total.rejected > 0, "{total:?}");
                }
            }
        }
    };
}

differential!(diamondpay, paywire_diamondpay, "../specs/diamondpay.toml");
differential!(goldenpay, paywire_goldenpay, "../specs/goldenpay.toml");
differential!(intqp, paywire_intqp, "../specs/intqp.toml");
differential!(wechat, crate::wechatpay_v2, "gateways/wechatpay_v2.toml");
differential!(kitchen, crate::kitchen_sink, "fixtures/kitchen_sink.toml");
