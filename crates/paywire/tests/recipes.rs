//! The recipe vocabulary of other gateways, through the interpreter's signer and the runtime's
//! digests: RSA keys (PKCS#1 and PKCS#8 private keys sign, public keys only verify, garbage is
//! refused before signing), credential slots (masked, required), kept slots, transforms.

use paywire::Secret;
use paywire::signing::{self, SignField};
use paywire::spec::Recipe;

/// A 1024-bit key made with `openssl genrsa -traditional 1024` for these tests only (PKCS#1).
const PRIVATE_PKCS1: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDJdyF8X5TMhwEMoBc8seLJtpxEmexeLuzky1qVLfWxR5OGRiMP
33GwfsQIVTE+8wTbhD7OhsVuwxdPPraihDNI73D7WVP5Te3t93f2x1h/LKe3Lzrk
quj1kFGOeG+pt+46hkDVb/PZ5Gc4A3ZhaNxenPuLJZU3pOqLTuF/nR636QIDAQAB
AoGAMnt9kpLI0G9L3gQHjpfsgisWAUKorfkIN1SVgCgiFqge2Vid1I5jCJzbNlNS
obl3kCIVMt8mfdi48IyAazzBNKVYwDTjBYZnfrhV0X/cytaCnjpAviu//uBMfBj/
IoRCrbCs+Gk/VXBuasGuyPhEs4YnZYTHnrpn2HcbdnApHwECQQD0yYdZIlhACxfn
pVGbQkY2mdPo/TbFn6MoUqnhGprKGJbVFAFEMgGDYTvPcHslUxmE8oH15YFpHI4e
W7D9ESA5AkEA0rGXxGg2/yeAyyFHJTEmLAAIjKAB0XxpkREQN4EGxRkL3eeg6VJP
2wYfXr5eICeX62/VdbGXFjIGT0vS3wn1MQJBANnITr3Tm5ZnCD6Uy7UJUrSTSYC5
f7h1XdCrMu7OH7b8B33NjY7huozrvi3Bkh5T/5lTtKJULT2aJSsHQsD0MqkCQQC0
zT9uhPvE43JLXgg+aznVgkXT3y8QRJIWsazX5HoZww+C4lUcQ81RJ6Td2cDOGQvu
Nq7X64i6vDzb6TZQvavRAkEAg0gjK3188zlZsJesYy7bKcfcd7aIQAexrkdO3z2a
4HqQRuM1b2lEYbRuhHrc9wY/zAZS5qJOjsvWpdkqB14NFg==
-----END RSA PRIVATE KEY-----";

/// Its public key (SPKI), from `openssl rsa -pubout`.
const PUBLIC_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDJdyF8X5TMhwEMoBc8seLJtpxE
mexeLuzky1qVLfWxR5OGRiMP33GwfsQIVTE+8wTbhD7OhsVuwxdPPraihDNI73D7
WVP5Te3t93f2x1h/LKe3Lzrkquj1kFGOeG+pt+46hkDVb/PZ5Gc4A3ZhaNxenPuL
JZU3pOqLTuF/nR636QIDAQAB
-----END PUBLIC KEY-----";

/// `printf 'a=1&b=2' | openssl dgst -sha256 -sign key.pem | base64`: an independent signer.
const OPENSSL_SIGNATURE: &str = "kMjGvFxXufW9xO6XDAN7Gz6Cas/5D5x3GJcxbFBdk31Ifd+mr8ZSsvFWjMXGg4UKZhMJEpQbqIocETt17c7YKakoVMuWMsz5SZhnkHKyPElZ/SjMdvSRRtkHezE3l2N8cZIayPO+776aXmAYZWYVbBF1OIu0zsedM60s/wLdXPA=";

fn recipe(src: &str) -> Recipe {
    toml::from_str(src).unwrap()
}

fn fields() -> Vec<SignField> {
    vec![SignField::new("b", "2"), SignField::new("a", "1")]
}

fn with_sign(mut f: Vec<SignField>, sign: &str) -> Vec<SignField> {
    f.push(SignField::new("sign", sign));
    f
}

