//! The `router.toml` configuration: parsing with line and column numbers in
//! errors, and turning it into a [`RouterBuilder`] and server [`Settings`].
//!
//! The file format is documented in `docs/server.md`; `examples/router.toml`
//! shows every section. API keys are never written in the file: providers
//! and client keys name environment variables (client keys may also be
//! given as SHA-256 hashes).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::auth::ClientKey;
use crate::router::log::{BodyMode, HttpSink, JsonlSink, LogConfig};
use crate::router::providers::openai_compat::OpenAiCompatible;
use crate::router::providers::{Anthropic, Gemini, Mock};
use crate::router::security::{RegexDetector, SecurityPolicy};
use crate::router::{CacheConfig, Policy, ProviderTimeouts, Router, RouterBuilder};
use crate::types::SecurityLevel;

/// The address the server listens on by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The folder JSONL logs go to by default.
pub const DEFAULT_LOG_DIR: &str = "./requesty-logs";
/// The largest request body accepted by default (8 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The default of [`Settings::max_in_flight`]: 4,096 chat requests at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4096;
/// How often an idle stream gets a keep-alive comment by default.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long in-flight requests may take to finish after a shutdown signal by default.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A configuration error, with its place in the file when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong.
    pub message: String,
    /// The file (or `<embedded defaults>`).
    pub source_name: String,
    /// 1-based line and column of the offending value.
    pub position: Option<(usize, usize)>,
    /// The offending line's text.
    pub line_text: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.source_name, self.message)?,
            None => write!(f, "{}: {}", self.source_name, self.message)?,
        }
        if let (Some(text), Some((line, col))) = (&self.line_text, self.position) {
            let gutter = line.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {:>col$}",
                "", "", "^"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Runtime settings of the HTTP server (everything that is not the router).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The largest request body accepted (larger: 413).
    pub max_body_bytes: usize,
    /// The most chat requests (streams included) handled at once; more are
    /// refused at once with 503 and `Retry-After: 1` (load shedding), so an
    /// overload cannot queue without bound.
    pub max_in_flight: usize,
    /// The interval of `: keep-alive` comments on an idle stream.
    pub keep_alive: Duration,
    /// How long in-flight requests and streams may take after a shutdown signal.
    pub shutdown_grace: Duration,
    /// How long flushing the log sinks may take at shutdown.
    pub flush_timeout: Duration,
    /// The client keys; empty means "any bearer token, loopback only".
    pub client_keys: Vec<ClientKey>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            keep_alive: DEFAULT_KEEP_ALIVE,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            flush_timeout: Duration::from_secs(10),
            client_keys: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------- raw file

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    router: RawRouter,
    #[serde(default)]
    providers: BTreeMap<String, Spanned<RawProvider>>,
    #[serde(default)]
    policies: BTreeMap<String, Spanned<RawPolicy>>,
    #[serde(default)]
    aliases: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    security: RawSecurity,
    #[serde(default)]
    logging: RawLogging,
    #[serde(default)]
    client_keys: Vec<Spanned<RawClientKey>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    max_body_bytes: Option<usize>,
    max_in_flight: Option<usize>,
    keep_alive_ms: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    flush_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRouter {
    default_model: Option<Spanned<String>>,
    retries: Option<u32>,
    env_providers: Option<bool>,
    fallback_statuses: Option<Vec<u16>>,
    circuit_breaker: Option<RawBreaker>,
    cache: Option<RawCache>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreaker {
    failures: u32,
    cooldown_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    capacity: usize,
    ttl_secs: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    api_key_env: Option<Spanned<String>>,
    base_url: Option<String>,
    timeout_secs: Option<f64>,
    first_token_timeout_secs: Option<f64>,
    /// `auto` (default), `direct` or `reqwest`: see [`crate::HttpEngine`].
    http_engine: Option<Spanned<String>>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Mock only.
    models: Option<Vec<String>>,
    /// Mock only.
    reply: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(rename = "type", default = "fallback")]
    kind: String,
    targets: Vec<RawTarget>,
    retries: Option<u32>,
}

fn fallback() -> String {
    "fallback".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawTarget {
    Plain(String),
    Detailed {
        target: String,
        #[serde(default = "one")]
        weight: f64,
        retries: Option<u32>,
    },
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecurity {
    level: Option<Spanned<String>>,
    allow_providers: Option<Vec<String>>,
    #[serde(default)]
    deny_providers: Vec<String>,
    allow_models: Option<Vec<String>>,
    #[serde(default)]
    deny_models: Vec<String>,
    max_prompt_bytes: Option<usize>,
    #[serde(default)]
    require_metadata: Vec<String>,
    #[serde(default)]
    block: Vec<Spanned<String>>,
    #[serde(default)]
    detectors: Vec<Spanned<RawDetector>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetector {
    name: String,
    pattern: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogging {
    /// `false` turns the JSONL files off.
    jsonl: Option<bool>,
    dir: Option<String>,
    max_file_bytes: Option<u64>,
    bodies: Option<Spanned<String>>,
    queue: Option<usize>,
    #[serde(default)]
    http: Vec<Spanned<RawHttpSink>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpSink {
    url: String,
    bearer_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClientKey {
    name: String,
    key_sha256: Option<String>,
    key_env: Option<String>,
    requests_per_minute: Option<u32>,
    monthly_spend_usd: Option<f64>,
}

// ---------------------------------------------------------------- Config

/// A parsed configuration file (or the embedded defaults).
///
/// ```
/// use requesty::server::Config;
/// let cfg = Config::parse(r#"
/// [providers.mock]
/// type = "mock"
/// [router]
/// default_model = "mock/mock-1"
/// "#, "router.toml")?;
/// let built = cfg.build(&|_: &str| None::<String>)?;
/// assert_eq!(built.router.provider_ids(), ["mock"]);
/// # Ok::<(), requesty::server::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct Config {
    raw: Raw,
    text: String,
    source_name: String,
    embedded: bool,
}

/// What [`Config::build`] gives: the router, the server settings, and
/// what was configured (for the start-up message).
#[derive(Debug)]
pub struct Built {
    /// The router.
    pub router: Router,
    /// The server settings.
    pub settings: Settings,
    /// Human-readable lines describing the configuration (no secrets).
    pub summary: Vec<String>,
    /// Problems that do not stop the server (e.g. a provider variable that is unset).
    pub warnings: Vec<String>,
}

impl Config {
    /// Parses a configuration text; `source_name` names it in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let mut err = ConfigError {
                message: e.message().trim_end().to_owned(),
                source_name: source_name.to_owned(),
                position: None,
                line_text: None,
            };
            if let Some(span) = e.span() {
                locate(&mut err, text, span);
            }
            err
        })?;
        Ok(Config {
            raw,
            text: text.to_owned(),
            source_name: source_name.to_owned(),
            embedded: false,
        })
    }

    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            message: format!("cannot read the file: {e}"),
            source_name: path.display().to_string(),
            position: None,
            line_text: None,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The embedded defaults: providers from the environment's key
    /// variables, JSONL logs in `./requesty-logs/`, 127.0.0.1:8080, no
    /// client keys.
    pub fn embedded() -> Config {
        Config {
            raw: Raw::default(),
            text: String::new(),
            source_name: "<embedded defaults>".to_owned(),
            embedded: true,
        }
    }

    /// Whether these are the embedded defaults.
    pub fn is_embedded(&self) -> bool {
        self.embedded
    }

    fn err(&self, message: impl Into<String>, span: Option<Range<usize>>) -> ConfigError {
        let mut e = ConfigError {
            message: message.into(),
            source_name: self.source_name.clone(),
            position: None,
            line_text: None,
        };
        if let Some(span) = span {
            locate(&mut e, &self.text, span);
        }
        e
    }

    /// Builds the router and the settings, reading environment variables
    /// through `env` (provider keys, client keys, sink tokens). A variable
    /// a configured provider needs but that is unset is an error.
    pub fn build(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Built, ConfigError> {
        self.build_inner(env, false)
    }

    /// Like [`build`](Self::build), but unset variables are warnings and
    /// placeholders stand in for them (what `check-config` wants: the file
    /// is checked, not the environment).
    pub fn check(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Built, ConfigError> {
        self.build_inner(env, true)
    }

    fn build_inner(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        lenient: bool,
    ) -> Result<Built, ConfigError> {
        let raw = &self.raw;
        let mut summary = Vec::new();
        let mut warnings = Vec::new();
        let nonempty = |k: &str| {
            env(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        // Server settings.
        let mut settings = Settings::default();
        if let Some(listen) = &raw.server.listen {
            settings.listen = listen.get_ref().parse().map_err(|_| {
                self.err(
                    format!(
                        "server.listen: {:?} is not an address such as \"127.0.0.1:8080\"",
                        listen.get_ref()
                    ),
                    Some(listen.span()),
                )
            })?;
        }
        if let Some(n) = raw.server.max_body_bytes {
            if n == 0 {
                return Err(self.err("server.max_body_bytes must be at least 1", None));
            }
            settings.max_body_bytes = n;
        }
        if let Some(n) = raw.server.max_in_flight {
            if n == 0 {
                return Err(self.err("server.max_in_flight must be at least 1", None));
            }
            settings.max_in_flight = n;
        }
        if let Some(ms) = raw.server.keep_alive_ms {
            if ms == 0 {
                return Err(self.err("server.keep_alive_ms must be at least 1", None));
            }
            settings.keep_alive = Duration::from_millis(ms);
        }
        if let Some(s) = raw.server.shutdown_grace_secs {
            settings.shutdown_grace = Duration::from_secs(s);
        }
        if let Some(s) = raw.server.flush_timeout_secs {
            settings.flush_timeout = Duration::from_secs(s);
        }

        // Router.
        let mut b = Router::builder();
        let mut provider_names = Vec::new();
        for (id, p) in &raw.providers {
            let (provider_b, line) = self.provider(id, p, env, lenient, &mut warnings)?;
            b = provider_b(b);
            provider_names.push(line);
            let t = p.get_ref();
            let secs = |field: &str, v: Option<f64>| -> Result<Option<Duration>, ConfigError> {
                match v {
                    None => Ok(None),
                    Some(x) if x.is_finite() && x > 0.0 && x < 1e9 => {
                        Ok(Some(Duration::from_secs_f64(x)))
                    }
                    Some(x) => Err(self.err(
                        format!("providers.{id}.{field}: {x} must be a positive number of seconds"),
                        Some(p.span()),
                    )),
                }
            };
            let total = secs("timeout_secs", t.timeout_secs)?;
            let first_token = secs("first_token_timeout_secs", t.first_token_timeout_secs)?;
            if total.is_some() || first_token.is_some() {
                b = b.timeouts(id.clone(), ProviderTimeouts { total, first_token });
            }
        }
        let env_providers = raw.router.env_providers.unwrap_or(raw.providers.is_empty());
        if env_providers {
            let found = env_provider_list(env, &raw.providers)
                .map_err(|e| self.err(format!("a provider from the environment: {e}"), None))?;
            for (id, p) in found {
                provider_names.push(format!("{id} (from the environment)"));
                b = b.provider_arc(p);
            }
        }
        if provider_names.is_empty() {
            warnings.push(
                "no providers: set a key variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, \
                 GEMINI_API_KEY, MISTRAL_API_KEY, OLLAMA_BASE_URL, …) or add [providers.<id>]"
                    .to_owned(),
            );
        }
        summary.push(format!(
            "providers: {}",
            if provider_names.is_empty() {
                "none".to_owned()
            } else {
                provider_names.join(", ")
            }
        ));

        for (name, p) in &raw.policies {
            let policy = self.policy(name, p)?;
            b = b.policy(name.clone(), policy);
        }
        if !raw.policies.is_empty() {
            let names: Vec<String> = raw.policies.keys().map(|n| format!("policy/{n}")).collect();
            summary.push(format!("policies: {}", names.join(", ")));
        }
        for (alias, target) in &raw.aliases {
            b = b.alias(alias.clone(), target.get_ref().clone());
        }
        if !raw.aliases.is_empty() {
            let names: Vec<String> = raw
                .aliases
                .iter()
                .map(|(a, t)| format!("{a} → {}", t.get_ref()))
                .collect();
            summary.push(format!("aliases: {}", names.join(", ")));
        }
        if let Some(d) = &raw.router.default_model {
            b = b.default_model(d.get_ref().clone());
            summary.push(format!("default model: {}", d.get_ref()));
        }
        if let Some(r) = raw.router.retries {
            if r > 10 {
                return Err(self.err("router.retries must be at most 10", None));
            }
            b = b.retries(r);
        }
        if let Some(s) = &raw.router.fallback_statuses {
            b = b.fallback_statuses(s.iter().copied());
        }
        if let Some(cb) = &raw.router.circuit_breaker {
            b = b.circuit_breaker(cb.failures, Duration::from_secs(cb.cooldown_secs));
        }
        if let Some(c) = &raw.router.cache {
            b = b.cache(CacheConfig {
                capacity: c.capacity,
                ttl: Duration::from_secs(c.ttl_secs),
            });
            summary.push(format!(
                "cache: {} answers for {} s",
                c.capacity, c.ttl_secs
            ));
        }

        // Security.
        let sec = &raw.security;
        let level = match &sec.level {
            Some(l) => l
                .get_ref()
                .parse::<SecurityLevel>()
                .map_err(|_| {
                    self.err(
                        format!(
                            "security.level: unknown level {:?}; use none, basic, advanced or enterprise",
                            l.get_ref()
                        ),
                        Some(l.span()),
                    )
                })?,
            None => SecurityLevel::None,
        };
        b = b.security(level);
        let mut policy = SecurityPolicy::new();
        if let Some(a) = &sec.allow_providers {
            policy = policy.allow_providers(a.iter().cloned());
        }
        policy = policy.deny_providers(sec.deny_providers.iter().cloned());
        if let Some(a) = &sec.allow_models {
            policy = policy.allow_models(a.iter().cloned());
        }
        policy = policy.deny_models(sec.deny_models.iter().cloned());
        if let Some(n) = sec.max_prompt_bytes {
            policy = policy.max_prompt_bytes(n);
        }
        for k in &sec.require_metadata {
            policy = policy.require_metadata(k.clone());
        }
        let mut detector_names = Vec::new();
        for d in &sec.detectors {
            let det = RegexDetector::new(d.get_ref().name.clone(), &d.get_ref().pattern)
                .map_err(|e| self.err(format!("security.detectors: {e}"), Some(d.span())))?;
            detector_names.push(d.get_ref().name.clone());
            policy = policy.detector(det);
        }
        for k in &sec.block {
            let name = k.get_ref();
            let known = name.parse::<crate::router::security::FindingKind>().is_ok()
                || detector_names.contains(name);
            if !known {
                return Err(self.err(
                    format!(
                        "security.block: {name:?} is neither a finding kind (credit_card, email, \
                         openai_key, prompt_injection, …) nor a configured detector's name"
                    ),
                    Some(k.span()),
                ));
            }
            policy = policy.block(name);
        }
        b = b.security_policy(policy);
        summary.push(format!("security level: {level}"));

        // Logging.
        let log = &raw.logging;
        let mut log_config = LogConfig::default();
        if let Some(bodies) = &log.bodies {
            log_config.bodies = match bodies.get_ref().as_str() {
                "metadata_only" => BodyMode::MetadataOnly,
                "redacted" => BodyMode::Redacted,
                "full" => BodyMode::Full,
                other => {
                    return Err(self.err(
                        format!(
                            "logging.bodies: unknown mode {other:?}; use metadata_only, redacted or full"
                        ),
                        Some(bodies.span()),
                    ));
                }
            };
        }
        if let Some(q) = log.queue {
            log_config.queue = q.max(1);
        }
        b = b.log_config(log_config);
        let mut sinks = Vec::new();
        if log.jsonl.unwrap_or(true) {
            let dir = PathBuf::from(log.dir.as_deref().unwrap_or(DEFAULT_LOG_DIR));
            let mut sink = JsonlSink::new(dir.clone());
            if let Some(n) = log.max_file_bytes {
                sink = sink.max_bytes(n);
            }
            b = b.sink(sink);
            sinks.push(format!("JSONL files in {}", dir.display()));
        }
        for h in &log.http {
            let h_ref = h.get_ref();
            if url::Url::parse(&h_ref.url).is_err() {
                return Err(self.err(
                    format!("logging.http: {:?} is not a URL", h_ref.url),
                    Some(h.span()),
                ));
            }
            let mut sink = HttpSink::new(h_ref.url.clone());
            if let Some(var) = &h_ref.bearer_env {
                match nonempty(var) {
                    Some(token) => sink = sink.bearer(token),
                    None if lenient => warnings.push(format!(
                        "logging.http ({}): the variable {var} is not set",
                        h_ref.url
                    )),
                    None => {
                        return Err(self.err(
                            format!("logging.http: the variable {var} (bearer_env) is not set"),
                            Some(h.span()),
                        ));
                    }
                }
            }
            b = b.sink(sink);
            sinks.push(format!("HTTP {}", h_ref.url));
        }
        summary.push(format!(
            "logs: {}",
            if sinks.is_empty() {
                "in memory only".to_owned()
            } else {
                sinks.join(", ")
            }
        ));

        // Client keys.
        let mut names = std::collections::BTreeSet::new();
        for k in &raw.client_keys {
            let r = k.get_ref();
            let at = Some(k.span());
            if !names.insert(r.name.clone()) {
                return Err(self.err(
                    format!("client_keys: the name {:?} is used twice", r.name),
                    at,
                ));
            }
            let mut key = match (&r.key_sha256, &r.key_env) {
                (Some(hex), None) => ClientKey::from_sha256_hex(r.name.clone(), hex)
                    .map_err(|e| self.err(format!("client_keys ({}): {e}", r.name), at.clone()))?,
                (None, Some(var)) => match nonempty(var) {
                    Some(secret) => ClientKey::new(r.name.clone(), &secret),
                    None if lenient => {
                        warnings.push(format!(
                            "client key {:?}: the variable {var} is not set",
                            r.name
                        ));
                        ClientKey::new(r.name.clone(), "placeholder-for-check-config")
                    }
                    None => {
                        return Err(self.err(
                            format!(
                                "client key {:?}: the variable {var} (key_env) is not set",
                                r.name
                            ),
                            at,
                        ));
                    }
                },
                _ => {
                    return Err(self.err(
                        format!(
                            "client key {:?}: give exactly one of key_sha256 and key_env",
                            r.name
                        ),
                        at,
                    ));
                }
            };
            if let Some(n) = r.requests_per_minute {
                if n == 0 {
                    return Err(self.err(
                        format!(
                            "client key {:?}: requests_per_minute must be at least 1",
                            r.name
                        ),
                        at,
                    ));
                }
                key = key.requests_per_minute(n);
            }
            if let Some(usd) = r.monthly_spend_usd {
                if !(usd.is_finite() && usd >= 0.0) {
                    return Err(self.err(
                        format!(
                            "client key {:?}: monthly_spend_usd must be a positive number",
                            r.name
                        ),
                        at,
                    ));
                }
                key = key.monthly_spend_usd(usd);
            }
            if settings.client_keys.iter().any(|c| c.same_key(&key)) {
                return Err(self.err(
                    format!("client key {:?}: the same key is configured twice", r.name),
                    at,
                ));
            }
            settings.client_keys.push(key);
        }
        summary.push(if settings.client_keys.is_empty() {
            "client keys: none (any bearer token is accepted; loopback addresses only)".to_owned()
        } else {
            format!(
                "client keys: {}",
                names.into_iter().collect::<Vec<_>>().join(", ")
            )
        });

        let router = b.build().map_err(|e| self.router_error(&e.to_string()))?;
        Ok(Built {
            router,
            settings,
            summary,
            warnings,
        })
    }

    /// Places a `RouterBuilder::build` error on the policy, alias or
    /// default model it names.
    fn router_error(&self, message: &str) -> ConfigError {
        let msg = message
            .strip_prefix("configuration error: ")
            .unwrap_or(message);
        let named = |prefix: &str| -> Option<String> {
            let rest = msg.strip_prefix(prefix)?;
            let end = rest.find('`')?;
            Some(rest[..end].to_owned())
        };
        let span = if let Some(name) = named("policy `") {
            self.raw.policies.get(&name).map(Spanned::span)
        } else if let Some(name) = named("alias `") {
            self.raw.aliases.get(&name).map(Spanned::span)
        } else if msg.starts_with("default model") {
            self.raw.router.default_model.as_ref().map(Spanned::span)
        } else if let Some(name) = named("provider `") {
            self.raw.providers.get(&name).map(Spanned::span)
        } else {
            None
        };
        self.err(msg.to_owned(), span)
    }

    #[allow(clippy::type_complexity)]
    fn provider(
        &self,
        id: &str,
        p: &Spanned<RawProvider>,
        env: &dyn Fn(&str) -> Option<String>,
        lenient: bool,
        warnings: &mut Vec<String>,
    ) -> Result<(Box<dyn FnOnce(RouterBuilder) -> RouterBuilder>, String), ConfigError> {
        let raw = p.get_ref();
        let at = || Some(raw.kind.as_ref().map_or_else(|| p.span(), Spanned::span));
        let kind = raw
            .kind
            .as_ref()
            .map_or_else(|| id.to_owned(), |k| k.get_ref().clone());
        let nonempty = |k: &str| {
            env(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        // The key: from `api_key_env`, else the kind's usual variable.
        let key_var = raw.api_key_env.as_ref().map(|v| v.get_ref().clone());
        let need_key = |default_var: Option<&str>,
                        warnings: &mut Vec<String>|
         -> Result<Option<String>, ConfigError> {
            let Some(var) = key_var.clone().or(default_var.map(str::to_owned)) else {
                return Ok(None);
            };
            match nonempty(&var) {
                Some(k) => Ok(Some(k)),
                None if lenient => {
                    warnings.push(format!("provider `{id}`: the variable {var} is not set"));
                    Ok(Some("placeholder-for-check-config".to_owned()))
                }
                None => Err(self.err(
                    format!(
                        "provider `{id}`: the variable {var} is not set (it holds the API key); \
                         set it, or remove the provider"
                    ),
                    raw.api_key_env.as_ref().map_or_else(at, |v| Some(v.span())),
                )),
            }
        };
        let mock_only = raw.models.is_some() || raw.reply.is_some();
        if mock_only && kind != "mock" {
            return Err(self.err(
                format!("provider `{id}`: `models` and `reply` are for type = \"mock\" only"),
                at(),
            ));
        }
        if !raw.headers.is_empty()
            && kind != "openai_compatible"
            && OpenAiCompatible::preset(&kind).is_none()
        {
            return Err(self.err(
                format!("provider `{id}`: `headers` are for OpenAI-compatible providers only"),
                at(),
            ));
        }
        let cfg_err = |e: crate::Error| self.err(format!("provider `{id}`: {e}"), at());
        let engine = match &raw.http_engine {
            None => crate::HttpEngine::Auto,
            Some(e) => match (e.get_ref().as_str(), kind.as_str()) {
                (_, "mock") => {
                    return Err(self.err(
                        format!("provider `{id}`: `http_engine` is for HTTP providers, not mock"),
                        Some(e.span()),
                    ));
                }
                ("auto", _) => crate::HttpEngine::Auto,
                ("direct", _) => crate::HttpEngine::Direct,
                ("reqwest", _) => crate::HttpEngine::Reqwest,
                (other, _) => {
                    return Err(self.err(
                        format!(
                            "provider `{id}`: unknown http_engine {other:?}; use \"auto\", \"direct\" or \"reqwest\""
                        ),
                        Some(e.span()),
                    ));
                }
            },
        };
        let fixed_id = |kind: &str| -> Result<(), ConfigError> {
            if id != kind {
                return Err(self.err(
                    format!(
                        "provider `{id}`: type `{kind}` must be configured as [providers.{kind}] \
                         (for another id, use an OpenAI-compatible preset or type = \"openai_compatible\")"
                    ),
                    at(),
                ));
            }
            Ok(())
        };
        type Add = Box<dyn FnOnce(RouterBuilder) -> RouterBuilder>;
        let (add, desc): (Add, String) = match kind.as_str() {
            "mock" => {
                let mut m = Mock::new(id);
                if let Some(models) = &raw.models {
                    m = m.models(models.iter().cloned());
                }
                if let Some(reply) = &raw.reply {
                    m = m.text(reply.clone());
                }
                (
                    Box::new(move |b| b.provider(m)),
                    format!("{id} (mock, for testing)"),
                )
            }
            "openai_compatible" => {
                let Some(base) = raw.base_url.clone() else {
                    return Err(self.err(
                        format!("provider `{id}`: type \"openai_compatible\" needs a base_url"),
                        at(),
                    ));
                };
                let mut p = OpenAiCompatible::new(id, base.clone()).http_engine(engine);
                if let Some(k) = need_key(None, warnings)? {
                    p = p.api_key(k);
                }
                for (n, v) in &raw.headers {
                    p = p.header(n.clone(), v.clone());
                }
                p.client().map_err(cfg_err)?;
                (Box::new(move |b| b.provider(p)), format!("{id} ({base})"))
            }
            "anthropic" => {
                fixed_id("anthropic")?;
                let key = need_key(Some("ANTHROPIC_API_KEY"), warnings)?.unwrap_or_default();
                let base = raw.base_url.clone();
                let p = Anthropic::from_vars(|k| match k {
                    "ANTHROPIC_API_KEY" => Some(key.clone()),
                    "ANTHROPIC_BASE_URL" => base.clone(),
                    _ => None,
                })
                .map_err(cfg_err)?;
                let p = p.ok_or_else(|| self.err(format!("provider `{id}`: no API key"), at()))?;
                let p = p.http_engine(engine);
                (Box::new(move |b| b.provider(p)), "anthropic".to_owned())
            }
            "gemini" => {
                fixed_id("gemini")?;
                let key = need_key(Some("GEMINI_API_KEY"), warnings)?.unwrap_or_default();
                let base = raw.base_url.clone();
                let p = Gemini::from_vars(|k| match k {
                    "GEMINI_API_KEY" => Some(key.clone()),
                    "GEMINI_BASE_URL" => base.clone(),
                    _ => None,
                })
                .map_err(cfg_err)?;
                let p = p.ok_or_else(|| self.err(format!("provider `{id}`: no API key"), at()))?;
                let p = p.http_engine(engine);
                (Box::new(move |b| b.provider(p)), "gemini".to_owned())
            }
            preset_id => {
                let Some(preset) = OpenAiCompatible::preset(preset_id) else {
                    let presets: Vec<&str> =
                        OpenAiCompatible::PRESETS.iter().map(|p| p.id).collect();
                    return Err(self.err(
                        format!(
                            "provider `{id}`: unknown type {preset_id:?}; use one of {}, \
                             openai_compatible, anthropic, gemini, mock",
                            presets.join(", ")
                        ),
                        at(),
                    ));
                };
                let key = match preset.key_var {
                    Some(var) => need_key(Some(var), warnings)?,
                    None => {
                        if key_var.is_some() {
                            need_key(None, warnings)?
                        } else {
                            None
                        }
                    }
                };
                let base = raw
                    .base_url
                    .clone()
                    .unwrap_or_else(|| preset.base_url.to_owned());
                let own_key_var = format!("{}_API_KEY", preset.id.to_ascii_uppercase());
                let mut p = OpenAiCompatible::from_vars(preset.id, |k| {
                    if Some(k) == preset.key_var || k == own_key_var {
                        key.clone()
                    } else if k == preset.base_url_var {
                        Some(base.clone())
                    } else {
                        None
                    }
                })
                .map_err(cfg_err)?
                .ok_or_else(|| self.err(format!("provider `{id}`: no API key"), at()))?;
                if id != preset.id {
                    p = p.with_id(id);
                }
                p = p.http_engine(engine);
                for (n, v) in &raw.headers {
                    p = p.header(n.clone(), v.clone());
                }
                (Box::new(move |b| b.provider(p)), format!("{id} ({base})"))
            }
        };
        Ok((add, desc))
    }

    fn policy(&self, name: &str, p: &Spanned<RawPolicy>) -> Result<Policy, ConfigError> {
        let raw = p.get_ref();
        let at = Some(p.span());
        if raw.targets.is_empty() {
            return Err(self.err(format!("policy `{name}` has no targets"), at));
        }
        let entries: Vec<(String, f64, Option<u32>)> = raw
            .targets
            .iter()
            .map(|t| match t {
                RawTarget::Plain(s) => (s.clone(), 1.0, None),
                RawTarget::Detailed {
                    target,
                    weight,
                    retries,
                } => (target.clone(), *weight, *retries),
            })
            .collect();
        let mut policy = match raw.kind.as_str() {
            "fallback" => Policy::fallback(entries.iter().map(|e| e.0.clone())),
            "load_balance" => Policy::load_balance(entries.iter().map(|e| (e.0.clone(), e.1))),
            "latency" => Policy::latency(entries.iter().map(|e| e.0.clone())),
            other => {
                return Err(self.err(
                    format!(
                        "policy `{name}`: unknown type {other:?}; use fallback, load_balance or latency"
                    ),
                    at,
                ));
            }
        };
        if raw.kind != "load_balance" && entries.iter().any(|e| e.1 != 1.0) {
            return Err(self.err(
                format!("policy `{name}`: weights are for type = \"load_balance\" only"),
                at,
            ));
        }
        if let Some(r) = raw.retries {
            policy = policy.retries(r);
        }
        for (target, _, retries) in &entries {
            if let Some(r) = retries {
                policy = policy.target_retries(target, *r);
            }
        }
        Ok(policy)
    }
}

/// The providers whose variables are set, skipping ids configured explicitly.
fn env_provider_list(
    env: &dyn Fn(&str) -> Option<String>,
    explicit: &BTreeMap<String, Spanned<RawProvider>>,
) -> crate::Result<Vec<(String, std::sync::Arc<dyn crate::router::Provider>)>> {
    let mut out: Vec<(String, std::sync::Arc<dyn crate::router::Provider>)> = Vec::new();
    for preset in OpenAiCompatible::PRESETS {
        if explicit.contains_key(preset.id) {
            continue;
        }
        if let Some(p) = OpenAiCompatible::from_vars(preset.id, env)? {
            out.push((preset.id.to_owned(), std::sync::Arc::new(p)));
        }
    }
    if !explicit.contains_key("anthropic")
        && let Some(p) = Anthropic::from_vars(env)?
    {
        out.push(("anthropic".to_owned(), std::sync::Arc::new(p)));
    }
    if !explicit.contains_key("gemini")
        && let Some(p) = Gemini::from_vars(env)?
    {
        out.push(("gemini".to_owned(), std::sync::Arc::new(p)));
    }
    Ok(out)
}

/// Fills the position and line text of `err` from a byte span.
fn locate(err: &mut ConfigError, text: &str, span: Range<usize>) {
    let start = span.start.min(text.len());
    let before = &text[..floor_char(text, start)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("").to_owned();
    err.position = Some((line, col));
    err.line_text = Some(line_text);
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// Parses and builds `text` with no environment.
    fn build(text: &str) -> Result<Built, ConfigError> {
        Config::parse(text, "r.toml").unwrap().build(&no_env)
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = Config::parse("[server]\nlisten = 8080\n", "r.toml").unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
        let e = Config::parse("[server]\nlisen = \"x\"\n", "r.toml").unwrap_err();
        assert!(e.message.contains("lisen"), "{e}");
        assert_eq!(e.position.map(|p| p.0), Some(2));
    }

    #[test]
    fn http_engine_is_checked_and_applied() {
        let ok = "[providers.local]\ntype = \"openai_compatible\"\nbase_url = \"http://127.0.0.1:1/v1\"\nhttp_engine = \"reqwest\"\n";
        assert!(build(ok).is_ok());
        for engine in ["auto", "direct"] {
            let text = ok.replace("reqwest", engine);
            assert!(build(&text).is_ok());
        }
        let e = build(&ok.replace("\"reqwest\"", "\"curl\"")).unwrap_err();
        assert_eq!(e.position, Some((4, 15)), "{e}");
        assert!(e.message.contains("unknown http_engine \"curl\""), "{e}");
        let mock = "[providers.mock]\ntype = \"mock\"\nhttp_engine = \"direct\"\n";
        let e = build(mock).unwrap_err();
        assert!(e.message.contains("not mock"), "{e}");
    }

    #[test]
    fn semantic_errors_have_positions() {
        let text = "[providers.x]\ntype = \"nope\"\n";
        let e = build(text).unwrap_err();
        assert_eq!(e.position, Some((2, 8)), "{e}");
        assert!(e.message.contains("unknown type \"nope\""), "{e}");
        let text = "[providers.mock]\ntype = \"mock\"\n\n[policies.p]\ntargets = [\"ghost/m\"]\n";
        let e = build(text).unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(4), "{e}");
        assert!(e.message.contains("ghost"), "{e}");
    }

    #[test]
    fn missing_key_variables() {
        let text = "[providers.openai]\n";
        let cfg = Config::parse(text, "r.toml").unwrap();
        let e = cfg.build(&no_env).unwrap_err();
        assert!(e.message.contains("OPENAI_API_KEY"), "{e}");
        let checked = cfg.check(&no_env).unwrap();
        assert_eq!(checked.warnings.len(), 1);
        let ok = cfg
            .build(&|k: &str| (k == "OPENAI_API_KEY").then(|| "sk-test".to_owned()))
            .unwrap();
        assert_eq!(ok.router.provider_ids(), ["openai"]);
        assert!(!format!("{ok:?}").contains("sk-test"));
    }
}
