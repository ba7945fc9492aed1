//! `Gemini` against loopback servers: the bodies Gemini receives (compared
//! with fixtures), its answers translated back, streams, errors, the key
//! kept out of URLs, `Debug` and errors, thought signatures carried across
//! turns, and the router falling back from a 503.

mod common;

use std::time::Duration;

use common::{KEY, fast_retry, fixture, fixture_json};
use futures::StreamExt;
use requesty::router::providers::{Gemini, Mock as MockProvider};
use requesty::router::{Policy, Provider, ProviderRequest, ProviderTimeouts, Router};
use requesty::{
    ChatRequest, Client, ContentPart, EmbeddingRequest, FilePart, FinishReason, ImageUrl, Message,
    ResponseFormat, Tool, ToolCall, ToolChoice,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MODEL: &str = "gemini-2.5-flash";
const GENERATE: &str = "/v1beta/models/gemini-2.5-flash:generateContent";
const STREAM: &str = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";

fn json_reply(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=UTF-8")
        .set_body_string(body)
}

fn sse_reply(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body)
}

/// A server answering `POST {route}` with `reply`, and a provider pointed at it.
async fn serve(route: &str, reply: ResponseTemplate) -> (MockServer, Gemini) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(reply)
        .mount(&server)
        .await;
    let gemini = Gemini::new(KEY)
        .base_url(server.uri())
        .timeout(Duration::from_secs(5));
    (server, gemini)
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn ask(chat: ChatRequest) -> ProviderRequest {
    ProviderRequest::new(MODEL, chat)
}

fn weather_tool() -> Tool {
    Tool::new(
        "get_weather",
        "Current weather for a city",
        json!({
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
            },
            "required": ["city"],
            "additionalProperties": false
        }),
    )
}

fn time_tool() -> Tool {
    Tool::new(
        "get_time",
        "Local time in an IANA time zone",
        json!({
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"]
        }),
    )
}

// ---------------------------------------------------------------- requests

