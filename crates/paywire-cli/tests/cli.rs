//! The `paywire` binary, run as a merchant would run it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use paywire::Gateway;
use paywire::signing::Decision;
use serde::Deserialize;
use serde_json::value::RawValue;

const BIN: &str = env!("CARGO_BIN_EXE_paywire");
/// The independent signature vectors, copied into the repository (crates/paywire/tests/data).
const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../paywire/tests/data/signatures.json"
);
/// The environment variable the tests pass secrets in.
const KEY_VAR: &str = "PAYWIRE_CLI_TEST_KEY";

fn spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(format!("{name}.toml"))
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "paywire-cli-test-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run the binary with `secret` in [`KEY_VAR`] and `stdin` on standard input.
fn run(args: &[&str], secret: Option<&str>, stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove(KEY_VAR);
    if let Some(s) = secret {
        cmd.env(KEY_VAR, s);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        // The program may exit before reading its input (on a usage error): a broken pipe then
        // is expected, not a failure.
        let _ = pipe.write_all(text.as_bytes());
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[derive(Deserialize)]
struct Vector {
    recipe: String,
    secret: String,
    /// Kept as its text, so numbers reach the CLI exactly as written.
    params: Box<RawValue>,
    canonical: String,
    sign: String,
}

#[derive(Deserialize)]
struct SignJson {
    profile: String,
    canonical_masked: String,
    signature: String,
    body: Box<RawValue>,
}

/// The vector's canonical string with the secret (where the template puts it) as `****`.
fn expected_masked(template: &str, canonical: &str, secret: &str) -> String {
    if !template.contains("{secret}") {
        canonical.to_owned()
    } else if template.starts_with("{secret}") {
        let rest = canonical
            .strip_prefix(secret)
            .expect("canonical starts with the secret");
        format!("****{rest}")
    } else if template.ends_with("{secret}") {
        let rest = canonical
            .strip_suffix(secret)
            .expect("canonical ends with the secret");
        format!("{rest}****")
    } else {
        panic!("template {template} puts the secret in the middle: extend this test")
    }
}

#[test]
fn every_signature_vector_reproduces_through_sign() {
    let text = std::fs::read_to_string(VECTORS).unwrap();
    let vectors: Vec<Vector> = serde_json::from_str(&text).unwrap();
    assert_eq!(vectors.len(), 60);
    let dir = TempDir::new();
    let mut failures = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let (provider, profile) = v.recipe.split_once('.').unwrap();
        let spec_path = spec(provider);
        let gateway = Gateway::load(&spec_path).unwrap();
        let recipe = gateway.profile(Some(profile)).unwrap();
        let params = dir.write(&format!("params-{i}.json"), v.params.get());
        let base = [
            "sign",
            "--spec",
            path_str(&spec_path),
            "--profile",
            profile,
            "--secret-env",
            KEY_VAR,
            "--json",
            path_str(&params),
        ];

        let json_run = run(
            &[&base[..], &["--format", "json"]].concat(),
            Some(&v.secret),
            None,
        );
        let text_run = run(&[&base[..], &["--explain"]].concat(), Some(&v.secret), None);
        for o in [&json_run, &text_run] {
            if !o.status.success() {
                failures.push(format!(
                    "#{i} {}: exit {:?}: {}",
                    v.recipe,
                    o.status,
                    stderr(o)
                ));
                continue;
            }
            // A one-letter secret ("s") shows up in ordinary words; longer ones must never show.
            if v.secret.len() > 3 && !v.params.get().contains(&v.secret) {
                for out in [stdout(o), stderr(o)] {
                    if out.contains(&v.secret) {
                        failures.push(format!("#{i} {}: the secret was printed", v.recipe));
                    }
                }
            }
        }
        if !json_run.status.success() {
            continue;
        }
        let got: SignJson = serde_json::from_slice(&json_run.stdout).unwrap();
        if got.profile != v.recipe {
            failures.push(format!("#{i}: profile {} != {}", got.profile, v.recipe));
        }
        if got.signature != v.sign {
            failures.push(format!(
                "#{i} {}: signature {} != {}",
                v.recipe, got.signature, v.sign
            ));
        }
        let masked = expected_masked(&recipe.template, &v.canonical, &v.secret);
        if got.canonical_masked != masked {
            failures.push(format!(
                "#{i} {}: canonical {:?} != {masked:?}",
                v.recipe, got.canonical_masked
            ));
        }
        // The body is the params, in input order, plus the signature and the profile's adds.
        let body: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(got.body.get()).unwrap();
        let sent: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(v.params.get()).unwrap();
        if body.get(&recipe.signature_field).and_then(|s| s.as_str()) != Some(v.sign.as_str()) {
            failures.push(format!("#{i}: the body does not carry the signature"));
        }
        for (k, value) in &sent {
            if !recipe.adds.contains_key(k) && body.get(k) != Some(value) {
                failures.push(format!("#{i}: the body lost or changed `{k}`"));
            }
        }
        for (k, value) in &recipe.adds {
            if body.get(k).and_then(|s| s.as_str()) != Some(value.as_str()) {
                failures.push(format!("#{i}: the body lacks `{k}={value}`"));
            }
        }
        // Text output shows the same masked canonical string and signature.
        let text_out = stdout(&text_run);
        if !text_out.contains(&format!("canonical  {masked}\n"))
            || !text_out.contains(&format!("signature  {}\n", v.sign))
        {
            failures.push(format!(
                "#{i} {}: text output differs:\n{text_out}",
                v.recipe
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn body_keeps_number_text_and_input_order() {
    let dir = TempDir::new();
    let params = dir.write(
        "p.json",
        r#"{"z":"1","amount": 100.10,"list":[ "a", 2 ],"sign":"stale"}"#,
    );
    let o = run(
        &[
            "sign",
            "--spec",
            path_str(&spec("intqp")),
            "--secret-env",
            KEY_VAR,
            "--json",
            path_str(&params),
            "--format",
            "json",
        ],
        Some("ThisIsYourSecretKey123"),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got: SignJson = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        got.canonical_masked,
        r#"amount=100.10&list=["a",2]&z=1****"#
    );
    assert_eq!(
        got.body.get(),
        format!(
            r#"{{"z":"1","amount":100.10,"list":["a",2],"sign":"{}"}}"#,
            got.signature
        )
    );
}

#[test]
fn params_from_stdin_match_params_from_a_file() {
    let dir = TempDir::new();
    let body = r#"{"amount":"50000","platform_id":"PF0002"}"#;
    let params = dir.write("p.json", body);
    let args = |json: &str| {
        run(
            &[
                "sign",
                "--spec",
                path_str(&spec("goldenpay")),
                "--secret-env",
                KEY_VAR,
                "--json",
                json,
            ],
            Some("ThisIsYourSecretKey123"),
            Some(body),
        )
    };
    let from_file = args(path_str(&params));
    let from_stdin = args("-");
    assert!(from_stdin.status.success(), "{}", stderr(&from_stdin));
    assert_eq!(stdout(&from_file), stdout(&from_stdin));
    assert!(stdout(&from_stdin).contains("canonical  ****&amount=50000&platform_id=PF0002\n"));
}

#[test]
fn explain_names_dropped_fields_and_why() {
    let dir = TempDir::new();
    let params = dir.write(
        "p.json",
        r#"{"platform_id":"PF0002","note":"","sign":"stale","sign_type":"MD5","amount":"50000"}"#,
    );
    let o = run(
        &[
            "sign",
            "--spec",
            path_str(&spec("diamondpay")),
            "--secret-env",
            KEY_VAR,
            "--json",
            path_str(&params),
            "--explain",
        ],
        Some("ThisIsYourSecretKey123"),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let line = |key: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(key))
            .unwrap_or_else(|| panic!("no line for `{key}` in:\n{out}"))
            .to_owned()
    };
    let why = |d: Decision| d.reason().split_once(": ").unwrap().1;
    let note = line("note");
    assert!(note.trim_start().starts_with("dropped"), "{note}");
    assert!(note.contains(why(Decision::Empty)), "{note}");
    let sign = line("sign");
    assert!(sign.contains(why(Decision::SignatureField)), "{sign}");
    assert!(line("sign_type").contains(why(Decision::Excluded)));
    assert!(line("amount").trim_start().starts_with("kept"));
    assert!(out.contains("order      by key, byte-wise ASCII"), "{out}");
    assert!(out.contains(": amount, platform_id\n"), "{out}");
    assert!(
        out.contains("pairs      amount=50000&platform_id=PF0002\n"),
        "{out}"
    );
    assert!(out.contains("template   {pairs}&key={secret}"), "{out}");
    assert!(out.contains("digest     md5"), "{out}");
    assert!(out.contains("lowercase hex"), "{out}");
    assert!(
        out.contains("canonical  amount=50000&platform_id=PF0002&key=****\n"),
        "{out}"
    );
    assert!(!out.contains("ThisIsYourSecretKey123"));
}

#[test]
fn missing_secret_variable_is_named() {
    let o = run(
        &[
            "sign",
            "--spec",
            path_str(&spec("diamondpay")),
            "--secret-env",
            KEY_VAR,
            "--json",
            "-",
        ],
        None,
        Some("{}"),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(KEY_VAR), "{err}");
    assert!(err.contains("not set"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn secret_file_ignores_the_trailing_newline() {
    let dir = TempDir::new();
    let params = dir.write("p.json", r#"{"a":"1"}"#);
    let key = dir.write("key.txt", "ThisIsYourSecretKey123\n");
    let by_file = run(
        &[
            "sign",
            "--spec",
            path_str(&spec("diamondpay")),
            "--secret-file",
            path_str(&key),
            "--json",
            path_str(&params),
        ],
        None,
        None,
    );
    let by_env = run(
        &[
            "sign",
            "--spec",
            path_str(&spec("diamondpay")),
            "--secret-env",
            KEY_VAR,
            "--json",
            path_str(&params),
        ],
        Some("ThisIsYourSecretKey123"),
        None,
    );
    assert!(by_file.status.success(), "{}", stderr(&by_file));
    assert_eq!(stdout(&by_file), stdout(&by_env));
}

#[test]
fn usage_and_input_errors_exit_2() {
    let dir = TempDir::new();
    let params = dir.write("p.json", r#"{"a":"1"}"#);
    let sign = |spec_path: &str, extra: &[&str]| {
        run(
            &[
                &[
                    "sign",
                    "--spec",
                    spec_path,
                    "--secret-env",
                    KEY_VAR,
                    "--json",
                ][..],
                extra,
            ]
            .concat(),
            Some("ThisIsYourSecretKey123"),
            Some("[1, 2]"),
        )
    };
    // Unknown profile: the known ones are listed.
    let o = sign(
        path_str(&spec("diamondpay")),
        &[path_str(&params), "--profile", "sha1"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("md5-bare-key"), "{}", stderr(&o));
    // Params that are not an object.
    let o = sign(path_str(&spec("diamondpay")), &["-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a JSON object"), "{}", stderr(&o));
    // A bad spec: every diagnostic is printed.
    let bad = dir.write(
        "bad.toml",
        "[gateway]\nname = \"Bad\"\ndefault_profile = \"nope\"\n\n[profiles.md5]\ndigest = \"md5\"\n",
    );
    let o = sign(path_str(&bad), &[path_str(&params)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error: 2 problems in spec:"), "{err}");
    assert!(err.contains("bad.toml:2:"), "{err}");
    assert!(err.contains("bad.toml:3:"), "{err}");
    // No secret at all: clap refuses.
    let o = run(
        &[
            "sign",
            "--spec",
            path_str(&spec("diamondpay")),
            "--json",
            path_str(&params),
        ],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--secret-env"));
    // A param holding the secret itself is refused, without printing it.
    let leaky = dir.write("leaky.json", r#"{"a":"1","key":"ThisIsYourSecretKey123"}"#);
    let o = sign(path_str(&spec("diamondpay")), &[path_str(&leaky)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`key` holds the secret"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("ThisIsYourSecretKey123"));
}

/// A small spec with a notification (the real specs may not define any yet).
const DEMO_SPEC: &str = r#"
[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"
exclude = ["sign_type"]
template = "{pairs}&key={secret}"

[statuses.deposit]
field = "status"
map = { "2" = "succeeded", "3" = "failed" }

[[notifications]]
name = "deposit"
status = "deposit"
order_id = "payment_cl_id"
reply = { content_type = "application/json", body = '{"error_code":"0000"}' }

[[notifications.fields]]
name = "payment_cl_id"
type = "string"
"#;

const DEMO_KEY: &str = "demo-merchant-key-42";

/// Sign `params` with the demo spec and return the exact body.
fn signed_body(spec_path: &Path, dir: &TempDir, params: &str) -> String {
    let file = dir.write("params.json", params);
    let o = run(
        &[
            "sign",
            "--spec",
            path_str(spec_path),
            "--secret-env",
            KEY_VAR,
            "--json",
            path_str(&file),
            "--format",
            "json",
        ],
        Some(DEMO_KEY),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got: SignJson = serde_json::from_slice(&o.stdout).unwrap();
    got.body.get().to_owned()
}

fn verify(args: &[&str], body: &Path, secret: &str) -> Output {
    run(
        &[
            &["verify"],
            args,
            &["--secret-env", KEY_VAR, "--body", path_str(body)],
        ]
        .concat(),
        Some(secret),
        None,
    )
}

#[test]
fn verify_notification_accepts_a_signed_body_and_refuses_a_tampered_one() {
    let dir = TempDir::new();
    let spec_path = dir.write("demo.toml", DEMO_SPEC);
    let body = signed_body(
        &spec_path,
        &dir,
        r#"{"payment_cl_id":"ORD-1","amount":100.10,"status":2,"new_field":"x"}"#,
    );
    assert!(body.contains("100.10"));
    let good = dir.write("good.json", &body);
    let notif = ["--spec", path_str(&spec_path), "--notification", "deposit"];

    let o = verify(&notif, &good, DEMO_KEY);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("verified"), "{out}");
    assert!(out.contains("order id   ORD-1\n"), "{out}");
    assert!(out.contains("succeeded"), "{out}");
    assert!(out.contains(r#"reply      {"error_code":"0000"}"#), "{out}");
    assert!(out.contains("amount"), "{out}");
    assert!(out.contains("100.10"), "{out}");
    assert!(out.contains("new_field"), "{out}");
    assert!(!out.contains(DEMO_KEY));

    let o = run(
        &[
            &["verify"][..],
            &notif,
            &[
                "--secret-env",
                KEY_VAR,
                "--body",
                path_str(&good),
                "--format",
                "json",
            ],
        ]
        .concat(),
        Some(DEMO_KEY),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["order_id"], "ORD-1");
    assert_eq!(v["status"]["common"], "succeeded");
    assert_eq!(v["reply"]["body"], r#"{"error_code":"0000"}"#);

    // 100.10 and 100.1 are the same number but not the same text: the signature covers the text.
    for (name, tampered) in [
        ("amount.json", body.replace("100.10", "100.1")),
        (
            "status.json",
            body.replace(r#""status":2"#, r#""status":3"#),
        ),
        (
            "extra.json",
            body.replace(r#""new_field":"x""#, r#""new_field":"y""#),
        ),
    ] {
        let bad = dir.write(name, &tampered);
        let o = verify(&notif, &bad, DEMO_KEY);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stdout(&o));
        assert!(stdout(&o).is_empty(), "{name}");
        let err = stderr(&o);
        assert!(
            err.contains("signature verification failed"),
            "{name}: {err}"
        );
        assert!(!err.contains(DEMO_KEY));
    }

    // The wrong key fails the same way.
    let o = verify(&notif, &good, "another-key");
    assert_eq!(o.status.code(), Some(1));

    // An unknown notification is a usage error, naming the known ones.
    let o = verify(
        &["--spec", path_str(&spec_path), "--notification", "payout"],
        &good,
        DEMO_KEY,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("deposit"), "{}", stderr(&o));
}

#[test]
fn verify_notification_reads_form_bodies() {
    let dir = TempDir::new();
    let spec_path = dir.write("demo.toml", DEMO_SPEC);
    // Sign the text values, then send them as a form.
    let body = signed_body(
        &spec_path,
        &dir,
        r#"{"payment_cl_id":"ORD 2","status":"3"}"#,
    );
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&body).unwrap();
    let sign = fields["sign"].as_str().unwrap();
    let form = dir.write(
        "form.txt",
        &format!("payment_cl_id=ORD+2&status=3&sign={sign}"),
    );
    let o = run(
        &[
            "verify",
            "--spec",
            path_str(&spec_path),
            "--notification",
            "deposit",
            "--secret-env",
            KEY_VAR,
            "--body",
            path_str(&form),
            "--content-type",
            "application/x-www-form-urlencoded",
        ],
        Some(DEMO_KEY),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("order id   ORD 2\n"), "{}", stdout(&o));
    assert!(stdout(&o).contains("failed"), "{}", stdout(&o));
}

#[test]
fn verify_with_a_profile_checks_any_signed_body() {
    let dir = TempDir::new();
    let spec_path = spec("diamondpay");
    let params = dir.write("p.json", r#"{"platform_id":"PF0002","amount":"50000"}"#);
    let o = run(
        &[
            "sign",
            "--spec",
            path_str(&spec_path),
            "--profile",
            "hmac-sha256",
            "--secret-env",
            KEY_VAR,
            "--json",
            path_str(&params),
            "--format",
            "json",
        ],
        Some(DEMO_KEY),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got: SignJson = serde_json::from_slice(&o.stdout).unwrap();
    let good = dir.write("good.json", got.body.get());
    let args = ["--spec", path_str(&spec_path), "--profile", "hmac-sha256"];

    let o = verify(&args, &good, DEMO_KEY);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("verified   signed with diamondpay.hmac-sha256\n"));

    // The default profile (md5) does not accept an HMAC signature.
    let o = verify(&["--spec", path_str(&spec_path)], &good, DEMO_KEY);
    assert_eq!(o.status.code(), Some(1));

    let bad = dir.write("bad.json", &got.body.get().replace("50000", "50001"));
    let o = verify(&args, &bad, DEMO_KEY);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: signature verification failed"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("hint: "));

    let o = verify(&args, &dir.write("empty.json", "  "), DEMO_KEY);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));

    let missing = dir.0.join("missing.json");
    let o = verify(&args, &missing, DEMO_KEY);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));
}

#[test]
fn explain_masks_the_secret_wherever_it_appears_and_fingerprints_it() {
    let dir = TempDir::new();
    let secret = "ThisIsYourSecretKey123";
    let params = dir.write(
        "params.json",
        &format!(r#"{{"amount":"50000","platform_id":"PF0002","note":"key={secret}&x"}}"#),
    );
    for format in ["text", "json"] {
        let out = run(
            &[
                "sign",
                "--spec",
                spec("diamondpay").to_str().unwrap(),
                "--secret-env",
                KEY_VAR,
                "--json",
                params.to_str().unwrap(),
                "--explain",
                "--format",
                format,
            ],
            Some(secret),
            None,
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {stderr}");
        assert!(
            !stdout.contains(secret),
            "{format}: the secret leaked: {stdout}"
        );
        assert!(
            !stderr.contains(secret),
            "{format}: the secret leaked: {stderr}"
        );
        assert!(stdout.contains("key=****&x"), "{format}: {stdout}");
        if format == "text" {
            // The first 8 hex digits of SHA-256("ThisIsYourSecretKey123").
            let line = stdout.lines().find(|l| l.contains("fingerprint")).unwrap();
            assert!(line.contains("22 characters"), "{line}");
            assert!(line.contains("SHA-256 fingerprint "), "{line}");
        }
    }
}

#[test]
fn verify_detect_names_the_profile_that_signed_each_body() {
    let dir = TempDir::new();
    let secret = "detect-secret-123";
    let mut named = 0;
    for name in ["diamondpay", "goldenpay", "intqp"] {
        let gw = Gateway::load(&spec(name)).unwrap();
        for profile in gw.spec().profiles.keys() {
            let body = gw
                .sign_json_body(
                    Some(profile),
                    br#"{"platform_id":"PF0002","total":2,"total_balance":"100.00","request_time":1595504997,"platform_channel_id":"C1","channel_name":"x","balance":"1.00","amount":"100.00","trans_id":"T1","note":""}"#,
                    &paywire::Secret::new(secret),
                )
                .unwrap();
            let path = dir.write(&format!("{name}-{profile}.json"), &body);
            let out = run(
                &[
                    "verify",
                    "--spec",
                    spec(name).to_str().unwrap(),
                    "--secret-env",
                    KEY_VAR,
                    "--body",
                    path.to_str().unwrap(),
                    "--detect",
                ],
                Some(secret),
                None,
            );
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{name}.{profile}: {stdout} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                stdout.starts_with(&format!("matches {profile}:")),
                "{name}.{profile}: {stdout}"
            );
            assert!(!stdout.contains(secret), "{stdout}");
            named += 1;
        }
    }
    assert!(named >= 8, "every profile of every provider: {named}");

    // Signed with the key appended bare, on a spec whose only profile appends `&key=`: a variant.
    let gw = Gateway::load(&spec("diamondpay")).unwrap();
    let bare = gw
        .sign_json_body(
            Some("md5-bare-key"),
            br#"{"a":"1","b":"2"}"#,
            &paywire::Secret::new(secret),
        )
        .unwrap();
    let fields: serde_json::Value = serde_json::from_str(&bare).unwrap();
    let params = dir.write("params.json", r#"{"a":"1","b":"2"}"#);
    let out = run(
        &[
            "verify",
            "--spec",
            spec("diamondpay").to_str().unwrap(),
            "--secret-env",
            KEY_VAR,
            "--body",
            params.to_str().unwrap(),
            "--detect",
            "--signature",
            fields["sign"].as_str().unwrap(),
        ],
        Some(secret),
        None,
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("matches md5-bare-key:"));

    // Another key: nothing matches, exit 1, the spec's canonical strings side by side.
    let out = run(
        &[
            "verify",
            "--spec",
            spec("diamondpay").to_str().unwrap(),
            "--secret-env",
            KEY_VAR,
            "--body",
            dir.write("other.json", &bare).to_str().unwrap(),
            "--detect",
        ],
        Some("another-key-456"),
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no recipe tried reproduces the signature"),
        "{stderr}"
    );
    assert!(
        stderr.contains("md5-bare-key") && stderr.contains("a=1&b=2&****"),
        "{stderr}"
    );
}
