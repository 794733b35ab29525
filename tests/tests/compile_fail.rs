//! A bad spec gives one compile error at the spec path literal, listing every problem with
//! file:line:column, and a spec path is resolved against the crate's manifest directory and
//! nowhere else (pinned by trybuild).
//!
//! trybuild builds each `ui/*.rs` as a binary of a crate of its own at
//! `<target dir>/tests/trybuild/paywire-tests/`, so that is the `CARGO_MANIFEST_DIR` the macro
//! resolves against there. Before running the cases, this test mirrors `ui/specs/` into that
//! directory, so a literal such as `"ui/specs/bad_type.toml"` names the same file there as it
//! does from this crate's manifest directory, wherever `CARGO_TARGET_DIR` points. The macro's
//! messages contain no absolute path, so the `.stderr` files hold with and without
//! `CARGO_TARGET_DIR` set outside the repository.
//!
//! `ui/ghost.rs` names `specs/ghost.toml`, which does not exist in the manifest directory but
//! does exist in two places an ancestor walk would find: beside the source file
//! (`ui/specs/ghost.toml`) and in the directory above the manifest directory (written below).
//! It must still fail with "not found".

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory trybuild builds the cases in: `<target dir>/tests/trybuild/<crate name>`, with
/// the target directory found the way trybuild finds it (`cargo metadata`).
fn trybuild_project_dir() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version=1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let target = meta["target_directory"]
        .as_str()
        .expect("target_directory in cargo metadata");
    Path::new(target)
        .join("tests")
        .join("trybuild")
        .join(env!("CARGO_PKG_NAME"))
}

/// Replace `dst` with a copy of the files of `src` (the ui specs are one flat directory).
fn mirror(src: &Path, dst: &Path) {
    let _ = std::fs::remove_dir_all(dst);
    std::fs::create_dir_all(dst).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let path = entry.unwrap().path();
        if path.is_file() {
            let to = dst.join(path.file_name().unwrap());
            std::fs::copy(&path, &to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        }
    }
}

#[test]
fn bad_specs_fail_at_the_path_literal() {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = trybuild_project_dir();
    mirror(&manifest_dir.join("ui/specs"), &project.join("ui/specs"));

    // The decoy in the directory above the manifest directory of the cases.
    let above = project.parent().unwrap().join("specs");
    std::fs::create_dir_all(&above).unwrap();
    std::fs::copy(
        manifest_dir.join("ui/specs/ghost.toml"),
        above.join("ghost.toml"),
    )
    .unwrap();

    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
