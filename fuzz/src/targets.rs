//! The fuzz targets. Each takes one input, drives library code in-process and returns the
//! "shape" of what happened (a hash of the kinds of result seen, a crude coverage signal that
//! keeps inputs reaching new results in the corpus), or `Err` with a description when the two
//! engines (generated code, interpreter) disagree or a documented invariant does not hold.
//! A panic anywhere is caught by the runner.

use paywire::outcome::{Evidence, Exchange, classify};
use paywire::received::{Object, Raw};
use paywire::{Money, NotificationError, Outcome, Secret};

use crate::corpus::Ctx;
use crate::fields;
use crate::rng::fnv1a;
use crate::runner::mark_deep;

/// A finding that is not a panic: an engine divergence or a broken invariant.
pub type Finding = String;

/// What a target returns.
pub type TargetResult = Result<u64, Finding>;

/// A fuzz target.
pub struct Target {
    /// Its name (`--target`).
    pub name: &'static str,
    /// What it drives.
    pub about: &'static str,
    /// The function.
    pub run: fn(&Ctx, &[u8]) -> TargetResult,
    /// The largest input it is given.
    pub max_len: usize,
}

/// Every target, in round-robin order.
pub const TARGETS: &[Target] = &[
    Target {
        name: "body",
        about: "received::Object::{from_json, from_form, from_body, from_xml} and its accessors, XML write-back, webhook signature headers",
        run: body,
        max_len: 256 << 10,
    },
    Target {
        name: "notify",
        about: "typed verify of every notification of every provider, AnyNotification, Gateway::verify_notification (as received, and re-signed)",
        run: notify,
        max_len: 128 << 10,
    },
    Target {
        name: "response",
        about: "typed read of every operation's response, Gateway::read_response of every operation of every spec",
        run: response,
        max_len: 128 << 10,
    },
    Target {
        name: "classify",
        about: "outcome::classify with many HTTP statuses and arbitrary bodies, three providers' readers",
        run: classify_target,
        max_len: 64 << 10,
    },
    Target {
        name: "money",
        about: "Money::{from_decimal_str, from_minor_str}, decimal text, the readers' money fields",
        run: money,
        max_len: 4 << 10,
    },
    Target {
        name: "spec",
        about: "paywire_spec::parse_str (parse + validation), then paywire_codegen::generate and the interpreter on valid specs",
        run: spec,
        max_len: 256 << 10,
    },
];

/// The target of a name.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Accumulates the kinds of result seen.
#[derive(Default)]
struct Shape(u64);

impl Shape {
    fn add(&mut self, what: &str) {
        // Digits, quoted text and long tails vary with the input, not with the code path.
        let mut norm: Vec<u8> = Vec::with_capacity(72);
        let mut quote: Option<u8> = None;
        for b in what.bytes() {
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'`' || b == b'"' => quote = Some(b),
                None if b.is_ascii_digit() => {}
                None => norm.push(b),
            }
            if norm.len() >= 72 {
                break;
            }
        }
        self.0 = self.0.rotate_left(7) ^ fnv1a(&norm);
    }

    fn result<T, E: std::fmt::Display>(&mut self, r: &Result<T, E>) -> bool {
        match r {
            Ok(_) => {
                self.add("ok");
                true
            }
            Err(e) => {
                self.add(&e.to_string());
                false
            }
        }
    }
}

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("text/plain"),
    Some("application/json; charset=utf-8"),
    Some("APPLICATION/X-WWW-FORM-URLENCODED; charset=UTF-8"),
    Some("multipart/form-data"),
    Some(""),
];

fn content_type(input: &[u8]) -> Option<&'static str> {
    CONTENT_TYPES[(fnv1a(input) % CONTENT_TYPES.len() as u64) as usize]
}

