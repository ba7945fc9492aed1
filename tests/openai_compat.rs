//! `OpenAiCompatible` against loopback servers: presets, auth, paths,
//! quirks as the server sees them, `from_vars`, no retries, streaming,
//! errors passed through, secrets kept out of `Debug`.

mod common;

use std::time::Duration;

use common::{KEY, fixture};
use futures::StreamExt;
use requesty::router::providers::openai_compat::OpenAiCompatible;
use requesty::router::{Provider, ProviderRequest};
use requesty::{ChatRequest, EmbeddingRequest, Message, ToolCall};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok_json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(body)
}

/// A server answering `POST {prefix}/chat/completions` with the fixture completion.
async fn chat_server(prefix: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{prefix}/chat/completions")))
        .respond_with(ok_json(&fixture("openai/chat_completion.json")))
        .mount(&server)
        .await;
    server
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

fn request(model: &str, chat: ChatRequest) -> ProviderRequest {
    ProviderRequest::new(model, chat)
}

#[tokio::test]
async fn a_preset_sends_the_key_to_its_path() {
    let server = chat_server("/openai/v1").await;
    let groq = OpenAiCompatible::groq(KEY).base_url(format!("{}/openai/v1", server.uri()));
    assert_eq!(groq.id(), "groq");
    let resp = groq
        .complete(request(
            "llama-3.3-70b-versatile",
            ChatRequest::default().user("Hello"),
        ))
        .await
        .unwrap();
    assert_eq!(
        resp.text().as_deref(),
        Some("Hello! How can I assist you today?")
    );

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].headers.get("authorization").unwrap(),
        format!("Bearer {KEY}").as_str()
    );
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body["model"], "llama-3.3-70b-versatile");
    assert_eq!(body["messages"][0]["content"], "Hello");
    assert!(body.get("stream").is_none());
}

#[tokio::test]
async fn every_keyed_preset_reads_its_variables() {
    for preset in OpenAiCompatible::PRESETS {
        let Some(key_var) = preset.key_var else {
            continue;
        };
        let server = MockServer::start().await;
        let key = format!("key-for-{}", preset.id);
        Mock::given(method("POST"))
            .and(path("/base/chat/completions"))
            .and(header("authorization", format!("Bearer {key}").as_str()))
            .respond_with(ok_json(&fixture("openai/chat_completion.json")))
            .expect(1)
            .mount(&server)
            .await;
        let base = format!("{}/base", server.uri());
        let vars = |k: &str| {
            if k == key_var {
                Some(key.clone())
            } else if k == preset.base_url_var {
                Some(base.clone())
            } else {
                None
            }
        };
        let p = OpenAiCompatible::from_vars(preset.id, vars)
            .unwrap()
            .unwrap_or_else(|| panic!("{} from vars", preset.id));
        assert_eq!(p.id(), preset.id);
        p.complete(request("some-model", ChatRequest::default().user("hi")))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", preset.id));
        server.verify().await;

        // Without the key: no provider.
        let no_key = |k: &str| (k == preset.base_url_var).then(|| base.clone());
        assert!(
            OpenAiCompatible::from_vars(preset.id, no_key)
                .unwrap()
                .is_none(),
            "{}",
            preset.id
        );
    }
}

#[tokio::test]
async fn local_servers_need_their_base_url_and_no_key() {
    let server = chat_server("/v1").await;
    assert!(
        OpenAiCompatible::from_vars("ollama", |_| None)
            .unwrap()
            .is_none()
    );
    assert!(
        OpenAiCompatible::from_vars("vllm", |_| None)
            .unwrap()
            .is_none()
    );

    let addr = server.address().to_string();
    let ollama =
        OpenAiCompatible::from_vars("ollama", |k| (k == "OLLAMA_HOST").then(|| addr.clone()))
            .unwrap()
            .unwrap();
    ollama
        .complete(request("llama3.2", ChatRequest::default().user("hi")))
        .await
        .unwrap();
    let vllm = OpenAiCompatible::from_vars("vllm", |k| {
        (k == "VLLM_BASE_URL").then(|| format!("{}/v1", server.uri()))
    })
    .unwrap()
    .unwrap();
    vllm.complete(request("Qwen/Qwen3-8B", ChatRequest::default().user("hi")))
        .await
        .unwrap();

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs.iter()
            .all(|r| r.headers.get("authorization").is_none())
    );
}

#[tokio::test]
async fn a_custom_server_gets_its_headers_and_no_authorization() {
    let server = chat_server("/v1").await;
    let p = OpenAiCompatible::new("llamacpp", format!("{}/v1", server.uri()))
        .header("X-Team", "search")
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .read_timeout(Duration::from_secs(5));
    assert_eq!(p.id(), "llamacpp");
    p.complete(request(
        "local",
        ChatRequest::default().developer("Be terse.").user("hi"),
    ))
    .await
    .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
    assert_eq!(reqs[0].headers.get("x-team").unwrap(), "search");
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body["messages"][0]["role"], "system");
}

