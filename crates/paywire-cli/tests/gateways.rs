//! Every spec-only gateway of `tests/gateways/`, run as a user outside this repository would:
//! with the `paywire` binary and the spec file alone, no Rust of the gateway's own.
//!
//! 1. **Worked examples.** Each `<name>.vectors.json` holds examples published by the gateway
//!    (or computed from its official SDK's source), with the URL they come from. `paywire sign`
//!    must give the published signature and the published canonical string, and this test
//!    recomputes each published signature from the published string with the digest crates
//!    themselves (md-5, sha1, sha2, hmac, base64, rsa), so a wrong vector cannot pass by
//!    agreeing with a wrong signer. `paywire verify` accepts the example and refuses it altered.
//! 2. **The gateway played by `paywire sim`.** The create operation, sent with `paywire send`
//!    and the right key, is accepted; with another key it is refused; the signed notification
//!    the simulator then delivers to a merchant endpoint verifies with `paywire verify`, and
//!    the same body altered by one byte does not.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use paywire::Secret;
use paywire::spec::{Digest, Encoding, HexCase, OperationKind, Recipe};
use serde::Deserialize;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_paywire");

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/gateways")
}

fn specs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    out.sort();
    out
}

#[derive(Debug, Deserialize)]
struct Vectors {
    gateway: String,
    vectors: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
struct Vector {
    name: String,
    source: String,
    profile: String,
    #[serde(default)]
    /// Kept as written: the order of the fields is part of some recipes (`order = "received"`).
    fields: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    secret_file: Option<String>,
    #[serde(default)]
    public_key_file: Option<String>,
    #[serde(default)]
    credentials: BTreeMap<String, String>,
    canonical: String,
    signature: String,
}

impl Vector {
    /// The key that signs: the secret, or a private key file. A vector signed by the gateway's
    /// own private key has only its public key (`public_key_file`): it is verified, not signed.
    fn secret(&self) -> String {
        match (&self.secret, &self.secret_file, &self.public_key_file) {
            (Some(s), _, _) => s.clone(),
            (None, Some(f), _) | (None, None, Some(f)) => {
                std::fs::read_to_string(dir().join(f)).unwrap()
            }
            (None, None, None) => panic!("vector `{}` has no secret", self.name),
        }
    }

