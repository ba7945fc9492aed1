//! Token prices and the cost of a request.
//!
//! A [`PriceTable`] maps `provider/model` ids to a [`Price`] (USD per
//! token) and turns a response's [`Usage`] into dollars with
//! [`PriceTable::cost`]. [`PriceTable::bundled`] is a table shipped with
//! the crate ([`PriceTable::BUNDLED_AS_OF`] says when its prices were
//! checked); overrides come from code ([`PriceTable::set`]) or from a
//! config file in the same format ([`PriceTable::merge_json`]).
//!
//! Prices change often and the bundled table is a snapshot: a model it
//! does not know is priced as unknown (`None`), never as zero.
//!
//! ```
//! use requesty::Usage;
//! use requesty::router::pricing::{Price, PriceTable};
//!
//! let mut prices = PriceTable::bundled();
//! prices.set("acme/fast-1", Price::per_million(1.0, 4.0).cached(0.1, None));
//!
//! let usage = Usage { prompt_tokens: 1_000, completion_tokens: 500, ..Default::default() };
//! let cost = prices.cost("acme", "fast-1-2026-01-01", &usage).unwrap();
//! assert!((cost - 0.003).abs() < 1e-12); // 1000 × $1/M + 500 × $4/M
//! assert_eq!(prices.cost("acme", "unknown-model", &usage), None);
//! ```
//!
//! # The table format
//!
//! The bundled `prices.json` and the files given to
//! [`PriceTable::merge_json`] share one format; prices are USD per
//! million tokens:
//!
//! ```json
//! {
//!   "as_of": "2026-11-25",
//!   "models": {
//!     "openai/gpt-4o-mini": {
//!       "input_per_million": 0.15,
//!       "output_per_million": 0.6,
//!       "cached_input_per_million": 0.075,
//!       "cache_write_per_million": null,
//!       "source": "https://developers.openai.com/api/docs/pricing",
//!       "note": "optional free text (tiers, caveats)"
//!     },
//!     "ollama/*": { "input_per_million": 0, "output_per_million": 0 }
//!   }
//! }
//! ```
//!
//! - Keys are `provider/model` (the model part may itself contain `/`), or
//!   `provider/*` for every model of a provider. Keys are case-insensitive.
//! - `input_per_million` and `output_per_million` are required;
//!   `cached_input_per_million` (cache reads) and `cache_write_per_million`
//!   may be `null` or absent, in which case those tokens cost the input
//!   rate. Every price must be a finite number ≥ 0.
//! - `source` (where the price is published), `verified_via` (where it was
//!   actually read, when the publisher's page could not be) and `note` are
//!   documentation only. Any other field is an error, so typos are caught.
//! - `as_of` (the date the prices were checked) is optional.
//!
//! The bundled table has one entry per model, at the base tier: where a
//! provider charges more above a prompt size (Gemini 2.5 Pro above 200K
//! tokens, GPT-5.4 above 272K, Claude Haiku 5.5 above 100K), at peak hours
//! (DeepSeek) or per request (Perplexity's search fee), the entry's `note`
//! says so and the extra is not modeled. Anthropic's cache-write price is
//! the 5-minute rate. `ollama/*` and `vllm/*` are listed at 0 because those
//! servers run on your own machine; override them if your hardware has a
//! cost you want to count.
//!
//! # Lookup
//!
//! [`PriceTable::get`] tries, in order (case-insensitively):
//!
//! 1. `provider/model` exactly;
//! 2. `provider/<model without a trailing date or version>`: one of
//!    `-latest`, `-YYYY-MM-DD`, `-YYYYMMDD`, `-NNNN` or `-NNN` is removed
//!    (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`,
//!    `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`,
//!    `mistral-large-latest` → `mistral-large`, `grok-4-0709` → `grok-4`,
//!    `gemini-2.0-flash-001` → `gemini-2.0-flash`); an exact entry for a
//!    dated id still wins;
//! 3. for aggregators (`openrouter`), whose model names are themselves
//!    `vendor/model`: steps 1–2 with `vendor/model` as the id
//!    (`openrouter/openai/gpt-4o-mini` uses the table's own
//!    `openrouter/openai/gpt-4o-mini` if present, else
//!    `openai/gpt-4o-mini`);
//! 4. the `provider/*` wildcard.
//!
//! Anything else is unknown: `None`.
//!
//! # Cost
//!
//! [`Price::cost`] follows the OpenAI usage shape this crate uses:
//! `prompt_tokens` includes cache reads
//! (`prompt_tokens_details.cached_tokens`) and cache writes
//! (`prompt_tokens_details.caching_tokens`, which the Anthropic adapter
//! fills), and `completion_tokens` includes reasoning tokens. So
//!
//! ```text
//! uncached = prompt_tokens − cached − cache_write        (saturating at 0)
//! cost     = uncached    × input
//!          + cached      × (cached_input or input)
//!          + cache_write × (cache_write  or input)
//!          + completion_tokens × output
//! ```
//!
//! Reasoning tokens are billed at the output rate, as providers bill them,
//! and are not counted twice. Nothing is rounded.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::types::Usage;

