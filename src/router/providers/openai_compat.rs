//! [`OpenAiCompatible`]: a [`Provider`] for any OpenAI-compatible API, with
//! presets for well-known services and the quirks each of them needs.
//!
//! The provider reuses the remote client's HTTP and streaming machinery: it
//! holds a [`Client`] built with the preset's base URL and key and with
//! **no retries** (the router is the one retry loop). `complete`, `stream`,
//! `list_models` and `embed` call `chat().create`, `chat().stream`,
//! `models().list` and `embeddings().create`; errors pass through unchanged
//! (status, headers, body), and a streamed request's HTTP error comes back
//! before any chunk.
//!
//! ```
//! use requesty::router::providers::openai_compat::OpenAiCompatible;
//! use requesty::router::Provider;
//!
//! let openai = OpenAiCompatible::openai("sk-…");
//! let local = OpenAiCompatible::new("llamacpp", "http://127.0.0.1:8080/v1")
//!     .timeout(std::time::Duration::from_secs(120));
//! assert_eq!(openai.id(), "openai");
//! assert_eq!(local.id(), "llamacpp");
//! assert!(!format!("{openai:?}").contains("sk-…"));
//! ```
//!
//! # Presets
//!
//! | id | base URL | key variable | quirks |
//! |---|---|---|---|
//! | `openai` | `https://api.openai.com/v1` | `OPENAI_API_KEY` | reasoning-model rules (below) |
//! | `mistral` | `https://api.mistral.ai/v1` | `MISTRAL_API_KEY` | 9-character tool-call ids; `developer`→`system`; `max_completion_tokens`→`max_tokens`; `seed`→`random_seed`; drops `user`, message `name`s and `reasoning_content` |
//! | `groq` | `https://api.groq.com/openai/v1` | `GROQ_API_KEY` | `developer`→`system`; drops message `name`s |
//! | `deepseek` | `https://api.deepseek.com` | `DEEPSEEK_API_KEY` | `developer`→`system`; `max_completion_tokens`→`max_tokens` |
//! | `xai` | `https://api.x.ai/v1` | `XAI_API_KEY` | `developer`→`system` |
//! | `together` | `https://api.together.ai/v1` | `TOGETHER_API_KEY` | `developer`→`system` |
//! | `fireworks` | `https://api.fireworks.ai/inference/v1` | `FIREWORKS_API_KEY` | `developer`→`system` |
//! | `openrouter` | `https://openrouter.ai/api/v1` | `OPENROUTER_API_KEY` | `developer`→`system` |
//! | `deepinfra` | `https://api.deepinfra.com/v1/openai` | `DEEPINFRA_API_KEY` | `developer`→`system` |
//! | `perplexity` | `https://api.perplexity.ai` | `PERPLEXITY_API_KEY` | `developer`→`system`; `max_completion_tokens`→`max_tokens` |
//! | `ollama` | `http://127.0.0.1:11434/v1` | none (`OLLAMA_API_KEY` if set) | `developer`→`system` |
//! | `vllm` | `http://127.0.0.1:8000/v1` | none (`VLLM_API_KEY` if set) | `developer`→`system` |
//!
//! A custom server ([`OpenAiCompatible::new`]) gets `developer`→`system`
//! and the generic `reasoning_effort` translation. Every preset also drops
//! the `requesty` object, which never reaches a provider, and, where the
//! token limit is renamed, keeps the smaller of `max_tokens` and
//! `max_completion_tokens` when both are set.
//!
//! # OpenAI reasoning models
//!
//! For the `openai` preset the model name picks a family:
//!
//! - `o1`, `o3`, `o4` (and their `-mini`, `-pro`, dated variants), `gpt-5`,
//!   `gpt-5-mini`/`-nano`/`-codex`/`-pro`, `gpt-5.1` and later:
//!   `max_tokens` is sent as `max_completion_tokens`, and `system`
//!   messages as `developer` (what these models use; OpenAI converts either).
//!   `temperature`, `top_p`, `presence_penalty`, `frequency_penalty` and
//!   `logit_bias` are dropped, since these models reject any but the
//!   default value — except on `gpt-5.1` and later while reasoning is off
//!   (`reasoning_effort` unset or `none`, their default), where OpenAI
//!   accepts them. `logprobs` is left alone: asking for it is a request
//!   for data, and OpenAI's error says so plainly.
//! - `o1-mini` and `o1-preview` accept neither `system` nor `developer`:
//!   both are sent as `user`; `reasoning_effort` is dropped.
//! - `gpt-4*`, `gpt-3.5*`, `chatgpt-*` and `gpt-5*-chat*` do not reason:
//!   `reasoning_effort` is dropped, nothing else changes.
//! - Any other name is sent as is, with the generic `reasoning_effort`
//!   translation.
//!
//! # `reasoning_effort`
//!
//! Requesty adds `min`, `max` and token budgets (`"4096"`) to OpenAI's
//! levels. Each preset translates them (and clamps standard levels a
//! model is documented to reject); `—` means the field is dropped, and a
//! budget `n` maps to `low` when `n` ≤ 2048, `medium` when `n` ≤ 8192, and
//! `high` above ("budget" below).
//!
//! | preset / models | `none` | `minimal` | `min` | `low`/`medium`/`high` | `xhigh` | `max` | budget |
//! |---|---|---|---|---|---|---|---|
//! | openai `o1`/`o3`/`o4` | `low` | `low` | `low` | same | `high` | `high` | budget |
//! | openai `gpt-5` (before 5.1) | `minimal` | same | `minimal` | same | `high` | `high` | budget |
//! | openai `gpt-5.1` and later | same | `low` | `low` | same | same (5.2+, `*codex-max`) else `high` | `xhigh` (5.2+, `*codex-max`) else `high` | budget |
//! | openai `gpt-5-pro` | `high` | `high` | `high` | `high` | `high` | `high` | `high` |
//! | openai non-reasoning, `o1-mini`, `o1-preview` | — | — | — | — | — | — | — |
//! | mistral `mistral-small-latest`, `mistral-small-2603`/`-4*`, `mistral-medium-3-5`/`-3.5*` | same | `high` | `high` | `high` | `high` | `high` | `high` |
//! | mistral `mistral-large-4*` | `low` | `low` | `low` | same | `high` | `high` | budget |
//! | mistral, other models | — | — | — | — | — | — | — |
//! | groq `*gpt-oss*` | `low` | `low` | `low` | same | `high` | `high` | budget |
//! | groq `*qwen3*` | same | `default` | `default` | `default` | `default` | `default` | `default` |
//! | groq, other models | — | — | — | — | — | — | — |
//! | deepseek | `thinking: {"type": "disabled"}` | `low` | `low` | same | same | `max` | budget |
//! | xai `grok-3-mini*` | `low` | `low` | `low` | `low`/`high`/`high` | `high` | `high` | `low` (≤ 2048) else `high` |
//! | xai `grok-2*`, `grok-3` (not mini), `grok-4`, `grok-4-*`, `grok-4.20-0309*`, `grok-4.20-(non-)reasoning*`, `grok-code-fast*` | — | — | — | — | — | — | — |
//! | openrouter | same | same | `minimal` | same | same | `xhigh` | `reasoning: {"max_tokens": n}` |
//! | others, custom, and unknown models above | same | same | `low` | same | same | `high` | budget |
//!
//! "same" sends the value unchanged; a value this crate does not know
//! ([`ReasoningEffort::Other`]) is always sent unchanged. Fields set in
//! [`ChatRequest::extra`] win over the ones this table adds.
//!
//! # Streaming options
//!
//! [`Chat::stream`](crate::Chat::stream) sends `stream_options.include_usage`;
//! Mistral's API is reported to reject `stream_options` (422
//! `extra_forbidden`) and sends usage on its last chunk anyway, so the
//! `mistral` preset streams without the field.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::client::{Client, ClientBuilder};
use crate::error::{Error, Result};
use crate::router::provider::{Provider, ProviderRequest};
use crate::secret::SecretString;
use crate::stream::chat_stream::ChatStream;
use crate::types::{
    ChatCompletion, ChatRequest, EmbeddingRequest, EmbeddingResponse, Message, ModelList,
    ReasoningEffort, Role,
};

