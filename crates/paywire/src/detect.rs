//! "Which recipe signed this?" (feature `dynamic`): given a received body (or params and a
//! signature) and a secret, try every profile of the spec and the common variants of the
//! MD5/HMAC aggregator family, and name the recipe that reproduces the signature, or show the
//! closest canonical strings side by side. What a merchant needs when a gateway answers
//! "Signature verification failed".
//!
//! ```
//! use paywire::{Gateway, Secret, detect, received::Object, sign::Digester};
//!
//! let gw = Gateway::from_source(r#"
//! [gateway]
//! name = "demo"
//! default_profile = "md5"
//! [profiles.md5]
//! digest = "md5"
//! template = "{pairs}&key={secret}"
//! "#, "demo.toml").unwrap();
//! let secret = Secret::new("k3y");
//! // The gateway signed with the key appended bare, which the spec does not say.
//! let mut d = Digester::md5();
//! d.text("amount=100&id=A1&k3y");
//! let sign = d.finish_upper();
//! let body = format!(r#"{{"amount":"100","id":"A1","sign":"{sign}"}}"#);
//! let fields = Object::from_json(body.as_bytes()).unwrap().sign_fields();
//! let found = detect::detect(&gw, &fields, &secret);
//! let summary = found.summary();
//! assert!(summary.contains("`{pairs}&{secret}`"), "{summary}");
//! assert!(summary.contains("a variant the spec does not offer"), "{summary}");
//! assert!(!summary.contains("k3y"), "the secret is masked");
//! ```

use crate::Secret;
use crate::gateway::Gateway;
use crate::sign::SignField;
use crate::signing;
use paywire_spec::{Digest, EmptyRule, Encoding, HexCase, Recipe};

/// A recipe tried.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its name: a profile of the spec, or a variant (`md5, {pairs}&{secret}, empty skipped`).
    pub name: String,
    /// Whether it is one of the spec's profiles.
    pub in_spec: bool,
    /// The recipe.
    pub recipe: Recipe,
}

/// One attempt: a candidate, the canonical string it builds (secret masked) and whether its
/// signature matches the received one.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The candidate.
    pub candidate: Candidate,
    /// The canonical string, secret masked.
    pub canonical: String,
    /// Whether the signature matches (in any hex case).
    pub matches: bool,
    /// Whether it matches in the exact hex case too.
    pub exact_case: bool,
}

/// What detection found.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The signature field looked at and the received signature, when present.
    pub signature_field: String,
    /// Whether a signature was found in the fields.
    pub received: bool,
    /// Every attempt, the spec's profiles first.
    pub attempts: Vec<Attempt>,
}

impl Detection {
    /// The attempts whose signature matched.
    pub fn matched(&self) -> Vec<&Attempt> {
        let mut m: Vec<&Attempt> = self.attempts.iter().filter(|a| a.matches).collect();
        // The spec's own profiles first, then exact hex case.
        m.sort_by_key(|a| (!a.candidate.in_spec, !a.exact_case));
        m
    }

    /// A human summary: the recipe that matched, or the spec's canonical strings side by side.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if !self.received {
            out.push_str(&format!(
                "no signature: the `{}` field is missing or empty\n",
                self.signature_field
            ));
            return out;
        }
        let matched = self.matched();
        if let Some(first) = matched.first() {
            let what = if first.candidate.in_spec {
                "the spec's profile"
            } else {
                "a variant the spec does not offer"
            };
            out.push_str(&format!(
                "matches {}: {} ({what}){}\n",
                first.candidate.name,
                describe(&first.candidate.recipe),
                if first.exact_case {
                    ""
                } else {
                    ", hex in the other case"
                }
            ));
            out.push_str(&format!("  canonical  {}\n", first.canonical));
            for other in matched.iter().skip(1) {
                out.push_str(&format!("  also matches {}\n", other.candidate.name));
            }
        } else {
            out.push_str(&format!(
                "no recipe tried reproduces the signature ({} tried: every profile of the spec and the family's variants).\n\
                 Check the secret (its length and fingerprint with `paywire sign --explain`), then compare the canonical strings:\n",
                self.attempts.len()
            ));
            for a in self.attempts.iter().filter(|a| a.candidate.in_spec) {
                out.push_str(&format!("  {:<24} {}\n", a.candidate.name, a.canonical));
            }
        }
        out
    }
}