/// Tokens in a million, the unit prices are published in.
const PER_MILLION: f64 = 1_000_000.0;

/// Providers whose model names are `vendor/model` ids of other providers.
const AGGREGATORS: &[&str] = &["openrouter"];

/// The bundled table.
const BUNDLED_JSON: &str = include_str!("prices.json");

/// USD per token.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// An uncached input (prompt) token.
    pub input: f64,
    /// An output (completion) token, reasoning tokens included.
    pub output: f64,
    /// An input token read from the prompt cache; `None` bills the input rate.
    #[serde(default)]
    pub cached_input: Option<f64>,
    /// An input token written to the prompt cache; `None` bills the input rate.
    #[serde(default)]
    pub cache_write: Option<f64>,
}

impl Price {
    /// A price from USD per million input and output tokens, without
    /// cache prices.
    ///
    /// ```
    /// use requesty::router::pricing::Price;
    /// let p = Price::per_million(0.15, 0.6);
    /// assert_eq!(p.input, 0.15 / 1e6);
    /// assert_eq!(p.cached_input, None);
    /// ```
    pub fn per_million(input: f64, output: f64) -> Self {
        Price {
            input: input / PER_MILLION,
            output: output / PER_MILLION,
            cached_input: None,
            cache_write: None,
        }
    }

    /// Adds cache prices, in USD per million tokens: cache reads, and cache
    /// writes if the provider charges them separately.
    ///
    /// ```
    /// use requesty::router::pricing::Price;
    /// let p = Price::per_million(3.0, 15.0).cached(0.3, Some(3.75));
    /// assert_eq!(p.cached_input, Some(0.3 / 1e6));
    /// assert_eq!(p.cache_write, Some(3.75 / 1e6));
    /// ```
    pub fn cached(self, read_per_million: f64, write_per_million: Option<f64>) -> Self {
        Price {
            cached_input: Some(read_per_million / PER_MILLION),
            cache_write: write_per_million.map(|w| w / PER_MILLION),
            ..self
        }
    }

    /// The cost of `usage` in USD (see the [module docs](self#cost) for the
    /// formula).
    ///
    /// ```
    /// use requesty::{PromptTokensDetails, Usage};
    /// use requesty::router::pricing::Price;
    ///
    /// let price = Price::per_million(3.0, 15.0).cached(0.3, Some(3.75));
    /// let usage = Usage {
    ///     prompt_tokens: 1_300, // 100 uncached + 200 read + 1000 written
    ///     completion_tokens: 100,
    ///     prompt_tokens_details: Some(PromptTokensDetails {
    ///         cached_tokens: Some(200),
    ///         caching_tokens: Some(1_000),
    ///         ..Default::default()
    ///     }),
    ///     ..Default::default()
    /// };
    /// // 100 × 3 + 200 × 0.3 + 1000 × 3.75 + 100 × 15, per million
    /// assert!((price.cost(&usage) - 0.00561).abs() < 1e-12);
    /// ```
    pub fn cost(&self, usage: &Usage) -> f64 {
        let cached = usage.cached_tokens();
        let written = usage
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.caching_tokens)
            .unwrap_or(0);
        let uncached = usage
            .prompt_tokens
            .saturating_sub(cached)
            .saturating_sub(written);
        uncached as f64 * self.input
            + cached as f64 * self.cached_input.unwrap_or(self.input)
            + written as f64 * self.cache_write.unwrap_or(self.input)
            + usage.completion_tokens as f64 * self.output
    }
}

/// Prices by `provider/model` id; see the [module docs](self) for the
/// lookup rules and the JSON format.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    /// Lower-cased `provider/model` (or `provider/*`) → price.
    prices: HashMap<String, Price>,
    /// When the prices were checked, if a loaded file said.
    as_of: Option<String>,
}

impl PriceTable {
    /// The date the bundled table's prices were checked (`as_of` in
    /// `prices.json`).
    pub const BUNDLED_AS_OF: &'static str = "2026-11-25";

    /// The table shipped with the crate, parsed once per process. It never
    /// panics: the bundled file is validated by the crate's tests, and if it
    /// were ever unreadable this would return an empty table.
    pub fn bundled() -> Self {
        static BUNDLED: OnceLock<PriceTable> = OnceLock::new();
        BUNDLED
            .get_or_init(|| {
                let mut table = PriceTable::empty();
                match table.merge_json(BUNDLED_JSON) {
                    Ok(()) => table,
                    Err(_) => PriceTable::empty(),
                }
            })
            .clone()
    }

    /// A table with no prices: every lookup is `None` until prices are added.
    pub fn empty() -> Self {
        PriceTable::default()
    }

    /// Sets the price of `model_id` (`provider/model`, or `provider/*` for
    /// every model of a provider without its own entry), replacing any
    /// previous one. Ids are case-insensitive; an id without `/` is stored
    /// but never matched.
    pub fn set(&mut self, model_id: &str, price: Price) -> &mut Self {
        self.prices.insert(normalize(model_id), price);
        self
    }

