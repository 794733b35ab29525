//! The interpreter's signing (feature `dynamic`): canonical strings, digests and verification
//! driven by a spec's [`Recipe`] loaded at run time, with every step explained.
//!
//! This is the reference the generated signers are tested against (the differential suite):
//! dynamic key/value maps (the CLI, user-loaded specs) and the simulator sign here. Building the
//! canonical string and hashing it are separate steps, so each can be shown and tested.

use crate::Secret;
pub use crate::sign::{CanonicalString, Decision, SignField, Signature, Step, VerifyError};
use crate::sign::{Digester, Explanation, SigEncoding, matches_exact, matches_ignore_case};
use paywire_spec::{Absent, Compare, Digest, EmptyRule, Encode, Encoding, HexCase, Order, Recipe};

/// A value entering the string: a field's text, or a credential slot's (masked in the
/// canonical string like the secret).
#[derive(Debug, Clone)]
struct Kept {
    key: String,
    text: String,
    credential: bool,
}

fn select(recipe: &Recipe, fields: &[SignField], secret: &Secret) -> (Vec<Step>, Vec<Kept>) {
    let mut steps = Vec::with_capacity(fields.len());
    let mut kept: Vec<Kept> = Vec::with_capacity(fields.len());
    let slot = |name: &str| recipe.credential_of(name);
    let consider = |kept: &mut Vec<Kept>,
                    steps: &mut Vec<Step>,
                    key: &str,
                    text: Option<&String>,
                    decision: Option<Decision>| {
        let decision = decision.unwrap_or(match text {
            None => Decision::Null,
            Some(t) if t.is_empty() && recipe.empty == EmptyRule::Skip => Decision::Empty,
            Some(_) => Decision::Kept,
        });
        match decision {
            Decision::Kept => kept.push(Kept {
                key: key.to_owned(),
                text: transform(recipe, key, text.map_or("", String::as_str)),
                credential: false,
            }),
            Decision::AbsentKept => kept.push(Kept {
                key: key.to_owned(),
                text: String::new(),
                credential: false,
            }),
            _ => {}
        }
        steps.push(Step {
            key: key.to_owned(),
            text: text.cloned(),
            decision,
        });
    };
    let credential = |kept: &mut Vec<Kept>, steps: &mut Vec<Step>, name: &str, from: &str| {
        kept.push(Kept {
            key: name.to_owned(),
            text: secret.credential(from).unwrap_or_default().to_owned(),
            credential: true,
        });
        steps.push(Step {
            key: name.to_owned(),
            text: Some("****".to_owned()),
            decision: Decision::Credential,
        });
    };
    let absent = if recipe.absent == Absent::Keep {
        Decision::AbsentKept
    } else {
        Decision::Missing
    };
    match &recipe.fields {
        Some(list) => {
            for name in list {
                if let Some(from) = slot(name) {
                    credential(&mut kept, &mut steps, name, from);
                    continue;
                }
                match fields.iter().find(|f| &f.key == name) {
                    Some(f) if f.text.is_none() && absent == Decision::AbsentKept => {
                        consider(&mut kept, &mut steps, &f.key, None, Some(absent))
                    }
                    Some(f) => consider(&mut kept, &mut steps, &f.key, f.text.as_ref(), None),
                    None => consider(&mut kept, &mut steps, name, None, Some(absent)),
                }
            }
            for f in fields {
                if !list.contains(&f.key) {
                    let d = if f.key == recipe.signature_field {
                        Decision::SignatureField
                    } else {
                        Decision::NotListed
                    };
                    consider(&mut kept, &mut steps, &f.key, f.text.as_ref(), Some(d));
                }
            }
        }
        None => {
            for f in fields {
                let d = if f.key == recipe.signature_field {
                    Some(Decision::SignatureField)
                } else if recipe.exclude.contains(&f.key) || slot(&f.key).is_some() {
                    Some(Decision::Excluded)
                } else {
                    None
                };
                consider(&mut kept, &mut steps, &f.key, f.text.as_ref(), d);
            }
            for (name, from) in &recipe.credentials {
                credential(&mut kept, &mut steps, name, from);
            }
        }
    }
    match recipe.order {
        // Keys are compared as they enter the string (after `encode`), byte by byte.
        Order::Ascii => kept.sort_by(|a, b| {
            encode_text(recipe.encode, &a.key)
                .as_bytes()
                .cmp(encode_text(recipe.encode, &b.key).as_bytes())
        }),
        // The written pairs, compared ASCII case-insensitively.
        Order::PairsCi => kept.sort_by_cached_key(|k| {
            crate::sign::pair_text(&recipe.pair, &encode_text(recipe.encode, &k.key), &k.text)
                .to_ascii_lowercase()
        }),
        Order::Listed | Order::Received => {}
    }
    (steps, kept)
}