#[tokio::test]
async fn path_header_and_no_key_in_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .and(header("x-goog-api-key", KEY))
        .respond_with(json_reply(200, &fixture("gemini/text_response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gemini = Gemini::new(KEY).base_url(format!("{}/", server.uri()));
    assert_eq!(gemini.id(), "google");
    let resp = gemini
        .complete(ask(ChatRequest::default().user("Hello")))
        .await
        .unwrap();
    assert_eq!(
        resp.text().as_deref(),
        Some("Hello! How can I help you today?")
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].url.query().is_none(), "{}", reqs[0].url);
    assert!(!reqs[0].url.as_str().contains(KEY));
    assert!(reqs[0].headers.get("authorization").is_none());
    assert_eq!(
        reqs[0].headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn the_tool_conversation_body_matches_the_fixture() {
    // Turn 1: Gemini calls two functions (no ids: they are synthesized).
    let (first, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/function_calls_parallel.json")),
    )
    .await;
    let base = ChatRequest::default()
        .system("You are a travel assistant.")
        .developer("Answer in one sentence.")
        .user("What's the weather in Paris, and the time in Tokyo?")
        .tools([weather_tool(), time_tool()])
        .tool_choice(ToolChoice::Auto)
        .temperature(0.2)
        .max_tokens(256);
    let answer = gemini.complete(ask(base.clone())).await.unwrap();
    assert_eq!(answer.finish_reason(), Some(&FinishReason::ToolCalls));
    let calls = answer.tool_calls().to_vec();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].function.name, "get_weather");
    assert_eq!(
        calls[0].function.arguments,
        r#"{"city":"Paris","unit":"celsius"}"#
    );
    assert!(calls.iter().all(|c| c.id.starts_with("call_")));
    assert_ne!(calls[0].id, calls[1].id);
    assert_eq!(
        bodies(&first).await[0]["toolConfig"]["functionCallingConfig"]["mode"],
        "AUTO"
    );

    // The same answer again gets the same ids.
    let again = gemini.complete(ask(base.clone())).await.unwrap();
    assert_eq!(again.tool_calls()[0].id, calls[0].id);
    assert_eq!(again.tool_calls()[1].id, calls[1].id);

    // Turn 2: results by tool_call_id (in reverse order), plus an earlier
    // exchange whose call id Gemini gave.
    let (second, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/text_response.json")),
    )
    .await;
    let mut convo = base.clone();
    convo.messages = vec![
        Message::system("You are a travel assistant."),
        Message::user("What time is it in Lima?"),
        Message::assistant_tool_calls([ToolCall::function(
            "fc_lima_1",
            "get_time",
            r#"{"timezone":"America/Lima"}"#,
        )]),
        Message::tool("fc_lima_1", "07:15"),
        Message::assistant("It is 07:15 in Lima."),
        Message::developer("Answer in one sentence."),
        Message::user("What's the weather in Paris, and the time in Tokyo?"),
        answer.assistant_message(),
        Message::tool(calls[1].id.clone(), r#""09:41""#),
        Message::tool(calls[0].id.clone(), r#"{"temp_c": 18, "sky": "cloudy"}"#),
    ];
    gemini.complete(ask(convo)).await.unwrap();
    let sent = bodies(&second).await;
    assert_eq!(sent[0], fixture_json("gemini/request_tools.json"));
}

#[tokio::test]
async fn images_and_files_inline_and_by_uri() {
    let (server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/text_response.json")),
    )
    .await;
    let parts = vec![
        ContentPart::text("Compare these."),
        ContentPart::image_base64(
            "image/png",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
        ),
        ContentPart::image_url("https://example.com/photos/cat.jpg"),
        ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: "https://cdn.example.com/render?id=42".into(),
                detail: None,
                mime_type: Some("image/webp".into()),
                extra: Default::default(),
            },
        },
        ContentPart::input_file("report.pdf", "JVBERi0xLjcKJcfsj6IKNSAwIG9iago="),
        ContentPart::File {
            file: FilePart {
                file_data: Some("data:text/plain;base64,aGVsbG8=".into()),
                filename: Some("hello.txt".into()),
                ..FilePart::default()
            },
        },
        ContentPart::InputFile(FilePart {
            file_url: Some("https://example.com/papers/attention.pdf".into()),
            ..FilePart::default()
        }),
    ];
    gemini
        .complete(ask(ChatRequest::default().user(parts)))
        .await
        .unwrap();
    assert_eq!(
        bodies(&server).await[0],
        fixture_json("gemini/request_multimodal.json")
    );
}

#[tokio::test]
async fn tool_choice_modes() {
    let (server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/text_response.json")),
    )
    .await;
    let choices = [
        ToolChoice::Auto,
        ToolChoice::None,
        ToolChoice::Required,
        ToolChoice::function("get_time"),
    ];
    for choice in choices {
        let req = ChatRequest::default()
            .user("Time in Oslo?")
            .tools([weather_tool(), time_tool()])
            .tool_choice(choice);
        gemini.complete(ask(req)).await.unwrap();
    }
    let configs: Vec<Value> = bodies(&server)
        .await
        .into_iter()
        .map(|b| b["toolConfig"]["functionCallingConfig"].clone())
        .collect();
    assert_eq!(
        configs,
        [
            json!({"mode": "AUTO"}),
            json!({"mode": "NONE"}),
            json!({"mode": "ANY"}),
            json!({"mode": "ANY", "allowedFunctionNames": ["get_time"]}),
        ]
    );
}

#[tokio::test]
async fn json_schema_and_thinking_config() {
    let (server, gemini) = serve(
        "/v1beta/models/gemini-3-pro-preview:generateContent",
        json_reply(200, &fixture("gemini/text_response.json")),
    )
    .await;
    let schema = json!({
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": ["integer", "null"]}},
        "required": ["city", "population"],
        "additionalProperties": false
    });
    let req = ChatRequest::default()
        .user("Largest city in Norway?")
        .response_format(ResponseFormat::json_schema("City", schema.clone()))
        .reasoning_effort("low");
    gemini
        .complete(ProviderRequest::new("gemini-3-pro-preview", req))
        .await
        .unwrap();
    let body = &bodies(&server).await[0];
    assert_eq!(
        body["generationConfig"],
        json!({
            "responseMimeType": "application/json",
            "responseJsonSchema": schema,
            "thinkingConfig": {"thinkingLevel": "low", "includeThoughts": true}
        })
    );

    let (server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/text_response.json")),
    )
    .await;
    for effort in ["none", "medium", "max", "3000"] {
        gemini
            .complete(ask(ChatRequest::default()
                .user("hi")
                .reasoning_effort(effort)))
            .await
            .unwrap();
    }
    let configs: Vec<Value> = bodies(&server)
        .await
        .into_iter()
        .map(|b| b["generationConfig"]["thinkingConfig"].clone())
        .collect();
    assert_eq!(
        configs,
        [
            json!({"thinkingBudget": 0}),
            json!({"thinkingBudget": 8192, "includeThoughts": true}),
            json!({"thinkingBudget": 24576, "includeThoughts": true}),
            json!({"thinkingBudget": 3000, "includeThoughts": true}),
        ]
    );
}

#[tokio::test]
async fn invalid_requests_never_reach_the_server() {
    let (server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/text_response.json")),
    )
    .await;
    let orphan = ChatRequest::default()
        .user("hi")
        .message(Message::tool("call_unknown", "42"));
    let err = gemini.complete(ask(orphan)).await.unwrap_err();
    assert!(err.to_string().contains("tool_call_id"), "{err}");
    let bad_model = ProviderRequest::new("gemini?key=x", ChatRequest::default().user("hi"));
    assert!(gemini.complete(bad_model).await.is_err());
    assert!(bodies(&server).await.is_empty());
}

// --------------------------------------------------------------- responses

#[tokio::test]
async fn a_text_answer_with_usage() {
    let (_server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/text_response.json")),
    )
    .await;
    let c = gemini
        .complete(ask(ChatRequest::default().user("Hello")))
        .await
        .unwrap();
    assert_eq!(c.id, "kXtTaOGxB9-ymtkP1dCa8A4");
    assert_eq!(c.model, "gemini-2.5-flash");
    assert_eq!(c.object, "chat.completion");
    assert!(c.created > 0);
    assert_eq!(c.finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(c.choices[0].extra["finish_reason_raw"], "STOP");
    assert_eq!(c.choices[0].message.role, requesty::Role::Assistant);
    let u = c.usage.as_ref().unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (6, 9, 15)
    );
    assert_eq!(c.meta.status(), 200);
}

#[tokio::test]
async fn thoughts_and_finish_reasons_and_cached_tokens() {
    let (_server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/max_tokens_response.json")),
    )
    .await;
    let c = gemini
        .complete(ask(ChatRequest::default().user("History of printing?")))
        .await
        .unwrap();
    assert_eq!(c.finish_reason(), Some(&FinishReason::Length));
    let u = c.usage.unwrap();
    assert_eq!(u.prompt_tokens, 1200);
    assert_eq!(u.completion_tokens, 50);
    assert_eq!(u.total_tokens, 1250);
    assert_eq!(u.cached_tokens(), 1024);
    assert_eq!(u.reasoning_tokens(), 40);

    let (_server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/thinking_response.json")),
    )
    .await;
    let c = gemini
        .complete(ask(ChatRequest::default().user("Weather in Lisbon?")))
        .await
        .unwrap();
    assert!(
        c.reasoning()
            .unwrap()
            .starts_with("**Checking the weather**")
    );
    assert_eq!(c.text(), None);
    assert_eq!(c.finish_reason(), Some(&FinishReason::ToolCalls));
    assert_eq!(c.usage.as_ref().unwrap().completion_tokens, 16 + 93);
    assert_eq!(c.usage.as_ref().unwrap().reasoning_tokens(), 93);

    let (_server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/safety_candidate.json")),
    )
    .await;
    let c = gemini
        .complete(ask(ChatRequest::default().user("…")))
        .await
        .unwrap();
    assert_eq!(c.finish_reason(), Some(&FinishReason::ContentFilter));
    assert_eq!(c.choices[0].extra["finish_reason_raw"], "SAFETY");
    assert_eq!(c.text().as_deref(), Some(""));
}

#[tokio::test]
async fn other_finish_reasons_keep_their_raw_value() {
    let body = json!({
        "candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": "MALFORMED_FUNCTION_CALL", "finishMessage": "Malformed function call: get_weather(city=)"}],
        "modelVersion": "gemini-2.5-flash"
    });
    let (_server, gemini) = serve(GENERATE, json_reply(200, &body.to_string())).await;
    let c = gemini
        .complete(ask(ChatRequest::default().user("x")))
        .await
        .unwrap();
    assert_eq!(
        c.finish_reason(),
        Some(&FinishReason::Other("MALFORMED_FUNCTION_CALL".into()))
    );
    assert_eq!(
        c.choices[0].extra["finish_message"],
        "Malformed function call: get_weather(city=)"
    );
}

