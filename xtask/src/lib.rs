//! `cargo xtask`: regenerate and check what the specs produce, and scaffold providers.
//!
//! - `codegen` writes, for every `specs/*.toml`: `crates/providers/<name>/src/generated.rs`
//!   (the provider's logic, pretty-printed for review; the crate compiles it, so a packaged
//!   crate needs no spec and no macro), `docs/providers/<name>.md`, and `specs/schema.json`.
//!   A second run changes nothing.
//! - `check` validates every spec and fails with a short summary when a generated file is stale
//!   or a provider crate does not turn on the `paywire` features its spec needs.
//! - `new-provider <name>` scaffolds `specs/<name>.toml` and `crates/providers/<name>` (with a
//!   snapshot test whose snapshots it writes), and adds the crate to the workspace.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use paywire::{Gateway, Secret};
use paywire_spec::{Field, FieldType, MoneyFormat, Spec};
pub use paywire_tooling::{example_fields, spec_template, valid_name};

/// An xtask failure, printed for the user.
#[derive(Debug)]
pub struct TaskError(pub String);

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TaskError {}

fn err(msg: impl Into<String>) -> TaskError {
    TaskError(msg.into())
}

/// One file a spec produces: where it goes and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Contents.
    pub contents: String,
}

/// The spec files under `root/specs`, sorted.
pub fn spec_files(root: &Path) -> Result<Vec<PathBuf>, TaskError> {
    let dir = root.join("specs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| err(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Load and validate every spec; all diagnostics of all specs are reported together.
pub fn load_specs(root: &Path) -> Result<Vec<(String, Spec)>, TaskError> {
    let mut specs = Vec::new();
    let mut problems = String::new();
    for path in spec_files(root)? {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let src = std::fs::read_to_string(&path).map_err(|e| err(format!("{rel}: {e}")))?;
        match paywire_spec::parse_str(&src, &rel) {
            Ok(spec) => specs.push((rel, spec)),
            Err(e) => problems.push_str(&e.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(specs)
    } else {
        Err(err(problems))
    }
}

/// Every file `codegen` writes, computed in memory.
pub fn outputs(root: &Path) -> Result<Vec<Output>, TaskError> {
    let mut out = Vec::new();
    for (rel, spec) in load_specs(root)? {
        let name = &spec.gateway.name;
        let code = paywire_tooling::review_code(&spec, &rel).map_err(|e| err(e.to_string()))?;
        out.push(Output {
            path: generated_path(name),
            contents: code,
        });
        out.push(Output {
            path: PathBuf::from(format!("docs/providers/{name}.md")),
            contents: provider_doc(&rel, &spec),
        });
    }
    out.push(Output {
        path: PathBuf::from("specs/schema.json"),
        contents: paywire_spec::schema_json(),
    });
    Ok(out)
}

/// Where a provider's generated code lives: inside its crate, so the packaged crate has it.
pub fn generated_path(name: &str) -> PathBuf {
    PathBuf::from(format!("crates/providers/{name}/src/generated.rs"))
}

/// The `paywire` features a provider crate must turn on for its spec, each with whether its
/// Cargo.toml does.
pub fn feature_problems(root: &Path, name: &str, spec: &Spec) -> Vec<String> {
    let manifest = root.join(format!("crates/providers/{name}/Cargo.toml"));
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return vec![format!("{} is missing", manifest.display())];
    };
    let paywire_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("paywire ") || l.trim_start().starts_with("paywire="))
        .unwrap_or("");
    paywire_codegen::required_features(spec)
        .into_iter()
        .filter(|f| !paywire_line.contains(&format!("\"{f}\"")))
        .map(|f| {
            format!(
                "crates/providers/{name}/Cargo.toml: the paywire dependency must turn on feature `{f}` (specs/{name}.toml needs it)"
            )
        })
        .collect()
}

/// Write every output; returns the paths that changed.
pub fn codegen(root: &Path) -> Result<Vec<PathBuf>, TaskError> {
    let mut changed = Vec::new();
    for o in outputs(root)? {
        let path = root.join(&o.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(o.contents.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&path, &o.contents).map_err(|e| err(format!("{}: {e}", path.display())))?;
        changed.push(o.path);
    }
    Ok(changed)
}

/// A short summary of how `old` differs from `new`.
pub fn diff_summary(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let first = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let show = |lines: &[&str]| {
        lines
            .get(first)
            .map(|l| {
                let l = l.trim();
                if l.chars().count() > 70 {
                    format!("{}…", l.chars().take(70).collect::<String>())
                } else {
                    l.to_owned()
                }
            })
            .unwrap_or_else(|| "<end of file>".to_owned())
    };
    format!(
        "first difference at line {}: on disk `{}`, expected `{}` ({} lines on disk, {} expected)",
        first + 1,
        show(&a),
        show(&b),
        a.len(),
        b.len()
    )
}

/// Validate every spec and compare every generated file with what is on disk.
pub fn check(root: &Path) -> Result<usize, TaskError> {
    let outs = outputs(root)?;
    let mut stale = String::new();
    for o in &outs {
        match std::fs::read_to_string(root.join(&o.path)) {
            Ok(disk) if disk == o.contents => {}
            Ok(disk) => {
                let _ = writeln!(
                    stale,
                    "{} is stale: {}",
                    o.path.display(),
                    diff_summary(&disk, &o.contents)
                );
            }
            Err(_) => {
                let _ = writeln!(stale, "{} is missing", o.path.display());
            }
        }
    }
    for (_, spec) in load_specs(root)? {
        for p in feature_problems(root, &spec.gateway.name, &spec) {
            let _ = writeln!(stale, "{p}");
        }
    }
    if stale.is_empty() {
        Ok(outs.len())
    } else {
        stale.push_str("run `cargo xtask codegen` and commit the result\n");
        Err(err(stale))
    }
}

fn field_type(f: &Field) -> String {
    match f.ty {
        FieldType::Money => match f.money {
            Some(MoneyFormat::Minor) => "money (integer minor units)".to_owned(),
            _ => "money (two-decimal string)".to_owned(),
        },
        t => format!("{t:?}").to_lowercase(),
    }
}

fn rules(f: &Field) -> String {
    let mut r = Vec::new();
    if f.required {
        r.push("required".to_owned());
    }
    for c in &f.required_when {
        r.push(format!("required when {}", c.describe()));
    }
    if let Some(m) = f.max_length {
        r.push(format!("max {m} chars"));
    }
    if let Some(m) = f.min_length {
        r.push(format!("min {m} chars"));
    }
    if let Some(p) = &f.pattern {
        r.push(format!("pattern `{p}`"));
    }
    if !f.one_of.is_empty() {
        r.push(format!("one of {}", f.one_of.join(", ")));
    }
    if let Some(m) = f.min_items {
        r.push(format!("≥{m} items"));
    }
    if let Some(m) = f.max_items {
        r.push(format!("≤{m} items"));
    }
    if let Some(p) = &f.item_pattern {
        r.push(format!("items match `{p}`"));
    }
    if let Some(m) = f.min {
        r.push(format!("min {m}"));
    }
    if let Some(m) = f.max {
        r.push(format!("max {m}"));
    }
    r.join("; ")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn field_rows(out: &mut String, fields: &[Field], prefix: &str) {
    for f in fields {
        let _ = writeln!(
            out,
            "| `{prefix}{}` | {} | {} | {} |",
            f.name,
            field_type(f),
            cell(&rules(f)),
            cell(f.doc.as_deref().unwrap_or(""))
        );
        if !f.fields.is_empty() {
            field_rows(out, &f.fields, &format!("{prefix}{}.", f.name));
        }
    }
}

/// The provider's reference page: operations, fields with their rules, profiles with a worked
/// canonical string.
pub fn provider_doc(rel: &str, spec: &Spec) -> String {
    let g = &spec.gateway;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- @generated by `cargo xtask codegen` from {rel}. Do not edit. -->\n"
    );
    let _ = writeln!(out, "# {}\n", g.title.as_deref().unwrap_or(&g.name));
    if let Some(d) = &g.doc {
        let _ = writeln!(out, "{d}\n");
    }
    let _ = writeln!(out, "Crate `paywire-{}`, spec `{rel}`. Sources:\n", g.name);
    for d in &g.docs {
        let _ = writeln!(out, "- <{d}>");
    }
    let _ = writeln!(
        out,
        "\n## Operations\n\n| operation | method and path | body | signed | kind |\n|---|---|---|---|---|"
    );
    for op in &spec.operations {
        let signed = if op.signed {
            op.profile
                .clone()
                .unwrap_or_else(|| g.default_profile.clone())
        } else {
            "no".to_owned()
        };
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | `{} {}` | {:?} | {} | {:?} |",
            op.name,
            op.name.replace('_', "-"),
            op.method.as_str(),
            op.path,
            op.body(),
            signed,
            op.kind
        );
    }
    for op in &spec.operations {
        let _ = writeln!(out, "\n### {}\n", op.name);
        if let Some(d) = &op.doc {
            let _ = writeln!(out, "{d}\n");
        }
        for (h, v) in &op.headers {
            let _ = writeln!(out, "Header `{h}: {v}`.\n");
        }
        let _ = writeln!(
            out,
            "Request fields:\n\n| field | type | rules | meaning |\n|---|---|---|---|"
        );
        field_rows(&mut out, &op.request, "");
        if !op.response.is_empty() {
            let _ = writeln!(
                out,
                "\nResponse payload fields:\n\n| field | type | rules | meaning |\n|---|---|---|---|"
            );
            field_rows(&mut out, &op.response, "");
        }
    }
    if !spec.notifications.is_empty() {
        let _ = writeln!(out, "\n## Notifications\n");
        for n in &spec.notifications {
            let _ = writeln!(
                out,
                "### {}\n\n{}\n\nReply `{}` ({}). Verification covers every received field except the signature.\n\n| field | type | rules | meaning |\n|---|---|---|---|",
                n.name,
                n.doc.as_deref().unwrap_or(""),
                n.reply.body,
                n.reply.content_type
            );
            field_rows(&mut out, &n.fields, "");
        }
    }
    let _ = writeln!(out, "\n## Signing profiles\n");
    let gw = Gateway::new(spec.clone());
    let sample_op = spec.operations.iter().find(|o| o.signed);
    for (name, r) in &spec.profiles {
        let _ = writeln!(
            out,
            "### {name}\n\n{}\n\n- fields: {}\n- order: {:?}; empty values: {:?}; pair `{}` joined by `{}`\n- template `{}`; digest {:?}; hex {:?}; received signatures compared {:?}\n",
            r.doc.as_deref().unwrap_or(""),
            match &r.fields {
                Some(list) => format!("exactly {}", list.join(", ")),
                None if r.exclude.is_empty() =>
                    format!("every present field except `{}`", r.signature_field),
                None => format!(
                    "every present field except `{}` and {}",
                    r.signature_field,
                    r.exclude.join(", ")
                ),
            },
            r.order,
            r.empty,
            r.pair,
            r.join,
            r.template,
            r.digest,
            r.hex,
            r.compare
        );
        if let Some(op) = sample_op {
            let fields = example_fields(&op.request);
            let secret = Secret::new("test-secret");
            if let Ok((canonical, sig)) = gw.sign_fields(Some(name), &fields.sign_fields(), &secret)
            {
                let _ = writeln!(
                    out,
                    "Worked example (`{}` with the spec's example values, key `test-secret`):\n\n```text\n{}\n```\n\nsign = `{}`\n",
                    op.name,
                    canonical.expose(),
                    sig
                );
            }
        }
    }
    out
}

fn snapshot_file(test: &str, name: &str, contents: &str) -> String {
    format!(
        "---\nsource: crates/providers/{test}/tests/snapshots.rs\nexpression: {name}\n---\n{contents}\n"
    )
}

/// Scaffold a provider: the spec, the crate, its snapshot test (with snapshots written), and the
/// workspace entry. Refuses to overwrite anything.
pub fn new_provider(root: &Path, name: &str) -> Result<Vec<PathBuf>, TaskError> {
    if !valid_name(name) {
        return Err(err(
            paywire_tooling::ToolError::BadName(name.to_owned()).to_string()
        ));
    }
    let spec_path = root.join(format!("specs/{name}.toml"));
    let crate_dir = root.join(format!("crates/providers/{name}"));
    for p in [&spec_path, &crate_dir] {
        if p.exists() {
            return Err(err(format!(
                "{} already exists; nothing was written",
                p.display()
            )));
        }
    }
    let spec_src = spec_template(name);
    let rel = format!("specs/{name}.toml");
    // The snapshots the scaffolded test expects, computed now so the test passes at once.
    let (spec, expected) =
        paywire_tooling::template_expectations(name).map_err(|e| err(e.to_string()))?;
    let (canonical, signature, body) = (expected.canonical, expected.signature, expected.body);

    let crate_name = paywire_tooling::crate_name(name);
    let lib = format!(
        r#"//! paywire provider for {name}, generated from `specs/{name}.toml`.
//!
//! ```
//! use paywire::{{Credentials, Money, Secret}};
//! use {lib_name}::CreatePayoutRequest;
//!
//! let request = CreatePayoutRequest::builder()
//!     .merchant_id("M001")
//!     .order_id("ORDER0001")
//!     .amount(Money::from_minor(10000))
//!     .timestamp(1700000000)
//!     .build()
//!     .expect("valid request");
//! let prepared = request.prepare(&Credentials::new(Secret::new("key"))).expect("signed");
//! assert!(prepared.body.unwrap().contains("\"sign\""));
//! ```

#[cfg(feature = "client")]
pub use paywire::{{Client, ClientConfig, Outcome, ReconcilePolicy, Reconciliation}};

// The provider's logic, generated from `specs/{name}.toml` by `cargo xtask codegen`.
include!("generated.rs");
"#,
        lib_name = crate_name.replace('-', "_")
    );
    let test = format!(
        r#"//! Wire-format snapshots of {name}: canonical string, signature and body of a fixed request.

use paywire::{{Credentials, Money, Secret}};
use {lib_name}::*;

#[test]
fn create_payout_wire_format() {{
    let request = CreatePayoutRequest::builder()
        .merchant_id("M001")
        .order_id("ORDER0001")
        .amount(Money::from_minor(10000))
        .timestamp(1700000000)
        .build()
        .expect("valid request");
    let secret = Secret::new("test-secret");
    let prepared = request.prepare(&Credentials::new(secret.clone())).expect("signed");
    insta::assert_snapshot!("create_payout_canonical", request.canonical_string(&secret).masked());
    insta::assert_snapshot!("create_payout_signature", prepared.signature.as_ref().unwrap().to_string());
    insta::assert_snapshot!("create_payout_body", prepared.body.clone().unwrap());
}}

#[test]
fn refuses_a_missing_field() {{
    let err = CreatePayoutRequest::builder().merchant_id("M001").build().unwrap_err();
    assert!(err.names("order_id"), "{{err}}");
}}
"#,
        lib_name = crate_name.replace('-', "_")
    );
    let cargo = format!(
        r#"[package]
name = "{crate_name}"
description = "paywire provider for {name}, generated from specs/{name}.toml."
version.workspace = true
edition.workspace = true
license.workspace = true
repository.workspace = true

[dependencies]
paywire = {{ workspace = true, features = [{features}] }}

[features]
default = ["client"]
# The async HTTP client (reqwest with rustls); turn off for types only.
client = ["paywire/client"]

[dev-dependencies]
insta.workspace = true
"#,
        features = paywire_codegen::required_features(&spec)
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let generated = paywire_tooling::review_code(&spec, &rel).map_err(|e| err(e.to_string()))?;
    let files = vec![
        (spec_path.clone(), spec_src),
        (crate_dir.join("Cargo.toml"), cargo),
        (crate_dir.join("src/lib.rs"), lib),
        (crate_dir.join("src/generated.rs"), generated),
        (crate_dir.join("tests/snapshots.rs"), test),
        (
            crate_dir.join("tests/snapshots/snapshots__create_payout_canonical.snap"),
            snapshot_file(name, "create_payout_canonical", &canonical),
        ),
        (
            crate_dir.join("tests/snapshots/snapshots__create_payout_signature.snap"),
            snapshot_file(name, "create_payout_signature", &signature),
        ),
        (
            crate_dir.join("tests/snapshots/snapshots__create_payout_body.snap"),
            snapshot_file(name, "create_payout_body", &body),
        ),
    ];
    let mut written = Vec::new();
    for (path, contents) in files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&path, contents).map_err(|e| err(format!("{}: {e}", path.display())))?;
        written.push(path);
    }
    add_member(root, &format!("crates/providers/{name}"))?;
    written.push(root.join("Cargo.toml"));
    Ok(written)
}

/// Add a member to the workspace's `members` list (keeping the file's formatting).
pub fn add_member(root: &Path, member: &str) -> Result<(), TaskError> {
    let path = root.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| err(format!("{}: {e}", path.display())))?;
    let members = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("members"))
        .and_then(|m| m.as_array_mut())
        .ok_or_else(|| err("Cargo.toml has no [workspace] members list"))?;
    if members.iter().any(|m| m.as_str() == Some(member)) {
        return Ok(());
    }
    // Insert before "xtask" so providers stay together.
    let at = members
        .iter()
        .position(|m| m.as_str() == Some("xtask"))
        .unwrap_or(members.len());
    members.insert(at, member);
    // Keep one member per line.
    for v in members.iter_mut() {
        v.decor_mut().set_prefix("\n    ");
    }
    members.set_trailing("\n");
    members.set_trailing_comma(true);
    std::fs::write(&path, doc.to_string()).map_err(|e| err(format!("{}: {e}", path.display())))
}

/// The workspace root (the parent of this crate's directory).
///
/// Read at run time first (`cargo run` sets `CARGO_MANIFEST_DIR` for the binary): a binary built
/// from another copy of the tree into the same target directory, as the new-provider walkthrough
/// does, must not act on that copy's path, which may be gone.
pub fn workspace_root() -> PathBuf {
    let here = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|p| p.join("Cargo.toml").is_file())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}