/// A value's text after the profile's `strip` and `encode`.
fn transform(recipe: &Recipe, key: &str, text: &str) -> String {
    let chars = recipe.strip.get(key).map_or("", String::as_str);
    encode_text(recipe.encode, &crate::sign::strip_chars(text, chars)).into_owned()
}

/// Percent-encode a key or value as the profile's `encode` says.
pub fn encode_text(encode: Encode, text: &str) -> std::borrow::Cow<'_, str> {
    match encode {
        Encode::None => std::borrow::Cow::Borrowed(text),
        Encode::Rfc3986 => crate::sign::encode_rfc3986(text),
        Encode::Form => crate::sign::encode_form(text),
        Encode::Php => crate::sign::encode_php(text),
    }
}

/// Build the canonical string of `fields` under `recipe`.
pub fn canonical_string(recipe: &Recipe, fields: &[SignField], secret: &Secret) -> CanonicalString {
    let (steps, kept) = select(recipe, fields, secret);
    let mut text = String::new();
    let mut secret_ranges = Vec::new();
    let mut pairs_masked = String::new();
    let write_pairs =
        |text: &mut String, ranges: &mut Vec<std::ops::Range<usize>>, masked: &mut String| {
            for (i, k) in kept.iter().enumerate() {
                if i > 0 {
                    text.push_str(&recipe.join);
                    masked.push_str(&recipe.join);
                }
                let key = encode_text(recipe.encode, &k.key);
                let mut rest = recipe.pair.as_str();
                while !rest.is_empty() {
                    if let Some(r) = rest.strip_prefix("{key}") {
                        text.push_str(&key);
                        masked.push_str(&key);
                        rest = r;
                    } else if let Some(r) = rest.strip_prefix("{value}") {
                        let start = text.len();
                        text.push_str(&k.text);
                        if k.credential {
                            ranges.push(start..text.len());
                            masked.push_str("****");
                        } else {
                            masked.push_str(&k.text);
                        }
                        rest = r;
                    } else {
                        let mut chars = rest.chars();
                        if let Some(c) = chars.next() {
                            text.push(c);
                            masked.push(c);
                        }
                        rest = chars.as_str();
                    }
                }
            }
        };
    let mut rest = recipe.template.as_str();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{pairs}") {
            write_pairs(&mut text, &mut secret_ranges, &mut pairs_masked);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{secret}") {
            let start = text.len();
            text.push_str(secret.expose());
            secret_ranges.push(start..text.len());
            rest = r;
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                text.push(c);
            }
            rest = chars.as_str();
        }
    }
    CanonicalString::from_parts(
        text,
        secret_ranges,
        kept.into_iter().map(|k| k.key).collect(),
        Some(Explanation {
            pairs: pairs_masked,
            template: recipe.template.clone(),
            steps,
        }),
    )
}

