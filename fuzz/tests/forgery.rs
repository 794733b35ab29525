//! Forged notifications. For each provider with notifications (diamondpay: payout, deposit;
//! goldenpay: payout, collect), genuine bodies are built from the provider fixtures and signed
//! with every profile its notification verifier accepts (`Profile::X.sign_json`), as JSON and,
//! where the spec reads both, as form bodies. Then at least 10,000 forgeries per provider,
//! seeded and bounded, go through the typed verify (`AnyNotification::verify`) and the
//! interpreter (`Gateway::verify_notification`), which must agree.
//!
//! An accepted forgery must fall in one of these by-design classes, decided by an oracle that
//! reads the forged body independently (`paywire_fuzz::fields`) and compares it with the
//! genuine one. "Signed fields" are every field but the signature and the profile's
//! exclusions; "text" is a value as signed (a string's content, a number's text as written,
//! null for none):
//!
//! - (i) empty field: the signed fields with a non-empty text are exactly the genuine's (same
//!   keys, same texts) and the signature text is the same up to ASCII case, but the set of
//!   fields whose value is empty (`""` or null) differs: one added, removed, or changed
//!   between `""` and null. The recipe leaves empty values out of the signed string.
//! - (ii) signature case: every field's text is the genuine's, the signature differs only in
//!   ASCII case (every profile here compares hex case-insensitively).
//! - (iii) representation: every field (signature included) has the genuine's key and text;
//!   only the bytes differ: field order, whitespace, JSON string escapes, a number written as
//!   a string with the same text or the reverse, form percent-encoding or `+`, empty `&&`
//!   pairs, trailing whitespace, or a Content-Type naming the same format.
//! - (iv) spec-excluded field (diamondpay only): the spec's profiles exclude `sign_type` from
//!   the signed string; a forgery that adds, removes or changes it without changing which
//!   profile verifies (the `HMAC-SHA256` marker present or absent as in the genuine) and is
//!   otherwise as in (i)-(iii). It is unauthenticated by the spec's design, named here
//!   because it is none of (i)-(iii).
//!
//! A forgery in several classes counts in the first of (iv), (i), (ii), (iii). Anything else
//! accepted is a failure, printed with the forged body. Boundary shifts that keep the signed
//! string byte-identical (`&k=v` text moved between a value and its neighbours) must be
//! refused as `VerifyError::Ambiguous`. `cargo test -p paywire-fuzz -- --nocapture` prints
//! each provider's table.

use std::collections::{BTreeMap, BTreeSet};

use paywire::{Gateway, NotificationError, Secret, VerifyError};
use paywire_fuzz::corpus::{self, DIAMONDPAY_SECRET, GOLDENPAY_SECRET, INTQP_SECRET};
use paywire_fuzz::fields::{self, Entry};
use paywire_fuzz::mutate::Mutator;
use paywire_fuzz::rng::{Rng, fnv1a};

const FORGERIES_PER_PROVIDER: usize = 12_000;
const SEED: u64 = 0x5eed_0ff0_67e5;

type Texts = Vec<(String, Option<String>)>;
type TypedVerify = fn(&str, &[u8], Option<&str>, &Secret) -> Result<String, NotificationError>;
type Signer = Box<dyn Fn(&[u8]) -> Option<String>>;
type Signers<'a> = Vec<&'a (String, Signer)>;

// ---------------------------------------------------------------------------------------------
// Providers

