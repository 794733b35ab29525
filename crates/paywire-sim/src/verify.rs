//! Request signatures checked without building the explained canonical string.
//!
//! `paywire::signing::verify` (the interpreter's reference) builds the canonical string with an
//! explanation of every field's fate, then hashes it: about 75 allocations for a diamondpay
//! payout, the largest single cost of a simulated request. The simulator only needs the verdict,
//! so [`signature_holds`] streams the same canonical string (same field selection, order, empty
//! rule, pair pattern, join, template, digest, hex case and comparison) straight into the
//! runtime's `Digester`, borrowing every value from the received object. A request whose
//! signature does not hold is then given to the reference, which says why (the same error text
//! as before); the test below keeps the two verdicts equal on every profile of every spec.

use std::borrow::Cow;

use paywire::Secret;
use paywire::received::{Object, Raw};
use paywire::sign::{Digester, sort_ascii};
use paywire::spec::{Absent, Compare, EmptyRule, Encode, Order, Recipe};

/// Feed `pattern` with its `{a}` and `{b}` placeholders replaced (in one pass, so a value
/// holding a placeholder is not expanded again), the rest as literal text.
fn feed(d: &mut Digester, pattern: &str, mut placeholder: impl FnMut(&mut Digester, &str) -> bool) {
    let mut rest = pattern;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let end = rest.find('}').map_or(0, |e| e + 1);
                if end > 0 && placeholder(d, &rest[..end]) {
                    rest = &rest[end..];
                } else {
                    d.text("{");
                    rest = &rest[1..];
                }
            }
            Some(i) => {
                d.text(&rest[..i]);
                rest = &rest[i..];
            }
            None => {
                d.text(rest);
                rest = "";
            }
        }
    }
}

