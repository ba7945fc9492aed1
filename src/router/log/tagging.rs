//! Automatic tags for logged requests: what a request was about (topic),
//! how it was written (tone), its language, and buckets of its outcome.
//!
//! A [`Tagger`] runs in the logging background task, after the answer, off
//! the request path; its tags are appended to the record's
//! [`tags`](LogRecord::tags) after the caller's own (`requesty.tags`).
//! [`BuiltinTagger`] is deterministic and fast (about 25 µs for a 2 KB
//! prompt in a release build, proportionally less for shorter ones: one pass
//! over the bytes, then a few hash look-ups per word against lexicons built
//! once); [`LlmTagger`] optionally asks a cheap model to label a sample of
//! the traffic.
//!
//! # Tag vocabulary of [`BuiltinTagger`]
//!
//! Tags come in this order; each is present at most once, except
//! `tool_called:`.
//!
//! | Tag | When |
//! |-----|------|
//! | `stream` / `non_stream` | always: whether the answer was streamed |
//! | `structured` | a structured output (`response_format`) was asked for |
//! | `tools_offered:<n>` | the request offered `n` ≥ 1 tools |
//! | `tool_called:<name>` | once per distinct tool the model called (at most 8) |
//! | `finish:<reason>` | the first choice's finish reason (`stop`, `length`, `tool_calls`, …) |
//! | `error:<class>` | the request failed: the error class (`api`, `timeout`, …; `unknown` if none) |
//! | `latency:<bucket>` | always: `lt_1s`, `1_5s`, `5_30s`, `gt_30s` (lower bounds inclusive) |
//! | `tokens:<bucket>` | usage is known: total tokens `lt_1k`, `1k_10k`, `10k_100k`, `gt_100k` |
//! | `cost:<bucket>` | always: USD `unknown`, `lt_0_001`, `0_001_0_01`, `0_01_0_1`, `gt_0_1` |
//! | `lang:<code>` | the language was recognised (ISO 639-1: `en`, `fr`, `zh`, …) |
//! | `topic:<topic>` | a topic scored above the threshold (see [`Topic`]) |
//! | `tone:<tone>` | the request has user text (see [`Tone`]; `tone:neutral` included) |
//!
//! Names in `tool_called:`, `finish:` and `error:` are kept as sent, with
//! whitespace and control characters replaced by `_` and cut to 64
//! characters.
//!
//! # What is classified
//!
//! Topic, tone and language are computed on the request's **user** text:
//! the last `user` message counts fully, the (at most 3) user messages
//! before it count half. `system` and `developer` messages count 0.3 and
//! only for the topic. Assistant turns, tool calls and tool results are
//! ignored (they are the model's and the tools' words, not the user's).
//! Only text parts are read (images, audio and files are not). A message
//! longer than 8 KiB is read as its first 6 KiB and last 2 KiB.
//!
//! # How
//!
//! Lexicon scoring: every class has weighted keywords, word stems
//! (`translat*`), compound heads (`*daten`) and short phrases (`thank you`,
//! `s'il vous plaît`), in English and, for the common cases, French,
//! German, Spanish, Italian, Portuguese, Dutch, Russian, Japanese, Chinese
//! and Arabic. A repeated keyword counts a quarter of its weight after its
//! first occurrence; the first three words of a message (where the task verb
//! usually is: *Translate…*, *Solve…*) count 1.5 times for the topic.
//! Character-level features add to the scores: code-like text for
//! `coding` (fences and backticks, braces, `;` at line ends, `=>`, `::`,
//! `()`, indented lines, `snake_case` and `camelCase` names, `KeyError`-like
//! exception names, SQL keywords in capitals), operators between operands
//! and symbols such as `∫ √ π ²` for `math`; `!!`, `??` and words in
//! capitals for `frustrated`; emoji for `casual`.
//!
//! - **Topic**: the best-scoring topic if it reaches 1.5 and beats the
//!   runner-up by 0.25; otherwise no topic.
//! - **Tone**: each tone has a threshold (frustrated, urgent and formal 2,
//!   polite and casual 1); the first tone reaching its threshold in the order
//!   **frustrated > urgent > formal > polite > casual** wins, else
//!   `neutral`. So "please fix this ASAP" is urgent, and "hey, could you
//!   please…" is polite.
//! - **Language**: by script for Chinese (`zh`), Japanese (`ja`, when kana
//!   appear), Korean (`ko`), Cyrillic (`ru`, or `uk` when `і ї є ґ`
//!   appear), Arabic script (`ar`, or `fa` when `پ چ ژ گ` appear),
//!   Devanagari (`hi`), Greek (`el`), Hebrew (`he`) and Thai (`th`), when
//!   that script outweighs Latin letters (a CJK character counting as three
//!   letters); otherwise by weighted stop-word frequency (plus a few
//!   telling letters and suffixes: `¿`, `ñ`, `ß`, `ã`, `-ción`, `-ção`, …)
//!   for `en`, `fr`, `de`, `es`, `it`, `pt`, `nl`, `sv`, `pl` and `tr`: the
//!   best language must score 1.5, and 1.5 times the runner-up. Too short or
//!   ambiguous text gets no language.
#![deny(missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;

use super::record::{LogRecord, Outcome};
use crate::Client;
use crate::types::{ChatRequest, Message, Role};

// ---------------------------------------------------------------------------
// The trait
// ---------------------------------------------------------------------------

/// Adds tags to a logged request. Object-safe; runs off the request path.
pub trait Tagger: Send + Sync + 'static {
    /// A short name (for diagnostics).
    fn name(&self) -> &str;

    /// Tags for this request (e.g. `"topic:coding"`); the caller appends
    /// them after the caller's own tags.
    fn tag<'a>(
        &'a self,
        request: &'a ChatRequest,
        record: &'a LogRecord,
    ) -> BoxFuture<'a, Vec<String>>;
}

// ---------------------------------------------------------------------------
// Topic and tone
// ---------------------------------------------------------------------------

/// What a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Topic {
    /// Programming, debugging, tooling (`coding`).
    Coding,
    /// Equations, proofs, probabilities (`math`).
    Math,
    /// Creative writing, editing, proofreading (`writing`).
    Writing,
    /// Translating between natural languages (`translation`).
    Translation,
    /// Data sets, statistics, spreadsheets, charts (`data_analysis`).
    DataAnalysis,
    /// Orders, refunds, accounts, subscriptions (`customer_support`).
    CustomerSupport,
    /// Law, contracts, rights (`legal`).
    Legal,
    /// Health, symptoms, medication (`medical`).
    Medical,
    /// Money, investing, taxes, loans (`finance`).
    Finance,
    /// Teaching, studying, schools (`education`).
    Education,
    /// Campaigns, brands, advertising, SEO (`marketing`).
    Marketing,
    /// Physics, chemistry, biology, astronomy (`science`).
    Science,
    /// Trips, flights, hotels, sightseeing (`travel`).
    Travel,
    /// Recipes and cooking (`cooking`).
    Cooking,
}

const TOPICS: usize = 14;

impl Topic {
    /// Every topic, in declaration order.
    pub const ALL: [Topic; TOPICS] = [
        Topic::Coding,
        Topic::Math,
        Topic::Writing,
        Topic::Translation,
        Topic::DataAnalysis,
        Topic::CustomerSupport,
        Topic::Legal,
        Topic::Medical,
        Topic::Finance,
        Topic::Education,
        Topic::Marketing,
        Topic::Science,
        Topic::Travel,
        Topic::Cooking,
    ];

    /// The tag name: lower-case snake case (`data_analysis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Coding => "coding",
            Topic::Math => "math",
            Topic::Writing => "writing",
            Topic::Translation => "translation",
            Topic::DataAnalysis => "data_analysis",
            Topic::CustomerSupport => "customer_support",
            Topic::Legal => "legal",
            Topic::Medical => "medical",
            Topic::Finance => "finance",
            Topic::Education => "education",
            Topic::Marketing => "marketing",
            Topic::Science => "science",
            Topic::Travel => "travel",
            Topic::Cooking => "cooking",
        }
    }

    /// The topic named `name` (as [`Topic::as_str`] spells it).
    pub fn from_name(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a request is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum Tone {
    /// None of the others (`neutral`).
    #[default]
    Neutral,
    /// Letter-like: "Dear …", "Regards", "hereby", "pursuant to" (`formal`).
    Formal,
    /// Chatty: "hey", "lol", "gonna", "btw", emoji (`casual`).
    Casual,
    /// "please", "thank you", "could you", "would you kindly" (`polite`).
    Polite,
    /// "asap", "urgent", "immediately", "right now", "deadline" (`urgent`).
    Urgent,
    /// "still not working", "this is ridiculous", "!!!", shouting in
    /// capitals (`frustrated`).
    Frustrated,
}

const TONES: usize = 6;

impl Tone {
    /// Every tone, in declaration order.
    pub const ALL: [Tone; TONES] = [
        Tone::Neutral,
        Tone::Formal,
        Tone::Casual,
        Tone::Polite,
        Tone::Urgent,
        Tone::Frustrated,
    ];

    /// The order in which tones win when several reach their threshold.
    pub const PRECEDENCE: [Tone; TONES] = [
        Tone::Frustrated,
        Tone::Urgent,
        Tone::Formal,
        Tone::Polite,
        Tone::Casual,
        Tone::Neutral,
    ];

    /// The tag name (`frustrated`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Formal => "formal",
            Tone::Casual => "casual",
            Tone::Polite => "polite",
            Tone::Urgent => "urgent",
            Tone::Frustrated => "frustrated",
        }
    }

    /// The tone named `name` (as [`Tone::as_str`] spells it).
    pub fn from_name(name: &str) -> Option<Tone> {
        Tone::ALL.into_iter().find(|t| t.as_str() == name)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The score a tone needs.
    fn threshold(self) -> f32 {
        match self {
            Tone::Neutral => 0.0,
            Tone::Formal | Tone::Urgent | Tone::Frustrated => 2.0,
            Tone::Polite | Tone::Casual => 1.0,
        }
    }
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Languages told apart by stop words (Latin script).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Fr,
    De,
    Es,
    It,
    Pt,
    Nl,
    Sv,
    Pl,
    Tr,
}

const LANGS: usize = 10;
const LANG_CODES: [&str; LANGS] = ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "pl", "tr"];

/// Non-Latin scripts counted for language detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Han,
    Kana,
    Hangul,
    Cyrillic,
    /// Letters only Ukrainian uses among Cyrillic languages (і ї є ґ).
    Ukrainian,
    Arabic,
    /// Letters Persian adds to the Arabic script (پ چ ژ گ).
    Persian,
    Devanagari,
    Greek,
    Hebrew,
    Thai,
}

const SCRIPTS: usize = 11;

fn script_of(c: char) -> Option<Script> {
    let u = c as u32;
    Some(match u {
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF => Script::Han,
        0x3040..=0x30FF | 0xFF66..=0xFF9D => Script::Kana,
        0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => Script::Hangul,
        0x0456 | 0x0457 | 0x0454 | 0x0491 | 0x0406 | 0x0407 | 0x0404 | 0x0490 => Script::Ukrainian,
        0x0400..=0x04FF => Script::Cyrillic,
        0x067E | 0x0686 | 0x0698 | 0x06AF => Script::Persian,
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
        0x0900..=0x097F => Script::Devanagari,
        0x0370..=0x03FF => Script::Greek,
        0x0590..=0x05FF => Script::Hebrew,
        0x0E00..=0x0E7F => Script::Thai,
        _ => return None,
    })
}

/// Whether a lexicon key in this script is matched as a substring (scripts
/// without spaces between words, and Arabic, which attaches articles and
/// conjunctions to words).
fn is_marker_script(s: Script) -> bool {
    matches!(
        s,
        Script::Han | Script::Kana | Script::Hangul | Script::Arabic | Script::Persian
    )
}

// ---------------------------------------------------------------------------
// Public classifiers
// ---------------------------------------------------------------------------

/// The topic of `text`, or `None` when no topic scores high enough or two
/// tie (see the [module docs](self)).
///
/// ```
/// use requesty::router::log::tagging::{Topic, classify_topic};
/// assert_eq!(classify_topic("Give me a recipe for banana bread"), Some(Topic::Cooking));
/// assert_eq!(classify_topic("hello there"), None);
/// ```
pub fn classify_topic(text: &str) -> Option<Topic> {
    analyze(text).topic()
}

/// The tone of `text` (precedence: frustrated > urgent > formal > polite >
/// casual > neutral).
///
/// ```
/// use requesty::router::log::tagging::{Tone, classify_tone};
/// assert_eq!(classify_tone("Could you please help me? Thanks!"), Tone::Polite);
/// assert_eq!(classify_tone("Please fix this ASAP"), Tone::Urgent);
/// assert_eq!(classify_tone("List three rivers in Spain."), Tone::Neutral);
/// ```
pub fn classify_tone(text: &str) -> Tone {
    analyze(text).tone()
}

/// The ISO 639-1 code of the language of `text`, or `None` when it is too
/// short or ambiguous.
///
/// ```
/// use requesty::router::log::tagging::detect_language;
/// assert_eq!(detect_language("Où est la gare, s'il vous plaît ?"), Some("fr"));
/// assert_eq!(detect_language("東京の天気はどうですか"), Some("ja"));
/// assert_eq!(detect_language("ok"), None);
/// ```
pub fn detect_language(text: &str) -> Option<&'static str> {
    analyze(text).language()
}

/// Topic, tone and language of a request, as [`BuiltinTagger`] computes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Labels {
    /// The topic, if one fits.
    pub topic: Option<Topic>,
    /// The tone; `None` when the request has no user text.
    pub tone: Option<Tone>,
    /// The language (ISO 639-1), if recognised.
    pub language: Option<&'static str>,
}

/// Weight of the user messages before the last one.
const EARLIER_USER_WEIGHT: f32 = 0.5;
/// How many user messages before the last one are read.
const EARLIER_USER_MESSAGES: usize = 3;
/// Weight of `system` / `developer` messages (topic only).
const SYSTEM_WEIGHT: f32 = 0.3;

/// Topic, tone and language of a request's user text (see the
/// [module docs](self) for which messages count and how much).
pub fn classify_request(request: &ChatRequest) -> Labels {
    let mut total = Scores::default();
    let mut user_text = false;
    let mut users = request
        .messages
        .iter()
        .rev()
        .filter(|m| m.role == Role::User);
    if let Some(last) = users.next() {
        if let Some(text) = message_text(last) {
            user_text = true;
            total.add(&analyze(&text), 1.0, true);
        }
        for m in users.take(EARLIER_USER_MESSAGES) {
            if let Some(text) = message_text(m) {
                user_text = true;
                total.add(&analyze(&text), EARLIER_USER_WEIGHT, true);
            }
        }
    } else if let Some(prompt) = request.prompt.as_deref().filter(|p| !p.trim().is_empty()) {
        user_text = true;
        total.add(&analyze(prompt), 1.0, true);
    }
    if !user_text {
        return Labels::default();
    }
    for m in request
        .messages
        .iter()
        .filter(|m| m.role == Role::System || m.role == Role::Developer)
    {
        if let Some(text) = message_text(m) {
            total.add(&analyze(&text), SYSTEM_WEIGHT, false);
        }
    }
    Labels {
        topic: total.topic(),
        tone: Some(total.tone()),
        language: total.language(),
    }
}

fn message_text(m: &Message) -> Option<std::borrow::Cow<'_, str>> {
    m.text().filter(|t| !t.trim().is_empty())
}

// ---------------------------------------------------------------------------
// Buckets
// ---------------------------------------------------------------------------

/// The latency bucket of `latency_ms`: `lt_1s`, `1_5s`, `5_30s` or `gt_30s`.
pub fn latency_bucket(latency_ms: f64) -> &'static str {
    if latency_ms.is_nan() || latency_ms < 1_000.0 {
        "lt_1s"
    } else if latency_ms < 5_000.0 {
        "1_5s"
    } else if latency_ms < 30_000.0 {
        "5_30s"
    } else {
        "gt_30s"
    }
}

/// The bucket of a total token count: `lt_1k`, `1k_10k`, `10k_100k` or `gt_100k`.
pub fn tokens_bucket(total_tokens: u64) -> &'static str {
    match total_tokens {
        0..1_000 => "lt_1k",
        1_000..10_000 => "1k_10k",
        10_000..100_000 => "10k_100k",
        _ => "gt_100k",
    }
}

/// The bucket of a cost in USD: `unknown` (no price, or not a finite
/// non-negative number), `lt_0_001`, `0_001_0_01`, `0_01_0_1` or `gt_0_1`.
pub fn cost_bucket(cost_usd: Option<f64>) -> &'static str {
    match cost_usd {
        Some(c) if c.is_finite() && c >= 0.0 => {
            if c < 0.001 {
                "lt_0_001"
            } else if c < 0.01 {
                "0_001_0_01"
            } else if c < 0.1 {
                "0_01_0_1"
            } else {
                "gt_0_1"
            }
        }
        _ => "unknown",
    }
}

/// At most this many `tool_called:` tags.
const MAX_TOOL_TAGS: usize = 8;
/// Names in tags are cut to this many characters.
const MAX_TAG_VALUE_CHARS: usize = 64;

/// A name made safe for a tag: whitespace and control characters become
/// `_`, cut to 64 characters.
fn tag_value(s: &str) -> String {
    s.trim()
        .chars()
        .take(MAX_TAG_VALUE_CHARS)
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The built-in tagger
// ---------------------------------------------------------------------------

/// The built-in tagger: deterministic tags from the record and the request
/// (vocabulary in the [module docs](self)).
///
/// ```
/// use requesty::ChatRequest;
/// use requesty::router::log::LogRecord;
/// use requesty::router::log::tagging::BuiltinTagger;
///
/// let req = ChatRequest::new("openai/gpt-4o-mini")
///     .user("Could you please explain how a Python decorator works? Thanks!");
/// let record = LogRecord { latency_ms: 1_200.0, ..Default::default() };
/// let tags = BuiltinTagger.tags(&req, &record);
/// assert_eq!(
///     tags,
///     ["non_stream", "latency:1_5s", "cost:unknown", "lang:en", "topic:coding", "tone:polite"]
/// );
/// ```
#[derive(Debug, Clone, Default)]
pub struct BuiltinTagger;

impl BuiltinTagger {
    /// The tags, computed synchronously.
    pub fn tags(&self, request: &ChatRequest, record: &LogRecord) -> Vec<String> {
        let mut tags = Vec::with_capacity(12);
        tags.push(
            if record.stream {
                "stream"
            } else {
                "non_stream"
            }
            .to_owned(),
        );
        if record.structured {
            tags.push("structured".to_owned());
        }
        if !record.tools_offered.is_empty() {
            tags.push(format!("tools_offered:{}", record.tools_offered.len()));
        }
        let mut called: Vec<&str> = Vec::new();
        for name in &record.tools_called {
            if called.len() == MAX_TOOL_TAGS {
                break;
            }
            if !called.contains(&name.as_str()) {
                called.push(name);
                tags.push(format!("tool_called:{}", tag_value(name)));
            }
        }
        if let Some(reason) = record.finish_reason.as_deref().filter(|r| !r.is_empty()) {
            tags.push(format!("finish:{}", tag_value(reason)));
        }
        if record.outcome == Outcome::Error {
            let class = record
                .error
                .as_ref()
                .map(|e| tag_value(&e.class))
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "unknown".to_owned());
            tags.push(format!("error:{class}"));
        }
        tags.push(format!("latency:{}", latency_bucket(record.latency_ms)));
        if let Some(usage) = &record.usage {
            tags.push(format!("tokens:{}", tokens_bucket(usage.total_tokens)));
        }
        tags.push(format!("cost:{}", cost_bucket(record.cost_usd)));
        let labels = classify_request(request);
        if let Some(lang) = labels.language {
            tags.push(format!("lang:{lang}"));
        }
        if let Some(topic) = labels.topic {
            tags.push(format!("topic:{topic}"));
        }
        if let Some(tone) = labels.tone {
            tags.push(format!("tone:{tone}"));
        }
        tags
    }
}

impl Tagger for BuiltinTagger {
    fn name(&self) -> &str {
        "builtin"
    }

    fn tag<'a>(
        &'a self,
        request: &'a ChatRequest,
        record: &'a LogRecord,
    ) -> BoxFuture<'a, Vec<String>> {
        Box::pin(futures::future::ready(self.tags(request, record)))
    }
}

// ---------------------------------------------------------------------------
// The LLM tagger
// ---------------------------------------------------------------------------

/// The Requesty tag [`LlmTagger`] puts on its own classification requests;
/// requests carrying it are never sampled (so a logged classification
/// request is not classified in turn).
pub const LLM_TAGGER_TAG: &str = "llm_tagger";

/// How much of the last user message [`LlmTagger`] sends, in characters.
const LLM_MAX_CHARS: usize = 2_000;

/// An optional tagger that asks a cheap model to label a **sample** of the
/// traffic with a topic and a tone from fixed lists: it adds
/// `llm_topic:<topic>` (a [`Topic`] name or `other`) and `llm_tone:<tone>`
/// (a [`Tone`] name).
///
/// - Sampling is by request id (a hash of it below the rate), so a request
///   is sampled or not the same way every time; without a request id it is
///   random.
/// - At most `max_concurrency` classifications run at once; a sampled
///   request over that limit gets no tags (nothing waits).
/// - Each classification has a timeout; any failure (timeout, error, an
///   answer off the lists) gives no tags, never an error.
/// - It sends the first 2,000 characters of the last user message to the
///   configured model: mind where that model runs.
/// - Its own requests carry the Requesty tag [`LLM_TAGGER_TAG`] and are
///   skipped.
/// - The logging task awaits its taggers one after the other, so a sampled
///   request holds the log queue for up to the timeout: keep the rate and
///   the timeout small.
///
/// ```no_run
/// # fn run(client: requesty::Client) {
/// use requesty::router::log::tagging::LlmTagger;
/// let tagger = LlmTagger::new(client, "openai/gpt-4o-mini")
///     .sample_rate(0.02)
///     .max_concurrency(2);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LlmTagger {
    client: Client,
    model: String,
    sample_rate: f64,
    max_concurrency: usize,
    timeout: Duration,
    in_flight: Arc<AtomicUsize>,
}

/// The answer asked of the model.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct LlmLabels {
    /// One of the topics, or `other`.
    topic: String,
    /// One of the tones.
    tone: String,
}

/// Decrements the in-flight count when a classification ends (or is dropped).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl LlmTagger {
    /// A tagger asking `model` through `client`; samples 5% of the
    /// requests, 2 at a time, with a 10 s timeout.
    pub fn new(client: Client, model: impl Into<String>) -> Self {
        LlmTagger {
            client,
            model: model.into(),
            sample_rate: 0.05,
            max_concurrency: 2,
            timeout: Duration::from_secs(10),
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The share of requests to classify, from 0 to 1 (clamped; NaN is 0).
    pub fn sample_rate(mut self, rate: f64) -> Self {
        self.sample_rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self
    }

    /// How many classifications may run at once (at least 1).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// The timeout of one classification.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether the request of `record` falls in the sample.
    pub fn is_sampled(&self, record: &LogRecord) -> bool {
        if self.sample_rate <= 0.0 {
            return false;
        }
        if self.sample_rate >= 1.0 {
            return true;
        }
        let draw = if record.request_id.is_empty() {
            fastrand::f64()
        } else {
            let mut h = Fnv::default();
            h.write(record.request_id.as_bytes());
            // FNV's high bits mix poorly for similar ids: finish with
            // MurmurHash3's fmix64, then take the top 53 bits as a fraction.
            let mut x = h.finish();
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^= x >> 33;
            x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
            x ^= x >> 33;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        draw < self.sample_rate
    }

    async fn classify(&self, request: &ChatRequest, record: &LogRecord) -> Vec<String> {
        let own = |tags: &[String]| tags.iter().any(|t| t == LLM_TAGGER_TAG);
        if own(&record.tags)
            || request.requesty.as_ref().is_some_and(|r| own(&r.tags))
            || !self.is_sampled(record)
        {
            return Vec::new();
        }
        let Some(text) = request
            .messages
            .iter()
            .rev()
            .filter(|m| m.role == Role::User)
            .find_map(message_text)
        else {
            return Vec::new();
        };
        // Reserve a slot, or give up at once.
        if self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_concurrency).then_some(n + 1)
            })
            .is_err()
        {
            return Vec::new();
        }
        let _slot = InFlight(Arc::clone(&self.in_flight));
        let excerpt: String = text.chars().take(LLM_MAX_CHARS).collect();
        let topics: Vec<&str> = Topic::ALL.iter().map(|t| t.as_str()).collect();
        let tones: Vec<&str> = Tone::ALL.iter().map(|t| t.as_str()).collect();
        let req = ChatRequest::new(self.model.clone())
            .system(
                "You label requests sent to an AI assistant. Answer with JSON only: \
                 {\"topic\": …, \"tone\": …}.",
            )
            .user(format!(
                "Topics: {}, other.\nTones: {}.\nPick the one topic and the one tone that fit \
                 this request best.\n\nRequest:\n<<<\n{excerpt}\n>>>",
                topics.join(", "),
                tones.join(", "),
            ))
            .temperature(0.0)
            .max_tokens(60)
            .tag(LLM_TAGGER_TAG);
        let chat = self.client.chat();
        let answer = tokio::time::timeout(self.timeout, chat.parse::<LlmLabels>(req)).await;
        let Ok(Ok(parsed)) = answer else {
            return Vec::new();
        };
        let mut tags = Vec::with_capacity(2);
        let topic = parsed.value.topic.trim().to_ascii_lowercase();
        if topic == "other" || Topic::from_name(&topic).is_some() {
            tags.push(format!("llm_topic:{topic}"));
        }
        let tone = parsed.value.tone.trim().to_ascii_lowercase();
        if Tone::from_name(&tone).is_some() {
            tags.push(format!("llm_tone:{tone}"));
        }
        tags
    }
}