#[tokio::test]
async fn a_blocked_prompt_is_a_content_filter_refusal() {
    let (_server, gemini) = serve(
        GENERATE,
        json_reply(200, &fixture("gemini/safety_block.json")),
    )
    .await;
    let c = gemini
        .complete(ask(ChatRequest::default().user("…")))
        .await
        .unwrap();
    assert_eq!(c.finish_reason(), Some(&FinishReason::ContentFilter));
    assert_eq!(c.choices[0].extra["block_reason"], "SAFETY");
    assert!(c.refusal().unwrap().contains("SAFETY"));
    assert_eq!(c.text(), None);
    assert_eq!(c.usage.unwrap().prompt_tokens, 12);
}

#[tokio::test]
async fn thought_signatures_round_trip() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-3-pro-preview:generateContent"))
        .respond_with(json_reply(200, &fixture("gemini/thinking_response.json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-3-pro-preview:generateContent"))
        .respond_with(json_reply(
            200,
            &fixture("gemini/thinking_text_response.json"),
        ))
        .mount(&server)
        .await;
    let gemini = Gemini::new(KEY).base_url(server.uri());
    let ask3 = |chat| ProviderRequest::new("gemini-3-pro-preview", chat);

    let mut convo = ChatRequest::default()
        .user("Weather in Lisbon?")
        .tool(weather_tool())
        .reasoning_effort("high");
    let first = gemini.complete(ask3(convo.clone())).await.unwrap();
    let call = first.tool_calls()[0].clone();
    assert_eq!(
        call.extra["extra_content"]["google"]["thought_signature"],
        "CiQBcsjafPa3wY2kWg0Jl9ZxXLq1e0hS2p0Y0Nn6vQ0w2fQ4RJwKYwFyyNp8yQ=="
    );
    convo = convo
        .message(first.assistant_message())
        .message(Message::tool(
            call.id.clone(),
            r#"{"temp_c": 21, "sky": "sunny"}"#,
        ));
    let second = gemini.complete(ask3(convo.clone())).await.unwrap();
    assert_eq!(
        second.text().as_deref(),
        Some("It is 21 °C and sunny in Lisbon.")
    );
    let text_sig = "Ci4BcsjafNeQpUj2b3k9FSbY3n8s0xvV4m8P1rQz5xw1W0gXk7l0m4s=";
    assert_eq!(
        second.choices[0].message.extra["extra_content"]["google"]["thought_signature"],
        text_sig
    );
    convo = convo
        .message(second.assistant_message())
        .user("And in Porto?");
    gemini.complete(ask3(convo)).await.unwrap();

    let sent = bodies(&server).await;
    assert_eq!(
        sent[1]["contents"][1],
        json!({"role": "model", "parts": [{
            "functionCall": {"name": "get_weather", "args": {"city": "Lisbon"}},
            "thoughtSignature": "CiQBcsjafPa3wY2kWg0Jl9ZxXLq1e0hS2p0Y0Nn6vQ0w2fQ4RJwKYwFyyNp8yQ=="
        }]})
    );
    assert_eq!(
        sent[1]["contents"][2],
        json!({"role": "user", "parts": [{
            "functionResponse": {"name": "get_weather", "response": {"temp_c": 21, "sky": "sunny"}}
        }]})
    );
    assert_eq!(
        sent[2]["contents"][3],
        json!({"role": "model", "parts": [{"text": "It is 21 °C and sunny in Lisbon.", "thoughtSignature": text_sig}]})
    );
    // The thought summary is not sent back.
    assert!(!sent[2].to_string().contains("Checking the weather"));
}

