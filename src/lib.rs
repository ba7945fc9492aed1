//! # requesty
//!
//! A typed, OpenAI-compatible LLM client for the [Requesty](https://requesty.ai)
//! router (`https://router.requesty.ai/v1`) and any OpenAI-compatible server.
//!
//! ```no_run
//! use requesty::{ChatRequest, Client};
//!
//! # async fn run() -> requesty::Result<()> {
//! let client = Client::from_env()?; // REQUESTY_API_KEY, optional REQUESTY_BASE_URL
//! let req = ChatRequest::new("openai/gpt-4o-mini")
//!     .system("Be terse.")
//!     .user("Hello")
//!     .temperature(0.2)
//!     .max_tokens(100)
//!     .tags(["demo"]);
//! let resp = client.chat().create(req).await?;
//! println!("{}", resp.text().unwrap_or_default());
//! if let Some(usage) = &resp.usage {
//!     println!("{} tokens, ${:?}", usage.total_tokens, usage.cost);
//! }
//! # Ok(()) }
//! ```
//!
//! ## Errors
//!
//! Every call returns [`Result`]. Invalid requests fail before anything is
//! sent, with an error naming the field; API errors keep the status, headers,
//! request id, origin and body ([`ApiError`]). Retryable failures (connection
//! errors, timeouts, 408, 409, 429, 5xx) are retried with backoff.
//!
//! ## Features
//!
//! - `router` (default): the embedded local router.
//! - `server`: the `requesty-router` HTTP binary.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod chat;
mod client;
mod embeddings;
mod error;
mod meta;
mod models;
#[cfg(feature = "router")]
pub mod router;
mod secret;
#[cfg(feature = "server")]
pub mod server;
pub mod stream;
pub mod structured;
#[cfg(feature = "testing")]
pub mod testing;
mod tools;
pub mod transport;
pub mod types;
mod validate;

pub use chat::Chat;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY,
    DEFAULT_MAX_RETRIES, DEFAULT_MAX_STREAM, DEFAULT_MAX_TOOL_ARGUMENTS, DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT, EU_BASE_URL, Limits,
};
pub use embeddings::Embeddings;
pub use error::{ApiError, BoxError, Error, ErrorKind, Limit, Origin, Result, TimeoutKind};
pub use meta::{Attempt, ResponseMeta};
pub use models::Models;
pub use secret::SecretString;
pub use stream::accumulator::ChunkAccumulator;
pub use stream::chat_stream::ChatStream;
pub use structured::parse::Parsed;
pub use tools::{ToolBox, ToolFn, ToolRun};
pub use transport::HttpEngine;
pub use transport::retry::RetryPolicy;
pub use types::{
    ChatCompletion, ChatCompletionChunk, ChatRequest, Choice, ChoiceLogprobs, ChunkChoice,
    CompletionTokensDetails, Content, ContentPart, Delta, Embedding, EmbeddingInput,
    EmbeddingRequest, EmbeddingResponse, EmbeddingUsage, EmbeddingVector, FilePart, FinishReason,
    FunctionCall, FunctionCallChoice, FunctionCallDelta, FunctionDefinition, ImageDetail, ImageUrl,
    InputAudio, JsonSchemaFormat, Message, Model, ModelList, PromptTokensDetails, ReasoningEffort,
    RequestyOptions, ResponseFormat, Role, SecurityLevel, Stop, StreamOptions, TokenLogprob, Tool,
    ToolCall, ToolCallDelta, ToolChoice, ToolType, Usage, Violation,
};

/// The router guide's examples, compiled as doctests.
#[cfg(all(doctest, feature = "router"))]
#[doc = include_str!("../docs/router.md")]
pub struct RouterGuideDoctests;

/// The security guide's examples, compiled as doctests.
#[cfg(all(doctest, feature = "router"))]
#[doc = include_str!("../docs/security.md")]
pub struct SecurityGuideDoctests;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
