//! What `cargo xtask` and the `paywire` CLI share: checking spec files with a one-line summary,
//! the pretty-printed code a spec generates (for review), the commented spec template a new
//! provider starts from, the values its first request signs to, and the files of a standalone
//! provider crate (`paywire new`).

use std::fmt;
use std::path::{Path, PathBuf};

use paywire::wire::{WireFields, WireValue};
use paywire::{Credentials, Gateway, Money, Secret};
use paywire_spec::{Field, FieldType, MoneyFormat, Spec, SpecErrors};

/// A tooling failure, printed for the user.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// A spec has problems (each located).
    #[error("{0}")]
    Spec(#[from] SpecErrors),
    /// The code generated from a spec does not parse (a bug of paywire-codegen).
    #[error("{label}: generated code does not parse: {message}")]
    Generated {
        /// The spec's label.
        label: String,
        /// The parser's message.
        message: String,
    },
    /// The template's request could not be prepared with the interpreter.
    #[error("the spec template's first operation cannot be prepared: {0}")]
    Prepare(String),
    /// A name that cannot become a crate and module name.
    #[error(
        "`{0}` is not a usable provider name: use lowercase letters, digits and single `_`, starting with a letter (e.g. `acmepay`)"
    )]
    BadName(String),
}

/// What a valid spec holds, for a one-line summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSummary {
    /// The spec as named (its path).
    pub label: String,
    /// `[gateway] name`.
    pub gateway: String,
    /// Number of operations.
    pub operations: usize,
    /// Number of notifications.
    pub notifications: usize,
    /// Number of signing profiles.
    pub profiles: usize,
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

impl fmt::Display for SpecSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: ok, gateway `{}`: {}, {}, {}",
            self.label,
            self.gateway,
            plural(self.operations, "operation"),
            plural(self.notifications, "notification"),
            plural(self.profiles, "profile")
        )
    }
}

impl SpecSummary {
    /// The summary of a parsed spec.
    pub fn of(label: &str, spec: &Spec) -> Self {
        Self {
            label: label.to_owned(),
            gateway: spec.gateway.name.clone(),
            operations: spec.operations.len(),
            notifications: spec.notifications.len(),
            profiles: spec.profiles.len(),
        }
    }
}

/// Parse and validate a spec's source: its summary, or every problem located in `label`.
pub fn check_source(src: &str, label: &str) -> Result<(Spec, SpecSummary), SpecErrors> {
    let spec = paywire_spec::parse_str(src, label)?;
    let summary = SpecSummary::of(label, &spec);
    Ok((spec, summary))
}

/// The pretty-printed code a spec generates, exactly as `cargo xtask codegen` writes a
/// provider's `src/generated.rs` (no `include_str!` of the spec). `label` names the spec in the
/// file's header and docs.
pub fn review_code(spec: &Spec, label: &str) -> Result<String, ToolError> {
    let opts = paywire_codegen::Options {
        include_path: None,
        file_label: label.to_owned(),
    };
    paywire_codegen::generate_file(spec, &opts).map_err(|e| ToolError::Generated {
        label: label.to_owned(),
        message: e.to_string(),
    })
}

/// Whether `name` can name a provider: snake case (a letter first), no `__`.
pub fn valid_name(name: &str) -> bool {
    paywire_spec::names::is_snake(name) && !name.contains("__")
}

/// The crate name of a provider: `paywire-<name>` with `-` for `_`.
pub fn crate_name(name: &str) -> String {
    format!("paywire-{}", name.replace('_', "-"))
}

/// Example wire fields of an operation, from the spec's `example` values (or placeholders):
/// the required fields and those with an example; nested objects are built from their own
/// fields.
pub fn example_fields(fields: &[Field]) -> WireFields {
    let mut w = WireFields::new();
    let wanted = |f: &&Field| f.required || f.example.is_some();
    for f in fields.iter().filter(wanted) {
        let ex = f.example.clone();
        let v = match f.ty {
            FieldType::Integer => WireValue::integer(
                ex.and_then(|e| e.parse().ok())
                    .unwrap_or(f.min.unwrap_or(1).max(1)),
                f.wire,
            ),
            FieldType::Money => {
                let m =
                    ex.and_then(|e| Money::from_decimal_str(&e).ok())
                        .unwrap_or(Money::from_minor(
                            f.min.unwrap_or(0).max(10000).min(f.max.unwrap_or(i64::MAX)),
                        ));
                WireValue::money(m, f.money.unwrap_or(MoneyFormat::Minor), f.wire)
            }
            FieldType::Boolean => WireValue::Bool(ex.as_deref() == Some("true")),
            FieldType::Strings => {
                WireValue::Strings(vec![ex.unwrap_or_else(|| "12345".to_owned())])
            }
            FieldType::Object if ex.is_none() && !f.fields.is_empty() => {
                WireValue::Json(example_fields(&f.fields).to_json())
            }
            FieldType::Objects if ex.is_none() && !f.fields.is_empty() => {
                WireValue::Json(format!("[{}]", example_fields(&f.fields).to_json()))
            }
            FieldType::Object | FieldType::Objects | FieldType::Json => {
                WireValue::Json(ex.unwrap_or_else(|| "{}".to_owned()))
            }
            _ => WireValue::Str(ex.unwrap_or_else(|| {
                f.one_of
                    .first()
                    .cloned()
                    .unwrap_or_else(|| format!("<{}>", f.name))
            })),
        };
        w.push(&f.name, v);
    }
    w
}