impl Tagger for LlmTagger {
    fn name(&self) -> &str {
        "llm"
    }

    fn tag<'a>(
        &'a self,
        request: &'a ChatRequest,
        record: &'a LogRecord,
    ) -> BoxFuture<'a, Vec<String>> {
        Box::pin(self.classify(request, record))
    }
}

// ---------------------------------------------------------------------------
// Scores
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Scores {
    topic: [f32; TOPICS],
    tone: [f32; TONES],
    lang: [f32; LANGS],
    script: [f32; SCRIPTS],
    latin: f32,
}

/// The least score of a topic.
const TOPIC_MIN: f32 = 1.5;
/// The least lead of the best topic over the runner-up.
const TOPIC_MARGIN: f32 = 0.25;
/// The least stop-word score of a language.
const LANG_MIN: f32 = 1.5;
/// How many times the runner-up's score the best language needs.
const LANG_RATIO: f32 = 1.5;
/// Script characters (CJK weighing 3) needed to decide by script.
const SCRIPT_MIN: f32 = 6.0;
/// How much a CJK character weighs against a Latin letter.
const CJK_WEIGHT: f32 = 3.0;

impl Scores {
    fn add(&mut self, other: &Scores, weight: f32, all: bool) {
        for (a, b) in self.topic.iter_mut().zip(other.topic) {
            *a += weight * b;
        }
        if !all {
            return;
        }
        for (a, b) in self.tone.iter_mut().zip(other.tone) {
            *a += weight * b;
        }
        for (a, b) in self.lang.iter_mut().zip(other.lang) {
            *a += weight * b;
        }
        for (a, b) in self.script.iter_mut().zip(other.script) {
            *a += weight * b;
        }
        self.latin += weight * other.latin;
    }

    fn topic(&self) -> Option<Topic> {
        let (best, second) = top_two(&self.topic)?;
        (self.topic[best] >= TOPIC_MIN && self.topic[best] - second >= TOPIC_MARGIN)
            .then(|| Topic::ALL[best])
    }

    fn tone(&self) -> Tone {
        Tone::PRECEDENCE
            .into_iter()
            .find(|t| *t != Tone::Neutral && self.tone[t.index()] >= t.threshold())
            .unwrap_or(Tone::Neutral)
    }

    fn language(&self) -> Option<&'static str> {
        let s = |k: Script| self.script[k as usize];
        let cjk = s(Script::Han) + s(Script::Kana) + s(Script::Hangul);
        let others = [
            (s(Script::Cyrillic) + s(Script::Ukrainian), Script::Cyrillic),
            (s(Script::Arabic) + s(Script::Persian), Script::Arabic),
            (s(Script::Devanagari), Script::Devanagari),
            (s(Script::Greek), Script::Greek),
            (s(Script::Hebrew), Script::Hebrew),
            (s(Script::Thai), Script::Thai),
        ];
        let other_total: f32 = others.iter().map(|(n, _)| n).sum();
        let weighted = CJK_WEIGHT * cjk + other_total;
        let by_script = || -> Option<&'static str> {
            if CJK_WEIGHT * cjk >= other_total {
                return Some(if s(Script::Kana) > 0.0 {
                    "ja"
                } else if s(Script::Hangul) >= s(Script::Han) {
                    "ko"
                } else {
                    "zh"
                });
            }
            let (_, top) = others.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0))?;
            Some(match top {
                Script::Cyrillic if s(Script::Ukrainian) > 0.0 => "uk",
                Script::Cyrillic => "ru",
                Script::Arabic if s(Script::Persian) > 0.0 => "fa",
                Script::Arabic => "ar",
                Script::Devanagari => "hi",
                Script::Greek => "el",
                Script::Hebrew => "he",
                _ => "th",
            })
        };
        if weighted >= SCRIPT_MIN && weighted >= self.latin {
            return by_script();
        }
        if let Some((best, second)) = top_two(&self.lang) {
            let score = self.lang[best];
            if score >= LANG_MIN && score >= LANG_RATIO * second {
                return Some(LANG_CODES[best]);
            }
        }
        // Mostly Latin letters (code, names) around a real amount of
        // another script, and no clear Latin language.
        if weighted >= SCRIPT_MIN * 2.0 {
            return by_script();
        }
        None
    }
}

/// The index of the largest value and the second-largest value.
fn top_two(values: &[f32]) -> Option<(usize, f32)> {
    let mut best: Option<usize> = None;
    let mut second = 0.0f32;
    for (i, &v) in values.iter().enumerate() {
        match best {
            Some(b) if v <= values[b] => second = second.max(v),
            Some(b) => {
                second = second.max(values[b]);
                best = Some(i);
            }
            None => best = Some(i),
        }
    }
    best.map(|b| (b, second))
}

// ---------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------

/// Longer texts are read as their head and tail.
const MAX_ANALYZED_BYTES: usize = 8 * 1024;
const HEAD_BYTES: usize = 6 * 1024;
const TAIL_BYTES: usize = 2 * 1024;
/// A keyword seen before in the same text counts this share of its weight.
const REPEAT_FACTOR: f32 = 0.25;
/// Topic weights of the first words of a text are multiplied by this.
const LEAD_BOOST: f32 = 1.5;
const LEAD_WORDS: usize = 3;

fn analyze(text: &str) -> Scores {
    let mut scores = Scores::default();
    if text.len() <= MAX_ANALYZED_BYTES {
        analyze_part(text, true, &mut scores);
    } else {
        let mut head_end = HEAD_BYTES;
        while !text.is_char_boundary(head_end) {
            head_end -= 1;
        }
        let mut tail_start = text.len() - TAIL_BYTES;
        while !text.is_char_boundary(tail_start) {
            tail_start += 1;
        }
        analyze_part(&text[..head_end], true, &mut scores);
        analyze_part(&text[tail_start..], false, &mut scores);
    }
    scores
}

/// Accumulates the effects of lexicon hits, discounting repeats.
struct Hits<'a> {
    lex: &'a Lexicon,
    seen: Vec<u64>,
    scores: &'a mut Scores,
}

impl Hits<'_> {
    fn hit(&mut self, id: u32, topic_boost: f32) {
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        let repeat = match self.seen.get_mut(word) {
            Some(w) => {
                let seen = *w & bit != 0;
                *w |= bit;
                seen
            }
            None => false,
        };
        let factor = if repeat { REPEAT_FACTOR } else { 1.0 };
        let Some(effects) = self.lex.effects.get(id as usize) else {
            return;
        };
        for e in effects.iter() {
            match e.class {
                Class::Topic(t) => self.scores.topic[t.index()] += e.weight * factor * topic_boost,
                Class::Tone(t) => self.scores.tone[t.index()] += e.weight * factor,
                // Language evidence is frequency: repeats count fully.
                Class::Lang(l) => self.scores.lang[l as usize] += e.weight,
            }
        }
    }
}

/// Counts of character-level features.
#[derive(Debug, Default)]
struct CharFeatures {
    fences: u32,
    backticks: u32,
    braces: u32,
    line_end_semicolons: u32,
    code_pairs: u32,
    indented_lines: u32,
    math_symbols: u32,
    expr_ops: u32,
    exclamation_runs2: u32,
    exclamation_runs3: u32,
    question_runs: u32,
    emoji: u32,
    angry_emoji: u32,
    praying_emoji: u32,
    dollars: u32,
    /// `C++`, `C#`.
    c_languages: u32,
    lang_chars: [f32; LANGS],
}

fn analyze_part(text: &str, at_start: bool, scores: &mut Scores) {
    let lex = lexicon();
    let mut hits = Hits {
        lex,
        seen: vec![0u64; lex.effects.len().div_ceil(64)],
        scores,
    };
    let mut f = CharFeatures::default();

    // Pass 1: characters of the original text, and the shape of its words.
    let bytes = text.as_bytes();
    let mut ids = IdentFeatures::default();
    let mut latin = 0u32;
    let mut scripts = [0u32; SCRIPTS];
    let mut prev = b'\n';
    // The current run of `!`, `?` or backticks.
    let mut run = (0u8, 0u32);
    let mut line_start = true;
    let mut leading_spaces = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b >= 0x80 {
            // A multi-byte character (`i` is always on a boundary).
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            close_run(&mut f, &mut run);
            line_start = false;
            if let Some(script) = script_of(c) {
                scripts[script as usize] += 1;
                if is_marker_script(script)
                    && let Some(list) = lex.markers.get(&c)
                {
                    for (marker, id) in list {
                        if text[i..].starts_with(&**marker) {
                            hits.hit(*id, 1.0);
                        }
                    }
                }
            } else {
                if c.is_alphabetic() {
                    latin += 1;
                }
                non_ascii_char(&mut f, c);
            }
            prev = 0;
            i += c.len_utf8();
            continue;
        }
        if b.is_ascii_alphanumeric() || b == b'_' {
            // The common case, a word (`user_id` is one here): count its
            // letters and look at its shape. Only all-ASCII words matter
            // for the shape; a word touching another character is skipped.
            let start = i;
            while i < bytes.len() {
                let c = bytes[i];
                if c.is_ascii_alphabetic() {
                    latin += 1;
                } else if !(c.is_ascii_digit() || c == b'_') {
                    break;
                }
                i += 1;
            }
            if run.1 > 0 {
                close_run(&mut f, &mut run);
            }
            if line_start {
                if leading_spaces >= 4 {
                    f.indented_lines += 1;
                }
                line_start = false;
            }
            if prev != 0 && bytes.get(i).is_none_or(|c| *c < 0x80) {
                ident_features(&text[start..i], &mut ids);
            }
            prev = bytes[i - 1];
            continue;
        }
        // Punctuation and white space.
        if b == run.0 && run.1 > 0 {
            run.1 += 1;
        } else {
            close_run(&mut f, &mut run);
            if matches!(b, b'!' | b'?' | b'`') {
                run = (b, 1);
            }
        }
        match b {
            b'\n' => {
                line_start = true;
                leading_spaces = 0;
            }
            b' ' if line_start => leading_spaces += 1,
            b'\t' if line_start => leading_spaces += 4,
            b'\r' => {}
            _ => {
                if line_start && leading_spaces >= 4 {
                    f.indented_lines += 1;
                }
                line_start = false;
            }
        }
        match b {
            b'{' | b'}' => f.braces += 1,
            b';' if ends_line(bytes, i + 1) => f.line_end_semicolons += 1,
            b'$' => f.dollars += 1,
            b'+' | b'#' if names_c_language(bytes, i) => f.c_languages += 1,
            b'+' | b'-' | b'*' | b'/' | b'=' | b'^' if is_expr_op(bytes, i) => f.expr_ops += 1,
            _ => {}
        }
        if matches!(
            (prev, b),
            (b'=', b'>')
                | (b'-', b'>')
                | (b':', b':')
                | (b'=', b'=')
                | (b'!', b'=')
                | (b'&', b'&')
                | (b'|', b'|')
                | (b'+', b'=')
                | (b'<', b'/')
                | (b'/', b'>')
                | (b'(', b')')
        ) {
            f.code_pairs += 1;
        }
        prev = b;
        i += 1;
    }
    close_run(&mut f, &mut run);
    hits.scores.latin += latin as f32;
    for (total, n) in hits.scores.script.iter_mut().zip(scripts) {
        *total += n as f32;
    }

    // Pass 2: words of the lower-cased text against the lexicon.
    let lower = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    };
    let tokens: Vec<&str> = tokenize(&lower).collect();
    let mut numbers = 0u32;
    let mut coefficients = 0u32;
    for (i, &tok) in tokens.iter().enumerate() {
        let boost = if at_start && i < LEAD_WORDS {
            LEAD_BOOST
        } else {
            1.0
        };
        if tok.bytes().all(|b| b.is_ascii_digit()) {
            numbers += 1;
        } else if is_coefficient(tok) {
            coefficients += 1;
        }
        if let Some(word) = lex.words.get(tok) {
            if let Some(id) = word.id {
                hits.hit(id, boost);
            }
            let next = &tokens[i + 1..];
            if let Some(second) = next.first() {
                // Phrases are sorted by their second word.
                let from = word
                    .phrases
                    .partition_point(|(rest, _)| rest.first().is_none_or(|w| **w < **second));
                for (rest, id) in word.phrases[from..]
                    .iter()
                    .take_while(|(rest, _)| rest.first().is_some_and(|w| **w == **second))
                {
                    if next.len() >= rest.len() && rest.iter().zip(next).all(|(a, b)| **a == **b) {
                        hits.hit(*id, boost);
                    }
                }
            }
        }
        if let Some(id) = lex.longest_prefix(tok) {
            hits.hit(id, boost);
        }
        if let Some(id) = lex.longest_suffix(tok) {
            hits.hit(id, boost);
        }
        lang_suffix_features(tok, &mut f.lang_chars);
    }

    let s = &mut *hits.scores;
    apply_features(s, &f, &ids, numbers, coefficients);
}

/// Counts a finished run of `!`, `?` or backticks, and resets it.
fn close_run(f: &mut CharFeatures, run: &mut (u8, u32)) {
    match *run {
        (b'!', 2) => f.exclamation_runs2 += 1,
        (b'!', n) if n >= 3 => f.exclamation_runs3 += 1,
        (b'?', n) if n >= 2 => f.question_runs += 1,
        (b'`', 1 | 2) => f.backticks += 1,
        (b'`', n) if n >= 3 => f.fences += 1,
        _ => {}
    }
    *run = (0, 0);
}

/// Whether the `+` or `#` at `i` ends `C++` or `C#` (as a word).
fn names_c_language(bytes: &[u8], i: usize) -> bool {
    let c_at = |j: usize| {
        bytes[j].eq_ignore_ascii_case(&b'c') && (j == 0 || !bytes[j - 1].is_ascii_alphanumeric())
    };
    let word_ends = bytes.get(i + 1).is_none_or(|b| !b.is_ascii_alphanumeric());
    word_ends
        && match bytes[i] {
            b'#' => i >= 1 && c_at(i - 1),
            _ => i >= 2 && bytes[i - 1] == b'+' && c_at(i - 2),
        }
}

/// Whether only spaces stand between `from` and the end of the line.
fn ends_line(bytes: &[u8], from: usize) -> bool {
    for &b in bytes.iter().skip(from) {
        match b {
            b'\n' | b'\r' => return true,
            b' ' | b'\t' => continue,
            _ => return false,
        }
    }
    true
}

/// Whether the operator at `i` stands between two operands (`3x + 7`,
/// `x^2`, `sin(x)/x`), as opposed to hyphens in words (`e-commerce`) and
/// slashes in paths or pairs (`/var/www`, `async/await`).
fn is_expr_op(bytes: &[u8], i: usize) -> bool {
    let op = bytes[i];
    let before = bytes[..i].iter().rev().take(3).position(|b| *b != b' ');
    let after = bytes[i + 1..].iter().take(3).position(|b| *b != b' ');
    let (Some(pb), Some(pa)) = (before, after) else {
        return false;
    };
    let prev = bytes[i - 1 - pb];
    let next = bytes[i + 1 + pa];
    let operand = |b: u8| b.is_ascii_alphanumeric() || b == b')' || b == b'(';
    if !operand(prev) || !operand(next) || prev == b'(' || next == b')' {
        return false;
    }
    // Doubled operators (`==`, `++`) and arrows are code, not arithmetic.
    if bytes.get(i + 1).is_some_and(|b| b"=+-*/>".contains(b))
        || (i > 0 && b"=+-*/<>!".contains(&bytes[i - 1]))
    {
        return false;
    }
    match op {
        b'-' | b'/' => {
            let spaced = pb > 0 && pa > 0;
            spaced || prev.is_ascii_digit() || next.is_ascii_digit() || prev == b')'
        }
        _ => true,
    }
}

fn non_ascii_char(f: &mut CharFeatures, c: char) {
    use Lang::*;
    let mut lang = |l: Lang, w: f32| f.lang_chars[l as usize] += w;
    match c {
        '¿' | '¡' => lang(Es, 1.0),
        'ñ' => lang(Es, 0.5),
        'ß' => lang(De, 1.0),
        'ä' | 'ö' | 'ü' => {
            lang(De, 0.3);
        }
        'ã' | 'õ' => lang(Pt, 0.5),
        'ç' => {
            lang(Fr, 0.2);
            lang(Pt, 0.2);
        }
        'ê' | 'â' | 'î' | 'ô' | 'û' | 'ë' | 'ï' | 'œ' => lang(Fr, 0.3),
        'è' => {
            lang(Fr, 0.2);
            lang(It, 0.2);
        }
        'à' => {
            lang(Fr, 0.15);
            lang(It, 0.15);
            lang(Pt, 0.1);
        }
        'ò' | 'ù' | 'ì' => lang(It, 0.5),
        'ą' | 'ę' | 'ł' | 'ś' | 'ź' | 'ż' | 'ć' | 'ń' => lang(Pl, 0.5),
        'ı' | 'ş' | 'ğ' => lang(Tr, 0.5),
        'å' => lang(Sv, 0.5),
        '∫' | '√' | 'π' | '∑' | '∏' | '≤' | '≥' | '≠' | '∞' | '∂' | '±' | '×' | '÷' | '²' | '³'
        | '∈' | '∀' | '∃' | '≈' => f.math_symbols += 1,
        '€' | '£' | '¥' => f.dollars += 1,
        '\u{1F620}' | '\u{1F621}' | '\u{1F92C}' | '\u{1F624}' | '\u{1F4A2}' => f.angry_emoji += 1,
        '\u{1F64F}' => f.praying_emoji += 1,
        '\u{1F300}'..='\u{1FAFF}' | '\u{2600}'..='\u{26FF}' => f.emoji += 1,
        _ => {}
    }
}

/// Language evidence from word endings and letter pairs.
fn lang_suffix_features(tok: &str, lang_chars: &mut [f32; LANGS]) {
    let mut add = |l: Lang, w: f32| lang_chars[l as usize] += w;
    if tok.ends_with("ción") || tok.ends_with("ciones") {
        add(Lang::Es, 0.3);
    } else if tok.ends_with("ção") || tok.ends_with("ções") {
        add(Lang::Pt, 0.5);
    } else if tok.ends_with("zione") || tok.ends_with("zioni") {
        add(Lang::It, 0.5);
    } else if tok.len() > 5 && (tok.ends_with("ung") || tok.ends_with("ungen")) {
        add(Lang::De, 0.3);
    } else if tok.ends_with("eaux") || tok.ends_with("ée") || tok.ends_with("ées") {
        add(Lang::Fr, 0.3);
    }
    if tok.len() > 5 && tok.is_ascii() {
        if tok.ends_with("ing") {
            add(Lang::En, 0.25);
        } else if tok.ends_with("ly") {
            add(Lang::En, 0.3);
        }
    }
    if tok.len() > 3 && tok.contains("ij") {
        add(Lang::Nl, 0.3);
    }
}

/// `3x`, `2y`: a coefficient and a variable.
fn is_coefficient(tok: &str) -> bool {
    let b = tok.as_bytes();
    b.len() >= 2
        && b.len() <= 4
        && matches!(b[b.len() - 1], b'x' | b'y' | b'z' | b'n')
        && b[..b.len() - 1].iter().all(u8::is_ascii_digit)
}

#[derive(Debug, Default)]
struct IdentFeatures {
    snake: u32,
    camel: u32,
    exceptions: u32,
    sql: u32,
    caps: u32,
}

/// Capitalised words that are names or acronyms, not shouting.
const ACRONYMS: &[&str] = &[
    "API", "APIS", "SQL", "CSS", "HTML", "JSON", "XML", "YAML", "HTTP", "HTTPS", "URL", "URI",
    "PDF", "CSV", "USA", "USB", "CEO", "CTO", "CFO", "FAQ", "SEO", "KPI", "GDPR", "NDA", "IRA",
    "ETF", "DNA", "RNA", "CRISPR", "SSL", "TLS", "AWS", "GCP", "NASA", "UTC", "GMT", "EUR", "USD",
    "GBP", "TODO", "NOTE", "FIXME", "UUID", "RAM", "CPU", "GPU", "SSD", "DIY", "LLM", "SDK", "CLI",
    "GUI", "IDE", "JWT", "SSH", "DNS", "TCP", "UDP", "REST", "CRUD", "ORM", "NPM", "PHP", "ASAP",
    "FYI", "EOD", "RSVP", "ROI", "CRM", "ERP", "HR", "VAT", "IBAN", "PIN", "ATM", "UK", "EU", "UN",
    "NHS", "FDA", "WHO", "BMI", "MRI", "ADHD", "COVID", "HIV", "OK", "PS", "AM", "PM", "MIT",
    "BSD", "GPL", "AI", "ML", "NLP", "GPT", "OCR", "ISO", "IBM", "SAP", "AWS", "IAM", "VPN", "CDN",
    "DOM", "JSX", "TSX", "WASM", "ID", "IDS", "LTS", "MVP", "B2B", "B2C", "SAAS", "KYC", "AML",
    "LLC", "INC", "LTD", "PLC",
];

/// SQL keywords (in capitals they mark a query).
const SQL_KEYWORDS: &[&str] = &[
    "SELECT", "FROM", "WHERE", "JOIN", "INSERT", "UPDATE", "DELETE", "GROUP", "ORDER", "HAVING",
    "LIMIT", "VALUES", "INTO", "CREATE", "TABLE", "INNER", "LEFT", "UNION", "DISTINCT", "COUNT",
];

fn ident_features(word: &str, f: &mut IdentFeatures) {
    let b = word.as_bytes();
    if b.len() < 2 {
        return;
    }
    // One pass over the bytes; most words are lower-case or capitalised
    // and leave right after it.
    let (mut upper, mut underscore, mut alpha) = (0usize, false, true);
    for &c in b {
        if c.is_ascii_uppercase() {
            upper += 1;
        } else if !c.is_ascii_lowercase() {
            alpha = false;
            underscore |= c == b'_';
        }
    }
    if underscore {
        // `user_id`, `pg_dump` (not `__` or `_x` alone).
        if word.trim_matches('_').contains('_') && b.iter().any(u8::is_ascii_alphabetic) {
            f.snake += 1;
        }
        return;
    }
    if upper == 0 || !alpha && upper < 2 {
        return;
    }
    if alpha && upper == b.len() {
        if SQL_KEYWORDS.contains(&word) {
            f.sql += 1;
        } else if b.len() >= 3 && !ACRONYMS.contains(&word) {
            f.caps += 1;
        }
        return;
    }
    if b[0].is_ascii_lowercase() && alpha {
        // `useEffect`, `readFile`.
        f.camel += 1;
    } else if b[0].is_ascii_uppercase()
        && b.len() > 5
        && upper >= 2
        && (word.ends_with("Error") || word.ends_with("Exception"))
    {
        f.exceptions += 1;
    }
}

fn apply_features(s: &mut Scores, f: &CharFeatures, ids: &IdentFeatures, numbers: u32, coef: u32) {
    let capped = |n: u32, each: f32, cap: f32| (n as f32 * each).min(cap);
    let coding = &mut s.topic[Topic::Coding.index()];
    *coding += capped(f.fences, 1.5, 4.5);
    *coding += capped(f.backticks / 2, 0.75, 1.5);
    *coding += capped(f.braces, 0.25, 1.5);
    *coding += capped(f.line_end_semicolons, 0.5, 1.5);
    *coding += capped(f.code_pairs, 0.5, 2.0);
    *coding += capped(f.indented_lines, 0.4, 1.6);
    *coding += capped(ids.snake, 0.5, 1.5);
    *coding += capped(ids.camel, 0.5, 1.5);
    *coding += capped(ids.exceptions, 1.5, 3.0);
    *coding += capped(f.c_languages, 2.0, 2.0);
    if ids.sql >= 2 {
        *coding += 2.0;
    }
    let math = &mut s.topic[Topic::Math.index()];
    *math += capped(f.math_symbols, 1.0, 3.0);
    *math += capped(f.expr_ops, 0.4, 2.4);
    *math += capped(coef, 1.0, 2.0);
    *math += capped(numbers, 0.2, 0.8);
    s.topic[Topic::Finance.index()] += capped(f.dollars, 0.5, 1.0);

    let frustrated = &mut s.tone[Tone::Frustrated.index()];
    *frustrated += capped(ids.caps, 0.75, 3.0);
    *frustrated += capped(f.exclamation_runs2, 0.75, 1.5);
    *frustrated += capped(f.exclamation_runs3, 1.5, 3.0);
    *frustrated += capped(f.question_runs, 0.5, 1.0);
    *frustrated += capped(f.angry_emoji, 1.0, 2.0);
    s.tone[Tone::Casual.index()] += capped(f.emoji, 1.0, 2.0);
    s.tone[Tone::Polite.index()] += capped(f.praying_emoji, 0.5, 1.0);
    for (l, extra) in s.lang.iter_mut().zip(f.lang_chars) {
        *l += extra.min(2.0);
    }
}

