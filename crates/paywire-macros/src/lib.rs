//! The `gateway!` macro: a thin layer over `paywire-codegen`.
//!
//! `paywire::gateway!("specs/intqp.toml");` reads the spec (relative to the crate's manifest
//! directory, or to the nearest ancestor directory holding that path, such as the workspace
//! root), validates it, and expands to the provider's typed API. A bad spec gives one compile
//! error at the path literal listing every problem with file:line:column. The expansion embeds
//! the spec with `include_str!`, so cargo rebuilds when the spec changes.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use syn::{LitStr, parse_macro_input};

/// Generate a provider's typed API from a spec file. See the crate docs.
#[proc_macro]
pub fn gateway(input: TokenStream) -> TokenStream {
    let lit = parse_macro_input!(input as LitStr);
    expand(&lit).unwrap_or_else(|e| e.to_compile_error()).into()
}

/// Find `rel` in the manifest directory or an ancestor, then beside the invoking source file
/// or an ancestor of it.
fn find(rel: &str, call_site_file: Option<PathBuf>) -> Result<PathBuf, String> {
    let base = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let starts = [
        Some(PathBuf::from(&base)),
        call_site_file.and_then(|f| f.parent().map(Path::to_path_buf)),
    ];
    for start in starts.into_iter().flatten() {
        let start = std::fs::canonicalize(&start).unwrap_or(start);
        let mut dir: Option<&Path> = Some(&start);
        while let Some(d) = dir {
            let candidate = d.join(rel);
            if candidate.is_file() {
                return Ok(candidate);
            }
            dir = d.parent();
        }
    }
    Err(format!(
        "spec file `{rel}` not found in {base} or any of its parent directories"
    ))
}

fn expand(lit: &LitStr) -> Result<proc_macro2::TokenStream, syn::Error> {
    let rel = lit.value();
    let call_site = proc_macro::Span::call_site().local_file();
    let path = find(&rel, call_site).map_err(|m| syn::Error::new(lit.span(), m))?;
    let src = std::fs::read_to_string(&path)
        .map_err(|e| syn::Error::new(lit.span(), format!("cannot read {}: {e}", path.display())))?;
    let spec = paywire_spec::parse_str(&src, &rel)
        .map_err(|e| syn::Error::new(lit.span(), e.to_string().trim_end().to_owned()))?;
    let opts = paywire_codegen::Options {
        include_path: path.display().to_string(),
        file_label: rel,
    };
    Ok(paywire_codegen::generate(&spec, &opts))
}
