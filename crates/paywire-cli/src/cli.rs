//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sign and verify payment-gateway messages with a paywire spec.
///
/// Exit status: 0 done (signed, verified), 1 the body did not verify, 2 usage or input error.
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
}

/// Where the merchant secret comes from. There is deliberately no `--secret VALUE`: a value on
/// the command line ends up in shell history and process lists.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SecretArgs {
    /// Read the merchant secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Read the merchant secret from this file (trailing line endings are ignored).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
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
    pub secret: SecretArgs,
    /// The params: a JSON object file, or `-` for standard input. Each value's text is kept
    /// exactly as written (`100.10` stays `100.10`).
    #[arg(long = "json", value_name = "FILE")]
    pub params: PathBuf,
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
    pub secret: SecretArgs,
    /// The body as received: a file, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub body: PathBuf,
    /// The body's content type (JSON or form); guessed from the body when absent.
    #[arg(long, value_name = "CT")]
    pub content_type: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}