#[tokio::test]
async fn streamed_signatures_round_trip_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(STREAM))
        .respond_with(sse_reply(&fixture("gemini/stream_function_call.sse")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .respond_with(json_reply(200, &fixture("gemini/text_response.json")))
        .mount(&server)
        .await;
    let gemini = Gemini::new(KEY).base_url(server.uri());
    let convo = ChatRequest::default()
        .user("Weather in Oslo?")
        .tool(weather_tool());
    let streamed = gemini
        .stream(ask(convo.clone()))
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    let call = streamed.tool_calls()[0].clone();
    let next = convo
        .message(streamed.assistant_message())
        .message(Message::tool(call.id, "-3 °C, snow"));
    gemini.complete(ask(next)).await.unwrap();
    let sent = bodies(&server).await;
    let model_turn = &sent[1]["contents"][1];
    assert_eq!(
        model_turn["parts"][0]["thoughtSignature"],
        "CiQBcsjafAbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdEf=="
    );
    assert_eq!(
        sent[1]["contents"][2]["parts"][0]["functionResponse"],
        json!({"name": "get_weather", "response": {"result": "-3 °C, snow"}})
    );
}

// ------------------------------------------------------------------ errors

#[tokio::test]
async fn google_errors_keep_status_code_and_details() {
    let (_server, gemini) =
        serve(GENERATE, json_reply(400, &fixture("gemini/error_400.json"))).await;
    let err = gemini
        .complete(ask(ChatRequest::default().user("x")))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 400);
    assert_eq!(api.code.as_deref(), Some("400"));
    assert_eq!(api.error_type.as_deref(), Some("INVALID_ARGUMENT"));
    assert!(api.message.contains("contents is not specified"));
    assert_eq!(
        api.metadata.as_ref().unwrap()["details"][0]["@type"],
        "type.googleapis.com/google.rpc.BadRequest"
    );
    assert!(!err.is_retryable());

    for (status, file, kind) in [
        (429, "gemini/error_429.json", "RESOURCE_EXHAUSTED"),
        (503, "gemini/error_503.json", "UNAVAILABLE"),
    ] {
        let (server, gemini) = serve(GENERATE, json_reply(status, &fixture(file))).await;
        let err = gemini
            .complete(ask(ChatRequest::default().user("x")))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.api().unwrap().error_type.as_deref(), Some(kind));
        assert!(err.is_retryable(), "{status}");
        // No retries of its own: the router is the one retry loop.
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_key_stays_out_of_debug_and_errors() {
    let echo = format!(
        r#"{{"error":{{"code":400,"message":"API key not valid: {KEY}","status":"INVALID_ARGUMENT"}}}}"#
    );
    let (_server, gemini) = serve(GENERATE, json_reply(400, &echo)).await;
    assert!(!format!("{gemini:?}").contains(KEY));
    let err = gemini
        .complete(ask(ChatRequest::default().user("x")))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains(KEY), "{err}");
    assert!(!format!("{err:?}").contains(KEY));
    assert!(!err.api().unwrap().body.contains(KEY));

    let refused = Gemini::new(KEY).base_url(format!("http://127.0.0.1:{}", common::closed_port()));
    let err = refused
        .complete(ask(ChatRequest::default().user("x")))
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(KEY));
}