/// A preset: a provider id with its default base URL and the variables
/// [`OpenAiCompatible::from_vars`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Preset {
    /// The provider id (`openai`).
    pub id: &'static str,
    /// The variable holding the API key (`OPENAI_API_KEY`); `None` for
    /// local servers that need no key.
    pub key_var: Option<&'static str>,
    /// The default base URL.
    pub base_url: &'static str,
    /// The variable that overrides the base URL (`OPENAI_BASE_URL`).
    pub base_url_var: &'static str,
}

const fn preset(
    id: &'static str,
    key_var: Option<&'static str>,
    base_url: &'static str,
    base_url_var: &'static str,
) -> Preset {
    Preset {
        id,
        key_var,
        base_url,
        base_url_var,
    }
}

const OPENAI: Preset = preset(
    "openai",
    Some("OPENAI_API_KEY"),
    "https://api.openai.com/v1",
    "OPENAI_BASE_URL",
);
const MISTRAL: Preset = preset(
    "mistral",
    Some("MISTRAL_API_KEY"),
    "https://api.mistral.ai/v1",
    "MISTRAL_BASE_URL",
);
const GROQ: Preset = preset(
    "groq",
    Some("GROQ_API_KEY"),
    "https://api.groq.com/openai/v1",
    "GROQ_BASE_URL",
);
const DEEPSEEK: Preset = preset(
    "deepseek",
    Some("DEEPSEEK_API_KEY"),
    "https://api.deepseek.com",
    "DEEPSEEK_BASE_URL",
);
const XAI: Preset = preset(
    "xai",
    Some("XAI_API_KEY"),
    "https://api.x.ai/v1",
    "XAI_BASE_URL",
);
const TOGETHER: Preset = preset(
    "together",
    Some("TOGETHER_API_KEY"),
    "https://api.together.ai/v1",
    "TOGETHER_BASE_URL",
);
const FIREWORKS: Preset = preset(
    "fireworks",
    Some("FIREWORKS_API_KEY"),
    "https://api.fireworks.ai/inference/v1",
    "FIREWORKS_BASE_URL",
);
const OPENROUTER: Preset = preset(
    "openrouter",
    Some("OPENROUTER_API_KEY"),
    "https://openrouter.ai/api/v1",
    "OPENROUTER_BASE_URL",
);
const DEEPINFRA: Preset = preset(
    "deepinfra",
    Some("DEEPINFRA_API_KEY"),
    "https://api.deepinfra.com/v1/openai",
    "DEEPINFRA_BASE_URL",
);
const PERPLEXITY: Preset = preset(
    "perplexity",
    Some("PERPLEXITY_API_KEY"),
    "https://api.perplexity.ai",
    "PERPLEXITY_BASE_URL",
);
const OLLAMA: Preset = preset(
    "ollama",
    None,
    "http://127.0.0.1:11434/v1",
    "OLLAMA_BASE_URL",
);
const VLLM: Preset = preset("vllm", None, "http://127.0.0.1:8000/v1", "VLLM_BASE_URL");

/// How a preset sends `reasoning_effort` (see the module docs' table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reasoning {
    /// Requesty-only values translated to the standard levels, the rest as is.
    Generic,
    /// By OpenAI model family.
    OpenAi,
    /// Mistral's `none`/`high` models and Large 4's levels.
    Mistral,
    /// Groq's `gpt-oss` and `qwen3` models.
    Groq,
    /// DeepSeek's `low`/`high`/`max`, and `thinking` to turn it off.
    DeepSeek,
    /// xAI's `grok-3-mini` levels and the models that reject the field.
    Xai,
    /// OpenRouter's levels and its `reasoning.max_tokens` budget.
    OpenRouter,
}

/// What a provider needs changed in a request before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quirks {
    /// `developer` messages are sent as `system`.
    developer_as_system: bool,
    /// OpenAI's per-family rules (roles, token limit, sampling parameters).
    openai_models: bool,
    /// Mistral: 9-character tool-call ids, `random_seed`, no `user`, no `reasoning_content`.
    mistral: bool,
    /// Only `max_tokens` is understood (`max_completion_tokens` is renamed).
    max_tokens_only: bool,
    /// Messages other than `tool` ones may not carry `name`.
    no_message_names: bool,
    /// How `reasoning_effort` is sent.
    reasoning: Reasoning,
}

impl Quirks {
    /// A generic OpenAI-compatible server.
    const GENERIC: Quirks = Quirks {
        developer_as_system: true,
        openai_models: false,
        mistral: false,
        max_tokens_only: false,
        no_message_names: false,
        reasoning: Reasoning::Generic,
    };

    fn for_preset(id: &str) -> Quirks {
        let g = Quirks::GENERIC;
        match id {
            "openai" => Quirks {
                developer_as_system: false,
                openai_models: true,
                reasoning: Reasoning::OpenAi,
                ..g
            },
            "mistral" => Quirks {
                mistral: true,
                max_tokens_only: true,
                no_message_names: true,
                reasoning: Reasoning::Mistral,
                ..g
            },
            "groq" => Quirks {
                no_message_names: true,
                reasoning: Reasoning::Groq,
                ..g
            },
            "deepseek" => Quirks {
                max_tokens_only: true,
                reasoning: Reasoning::DeepSeek,
                ..g
            },
            "xai" => Quirks {
                reasoning: Reasoning::Xai,
                ..g
            },
            "openrouter" => Quirks {
                reasoning: Reasoning::OpenRouter,
                ..g
            },
            "perplexity" => Quirks {
                max_tokens_only: true,
                ..g
            },
            _ => g,
        }
    }

    /// Rewrites `req` for this provider (`req.model` is the provider's model name).
    fn apply(self, req: &mut ChatRequest) {
        req.requesty = None;
        let model = req.model.clone().unwrap_or_default();

        let family = if self.openai_models {
            openai_family(&model)
        } else {
            OpenAiFamily::Unknown
        };
        if let Some(effort) = req.reasoning_effort.take() {
            match map_effort(self.reasoning, &model, effort) {
                Effort::Send(e) => req.reasoning_effort = Some(e),
                Effort::Drop => {}
                Effort::Extra(key, value) => {
                    req.extra.entry(key).or_insert(value);
                }
            }
        }
        if self.openai_models {
            openai_rules(family, req);
        }
        if self.developer_as_system {
            for m in &mut req.messages {
                if m.role == Role::Developer {
                    m.role = Role::System;
                }
            }
        }
        if self.max_tokens_only
            && let Some(c) = req.max_completion_tokens.take()
        {
            req.max_tokens = Some(req.max_tokens.map_or(c, |t| t.min(c)));
        }
        if self.no_message_names {
            for m in &mut req.messages {
                if m.role != Role::Tool {
                    m.name = None;
                }
            }
        }
        if self.mistral {
            if let Some(seed) = req.seed.take() {
                req.extra
                    .entry("random_seed")
                    .or_insert_with(|| Value::from(seed));
            }
            req.user = None;
            for m in &mut req.messages {
                m.reasoning_content = None;
            }
            rewrite_tool_call_ids(&mut req.messages);
        }
    }
}

