//! `specs/schema.json` is the JSON Schema of the spec model, and every spec in `specs/` is valid.

use std::path::{Path, PathBuf};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs")
}

#[test]
fn schema_json_is_up_to_date() {
    let path = specs_dir().join("schema.json");
    let expected = paywire_spec::schema_json();
    if std::env::var("PAYWIRE_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &expected)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "specs/schema.json is stale or missing: it no longer matches the spec model \
         (crates/paywire-spec/src/model.rs).\n\
         Run `cargo xtask codegen` (or `PAYWIRE_BLESS=1 cargo test -p paywire-spec --test schema`) \
         and commit the result."
    );
}

#[test]
fn schema_json_is_a_json_schema_of_the_whole_model() {
    let schema: serde_json::Value = serde_json::from_str(&paywire_spec::schema_json()).unwrap();
    assert_eq!(schema["title"], "Spec");
    assert_eq!(schema["type"], "object");
    let required = schema["required"].as_array().unwrap();
    assert!(required.contains(&"gateway".into()));
    assert!(required.contains(&"profiles".into()));
    // deny_unknown_fields becomes additionalProperties = false, so editors flag unknown keys.
    assert_eq!(schema["additionalProperties"], false);
    let defs = schema["$defs"].as_object().unwrap();
    for name in [
        "Gateway",
        "Recipe",
        "Envelope",
        "EnvelopeSignature",
        "StatusMap",
        "ErrorCode",
        "Operation",
        "RowSignature",
        "Notification",
        "Reply",
        "Field",
        "Condition",
    ] {
        assert!(
            defs.contains_key(name),
            "schema has no definition of {name}"
        );
        assert_eq!(
            defs[name]["additionalProperties"], false,
            "{name} should refuse unknown keys"
        );
    }
    // Field types: exactly the names a spec may write (the catch-all `Unknown` is not offered).
    let types = serde_json::to_string(&defs["FieldType"]).unwrap();
    for name in paywire_spec::FieldType::NAMES {
        assert!(
            types.contains(&format!("\"{name}\"")),
            "FieldType lacks {name}"
        );
    }
    assert!(
        !types.contains("unknown"),
        "FieldType offers `unknown`: {types}"
    );
}

#[test]
fn every_spec_file_parses_and_validates() {
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    let entries = std::fs::read_dir(specs_dir()).expect("specs/ exists");
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        match paywire_spec::load(&path) {
            Ok((spec, _)) => {
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                assert_eq!(
                    spec.gateway.name,
                    stem,
                    "{}: gateway.name should be the file's name",
                    path.display()
                );
                checked.push(stem);
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked.len() >= 3,
        "expected the three gateway specs, found {checked:?}"
    );
}