/// How a recipe builds its string, in words.
pub fn describe(r: &Recipe) -> String {
    let digest = if r.digest.is_hmac() {
        format!("{} keyed with the secret", r.digest.label())
    } else if r.digest.is_rsa() {
        format!("{} with the RSA key", r.digest.label())
    } else {
        r.digest.label().to_owned()
    };
    let empty = match r.empty {
        EmptyRule::Skip => "empty values skipped",
        EmptyRule::Keep => "empty values kept",
    };
    let excluded = if r.exclude.is_empty() {
        String::new()
    } else {
        format!(", {} not signed", r.exclude.join(", "))
    };
    let hex = match (r.encoding, r.hex) {
        (Encoding::Base64, _) => "base64",
        (Encoding::Hex, HexCase::Lower) => "lowercase hex",
        (Encoding::Hex, HexCase::Upper) => "uppercase hex",
    };
    format!("{digest} of `{}`, {empty}{excluded}, {hex}", r.template)
}

/// The spec's profiles, then the family's variants of the default profile (secret placement,
/// digest, empty values, `sign_type` in or out, hex case or base64).
pub fn candidates(gw: &Gateway) -> Vec<Candidate> {
    let spec = gw.spec();
    let mut out: Vec<Candidate> = spec
        .profiles
        .iter()
        .map(|(name, r)| Candidate {
            name: name.clone(),
            in_spec: true,
            recipe: r.clone(),
        })
        .collect();
    let Some(base) = spec.profile_for(None) else {
        return out;
    };
    let templates = [
        "{pairs}&key={secret}",
        "{pairs}&{secret}",
        "{pairs}{secret}",
        "{secret}&{pairs}",
        "{secret}{pairs}",
        "{pairs}",
    ];
    // Every digest but RSA, whose signature a secret cannot reproduce.
    let digests = Digest::ALL.into_iter().filter(|d| !d.is_rsa());
    let encodings = [
        (Encoding::Hex, HexCase::Lower, "lower hex"),
        (Encoding::Hex, HexCase::Upper, "upper hex"),
        (Encoding::Base64, HexCase::Lower, "base64"),
    ];
    for digest in digests {
        for template in templates {
            // A plain hash needs the secret in the string; an HMAC is keyed with it, and may
            // also end the string with `&key=` (WeChat Pay v2).
            let fits = if digest.is_hmac() {
                template == "{pairs}" || template == "{pairs}&key={secret}"
            } else {
                template.contains("{secret}")
            };
            if !fits {
                continue;
            }
            for empty in [EmptyRule::Skip, EmptyRule::Keep] {
                for sign_type in [true, false] {
                    for (encoding, hex, written) in encodings {
                        let mut r = base.clone();
                        r.fields = None;
                        r.credentials.clear();
                        r.digest = digest;
                        r.template = template.to_owned();
                        r.empty = empty;
                        r.hex = hex;
                        r.encoding = encoding;
                        r.adds.clear();
                        r.exclude.retain(|e| e != "sign_type");
                        if !sign_type {
                            r.exclude.push("sign_type".to_owned());
                        }
                        if out.iter().any(|c| c.recipe == r) {
                            continue;
                        }
                        let name = format!(
                            "{}, {template}, {}, sign_type {}, {written}",
                            digest.name(),
                            match empty {
                                EmptyRule::Skip => "empty skipped",
                                EmptyRule::Keep => "empty kept",
                            },
                            if sign_type { "signed" } else { "not signed" },
                        );
                        out.push(Candidate {
                            name,
                            in_spec: false,
                            recipe: r,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Try every candidate on `fields` (as received: the signature in the default profile's
/// signature field).
pub fn detect(gw: &Gateway, fields: &[SignField], secret: &Secret) -> Detection {
    let signature_field = gw
        .spec()
        .profile_for(None)
        .map_or_else(|| "sign".to_owned(), |r| r.signature_field.clone());
    let received = fields
        .iter()
        .find(|f| f.key == signature_field)
        .and_then(|f| f.text.clone())
        .filter(|t| !t.is_empty());
    let attempts = candidates(gw)
        .into_iter()
        .map(|candidate| {
            let r = &candidate.recipe;
            let canonical = signing::canonical_string(r, fields, secret);
            let (matches, exact_case) = match &received {
                // RSA is checked with the key; base64 is compared exactly; hex in either case.
                Some(got) if r.digest.is_rsa() || r.encoding == Encoding::Base64 => {
                    let ok =
                        !r.over_body() && signing::verify_canonical(r, &canonical, secret, got);
                    (ok, ok)
                }
                Some(got) if !r.over_body() => {
                    let signature = signing::digest(r, &canonical, secret);
                    (
                        crate::sign::matches_ignore_case(signature.as_str(), got),
                        crate::sign::matches_exact(signature.as_str(), got),
                    )
                }
                _ => (false, false),
            };
            Attempt {
                canonical: canonical.masked(),
                candidate,
                matches,
                exact_case,
            }
        })
        .collect();
    Detection {
        signature_field,
        received: received.is_some(),
        attempts,
    }
}