/// The commented template a new provider's spec starts from.
pub fn spec_template(name: &str) -> String {
    format!(
        r##"# {name}: describe the gateway here, and the documentation pages this spec was written from.
# Every choice the documentation leaves open is a comment with its source URL.

[gateway]
name = "{name}"
title = "{name}"
doc = "What this gateway does."
docs = ["https://example.com/docs"]
default_profile = "md5"
default_envelope = "standard"

# The signing recipe: every present field but `sign`, ASCII order, empty values skipped,
# `k=v` joined by `&`, the key appended as `&key=<key>`, MD5, lowercase hex.
[profiles.md5]
doc = "MD5 with `&key=<key>` appended."
digest = "md5"
template = "{{pairs}}&key={{secret}}"

# Where success, the error code and message, and the payload are in a response.
[envelopes.standard]
code = "code"
success = ["0"]
message = "message"
payload = "data"

[statuses.order]
field = "status"
map = {{ "0" = "pending", "1" = "succeeded", "2" = "failed" }}

[[errors]]
code = "1001"
name = "SignatureError"
doc = "Signature verification failed."

[[operations]]
name = "create_payout"
doc = "Create a payout."
method = "POST"
path = "/payouts"
body = "json"
kind = "create"
order_id = "order_id"

[[operations.request]]
name = "merchant_id"
type = "string"
required = true
doc = "Merchant ID."
example = "M001"

[[operations.request]]
name = "order_id"
type = "string"
required = true
max_length = 32
doc = "Merchant order ID, unique."
example = "ORDER0001"

[[operations.request]]
name = "amount"
type = "money"
money = "decimal"
required = true
min = 1
doc = "Amount with two decimals."
example = "100.00"

[[operations.request]]
name = "timestamp"
type = "integer"
required = true
doc = "Unix seconds."
example = "1700000000"

[[operations.response]]
name = "payout_id"
type = "string"
doc = "Gateway order ID."

[[operations.response]]
name = "status"
type = "string"
doc = "Order status."
"##
    )
}

/// What the template's first request (its example values, key `test-secret`) signs to: the
/// values a new provider's first test expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateExpectations {
    /// The operation (`create_payout`).
    pub operation: String,
    /// The canonical string, the key masked as `****`.
    pub canonical: String,
    /// The signature.
    pub signature: String,
    /// The request body.
    pub body: String,
}

/// Parse the template of `name` and compute, with the interpreter, what its first operation's
/// example request signs to.
pub fn template_expectations(name: &str) -> Result<(Spec, TemplateExpectations), ToolError> {
    if !valid_name(name) {
        return Err(ToolError::BadName(name.to_owned()));
    }
    let spec = paywire_spec::parse_str(&spec_template(name), &format!("{name}.toml"))?;
    let gw = Gateway::new(spec.clone());
    let op = spec
        .operations
        .first()
        .ok_or_else(|| ToolError::Prepare("the template has no operation".to_owned()))?;
    let explained = gw
        .prepare_explained(
            &op.name,
            example_fields(&op.request),
            &Credentials::new(Secret::new("test-secret")),
            None,
        )
        .map_err(|e| ToolError::Prepare(e.to_string()))?;
    let expectations = TemplateExpectations {
        operation: op.name.clone(),
        canonical: explained
            .canonical
            .as_ref()
            .map(|c| c.masked())
            .unwrap_or_default(),
        signature: explained
            .request
            .signature
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        body: explained.request.body.clone().unwrap_or_default(),
    };
    Ok((spec, expectations))
}

/// Where a standalone crate's `paywire` dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaywireSource {
    /// A local checkout of paywire: `path = "<dir of crates/paywire>"`.
    Path(PathBuf),
    /// A released version: `version = "<v>"`.
    Version(String),
}

