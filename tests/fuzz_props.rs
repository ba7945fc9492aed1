//! The fuzz targets of `fuzz/`, bounded, as property tests: every decoder an
//! answer goes through (OpenAI-compatible response and stream, Anthropic and
//! Gemini response and stream) and the model-id parser must not panic on any
//! input. Inputs are arbitrary bytes and, to get past the first `{`, texts
//! assembled from the tokens these formats are made of.
#![cfg(feature = "testing")]

use proptest::prelude::*;
use requesty::testing::fuzz;

/// Pieces of JSON, SSE and the three providers' vocabularies.
const TOKENS: &[&str] = &[
    "data: ",
    "event: ",
    "id: ",
    "retry: ",
    ": ping",
    "\n",
    "\n\n",
    "\r\n",
    "[DONE]",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "false",
    "0",
    "1",
    "-1",
    "4294967296",
    "1e999",
    "\"x\"",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "\"choices\"",
    "\"index\"",
    "\"delta\"",
    "\"content\"",
    "\"message\"",
    "\"role\"",
    "\"assistant\"",
    "\"finish_reason\"",
    "\"stop\"",
    "\"length\"",
    "\"tool_calls\"",
    "\"function\"",
    "\"arguments\"",
    "\"name\"",
    "\"id\"",
    "\"usage\"",
    "\"prompt_tokens\"",
    "\"completion_tokens\"",
    "\"error\"",
    "\"code\"",
    "\"type\"",
    "\"message_start\"",
    "\"content_block_start\"",
    "\"content_block_delta\"",
    "\"content_block_stop\"",
    "\"message_delta\"",
    "\"message_stop\"",
    "\"text_delta\"",
    "\"input_json_delta\"",
    "\"partial_json\"",
    "\"tool_use\"",
    "\"thinking\"",
    "\"text\"",
    "\"input\"",
    "\"stop_reason\"",
    "\"end_turn\"",
    "\"max_tokens\"",
    "\"candidates\"",
    "\"parts\"",
    "\"functionCall\"",
    "\"args\"",
    "\"finishReason\"",
    "\"STOP\"",
    "\"SAFETY\"",
    "\"usageMetadata\"",
    "\"promptFeedback\"",
    "\"blockReason\"",
    "\"thought\"",
    "\"thoughtSignature\"",
    "\"modelVersion\"",
    "\"responseId\"",
    "\"logprobsResult\"",
    "message_start",
    "content_block_delta",
    "message_stop",
    "error",
    "/",
    "@",
    "policy",
    "openai",
    "gpt-4o",
    " ",
    "\u{feff}",
    "\u{85}",
];

fn token_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..96).prop_map(|t| t.concat())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..512)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(input in bytes()) {
        fuzz::all(&input);
    }

    #[test]
    fn token_soup(text in token_text()) {
        fuzz::all(text.as_bytes());
    }

    #[test]
    fn sse_events_of_token_soup(events in prop::collection::vec(token_text(), 0..8)) {
        let mut body = String::new();
        for (i, e) in events.iter().enumerate() {
            if i % 3 == 0 {
                body.push_str("event: content_block_delta\n");
            }
            body.push_str("data: ");
            body.push_str(&e.replace('\n', " "));
            body.push_str("\n\n");
        }
        fuzz::all(body.as_bytes());
    }

    #[test]
    fn model_ids(text in "[a-z@/ .\\-_]{0,24}") {
        let _ = fuzz::model_id(&text);
    }
}

/// Inputs that once crashed a fuzz target (regressions).
#[test]
fn known_crashers() {
    for input in [&b""[..], b"data: {}\n\n", b"{\"choices\":[]}"] {
        fuzz::all(input);
    }
}