// --------------------------------------------------------------- streaming

#[tokio::test]
async fn a_streamed_text_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(STREAM))
        .and(query_param("alt", "sse"))
        .and(header("x-goog-api-key", KEY))
        .respond_with(sse_reply(&fixture("gemini/stream_text.sse")))
        .mount(&server)
        .await;
    let gemini = Gemini::new(KEY).base_url(server.uri());
    let req = ChatRequest::default().user("Pangram?").include_usage(true);
    let mut stream = gemini.stream(ask(req)).await.unwrap();
    let mut chunks = Vec::new();
    while let Some(c) = stream.next().await {
        chunks.push(c.unwrap());
    }
    assert_eq!(chunks.len(), 4);
    assert_eq!(
        chunks[0].choices[0].delta.role,
        Some(requesty::Role::Assistant)
    );
    assert_eq!(chunks[1].choices[0].delta.role, None);
    let texts: Vec<_> = chunks.iter().filter_map(|c| c.delta_text()).collect();
    assert_eq!(
        texts,
        ["The quick", " brown fox jumps", " over the lazy dog."]
    );
    assert_eq!(chunks[0].finish_reason(), None);
    assert_eq!(chunks[1].finish_reason(), None);
    assert_eq!(chunks[2].finish_reason(), Some(&FinishReason::Stop));
    assert!(chunks[3].choices.is_empty());
    assert_eq!(chunks[3].usage.as_ref().unwrap().total_tokens, 17);
    assert!(chunks.iter().all(|c| c.id == "7ZxTaJGkD4aRz7IPmc-ViQ4"));
    assert!(chunks.iter().all(|c| c.object == "chat.completion.chunk"));
    let done = stream.into_completion().await.unwrap();
    assert_eq!(
        done.text().as_deref(),
        Some("The quick brown fox jumps over the lazy dog.")
    );
    assert_eq!(done.usage.unwrap().completion_tokens, 10);

    // Without include_usage there is no usage chunk.
    let stream = gemini
        .stream(ask(ChatRequest::default().user("Pangram?")))
        .await
        .unwrap();
    let chunks: Vec<_> = stream.collect().await;
    assert_eq!(chunks.len(), 3);
    assert_eq!(
        bodies(&server).await[0]["contents"][0]["parts"][0]["text"],
        "Pangram?"
    );
}

