//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sign, verify and send payment-gateway messages with a paywire spec; run the sandbox simulator
/// or the one-command demo; check specs, review their generated code, start a provider crate.
///
/// Exit status: 0 done (signed, verified, accepted, valid), 1 the body did not verify, the
/// gateway rejected the call or a spec has problems, 2 usage or input error, 3 indeterminate
/// (sent, result unknown), 4 not sent.
#[derive(Debug, Parser)]
#[command(name = "paywire", version, arg_required_else_help = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign a params JSON object with a spec's signing profile; `--explain` shows every step.
    Sign(SignArgs),
    /// Verify a signed body: a notification (`--notification`), or any body with a profile.
    Verify(VerifyArgs),
    /// Send one operation of a spec to a gateway (or the simulator) and show the outcome.
    Send(SendArgs),
    /// Run the sandbox simulator: every operation of every spec given, with fault injection.
    Sim(SimArgs),
    /// Run a simulator, a merchant endpoint and the client for every provider, and narrate it.
    Demo(DemoArgs),
    /// Validate spec files: a one-line summary each, or every problem located (exit 1).
    Check(CheckArgs),
    /// Print (or write with `--out`) the pretty-printed code a spec generates, for review.
    Codegen(CodegenArgs),
    /// Create a standalone provider crate (spec template, `gateway!` call, a test) to build on.
    New(NewArgs),
}

/// `paywire check`.
///
/// Exit status: 0 every spec is valid, 1 a spec has problems, 2 a file cannot be read.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The spec files.
    #[arg(value_name = "SPEC", required = true)]
    pub specs: Vec<PathBuf>,
}

/// `paywire codegen`.
#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// The spec file. It is named in the code as given (`specs/acme.toml`).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Write the code to this file instead of standard output.
    #[arg(long, value_name = "FILE.rs")]
    pub out: Option<PathBuf>,
}

/// `paywire new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The provider's name: lowercase letters, digits and single `_`, a letter first. The crate
    /// is `paywire-<name>` (`_` as `-`).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Where to create the crate: a new or empty directory (default: `./paywire-<name>`).
    #[arg(long, value_name = "D")]
    pub dir: Option<PathBuf>,
    /// The paywire checkout the crate depends on: its `crates/paywire` directory (default: the
    /// one this binary was built from, when it is still there).
    #[arg(long, value_name = "P", conflicts_with = "paywire_version")]
    pub paywire_path: Option<PathBuf>,
    /// Depend on this released version of `paywire` instead of a path.
    #[arg(long, value_name = "VERSION")]
    pub paywire_version: Option<String>,
}

/// Where the merchant secret comes from. There is deliberately no `--secret VALUE`: a value on
/// the command line ends up in shell history and process lists.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SecretArgs {
    /// Read the merchant secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Read the merchant secret from this file (trailing line endings are ignored). For an RSA
    /// profile: the PEM key (your private key to sign; the gateway's public key to verify).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
}

/// The merchant secret and the other credentials a profile signs or a header carries.
#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(flatten)]
    pub secret: SecretArgs,
    /// A credential a profile signs besides the secret (a `credentials` slot such as MoMo's
    /// `accessKey`) or a header names (`{api_key}`), read from an environment variable:
    /// `--credential access_key=MOMO_ACCESS_KEY`. Repeat it for several.
    #[arg(long = "credential", value_name = "NAME=VAR")]
    pub credentials: Vec<String>,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned, readable text.
    Text,
    /// One JSON object on one line, for scripts.
    Json,
}