fn weather_turn(id: &str, city: &str) -> [Message; 2] {
    [
        Message::assistant_tool_calls([ToolCall::function(
            id,
            "get_weather",
            json!({ "city": city }).to_string(),
        )]),
        Message::tool(id, format!("sunny in {city}")),
    ]
}

/// Tool-call ids of assistant messages and `tool_call_id`s of tool messages, in order.
fn ids(body: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in body["messages"].as_array().unwrap() {
        if let Some(calls) = m["tool_calls"].as_array() {
            for c in calls {
                out.push(("call".to_owned(), c["id"].as_str().unwrap().to_owned()));
            }
        }
        if let Some(id) = m["tool_call_id"].as_str() {
            out.push(("result".to_owned(), id.to_owned()));
        }
    }
    out
}

fn mistral_id(id: &str) -> bool {
    id.len() == 9 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[tokio::test]
async fn mistral_tool_call_ids_stay_consistent_across_turns() {
    let server = chat_server("/v1").await;
    let mistral = OpenAiCompatible::mistral(KEY).base_url(format!("{}/v1", server.uri()));

    // A conversation started on another provider (OpenAI- and Anthropic-style ids),
    // continued on Mistral, whose own ids are already valid.
    let mut history = vec![
        Message::developer("Answer with the weather."),
        Message::user("Weather in Paris and Rome?"),
    ];
    history.extend(weather_turn("call_Vbq3kpD2XhJ9yTq1mE4sQz7a", "Paris"));
    let turn1 = ChatRequest::default().messages(history.clone());
    history.extend(weather_turn("toolu_01A09q90qw90lq917835lq9", "Rome"));
    history.extend(weather_turn("aB3xK9mP2", "Oslo"));
    history.push(Message::user("And now?"));
    let turn2 = ChatRequest::default().messages(history);

    mistral
        .complete(request("mistral-large-latest", turn1))
        .await
        .unwrap();
    mistral
        .complete(request("mistral-large-latest", turn2))
        .await
        .unwrap();

    let bodies = bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["messages"][0]["role"], "system");
    let first = ids(&bodies[0]);
    let second = ids(&bodies[1]);
    assert_eq!(first.len(), 2);
    assert_eq!(second.len(), 6);
    for (_, id) in first.iter().chain(&second) {
        assert!(mistral_id(id), "{id}");
    }
    // Each call and its result carry the same id.
    for pair in second.chunks(2) {
        assert_eq!(pair[0].0, "call");
        assert_eq!(pair[1].0, "result");
        assert_eq!(pair[0].1, pair[1].1);
    }
    // The same original id maps to the same id in both requests.
    assert_eq!(first[0].1, second[0].1);
    // Distinct originals get distinct ids; a valid id is kept.
    assert_ne!(second[0].1, second[2].1);
    assert_eq!(second[4].1, "aB3xK9mP2");
    assert_ne!(second[0].1, "aB3xK9mP2");
    assert_ne!(second[2].1, "aB3xK9mP2");
}

#[tokio::test]
async fn openai_reasoning_models_are_rewritten() {
    let server = chat_server("/v1").await;
    let openai = OpenAiCompatible::openai(KEY).base_url(format!("{}/v1", server.uri()));
    let chat = ChatRequest::default()
        .system("Be terse.")
        .user("hi")
        .max_tokens(256)
        .temperature(0.2)
        .top_p(0.5)
        .reasoning_effort("max");
    openai
        .complete(request("o3-mini", chat.clone()))
        .await
        .unwrap();
    openai
        .complete(request("gpt-5-mini", chat.clone().reasoning_effort("min")))
        .await
        .unwrap();
    openai
        .complete(request("gpt-4o-mini", chat.clone()))
        .await
        .unwrap();
    openai.complete(request("o1-mini", chat)).await.unwrap();

    let b = bodies(&server).await;
    assert_eq!(b.len(), 4);
    let o3 = &b[0];
    assert_eq!(o3["model"], "o3-mini");
    assert_eq!(o3["messages"][0]["role"], "developer");
    assert_eq!(o3["max_completion_tokens"], 256);
    assert!(o3.get("max_tokens").is_none());
    assert!(o3.get("temperature").is_none());
    assert!(o3.get("top_p").is_none());
    assert_eq!(o3["reasoning_effort"], "high");

    assert_eq!(b[1]["reasoning_effort"], "minimal");
    assert_eq!(b[1]["max_completion_tokens"], 256);

    let gpt4o = &b[2];
    assert_eq!(gpt4o["messages"][0]["role"], "system");
    assert_eq!(gpt4o["max_tokens"], 256);
    assert_eq!(gpt4o["temperature"], 0.2);
    assert!(gpt4o.get("reasoning_effort").is_none());

    let o1_mini = &b[3];
    assert_eq!(o1_mini["messages"][0]["role"], "user");
    assert!(o1_mini.get("reasoning_effort").is_none());
}

