//! `providers::Anthropic` against loopback servers: request translation
//! (bodies compared with fixtures), answers, streams, errors, headers,
//! secrets, the router, and the recorded llama.cpp Anthropic-format fixtures.

mod common;

use std::time::Duration;

use common::{KEY, fixture, fixture_json};
use futures::StreamExt;
use requesty::router::providers::{Anthropic, Mock as MockProvider, MockReply};
use requesty::router::{Policy, Provider, ProviderRequest, Router};
use requesty::types::FilePart;
use requesty::{
    ChatCompletion, ChatCompletionChunk, ChatRequest, Client, ContentPart, ErrorKind, FinishReason,
    Message, ReasoningEffort, ResponseFormat, Tool, ToolCall, ToolChoice,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SONNET: &str = "claude-sonnet-4-20250514";

fn json_answer(body: &str) -> ResponseTemplate {
    json_status(200, body).insert_header("request-id", "req_011CTest01")
}

fn json_status(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

fn sse_answer(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("request-id", "req_011CStream01")
        .set_body_raw(body.as_bytes().to_vec(), "text/event-stream")
}

/// A server answering `POST /v1/messages` with `answer`.
async fn answering(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

fn provider(server: &MockServer) -> Anthropic {
    Anthropic::new(KEY)
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
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

/// Sends `chat` for `model` and returns the body the server received.
async fn sent_body(model: &str, chat: ChatRequest) -> Value {
    let server = answering(json_answer(&fixture("anthropic/message_text.json"))).await;
    provider(&server)
        .complete(ProviderRequest::new(model, chat))
        .await
        .unwrap();
    bodies(&server).await.remove(0)
}

async fn complete_with(body: &str, chat: ChatRequest) -> ChatCompletion {
    let server = answering(json_answer(body)).await;
    provider(&server)
        .complete(ProviderRequest::new(SONNET, chat))
        .await
        .unwrap()
}

async fn stream_items(
    body: &str,
    include_usage: bool,
) -> Vec<requesty::Result<ChatCompletionChunk>> {
    let server = answering(sse_answer(body)).await;
    let chat = ChatRequest::default()
        .user("hi")
        .include_usage(include_usage);
    let s = provider(&server)
        .stream(ProviderRequest::new(SONNET, chat))
        .await
        .unwrap();
    s.collect().await
}

async fn streamed(body: &str) -> ChatCompletion {
    let server = answering(sse_answer(body)).await;
    let chat = ChatRequest::default().user("hi").include_usage(true);
    let s = provider(&server)
        .stream(ProviderRequest::new(SONNET, chat))
        .await
        .unwrap();
    s.into_completion().await.unwrap()
}

fn weather_tool() -> Tool {
    Tool::new(
        "get_weather",
        "Current weather for a city",
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    )
}

fn weather_schema() -> Value {
    json!({"type": "object", "properties": {"city": {"type": "string"}, "celsius": {"type": "integer"}},
           "required": ["city", "celsius"], "additionalProperties": false})
}

// ---------------------------------------------------------------- requests

#[tokio::test]
async fn system_hoisted_turns_merged_images_and_pdfs() {
    let pdf_url = ContentPart::File {
        file: FilePart {
            file_url: Some("https://example.com/paper.pdf".into()),
            ..FilePart::default()
        },
    };
    let chat = ChatRequest::default()
        .system("You are terse.")
        .user("Describe these.")
        .user(vec![
            ContentPart::image_url("https://example.com/cat.png"),
            ContentPart::image_base64("image/png", "iVBORw0KGgo="),
            ContentPart::input_file("report.pdf", "data:application/pdf;base64,JVBERi0xLjQ="),
        ])
        .developer("Answer in English.")
        .assistant("A cat and a report.")
        .user(vec![pdf_url, ContentPart::text("And this one?")])
        .stop(["END"])
        .end_user("user-42")
        .temperature(0.2)
        .max_tokens(300)
        // OpenAI-only fields: dropped.
        .seed(7)
        .presence_penalty(0.5)
        .frequency_penalty(0.1)
        .logit_bias(50256, -100)
        .top_logprobs(2)
        .n(1);
    let body = sent_body(SONNET, chat).await;
    assert_eq!(body, fixture_json("anthropic/request_conversation.json"));
}

#[tokio::test]
async fn tools_choice_and_tool_results_in_one_turn() {
    let mut asst = Message::assistant_tool_calls([
        ToolCall::function("toolu_01Paris", "get_weather", r#"{"city":"Paris"}"#),
        ToolCall::function("toolu_02Rome", "get_weather", r#"{"city": "Rome"}"#),
    ]);
    asst.content = Some("Checking both.".into());
    let chat = ChatRequest::default()
        .user("Weather in Paris and Rome?")
        .message(asst)
        .message(Message::tool("toolu_01Paris", "18°C, sunny"))
        .message(Message::tool("toolu_02Rome", "22°C, clear"))
        .user("Thanks! Which is warmer?")
        .tool(weather_tool())
        .tool_choice(ToolChoice::Required)
        .parallel_tool_calls(false);
    let body = sent_body("claude-3-5-haiku-20241022", chat).await;
    assert_eq!(body, fixture_json("anthropic/request_tools.json"));
}

#[tokio::test]
async fn tool_choice_forms() {
    let base = || ChatRequest::default().user("hi").tool(weather_tool());
    let choice = |b: Value| b.get("tool_choice").cloned();
    let b = sent_body(
        SONNET,
        base().tool_choice(ToolChoice::function("get_weather")),
    )
    .await;
    assert_eq!(
        choice(b),
        Some(json!({"type": "tool", "name": "get_weather"}))
    );
    let b = sent_body(SONNET, base().tool_choice(ToolChoice::Auto)).await;
    assert_eq!(choice(b), Some(json!({"type": "auto"})));
    let b = sent_body(
        SONNET,
        base()
            .tool_choice(ToolChoice::None)
            .parallel_tool_calls(false),
    )
    .await;
    assert_eq!(choice(b), Some(json!({"type": "none"})));
    let b = sent_body(SONNET, base().parallel_tool_calls(false)).await;
    assert_eq!(
        choice(b),
        Some(json!({"type": "auto", "disable_parallel_tool_use": true}))
    );
    let b = sent_body(SONNET, base()).await;
    assert_eq!(choice(b.clone()), None);
    assert_eq!(b["tools"][0]["name"], "get_weather");
    // A tool choice without tools is not sent.
    let b = sent_body(
        SONNET,
        ChatRequest::default()
            .user("hi")
            .tool_choice(ToolChoice::Auto),
    )
    .await;
    assert!(b.get("tool_choice").is_none() && b.get("tools").is_none());
}

#[tokio::test]
async fn max_tokens_defaults_follow_the_model_table() {
    let max = |b: Value| b["max_tokens"].as_u64().unwrap();
    let hi = || ChatRequest::default().user("hi");
    assert_eq!(max(sent_body("claude-opus-4-20250514", hi()).await), 32000);
    assert_eq!(
        max(sent_body("claude-opus-4-1-20250805", hi()).await),
        32000
    );
    assert_eq!(max(sent_body(SONNET, hi()).await), 64000);
    assert_eq!(max(sent_body("claude-3-5-haiku-latest", hi()).await), 8192);
    assert_eq!(max(sent_body("claude-3-haiku-20240307", hi()).await), 4096);
    assert_eq!(max(sent_body("some-local-model", hi()).await), 4096);
    // The request's own limit: the smaller of the two names.
    let b = sent_body(SONNET, hi().max_tokens(900).max_completion_tokens(700)).await;
    assert_eq!(max(b), 700);
    let b = sent_body(SONNET, hi().max_completion_tokens(1200)).await;
    assert_eq!(max(b), 1200);
}

#[tokio::test]
async fn reasoning_budgets_raise_max_tokens() {
    let hi = || ChatRequest::default().user("hi");
    let think = |b: &Value| (b["thinking"].clone(), b["max_tokens"].as_u64().unwrap());

    let b = sent_body(
        SONNET,
        hi().reasoning_effort(ReasoningEffort::Low).max_tokens(500),
    )
    .await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 1024}), 1524)
    );
    let b = sent_body(
        SONNET,
        hi().reasoning_effort(ReasoningEffort::Medium)
            .max_tokens(500),
    )
    .await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 8192}), 8692)
    );
    let b = sent_body(
        SONNET,
        hi().reasoning_effort(ReasoningEffort::Min).max_tokens(500),
    )
    .await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 1024}), 1524)
    );
    let b = sent_body(
        SONNET,
        hi().reasoning_effort("3000").max_completion_tokens(500),
    )
    .await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 3000}), 3500)
    );
    let b = sent_body(SONNET, hi().reasoning_effort("10").max_tokens(500)).await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 1024}), 1524)
    );
    // Without a limit the answer may use the rest of the model's maximum.
    let b = sent_body(SONNET, hi().reasoning_effort(ReasoningEffort::High)).await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 16384}), 64000)
    );
    let b = sent_body(
        "claude-opus-4-1-20250805",
        hi().reasoning_effort(ReasoningEffort::Max),
    )
    .await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 31999}), 32000)
    );
    let b = sent_body(
        "claude-opus-4-1-20250805",
        hi().reasoning_effort(ReasoningEffort::High)
            .max_tokens(30000),
    )
    .await;
    assert_eq!(
        think(&b),
        (json!({"type": "enabled", "budget_tokens": 16384}), 32000)
    );
    // `none`, and models without extended thinking: no thinking at all.
    let b = sent_body(
        SONNET,
        hi().reasoning_effort(ReasoningEffort::None)
            .temperature(0.5),
    )
    .await;
    assert!(b.get("thinking").is_none());
    assert_eq!(b["temperature"], 0.5);
    let b = sent_body(
        "claude-3-5-sonnet-20241022",
        hi().reasoning_effort(ReasoningEffort::High),
    )
    .await;
    assert!(b.get("thinking").is_none());
    // Adaptive-only models: effort, no budget, no sampling parameters.
    let b = sent_body(
        "claude-opus-4-7",
        hi().reasoning_effort(ReasoningEffort::High)
            .temperature(0.5),
    )
    .await;
    assert_eq!(b["thinking"], json!({"type": "adaptive"}));
    assert_eq!(b["output_config"], json!({"effort": "high"}));
    assert_eq!(b["max_tokens"], 128000);
    assert!(b.get("temperature").is_none());
}