/// An OpenAI model family, as far as request rules go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenAiFamily {
    /// `gpt-4*`, `gpt-3.5*`, `chatgpt-*`, `gpt-5*-chat*`.
    NonReasoning,
    /// `o1-mini`, `o1-preview`: no system or developer messages, no effort.
    LegacyO1,
    /// `o1`, `o3`, `o4` and variants: `low`/`medium`/`high`.
    OSeries,
    /// `gpt-5`, `-mini`, `-nano`, `-codex`: `minimal`/`low`/`medium`/`high`.
    Gpt5,
    /// `gpt-5-pro`: `high` only.
    Gpt5Pro,
    /// `gpt-5.1` and later: `none`/`low`/`medium`/`high`, `xhigh` from 5.2 and on `*codex-max`.
    Gpt51 {
        /// Whether `xhigh` is accepted.
        xhigh: bool,
    },
    /// A name this table does not know.
    Unknown,
}

impl OpenAiFamily {
    fn reasons(self) -> bool {
        !matches!(self, OpenAiFamily::NonReasoning | OpenAiFamily::Unknown)
    }
}

fn openai_family(model: &str) -> OpenAiFamily {
    let m = model.rsplit_once('/').map_or(model, |(_, m)| m);
    let m = m.strip_prefix("ft:").unwrap_or(m).to_ascii_lowercase();
    if m.starts_with("o1-mini") || m.starts_with("o1-preview") {
        return OpenAiFamily::LegacyO1;
    }
    for prefix in ["o1", "o3", "o4"] {
        if let Some(rest) = m.strip_prefix(prefix)
            && (rest.is_empty() || rest.starts_with('-'))
        {
            return OpenAiFamily::OSeries;
        }
    }
    if let Some(rest) = m.strip_prefix("gpt-5") {
        if rest.contains("-chat") {
            return OpenAiFamily::NonReasoning;
        }
        if let Some(version) = rest.strip_prefix('.') {
            let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
            return match digits.parse::<u32>() {
                Ok(minor) if minor >= 1 => OpenAiFamily::Gpt51 {
                    xhigh: minor >= 2 || rest.contains("codex-max"),
                },
                _ => OpenAiFamily::Gpt5,
            };
        }
        if rest.starts_with("-pro") {
            return OpenAiFamily::Gpt5Pro;
        }
        if rest.is_empty() || rest.starts_with('-') {
            return OpenAiFamily::Gpt5;
        }
        return OpenAiFamily::Unknown;
    }
    if ["gpt-4", "gpt-3.5", "gpt-35", "chatgpt-"]
        .iter()
        .any(|p| m.starts_with(p))
    {
        return OpenAiFamily::NonReasoning;
    }
    OpenAiFamily::Unknown
}

/// Roles, token limit and sampling parameters for an OpenAI model family
/// (`reasoning_effort` already mapped).
fn openai_rules(family: OpenAiFamily, req: &mut ChatRequest) {
    if !family.reasons() {
        return;
    }
    if let Some(t) = req.max_tokens.take() {
        req.max_completion_tokens = Some(req.max_completion_tokens.map_or(t, |c| c.min(t)));
    }
    for m in &mut req.messages {
        match (&m.role, family) {
            (Role::System | Role::Developer, OpenAiFamily::LegacyO1) => m.role = Role::User,
            (Role::System, _) => m.role = Role::Developer,
            _ => {}
        }
    }
    let reasoning_off = matches!(family, OpenAiFamily::Gpt51 { .. })
        && req
            .reasoning_effort
            .as_ref()
            .is_none_or(|e| *e == ReasoningEffort::None);
    if !reasoning_off {
        req.temperature = None;
        req.top_p = None;
        req.presence_penalty = None;
        req.frequency_penalty = None;
        req.logit_bias = None;
    }
}