/// The canonical string of a raw-body recipe: the template over `{body}` (the body exactly as
/// sent or received), `{timestamp}`, `{secret}` and credential slots (masked).
pub fn body_canonical(
    recipe: &Recipe,
    body: &str,
    timestamp: Option<&str>,
    secret: &Secret,
) -> CanonicalString {
    let mut w = crate::sign::CanonicalWriter::new();
    crate::webhook::feed(
        &mut w,
        &body_recipe(recipe),
        body.as_bytes(),
        timestamp.unwrap_or(""),
        secret,
    );
    w.finish()
}

/// The raw-body part of a recipe (`{body}` in its template).
pub fn body_recipe(recipe: &Recipe) -> crate::webhook::BodyRecipe<'_> {
    crate::webhook::BodyRecipe {
        template: &recipe.template,
        signature_header: recipe.signature_header.as_deref().unwrap_or(""),
        header_format: recipe.header_format.as_deref(),
        timestamp_header: recipe.timestamp_header.as_deref(),
        millis: recipe.timestamp_unit == paywire_spec::TimestampUnit::Millis,
        tolerance_secs: recipe.tolerance_secs,
        credentials: recipe
            .credentials
            .iter()
            .map(|(slot, from)| (slot.as_str(), from.as_str()))
            .collect(),
    }
}

/// Sign a raw body with a raw-body recipe: the headers to send (signature first), with the
/// timestamp text `ts` (see [`crate::webhook::timestamp_text`]).
pub fn sign_webhook(
    recipe: &Recipe,
    body: &[u8],
    ts: &str,
    secret: &Secret,
) -> Vec<(String, String)> {
    crate::webhook::sign_body(
        &body_recipe(recipe),
        digester(recipe, secret),
        sig_encoding(recipe),
        body,
        ts,
        secret,
    )
}

/// Verify a raw body against the signature in `headers` with a raw-body recipe, at Unix time
/// `now`, refusing a replay when a guard is given.
pub fn verify_webhook(
    recipe: &Recipe,
    body: &[u8],
    headers: &[(&str, &str)],
    secret: &Secret,
    now: i64,
    replay: Option<&crate::webhook::ReplayGuard>,
) -> Result<(), VerifyError> {
    crate::webhook::verify_body(
        &body_recipe(recipe),
        || digester(recipe, secret),
        sig_encoding(recipe),
        recipe.compare == Compare::Exact,
        body,
        headers,
        secret,
        now,
        replay,
    )
}

/// A fresh digest of `recipe` (keyed with `secret` for HMAC and RSA).
pub fn digester(recipe: &Recipe, secret: &Secret) -> Digester {
    match recipe.digest {
        Digest::Md5 => Digester::md5(),
        Digest::Sha1 => Digester::sha1(),
        Digest::Sha256 => Digester::sha256(),
        Digest::Sha512 => Digester::sha512(),
        Digest::HmacSha1 => Digester::hmac_sha1(secret),
        Digest::HmacSha256 => Digester::hmac_sha256(secret),
        Digest::HmacSha512 => Digester::hmac_sha512(secret),
        Digest::RsaSha1 => Digester::rsa_sha1(secret),
        Digest::RsaSha256 => Digester::rsa_sha256(secret),
    }
}

/// How `recipe` writes a signature's bytes.
pub fn sig_encoding(recipe: &Recipe) -> SigEncoding {
    match (recipe.encoding, recipe.hex) {
        (Encoding::Base64, _) => SigEncoding::Base64,
        (Encoding::Hex, HexCase::Lower) => SigEncoding::Lower,
        (Encoding::Hex, HexCase::Upper) => SigEncoding::Upper,
    }
}

/// Why `secret` cannot sign under `recipe`: a credential slot whose credential was not given,
/// a raw-body recipe (it signs no request), an RSA key that is not a private key. `None` when
/// it can.
pub fn key_problem(recipe: &Recipe, secret: &Secret) -> Option<String> {
    credential_problem(recipe, secret)
        .or_else(|| recipe.request_problem())
        .or_else(|| {
            recipe
                .digest
                .is_rsa()
                .then(|| crate::sign::key_problem(&digester(recipe, secret)))
                .flatten()
        })
}

