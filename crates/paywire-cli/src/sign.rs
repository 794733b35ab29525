//! `paywire sign`: sign a params object with a profile, and explain every step.

use std::collections::BTreeMap;

use paywire::received::Object;
use paywire::signing::{Decision, Step};
use paywire::spec::{Compare, Digest, EmptyRule, Encode, Encoding, HexCase, Order, Recipe};
use paywire::{CanonicalString, Gateway, Signature, WireFields, WireValue};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::cli::{Format, SignArgs};
use crate::error::CliError;
use crate::input;
use crate::text::{Out, quoted};

/// Everything `sign` computed.
struct Signed<'a> {
    label: String,
    /// The fields offered for signing (params and `adds`), to show each value as given.
    given: WireFields,
    recipe: &'a Recipe,
    canonical: CanonicalString,
    signature: Signature,
    body: String,
}

/// Run `paywire sign` and return what to print.
pub fn run(args: &SignArgs) -> Result<String, CliError> {
    let gateway = Gateway::load(&args.spec)?;
    let profile = args.profile.as_deref();
    let recipe = gateway.profile(profile)?;
    let secret = args.secret.load()?;
    if recipe.over_body() {
        if let Some(problem) = paywire::signing::credential_problem(recipe, &secret) {
            return Err(CliError::Key(problem));
        }
        let Some(body_path) = &args.body else {
            return Err(CliError::Key(format!(
                "profile `{}` signs a raw body (template `{}`): give it with --body FILE",
                gateway.profile_label(profile),
                recipe.template
            )));
        };
        return sign_body(args, &gateway, recipe, &secret, body_path);
    }
    if let Some(problem) = paywire::signing::key_problem(recipe, &secret) {
        return Err(CliError::Key(problem));
    }
    if args.body.is_some() {
        return Err(CliError::Key(format!(
            "profile `{}` signs fields (template `{}`): give them with --json FILE",
            gateway.profile_label(profile),
            recipe.template
        )));
    }
    let params = args.params.clone().unwrap_or_default();
    let bytes = input::read("params", &params)?;
    let object = Object::from_json(&bytes).map_err(|source| CliError::BadInput {
        what: "params",
        path: input::shown(&params),
        source,
    })?;

    // As `Gateway::prepare` does: the profile's `adds` are set before signing (its `exclude`
    // decides whether they are signed), the signature last.
    let mut fields = WireFields::from_object(&object);
    fields.apply_adds(recipe);
    let sign_fields = fields.sign_fields();
    if let Some(f) = sign_fields
        .iter()
        .find(|f| f.text.as_deref() == Some(secret.expose()))
    {
        return Err(CliError::SecretInParams {
            field: f.key.clone(),
            template: recipe.template.clone(),
        });
    }
    let given = fields.clone();
    let (_, signature) = paywire::signing::sign_outgoing(recipe, &mut fields, &secret);
    // What is shown is built from the fields with the secret masked wherever it appears (a
    // parameter may contain it: `note = "key=<secret>"`); the signature is the real one.
    let shown_given = mask_fields(&given, &secret);
    let canonical = paywire::signing::canonical_string(
        recipe,
        &shown_given.sign_fields(),
        &masked_key(&secret),
    );
    let signed = Signed {
        label: gateway.profile_label(profile),
        given: shown_given,
        recipe,
        canonical,
        signature,
        body: mask_fields(&fields, &secret).to_json(),
    };
    let printed = match args.format {
        Format::Text => {
            let mut t = text(&signed, args.explain);
            if args.explain {
                t.push_str(&secret_line(&secret));
            }
            t
        }
        Format::Json => json(&signed, args.explain)?,
    };
    Ok(printed)
}

/// A stand-in key whose secret and credentials all read `****`, to build the string shown.
fn masked_key(secret: &paywire::Secret) -> paywire::Secret {
    secret
        .credential_names()
        .fold(paywire::Secret::new("****"), |k, name| {
            k.with_credential(name, "****")
        })
}