/// Words: maximal runs of letters and digits (apostrophes, hyphens and
/// dots split words, as the lexicon's keys are split the same way), also
/// split where CJK script meets another (`Javaで` is `java` and `で`).
fn tokenize(text: &str) -> Tokens<'_> {
    Tokens { rest: text }
}

struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // Skip ASCII separators fast, then anything else that is not a letter.
        let skip = self
            .rest
            .bytes()
            .position(|b| b.is_ascii_alphanumeric() || b >= 0x80)?;
        let (start, first) = self.rest[skip..]
            .char_indices()
            .find(|(_, c)| c.is_alphanumeric())
            .map(|(i, c)| (skip + i, c))?;
        let word = &self.rest[start..];
        let cjk = is_cjk(first);
        // ASCII letters and digits, then, if the word goes on past them
        // (`café`, CJK), character by character.
        let ascii_end = word
            .bytes()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(word.len());
        let end = if cjk || word.as_bytes().get(ascii_end).is_some_and(|b| *b >= 0x80) {
            word.char_indices()
                .find(|(_, c)| !c.is_alphanumeric() || is_cjk(*c) != cjk)
                .map_or(word.len(), |(i, _)| i)
        } else {
            ascii_end
        };
        self.rest = &word[end..];
        Some(&word[..end])
    }
}

fn is_cjk(c: char) -> bool {
    !c.is_ascii()
        && matches!(
            script_of(c),
            Some(Script::Han | Script::Kana | Script::Hangul)
        )
}

// ---------------------------------------------------------------------------
// The lexicon
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Class {
    Topic(Topic),
    Tone(Tone),
    Lang(Lang),
}

#[derive(Debug, Clone, Copy)]
struct Effect {
    class: Class,
    weight: f32,
}

/// FNV-1a: lexicon keys are short; SipHash would dominate the look-ups.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Debug, Default)]
struct Word {
    /// The entry of the word alone.
    id: Option<u32>,
    /// Phrases starting with the word: the following words (never none)
    /// and the entry, sorted by the following words.
    phrases: Vec<(Box<[Box<str>]>, u32)>,
}

/// Stems and compound heads are bucketed by 3 characters.
const AFFIX_KEY_CHARS: usize = 3;

#[derive(Debug, Default)]
struct Lexicon {
    /// Effects by entry id.
    effects: Vec<Box<[Effect]>>,
    words: FnvMap<Box<str>, Word>,
    /// `stem*` entries by their first 3 characters.
    prefixes: FnvMap<Box<str>, Vec<(Box<str>, u32)>>,
    /// `*head` entries by their last 3 characters.
    suffixes: FnvMap<Box<str>, Vec<(Box<str>, u32)>>,
    /// Substring entries (CJK, Arabic) by their first character.
    markers: FnvMap<char, Vec<(Box<str>, u32)>>,
    /// Which bucket keys may exist (a cheap filter before the maps).
    affix_filter: AffixFilter,
}

/// A bitmap over a hash of 3-character bucket keys: most words have no
/// stem or head bucket, and a bit test is cheaper than a map look-up.
#[derive(Debug)]
struct AffixFilter(Box<[u64]>);

const AFFIX_FILTER_BITS: u64 = 1 << 16;

impl Default for AffixFilter {
    fn default() -> Self {
        AffixFilter(vec![0u64; (AFFIX_FILTER_BITS / 64) as usize].into_boxed_slice())
    }
}

impl AffixFilter {
    /// The bit of `key` as a prefix (`suffix` false) or a suffix key.
    fn bit(key: &str, suffix: bool) -> (usize, u64) {
        let mut h = Fnv::default();
        h.write(key.as_bytes());
        h.write_u8(u8::from(suffix));
        let n = h.finish() % AFFIX_FILTER_BITS;
        ((n / 64) as usize, 1 << (n % 64))
    }

    fn insert(&mut self, key: &str, suffix: bool) {
        let (word, bit) = Self::bit(key, suffix);
        if let Some(w) = self.0.get_mut(word) {
            *w |= bit;
        }
    }

    fn may_contain(&self, key: &str, suffix: bool) -> bool {
        let (word, bit) = Self::bit(key, suffix);
        self.0.get(word).is_some_and(|w| w & bit != 0)
    }
}

fn first_chars(s: &str, n: usize) -> Option<&str> {
    let mut it = s.char_indices();
    match it.nth(n) {
        Some((i, _)) => Some(&s[..i]),
        None => (s.chars().count() == n).then_some(s),
    }
}

fn last_chars(s: &str, n: usize) -> Option<&str> {
    if s.is_ascii() {
        return s.len().checked_sub(n).map(|i| &s[i..]);
    }
    let (i, _) = s.char_indices().rev().nth(n.checked_sub(1)?)?;
    Some(&s[i..])
}

impl Lexicon {
    fn longest_prefix(&self, tok: &str) -> Option<u32> {
        let key = first_chars(tok, AFFIX_KEY_CHARS)?;
        if !self.affix_filter.may_contain(key, false) {
            return None;
        }
        let bucket = self.prefixes.get(key)?;
        bucket
            .iter()
            .filter(|(stem, _)| tok.starts_with(&**stem))
            .max_by_key(|(stem, _)| stem.len())
            .map(|(_, id)| *id)
    }

    fn longest_suffix(&self, tok: &str) -> Option<u32> {
        let key = last_chars(tok, AFFIX_KEY_CHARS)?;
        if !self.affix_filter.may_contain(key, true) {
            return None;
        }
        let bucket = self.suffixes.get(key)?;
        bucket
            .iter()
            .filter(|(head, _)| tok.len() > head.len() && tok.ends_with(&**head))
            .max_by_key(|(head, _)| head.len())
            .map(|(_, id)| *id)
    }

    fn build() -> Lexicon {
        // Key → effects, merged across classes.
        let mut merged: BTreeMap<String, Vec<Effect>> = BTreeMap::new();
        let mut add = |key: &str, class: Class, weight: f32| {
            merged
                .entry(key.trim().to_lowercase())
                .or_default()
                .push(Effect { class, weight });
        };
        for (topic, list) in TOPIC_LEXICON {
            for (key, w) in *list {
                add(key, Class::Topic(*topic), *w);
            }
        }
        for &(tone, list) in TONE_LEXICON {
            for (key, w) in list {
                add(key, Class::Tone(tone), *w);
            }
        }
        for &(lang, list) in STOPWORDS {
            for (key, w) in list {
                add(key, Class::Lang(lang), *w);
            }
        }
        let translation = Class::Topic(Topic::Translation);
        for name in LANGUAGE_NAMES {
            add(name, translation, 1.0);
            for prep in ["into", "to", "in"] {
                add(&format!("{prep} {name}"), translation, 1.0);
            }
        }

        let mut lex = Lexicon::default();
        for (key, effects) in merged {
            let Ok(id) = u32::try_from(lex.effects.len()) else {
                break;
            };
            lex.effects.push(effects.into_boxed_slice());
            let first_script = key.chars().next().and_then(script_of);
            if first_script.is_some_and(is_marker_script) {
                if let Some(c) = key.chars().next() {
                    lex.markers
                        .entry(c)
                        .or_default()
                        .push((key.into_boxed_str(), id));
                }
                continue;
            }
            if let Some(stem) = key.strip_suffix('*')
                && let Some(bucket) = first_chars(stem, AFFIX_KEY_CHARS)
            {
                lex.affix_filter.insert(bucket, false);
                lex.prefixes
                    .entry(bucket.into())
                    .or_default()
                    .push((stem.into(), id));
                continue;
            }
            if let Some(head) = key.strip_prefix('*')
                && let Some(bucket) = last_chars(head, AFFIX_KEY_CHARS)
            {
                lex.affix_filter.insert(bucket, true);
                lex.suffixes
                    .entry(bucket.into())
                    .or_default()
                    .push((head.into(), id));
                continue;
            }
            let words: Vec<&str> = tokenize(key.trim_matches('*')).collect();
            match words.as_slice() {
                [] => {}
                [one] => lex.words.entry((*one).into()).or_default().id = Some(id),
                [first, rest @ ..] => {
                    let rest: Box<[Box<str>]> = rest.iter().map(|w| (*w).into()).collect();
                    lex.words
                        .entry((*first).into())
                        .or_default()
                        .phrases
                        .push((rest, id));
                }
            }
        }
        for word in lex.words.values_mut() {
            word.phrases.sort_by(|a, b| a.0.cmp(&b.0));
        }
        lex
    }
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(Lexicon::build)
}

// Lexicon keys: `word`, `several words` (a phrase, split like the text),
// `stem*` (a prefix of at least 3 characters), `*head` (the end of a longer
// word: German and Dutch compounds), and CJK or Arabic text (a substring).
// A few phrases have negative weights: they take back what their words
// would add (`science fiction` is a genre, an `emergency fund` is not urgent).

type Entries = &'static [(&'static str, f32)];

/// Language names: `X`, `into X`, `to X` and `in X` each add 1 to `translation`.
const LANGUAGE_NAMES: &[&str] = &[
    "english",
    "french",
    "german",
    "spanish",
    "italian",
    "portuguese",
    "dutch",
    "japanese",
    "chinese",
    "mandarin",
    "cantonese",
    "korean",
    "russian",
    "arabic",
    "hindi",
    "polish",
    "turkish",
    "swedish",
    "greek",
    "hebrew",
    "vietnamese",
    "thai",
    "ukrainian",
    "latin",
];

const TOPIC_LEXICON: &[(Topic, Entries)] = &[
    (Topic::Coding, CODING),
    (Topic::Math, MATH),
    (Topic::Writing, WRITING),
    (Topic::Translation, TRANSLATION),
    (Topic::DataAnalysis, DATA_ANALYSIS),
    (Topic::CustomerSupport, CUSTOMER_SUPPORT),
    (Topic::Legal, LEGAL),
    (Topic::Medical, MEDICAL),
    (Topic::Finance, FINANCE),
    (Topic::Education, EDUCATION),
    (Topic::Marketing, MARKETING),
    (Topic::Science, SCIENCE),
    (Topic::Travel, TRAVEL),
    (Topic::Cooking, COOKING),
];

const CODING: Entries = &[
    ("code", 1.5),
    ("coding", 2.0),
    ("coder", 1.5),
    ("codebase", 2.5),
    ("programm*", 2.0),
    ("programmation", 2.0),
    ("software", 1.0),
    ("developer", 1.0),
    ("function", 1.0),
    ("functions", 1.0),
    ("función", 1.0),
    ("funzione", 1.0),
    ("funktion", 1.0),
    ("fonction", 1.0),
    ("método", 0.5),
    ("variable", 0.75),
    ("variables", 0.75),
    ("class", 0.5),
    ("method", 0.75),
    ("methods", 0.75),
    ("array", 1.5),
    ("arrays", 1.5),
    ("string", 1.0),
    ("strings", 0.75),
    ("integer", 1.0),
    ("int", 1.0),
    ("float", 1.0),
    ("bool", 1.5),
    ("tuple", 1.5),
    ("tuples", 1.5),
    ("dict", 1.5),
    ("vec", 1.0),
    ("usize", 2.0),
    ("u32", 1.5),
    ("i32", 1.5),
    ("boolean", 1.5),
    ("loop", 1.0),
    ("recursion", 2.0),
    ("recursive", 1.5),
    ("linked list", 2.5),
    ("hash map", 2.0),
    ("hashmap", 2.0),
    ("algorithm*", 1.5),
    ("bug", 1.5),
    ("bugs", 1.5),
    ("debug*", 2.0),
    ("compil*", 1.5),
    ("syntax", 1.0),
    ("error", 0.5),
    ("errors", 0.5),
    ("build", 0.5),
    ("build fails", 1.0),
    ("build failing", 1.0),
    ("cargo", 0.75),
    ("exception", 1.0),
    ("exceptions", 1.0),
    ("stack trace", 2.0),
    ("traceback", 2.5),
    ("null", 1.0),
    ("undefined", 1.0),
    ("nan", 1.0),
    ("segfault", 2.5),
    ("segmentation fault", 2.5),
    ("memory leak", 2.0),
    ("memory leaks", 2.0),
    ("runtime", 1.5),
    ("refactor*", 2.0),
    ("unit test", 2.0),
    ("unit tests", 2.0),
    ("pytest", 2.5),
    ("jest", 1.5),
    ("regex", 2.5),
    ("regexp", 2.5),
    ("regular expression", 2.0),
    ("api", 1.0),
    ("apis", 1.0),
    ("endpoint", 1.5),
    ("endpoints", 1.5),
    ("json", 1.0),
    ("yaml", 1.5),
    ("html", 1.5),
    ("css", 2.0),
    ("div", 1.5),
    ("dom", 1.0),
    ("python", 2.0),
    ("javascript", 2.0),
    ("typescript", 2.0),
    ("java", 1.5),
    ("kotlin", 2.0),
    ("swift", 0.75),
    ("rust", 1.0),
    ("golang", 2.5),
    ("php", 2.0),
    ("ruby", 1.0),
    ("perl", 1.5),
    ("scala", 1.5),
    ("haskell", 2.0),
    ("cpp", 2.0),
    ("bash", 2.0),
    ("shell", 1.0),
    ("powershell", 2.0),
    ("sql", 1.5),
    ("query", 0.5),
    ("queries", 0.5),
    ("database", 1.0),
    ("databases", 1.0),
    ("base de datos", 1.0),
    ("postgres*", 2.0),
    ("mysql", 2.0),
    ("sqlite", 2.0),
    ("mongodb", 2.0),
    ("redis", 2.0),
    ("nginx", 2.0),
    ("apache", 0.5),
    ("docker*", 2.0),
    ("kubernetes", 2.0),
    ("k8s", 2.0),
    ("pod", 0.5),
    ("git", 1.5),
    ("github", 1.5),
    ("gitlab", 1.5),
    ("pull request", 2.0),
    ("merge conflict", 2.0),
    ("commit", 0.75),
    ("repository", 1.0),
    ("repo", 1.5),
    ("npm", 2.0),
    ("pip", 1.0),
    ("cargo build", 2.0),
    ("cargo run", 2.0),
    ("crate", 0.5),
    ("dependency", 1.0),
    ("dependencies", 1.0),
    ("library", 0.5),
    ("framework", 1.0),
    ("react", 1.0),
    ("vue", 1.0),
    ("angular", 1.0),
    ("node js", 2.0),
    ("nodejs", 2.0),
    ("django", 2.0),
    ("flask", 1.5),
    ("spring boot", 2.0),
    ("axum", 2.0),
    ("tokio", 2.0),
    ("backend", 1.5),
    ("frontend", 1.5),
    ("server", 1.0),
    ("servidor", 1.0),
    ("serveur", 1.0),
    ("сервер", 1.0),
    ("localhost", 2.0),
    ("http", 1.0),
    ("ssl", 0.75),
    ("certbot", 2.0),
    ("linux", 1.5),
    ("terminal", 1.0),
    ("command line", 1.5),
    ("script", 1.0),
    ("scripts", 1.0),
    ("deploy*", 1.5),
    ("ci", 0.75),
    ("github actions", 1.0),
    ("workflow", 0.5),
    ("thread", 0.75),
    ("threads", 0.75),
    ("async", 2.0),
    ("await", 1.5),
    ("closure", 1.0),
    ("closures", 1.0),
    ("pointer", 1.5),
    ("pointers", 1.5),
    ("struct", 2.0),
    ("enum", 2.0),
    ("trait", 1.0),
    ("borrow checker", 2.5),
    ("lifetime", 0.5),
    ("compiler", 2.0),
    ("component", 1.0),
    ("components", 1.0),
    ("render", 1.0),
    ("props", 1.0),
    ("useeffect", 2.0),
    ("usestate", 2.0),
    ("hook", 0.5),
    ("hooks", 0.5),
    ("webpack", 2.0),
    ("config", 0.75),
    ("configuration", 0.5),
    ("konfiguration", 0.5),
    ("конфигурац*", 0.5),
    ("indentation", 1.5),
    ("d'indentation", 1.5),
    ("idiomatic", 1.0),
    ("error handling", 1.5),
    ("stack overflow", 1.5),
    ("crash*", 1.0),
    ("logs", 0.5),
    ("connection refused", 1.5),
    ("docstring", 2.0),
    ("código", 1.5),
    ("codice", 1.0),
    ("программ*", 2.0),
    ("код", 1.5),
    ("代码", 2.0),
    ("编程", 2.5),
    ("程序", 1.5),
    ("服务器", 1.5),
    ("コード", 2.0),
    ("プログラム", 2.0),
    ("関数", 1.5),
    ("函数", 1.5),
    ("const", 1.0),
    ("var", 0.5),
    ("microservice*", 2.0),
    ("folder structure", 1.0),
    ("project structure", 1.0),
    ("module", 1.0),
    ("modules", 1.0),
    ("package manager", 2.0),
    ("import", 0.5),
    ("pip install", 1.5),
    ("npm install", 1.5),
    ("install", 0.5),
    ("installed", 0.5),
    ("ide", 1.5),
    ("vscode", 2.0),
    ("vs code", 2.0),
    ("vim", 1.5),
    ("emacs", 1.5),
    ("jupyter", 2.0),
    ("login page", 1.0),
    ("status code", 1.5),
    ("web app", 1.5),
    ("webapp", 1.5),
    ("website", 0.5),
    ("web service", 1.5),
    ("aws", 1.5),
    ("lambda", 1.5),
    ("azure", 1.0),
    ("gcp", 1.5),
    ("terraform", 2.0),
    ("ansible", 2.0),
    ("jenkins", 2.0),
    ("ci cd", 2.0),
    ("xml", 1.0),
    ("graphql", 2.0),
    ("rest api", 1.0),
    ("oauth", 1.5),
    ("jwt", 2.0),
    ("authentication", 1.0),
    ("websocket*", 2.0),
    ("cache", 0.5),
    ("caching", 0.75),
    ("latency", 0.5),
    ("performance", 0.5),
    ("optimiz*", 0.75),
    ("optimis*", 0.75),
    ("memory", 0.5),
    ("cpu", 0.75),
    ("cuda", 2.0),
    ("kernel", 1.0),
    ("executable", 1.5),
    ("linker", 2.0),
    ("makefile", 2.0),
    ("cmake", 2.0),
    ("gradle", 2.0),
    ("maven", 2.0),
    ("yarn", 1.0),
    ("pnpm", 2.0),
    ("package json", 1.5),
    ("requirements txt", 1.5),
    ("virtualenv", 2.0),
    ("venv", 2.0),
    ("conda", 2.0),
    ("interface", 0.75),
    ("inheritance", 1.5),
    ("polymorphism", 2.0),
    ("object oriented", 2.0),
    ("oop", 2.0),
    ("generics", 1.5),
    ("heap", 1.0),
    ("queue", 0.75),
    ("binary tree", 2.0),
    ("big o", 2.0),
    ("time complexity", 2.0),
    ("leetcode", 2.5),
    ("dynamic programming", 2.5),
    ("unit testing", 2.0),
    ("test case", 1.5),
    ("test cases", 1.5),
    ("mocking", 1.5),
    ("lint*", 1.5),
    ("eslint", 2.0),
    ("commit message", 1.5),
    ("branch", 0.75),
    ("rebase", 2.0),
    ("push", 0.25),
    ("clone", 0.5),
    ("fork", 0.75),
    ("ssh", 1.5),
    ("port", 0.5),
    ("ip address", 0.75),
    ("dns", 1.0),
    ("proxy", 1.0),
    ("container", 1.0),
    ("containers", 1.0),
    ("dockerfile", 2.0),
    ("kubectl", 2.0),
    ("helm", 1.5),
    ("serverless", 2.0),
    ("object", 0.5),
    ("objects", 0.5),
    ("parse", 1.0),
    ("parsing", 1.0),
    ("parser", 1.5),
    ("serializ*", 1.5),
    ("deserializ*", 1.5),
    ("utf", 1.0),
    ("unicode", 1.0),
    ("ubuntu", 1.5),
    ("debian", 1.5),
    ("sudo", 2.0),
    ("chmod", 2.0),
    ("permission denied", 1.5),
    ("android", 1.0),
    ("ios", 1.0),
    ("flutter", 2.0),
    ("swiftui", 2.0),
    ("xcode", 2.0),
    ("godot", 2.0),
    ("ui", 0.5),
    ("button", 0.75),
    ("onclick", 2.0),
    ("event listener", 2.0),
    ("callback*", 1.5),
    ("goroutine*", 2.5),
    ("mutex", 2.5),
    ("deadlock", 2.0),
    ("race condition", 2.0),
    ("concurrency", 1.5),
    ("multithreading", 2.0),
    ("garbage collect*", 2.0),
    ("out of bounds", 1.5),
    ("index out of range", 1.0),
    ("off by one", 1.5),
    ("infinite loop", 1.5),
    ("return value", 1.0),
    ("argument", 0.5),
    ("arguments", 0.5),
    ("parameter", 0.75),
    ("parameters", 0.75),
    ("constructor", 2.0),
    ("getter", 2.0),
    ("setter", 2.0),
    ("decorator", 1.5),
    ("decorators", 1.5),
    ("macro", 1.0),
    ("macros", 1.0),
    ("namespace", 2.0),
    ("header file", 2.0),
    ("borrow", 1.0),
    ("ownership", 0.75),
    ("lifetimes", 1.0),
    ("impl", 2.0),
    ("println", 2.0),
    ("printf", 2.0),
    ("console log", 1.5),
    ("stdout", 2.0),
    ("stdin", 2.0),
    ("stderr", 2.0),
    ("exit code", 1.5),
    ("cli", 1.5),
    ("repl", 1.5),
    ("snippet", 1.0),
    ("boilerplate", 1.0),
    ("sdk", 1.5),
    ("webhook*", 2.0),
    ("api key", 1.0),
    ("rate limit", 1.0),
    ("timeout", 0.5),
    ("schema", 0.75),
    ("migration", 0.75),
    ("orm", 2.0),
    ("primary key", 2.0),
    ("foreign key", 2.0),
    ("joins", 1.0),
    ("open source", 1.0),
    ("js", 1.5),
    ("py", 1.0),
    ("cron*", 1.5),
    ("skript*", 1.5),
    ("requête*", 1.5),
    ("entwickler*", 1.5),
    ("développeur*", 1.5),
    ("desarrollador*", 1.5),
    ("sviluppatore", 1.5),
    ("ontwikkelaar", 1.5),
    ("разработ*", 1.5),
    ("开发", 1.5),
    ("開発", 1.5),
    ("operator", 1.0),
    ("operators", 1.0),
    ("文字列", 2.0),
    ("整数", 1.0),
    ("变量", 2.0),
    ("変数", 2.0),
];

