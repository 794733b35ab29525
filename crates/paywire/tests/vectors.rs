//! The 60 cross-checked signatures of tests/data/signatures.json, reproduced through the
//! dynamic signer with the profiles of specs/*.toml.
//!
//! tests/data/signatures.json is a verbatim copy of the shared vector file
//! `shared/vectors/signatures.json` (the directory beside the repository, `../shared/vectors/`
//! from the workspace root), kept in the repository so a standalone clone runs this test.
//! Refresh it by copying that file again; do not edit it here.

use std::path::PathBuf;

use paywire::received::Object;
use paywire::{Gateway, Secret};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn all_vectors_reproduce() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/signatures.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(vectors.len(), 60);
    let mut checked = 0;
    for (i, v) in vectors.iter().enumerate() {
        let recipe = v["recipe"].as_str().unwrap();
        let (provider, profile) = recipe.split_once('.').unwrap();
        let gw = Gateway::load(&root().join(format!("specs/{provider}.toml"))).unwrap();
        let params = serde_json::to_string(&v["params"]).unwrap();
        let fields = Object::from_json(params.as_bytes()).unwrap().sign_fields();
        let secret = Secret::new(v["secret"].as_str().unwrap());
        let (canonical, sign) = gw.sign_fields(Some(profile), &fields, &secret).unwrap();
        assert_eq!(
            canonical.expose(),
            v["canonical"].as_str().unwrap(),
            "vector {i} ({recipe}): canonical"
        );
        assert_eq!(
            sign.as_str(),
            v["sign"].as_str().unwrap(),
            "vector {i} ({recipe}): sign"
        );
        checked += 1;
    }
    assert_eq!(checked, 60);
}