/// What becomes of a request's `reasoning_effort`.
#[derive(Debug, Clone, PartialEq)]
enum Effort {
    /// Send this value.
    Send(ReasoningEffort),
    /// Send nothing.
    Drop,
    /// Send nothing, and set this top-level field instead (unless the request has it).
    Extra(&'static str, Value),
}

/// The standard level for a token budget.
fn budget_level(n: u32) -> ReasoningEffort {
    if n <= 2048 {
        ReasoningEffort::Low
    } else if n <= 8192 {
        ReasoningEffort::Medium
    } else {
        ReasoningEffort::High
    }
}

/// Requesty-only values as standard levels; everything else unchanged.
fn generic_effort(e: ReasoningEffort) -> ReasoningEffort {
    match e {
        ReasoningEffort::Min => ReasoningEffort::Low,
        ReasoningEffort::Max => ReasoningEffort::High,
        ReasoningEffort::Budget(n) => budget_level(n),
        other => other,
    }
}

/// `low`/`medium`/`high` only (o-series, `gpt-oss`, Mistral Large 4).
fn three_levels(e: ReasoningEffort) -> ReasoningEffort {
    use ReasoningEffort as R;
    match e {
        R::None | R::Minimal | R::Min => R::Low,
        R::XHigh | R::Max => R::High,
        R::Budget(n) => budget_level(n),
        other => other,
    }
}

fn map_effort(reasoning: Reasoning, model: &str, e: ReasoningEffort) -> Effort {
    use ReasoningEffort as R;
    if let R::Other(_) = e {
        return Effort::Send(e);
    }
    let m = model.to_ascii_lowercase();
    match reasoning {
        Reasoning::Generic => Effort::Send(generic_effort(e)),
        Reasoning::OpenAi => match openai_family(model) {
            OpenAiFamily::NonReasoning | OpenAiFamily::LegacyO1 => Effort::Drop,
            OpenAiFamily::OSeries => Effort::Send(three_levels(e)),
            OpenAiFamily::Gpt5 => Effort::Send(match e {
                R::None | R::Minimal | R::Min => R::Minimal,
                R::XHigh | R::Max => R::High,
                R::Budget(n) => budget_level(n),
                other => other,
            }),
            OpenAiFamily::Gpt5Pro => Effort::Send(R::High),
            OpenAiFamily::Gpt51 { xhigh } => Effort::Send(match e {
                R::Minimal | R::Min => R::Low,
                R::XHigh | R::Max if xhigh => R::XHigh,
                R::XHigh | R::Max => R::High,
                R::Budget(n) => budget_level(n),
                other => other,
            }),
            OpenAiFamily::Unknown => Effort::Send(generic_effort(e)),
        },
        Reasoning::Mistral => {
            if m.starts_with("mistral-large-4") {
                Effort::Send(three_levels(e))
            } else if m == "mistral-small-latest"
                || [
                    "mistral-small-2603",
                    "mistral-small-4",
                    "mistral-medium-3-5",
                    "mistral-medium-3.5",
                ]
                .iter()
                .any(|p| m.starts_with(p))
            {
                Effort::Send(if e == R::None { R::None } else { R::High })
            } else {
                Effort::Drop
            }
        }
        Reasoning::Groq => {
            if m.contains("gpt-oss") {
                Effort::Send(three_levels(e))
            } else if m.contains("qwen3") {
                Effort::Send(if e == R::None {
                    R::None
                } else {
                    R::Other("default".to_owned())
                })
            } else {
                Effort::Drop
            }
        }
        Reasoning::DeepSeek => match e {
            R::None => Effort::Extra("thinking", json!({"type": "disabled"})),
            R::Minimal | R::Min => Effort::Send(R::Low),
            // DeepSeek's own top level is spelled like Requesty's `max`.
            R::Max => Effort::Send(R::Max),
            other => Effort::Send(generic_effort(other)),
        },
        Reasoning::Xai => {
            if m.starts_with("grok-3-mini") {
                Effort::Send(match e {
                    R::None | R::Minimal | R::Min | R::Low => R::Low,
                    R::Budget(n) if n <= 2048 => R::Low,
                    _ => R::High,
                })
            } else if xai_rejects_effort(&m) {
                Effort::Drop
            } else {
                Effort::Send(generic_effort(e))
            }
        }
        Reasoning::OpenRouter => match e {
            R::Min => Effort::Send(R::Minimal),
            R::Max => Effort::Send(R::XHigh),
            R::Budget(n) => Effort::Extra("reasoning", json!({ "max_tokens": n })),
            other => Effort::Send(other),
        },
    }
}

/// xAI models documented (or reported) to answer `reasoning_effort` with an error.
fn xai_rejects_effort(m: &str) -> bool {
    m == "grok-4"
        || (m.starts_with("grok-3") && !m.starts_with("grok-3-mini"))
        || [
            "grok-2",
            "grok-beta",
            "grok-vision",
            "grok-code-fast",
            "grok-4-",
            "grok-4.20-0309",
            "grok-4.20-reasoning",
            "grok-4.20-non-reasoning",
        ]
        .iter()
        .any(|p| m.starts_with(p))
}

/// Whether `id` is a valid Mistral tool-call id: exactly 9 of `[a-zA-Z0-9]`.
fn is_mistral_id(id: &str) -> bool {
    id.len() == 9 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A 9-character `[a-zA-Z0-9]` id derived from `id` (FNV-1a, then a
/// SplitMix64 finalizer); `salt` picks another one after a collision.
fn short_id(id: &str, salt: u32) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes().chain(salt.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    let mut out = String::with_capacity(9);
    for _ in 0..9 {
        out.push(char::from(ALPHABET[(h % 62) as usize]));
        h /= 62;
    }
    out
}

/// Rewrites every tool-call id that is not a valid Mistral id, consistently
/// in the assistant `tool_calls` and the `tool` messages answering them.
/// Valid ids are kept; the others get [`short_id`] of themselves, with a
/// new salt while the result collides with an id already in use, so the
/// same conversation always gets the same ids.
fn rewrite_tool_call_ids(messages: &mut [Message]) {
    let mut order: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for m in messages.iter() {
        let ids = m
            .tool_calls()
            .iter()
            .map(|c| c.id.as_str())
            .chain(m.tool_call_id.as_deref());
        for id in ids {
            if seen.insert(id) {
                order.push(id.to_owned());
            }
        }
    }
    if order.iter().all(|id| is_mistral_id(id)) {
        return;
    }
    let mut used: HashSet<String> = order
        .iter()
        .filter(|id| is_mistral_id(id))
        .cloned()
        .collect();
    let mut map: HashMap<String, String> = HashMap::new();
    for id in order.into_iter().filter(|id| !is_mistral_id(id)) {
        let mut salt = 0u32;
        let new = loop {
            let candidate = short_id(&id, salt);
            if used.insert(candidate.clone()) {
                break candidate;
            }
            salt = salt.wrapping_add(1);
        };
        map.insert(id, new);
    }
    for m in messages.iter_mut() {
        if let Some(calls) = &mut m.tool_calls {
            for c in calls {
                if let Some(new) = map.get(&c.id) {
                    c.id.clone_from(new);
                }
            }
        }
        if let Some(id) = &mut m.tool_call_id
            && let Some(new) = map.get(id.as_str())
        {
            id.clone_from(new);
        }
    }
}

/// The base URL for an `OLLAMA_HOST` value (`host`, `host:port`,
/// `scheme://host:port`, as Ollama reads it): port 11434 unless given
/// (443 for `https`), host `127.0.0.1` if empty, and `/v1` appended.
fn ollama_base_from_host(value: &str) -> String {
    let v = value.trim().trim_end_matches('/');
    let (scheme, rest) = v.split_once("://").unwrap_or(("http", v));
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (host, port) = split_host_port(authority);
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        "11434"
    };
    let port = port.unwrap_or(default_port);
    format!("{scheme}://{host}:{port}{path}/v1")
}

/// Splits `host:port` (IPv6 in brackets allowed); the port only if it is numeric.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[')
        && let Some(end) = authority.find(']')
    {
        let (host, rest) = authority.split_at(end + 1);
        return (host, rest.strip_prefix(':').filter(|p| !p.is_empty()));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (authority, None),
    }
}

/// A [`Provider`] for any OpenAI-compatible API (see the [module docs](self)).
///
/// Built from a preset ([`OpenAiCompatible::openai`], …,
/// [`OpenAiCompatible::from_env`]) or for a custom server
/// ([`OpenAiCompatible::new`]), then adjusted with the builder methods.
/// The HTTP client is built on first use and shared by clones. `Debug`
/// never shows the key or header values.
#[derive(Clone)]
pub struct OpenAiCompatible {
    id: String,
    base_url: String,
    api_key: Option<SecretString>,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    http: Option<reqwest::Client>,
    engine: crate::HttpEngine,
    limits: Option<crate::Limits>,
    quirks: Quirks,
    client: OnceLock<Client>,
}

impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("OpenAiCompatible")
            .field("id", &self.id)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("headers", &header_names)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatible {
    /// Every preset id, with its key variable and default base URL (for
    /// docs and `Router::from_env`).
    pub const PRESETS: &'static [Preset] = &[
        OPENAI, MISTRAL, GROQ, DEEPSEEK, XAI, TOGETHER, FIREWORKS, OPENROUTER, DEEPINFRA,
        PERPLEXITY, OLLAMA, VLLM,
    ];

    /// A custom OpenAI-compatible server at `base_url` (e.g.
    /// `http://127.0.0.1:8080/v1`), without a key; `id` is the provider id
    /// used in model ids. `developer` messages are sent as `system`.
    pub fn new(id: impl Into<String>, base_url: impl Into<String>) -> Self {
        OpenAiCompatible {
            id: id.into(),
            base_url: base_url.into(),
            api_key: None,
            headers: Vec::new(),
            timeout: None,
            connect_timeout: None,
            read_timeout: None,
            http: None,
            engine: Default::default(),
            limits: None,
            quirks: Quirks::GENERIC,
            client: OnceLock::new(),
        }
    }

    fn from_preset(p: &Preset) -> Self {
        OpenAiCompatible {
            quirks: Quirks::for_preset(p.id),
            ..Self::new(p.id, p.base_url)
        }
    }

    /// Forgets the built client after a change of settings.
    fn changed(mut self) -> Self {
        self.client = OnceLock::new();
        self
    }

