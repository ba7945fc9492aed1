//! [`Router`], [`RouterBuilder`], and turning a model id into a plan of targets.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::health::{Breaker, Clock, Health, SystemClock, size_bucket};
use super::model_id::ModelId;
use super::policy::{Policy, PolicyKind};
use super::provider::Provider;
use crate::error::{ApiError, Error, Origin, Result};
use crate::transport::retry::RetryPolicy;
use crate::types::ChatRequest;

/// Per-provider time limits applied by the router.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProviderTimeouts {
    /// Bound on a whole non-streamed answer.
    pub total: Option<Duration>,
    /// Bound on the wait for a stream's first chunk (and a non-streamed
    /// answer, when `total` is unset).
    pub first_token: Option<Duration>,
}

/// One concrete target of a plan.
#[derive(Clone)]
pub(crate) struct Target {
    pub provider: Arc<dyn Provider>,
    /// `provider/model[@region]`.
    pub id: String,
    pub model: String,
    pub region: Option<String>,
    pub retries: u32,
}

pub(crate) struct RouterInner {
    pub providers: HashMap<String, Arc<dyn Provider>>,
    pub policies: HashMap<String, Policy>,
    pub aliases: HashMap<String, String>,
    pub default_model: Option<String>,
    pub retries: u32,
    pub retry: RetryPolicy,
    pub fallback_statuses: Vec<u16>,
    pub timeouts: HashMap<String, ProviderTimeouts>,
    pub health: Health,
    pub cache: Option<super::cache::Cache>,
    pub logger: super::log::logger::Logger,
    pub prices: super::pricing::PriceTable,
    pub security: crate::types::SecurityLevel,
    pub security_policy: super::security::SecurityPolicy,
}