struct Provider {
    name: &'static str,
    secret: Secret,
    /// The verifier reads JSON whatever the content type (goldenpay).
    json_only: bool,
    /// Fields the profiles leave out of the signed string.
    excluded: &'static [&'static str],
    /// A field and value that select another profile (diamondpay's HMAC marker).
    marker: Option<(&'static str, &'static str)>,
    gateway: Gateway,
    typed: TypedVerify,
    /// The profiles the verifier accepts, with the right secret.
    genuine_signers: Vec<(&'static str, Signer)>,
    /// Other profiles with the right secret, the right profiles with wrong secrets.
    wrong_signers: Vec<(String, Signer)>,
    /// Realistic unsigned bodies: (notification, JSON).
    examples: Vec<(&'static str, String)>,
    /// Bodies whose free text holds `&k=v` (the gateway signs what a customer wrote).
    tainted: Vec<(&'static str, String)>,
}

fn root() -> std::path::PathBuf {
    corpus::workspace_root()
}

fn fixture(provider: &str, name: &str) -> String {
    let p = root().join(format!("crates/providers/{provider}/tests/fixtures/{name}"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn gateway(file: &str) -> Gateway {
    Gateway::load(&root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// What a merchant acts on: ids, amounts, status, free text (empty text as none).
fn summary_goldenpay(v: &paywire::Verified<paywire_goldenpay::AnyNotification>) -> String {
    use paywire_goldenpay::AnyNotification as N;
    let m = &v.meta;
    let head = format!("{:?} {:?}", m.order_id, m.status);
    match &v.notification {
        N::Payout(n) => format!(
            "{head} payout id={} trans_id={} mch_id={} amount={:?} status={} created={:?} payed={:?} canceled={:?}",
            n.id,
            n.trans_id,
            n.mch_id,
            n.order_amount,
            n.status,
            opt(&n.created_at),
            opt(&n.payed_at),
            opt(&n.canceled_at)
        ),
        N::Collect(n) => format!(
            "{head} collect id={} trans_id={} mch_id={} order={:?} payed={:?} status={} channel={:?} payed_at={:?} remarks={:?}",
            n.id,
            n.trans_id,
            n.mch_id,
            n.order_amount,
            n.payed_amount,
            n.status,
            opt(&n.channel),
            opt(&n.payed_at),
            opt(&n.remarks)
        ),
    }
}

fn summary_diamondpay(v: &paywire::Verified<paywire_diamondpay::AnyNotification>) -> String {
    use paywire_diamondpay::AnyNotification as N;
    let m = &v.meta;
    let head = format!("{:?} {:?}", m.order_id, m.status);
    match &v.notification {
        N::Payout(n) => format!(
            "{head} payout id={} cl_id={} platform={} amount={:?} real={:?} fee={:?} status={} times={}/{} error={:?}",
            n.payout_id,
            n.payout_cl_id,
            n.platform_id,
            n.amount,
            n.real_amount,
            n.fee,
            n.status,
            n.create_time,
            n.update_time,
            opt(&n.error_msg)
        ),
        N::Deposit(n) => format!(
            "{head} deposit id={} cl_id={} platform={} name={:?} amount={:?} real={:?} fee={:?} status={} times={}/{} error={:?}",
            n.payment_id,
            n.payment_cl_id,
            n.platform_id,
            opt(&n.payment_cl_name),
            n.amount,
            n.real_amount,
            n.fee,
            n.status,
            n.create_time,
            n.update_time,
            opt(&n.error_msg)
        ),
    }
}

/// Wrong secrets for a right one.
fn wrong_secrets(right: &str) -> Vec<String> {
    let mut v = vec![
        String::new(),
        " ".to_owned(),
        "x".to_owned(),
        format!("{right} "),
        format!("{right}\n"),
        format!(" {right}"),
        right.to_uppercase(),
        right[..right.len() - 1].to_owned(),
        right[1..].to_owned(),
        format!("key={right}"),
        format!("{right}{right}"),
    ];
    for other in [DIAMONDPAY_SECRET, GOLDENPAY_SECRET, INTQP_SECRET] {
        if other != right {
            v.push(other.to_owned());
        }
    }
    v
}

fn goldenpay() -> Provider {
    use paywire_goldenpay::Profile;
    let secret = Secret::new(GOLDENPAY_SECRET);
    let mut wrong: Vec<(String, Signer)> = Vec::new();
    for w in wrong_secrets(GOLDENPAY_SECRET) {
        let s = Secret::new(w.clone());
        wrong.push((
            format!("md5, secret {w:?}"),
            Box::new(move |b| Profile::Md5.sign_json(b, &s).ok()),
        ));
    }
    for p in paywire_diamondpay::Profile::ALL {
        let s = secret.clone();
        let p = *p;
        wrong.push((
            format!("diamondpay's {} profile", p.name()),
            Box::new(move |b| p.sign_json(b, &s).ok()),
        ));
    }
    for p in paywire_intqp::Profile::ALL {
        let s = secret.clone();
        let p = *p;
        wrong.push((
            format!("intqp's {} profile", p.name()),
            Box::new(move |b| p.sign_json(b, &s).ok()),
        ));
    }
    let s = secret.clone();
    let genuine: Vec<(&'static str, Signer)> =
        vec![("md5", Box::new(move |b| Profile::Md5.sign_json(b, &s).ok()))];
    let mut examples = vec![
        (
            "payout",
            fixture("goldenpay", "payout_notification_constructed.json"),
        ),
        (
            "payout",
            fixture("goldenpay", "payout_notification_canceled_constructed.json"),
        ),
        (
            "collect",
            fixture("goldenpay", "collect_notification_constructed.json"),
        ),
        (
            "collect",
            fixture(
                "goldenpay",
                "collect_notification_underpaid_constructed.json",
            ),
        ),
        (
            "collect",
            fixture("goldenpay", "collect_notification_failed_constructed.json"),
        ),
    ];
    examples.push((
        "collect",
        r#"{"id":"PT1729190300ABCD","mch_id":8888,"trans_id":"C20241018000004","channel":"bank","order_amount":"100.00","payed_amount":"100.00","created_at":"2024-10-18 13:00:00","payed_at":"2024-10-18 13:02:00","status":60,"remarks":"order 17 / table 4"}"#
            .to_owned(),
    ));
    let tainted = vec![
        (
            "collect",
            collect_with_remarks(
                "x&order_amount=100.00&payed_amount=99999.00&payed_at=2024-10-18 10:07:42&remarks=y&status=60&trans_id=C1&zzzz=",
            ),
        ),
        ("collect", collect_with_remarks("a&status=60")),
        ("collect", collect_with_remarks("&payed_amount=99999.00&")),
        ("collect", collect_with_remarks("k=v=w&z")),
    ];
    Provider {
        name: "goldenpay",
        secret,
        json_only: true,
        excluded: &[],
        marker: None,
        gateway: gateway("specs/goldenpay.toml"),
        typed: |name, body, ct, s| {
            paywire_goldenpay::AnyNotification::verify(name, body, ct, s)
                .map(|v| summary_goldenpay(&v))
        },
        genuine_signers: genuine,
        wrong_signers: wrong,
        examples,
        tainted,
    }
}

/// A processing collect callback (status 20, paid 100.00) whose remarks the customer wrote.
fn collect_with_remarks(remarks: &str) -> String {
    format!(
        r#"{{"id":"PT1","mch_id":"8888","trans_id":"C1","channel":"bank","order_amount":"100.00","payed_amount":"100.00","created_at":"2024-10-18 10:05:00","status":20,"remarks":{}}}"#,
        fields::json_string(remarks)
    )
}

fn diamondpay() -> Provider {
    use paywire_diamondpay::Profile;
    let secret = Secret::new(DIAMONDPAY_SECRET);
    let mut wrong: Vec<(String, Signer)> = Vec::new();
    for w in wrong_secrets(DIAMONDPAY_SECRET) {
        for p in [Profile::Md5, Profile::HmacSha256] {
            let s = Secret::new(w.clone());
            wrong.push((
                format!("{}, secret {w:?}", p.name()),
                Box::new(move |b| p.sign_json(b, &s).ok()),
            ));
        }
    }
    for p in [Profile::Md5BareKey, Profile::Balance, Profile::Channel] {
        let s = secret.clone();
        wrong.push((
            format!("the {} profile", p.name()),
            Box::new(move |b| p.sign_json(b, &s).ok()),
        ));
    }
    let s = secret.clone();
    wrong.push((
        "hmac-sha256 with its sign_type marker removed".to_owned(),
        Box::new(move |b| {
            let signed = Profile::HmacSha256.sign_json(b, &s).ok()?;
            let mut e = fields::split_json(signed.as_bytes())?;
            e.retain(|x| x.key != "sign_type");
            Some(fields::join_json(&e))
        }),
    ));
    let s = secret.clone();
    wrong.push((
        "md5 with the HMAC-SHA256 marker added".to_owned(),
        Box::new(move |b| {
            let signed = Profile::Md5.sign_json(b, &s).ok()?;
            let mut e = fields::split_json(signed.as_bytes())?;
            e.retain(|x| x.key != "sign_type");
            e.insert(
                0,
                Entry {
                    key: "sign_type".to_owned(),
                    raw: "\"HMAC-SHA256\"".to_owned(),
                },
            );
            Some(fields::join_json(&e))
        }),
    ));
    let s = secret.clone();
    wrong.push((
        "goldenpay's md5 profile".to_owned(),
        Box::new(move |b| paywire_goldenpay::Profile::Md5.sign_json(b, &s).ok()),
    ));
    for p in paywire_intqp::Profile::ALL {
        let s = secret.clone();
        let p = *p;
        wrong.push((
            format!("intqp's {} profile", p.name()),
            Box::new(move |b| p.sign_json(b, &s).ok()),
        ));
    }
    let (s1, s2) = (secret.clone(), secret.clone());
    let genuine: Vec<(&'static str, Signer)> = vec![
        (
            "md5",
            Box::new(move |b| Profile::Md5.sign_json(b, &s1).ok()),
        ),
        (
            "hmac-sha256",
            Box::new(move |b| Profile::HmacSha256.sign_json(b, &s2).ok()),
        ),
    ];
    let examples = vec![
        ("payout", fixture("diamondpay", "payout_notification_constructed.json")),
        (
            "payout",
            r#"{"payout_id":"POT00000002","payout_cl_id":"DEVPOT00143539","platform_id":"PF0002","amount":120000,"real_amount":0,"fee":0,"status":4,"create_time":1595506000,"update_time":1595506300,"error_msg":"account name mismatch"}"#
                .to_owned(),
        ),
        ("deposit", fixture("diamondpay", "deposit_notification_constructed.json")),
    ];
    let tainted = vec![
        (
            "payout",
            r#"{"payout_id":"POT00000003","payout_cl_id":"DEVPOT00143540","platform_id":"PF0002","amount":50000,"real_amount":0,"fee":0,"status":4,"create_time":1595506000,"update_time":1595506300,"error_msg":"x&fee=0&payout_cl_id=DEVPOT00143540&payout_id=POT00000003&platform_id=PF0002&real_amount=50000&status=3&update_time=1595506300&zz="}"#
                .to_owned(),
        ),
        (
            "deposit",
            r#"{"payment_id":"DEVPM00000019","payment_cl_id":"test_tw_card_2","platform_id":"PF0003","payment_cl_name":"A&platform_id=PF0003&real_amount=48389&status=2","amount":48389,"real_amount":0,"fee":0,"status":3,"create_time":1766005863,"update_time":1766006170}"#
                .to_owned(),
        ),
    ];
    Provider {
        name: "diamondpay",
        secret,
        json_only: false,
        excluded: &["sign_type"],
        marker: Some(("sign_type", "HMAC-SHA256")),
        gateway: gateway("specs/diamondpay.toml"),
        typed: |name, body, ct, s| {
            paywire_diamondpay::AnyNotification::verify(name, body, ct, s)
                .map(|v| summary_diamondpay(&v))
        },
        genuine_signers: genuine,
        wrong_signers: wrong,
        examples,
        tainted,
    }
}

// ---------------------------------------------------------------------------------------------
// Genuine bodies and their editable form

const JSON: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

#[derive(Clone)]
struct Genuine {
    notification: &'static str,
    profile: &'static str,
    ct: Option<&'static str>,
    form: bool,
    body: Vec<u8>,
    texts: Texts,
    summary: String,
}

/// A body as editable entries: JSON values as raw JSON text, form values as text.
#[derive(Clone, PartialEq)]
struct Doc {
    form: bool,
    entries: Vec<(String, String)>,
}

impl Doc {
    fn parse(body: &[u8], form: bool) -> Option<Self> {
        let entries = if form {
            fields::split_form(body)
                .into_iter()
                .map(|e| (e.key, e.raw))
                .collect()
        } else {
            fields::split_json(body)?
                .into_iter()
                .map(|e| (e.key, e.raw))
                .collect()
        };
        Some(Self { form, entries })
    }

    fn bytes(&self) -> Vec<u8> {
        if self.form {
            fields::join_form(&self.entries).into_bytes()
        } else {
            let e: Vec<Entry> = self
                .entries
                .iter()
                .map(|(k, v)| Entry {
                    key: k.clone(),
                    raw: v.clone(),
                })
                .collect();
            fields::join_json(&e).into_bytes()
        }
    }

    fn text(&self, i: usize) -> Option<String> {
        let v = &self.entries[i].1;
        if self.form {
            Some(v.clone())
        } else {
            fields::json_text(v)
        }
    }

    /// A value written for `text`: a JSON number when the old value was one and the text is
    /// a JSON number, else a string.
    fn value(&self, old: Option<&str>, text: &str) -> String {
        if self.form {
            return text.to_owned();
        }
        let was_number = old.is_some_and(|o| {
            let o = o.trim_start();
            o.starts_with(|c: char| c == '-' || c.is_ascii_digit())
        });
        if was_number
            && text.trim() == text
            && serde_json::from_str::<serde_json::Number>(text).is_ok()
        {
            text.to_owned()
        } else {
            fields::json_string(text)
        }
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// Indices of fields other than the signature.
    fn plain(&self) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| self.entries[i].0 != "sign")
            .collect()
    }
}

fn genuine_bodies(p: &Provider) -> Vec<Genuine> {
    let mut out = Vec::new();
    for (notification, json) in &p.examples {
        for (profile, sign) in &p.genuine_signers {
            let signed = sign(json.as_bytes()).expect("sign a genuine body");
            let mut variants = vec![(signed.clone().into_bytes(), JSON, false)];
            if !p.json_only {
                let form = corpus::json_to_form(signed.as_bytes()).expect("as a form body");
                variants.push((form, FORM, true));
            }
            for (body, ct, form) in variants {
                let summary = (p.typed)(notification, &body, ct, &p.secret).unwrap_or_else(|e| {
                    panic!(
                        "{}: the genuine {notification} body ({profile}) is refused: {e}\n{}",
                        p.name,
                        String::from_utf8_lossy(&body)
                    )
                });
                p.gateway
                    .verify_notification(notification, &body, ct, &p.secret)
                    .unwrap_or_else(|e| {
                        panic!("{}: the interpreter refuses a genuine body: {e}", p.name)
                    });
                let texts = fields::texts(&body, ct, p.json_only).expect("the oracle reads it");
                out.push(Genuine {
                    notification,
                    profile,
                    ct,
                    form,
                    body,
                    texts,
                    summary,
                });
            }
        }
    }
    out
}

/// The unsigned JSON of a genuine body (its signature removed; a form body's values as
/// strings).
fn unsigned_json(g: &Genuine) -> Vec<u8> {
    let entries: Vec<Entry> = if g.form {
        g.texts
            .iter()
            .filter(|(k, _)| k != "sign")
            .map(|(k, v)| Entry {
                key: k.clone(),
                raw: v
                    .as_deref()
                    .map_or_else(|| "null".to_owned(), fields::json_string),
            })
            .collect()
    } else {
        let mut e = fields::split_json(&g.body).unwrap_or_default();
        e.retain(|e| e.key != "sign");
        e
    };
    fields::join_json(&entries).into_bytes()
}

// ---------------------------------------------------------------------------------------------
// The oracle

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    EmptyField,
    SignatureCase,
    Representation,
    Excluded,
}

impl Class {
    const ALL: [Class; 4] = [
        Class::EmptyField,
        Class::SignatureCase,
        Class::Representation,
        Class::Excluded,
    ];

    fn label(self) -> &'static str {
        match self {
            Class::EmptyField => "(i) empty field",
            Class::SignatureCase => "(ii) sign case",
            Class::Representation => "(iii) representation",
            Class::Excluded => "(iv) excluded sign_type",
        }
    }
}

struct View {
    signed: BTreeMap<String, String>,
    empty: BTreeMap<String, Option<String>>,
    excluded: BTreeMap<String, Option<String>>,
    sign: Option<String>,
}

fn view(p: &Provider, texts: &Texts) -> Result<View, String> {
    let mut v = View {
        signed: BTreeMap::new(),
        empty: BTreeMap::new(),
        excluded: BTreeMap::new(),
        sign: None,
    };
    let mut seen = BTreeSet::new();
    for (k, t) in texts {
        if !seen.insert(k.clone()) {
            return Err(format!("the key `{k}` appears twice"));
        }
        if k == "sign" {
            v.sign = t.clone();
        } else if p.excluded.contains(&k.as_str()) {
            v.excluded.insert(k.clone(), t.clone());
        } else {
            match t {
                Some(t) if !t.is_empty() => {
                    v.signed.insert(k.clone(), t.clone());
                }
                other => {
                    v.empty.insert(k.clone(), other.clone());
                }
            }
        }
    }
    Ok(v)
}

/// Why an accepted body is by design, or why not.
fn classify_accepted(
    p: &Provider,
    g: &Genuine,
    body: &[u8],
    ct: Option<&str>,
) -> Result<Class, String> {
    let texts =
        fields::texts(body, ct, p.json_only).ok_or("the oracle cannot read the accepted body")?;
    let f = view(p, &texts)?;
    let o = view(p, &g.texts)?;
    if f.signed != o.signed {
        let changed: Vec<String> = f
            .signed
            .iter()
            .filter(|(k, v)| o.signed.get(*k) != Some(v))
            .map(|(k, v)| format!("{k}={v:?}"))
            .chain(
                o.signed
                    .keys()
                    .filter(|k| !f.signed.contains_key(*k))
                    .map(|k| format!("{k} removed")),
            )
            .collect();
        return Err(format!("signed text changed: {}", changed.join(", ")));
    }
    let (fs, os) = match (&f.sign, &o.sign) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err("accepted without a signature".to_owned()),
    };
    if !fs.eq_ignore_ascii_case(os) {
        return Err(format!("a different signature accepted: {fs:?}"));
    }
    if let Some((mk, mv)) = p.marker {
        let has = |v: &View| v.excluded.get(mk).and_then(|t| t.as_deref()) == Some(mv);
        if has(&f) != has(&o) {
            return Err("the profile marker changed, and it still verified".to_owned());
        }
    }
    Ok(if f.excluded != o.excluded {
        Class::Excluded
    } else if f.empty != o.empty {
        Class::EmptyField
    } else if fs != os {
        Class::SignatureCase
    } else {
        Class::Representation
    })
}

/// The signed string's pairs (no secret), as the recipe writes them: non-empty signed fields
/// in ASCII order of their names.
fn canonical(p: &Provider, texts: &Texts) -> String {
    let mut pairs: Vec<(&str, &str)> = texts
        .iter()
        .filter(|(k, _)| k != "sign" && !p.excluded.contains(&k.as_str()))
        .filter_map(|(k, t)| {
            t.as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| (k.as_str(), t))
        })
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

// ---------------------------------------------------------------------------------------------
// Forgeries

const STATUSES: &[&str] = &[
    "0", "1", "2", "3", "4", "5", "10", "20", "30", "50", "60", "99",
];
const AMOUNTS: &[&str] = &[
    "0", "1", "0.01", "99999.00", "100.01", "-100.00", "999999", "50001",
];
const ADD_KEYS: &[&str] = &[
    "remarks",
    "canceled_at",
    "payed_at",
    "error_msg",
    "sign_type",
    "payment_cl_name",
    "extra",
    "x",
    "statuS",
    "Status",
    "transId",
    "payedAmount",
    "orderAmount",
    "realAmount",
    "sign2",
    "key",
    "token",
    "_",
    "é",
    "",
    " ",
    "status ",
    "sign_type ",
    "SIGN",
    "channel",
    "zzzz",
];
const ADD_VALUES: &[&str] = &[
    "\"\"",
    "null",
    "\"\"",
    "null",
    "\"0\"",
    "60",
    "3",
    "\"HMAC-SHA256\"",
    "\"MD5\"",
    "\"hmac-sha256\"",
    "\"x\"",
    "[]",
    "{}",
    "false",
    "\"&status=60\"",
    "\" \"",
];

struct Forgery {
    category: &'static str,
    body: Vec<u8>,
    ct: Option<&'static str>,
    /// The signed string is byte-identical to the genuine's (a boundary shift): only the
    /// separator check stands between it and acceptance.
    same_signed_string: bool,
}

fn forgery(category: &'static str, g: &Genuine, body: Vec<u8>) -> Forgery {
    Forgery {
        category,
        body,
        ct: g.ct,
        same_signed_string: false,
    }
}

fn change_text(rng: &mut Rng, t: &str, others: &[String]) -> String {
    match rng.below(12) {
        0 => rng.pick(STATUSES).to_string(),
        1 => rng.pick(AMOUNTS).to_string(),
        2 => format!("{t}0"),
        3 => t
            .chars()
            .take(t.chars().count().saturating_sub(1))
            .collect(),
        4 => t.to_uppercase(),
        5 => t.to_lowercase() + "x",
        6 => format!(" {t}"),
        7 => format!("{t} "),
        8 => t.replacen('O', "Ο", 1).replacen('0', "O", 1) + "\u{200b}",
        9 => rng.pick(others).clone(),
        10 => String::new(),
        _ => {
            let mut c: Vec<char> = t.chars().collect();
            if !c.is_empty() {
                let i = rng.below(c.len());
                c[i] = if c[i] == '9' { '8' } else { '9' };
            }
            c.into_iter().collect()
        }
    }
}

fn value_change(rng: &mut Rng, doc: &mut Doc) {
    let plain = doc.plain();
    if plain.is_empty() {
        return;
    }
    let i = *rng.pick(&plain);
    let others: Vec<String> = (0..doc.entries.len()).filter_map(|j| doc.text(j)).collect();
    let old = doc.entries[i].1.clone();
    let t = doc.text(i).unwrap_or_default();
    let mut new = change_text(rng, &t, &others);
    if new == t {
        new.push('1');
    }
    doc.entries[i].1 = doc.value(Some(&old), &new);
}

fn number_forms(t: &str) -> Vec<String> {
    let mut v = vec![
        format!("{t}.0"),
        format!("{t}0"),
        format!("+{t}"),
        format!("0{t}"),
        format!("{t} "),
        format!(" {t}"),
        format!("{t}e0"),
        format!("{t}E0"),
        format!("-{t}"),
    ];
    if let Some(whole) = t.strip_suffix(".00") {
        v.extend([
            whole.to_owned(),
            format!("{whole}.0"),
            format!("{whole}.000"),
            format!("{whole}e0"),
            format!("{whole},00"),
        ]);
        if whole == "100" {
            v.extend(["1e2".to_owned(), "1.0e2".to_owned(), "1E+2".to_owned()]);
        }
    } else {
        v.extend([format!("{t}.00"), format!("{t}."), format!("{t}.000")]);
        if let Ok(n) = t.parse::<u64>() {
            if n > 0 && n.is_power_of_two() {
                v.push(format!("0x{n:x}"));
            }
            if n == 100 {
                v.extend(["1e2".to_owned(), "10e1".to_owned()]);
            }
            v.push(format!("{}e1", n as f64 / 10.0));
        }
    }
    v
}

fn number_change(rng: &mut Rng, doc: &mut Doc) -> bool {
    let numeric: Vec<usize> = doc
        .plain()
        .into_iter()
        .filter(|&i| {
            doc.text(i).is_some_and(|t| {
                !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            })
        })
        .collect();
    if numeric.is_empty() {
        return false;
    }
    let i = *rng.pick(&numeric);
    let t = doc.text(i).unwrap_or_default();
    if doc.form {
        doc.entries[i].1 = rng.pick(&number_forms(&t)).clone();
        return true;
    }
    let raw = doc.entries[i].1.clone();
    let quoted = raw.trim_start().starts_with('"');
    doc.entries[i].1 = match rng.below(4) {
        // The same text, quoted or not (representation only).
        0 => {
            if quoted {
                t
            } else {
                fields::json_string(&t)
            }
        }
        // Another text, as a number token or a string.
        1 => fields::json_string(rng.pick::<String>(&number_forms(&t))),
        _ => {
            let forms: Vec<String> = number_forms(&t)
                .into_iter()
                .filter(|f| serde_json::from_str::<serde_json::Number>(f).is_ok())
                .collect();
            if forms.is_empty() {
                format!("{t}.0")
            } else {
                rng.pick(&forms).clone()
            }
        }
    };
    true
}

fn add_field(rng: &mut Rng, doc: &mut Doc) {
    let key = rng.pick(ADD_KEYS).to_string();
    let raw = rng.pick(ADD_VALUES).to_string();
    let value = if doc.form {
        fields::json_text(&raw).unwrap_or_default()
    } else {
        raw
    };
    let at = rng.below(doc.entries.len() + 1);
    doc.entries.insert(at, (key, value));
}

fn remove_field(rng: &mut Rng, doc: &mut Doc) {
    if !doc.entries.is_empty() {
        let i = rng.below(doc.entries.len());
        doc.entries.remove(i);
    }
}

fn duplicate_field(rng: &mut Rng, doc: &mut Doc) {
    if doc.entries.is_empty() {
        return;
    }
    let i = rng.below(doc.entries.len());
    let mut e = doc.entries[i].clone();
    if rng.chance(1, 2) {
        let others: Vec<String> = (0..doc.entries.len()).filter_map(|j| doc.text(j)).collect();
        let t = doc.text(i).unwrap_or_default();
        e.1 = doc.value(Some(&doc.entries[i].1), &change_text(rng, &t, &others));
    }
    let at = rng.below(doc.entries.len() + 1);
    doc.entries.insert(at, e);
}

fn tamper_sign(rng: &mut Rng, doc: &mut Doc, other_signs: &[String]) {
    let Some(i) = doc.find("sign") else {
        return;
    };
    let s = doc.text(i).unwrap_or_default();
    let hex = b"0123456789abcdef";
    let raw: Option<String> = match rng.below(16) {
        0 => Some(s[..rng.below(s.len())].to_owned()),
        1 => {
            let mut c = s.clone().into_bytes();
            if !c.is_empty() {
                c.remove(rng.below(c.len()));
            }
            Some(String::from_utf8_lossy(&c).into_owned())
        }
        2 | 3 => {
            let mut c = s.clone().into_bytes();
            if !c.is_empty() {
                let k = rng.below(c.len());
                let mut d = *rng.pick(hex);
                if d == c[k].to_ascii_lowercase() {
                    d = if d == b'0' { b'1' } else { b'0' };
                }
                c[k] = d;
            }
            Some(String::from_utf8_lossy(&c).into_owned())
        }
        4 => Some(s.to_uppercase()),
        5 => {
            let mut c = s.clone().into_bytes();
            let letters: Vec<usize> = (0..c.len())
                .filter(|&k| c[k].is_ascii_alphabetic())
                .collect();
            if !letters.is_empty() {
                let k = *rng.pick(&letters);
                c[k] = c[k].to_ascii_uppercase();
            }
            Some(String::from_utf8_lossy(&c).into_owned())
        }
        6 => Some(format!("{s}{}", *rng.pick(hex) as char)),
        7 => Some(format!(" {s}")),
        8 => Some(format!("{s}\n")),
        9 => Some(rng.pick(other_signs).clone()),
        10 => Some(String::new()),
        11 => Some("0".repeat(s.len())),
        12 => Some(s.replacen('a', "а", 1).replacen('e', "е", 1)),
        13 => Some(format!("{s}\u{0}")),
        14 if !doc.form => {
            // Not a string at all.
            doc.entries[i].1 = rng
                .pick(&[
                    "null".to_owned(),
                    format!("[\"{s}\"]"),
                    format!("{{\"sign\":\"{s}\"}}"),
                    "0".to_owned(),
                ])
                .clone();
            None
        }
        _ => {
            // The signature under another key.
            doc.entries[i].0 = rng
                .pick(&["Sign", "SIGN", "sign ", "signature", "_sign"])
                .to_string();
            None
        }
    };
    if let Some(r) = raw {
        doc.entries[i].1 = doc.value(None, &r);
    }
}

/// Merge neighbouring signed fields into one value (`a=va&b=vb` becomes `a="va&b=vb"`), or
/// fold them into a key (`a=va&b` with value `vb`): the signed string stays identical.
fn shift_merge(p: &Provider, g: &Genuine, rng: &mut Rng) -> Option<Forgery> {
    let texts = &g.texts;
    let mut signed: Vec<(String, String)> = texts
        .iter()
        .filter(|(k, _)| k != "sign" && !p.excluded.contains(&k.as_str()))
        .filter_map(|(k, t)| t.clone().filter(|t| !t.is_empty()).map(|t| (k.clone(), t)))
        .collect();
    signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    if signed.len() < 2 {
        return None;
    }
    let i = rng.below(signed.len() - 1);
    let j = (i + 1 + rng.below(3)).min(signed.len() - 1);
    let mut piece = signed[i].1.clone();
    for (k, v) in &signed[i + 1..=j] {
        piece.push('&');
        piece.push_str(k);
        piece.push('=');
        piece.push_str(v);
    }
    let mut fields: Vec<(String, String)> = signed[..i].to_vec();
    if rng.chance(1, 3) {
        // Into the key: `a=va&b` = `vb`.
        let (last_k, last_v) = signed[j].clone();
        let cut = piece.len() - last_v.len() - 1 - last_k.len() - 1;
        let key = format!("{}={}&{}", signed[i].0, &piece[..cut], last_k);
        fields.push((key, last_v));
    } else {
        fields.push((signed[i].0.clone(), piece));
    }
    fields.extend_from_slice(&signed[j + 1..]);
    Some(rebuild(p, g, "shift", fields))
}

/// A tainted body (free text holding `&k=v`, signed by the gateway) re-split at other `&`
/// and `=` boundaries.
fn shift_tainted(p: &Provider, t: &Genuine, rng: &mut Rng) -> Option<Forgery> {
    let s = canonical(p, &t.texts);
    let tokens: Vec<&str> = s.split('&').collect();
    let mut groups: Vec<String> = Vec::new();
    for (n, tok) in tokens.iter().enumerate() {
        if n == 0 || rng.chance(2, 3) {
            groups.push((*tok).to_owned());
        } else if let Some(last) = groups.last_mut() {
            last.push('&');
            last.push_str(tok);
        }
    }
    let mut fields = Vec::new();
    for gr in groups {
        let split = if rng.chance(1, 5) {
            gr.rfind('=')
        } else {
            gr.find('=')
        };
        let (k, v) = match split {
            Some(at) => (gr[..at].to_owned(), gr[at + 1..].to_owned()),
            None => (gr.clone(), String::new()),
        };
        fields.push((k, v));
    }
    Some(rebuild(p, t, "shift-tainted", fields))
}

/// A body with `fields` as its signed fields and everything else (signature, empty and
/// excluded fields) as in `g`; notes whether the signed string is unchanged.
fn rebuild(
    p: &Provider,
    g: &Genuine,
    category: &'static str,
    fields: Vec<(String, String)>,
) -> Forgery {
    let mut doc_entries: Vec<(String, String)> = Vec::new();
    let write = |t: &str| {
        if g.form {
            t.to_owned()
        } else {
            fields::json_string(t)
        }
    };
    for (k, v) in &fields {
        doc_entries.push((k.clone(), write(v)));
    }
    for (k, t) in &g.texts {
        let keep = k == "sign"
            || p.excluded.contains(&k.as_str())
            || t.as_deref().is_none_or(str::is_empty);
        if keep {
            let raw = match t {
                Some(t) => write(t),
                None if g.form => String::new(),
                None => "null".to_owned(),
            };
            doc_entries.push((k.clone(), raw));
        }
    }
    let doc = Doc {
        form: g.form,
        entries: doc_entries,
    };
    let body = doc.bytes();
    let texts = fields::texts(&body, g.ct, p.json_only).unwrap_or_default();
    let unique = texts.iter().map(|(k, _)| k).collect::<BTreeSet<_>>().len() == texts.len();
    let same = unique
        && canonical(p, &texts) == canonical(p, &g.texts)
        && view(p, &texts).map(|v| v.signed).ok() != view(p, &g.texts).map(|v| v.signed).ok();
    Forgery {
        category,
        body,
        ct: g.ct,
        same_signed_string: same,
    }
}

fn representation(g: &Genuine, rng: &mut Rng) -> Vec<u8> {
    let body = &g.body;
    if g.form {
        let mut s = String::from_utf8_lossy(body).into_owned();
        match rng.below(9) {
            0 => {
                // Percent-encode one plain byte (upper or lower hex).
                let b = s.as_bytes();
                let plain: Vec<usize> = (0..b.len())
                    .filter(|&i| b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-')
                    .collect();
                if !plain.is_empty() {
                    let i = *rng.pick(&plain);
                    let enc = if rng.chance(1, 2) {
                        format!("%{:02X}", b[i])
                    } else {
                        format!("%{:02x}", b[i])
                    };
                    s.replace_range(i..i + 1, &enc);
                }
            }
            1 => s = s.replace('+', "%20"),
            2 => s = s.replacen('&', "&&", 1),
            3 => s.push('&'),
            4 => s.push_str("\r\n"),
            5 => s.insert(0, '&'),
            6 => {
                let mut pairs: Vec<&str> = s.split('&').collect();
                let n = pairs.len();
                pairs.swap(rng.below(n), rng.below(n));
                s = pairs.join("&");
            }
            7 => s = s.replacen('&', ";", 1),
            _ => s.insert(0, ' '),
        }
        return s.into_bytes();
    }
    let Some(mut entries) = fields::split_json(body) else {
        return body.clone();
    };
    match rng.below(10) {
        0 => {
            let n = entries.len();
            for k in (1..n).rev() {
                entries.swap(k, rng.below(k + 1));
            }
            fields::join_json(&entries).into_bytes()
        }
        1 => {
            let inner: Vec<String> = entries
                .iter()
                .map(|e| format!("  {}: {}", fields::json_string(&e.key), e.raw))
                .collect();
            format!("{{\n{}\n}}\n", inner.join(",\n")).into_bytes()
        }
        2 => {
            // Escape one character of a string (value or key) as \uXXXX, or `/` as `\/`.
            let i = rng.below(entries.len());
            let on_key = rng.chance(1, 3);
            let text = if on_key {
                Some(entries[i].key.clone())
            } else if entries[i].raw.starts_with('"') {
                fields::json_text(&entries[i].raw)
            } else {
                None
            };
            if let Some(t) = text.filter(|t| !t.is_empty()) {
                let chars: Vec<char> = t.chars().collect();
                let k = rng.below(chars.len());
                let mut lit = String::from("\"");
                for (x, c) in chars.iter().enumerate() {
                    if x == k {
                        if *c == '/' && rng.chance(1, 2) {
                            lit.push_str("\\/");
                        } else {
                            let mut buf = [0u16; 2];
                            for u in c.encode_utf16(&mut buf) {
                                lit.push_str(&format!("\\u{u:04X}"));
                            }
                        }
                    } else {
                        let js = fields::json_string(&c.to_string());
                        lit.push_str(&js[1..js.len() - 1]);
                    }
                }
                lit.push('"');
                if on_key {
                    let mut out = String::from("{");
                    for (x, e) in entries.iter().enumerate() {
                        if x > 0 {
                            out.push(',');
                        }
                        if x == i {
                            out.push_str(&lit);
                        } else {
                            out.push_str(&fields::json_string(&e.key));
                        }
                        out.push(':');
                        out.push_str(&e.raw);
                    }
                    out.push('}');
                    return out.into_bytes();
                }
                entries[i].raw = lit;
            }
            fields::join_json(&entries).into_bytes()
        }
        3 => {
            let s = String::from_utf8_lossy(body);
            format!(" \t\r\n{s}\n\n ").into_bytes()
        }
        4 => fields::join_json(&entries)
            .replace(':', " :\t")
            .into_bytes(),
        // Not representation: these must be refused.
        5 => [b"\xef\xbb\xbf".as_slice(), body].concat(),
        6 => {
            let mut s = fields::join_json(&entries);
            s.insert(s.len() - 1, ',');
            s.into_bytes()
        }
        7 => format!("{}x", fields::join_json(&entries)).into_bytes(),
        8 => format!("[{}]", fields::join_json(&entries)).into_bytes(),
        _ => fields::join_json(&entries).replace('"', "'").into_bytes(),
    }
}

fn content_type(g: &Genuine, rng: &mut Rng) -> Option<&'static str> {
    if g.form {
        *rng.pick(&[
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            Some("APPLICATION/X-WWW-FORM-URLENCODED"),
            Some("application/json"),
            Some("multipart/form-data"),
        ])
    } else {
        *rng.pick(&[
            None,
            Some("text/plain"),
            Some("application/json; charset=utf-8"),
            Some("APPLICATION/JSON"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data"),
            Some("text/html"),
        ])
    }
}

// ---------------------------------------------------------------------------------------------
// The run

#[derive(Default)]
struct Table {
    tried: usize,
    refused: BTreeMap<&'static str, usize>,
    accepted: BTreeMap<Class, usize>,
    unexplained: usize,
    shifts_same_string: usize,
    tainted_refused: usize,
    equivalent_signers: Vec<String>,
    by_category: BTreeMap<&'static str, (usize, usize)>,
    failures: Vec<String>,
}

fn refusal(e: &NotificationError) -> &'static str {
    match e {
        NotificationError::Signature(VerifyError::Mismatch { .. }) => "mismatch",
        NotificationError::Signature(VerifyError::Ambiguous { .. }) => "ambiguous",
        NotificationError::Signature(VerifyError::Missing { .. }) => "missing sign",
        NotificationError::Unreadable(_) => "unreadable",
        NotificationError::Payload(_) => "payload",
        NotificationError::Invalid(_) => "invalid",
        NotificationError::Gateway(_) => "gateway",
        _ => "other",
    }
}

fn check(p: &Provider, g: &Genuine, f: Forgery, t: &mut Table) {
    if f.body == g.body && f.ct == g.ct {
        return;
    }
    t.tried += 1;
    let typed = (p.typed)(g.notification, &f.body, f.ct, &p.secret);
    let cat = t.by_category.entry(f.category).or_default();
    cat.0 += 1;
    if typed.is_ok() {
        cat.1 += 1;
    }
    let interp = p
        .gateway
        .verify_notification(g.notification, &f.body, f.ct, &p.secret);
    let show = || {
        format!(
            "{} {} ({}, {:?}), {}: {}",
            p.name,
            g.notification,
            g.profile,
            f.ct,
            f.category,
            String::from_utf8_lossy(&f.body)
        )
    };
    if typed.is_ok() != interp.is_ok() {
        t.failures.push(format!(
            "engines disagree (typed {:?}, interpreter {:?}) on {}",
            typed.as_ref().err().map(ToString::to_string),
            interp.as_ref().err().map(ToString::to_string),
            show()
        ));
    }
    if f.same_signed_string {
        t.shifts_same_string += 1;
        for (who, err) in [
            ("typed", typed.as_ref().err()),
            ("interpreter", interp.as_ref().err()),
        ] {
            if !matches!(
                err,
                Some(NotificationError::Signature(VerifyError::Ambiguous { .. }))
            ) {
                t.failures.push(format!(
                    "a boundary shift with the genuine signed string was not refused as ambiguous by the {who} verifier ({:?}): {}",
                    err.map(ToString::to_string),
                    show()
                ));
            }
        }
    }
    match typed {
        Err(e) => *t.refused.entry(refusal(&e)).or_default() += 1,
        Ok(summary) => match classify_accepted(p, g, &f.body, f.ct) {
            Ok(class) if summary == g.summary => *t.accepted.entry(class).or_default() += 1,
            Ok(class) => {
                t.unexplained += 1;
                t.failures.push(format!(
                        "accepted as {} but what the merchant reads changed:\n    genuine {}\n    forged  {summary}\n    {}",
                        class.label(),
                        g.summary,
                        show()
                    ));
            }
            Err(why) => {
                t.unexplained += 1;
                t.failures
                    .push(format!("ACCEPTED FORGERY ({why}): {}", show()));
            }
        },
    }
}

fn run_provider(p: &Provider) -> Table {
    let genuine = genuine_bodies(p);
    assert!(!genuine.is_empty());
    let mut t = Table::default();
    let mut rng = Rng::new(SEED ^ fnv1a(p.name.as_bytes()));
    let all_bodies: Vec<Vec<u8>> = genuine.iter().map(|g| g.body.clone()).collect();
    let other_signs: Vec<String> = genuine
        .iter()
        .filter_map(|g| {
            g.texts
                .iter()
                .find(|(k, _)| k == "sign")
                .and_then(|(_, v)| v.clone())
        })
        .collect();
    let mutator = Mutator::new(&all_bodies, 64 << 10);
    // A "wrong" signer that reproduces a genuine signature (up to hex case) on a genuine body
    // is the verified recipe under another name (intqp's md5-key is diamondpay's md5 with
    // uppercase hex): signing with it and the right secret is not a forgery.
    let (wrong, equivalent): (Signers, Signers) =
        p.wrong_signers.iter().partition(|(_, signer)| {
            !genuine.iter().any(|g| {
                let Some(signed) = signer(&unsigned_json(g)) else {
                    return false;
                };
                let sig = |texts: &Texts| {
                    texts
                        .iter()
                        .find(|(k, _)| k == "sign")
                        .and_then(|(_, v)| v.clone())
                };
                let mine = fields::texts(signed.as_bytes(), JSON, true).and_then(|t| sig(&t));
                let marker = |texts: &Texts| {
                    p.marker
                        .map(|(k, v)| texts.iter().any(|(a, b)| a == k && b.as_deref() == Some(v)))
                };
                let theirs = fields::texts(signed.as_bytes(), JSON, true);
                mine.zip(sig(&g.texts))
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(&b))
                    && theirs.is_some_and(|t| marker(&t) == marker(&g.texts))
            })
        });
    t.equivalent_signers = equivalent.iter().map(|(l, _)| l.clone()).collect();
    assert!(!wrong.is_empty());
    // Tainted bodies: signed by the gateway, refused as ambiguous, re-split by the forger.
    let mut tainted = Vec::new();
    for (notification, json) in &p.tainted {
        for (profile, sign) in &p.genuine_signers {
            let signed = sign(json.as_bytes()).expect("sign a tainted body");
            let mut variants = vec![(signed.clone().into_bytes(), JSON, false)];
            if !p.json_only {
                variants.push((
                    corpus::json_to_form(signed.as_bytes()).expect("form"),
                    FORM,
                    true,
                ));
            }
            for (body, ct, form) in variants {
                match (p.typed)(notification, &body, ct, &p.secret) {
                    Err(NotificationError::Signature(VerifyError::Ambiguous { .. })) => {
                        t.tainted_refused += 1
                    }
                    other => panic!(
                        "{}: a signed body with `&` in a value was not refused as ambiguous: {:?}\n{}",
                        p.name,
                        other.err(),
                        String::from_utf8_lossy(&body)
                    ),
                }
                let texts = fields::texts(&body, ct, p.json_only).expect("tainted texts");
                tainted.push(Genuine {
                    notification,
                    profile,
                    ct,
                    form,
                    body,
                    texts,
                    summary: String::new(),
                });
            }
        }
    }
    let mut n = 0usize;
    while t.tried < FORGERIES_PER_PROVIDER {
        let g = &genuine[n % genuine.len()];
        let kind = (n / genuine.len()) % 16;
        n += 1;
        let doc0 = Doc::parse(&g.body, g.form).expect("genuine doc");
        let mut doc = doc0.clone();
        let f = match kind {
            0 => {
                value_change(&mut rng, &mut doc);
                forgery("value", g, doc.bytes())
            }
            1 => {
                if !number_change(&mut rng, &mut doc) {
                    value_change(&mut rng, &mut doc);
                }
                forgery("number text", g, doc.bytes())
            }
            2 => {
                add_field(&mut rng, &mut doc);
                forgery("add field", g, doc.bytes())
            }
            3 => {
                remove_field(&mut rng, &mut doc);
                forgery("remove field", g, doc.bytes())
            }
            4 => {
                duplicate_field(&mut rng, &mut doc);
                forgery("duplicate field", g, doc.bytes())
            }
            5 => {
                tamper_sign(&mut rng, &mut doc, &other_signs);
                forgery("sign tamper", g, doc.bytes())
            }
            6 | 7 => {
                // Wrong secrets and other profiles, on the genuine body (6) or a changed one (7).
                let (_, signer) = &wrong[rng.below(wrong.len())];
                let mut unsigned = Doc::parse(&unsigned_json(g), false).expect("unsigned");
                if kind == 7 {
                    value_change(&mut rng, &mut unsigned);
                }
                let Some(signed) = signer(&unsigned.bytes()) else {
                    continue;
                };
                let body = if g.form {
                    match corpus::json_to_form(signed.as_bytes()) {
                        Some(b) => b,
                        None => continue,
                    }
                } else {
                    signed.into_bytes()
                };
                forgery(
                    if kind == 6 {
                        "other secret/profile"
                    } else {
                        "changed + other signer"
                    },
                    g,
                    body,
                )
            }
            8 => match shift_merge(p, g, &mut rng) {
                Some(f) => f,
                None => continue,
            },
            9 => {
                if tainted.is_empty() {
                    continue;
                }
                let tg = &tainted[rng.below(tainted.len())];
                match shift_tainted(p, tg, &mut rng) {
                    Some(f) => {
                        // Judged against the tainted body it came from.
                        check_tainted(p, tg, f, &mut t);
                        continue;
                    }
                    None => continue,
                }
            }
            10 | 11 => forgery("representation", g, representation(g, &mut rng)),
            12 => Forgery {
                category: "content type",
                body: g.body.clone(),
                ct: content_type(g, &mut rng),
                same_signed_string: false,
            },
            13 => forgery(
                "random bytes",
                g,
                mutator.mutate(&mut rng, &g.body, &all_bodies),
            ),
            _ => {
                // Two edits: by-design ones (empty field, sign case, reorder) mixed with others.
                for _ in 0..2 {
                    match rng.below(6) {
                        0 => {
                            let at = rng.below(doc.entries.len() + 1);
                            let v = if doc.form {
                                String::new()
                            } else {
                                "\"\"".to_owned()
                            };
                            doc.entries.insert(at, (rng.pick(ADD_KEYS).to_string(), v));
                        }
                        1 => {
                            if let Some(i) = doc.find("sign") {
                                let s = doc.text(i).unwrap_or_default().to_uppercase();
                                doc.entries[i].1 = doc.value(None, &s);
                            }
                        }
                        2 => {
                            let k = doc.entries.len();
                            doc.entries.swap(rng.below(k), rng.below(k));
                        }
                        3 => value_change(&mut rng, &mut doc),
                        4 => add_field(&mut rng, &mut doc),
                        _ => {
                            let _ = number_change(&mut rng, &mut doc);
                        }
                    }
                }
                forgery("combined", g, doc.bytes())
            }
        };
        check(p, g, f, &mut t);
    }
    t
}

/// A re-split tainted body: the tainted original is what it is compared with (it verifies
/// only through the boundary shift, so nothing of it may be accepted).
fn check_tainted(p: &Provider, tg: &Genuine, f: Forgery, t: &mut Table) {
    if f.body == tg.body {
        return;
    }
    t.tried += 1;
    let typed = (p.typed)(tg.notification, &f.body, f.ct, &p.secret);
    let cat = t.by_category.entry(f.category).or_default();
    cat.0 += 1;
    if typed.is_ok() {
        cat.1 += 1;
    }
    let interp = p
        .gateway
        .verify_notification(tg.notification, &f.body, f.ct, &p.secret);
    let show = format!(
        "{} {} ({}, {:?}), {}: {}",
        p.name,
        tg.notification,
        tg.profile,
        f.ct,
        f.category,
        String::from_utf8_lossy(&f.body)
    );
    if f.same_signed_string {
        t.shifts_same_string += 1;
        for (who, err) in [
            ("typed", typed.as_ref().err()),
            ("interpreter", interp.as_ref().err()),
        ] {
            if !matches!(
                err,
                Some(NotificationError::Signature(VerifyError::Ambiguous { .. }))
            ) {
                t.failures.push(format!(
                    "a boundary shift with the signed string of a tainted body was not refused as ambiguous by the {who} verifier ({:?}): {show}",
                    err.map(ToString::to_string)
                ));
            }
        }
    }
    match typed {
        Err(e) => *t.refused.entry(refusal(&e)).or_default() += 1,
        Ok(_) => {
            t.unexplained += 1;
            t.failures
                .push(format!("ACCEPTED FORGERY (re-split tainted body): {show}"));
        }
    }
    if interp.is_ok() {
        t.failures.push(format!(
            "the interpreter accepted a re-split tainted body: {show}"
        ));
    }
}

fn report(p: &Provider, t: &Table) {
    let refused: usize = t.refused.values().sum();
    let by_design: usize = t.accepted.values().sum();
    let mut s = format!(
        "\n== forged notifications: {} ==\n  forgeries tried {:>6}\n  refused         {:>6}  ({})\n",
        p.name,
        t.tried,
        refused,
        t.refused
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s.push_str(&format!("  accepted by design {by_design:>3}\n"));
    for c in Class::ALL {
        s.push_str(&format!(
            "    {:<24} {:>6}\n",
            c.label(),
            t.accepted.get(&c).copied().unwrap_or(0)
        ));
    }
    s.push_str(&format!(
        "  accepted, not by design {}  (must be 0)\n  boundary shifts keeping the signed string {} (all refused as ambiguous)\n  tainted genuine bodies (`&` in a signed value) refused as ambiguous {}\n  other signers dropped as the verified recipe under another name: {}\n  per category (tried / accepted):\n",
        t.unexplained,
        t.shifts_same_string,
        t.tainted_refused,
        if t.equivalent_signers.is_empty() {
            "none".to_owned()
        } else {
            t.equivalent_signers.join(", ")
        }
    ));
    for (k, (n, a)) in &t.by_category {
        s.push_str(&format!("    {k:<22} {n:>6} / {a}\n"));
    }
    eprintln!("{s}");
}

fn assert_clean(p: &Provider, t: &Table) {
    report(p, t);
    assert!(
        t.tried >= 10_000,
        "{}: only {} forgeries tried",
        p.name,
        t.tried
    );
    assert!(
        t.shifts_same_string > 0,
        "{}: no boundary shift kept the signed string",
        p.name
    );
    if !t.failures.is_empty() {
        let shown: Vec<&String> = t.failures.iter().take(25).collect();
        panic!(
            "{}: {} failure(s), {} accepted not by design; the first {}:\n{}",
            p.name,
            t.failures.len(),
            t.unexplained,
            shown.len(),
            shown
                .iter()
                .map(|s| format!("- {s}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn forged_goldenpay_notifications_are_refused() {
    let p = goldenpay();
    let t = run_provider(&p);
    assert_clean(&p, &t);
}

#[test]
fn forged_diamondpay_notifications_are_refused() {
    let p = diamondpay();
    let t = run_provider(&p);
    assert_clean(&p, &t);
}

#[test]
fn intqp_has_no_notifications_to_forge() {
    assert!(paywire_intqp::AnyNotification::NAMES.is_empty());
    assert!(gateway("specs/intqp.toml").spec().notifications.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The goldenpay boundary shift, step by step

#[test]
fn goldenpay_collect_boundary_shift_is_refused_as_ambiguous() {
    use paywire::received::Object;
    use paywire_goldenpay::{CollectNotification, Profile};

    let secret = Secret::new(GOLDENPAY_SECRET);
    let payed_at = "2024-10-18 10:07:42";
    // The gateway signs a processing callback (status 20, paid 100.00) whose remarks the
    // customer chose when ordering.
    let remarks = format!(
        "x&order_amount=100.00&payed_amount=99999.00&payed_at={payed_at}&remarks=y&status=60&trans_id=C1&zzzz="
    );
    let genuine = Profile::DEFAULT
        .sign_json(collect_with_remarks(&remarks).as_bytes(), &secret)
        .unwrap();
    let sign = Object::from_json(genuine.as_bytes())
        .unwrap()
        .text("sign")
        .unwrap();
    // The forger moves `&order_amount=100.00&payed_amount=100.00&remarks=x` into mch_id (the
    // neighbour before) and `&status=20&trans_id=C1` into a new last field, keeping the
    // signature: status 60 and payed_amount 99999.00.
    let forged = format!(
        r#"{{"id":"PT1","mch_id":"8888&order_amount=100.00&payed_amount=100.00&remarks=x","trans_id":"C1","channel":"bank","order_amount":"100.00","payed_amount":"99999.00","payed_at":"{payed_at}","created_at":"2024-10-18 10:05:00","status":60,"remarks":"y","zzzz":"&status=20&trans_id=C1","sign":"{sign}"}}"#
    );

    // The signed strings are byte-identical, so the signature matches the forged body.
    let canon = |body: &str| {
        let obj = Object::from_json(body.as_bytes()).unwrap();
        Profile::DEFAULT
            .signed_fields(&obj)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    assert_eq!(canon(&genuine), canon(&forged));
    let obj = Object::from_json(forged.as_bytes()).unwrap();
    let fields = Profile::DEFAULT.signed_fields(&obj);
    assert_eq!(
        Profile::DEFAULT.signature_over(&fields, &secret).as_str(),
        sign,
        "the forged body carries a matching signature"
    );
    // Read without the separator check, it would say paid 99999.00, succeeded.
    let read = <CollectNotification as paywire::read::FromObject>::from_object(&obj).unwrap();
    read.validate().unwrap();
    assert_eq!(read.status, 60);
    assert_eq!(read.payed_amount, paywire::Money::from_minor(9_999_900));

    // The typed verify refuses it as ambiguous, naming a field whose value holds `&`.
    let holds_amp = |field: &str| obj.text(field).is_some_and(|v| v.contains('&'));
    let err = CollectNotification::verify(forged.as_bytes(), JSON, &secret).unwrap_err();
    eprintln!("typed verify of the shifted body: {err}");
    match &err {
        NotificationError::Signature(VerifyError::Ambiguous {
            field,
            what,
            separator,
        }) => {
            assert!(
                field == "mch_id" || field == "zzzz",
                "names {field}, not a shifted field"
            );
            assert!(holds_amp(field));
            assert_eq!(*what, "value");
            assert_eq!(separator, "&");
        }
        other => panic!("expected Signature(Ambiguous), got {other:?}"),
    }
    // So does AnyNotification, and the interpreter.
    assert_eq!(
        paywire_goldenpay::AnyNotification::verify("collect", forged.as_bytes(), JSON, &secret)
            .unwrap_err(),
        err
    );
    let gw = gateway("specs/goldenpay.toml");
    match gw.verify_notification("collect", forged.as_bytes(), JSON, &secret) {
        Err(NotificationError::Signature(VerifyError::Ambiguous { field, .. })) => {
            assert!(holds_amp(&field), "the interpreter names {field}")
        }
        other => panic!("the interpreter: expected Signature(Ambiguous), got {other:?}"),
    }
    // Allowing `&` in remarks (a merchant's choice) does not let the shift through: the
    // forged `&` sits in mch_id and zzzz.
    assert!(matches!(
        CollectNotification::verify_allowing(forged.as_bytes(), JSON, &secret, &["remarks"]),
        Err(NotificationError::Signature(VerifyError::Ambiguous { .. }))
    ));
    // The genuine body is itself refused, naming remarks; with remarks allowed it reads as
    // the gateway signed it: processing, paid 100.00.
    match CollectNotification::verify(genuine.as_bytes(), JSON, &secret) {
        Err(NotificationError::Signature(VerifyError::Ambiguous { field, .. })) => {
            assert_eq!(field, "remarks")
        }
        other => panic!("the genuine tainted body: expected Ambiguous, got {other:?}"),
    }
    let v = CollectNotification::verify_allowing(genuine.as_bytes(), JSON, &secret, &["remarks"])
        .unwrap();
    assert_eq!(v.notification.status, 20);
    assert_eq!(
        v.notification.payed_amount,
        paywire::Money::from_minor(10_000)
    );
    assert_eq!(v.notification.remarks.as_deref(), Some(remarks.as_str()));
}
