//! The differential suite: the compiled path (generated provider code) and the interpreter
//! (`paywire::Gateway` over the same spec) must agree byte for byte.
//!
//! For every operation and every signing profile of every spec in the repository (the three
//! provider crates, `tests/gateways/`, the kitchen-sink fixture), random requests (unicode, `&`,
//! `=`, empty strings, numbers as text, lists, nested objects) are built through the typed API's
//! serde form and compared: canonical strings (exact and masked), the fields kept, signatures,
//! validation verdicts, and the prepared request (method, path, query, body, headers, order id).
//! For every notification, random signed bodies (JSON and, where accepted, form or XML) are mutated
//! (values, number text, added/removed/emptied/duplicated fields, signature case, boundary
//! shifts, other secrets and profiles) and both engines must give the same verdict.
//!
//! The kitchen-sink fixture has a profile for each step of the spec vocabulary (credential slots,
//! kept absent slots, `strip`, `encode`, values-only pairs, an empty join, every digest, base64,
//! RSA with the test keys of `tests/fixtures/keys/`) and a notification verified with each.

use paywire::received::Object;
use paywire::spec::{Field, FieldType, MoneyFormat, NotificationContent, Recipe, Spec};
use paywire::{Credentials, Gateway, NotificationError, Secret, WireFields, WireValue, signing};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

mod kitchen_sink {
    paywire::gateway!("fixtures/kitchen_sink.toml");
}

mod wechatpay_v2 {
    paywire::gateway!("gateways/wechatpay_v2.toml");
}

/// The spec-only gateways whose profiles are field recipes (raw-body ones verify headers, which
/// the compiled path does not).
mod spec_only {
    pub mod alipay {
        paywire::gateway!("gateways/alipay.toml");
    }
    pub mod billplz {
        paywire::gateway!("gateways/billplz.toml");
    }
    pub mod dragonpay {
        paywire::gateway!("gateways/dragonpay.toml");
    }
    pub mod fondy {
        paywire::gateway!("gateways/fondy.toml");
    }
    pub mod instamojo {
        paywire::gateway!("gateways/instamojo.toml");
    }
    pub mod ipay88 {
        paywire::gateway!("gateways/ipay88.toml");
    }
    pub mod midtrans {
        paywire::gateway!("gateways/midtrans.toml");
    }
    pub mod momo {
        paywire::gateway!("gateways/momo.toml");
    }
    pub mod payu_india {
        paywire::gateway!("gateways/payu_india.toml");
    }
    pub mod vnpay {
        paywire::gateway!("gateways/vnpay.toml");
    }
    pub mod yoomoney {
        paywire::gateway!("gateways/yoomoney.toml");
    }
    // Webhooks signed over the raw body into headers.
    pub mod coinbase_commerce {
        paywire::gateway!("gateways/coinbase_commerce.toml");
    }
    pub mod gocardless {
        paywire::gateway!("gateways/gocardless.toml");
    }
    pub mod payfast {
        paywire::gateway!("gateways/payfast.toml");
    }
    pub mod paystack {
        paywire::gateway!("gateways/paystack.toml");
    }
    pub mod razorpay {
        paywire::gateway!("gateways/razorpay.toml");
    }
    pub mod square {
        paywire::gateway!("gateways/square.toml");
    }
    pub mod stripe {
        paywire::gateway!("gateways/stripe.toml");
    }
}

const CASES: u32 = 48;

/// The merchant's RSA key of the RSA profiles (test-only; it also verifies, through its public
/// half).
const RSA_KEY: &str = include_str!("../fixtures/keys/test_rsa_1024.pem");
/// Its public half (the gateway's key, to a merchant).
const RSA_PUBLIC_KEY: &str = include_str!("../fixtures/keys/test_rsa_1024.pub.pem");
/// Another merchant's RSA key: a wrong key that parses.
const OTHER_RSA_KEY: &str = include_str!("../fixtures/keys/other_rsa_1024.pem");