    fn verify_only(&self) -> bool {
        self.secret.is_none() && self.secret_file.is_none()
    }
}

fn run(args: &[&str], env: &[(String, String)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The credentials of a vector as `--credential` arguments and environment variables.
fn credential_args(creds: &BTreeMap<String, String>) -> (Vec<String>, Vec<(String, String)>) {
    let mut args = Vec::new();
    let mut env = Vec::new();
    for (i, (name, value)) in creds.iter().enumerate() {
        let var = format!("PAYWIRE_GW_TEST_CRED_{i}");
        args.push("--credential".to_owned());
        args.push(format!("{name}={var}"));
        env.push((var, value.clone()));
    }
    (args, env)
}

/// `secret` args: a file for keys (PEM), an environment variable otherwise.
fn secret_args(tmp: &Path, secret: &str) -> (Vec<String>, Vec<(String, String)>) {
    if secret.contains("-----BEGIN") {
        let path = tmp.join("key.pem");
        std::fs::write(&path, secret).unwrap();
        (
            vec![
                "--secret-file".to_owned(),
                path.to_string_lossy().into_owned(),
            ],
            Vec::new(),
        )
    } else {
        (
            vec!["--secret-env".to_owned(), "PAYWIRE_GW_TEST_KEY".to_owned()],
            vec![("PAYWIRE_GW_TEST_KEY".to_owned(), secret.to_owned())],
        )
    }
}

/// The published signature, recomputed from the published string with the digest crates
/// (not paywire's signer): hashes and HMACs are compared, RSA signatures are verified.
fn independent_check(recipe: &Recipe, v: &Vector, dir: &Path) {
    let key = v.secret();
    let data = v.canonical.as_bytes();
    let bytes: Vec<u8> = match recipe.digest {
        Digest::Md5 => <md5::Md5 as md5::Digest>::digest(data).to_vec(),
        Digest::Sha1 => <sha1::Sha1 as sha1::Digest>::digest(data).to_vec(),
        Digest::Sha256 => <sha2::Sha256 as sha2::Digest>::digest(data).to_vec(),
        Digest::Sha512 => <sha2::Sha512 as sha2::Digest>::digest(data).to_vec(),
        Digest::HmacSha1 => {
            let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Digest::HmacSha256 => {
            let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Digest::HmacSha512 => {
            let mut m = hmac::Hmac::<sha2::Sha512>::new_from_slice(key.as_bytes()).unwrap();
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Digest::RsaSha1 | Digest::RsaSha256 => {
            use rsa::pkcs1::DecodeRsaPrivateKey as _;
            use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
            use rsa::signature::Verifier as _;
            let public = match &v.public_key_file {
                Some(f) => {
                    let pem = std::fs::read_to_string(dir.join(f)).unwrap();
                    rsa::PublicKey::from_public_key_pem(pem.trim()).unwrap()
                }
                None => {
                    let k = rsa::PrivateKey::from_pkcs8_pem(key.trim())
                        .or_else(|_| rsa::PrivateKey::from_pkcs1_pem(key.trim()))
                        .unwrap();
                    k.as_ref().clone()
                }
            };
            let sig_bytes = base64::engine::general_purpose::STANDARD
                .decode(v.signature.as_bytes())
                .unwrap();
            let sig = rsa::pkcs1v15::Signature::try_from(sig_bytes.as_slice()).unwrap();
            let ok = if recipe.digest == Digest::RsaSha1 {
                rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(public)
                    .verify(data, &sig)
                    .is_ok()
            } else {
                rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public)
                    .verify(data, &sig)
                    .is_ok()
            };
            assert!(
                ok,
                "{}: the published RSA signature does not verify over the published string",
                v.name
            );
            return;
        }
    };
    let written = match (recipe.encoding, recipe.hex) {
        (Encoding::Base64, _) => base64::engine::general_purpose::STANDARD.encode(&bytes),
        (Encoding::Hex, HexCase::Lower) => hex::encode(&bytes),
        (Encoding::Hex, HexCase::Upper) => hex::encode_upper(&bytes),
    };
    assert_eq!(
        written,
        v.signature,
        "{}: the published signature is not the {} of the published string ({})",
        v.name,
        recipe.digest.label(),
        v.source
    );
}

/// Put the secret and credentials back where `paywire sign` shows `****`, choosing at each mask
/// the value that continues the expected string.
fn unmask(masked: &str, values: &[&str], expected: &str) -> String {
    let mut out = String::new();
    let mut rest = masked;
    while let Some(at) = rest.find("****") {
        out.push_str(&rest[..at]);
        let pick = values
            .iter()
            .find(|v| expected[out.len().min(expected.len())..].starts_with(**v))
            .copied()
            .unwrap_or("****");
        out.push_str(pick);
        rest = &rest[at + 4..];
    }
    out.push_str(rest);
    out
}

fn check_vector(gw: &paywire::Gateway, spec: &Path, v: &Vector) {
    let recipe = gw
        .profile(Some(&v.profile))
        .unwrap_or_else(|e| panic!("{}: {e}", v.name));
    independent_check(recipe, v, &dir());
    let tmp = tempfile::tempdir().unwrap();
    let secret = v.secret();
    let (mut args, mut env) = secret_args(tmp.path(), &secret);
    let (cargs, cenv) = credential_args(&v.credentials);
    args.extend(cargs);
    env.extend(cenv);
    let spec_s = spec.to_string_lossy().into_owned();
    let mut sign: Vec<String> = vec![
        "sign".into(),
        "--spec".into(),
        spec_s.clone(),
        "--profile".into(),
        v.profile.clone(),
        "--format".into(),
        "json".into(),
    ];
    sign.extend(args.iter().cloned());
    if v.verify_only() {
        // Signed with the gateway's private key: `paywire verify` with its public key accepts
        // the message as published and refuses it altered.
        let fields = v
            .fields
            .as_ref()
            .map(|raw| wire_of(raw))
            .clone()
            .unwrap_or_else(|| panic!("{}: no fields", v.name));
        verify_fields(&spec_s, recipe, v, &fields, &args, &env, tmp.path(), None);
        return;
    }
    if let Some(body) = &v.body {
        // A raw-body recipe: the signature header over the body as published.
        let path = tmp.path().join("body");
        std::fs::write(&path, body).unwrap();
        sign.extend(["--body".into(), path.to_string_lossy().into_owned()]);
        let br = paywire::signing::body_recipe(recipe);
        let ts = br
            .timestamp_header
            .and_then(|h| {
                v.headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(h))
                    .map(|(_, t)| t.clone())
            })
            .or_else(|| {
                // In the signature header (`t=…,v1=…`).
                let sig = v
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(br.signature_header))?;
                sig.1
                    .split(',')
                    .find_map(|i| i.strip_prefix("t=").map(str::to_owned))
            });
        if let Some(ts) = &ts {
            sign.extend(["--timestamp".into(), ts.clone()]);
        }
        let argv: Vec<&str> = sign.iter().map(String::as_str).collect();
        let out = run(&argv, &env);
        assert!(out.status.success(), "{}: {}", v.name, text(&out));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let header = json["headers"][br.signature_header].as_str().unwrap_or("");
        assert!(
            header == v.signature
                || header
                    .split(',')
                    .any(|item| item.split_once('=').is_some_and(|(_, s)| s == v.signature)),
            "{}: paywire sign gave `{header}`, the published signature is `{}` ({})",
            v.name,
            v.signature,
            v.source
        );
        let shown = json["canonical_masked"].as_str().unwrap_or("");
        let mut values: Vec<&str> = vec![secret.as_str()];
        values.extend(v.credentials.values().map(String::as_str));
        assert_eq!(
            unmask(shown, &values, &v.canonical),
            v.canonical,
            "{}",
            v.name
        );
        // `paywire verify` accepts the published delivery at its own time, and refuses it
        // with one byte of the body changed.
        let mut verify: Vec<String> = vec![
            "verify".into(),
            "--spec".into(),
            spec_s.clone(),
            "--profile".into(),
            v.profile.clone(),
            "--body".into(),
            path.to_string_lossy().into_owned(),
        ];
        verify.extend(args.iter().cloned());
        let published_headers: Vec<(String, String)> = if v.headers.is_empty() {
            vec![(br.signature_header.to_owned(), v.signature.clone())]
        } else {
            v.headers.clone().into_iter().collect()
        };
        for (k, val) in &published_headers {
            verify.extend(["--header".into(), format!("{k}: {val}")]);
        }
        if let Some(ts) = &ts {
            let secs: i64 = ts.parse().unwrap();
            let secs = if br.millis { secs / 1000 } else { secs };
            verify.extend(["--now".into(), secs.to_string()]);
        }
        let argv: Vec<&str> = verify.iter().map(String::as_str).collect();
        let out = run(&argv, &env);
        assert!(out.status.success(), "{} verify: {}", v.name, text(&out));
        let mut altered = body.clone().into_bytes();
        if let Some(b) = altered.iter_mut().find(|b| b.is_ascii_digit()) {
            *b = if *b == b'9' { b'8' } else { *b + 1 };
        } else {
            altered.push(b' ');
        }
        std::fs::write(&path, altered).unwrap();
        let out = run(&argv, &env);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{} altered: {}",
            v.name,
            text(&out)
        );
        return;
    }
    let fields = v
        .fields
        .as_ref()
        .map(|raw| wire_of(raw))
        .clone()
        .unwrap_or_else(|| panic!("{}: no fields", v.name));
    let path = tmp.path().join("params.json");
    std::fs::write(&path, fields.to_json()).unwrap();
    sign.extend(["--json".into(), path.to_string_lossy().into_owned()]);
    sign.push("--explain".into());
    let argv: Vec<&str> = sign.iter().map(String::as_str).collect();
    let out = run(&argv, &env);
    assert!(out.status.success(), "{}: {}", v.name, text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["signature"].as_str().unwrap_or(""),
        v.signature,
        "{}: paywire sign does not give the published signature ({})",
        v.name,
        v.source
    );
    let shown = json["canonical_masked"].as_str().unwrap_or("");
    let mut values: Vec<&str> = vec![secret.as_str()];
    values.extend(v.credentials.values().map(String::as_str));
    if !recipe.digest.is_keyed()
        || recipe.template.contains("{secret}")
        || !recipe.credentials.is_empty()
    {
        assert_eq!(
            unmask(shown, &values, &v.canonical),
            v.canonical,
            "{}: the canonical string differs from the published one",
            v.name
        );
    } else {
        assert_eq!(shown, v.canonical, "{}: canonical string", v.name);
    }
    verify_fields(
        &spec_s,
        recipe,
        v,
        &fields,
        &args,
        &env,
        tmp.path(),
        Some(&json),
    );
}

/// A vector's fields as wire fields, in the order written.
fn wire_of(raw: &serde_json::value::RawValue) -> paywire::WireFields {
    let obj = paywire::received::Object::from_json(raw.get().as_bytes()).unwrap();
    paywire::WireFields::from_object(&obj)
}

/// `paywire verify` accepts the example's fields with its signature, and refuses them with a
/// signed value altered.
#[allow(clippy::too_many_arguments)]
fn verify_fields(
    spec_s: &str,
    recipe: &Recipe,
    v: &Vector,
    fields: &paywire::WireFields,
    args: &[String],
    env: &[(String, String)],
    tmp: &Path,
    signed_json: Option<&Value>,
) {
    // As sent: with the profile's added fields (`sign_type=HMAC-SHA256`) and the signature.
    let mut signed = fields.clone();
    for (k, val) in &recipe.adds {
        signed.set(k, paywire::WireValue::Str(val.clone()));
    }
    signed.set(
        &recipe.signature_field,
        paywire::WireValue::Str(v.signature.clone()),
    );
    let body = tmp.join("signed.json");
    std::fs::write(&body, signed.to_json()).unwrap();
    let mut verify: Vec<String> = vec![
        "verify".into(),
        "--spec".into(),
        spec_s.to_owned(),
        "--profile".into(),
        v.profile.clone(),
        "--content-type".into(),
        "application/json".into(),
        "--body".into(),
        body.to_string_lossy().into_owned(),
    ];
    verify.extend(args.iter().cloned());
    let argv: Vec<&str> = verify.iter().map(String::as_str).collect();
    let out = run(&argv, env);
    assert!(out.status.success(), "{} verify: {}", v.name, text(&out));
    let kept = signed_json
        .and_then(|json| json["explain"]["steps"].as_array().cloned())
        .and_then(|steps| {
            steps
                .into_iter()
                .find(|s| s["kept"] == true && s["text"].as_str().is_some_and(|t| !t.is_empty()))
        })
        .and_then(|s| s["key"].as_str().map(str::to_owned));
    let key = kept.unwrap_or_else(|| {
        fields
            .0
            .iter()
            .find(|(_, v)| v.text().is_some_and(|t| !t.is_empty()))
            .map(|(k, _)| k.clone())
            .unwrap_or_default()
    });
    if let Some(old) = signed.get(&key).and_then(paywire::WireValue::text) {
        signed.set(&key, paywire::WireValue::Str(format!("{old}1")));
    }
    std::fs::write(&body, signed.to_json()).unwrap();
    let out = run(&argv, env);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{} altered `{key}`: {}",
        v.name,
        text(&out)
    );
}

/// Each worked example of each gateway, through `paywire sign` and `paywire verify`.
#[test]
fn published_worked_examples_reproduce_through_paywire_sign() {
    let mut count = 0;
    let mut gateways = 0;
    for spec in specs() {
        let vectors = spec.with_extension("vectors.json");
        if !vectors.exists() {
            continue;
        }
        let file: Vectors = serde_json::from_str(&std::fs::read_to_string(&vectors).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", vectors.display()));
        let gw = paywire::Gateway::load(&spec)
            .unwrap_or_else(|e| panic!("{} does not validate:\n{e}", spec.display()));
        assert_eq!(gw.name(), file.gateway, "{}", vectors.display());
        assert!(!file.vectors.is_empty());
        for v in &file.vectors {
            assert!(
                v.source.contains("http") || v.source.contains('/'),
                "{}: `{}` names no source",
                file.gateway,
                v.name
            );
            check_vector(&gw, &spec, v);
            count += 1;
        }
        gateways += 1;
    }
    eprintln!("{count} published examples of {gateways} gateways reproduced");
    assert!(
        gateways >= 15,
        "only {gateways} gateways carry worked examples"
    );
}

/// The order id every create request of these tests carries.
fn order_id() -> String {
    format!("PWT{:08}", std::process::id())
}

/// A `paywire sim` child, killed when dropped.
struct Sim {
    child: Child,
    base: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(spec: &Path, args: &[String], env: &[(String, String)]) -> Sim {
    let mut cmd = Command::new(BIN);
    cmd.args(["sim", "--spec", &spec.to_string_lossy(), "--port", "0"])
        .args(["--step-ms", "50", "--log", "warn"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line == "Ctrl-C stops." {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    let base = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(|w| w.trim_end_matches(',').to_owned())
        .unwrap_or_else(|| panic!("no base URL in the banner:\n{banner}"));
    Sim { child, base }
}

/// One request the merchant endpoint received.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A merchant notification endpoint on 127.0.0.1: records each request and answers `reply`.
fn merchant(reply: String) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&got);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    headers.push((k.trim().to_owned(), v.trim().to_owned()));
                }
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len.min(1 << 20)];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            sink.lock().unwrap().push(Received { headers, body });
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                reply.len(),
                reply
            );
        }
    });
    (url, got)
}