/// The first credential slot of `recipe` whose credential `secret` does not carry.
pub fn credential_problem(recipe: &Recipe, secret: &Secret) -> Option<String> {
    recipe
        .credentials
        .iter()
        .find(|(_, from)| secret.credential(from).is_none())
        .map(|(slot, from)| Recipe::missing_credential(slot, from))
}

/// Hash a canonical string under `recipe`'s digest and encoding.
pub fn digest(recipe: &Recipe, canonical: &CanonicalString, secret: &Secret) -> Signature {
    let mut d = digester(recipe, secret);
    crate::sign::Canon::text(&mut d, canonical.expose());
    d.finish(sig_encoding(recipe))
}

/// Build the canonical string and sign it.
pub fn sign(
    recipe: &Recipe,
    fields: &[SignField],
    secret: &Secret,
) -> (CanonicalString, Signature) {
    let canonical = canonical_string(recipe, fields, secret);
    let sig = digest(recipe, &canonical, secret);
    (canonical, sig)
}

/// Whether `received` signs `canonical` under `recipe` (constant time; RSA checked with the
/// public key).
pub fn verify_canonical(
    recipe: &Recipe,
    canonical: &CanonicalString,
    secret: &Secret,
    received: &str,
) -> bool {
    let mut d = digester(recipe, secret);
    crate::sign::Canon::text(&mut d, canonical.expose());
    d.verify(
        received,
        sig_encoding(recipe),
        recipe.compare == Compare::Exact,
    )
}

/// Sign outgoing fields: set the profile's `adds`, sign (a signature field already present is
/// never signed), and set the signature field. The one way a request, a simulated answer or a
/// notification is signed.
pub fn sign_outgoing(
    recipe: &Recipe,
    fields: &mut crate::wire::WireFields,
    secret: &Secret,
) -> (CanonicalString, Signature) {
    fields.apply_adds(recipe);
    let (canonical, sig) = sign(recipe, &fields.sign_fields(), secret);
    fields.set(
        &recipe.signature_field,
        crate::wire::WireValue::Str(sig.as_str().to_owned()),
    );
    (canonical, sig)
}

/// Compare a received signature with the expected one in constant time.
pub fn signatures_match(compare: Compare, expected: &str, received: &str) -> bool {
    match compare {
        Compare::Exact => matches_exact(expected, received),
        Compare::CaseInsensitive => matches_ignore_case(expected, received),
    }
}

/// Verify the signature carried in `fields` (in `recipe.signature_field`) over every other field.
/// `profile` names the profile in the error (`intqp.md5`).
pub fn verify(
    recipe: &Recipe,
    profile: &str,
    fields: &[SignField],
    secret: &Secret,
) -> Result<(), VerifyError> {
    verify_checked(recipe, profile, fields, secret, None)
}

/// As [`verify`], for a message paywire receives and trusts: a signed value containing the
/// join separator is refused (its boundaries are ambiguous) unless its field is in `allowed`.
pub fn verify_strict(
    recipe: &Recipe,
    profile: &str,
    fields: &[SignField],
    secret: &Secret,
    allowed: &[&str],
) -> Result<(), VerifyError> {
    verify_checked(recipe, profile, fields, secret, Some(allowed))
}