/// The key material `recipe` signs with in these tests: the RSA test key for an RSA profile,
/// `secret` otherwise; with `credential` as the value of every named credential the spec's
/// profiles sign in a credential slot.
fn signing_secret(spec: &Spec, recipe: &Recipe, secret: &str, credential: &str) -> Secret {
    let key = if recipe.digest.is_rsa() {
        RSA_KEY
    } else {
        secret
    };
    with_credentials(spec, Secret::new(key), credential)
}

/// `s` with `credential` as the value of every named credential the spec's profiles sign.
fn with_credentials(spec: &Spec, mut s: Secret, credential: &str) -> Secret {
    for r in spec.profiles.values() {
        for from in r.credentials.values().filter(|c| *c != "secret") {
            s = s.with_credential(from, credential);
        }
    }
    s
}

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

/// Unknown received keys that percent-encoding changes (and slot names of the kitchen sink's
/// profiles, which a received field never fills).
const ODD_KEYS: &[&str] = &["a b", "z~", "a*b", "é", "order~", "key", "accessKey", "Z_"];

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

/// The credentials a request is prepared with: `secret`, and a value for every credential the
/// operation's headers name.
fn credentials(op: &paywire::spec::Operation, secret: &Secret) -> Credentials {
    let mut creds = Credentials::new(secret.clone()).with("authorization", Secret::new("Bearer t"));
    for template in op.headers.values() {
        for name in template
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}'))
            .map(|(n, _)| n)
        {
            if name != "secret" && name != "authorization" {
                creds = creds.with(name, Secret::new(format!("{name}-value")));
            }
        }
    }
    creds
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
    let creds = credentials(operation, secret);
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
    /// Bodies both engines accepted, by notification (each is verified with its own profile).
    verified: std::collections::BTreeMap<String, usize>,
    rejected: usize,
}