/// `paywire sign --body`: a raw-body profile's signature headers.
fn sign_body(
    args: &SignArgs,
    gateway: &Gateway,
    recipe: &Recipe,
    secret: &paywire::Secret,
    path: &std::path::Path,
) -> Result<String, CliError> {
    let body = input::read("body", path)?;
    let br = paywire::signing::body_recipe(recipe);
    let ts_text = args
        .timestamp
        .clone()
        .unwrap_or_else(|| paywire::webhook::timestamp_text(&br, paywire::webhook::now_secs()));
    let headers = paywire::signing::sign_webhook(recipe, &body, &ts_text, secret);
    // The secret and credentials are masked by the canonical string itself.
    let canonical = paywire::signing::body_canonical(
        recipe,
        &String::from_utf8_lossy(&body),
        Some(&ts_text),
        secret,
    )
    .masked();
    let label = gateway.profile_label(args.profile.as_deref());
    match args.format {
        Format::Text => {
            let mut out = Out::default();
            out.line("profile", &label);
            if args.explain {
                out.line("template", &recipe.template);
                out.line("string", &canonical);
                out.line("digest", &digest_text(recipe.digest));
            }
            for (name, value) in &headers {
                out.line("header", &format!("{name}: {value}"));
            }
            Ok(out.into_string())
        }
        Format::Json => {
            #[derive(Serialize)]
            struct BodyJson<'a> {
                profile: &'a str,
                canonical_masked: &'a str,
                headers: BTreeMap<&'a str, &'a str>,
            }
            let mut text = serde_json::to_string(&BodyJson {
                profile: &label,
                canonical_masked: &canonical,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
            })?;
            text.push('\n');
            Ok(text)
        }
    }
}

/// Secrets shorter than this are masked only where a value is the secret itself: a one-letter
/// test key would otherwise mask every letter it matches. Real merchant keys are longer.
const MASK_MIN_LEN: usize = 6;

/// `text` with the secret masked (for other commands' output).
pub fn mask_text_public(text: &str, secret: &paywire::Secret) -> String {
    mask_text(text, secret)
}

/// `text` with every occurrence of the secret replaced by `****`.
fn mask_text(text: &str, secret: &paywire::Secret) -> String {
    let raw = secret.expose();
    if raw.is_empty() || (raw.chars().count() < MASK_MIN_LEN && text != raw) {
        text.to_owned()
    } else {
        text.replace(raw, "****")
    }
}

