//! Entry points for fuzzing and property tests: the decoders every answer
//! goes through, fed with arbitrary bytes. Not a stable API.

use crate::error::Result;
use crate::types::{ChatCompletion, ChatCompletionChunk};

/// An OpenAI-compatible non-streamed answer body, decoded as the client does.
pub fn openai_response(bytes: &[u8]) -> Result<ChatCompletion> {
    let meta = crate::meta::ResponseMeta::default();
    crate::chat::decode_answer(&meta, bytes, |s| s)
}

/// An OpenAI-compatible event-stream body: the items the client's stream
/// would yield (no timeouts).
pub fn openai_stream(bytes: &[u8]) -> Vec<Result<ChatCompletionChunk>> {
    crate::stream::chat_stream::openai_sse_sync(bytes)
}

/// An Anthropic Messages API answer body, decoded as the provider does.
pub fn anthropic_response(bytes: &[u8]) -> Result<ChatCompletion> {
    crate::router::providers::anthropic::decode_response_for_tests(bytes)
}

/// An Anthropic event-stream body: the items the provider's stream would yield.
pub fn anthropic_stream(bytes: &[u8]) -> Vec<Result<ChatCompletionChunk>> {
    crate::router::providers::anthropic::decode_stream_for_tests(bytes)
}

/// A Gemini `generateContent` answer body, decoded as the provider does.
pub fn gemini_response(bytes: &[u8]) -> Result<ChatCompletion> {
    crate::router::providers::gemini::decode_response_for_tests(bytes)
}

/// A Gemini `streamGenerateContent?alt=sse` body: the items the provider's
/// stream would yield.
pub fn gemini_stream(bytes: &[u8]) -> Vec<Result<ChatCompletionChunk>> {
    crate::router::providers::gemini::decode_stream_for_tests(bytes)
}

/// A model id, parsed as the router does; on success, its display form
/// parses back to the same id.
pub fn model_id(text: &str) -> Result<crate::router::ModelId> {
    let id = crate::router::ModelId::parse(text)?;
    let again = crate::router::ModelId::parse(&id.to_string())?;
    assert_eq!(id, again, "model id {text:?} does not round-trip");
    Ok(id)
}

/// Every decoder above on the same bytes (the model id on their lossy text).
pub fn all(bytes: &[u8]) {
    let _ = openai_response(bytes);
    let _ = openai_stream(bytes);
    let _ = anthropic_response(bytes);
    let _ = anthropic_stream(bytes);
    let _ = gemini_response(bytes);
    let _ = gemini_stream(bytes);
    let _ = model_id(&String::from_utf8_lossy(bytes));
}
