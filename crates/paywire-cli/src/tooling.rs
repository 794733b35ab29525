//! `paywire check`, `paywire codegen` and `paywire new`: spec tooling for a user's own
//! repository, on the code `cargo xtask` uses too (`paywire-tooling`).

use std::path::{Path, PathBuf};

use paywire_tooling::PaywireSource;

use crate::cli::{CheckArgs, CodegenArgs, NewArgs};
use crate::error::CliError;
use crate::print;

/// Validate every spec given; summaries on stdout, problems on stderr.
pub fn check(args: &CheckArgs) -> Result<u8, CliError> {
    let mut summaries = String::new();
    let (mut bad, mut unreadable) = (0, 0);
    for path in &args.specs {
        let label = path.display().to_string();
        let src = match std::fs::read_to_string(path) {
            Ok(src) => src,
            Err(e) => {
                eprintln!("{label}: cannot read: {e}");
                unreadable += 1;
                continue;
            }
        };
        match paywire_tooling::check_source(&src, &label) {
            Ok((_, summary)) => {
                summaries.push_str(&summary.to_string());
                summaries.push('\n');
            }
            Err(problems) => {
                eprint!("{problems}");
                bad += 1;
            }
        }
    }
    print(&summaries)?;
    if unreadable > 0 {
        Err(CliError::SpecsUnreadable(unreadable))
    } else if bad > 0 {
        Err(CliError::SpecsInvalid {
            bad,
            total: args.specs.len(),
        })
    } else {
        Ok(0)
    }
}

/// The pretty-printed code of one spec, to stdout or `--out`.
pub fn codegen(args: &CodegenArgs) -> Result<u8, CliError> {
    let label = args.spec.display().to_string();
    let src = std::fs::read_to_string(&args.spec).map_err(|source| CliError::Read {
        what: "spec",
        path: label.clone(),
        source,
    })?;
    let (spec, _) = paywire_tooling::check_source(&src, &label)?;
    let code = paywire_tooling::review_code(&spec, &label)?;
    match &args.out {
        None => print(&code)?,
        Some(out) => {
            std::fs::write(out, &code).map_err(|source| CliError::Write {
                path: out.display().to_string(),
                source,
            })?;
            eprintln!(
                "codegen: wrote {} ({} lines) from {label}",
                out.display(),
                code.lines().count()
            );
        }
    }
    Ok(0)
}

/// This repository's `crates/paywire`, as known when the binary was built.
fn built_paywire_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../paywire")
}

/// The `paywire` dependency of the new crate.
fn paywire_source(args: &NewArgs) -> Result<PaywireSource, CliError> {
    if let Some(v) = &args.paywire_version {
        return Ok(PaywireSource::Version(v.clone()));
    }
    let (path, explicit) = match &args.paywire_path {
        Some(p) => (p.clone(), true),
        None => (built_paywire_path(), false),
    };
    let manifest = path.join("Cargo.toml");
    match (manifest.is_file(), path.canonicalize()) {
        (true, Ok(abs)) => Ok(PaywireSource::Path(abs)),
        _ if explicit => Err(CliError::Refused(format!(
            "--paywire-path {}: no Cargo.toml there; give the `crates/paywire` directory of a \
             paywire checkout, or --paywire-version VERSION",
            path.display()
        ))),
        _ => {
            let v = env!("CARGO_PKG_VERSION");
            eprintln!(
                "note: {} is gone; depending on paywire version {v} (pass --paywire-path to use a checkout)",
                path.display()
            );
            Ok(PaywireSource::Version(v.to_owned()))
        }
    }
}

/// Create the standalone crate.
pub fn new(args: &NewArgs) -> Result<u8, CliError> {
    if !paywire_tooling::valid_name(&args.name) {
        return Err(paywire_tooling::ToolError::BadName(args.name.clone()).into());
    }
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(paywire_tooling::crate_name(&args.name)));
    paywire_tooling::usable_dir(&dir).map_err(CliError::Refused)?;
    let source = paywire_source(args)?;
    let krate = paywire_tooling::standalone_crate(&args.name, &source)?;
    let mut out = String::new();
    for (rel, contents) in &krate.files {
        let path = dir.join(rel);
        let write = |p: &Path| -> std::io::Result<()> {
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, contents)
        };
        write(&path).map_err(|source| CliError::Write {
            path: path.display().to_string(),
            source,
        })?;
        out.push_str(&format!("new: wrote {}\n", path.display()));
    }
    let dep = match &source {
        PaywireSource::Path(p) => format!("paywire at {}", p.display()),
        PaywireSource::Version(v) => format!("paywire {v}"),
    };
    out.push_str(&format!(
        "new: created {} in {} ({dep})\nnext: cd {} && cargo test; edit spec/{}.toml, then `paywire check spec/{}.toml`\n",
        krate.crate_name,
        dir.display(),
        dir.display(),
        args.name,
        args.name
    ));
    print(&out)?;
    Ok(0)
}