fn exercise_object(obj: &Object, shape: &mut Shape) -> TargetResult {
    mark_deep();
    let _ = obj.to_value();
    for f in obj.sign_fields() {
        let _ = f.text.as_deref().map(str::len);
    }
    let keys: Vec<String> = obj.keys().map(str::to_owned).collect();
    for k in &keys {
        let raw = obj.get(k);
        if let Some(raw) = raw {
            // Documented: sign_str is sign_text, borrowing where it can.
            let a = raw.sign_text();
            let b = raw.sign_str().map(|c| c.into_owned());
            if a != b {
                return Err(format!(
                    "Raw::sign_str {b:?} differs from Raw::sign_text {a:?} for {raw:?}"
                ));
            }
            let _ = paywire::received::raw_to_value(raw);
            if let Ok(inner) = Object::from_raw(raw) {
                shape.add("nested object");
                let _ = inner.path("a.b");
            }
        }
        let _ = obj.text(k);
        let _ = obj.path(&format!("{k}.{k}"));
        let _ = obj.get(&paywire::received::camel_case(k));
        let _ = paywire::read::string(obj, k);
        let _ = paywire::read::integer(obj, k);
        let _ = paywire::read::boolean(obj, k);
        let _ = paywire::read::money_decimal(obj, k);
        let _ = paywire::read::money_minor(obj, k);
        let _ = paywire::read::strings(obj, k);
        let _ = paywire::read::json(obj, k);
        if let Some(raw) = obj.get(k) {
            let _ = paywire::read::first_object(raw);
            let _ = paywire::read::row_objects(raw);
        }
    }
    let _ = paywire::read::extra(obj, &["sign", "status"]);
    Ok(shape.0)
}

/// (a) body parsing.
pub fn body(_ctx: &Ctx, input: &[u8]) -> TargetResult {
    let mut shape = Shape::default();
    let j = Object::from_json(input);
    if shape.result(&j)
        && let Ok(o) = &j
    {
        exercise_object(o, &mut shape)?;
    }
    let f = Object::from_form(input);
    if shape.result(&f)
        && let Ok(o) = &f
    {
        exercise_object(o, &mut shape)?;
    }
    for ct in CONTENT_TYPES {
        let b = Object::from_body(input, *ct);
        shape.result(&b);
    }
    // XML: a document that reads writes back to one that reads the same.
    let x = Object::from_xml(input);
    if shape.result(&x)
        && let Ok(o) = &x
    {
        exercise_object(o, &mut shape)?;
        let again = paywire::xml::write(&paywire::WireFields::from_object(o));
        match Object::from_xml(again.as_bytes()) {
            Ok(back) if back.sign_fields() == o.sign_fields() => {}
            other => {
                return Err(format!(
                    "xml: a document read back differently after writing: {other:?}"
                ));
            }
        }
    }
    // Webhook signature headers: any header text is refused or accepted, never a panic.
    if let Ok(text) = std::str::from_utf8(input) {
        let secret = paywire::Secret::new("k");
        let recipe = paywire::webhook::BodyRecipe {
            template: "{timestamp}.{body}",
            signature_header: "s",
            header_format: Some("t={timestamp},v1={signature}"),
            timestamp_header: None,
            millis: false,
            tolerance_secs: 300,
            credentials: Vec::new(),
        };
        let _ = paywire::webhook::verify_body(
            &recipe,
            || paywire::sign::Digester::hmac_sha256(&secret),
            paywire::sign::SigEncoding::Lower,
            false,
            input,
            &[("s", text)],
            &secret,
            0,
            None,
        );
    }
    let raw = Raw::from_body(input);
    let _ = raw.sign_text();
    let _ = raw.is_null();
    if let Ok(t) = std::str::from_utf8(input) {
        let m = paywire::received::minify(t);
        // Documented: whitespace removed, every token kept; minifying twice changes nothing.
        if paywire::received::minify(&m) != m {
            return Err("received::minify is not idempotent".to_owned());
        }
    }
    let _ = paywire::received::check_size(input, 1 << 20);
    Ok(shape.0)
}

fn verdict<T>(r: &Result<T, NotificationError>) -> &'static str {
    match r {
        Ok(_) => {
            mark_deep();
            "accepted"
        }
        Err(_) => "refused",
    }
}

