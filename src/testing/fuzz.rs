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

/// A `router.toml` text, parsed as `requesty-router` does and, when it
/// parses, checked with an empty environment (the router is built, no
/// network is touched). Errors of a text that is not valid TOML carry a
/// line and column; every error displays.
#[cfg(feature = "server")]
pub fn config(text: &str) -> std::result::Result<(), crate::server::ConfigError> {
    let toml_ok = toml::from_str::<toml::Table>(text).is_ok();
    let cfg = match crate::server::Config::parse(text, "fuzz.toml") {
        Ok(cfg) => cfg,
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.starts_with("fuzz.toml"), "{shown}");
            if !toml_ok {
                let (line, col) = e
                    .position
                    .unwrap_or_else(|| panic!("a syntax error without a position: {shown}"));
                assert!(line >= 1 && col >= 1, "{shown}");
                assert!(line <= text.lines().count().max(1) + 1, "{shown}");
            }
            return Err(e);
        }
    };
    assert!(toml_ok, "parsed a text that is not TOML: {text:?}");
    let built = cfg.check(&|_: &str| None).inspect_err(|e| {
        let _ = e.to_string();
    })?;
    drop(built);
    Ok(())
}

/// The security scanner on `text`: `redact`, `injection`, and a
/// [`StreamRedactor`](crate::router::security::StreamRedactor) fed `text`
/// in pieces whose sizes come from `sizes` (cycled; 0 counts as 1). Neither
/// the whole-text redaction nor the stream's output may contain a value the
/// whole-text scan found, when that value is at least 8 bytes long and
/// occurs nowhere else in `text` outside the findings. Returns the stream
/// output.
pub fn security_scanner(text: &str, sizes: &[u8]) -> String {
    use crate::router::security::{Scanner, StreamRedactor};

    let scanner = Scanner::new();
    let (redacted, findings) = scanner.redact(text);
    let _ = scanner.injection(text);
    let _ = scanner.injection_report(text);

    let mut stream = StreamRedactor::new(scanner);
    let mut out = String::new();
    let mut at = 0;
    let mut i = 0;
    while at < text.len() {
        let size = sizes.get(i % sizes.len().max(1)).copied().unwrap_or(16);
        i += 1;
        let mut end = (at + usize::from(size.max(1))).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push_str(&stream.push(&text[at..end]));
        at = end;
    }
    out.push_str(&stream.finish());

    for f in &findings {
        assert!(f.start <= f.end && f.end <= text.len(), "{f:?}");
        let value = &text[f.start..f.end];
        if value.len() < 8 || occurs_outside(text, value, &findings) {
            continue;
        }
        assert!(
            !redacted.contains(value),
            "redact left a {} ({value:?}) in {redacted:?}",
            f.kind
        );
        assert!(
            !out.contains(value),
            "the stream redactor let a {} ({value:?}) through: {out:?}",
            f.kind
        );
    }
    out
}

/// Whether `value` occurs in `text` anywhere not wholly inside a finding.
fn occurs_outside(text: &str, value: &str, findings: &[crate::router::security::Finding]) -> bool {
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(value)) {
        let start = from + i;
        let end = start + value.len();
        if !findings.iter().any(|f| f.start <= start && end <= f.end) {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}
