//! A string that never shows in `Debug` or `Display`.

use std::fmt;
use std::sync::Arc;

/// An API key or other secret. `Debug` prints `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Arc<str>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        SecretString(Arc::from(s.into()))
    }

    /// The secret itself; do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the secret in `text` with `[REDACTED]`.
    pub(crate) fn scrub(&self, text: String) -> String {
        if self.0.len() < 4 || !text.contains(&*self.0) {
            return text;
        }
        text.replace(&*self.0, "[REDACTED]")
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString::new(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        SecretString::new(s)
    }
}