/// Typed verify of one provider's notifications on `body`; returns (name, accepted) pairs.
fn typed_notifications(
    ctx: &Ctx,
    body: &[u8],
    ct: Option<&str>,
    shape: &mut Shape,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    {
        use paywire_diamondpay as dp;
        let r = dp::PayoutNotification::verify(body, ct, &ctx.dp);
        shape.result(&r);
        out.push(("specs/diamondpay.toml", "payout", verdict(&r)));
        let r = dp::DepositNotification::verify(body, ct, &ctx.dp);
        shape.result(&r);
        out.push(("specs/diamondpay.toml", "deposit", verdict(&r)));
        for name in dp::AnyNotification::NAMES.iter().chain(&["none"]) {
            let r = dp::AnyNotification::verify(name, body, ct, &ctx.dp);
            shape.result(&r);
        }
    }
    {
        use paywire_goldenpay as gp;
        let r = gp::PayoutNotification::verify(body, ct, &ctx.gp);
        shape.result(&r);
        out.push(("specs/goldenpay.toml", "payout", verdict(&r)));
        let r = gp::CollectNotification::verify(body, ct, &ctx.gp);
        shape.result(&r);
        out.push(("specs/goldenpay.toml", "collect", verdict(&r)));
        for name in gp::AnyNotification::NAMES.iter().chain(&["none"]) {
            let r = gp::AnyNotification::verify(name, body, ct, &ctx.gp);
            shape.result(&r);
        }
        let r = gp::CollectNotification::verify_allowing(body, ct, &ctx.gp, &["remarks"]);
        shape.result(&r);
    }
    {
        let r = paywire_intqp::AnyNotification::verify("payout", body, ct, &ctx.iq);
        shape.result(&r);
    }
    out
}

/// Interpreter verify of every notification of every spec; compares with the typed verdicts.
fn interpreted_notifications(
    ctx: &Ctx,
    body: &[u8],
    ct: Option<&str>,
    typed: &[(&'static str, &'static str, &'static str)],
    shape: &mut Shape,
) -> TargetResult {
    for g in &ctx.gateways {
        for n in &g.gateway.spec().notifications {
            let r = g.gateway.verify_notification(&n.name, body, ct, &g.secret);
            shape.result(&r);
            if let Some((_, _, t)) = typed
                .iter()
                .find(|(f, name, _)| *f == g.file && *name == n.name)
            {
                let i = verdict(&r);
                if *t != i {
                    return Err(format!(
                        "engines disagree on notification `{}` of {} (content type {ct:?}): typed {t}, interpreter {i} ({})",
                        n.name,
                        g.file,
                        match &r {
                            Ok(_) => "ok".to_owned(),
                            Err(e) => e.to_string(),
                        }
                    ));
                }
            }
        }
    }
    Ok(shape.0)
}

/// (b) notification verify: as received, then re-signed so the field checks are reached.
pub fn notify(ctx: &Ctx, input: &[u8]) -> TargetResult {
    let mut shape = Shape::default();
    let ct = content_type(input);
    let typed = typed_notifications(ctx, input, ct, &mut shape);
    interpreted_notifications(ctx, input, ct, &typed, &mut shape)?;
    if fields::split_json(input).is_none() {
        return Ok(shape.0);
    }
    // Re-signed: both engines' signers must write the same body, and both verifiers agree.
    let json = Some("application/json");
    let mut signed: Vec<Vec<u8>> = Vec::new();
    {
        use paywire_diamondpay::Profile;
        for p in [Profile::Md5, Profile::HmacSha256] {
            let typed = p.sign_json(input, &ctx.dp);
            if let Some(g) = ctx.gateway("specs/diamondpay.toml") {
                let interp = g.gateway.sign_json_body(Some(p.name()), input, &g.secret);
                compare_signed("diamondpay", p.name(), &typed, &interp)?;
            }
            if let Ok(s) = typed {
                signed.push(s.into_bytes());
            }
        }
    }
    {
        use paywire_goldenpay::Profile;
        let typed = Profile::DEFAULT.sign_json(input, &ctx.gp);
        if let Some(g) = ctx.gateway("specs/goldenpay.toml") {
            let interp = g.gateway.sign_json_body(Some("md5"), input, &g.secret);
            compare_signed("goldenpay", "md5", &typed, &interp)?;
        }
        if let Ok(s) = typed {
            signed.push(s.into_bytes());
        }
    }
    for g in &ctx.gateways[3.min(ctx.gateways.len())..] {
        for p in g.gateway.spec().profiles.keys() {
            if let Ok(s) = g.gateway.sign_json_body(Some(p), input, &g.secret) {
                signed.push(s.into_bytes());
            }
        }
    }
    for s in &signed {
        let typed = typed_notifications(ctx, s, json, &mut shape);
        interpreted_notifications(ctx, s, json, &typed, &mut shape)?;
    }
    Ok(shape.0)
}

fn compare_signed<E1: std::fmt::Display, E2: std::fmt::Display>(
    gateway: &str,
    profile: &str,
    typed: &Result<String, E1>,
    interp: &Result<String, E2>,
) -> Result<(), Finding> {
    match (typed, interp) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (Err(_), Err(_)) => Ok(()),
        (a, b) => Err(format!(
            "engines sign differently ({gateway}.{profile}): typed {}, interpreter {}",
            show(a),
            show(b)
        )),
    }
}

fn show<E: std::fmt::Display>(r: &Result<String, E>) -> String {
    match r {
        Ok(s) => format!("Ok({s})"),
        Err(e) => format!("Err({e})"),
    }
}

type Reader = fn(&[u8], &Secret) -> &'static str;

macro_rules! readers {
    ($($op:literal => $ty:path),* $(,)?) => {
        &[$(($op, {
            fn read(b: &[u8], s: &Secret) -> &'static str {
                match <$ty>::read(b, s) {
                    Ok(paywire::Response::Accepted { .. }) => {
                        mark_deep();
                        "accepted"
                    }
                    Ok(paywire::Response::Rejected { .. }) => {
                        mark_deep();
                        "rejected"
                    }
                    Err(paywire::ResponseError::Payload(_)) => "payload",
                    Err(_) => "error",
                }
            }
            read as Reader
        })),*]
    };
}

