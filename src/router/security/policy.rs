//! The Enterprise level's policy: which providers and models may serve,
//! custom detectors, a prompt size limit, required metadata, and kinds
//! that block a request instead of being redacted.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use regex::Regex;

use super::detect::{Detector, Span};
use crate::error::{Error, Result};

/// A validator for a [`RegexDetector`]'s matches.
pub type Validator = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A custom detector: a regular expression, and optionally a validator
/// each match must pass (a checksum, a lookup).
///
/// ```
/// use requesty::router::security::{Detector, RegexDetector};
///
/// let ids = RegexDetector::new("employee_id", r"\bEMP-\d{6}\b")?
///     .validator(|m| !m.ends_with("000000"));
/// let mut spans = Vec::new();
/// ids.find("EMP-123456 and EMP-000000", &mut spans);
/// assert_eq!(spans.len(), 1);
/// assert_eq!(spans[0].placeholder(), "[EMPLOYEE_ID REDACTED]");
/// # Ok::<(), requesty::Error>(())
/// ```
#[derive(Clone)]
pub struct RegexDetector {
    name: String,
    regex: Regex,
    validator: Option<Validator>,
}

impl fmt::Debug for RegexDetector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegexDetector")
            .field("name", &self.name)
            .field("pattern", &self.regex.as_str())
            .field("validator", &self.validator.is_some())
            .finish()
    }
}

impl RegexDetector {
    /// A detector named `name` (`snake_case`; it names the placeholder,
    /// `[NAME REDACTED]`, and the finding) for `pattern` (the `regex`
    /// crate's syntax). A pattern that does not compile, or a name that is
    /// not `snake_case`, is a configuration error.
    pub fn new(name: impl Into<String>, pattern: &str) -> Result<Self> {
        let name = name.into();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(Error::config(format!(
                "detector name {name:?} must be snake_case (a-z, 0-9, _)"
            )));
        }
        let regex = Regex::new(pattern)
            .map_err(|e| Error::config(format!("detector `{name}`: invalid pattern: {e}")))?;
        Ok(RegexDetector {
            name,
            regex,
            validator: None,
        })
    }

    /// Keeps only matches for which `f` returns true.
    pub fn validator(mut self, f: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.validator = Some(Arc::new(f));
        self
    }
}

impl Detector for RegexDetector {
    fn name(&self) -> &str {
        &self.name
    }

    fn find(&self, text: &str, out: &mut Vec<Span>) {
        for m in self.regex.find_iter(text) {
            if m.is_empty() {
                continue;
            }
            if self.validator.as_ref().is_none_or(|v| v(m.as_str())) {
                out.push(Span::new(m.start(), m.end(), self.name.clone()));
            }
        }
    }
}

/// The Enterprise level's rules, set with
/// [`RouterBuilder::security_policy`](crate::router::RouterBuilder::security_policy).
/// They apply to requests whose level is
/// [`Enterprise`](crate::SecurityLevel::Enterprise).
///
/// Model patterns match `provider/model` ids and may use `*` for any run
/// of characters (`openai/*`, `*/gpt-4o*`).
///
/// ```
/// use requesty::router::security::{FindingKind, RegexDetector, SecurityPolicy};
///
/// let policy = SecurityPolicy::new()
///     .deny_providers(["deepseek"])
///     .allow_models(["openai/*", "anthropic/claude-*"])
///     .detector(RegexDetector::new("employee_id", r"\bEMP-\d{6}\b")?)
///     .max_prompt_bytes(64 * 1024)
///     .require_metadata("team")
///     .block(FindingKind::CreditCard)
///     .block("employee_id");
/// # Ok::<(), requesty::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct SecurityPolicy {
    pub(crate) allow_providers: Option<BTreeSet<String>>,
    pub(crate) deny_providers: BTreeSet<String>,
    pub(crate) allow_models: Option<Vec<String>>,
    pub(crate) deny_models: Vec<String>,
    pub(crate) detectors: Vec<Arc<dyn Detector>>,
    pub(crate) max_prompt_bytes: Option<usize>,
    pub(crate) required_metadata: Vec<String>,
    pub(crate) block: BTreeSet<String>,
}