/// The simulator plays every gateway of `tests/gateways/`.
#[test]
fn paywire_sim_plays_every_spec_only_gateway() {
    let mut played = 0;
    for spec in specs() {
        play(&spec);
        played += 1;
    }
    assert!(played >= 15, "only {played} gateways");
}

/// The key the simulator and the merchant share for a gateway: a published test key file for
/// RSA gateways, a made-up secret otherwise; and made-up values of every credential its
/// profiles sign.
fn test_keys(gw: &paywire::Gateway) -> (String, BTreeMap<String, String>) {
    let rsa = gw.spec().profiles.values().any(|r| r.digest.is_rsa());
    let secret = if rsa {
        let keys = dir().join("keys");
        let mut pems: Vec<PathBuf> = std::fs::read_dir(&keys)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("PRIVATE KEY")))
            .collect();
        pems.sort();
        std::fs::read_to_string(
            pems.first()
                .expect("a private test key in tests/gateways/keys"),
        )
        .unwrap()
    } else {
        "paywire-gateway-test-key-42".to_owned()
    };
    let mut creds: BTreeMap<String, String> = gw
        .spec()
        .profiles
        .values()
        .flat_map(|r| r.credentials.values())
        .filter(|c| *c != "secret")
        .map(|c| (c.clone(), format!("test-{c}-value")))
        .collect();
    // Credentials that header templates name (`{api_key}`), besides the Authorization one.
    for op in &gw.spec().operations {
        for template in op.headers.values() {
            for part in template.split('{').skip(1) {
                if let Some((name, _)) = part.split_once('}')
                    && name != "authorization"
                    && name != "secret"
                {
                    creds.insert(name.to_owned(), format!("test-{name}-value"));
                }
            }
        }
    }
    (secret, creds)
}

