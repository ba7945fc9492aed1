//! The wire types: the OpenAI chat-completions schema, open to values and
//! fields this version does not know.

pub(crate) mod macros;

pub mod chunk;
pub mod embeddings;
pub mod message;
pub mod models;
pub mod request;
pub mod response;
pub mod security;
pub mod tool;

pub use chunk::{ChatCompletionChunk, ChunkChoice, Delta, FunctionCallDelta, ToolCallDelta};
pub use embeddings::{
    Embedding, EmbeddingInput, EmbeddingRequest, EmbeddingResponse, EmbeddingUsage, EmbeddingVector,
};
pub use message::{
    Content, ContentPart, FilePart, FunctionCall, ImageDetail, ImageUrl, InputAudio, Message, Role,
    ToolCall, ToolType,
};
pub use models::{Model, ModelList};
pub use request::{ChatRequest, ReasoningEffort, RequestyOptions, Stop, StreamOptions};
pub use response::{
    ChatCompletion, Choice, ChoiceLogprobs, CompletionTokensDetails, FinishReason,
    PromptTokensDetails, TokenLogprob, Usage,
};
pub use security::{SecurityLevel, Violation};
pub use tool::{
    FunctionCallChoice, FunctionDefinition, JsonSchemaFormat, ResponseFormat, Tool, ToolChoice,
};