impl fmt::Debug for SecurityPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detectors: Vec<&str> = self.detectors.iter().map(|d| d.name()).collect();
        f.debug_struct("SecurityPolicy")
            .field("allow_providers", &self.allow_providers)
            .field("deny_providers", &self.deny_providers)
            .field("allow_models", &self.allow_models)
            .field("deny_models", &self.deny_models)
            .field("detectors", &detectors)
            .field("max_prompt_bytes", &self.max_prompt_bytes)
            .field("required_metadata", &self.required_metadata)
            .field("block", &self.block)
            .finish()
    }
}

impl SecurityPolicy {
    /// An empty policy (allows everything, adds nothing).
    pub fn new() -> Self {
        SecurityPolicy::default()
    }

    /// Only these providers may serve (by provider id). Calling it again adds.
    pub fn allow_providers<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allow_providers
            .get_or_insert_with(BTreeSet::new)
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// These providers may never serve.
    pub fn deny_providers<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.deny_providers.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Only models matching one of these patterns may serve.
    pub fn allow_models<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allow_models
            .get_or_insert_with(Vec::new)
            .extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Models matching any of these patterns may never serve.
    pub fn deny_models<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.deny_models
            .extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Adds a custom detector; its findings are redacted like the built-in
    /// kinds (or block, with [`block`](Self::block) and its name).
    pub fn detector<D: Detector + 'static>(mut self, detector: D) -> Self {
        self.detectors.push(Arc::new(detector));
        self
    }

    /// Adds a shared custom detector.
    pub fn detector_arc(mut self, detector: Arc<dyn Detector>) -> Self {
        self.detectors.push(detector);
        self
    }

    /// Refuses prompts whose text (every message's text parts, tool
    /// arguments and the bare `prompt`) is longer than `bytes`.
    pub fn max_prompt_bytes(mut self, bytes: usize) -> Self {
        self.max_prompt_bytes = Some(bytes);
        self
    }

    /// Refuses requests without this metadata key (in the request's
    /// `requesty` object, its `metadata` field, or — in server mode — an
    /// `X-Requesty-<key>` header).
    pub fn require_metadata(mut self, key: impl Into<String>) -> Self {
        self.required_metadata.push(key.into());
        self
    }

    /// Refuses a request whose prompt contains this kind (a
    /// [`FindingKind`](super::FindingKind) or a custom detector's name)
    /// instead of redacting it; in an answer, the answer fails instead.
    pub fn block(mut self, kind: impl fmt::Display) -> Self {
        self.block.insert(kind.to_string());
        self
    }

    /// Whether `provider` may serve.
    pub fn provider_allowed(&self, provider: &str) -> bool {
        !self.deny_providers.contains(provider)
            && self
                .allow_providers
                .as_ref()
                .is_none_or(|a| a.contains(provider))
    }

    /// Whether `provider/model` may serve.
    pub fn model_allowed(&self, id: &str) -> bool {
        !self.deny_models.iter().any(|p| glob(p, id))
            && self
                .allow_models
                .as_ref()
                .is_none_or(|a| a.iter().any(|p| glob(p, id)))
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("openai/*", "openai/gpt-4o"));
        assert!(glob("*/gpt-4o*", "openai/gpt-4o-mini"));
        assert!(!glob("*/gpt-4o*", "openai/gpt-4.1"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "ac"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
        assert!(glob("*", ""));
    }

    #[test]
    fn policy_rules() {
        let p = SecurityPolicy::new()
            .deny_providers(["deepseek"])
            .allow_models(["openai/*"]);
        assert!(!p.provider_allowed("deepseek"));
        assert!(p.provider_allowed("openai"));
        assert!(p.model_allowed("openai/gpt-4o"));
        assert!(!p.model_allowed("mistral/large"));
        let only = SecurityPolicy::new().allow_providers(["groq"]);
        assert!(!only.provider_allowed("openai"));
    }

    #[test]
    fn bad_detectors_are_config_errors() {
        assert!(RegexDetector::new("Bad Name", "x").is_err());
        let e = RegexDetector::new("ok", "(").err().map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("detector `ok`: invalid pattern")));
    }
}