const DIAMONDPAY_READERS: &[(&str, Reader)] = readers! {
    "create_payout_twd" => paywire_diamondpay::CreatePayoutTwdResponse,
    "create_payout_cny_bank" => paywire_diamondpay::CreatePayoutCnyBankResponse,
    "create_payout_inr" => paywire_diamondpay::CreatePayoutInrResponse,
    "create_payout_cny_alipay" => paywire_diamondpay::CreatePayoutCnyAlipayResponse,
    "create_payout_cny_unionpay" => paywire_diamondpay::CreatePayoutCnyUnionpayResponse,
    "create_deposit_twd_atm" => paywire_diamondpay::CreateDepositTwdAtmResponse,
    "query_payouts" => paywire_diamondpay::QueryPayoutsResponse,
    "query_deposits" => paywire_diamondpay::QueryDepositsResponse,
    "balance" => paywire_diamondpay::BalanceResponse,
};

const GOLDENPAY_READERS: &[(&str, Reader)] = readers! {
    "create_payout" => paywire_goldenpay::CreatePayoutResponse,
    "query_payout" => paywire_goldenpay::QueryPayoutResponse,
    "create_collect" => paywire_goldenpay::CreateCollectResponse,
    "query_collect" => paywire_goldenpay::QueryCollectResponse,
    "balance" => paywire_goldenpay::BalanceResponse,
    "merchant_info" => paywire_goldenpay::MerchantInfoResponse,
};

const INTQP_READERS: &[(&str, Reader)] = readers! {
    "withdraw" => paywire_intqp::WithdrawResponse,
    "deposit" => paywire_intqp::DepositResponse,
    "form_rule" => paywire_intqp::FormRuleResponse,
};

/// (c) response reading, typed and interpreted, compared per operation.
pub fn response(ctx: &Ctx, input: &[u8]) -> TargetResult {
    let mut shape = Shape::default();
    for (file, secret, readers) in [
        ("specs/diamondpay.toml", &ctx.dp, DIAMONDPAY_READERS),
        ("specs/goldenpay.toml", &ctx.gp, GOLDENPAY_READERS),
        ("specs/intqp.toml", &ctx.iq, INTQP_READERS),
    ] {
        for (op, read) in readers {
            let typed = read(input, secret);
            shape.add(op);
            shape.add(typed);
            if let Some(g) = ctx.gateway(file) {
                let r = g.gateway.read_response(op, input, secret);
                let interp = match &r {
                    Ok(paywire::Reply::Accepted(_)) => "accepted",
                    Ok(paywire::Reply::Rejected(_)) => "rejected",
                    // A payload the spec's rules refuse, in both engines (a row count that is
                    // not a number, say).
                    Err(paywire::ResponseError::Payload(_)) => "payload",
                    Err(_) => "error",
                };
                shape.result(&r);
                // The interpreter hands the payload over as JSON and does not read its fields'
                // types, so a typed payload error where the interpreter accepts is by design.
                let expected = typed == "payload" && interp == "accepted";
                if typed != interp && !expected {
                    return Err(format!(
                        "engines disagree on the response of {op} ({file}): typed {typed}, interpreter {interp} ({})",
                        match &r {
                            Ok(_) => "ok".to_owned(),
                            Err(e) => e.to_string(),
                        }
                    ));
                }
            }
        }
    }
    for g in &ctx.gateways[3.min(ctx.gateways.len())..] {
        for op in &g.gateway.spec().operations {
            let r = g.gateway.read_response(&op.name, input, &g.secret);
            shape.result(&r);
        }
    }
    Ok(shape.0)
}

