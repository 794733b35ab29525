//! `paywire`: sign and verify payment-gateway messages with a gateway's spec file, and show why a
//! signature comes out as it does; send an operation and see its outcome; run the sandbox
//! simulator; run the one-command demo.
//!
//! The secret is read from an environment variable (`--secret-env`) or a file
//! (`--secret-file`), never from the command line, and is never printed: canonical strings show
//! it as `****`.
//!
//! # Sign
//!
//! What a merchant runs when a gateway answers "Signature verification failed"
//! (`params.json` is `{"amount":"50000","platform_id":"PF0002","note":""}`):
//!
//! ```text
//! $ export DIAMONDPAY_KEY=ThisIsYourSecretKey123
//! $ paywire sign --spec specs/diamondpay.toml --secret-env DIAMONDPAY_KEY --json params.json --explain
//! profile    diamondpay.md5
//!            MD5 with `&key=<platform key>` appended (the official signature page; default).
//! fields     3 given, 2 kept (strings quoted, other values as JSON)
//!            empty values are dropped; never signed: sign_type; the signature goes in `sign`
//!   kept     amount       "50000"
//!   kept     platform_id  "PF0002"
//!   dropped  note         ""        empty value (the profile skips empty values)
//! order      by key, byte-wise ASCII (uppercase before lowercase): amount, platform_id
//! pairs      amount=50000&platform_id=PF0002
//!            each pair written {key}={value}, joined with "&"
//! template   {pairs}&key={secret}   ({secret} is the merchant key, shown as ****)
//! digest     md5 of the string, lowercase hex
//!            a received signature is compared ignoring hex case
//! canonical  amount=50000&platform_id=PF0002&key=****
//! signature  65fae47672fec3d4d0cb1f512bcc70e2
//! body       {"amount":"50000","platform_id":"PF0002","note":"","sign":"65fae47672fec3d4d0cb1f512bcc70e2"}
//! ```
//!
//! Without `--explain` only `profile`, `canonical`, `signature` and `body` are printed.
//! `--profile NAME` picks another of the spec's profiles (`md5-bare-key`, `hmac-sha256`, ...),
//! `--json -` reads the params from standard input, `--secret-file PATH` reads the key from a
//! file, and `--format json` prints one JSON object for scripts (with `--explain`, the steps too):
//!
//! ```text
//! $ paywire sign --spec specs/intqp.toml --profile md5-key --secret-file key.txt \
//!       --json - --format json < params.json
//! {"profile":"intqp.md5-key","canonical_masked":"amount=50000&platform_id=PF0002&key=****","signature":"65FAE47672FEC3D4D0CB1F512BCC70E2","body":{"amount":"50000","platform_id":"PF0002","note":"","sign":"65FAE47672FEC3D4D0CB1F512BCC70E2"}}
//! ```
//!
//! The params' values keep their text exactly (`100.10` stays `100.10`); lists and objects enter
//! the string as compact JSON.
//!
//! # Verify
//!
//! A notification, with its profile, order id, status and the reply to send:
//!
//! ```text
//! $ paywire verify --spec specs/diamondpay.toml --notification deposit \
//!       --secret-env DIAMONDPAY_KEY --body received.json [--content-type application/json]
//! verified   notification `deposit`, signed with diamondpay.md5
//! order id   ORDER-1
//! status     "2" -> succeeded
//! reply      {"error_code":"0000"}   (application/json)
//! fields     ...
//! ```
//!
//! Any signed body (a response, a query row) with a profile:
//!
//! ```text
//! $ paywire verify --spec specs/intqp.toml --profile md5 --secret-env INTQP_KEY --body body.json
//! ```
//!
//! # Send
//!
//! One operation from a JSON object of fields (each value's text kept), signed and sent with
//! `paywire::Client`; the outcome is printed with the gateway's code and message verbatim, the
//! status, the payload and the evidence (HTTP status, time):
//!
//! ```text
//! $ paywire send --spec specs/diamondpay.toml --operation create_payout_twd \
//!       --base-url http://127.0.0.1:8080/diamondpay --secret-env DIAMONDPAY_KEY --json payout.json
//! ```
//!
//! `--authorization-env VAR` supplies header credentials (diamondpay's `Authorization`),
//! `--profile` another signing profile, `--timeout-ms` the request timeout. An indeterminate
//! outcome says what to do: never resend with a new order id; query the order (the spec's query
//! operations are named) or wait for the notification.
//!
//! # Sim
//!
//! `paywire sim --spec 'specs/*.toml' --port 8080` serves every spec's gateway under
//! `http://127.0.0.1:8080/<gateway>` with fault injection (printed at start) until Ctrl-C.
//! `--db state.sqlite` keeps orders across restarts; `--secret-env` (default
//! `PAYWIRE_SIM_SECRET`, else the public `sandbox-secret`) and `--authorization-env` set the
//! merchant credentials it accepts; `--step-ms` and `--hold-ms` its pace. A request signed with
//! any profile the spec offers is accepted and answered in it (`--profile gateway=profile`
//! holds a gateway to one); each request and delivery is logged to stderr (`--log`).
//!
//! # Demo
//!
//! `paywire demo` runs a simulator, a merchant notification endpoint and the client for every
//! provider, and narrates each step (see `demo.rs`).
//!
//! # Check, codegen, new: specs and providers in your own repository
//!
//! `paywire check` validates spec files anywhere: a summary line per valid spec, every problem
//! of the others located with its `help:` line (all deserialization problems of a file at once,
//! then the validator's). Exit 0 when all are valid, 1 when a spec has problems, 2 when a file
//! cannot be read:
//!
//! ```text
//! $ paywire check specs/intqp.toml specs/diamondpay.toml
//! specs/intqp.toml: ok, gateway `intqp`: 3 operations, 0 notifications, 2 profiles
//! specs/diamondpay.toml: ok, gateway `diamondpay`: 11 operations, 2 notifications, 5 profiles
//! ```
//!
//! `paywire codegen` prints the pretty-printed code a spec generates (what `cargo xtask codegen`
//! writes for a provider, what `gateway!` expands to), or writes it with `--out`:
//!
//! ```text
//! $ paywire codegen specs/intqp.toml --out intqp.rs
//! codegen: wrote intqp.rs (3804 lines) from specs/intqp.toml
//! ```
//!
//! `paywire new` creates a standalone provider crate (its own `[workspace]`): `Cargo.toml` with
//! the `paywire` dependency (`macros`, `client` and the features the spec needs; a `path =` to
//! this checkout's `crates/paywire` by default, `--paywire-path P` for another, or
//! `--paywire-version V`), the spec template in `spec/<name>.toml`, `src/lib.rs` with
//! `paywire::gateway!("spec/<name>.toml")`, and a test of the template request's wire format.
//! It refuses a non-empty directory and a name that is not snake case:
//!
//! ```text
//! $ paywire new acmepay --dir ../acmepay
//! new: wrote ../acmepay/Cargo.toml
//! new: wrote ../acmepay/spec/acmepay.toml
//! new: wrote ../acmepay/src/lib.rs
//! new: wrote ../acmepay/tests/wire_format.rs
//! new: wrote ../acmepay/.gitignore
//! new: created paywire-acmepay in ../acmepay (paywire at /path/to/paywire/crates/paywire)
//! next: cd ../acmepay && cargo test; edit spec/acmepay.toml, then `paywire check spec/acmepay.toml`
//! ```
//!
//! # Exit status
//!
//! 0 done (for `send`: accepted); 1 the body did not verify (wrong signature, unreadable body: do
//! not trust it), `send` was rejected, or `check` found problems in a spec; 2 usage or input
//! error (the spec's problems are all listed, an unknown profile, a missing secret or file, a
//! refused `new`); 3 `send` was indeterminate (sent, result unknown); 4 `send` sent nothing.

/// mimalloc: `paywire sim` allocates on every request, and glibc malloc cost it about 15 % of
/// its CPU under load (crates/paywire-sim/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod demo;
mod error;
mod input;
mod send;
mod sign;
mod sim;
mod text;
mod tooling;
mod verify;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

use cli::{Cli, Command};
use error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Sign(args) => sign::run(args).and_then(|out| print(&out)).map(|()| 0),
        Command::Verify(args) => verify::run(args).and_then(|out| print(&out)).map(|()| 0),
        Command::Send(args) => send::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Check(args) => tooling::check(args),
        Command::Codegen(args) => tooling::codegen(args),
        Command::New(args) => tooling::new(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// A runtime for the commands that talk HTTP (`send`, `sim`, `demo`).
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// Write to standard output; a closed pipe (`| head`) is not an error.
fn print(out: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(()),
    }
}