    /// Renames the provider (the id used in model ids), keeping the
    /// preset's base URL and quirks: two accounts of one service side by
    /// side (`openai-eu/gpt-4o`, `openai-us/gpt-4o`).
    ///
    /// ```
    /// use requesty::router::providers::openai_compat::OpenAiCompatible;
    /// use requesty::router::provider::Provider;
    /// let eu = OpenAiCompatible::openai("sk-test").with_id("openai-eu");
    /// assert_eq!(eu.id(), "openai-eu");
    /// ```
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self.changed()
    }

    /// The bearer key (`Authorization: Bearer …`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::new(key));
        self.changed()
    }

    /// A header sent with every request (e.g. OpenRouter's `HTTP-Referer`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self.changed()
    }

    /// Bound on a non-streamed request and on a stream's wait for its first
    /// chunk (default [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT)).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self.changed()
    }

    /// Bound on opening a connection (default
    /// [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self.changed()
    }

    /// Bound on the silence between two chunks of a stream (default
    /// [`DEFAULT_READ_TIMEOUT`](crate::DEFAULT_READ_TIMEOUT)).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = Some(d);
        self.changed()
    }

    /// Which HTTP implementation sends requests (default
    /// [`HttpEngine::Auto`](crate::HttpEngine::Auto)); ignored when
    /// `http_client` gives a reqwest client.
    pub fn http_engine(mut self, engine: crate::HttpEngine) -> Self {
        self.engine = engine;
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS, pools); implies
    /// [`HttpEngine::Reqwest`](crate::HttpEngine::Reqwest).
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self.changed()
    }

    /// Size limits on the provider's answers: body, stream, event-stream
    /// lines and events, tool-call arguments (default [`Limits::default`](crate::Limits)).
    pub fn limits(mut self, limits: crate::Limits) -> Self {
        self.limits = Some(limits);
        self.changed()
    }

    /// Overrides the base URL (the preset's quirks stay).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self.changed()
    }

    /// OpenAI (`openai`, `https://api.openai.com/v1`), with the
    /// reasoning-model rules.
    pub fn openai(key: impl Into<String>) -> Self {
        Self::from_preset(&OPENAI).api_key(key)
    }

    /// Mistral (`mistral`, `https://api.mistral.ai/v1`), with 9-character
    /// tool-call ids and Mistral's field names.
    pub fn mistral(key: impl Into<String>) -> Self {
        Self::from_preset(&MISTRAL).api_key(key)
    }

    /// Groq (`groq`, `https://api.groq.com/openai/v1`).
    pub fn groq(key: impl Into<String>) -> Self {
        Self::from_preset(&GROQ).api_key(key)
    }

    /// DeepSeek (`deepseek`, `https://api.deepseek.com`).
    pub fn deepseek(key: impl Into<String>) -> Self {
        Self::from_preset(&DEEPSEEK).api_key(key)
    }

    /// xAI (`xai`, `https://api.x.ai/v1`).
    pub fn xai(key: impl Into<String>) -> Self {
        Self::from_preset(&XAI).api_key(key)
    }

    /// Together AI (`together`, `https://api.together.ai/v1`).
    pub fn together(key: impl Into<String>) -> Self {
        Self::from_preset(&TOGETHER).api_key(key)
    }

    /// Fireworks AI (`fireworks`, `https://api.fireworks.ai/inference/v1`).
    pub fn fireworks(key: impl Into<String>) -> Self {
        Self::from_preset(&FIREWORKS).api_key(key)
    }

    /// OpenRouter (`openrouter`, `https://openrouter.ai/api/v1`).
    pub fn openrouter(key: impl Into<String>) -> Self {
        Self::from_preset(&OPENROUTER).api_key(key)
    }

    /// DeepInfra (`deepinfra`, `https://api.deepinfra.com/v1/openai`).
    pub fn deepinfra(key: impl Into<String>) -> Self {
        Self::from_preset(&DEEPINFRA).api_key(key)
    }

    /// Perplexity (`perplexity`, `https://api.perplexity.ai`).
    pub fn perplexity(key: impl Into<String>) -> Self {
        Self::from_preset(&PERPLEXITY).api_key(key)
    }

    /// A local Ollama server (`ollama`, `http://127.0.0.1:11434/v1`), no key.
    pub fn ollama() -> Self {
        Self::from_preset(&OLLAMA)
    }

    /// A local vLLM server (`vllm`, `http://127.0.0.1:8000/v1`), no key.
    pub fn vllm() -> Self {
        Self::from_preset(&VLLM)
    }

    /// The preset with this id.
    pub fn preset(id: &str) -> Option<&'static Preset> {
        Self::PRESETS.iter().find(|p| p.id == id)
    }

    /// The preset `id` configured from variables read through `get` (so
    /// tests need no process-wide `set_var`):
    ///
    /// - presets with a key variable (`OPENAI_API_KEY`, …): `Ok(None)` when
    ///   it is unset or empty; the base URL comes from `<ID>_BASE_URL`
    ///   (`OPENAI_BASE_URL`, `MISTRAL_BASE_URL`, …) when set.
    /// - `ollama`: only when `OLLAMA_BASE_URL` (a full base URL, e.g.
    ///   `http://gpu:11434/v1`) or `OLLAMA_HOST` (`host[:port]`, as the
    ///   Ollama CLI reads it; `/v1` is appended) is set, since a local
    ///   server cannot be assumed; `OLLAMA_API_KEY` is sent if set.
    /// - `vllm`: only when `VLLM_BASE_URL` is set; `VLLM_API_KEY` is sent if set.
    ///
    /// Fails on an unknown id or an invalid base URL.
    ///
    /// ```
    /// use requesty::router::providers::openai_compat::OpenAiCompatible;
    /// let vars = |k: &str| match k {
    ///     "MISTRAL_API_KEY" => Some("mk-1".to_owned()),
    ///     "MISTRAL_BASE_URL" => Some("http://127.0.0.1:9/v1".to_owned()),
    ///     _ => None,
    /// };
    /// assert!(OpenAiCompatible::from_vars("mistral", vars).unwrap().is_some());
    /// assert!(OpenAiCompatible::from_vars("groq", vars).unwrap().is_none());
    /// assert!(OpenAiCompatible::from_vars("nope", vars).is_err());
    /// ```
    pub fn from_vars(id: &str, get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let p = Self::preset(id).ok_or_else(|| {
            let known: Vec<&str> = Self::PRESETS.iter().map(|p| p.id).collect();
            Error::config(format!(
                "unknown provider preset `{id}` (known: {})",
                known.join(", ")
            ))
        })?;
        let nonempty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let base_override = nonempty(p.base_url_var);
        let (key, base) = match p.key_var {
            Some(var) => match nonempty(var) {
                Some(key) => (Some(key), base_override),
                None => return Ok(None),
            },
            None => {
                let base = match (p.id, base_override) {
                    (_, Some(url)) => url,
                    ("ollama", None) => match nonempty("OLLAMA_HOST") {
                        Some(host) => ollama_base_from_host(&host),
                        None => return Ok(None),
                    },
                    (_, None) => return Ok(None),
                };
                let key_var = format!("{}_API_KEY", p.id.to_ascii_uppercase());
                (nonempty(&key_var), Some(base))
            }
        };
        let mut provider = Self::from_preset(p);
        if let Some(key) = key {
            provider = provider.api_key(key);
        }
        if let Some(url) = base {
            provider = provider.base_url(url);
        }
        provider.client()?;
        Ok(Some(provider))
    }

    /// [`OpenAiCompatible::from_vars`] with the process environment.
    pub fn from_env(id: &str) -> Result<Option<Self>> {
        Self::from_vars(id, |k| std::env::var(k).ok())
    }

    /// The client requests go through (no retries), built on first use;
    /// fails on an invalid base URL or header.
    pub fn client(&self) -> Result<Client> {
        if let Some(c) = self.client.get() {
            return Ok(c.clone());
        }
        let built = self.builder().build()?;
        Ok(self.client.get_or_init(|| built).clone())
    }

    fn builder(&self) -> ClientBuilder {
        let mut b = Client::builder()
            .base_url(self.base_url.clone())
            .max_retries(0);
        if let Some(key) = &self.api_key {
            b = b.api_key(key.expose());
        }
        for (name, value) in &self.headers {
            b = b.header(name.clone(), value.clone());
        }
        if let Some(d) = self.timeout {
            b = b.timeout(d);
        }
        if let Some(d) = self.connect_timeout {
            b = b.connect_timeout(d);
        }
        if let Some(d) = self.read_timeout {
            b = b.read_timeout(d);
        }
        b = b.http_engine(self.engine);
        if let Some(http) = &self.http {
            b = b.http_client(http.clone());
        }
        if let Some(limits) = self.limits {
            b = b.limits(limits);
        }
        b
    }

    /// Applies this provider's quirks to a request whose `model` is the
    /// provider's own model name.
    fn adapt(&self, req: &mut ChatRequest) {
        self.quirks.apply(req);
    }

    fn prepare(&self, req: ProviderRequest) -> ChatRequest {
        let ProviderRequest {
            model, mut chat, ..
        } = req;
        chat.model = Some(model);
        self.adapt(&mut chat);
        chat
    }
}

impl Provider for OpenAiCompatible {
    fn id(&self) -> &str {
        &self.id
    }