const STATUSES: &[u16] = &[
    0, 1, 99, 100, 200, 201, 202, 204, 299, 300, 301, 302, 303, 307, 308, 399, 400, 401, 403, 404,
    409, 422, 429, 499, 500, 502, 503, 504, 599, 600, 999, 65535,
];

fn check_outcome<T, E>(status: u16, o: &Outcome<T, E>, who: &str) -> Result<(), Finding> {
    if matches!(o, Outcome::Accepted { .. }) {
        mark_deep();
    }
    let _ = (
        o.kind(),
        o.proves_order_exists(),
        o.is_indeterminate(),
        o.evidence(),
    );
    let bad = match o {
        Outcome::Accepted { .. } if status >= 300 => Some("accepted on a status >= 300"),
        Outcome::Rejected { .. } if status >= 500 => Some("rejected on a 5xx"),
        Outcome::NotSent { .. } => Some("not sent although an answer arrived"),
        _ if (300..400).contains(&status) && !o.is_indeterminate() => {
            Some("a redirect not indeterminate")
        }
        _ => None,
    };
    match bad {
        Some(b) => Err(format!(
            "classify ({who}) broke its documented rules: HTTP {status}: {b} ({})",
            o.kind()
        )),
        None => Ok(()),
    }
}

/// (d) classify with arbitrary statuses and bodies.
pub fn classify_target(ctx: &Ctx, input: &[u8]) -> TargetResult {
    let mut shape = Shape::default();
    for (i, &status) in STATUSES.iter().enumerate() {
        let location = (i % 3 == 0)
            .then(|| String::from_utf8_lossy(&input[..input.len().min(64)]).into_owned());
        let exchange = || Exchange::Answered {
            status,
            body: input.to_vec(),
            location: location.clone(),
        };
        {
            use paywire_goldenpay as gp;
            let o = classify(
                exchange(),
                Evidence::default(),
                |b| gp::QueryPayoutResponse::read(b, &ctx.gp),
                gp::ErrorCode::from_code,
                gp::ErrorCode::meaning,
                gp::ErrorCode::documented,
            );
            check_outcome(status, &o, "goldenpay query_payout")?;
            shape.add(o.kind());
        }
        {
            use paywire_diamondpay as dp;
            let o = classify(
                exchange(),
                Evidence::default(),
                |b| dp::CreatePayoutTwdResponse::read(b, &ctx.dp),
                dp::ErrorCode::from_code,
                dp::ErrorCode::meaning,
                dp::ErrorCode::documented,
            );
            check_outcome(status, &o, "diamondpay create_payout_twd")?;
            shape.add(o.kind());
            let o = classify(
                exchange(),
                Evidence::default(),
                |b| dp::QueryPayoutsResponse::read(b, &ctx.dp),
                dp::ErrorCode::from_code,
                dp::ErrorCode::meaning,
                dp::ErrorCode::documented,
            );
            check_outcome(status, &o, "diamondpay query_payouts")?;
            shape.add(o.kind());
        }
        {
            use paywire_intqp as iq;
            let o = classify(
                exchange(),
                Evidence::default(),
                |b| iq::WithdrawResponse::read(b, &ctx.iq),
                iq::ErrorCode::from_code,
                iq::ErrorCode::meaning,
                iq::ErrorCode::documented,
            );
            check_outcome(status, &o, "intqp withdraw")?;
            shape.add(o.kind());
        }
    }
    let _ = paywire::outcome::truncate_body(input);
    Ok(shape.0)
}