fn play(spec: &Path) {
    let gw = paywire::Gateway::load(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
    let name = gw.name().to_owned();
    let op = gw
        .spec()
        .operations
        .iter()
        .find(|o| o.kind == OperationKind::Create)
        .unwrap_or_else(|| panic!("{name}: no create operation"))
        .clone();
    let n_name = op
        .notification
        .clone()
        .or_else(|| gw.spec().notifications.first().map(|n| n.name.clone()))
        .unwrap_or_else(|| panic!("{name}: no notification"));
    let n = gw.notification(&n_name).unwrap().clone();
    let tmp = tempfile::tempdir().unwrap();
    let (secret, creds) = test_keys(&gw);
    let (mut args, mut env) = secret_args(tmp.path(), &secret);
    let (cargs, cenv) = credential_args(&creds);
    args.extend(cargs);
    env.extend(cenv);
    env.push(("PAYWIRE_GW_TEST_AUTH".into(), "test-authorization".into()));
    let (url, got) = merchant(n.reply.body.clone());
    let mut sim_args = args.clone();
    sim_args.extend([
        "--authorization-env".into(),
        "PAYWIRE_GW_TEST_AUTH".into(),
        "--notify-url".into(),
        url.clone(),
    ]);
    let sim = start_sim(spec, &sim_args, &env);

    // The create request: the spec's example values, a fresh order id, our endpoint.
    // Fields required under a condition are given too (their conditions hold for the
    // examples' values, or they are harmless extras).
    let request: Vec<paywire::spec::Field> = op
        .request
        .iter()
        .cloned()
        .map(|mut f| {
            f.required |= !f.required_when.is_empty();
            f
        })
        .collect();
    let mut fields = paywire_tooling::example_fields(&request);
    if let Some(id) = &op.order_id {
        fields.set(id, paywire::WireValue::Str(order_id()));
    }
    if let Some(f) = &op.notify_url {
        fields.set(f, paywire::WireValue::Str(url.clone()));
    }
    let params = tmp.path().join("create.json");
    std::fs::write(&params, fields.to_json()).unwrap();
    let base = format!("{}/{name}", sim.base);
    let send = |key_env: &[(String, String)]| {
        let mut a: Vec<String> = vec![
            "send".into(),
            "--spec".into(),
            spec.to_string_lossy().into_owned(),
            "--operation".into(),
            op.name.clone(),
            "--base-url".into(),
            base.clone(),
            "--json".into(),
            params.to_string_lossy().into_owned(),
            "--authorization-env".into(),
            "PAYWIRE_GW_TEST_AUTH".into(),
        ];
        a.extend(args.iter().cloned());
        let argv: Vec<&str> = a.iter().map(String::as_str).collect();
        run(&argv, key_env)
    };
    // Another key (or another Authorization, for an unsigned operation) is refused first, so the
    // order id is still free for the accepted request.
    let mut wrong = env.clone();
    let signed = op.signed;
    for (k, v) in &mut wrong {
        let header_credential =
            k == "PAYWIRE_GW_TEST_AUTH" || k.starts_with("PAYWIRE_GW_TEST_CRED_");
        if (signed && k == "PAYWIRE_GW_TEST_KEY") || (!signed && header_credential) {
            v.push('x');
        }
    }
    if signed && secret.contains("-----BEGIN") {
        // An RSA gateway: sign with another private key.
        let other = dir().join("keys");
        let mut pems: Vec<PathBuf> = std::fs::read_dir(&other)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("PRIVATE KEY")))
            .collect();
        pems.sort();
        if let Some(second) = pems.get(1) {
            std::fs::copy(second, tmp.path().join("key.pem")).unwrap();
        }
    }
    // Refused: rejected (exit 1), or, where the gateway signs its answers, an answer the wrong
    // key cannot verify (exit 3, by design: an unverifiable refusal proves nothing). Either way
    // no order was made: the same order id is accepted next.
    // An operation with no signature and no credential header (a browser form: YooMoney's
    // quickpay) has nothing to refuse; its notifications are signed, and checked below.
    let has_credential = signed || op.headers.values().any(|t| t.contains('{'));
    // The notification should name our order id, unless the spec matches it by the gateway's
    // own id (Billplz: the bill id).
    let order_expected =
        op.order_id.is_some() && n.order_id.is_some() && n.order_id != op.gateway_id;
    if has_credential {
        let refused = send(&wrong);
        let signs_answers = gw
            .spec()
            .envelope_for(&op)
            .is_some_and(|e| e.signature.is_some());
        let shown = String::from_utf8_lossy(&refused.stdout);
        assert!(
            refused.status.code() == Some(1)
                || (signs_answers
                    && refused.status.code() == Some(3)
                    && shown.contains("response signature did not verify")),
            "{name}: wrong key: {}",
            text(&refused)
        );
        if signed && secret.contains("-----BEGIN") {
            std::fs::write(tmp.path().join("key.pem"), &secret).unwrap();
        }
    }
    let accepted = send(&env);
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{name}: {}",
        text(&accepted)
    );
    notified(
        &gw,
        spec,
        &n,
        &args,
        &env,
        &secret,
        &creds,
        &got,
        &url,
        tmp.path(),
        sim,
        order_expected,
    );
}