const MATH: Entries = &[
    ("math", 2.5),
    ("maths", 2.5),
    ("mathemat*", 2.5),
    ("mathémat*", 2.5),
    ("matemát*", 2.5),
    ("matemat*", 2.5),
    ("solve", 2.0),
    ("resuelve", 2.0),
    ("résous", 2.0),
    ("equation", 2.5),
    ("equations", 2.5),
    ("ecuación", 2.5),
    ("équation", 2.5),
    ("gleichung*", 2.5),
    ("equazion*", 2.5),
    ("equação", 2.5),
    ("vergelijking", 1.5),
    ("уравнен*", 2.5),
    ("integral", 2.5),
    ("integrals", 2.5),
    ("derivative*", 2.5),
    ("differentiate", 2.0),
    ("calculus", 2.5),
    ("algebra*", 2.5),
    ("álgebra", 2.5),
    ("linear algebra", 1.0),
    ("matrix", 1.5),
    ("matrices", 1.5),
    ("matrix*", 0.5),
    ("eigenvalue*", 2.5),
    ("eigenwert*", 2.5),
    ("probability", 2.0),
    ("probabilit*", 2.0),
    ("probabilidad", 2.0),
    ("prove", 1.5),
    ("proof", 1.5),
    ("theorem", 2.5),
    ("lemma", 2.0),
    ("irrational", 2.0),
    ("prime number", 2.0),
    ("prime numbers", 2.0),
    ("polynomial*", 2.5),
    ("quadratic", 2.5),
    ("cuadrática", 2.0),
    ("geometr*", 2.0),
    ("trigonometr*", 2.5),
    ("triang*", 1.5),
    ("angle", 1.0),
    ("radius", 1.0),
    ("circumference", 2.0),
    ("perimeter", 1.5),
    ("area of", 1.0),
    ("aire", 0.5),
    ("fraction", 1.0),
    ("fractions", 1.0),
    ("percent", 0.5),
    ("percentage", 0.5),
    ("sum", 1.0),
    ("сумм*", 1.0),
    ("числ*", 1.0),
    ("найдите", 1.0),
    ("natural numbers", 1.5),
    ("integers", 1.5),
    ("limit", 0.5),
    ("sqrt", 2.0),
    ("square root", 2.0),
    ("logarithm*", 2.5),
    ("exponent*", 1.0),
    ("sin", 1.0),
    ("cos", 1.0),
    ("dx", 2.0),
    ("x", 0.75),
    ("calculate", 1.5),
    ("calcul*", 1.0),
    ("berechn*", 1.5),
    ("calcola*", 1.5),
    ("compute", 0.5),
    ("mph", 1.5),
    ("km h", 1.0),
    ("catch up", 0.5),
    ("dice", 1.5),
    ("how many ways", 2.0),
    ("combinator*", 2.0),
    ("permutation*", 2.0),
    ("arithmetic", 2.0),
    ("divisible", 2.0),
    ("vector", 1.0),
    ("vectors", 1.0),
    ("step by step", 0.5),
    ("paso a paso", 0.5),
    ("数学", 2.5),
    ("方程", 2.5),
    ("微分", 2.0),
    ("積分", 2.0),
    ("积分", 2.0),
    ("divided by", 2.0),
    ("multiplied by", 2.0),
    ("minus", 1.0),
    ("equals", 1.5),
    ("diagonal*", 1.5),
    ("hexagon*", 1.5),
    ("pentagon*", 1.5),
    ("octagon*", 1.5),
    ("polygon*", 1.5),
    ("rectangle*", 1.5),
    ("cube", 1.0),
    ("sphere", 1.0),
    ("cylinder", 1.0),
    ("surface area", 1.5),
    ("diameter", 1.0),
    ("pythagor*", 2.5),
    ("hypotenuse", 2.5),
    ("sine", 1.5),
    ("cosine", 1.5),
    ("tangent", 1.0),
    ("slope", 1.5),
    ("inequalit*", 2.0),
    ("coefficient*", 1.5),
    ("factorial", 2.0),
    ("factoriz*", 2.0),
    ("factoris*", 2.0),
    ("factoring", 2.0),
    ("gcd", 2.0),
    ("lcm", 2.0),
    ("greatest common", 2.0),
    ("least common multiple", 2.0),
    ("modulo", 1.5),
    ("remainder", 1.0),
    ("decimal", 0.75),
    ("decimals", 0.75),
    ("ratio", 1.0),
    ("proportion", 1.0),
    ("average speed", 1.5),
    ("expected value", 2.0),
    ("random variable", 2.0),
    ("binomial", 2.0),
    ("converge*", 1.5),
    ("infinity", 1.0),
    ("set theory", 2.0),
    ("topology", 2.5),
    ("number theory", 2.5),
    ("prime", 0.75),
    ("primes", 1.5),
    ("digits", 1.0),
    ("squared", 1.5),
    ("cubed", 1.5),
    ("power of", 1.0),
    ("roots", 1.0),
    ("simplify", 1.5),
    ("integrate", 1.5),
    ("differential equation", 2.5),
    ("differential equations", 2.5),
    ("gradient", 1.0),
    ("determinant", 2.5),
    ("transpose", 1.5),
    ("eigenvector*", 2.5),
    ("complex number", 2.0),
    ("complex numbers", 2.0),
    ("imaginary", 1.0),
    ("induction", 1.5),
    ("radice", 1.5),
    ("quadrata", 1.0),
    ("quadrato", 1.0),
    ("moltiplicat*", 1.5),
    ("diviso", 1.5),
    ("wahrscheinlichkeit*", 2.0),
    ("wurzel", 1.5),
    ("quadratwurzel", 2.0),
    ("dreieck*", 1.5),
    ("winkel", 1.0),
    ("fläche", 1.0),
    ("bruch", 1.0),
    ("brüche", 1.0),
    ("racine carrée", 2.0),
    ("racine", 1.0),
    ("dérivée", 2.5),
    ("intégrale", 2.5),
    ("raíz cuadrada", 2.0),
    ("raíz", 1.0),
    ("derivada", 2.5),
    ("wiskunde", 2.5),
    ("вероятност*", 2.5),
    ("производн*", 2.0),
    ("интеграл*", 2.5),
    ("треугольник*", 1.5),
    ("概率", 2.5),
    ("確率", 2.5),
    ("三角形", 1.5),
];

const WRITING: Entries = &[
    ("write", 0.5),
    ("writing", 0.5),
    ("rewrite", 2.0),
    ("rephrase", 2.0),
    ("reword", 2.0),
    ("paraphrase", 2.0),
    ("proofread*", 2.5),
    ("grammar", 2.0),
    ("spelling", 1.5),
    ("typo", 1.0),
    ("typos", 1.0),
    ("poem", 2.5),
    ("poems", 2.5),
    ("poetry", 2.5),
    ("haiku", 2.5),
    ("sonnet", 2.5),
    ("limerick", 2.5),
    ("rhyme*", 1.5),
    ("lyrics", 2.0),
    ("story", 1.5),
    ("stories", 1.5),
    ("short story", 1.0),
    ("novel", 2.0),
    ("fiction", 0.5),
    ("fantasy", 1.0),
    ("character", 1.0),
    ("characters", 1.0),
    ("plot", 0.5),
    ("screenplay", 2.0),
    ("narrative", 1.0),
    ("creative", 1.0),
    ("essay", 2.0),
    ("essays", 2.0),
    ("paragraph", 1.5),
    ("paragraphs", 1.5),
    ("sentence", 1.0),
    ("sentences", 1.0),
    ("draft", 1.0),
    ("letter", 1.0),
    ("cover letter", 2.0),
    ("resignation", 1.5),
    ("speech", 1.5),
    ("wording", 1.5),
    ("sound more", 1.5),
    ("sound less", 1.5),
    ("sounds more", 1.5),
    ("tone", 0.5),
    ("edit", 1.0),
    ("edits", 1.0),
    ("editing", 1.0),
    ("blog post", 1.5),
    ("article", 1.0),
    ("headline", 1.0),
    ("email", 0.5),
    ("conclusion", 1.0),
    ("introduction", 0.5),
    ("gedicht", 2.5),
    ("poème", 2.5),
    ("poema", 2.5),
    ("poesia", 2.5),
    ("poésie", 2.5),
    ("histoire", 1.0),
    ("geschichte", 1.0),
    ("cuento", 2.5),
    ("racconto", 2.5),
    ("conto", 1.5),
    ("verhaal", 2.0),
    ("lettre", 1.5),
    ("lettera", 1.5),
    ("carta", 1.0),
    ("correo", 1.0),
    ("redacta*", 2.0),
    ("rédige*", 2.0),
    ("écris", 2.0),
    ("écrire", 1.5),
    ("escribe", 2.0),
    ("escribir", 1.5),
    ("scrivi", 2.0),
    ("scrivere", 1.5),
    ("schreib", 1.5),
    ("schreibe", 1.5),
    ("schrijf", 2.0),
    ("escreva", 2.0),
    ("напиши", 2.0),
    ("стих*", 2.5),
    ("рассказ", 2.0),
    ("诗", 2.0),
    ("作文", 2.5),
    ("小説", 2.0),
    ("文章", 1.5),
    ("intro", 1.0),
    ("outline", 1.0),
    ("blog", 1.0),
    ("wordy", 2.0),
    ("concise", 1.0),
    ("pacing", 2.0),
    ("chapter", 1.5),
    ("chapters", 1.5),
    ("opening line", 1.5),
    ("eulogy", 2.5),
    ("vows", 2.0),
    ("greeting card", 1.5),
    ("birthday message", 1.5),
    ("caption", 1.0),
    ("captions", 1.0),
    ("bio", 1.0),
    ("memoir", 2.0),
    ("author", 1.0),
    ("writer", 1.5),
    ("manuscript", 2.0),
    ("prose", 2.0),
    ("dialogue", 1.5),
    ("protagonist", 2.0),
    ("villain", 1.5),
    ("scene", 1.0),
    ("critique", 1.0),
    ("punctuation", 2.0),
    ("word choice", 2.0),
    ("synonym*", 1.5),
    ("shorten", 1.0),
    ("tighten", 1.0),
    ("summary", 0.5),
    ("word count", 1.5),
    ("thank you note", 1.5),
    ("diary", 1.0),
    ("mail", 0.5),
    ("remerciement", 1.0),
    ("aufsatz", 2.5),
    ("erzähl*", 1.5),
    ("roman", 1.0),
    ("novela", 2.0),
    ("romanzo", 2.0),
    ("escrever", 1.5),
    ("redação", 2.0),
    ("história", 1.0),
    ("storia", 1.0),
    ("gedicht*", 2.5),
    ("сочинени*", 2.5),
    ("письм*", 1.5),
    ("эссе", 2.5),
    ("correggi", 2.0),
    ("corrige", 2.0),
    ("korrigier*", 2.0),
    ("verbeter*", 1.0),
    ("grammatica", 2.0),
    ("gramática", 2.0),
    ("grammaire", 2.0),
    ("grammatik", 2.0),
    ("testo", 0.5),
    ("texto", 0.5),
    ("titles", 1.0),
];

const TRANSLATION: Entries = &[
    ("translat*", 2.5),
    ("how do you say", 2.0),
    ("how do i say", 2.0),
    ("what does", 0.25),
    ("mean in", 1.0),
    ("traduis", 2.5),
    ("traduire", 2.5),
    ("traduction", 2.5),
    ("tradu*", 2.0),
    ("übersetz*", 2.5),
    ("vertaal*", 2.5),
    ("vertaling", 2.5),
    ("перевед*", 2.5),
    ("перевод*", 2.5),
    ("переведи", 2.5),
    ("翻译", 3.0),
    ("翻訳", 3.0),
    ("翻譯", 3.0),
    ("英語に", 1.0),
    ("英文", 1.0),
    ("anglais", 1.0),
    ("en anglais", 1.0),
    ("français", 0.5),
    ("en français", 1.0),
    ("allemand", 1.0),
    ("espagnol", 1.0),
    ("englisch", 1.0),
    ("englische", 1.0),
    ("ins englische", 1.0),
    ("ins deutsche", 1.5),
    ("auf englisch", 1.0),
    ("auf deutsch", 1.0),
    ("deutsch", 0.5),
    ("französisch", 1.0),
    ("spanisch", 1.0),
    ("inglés", 1.0),
    ("al inglés", 1.0),
    ("al español", 1.5),
    ("inglese", 1.0),
    ("in inglese", 1.0),
    ("inglês", 1.0),
    ("para o inglês", 1.0),
    ("engels", 1.0),
    ("naar het engels", 1.0),
    ("английский", 1.0),
    ("на английский", 1.0),
    ("русский", 0.5),
    ("how to say", 2.0),
    ("the word for", 1.0),
    ("meaning of the word", 1.5),
    ("betekent", 1.0),
    ("bedeutet", 1.0),
    ("signifie", 1.0),
    ("significa", 1.0),
    ("означает", 1.0),
    ("意味", 1.0),
    ("意思", 1.0),
    ("日语", 1.0),
    ("中文", 1.0),
    ("日本語", 1.0),
    ("英語", 1.0),
    ("英语", 1.0),
    ("francés", 1.0),
    ("alemán", 1.0),
    ("spagnolo", 1.0),
    ("francese", 1.0),
    ("tedesco", 1.0),
    ("espanhol", 1.0),
    ("francês", 1.0),
    ("alemão", 1.0),
    ("frans", 1.0),
    ("duits", 1.0),
    ("spaans", 1.0),
    ("italienisch", 1.0),
    ("japanisch", 1.0),
    ("subtitles", 1.0),
    ("localiz*", 1.5),
    ("localis*", 1.5),
    ("idiom", 1.0),
    ("word for", 1.0),
    ("como se diz", 2.0),
    ("comment dit on", 2.0),
    ("wie sagt man", 2.0),
    ("cómo se dice", 2.0),
    ("come si dice", 2.0),
    ("hoe zeg je", 2.0),
    ("как сказать", 2.0),
    ("japonês", 1.0),
    ("japonés", 1.0),
    ("japonais", 1.0),
    ("giapponese", 1.0),
    ("chinês", 1.0),
    ("chino", 1.0),
    ("chinois", 1.0),
    ("cinese", 1.0),
    ("chinesisch", 1.0),
];

const DATA_ANALYSIS: Entries = &[
    ("data", 1.0),
    ("dataset", 2.5),
    ("datasets", 2.5),
    ("data set", 1.5),
    ("csv", 1.5),
    ("excel", 2.0),
    ("spreadsheet*", 2.5),
    ("google sheets", 2.0),
    ("pivot", 2.0),
    ("pandas", 2.5),
    ("dataframe*", 2.5),
    ("numpy", 1.0),
    ("chart", 1.5),
    ("charts", 1.5),
    ("graph", 1.0),
    ("plot", 1.0),
    ("histogram", 2.5),
    ("scatter", 1.5),
    ("visualiz*", 2.0),
    ("visualis*", 2.0),
    ("dashboard*", 2.0),
    ("metric", 1.5),
    ("metrics", 1.5),
    ("kpi", 1.0),
    ("kpis", 1.0),
    ("correlat*", 2.5),
    ("regress*", 2.5),
    ("regresión", 2.5),
    ("statistic*", 1.5),
    ("statistically significant", 1.0),
    ("significance", 1.0),
    ("p value", 2.0),
    ("valor p", 2.0),
    ("mean", 0.75),
    ("median", 2.0),
    ("average", 1.0),
    ("standard deviation", 2.5),
    ("variance", 1.5),
    ("distribution", 1.5),
    ("outlier*", 2.5),
    ("time series", 2.5),
    ("trend", 1.5),
    ("trends", 1.5),
    ("analy*", 1.5),
    ("analis*", 1.5),
    ("anális*", 1.5),
    ("a b test", 2.5),
    ("ab test", 2.5),
    ("cohort*", 2.0),
    ("retention", 1.0),
    ("column", 1.5),
    ("columns", 1.5),
    ("rows", 1.0),
    ("sales", 1.0),
    ("ventas", 1.0),
    ("*daten", 1.5),
    ("daten", 1.5),
    ("datos", 1.5),
    ("dados", 1.5),
    ("données", 1.5),
    ("dati", 1.5),
    ("gegevens", 1.5),
    ("данны*", 1.5),
    ("verkauf*", 1.0),
    ("anomal*", 1.5),
    ("forecast*", 1.5),
    ("quarter", 0.75),
    ("quarterly", 0.5),
    ("trimestre", 0.75),
    ("report", 0.75),
    ("informe", 1.0),
    ("summarize", 0.5),
    ("resumir", 0.5),
    ("sensor", 0.5),
    ("readings", 0.5),
    ("数据", 2.0),
    ("データ", 2.0),
    ("分析", 2.0),
    ("survey", 1.5),
    ("surveys", 1.5),
    ("respondents", 2.0),
    ("sample size", 2.0),
    ("likert", 2.5),
    ("t test", 2.5),
    ("chi square", 2.5),
    ("anova", 2.5),
    ("confidence interval", 2.5),
    ("growth", 0.75),
    ("year over year", 2.0),
    ("yoy", 2.0),
    ("month over month", 2.0),
    ("percentage change", 1.5),
    ("growth rate", 1.5),
    ("figures", 0.5),
    ("vlookup", 2.5),
    ("xlookup", 2.5),
    ("formula", 1.0),
    ("formulas", 1.0),
    ("power bi", 2.5),
    ("tableau", 1.5),
    ("bigquery", 2.5),
    ("etl", 2.0),
    ("data pipeline", 1.0),
    ("data cleaning", 1.0),
    ("missing values", 2.0),
    ("duplicates", 1.0),
    ("aggregate", 1.0),
    ("group by", 1.5),
    ("segment*", 1.0),
    ("clustering", 2.0),
    ("machine learning", 1.0),
    ("predict*", 1.0),
    ("classification", 1.0),
    ("insight", 1.5),
    ("insights", 1.5),
    ("churn", 2.0),
    ("percentile*", 2.0),
    ("quartile*", 2.0),
    ("boxplot", 2.5),
    ("box plot", 2.5),
    ("heatmap", 2.0),
    ("pie chart", 1.0),
    ("bar chart", 1.0),
    ("line chart", 1.0),
    ("axis", 1.0),
    ("aberrant*", 1.0),
    ("valeurs aberrantes", 1.0),
    ("jeu de données", 2.0),
    ("statistique*", 1.5),
    ("estadístic*", 1.5),
    ("statistik*", 1.5),
    ("estatístic*", 1.5),
    ("tendencia*", 1.0),
    ("tendance*", 1.0),
    ("gráfico*", 1.5),
    ("graphique*", 1.5),
    ("diagramm*", 1.5),
    ("grafiek*", 1.5),
    ("tabelle", 1.0),
    ("hoja de cálculo", 2.5),
    ("tableur", 2.5),
    ("umfrage*", 1.5),
    ("encuesta*", 1.5),
    ("sondage*", 1.5),
    ("sondaggio", 1.5),
    ("опрос*", 1.5),
    ("статистик*", 1.5),
    ("统计", 2.0),
    ("集計", 2.0),
    ("monthly active users", 1.0),
    ("active users", 1.0),
    ("mau", 2.0),
    ("dau", 2.0),
];

const CUSTOMER_SUPPORT: Entries = &[
    ("order", 1.0),
    ("orders", 1.0),
    ("ordered", 1.5),
    ("my order", 1.5),
    ("refund*", 2.5),
    ("subscription*", 1.5),
    ("cancel", 1.0),
    ("cancel my", 1.5),
    ("charged", 2.0),
    ("billing", 1.5),
    ("billed", 1.5),
    ("invoice", 1.0),
    ("receipt", 1.0),
    ("delivery", 1.5),
    ("delivered", 1.5),
    ("arrived", 0.5),
    ("package", 1.0),
    ("parcel", 1.5),
    ("shipping", 1.5),
    ("shipped", 1.5),
    ("tracking number", 2.0),
    ("tracking", 1.0),
    ("return policy", 2.0),
    ("warranty", 1.5),
    ("my account", 2.0),
    ("account", 0.5),
    ("password", 1.5),
    ("login", 1.5),
    ("log in", 1.0),
    ("logged", 1.0),
    ("locked", 1.0),
    ("unlock", 1.0),
    ("activate", 1.0),
    ("support", 1.0),
    ("support team", 2.0),
    ("customer service", 2.5),
    ("customer support", 2.5),
    ("help desk", 2.0),
    ("ticket", 1.0),
    ("damaged", 2.0),
    ("replacement", 1.5),
    ("cart", 1.5),
    ("checkout", 1.5),
    ("purchase", 1.0),
    ("purchased", 1.5),
    ("bought", 1.0),
    ("complaint", 2.0),
    ("app", 0.5),
    ("commande", 1.5),
    ("remboursement", 2.5),
    ("rembourser", 2.5),
    ("colis", 2.0),
    ("livraison", 1.5),
    ("service client", 2.5),
    ("abonnement", 1.5),
    ("bestellung", 2.0),
    ("*bestellung", 2.0),
    ("paket", 1.5),
    ("sendungsnummer", 2.5),
    ("geliefert", 1.5),
    ("lieferung", 1.5),
    ("kundenservice", 2.5),
    ("kündig*", 2.0),
    ("rückerstattung", 2.5),
    ("reembolso", 2.5),
    ("pedido", 1.5),
    ("envío", 1.5),
    ("cobr*", 1.5),
    ("assinatura", 1.5),
    ("suscripción", 1.5),
    ("reso", 1.5),
    ("restituire", 1.5),
    ("rimborso", 2.5),
    ("ordine", 1.5),
    ("spedizione", 1.5),
    ("bestelling", 2.0),
    ("beschadigd", 1.5),
    ("bezorg*", 1.5),
    ("terugbetal*", 2.5),
    ("заказ*", 1.5),
    ("доставк*", 1.5),
    ("возврат*", 2.0),
    ("اشتراك", 2.0),
    ("إلغاء", 1.5),
    ("بطاقت", 1.0),
    ("استرداد", 2.5),
    ("注文", 2.0),
    ("配送", 2.0),
    ("返金", 2.5),
    ("届い", 1.0),
    ("订单", 2.0),
    ("退款", 2.5),
    ("快递", 1.5),
    ("never arrived", 1.0),
    ("wrong item", 2.0),
    ("wrong size", 1.5),
    ("exchange", 0.5),
    ("returns", 0.5),
    ("return it", 1.0),
    ("send back", 1.0),
    ("store credit", 2.0),
    ("gift card", 1.0),
    ("promo code", 1.0),
    ("coupon", 1.0),
    ("customer", 0.75),
    ("customer care", 2.5),
    ("representative", 1.0),
    ("escalate", 1.0),
    ("sign in", 1.0),
    ("username", 1.0),
    ("verification code", 1.5),
    ("two factor", 1.0),
    ("2fa", 1.0),
    ("update my", 1.0),
    ("change my", 0.75),
    ("my card", 1.5),
    ("payment", 1.0),
    ("payment failed", 1.5),
    ("declined", 1.0),
    ("premium", 0.5),
    ("downgrade", 1.0),
    ("renewal", 1.0),
    ("auto renew", 1.5),
    ("free trial", 1.5),
    ("membership", 1.0),
    ("unsubscribe", 1.5),
    ("defective", 2.0),
    ("faulty", 1.5),
    ("stopped working", 0.75),
    ("repair", 0.75),
    ("courier", 1.5),
    ("online order", 1.0),
    ("opzeg*", 2.0),
    ("incompleto", 1.0),
    ("incompleta", 1.0),
    ("llegó", 1.0),
    ("arrivé", 1.0),
    ("reçu", 0.75),
    ("annuler", 1.5),
    ("résilier", 2.0),
    ("résiliation", 2.0),
    ("angekommen", 1.0),
    ("stornier*", 2.0),
    ("umtausch*", 2.0),
    ("zurückschicken", 2.0),
    ("cancelar", 1.5),
    ("devolución", 2.0),
    ("devolver", 1.5),
    ("cancellare", 1.5),
    ("disdire", 2.0),
    ("abbonamento", 1.5),
    ("consegna", 1.5),
    ("pacco", 1.5),
    ("encomenda", 1.5),
    ("cancelamento", 2.0),
    ("devolução", 2.0),
    ("entrega", 1.0),
    ("retour*", 1.0),
    ("pakket", 1.5),
    ("levering", 1.5),
    ("klantenservice", 2.5),
    ("подписк*", 1.5),
    ("посылк*", 1.5),
    ("客服", 2.5),
    ("退货", 2.5),
    ("解約", 2.0),
    ("問い合わせ", 1.5),
];

const LEGAL: Entries = &[
    ("legal", 2.0),
    ("legally", 2.5),
    ("illegal", 2.0),
    ("law", 2.0),
    ("laws", 2.0),
    ("lawyer*", 2.5),
    ("attorney", 2.5),
    ("counsel", 1.5),
    ("contract", 2.0),
    ("contracts", 2.0),
    ("clause*", 2.0),
    ("agreement", 1.0),
    ("nda", 2.0),
    ("liab*", 2.0),
    ("sue", 2.5),
    ("sued", 2.5),
    ("lawsuit", 2.5),
    ("court", 2.0),
    ("judge", 1.5),
    ("copyright*", 2.5),
    ("trademark*", 2.5),
    ("patent*", 2.0),
    ("gdpr", 2.5),
    ("compliance", 1.5),
    ("regulation*", 1.0),
    ("tenant*", 1.5),
    ("landlord*", 2.0),
    ("lease", 1.5),
    ("evict*", 2.5),
    ("terms of service", 2.0),
    ("jurisdiction", 2.5),
    ("statute", 2.5),
    ("breach*", 1.5),
    ("custody", 2.0),
    ("divorce", 2.0),
    ("rights", 1.5),
    ("indemnif*", 2.5),
    ("confidential*", 1.0),
    ("disclos*", 0.75),
    ("withhold", 1.0),
    ("security deposit", 1.5),
    ("shall", 1.0),
    ("pursuant", 1.0),
    ("wrongful", 1.5),
    ("rechtlich*", 2.5),
    ("zulässig", 2.0),
    ("gesetz*", 2.5),
    ("*gesetz", 2.0),
    ("vertrag*", 2.0),
    ("*vertrag", 2.0),
    ("*vertrags", 2.0),
    ("vermieter", 2.0),
    ("anwalt", 2.5),
    ("recht", 1.5),
    ("droit", 1.5),
    ("droits", 1.5),
    ("licenci*", 1.5),
    ("avocat", 2.5),
    ("tribunal", 2.0),
    ("juridique", 2.5),
    ("loi", 2.0),
    ("légal*", 2.0),
    ("abogado", 2.5),
    ("ley", 2.0),
    ("marca", 1.0),
    ("contrato", 2.0),
    ("demanda", 1.5),
    ("avvocato", 2.5),
    ("legge", 2.0),
    ("contratto", 2.0),
    ("advocaat", 2.5),
    ("juridisch", 2.5),
    ("advogado", 2.5),
    ("закон*", 2.5),
    ("юрист*", 2.5),
    ("договор*", 2.0),
    ("قانون", 2.5),
    ("法律", 2.5),
    ("合同", 1.5),
    ("契約", 2.0),
    ("弁護士", 2.5),
    ("testament", 1.0),
    ("estate planning", 2.0),
    ("probate", 2.5),
    ("negligence", 2.5),
    ("damages", 1.0),
    ("settlement", 1.0),
    ("small claims", 2.0),
    ("consent", 1.0),
    ("permitted", 0.5),
    ("prohibited", 0.75),
    ("terms and conditions", 1.5),
    ("privacy policy", 1.5),
    ("eula", 2.0),
    ("intellectual property", 2.5),
    ("fair use", 2.5),
    ("defamation", 2.5),
    ("libel", 2.5),
    ("slander", 2.5),
    ("harassment", 1.0),
    ("discrimination", 1.0),
    ("severance", 1.5),
    ("non compete", 2.0),
    ("notice period", 1.5),
    ("arbitration", 2.5),
    ("plaintiff", 2.5),
    ("defendant", 2.5),
    ("prosecut*", 2.0),
    ("criminal", 1.5),
    ("police", 1.0),
    ("arrest*", 1.5),
    ("speeding ticket", 2.0),
    ("immigration", 1.0),
    ("citizenship", 1.0),
    ("notary", 2.0),
    ("notariz*", 2.0),
    ("zoning", 1.5),
    ("recours", 1.5),
    ("caution", 0.5),
    ("propriétaire", 1.0),
    ("locataire", 1.5),
    ("procès", 2.0),
    ("plainte", 1.5),
    ("juge", 2.0),
    ("klage", 2.0),
    ("verklagen", 2.5),
    ("kündigungsfrist", 2.0),
    ("arbeitsrecht", 2.0),
    ("mietrecht", 2.0),
    ("datenschutz", 2.0),
    ("derechos", 1.5),
    ("demandar", 2.0),
    ("arrendador", 2.0),
    ("inquilino", 1.5),
    ("despido", 1.5),
    ("diritti", 1.5),
    ("denuncia*", 1.5),
    ("direitos", 1.5),
    ("rechter", 2.0),
    ("huurder", 1.5),
    ("verhuurder", 2.0),
    ("суд", 2.0),
    ("иск", 2.0),
    ("адвокат*", 2.5),
    ("権利", 1.5),
    ("律师", 2.5),
    ("起诉", 2.5),
    ("محامي", 2.5),
    ("محكمة", 2.5),
    ("despedir*", 1.5),
];