    /// Adds or replaces the prices of a JSON document in the
    /// [table format](self#the-table-format), e.g. a config file of
    /// overrides. Either every entry is applied or, on the first invalid
    /// one, none is: the error (a [config](crate::ErrorKind::Config) error)
    /// names the entry and what is wrong with it.
    ///
    /// ```
    /// use requesty::router::pricing::PriceTable;
    ///
    /// let mut prices = PriceTable::empty();
    /// prices.merge_json(r#"{"models": {"acme/fast-1": {"input_per_million": 1, "output_per_million": 2}}}"#)?;
    /// assert!(prices.get("acme", "fast-1").is_some());
    ///
    /// let err = prices
    ///     .merge_json(r#"{"models": {"acme/slow-1": {"input_per_million": -1, "output_per_million": 2}}}"#)
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("acme/slow-1"));
    /// # Ok::<(), requesty::Error>(())
    /// ```
    pub fn merge_json(&mut self, json: &str) -> Result<()> {
        let parsed = parse_table(json)?;
        for (key, price, _) in parsed.entries {
            self.prices.insert(key, price);
        }
        if parsed.as_of.is_some() {
            self.as_of = parsed.as_of;
        }
        Ok(())
    }

    /// The price of `model` from `provider`, following the
    /// [lookup rules](self#lookup); `None` if the table does not know it.
    ///
    /// ```
    /// use requesty::router::pricing::PriceTable;
    ///
    /// let prices = PriceTable::bundled();
    /// let mini = prices.get("openai", "gpt-4o-mini").unwrap();
    /// assert_eq!(prices.get("openai", "gpt-4o-mini-2024-07-18"), Some(mini));
    /// assert_eq!(prices.get("openrouter", "openai/gpt-4o-mini"), Some(mini));
    /// assert_eq!(prices.get("openai", "no-such-model"), None);
    /// ```
    pub fn get(&self, provider: &str, model: &str) -> Option<Price> {
        let provider = lower(provider);
        let model = lower(model);
        if provider.is_empty() || model.is_empty() {
            return None;
        }
        if let Some(price) = self.lookup(&provider, &model) {
            return Some(price);
        }
        if AGGREGATORS.contains(&&*provider)
            && let Some((vendor, inner)) = model.split_once('/')
            && !vendor.is_empty()
            && !inner.is_empty()
            && let Some(price) = self.lookup(vendor, inner)
        {
            return Some(price);
        }
        self.entry(&provider, "*")
    }

    /// The entry `provider/model`, looked up without allocating when the
    /// id is short (a lookup runs for every answer the router prices).
    fn entry(&self, provider: &str, model: &str) -> Option<Price> {
        let len = provider.len() + 1 + model.len();
        let mut buf = [0u8; 128];
        if len <= buf.len() {
            buf[..provider.len()].copy_from_slice(provider.as_bytes());
            buf[provider.len()] = b'/';
            buf[provider.len() + 1..len].copy_from_slice(model.as_bytes());
            // Two `&str`s and a '/' joined: valid UTF-8.
            if let Ok(key) = std::str::from_utf8(&buf[..len]) {
                return self.prices.get(key).copied();
            }
        }
        self.prices.get(&format!("{provider}/{model}")).copied()
    }

    /// The cost in USD of a request to `model` from `provider` that used
    /// `usage`, by [`Price::cost`]; `None` if the model's price is unknown.
    pub fn cost(&self, provider: &str, model: &str, usage: &Usage) -> Option<f64> {
        self.get(provider, model).map(|price| price.cost(usage))
    }

    /// The `as_of` date of the last loaded document that had one (for
    /// [`bundled`](Self::bundled), [`BUNDLED_AS_OF`](Self::BUNDLED_AS_OF)).
    pub fn as_of(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    /// The number of entries (wildcards included).
    pub fn len(&self) -> usize {
        self.prices.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    /// Steps 1–2 of the lookup: the exact id, then the id without a
    /// trailing date or version.
    fn lookup(&self, provider: &str, model: &str) -> Option<Price> {
        if let Some(price) = self.entry(provider, model) {
            return Some(price);
        }
        let base = strip_version(model)?;
        self.entry(provider, base)
    }
}

/// `s` trimmed and in ASCII lower case, borrowed when it already is.
fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    let s = s.trim();
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The canonical form of a table key.
fn normalize(model_id: &str) -> String {
    model_id.trim().to_ascii_lowercase()
}

/// Trailing suffixes removed by the lookup, as shapes: `d` is an ASCII
/// digit, anything else matches itself. Longest first.
const VERSION_SHAPES: &[&str] = &["-dddd-dd-dd", "-dddddddd", "-dddd", "-ddd"];

/// `model` without one trailing `-latest`, date or version number, if it
/// has one and something is left.
fn strip_version(model: &str) -> Option<&str> {
    if let Some(base) = model.strip_suffix("-latest") {
        return Some(base).filter(|b| !b.is_empty());
    }
    VERSION_SHAPES.iter().find_map(|shape| {
        let start = model.len().checked_sub(shape.len())?;
        let tail = model.as_bytes().get(start..)?;
        let matches = tail.iter().zip(shape.bytes()).all(|(&c, s)| match s {
            b'd' => c.is_ascii_digit(),
            other => c == other,
        });
        // The tail is ASCII when it matches, so `start` is a char boundary.
        let base = model.get(..start)?;
        (matches && !base.is_empty()).then_some(base)
    })
}

/// One entry of the JSON format, in USD per million tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    input_per_million: f64,
    output_per_million: f64,
    #[serde(default)]
    cached_input_per_million: Option<f64>,
    #[serde(default)]
    cache_write_per_million: Option<f64>,
    #[serde(default)]
    #[allow(dead_code)] // Documentation only (checked by the tests).
    source: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // Documentation only.
    verified_via: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // Documentation only.
    note: Option<String>,
}

