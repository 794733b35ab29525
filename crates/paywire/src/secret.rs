//! Secrets: merchant keys and tokens that never show in Debug, Display, errors or logs.

use std::fmt;

use zeroize::Zeroizing;

/// A merchant secret (signing key, API token). Debug and Display print a mask; the bytes are
/// zeroized when the value is dropped.
///
/// ```
/// let s = paywire::Secret::new("ThisIsYourSecretKey123");
/// assert_eq!(format!("{s:?}"), "Secret(****)");
/// assert_eq!(s.expose(), "ThisIsYourSecretKey123");
/// ```
///
/// A profile can sign credentials other than the secret (a credential slot: MoMo's
/// `accessKey`, signed but never sent). They travel with the secret, masked the same way:
///
/// ```
/// let s = paywire::Secret::new("key").with_credential("access_key", "F8BBA842ECF85");
/// assert_eq!(s.credential("access_key"), Some("F8BBA842ECF85"));
/// assert_eq!(format!("{s:?}"), "Secret(****)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>, Vec<(String, Zeroizing<String>)>);

impl Secret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()), Vec::new())
    }

    /// The same secret with a named credential that profiles sign (`credentials` slots).
    pub fn with_credential(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.1.retain(|(n, _)| *n != name);
        self.1.push((name, Zeroizing::new(value.into())));
        self
    }

    /// A named credential given with [`Secret::with_credential`]; `"secret"` is the secret.
    pub fn credential(&self, name: &str) -> Option<&str> {
        if name == "secret" {
            return Some(&self.0);
        }
        self.1
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The names of the credentials given besides the secret.
    pub fn credential_names(&self) -> impl Iterator<Item = &str> {
        self.1.iter().map(|(n, _)| n.as_str())
    }

    /// Read a secret from an environment variable.
    pub fn from_env(var: &str) -> Result<Self, SecretError> {
        match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Self::new(v)),
            Ok(_) => Err(SecretError::Empty(var.to_owned())),
            Err(_) => Err(SecretError::Missing(var.to_owned())),
        }
    }

    /// The secret itself. Call it only where the secret is used (a digest, a header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// A secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The variable is not set.
    #[error("environment variable {0} is not set")]
    Missing(String),
    /// The variable is empty.
    #[error("environment variable {0} is empty")]
    Empty(String),
}