const MEDICAL: Entries = &[
    ("symptom*", 2.5),
    ("doctor", 2.0),
    ("doctors", 2.0),
    ("physician", 2.0),
    ("nurse", 1.0),
    ("pain", 1.5),
    ("painful", 1.5),
    ("ache", 1.5),
    ("headache*", 2.0),
    ("fever", 2.0),
    ("cough*", 2.0),
    ("sore throat", 2.0),
    ("rash", 2.0),
    ("medic*", 2.0),
    ("medicament*", 2.0),
    ("médicament*", 2.0),
    ("drug", 1.0),
    ("drugs", 1.0),
    ("pill", 1.5),
    ("pills", 1.5),
    ("dose", 2.0),
    ("doses", 2.0),
    ("dosage", 2.0),
    ("prescri*", 2.0),
    ("diagnos*", 2.0),
    ("treatment*", 1.5),
    ("therap*", 1.5),
    ("terap*", 1.5),
    ("disease*", 2.0),
    ("infection*", 2.0),
    ("virus", 1.0),
    ("vaccin*", 2.0),
    ("vacun*", 2.0),
    ("allerg*", 2.0),
    ("diabet*", 2.5),
    ("blood pressure", 2.5),
    ("hypertension", 2.5),
    ("cholesterol", 2.0),
    ("stroke", 1.5),
    ("cancer", 2.0),
    ("tumor", 2.0),
    ("surgery", 2.0),
    ("hospital", 1.0),
    ("patient", 1.0),
    ("patients", 1.0),
    ("side effect", 2.5),
    ("side effects", 2.5),
    ("ibuprofen", 2.5),
    ("paracetamol", 2.5),
    ("acetaminophen", 2.5),
    ("aspirin", 2.5),
    ("metformin", 2.5),
    ("warfarin", 2.5),
    ("statin", 2.0),
    ("antibiotic*", 2.5),
    ("insulin", 2.0),
    ("pregnan*", 1.5),
    ("injury", 1.5),
    ("back pain", 1.0),
    ("anxiety", 1.5),
    ("depression", 1.5),
    ("mental health", 2.0),
    ("health", 1.0),
    ("sympt*", 1.0),
    ("síntoma*", 2.5),
    ("sintom*", 2.5),
    ("médecin", 2.0),
    ("arzt", 2.0),
    ("*arzt", 2.0),
    ("ärzt*", 2.0),
    ("huisarts", 2.5),
    ("médico", 2.0),
    ("medico", 2.0),
    ("dolor", 2.0),
    ("dolore", 2.0),
    ("douleur", 2.0),
    ("douleurs", 2.0),
    ("schmerz*", 2.0),
    ("*schmerz", 2.0),
    ("*schmerzen", 2.0),
    ("pijn", 2.0),
    ("*pijn", 2.0),
    ("dor", 1.0),
    ("fieber", 2.0),
    ("fièvre", 2.0),
    ("fiebre", 2.0),
    ("febbre", 2.0),
    ("koorts", 2.0),
    ("hoest*", 2.0),
    ("husten", 2.0),
    ("toux", 2.0),
    ("tosse", 2.0),
    ("carence", 1.5),
    ("gripe", 1.0),
    ("grippe", 1.0),
    ("врач*", 2.0),
    ("боль*", 2.0),
    ("болит", 2.0),
    ("симптом*", 2.5),
    ("лекарств*", 2.0),
    ("طبيب", 2.0),
    ("ألم", 2.0),
    ("医生", 2.0),
    ("症状", 2.5),
    ("薬", 2.0),
    ("药", 2.0),
    ("高血圧", 2.5),
    ("病院", 2.0),
    ("医院", 2.0),
    ("hurt", 1.0),
    ("hurts", 1.0),
    ("wound", 1.5),
    ("bleeding", 1.5),
    ("swollen", 1.5),
    ("swelling", 1.5),
    ("blood test", 2.0),
    ("blood", 1.0),
    ("ferritin", 2.5),
    ("vitamin*", 1.5),
    ("supplement", 1.0),
    ("supplements", 1.0),
    ("deficien*", 1.0),
    ("mg", 1.0),
    ("clinic", 1.5),
    ("emergency room", 1.0),
    ("pediatric*", 2.0),
    ("pediatra", 2.0),
    ("pédiatre", 2.0),
    ("dentist", 1.0),
    ("tooth", 1.0),
    ("skin", 1.0),
    ("acne", 2.0),
    ("eczema", 2.5),
    ("asthma", 2.5),
    ("migraine*", 2.5),
    ("nausea", 2.0),
    ("vomit*", 2.0),
    ("diarrh*", 2.5),
    ("constipat*", 2.5),
    ("dizz*", 2.0),
    ("fatigue", 1.5),
    ("insomnia", 2.0),
    ("blood sugar", 2.0),
    ("heart rate", 1.5),
    ("thyroid", 2.5),
    ("kidney*", 1.5),
    ("liver", 1.0),
    ("stomach", 1.5),
    ("fracture*", 1.5),
    ("sprain*", 2.0),
    ("physio*", 1.5),
    ("physical therapy", 2.0),
    ("immune system", 1.0),
    ("covid", 2.0),
    ("flu", 1.5),
    ("sore", 1.0),
    ("throat", 1.0),
    ("menstrua*", 2.0),
    ("contracept*", 2.0),
    ("bmi", 1.5),
    ("psychiatr*", 2.0),
    ("adhd", 2.0),
    ("dementia", 2.5),
    ("alzheimer*", 2.5),
    ("parkinson*", 2.5),
    ("arthritis", 2.5),
    ("tos", 1.5),
    ("dengue", 2.5),
    ("doença*", 2.0),
    ("enfermedad*", 2.0),
    ("maladie*", 2.0),
    ("krankheit*", 2.0),
    ("malattia", 2.0),
    ("ziekte", 2.0),
    ("blessure", 1.0),
    ("verletzung", 1.5),
    ("herida", 1.5),
    ("ferita", 1.5),
    ("mal di testa", 1.5),
    ("mal de tête", 1.5),
    ("kopfschmerz*", 2.5),
    ("hoofdpijn", 2.5),
    ("impfung", 2.0),
    ("ziekenhuis", 1.5),
    ("krankenhaus", 1.5),
    ("hôpital", 1.5),
    ("ospedale", 1.5),
    ("farmac*", 1.5),
    ("fármaco*", 2.0),
    ("remédio", 1.5),
    ("tabletten", 1.5),
    ("заболеван*", 2.0),
    ("кашл*", 2.0),
    ("病気", 2.0),
    ("感冒", 2.0),
    ("发烧", 2.5),
    ("頭痛", 2.5),
    ("melatonin", 2.5),
    ("antidepressant*", 2.5),
    ("ssri", 2.5),
    ("ssris", 2.5),
    ("tylenol", 2.5),
    ("advil", 2.5),
    ("omeprazole", 2.5),
    ("antihistamine*", 2.5),
    ("steroid*", 1.5),
    ("opioid*", 2.0),
    ("benadryl", 2.5),
    ("probiotic*", 1.5),
    ("safe to take", 1.5),
    ("recuperação", 1.0),
    ("recuperación", 1.0),
    ("cirurgia", 2.0),
    ("cirugía", 2.0),
    ("chirurgie", 2.0),
    ("chirurgia", 2.0),
    ("joelho", 1.0),
    ("rodilla", 1.0),
    ("genou", 1.0),
    ("knie", 1.0),
    ("ginocchio", 1.0),
    ("knee", 1.0),
    ("shoulder", 0.75),
    ("失眠", 2.5),
    ("睡眠", 1.0),
    ("不眠", 2.5),
    ("contagious", 2.0),
    ("incubation", 1.5),
    ("recovery", 0.75),
    ("rehab", 1.0),
    ("salud", 1.0),
    ("santé", 1.0),
    ("gesundheit", 1.0),
    ("saúde", 1.0),
    ("gezondheid", 1.0),
    ("здоровь*", 1.0),
    ("健康", 1.5),
];

const FINANCE: Entries = &[
    ("financ*", 2.0),
    ("money", 1.0),
    ("invest*", 2.5),
    ("stock", 1.5),
    ("stocks", 1.5),
    ("shares", 1.0),
    ("bond", 1.0),
    ("bonds", 1.0),
    ("portfolio", 1.5),
    ("retire*", 1.5),
    ("401k", 2.5),
    ("401 k", 2.5),
    ("ira", 2.5),
    ("roth", 2.5),
    ("tax", 2.0),
    ("taxes", 2.0),
    ("taxable", 2.0),
    ("mortgage*", 2.5),
    ("loan", 2.0),
    ("loans", 2.0),
    ("interest rate", 1.0),
    ("interest", 1.0),
    ("compound interest", 1.5),
    ("budget", 1.0),
    ("budgeting", 1.5),
    ("saving", 1.5),
    ("savings", 1.5),
    ("credit card", 1.0),
    ("credit score", 2.0),
    ("credit", 1.0),
    ("debt", 2.0),
    ("debts", 2.0),
    ("dividend*", 2.5),
    ("etf", 2.5),
    ("etfs", 2.5),
    ("index fund", 2.5),
    ("index funds", 2.5),
    ("fund", 1.0),
    ("funds", 1.0),
    ("inflation", 2.0),
    ("crypto*", 2.0),
    ("bitcoin", 2.5),
    ("ethereum", 2.0),
    ("revenue", 0.75),
    ("profit*", 1.0),
    ("accounting", 1.0),
    ("bank", 1.5),
    ("banking", 1.5),
    ("capital gain*", 2.5),
    ("refinanc*", 2.5),
    ("income", 1.5),
    ("salary", 1.5),
    ("paycheck", 1.0),
    ("pay off", 1.5),
    ("rebalanc*", 2.5),
    ("asset*", 1.5),
    ("equity", 1.0),
    ("net worth", 2.0),
    ("econom*", 1.0),
    ("projections", 1.0),
    ("impôt*", 2.5),
    ("plus values", 2.0),
    ("bourse", 2.0),
    ("épargne", 2.0),
    ("crédit", 1.5),
    ("prêt", 1.5),
    ("steuer*", 2.5),
    ("*steuer", 2.0),
    ("aktie*", 2.0),
    ("zins*", 2.0),
    ("kredit", 1.5),
    ("geld", 1.5),
    ("sparen", 1.5),
    ("rente", 1.0),
    ("invert*", 1.5),
    ("inversión", 2.5),
    ("impuesto*", 2.5),
    ("hipoteca", 2.5),
    ("préstamo", 2.0),
    ("interés", 1.5),
    ("ahorro*", 2.0),
    ("ações", 2.0),
    ("fundos", 1.5),
    ("imposto*", 2.5),
    ("empréstimo", 2.0),
    ("juros", 2.0),
    ("beleggen", 2.5),
    ("belegging*", 2.5),
    ("aandelen", 2.0),
    ("hypotheek", 2.5),
    ("belasting*", 2.0),
    ("mutuo", 2.0),
    ("prestito", 2.0),
    ("ипотек*", 2.5),
    ("кредит*", 2.0),
    ("платёж*", 1.5),
    ("платеж*", 1.5),
    ("налог*", 2.5),
    ("инвест*", 2.5),
    ("акци*", 2.0),
    ("股票", 2.5),
    ("投资", 2.5),
    ("投資", 2.5),
    ("贷款", 2.5),
    ("理财", 2.5),
    ("emergency fund", 2.5),
    ("expense*", 1.5),
    ("spending", 1.0),
    ("afford", 1.0),
    ("apr", 2.0),
    ("yield", 1.5),
    ("yields", 1.5),
    ("treasury", 1.5),
    ("fees", 0.75),
    ("brokerage", 2.5),
    ("broker", 1.5),
    ("trading", 1.5),
    ("stock market", 1.0),
    ("nasdaq", 2.0),
    ("recession", 1.5),
    ("gdp", 1.5),
    ("euros", 0.75),
    ("dollars", 0.75),
    ("currency", 1.0),
    ("exchange rate", 2.0),
    ("forex", 2.5),
    ("pension", 2.0),
    ("annuity", 2.5),
    ("insurance", 1.5),
    ("deductible", 2.0),
    ("payroll", 1.5),
    ("bookkeeping", 2.5),
    ("balance sheet", 2.5),
    ("cash flow", 2.5),
    ("irs", 2.5),
    ("tax return", 1.0),
    ("deduction*", 1.5),
    ("fiscal", 1.5),
    ("valuation", 2.0),
    ("venture capital", 2.5),
    ("ipo", 2.0),
    ("shareholder*", 1.5),
    ("capital", 1.0),
    ("wealth", 1.5),
    ("apy", 2.0),
    ("checking account", 2.0),
    ("credit union", 2.0),
    ("overdraft", 2.0),
    ("wire transfer", 1.5),
    ("lease", 0.5),
    ("buy a car", 1.0),
    ("criptovalut*", 2.5),
    ("criptomoneda*", 2.5),
    ("cryptomonnaie*", 2.5),
    ("kryptowährung*", 2.5),
    ("redditi", 1.5),
    ("épargn*", 2.0),
    ("argent", 1.5),
    ("banque", 1.5),
    ("bancaire", 1.5),
    ("dinero", 1.5),
    ("dinheiro", 1.5),
    ("soldi", 1.5),
    ("denaro", 1.5),
    ("risparmi*", 2.0),
    ("poupa*", 2.0),
    ("pensioen", 2.0),
    ("lening", 2.0),
    ("schulden", 2.0),
    ("деньг*", 1.5),
    ("вклад*", 2.0),
    ("пенси*", 2.0),
    ("банк*", 1.5),
    ("银行", 2.0),
    ("お金", 1.5),
    ("貯金", 2.5),
    ("保険", 2.0),
    ("年金", 2.0),
    ("dollar cost averaging", 2.5),
    ("high yield", 1.0),
    ("bonus", 0.5),
    ("pay down", 1.0),
    ("assurance vie", 2.0),
    ("assurance", 1.0),
    ("placement*", 1.0),
    ("versicherung*", 1.5),
    ("*versicherung", 1.5),
    ("seguro", 1.0),
    ("assicurazion*", 1.5),
    ("verzekering*", 1.5),
    ("tesouro", 1.0),
    ("renda fixa", 2.0),
    ("rendimento", 1.0),
    ("rendimiento", 1.0),
    ("rendement", 1.0),
    ("rendite", 1.5),
    ("откладыв*", 1.5),
    ("накоп*", 1.5),
    ("сбережени*", 2.0),
    ("salario", 1.5),
    ("salaire", 1.5),
    ("gehalt", 1.5),
    ("stipendio", 1.5),
    ("salário", 1.5),
    ("presupuesto", 1.5),
    ("frugal", 1.5),
    ("side hustle", 1.5),
    ("passive income", 2.0),
];

const EDUCATION: Entries = &[
    ("teach", 2.0),
    ("teaching", 2.0),
    ("teacher", 2.0),
    ("teachers", 2.0),
    ("lesson", 2.0),
    ("lessons", 2.0),
    ("lesson plan", 1.0),
    ("student", 2.0),
    ("students", 2.0),
    ("homework", 2.5),
    ("quiz", 2.0),
    ("quizzes", 2.0),
    ("exam", 2.0),
    ("exams", 2.0),
    ("examination", 1.5),
    ("curricul*", 2.5),
    ("syllabus", 2.5),
    ("classroom", 2.5),
    ("school", 1.0),
    ("high school", 0.5),
    ("primary school", 1.0),
    ("kindergarten", 1.5),
    ("graders", 1.5),
    ("grade", 1.0),
    ("study", 1.5),
    ("studying", 1.5),
    ("learn", 1.0),
    ("learning", 1.0),
    ("tutor*", 2.0),
    ("pupil*", 2.0),
    ("assignment*", 1.5),
    ("course", 1.0),
    ("courses", 1.0),
    ("university", 1.5),
    ("college", 1.0),
    ("admission*", 1.5),
    ("scholarship*", 2.0),
    ("multiple choice", 1.5),
    ("flashcard*", 2.0),
    ("enseñ*", 2.0),
    ("enseign*", 2.0),
    ("lehrer*", 2.0),
    ("unterricht*", 2.0),
    ("schüler*", 2.0),
    ("insegn*", 2.0),
    ("ensin*", 1.5),
    ("aula", 1.0),
    ("alunos", 2.0),
    ("alumnos", 2.0),
    ("élèves", 2.0),
    ("étudiant*", 2.0),
    ("estudiantes", 2.0),
    ("studenti", 2.0),
    ("leerling*", 2.0),
    ("studie*", 1.5),
    ("studio", 1.0),
    ("esame", 2.0),
    ("examen", 2.0),
    ("prüfung*", 2.0),
    ("universitario", 1.5),
    ("universidad", 1.5),
    ("université", 1.5),
    ("universität", 1.5),
    ("universiteit", 1.5),
    ("università", 1.5),
    ("primaria", 1.5),
    ("escuela", 1.5),
    ("école", 1.5),
    ("schule", 1.5),
    ("scuola", 1.5),
    ("escola", 1.5),
    ("ensino", 1.5),
    ("máster", 1.0),
    ("admisión", 1.5),
    ("учител*", 2.0),
    ("ученик*", 2.0),
    ("学生", 2.0),
    ("教师", 2.0),
    ("老师", 2.0),
    ("授業", 2.0),
    ("学校", 1.5),
    ("icebreaker*", 1.5),
    ("middle school", 1.0),
    ("classes", 0.75),
    ("vocabulary", 1.0),
    ("test prep", 2.0),
    ("toefl", 2.5),
    ("ielts", 2.5),
    ("gmat", 2.0),
    ("grades", 1.0),
    ("gpa", 2.0),
    ("semester", 1.5),
    ("thesis", 1.5),
    ("dissertation", 2.0),
    ("phd", 1.5),
    ("bachelor*", 1.0),
    ("lecture*", 1.5),
    ("worksheet*", 2.0),
    ("rubric", 2.5),
    ("grading", 2.0),
    ("learn to read", 1.5),
    ("literacy", 2.0),
    ("school year", 1.0),
    ("preschool", 2.0),
    ("montessori", 2.5),
    ("homeschool*", 2.5),
    ("online course", 1.0),
    ("pedagog*", 2.5),
    ("klasse", 1.0),
    ("klas", 1.0),
    ("lernen", 1.5),
    ("*lernen", 1.5),
    ("lehrplan", 2.5),
    ("hausaufgabe*", 2.5),
    ("abitur", 2.5),
    ("studium", 2.0),
    ("apprendre", 1.5),
    ("cours", 1.0),
    ("devoirs", 2.0),
    ("collège", 1.0),
    ("lycée", 1.5),
    ("professeur", 1.5),
    ("aprender", 1.5),
    ("clase", 1.0),
    ("deberes", 2.0),
    ("profesor*", 1.5),
    ("colegio", 1.5),
    ("imparare", 1.5),
    ("compiti", 2.0),
    ("lezione", 2.0),
    ("classe", 1.0),
    ("professor*", 1.5),
    ("estudar", 1.5),
    ("estudiar", 1.5),
    ("studiare", 1.5),
    ("étudier", 1.5),
    ("leren", 1.0),
    ("huiswerk", 2.5),
    ("leraar", 2.0),
    ("школ*", 1.5),
    ("урок*", 2.0),
    ("учеб*", 1.5),
    ("экзамен*", 2.0),
    ("студент*", 2.0),
    ("考试", 2.0),
    ("学习", 1.5),
    ("教育", 2.0),
    ("宿題", 2.5),
    ("試験", 2.0),
    ("reading comprehension", 1.0),
    ("comprehension", 1.0),
    ("grader", 1.5),
    ("citation*", 1.0),
    ("cite", 1.0),
    ("academic", 1.5),
    ("research paper", 1.5),
    ("bibliograph*", 1.5),
    ("immatrikulation", 2.0),
    ("einschreibung", 1.5),
    ("matrícula", 1.0),
    ("enrol*", 1.5),
    ("maturità", 2.0),
    ("bachillerato", 2.0),
    ("baccalauréat", 2.0),
    ("secundaria", 1.5),
    ("secondaire", 1.5),
    ("primaire", 1.5),
    ("gymnasium", 1.5),
];

const MARKETING: Entries = &[
    ("marketing", 2.5),
    ("campaign", 2.0),
    ("campaigns", 2.0),
    ("seo", 2.5),
    ("slogan*", 2.5),
    ("tagline*", 2.5),
    ("brand", 1.5),
    ("brands", 1.5),
    ("branding", 2.0),
    ("audience", 1.5),
    ("target audience", 1.0),
    ("social media", 2.0),
    ("instagram", 2.0),
    ("tiktok", 2.0),
    ("linkedin", 1.0),
    ("facebook", 1.0),
    ("ad", 1.0),
    ("ads", 1.5),
    ("advertis*", 2.0),
    ("ad copy", 1.0),
    ("copywriting", 2.5),
    ("landing page*", 2.0),
    ("conversion", 1.0),
    ("conversions", 1.0),
    ("newsletter*", 1.5),
    ("launch", 1.5),
    ("promot*", 1.5),
    ("promo", 1.5),
    ("influencer*", 2.0),
    ("engagement", 1.5),
    ("customers", 0.5),
    ("content plan", 2.0),
    ("content calendar", 2.0),
    ("funnel", 2.0),
    ("leads", 1.5),
    ("lead generation", 1.0),
    ("competitor*", 1.0),
    ("pricing", 1.0),
    ("positioning", 1.5),
    ("go to market", 2.0),
    ("black friday", 1.5),
    ("discount*", 1.0),
    ("e commerce", 1.0),
    ("product pages", 1.0),
    ("channels", 1.0),
    ("persona*", 1.5),
    ("catchy", 1.5),
    ("press release", 2.0),
    ("targeting", 1.5),
    ("werbe*", 2.5),
    ("werbung", 2.5),
    ("*werbung", 2.0),
    ("kampagne*", 2.0),
    ("*kampagne", 2.0),
    ("publicité", 2.0),
    ("publicidad", 2.0),
    ("pubblicità", 2.0),
    ("publicidade", 2.0),
    ("campagne", 2.0),
    ("campaña", 2.0),
    ("campagna", 2.0),
    ("campanha", 2.0),
    ("marque", 1.5),
    ("marca", 1.0),
    ("eslogan", 2.5),
    ("réseaux sociaux", 2.0),
    ("redes sociales", 2.0),
    ("реклам*", 2.5),
    ("广告", 2.5),
    ("营销", 2.5),
    ("広告", 2.5),
    ("マーケティング", 2.5),
    ("subscribers", 1.0),
    ("followers", 1.5),
    ("growth hacking", 2.5),
    ("open rate", 2.0),
    ("click through", 2.0),
    ("ctr", 2.0),
    ("cpc", 2.0),
    ("cpm", 2.0),
    ("roas", 2.5),
    ("retargeting", 2.5),
    ("google ads", 1.0),
    ("ppc", 2.5),
    ("affiliate*", 1.5),
    ("sponsor*", 1.0),
    ("ugc", 2.0),
    ("viral", 1.0),
    ("hashtag*", 1.5),
    ("posts", 0.5),
    ("content strategy", 2.0),
    ("strategy", 0.5),
    ("market research", 1.5),
    ("target market", 2.0),
    ("customer acquisition", 2.0),
    ("loyalty program", 2.0),
    ("value proposition", 2.5),
    ("usp", 2.0),
    ("elevator pitch", 1.5),
    ("product description", 2.0),
    ("product descriptions", 2.0),
    ("brand voice", 1.0),
    ("rebrand*", 2.5),
    ("logo", 1.0),
    ("naming", 1.0),
    ("packaging", 1.0),
    ("cold email", 2.0),
    ("outreach", 1.5),
    ("media kit", 2.0),
    ("webinar", 1.0),
    ("youtube", 1.0),
    ("twitter", 1.0),
    ("pinterest", 1.5),
    ("reels", 2.0),
    ("anuncio*", 2.0),
    ("annonce*", 1.0),
    ("anzeige*", 1.5),
    ("zielgruppe*", 2.5),
    ("reklame", 2.0),
    ("doelgroep*", 2.5),
    ("público objetivo", 2.0),
    ("promoção", 1.5),
    ("promoción", 1.5),
    ("promozione", 1.5),
    ("lancement", 1.5),
    ("lanzamiento", 1.5),
    ("stratégie", 0.5),
    ("estrategia", 0.5),
    ("strategie", 0.5),
    ("соцсет*", 2.0),
    ("бренд*", 2.0),
    ("品牌", 2.5),
    ("推广", 2.5),
    ("宣传", 2.0),
    ("ブランド", 2.0),
    ("宣伝", 2.5),
    ("subject line", 2.0),
    ("subject lines", 2.0),
    ("sale", 0.75),
    ("sales", 0.5),
    ("referral*", 2.0),
    ("word of mouth", 2.0),
    ("reach", 1.0),
    ("reichweite", 2.0),
    ("visibility", 1.0),
    ("awareness", 1.5),
    ("differentiat*", 1.0),
    ("promouv*", 2.0),
    ("promover", 2.0),
    ("promuovere", 2.0),
    ("canaux", 1.0),
    ("canales", 1.0),
    ("kanäle", 1.0),
    ("community", 0.5),
    ("creators", 1.0),
    ("email", 0.5),
    ("b2b", 1.0),
    ("b2c", 1.0),
    ("saas", 0.5),
    ("gtm", 1.5),
    ("crm", 1.0),
    ("prospect*", 1.0),
    ("flyer*", 1.5),
    ("billboard*", 2.0),
    ("commercial", 1.0),
    ("jingle", 2.0),
    ("mascot", 1.5),
];

