//! `cargo xtask codegen | check | new-provider <name>`; see the library docs.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <codegen | check | new-provider <name>>

  codegen              write crates/providers/<name>/src/generated.rs, docs/providers/<name>.md and specs/schema.json
  check                validate every spec; fail if a generated file is stale
  new-provider <name>  scaffold specs/<name>.toml and crates/providers/<name>
  bench [args]         run the benchmarks of benches/ (criterion): `cargo bench -p paywire-benches [args]`
  fuzz [args]          run the in-tree fuzzer in release mode: `cargo run --release -p paywire-fuzz -- [--seconds N] [--seed S] [--target NAME]`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = xtask::workspace_root();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["codegen"] => xtask::codegen(&root).map(|changed| {
            if changed.is_empty() {
                println!("codegen: everything up to date");
            }
            for p in changed {
                println!("codegen: wrote {}", p.display());
            }
        }),
        ["check"] => xtask::check(&root).map(|n| println!("check: every spec is valid and {n} generated files are up to date")),
        ["new-provider", name] => xtask::new_provider(&root, name).and_then(|written| {
            let generated = xtask::codegen(&root)?;
            Ok(written.into_iter().chain(generated.into_iter().map(|p| root.join(p))).collect::<Vec<_>>())
        }).map(|written| {
            for p in written {
                println!("new-provider: wrote {}", p.strip_prefix(&root).unwrap_or(&p).display());
            }
            println!("next: edit specs/{name}.toml, run `cargo xtask codegen`, then `cargo test -p paywire-{}`", name.replace('_', "-"));
        }),
        ["bench", extra @ ..] => {
            // Both targets of benches/ (sign, client); extra args go to cargo bench as given,
            // e.g. `cargo xtask bench --bench sign -- verify`.
            let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
                .args(["bench", "-p", "paywire-benches"])
                .args(extra)
                .current_dir(&root)
                .status();
            match status {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(xtask::TaskError(format!("cargo bench failed: {s}"))),
                Err(e) => Err(xtask::TaskError(format!("cannot run cargo bench: {e}"))),
            }
        }
        ["fuzz", extra @ ..] => {
            // The stable-Rust mutation fuzzer of fuzz/ (paywire-fuzz); extra args go to it as
            // given, e.g. `cargo xtask fuzz --seconds 20 --seed 7 --target notify`.
            let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
                .args(["run", "--release", "-p", "paywire-fuzz", "--"])
                .args(extra)
                .current_dir(&root)
                .status();
            match status {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(xtask::TaskError(format!("the fuzzer found a problem or failed: {s}"))),
                Err(e) => Err(xtask::TaskError(format!("cannot run cargo run -p paywire-fuzz: {e}"))),
            }
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