#[test]
fn rsa_signs_like_openssl_and_verifies_with_the_public_key_only() {
    let r = recipe("digest = \"rsa-sha256\"\ntemplate = \"{pairs}\"\nencoding = \"base64\"");
    let private = Secret::new(PRIVATE_PKCS1);
    let (canonical, sig) = signing::sign(&r, &fields(), &private);
    assert_eq!(canonical.expose(), "a=1&b=2");
    // PKCS#1 v1.5 is deterministic: the same bytes as openssl.
    assert_eq!(sig.as_str(), OPENSSL_SIGNATURE);
    let public = Secret::new(PUBLIC_SPKI);
    // The gateway's public key verifies; so does the private key (its public half).
    signing::verify(
        &r,
        "t.rsa",
        &with_sign(fields(), OPENSSL_SIGNATURE),
        &public,
    )
    .unwrap();
    signing::verify(
        &r,
        "t.rsa",
        &with_sign(fields(), OPENSSL_SIGNATURE),
        &private,
    )
    .unwrap();
    // A changed value, a changed signature byte, a truncated or non-base64 signature: refused.
    let mut changed = with_sign(fields(), OPENSSL_SIGNATURE);
    changed[0] = SignField::new("b", "3");
    assert!(signing::verify(&r, "t.rsa", &changed, &public).is_err());
    let flipped = OPENSSL_SIGNATURE.replacen('k', "K", 1);
    for bad in [
        flipped.as_str(),
        &OPENSSL_SIGNATURE[..40],
        "!!not base64!!",
        "AAAA",
    ] {
        assert!(
            signing::verify(&r, "t.rsa", &with_sign(fields(), bad), &public).is_err(),
            "{bad}"
        );
    }
    // Hex-case leniency never applies to base64: a lowercased signature is another signature.
    let lowered = OPENSSL_SIGNATURE.to_ascii_lowercase();
    assert!(signing::verify(&r, "t.rsa", &with_sign(fields(), &lowered), &public).is_err());
}

#[test]
fn a_key_that_cannot_sign_is_refused_before_signing() {
    let r = recipe("digest = \"rsa-sha1\"\ntemplate = \"{pairs}\"\nencoding = \"base64\"");
    assert_eq!(signing::key_problem(&r, &Secret::new(PRIVATE_PKCS1)), None);
    let public = signing::key_problem(&r, &Secret::new(PUBLIC_SPKI)).unwrap();
    assert!(public.contains("cannot sign"), "{public}");
    for garbage in [
        "hunter2-merchant-key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    ] {
        let why = signing::key_problem(&r, &Secret::new(garbage)).unwrap();
        assert!(why.contains("not"), "{why}");
        // And the message names no key material.
        assert!(!why.contains(garbage), "{why}");
    }
    // Such a key verifies nothing either.
    assert!(signing::verify(&r, "t.rsa", &with_sign(fields(), "AAAA"), &Secret::new("x")).is_err());
}

#[test]
fn credential_slots_are_signed_masked_and_required() {
    // MoMo v2: accessKey signed (in its sorted place), never sent, given with the secret.
    let r = recipe(
        "digest = \"hmac-sha256\"\ntemplate = \"{pairs}\"\ncredentials = { accessKey = \"access_key\" }",
    );
    let key = Secret::new("k").with_credential("access_key", "AK-123");
    let (canonical, _) = signing::sign(&r, &fields(), &key);
    assert_eq!(canonical.expose(), "a=1&accessKey=AK-123&b=2");
    assert_eq!(canonical.masked(), "a=1&accessKey=****&b=2");
    assert!(!format!("{canonical:?}").contains("AK-123"));
    // A received field of the slot's name is not what is signed: the credential is.
    let mut forged = fields();
    forged.push(SignField::new("accessKey", "attacker"));
    assert_eq!(
        signing::canonical_string(&r, &forged, &key).expose(),
        "a=1&accessKey=AK-123&b=2"
    );
    // Without the credential, the profile refuses to sign, naming it.
    let why = signing::key_problem(&r, &Secret::new("k")).unwrap();
    assert!(why.contains("access_key"), "{why}");
}

#[test]
fn kept_slots_values_only_and_transforms() {
    // PayU-like: listed slots, values only, absent and empty slots kept, the secret last.
    let r = recipe(
        "digest = \"sha512\"\nfields = [\"a\", \"u1\", \"u2\", \"b\", \"SALT\"]\norder = \"listed\"\npair = \"{value}\"\njoin = \"|\"\nempty = \"keep\"\nabsent = \"keep\"\ntemplate = \"{pairs}\"\ncredentials = { SALT = \"secret\" }",
    );
    let f = vec![
        SignField::new("a", "1"),
        SignField::new("u2", ""),
        SignField::new("b", "2"),
        SignField {
            key: "n".into(),
            text: None,
        },
    ];
    let c = signing::canonical_string(&r, &f, &Secret::new("salt"));
    assert_eq!(c.expose(), "1|||2|salt");
    assert_eq!(c.masked(), "1|||2|****");
    // Transforms: strip, then percent-encode keys and values, sorted by the encoded key.
    let r = recipe(
        "digest = \"md5\"\ntemplate = \"{pairs}{secret}\"\nencode = \"form\"\nstrip = { amt = \".,\" }",
    );
    let f = vec![
        SignField::new("amt", "1,278.99"),
        SignField::new("info", "a b&c=d*é"),
    ];
    let c = signing::canonical_string(&r, &f, &Secret::new("s"));
    assert_eq!(c.expose(), "amt=127899&info=a+b%26c%3Dd*%C3%A9s");
    let r = recipe("digest = \"md5\"\ntemplate = \"{pairs}{secret}\"\nencode = \"rfc3986\"");
    let c = signing::canonical_string(&r, &f, &Secret::new("s"));
    assert_eq!(c.expose(), "amt=1%2C278.99&info=a%20b%26c%3Dd%2A%C3%A9s");
}