/// (e) money parsing, with its documented round trips.
pub fn money(_ctx: &Ctx, input: &[u8]) -> TargetResult {
    let mut shape = Shape::default();
    let text = String::from_utf8_lossy(input);
    let d = Money::from_decimal_str(&text);
    shape.add(d.as_ref().map_or_else(|e| e.reason, |_| "ok"));
    if let Ok(m) = d {
        mark_deep();
        let s = m.to_decimal_string();
        if m.decimal_text().as_str() != s {
            return Err(format!(
                "Money::decimal_text differs from to_decimal_string for {m:?}"
            ));
        }
        match Money::from_decimal_str(&s) {
            Ok(back) if back == m => {}
            other => {
                return Err(format!(
                    "Money::from_decimal_str({text:?}) = {m:?} but its decimal text {s:?} reads back as {other:?}"
                ));
            }
        }
    }
    let n = Money::from_minor_str(&text);
    shape.add(n.as_ref().map_or_else(|e| e.reason, |_| "ok"));
    if let Ok(m) = n {
        if Money::from_minor_str(&m.minor().to_string()) != Ok(m) {
            return Err(format!("Money::from_minor_str does not round-trip {m:?}"));
        }
        let _ = m.to_decimal_string();
    }
    // The readers' money fields, the value as a JSON token and as a string.
    for body in [
        format!("{{\"a\":{text}}}"),
        format!("{{\"a\":{}}}", fields::json_string(&text)),
    ] {
        if let Ok(obj) = Object::from_json(body.as_bytes()) {
            shape.result(&paywire::read::money_decimal(&obj, "a"));
            shape.result(&paywire::read::money_minor(&obj, "a"));
            shape.result(&paywire::read::integer(&obj, "a"));
        }
    }
    Ok(shape.0)
}

/// (f) spec parse + validation, then codegen and the interpreter on a valid spec.
pub fn spec(_ctx: &Ctx, input: &[u8]) -> TargetResult {
    let mut shape = Shape::default();
    let src = String::from_utf8_lossy(input);
    let parsed = paywire_spec::parse_str(&src, "fuzz.toml");
    let Ok(spec) = parsed else {
        if let Err(e) = &parsed {
            // The first diagnostic's message names the rule that fired.
            shape.add(&e.0.first().map(|d| d.message.clone()).unwrap_or_default());
        }
        return Ok(shape.0);
    };
    shape.add("valid");
    mark_deep();
    let opts = paywire_codegen::Options {
        include_path: None,
        file_label: "fuzz.toml".to_owned(),
    };
    let _ = paywire_codegen::required_features(&spec);
    let _tokens = paywire_codegen::generate(&spec, &opts);
    if let Err(e) = paywire_codegen::generate_file(&spec, &opts) {
        return Err(format!(
            "a valid spec's generated code does not parse as a Rust file: {e}"
        ));
    }
    // The interpreter on the same spec: sign, verify, read.
    let gw = paywire::Gateway::new(spec);
    let secret = Secret::new("fuzz-key");
    let body = br#"{"a":"1","amount":"100.00","status":"0","order_id":"O1","sign":"x"}"#;
    let profiles: Vec<String> = gw.spec().profiles.keys().cloned().collect();
    for p in &profiles {
        let signed = gw.sign_json_body(Some(p), body, &secret);
        shape.result(&signed);
        if let Ok(s) = signed {
            for n in &gw.spec().notifications {
                let r = gw.verify_notification(
                    &n.name,
                    s.as_bytes(),
                    Some("application/json"),
                    &secret,
                );
                shape.result(&r);
            }
        }
    }
    // Each operation prepared (validated, signed, its body and headers written) with every
    // request field set to its example, the first value of its enum, or a digit.
    let creds = paywire::Credentials::new(secret.clone())
        .with("authorization", Secret::new("auth"))
        .with("token", Secret::new("tok"));
    for op in &gw.spec().operations {
        let mut pairs = serde_json::Map::new();
        for f in &op.request {
            let v = f
                .example
                .clone()
                .or_else(|| f.one_of.first().cloned())
                .unwrap_or_else(|| "1".to_owned());
            pairs.insert(f.name.clone(), serde_json::Value::String(v));
        }
        let json = serde_json::Value::Object(pairs).to_string();
        if let Ok(obj) = Object::from_json(json.as_bytes()) {
            for p in std::iter::once(None).chain(profiles.iter().map(|p| Some(p.as_str()))) {
                let r = gw.prepare(&op.name, paywire::WireFields::from_object(&obj), &creds, p);
                shape.result(&r);
            }
        }
    }
    let answer =
        br#"{"code":"0","data":{"order_id":"O1"},"msg":"ok","error_code":"0000","status":"1"}"#;
    for op in &gw.spec().operations {
        let r = gw.read_response(&op.name, answer, &secret);
        shape.result(&r);
    }
    Ok(shape.0)
}