    fn complete(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatCompletion>> {
        Box::pin(async move {
            let chat = self.prepare(req);
            let client = self.client()?;
            client.chat().create(chat).await
        })
    }

    fn stream(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatStream>> {
        Box::pin(async move {
            let mut chat = self.prepare(req);
            let client = self.client()?;
            if self.quirks.mistral {
                // Mistral rejects `stream_options` (422 `extra_forbidden`) and
                // sends usage on its last chunk anyway.
                chat.stream_options = None;
                return client.chat().stream_as_is(chat).await;
            }
            client.chat().stream(chat).await
        })
    }

    fn list_models(&self) -> BoxFuture<'_, Result<ModelList>> {
        Box::pin(async move {
            let client = self.client()?;
            client.models().list().await
        })
    }

    fn embed(&self, req: EmbeddingRequest) -> BoxFuture<'_, Result<EmbeddingResponse>> {
        Box::pin(async move {
            let client = self.client()?;
            client.embeddings().create(req).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ToolCall;

    fn apply(id: &str, req: ChatRequest) -> ChatRequest {
        let mut req = req;
        Quirks::for_preset(id).apply(&mut req);
        req
    }

    fn roles(req: &ChatRequest) -> Vec<&str> {
        req.messages.iter().map(|m| m.role.as_str()).collect()
    }

    fn effort(reasoning: Reasoning, model: &str, e: &str) -> Effort {
        map_effort(reasoning, model, ReasoningEffort::from(e))
    }

    fn sends(v: &str) -> Effort {
        Effort::Send(ReasoningEffort::from(v))
    }

    #[test]
    fn short_ids_are_deterministic_alphanumeric_and_nine_long() {
        for id in ["call_abc123", "toolu_01A09q90qw90lq917835lq9", "", "x"] {
            let a = short_id(id, 0);
            assert_eq!(a, short_id(id, 0));
            assert!(is_mistral_id(&a), "{a}");
            assert_ne!(a, short_id(id, 1));
        }
        assert_ne!(short_id("call_1", 0), short_id("call_2", 0));
        assert!(is_mistral_id("aB3xK9mP2"));
        assert!(!is_mistral_id("aB3xK9mP"));
        assert!(!is_mistral_id("aB3xK9mP_"));
        assert!(!is_mistral_id("call_abc123"));
    }

    fn tool_turn(id: &str) -> [Message; 2] {
        [
            Message::assistant_tool_calls([ToolCall::function(id, "get_weather", "{}")]),
            Message::tool(id, "sunny"),
        ]
    }

    #[test]
    fn tool_call_ids_are_rewritten_consistently() {
        let mut msgs = vec![Message::user("hi")];
        msgs.extend(tool_turn("call_abc123"));
        msgs.extend(tool_turn("aB3xK9mP2"));
        msgs.extend(tool_turn("call_abc123"));
        rewrite_tool_call_ids(&mut msgs);
        let expected = short_id("call_abc123", 0);
        assert_eq!(msgs[1].tool_calls()[0].id, expected);
        assert_eq!(msgs[2].tool_call_id.as_deref(), Some(expected.as_str()));
        assert_eq!(msgs[3].tool_calls()[0].id, "aB3xK9mP2");
        assert_eq!(msgs[4].tool_call_id.as_deref(), Some("aB3xK9mP2"));
        assert_eq!(msgs[5].tool_calls()[0].id, expected);
        assert_eq!(msgs[6].tool_call_id.as_deref(), Some(expected.as_str()));
    }

    #[test]
    fn a_longer_conversation_keeps_the_earlier_ids() {
        let mut short: Vec<Message> = tool_turn("call_1").into();
        let mut long: Vec<Message> = tool_turn("call_1").into();
        long.extend(tool_turn("toolu_2"));
        rewrite_tool_call_ids(&mut short);
        rewrite_tool_call_ids(&mut long);
        assert_eq!(short[0].tool_calls()[0].id, long[0].tool_calls()[0].id);
        assert_ne!(long[0].tool_calls()[0].id, long[2].tool_calls()[0].id);
        assert_eq!(
            long[3].tool_call_id.as_deref(),
            Some(long[2].tool_calls()[0].id.as_str())
        );
    }

    #[test]
    fn collisions_get_another_id() {
        // A valid id equal to the one `call_1` would get.
        let taken = short_id("call_1", 0);
        let mut msgs: Vec<Message> = tool_turn(&taken).into();
        msgs.extend(tool_turn("call_1"));
        rewrite_tool_call_ids(&mut msgs);
        assert_eq!(msgs[0].tool_calls()[0].id, taken);
        assert_eq!(msgs[2].tool_calls()[0].id, short_id("call_1", 1));
        assert_eq!(
            msgs[3].tool_call_id.as_deref(),
            Some(short_id("call_1", 1).as_str())
        );
    }

    #[test]
    fn a_tool_message_without_its_call_is_mapped_the_same_way() {
        let mut msgs = vec![Message::tool("call_orphan", "x")];
        rewrite_tool_call_ids(&mut msgs);
        assert_eq!(
            msgs[0].tool_call_id.as_deref(),
            Some(short_id("call_orphan", 0).as_str())
        );
    }

    #[test]
    fn mistral_fields_and_roles() {
        let mut asst = Message::assistant("thinking done");
        asst.reasoning_content = Some("hmm".into());
        let req = ChatRequest::new("mistral-large-latest")
            .developer("Be terse.")
            .message(Message::user("hi").with_name("bob"))
            .message(asst)
            .max_completion_tokens(300)
            .seed(7)
            .end_user("u-1")
            .n(2)
            .parallel_tool_calls(false)
            .tags(["t"]);
        let out = apply("mistral", req);
        assert_eq!(roles(&out), ["system", "user", "assistant"]);
        assert_eq!(out.messages[1].name, None);
        assert_eq!(out.messages[2].reasoning_content, None);
        assert_eq!(out.max_tokens, Some(300));
        assert_eq!(out.max_completion_tokens, None);
        assert_eq!(out.seed, None);
        assert_eq!(out.extra["random_seed"], 7);
        assert_eq!(out.user, None);
        assert_eq!(out.n, Some(2));
        assert_eq!(out.parallel_tool_calls, Some(false));
        assert_eq!(out.requesty, None);
    }

    #[test]
    fn both_token_limits_keep_the_smaller() {
        let out = apply(
            "deepseek",
            ChatRequest::new("deepseek-chat")
                .user("hi")
                .max_tokens(500)
                .max_completion_tokens(200),
        );
        assert_eq!(
            (out.max_tokens, out.max_completion_tokens),
            (Some(200), None)
        );
        let out = apply(
            "openai",
            ChatRequest::new("o3")
                .user("hi")
                .max_tokens(100)
                .max_completion_tokens(200),
        );
        assert_eq!(
            (out.max_tokens, out.max_completion_tokens),
            (None, Some(100))
        );
    }

    #[test]
    fn developer_becomes_system_except_for_openai() {
        let req = ChatRequest::new("m").developer("d").user("u");
        for id in [
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
            "custom",
        ] {
            assert_eq!(roles(&apply(id, req.clone())), ["system", "user"], "{id}");
        }
        let openai = apply(
            "openai",
            ChatRequest::new("gpt-4o").developer("d").system("s"),
        );
        assert_eq!(roles(&openai), ["developer", "system"]);
    }

    #[test]
    fn groq_drops_message_names_but_not_tool_names() {
        let mut tool = Message::tool("c1", "r");
        tool.name = Some("get_weather".into());
        let out = apply(
            "groq",
            ChatRequest::new("llama-3.3-70b-versatile")
                .message(Message::user("u").with_name("n"))
                .message(tool),
        );
        assert_eq!(out.messages[0].name, None);
        assert_eq!(out.messages[1].name.as_deref(), Some("get_weather"));
    }

    #[test]
    fn openai_families() {
        use OpenAiFamily as F;
        let table = [
            ("o1", F::OSeries),
            ("o1-2024-12-17", F::OSeries),
            ("o3-mini", F::OSeries),
            ("o4-mini-2025-04-16", F::OSeries),
            ("o3-pro", F::OSeries),
            ("o1-mini", F::LegacyO1),
            ("o1-preview-2024-09-12", F::LegacyO1),
            ("gpt-5", F::Gpt5),
            ("gpt-5-mini", F::Gpt5),
            ("gpt-5-nano-2025-08-07", F::Gpt5),
            ("gpt-5-codex", F::Gpt5),
            ("gpt-5-pro", F::Gpt5Pro),
            ("gpt-5-chat-latest", F::NonReasoning),
            ("gpt-5.1", F::Gpt51 { xhigh: false }),
            ("gpt-5.1-codex-max", F::Gpt51 { xhigh: true }),
            ("gpt-5.2", F::Gpt51 { xhigh: true }),
            ("gpt-5.1-chat-latest", F::NonReasoning),
            ("gpt-4o-mini", F::NonReasoning),
            ("gpt-4.1", F::NonReasoning),
            ("gpt-3.5-turbo", F::NonReasoning),
            ("chatgpt-4o-latest", F::NonReasoning),
            ("openai/o3", F::OSeries),
            ("ft:gpt-4o-mini:org::abc", F::NonReasoning),
            ("omni-moderation-latest", F::Unknown),
            ("gpt-6", F::Unknown),
            ("o5", F::Unknown),
        ];
        for (model, family) in table {
            assert_eq!(openai_family(model), family, "{model}");
        }
    }

    #[test]
    fn openai_reasoning_model_rewrite() {
        let req = ChatRequest::new("o3-mini")
            .system("Be terse.")
            .user("hi")
            .max_tokens(100)
            .temperature(0.2)
            .top_p(0.9)
            .presence_penalty(0.5)
            .frequency_penalty(0.5)
            .logit_bias(42, 5)
            .logprobs(true)
            .reasoning_effort("max");
        let out = apply("openai", req);
        assert_eq!(roles(&out), ["developer", "user"]);
        assert_eq!(
            (out.max_tokens, out.max_completion_tokens),
            (None, Some(100))
        );
        assert_eq!((out.temperature, out.top_p), (None, None));
        assert_eq!((out.presence_penalty, out.frequency_penalty), (None, None));
        assert_eq!(out.logit_bias, None);
        assert_eq!(out.logprobs, Some(true));
        assert_eq!(out.reasoning_effort, Some(ReasoningEffort::High));
    }

    #[test]
    fn legacy_o1_gets_user_messages_and_no_effort() {
        let req = ChatRequest::new("o1-mini")
            .system("s")
            .developer("d")
            .user("u")
            .reasoning_effort("high");
        let out = apply("openai", req);
        assert_eq!(roles(&out), ["user", "user", "user"]);
        assert_eq!(out.reasoning_effort, None);
    }

    #[test]
    fn openai_non_reasoning_models_are_untouched_but_lose_effort() {
        let req = ChatRequest::new("gpt-4o-mini")
            .system("s")
            .user("u")
            .max_tokens(10)
            .temperature(0.3)
            .reasoning_effort("low");
        let out = apply("openai", req.clone());
        let mut expected = req;
        expected.reasoning_effort = None;
        assert_eq!(out, expected);
    }

    #[test]
    fn gpt_5_1_keeps_sampling_while_reasoning_is_off() {
        let base = ChatRequest::new("gpt-5.1")
            .user("u")
            .temperature(0.3)
            .max_tokens(10);
        let off = apply("openai", base.clone());
        assert_eq!(off.temperature, Some(0.3));
        assert_eq!(off.max_completion_tokens, Some(10));
        let none = apply("openai", base.clone().reasoning_effort("none"));
        assert_eq!(none.temperature, Some(0.3));
        assert_eq!(none.reasoning_effort, Some(ReasoningEffort::None));
        let on = apply("openai", base.reasoning_effort("min"));
        assert_eq!(on.temperature, None);
        assert_eq!(on.reasoning_effort, Some(ReasoningEffort::Low));
    }

    #[test]
    fn openai_effort_table() {
        let r = Reasoning::OpenAi;
        let table = [
            ("o3", "min", sends("low")),
            ("o3", "minimal", sends("low")),
            ("o3", "none", sends("low")),
            ("o3", "max", sends("high")),
            ("o3", "xhigh", sends("high")),
            ("o3", "medium", sends("medium")),
            ("o3", "1024", sends("low")),
            ("o3", "2048", sends("low")),
            ("o3", "2049", sends("medium")),
            ("o3", "8192", sends("medium")),
            ("o3", "8193", sends("high")),
            ("gpt-5", "min", sends("minimal")),
            ("gpt-5-mini", "none", sends("minimal")),
            ("gpt-5", "max", sends("high")),
            ("gpt-5", "4096", sends("medium")),
            ("gpt-5-pro", "low", sends("high")),
            ("gpt-5.1", "min", sends("low")),
            ("gpt-5.1", "minimal", sends("low")),
            ("gpt-5.1", "none", sends("none")),
            ("gpt-5.1", "max", sends("high")),
            ("gpt-5.1", "xhigh", sends("high")),
            ("gpt-5.2", "max", sends("xhigh")),
            ("gpt-5.1-codex-max", "xhigh", sends("xhigh")),
            ("gpt-4o", "high", Effort::Drop),
            ("o1-preview", "high", Effort::Drop),
            ("my-finetune", "max", sends("high")),
            ("my-finetune", "min", sends("low")),
            ("o3", "turbo", sends("turbo")),
        ];
        for (model, value, expected) in table {
            assert_eq!(effort(r, model, value), expected, "{model} {value}");
        }
    }

    #[test]
    fn other_presets_effort_tables() {
        use Reasoning as R;
        let table = [
            (R::Generic, "llama3", "min", sends("low")),
            (R::Generic, "llama3", "max", sends("high")),
            (R::Generic, "llama3", "10000", sends("high")),
            (R::Generic, "llama3", "none", sends("none")),
            (R::Generic, "llama3", "xhigh", sends("xhigh")),
            (R::Mistral, "mistral-small-latest", "low", sends("high")),
            (R::Mistral, "mistral-small-latest", "none", sends("none")),
            (R::Mistral, "mistral-medium-3-5", "max", sends("high")),
            (R::Mistral, "mistral-large-4-0", "min", sends("low")),
            (R::Mistral, "mistral-large-4-0", "medium", sends("medium")),
            (R::Mistral, "mistral-large-latest", "high", Effort::Drop),
            (R::Mistral, "magistral-medium-latest", "high", Effort::Drop),
            (R::Groq, "openai/gpt-oss-120b", "max", sends("high")),
            (R::Groq, "openai/gpt-oss-20b", "minimal", sends("low")),
            (R::Groq, "qwen/qwen3-32b", "none", sends("none")),
            (R::Groq, "qwen/qwen3-32b", "high", sends("default")),
            (R::Groq, "llama-3.3-70b-versatile", "high", Effort::Drop),
            (R::DeepSeek, "deepseek-reasoner", "max", sends("max")),
            (R::DeepSeek, "deepseek-reasoner", "min", sends("low")),
            (R::DeepSeek, "deepseek-reasoner", "medium", sends("medium")),
            (R::DeepSeek, "deepseek-reasoner", "16000", sends("high")),
            (
                R::DeepSeek,
                "deepseek-chat",
                "none",
                Effort::Extra("thinking", json!({"type": "disabled"})),
            ),
            (R::Xai, "grok-3-mini", "medium", sends("high")),
            (R::Xai, "grok-3-mini-fast", "min", sends("low")),
            (R::Xai, "grok-3-mini", "2048", sends("low")),
            (R::Xai, "grok-3-mini", "4096", sends("high")),
            (R::Xai, "grok-4", "high", Effort::Drop),
            (R::Xai, "grok-4-0709", "high", Effort::Drop),
            (R::Xai, "grok-4-1-fast-reasoning", "low", Effort::Drop),
            (R::Xai, "grok-3", "low", Effort::Drop),
            (R::Xai, "grok-code-fast-1", "low", Effort::Drop),
            (R::Xai, "grok-4.3", "max", sends("high")),
            (R::OpenRouter, "openai/o3", "min", sends("minimal")),
            (R::OpenRouter, "openai/o3", "max", sends("xhigh")),
            (R::OpenRouter, "openai/o3", "low", sends("low")),
            (
                R::OpenRouter,
                "anthropic/claude-sonnet-4",
                "4096",
                Effort::Extra("reasoning", json!({"max_tokens": 4096})),
            ),
        ];
        for (reasoning, model, value, expected) in table {
            assert_eq!(
                effort(reasoning, model, value),
                expected,
                "{reasoning:?} {model} {value}"
            );
        }
    }

    #[test]
    fn extra_fields_from_effort_do_not_override_the_request() {
        let req = ChatRequest::new("anthropic/claude-sonnet-4")
            .user("u")
            .reasoning_effort("4096")
            .extra("reasoning", json!({"effort": "low"}));
        let out = apply("openrouter", req);
        assert_eq!(out.reasoning_effort, None);
        assert_eq!(out.extra["reasoning"], json!({"effort": "low"}));

        let out = apply(
            "deepseek",
            ChatRequest::new("deepseek-reasoner")
                .user("u")
                .reasoning_effort("none"),
        );
        assert_eq!(out.reasoning_effort, None);
        assert_eq!(out.extra["thinking"], json!({"type": "disabled"}));
    }

    #[test]
    fn ollama_host_values() {
        let table = [
            ("127.0.0.1", "http://127.0.0.1:11434/v1"),
            ("0.0.0.0:8080", "http://0.0.0.0:8080/v1"),
            ("gpu-box", "http://gpu-box:11434/v1"),
            ("http://gpu-box:11434/", "http://gpu-box:11434/v1"),
            ("https://ollama.example", "https://ollama.example:443/v1"),
            (":11500", "http://127.0.0.1:11500/v1"),
            ("[::1]:11434", "http://[::1]:11434/v1"),
            ("[::1]", "http://[::1]:11434/v1"),
            ("http://proxy:80/ollama", "http://proxy:80/ollama/v1"),
        ];
        for (host, url) in table {
            assert_eq!(ollama_base_from_host(host), url, "{host}");
        }
    }

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn from_vars_rules() {
        let p = OpenAiCompatible::from_vars("openai", vars(&[("OPENAI_API_KEY", "sk-1")]))
            .unwrap()
            .unwrap();
        assert_eq!(p.base_url, "https://api.openai.com/v1");
        assert_eq!(p.api_key.as_ref().map(SecretString::expose), Some("sk-1"));
        assert_eq!(p.quirks, Quirks::for_preset("openai"));

        let p = OpenAiCompatible::from_vars(
            "groq",
            vars(&[
                ("GROQ_API_KEY", " gk "),
                ("GROQ_BASE_URL", "http://127.0.0.1:1/openai/v1"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.base_url, "http://127.0.0.1:1/openai/v1");
        assert_eq!(p.api_key.as_ref().map(SecretString::expose), Some("gk"));

        assert!(
            OpenAiCompatible::from_vars("openai", vars(&[("OPENAI_API_KEY", "  ")]))
                .unwrap()
                .is_none()
        );
        assert!(
            OpenAiCompatible::from_vars("openai", vars(&[("OPENAI_BASE_URL", "http://x/v1")]))
                .unwrap()
                .is_none()
        );
        assert!(OpenAiCompatible::from_vars("nope", vars(&[])).is_err());
        assert!(
            OpenAiCompatible::from_vars(
                "openai",
                vars(&[("OPENAI_API_KEY", "k"), ("OPENAI_BASE_URL", "not a url")])
            )
            .is_err()
        );

        assert!(
            OpenAiCompatible::from_vars("ollama", vars(&[]))
                .unwrap()
                .is_none()
        );
        let p = OpenAiCompatible::from_vars("ollama", vars(&[("OLLAMA_HOST", "gpu:11434")]))
            .unwrap()
            .unwrap();
        assert_eq!(p.base_url, "http://gpu:11434/v1");
        assert!(p.api_key.is_none());
        let p = OpenAiCompatible::from_vars(
            "ollama",
            vars(&[
                ("OLLAMA_HOST", "gpu"),
                ("OLLAMA_BASE_URL", "https://ollama.com/v1"),
                ("OLLAMA_API_KEY", "ok"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.base_url, "https://ollama.com/v1");
        assert_eq!(p.api_key.as_ref().map(SecretString::expose), Some("ok"));

        assert!(
            OpenAiCompatible::from_vars("vllm", vars(&[("VLLM_API_KEY", "v")]))
                .unwrap()
                .is_none()
        );
        let p = OpenAiCompatible::from_vars(
            "vllm",
            vars(&[("VLLM_BASE_URL", "http://10.0.0.2:8000/v1")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.base_url, "http://10.0.0.2:8000/v1");
    }

    #[test]
    fn presets_are_complete_and_distinct() {
        let mut ids = HashSet::new();
        for p in OpenAiCompatible::PRESETS {
            assert!(ids.insert(p.id), "{}", p.id);
            assert_eq!(
                p.base_url_var,
                format!("{}_BASE_URL", p.id.to_ascii_uppercase())
            );
            if let Some(var) = p.key_var {
                assert_eq!(var, format!("{}_API_KEY", p.id.to_ascii_uppercase()));
            }
            assert!(url::Url::parse(p.base_url).is_ok(), "{}", p.base_url);
        }
        let constructors = [
            OpenAiCompatible::openai("k"),
            OpenAiCompatible::mistral("k"),
            OpenAiCompatible::groq("k"),
            OpenAiCompatible::deepseek("k"),
            OpenAiCompatible::xai("k"),
            OpenAiCompatible::together("k"),
            OpenAiCompatible::fireworks("k"),
            OpenAiCompatible::openrouter("k"),
            OpenAiCompatible::deepinfra("k"),
            OpenAiCompatible::perplexity("k"),
            OpenAiCompatible::ollama(),
            OpenAiCompatible::vllm(),
        ];
        assert_eq!(constructors.len(), OpenAiCompatible::PRESETS.len());
        for (p, c) in OpenAiCompatible::PRESETS.iter().zip(&constructors) {
            assert_eq!(c.id(), p.id);
            assert_eq!(c.base_url, p.base_url);
            assert_eq!(c.api_key.is_some(), p.key_var.is_some());
            assert!(c.client().is_ok());
        }
    }

    #[test]
    fn debug_hides_the_key_and_header_values() {
        let p = OpenAiCompatible::openrouter("sk-or-secret-123")
            .header("X-Custom-Auth", "hidden-value-456");
        let text = format!("{p:?}");
        assert!(!text.contains("sk-or-secret-123"), "{text}");
        assert!(!text.contains("hidden-value-456"), "{text}");
        assert!(
            text.contains("[REDACTED]") && text.contains("X-Custom-Auth"),
            "{text}"
        );
    }

    #[test]
    fn settings_rebuild_the_client() {
        let p = OpenAiCompatible::new("custom", "http://127.0.0.1:1/v1");
        let first = p.client().unwrap();
        assert_eq!(
            first.base_url().map(url::Url::as_str),
            Some("http://127.0.0.1:1/v1/")
        );
        let moved = p.clone().base_url("http://127.0.0.1:2/v1");
        assert_eq!(
            moved.client().unwrap().base_url().map(url::Url::as_str),
            Some("http://127.0.0.1:2/v1/")
        );
        assert!(OpenAiCompatible::new("bad", "ftp://x").client().is_err());
        assert!(
            OpenAiCompatible::new("bad", "http://x")
                .header("bad header", "v")
                .client()
                .is_err()
        );
    }
}