#[tokio::test]
async fn thinking_drops_sampling_and_sends_thinking_blocks_back() {
    let mut asst =
        Message::assistant_tool_calls([ToolCall::function("toolu_09", "factor", r#"{"n":1001}"#)]);
    asst.reasoning_content = Some("Try small factors first.".into());
    asst.extra
        .insert("reasoning_signature".into(), json!("sig-abc"));
    let chat = ChatRequest::default()
        .user("Is 1001 prime?")
        .message(asst)
        .message(Message::tool("toolu_09", "7 x 11 x 13"))
        .tool(Tool::new(
            "factor",
            "Prime factors of n",
            json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}),
        ))
        .reasoning_effort(ReasoningEffort::High)
        .max_tokens(2000)
        .temperature(0.7)
        .top_p(0.99)
        .extra("top_k", 40);
    let body = sent_body(SONNET, chat).await;
    assert_eq!(body, fixture_json("anthropic/request_thinking.json"));

    // `thinking_blocks` (as answers carry them) win and go back verbatim.
    let blocks = json!([{"type": "redacted_thinking", "data": "EmwKAhgB"}, {"type": "thinking", "thinking": "t", "signature": "s"}]);
    let mut asst = Message::assistant("ok");
    asst.extra.insert("thinking_blocks".into(), blocks.clone());
    let b = sent_body(
        SONNET,
        ChatRequest::default().user("a").message(asst).user("b"),
    )
    .await;
    assert_eq!(b["messages"][1]["content"][0], blocks[0]);
    assert_eq!(b["messages"][1]["content"][1], blocks[1]);
    assert_eq!(
        b["messages"][1]["content"][2],
        json!({"type": "text", "text": "ok"})
    );
}

#[tokio::test]
async fn json_schema_by_forced_tool_or_by_instruction_when_thinking() {
    let chat = || {
        ChatRequest::default()
            .user("Weather in Paris as JSON.")
            .response_format(ResponseFormat::json_schema("weather", weather_schema()))
    };
    let model = "claude-haiku-4-5-20251001";
    let body = sent_body(model, chat()).await;
    assert_eq!(body, fixture_json("anthropic/request_json_schema.json"));

    let body = sent_body(model, chat().reasoning_effort(ReasoningEffort::Low)).await;
    let mut expected = fixture_json("anthropic/request_json_schema_thinking.json");
    let mut rest = body.clone();
    // The schema's key order in the instruction depends on serde_json's map.
    rest.as_object_mut().unwrap().remove("system");
    expected.as_object_mut().unwrap().remove("system");
    assert_eq!(rest, expected);
    let system = body["system"].as_str().unwrap();
    let (lead, schema) = system.split_once('\n').unwrap();
    assert_eq!(
        lead,
        "Reply with only a JSON value that matches this JSON Schema, with no other text:"
    );
    assert_eq!(
        serde_json::from_str::<Value>(schema).unwrap(),
        weather_schema()
    );

    // While thinking, a forced choice among the request's tools becomes auto.
    let body = sent_body(
        model,
        chat()
            .reasoning_effort(ReasoningEffort::Low)
            .tool(weather_tool())
            .tool_choice(ToolChoice::Required),
    )
    .await;
    assert_eq!(body["tool_choice"], json!({"type": "auto"}));
    assert_eq!(body["tools"].as_array().unwrap().len(), 1);

    // With tools of its own, the model may call them or answer.
    let body = sent_body(model, chat().tool(weather_tool())).await;
    assert_eq!(body["tool_choice"], json!({"type": "any"}));
    assert_eq!(body["tools"][1]["name"], "json_answer");

    // json_object: an instruction.
    let body = sent_body(
        model,
        ChatRequest::default()
            .system("Be exact.")
            .user("x")
            .response_format(ResponseFormat::JsonObject),
    )
    .await;
    assert_eq!(
        body["system"],
        "Be exact.\n\nReply with a single JSON object and nothing else."
    );
}

#[tokio::test]
async fn cache_control_marks_the_last_system_block_and_user_turn() {
    let chat = ChatRequest::default()
        .system("You answer questions about the attached manual.")
        .system("Be brief.")
        .user("What does chapter 1 cover?")
        .assistant("Installation.")
        .user("And chapter 2?")
        .extra("cache_control", json!({"type": "ephemeral"}));
    let body = sent_body(SONNET, chat.clone()).await;
    assert_eq!(body, fixture_json("anthropic/request_cache.json"));
    let body = sent_body(SONNET, chat.extra("cache_control", true)).await;
    assert_eq!(body, fixture_json("anthropic/request_cache.json"));
}

#[tokio::test]
async fn invalid_requests_fail_before_sending() {
    let server = answering(json_answer(&fixture("anthropic/message_text.json"))).await;
    let p = provider(&server);
    let send = |chat: ChatRequest| p.complete(ProviderRequest::new(SONNET, chat));

    let err = send(ChatRequest::default().user("hi").n(2))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("anthropic does not support n > 1"),
        "{err}"
    );

    let bad = Message::assistant_tool_calls([ToolCall::function("t1", "f", "{not json")]);
    let err = send(ChatRequest::default().user("hi").message(bad))
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::InvalidRequest { field, .. } => {
            assert_eq!(field, "messages[1].tool_calls[0].function.arguments")
        }
        other => panic!("{other:?}"),
    }

    let audio = ContentPart::InputAudio {
        input_audio: requesty::types::InputAudio {
            data: "AAAA".into(),
            format: "wav".into(),
        },
    };
    let err = send(ChatRequest::default().user(vec![audio]))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { .. }),
        "{err}"
    );

    let err = send(ChatRequest::default().message(Message::tool("", "x")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tool_call_id"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---------------------------------------------------------------- answers

#[tokio::test]
async fn text_answer_with_cache_usage() {
    let c = complete_with(
        &fixture("anthropic/message_text.json"),
        ChatRequest::default().user("hi"),
    )
    .await;
    assert_eq!(c.id, "msg_01TxtAnswer7a9Kq2");
    assert_eq!(c.object, "chat.completion");
    assert_eq!(c.model, SONNET);
    assert!(c.created > 1_600_000_000);
    assert_eq!(c.text().as_deref(), Some("Paris is the capital of France."));
    assert_eq!(c.finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(c.choices[0].extra["stop_reason"], "end_turn");
    let u = c.usage.clone().unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (2112, 9, 2121)
    );
    assert_eq!(u.cached_tokens(), 2000);
    assert_eq!(
        u.prompt_tokens_details.as_ref().unwrap().caching_tokens,
        Some(100)
    );
    assert_eq!(u.extra["service_tier"], "standard");
    assert_eq!(c.request_id(), Some("req_011CTest01"));
    assert!(c.tool_calls().is_empty());
}

#[tokio::test]
async fn parallel_tool_calls_answer() {
    let c = complete_with(
        &fixture("anthropic/message_tools.json"),
        ChatRequest::default().user("hi"),
    )
    .await;
    assert_eq!(c.text().as_deref(), Some("I'll check both cities."));
    assert_eq!(c.finish_reason(), Some(&FinishReason::ToolCalls));
    let calls = c.tool_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].id.as_str(), calls[0].function.name.as_str()),
        ("toolu_01Paris", "get_weather")
    );
    assert_eq!(calls[1].id, "toolu_02Rome");
    let args: Value = serde_json::from_str(&calls[1].function.arguments).unwrap();
    assert_eq!(args, json!({"city": "Rome", "unit": "celsius"}));
    let u = c.usage.unwrap();
    assert_eq!((u.prompt_tokens, u.completion_tokens), (420, 96));
    assert!(u.prompt_tokens_details.is_none());
}