#[test]
fn every_digest_and_encoding_against_openssl() {
    // Known answers from `printf 'a=1&b=2K' | openssl dgst -<alg>` and
    // `printf 'a=1&b=2' | openssl dgst -<alg> -hmac K [-binary | base64]`.
    let cases = [
        (
            "sha1",
            "{pairs}{secret}",
            "hex",
            "bd3750990169b6696a96eaea1b747ba14aa99435",
        ),
        (
            "sha512",
            "{pairs}{secret}",
            "hex",
            "1ad6eb00f808352fc1095d0bd83fdb4c5465a142797100111daa03f868c52b3a695dbefb4533de18d4bdd02ecd9ba0d89f14cdb6b43e793cbc0b23f64b4aa282",
        ),
        (
            "hmac-sha1",
            "{pairs}",
            "hex",
            "cb23bc951c8ae566c32a559cf6a9c0b965b60949",
        ),
        (
            "hmac-sha512",
            "{pairs}",
            "hex",
            "2d37b1443543f8889dd9ee817235121e1159bda2a6d6a8d6cc6d316748c818003f177791b737a32c4208cf62724cbaaa99fefc250f7f51701d7cf1bc185a0f10",
        ),
        (
            "hmac-sha256",
            "{pairs}",
            "base64",
            "tSnT9TmSyO5uPD8LL8XnunhN2r2+VkxnsrOkyEG3dtg=",
        ),
    ];
    for (digest, template, encoding, expected) in cases {
        let r = recipe(&format!(
            "digest = \"{digest}\"\ntemplate = \"{template}\"\nencoding = \"{encoding}\""
        ));
        let (_, sig) = signing::sign(&r, &fields(), &Secret::new("K"));
        assert_eq!(sig.as_str(), expected, "{digest}");
        signing::verify(&r, "t", &with_sign(fields(), expected), &Secret::new("K")).unwrap();
    }
}

/// "Which recipe signed this?" also tries the new digests and base64, and checks an RSA
/// profile of the spec with the key.
#[test]
fn detect_names_other_digests_base64_and_rsa() {
    use paywire::sign::Digester;
    use paywire::{Gateway, detect, received::Object};
    let gw = Gateway::from_source(
        r#"
[gateway]
name = "demo"
default_profile = "md5"
[profiles.md5]
digest = "md5"
template = "{pairs}&key={secret}"
[profiles.rsa2]
digest = "rsa-sha256"
template = "{pairs}"
encoding = "base64"
"#,
        "demo.toml",
    )
    .unwrap();
    let detect_one = |sign: &str, secret: &Secret| {
        let body = format!(r#"{{"a":"1","b":"2","sign":"{sign}"}}"#);
        let fields = Object::from_json(body.as_bytes()).unwrap().sign_fields();
        detect::detect(&gw, &fields, secret).summary()
    };
    let k = Secret::new("k3y");
    // SHA-1 of `a=1&b=2k3y`, base64.
    let mut d = Digester::sha1();
    d.text("a=1&b=2k3y");
    let found = detect_one(d.finish_base64().as_str(), &k);
    assert!(
        found.contains("sha1, {pairs}{secret}") && found.contains("base64"),
        "{found}"
    );
    // HMAC-SHA512 of `a=1&b=2&key=k3y` keyed with the key (the WeChat-style HMAC string).
    let mut d = Digester::hmac_sha512(&k);
    d.text("a=1&b=2&key=k3y");
    let found = detect_one(d.finish_upper().as_str(), &k);
    assert!(
        found.contains("hmac-sha512, {pairs}&key={secret}"),
        "{found}"
    );
    assert!(!found.contains("k3y"), "the secret is masked: {found}");
    // The spec's RSA profile, verified with the key (openssl's signature of `a=1&b=2`).
    let found = detect_one(OPENSSL_SIGNATURE, &Secret::new(PUBLIC_SPKI));
    assert!(found.starts_with("matches rsa2:"), "{found}");
}
