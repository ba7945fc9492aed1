//! One suite, run twice: against the remote client and against the local
//! router (an `OpenAiCompatible` provider on the same loopback server).
//! `create`, `stream`, `parse`, `run_tools`, `models().list()` and
//! `embeddings()` must behave the same.

mod common;

use common::*;
use futures::StreamExt;
use requesty::router::Router;
use requesty::router::providers::OpenAiCompatible;
use requesty::{ChatRequest, Client, EmbeddingRequest, ErrorKind, ToolBox};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Remote,
    Local,
}

struct Setup {
    server: MockServer,
    client: Client,
    model: String,
    mode: Mode,
}

async fn setup(mode: Mode) -> Setup {
    let server = MockServer::start().await;
    let (client, model) = match mode {
        Mode::Remote => (
            builder(&server.uri()).build().unwrap(),
            "openai/gpt-4o-mini".to_owned(),
        ),
        Mode::Local => {
            let p = OpenAiCompatible::new("srv", format!("{}/v1", server.uri())).api_key(KEY);
            let router = Router::builder().provider(p).build().unwrap();
            (Client::local(router), "srv/gpt-4o-mini".to_owned())
        }
    };
    Setup {
        server,
        client,
        model,
        mode,
    }
}

fn json_reply(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(body.into())
}

async fn mount_once(s: &Setup, reply: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(reply)
        .up_to_n_times(1)
        .mount(&s.server)
        .await;
}

async fn bodies(s: &Setup) -> Vec<Value> {
    s.server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.body_json().ok())
        .collect()
}