#[tokio::test]
async fn thinking_answer_keeps_the_signature() {
    let c = complete_with(
        &fixture("anthropic/message_thinking.json"),
        ChatRequest::default().user("hi"),
    )
    .await;
    assert_eq!(c.text().as_deref(), Some("No: 1001 = 7 x 11 x 13."));
    assert_eq!(c.reasoning(), Some("1001 = 7 x 143, and 143 = 11 x 13."));
    let m = &c.choices[0].message;
    let sig = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";
    assert_eq!(m.extra["reasoning_signature"], sig);
    assert_eq!(m.extra["thinking_blocks"][0]["signature"], sig);
    assert_eq!(c.usage.as_ref().unwrap().reasoning_tokens(), 60);
    // The next turn sends the thinking block back (assistant_message keeps it).
    let next = ChatRequest::default()
        .user("Is 1001 prime?")
        .message(c.assistant_message())
        .user("Sure?");
    let body = sent_body(SONNET, next).await;
    assert_eq!(body["messages"][1]["content"][0]["type"], "thinking");
    assert_eq!(body["messages"][1]["content"][0]["signature"], sig);
}

#[tokio::test]
async fn json_answer_tool_becomes_content() {
    let chat = ChatRequest::default()
        .user("Weather in Paris as JSON.")
        .response_format(ResponseFormat::json_schema("weather", weather_schema()));
    let c = complete_with(&fixture("anthropic/message_json_tool.json"), chat.clone()).await;
    assert!(c.tool_calls().is_empty());
    assert_eq!(c.finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(c.choices[0].extra["stop_reason"], "tool_use");
    let v: Value = serde_json::from_str(&c.text().unwrap()).unwrap();
    assert_eq!(v, json!({"city": "Paris", "celsius": 18}));
    // Without the json_schema request, the same answer is a tool call.
    let c = complete_with(
        &fixture("anthropic/message_json_tool.json"),
        ChatRequest::default().user("x"),
    )
    .await;
    assert_eq!(c.tool_calls()[0].function.name, "json_answer");
}

#[tokio::test]
async fn stop_reasons_map_and_keep_the_raw_value() {
    let base: Value = fixture_json("anthropic/message_text.json");
    for (raw, ours) in [
        ("end_turn", FinishReason::Stop),
        ("stop_sequence", FinishReason::Stop),
        ("max_tokens", FinishReason::Length),
        ("model_context_window_exceeded", FinishReason::Length),
        ("refusal", FinishReason::ContentFilter),
        ("pause_turn", FinishReason::Other("pause_turn".into())),
        ("something_new", FinishReason::Other("something_new".into())),
    ] {
        let mut body = base.clone();
        body["stop_reason"] = json!(raw);
        if raw == "stop_sequence" {
            body["stop_sequence"] = json!("END");
        }
        let c = complete_with(&body.to_string(), ChatRequest::default().user("hi")).await;
        assert_eq!(c.finish_reason(), Some(&ours), "{raw}");
        assert_eq!(c.choices[0].extra["stop_reason"], raw);
        if raw == "stop_sequence" {
            assert_eq!(c.choices[0].extra["stop_sequence"], "END");
        }
        assert_eq!(c.refusal().is_some(), raw == "refusal", "{raw}");
    }
}

#[tokio::test]
async fn recorded_llamacpp_message_parses() {
    let c = complete_with(
        &fixture("anthropic-llamacpp/messages.json"),
        ChatRequest::default().user("hi"),
    )
    .await;
    assert_eq!(
        c.text().as_deref(),
        Some("What do you make of me? I'm not here to help.")
    );
    assert_eq!(c.model, "smollm2");
    assert_eq!(c.finish_reason(), Some(&FinishReason::Stop));
    let u = c.usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.cached_tokens()),
        (22, 15, 21)
    );
    assert_eq!(u.prompt_tokens_details.unwrap().caching_tokens, None);
}