/// The notification the simulator delivers verifies with `paywire verify`; altered, or with
/// another key, it does not.
#[allow(clippy::too_many_arguments)]
fn notified(
    gw: &paywire::Gateway,
    spec: &Path,
    n: &paywire::spec::Notification,
    args: &[String],
    env: &[(String, String)],
    secret: &str,
    creds: &BTreeMap<String, String>,
    got: &Mutex<Vec<Received>>,
    url: &str,
    tmp: &Path,
    sim: Sim,
    order_expected: bool,
) {
    let name = gw.name();
    let n_name = n.name.clone();
    // The notification the simulator delivers verifies with `paywire verify`.
    let start = Instant::now();
    let delivery = loop {
        if let Some(d) = got.lock().unwrap().first().cloned() {
            break d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{name}: no notification delivered to {url}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let body = tmp.join("notification");
    std::fs::write(&body, &delivery.body).unwrap();
    let mut verify: Vec<String> = vec![
        "verify".into(),
        "--spec".into(),
        spec.to_string_lossy().into_owned(),
        "--notification".into(),
        n_name.clone(),
        "--body".into(),
        body.to_string_lossy().into_owned(),
    ];
    for (k, v) in &delivery.headers {
        if k.eq_ignore_ascii_case("content-type") {
            verify.extend(["--content-type".into(), v.clone()]);
        } else {
            verify.extend(["--header".into(), format!("{k}: {v}")]);
        }
    }
    verify.extend(args.iter().cloned());
    let argv: Vec<&str> = verify.iter().map(String::as_str).collect();
    let out = run(&argv, env);
    assert!(
        out.status.success(),
        "{name}: the delivered notification does not verify:\n{}\n{}",
        String::from_utf8_lossy(&delivery.body),
        text(&out)
    );
    // The notification names the order it is about (where the spec says where: a field, or a
    // dotted path into the event).
    if order_expected {
        let shown = String::from_utf8_lossy(&out.stdout);
        let expected = format!("order id   {}", order_id());
        assert!(
            shown.contains(&expected),
            "{name}: {expected} not in:\n{shown}"
        );
    }
    // Altered: a raw-body signature covers every byte, so one more space is refused; a field
    // signature covers its fields, so the first signed field's value is changed.
    let recipe = gw.profile(n.profile.as_deref()).unwrap();
    let altered = if recipe.over_body() {
        let mut b = delivery.body.clone();
        b.push(b' ');
        b
    } else {
        let ct = delivery
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let obj = if ct.contains("xml") {
            paywire::received::Object::from_xml(&delivery.body).unwrap()
        } else {
            paywire::received::Object::from_body(&delivery.body, Some(&ct)).unwrap()
        };
        let key = creds
            .iter()
            .fold(Secret::new(secret), |k, (n, v)| k.with_credential(n, v));
        let canonical = paywire::signing::canonical_string(recipe, &obj.sign_fields(), &key);
        let target = canonical
            .kept()
            .into_iter()
            .find(|k| obj.get(k).is_some())
            .unwrap_or_else(|| panic!("{name}: no signed field in the notification"))
            .to_owned();
        let mut wire = paywire::WireFields::from_object(&obj);
        let old = obj.text(&target).unwrap_or_default();
        wire.set(&target, paywire::WireValue::Str(format!("{old}1")));
        if ct.contains("xml") {
            paywire::xml::write(&wire).into_bytes()
        } else if ct.contains("json") {
            wire.to_json().into_bytes()
        } else {
            wire.to_form().into_bytes()
        }
    };
    std::fs::write(&body, &altered).unwrap();
    let out = run(&argv, env);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{name}: altered notification: {}",
        text(&out)
    );
    // With another key (another private key, for RSA): refused.
    std::fs::write(&body, &delivery.body).unwrap();
    let mut wrong: Vec<(String, String)> = env.to_vec();
    for (k, v) in &mut wrong {
        if k == "PAYWIRE_GW_TEST_KEY" {
            v.push('x');
        }
    }
    if secret.contains("-----BEGIN") {
        std::fs::copy(
            dir().join("keys/paywire_test_second_private.pem"),
            tmp.join("key.pem"),
        )
        .unwrap();
    }
    let out = run(&argv, &wrong);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{name}: notification verified with another key: {}",
        text(&out)
    );
    drop(sim);
}