/// The two engines' verdicts on one notification body must agree: both accept with the same
/// metadata, or both refuse with the same error (the typed read may name a type problem where
/// the interpreter names the rule, after the signature verified in both).
fn compare_verdicts<N: std::fmt::Debug>(
    tally: &mut Tally,
    name: &str,
    compiled: &Result<paywire::Verified<N>, NotificationError>,
    interpreted: &Result<paywire::VerifiedNotification, NotificationError>,
    context: &str,
) {
    match (compiled, interpreted) {
        (Ok(c), Ok(i)) => {
            tally.accepted += 1;
            *tally.verified.entry(name.to_owned()).or_default() += 1;
            assert_eq!(c.meta, *i, "meta {context}");
        }
        // The signature verified; the typed read is stricter than the interpreter.
        (Err(NotificationError::Payload(_)), Ok(_)) => tally.accepted += 1,
        (
            Err(NotificationError::Payload(_) | NotificationError::Invalid(_)),
            Err(NotificationError::Invalid(_)),
        ) => tally.rejected += 1,
        (Err(c), Err(i)) => {
            tally.rejected += 1;
            assert_eq!(c.to_string(), i.to_string(), "error {context}");
        }
        _ => {
            panic!("verdicts differ {context}: compiled {compiled:?}, interpreted {interpreted:?}")
        }
    }
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
                let secret_text = random_text(&mut rng) + "k";
                // Draws of their own, so the other specs' inputs stay those of the main stream.
                let mut extra = Rng::new(seed.rotate_left(17) ^ 0xa5a5);
                let credential = random_text(&mut extra);
                for op in &spec().operations {
                    let json = Value::Object(object_for(&mut rng, &op.request)).to_string();
                    let Ok(any) = generated::AnyRequest::from_json(&op.name, &json) else {
                        tally.undeserializable += 1;
                        continue;
                    };
                    let wire = any.to_wire();
                    for (name, recipe) in &spec().profiles {
                        let profile = generated::Profile::from_name(name).expect("profile");
                        let secret = signing_secret(spec(), recipe, &secret_text, &credential);
                        let context = format!("{}::{} with {name}, request {json}", $spec, op.name);
                        let creds = credentials(op, &secret);
                        let prepared = any.prepare(Some(profile), &creds);
                        if recipe.over_body() {
                            // A webhook recipe signs no request: both engines refuse, alike.
                            let interpreted = gw.prepare(&op.name, wire.clone(), &creds, Some(name));
                            match (&prepared, &interpreted) {
                                (Err(c), Err(i)) => {
                                    assert_eq!(c.to_string(), i.to_string(), "{context}");
                                    tally.refused += 1;
                                }
                                // An unsigned operation (Bearer auth) uses no profile.
                                (Ok(_), Ok(_)) if !op.signed => tally.prepared_ok += 1,
                                _ => panic!("a webhook profile signed a request {context}: {prepared:?} / {interpreted:?}"),
                            }
                            continue;
                        }
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
                let mut extra = Rng::new(seed.rotate_left(17) ^ 0xa5a5);
                for n in &spec().notifications {
                    for (name, recipe) in &spec().profiles {
                        let secret = signing_secret(spec(), recipe, "n-secret", "AK&=中 1");
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
                        if extra.chance(30) {
                            body.insert(extra.pick(ODD_KEYS).to_string(), json!(random_text(&mut extra)));
                        }
                        // Some bodies hold no `&` at all: with many fields, one value holding the
                        // separator (refused) is otherwise all but certain.
                        if extra.chance(30) {
                            for v in body.values_mut() {
                                if let Value::String(t) = v {
                                    t.retain(|c| c != '&');
                                }
                            }
                        }
                        let raw = Value::Object(body).to_string();
                        if recipe.over_body() {
                            // A webhook: the raw body signed into headers (by the interpreter's
                            // signer), then the body, a header or the clock disturbed.
                            let br = signing::body_recipe(recipe);
                            let at = 1_700_000_000_i64;
                            let ts = paywire::webhook::timestamp_text(&br, at);
                            let mut headers = signing::sign_webhook(recipe, raw.as_bytes(), &ts, &secret);
                            let mut body = raw.clone();
                            let mut now = at + i64::try_from(rng.below(60)).unwrap_or(0);
                            match rng.below(8) {
                                0 => body.push(' '),
                                1 => headers[0].1 = headers[0].1.replacen('0', "1", 1),
                                2 => now = at + i64::try_from(br.tolerance_secs).unwrap_or(0) + 1,
                                3 => {
                                    headers.pop();
                                }
                                4 => headers[0].0 = headers[0].0.to_uppercase(),
                                _ => {}
                            }
                            let key = if rng.chance(10) {
                                Secret::new("other")
                            } else {
                                secret.clone()
                            };
                            let pairs: Vec<(&str, &str)> =
                                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                            let options = paywire::VerifyOptions {
                                headers: &pairs,
                                now: Some(now),
                                ..Default::default()
                            };
                            tally.notifications += 1;
                            let ct = Some("application/json");
                            let interpreted =
                                gw.verify_notification_opts(&n.name, body.as_bytes(), ct, &key, &options);
                            let compiled = generated::AnyNotification::verify_with(
                                &n.name,
                                body.as_bytes(),
                                ct,
                                &key,
                                &options,
                            );
                            let context = format!("{}::{} webhook {name}, body {body}, headers {headers:?}, now {now}", $spec, n.name);
                            compare_verdicts(&mut tally, &n.name, &compiled, &interpreted, &context);
                            continue;
                        }
                        let signed = gw.sign_json_body(Some(name), raw.as_bytes(), &secret).expect("signs");
                        let mut wire = WireFields::from_object(&Object::from_json(signed.as_bytes()).expect("json"));
                        let raw_dup = if rng.chance(70) {
                            mutate(&mut rng, &mut wire, &recipe.signature_field)
                        } else {
                            None
                        };
                        let key = if rng.chance(10) {
                            // Another secret (another RSA key that parses), without the credentials.
                            Secret::new(if recipe.digest.is_rsa() { OTHER_RSA_KEY } else { "other" })
                        } else {
                            match extra.below(10) {
                                // The right secret with another credential.
                                0 => signing_secret(spec(), recipe, "n-secret", "AK2"),
                                // The public half of the RSA key verifies too.
                                1 if recipe.digest.is_rsa() => {
                                    with_credentials(spec(), Secret::new(RSA_PUBLIC_KEY), "AK&=中 1")
                                }
                                _ => secret.clone(),
                            }
                        };
                        let mut bodies = vec![(raw_dup.clone().unwrap_or_else(|| wire.to_json()), "application/json")];
                        if raw_dup.is_none() {
                            match n.content {
                                NotificationContent::Json => {}
                                NotificationContent::Xml => bodies.push((paywire::xml::write(&wire), "text/xml")),
                                _ => bodies.push((wire.to_form(), "application/x-www-form-urlencoded")),
                            }
                        }
                        for (body, ct) in bodies {
                            tally.notifications += 1;
                            let interpreted = gw.verify_notification(&n.name, body.as_bytes(), Some(ct), &key);
                            let compiled = generated::AnyNotification::verify(&n.name, body.as_bytes(), Some(ct), &key);
                            let context = format!("{}::{} signed with {name}, body {body}", $spec, n.name);
                            compare_verdicts(&mut tally, &n.name, &compiled, &interpreted, &context);
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
                    for (k, v) in n.verified {
                        *total.verified.entry(k).or_default() += v;
                    }
                }
                eprintln!("{}: {total:?}", $spec);
                assert!(total.prepared_ok > 0, "no request was ever prepared: {total:?}");
                assert!(total.refused > 0, "no request was ever refused: {total:?}");
                if !spec().notifications.is_empty() {
                    assert!(total.accepted > 0 && total.rejected > 0, "{total:?}");
                    // Every notification (so every profile a notification is verified with) had
                    // bodies both engines verified.
                    for n in &spec().notifications {
                        assert!(total.verified.contains_key(&n.name), "`{}` never verified: {total:?}", n.name);
                    }
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
differential!(
    spec_only_alipay,
    crate::spec_only::alipay,
    "gateways/alipay.toml"
);
differential!(
    spec_only_billplz,
    crate::spec_only::billplz,
    "gateways/billplz.toml"
);
differential!(
    spec_only_dragonpay,
    crate::spec_only::dragonpay,
    "gateways/dragonpay.toml"
);
differential!(
    spec_only_fondy,
    crate::spec_only::fondy,
    "gateways/fondy.toml"
);
differential!(
    spec_only_instamojo,
    crate::spec_only::instamojo,
    "gateways/instamojo.toml"
);
differential!(
    spec_only_ipay88,
    crate::spec_only::ipay88,
    "gateways/ipay88.toml"
);
differential!(
    spec_only_midtrans,
    crate::spec_only::midtrans,
    "gateways/midtrans.toml"
);
differential!(spec_only_momo, crate::spec_only::momo, "gateways/momo.toml");
differential!(
    spec_only_payu_india,
    crate::spec_only::payu_india,
    "gateways/payu_india.toml"
);
differential!(
    spec_only_vnpay,
    crate::spec_only::vnpay,
    "gateways/vnpay.toml"
);
differential!(
    spec_only_yoomoney,
    crate::spec_only::yoomoney,
    "gateways/yoomoney.toml"
);
differential!(
    spec_only_coinbase_commerce,
    crate::spec_only::coinbase_commerce,
    "gateways/coinbase_commerce.toml"
);
differential!(
    spec_only_gocardless,
    crate::spec_only::gocardless,
    "gateways/gocardless.toml"
);
differential!(
    spec_only_payfast,
    crate::spec_only::payfast,
    "gateways/payfast.toml"
);
differential!(
    spec_only_paystack,
    crate::spec_only::paystack,
    "gateways/paystack.toml"
);
differential!(
    spec_only_razorpay,
    crate::spec_only::razorpay,
    "gateways/razorpay.toml"
);
differential!(
    spec_only_square,
    crate::spec_only::square,
    "gateways/square.toml"
);
differential!(
    spec_only_stripe,
    crate::spec_only::stripe,
    "gateways/stripe.toml"
);

/// A profile that cannot sign with the credentials given (a credential slot's credential
/// missing, an RSA key that is no private key) makes the compiled `prepare` fail before signing,
/// with the interpreter's reason (`signing::key_problem`), instead of sending a signature over
/// an empty credential or an empty signature.
#[test]
fn compiled_prepare_refuses_keys_that_cannot_sign() {
    use kitchen_sink::{CreateOrderRequest, Profile};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/kitchen_sink.toml");
    let gw = Gateway::load(&path).expect("spec validates");
    let req = CreateOrderRequest::builder()
        .order_id("A-1")
        .amount(paywire::Money::from_minor(100))
        .country("VN")
        .build()
        .expect("valid");
    let check = |profile: Profile, secret: Secret, signs: bool| {
        let recipe = gw.profile(Some(profile.name())).expect("profile");
        let expected = signing::key_problem(recipe, &secret);
        assert_eq!(profile.key_problem(&secret), expected, "{}", profile.name());
        assert_eq!(
            expected.is_none(),
            signs,
            "{}: {expected:?}",
            profile.name()
        );
        let creds = Credentials::new(secret);
        let prepared = req.prepare_with(profile, &creds);
        // The interpreter refuses the same keys, with the same error.
        let interpreted = gw.prepare("create_order", req.to_wire(), &creds, Some(profile.name()));
        match expected {
            None => {
                let p = prepared.expect("signs");
                assert!(!p.signature.expect("signed").as_str().is_empty());
                assert!(interpreted.is_ok(), "{}: {interpreted:?}", profile.name());
            }
            Some(problem) => {
                let err = prepared.expect_err("refused");
                assert!(matches!(err, paywire::GatewayError::Invalid(_)), "{err:?}");
                assert!(err.to_string().contains(&problem), "{err}");
                let dynamic = interpreted.expect_err("the interpreter refuses too");
                assert_eq!(dynamic.to_string(), err.to_string(), "{}", profile.name());
            }
        }
    };
    check(Profile::ValuesSha512, Secret::new("k"), false);
    check(
        Profile::ValuesSha512,
        Secret::new("k").with_credential("access_key", "AK"),
        true,
    );
    check(Profile::FormHmacSha512, Secret::new("k"), false);
    check(
        Profile::FormHmacSha512,
        Secret::new("k").with_credential("access_key", ""),
        true,
    );
    check(Profile::RsaSha256, Secret::new(RSA_KEY), true);
    check(Profile::RsaSha256, Secret::new(RSA_PUBLIC_KEY), false);
    check(Profile::RsaSha1, Secret::new("not a key"), false);
    check(Profile::RsaSha1, Secret::new(""), false);
    check(Profile::Md5, Secret::new("k"), true);
    // `Credentials::with` gives the slot its credential too.
    let creds = Credentials::new(Secret::new("k")).with("access_key", Secret::new("AK-9"));
    let prepared = req
        .prepare_with(Profile::ValuesSha512, &creds)
        .expect("signs");
    assert!(
        !prepared.body.expect("body").contains("AK-9"),
        "a slot is never sent"
    );
    // A credential is masked in the canonical string, like the secret.
    let canonical = req.canonical_string_with(Profile::ValuesSha512, &creds.secret);
    assert!(canonical.expose().contains("AK-9") && canonical.expose().starts_with('k'));
    assert!(!canonical.to_string().contains("AK-9"), "{canonical}");
    assert!(canonical.to_string().starts_with("****"), "{canonical}");

    // The public half of the key verifies what the private key signed, in both engines;
    // a changed value does not.
    let body = r#"{"order_id":"A-1","amount":"100","memo":"x"}"#;
    let signed = Profile::RsaSha256
        .sign_json(body.as_bytes(), &Secret::new(RSA_KEY))
        .expect("signs");
    let public = Secret::new(RSA_PUBLIC_KEY);
    let json = Some("application/json");
    kitchen_sink::PaidRsaNotification::verify(signed.as_bytes(), json, &public)
        .expect("compiled: verifies with the public key");
    gw.verify_notification("paid_rsa", signed.as_bytes(), json, &public)
        .expect("interpreted: verifies with the public key");
    let tampered = signed.replace("\"x\"", "\"y\"");
    assert!(kitchen_sink::PaidRsaNotification::verify(tampered.as_bytes(), json, &public).is_err());
    assert!(
        gw.verify_notification("paid_rsa", tampered.as_bytes(), json, &public)
            .is_err()
    );
}