#[tokio::test]
async fn a_json_answer_that_is_not_a_message_is_a_decode_error() {
    let server = answering(json_answer(r#"{"choices": []}"#)).await;
    let err = provider(&server)
        .complete(ProviderRequest::new(
            SONNET,
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err}");
}

// ---------------------------------------------------------------- streams

#[tokio::test]
async fn text_stream_with_ping_and_usage() {
    let items = stream_items(&fixture("anthropic/stream_text.sse"), true).await;
    let chunks: Vec<ChatCompletionChunk> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        chunks[0].choices[0].delta.role,
        Some(requesty::Role::Assistant)
    );
    assert_eq!(chunks[0].id, "msg_01StreamTxt4");
    assert_eq!(chunks[0].object, "chat.completion.chunk");
    let text: String = chunks.iter().filter_map(|c| c.delta_text()).collect();
    assert_eq!(text, "Hello, world");
    let last = chunks.last().unwrap();
    assert!(last.choices.is_empty());
    let u = last.usage.clone().unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.cached_tokens()),
        (1525, 6, 1500)
    );
    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish.finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(finish.choices[0].extra["stop_reason"], "end_turn");

    // Without include_usage there is no usage chunk.
    let items = stream_items(&fixture("anthropic/stream_text.sse"), false).await;
    let last = items.last().unwrap().as_ref().unwrap();
    assert_eq!(last.finish_reason(), Some(&FinishReason::Stop));
    assert!(items.iter().all(|c| c.as_ref().unwrap().usage.is_none()));
}