const SCIENCE: Entries = &[
    ("science", 1.0),
    ("scientific", 1.5),
    ("scientist*", 1.5),
    ("physics", 2.5),
    ("physicist*", 2.5),
    ("chemistry", 2.5),
    ("chemical", 1.5),
    ("biolog*", 2.5),
    ("quantum", 2.5),
    ("atom", 2.0),
    ("atoms", 2.0),
    ("atomic", 2.0),
    ("molecul*", 2.5),
    ("electron", 2.0),
    ("electrons", 2.0),
    ("proton*", 2.0),
    ("neutron*", 2.0),
    ("photon*", 2.0),
    ("photosynthesis", 3.0),
    ("evolution", 1.5),
    ("gravit*", 2.5),
    ("relativity", 2.5),
    ("relatividad", 2.5),
    ("relatividade", 2.5),
    ("relativité", 2.5),
    ("relatività", 2.5),
    ("relativitätstheorie", 2.5),
    ("black hole*", 2.5),
    ("hawking", 1.5),
    ("radiation", 1.5),
    ("planet*", 2.0),
    ("solar system", 2.0),
    ("universe", 2.0),
    ("galax*", 2.5),
    ("moon", 1.0),
    ("orbit*", 2.0),
    ("dna", 2.5),
    ("rna", 2.5),
    ("gene", 2.0),
    ("genes", 2.0),
    ("genetic*", 2.0),
    ("crispr", 3.0),
    ("cell", 1.0),
    ("cells", 1.0),
    ("protein*", 1.5),
    ("species", 2.0),
    ("ecosystem*", 2.0),
    ("climate", 1.5),
    ("energy", 1.0),
    ("experiment*", 1.5),
    ("hypothes*", 2.0),
    ("theory", 1.0),
    ("density", 2.0),
    ("wavelength*", 2.0),
    ("sky", 1.0),
    ("nuclear", 2.0),
    ("fission", 2.5),
    ("fusion", 2.0),
    ("chemical reaction", 1.0),
    ("acid*", 1.5),
    ("periodic table", 2.5),
    ("velocity", 1.5),
    ("acceleration", 1.5),
    ("vacuum", 2.0),
    ("air resistance", 2.0),
    ("entangle*", 2.5),
    ("neuron*", 2.0),
    ("chlorophyll*", 2.5),
    ("astronom*", 2.5),
    ("geolog*", 2.5),
    ("volcano*", 2.0),
    ("earthquake*", 2.0),
    ("physik", 2.5),
    ("physique", 1.5),
    ("física", 2.5),
    ("fisica", 2.5),
    ("natuurkunde", 2.5),
    ("chimie", 2.5),
    ("química", 2.5),
    ("chimica", 2.5),
    ("chemie", 2.5),
    ("dichte", 2.0),
    ("teoría", 1.0),
    ("théorie", 1.0),
    ("теори*", 1.0),
    ("квант*", 2.5),
    ("физик*", 2.5),
    ("хими*", 2.5),
    ("запутанност*", 2.0),
    ("النووي", 2.5),
    ("نووي", 2.5),
    ("فيزياء", 2.5),
    ("物理", 2.5),
    ("化学", 2.5),
    ("生物", 2.0),
    ("量子", 2.5),
    ("科学", 1.5),
    ("seasons", 0.5),
    ("earth", 1.0),
    ("sun", 0.75),
    ("solar", 1.0),
    ("tilt", 0.5),
    ("eclipse", 2.0),
    ("tides", 1.5),
    ("aurora*", 2.0),
    ("northern lights", 1.0),
    ("immune system", 1.0),
    ("boiling point", 2.0),
    ("evaporat*", 1.5),
    ("condens*", 1.5),
    ("states of matter", 2.5),
    ("mass", 0.5),
    ("newton*", 2.0),
    ("momentum", 1.5),
    ("friction", 2.0),
    ("magnet*", 1.5),
    ("electricity", 1.5),
    ("circuit*", 1.0),
    ("voltage", 1.5),
    ("thermodynamic*", 2.5),
    ("entropy", 2.0),
    ("temperature", 0.5),
    ("pressure", 0.5),
    ("respiration", 1.5),
    ("mitochondri*", 2.5),
    ("bacteria", 1.5),
    ("microb*", 2.0),
    ("organism*", 2.0),
    ("darwin", 2.0),
    ("fossil*", 2.0),
    ("dinosaur*", 1.0),
    ("extinct*", 1.5),
    ("mammal*", 1.5),
    ("leaves", 0.5),
    ("ocean", 0.75),
    ("oceans", 0.75),
    ("atmosphere", 1.5),
    ("ozone", 2.0),
    ("greenhouse effect", 2.5),
    ("carbon", 1.0),
    ("co2", 1.5),
    ("oxygen", 1.5),
    ("hydrogen", 1.5),
    ("helium", 1.5),
    ("isotope*", 2.5),
    ("radioactiv*", 2.0),
    ("speed of light", 2.5),
    ("light year", 2.0),
    ("light years", 2.0),
    ("telescope*", 2.0),
    ("nasa", 1.5),
    ("mars", 1.0),
    ("jupiter", 1.5),
    ("saturn", 1.5),
    ("stars", 1.0),
    ("cosmos", 2.0),
    ("big bang", 2.5),
    ("dark matter", 2.5),
    ("higgs", 2.5),
    ("particle*", 1.5),
    ("frequency", 0.75),
    ("rainbow*", 1.5),
    ("prism", 1.5),
    ("refraction", 2.5),
    ("lightning", 1.5),
    ("tectonic*", 2.5),
    ("magma", 2.5),
    ("mineral*", 1.0),
    ("erde", 1.0),
    ("sonne", 0.75),
    ("mond", 1.0),
    ("sterne", 1.0),
    ("soleil", 0.75),
    ("lune", 1.0),
    ("étoile*", 1.0),
    ("luna", 1.0),
    ("estrellas", 1.0),
    ("ciencia*", 1.0),
    ("wissenschaft*", 1.5),
    ("scienza", 1.0),
    ("ciência", 1.0),
    ("wetenschap*", 1.5),
    ("atome", 2.0),
    ("átomo*", 2.0),
    ("atomo", 2.0),
    ("célula*", 1.0),
    ("cellule*", 1.0),
    ("zelle*", 1.0),
    ("energía", 1.0),
    ("énergie", 1.0),
    ("energie", 1.0),
    ("gravedad", 2.5),
    ("schwerkraft", 2.5),
    ("évolution", 1.5),
    ("evolución", 1.5),
    ("地球", 1.5),
    ("太阳", 1.5),
    ("太陽", 1.5),
    ("宇宙", 2.0),
    ("原子", 2.0),
    ("进化", 2.0),
    ("细胞", 2.0),
    ("細胞", 2.0),
    ("земл*", 0.75),
    ("солнц*", 1.0),
    ("лун*", 1.0),
    ("звезд*", 1.0),
    ("атом*", 2.0),
    ("молекул*", 2.5),
    ("клетк*", 1.5),
    ("эволюц*", 2.0),
    ("гравитац*", 2.5),
    ("science fiction", -1.0),
    ("float", 0.5),
    ("water", 0.5),
    ("ice", 0.5),
    ("light", 0.5),
    ("color", 0.5),
    ("colors", 0.5),
    ("colour", 0.5),
    ("colours", 0.5),
    ("bees", 1.0),
    ("insect*", 1.5),
    ("animals", 0.75),
    ("plants", 1.0),
    ("birds", 0.75),
    ("human body", 1.0),
    ("brain", 1.0),
    ("sunset", 0.75),
    ("universo", 2.0),
    ("univers", 2.0),
    ("universum", 2.0),
    ("вселенн*", 2.0),
    ("regenboog", 1.5),
    ("arcoíris", 1.5),
    ("arc en ciel", 1.5),
    ("regenbogen", 1.5),
    ("arcobaleno", 1.5),
    ("cielo", 0.5),
    ("ciel", 0.5),
    ("himmel", 0.5),
    ("hemel", 0.5),
    ("небо", 0.5),
    ("марс*", 1.0),
    ("жидк*", 1.0),
    ("liquid", 1.0),
    ("solid", 0.5),
    ("cellular", 1.5),
    ("mrna", 2.0),
    ("physiology", 1.5),
    ("anatomy", 1.5),
    ("neuroscience", 2.5),
    ("psychology", 1.0),
];

const TRAVEL: Entries = &[
    ("travel*", 2.5),
    ("trip", 2.0),
    ("trips", 2.0),
    ("itinerar*", 3.0),
    ("flight", 2.0),
    ("flights", 2.0),
    ("fly", 1.0),
    ("flying", 1.0),
    ("hotel", 2.0),
    ("hotels", 2.0),
    ("hostel*", 2.0),
    ("airbnb", 2.0),
    ("visa", 2.0),
    ("passport*", 2.0),
    ("visit", 1.0),
    ("visiting", 1.0),
    ("tourist*", 2.0),
    ("tourism", 2.0),
    ("vacation*", 2.5),
    ("holiday", 1.0),
    ("holidays", 1.0),
    ("beach", 1.5),
    ("beaches", 1.5),
    ("airport*", 2.0),
    ("destination*", 2.0),
    ("backpack*", 2.0),
    ("sightseeing", 2.5),
    ("things to do", 1.5),
    ("must see", 1.5),
    ("places to visit", 1.0),
    ("neighborhood*", 1.0),
    ("neighbourhood*", 1.0),
    ("city center", 1.0),
    ("city centre", 1.0),
    ("train", 1.0),
    ("train station", 1.0),
    ("rent a car", 1.5),
    ("car rental", 1.5),
    ("road trip", 1.0),
    ("cruise", 2.0),
    ("luggage", 2.0),
    ("baggage", 2.0),
    ("layover", 2.5),
    ("jet lag", 2.5),
    ("museum*", 1.0),
    ("temples", 0.5),
    ("weekend", 0.5),
    ("days in", 1.0),
    ("nights in", 1.5),
    ("abroad", 1.5),
    ("voyage*", 2.5),
    ("vol", 1.0),
    ("hôtel", 2.0),
    ("visiter", 1.5),
    ("reise*", 2.5),
    ("*reise", 2.0),
    ("fliegen", 1.5),
    ("flug*", 2.0),
    ("*flug", 2.0),
    ("urlaub", 2.5),
    ("*urlaub", 2.0),
    ("besuchen", 1.5),
    ("sehenswürdigkeit*", 2.5),
    ("stadtviertel", 1.0),
    ("vuelo*", 2.0),
    ("visitar", 1.5),
    ("viaggi*", 2.5),
    ("volo", 2.0),
    ("cosa vedere", 2.0),
    ("visitare", 1.5),
    ("vacanz*", 2.5),
    ("vacances", 2.5),
    ("vacaciones", 2.5),
    ("férias", 2.5),
    ("viagem", 2.5),
    ("voo", 2.0),
    ("reis", 2.0),
    ("vlucht*", 2.0),
    ("vakantie", 2.5),
    ("bezoeken", 1.5),
    ("geannuleerd", 0.5),
    ("путешеств*", 2.5),
    ("поездк*", 2.0),
    ("отел*", 2.0),
    ("旅行", 2.5),
    ("新幹線", 2.0),
    ("観光", 2.5),
    ("ホテル", 2.0),
    ("旅游", 2.5),
    ("酒店", 2.0),
    ("机票", 2.5),
    ("航班", 2.5),
    ("where to stay", 1.5),
    ("stay", 0.75),
    ("pack", 1.0),
    ("packing", 1.5),
    ("hiking", 1.0),
    ("hike", 1.0),
    ("trek*", 1.5),
    ("camping", 1.0),
    ("trains", 1.0),
    ("ferry", 1.5),
    ("tour", 1.0),
    ("tours", 1.0),
    ("excursion*", 1.5),
    ("landmark*", 1.5),
    ("attractions", 2.0),
    ("must visit", 1.0),
    ("worth visiting", 1.5),
    ("route", 0.5),
    ("cities", 0.5),
    ("countries", 0.5),
    ("island", 1.0),
    ("islands", 1.0),
    ("resort*", 1.5),
    ("all inclusive", 2.0),
    ("booking", 1.0),
    ("reservation*", 0.75),
    ("check in", 0.75),
    ("carry on", 1.0),
    ("boarding", 1.5),
    ("jetlag", 2.5),
    ("customs", 1.0),
    ("entry requirements", 2.0),
    ("tipping", 1.5),
    ("street food", 1.0),
    ("nightlife", 2.0),
    ("honeymoon", 2.0),
    ("getaway", 2.0),
    ("accommodation*", 2.0),
    ("lodging", 2.0),
    ("guesthouse", 2.0),
    ("national park", 1.5),
    ("national parks", 1.5),
    ("mountains", 0.75),
    ("ski", 1.5),
    ("skiing", 1.5),
    ("snorkel*", 2.0),
    ("viaj*", 2.5),
    ("lugares", 0.75),
    ("hospedaje", 2.0),
    ("alojamiento", 2.0),
    ("hébergement", 2.0),
    ("unterkunft", 2.0),
    ("alloggio", 2.0),
    ("séjour", 1.5),
    ("soggiorno", 1.5),
    ("verblijf", 1.5),
    ("tourisme", 2.0),
    ("turismo", 2.0),
    ("tourismus", 2.0),
    ("gare", 1.0),
    ("aéroport", 2.0),
    ("flughafen", 2.0),
    ("aeropuerto", 2.0),
    ("aeroporto", 2.0),
    ("luchthaven", 2.0),
    ("bahnhof", 1.5),
    ("zug", 1.0),
    ("tren", 1.0),
    ("treno", 1.0),
    ("trein", 1.0),
    ("fahrkarte", 1.5),
    ("billete", 1.0),
    ("biglietto", 1.0),
    ("passeport", 2.0),
    ("reisepass", 2.0),
    ("pasaporte", 2.0),
    ("passaporto", 2.0),
    ("passaporte", 2.0),
    ("paspoort", 2.0),
    ("виза", 2.0),
    ("билет*", 1.0),
    ("гостиниц*", 2.0),
    ("签证", 2.5),
    ("ビザ", 2.5),
    ("飛行機", 2.0),
    ("空港", 2.0),
    ("机场", 2.0),
    ("景点", 2.5),
    ("民宿", 2.0),
    ("여행", 2.5),
    ("visitor*", 1.0),
    ("choses à faire", 1.5),
    ("qué hacer", 1.5),
    ("que hacer", 1.5),
    ("cosa fare", 1.5),
    ("sehenswert*", 2.0),
];

const COOKING: Entries = &[
    ("recipe*", 2.5),
    ("cook", 2.0),
    ("cooking", 2.0),
    ("cooked", 2.0),
    ("cooker", 1.5),
    ("bake", 2.0),
    ("baking", 2.0),
    ("baked", 1.5),
    ("oven", 2.0),
    ("ingredient*", 2.5),
    ("dinner", 1.5),
    ("lunch", 1.0),
    ("breakfast", 1.0),
    ("meal", 1.5),
    ("meals", 1.5),
    ("chicken", 1.5),
    ("beef", 1.5),
    ("pork", 1.5),
    ("sauce", 2.0),
    ("flour", 2.0),
    ("sugar", 1.0),
    ("butter", 1.5),
    ("olive oil", 1.5),
    ("egg", 1.5),
    ("eggs", 1.5),
    ("vegetarian", 1.5),
    ("vegan", 1.5),
    ("pasta", 1.5),
    ("rice", 1.0),
    ("bread", 1.5),
    ("dough", 2.5),
    ("cake", 2.0),
    ("dessert*", 2.0),
    ("boil*", 1.5),
    ("fry", 1.5),
    ("fried", 1.5),
    ("grill*", 1.5),
    ("roast*", 1.5),
    ("marinat*", 2.5),
    ("tablespoon*", 2.5),
    ("teaspoon*", 2.5),
    ("soup", 2.0),
    ("salad", 1.5),
    ("pizza", 1.5),
    ("cheese", 1.0),
    ("chocolate", 1.0),
    ("kitchen", 1.5),
    ("food", 1.0),
    ("dish", 1.0),
    ("serves", 1.0),
    ("servings", 2.0),
    ("spice*", 1.5),
    ("garlic", 1.5),
    ("onion*", 1.5),
    ("potato*", 1.5),
    ("yeast", 2.5),
    ("knead*", 2.5),
    ("simmer", 2.5),
    ("recette*", 2.5),
    ("cuisine*", 1.5),
    ("cuisiner", 2.0),
    ("pâte", 1.5),
    ("farine", 2.0),
    ("gâteau", 2.0),
    ("boulangerie", 1.5),
    ("receta*", 2.5),
    ("cocinar", 2.0),
    ("ricett*", 2.5),
    ("cucinare", 2.0),
    ("panna", 1.5),
    ("farina", 2.0),
    ("rezept*", 2.5),
    ("*rezept", 2.5),
    ("kochen", 2.0),
    ("backen", 2.0),
    ("zutat*", 2.5),
    ("sahne", 1.5),
    ("kartoffel*", 1.5),
    ("*kuchen", 2.0),
    ("*suppe", 2.0),
    ("receita*", 2.5),
    ("bolo", 2.0),
    ("cozinhar", 2.0),
    ("recept*", 2.5),
    ("koken", 2.0),
    ("saus", 1.5),
    ("*saus", 1.5),
    ("*soep", 2.0),
    ("рецепт*", 2.5),
    ("приготов*", 2.0),
    ("وصفة", 2.5),
    ("怎么做", 1.5),
    ("菜谱", 2.5),
    ("做法", 2.0),
    ("调料", 2.0),
    ("レシピ", 2.5),
    ("料理", 2.0),
    ("cookies", 2.0),
    ("cookie", 1.0),
    ("chewy", 1.5),
    ("crispy", 1.5),
    ("crunchy", 1.0),
    ("fluffy", 1.0),
    ("moist", 1.0),
    ("freeze", 0.75),
    ("thaw", 1.5),
    ("homemade", 1.5),
    ("leftovers", 1.5),
    ("reheat", 2.0),
    ("microwave", 1.5),
    ("air fryer", 2.5),
    ("slow cooker", 2.0),
    ("instant pot", 2.5),
    ("skillet", 2.0),
    ("cream", 1.0),
    ("milk", 1.0),
    ("stew", 2.0),
    ("curry", 2.0),
    ("noodles", 1.5),
    ("ramen", 1.5),
    ("sushi", 1.5),
    ("tacos", 1.5),
    ("burger", 1.0),
    ("burgers", 1.0),
    ("steak", 1.5),
    ("salmon", 1.0),
    ("shrimp", 1.0),
    ("tofu", 1.5),
    ("beans", 1.0),
    ("lentils", 1.5),
    ("vegetables", 1.0),
    ("veggies", 1.0),
    ("spinach", 1.0),
    ("turkey", 0.5),
    ("weeknight", 1.0),
    ("meal prep", 1.0),
    ("snack", 1.0),
    ("snacks", 1.0),
    ("appetizer*", 2.0),
    ("brunch", 1.5),
    ("pancake*", 2.0),
    ("waffle*", 2.0),
    ("muffin*", 2.0),
    ("cupcake*", 2.0),
    ("pie", 1.0),
    ("brownie*", 2.0),
    ("sourdough", 2.5),
    ("frosting", 2.0),
    ("icing", 1.5),
    ("batter", 2.0),
    ("whisk", 2.0),
    ("chop", 1.0),
    ("mince", 1.5),
    ("sauté", 2.5),
    ("saute", 2.5),
    ("braise*", 2.5),
    ("sear", 2.0),
    ("fridge", 1.5),
    ("refrigerat*", 1.0),
    ("shelf life", 1.0),
    ("taste", 1.0),
    ("tasty", 1.5),
    ("flavor*", 1.5),
    ("flavour*", 1.5),
    ("delicious", 1.5),
    ("salt", 1.0),
    ("pepper", 1.0),
    ("vinegar", 1.5),
    ("gluten", 1.5),
    ("dairy", 1.0),
    ("mayonnaise", 2.0),
    ("mayo", 1.5),
    ("dressing", 1.0),
    ("cocktail*", 1.5),
    ("smoothie*", 1.5),
    ("cuire", 2.0),
    ("cuisson", 2.0),
    ("poulet", 1.5),
    ("sucre", 1.0),
    ("beurre", 1.5),
    ("œufs", 1.5),
    ("oeufs", 1.5),
    ("lait", 1.0),
    ("crème", 1.0),
    ("ofen", 2.0),
    ("backofen", 2.0),
    ("garen", 2.0),
    ("*braten", 1.5),
    ("braten", 1.5),
    ("mehl", 2.0),
    ("zucker", 1.0),
    ("eier", 1.5),
    ("milch", 1.0),
    ("hähnchen", 1.5),
    ("fleisch", 1.0),
    ("gemüse", 1.0),
    ("nudeln", 1.5),
    ("horno", 2.0),
    ("hornear", 2.0),
    ("pollo", 1.5),
    ("azúcar", 1.0),
    ("harina", 2.0),
    ("huevos", 1.5),
    ("cebolla", 1.5),
    ("ajo", 1.5),
    ("salsa", 1.0),
    ("cocina", 1.0),
    ("forno", 2.0),
    ("cuocere", 2.0),
    ("cottura", 2.0),
    ("uova", 1.5),
    ("zucchero", 1.0),
    ("pomodor*", 1.5),
    ("sugo", 1.5),
    ("cucina", 1.0),
    ("cozinha", 1.0),
    ("assar", 2.0),
    ("frango", 1.5),
    ("ovos", 1.5),
    ("açúcar", 1.0),
    ("farinha", 2.0),
    ("bakken", 2.0),
    ("eieren", 1.5),
    ("suiker", 1.0),
    ("духовк*", 2.0),
    ("запек*", 2.0),
    ("блюд*", 1.5),
    ("куриц*", 1.5),
    ("суп", 2.0),
    ("торт*", 2.0),
    ("カレー", 2.0),
    ("作り方", 2.5),
    ("作る", 1.0),
    ("食谱", 2.5),
    ("蛋糕", 2.0),
    ("米饭", 1.5),
    ("roux", 2.0),
    ("macaron*", 2.0),
    ("croissant*", 1.5),
    ("bakery", 1.0),
    ("pastry", 2.0),
    ("pastries", 2.0),
    ("tortilla*", 1.5),
    ("patatas", 1.5),
    ("arroz", 1.5),
    ("riz", 1.0),
    ("riso", 1.0),
    ("ragù", 2.0),
    ("ragu", 2.0),
    ("bolognese", 1.5),
    ("carbonara", 1.5),
    ("risotto", 2.0),
    ("paella", 1.5),
    ("lasagn*", 1.5),
    ("omelet*", 2.0),
    ("empanada*", 2.0),
    ("guacamole", 2.0),
    ("hummus", 2.0),
    ("falafel", 2.0),
    ("dumpling*", 2.0),
    ("stir fry", 2.0),
    ("juicy", 1.0),
    ("spaghetti", 1.5),
    ("gnocchi", 2.0),
    ("pesto", 1.5),
    ("tiramisu", 2.0),
    ("gazpacho", 2.0),
    ("churros", 2.0),
    ("crêpe*", 2.0),
    ("crepe*", 2.0),
    ("baguette", 1.0),
    ("ratatouille", 2.0),
    ("soufflé", 2.0),
    ("fondue", 2.0),
    ("schnitzel", 2.0),
    ("strudel", 2.0),
    ("sauerkraut", 2.0),
    ("biryani", 2.0),
    ("naan", 2.0),
    ("tikka", 2.0),
    ("masala", 2.0),
    ("miso", 1.5),
    ("tempura", 2.0),
    ("teriyaki", 2.0),
    ("udon", 2.0),
    ("kimchi", 2.0),
    ("bibimbap", 2.0),
    ("pho", 2.0),
    ("pad thai", 2.0),
    ("burrito*", 2.0),
    ("enchilada*", 2.0),
    ("kebab*", 1.5),
    ("shawarma", 2.0),
    ("couscous", 2.0),
    ("tagine", 2.0),
    ("borscht", 2.0),
    ("pierogi", 2.0),
    ("goulash", 2.0),
    ("brisket", 2.0),
    ("bbq", 1.5),
    ("barbecue", 1.5),
    ("chili", 1.0),
    ("mac and cheese", 2.0),
    ("casserole", 2.0),
    ("meatball*", 2.0),
    ("寿司", 2.0),
    ("ラーメン", 2.0),
    ("饺子", 2.0),
    ("炒饭", 2.0),
    ("面条", 1.5),
    ("火锅", 2.0),
];

