//! `paywire check`, `paywire codegen` and `paywire new`, run as a user outside this repository
//! runs them: from a temporary directory outside the workspace, on spec files copied there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_paywire");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A temporary directory outside the workspace, with `specs/<name>.toml` copied into it.
fn outside(specs: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("paywire-tooling-")
        .tempdir()
        .expect("temp dir");
    let root = repo().canonicalize().expect("repo");
    assert!(
        !dir.path().starts_with(&root),
        "{} is inside the workspace",
        dir.path().display()
    );
    std::fs::create_dir(dir.path().join("specs")).expect("specs dir");
    for name in specs {
        std::fs::copy(
            repo().join(format!("specs/{name}.toml")),
            dir.path().join(format!("specs/{name}.toml")),
        )
        .expect("copy spec");
    }
    dir
}

fn paywire(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run paywire")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_summarizes_valid_specs() {
    let dir = outside(&["intqp", "diamondpay", "goldenpay"]);
    let out = paywire(
        dir.path(),
        &[
            "check",
            "specs/intqp.toml",
            "specs/diamondpay.toml",
            "specs/goldenpay.toml",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(
        lines[0],
        "specs/intqp.toml: ok, gateway `intqp`: 3 operations, 0 notifications, 2 profiles"
    );
    assert!(lines[1].starts_with("specs/diamondpay.toml: ok, gateway `diamondpay`: "));
    assert!(lines[1].contains("2 notifications"), "{stdout}");
}

/// A spec whose TOML reads but does not deserialize: three problems in three tables.
const SERDE_BROKEN: &str = r#"[gateway]
name = "broken"
default_profile = "md5"
bogus_key = 1

[profiles.md5]
digest = "sha384"

[[operations]]
name = "create"
method = "POST"
path = "/create"

[[operations.request]]
name = "order_id"
type = "string"
max_length = "32"
"#;

/// A spec that deserializes but fails validation: several located problems with `help:`.
const INVALID: &str = r#"[gateway]
name = "invalid"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "create"
method = "POST"
path = "/create"
profile = "sha"

[[operations.request]]
name = "amount"
type = "strng"
"#;

#[test]
fn check_reports_every_problem_located() {
    let dir = outside(&["intqp"]);
    std::fs::write(dir.path().join("broken.toml"), SERDE_BROKEN).expect("write");
    std::fs::write(dir.path().join("invalid.toml"), INVALID).expect("write");
    let out = paywire(
        dir.path(),
        &["check", "broken.toml", "specs/intqp.toml", "invalid.toml"],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    // The valid spec is still summarized.
    assert!(stdout.contains("specs/intqp.toml: ok"), "{stdout}");
    // Every deserialization problem at once, each at its line and column.
    assert!(stderr.contains("3 problems in spec:"), "{stderr}");
    assert!(
        stderr.contains("broken.toml:4:1: unknown field `bogus_key`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: see specs/README.md or specs/schema.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("broken.toml:7:10: unknown variant `sha384`, expected one of `md5`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("broken.toml:17:14: invalid type: string \"32\""),
        "{stderr}"
    );
    // The validator's problems, located, with their help lines.
    assert!(stderr.contains("2 problems in spec:"), "{stderr}");
    assert!(
        stderr.contains("invalid.toml:12:11: profile `sha` is used but not defined"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: define [profiles.sha] or use one of: md5"),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid.toml:16:8: unknown type `strng`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: 2 of 3 spec file(s) have problems"),
        "{stderr}"
    );
}

#[test]
fn check_of_a_missing_file_is_a_usage_error() {
    let dir = outside(&["intqp"]);
    let out = paywire(dir.path(), &["check", "specs/intqp.toml", "nope.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.toml: cannot read"));
    // No spec at all is refused by the argument parser.
    assert_eq!(paywire(dir.path(), &["check"]).status.code(), Some(2));
}

#[test]
fn codegen_prints_what_paywire_codegen_generates() {
    let dir = outside(&["intqp", "diamondpay"]);
    for name in ["intqp", "diamondpay"] {
        let rel = format!("specs/{name}.toml");
        let out = paywire(dir.path(), &["codegen", &rel]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let code = text(&out.stdout);
        syn::parse_file(&code).expect("the output parses as Rust");
        let src = std::fs::read_to_string(dir.path().join(&rel)).expect("spec");
        let spec = paywire::spec::parse_str(&src, &rel).expect("valid spec");
        let expected = paywire_codegen::generate_file(
            &spec,
            &paywire_codegen::Options {
                include_path: None,
                file_label: rel.clone(),
            },
        )
        .expect("generated");
        assert_eq!(code, expected);
        // Named as in the repository, it is the provider's checked-in file.
        let checked_in = std::fs::read_to_string(
            repo().join(format!("crates/providers/{name}/src/generated.rs")),
        )
        .expect("generated.rs");
        assert_eq!(code, checked_in);

        let file = format!("{name}.rs");
        let out = paywire(dir.path(), &["codegen", &rel, "--out", &file]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&file)).expect("written"),
            expected
        );
        assert!(text(&out.stderr).contains(&format!("codegen: wrote {file}")));
    }
    // A bad spec: its problems, nothing printed.
    std::fs::write(dir.path().join("invalid.toml"), INVALID).expect("write");
    let out = paywire(dir.path(), &["codegen", "invalid.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("invalid.toml:16:8: unknown type `strng`"));
}

#[test]
fn new_refuses_bad_names_and_non_empty_directories() {
    let dir = outside(&[]);
    for bad in ["Acme", "acme-pay", "1pay", "acme__pay", ""] {
        let out = paywire(dir.path(), &["new", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            text(&out.stderr).contains("is not a usable provider name"),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
    std::fs::create_dir(dir.path().join("taken")).expect("dir");
    std::fs::write(dir.path().join("taken/keep.txt"), "mine").expect("file");
    let out = paywire(dir.path(), &["new", "acme", "--dir", "taken"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("exists and is not empty; nothing was written"));
    assert_eq!(
        std::fs::read_dir(dir.path().join("taken"))
            .expect("dir")
            .count(),
        1
    );
    let out = paywire(
        dir.path(),
        &["new", "acme", "--dir", "fresh", "--paywire-path", "nowhere"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--paywire-path nowhere: no Cargo.toml there"));
    // An empty directory is fine; a version dependency when asked.
    std::fs::create_dir(dir.path().join("empty")).expect("dir");
    let out = paywire(
        dir.path(),
        &[
            "new",
            "acme",
            "--dir",
            "empty",
            "--paywire-version",
            "0.1.0",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(dir.path().join("empty/Cargo.toml")).expect("toml");
    assert!(manifest.contains(r#"paywire = { version = "0.1.0", default-features = false, features = ["macros", "client", "md5"] }"#), "{manifest}");
}

/// Run `cmd`, killing it after `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> (bool, Output) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let id = child.id();
    let start = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => (true, out.expect("wait")),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            let out = rx.recv().expect("killed").expect("wait");
            eprintln!("killed after {:?}", start.elapsed());
            (false, out)
        }
    }
}

#[test]
fn new_crate_passes_cargo_test_where_it_is_created() {
    let dir = outside(&[]);
    let out = paywire(dir.path(), &["new", "acmepay"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let krate = dir.path().join("paywire-acmepay");
    for f in [
        "Cargo.toml",
        "spec/acmepay.toml",
        "src/lib.rs",
        "tests/wire_format.rs",
    ] {
        assert!(krate.join(f).is_file(), "{f} missing: {stdout}");
    }
    let lib = std::fs::read_to_string(krate.join("src/lib.rs")).expect("lib");
    assert!(lib.contains(r#"paywire::gateway!("spec/acmepay.toml");"#));
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("toml");
    let paywire_dir = repo()
        .join("crates/paywire")
        .canonicalize()
        .expect("paywire");
    assert!(
        manifest.contains(&format!("path = \"{}\"", paywire_dir.display())),
        "{manifest}"
    );
    assert!(manifest.contains(r#"features = ["macros", "client", "md5"]"#));
    // The spec template validates.
    let out = paywire(&krate, &["check", "spec/acmepay.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The workspace's lockfile pins the registry crates to the versions already in cargo's
    // cache, so the build needs no network; the target directory persists under the
    // workspace's target, so dependencies build once.
    std::fs::copy(repo().join("Cargo.lock"), krate.join("Cargo.lock")).expect("lockfile");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paywire-new-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let start = Instant::now();
    let (finished, out) = run_bounded(
        Command::new(cargo)
            .args(["test", "--quiet"])
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS"),
        Duration::from_secs(1200),
    );
    let log = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(finished, "cargo test did not finish in time:\n{log}");
    assert!(out.status.success(), "cargo test failed:\n{log}");
    assert!(log.contains("test result: ok. 2 passed"), "{log}");
    eprintln!("cargo test of the new crate took {:?}", start.elapsed());
}