/// `paywire sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The gateway's spec file (specs/<name>.toml).
    #[arg(long, value_name = "PATH")]
    pub spec: PathBuf,
    /// Signing profile (default: the spec's `default_profile`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub secret: KeyArgs,
    /// The params: a JSON object file, or `-` for standard input. Each value's text is kept
    /// exactly as written (`100.10` stays `100.10`).
    #[arg(long = "json", value_name = "FILE", required_unless_present = "body")]
    pub params: Option<PathBuf>,
    /// For a raw-body profile (`{body}` in its template, a webhook): the body to sign, exactly
    /// as it is sent (a file, or `-`). The signature headers are printed.
    #[arg(long, value_name = "FILE", conflicts_with = "params")]
    pub body: Option<PathBuf>,
    /// With `--body`: the timestamp signed, as its header carries it (Unix seconds, or
    /// milliseconds where the profile says `timestamp_unit = "millis"`; default: now).
    #[arg(long, value_name = "TEXT", requires = "body")]
    pub timestamp: Option<String>,
    /// Also show each step: every field kept or dropped and why, the order, the pairs, the
    /// template, the digest and hex case.
    #[arg(long)]
    pub explain: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `paywire verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The gateway's spec file (specs/<name>.toml).
    #[arg(long, value_name = "PATH")]
    pub spec: PathBuf,
    /// Verify as this notification of the spec (its profile, order id, status and reply).
    #[arg(long, value_name = "NAME", conflicts_with = "profile")]
    pub notification: Option<String>,
    /// Verify any signed body with this profile (default: the spec's `default_profile`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub secret: KeyArgs,
    /// The body as received: a file, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub body: PathBuf,
    /// A request header, `Name: value` (repeat it): the signature and timestamp headers of a
    /// raw-body profile (webhooks).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Check a signed timestamp against this Unix time (seconds) instead of the clock: to
    /// verify a recorded delivery.
    #[arg(long, value_name = "SECONDS")]
    pub now: Option<i64>,
    /// The body's content type (JSON or form); guessed from the body when absent.
    #[arg(long, value_name = "CT")]
    pub content_type: Option<String>,
    /// Which recipe signed this? Try every profile of the spec and the family's common
    /// variants (key bare or `&key=`, key first, hex case or base64, `sign_type` in or out,
    /// empty values kept or skipped, md5 / sha1 / sha256 / sha512 / hmac-sha1 / hmac-sha256 /
    /// hmac-sha512) and name the one that matches, or show the spec's canonical strings side
    /// by side. Exit 0 when one matches, 1 when none does.
    #[arg(long, conflicts_with_all = ["notification", "profile"])]
    pub detect: bool,
    /// With `--detect`: the body holds the parameters only, and this is the signature received.
    #[arg(long, value_name = "SIG", requires = "detect")]
    pub signature: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `paywire send`.
///
/// Exit status: 0 accepted, 1 rejected, 2 usage or input error, 3 indeterminate (the order may
/// exist: query it, never resend with a new order id), 4 not sent (nothing left: safe to retry).
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The gateway's spec file (specs/<name>.toml).
    #[arg(long, value_name = "PATH")]
    pub spec: PathBuf,
    /// The operation to send (as named in the spec, e.g. `create_payout_twd`).
    #[arg(long, value_name = "NAME")]
    pub operation: String,
    /// Where the gateway is: the operation's path is appended
    /// (`http://127.0.0.1:8080/diamondpay` for `paywire sim`).
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    #[command(flatten)]
    pub secret: KeyArgs,
    /// Read the `{authorization}` header credential (diamondpay's `Authorization`) from this
    /// environment variable.
    #[arg(long, value_name = "VAR")]
    pub authorization_env: Option<String>,
    /// The request fields: a JSON object file, or `-` for standard input. Each value's text is
    /// kept exactly as written; the signature is added.
    #[arg(long = "json", value_name = "FILE")]
    pub fields: PathBuf,
    /// Sign with this profile instead of the operation's.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Whole-request timeout in milliseconds; past it the outcome is indeterminate.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    pub timeout_ms: u64,
}

/// `paywire sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// A spec file, or a pattern with `*` and `?` in the file name (`'specs/*.toml'`, quoted so
    /// the shell leaves it alone). Repeat it, or give several paths after one `--spec`.
    #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
    pub spec: Vec<String>,
    /// Port to listen on (0: any free port; the one chosen is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Keep orders in this SQLite file (created if absent) instead of in memory.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Read the merchant secret every gateway accepts from this environment variable
    /// (default PAYWIRE_SIM_SECRET; when that is unset the sandbox secret `sandbox-secret` is
    /// used, with a warning).
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Read the merchant secret from this file instead (an RSA profile's PEM key: the
    /// simulator verifies with its public half and signs answers and notifications with it).
    #[arg(long, value_name = "PATH", conflicts_with = "secret_env")]
    pub secret_file: Option<PathBuf>,
    /// A credential the profiles sign besides the secret (`--credential access_key=VAR`).
    #[arg(long = "credential", value_name = "NAME=VAR")]
    pub credentials: Vec<String>,
    /// Where notifications go for operations whose requests carry no notification URL (a
    /// URL the merchant sets in the gateway's dashboard).
    #[arg(long, value_name = "URL")]
    pub notify_url: Option<String>,
    /// Read the value expected in `{authorization}` headers from this environment variable
    /// (default: `sandbox-authorization`, with a warning).
    #[arg(long, value_name = "VAR")]
    pub authorization_env: Option<String>,
    /// Time between status steps of an order, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1_000)]
    pub step_ms: u64,
    /// How long a `timeout` fault holds the connection, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    pub hold_ms: u64,
    /// Hold a gateway to one signing profile (`--profile diamondpay=md5-bare-key`; repeat for
    /// several gateways). Without it, a request signed with any profile the spec offers for
    /// it is accepted, and answers and notifications are signed with the merchant's profile.
    #[arg(long, value_name = "GATEWAY=PROFILE", value_parser = gateway_profile)]
    pub profile: Vec<(String, String)>,
    /// What is logged to stderr: `info` (default: every request and notification delivery,
    /// with the reason of each refusal), `warn`, `debug`, or `off`. PAYWIRE_LOG sets it too.
    #[arg(
        long,
        value_name = "LEVEL",
        env = "PAYWIRE_LOG",
        default_value = "info"
    )]
    pub log: LogLevel,
}

/// How much `paywire sim` logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Problems only.
    Warn,
    /// Every request and delivery.
    Info,
    /// More detail.
    Debug,
}

fn gateway_profile(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((g, p)) if !g.trim().is_empty() && !p.trim().is_empty() => {
            Ok((g.trim().to_owned(), p.trim().to_owned()))
        }
        _ => Err(format!(
            "`{text}`: expected GATEWAY=PROFILE, e.g. diamondpay=md5-bare-key"
        )),
    }
}

/// `paywire demo` (no options: it needs nothing but free loopback ports).
#[derive(Debug, Args)]
pub struct DemoArgs {}