fn verify_checked(
    recipe: &Recipe,
    profile: &str,
    fields: &[SignField],
    secret: &Secret,
    separators_allowed: Option<&[&str]>,
) -> Result<(), VerifyError> {
    let received = fields
        .iter()
        .find(|f| f.key == recipe.signature_field)
        .and_then(|f| f.text.as_deref())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| VerifyError::Missing {
            field: recipe.signature_field.clone(),
        })?;
    if let Some(allowed) = separators_allowed {
        let (_, kept) = select(recipe, fields, secret);
        let kept: Vec<(&str, std::borrow::Cow<'_, str>)> = kept
            .iter()
            .filter(|k| !k.credential)
            .map(|k| (k.key.as_str(), std::borrow::Cow::Borrowed(k.text.as_str())))
            .collect();
        crate::sign::refuse_separators(&kept, &recipe.join, allowed)?;
    }
    let canonical = canonical_string(recipe, fields, secret);
    if verify_canonical(recipe, &canonical, secret, received) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch {
            field: recipe.signature_field.clone(),
            profile: profile.to_owned(),
            signed: canonical.kept().into_iter().map(str::to_owned).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(src: &str) -> Recipe {
        toml::from_str(src).unwrap()
    }

    #[test]
    fn builds_and_masks_the_canonical_string() {
        let r = recipe("digest = \"md5\"\nexclude = [\"sign_type\"]");
        let fields = vec![
            SignField::new("b", "2"),
            SignField::new("A", "x"),
            SignField::new("a", ""),
            SignField::new("sign", "zzz"),
            SignField::new("sign_type", "MD5"),
            SignField {
                key: "n".into(),
                text: None,
            },
        ];
        let c = canonical_string(&r, &fields, &Secret::new("k"));
        assert_eq!(c.expose(), "A=x&b=2&key=k");
        assert_eq!(c.masked(), "A=x&b=2&key=****");
        assert_eq!(format!("{c:?}"), "CanonicalString(\"A=x&b=2&key=****\")");
        let reasons: Vec<_> = c
            .steps()
            .iter()
            .map(|s| (s.key.as_str(), s.decision))
            .collect();
        assert!(reasons.contains(&("a", Decision::Empty)));
        assert!(reasons.contains(&("sign", Decision::SignatureField)));
        assert!(reasons.contains(&("sign_type", Decision::Excluded)));
        assert!(reasons.contains(&("n", Decision::Null)));
    }

    #[test]
    fn listed_order_and_kept_empties() {
        let r = recipe(
            "digest = \"md5\"\norder = \"listed\"\nfields = [\"z\", \"a\", \"m\"]\nempty = \"keep\"\ntemplate = \"{secret}|{pairs}\"\njoin = \"|\"",
        );
        let fields = vec![
            SignField::new("a", ""),
            SignField::new("z", "1"),
            SignField::new("q", "no"),
        ];
        let c = canonical_string(&r, &fields, &Secret::new("S"));
        assert_eq!(c.expose(), "S|z=1|a=");
    }

    #[test]
    fn verifies_in_either_case_and_refuses_tampering() {
        let r = recipe("digest = \"md5\"\nhex = \"upper\"\ntemplate = \"{pairs}{secret}\"");
        let secret = Secret::new("key");
        let mut fields = vec![
            SignField::new("amount", "100.10"),
            SignField::new("id", "7"),
        ];
        let (_, sig) = sign(&r, &fields, &secret);
        fields.push(SignField::new("sign", sig.as_str().to_ascii_lowercase()));
        assert_eq!(verify(&r, "t.md5", &fields, &secret), Ok(()));
        fields[0].text = Some("100.1".into());
        let err = verify(&r, "t.md5", &fields, &secret).unwrap_err();
        assert!(err.to_string().contains("amount, id"), "{err}");
        fields.pop();
        assert!(matches!(
            verify(&r, "t.md5", &fields, &secret),
            Err(VerifyError::Missing { .. })
        ));
    }

    #[test]
    fn exact_compare_refuses_other_case() {
        assert!(signatures_match(Compare::Exact, "ab", "ab"));
        assert!(!signatures_match(Compare::Exact, "ab", "AB"));
        assert!(signatures_match(Compare::CaseInsensitive, "ab", "AB"));
        assert!(!signatures_match(Compare::CaseInsensitive, "ab", "abc"));
    }
}