/// `paywire sign --explain` over a credential slot and a transform (iPay88's worked example):
/// the slot is shown masked where it sits, the strip is named, the key is printed nowhere.
#[test]
fn explain_shows_slots_masked_and_transforms() {
    let tmp = tempfile::tempdir().unwrap();
    let params = tmp.path().join("p.json");
    std::fs::write(
        &params,
        r#"{"MerchantCode":"M00003","RefNo":"A00000001","Amount":"1.00","Currency":"MYR"}"#,
    )
    .unwrap();
    let spec = dir().join("ipay88.toml");
    let out = run(
        &[
            "sign",
            "--spec",
            &spec.to_string_lossy(),
            "--secret-env",
            "PAYWIRE_GW_TEST_KEY",
            "--json",
            &params.to_string_lossy(),
            "--explain",
        ],
        &[("PAYWIRE_GW_TEST_KEY".into(), "apple".into())],
    );
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("4 given and 1 credential slot, 5 kept"),
        "{shown}"
    );
    assert!(shown.contains("MerchantKey   \"****\""), "{shown}");
    assert!(shown.contains("\".,\" removed from `Amount`"), "{shown}");
    assert!(
        shown.contains("canonical  ****M00003A00000001100MYR"),
        "{shown}"
    );
    assert!(
        shown.contains("110f0be755ccfa9373aa38104bafbc5c6e5462344e44bcfbb70439c82b4b07fa"),
        "{shown}"
    );
    assert!(!shown.contains("apple"), "the key is printed: {shown}");
    // A missing credential is refused before anything is signed, naming it (exit 2).
    let momo = dir().join("momo.toml");
    let body = tmp.path().join("m.json");
    std::fs::write(
        &body,
        r#"{"partnerCode":"MOMO","orderId":"1","amount":"1000"}"#,
    )
    .unwrap();
    let out = run(
        &[
            "sign",
            "--spec",
            &momo.to_string_lossy(),
            "--profile",
            "v2-create",
            "--secret-env",
            "PAYWIRE_GW_TEST_KEY",
            "--json",
            &body.to_string_lossy(),
        ],
        &[("PAYWIRE_GW_TEST_KEY".into(), "k".into())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--credential access_key=ENV_VAR"),
        "{}",
        text(&out)
    );
}