#[tokio::test]
async fn parallel_tool_call_stream_gets_dense_indexes() {
    let items = stream_items(&fixture("anthropic/stream_tools.sse"), true).await;
    let chunks: Vec<ChatCompletionChunk> = items.into_iter().map(Result::unwrap).collect();
    let deltas: Vec<_> = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .flat_map(|ch| ch.delta.tool_calls.iter().flatten())
        .collect();
    // Anthropic's block indexes are 1 and 2 (0 is the text); ours are 0 and 1.
    let firsts: Vec<_> = deltas.iter().filter(|d| d.id.is_some()).collect();
    assert_eq!(firsts.len(), 2);
    assert_eq!(
        (firsts[0].index, firsts[0].id.as_deref()),
        (Some(0), Some("toolu_01Paris"))
    );
    assert_eq!(
        (firsts[1].index, firsts[1].id.as_deref()),
        (Some(1), Some("toolu_02Rome"))
    );
    assert_eq!(
        firsts[1].function.as_ref().unwrap().name.as_deref(),
        Some("get_weather")
    );
    let args0: String = deltas
        .iter()
        .filter(|d| d.index == Some(0))
        .filter_map(|d| d.function.as_ref()?.arguments.clone())
        .collect();
    assert_eq!(args0, r#"{"city":"Paris","unit":"celsius"}"#);

    // The whole stream equals the non-streamed answer.
    let streamed = streamed(&fixture("anthropic/stream_tools.sse")).await;
    let whole = complete_with(
        &fixture("anthropic/message_tools.json"),
        ChatRequest::default().user("hi"),
    )
    .await;
    assert_eq!(streamed.choices[0].message, whole.choices[0].message);
    assert_eq!(streamed.finish_reason(), Some(&FinishReason::ToolCalls));
    assert_eq!(streamed.usage, whole.usage);
}

#[tokio::test]
async fn thinking_stream_with_signature() {
    let items = stream_items(&fixture("anthropic/stream_thinking.sse"), false).await;
    let chunks: Vec<ChatCompletionChunk> = items.into_iter().map(Result::unwrap).collect();
    let reasoning: String = chunks.iter().filter_map(|c| c.delta_reasoning()).collect();
    assert_eq!(reasoning, "1001 = 7 x 143, and 143 = 11 x 13.");
    let streamed = streamed(&fixture("anthropic/stream_thinking.sse")).await;
    let whole = complete_with(
        &fixture("anthropic/message_thinking.json"),
        ChatRequest::default().user("hi"),
    )
    .await;
    assert_eq!(streamed.choices[0].message, whole.choices[0].message);
    assert_eq!(streamed.usage.as_ref().unwrap().reasoning_tokens(), 60);
    assert_eq!(
        streamed.choices[0].message.extra["reasoning_signature"],
        "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
    );
}

#[tokio::test]
async fn json_answer_streams_as_content() {
    let sse = [
        r#"event: message_start
data: {"type":"message_start","message":{"id":"msg_j","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":3,"output_tokens":1}}}"#,
        r#"event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_j","name":"json_answer","input":{}}}"#,
        r#"event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Par"}}"#,
        r#"event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"is\", \"celsius\": 18}"}}"#,
        r#"event: content_block_stop
data: {"type":"content_block_stop","index":0}"#,
        r#"event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}"#,
        r#"event: message_stop
data: {"type":"message_stop"}"#,
    ]
    .join("\n\n")
        + "\n\n";
    let server = answering(sse_answer(&sse)).await;
    let chat = ChatRequest::default()
        .user("x")
        .response_format(ResponseFormat::json_schema("weather", weather_schema()));
    let s = provider(&server)
        .stream(ProviderRequest::new("claude-haiku-4-5", chat))
        .await
        .unwrap();
    let c = s.into_completion().await.unwrap();
    assert!(c.tool_calls().is_empty());
    assert_eq!(c.finish_reason(), Some(&FinishReason::Stop));
    let v: Value = serde_json::from_str(&c.text().unwrap()).unwrap();
    assert_eq!(v, json!({"city": "Paris", "celsius": 18}));
}

