//! The CLI's errors, and the exit status each one gives.

use std::io;
use std::path::PathBuf;

use paywire::received::ReceiveError;
use paywire::spec::SpecErrors;
use paywire::{ClientError, GatewayError, NotificationError, SecretError, VerifyError};

/// Exit status when a body did not verify (bad signature, unreadable body).
pub const EXIT_NOT_VERIFIED: u8 = 1;
/// Exit status of `check` when a spec has problems.
pub const EXIT_INVALID_SPEC: u8 = 1;
/// Exit status of `send` when the gateway rejected the call.
pub const EXIT_REJECTED: u8 = 1;
/// Exit status for usage and input errors (bad spec, unknown profile, missing secret or file).
pub const EXIT_USAGE: u8 = 2;
/// Exit status of `send` when the call was sent and its result is unknown.
pub const EXIT_INDETERMINATE: u8 = 3;
/// Exit status of `send` when nothing was sent.
pub const EXIT_NOT_SENT: u8 = 4;

/// Everything that can stop a command. No variant ever holds the secret.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The spec does not load or validate; every diagnostic is shown.
    #[error("{}", .0.to_string().trim_end())]
    Spec(#[from] SpecErrors),
    /// Unknown profile or notification.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// `--secret-env` names a variable that is unset or empty.
    #[error("{source}: set it to the merchant key, or pass the key with --secret-file PATH")]
    SecretEnv {
        /// Names the variable.
        source: SecretError,
    },
    /// `--secret-file` cannot be read.
    #[error("cannot read the secret file {}: {source}", path.display())]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// `--secret-file` holds nothing but line endings.
    #[error("the secret file {} is empty", .0.display())]
    EmptySecretFile(PathBuf),
    /// `--authorization-env` names a variable that is unset or empty.
    #[error("--authorization-env: {source}: set it to the value of the Authorization header")]
    AuthorizationEnv {
        /// Names the variable.
        source: SecretError,
    },
    /// `--secret-env` of `sim` names a variable that is unset or empty.
    #[error("--secret-env: {source}: set it to the merchant secret the simulator accepts")]
    SimSecretEnv {
        /// Names the variable.
        source: SecretError,
    },
    /// Neither `--secret-env` nor `--secret-file` (clap normally refuses this first).
    #[error("no secret given: pass --secret-env VAR or --secret-file PATH")]
    NoSecret,
    /// An input file cannot be read.
    #[error("cannot read the {what} {path}: {source}")]
    Read {
        /// What the file is for (`params`, `body`).
        what: &'static str,
        /// The path as given (`<stdin>` for `-`).
        path: String,
        /// Why.
        source: io::Error,
    },
    /// The params file is not a JSON object.
    #[error("the {what} {path} is not usable: {source}")]
    BadInput {
        /// What the file is for.
        what: &'static str,
        /// The path as given.
        path: String,
        /// Why.
        source: ReceiveError,
    },
    /// A param carries the secret itself; signing it would put the key in the body.
    #[error(
        "the field `{field}` holds the secret itself: remove it from the params \
         (the profile places the secret itself, template `{template}`)"
    )]
    SecretInParams {
        /// The field.
        field: String,
        /// The profile's template.
        template: String,
    },
    /// A `--credential` is not `NAME=VAR`.
    #[error(
        "`--credential {0}` is not NAME=VAR (the credential's name, `=`, an environment variable)"
    )]
    BadCredential(String),
    /// The key cannot sign with this profile (an RSA key that is not private, a missing
    /// credential).
    #[error("cannot sign: {0}")]
    Key(String),
    /// A `--header` is not `Name: value`.
    #[error("`--header {0}` is not `Name: value`")]
    BadHeader(String),
    /// The output could not be serialized.
    #[error("cannot write the JSON output: {0}")]
    Json(#[from] serde_json::Error),
    /// The output could not be written.
    #[error("cannot write the output: {0}")]
    Output(io::Error),
    /// A notification did not verify or could not be read.
    #[error(transparent)]
    Notification(#[from] NotificationError),
    /// A body's signature did not verify.
    #[error(transparent)]
    Signature(#[from] VerifyError),
    /// The client could not be made (a base URL that is not http(s)).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Some spec files given to `sim` do not load (their diagnostics were printed).
    #[error("{0} spec file(s) did not load; nothing was started")]
    SpecsFailed(usize),
    /// A `--spec` pattern matched no file.
    #[error("--spec {pattern}: {why}")]
    NoSpec {
        /// The pattern as given.
        pattern: String,
        /// Why nothing was found.
        why: String,
    },
    /// The simulator could not be built (a duplicate gateway name, an unusable database).
    #[error("the simulator cannot start: {0}")]
    Sim(#[from] paywire_sim::SimError),
    /// A port could not be bound or served.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(io::Error),
    /// `verify --detect`: no recipe tried reproduces the signature (the summary shows the
    /// spec's canonical strings side by side).
    #[error("{}", .0.trim_end())]
    NoRecipe(String),
    /// `check`: some specs have problems (each was printed, located).
    #[error("{bad} of {total} spec file(s) have problems")]
    SpecsInvalid {
        /// Specs with problems.
        bad: usize,
        /// Specs given.
        total: usize,
    },
    /// `check`: some spec files could not be read (each was printed).
    #[error("{0} spec file(s) could not be read")]
    SpecsUnreadable(usize),
    /// `codegen` / `new`: the shared tooling refused (bad name, generated code does not parse).
    #[error(transparent)]
    Tool(#[from] paywire_tooling::ToolError),
    /// `new`: the target directory cannot receive the crate, or `--paywire-path` is unusable.
    #[error("{0}")]
    Refused(String),
    /// An output file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// A body to verify could not be read as JSON or form fields.
    #[error("the body {path} cannot be read: {source}")]
    UnreadableBody {
        /// The path as given.
        path: String,
        /// Why.
        source: ReceiveError,
    },
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Notification(_)
            | CliError::Signature(_)
            | CliError::NoRecipe(_)
            | CliError::UnreadableBody { .. } => EXIT_NOT_VERIFIED,
            CliError::SpecsInvalid { .. } => EXIT_INVALID_SPEC,
            _ => EXIT_USAGE,
        }
    }

    /// A next step for the user, when there is an obvious one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CliError::Signature(_) | CliError::Notification(NotificationError::Signature(_)) => {
                Some(
                    "do not trust this body (query the order's status instead); check the secret \
                     and the profile, and run `paywire sign --spec .. --profile .. --json BODY \
                     --explain` to see the canonical string this body gives",
                )
            }
            CliError::Gateway(GatewayError::MissingCredential { .. }) => Some(
                "pass --authorization-env VAR, with VAR holding the header's value (for `paywire \
                 sim`, the value it printed or took from its own --authorization-env)",
            ),
            CliError::Listen { .. } => Some(
                "pick another --port, or --port 0 for any free port (the one chosen is printed)",
            ),
            CliError::Notification(NotificationError::Unreadable(_))
            | CliError::UnreadableBody { .. } => Some(
                "a body must be a JSON object or form fields; --content-type application/json or \
                 application/x-www-form-urlencoded says which when it cannot be guessed",
            ),
            _ => None,
        }
    }
}
