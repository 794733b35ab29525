//! `cargo xtask` on a scratch copy of the workspace layout: codegen is idempotent, check fails on
//! a stale file and on an invalid spec, new-provider scaffolds a crate and registers it.

use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("paywire-xtask-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    let src = xtask::workspace_root().join("specs/intqp.toml");
    std::fs::copy(src, dir.join("specs/intqp.toml")).unwrap();
    // The provider crate's manifest: check reads the paywire features it turns on.
    std::fs::create_dir_all(dir.join("crates/providers/intqp")).unwrap();
    std::fs::copy(
        xtask::workspace_root().join("crates/providers/intqp/Cargo.toml"),
        dir.join("crates/providers/intqp/Cargo.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\n    \"crates/paywire\",\n    \"xtask\",\n]\n",
    )
    .unwrap();
    dir
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn codegen_is_idempotent_and_check_finds_stale_files() {
    let root = scratch("stale");
    let written = xtask::codegen(&root).unwrap();
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(
        xtask::codegen(&root).unwrap().is_empty(),
        "a second run changes nothing"
    );
    assert_eq!(xtask::check(&root).unwrap(), 3);

    let generated = root.join("crates/providers/intqp/src/generated.rs");
    let text = read(&generated).replace(
        "pub struct WithdrawRequest {",
        "pub struct WithdrawRequest { // edited",
    );
    std::fs::write(&generated, text).unwrap();
    let err = xtask::check(&root).unwrap_err().to_string();
    assert!(
        err.contains("crates/providers/intqp/src/generated.rs is stale: first difference at line"),
        "{err}"
    );
    assert!(err.contains("cargo xtask codegen"), "{err}");

    std::fs::remove_file(root.join("specs/schema.json")).unwrap();
    let err = xtask::check(&root).unwrap_err().to_string();
    assert!(err.contains("specs/schema.json is missing"), "{err}");

    // A provider crate that does not turn on a paywire feature its spec needs is refused.
    xtask::codegen(&root).unwrap();
    let manifest = root.join("crates/providers/intqp/Cargo.toml");
    std::fs::write(&manifest, read(&manifest).replace(", \"patterns\"", "")).unwrap();
    let err = xtask::check(&root).unwrap_err().to_string();
    assert!(
        err.contains("the paywire dependency must turn on feature `patterns`"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn check_fails_on_an_invalid_spec_with_its_location() {
    let root = scratch("invalid");
    let spec =
        read(&root.join("specs/intqp.toml")).replacen("type = \"money\"", "type = \"monee\"", 1);
    std::fs::write(root.join("specs/intqp.toml"), spec).unwrap();
    let err = xtask::check(&root).unwrap_err().to_string();
    assert!(err.contains("specs/intqp.toml:"), "{err}");
    assert!(err.contains("unknown type `monee`"), "{err}");
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn new_provider_scaffolds_a_registered_crate() {
    let root = scratch("new");
    let written = xtask::new_provider(&root, "acmepay").unwrap();
    assert!(
        written
            .iter()
            .any(|p| p.ends_with("crates/providers/acmepay/src/lib.rs"))
    );
    let cargo = read(&root.join("Cargo.toml"));
    assert!(
        cargo.contains("    \"crates/providers/acmepay\",\n    \"xtask\","),
        "{cargo}"
    );
    let spec = read(&root.join("specs/acmepay.toml"));
    assert!(paywire_spec::parse_str(&spec, "specs/acmepay.toml").is_ok());
    let snap =
        read(&root.join(
            "crates/providers/acmepay/tests/snapshots/snapshots__create_payout_canonical.snap",
        ));
    assert!(
        snap.contains(
            "amount=100.00&merchant_id=M001&order_id=ORDER0001&timestamp=1700000000&key=****"
        ),
        "{snap}"
    );
    // A second scaffold refuses to overwrite.
    let err = xtask::new_provider(&root, "acmepay")
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    // Bad names are refused.
    assert!(xtask::new_provider(&root, "Acme-Pay").is_err());
    // The scaffold's spec is picked up by codegen.
    xtask::codegen(&root).unwrap();
    assert!(
        root.join("crates/providers/acmepay/src/generated.rs")
            .exists()
    );
    assert!(
        read(&root.join("crates/providers/acmepay/src/lib.rs"))
            .contains("include!(\"generated.rs\")")
    );
    let _ = std::fs::remove_dir_all(root);
}