/// The fields with the secret masked in every value (as written, and as escaped in JSON text).
fn mask_fields(fields: &WireFields, secret: &paywire::Secret) -> WireFields {
    let escaped = serde_json::to_string(secret.expose())
        .ok()
        .map(|q| q[1..q.len() - 1].to_owned());
    let json = |t: &str| {
        let t = mask_text(t, secret);
        match &escaped {
            Some(e) if e.chars().count() >= MASK_MIN_LEN => t.replace(e.as_str(), "****"),
            _ => t,
        }
    };
    WireFields(
        fields
            .0
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    WireValue::Str(t) => WireValue::Str(mask_text(t, secret)),
                    WireValue::Num(t) => WireValue::Num(mask_text(t, secret)),
                    WireValue::Json(t) => WireValue::Json(json(t)),
                    WireValue::Strings(items) => {
                        WireValue::Strings(items.iter().map(|i| mask_text(i, secret)).collect())
                    }
                    other => other.clone(),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

/// The secret's length and a short fingerprint (the first 8 hex digits of its SHA-256), so a
/// trailing space or the wrong key shows without the key being printed.
fn secret_line(secret: &paywire::Secret) -> String {
    let raw = secret.expose();
    let mut d = paywire::sign::Digester::sha256();
    d.text(raw);
    let fingerprint = d.finish_lower();
    let mut out = Out::default();
    let edge = if raw.trim() != raw {
        " (it starts or ends with whitespace: is that intended?)"
    } else {
        ""
    };
    out.line(
        "secret",
        &format!(
            "{} characters, SHA-256 fingerprint {}{edge}",
            raw.chars().count(),
            &fingerprint.as_str()[..8]
        ),
    );
    out.into_string()
}

fn text(s: &Signed<'_>, explain: bool) -> String {
    let mut out = Out::default();
    out.line("profile", &s.label);
    if let Some(doc) = &s.recipe.doc {
        out.line("", doc);
    }
    if explain {
        explain_text(&mut out, s);
    }
    out.line("canonical", &s.canonical.masked());
    out.line("signature", s.signature.as_str());
    out.line("body", &s.body);
    out.into_string()
}

fn explain_text(out: &mut Out, s: &Signed<'_>) {
    let r = s.recipe;
    let steps = s.canonical.steps();
    let given = steps
        .iter()
        .filter(|st| !matches!(st.decision, Decision::Missing | Decision::Credential))
        .count();
    let kept = steps
        .iter()
        .filter(|st| {
            matches!(
                st.decision,
                Decision::Kept | Decision::Credential | Decision::AbsentKept
            )
        })
        .count();
    let mut rules = vec![match r.empty {
        EmptyRule::Skip => "empty values are dropped".to_owned(),
        EmptyRule::Keep => "empty values enter as `key=`".to_owned(),
    }];
    if r.fields.is_some() {
        rules.push("only the profile's listed fields are signed".to_owned());
    } else if !r.exclude.is_empty() {
        rules.push(format!("never signed: {}", r.exclude.join(", ")));
    }
    rules.push(format!("the signature goes in `{}`", r.signature_field));
    out.line(
        "fields",
        &format!(
            "{given} given{}, {kept} kept (strings quoted, other values as JSON)\n{}",
            match r.credentials.len() {
                0 => String::new(),
                1 => " and 1 credential slot".to_owned(),
                n => format!(" and {n} credential slots"),
            },
            rules.join("; ")
        ),
    );
    let rows: Vec<Vec<String>> = steps.iter().map(|st| step_row(st, &s.given)).collect();
    out.table(2, &rows, 40);
    let mut transforms: Vec<String> = r
        .strip
        .iter()
        .map(|(field, chars)| format!("{} removed from `{field}`", quoted(chars)))
        .collect();
    match r.encode {
        Encode::None => {}
        Encode::Rfc3986 => transforms.push("keys and values percent-encoded (RFC 3986)".to_owned()),
        Encode::Form => transforms.push("keys and values form-encoded (space as +)".to_owned()),
        Encode::Php => {
            transforms.push("keys and values encoded like PHP urlencode (space as +)".to_owned())
        }
    }
    if !transforms.is_empty() {
        out.line("transforms", &transforms.join("; "));
    }
    if !r.adds.is_empty() {
        let adds: Vec<String> = r.adds.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.line(
            "adds",
            &format!("{} (set in the body before signing)", adds.join(", ")),
        );
    }
    let order = match r.order {
        Order::Ascii => "by key, byte-wise ASCII (uppercase before lowercase)",
        Order::Listed => "as the profile's fields list",
        Order::PairsCi => "by the written pairs, ASCII case-insensitively",
        Order::Received => "in the order the fields travel",
    };
    out.line(
        "order",
        &format!(
            "{order}: {}",
            if r.order == Order::PairsCi {
                s.canonical.kept()
            } else {
                sorted_keys(r, steps)
            }
            .join(", ")
        ),
    );
    out.line("pairs", s.canonical.pairs());
    out.line(
        "",
        &format!(
            "each pair written {}, joined with {}",
            r.pair,
            quoted(&r.join)
        ),
    );
    let slots: Vec<&str> = r
        .credentials
        .iter()
        .filter(|(_, from)| *from == "secret")
        .map(|(slot, _)| slot.as_str())
        .collect();
    let slot_note = format!(
        "the merchant key enters as the slot {}, shown as ****",
        slots.join(", ")
    );
    let secret_note = if r.template.contains("{secret}") {
        "{secret} is the merchant key, shown as ****"
    } else if !slots.is_empty() {
        slot_note.as_str()
    } else if r.digest.is_rsa() {
        "no secret in the string: the RSA key signs it"
    } else if r.digest.is_keyed() {
        "no secret in the string: it is the HMAC key"
    } else {
        "no secret in the string"
    };
    out.line("template", &format!("{}   ({secret_note})", r.template));
    out.line(
        "digest",
        &format!(
            "{}, {}",
            digest_text(r.digest),
            match (r.encoding, r.hex) {
                (Encoding::Base64, _) => "base64",
                (Encoding::Hex, HexCase::Lower) => "lowercase hex",
                (Encoding::Hex, HexCase::Upper) => "uppercase hex",
            },
        ),
    );
    out.line(
        "",
        match r.compare {
            Compare::Exact => "a received signature must match exactly",
            Compare::CaseInsensitive => "a received signature is compared ignoring hex case",
        },
    );
}

/// One field's row: status, key, value as given (strings quoted, numbers and lists as JSON),
/// and why it was dropped.
fn step_row(step: &Step, given: &WireFields) -> Vec<String> {
    let reason = step.decision.reason();
    let (status, detail) = reason.split_once(": ").unwrap_or((reason, ""));
    let value = match (given.get(&step.key), &step.text, step.decision) {
        (_, _, Decision::Missing) => "(absent)".to_owned(),
        (_, None, _) => "null".to_owned(),
        (Some(WireValue::Str(_)) | None, Some(t), _) => quoted(t),
        (Some(_), Some(t), _) => t.clone(),
    };
    vec![
        status.to_owned(),
        step.key.clone(),
        value,
        detail.to_owned(),
    ]
}

/// The kept fields in the order they enter the string.
fn sorted_keys<'s>(recipe: &Recipe, steps: &'s [Step]) -> Vec<&'s str> {
    let mut keys: Vec<&str> = steps
        .iter()
        .filter(|st| {
            matches!(
                st.decision,
                Decision::Kept | Decision::Credential | Decision::AbsentKept
            )
        })
        .map(|st| st.key.as_str())
        .collect();
    if recipe.order == Order::Ascii {
        keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    }
    keys
}