#[tokio::test]
async fn recorded_llamacpp_stream() {
    let c = streamed(&fixture("anthropic-llamacpp/messages_stream.sse")).await;
    assert_eq!(c.text().as_deref(), Some("Hello. How may I assist you?"));
    assert_eq!(c.finish_reason(), Some(&FinishReason::Stop));
    let u = c.usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.cached_tokens()),
        (22, 9, 15)
    );
}

fn stream_prefix() -> String {
    let text = fixture("anthropic/stream_text.sse");
    // message_start and the text block's start and first delta.
    text.split("event: content_block_stop")
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn malformed_known_events_are_errors() {
    for bad in [
        "event: content_block_delta\ndata: {not json\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"input\":{}}}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":1}}\n\n",
    ] {
        let items = stream_items(&format!("{}{bad}", stream_prefix()), false).await;
        let last = items.last().unwrap();
        let err = last.as_ref().unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Decode { .. }),
            "{bad}: {err}"
        );
        assert!(items[..items.len() - 1].iter().all(Result::is_ok), "{bad}");
    }
}

#[tokio::test]
async fn a_stream_without_message_stop_is_truncated() {
    let items = stream_items(&stream_prefix(), false).await;
    let err = items.last().unwrap().as_ref().unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    assert!(items[..items.len() - 1].iter().all(Result::is_ok));
    assert_eq!(
        items
            .iter()
            .filter_map(|c| c.as_ref().ok()?.delta_text().map(str::to_owned))
            .collect::<String>(),
        "Hello, world"
    );
    let items = stream_items("", false).await;
    assert_eq!(items.len(), 1);
    assert!(
        items[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("without any event")
    );
}

#[tokio::test]
async fn an_error_event_is_a_retryable_529() {
    let items = stream_items(&fixture("anthropic/stream_error.sse"), true).await;
    // The error came before any content: it is the first and only item.
    assert_eq!(items.len(), 1);
    let err = items[0].as_ref().unwrap_err();
    assert_eq!(err.status(), Some(529));
    assert!(err.is_retryable());
    assert_eq!(
        err.api().unwrap().error_type.as_deref(),
        Some("overloaded_error")
    );
    assert!(err.to_string().contains("Overloaded"), "{err}");

    // An error type Anthropic does not document is a stream error.
    let odd = format!(
        "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"weird_error\",\"message\":\"odd\"}}}}\n\n",
        stream_prefix()
    );
    let items = stream_items(&odd, false).await;
    let err = items.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Stream { .. }), "{err}");
    assert!(err.to_string().contains("odd"));
}

// ---------------------------------------------------------------- HTTP, errors, secrets