fn answer(content: &str) -> String {
    json!({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini",
        "choices":[{"index":0,"message":{"role":"assistant","content":content},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,"cost":0.00001}})
    .to_string()
}

#[derive(Debug, Deserialize, schemars::JsonSchema, PartialEq)]
struct Weather {
    city: String,
    temperature_c: f64,
}

async fn suite(mode: Mode) {
    // create
    let s = setup(mode).await;
    mount_once(
        &s,
        json_reply(fixture("openai/chat_completion.json")).insert_header("x-request-id", "req_1"),
    )
    .await;
    let resp = s
        .client
        .chat()
        .create(
            ChatRequest::new(&s.model)
                .user("Hello")
                .tags(["t"])
                .user_id("u"),
        )
        .await
        .unwrap();
    assert_eq!(
        resp.text().as_deref(),
        Some("Hello! How can I assist you today?"),
        "{mode:?}"
    );
    assert_eq!(resp.usage.as_ref().unwrap().cost, Some(0.0000086));
    assert_eq!(resp.request_id(), Some("req_1"), "{mode:?}");
    let sent = &bodies(&s).await[0];
    match s.mode {
        Mode::Remote => {
            assert_eq!(sent["model"], "openai/gpt-4o-mini");
            assert_eq!(sent["requesty"]["tags"][0], "t");
        }
        Mode::Local => {
            assert_eq!(sent["model"], "gpt-4o-mini");
            assert!(
                sent.get("requesty").is_none(),
                "the requesty object never reaches a provider"
            );
            assert_eq!(resp.meta.served_by(), Some("srv/gpt-4o-mini"));
        }
    }

    // error shapes pass through with status, origin and request id
    let s = setup(mode).await;
    mount_once(
        &s,
        ResponseTemplate::new(401)
            .insert_header("x-request-id", "req_e")
            .set_body_string(fixture("openai/error_401.json")),
    )
    .await;
    let err = s
        .client
        .chat()
        .create(ChatRequest::new(&s.model).user("x"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{mode:?}");
    assert_eq!(err.request_id(), Some("req_e"));
    assert_eq!(err.api().unwrap().code.as_deref(), Some("invalid_api_key"));

    // an error inside a 200 body (a 502 code: the remote client retries it,
    // so every attempt gets it)
    let s = setup(mode).await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(json_reply(fixture("openrouter/error_in_200.json")))
        .mount(&s.server)
        .await;
    let err = s
        .client
        .chat()
        .create(ChatRequest::new(&s.model).user("x"))
        .await
        .unwrap_err();
    assert_eq!(
        err.api().unwrap().message,
        "Provider returned error",
        "{mode:?}"
    );

    // validation names the field, before anything is sent
    let s = setup(mode).await;
    let err = s
        .client
        .chat()
        .create(ChatRequest::new(&s.model).user("x").top_p(2.0))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "top_p"),
        "{mode:?}"
    );
    assert!(bodies(&s).await.is_empty());

    // stream
    let s = setup(mode).await;
    mount_once(
        &s,
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/event-stream")
            .set_body_string(fixture("llamacpp/text_stream.sse")),
    )
    .await;
    let mut st = s
        .client
        .chat()
        .stream(ChatRequest::new(&s.model).user("x"))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(c) = st.next().await {
        if let Some(t) = c.unwrap().delta_text() {
            text.push_str(t);
        }
    }
    assert_eq!(text, "Je suis le monde.", "{mode:?}");
    let done = st.into_completion().await.unwrap();
    assert_eq!(done.usage.as_ref().unwrap().total_tokens, 37);
    assert_eq!(
        bodies(&s).await[0]["stream_options"]["include_usage"],
        true,
        "{mode:?}"
    );

    // a truncated stream is an error in both modes
    let s = setup(mode).await;
    mount_once(
        &s,
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/event-stream")
            .set_body_string(fixture("streams/truncated.sse")),
    )
    .await;
    let r = s
        .client
        .chat()
        .stream(ChatRequest::new(&s.model).user("x"))
        .await
        .unwrap()
        .into_completion()
        .await;
    assert!(r.unwrap_err().to_string().contains("truncated"), "{mode:?}");

    // parse
    let s = setup(mode).await;
    mount_once(
        &s,
        json_reply(answer(r#"{"city":"Paris","temperature_c":21.5}"#)),
    )
    .await;
    let parsed = s
        .client
        .chat()
        .parse::<Weather>(ChatRequest::new(&s.model).user("x"))
        .await
        .unwrap();
    assert_eq!(
        parsed.value,
        Weather {
            city: "Paris".into(),
            temperature_c: 21.5
        },
        "{mode:?}"
    );
    assert_eq!(
        bodies(&s).await[0]["response_format"]["json_schema"]["name"],
        "Weather"
    );

    // run_tools
    let s = setup(mode).await;
    let call = json!({"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"gpt-4o-mini",
        "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"temperature_c\":0}"}}]},
        "finish_reason":"tool_calls"}]});
    mount_once(&s, json_reply(call.to_string())).await;
    mount_once(&s, json_reply(answer("21 degrees"))).await;
    let toolbox = ToolBox::new().add("get_weather", "Weather", |w: Weather| async move {
        Ok(json!({"city": w.city, "temp": 21}))
    });
    let run = s
        .client
        .chat()
        .run_tools(ChatRequest::new(&s.model).user("x"), &toolbox)
        .await
        .unwrap();
    assert_eq!(run.text().as_deref(), Some("21 degrees"), "{mode:?}");
    let sent = bodies(&s).await;
    assert_eq!(
        sent[1]["messages"][2]["content"],
        "{\"city\":\"Paris\",\"temp\":21}"
    );

    // models
    let s = setup(mode).await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(json_reply(fixture("requesty/models.json")))
        .mount(&s.server)
        .await;
    let models = s.client.models().list().await.unwrap();
    let id = match mode {
        Mode::Remote => "openai/gpt-4o-mini",
        Mode::Local => "srv/openai/gpt-4o-mini",
    };
    assert_eq!(
        models.get(id).and_then(|m| m.context_window),
        Some(128000),
        "{mode:?}"
    );

    // embeddings
    let s = setup(mode).await;
    Mock::given(method("POST"))
        .and(path("/v1/embeddings"))
        .respond_with(json_reply(fixture("openai/embeddings.json")))
        .mount(&s.server)
        .await;
    let model = s.model.replace("gpt-4o-mini", "text-embedding-3-small");
    let emb = s
        .client
        .embeddings()
        .create(EmbeddingRequest::new(model, ["hi", "there"]))
        .await
        .unwrap();
    assert_eq!(emb.data.len(), 2, "{mode:?}");
}

#[tokio::test]
async fn remote_mode() {
    suite(Mode::Remote).await;
}

#[tokio::test]
async fn local_mode() {
    suite(Mode::Local).await;
}
