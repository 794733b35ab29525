//! The `gateway!` macro: a thin layer over `paywire-codegen`.
//!
//! `paywire::gateway!("specs/intqp.toml");` reads the spec, validates it, and expands to the
//! provider's typed API. A bad spec gives one compile error at the path literal listing every
//! problem with file:line:column. The expansion embeds the spec with `include_str!`, so cargo
//! rebuilds when the spec changes.
//!
//! # Where the spec is looked for
//!
//! The path is resolved against the invoking crate's manifest directory (`CARGO_MANIFEST_DIR`,
//! the directory holding its `Cargo.toml`) and nowhere else, as progenitor and typify do: not
//! the workspace root, not the directory of the invoking source file, not any parent
//! directory. So `gateway!("specs/intqp.toml")` in a crate at `crates/foo` reads
//! `crates/foo/specs/intqp.toml`, and a spec that is missing there is a compile error even if
//! a file of that name exists further up, where it would not be shipped with the crate. A
//! crate that uses `gateway!` and is published must therefore keep its spec inside its own
//! directory (and package it). An absolute path is used as it is.

use std::path::PathBuf;

use proc_macro::TokenStream;
use syn::{LitStr, parse_macro_input};

/// Generate a provider's typed API from a spec file. See the crate docs.
#[proc_macro]
pub fn gateway(input: TokenStream) -> TokenStream {
    let lit = parse_macro_input!(input as LitStr);
    expand(&lit).unwrap_or_else(|e| e.to_compile_error()).into()
}

/// Resolve `rel` against the invoking crate's manifest directory (`CARGO_MANIFEST_DIR`) and
/// nowhere else; see the crate docs. The error names the crate, not its absolute directory, so
/// it reads the same wherever the crate and cargo's target directory are on disk.
fn find(rel: &str) -> Result<PathBuf, String> {
    let Some(base) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return Err(format!(
            "spec file `{rel}` cannot be resolved: CARGO_MANIFEST_DIR is not set (paths are \
             resolved against the crate's manifest directory, which cargo provides)"
        ));
    };
    let candidate = PathBuf::from(base).join(rel);
    if candidate.is_file() {
        return Ok(candidate);
    }
    let krate = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    Err(format!(
        "spec file `{rel}` not found: paths are resolved against the crate's manifest directory \
         (CARGO_MANIFEST_DIR, where the Cargo.toml of `{krate}` is), not the workspace root or \
         the source file's directory, so write it relative to the crate's Cargo.toml"
    ))
}

fn expand(lit: &LitStr) -> Result<proc_macro2::TokenStream, syn::Error> {
    let rel = lit.value();
    let path = find(&rel).map_err(|m| syn::Error::new(lit.span(), m))?;
    let src = std::fs::read_to_string(&path)
        .map_err(|e| syn::Error::new(lit.span(), format!("cannot read {}: {e}", path.display())))?;
    let spec = paywire_spec::parse_str(&src, &rel)
        .map_err(|e| syn::Error::new(lit.span(), e.to_string().trim_end().to_owned()))?;
    let opts = paywire_codegen::Options {
        include_path: Some(path.display().to_string()),
        file_label: rel,
    };
    Ok(paywire_codegen::generate(&spec, &opts))
}