#[tokio::test]
async fn headers_path_and_key() {
    let server = answering(json_answer(&fixture("anthropic/message_text.json"))).await;
    // A trailing `/v1` on the base URL is tolerated.
    let p = Anthropic::new(KEY)
        .base_url(format!("{}/v1/", server.uri()))
        .beta("files-api-2025-04-14")
        .beta("interleaved-thinking-2025-05-14");
    assert_eq!(p.id(), "anthropic");
    p.complete(ProviderRequest::new(
        SONNET,
        ChatRequest::default().user("hi"),
    ))
    .await
    .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let h = &reqs[0].headers;
    assert_eq!(reqs[0].url.path(), "/v1/messages");
    assert_eq!(h.get("x-api-key").unwrap(), KEY);
    assert_eq!(h.get("anthropic-version").unwrap(), "2023-06-01");
    assert_eq!(
        h.get("anthropic-beta").unwrap(),
        "files-api-2025-04-14,interleaved-thinking-2025-05-14"
    );
    assert_eq!(h.get("content-type").unwrap(), "application/json");
    assert!(h.get("authorization").is_none());

    let server2 = answering(json_answer(&fixture("anthropic/message_text.json"))).await;
    Anthropic::new(KEY)
        .base_url(server2.uri())
        .version("2099-01-01")
        .complete(ProviderRequest::new(
            SONNET,
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap();
    let reqs = server2.received_requests().await.unwrap();
    assert_eq!(
        reqs[0].headers.get("anthropic-version").unwrap(),
        "2099-01-01"
    );
    assert!(reqs[0].headers.get("anthropic-beta").is_none());
}

#[tokio::test]
async fn error_answers_keep_status_type_and_request_id_never_the_key() {
    let body = format!(
        r#"{{"type":"error","error":{{"type":"authentication_error","message":"invalid x-api-key {KEY}"}},"request_id":"req_body01"}}"#
    );
    let server = answering(json_status(401, &body)).await;
    let p = provider(&server);
    assert!(!format!("{p:?}").contains(KEY));
    let err = p
        .complete(ProviderRequest::new(
            SONNET,
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_retryable());
    let api = err.api().unwrap();
    assert_eq!(api.error_type.as_deref(), Some("authentication_error"));
    assert_eq!(err.request_id(), Some("req_body01"));
    for shown in [err.to_string(), format!("{err:?}"), api.body.clone()] {
        assert!(!shown.contains(KEY), "{shown}");
    }

    // The header wins over the body's id; 529 is retryable.
    let server = answering(
        json_status(529, &fixture("anthropic/error_529.json"))
            .insert_header("request-id", "req_header529"),
    )
    .await;
    let err = provider(&server)
        .stream(ProviderRequest::new(
            SONNET,
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(529));
    assert!(err.is_retryable());
    assert_eq!(err.request_id(), Some("req_header529"));
    assert_eq!(err.api().unwrap().message, "Overloaded");

    let server = answering(json_status(401, &fixture("anthropic/error_401.json"))).await;
    let err = provider(&server)
        .complete(ProviderRequest::new(
            SONNET,
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("req_011CAuthFail01"));
    assert_eq!(err.api().unwrap().message, "invalid x-api-key");
}

#[tokio::test]
async fn a_stream_answered_with_json_is_an_error() {
    let server = answering(json_answer(&fixture("anthropic/message_text.json"))).await;
    let err = provider(&server)
        .stream(ProviderRequest::new(
            SONNET,
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err}");
    let sent = bodies(&server).await;
    assert_eq!(sent[0]["stream"], true);
}

#[tokio::test]
async fn from_vars_reads_key_and_base_url() {
    let vars = |k: &str| match k {
        "ANTHROPIC_API_KEY" => Some("sk-ant-x".to_owned()),
        "ANTHROPIC_BASE_URL" => Some("http://127.0.0.1:9".to_owned()),
        _ => None,
    };
    let p = Anthropic::from_vars(vars).unwrap().unwrap();
    assert!(format!("{p:?}").contains("http://127.0.0.1:9"));
    assert!(!format!("{p:?}").contains("sk-ant-x"));
    assert!(Anthropic::from_vars(|_| None).unwrap().is_none());
    assert!(
        Anthropic::from_vars(|k| (k == "ANTHROPIC_API_KEY").then(|| " ".to_owned()))
            .unwrap()
            .is_none()
    );
    let bad = |k: &str| match k {
        "ANTHROPIC_API_KEY" => Some("k".to_owned()),
        "ANTHROPIC_BASE_URL" => Some("ftp://nope".to_owned()),
        _ => None,
    };
    assert!(Anthropic::from_vars(bad).is_err());
}

#[tokio::test]
async fn list_models_follows_pages() {
    let server = MockServer::start().await;
    let page2 = json!({"data": [{"type": "model", "id": "claude-3-haiku-20240307", "display_name": "Claude Haiku 3",
                                  "created_at": "2024-03-07T00:00:00Z"}],
                       "first_id": "claude-3-haiku-20240307", "last_id": "claude-3-haiku-20240307", "has_more": false});
    let mut page1 = fixture_json("anthropic/models.json");
    page1["has_more"] = json!(true);
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("after_id", "claude-3-5-haiku-20241022"))
        .respond_with(json_answer(&page2.to_string()))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(json_answer(&page1.to_string()))
        .mount(&server)
        .await;
    let list = provider(&server).list_models().await.unwrap();
    let ids: Vec<&str> = list.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "claude-sonnet-4-20250514",
            "claude-3-5-haiku-20241022",
            "claude-3-haiku-20240307"
        ]
    );
    let sonnet = list.get(SONNET).unwrap();
    assert_eq!(
        (sonnet.context_window, sonnet.max_output_tokens),
        (Some(200000), Some(64000))
    );
    assert_eq!(sonnet.created, Some(1_747_872_000));
    assert_eq!(sonnet.extra["display_name"], "Claude Sonnet 4");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].url.query(), Some("limit=1000"));
    assert_eq!(reqs[0].headers.get("x-api-key").unwrap(), KEY);
}

#[tokio::test]
async fn a_stalled_stream_times_out() {
    use axum::body::Body;
    let app = axum::Router::new().route(
        "/v1/messages",
        axum::routing::post(|| async {
            let head = stream_prefix();
            let body = async_stream::stream! {
                yield Ok::<_, std::io::Error>(axum::body::Bytes::from(head));
                tokio::time::sleep(Duration::from_secs(5)).await;
            };
            axum::response::Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(body))
                .unwrap()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let p = Anthropic::new(KEY)
        .base_url(format!("http://{addr}"))
        .read_timeout(Duration::from_millis(200));
    let s = p
        .stream(ProviderRequest::new(
            SONNET,
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap();
    let items: Vec<_> = s.collect().await;
    let err = items.last().unwrap().as_ref().unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(items[0].is_ok());
}

// ---------------------------------------------------------------- through the router

#[tokio::test]
async fn through_router_and_local_client() {
    let server = answering(json_answer(&fixture("anthropic/message_text.json"))).await;
    let router = Router::builder()
        .provider(provider(&server))
        .build()
        .unwrap();
    let client = Client::local(router);
    let req = ChatRequest::new(format!("anthropic/{SONNET}"))
        .user("hi")
        .user_id("u-9")
        .end_user("end-user-1");
    let c = client.chat().create(req).await.unwrap();
    assert_eq!(c.text().as_deref(), Some("Paris is the capital of France."));
    assert_eq!(
        c.meta.served_by(),
        Some(format!("anthropic/{SONNET}").as_str())
    );
    let sent = bodies(&server).await.remove(0);
    assert_eq!(sent["model"], SONNET);
    assert_eq!(sent["metadata"], json!({"user_id": "end-user-1"}));
    assert!(sent.get("requesty").is_none());

    let sse = answering(sse_answer(&fixture("anthropic/stream_text.sse"))).await;
    let router = Router::builder().provider(provider(&sse)).build().unwrap();
    let client = Client::local(router);
    let s = client
        .chat()
        .stream(ChatRequest::new(format!("anthropic/{SONNET}")).user("hi"))
        .await
        .unwrap();
    let c = s.into_completion().await.unwrap();
    assert_eq!(c.text().as_deref(), Some("Hello, world"));
    // The router asks for usage on streams.
    assert_eq!(c.usage.unwrap().completion_tokens, 6);
}

#[tokio::test]
async fn overloaded_529_falls_back_to_the_next_target() {
    let server = answering(json_status(529, &fixture("anthropic/error_529.json"))).await;
    let backup = MockProvider::new("backup").text("from the backup");
    let router = Router::builder()
        .provider(provider(&server))
        .provider(backup.clone())
        .policy(
            "safe",
            Policy::fallback([format!("anthropic/{SONNET}"), "backup/m".to_owned()]),
        )
        .build()
        .unwrap();
    let client = Client::local(router);
    let c = client
        .chat()
        .create(ChatRequest::new("policy/safe").user("hi"))
        .await
        .unwrap();
    assert_eq!(c.text().as_deref(), Some("from the backup"));
    assert_eq!(c.meta.served_by(), Some("backup/m"));
    assert_eq!(c.meta.attempts()[0].status, Some(529));

    // An overloaded error event before the first chunk also falls back.
    let sse = answering(sse_answer(&fixture("anthropic/stream_error.sse"))).await;
    let backup = MockProvider::new("backup").reply(MockReply::text("streamed backup"));
    let router = Router::builder()
        .provider(provider(&sse))
        .provider(backup)
        .policy(
            "safe",
            Policy::fallback([format!("anthropic/{SONNET}"), "backup/m".to_owned()]),
        )
        .build()
        .unwrap();
    let s = Client::local(router)
        .chat()
        .stream(ChatRequest::new("policy/safe").user("hi"))
        .await
        .unwrap();
    assert_eq!(s.meta().served_by(), Some("backup/m"));
    let c = s.into_completion().await.unwrap();
    assert_eq!(c.text().as_deref(), Some("streamed backup"));
}

#[tokio::test]
async fn parse_through_the_router_uses_the_forced_tool() {
    #[derive(Debug, serde::Deserialize, schemars::JsonSchema, PartialEq)]
    struct Weather {
        city: String,
        celsius: i64,
    }
    let server = answering(json_answer(&fixture("anthropic/message_json_tool.json"))).await;
    let router = Router::builder()
        .provider(provider(&server))
        .build()
        .unwrap();
    let parsed = Client::local(router)
        .chat()
        .parse::<Weather>(
            ChatRequest::new("anthropic/claude-haiku-4-5-20251001").user("Weather in Paris?"),
        )
        .await
        .unwrap();
    assert_eq!(
        parsed.value,
        Weather {
            city: "Paris".into(),
            celsius: 18
        }
    );
    let sent = bodies(&server).await.remove(0);
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "tool", "name": "json_answer"})
    );
    assert_eq!(sent["tools"][0]["input_schema"]["type"], "object");
}