const TONE_LEXICON: &[(Tone, Entries)] = &[
    (Tone::Frustrated, FRUSTRATED),
    (Tone::Urgent, URGENT),
    (Tone::Formal, FORMAL),
    (Tone::Polite, POLITE),
    (Tone::Casual, CASUAL),
];

const FRUSTRATED: Entries = &[
    ("still not working", 2.0),
    ("still doesn't work", 2.0),
    ("still does not work", 2.0),
    ("still broken", 2.0),
    ("still not", 1.0),
    ("doesn't even", 1.0),
    ("not working", 0.5),
    ("doesn't work", 0.5),
    ("this is ridiculous", 1.0),
    ("ridiculous", 2.0),
    ("unacceptable", 2.0),
    ("fed up", 2.0),
    ("sick of", 2.0),
    ("sick and tired", 1.0),
    ("waste of time", 2.0),
    ("wasted", 1.5),
    ("useless", 2.0),
    ("terrible", 1.5),
    ("worst", 1.5),
    ("horrible", 1.5),
    ("awful", 1.5),
    ("annoy*", 1.5),
    ("frustrat*", 2.0),
    ("angry", 2.0),
    ("furious", 2.5),
    ("disappoint*", 1.5),
    ("wtf", 2.5),
    ("ugh", 1.5),
    ("argh", 1.5),
    ("again", 0.5),
    ("third time", 1.5),
    ("fourth time", 1.5),
    ("how many times", 2.0),
    ("asked twice", 1.5),
    ("asked you", 1.0),
    ("told you", 1.0),
    ("completely wrong", 1.5),
    ("wrong again", 2.0),
    ("nobody", 1.0),
    ("no one", 0.75),
    ("never works", 2.0),
    ("keeps", 0.5),
    ("seriously", 1.0),
    ("come on", 1.0),
    ("just answer", 1.5),
    ("just give me", 1.0),
    ("so hard", 0.5),
    ("your mistakes", 1.5),
    ("toujours pas", 1.5),
    ("j'en ai marre", 1.0),
    ("marre", 2.0),
    ("ridicule", 2.0),
    ("inadmissible", 2.0),
    ("personne ne répond", 1.5),
    ("lächerlich", 2.5),
    ("schon wieder", 1.5),
    ("unverschämt", 2.5),
    ("ärgerlich", 2.0),
    ("immer noch nicht", 1.0),
    ("ridículo", 2.0),
    ("harto", 2.0),
    ("inaceptable", 2.0),
    ("ridicolo", 2.0),
    ("assurdo", 1.5),
    ("belachelijk", 2.0),
    ("schandalig", 2.0),
    ("безобразие", 2.0),
    ("надоело", 2.0),
    ("unbelievable", 1.5),
    ("fifth time", 1.5),
    ("time i'm asking", 1.5),
    ("keep telling", 1.5),
    ("stop", 0.5),
    ("nothing else", 0.5),
    ("i give up", 1.5),
    ("pathetic", 2.0),
    ("garbage", 1.5),
    ("rubbish", 1.5),
    ("not what i asked", 1.5),
    ("that's not what i asked", 0.5),
    ("for god's sake", 2.0),
    ("fix it", 0.5),
    ("why can't you", 1.5),
    ("why won't", 1.0),
    ("no help", 1.0),
    ("dissatisfied", 2.0),
    ("fed up with", 0.5),
    ("enough", 0.5),
    ("done with this", 1.5),
    ("so done", 1.0),
    ("disaster", 1.5),
];

const URGENT: Entries = &[
    ("urgent*", 2.5),
    ("urgency", 2.5),
    ("asap", 2.5),
    ("as soon as possible", 2.0),
    ("immediately", 1.5),
    ("right now", 1.0),
    ("right away", 1.5),
    ("deadline", 1.5),
    ("emergency", 2.0),
    ("time sensitive", 2.5),
    ("end of day", 1.5),
    ("by end of day", 0.5),
    ("eod", 1.5),
    ("within the hour", 2.0),
    ("in an hour", 1.0),
    ("tonight", 0.5),
    ("today", 0.5),
    ("tomorrow", 0.5),
    ("hurry", 1.5),
    ("quickly", 0.75),
    ("critical", 1.0),
    ("blocker", 1.5),
    ("is down", 1.5),
    ("expires", 0.5),
    ("expired", 0.5),
    ("now", 0.5),
    ("urgente", 2.5),
    ("dringend*", 2.5),
    ("срочн*", 2.5),
    ("sofort", 1.5),
    ("immédiatement", 2.0),
    ("inmediatamente", 2.0),
    ("subito", 1.5),
    ("lo antes posible", 2.0),
    ("au plus vite", 2.0),
    ("so schnell wie möglich", 2.0),
    ("zo snel mogelijk", 2.0),
    ("il prima possibile", 2.0),
    ("o mais rápido possível", 2.0),
    ("hoy mismo", 1.5),
    ("bis heute", 1.0),
    ("en una hora", 1.0),
    ("dans une heure", 1.0),
    ("in einer stunde", 1.0),
    ("至急", 2.5),
    ("緊急", 2.5),
    ("紧急", 2.5),
    ("尽快", 2.0),
    ("急いで", 2.0),
    ("عاجل", 2.5),
    ("emergency fund", -2.0),
    ("emergency room", -0.5),
    ("pronto", 1.0),
    ("quick", 0.25),
    ("minutes", 0.25),
    ("in minutes", 1.0),
    ("before the deadline", 0.5),
    ("last minute", 1.0),
    ("at once", 1.0),
    ("due in", 1.0),
    ("due tomorrow", 1.0),
    ("due today", 1.0),
];

const FORMAL: Entries = &[
    ("dear", 1.5),
    ("regards", 2.0),
    ("sincerely", 2.0),
    ("yours faithfully", 1.0),
    ("faithfully", 1.5),
    ("respectfully", 2.0),
    ("hereby", 2.0),
    ("pursuant", 2.0),
    ("herein", 2.0),
    ("aforementioned", 2.0),
    ("whereas", 1.5),
    ("to whom it may concern", 3.0),
    ("i am writing to", 1.5),
    ("i would be grateful", 1.5),
    ("at your earliest convenience", 2.5),
    ("please find attached", 2.0),
    ("find attached", 1.5),
    ("kindly", 1.0),
    ("dear sir", 1.0),
    ("madam", 1.5),
    ("we would appreciate", 1.0),
    ("furthermore", 1.0),
    ("inquire", 1.0),
    ("enquire", 1.0),
    ("sehr geehrte", 3.0),
    ("sehr geehrter", 3.0),
    ("mit freundlichen grüßen", 3.0),
    ("hochachtungsvoll", 3.0),
    ("hiermit", 1.5),
    ("madame monsieur", 1.0),
    ("monsieur", 1.0),
    ("madame", 1.0),
    ("veuillez agréer", 3.0),
    ("salutations distinguées", 3.0),
    ("cordialement", 2.0),
    ("je me permets", 1.5),
    ("estimad*", 2.0),
    ("atentamente", 2.5),
    ("les escribo", 1.5),
    ("egregio", 2.5),
    ("gentile", 1.5),
    ("distinti saluti", 3.0),
    ("cordiali saluti", 2.5),
    ("prezad*", 2.0),
    ("atenciosamente", 2.5),
    ("geachte", 2.5),
    ("met vriendelijke groet", 2.5),
    ("уважаем*", 2.0),
    ("с уважением", 2.5),
    ("敬具", 2.5),
    ("拝啓", 2.5),
    ("此致", 2.5),
    ("尊敬的", 2.0),
];

const POLITE: Entries = &[
    ("please", 1.0),
    ("pls", 0.75),
    ("plz", 0.75),
    ("thank you", 1.5),
    ("thanks", 1.0),
    ("thx", 1.0),
    ("many thanks", 0.5),
    ("could you", 0.75),
    ("would you", 0.5),
    ("would you kindly", 1.0),
    ("kindly", 1.0),
    ("would you mind", 1.0),
    ("appreciate", 1.0),
    ("grateful", 1.0),
    ("sorry to bother", 1.5),
    ("if you don't mind", 1.0),
    ("in advance", 0.5),
    ("s'il vous plaît", 1.5),
    ("s'il te plaît", 1.5),
    ("svp", 1.0),
    ("stp", 1.0),
    ("merci", 1.25),
    ("pourriez", 1.0),
    ("auriez vous", 1.0),
    ("bitte", 1.0),
    ("danke", 1.25),
    ("könnten sie", 1.0),
    ("würden sie", 1.0),
    ("por favor", 1.5),
    ("gracias", 1.25),
    ("podría", 1.0),
    ("podrías", 1.0),
    ("per favore", 1.5),
    ("per piacere", 1.5),
    ("grazie", 1.25),
    ("potrebbe", 1.0),
    ("potresti", 1.0),
    ("obrigado", 1.25),
    ("obrigada", 1.25),
    ("poderia", 1.0),
    ("alstublieft", 1.5),
    ("alsjeblieft", 1.5),
    ("bedankt", 1.25),
    ("dank je", 1.25),
    ("dank u", 1.25),
    ("пожалуйста", 1.5),
    ("спасибо", 1.25),
    ("من فضلك", 1.5),
    ("شكرا", 1.25),
    ("ください", 1.5),
    ("いただけますか", 1.5),
    ("いただけませんか", 1.5),
    ("お願いします", 1.5),
    ("お願い致します", 1.5),
    ("请", 1.0),
    ("谢谢", 1.25),
    ("감사합니다", 1.25),
    ("주세요", 1.0),
];

const CASUAL: Entries = &[
    ("hey", 1.0),
    ("yo", 1.25),
    ("lol", 1.5),
    ("lmao", 1.5),
    ("rofl", 1.5),
    ("omg", 1.25),
    ("gonna", 1.25),
    ("wanna", 1.25),
    ("gotta", 1.25),
    ("kinda", 1.0),
    ("sorta", 1.0),
    ("btw", 1.0),
    ("idk", 1.25),
    ("imo", 1.0),
    ("tbh", 1.25),
    ("tho", 1.0),
    ("u", 0.75),
    ("ur", 0.75),
    ("ppl", 1.0),
    ("pls", 0.5),
    ("quick q", 1.0),
    ("dude", 1.25),
    ("bro", 1.25),
    ("haha", 1.25),
    ("hahaha", 1.25),
    ("what's up", 1.25),
    ("sup", 1.0),
    ("ok so", 0.75),
    ("nah", 1.0),
    ("yeah", 0.75),
    ("yep", 0.75),
    ("cool", 0.5),
    ("awesome", 0.5),
    ("slaps", 1.0),
    ("salut", 1.0),
    ("coucou", 1.5),
    ("mdr", 1.5),
    ("wie geht's", 1.0),
    ("wie gehts", 1.0),
    ("ciao", 0.5),
    ("hola", 0.5),
    ("jaja", 1.5),
    ("kkk", 1.5),
    ("ahah", 1.5),
    ("xd", 1.25),
    ("привет", 0.5),
    ("лол", 1.5),
];

const STOPWORDS: &[(Lang, Entries)] = &[
    (Lang::En, EN),
    (Lang::Fr, FR),
    (Lang::De, DE),
    (Lang::Es, ES),
    (Lang::It, IT),
    (Lang::Pt, PT),
    (Lang::Nl, NL),
    (Lang::Sv, SV),
    (Lang::Pl, PL),
    (Lang::Tr, TR),
];

const EN: Entries = &[
    ("the", 1.0),
    ("and", 0.75),
    ("is", 0.75),
    ("are", 1.0),
    ("was", 0.75),
    ("were", 1.0),
    ("of", 1.0),
    ("to", 0.75),
    ("in", 0.3),
    ("that", 1.0),
    ("it", 0.75),
    ("for", 0.75),
    ("with", 1.0),
    ("you", 1.0),
    ("this", 1.0),
    ("what", 1.0),
    ("how", 1.0),
    ("i", 0.5),
    ("my", 0.75),
    ("can", 0.75),
    ("have", 1.0),
    ("has", 0.75),
    ("be", 1.0),
    ("on", 0.75),
    ("not", 0.75),
    ("do", 0.5),
    ("does", 1.0),
    ("an", 0.5),
    ("a", 0.3),
    ("your", 1.0),
    ("me", 0.5),
    ("please", 0.75),
    ("would", 1.0),
    ("could", 1.0),
    ("should", 1.0),
    ("which", 1.0),
    ("there", 1.0),
    ("from", 1.0),
    ("about", 1.0),
    ("will", 1.0),
    ("why", 1.0),
    ("when", 1.0),
    ("where", 1.0),
    ("just", 0.75),
    ("but", 0.75),
    ("or", 0.75),
    ("if", 0.75),
    ("we", 0.5),
    ("they", 1.0),
    ("doesn", 1.0),
    ("didn", 1.0),
    ("isn", 1.0),
    ("don", 0.5),
    ("get", 0.75),
    ("need", 0.75),
    ("some", 1.0),
    ("any", 1.0),
    ("all", 0.5),
    ("more", 0.75),
    ("than", 1.0),
    ("into", 1.0),
    ("like", 0.75),
    ("these", 1.0),
    ("those", 1.0),
    ("who", 1.0),
    ("been", 1.0),
    ("our", 1.0),
    ("their", 1.0),
    ("them", 1.0),
    ("she", 0.75),
    ("his", 1.0),
    ("her", 0.75),
    ("at", 0.5),
    ("by", 0.75),
    ("as", 0.3),
    ("hello", 1.0),
    ("hi", 0.75),
    ("thanks", 0.75),
    ("thank", 1.0),
    ("give", 0.75),
    ("write", 0.75),
    ("explain", 0.75),
    ("make", 0.75),
    ("tell", 0.75),
    ("show", 0.75),
    ("help", 0.75),
    ("create", 0.75),
    ("find", 0.75),
    ("want", 0.75),
    ("know", 0.75),
    ("similar", 0.75),
    ("recommend", 0.75),
    ("keep", 0.75),
    ("getting", 0.75),
    ("even", 0.75),
    ("after", 0.75),
    ("before", 0.75),
    ("still", 0.75),
    ("also", 0.75),
    ("only", 0.75),
    ("very", 0.75),
    ("really", 0.75),
    ("much", 0.75),
    ("many", 0.75),
    ("other", 0.75),
    ("new", 0.5),
    ("first", 0.5),
    ("last", 0.5),
    ("way", 0.75),
    ("people", 0.75),
    ("out", 0.5),
    ("up", 0.5),
    ("then", 0.75),
    ("now", 0.5),
    ("here", 0.75),
    ("well", 0.5),
    ("because", 1.0),
    ("while", 0.75),
    ("each", 0.75),
    ("every", 0.75),
    ("same", 0.75),
    ("different", 0.75),
    ("free", 0.5),
    ("best", 0.5),
    ("better", 0.75),
    ("got", 0.75),
    ("going", 0.75),
    ("its", 0.75),
    ("him", 0.75),
    ("gonna", 0.5),
    ("wanna", 0.5),
    ("lol", 0.5),
    ("hey", 0.5),
    ("good", 0.5),
    ("around", 0.75),
    ("without", 0.75),
    ("something", 0.75),
    ("anything", 0.75),
    ("everything", 0.75),
    ("use", 0.75),
    ("example", 0.5),
    ("examples", 0.5),
    ("simple", 0.5),
    ("whats", 0.75),
    ("thats", 0.75),
    ("im", 0.5),
    ("dont", 0.75),
    ("cant", 0.75),
    ("wont", 0.5),
    ("doesnt", 0.75),
    ("isnt", 0.75),
    ("ive", 0.5),
    ("youre", 0.75),
];

const FR: Entries = &[
    ("le", 1.0),
    ("la", 0.5),
    ("les", 1.0),
    ("des", 0.75),
    ("est", 1.0),
    ("et", 1.0),
    ("un", 0.4),
    ("une", 1.0),
    ("du", 1.0),
    ("je", 1.0),
    ("vous", 1.0),
    ("nous", 1.0),
    ("pour", 1.0),
    ("pas", 1.0),
    ("que", 0.4),
    ("qui", 1.0),
    ("dans", 1.0),
    ("sur", 1.0),
    ("avec", 1.0),
    ("ce", 1.0),
    ("cette", 1.0),
    ("mon", 1.0),
    ("ma", 0.5),
    ("mes", 1.0),
    ("il", 0.4),
    ("elle", 1.0),
    ("elles", 1.0),
    ("sont", 1.0),
    ("au", 1.0),
    ("aux", 1.0),
    ("ne", 0.5),
    ("plus", 0.5),
    ("mais", 0.75),
    ("ou", 0.5),
    ("comment", 1.0),
    ("pourquoi", 1.5),
    ("être", 1.0),
    ("avoir", 1.0),
    ("très", 1.0),
    ("merci", 1.0),
    ("bonjour", 1.5),
    ("votre", 1.0),
    ("vos", 1.0),
    ("plaît", 1.5),
    ("aussi", 1.0),
    ("faire", 1.0),
    ("peux", 1.0),
    ("peut", 1.0),
    ("puis", 1.0),
    ("quel", 1.0),
    ("quelle", 1.0),
    ("quels", 1.0),
    ("quelles", 1.0),
    ("leur", 1.0),
    ("ça", 1.0),
    ("qu", 1.0),
    ("j", 1.0),
    ("c", 0.5),
    ("l", 0.5),
    ("n", 0.5),
    ("se", 0.3),
    ("en", 0.3),
    ("de", 0.3),
    ("à", 0.75),
    ("où", 1.0),
    ("dont", 1.0),
    ("cela", 1.0),
    ("chez", 1.0),
    ("sans", 1.0),
    ("toujours", 1.0),
    ("déjà", 1.0),
    ("ai", 0.75),
    ("fait", 1.0),
    ("quand", 1.5),
    ("maintenant", 1.5),
    ("ici", 1.0),
    ("bien", 0.5),
    ("tout", 1.0),
    ("tous", 1.0),
    ("rien", 1.0),
    ("notre", 1.0),
    ("nos", 1.0),
    ("leurs", 1.0),
    ("ils", 1.0),
    ("suis", 1.0),
    ("avez", 1.0),
    ("avons", 1.0),
    ("doit", 1.0),
    ("dois", 1.0),
    ("veux", 1.0),
    ("voudrais", 1.5),
    ("entre", 0.3),
    ("depuis", 1.0),
    ("après", 1.0),
    ("avant", 1.0),
];

const DE: Entries = &[
    ("der", 1.0),
    ("die", 0.75),
    ("das", 1.0),
    ("und", 1.0),
    ("ist", 1.0),
    ("nicht", 1.0),
    ("ich", 1.0),
    ("sie", 1.0),
    ("es", 0.3),
    ("ein", 1.0),
    ("eine", 1.0),
    ("zu", 1.0),
    ("den", 1.0),
    ("mit", 1.0),
    ("von", 1.0),
    ("auf", 1.0),
    ("für", 1.0),
    ("sich", 1.0),
    ("dem", 1.0),
    ("auch", 1.0),
    ("wie", 1.0),
    ("wir", 1.0),
    ("bitte", 1.0),
    ("kann", 1.0),
    ("können", 1.0),
    ("mein", 1.0),
    ("meine", 1.0),
    ("meinen", 1.0),
    ("was", 0.5),
    ("warum", 1.5),
    ("haben", 1.0),
    ("hat", 1.0),
    ("wird", 1.0),
    ("werden", 1.0),
    ("sind", 1.0),
    ("oder", 1.0),
    ("aber", 1.0),
    ("noch", 1.0),
    ("nur", 1.0),
    ("bei", 1.0),
    ("einen", 1.0),
    ("einem", 1.0),
    ("einer", 1.0),
    ("danke", 1.0),
    ("über", 1.0),
    ("diese", 1.0),
    ("dieser", 1.0),
    ("dieses", 1.0),
    ("mir", 1.0),
    ("mich", 1.0),
    ("ihr", 1.0),
    ("ihnen", 1.0),
    ("schon", 1.0),
    ("wurde", 1.0),
    ("kein", 1.0),
    ("keine", 1.0),
    ("im", 0.5),
    ("um", 0.3),
    ("nach", 1.0),
    ("dass", 1.0),
    ("wenn", 1.0),
    ("welche", 1.0),
    ("sehr", 1.0),
    ("gibt", 1.0),
    ("du", 0.4),
    ("dir", 1.0),
    ("dich", 1.0),
    ("kannst", 1.0),
    ("doch", 1.0),
    ("heute", 1.0),
    ("wieder", 1.0),
    ("immer", 1.0),
    ("hallo", 1.0),
    ("sollten", 1.0),
    ("bis", 0.5),
    ("ins", 0.75),
    ("wer", 1.0),
    ("wo", 1.0),
    ("wann", 1.5),
    ("jetzt", 1.5),
    ("hier", 0.5),
    ("gut", 0.75),
    ("viel", 1.0),
    ("etwas", 1.0),
    ("alle", 0.75),
    ("zum", 1.0),
    ("zur", 1.0),
    ("vom", 1.0),
    ("beim", 1.0),
    ("unser", 1.0),
    ("unsere", 1.0),
    ("euch", 1.0),
    ("muss", 1.0),
    ("soll", 1.0),
    ("möchte", 1.5),
    ("habe", 1.0),
    ("bin", 0.75),
    ("wurden", 1.0),
    ("gegen", 1.0),
    ("ohne", 1.0),
];

const ES: Entries = &[
    ("el", 1.0),
    ("los", 1.0),
    ("las", 1.0),
    ("la", 0.4),
    ("y", 0.5),
    ("es", 0.5),
    ("un", 0.3),
    ("una", 0.5),
    ("que", 0.4),
    ("de", 0.3),
    ("en", 0.3),
    ("por", 0.5),
    ("para", 0.4),
    ("con", 0.5),
    ("no", 0.3),
    ("se", 0.3),
    ("lo", 0.5),
    ("del", 0.5),
    ("al", 0.5),
    ("como", 0.3),
    ("más", 1.0),
    ("pero", 1.0),
    ("su", 0.75),
    ("sus", 1.0),
    ("mi", 0.4),
    ("me", 0.3),
    ("este", 0.4),
    ("esta", 0.4),
    ("esto", 0.75),
    ("está", 0.5),
    ("estoy", 1.0),
    ("son", 0.5),
    ("hay", 1.0),
    ("muy", 1.0),
    ("también", 1.5),
    ("cómo", 1.5),
    ("qué", 1.5),
    ("cuál", 1.5),
    ("cuánto", 1.5),
    ("puedes", 1.0),
    ("puedo", 1.5),
    ("gracias", 1.0),
    ("hola", 1.0),
    ("yo", 0.5),
    ("tengo", 1.5),
    ("necesito", 1.5),
    ("sobre", 0.5),
    ("cuando", 1.0),
    ("porque", 0.5),
    ("ayudas", 1.0),
    ("mismo", 1.0),
    ("cuéntame", 1.5),
    ("dime", 1.5),
    ("dame", 1.5),
    ("explícame", 1.5),
    ("escribe", 1.0),
    ("quiero", 1.5),
    ("mis", 1.0),
    ("vamos", 1.0),
    ("mañana", 1.0),
    ("hoy", 1.0),
    ("ayer", 1.0),
    ("dónde", 1.5),
    ("quién", 1.5),
    ("ella", 1.0),
    ("ellos", 1.0),
    ("nosotros", 1.5),
    ("usted", 1.5),
    ("tiene", 1.0),
    ("hacer", 1.0),
    ("algo", 1.0),
    ("bien", 0.5),
    ("todo", 0.75),
    ("todos", 0.75),
    ("desde", 1.0),
    ("hasta", 1.0),
    ("ahora", 1.0),
    ("siempre", 0.5),
];