#[tokio::test]
async fn a_503_comes_back_after_exactly_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("content-type", "application/json")
                .insert_header("x-request-id", "req_503")
                .insert_header("retry-after", "0")
                .set_body_string(r#"{"error":{"message":"overloaded","type":"server_error"}}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let p = OpenAiCompatible::deepseek(KEY).base_url(format!("{}/v1", server.uri()));

    let err = p
        .complete(request("deepseek-chat", ChatRequest::default().user("hi")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.request_id(), Some("req_503"));
    assert!(err.is_retryable());
    let api = err.api().unwrap();
    assert_eq!(api.message, "overloaded");
    assert!(api.body.contains("overloaded"));
    server.verify().await;

    // The same for a stream: the error comes back before any chunk.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"error":{"message":"overloaded"}}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = p
        .stream(request("deepseek-chat", ChatRequest::default().user("hi")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    server.verify().await;
}

#[tokio::test]
async fn streaming_goes_through() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/inference/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(fixture("openai/text.sse")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let p = OpenAiCompatible::fireworks(KEY)
        .base_url(format!("{}/inference/v1", server.uri()))
        .read_timeout(Duration::from_secs(5));
    let mut stream = p
        .stream(request(
            "accounts/fireworks/models/llama-v3p1-8b-instruct",
            ChatRequest::default().user("hi"),
        ))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        if let Some(t) = chunk.unwrap().delta_text() {
            text.push_str(t);
        }
    }
    let expected: Value = serde_json::from_str(&fixture("openai/text.expected.json")).unwrap();
    assert_eq!(
        Some(text.as_str()),
        expected["choices"][0]["message"]["content"].as_str()
    );

    let body = &bodies(&server).await[0];
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(
        body["model"],
        "accounts/fireworks/models/llama-v3p1-8b-instruct"
    );
}

#[tokio::test]
async fn models_and_embeddings_pass_through() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ok_json(
            r#"{"object":"list","data":[{"id":"openai/gpt-4o","object":"model"}]}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/embeddings"))
        .respond_with(ok_json(&fixture("openai/embeddings.json")))
        .mount(&server)
        .await;
    let p = OpenAiCompatible::openrouter(KEY).base_url(format!("{}/api/v1", server.uri()));
    let models = p.list_models().await.unwrap();
    assert_eq!(models.data[0].id, "openai/gpt-4o");
    let emb = p
        .embed(EmbeddingRequest::new("text-embedding-3-small", ["hi"]))
        .await
        .unwrap();
    assert!(!emb.data.is_empty());

    // Errors keep their status.
    let missing = OpenAiCompatible::openrouter(KEY).base_url(format!("{}/nowhere", server.uri()));
    assert_eq!(missing.list_models().await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn debug_never_shows_the_key() {
    let key = "sk-proj-very-secret-0123456789";
    let p = OpenAiCompatible::openai(key).header("OpenAI-Organization", "org-secret-77");
    let text = format!("{p:?}");
    assert!(!text.contains(key), "{text}");
    assert!(!text.contains("org-secret-77"), "{text}");
    assert!(text.contains("openai"), "{text}");
    let client = p.client().unwrap();
    assert!(!format!("{client:?}").contains(key));
}

#[tokio::test]
async fn mistral_streams_without_stream_options() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(fixture("llamacpp/text_stream.sse")),
        )
        .mount(&server)
        .await;
    let mut chat = ChatRequest::new("x").user("Hi");
    chat = chat.include_usage(true);
    for (provider, expect_options) in [
        (
            OpenAiCompatible::mistral(KEY).base_url(format!("{}/v1", server.uri())),
            false,
        ),
        (
            OpenAiCompatible::openai(KEY).base_url(format!("{}/v1", server.uri())),
            true,
        ),
    ] {
        let s = provider
            .stream(request("mistral-small-latest", chat.clone()))
            .await
            .unwrap();
        let done = s.into_completion().await.unwrap();
        assert_eq!(done.text().as_deref(), Some("Je suis le monde."));
        let last = bodies(&server).await.pop().unwrap();
        assert_eq!(last["stream"], true);
        assert_eq!(
            last.get("stream_options").is_some(),
            expect_options,
            "{last}"
        );
    }
}