/// The files of a standalone provider crate, paths relative to its directory.
#[derive(Debug, Clone)]
pub struct NewCrate {
    /// The package name (`paywire-<name>`).
    pub crate_name: String,
    /// `(relative path, contents)`, in the order they are written.
    pub files: Vec<(PathBuf, String)>,
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A standalone provider crate for `name` (`paywire new`): `Cargo.toml` (its own `[workspace]`,
/// the `paywire` dependency with `macros`, `client` and the features the spec needs),
/// `spec/<name>.toml` (the template), `src/lib.rs` with the `paywire::gateway!` call, and
/// `tests/wire_format.rs`, which checks the template's first request against the canonical
/// string, signature and body the interpreter computes now (no snapshot files).
pub fn standalone_crate(name: &str, paywire: &PaywireSource) -> Result<NewCrate, ToolError> {
    let (spec, expected) = template_expectations(name)?;
    let crate_name = crate_name(name);
    let lib_name = crate_name.replace('-', "_");
    let mut features = vec!["macros", "client"];
    features.extend(paywire_codegen::required_features(&spec));
    let features = features
        .iter()
        .map(|f| toml_string(f))
        .collect::<Vec<_>>()
        .join(", ");
    let source = match paywire {
        PaywireSource::Path(p) => format!("path = {}", toml_string(&p.display().to_string())),
        PaywireSource::Version(v) => format!("version = {}", toml_string(v)),
    };
    let cargo = format!(
        r#"[package]
name = "{crate_name}"
description = "paywire provider for {name}, generated from spec/{name}.toml at compile time."
version = "0.1.0"
edition = "2024"
publish = false
# The spec ships with the crate: `paywire::gateway!` reads it relative to this directory.
include = ["Cargo.toml", "src/**", "spec/**", "tests/**"]

[dependencies]
# `macros`: the `gateway!` macro; `client`: the async HTTP client (`paywire::Client`); the rest
# are what spec/{name}.toml needs (`paywire check` and the macro tell when a feature is missing).
paywire = {{ {source}, default-features = false, features = [{features}] }}

# A workspace of its own, so `cargo test` works where the crate was created. To make the crate
# a member of an existing workspace instead, delete this table and add it to that `members`.
[workspace]
"#
    );
    let lib = format!(
        r#"//! paywire provider for {name}: its typed API (request builders, signing, response readers,
//! notification verification) generated at compile time from `spec/{name}.toml` by
//! `paywire::gateway!`. Edit the spec and rebuild; `paywire check spec/{name}.toml` lists every
//! problem with file:line:column, and `paywire codegen spec/{name}.toml` shows the code generated.
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

pub use paywire::{{Client, ClientConfig, Outcome, ReconcilePolicy, Reconciliation}};

paywire::gateway!("spec/{name}.toml");
"#
    );
    let test = format!(
        r#"//! The wire format of {name}'s `{op}`: canonical string, signature and body of a fixed request,
//! as `paywire new` computed them from spec/{name}.toml with paywire's interpreter. When you
//! change the signing recipe or the fields, update the expected values (e.g. from
//! `paywire sign --spec spec/{name}.toml --secret-env KEY --json params.json`).

use paywire::{{Credentials, Money, Secret}};
use {lib_name}::CreatePayoutRequest;

fn request() -> CreatePayoutRequest {{
    CreatePayoutRequest::builder()
        .merchant_id("M001")
        .order_id("ORDER0001")
        .amount(Money::from_minor(10000))
        .timestamp(1700000000)
        .build()
        .expect("valid request")
}}

#[test]
fn create_payout_wire_format() {{
    let request = request();
    let secret = Secret::new("test-secret");
    let prepared = request
        .prepare(&Credentials::new(secret.clone()))
        .expect("signed");
    assert_eq!(
        request.canonical_string(&secret).masked(),
        {canonical:?}
    );
    assert_eq!(
        prepared.signature.as_ref().map(ToString::to_string).as_deref(),
        Some({signature:?})
    );
    assert_eq!(
        prepared.body.as_deref(),
        Some({body:?})
    );
}}

#[test]
fn refuses_a_missing_field() {{
    let err = CreatePayoutRequest::builder()
        .merchant_id("M001")
        .build()
        .unwrap_err();
    assert!(err.names("order_id"), "{{err}}");
}}
"#,
        op = expected.operation,
        canonical = expected.canonical,
        signature = expected.signature,
        body = expected.body,
    );
    let gitignore = "/target\n".to_owned();
    Ok(NewCrate {
        crate_name,
        files: vec![
            (PathBuf::from("Cargo.toml"), cargo),
            (
                PathBuf::from(format!("spec/{name}.toml")),
                spec_template(name),
            ),
            (PathBuf::from("src/lib.rs"), lib),
            (PathBuf::from("tests/wire_format.rs"), test),
            (PathBuf::from(".gitignore"), gitignore),
        ],
    })
}

/// Whether `dir` can receive a new crate: absent, or an empty directory.
pub fn usable_dir(dir: &Path) -> Result<(), String> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(format!("{} exists and is not a directory", dir.display()));
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                Err(format!(
                    "{} exists and is not empty; nothing was written (pick another --dir)",
                    dir.display()
                ))
            } else {
                Ok(())
            }
        }
        Err(e) => Err(format!("cannot read {}: {e}", dir.display())),
    }
}
