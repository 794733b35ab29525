//! The interpreter's signing (feature `dynamic`): canonical strings, digests and verification
//! driven by a spec's [`Recipe`] loaded at run time, with every step explained.
//!
//! This is the reference the generated signers are tested against (the differential suite):
//! dynamic key/value maps (the CLI, user-loaded specs) and the simulator sign here. Building the
//! canonical string and hashing it are separate steps, so each can be shown and tested.

use crate::Secret;
pub use crate::sign::{CanonicalString, Decision, SignField, Signature, Step, VerifyError};
use crate::sign::{Digester, Explanation, matches_exact, matches_ignore_case};
use paywire_spec::{Compare, Digest, EmptyRule, HexCase, Order, Recipe};

fn select(recipe: &Recipe, fields: &[SignField]) -> (Vec<Step>, Vec<(String, String)>) {
    let mut steps = Vec::with_capacity(fields.len());
    let mut kept: Vec<(String, String)> = Vec::with_capacity(fields.len());
    let mut consider =
        |key: &str, text: Option<&String>, decision: Option<Decision>, steps: &mut Vec<Step>| {
            let decision = decision.unwrap_or(match text {
                None => Decision::Null,
                Some(t) if t.is_empty() && recipe.empty == EmptyRule::Skip => Decision::Empty,
                Some(_) => Decision::Kept,
            });
            if decision == Decision::Kept
                && let Some(t) = text
            {
                kept.push((key.to_owned(), t.clone()));
            }
            steps.push(Step {
                key: key.to_owned(),
                text: text.cloned(),
                decision,
            });
        };
    match &recipe.fields {
        Some(list) => {
            for name in list {
                let found = fields.iter().find(|f| &f.key == name);
                match found {
                    Some(f) => consider(&f.key, f.text.as_ref(), None, &mut steps),
                    None => consider(name, None, Some(Decision::Missing), &mut steps),
                }
            }
            for f in fields {
                if !list.contains(&f.key) {
                    let d = if f.key == recipe.signature_field {
                        Decision::SignatureField
                    } else {
                        Decision::NotListed
                    };
                    consider(&f.key, f.text.as_ref(), Some(d), &mut steps);
                }
            }
        }
        None => {
            for f in fields {
                let d = if f.key == recipe.signature_field {
                    Some(Decision::SignatureField)
                } else if recipe.exclude.contains(&f.key) {
                    Some(Decision::Excluded)
                } else {
                    None
                };
                consider(&f.key, f.text.as_ref(), d, &mut steps);
            }
        }
    }
    if recipe.order == Order::Ascii {
        kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
    (steps, kept)
}

/// Build the canonical string of `fields` under `recipe`.
pub fn canonical_string(recipe: &Recipe, fields: &[SignField], secret: &Secret) -> CanonicalString {
    let (steps, kept) = select(recipe, fields);
    let mut pairs = String::new();
    for (i, (k, v)) in kept.iter().enumerate() {
        if i > 0 {
            pairs.push_str(&recipe.join);
        }
        pairs.push_str(&render_pair(&recipe.pair, k, v));
    }
    let mut text = String::with_capacity(pairs.len() + secret.expose().len() + 8);
    let mut secret_ranges = Vec::new();
    let mut rest = recipe.template.as_str();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{pairs}") {
            text.push_str(&pairs);
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
        kept.into_iter().map(|(k, _)| k).collect(),
        Some(Explanation {
            pairs,
            template: recipe.template.clone(),
            steps,
        }),
    )
}

fn render_pair(pattern: &str, key: &str, value: &str) -> String {
    // Replace placeholders in one pass so a value containing `{key}` is not expanded again.
    let mut out = String::with_capacity(pattern.len() + key.len() + value.len());
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{key}") {
            out.push_str(key);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{value}") {
            out.push_str(value);
            rest = r;
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

/// Hash a canonical string under `recipe`'s digest and hex case.
pub fn digest(recipe: &Recipe, canonical: &CanonicalString, secret: &Secret) -> Signature {
    let mut d = match recipe.digest {
        Digest::Md5 => Digester::md5(),
        Digest::Sha256 => Digester::sha256(),
        Digest::HmacSha256 => Digester::hmac_sha256(secret),
    };
    crate::sign::Canon::text(&mut d, canonical.expose());
    match recipe.hex {
        HexCase::Lower => d.finish_lower(),
        HexCase::Upper => d.finish_upper(),
    }
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
        let (_, kept) = select(recipe, fields);
        let kept: Vec<(&str, std::borrow::Cow<'_, str>)> = kept
            .iter()
            .map(|(k, v)| (k.as_str(), std::borrow::Cow::Borrowed(v.as_str())))
            .collect();
        crate::sign::refuse_separators(&kept, &recipe.join, allowed)?;
    }
    let (canonical, expected) = sign(recipe, fields, secret);
    if signatures_match(recipe.compare, expected.as_str(), received) {
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