const IT: Entries = &[
    ("il", 0.5),
    ("lo", 0.4),
    ("la", 0.4),
    ("gli", 1.5),
    ("le", 0.3),
    ("di", 1.0),
    ("e", 0.3),
    ("è", 1.0),
    ("che", 1.5),
    ("chi", 1.5),
    ("un", 0.3),
    ("una", 0.4),
    ("per", 1.0),
    ("non", 0.5),
    ("con", 0.5),
    ("sono", 1.5),
    ("mi", 0.4),
    ("ti", 0.5),
    ("ci", 1.0),
    ("si", 0.5),
    ("del", 0.4),
    ("della", 1.5),
    ("dei", 1.0),
    ("delle", 1.5),
    ("nel", 1.0),
    ("nella", 1.5),
    ("questo", 1.5),
    ("questa", 1.5),
    ("come", 0.3),
    ("ma", 0.5),
    ("anche", 1.5),
    ("più", 1.5),
    ("perché", 1.5),
    ("posso", 1.0),
    ("puoi", 1.5),
    ("grazie", 1.0),
    ("ciao", 1.0),
    ("voglio", 1.5),
    ("vorrei", 1.5),
    ("cosa", 1.0),
    ("mio", 1.0),
    ("mia", 1.0),
    ("ho", 1.0),
    ("hai", 1.0),
    ("ha", 0.5),
    ("essere", 1.5),
    ("sul", 1.0),
    ("alla", 1.0),
    ("da", 0.3),
    ("dal", 1.0),
    ("quali", 1.5),
    ("quale", 1.5),
    ("molto", 1.0),
    ("senza", 1.5),
    ("dopo", 1.0),
    ("fare", 1.0),
    ("vedere", 1.0),
    ("in", 0.3),
    ("dove", 1.5),
    ("quando", 0.5),
    ("adesso", 1.5),
    ("oggi", 1.5),
    ("ieri", 1.5),
    ("domani", 1.5),
    ("tutto", 1.0),
    ("tutti", 1.0),
    ("nostro", 1.0),
    ("loro", 1.0),
    ("lei", 0.5),
    ("lui", 1.0),
    ("siamo", 1.5),
    ("abbiamo", 1.5),
    ("devo", 1.0),
    ("deve", 1.0),
    ("fa", 0.5),
    ("qualcosa", 1.0),
    ("sempre", 0.5),
    ("ancora", 1.5),
];

const PT: Entries = &[
    ("o", 0.75),
    ("os", 1.0),
    ("a", 0.3),
    ("as", 0.3),
    ("e", 0.4),
    ("é", 1.5),
    ("um", 1.0),
    ("uma", 1.0),
    ("do", 0.4),
    ("da", 0.5),
    ("dos", 1.0),
    ("das", 0.3),
    ("em", 1.0),
    ("no", 0.3),
    ("na", 0.5),
    ("nos", 0.5),
    ("nas", 1.0),
    ("que", 0.4),
    ("não", 1.5),
    ("com", 1.0),
    ("para", 0.4),
    ("por", 0.4),
    ("se", 0.3),
    ("mais", 0.3),
    ("mas", 1.0),
    ("como", 0.4),
    ("você", 1.5),
    ("vocês", 1.5),
    ("eu", 1.0),
    ("meu", 1.0),
    ("minha", 1.0),
    ("está", 0.4),
    ("são", 1.0),
    ("isso", 1.5),
    ("isto", 1.0),
    ("este", 0.4),
    ("esta", 0.4),
    ("ao", 1.0),
    ("pelo", 1.0),
    ("pela", 1.0),
    ("obrigado", 1.0),
    ("obrigada", 1.0),
    ("olá", 1.0),
    ("muito", 1.0),
    ("também", 1.5),
    ("qual", 1.0),
    ("quais", 1.0),
    ("fazer", 1.0),
    ("posso", 0.5),
    ("pode", 1.0),
    ("podem", 1.0),
    ("ou", 0.5),
    ("foi", 1.5),
    ("fui", 1.5),
    ("tem", 1.0),
    ("ter", 1.0),
    ("sobre", 0.3),
    ("de", 0.3),
    ("quem", 1.5),
    ("ele", 1.0),
    ("ela", 1.0),
    ("eles", 1.0),
    ("nós", 1.0),
    ("onde", 1.0),
    ("hoje", 1.5),
    ("ontem", 1.5),
    ("amanhã", 1.5),
    ("preciso", 1.0),
    ("ainda", 1.5),
    ("já", 1.0),
    ("agora", 1.0),
    ("então", 1.5),
    ("sempre", 0.5),
    ("até", 1.0),
    ("depois", 1.5),
    ("tudo", 1.0),
    ("coisa", 1.0),
];

const NL: Entries = &[
    ("de", 0.3),
    ("het", 1.5),
    ("een", 1.5),
    ("en", 0.3),
    ("van", 1.0),
    ("is", 0.3),
    ("dat", 1.0),
    ("die", 0.4),
    ("niet", 1.5),
    ("ik", 1.5),
    ("je", 0.5),
    ("jij", 1.5),
    ("u", 0.3),
    ("zijn", 1.5),
    ("op", 1.0),
    ("te", 0.5),
    ("met", 1.0),
    ("voor", 1.5),
    ("er", 0.5),
    ("maar", 1.5),
    ("om", 1.0),
    ("ook", 1.5),
    ("als", 0.75),
    ("dan", 0.75),
    ("wat", 1.5),
    ("hoe", 1.5),
    ("waarom", 1.5),
    ("kan", 0.5),
    ("kun", 1.5),
    ("kunt", 1.5),
    ("kunnen", 1.5),
    ("jullie", 1.5),
    ("mijn", 1.5),
    ("wij", 1.5),
    ("we", 0.3),
    ("heb", 1.5),
    ("heeft", 1.5),
    ("bij", 1.5),
    ("naar", 1.5),
    ("uit", 1.0),
    ("deze", 1.5),
    ("dit", 1.5),
    ("worden", 0.5),
    ("wordt", 1.5),
    ("alstublieft", 1.5),
    ("bedankt", 1.5),
    ("dank", 0.5),
    ("geen", 1.5),
    ("moet", 1.5),
    ("welke", 0.5),
    ("goed", 1.0),
    ("zelf", 1.0),
    ("maak", 1.0),
    ("nog", 0.5),
    ("veel", 1.0),
    ("weet", 1.0),
    ("wie", 0.3),
    ("over", 0.3),
    ("al", 0.2),
    ("waar", 1.5),
    ("wanneer", 1.5),
    ("nu", 1.0),
    ("hier", 0.5),
    ("alles", 0.5),
    ("iets", 1.5),
    ("ons", 1.0),
    ("onze", 1.5),
    ("hun", 1.0),
    ("zij", 1.0),
    ("hij", 1.5),
    ("zal", 1.0),
    ("wil", 1.0),
    ("zou", 1.5),
    ("graag", 1.5),
    ("morgen", 0.75),
    ("vandaag", 1.5),
    ("gisteren", 1.5),
];

const SV: Entries = &[
    ("och", 1.5),
    ("att", 1.5),
    ("det", 1.0),
    ("som", 1.0),
    ("är", 1.5),
    ("jag", 1.5),
    ("inte", 1.5),
    ("med", 1.0),
    ("på", 1.5),
    ("av", 1.0),
    ("till", 1.0),
    ("har", 0.5),
    ("vad", 1.5),
    ("hur", 1.5),
    ("varför", 1.5),
    ("vi", 1.0),
    ("ett", 1.5),
    ("eller", 1.5),
    ("men", 1.0),
    ("kan", 0.3),
    ("den", 0.3),
];

const PL: Entries = &[
    ("w", 1.0),
    ("się", 2.0),
    ("nie", 1.5),
    ("jest", 1.5),
    ("że", 2.0),
    ("jak", 1.0),
    ("co", 0.5),
    ("czy", 2.0),
    ("jestem", 1.5),
    ("mam", 1.0),
    ("ale", 1.0),
    ("dla", 1.5),
    ("od", 1.0),
    ("proszę", 1.5),
    ("dziękuję", 1.5),
    ("jaki", 1.5),
    ("jakie", 1.5),
    ("można", 1.5),
    ("i", 0.2),
    ("z", 0.5),
    ("na", 0.3),
    ("kto", 1.5),
    ("gdzie", 1.5),
    ("dlaczego", 2.0),
    ("który", 1.5),
    ("która", 1.5),
    ("które", 1.5),
    ("mój", 1.5),
    ("twój", 1.5),
    ("bardzo", 1.5),
    ("tylko", 1.5),
    ("już", 1.5),
    ("być", 1.5),
    ("mieć", 1.5),
];

const TR: Entries = &[
    ("bir", 1.5),
    ("ve", 1.5),
    ("bu", 1.5),
    ("için", 2.0),
    ("ile", 1.5),
    ("nasıl", 2.0),
    ("değil", 2.0),
    ("çok", 1.5),
    ("daha", 1.5),
    ("ben", 0.5),
    ("lütfen", 2.0),
    ("teşekkür", 2.0),
    ("olarak", 2.0),
    ("gibi", 1.5),
    ("ama", 1.0),
    ("var", 0.5),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::log::{LogError, LogUsage};

    fn record() -> LogRecord {
        LogRecord {
            latency_ms: 250.0,
            ..LogRecord::default()
        }
    }

    #[test]
    fn latency_buckets() {
        assert_eq!(latency_bucket(0.0), "lt_1s");
        assert_eq!(latency_bucket(999.9), "lt_1s");
        assert_eq!(latency_bucket(1_000.0), "1_5s");
        assert_eq!(latency_bucket(4_999.0), "1_5s");
        assert_eq!(latency_bucket(5_000.0), "5_30s");
        assert_eq!(latency_bucket(29_999.0), "5_30s");
        assert_eq!(latency_bucket(30_000.0), "gt_30s");
        assert_eq!(latency_bucket(f64::NAN), "lt_1s");
    }

    #[test]
    fn token_buckets() {
        assert_eq!(tokens_bucket(0), "lt_1k");
        assert_eq!(tokens_bucket(999), "lt_1k");
        assert_eq!(tokens_bucket(1_000), "1k_10k");
        assert_eq!(tokens_bucket(9_999), "1k_10k");
        assert_eq!(tokens_bucket(10_000), "10k_100k");
        assert_eq!(tokens_bucket(100_000), "gt_100k");
    }

    #[test]
    fn cost_buckets() {
        assert_eq!(cost_bucket(None), "unknown");
        assert_eq!(cost_bucket(Some(f64::NAN)), "unknown");
        assert_eq!(cost_bucket(Some(-1.0)), "unknown");
        assert_eq!(cost_bucket(Some(0.0)), "lt_0_001");
        assert_eq!(cost_bucket(Some(0.000_999)), "lt_0_001");
        assert_eq!(cost_bucket(Some(0.001)), "0_001_0_01");
        assert_eq!(cost_bucket(Some(0.01)), "0_01_0_1");
        assert_eq!(cost_bucket(Some(0.1)), "gt_0_1");
        assert_eq!(cost_bucket(Some(12.0)), "gt_0_1");
    }

    #[test]
    fn names_round_trip() {
        for t in Topic::ALL {
            assert_eq!(Topic::from_name(t.as_str()), Some(t));
        }
        for t in Tone::ALL {
            assert_eq!(Tone::from_name(t.as_str()), Some(t));
        }
        assert_eq!(Topic::DataAnalysis.to_string(), "data_analysis");
        assert_eq!(Topic::from_name("nope"), None);
    }

    #[test]
    fn the_full_vocabulary_in_order() {
        let req = ChatRequest::new("m")
            .system("You are a support agent for an online shop.")
            .user("I was charged twice for my order AGAIN, this is ridiculous. I want a refund ASAP!!!")
            .assistant("Sorry about that.")
            .message(Message::tool("call_1", "refund issued to card 4242"));
        let rec = LogRecord {
            stream: true,
            structured: true,
            tools_offered: vec!["lookup_order".into(), "refund".into()],
            tools_called: vec![
                "lookup_order".into(),
                "refund".into(),
                "lookup_order".into(),
            ],
            finish_reason: Some("tool_calls".into()),
            outcome: Outcome::Error,
            error: Some(LogError {
                class: "timeout".into(),
                status: None,
                message: "read timed out".into(),
            }),
            latency_ms: 31_000.0,
            usage: Some(LogUsage {
                total_tokens: 12_345,
                ..LogUsage::default()
            }),
            cost_usd: Some(0.0042),
            ..LogRecord::default()
        };
        assert_eq!(
            BuiltinTagger.tags(&req, &rec),
            [
                "stream",
                "structured",
                "tools_offered:2",
                "tool_called:lookup_order",
                "tool_called:refund",
                "finish:tool_calls",
                "error:timeout",
                "latency:gt_30s",
                "tokens:10k_100k",
                "cost:0_001_0_01",
                "lang:en",
                "topic:customer_support",
                "tone:frustrated",
            ]
        );
    }

    #[test]
    fn minimal_tags_without_user_text() {
        let req = ChatRequest::new("m").system("Be terse.");
        assert_eq!(
            BuiltinTagger.tags(&req, &record()),
            ["non_stream", "latency:lt_1s", "cost:unknown"]
        );
    }

    #[test]
    fn an_error_without_class_and_odd_names() {
        let rec = LogRecord {
            outcome: Outcome::Error,
            tools_called: vec!["my tool\n".into(), "x".repeat(100)],
            ..record()
        };
        let tags = BuiltinTagger.tags(&ChatRequest::new("m"), &rec);
        assert!(tags.contains(&"error:unknown".to_owned()));
        assert!(tags.contains(&"tool_called:my_tool".to_owned()));
        assert!(tags.contains(&format!("tool_called:{}", "x".repeat(64))));
        let dropped = LogRecord {
            outcome: Outcome::Dropped,
            ..record()
        };
        let tags = BuiltinTagger.tags(&ChatRequest::new("m"), &dropped);
        assert!(!tags.iter().any(|t| t.starts_with("error:")));
    }

    #[test]
    fn tool_called_tags_are_capped() {
        let rec = LogRecord {
            tools_called: (0..20).map(|i| format!("t{i}")).collect(),
            ..record()
        };
        let tags = BuiltinTagger.tags(&ChatRequest::new("m"), &rec);
        let n = tags
            .iter()
            .filter(|t| t.starts_with("tool_called:"))
            .count();
        assert_eq!(n, MAX_TOOL_TAGS);
    }

    #[test]
    fn the_last_user_message_weighs_most_and_tool_results_are_ignored() {
        let req = ChatRequest::new("m")
            .user("Give me a recipe for pancakes.")
            .assistant("Here it is…")
            .user("Now write a Python function that doubles every number in a list.")
            .message(Message::tool(
                "c1",
                "recipe recipe oven flour baking ingredients dinner",
            ));
        let labels = classify_request(&req);
        assert_eq!(labels.topic, Some(Topic::Coding));
        assert_eq!(labels.language, Some("en"));
    }

    #[test]
    fn the_system_prompt_helps_only_the_topic() {
        let req = ChatRequest::new("m")
            .system("You are the customer support assistant of a web shop. Help with refunds and orders.")
            .user("It hasn't arrived yet");
        let labels = classify_request(&req);
        assert_eq!(labels.topic, Some(Topic::CustomerSupport));
        assert_eq!(labels.tone, Some(Tone::Neutral));
        let alone = ChatRequest::new("m").user("It hasn't arrived yet");
        assert_eq!(classify_request(&alone).topic, None);
        let formal_system = ChatRequest::new("m")
            .system("Dear assistant, kindly answer pursuant to the rules. Regards.")
            .user("What is the capital of France?");
        assert_eq!(classify_request(&formal_system).tone, Some(Tone::Neutral));
    }

    #[test]
    fn a_bare_prompt_counts_as_user_text() {
        let req = ChatRequest {
            prompt: Some("Solve 2x + 3 = 11".into()),
            ..ChatRequest::default()
        };
        assert_eq!(classify_request(&req).topic, Some(Topic::Math));
    }

    #[test]
    fn topics() {
        let cases = [
            (
                "Why does this Rust code not compile? `let x: u32 = -1;`",
                Some(Topic::Coding),
            ),
            ("Solve for x: 2x^2 - 8 = 0", Some(Topic::Math)),
            (
                "Translate 'good morning' into Italian",
                Some(Topic::Translation),
            ),
            ("Write a haiku about autumn leaves", Some(Topic::Writing)),
            (
                "How long should I boil an egg for a runny yolk?",
                Some(Topic::Cooking),
            ),
            (
                "Plan a 3-day trip to Rome with a museum each day",
                Some(Topic::Travel),
            ),
            ("Is C++ faster than C# for games?", Some(Topic::Coding)),
            ("What does 'c'est la vie' mean?", None),
            ("What is the weather like?", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(classify_topic(text), want, "{text}");
        }
    }

    #[test]
    fn tone_precedence() {
        assert_eq!(
            classify_tone("hey, could you please help me? lol"),
            Tone::Polite
        );
        assert_eq!(classify_tone("Please, I need this ASAP"), Tone::Urgent);
        assert_eq!(
            classify_tone("This is STILL NOT WORKING!!! I need it ASAP"),
            Tone::Frustrated
        );
        assert_eq!(
            classify_tone("Dear Ms. Smith, please find attached the report. Kind regards"),
            Tone::Formal
        );
        assert_eq!(classify_tone("gonna try that btw 😀"), Tone::Casual);
        assert_eq!(
            classify_tone("Summarize the following article."),
            Tone::Neutral
        );
        assert_eq!(
            classify_tone("SELECT name FROM users WHERE id = 1"),
            Tone::Neutral
        );
    }

    #[test]
    fn languages() {
        let cases = [
            ("How do I sort a list in Python?", Some("en")),
            ("Comment puis-je trier une liste en Python ?", Some("fr")),
            ("Wie kann ich eine Liste in Python sortieren?", Some("de")),
            ("¿Cómo ordeno una lista en Python?", Some("es")),
            ("Come posso ordinare una lista in Python?", Some("it")),
            ("Como eu ordeno uma lista em Python? Não sei.", Some("pt")),
            ("Hoe sorteer ik een lijst in Python?", Some("nl")),
            ("如何在 Python 中对列表进行排序？", Some("zh")),
            ("Pythonでリストを並べ替えるには？", Some("ja")),
            ("파이썬에서 리스트를 정렬하는 방법은?", Some("ko")),
            ("Как отсортировать список в Python?", Some("ru")),
            ("Як відсортувати список у Python?", Some("uk")),
            ("كيف أرتب قائمة في بايثون؟", Some("ar")),
            ("पायथन में सूची कैसे क्रमबद्ध करें?", Some("hi")),
            ("Πώς ταξινομώ μια λίστα;", Some("el")),
            ("ok", None),
            ("", None),
            ("fn main() {}", None),
        ];
        for (text, want) in cases {
            assert_eq!(detect_language(text), want, "{text}");
        }
    }

    #[test]
    fn long_texts_are_read_head_and_tail() {
        let filler = "the quick brown fox jumps over the lazy dog ".repeat(500);
        let text = format!("Please help, {filler} my recipe needs more flour? é");
        assert!(text.len() > MAX_ANALYZED_BYTES);
        assert_eq!(classify_topic(&text), Some(Topic::Cooking));
        // Cutting inside a multi-byte character must not panic.
        let wide = "é".repeat(10_000);
        let _ = classify_topic(&wide);
    }

    #[test]
    fn repeated_keywords_are_discounted() {
        let once = analyze("recipe").topic[Topic::Cooking.index()];
        let many = analyze("recipe recipe recipe recipe recipe").topic[Topic::Cooking.index()];
        assert!(many < once * 3.0, "{once} {many}");
    }

    #[test]
    fn the_lexicon_is_well_formed() {
        let lex = lexicon();
        assert!(lex.effects.len() > 1_000);
        let mut seen = std::collections::HashSet::new();
        let mut check = |key: &str, class: String| {
            assert_eq!(key, key.to_lowercase(), "keys are lower-case: {key}");
            assert!(!key.trim().is_empty());
            if let Some(stem) = key.strip_suffix('*') {
                assert!(
                    stem.chars().count() >= AFFIX_KEY_CHARS,
                    "stem too short: {key}"
                );
            }
            if let Some(head) = key.strip_prefix('*') {
                assert!(head.chars().count() >= 4, "head too short: {key}");
            }
            assert!(
                seen.insert((key.to_owned(), class.clone())),
                "duplicate {key} in {class}"
            );
        };
        for (topic, list) in TOPIC_LEXICON {
            for (key, w) in *list {
                assert!(*w != 0.0 && w.is_finite());
                check(key, format!("{topic:?}"));
            }
        }
        for (tone, list) in TONE_LEXICON {
            for (key, _) in *list {
                check(key, format!("{tone:?}"));
            }
        }
        for (lang, list) in STOPWORDS {
            for (key, _) in *list {
                check(key, format!("{lang:?}"));
            }
        }
    }

    #[test]
    fn the_tagger_is_object_safe() {
        let taggers: Vec<Box<dyn Tagger>> = vec![Box::new(BuiltinTagger)];
        let req = ChatRequest::new("m").user("Thank you so much for the help!");
        let rec = record();
        let tags = futures::executor::block_on(taggers[0].tag(&req, &rec));
        assert_eq!(taggers[0].name(), "builtin");
        assert!(tags.contains(&"tone:polite".to_owned()));
    }

    mod llm {
        use super::*;
        use crate::router::Router;
        use crate::router::providers::mock::{Mock, MockReply};

        fn tagger(mock: &Mock) -> LlmTagger {
            let router = Router::builder()
                .provider(mock.clone())
                .build()
                .expect("router");
            LlmTagger::new(Client::local(router), "mock/mock-1").sample_rate(1.0)
        }

        fn request() -> ChatRequest {
            ChatRequest::new("x").user("My package never arrived, where is it?")
        }

        #[tokio::test]
        async fn labels_a_sampled_request() {
            let mock = Mock::new("mock").reply(MockReply::json(serde_json::json!({
                "topic": "customer_support",
                "tone": "Neutral",
            })));
            let t = tagger(&mock);
            let tags = t.tag(&request(), &record()).await;
            assert_eq!(tags, ["llm_topic:customer_support", "llm_tone:neutral"]);
            let sent = mock.last_request().expect("a request");
            let text = serde_json::to_string(&sent.chat).expect("json");
            assert!(text.contains("My package never arrived"));
            assert_eq!(t.in_flight.load(Ordering::Acquire), 0);
        }

        #[tokio::test]
        async fn failures_and_answers_off_the_list_give_no_tags() {
            let mock = Mock::new("mock").reply(MockReply::error(500, "boom"));
            assert!(tagger(&mock).tag(&request(), &record()).await.is_empty());
            let mock = Mock::new("mock").reply(MockReply::json(serde_json::json!({
                "topic": "astrology",
                "tone": "sarcastic",
            })));
            assert!(tagger(&mock).tag(&request(), &record()).await.is_empty());
            let mock = Mock::new("mock").text("not json at all");
            assert!(tagger(&mock).tag(&request(), &record()).await.is_empty());
        }

        #[tokio::test]
        async fn a_slow_model_times_out() {
            let mock = Mock::new("mock").reply(
                MockReply::json(serde_json::json!({"topic": "math", "tone": "neutral"}))
                    .latency(Duration::from_secs(5)),
            );
            let t = tagger(&mock).timeout(Duration::from_millis(50));
            assert!(t.tag(&request(), &record()).await.is_empty());
            assert_eq!(t.in_flight.load(Ordering::Acquire), 0);
        }

        #[tokio::test]
        async fn unsampled_own_and_over_limit_requests_are_skipped() {
            let mock = Mock::new("mock").reply(MockReply::json(
                serde_json::json!({"topic": "math", "tone": "neutral"}),
            ));
            let off = tagger(&mock).sample_rate(0.0);
            assert!(off.tag(&request(), &record()).await.is_empty());
            let own = tagger(&mock);
            let own_req = request().tag(LLM_TAGGER_TAG);
            assert!(own.tag(&own_req, &record()).await.is_empty());
            let busy = tagger(&mock).max_concurrency(1);
            busy.in_flight.store(1, Ordering::Release);
            assert!(busy.tag(&request(), &record()).await.is_empty());
            assert_eq!(mock.calls(), 0);
        }

        #[test]
        fn sampling_is_stable_per_request_id() {
            let mock = Mock::new("mock");
            let t = tagger(&mock).sample_rate(0.3);
            let mut sampled = 0;
            for i in 0..2_000 {
                let rec = LogRecord {
                    request_id: format!("req_{i}"),
                    ..LogRecord::default()
                };
                let first = t.is_sampled(&rec);
                assert_eq!(first, t.is_sampled(&rec));
                sampled += usize::from(first);
            }
            assert!((450..750).contains(&sampled), "{sampled}");
            assert!(!tagger(&mock).sample_rate(f64::NAN).is_sampled(&record()));
        }
    }
}