/// The JSON document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    as_of: Option<String>,
    models: Map<String, Value>,
}

/// A parsed, validated document.
#[derive(Debug)]
struct ParsedTable {
    as_of: Option<String>,
    /// Normalized key, price, and the entry as written.
    entries: Vec<(String, Price, Entry)>,
}

/// Parses and validates a document, naming the entry at fault.
fn parse_table(json: &str) -> Result<ParsedTable> {
    let file: TableFile = serde_json::from_str(json)
        .map_err(|e| Error::config(format!("price table: invalid document: {e}")))?;
    let mut entries: Vec<(String, Price, Entry)> = Vec::with_capacity(file.models.len());
    let mut originals: Vec<String> = Vec::with_capacity(file.models.len());
    for (key, value) in file.models {
        let bad = |what: String| Error::config(format!("price table entry {key:?}: {what}"));
        let normalized = normalize(&key);
        match normalized.split_once('/') {
            Some((provider, model)) if !provider.is_empty() && !model.is_empty() => {}
            _ => {
                return Err(bad(
                    "the key must be `provider/model` or `provider/*`".to_owned()
                ));
            }
        }
        if let Some(first) = originals.iter().find(|k| normalize(k) == normalized) {
            return Err(bad(format!(
                "listed twice, also as {first:?} (keys are case-insensitive)"
            )));
        }
        originals.push(key.clone());
        let entry: Entry = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        let check = |field: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(bad(format!(
                    "`{field}` must be a finite number ≥ 0, got {v}"
                )))
            }
        };
        let input = check("input_per_million", entry.input_per_million)?;
        let output = check("output_per_million", entry.output_per_million)?;
        let cached_input = entry
            .cached_input_per_million
            .map(|v| check("cached_input_per_million", v))
            .transpose()?;
        let cache_write = entry
            .cache_write_per_million
            .map(|v| check("cache_write_per_million", v))
            .transpose()?;
        let price = Price {
            input: input / PER_MILLION,
            output: output / PER_MILLION,
            cached_input: cached_input.map(|v| v / PER_MILLION),
            cache_write: cache_write.map(|v| v / PER_MILLION),
        };
        entries.push((normalized, price, entry));
    }
    Ok(ParsedTable {
        as_of: file.as_of,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CompletionTokensDetails, PromptTokensDetails};

    /// Every provider id the router knows: the OpenAI-compatible presets
    /// plus the native adapters.
    const KNOWN_PROVIDERS: &[&str] = &[
        "openai",
        "mistral",
        "groq",
        "deepseek",
        "xai",
        "together",
        "fireworks",
        "openrouter",
        "deepinfra",
        "perplexity",
        "ollama",
        "vllm",
        "anthropic",
        "google",
    ];

    fn assert_close(actual: f64, expected: f64) {
        let tolerance = 1e-12_f64.max(expected.abs() * 1e-9);
        assert!(
            (actual - expected).abs() <= tolerance,
            "expected {expected}, got {actual}"
        );
    }

    fn usage(prompt: u64, completion: u64, cached: u64, written: u64, reasoning: u64) -> Usage {
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            prompt_tokens_details: (cached > 0 || written > 0).then(|| PromptTokensDetails {
                cached_tokens: Some(cached),
                caching_tokens: Some(written),
                ..Default::default()
            }),
            completion_tokens_details: (reasoning > 0).then(|| CompletionTokensDetails {
                reasoning_tokens: Some(reasoning),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn table_with(id: &str, price: Price) -> PriceTable {
        let mut t = PriceTable::empty();
        t.set(id, price);
        t
    }

    // --- the bundled table -------------------------------------------------

    #[test]
    fn bundled_table_parses_and_every_entry_is_sane() {
        let parsed = parse_table(BUNDLED_JSON).expect("prices.json parses");
        assert_eq!(parsed.as_of.as_deref(), Some(PriceTable::BUNDLED_AS_OF));
        assert!(parsed.entries.len() >= 50, "{}", parsed.entries.len());
        for (key, price, entry) in &parsed.entries {
            let (provider, model) = key.split_once('/').expect("provider/model");
            assert!(
                KNOWN_PROVIDERS.contains(&provider),
                "{key}: unknown provider"
            );
            assert!(!model.is_empty(), "{key}");
            for v in [
                Some(price.input),
                Some(price.output),
                price.cached_input,
                price.cache_write,
            ]
            .into_iter()
            .flatten()
            {
                assert!(v.is_finite() && v >= 0.0, "{key}: {v}");
            }
            if let Some(cached) = price.cached_input {
                assert!(
                    cached <= price.input,
                    "{key}: cache reads dearer than input"
                );
            }
            let source = entry.source.as_deref().unwrap_or_default();
            assert!(source.starts_with("https://"), "{key}: source {source:?}");
            // Chat models are dearer to generate than to read; embeddings bill input only.
            if !model.contains("embedding") && !model.ends_with('*') {
                assert!(price.output >= price.input, "{key}: output < input");
                assert!(price.output > 0.0, "{key}: free output");
            }
        }
        // Only the local wildcards are free.
        let free: Vec<&str> = parsed
            .entries
            .iter()
            .filter(|(_, p, _)| p.input == 0.0)
            .map(|(k, _, _)| k.as_str())
            .collect();
        assert_eq!(free, ["ollama/*", "vllm/*"]);
        // Every provider has at least one entry.
        for provider in KNOWN_PROVIDERS {
            assert!(
                parsed
                    .entries
                    .iter()
                    .any(|(k, _, _)| k.starts_with(&format!("{provider}/"))),
                "no price for {provider}"
            );
        }
    }

    #[test]
    fn bundled_is_parsed_once_and_never_empty() {
        let a = PriceTable::bundled();
        let b = PriceTable::bundled();
        assert!(!a.is_empty());
        assert_eq!(a.len(), b.len());
        assert_eq!(
            a.len(),
            parse_table(BUNDLED_JSON)
                .map(|p| p.entries.len())
                .unwrap_or(0)
        );
        assert_eq!(a.as_of(), Some(PriceTable::BUNDLED_AS_OF));
        assert!(PriceTable::empty().is_empty());
        assert_eq!(PriceTable::empty().as_of(), None);
    }

    #[test]
    fn bundled_spot_checks() {
        let t = PriceTable::bundled();
        let mini = t.get("openai", "gpt-4o-mini").expect("gpt-4o-mini");
        assert_close(mini.input, 0.15e-6);
        assert_close(mini.output, 0.6e-6);
        assert_close(mini.cached_input.unwrap_or_default(), 0.075e-6);
        assert_eq!(mini.cache_write, None);
        // 1000 × $0.15/M + 500 × $0.60/M
        assert_close(
            t.cost("openai", "gpt-4o-mini", &usage(1_000, 500, 0, 0, 0))
                .unwrap_or(-1.0),
            0.00045,
        );

        let haiku = t.get("anthropic", "claude-haiku-4-5").expect("haiku");
        assert_close(haiku.cache_write.unwrap_or_default(), 1.25e-6);
        let small = t
            .get("openai", "text-embedding-3-small")
            .expect("embedding");
        assert_eq!(small.output, 0.0);
    }

    // --- lookups -----------------------------------------------------------

    #[test]
    fn exact_lookup_is_case_insensitive() {
        let t = table_with("Acme/Fast-1", Price::per_million(1.0, 2.0));
        assert_eq!(t.get("acme", "fast-1"), Some(Price::per_million(1.0, 2.0)));
        assert_eq!(
            t.get(" ACME ", "FAST-1"),
            Some(Price::per_million(1.0, 2.0))
        );
        assert_eq!(t.get("", "fast-1"), None);
        assert_eq!(t.get("acme", ""), None);
    }

    #[test]
    fn dated_and_latest_suffixes_fall_back_to_the_base_model() {
        let t = PriceTable::bundled();
        let mini = t.get("openai", "gpt-4o-mini");
        assert!(mini.is_some());
        assert_eq!(t.get("openai", "gpt-4o-mini-2024-07-18"), mini);

        let sonnet = t.get("anthropic", "claude-sonnet-4-5");
        assert!(sonnet.is_some());
        assert_eq!(t.get("anthropic", "claude-sonnet-4-5-20250929"), sonnet);

        let large = t.get("mistral", "mistral-large");
        assert!(large.is_some());
        assert_eq!(t.get("mistral", "mistral-large-latest"), large);
        assert_eq!(t.get("mistral", "mistral-large-2512"), large);
        // A dated id with its own entry is not folded into the base model.
        let large_2411 = t.get("mistral", "mistral-large-2411");
        assert!(large_2411.is_some());
        assert_ne!(large_2411, large);

        assert_eq!(t.get("xai", "grok-4-0709"), t.get("xai", "grok-4"));
        assert_eq!(
            t.get("google", "gemini-2.0-flash-001"),
            t.get("google", "gemini-2.0-flash")
        );
    }

    #[test]
    fn suffix_stripping_rules() {
        assert_eq!(strip_version("gpt-4o-mini-2024-07-18"), Some("gpt-4o-mini"));
        assert_eq!(
            strip_version("claude-sonnet-4-5-20250929"),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(strip_version("mistral-small-latest"), Some("mistral-small"));
        assert_eq!(strip_version("grok-2-1212"), Some("grok-2"));
        assert_eq!(
            strip_version("gemini-2.0-flash-001"),
            Some("gemini-2.0-flash")
        );
        assert_eq!(strip_version("gpt-4o-mini"), None);
        assert_eq!(strip_version("gpt-oss-120b"), None);
        assert_eq!(strip_version("o3"), None);
        assert_eq!(strip_version("-latest"), None);
        assert_eq!(strip_version("-2024"), None);
        assert_eq!(strip_version("modèle-12"), None);
        assert_eq!(strip_version("é-123"), Some("é"));
        // Only one suffix is removed.
        assert_eq!(strip_version("model-2024-latest"), Some("model-2024"));
    }

    #[test]
    fn openrouter_ids_fall_back_to_the_vendor_entry() {
        let mut t = PriceTable::empty();
        t.set("openai/gpt-4o-mini", Price::per_million(0.15, 0.6));
        let vendor = Some(Price::per_million(0.15, 0.6));
        assert_eq!(t.get("openrouter", "openai/gpt-4o-mini"), vendor);
        assert_eq!(t.get("openrouter", "openai/gpt-4o-mini-2024-07-18"), vendor);
        assert_eq!(t.get("openrouter", "openai/unknown"), None);
        assert_eq!(t.get("openrouter", "gpt-4o-mini"), None);
        assert_eq!(t.get("openrouter", "/gpt-4o-mini"), None);
        // Only aggregators nest: Together's `vendor/model` ids are its own.
        assert_eq!(t.get("together", "openai/gpt-4o-mini"), None);

        // OpenRouter's own entry wins over the vendor's.
        t.set(
            "openrouter/openai/gpt-4o-mini",
            Price::per_million(0.2, 0.8),
        );
        assert_eq!(
            t.get("openrouter", "openai/gpt-4o-mini"),
            Some(Price::per_million(0.2, 0.8))
        );
        assert_eq!(t.get("openai", "gpt-4o-mini"), vendor);

        // In the bundled table too.
        let b = PriceTable::bundled();
        assert!(b.get("openrouter", "openai/gpt-5").is_some());
        assert_eq!(
            b.get("openrouter", "openai/gpt-5"),
            b.get("openai", "gpt-5")
        );
    }

    #[test]
    fn wildcards_price_local_models_and_come_last() {
        let b = PriceTable::bundled();
        let zero = Price::per_million(0.0, 0.0);
        assert_eq!(b.get("ollama", "llama3.2:3b"), Some(zero));
        assert_eq!(b.get("vllm", "Qwen/Qwen3-8B"), Some(zero));
        assert_eq!(
            b.cost("ollama", "llama3.2", &usage(10_000, 5_000, 0, 0, 0)),
            Some(0.0)
        );

        // Without the wildcard, local models are unknown, not free.
        let mut t = PriceTable::empty();
        assert_eq!(t.get("ollama", "llama3.2"), None);
        t.set("ollama/*", zero);
        t.set("ollama/big-model", Price::per_million(0.5, 0.5));
        assert_eq!(t.get("ollama", "llama3.2"), Some(zero));
        assert_eq!(
            t.get("ollama", "big-model"),
            Some(Price::per_million(0.5, 0.5))
        );
        assert_eq!(t.get("vllm", "anything"), None);
    }

    #[test]
    fn unknown_models_are_none() {
        let b = PriceTable::bundled();
        assert_eq!(b.get("openai", "gpt-9000"), None);
        assert_eq!(b.get("nosuchprovider", "gpt-4o-mini"), None);
        assert_eq!(b.get("groq", "openai/gpt-4o-mini"), None);
        assert_eq!(b.cost("openai", "gpt-9000", &usage(1, 1, 0, 0, 0)), None);
        assert_eq!(PriceTable::empty().get("openai", "gpt-4o-mini"), None);
    }

    // --- cost arithmetic ---------------------------------------------------

    #[test]
    fn cost_of_plain_usage() {
        let t = table_with("x/m", Price::per_million(2.0, 8.0));
        // 1000 × $2/M + 500 × $8/M = 0.002 + 0.004
        assert_close(
            t.cost("x", "m", &usage(1_000, 500, 0, 0, 0))
                .unwrap_or(-1.0),
            0.006,
        );
    }

    #[test]
    fn cost_of_cache_reads() {
        let t = table_with("x/m", Price::per_million(3.0, 15.0).cached(0.3, None));
        // prompt 10 000 of which 8 000 read from cache:
        // 2000 × 3 + 8000 × 0.3 + 1000 × 15, per million = 0.006 + 0.0024 + 0.015
        assert_close(
            t.cost("x", "m", &usage(10_000, 1_000, 8_000, 0, 0))
                .unwrap_or(-1.0),
            0.0234,
        );
    }

    #[test]
    fn cost_of_cache_writes_anthropic_style() {
        let t = table_with("x/m", Price::per_million(3.0, 15.0).cached(0.3, Some(3.75)));
        // prompt_tokens = 100 uncached + 2000 read + 5000 written:
        // 100 × 3 + 2000 × 0.3 + 5000 × 3.75 + 200 × 15, per million
        // = 0.0003 + 0.0006 + 0.01875 + 0.003
        assert_close(
            t.cost("x", "m", &usage(7_100, 200, 2_000, 5_000, 0))
                .unwrap_or(-1.0),
            0.02265,
        );
    }

    #[test]
    fn reasoning_tokens_are_output_and_not_counted_twice() {
        let t = table_with("x/m", Price::per_million(1.1, 4.4));
        // completion 1500 of which 1200 reasoning: 100 × 1.1 + 1500 × 4.4, per million
        let with = t
            .cost("x", "m", &usage(100, 1_500, 0, 0, 1_200))
            .unwrap_or(-1.0);
        let without = t
            .cost("x", "m", &usage(100, 1_500, 0, 0, 0))
            .unwrap_or(-2.0);
        assert_close(with, 0.00671);
        assert_eq!(with, without);
    }

    #[test]
    fn cost_of_zero_usage_is_zero() {
        let t = table_with("x/m", Price::per_million(3.0, 15.0).cached(0.3, Some(3.75)));
        assert_eq!(t.cost("x", "m", &Usage::default()), Some(0.0));
    }

    #[test]
    fn missing_cache_prices_fall_back_to_input() {
        let t = table_with("x/m", Price::per_million(1.0, 2.0));
        // 500 uncached + 400 read + 100 written, all at $1/M; no output.
        assert_close(
            t.cost("x", "m", &usage(1_000, 0, 400, 100, 0))
                .unwrap_or(-1.0),
            0.001,
        );
        assert_close(
            t.cost("x", "m", &usage(1_000, 0, 400, 100, 0))
                .unwrap_or(-1.0),
            t.cost("x", "m", &usage(1_000, 0, 0, 0, 0)).unwrap_or(-2.0),
        );
    }

    #[test]
    fn inconsistent_usage_saturates() {
        let t = table_with("x/m", Price::per_million(1.0, 2.0).cached(0.5, Some(2.0)));
        // More cached + written tokens than prompt tokens: nothing is uncached.
        // 300 × 0.5 + 300 × 2, per million
        assert_close(
            t.cost("x", "m", &usage(100, 0, 300, 300, 0))
                .unwrap_or(-1.0),
            0.00075,
        );
    }

    // --- overrides ---------------------------------------------------------

    #[test]
    fn ids_longer_than_the_lookup_buffer_and_non_ascii_ids_are_found() {
        let mut t = PriceTable::bundled();
        let long = format!("m-{}", "x".repeat(200));
        t.set(&format!("acme/{long}"), Price::per_million(2.0, 3.0))
            .set("acme/modèle-été", Price::per_million(4.0, 5.0))
            .set("acme/*", Price::per_million(6.0, 7.0));
        assert_eq!(t.get("acme", &long), Some(Price::per_million(2.0, 3.0)));
        assert_eq!(
            t.get("ACME", &format!("{long}-latest").to_uppercase()),
            Some(Price::per_million(2.0, 3.0))
        );
        assert_eq!(
            t.get("acme", " modèle-été "),
            Some(Price::per_million(4.0, 5.0))
        );
        // Neither exact nor versioned: the provider's wildcard.
        assert_eq!(
            t.get("acme", &"y".repeat(300)),
            Some(Price::per_million(6.0, 7.0))
        );
    }

    #[test]
    fn set_adds_and_replaces() {
        let mut t = PriceTable::bundled();
        let before = t.len();
        t.set("acme/new-model", Price::per_million(1.0, 1.0))
            .set("openai/gpt-4o-mini", Price::per_million(9.0, 9.0));
        assert_eq!(t.len(), before + 1);
        assert_eq!(
            t.get("openai", "gpt-4o-mini"),
            Some(Price::per_million(9.0, 9.0))
        );
        assert_eq!(
            t.get("openai", "gpt-4o-mini-2024-07-18"),
            Some(Price::per_million(9.0, 9.0))
        );
        assert_eq!(
            t.get("acme", "new-model"),
            Some(Price::per_million(1.0, 1.0))
        );
        // The bundled table itself is untouched.
        assert_ne!(
            PriceTable::bundled().get("openai", "gpt-4o-mini"),
            Some(Price::per_million(9.0, 9.0))
        );
    }

    #[test]
    fn merge_json_overrides() {
        let mut t = PriceTable::bundled();
        t.merge_json(
            r#"{
                "as_of": "2027-01-01",
                "models": {
                    "OpenAI/GPT-4o-mini": {"input_per_million": 0.1, "output_per_million": 0.4,
                                           "cached_input_per_million": 0.01, "cache_write_per_million": null},
                    "llamacpp/*": {"input_per_million": 0, "output_per_million": 0, "note": "local"},
                    "acme/m": {"input_per_million": 1, "output_per_million": 2, "cache_write_per_million": 1.5,
                               "source": "https://example.com"}
                }
            }"#,
        )
        .expect("valid overrides");
        assert_eq!(t.as_of(), Some("2027-01-01"));
        assert_eq!(
            t.get("openai", "gpt-4o-mini"),
            Some(Price::per_million(0.1, 0.4).cached(0.01, None))
        );
        assert_eq!(
            t.get("llamacpp", "anything"),
            Some(Price::per_million(0.0, 0.0))
        );
        let acme = t.get("acme", "m").expect("acme/m");
        assert_eq!(acme.cached_input, None);
        assert_close(acme.cache_write.unwrap_or_default(), 1.5e-6);
        // Untouched entries stay.
        assert_eq!(
            t.get("openai", "gpt-4o"),
            PriceTable::bundled().get("openai", "gpt-4o")
        );
    }

    #[test]
    fn merge_json_errors_name_the_entry_and_change_nothing() {
        let cases = [
            (
                r#"{"models": {"acme/a": {"input_per_million": 1}}}"#,
                "acme/a",
                "output_per_million",
            ),
            (
                r#"{"models": {"acme/b": {"input_per_million": -1, "output_per_million": 1}}}"#,
                "acme/b",
                "input_per_million",
            ),
            (
                r#"{"models": {"acme/c": {"input_per_million": "1", "output_per_million": 1}}}"#,
                "acme/c",
                "invalid type",
            ),
            (
                r#"{"models": {"acme/d": {"input_per_million": 1, "output_per_million": 1, "input_per_milion": 1}}}"#,
                "acme/d",
                "input_per_milion",
            ),
            (
                r#"{"models": {"acme/e": {"input_per_million": 1, "output_per_million": 1, "cached_input_per_million": -0.5}}}"#,
                "acme/e",
                "cached_input_per_million",
            ),
            (
                r#"{"models": {"no-slash": {"input_per_million": 1, "output_per_million": 1}}}"#,
                "no-slash",
                "provider/model",
            ),
            (
                r#"{"models": {"/m": {"input_per_million": 1, "output_per_million": 1}}}"#,
                "/m",
                "provider/model",
            ),
            (r#"{"models": {"acme/f": 3}}"#, "acme/f", "invalid type"),
            (
                r#"{"models": {"acme/g": {"input_per_million": 1, "output_per_million": 1}, "ACME/G": {"input_per_million": 1, "output_per_million": 1}}}"#,
                "acme/g",
                "twice",
            ),
        ];
        for (json, entry, detail) in cases {
            let mut t = PriceTable::empty();
            t.set("keep/me", Price::per_million(1.0, 1.0));
            // A valid entry before the bad one must not be applied either.
            let json = json.replacen(
                r#"{"models": {"#,
                r#"{"models": {"ok/first": {"input_per_million": 1, "output_per_million": 1}, "#,
                1,
            );
            let err = t.merge_json(&json).expect_err(entry);
            let msg = err.to_string();
            assert!(matches!(err.kind(), crate::ErrorKind::Config(_)), "{msg}");
            assert!(msg.contains(entry), "{msg:?} should name {entry}");
            assert!(msg.contains(detail), "{msg:?} should mention {detail}");
            assert_eq!(t.len(), 1, "{msg}");
            assert_eq!(t.get("ok", "first"), None);
        }
    }

    #[test]
    fn merge_json_rejects_malformed_documents() {
        let mut t = PriceTable::empty();
        for json in [
            "",
            "not json",
            "[]",
            r#"{"as_of": "2026-01-01"}"#,
            r#"{"models": {}, "extra": 1}"#,
        ] {
            let err = t.merge_json(json).expect_err(json);
            assert!(err.to_string().contains("price table"), "{err}");
        }
        assert!(t.is_empty());
        t.merge_json(r#"{"models": {}}"#)
            .expect("an empty document is fine");
        assert!(t.is_empty());
    }

    #[test]
    fn price_constructors_and_serde() {
        let p = Price::per_million(3.0, 15.0).cached(0.3, Some(3.75));
        assert_close(p.input, 3e-6);
        assert_close(p.output, 15e-6);
        assert_close(p.cached_input.unwrap_or_default(), 0.3e-6);
        assert_close(p.cache_write.unwrap_or_default(), 3.75e-6);
        let json = serde_json::to_string(&p).expect("serialize");
        let back: Price = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, p);
        let bare: Price =
            serde_json::from_str(r#"{"input": 1e-6, "output": 2e-6}"#).expect("defaults");
        assert_eq!(bare, Price::per_million(1.0, 2.0));
    }
}