#[tokio::test]
async fn a_streamed_function_call() {
    let (_server, gemini) = serve(
        STREAM,
        sse_reply(&fixture("gemini/stream_function_call.sse")),
    )
    .await;
    let mut stream = gemini
        .stream(ask(ChatRequest::default()
            .user("Weather in Oslo?")
            .tool(weather_tool())
            .include_usage(true)))
        .await
        .unwrap();
    let mut chunks = Vec::new();
    while let Some(c) = stream.next().await {
        chunks.push(c.unwrap());
    }
    assert_eq!(
        chunks[0].delta_reasoning(),
        Some("**Planning**\n\nI need the weather tool for Oslo.")
    );
    let calls = chunks[1].choices[0].delta.tool_calls.as_ref().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].index, Some(0));
    let f = calls[0].function.as_ref().unwrap();
    assert_eq!(f.name.as_deref(), Some("get_weather"));
    assert_eq!(f.arguments.as_deref(), Some(r#"{"city":"Oslo"}"#));
    assert!(calls[0].id.as_deref().unwrap().starts_with("call_"));
    assert_eq!(chunks[1].finish_reason(), Some(&FinishReason::ToolCalls));
    let done = stream.into_completion().await.unwrap();
    assert_eq!(done.tool_calls()[0].function.name, "get_weather");
    assert_eq!(done.usage.as_ref().unwrap().reasoning_tokens(), 25);

    // Streamed and non-streamed answers get the same ids.
    let body = json!({"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}}], "role": "model"}, "finishReason": "STOP"}]});
    let (_s, plain) = serve(GENERATE, json_reply(200, &body.to_string())).await;
    let c = plain
        .complete(ask(ChatRequest::default().user("Weather in Oslo?")))
        .await
        .unwrap();
    assert_eq!(c.tool_calls()[0].id, done.tool_calls()[0].id);
}

#[tokio::test]
async fn a_truncated_stream_ends_with_an_error() {
    let (_server, gemini) = serve(STREAM, sse_reply(&fixture("gemini/stream_truncated.sse"))).await;
    let mut stream = gemini
        .stream(ask(ChatRequest::default().user("Story?")))
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
    }
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    let err = items[2].as_ref().unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");

    // An error event mid-stream is an Err item with the API error.
    let body = format!(
        "data: {}\n\ndata: {}\n\n",
        json!({"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}}]}),
        fixture_json("gemini/error_503.json")
    );
    let (_server, gemini) = serve(STREAM, sse_reply(&body)).await;
    let items: Vec<_> = gemini
        .stream(ask(ChatRequest::default().user("Story?")))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(items.len(), 2);
    let err = items[1].as_ref().unwrap_err();
    assert_eq!(
        err.api().unwrap().error_type.as_deref(),
        Some("UNAVAILABLE")
    );
    assert_eq!(err.api().unwrap().effective_status(), 503);
}

#[tokio::test]
async fn http_errors_come_back_from_stream_itself() {
    let (_server, gemini) = serve(STREAM, json_reply(429, &fixture("gemini/error_429.json"))).await;
    let err = gemini
        .stream(ask(ChatRequest::default().user("x")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(
        err.api().unwrap().error_type.as_deref(),
        Some("RESOURCE_EXHAUSTED")
    );
}

/// A server that sends the stream's headers and then goes silent.
async fn silent_stream_server() -> String {
    let app = axum::Router::new().fallback(|| async {
        let body = async_stream::stream! {
            yield Ok::<_, std::io::Error>(axum::body::Bytes::from_static(
                b"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"}}]}\n\n",
            ));
            tokio::time::sleep(Duration::from_secs(30)).await;
        };
        axum::response::Response::builder()
            .header("content-type", "text/event-stream")
            .body(axum::body::Body::from_stream(body))
            .unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_silent_stream_hits_the_read_timeout() {
    let base = silent_stream_server().await;
    let gemini = Gemini::new(KEY)
        .base_url(base)
        .read_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let items: Vec<_> = gemini
        .stream(ask(ChatRequest::default().user("x")))
        .await
        .unwrap()
        .collect()
        .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert!(items[1].as_ref().unwrap_err().is_timeout());
}

// ------------------------------------------------------ models, embeddings

#[tokio::test]
async fn models_and_embeddings() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .and(header("x-goog-api-key", KEY))
        .respond_with(json_reply(200, &fixture("gemini/models.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/v1beta/models/gemini-embedding-001:batchEmbedContents",
        ))
        .respond_with(json_reply(200, &fixture("gemini/embeddings.json")))
        .mount(&server)
        .await;
    let gemini = Gemini::new(KEY).base_url(server.uri());
    let models = gemini.list_models().await.unwrap();
    let flash = models.get("gemini-2.5-flash").unwrap();
    assert_eq!(flash.context_window, Some(1_048_576));
    assert_eq!(flash.max_output_tokens, Some(65_536));
    assert_eq!(models.data.len(), 2);

    let resp = gemini
        .embed(EmbeddingRequest::new("gemini-embedding-001", ["hello", "world"]).dimensions(4))
        .await
        .unwrap();
    assert_eq!(resp.data.len(), 2);
    assert_eq!(resp.data[1].index, 1);
    assert_eq!(resp.data[0].as_floats().unwrap().len(), 4);
    let sent = server.received_requests().await.unwrap();
    let embed: Value = serde_json::from_slice(&sent[1].body).unwrap();
    assert_eq!(
        embed,
        json!({"requests": [
            {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "hello"}]}, "outputDimensionality": 4},
            {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "world"}]}, "outputDimensionality": 4},
        ]})
    );
}

