//! Reading the files a command is given: params, bodies, secrets.

use std::io::Read as _;
use std::path::Path;

use paywire::Secret;

use crate::cli::{KeyArgs, SecretArgs};
use crate::error::CliError;

/// The path as shown in messages (`<stdin>` for `-`).
pub fn shown(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Read a whole input file, or standard input for `-`.
pub fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, CliError> {
    let result = if is_stdin(path) {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map(|_| buf)
    } else {
        std::fs::read(path)
    };
    result.map_err(|source| CliError::Read {
        what,
        path: shown(path),
        source,
    })
}

impl SecretArgs {
    /// The merchant secret, from the environment variable or the file given. A file's trailing
    /// line endings are not part of the secret.
    pub fn load(&self) -> Result<Secret, CliError> {
        self.load_secret()
    }

    fn load_secret(&self) -> Result<Secret, CliError> {
        if let Some(var) = &self.secret_env {
            return Secret::from_env(var).map_err(|source| CliError::SecretEnv { source });
        }
        let Some(path) = &self.secret_file else {
            return Err(CliError::NoSecret);
        };
        let mut text = std::fs::read_to_string(path).map_err(|source| CliError::SecretFile {
            path: path.clone(),
            source,
        })?;
        let len = text.trim_end_matches(['\r', '\n']).len();
        text.truncate(len);
        // Wrapped at once so the text is zeroized when dropped.
        let secret = Secret::new(text);
        if secret.expose().is_empty() {
            return Err(CliError::EmptySecretFile(path.clone()));
        }
        Ok(secret)
    }
}

impl KeyArgs {
    /// The secret, with every `--credential` read from its environment variable.
    pub fn load(&self) -> Result<Secret, CliError> {
        with_credentials(self.secret.load()?, &self.credentials)
    }
}

/// `secret` with each `--credential NAME=VAR` read from its environment variable.
pub fn with_credentials(mut secret: Secret, credentials: &[String]) -> Result<Secret, CliError> {
    for spec in credentials {
        let Some((name, var)) = spec
            .split_once('=')
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        else {
            return Err(CliError::BadCredential(spec.clone()));
        };
        let value = Secret::from_env(var).map_err(|source| CliError::SecretEnv { source })?;
        secret = secret.with_credential(name, value.expose());
    }
    Ok(secret)
}