/// Whether `obj` carries a signature, under `recipe` and `secret`, that
/// `paywire::signing::verify` accepts.
pub(crate) fn signature_holds(recipe: &Recipe, obj: &Object, secret: &Secret) -> bool {
    // Recipes beyond the family's common case (credential slots, kept slots, transforms, RSA)
    // are checked by the reference itself.
    let common = recipe.credentials.is_empty()
        && recipe.absent == Absent::Skip
        && recipe.encode == Encode::None
        && recipe.strip.is_empty()
        && !recipe.digest.is_rsa()
        && recipe.order != Order::PairsCi;
    if !common {
        return paywire::signing::verify(recipe, "", &obj.sign_fields(), secret).is_ok();
    }
    let Some(received) = obj
        .find_exact(&recipe.signature_field)
        .and_then(Raw::sign_str)
        .filter(|t| !t.is_empty())
    else {
        return false;
    };
    let mut kept: Vec<(&str, Cow<'_, str>)> = match &recipe.fields {
        Some(list) => list
            .iter()
            .filter_map(|name| {
                obj.find_exact(name)
                    .and_then(Raw::sign_str)
                    .map(|t| (name.as_str(), t))
            })
            .collect(),
        None => obj
            .entries()
            .iter()
            .filter(|(k, _)| *k != recipe.signature_field && !recipe.exclude.contains(k))
            .filter_map(|(k, v)| v.sign_str().map(|t| (k.as_str(), t)))
            .collect(),
    };
    if recipe.empty == EmptyRule::Skip {
        kept.retain(|(_, v)| !v.is_empty());
    }
    if recipe.order == Order::Ascii {
        sort_ascii(&mut kept);
    }
    let mut d = paywire::signing::digester(recipe, secret);
    feed(&mut d, &recipe.template, |d, p| match p {
        "{pairs}" => {
            for (i, (k, v)) in kept.iter().enumerate() {
                if i > 0 {
                    d.text(&recipe.join);
                }
                feed(d, &recipe.pair, |d, q| match q {
                    "{key}" => {
                        d.text(k);
                        true
                    }
                    "{value}" => {
                        d.text(v);
                        true
                    }
                    _ => false,
                });
            }
            true
        }
        "{secret}" => {
            d.secret(secret);
            true
        }
        _ => false,
    });
    d.verify(
        &received,
        paywire::signing::sig_encoding(recipe),
        recipe.compare == Compare::Exact,
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use paywire::Gateway;
    use paywire::sign::SignField;

    use super::*;

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
            (self.next() % n.max(1) as u64) as usize
        }
    }

    fn gateways() -> Vec<Gateway> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files: Vec<_> = std::fs::read_dir(root.join("specs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.push(root.join("tests/gateways/wechatpay_v2.toml"));
        files.sort();
        files
            .iter()
            .filter(|p| p.exists())
            .map(|p| Gateway::load(p).unwrap())
            .collect()
    }

    /// A JSON value's text as a request might carry it.
    fn value(rng: &mut Lcg) -> String {
        match rng.below(9) {
            0 => "\"\"".to_owned(),
            1 => "null".to_owned(),
            2 => format!("{}", rng.next() % 100_000),
            3 => "12.50".to_owned(),
            4 => "\"a\\\"b\\\\c\\u00e9{key}{value}&=\"".to_owned(),
            5 => "{\"x\": [1, 2], \"y\":\"z\"}".to_owned(),
            6 => "true".to_owned(),
            7 => format!("\"v{}\"", rng.next()),
            _ => "\"{pairs}{secret}\"".to_owned(),
        }
    }

    fn body(fields: &[(String, String)]) -> String {
        let parts: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
            .collect();
        format!("{{{}}}", parts.join(","))
    }

    #[test]
    fn the_streamed_verdict_is_the_reference_verdict_on_every_profile() {
        let secret = Secret::new("s3cr3t-{pairs}");
        let mut rng = Lcg(7);
        let (mut checked, mut accepted) = (0, 0);
        for gw in gateways() {
            for (name, recipe) in &gw.spec().profiles {
                for _ in 0..60 {
                    let mut names: Vec<String> = recipe.fields.clone().unwrap_or_default();
                    names.extend(recipe.exclude.iter().cloned());
                    names.extend(["amount", "Amount", "order_id", "a_b", "zz"].map(String::from));
                    let mut fields: Vec<(String, String)> = Vec::new();
                    for n in names {
                        if rng.below(5) > 0 && !fields.iter().any(|(k, _)| *k == n) {
                            fields.push((n, value(&mut rng)));
                        }
                    }
                    // Sign with the reference, then put the signature in (or not).
                    let unsigned = Object::from_json(body(&fields).as_bytes()).unwrap();
                    let sf: Vec<SignField> = unsigned
                        .sign_fields()
                        .into_iter()
                        .filter(|f| f.key != recipe.signature_field)
                        .collect();
                    let (_, sig) = paywire::signing::sign(recipe, &sf, &secret);
                    let mut variants = vec![sig.as_str().to_owned()];
                    variants.push(sig.as_str().to_ascii_uppercase());
                    variants.push(sig.as_str().to_ascii_lowercase());
                    variants.push(format!("0{}", &sig.as_str()[1..]));
                    variants.push(String::new());
                    for (i, s) in variants.into_iter().enumerate() {
                        let mut with = fields.clone();
                        with.retain(|(k, _)| *k != recipe.signature_field);
                        if i < 4 || rng.below(2) == 0 {
                            with.insert(
                                rng.below(with.len() + 1),
                                (
                                    recipe.signature_field.clone(),
                                    serde_json::to_string(&s).unwrap(),
                                ),
                            );
                        }
                        let obj = Object::from_json(body(&with).as_bytes()).unwrap();
                        let reference =
                            paywire::signing::verify(recipe, name, &obj.sign_fields(), &secret)
                                .is_ok();
                        assert_eq!(
                            signature_holds(recipe, &obj, &secret),
                            reference,
                            "{}: profile {name}, body {}",
                            gw.name(),
                            body(&with)
                        );
                        checked += 1;
                        accepted += usize::from(reference);
                    }
                }
            }
        }
        assert!(
            checked > 1000 && accepted > checked / 5 && accepted < checked,
            "{checked} cases, {accepted} accepted"
        );
    }
}