#[test]
fn from_vars_needs_a_key() {
    let vars = |k: &str| match k {
        "GEMINI_API_KEY" => Some("AIza-test".to_owned()),
        "GEMINI_BASE_URL" => Some("http://127.0.0.1:9".to_owned()),
        _ => None,
    };
    let p = Gemini::from_vars(vars).unwrap().unwrap();
    assert!(format!("{p:?}").contains("127.0.0.1:9"));
    assert!(!format!("{p:?}").contains("AIza-test"));
    let fallback = |k: &str| (k == "GOOGLE_API_KEY").then(|| "AIza-2".to_owned());
    assert!(Gemini::from_vars(fallback).unwrap().is_some());
    assert!(Gemini::from_vars(|_| None).unwrap().is_none());
}

// ------------------------------------------------------------------ router

#[tokio::test]
async fn through_the_router_and_a_local_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .respond_with(json_reply(200, &fixture("gemini/text_response.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(STREAM))
        .respond_with(sse_reply(&fixture("gemini/stream_text.sse")))
        .mount(&server)
        .await;
    let router = Router::builder()
        .provider(Gemini::new(KEY).base_url(server.uri()))
        .alias("fast", "google/gemini-2.5-flash")
        .build()
        .unwrap();
    let client = Client::local(router);
    let c = client
        .chat()
        .create(
            ChatRequest::new("google/gemini-2.5-flash")
                .user("Hello")
                .user_id("u-1")
                .tags(["t"]),
        )
        .await
        .unwrap();
    assert_eq!(
        c.text().as_deref(),
        Some("Hello! How can I help you today?")
    );
    assert_eq!(c.meta.served_by(), Some("google/gemini-2.5-flash"));

    let mut stream = client
        .chat()
        .stream(ChatRequest::new("fast").user("Pangram?"))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        text.push_str(chunk.unwrap().delta_text().unwrap_or_default());
    }
    assert_eq!(text, "The quick brown fox jumps over the lazy dog.");
    let done = stream.into_completion().await.unwrap();
    // `chat().stream` asks for usage, so the usage chunk arrives.
    assert_eq!(done.usage.unwrap().total_tokens, 17);

    // The `requesty` object never reaches Gemini.
    for b in bodies(&server).await {
        assert!(b.get("requesty").is_none());
        assert_eq!(b["contents"][0]["role"], "user");
    }
}

#[tokio::test]
async fn a_503_falls_back_to_the_next_target() {
    // Every POST (answers and streams) is a 503.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_reply(503, &fixture("gemini/error_503.json")))
        .mount(&server)
        .await;
    let gemini = Gemini::new(KEY).base_url(server.uri());
    let backup = MockProvider::new("backup").text("from the backup");
    let router = Router::builder()
        .provider(gemini)
        .provider(backup.clone())
        .policy(
            "reliable",
            Policy::fallback(["google/gemini-2.5-flash", "backup/mock-1"]).retries(1),
        )
        .retry_policy(fast_retry())
        .timeouts(
            "google",
            ProviderTimeouts {
                total: Some(Duration::from_secs(5)),
                first_token: Some(Duration::from_secs(5)),
            },
        )
        .build()
        .unwrap();
    let client = Client::local(router);
    let c = client
        .chat()
        .create(ChatRequest::new("policy/reliable").user("hi"))
        .await
        .unwrap();
    assert_eq!(c.text().as_deref(), Some("from the backup"));
    assert_eq!(c.meta.served_by(), Some("backup/mock-1"));
    let attempts = c.meta.attempts();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    assert_eq!(attempts[0].target, "google/gemini-2.5-flash");
    assert_eq!(attempts[0].status, Some(503));
    assert_eq!(attempts[1].status, Some(503));
    // One retry of the same target, then the fallback; Gemini itself retried nothing.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(backup.calls(), 1);

    // A stream falls back the same way before its first chunk.
    let mut stream = client
        .chat()
        .stream(ChatRequest::new("policy/reliable").user("hi"))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        text.push_str(chunk.unwrap().delta_text().unwrap_or_default());
    }
    assert_eq!(text, "from the backup");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    let last = server.received_requests().await.unwrap().pop().unwrap();
    assert!(last.url.path().ends_with(":streamGenerateContent"));
}