fn digest_text(d: Digest) -> String {
    if d.is_hmac() {
        format!(
            "{} of the string, keyed with the merchant key (****)",
            d.name()
        )
    } else if d.is_rsa() {
        format!("{} of the string, with the RSA key (****)", d.name())
    } else {
        format!("{} of the string", d.name())
    }
}

#[derive(Serialize)]
struct SignJson<'a> {
    profile: &'a str,
    canonical_masked: String,
    signature: &'a str,
    body: Box<RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<ExplainJson<'a>>,
}

#[derive(Serialize)]
struct ExplainJson<'a> {
    doc: Option<&'a str>,
    steps: Vec<StepJson<'a>>,
    adds: &'a BTreeMap<String, String>,
    order: Order,
    sorted: Vec<&'a str>,
    pairs: &'a str,
    pair: &'a str,
    join: &'a str,
    template: &'a str,
    digest: Digest,
    hex: HexCase,
    compare: Compare,
    signature_field: &'a str,
}

#[derive(Serialize)]
struct StepJson<'a> {
    key: &'a str,
    text: Option<&'a str>,
    kept: bool,
    reason: &'static str,
}

fn json(s: &Signed<'_>, explain: bool) -> Result<String, CliError> {
    let r = s.recipe;
    let explain = explain.then(|| ExplainJson {
        doc: r.doc.as_deref(),
        steps: s
            .canonical
            .steps()
            .iter()
            .map(|st| StepJson {
                key: &st.key,
                text: st.text.as_deref(),
                kept: st.decision == Decision::Kept,
                reason: st.decision.reason(),
            })
            .collect(),
        adds: &r.adds,
        order: r.order,
        sorted: sorted_keys(r, s.canonical.steps()),
        pairs: s.canonical.pairs(),
        pair: &r.pair,
        join: &r.join,
        template: &r.template,
        digest: r.digest,
        hex: r.hex,
        compare: r.compare,
        signature_field: &r.signature_field,
    });
    let out = SignJson {
        profile: &s.label,
        canonical_masked: s.canonical.masked(),
        signature: s.signature.as_str(),
        body: RawValue::from_string(s.body.clone())?,
        explain,
    };
    let mut text = serde_json::to_string(&out)?;
    text.push('\n');
    Ok(text)
}