/// The embedded local router. Cheap to clone (an `Arc` inside).
///
/// ```
/// use requesty::router::{Router, Policy, providers::mock::Mock};
/// # async fn run() -> requesty::Result<()> {
/// let router = Router::builder()
///     .provider(Mock::new("primary").text("hello from primary"))
///     .provider(Mock::new("backup").text("hello from backup"))
///     .policy("reliable", Policy::fallback(["primary/model-a", "backup/model-b"]))
///     .default_model("policy/reliable")
///     .build()?;
/// let client = requesty::Client::local(router);
/// let resp = client.chat().create(requesty::ChatRequest::default().user("hi")).await?;
/// assert_eq!(resp.text().as_deref(), Some("hello from primary"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Router {
    pub(crate) inner: Arc<RouterInner>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut providers: Vec<&str> = self.inner.providers.keys().map(String::as_str).collect();
        providers.sort_unstable();
        let mut policies: Vec<&str> = self.inner.policies.keys().map(String::as_str).collect();
        policies.sort_unstable();
        f.debug_struct("Router")
            .field("providers", &providers)
            .field("policies", &policies)
            .field("default_model", &self.inner.default_model)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Router`]. `build()` needs no running Tokio runtime.
pub struct RouterBuilder {
    providers: Vec<Arc<dyn Provider>>,
    policies: Vec<(String, Policy)>,
    aliases: Vec<(String, String)>,
    default_model: Option<String>,
    retries: u32,
    retry: RetryPolicy,
    fallback_statuses: Vec<u16>,
    timeouts: HashMap<String, ProviderTimeouts>,
    breaker: Breaker,
    clock: Arc<dyn Clock>,
    cache: Option<super::cache::CacheConfig>,
    sinks: Vec<Arc<dyn super::log::Sink>>,
    taggers: Vec<Arc<dyn super::log::tagging::Tagger>>,
    builtin_tagger: bool,
    log: super::log::LogConfig,
    prices: super::pricing::PriceTable,
    security: crate::types::SecurityLevel,
    security_policy: super::security::SecurityPolicy,
}

impl Default for RouterBuilder {
    fn default() -> Self {
        RouterBuilder {
            providers: Vec::new(),
            policies: Vec::new(),
            aliases: Vec::new(),
            default_model: None,
            retries: 0,
            retry: RetryPolicy::default(),
            fallback_statuses: default_fallback_statuses(),
            timeouts: HashMap::new(),
            breaker: Breaker::default(),
            clock: Arc::new(SystemClock),
            cache: None,
            sinks: Vec::new(),
            taggers: Vec::new(),
            builtin_tagger: true,
            log: super::log::LogConfig::default(),
            prices: super::pricing::PriceTable::bundled(),
            security: crate::types::SecurityLevel::None,
            security_policy: super::security::SecurityPolicy::default(),
        }
    }
}

/// The statuses after which a policy moves to its next target: 401, 403,
/// 404 (the provider's own key or model problems), 408, 409, 413 (the
/// prompt is too large for this model), 429 and every 5xx.
pub fn default_fallback_statuses() -> Vec<u16> {
    let mut v = vec![401, 403, 404, 408, 409, 413, 429];
    v.extend(500..=599);
    v
}

impl fmt::Debug for RouterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterBuilder")
            .field(
                "providers",
                &self.providers.iter().map(|p| p.id()).collect::<Vec<_>>(),
            )
            .field(
                "policies",
                &self.policies.iter().map(|p| &p.0).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl RouterBuilder {
    /// Registers a provider under its [`Provider::id`].
    pub fn provider<P: Provider>(mut self, provider: P) -> Self {
        self.providers.push(Arc::new(provider));
        self
    }

    /// Registers a shared provider.
    pub fn provider_arc(mut self, provider: Arc<dyn Provider>) -> Self {
        self.providers.push(provider);
        self
    }

    /// Registers a policy, used as `policy/<name>`.
    pub fn policy(mut self, name: impl Into<String>, policy: Policy) -> Self {
        self.policies.push((name.into(), policy));
        self
    }

    /// Maps a short name to a model id or policy (`"fast"` → `"groq/llama-3.1-8b-instant"`).
    pub fn alias(mut self, name: impl Into<String>, target: impl Into<String>) -> Self {
        self.aliases.push((name.into(), target.into()));
        self
    }

    /// The model for requests that name none.
    pub fn default_model(mut self, model: impl Into<String>) -> Self {
        self.default_model = Some(model.into());
        self
    }

    /// Extra tries of a model named directly (not through a policy) after a
    /// retryable failure (default 0; policies set their own per target).
    pub fn retries(mut self, n: u32) -> Self {
        self.retries = n;
        self
    }

    /// The backoff between tries of one target (default 500 ms, 1 s, 2 s,
    /// 4 s, ±10%; tests inject a fast one).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The HTTP statuses after which a policy moves on (default
    /// [`default_fallback_statuses`]). Connection errors, timeouts, broken
    /// streams and context-length errors always move on; the caller's own
    /// invalid requests never do.
    pub fn fallback_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.fallback_statuses = statuses.into_iter().collect();
        self
    }

    /// Time limits for one provider's calls.
    pub fn timeouts(mut self, provider: impl Into<String>, timeouts: ProviderTimeouts) -> Self {
        self.timeouts.insert(provider.into(), timeouts);
        self
    }

    /// The circuit breaker (default: open after 5 consecutive failures, for 30 s).
    pub fn circuit_breaker(mut self, failures: u32, cooldown: Duration) -> Self {
        self.breaker = Breaker { failures, cooldown };
        self
    }

    /// The clock used by the breaker and the latency figures (tests inject
    /// a [`ManualClock`](super::ManualClock)).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Turns on the exact-match response cache (off by default). Identical
    /// requests (same model id, messages and parameters; stream settings
    /// aside) are answered from it while fresh; streams are replayed as
    /// streams. The answer's `meta().cache_hit()` tells.
    pub fn cache(mut self, config: super::cache::CacheConfig) -> Self {
        self.cache = Some(config);
        self
    }

    /// Adds a log sink (several allowed). Every router also keeps a bounded
    /// in-memory log read by [`Router::logs`].
    pub fn sink<S: super::log::Sink>(mut self, sink: S) -> Self {
        self.sinks.push(Arc::new(sink));
        self
    }

    /// Adds a tagger (the built-in one runs first unless turned off).
    pub fn tagger<T: super::log::tagging::Tagger>(mut self, tagger: T) -> Self {
        self.taggers.push(Arc::new(tagger));
        self
    }

    /// Turns the built-in tagger on or off (on by default).
    pub fn builtin_tagger(mut self, on: bool) -> Self {
        self.builtin_tagger = on;
        self
    }

    /// Logging settings: queue sizes and which bodies are kept.
    pub fn log_config(mut self, config: super::log::LogConfig) -> Self {
        self.log = config;
        self
    }

    /// The price table (default: the bundled, dated one).
    pub fn prices(mut self, prices: super::pricing::PriceTable) -> Self {
        self.prices = prices;
        self
    }

    /// The router's security level (default [`None`](crate::SecurityLevel::None)):
    /// every request is handled at least at this level; a request may raise
    /// it (`ChatRequest::security_level`, or `X-Security-Level` in server
    /// mode), never lower it. See `docs/security.md`.
    pub fn security(mut self, level: crate::types::SecurityLevel) -> Self {
        self.security = level;
        self
    }

    /// The policy applied to requests at the
    /// [`Enterprise`](crate::SecurityLevel::Enterprise) level.
    pub fn security_policy(mut self, policy: super::security::SecurityPolicy) -> Self {
        self.security_policy = policy;
        self
    }

    /// Checks the configuration and builds the router: unknown providers or
    /// policies in policies, aliases and the default model, cycles between
    /// policies, bad weights and retry counts are errors that name them.
    pub fn build(self) -> Result<Router> {
        let mut providers: HashMap<String, Arc<dyn Provider>> = HashMap::new();
        for p in self.providers {
            let id = p.id().to_owned();
            if id.is_empty() || id.contains('/') || id == "policy" {
                return Err(Error::config(format!(
                    "provider id {id:?} is invalid: it must be non-empty, without `/`, and not `policy`"
                )));
            }
            if providers.insert(id.clone(), p).is_some() {
                return Err(Error::config(format!(
                    "provider `{id}` is registered twice"
                )));
            }
        }
        let mut policies = HashMap::new();
        for (name, policy) in self.policies {
            if policy.entries.is_empty() {
                return Err(Error::config(format!("policy `{name}` has no targets")));
            }
            for e in &policy.entries {
                if e.retries > 10 {
                    return Err(Error::config(format!(
                        "policy `{name}`: target `{}` has {} retries; at most 10",
                        e.target, e.retries
                    )));
                }
                if !(e.weight.is_finite() && e.weight > 0.0) {
                    return Err(Error::config(format!(
                        "policy `{name}`: target `{}` has weight {}; weights must be positive",
                        e.target, e.weight
                    )));
                }
            }
            if policies.insert(name.clone(), policy).is_some() {
                return Err(Error::config(format!("policy `{name}` is defined twice")));
            }
        }
        let inner = RouterInner {
            providers,
            policies,
            aliases: self.aliases.into_iter().collect(),
            default_model: self.default_model,
            retries: self.retries.min(10),
            retry: self.retry,
            fallback_statuses: self.fallback_statuses,
            timeouts: self.timeouts,
            health: Health::new(self.clock, self.breaker),
            cache: self.cache.map(super::cache::Cache::new),
            logger: {
                let mut taggers: Vec<Arc<dyn super::log::tagging::Tagger>> = Vec::new();
                if self.builtin_tagger {
                    taggers.push(Arc::new(super::log::tagging::BuiltinTagger));
                }
                taggers.extend(self.taggers);
                super::log::logger::Logger::new(self.log, self.sinks, taggers)
            },
            prices: self.prices,
            security: self.security,
            security_policy: self.security_policy,
        };
        // Every reference must resolve, without cycles.
        let names: Vec<String> = inner.policies.keys().cloned().collect();
        for name in names {
            inner
                .expand(
                    &format!("policy/{name}"),
                    None,
                    &mut Vec::new(),
                    &mut Vec::new(),
                )
                .map_err(|e| {
                    Error::config(format!(
                        "policy `{name}`: {}",
                        e.api().map_or_else(|| e.to_string(), |a| a.message.clone())
                    ))
                })?;
        }
        for (alias, target) in &inner.aliases {
            inner
                .expand(target, None, &mut Vec::new(), &mut Vec::new())
                .map_err(|e| {
                    Error::config(format!(
                        "alias `{alias}`: {}",
                        e.api().map_or_else(|| e.to_string(), |a| a.message.clone())
                    ))
                })?;
        }
        if let Some(d) = &inner.default_model {
            inner
                .expand(d, None, &mut Vec::new(), &mut Vec::new())
                .map_err(|e| {
                    Error::config(format!(
                        "default model: {}",
                        e.api().map_or_else(|| e.to_string(), |a| a.message.clone())
                    ))
                })?;
        }
        Ok(Router {
            inner: Arc::new(inner),
        })
    }
}

/// The hosted router's answer for an unknown provider, model or policy.
pub(crate) fn not_supported(message: String) -> Error {
    let mut api = ApiError::from_response(
        404,
        http::HeaderMap::new(),
        serde_json::json!({"error": {"origin": "router", "message": message}}).to_string(),
    );
    api.origin = Some(Origin::Router);
    api.into()
}

impl Router {
    /// A builder.
    pub fn builder() -> RouterBuilder {
        RouterBuilder::default()
    }

    /// A router with every provider whose API key variable is set
    /// (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, `MISTRAL_API_KEY`, …, and `OLLAMA_BASE_URL` /
    /// `VLLM_BASE_URL` for local servers), each honouring its
    /// `<PROVIDER>_BASE_URL` override. With none set, the router has no
    /// providers (and every request is a clear error naming what to set).
    pub fn from_env() -> Result<Router> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Like [`Router::from_env`], reading variables through `get`.
    pub fn from_vars<F: Fn(&str) -> Option<String>>(get: F) -> Result<Router> {
        Self::builder_from_vars(get)?.build()
    }

    /// A builder preset with the providers found through `get`, for more settings.
    pub fn builder_from_vars<F: Fn(&str) -> Option<String>>(get: F) -> Result<RouterBuilder> {
        use super::providers::openai_compat::OpenAiCompatible;
        let mut b = Router::builder();
        for preset in OpenAiCompatible::PRESETS {
            if let Some(p) = OpenAiCompatible::from_vars(preset.id, &get)? {
                b = b.provider(p);
            }
        }
        if let Some(p) = super::providers::Anthropic::from_vars(&get)? {
            b = b.provider(p);
        }
        if let Some(p) = super::providers::Gemini::from_vars(&get)? {
            b = b.provider(p);
        }
        Ok(b)
    }

    /// The records of the in-memory log, oldest first (records are written
    /// in the background: call [`Router::flush_logs`] first to see the
    /// latest).
    pub fn logs(&self) -> Vec<Arc<super::log::LogRecord>> {
        self.inner.logger.memory().records()
    }

    /// Analytics over the in-memory log: requests, error rate, latency and
    /// TTFT percentiles, tokens and cost — overall and by model, provider,
    /// tag and dimension.
    pub fn analytics(&self) -> super::log::Report {
        super::log::Analytics::from_records(self.logs().iter().map(|r| (**r).clone())).report()
    }

    /// Counters of the logging pipeline (dropped records included).
    pub fn log_stats(&self) -> super::log::LogStats {
        self.inner.logger.stats()
    }

    /// Waits until every record so far is tagged, in the in-memory log and
    /// written (and flushed) by every sink.
    pub async fn flush_logs(&self) {
        self.inner.logger.flush().await;
    }

    /// Flushes the logs before the program ends (takes `&self`: any clone
    /// may call it).
    pub async fn shutdown(&self) {
        self.flush_logs().await;
    }

    /// Whether a provider with this id is registered (the server's labels).
    #[cfg(feature = "server")]
    pub(crate) fn has_provider(&self, id: &str) -> bool {
        self.inner.providers.contains_key(id)
    }

    /// The registered provider ids, sorted.
    pub fn provider_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.inner.providers.keys().cloned().collect();
        v.sort_unstable();
        v
    }

    /// The registered policy names, sorted.
    pub fn policy_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.inner.policies.keys().cloned().collect();
        v.sort_unstable();
        v
    }
}

/// A stable 64-bit hash (sticky load balancing must not change between runs
/// or versions): FNV-1a, then MurmurHash3's finalizer so that similar short
/// keys (`user-1`, `user-2`) spread over the whole range.
pub(crate) fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ceb9fe1a85ec53);
    h ^ (h >> 33)
}

/// What a request brings to planning: its sticky key and size bucket.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlanInput {
    pub sticky: Option<String>,
    pub bucket: usize,
}

impl PlanInput {
    pub(crate) fn of(req: &ChatRequest) -> PlanInput {
        let r = req.requesty.as_ref();
        let sticky = r
            .and_then(|r| r.trace_id.clone())
            .or_else(|| r.and_then(|r| r.user_id.clone()));
        let chars: usize = req
            .messages
            .iter()
            .filter_map(|m| m.text())
            .map(|t| t.len())
            .sum::<usize>()
            + req.prompt.as_ref().map_or(0, String::len);
        PlanInput {
            sticky,
            bucket: size_bucket(chars),
        }
    }
}

impl RouterInner {
    fn configured(&self) -> String {
        let mut p: Vec<&str> = self.providers.keys().map(String::as_str).collect();
        p.sort_unstable();
        let mut q: Vec<String> = self
            .policies
            .keys()
            .map(|k| format!("policy/{k}"))
            .collect();
        q.sort_unstable();
        format!(
            "configured providers: [{}]; policies: [{}]",
            p.join(", "),
            q.join(", ")
        )
    }

    /// The ordered targets for a model id, policy or alias.
    pub(crate) fn plan(&self, model: Option<&str>, input: &PlanInput) -> Result<Vec<Target>> {
        let model = match model {
            Some(m) => m,
            None => self.default_model.as_deref().ok_or_else(|| {
                Error::invalid_request(
                    "model",
                    "is required: the request names no model and the router has no default_model",
                )
            })?,
        };
        let mut out = Vec::new();
        self.expand(model, Some(input), &mut Vec::new(), &mut out)?;
        // A target reached twice (through nested policies) is tried once, at its first place.
        let mut seen = HashSet::new();
        out.retain(|t| seen.insert(t.id.clone()));
        Ok(out)
    }

    /// Expands `id` into targets appended to `out`. `input` is `None` when
    /// only checking the configuration (every branch is then expanded).
    fn expand(
        &self,
        id: &str,
        input: Option<&PlanInput>,
        stack: &mut Vec<String>,
        out: &mut Vec<Target>,
    ) -> Result<()> {
        let resolved = self.aliases.get(id).map_or(id, String::as_str);
        match ModelId::parse(resolved)? {
            ModelId::Model {
                provider,
                model,
                region,
            } => {
                let p = self.providers.get(&provider).ok_or_else(|| {
                    not_supported(format!(
                        "Provider and/or model not supported: unknown provider `{provider}` in `{resolved}`; {}",
                        self.configured()
                    ))
                })?;
                if region.is_some() && !p.supports_regions() {
                    return Err(Error::invalid_request(
                        "model",
                        format!(
                            "`{resolved}`: provider `{provider}` has no regions; remove the `@` suffix"
                        ),
                    ));
                }
                out.push(Target {
                    provider: p.clone(),
                    id: resolved.to_owned(),
                    model,
                    region,
                    retries: self.retries,
                });
                Ok(())
            }
            ModelId::Policy(name) => {
                let policy = self.policies.get(&name).ok_or_else(|| {
                    not_supported(format!(
                        "unknown policy `policy/{name}`; {}",
                        self.configured()
                    ))
                })?;
                if stack.contains(&name) {
                    return Err(Error::config(format!(
                        "policies form a cycle: {} → {name}",
                        stack.join(" → ")
                    )));
                }
                stack.push(name.clone());
                let order = match input {
                    Some(input) => self.order(policy, input),
                    None => (0..policy.entries.len()).collect(),
                };
                for i in order {
                    let e = &policy.entries[i];
                    let start = out.len();
                    self.expand(&e.target, input, stack, out)?;
                    let entry = self.aliases.get(&e.target).unwrap_or(&e.target);
                    if !entry.starts_with("policy/") {
                        for t in &mut out[start..] {
                            t.retries = e.retries;
                        }
                    }
                }
                stack.pop();
                Ok(())
            }
        }
    }

    /// The order in which a policy's entries are tried.
    fn order(&self, policy: &Policy, input: &PlanInput) -> Vec<usize> {
        let n = policy.entries.len();
        match policy.kind {
            PolicyKind::Fallback => (0..n).collect(),
            PolicyKind::LoadBalance => {
                let total: f64 = policy.entries.iter().map(|e| e.weight).sum();
                let point = match &input.sticky {
                    Some(key) => (stable_hash(key) >> 11) as f64 / (1u64 << 53) as f64,
                    None => fastrand::f64(),
                } * total;
                let mut acc = 0.0;
                let mut chosen = n - 1;
                for (i, e) in policy.entries.iter().enumerate() {
                    acc += e.weight;
                    if point < acc {
                        chosen = i;
                        break;
                    }
                }
                // The chosen one first, the others as fallbacks by weight.
                let mut rest: Vec<usize> = (0..n).filter(|&i| i != chosen).collect();
                rest.sort_by(|&a, &b| {
                    policy.entries[b]
                        .weight
                        .total_cmp(&policy.entries[a].weight)
                        .then(a.cmp(&b))
                });
                std::iter::once(chosen).chain(rest).collect()
            }
            PolicyKind::Latency => {
                // Untried targets first (optimistic), then by score; ties keep the declared order.
                let scores: Vec<Option<f64>> = policy
                    .entries
                    .iter()
                    .map(|e| {
                        let id = self.aliases.get(&e.target).unwrap_or(&e.target);
                        self.health.latency_score(id, input.bucket)
                    })
                    .collect();
                let mut idx: Vec<usize> = (0..n).collect();
                idx.sort_by(|&a, &b| match (scores[a], scores[b]) {
                    (None, None) => a.cmp(&b),
                    (None, Some(_)) => std::cmp::Ordering::Less,
                    (Some(_), None) => std::cmp::Ordering::Greater,
                    (Some(x), Some(y)) => x.total_cmp(&y).then(a.cmp(&b)),
                });
                idx
            }
        }
    }
}
