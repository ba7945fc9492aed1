//! The remote client against loopback servers: success, error shapes,
//! retries, timeouts, headers, secrets, validation.

mod common;

use std::time::{Duration, Instant};

use common::*;
use requesty::{
    ChatRequest, Client, ContentPart, EmbeddingRequest, ErrorKind, FinishReason, Message, Origin,
    Role, TimeoutKind, Tool, ToolChoice,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok_json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(body)
}

async fn server_with(status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/json")
                .insert_header("x-request-id", "req_err_1")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    server
}

fn hello() -> ChatRequest {
    ChatRequest::new("openai/gpt-4o-mini").user("Hello")
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn create_sends_the_request_and_parses_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ok_json(&fixture("openai/chat_completion.json"))
                .insert_header("x-request-id", "req_123")
                .insert_header("x-ratelimit-remaining-requests", "99"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .app("https://myapp.example", "My App")
        .header("X-Requesty-Team", "search")
        .build()
        .unwrap();
    let req = ChatRequest::new("openai/gpt-4o-mini")
        .system("Be terse.")
        .user("Hello")
        .temperature(0.2)
        .max_tokens(100)
        .tags(["demo"])
        .user_id("u-1")
        .trace_id("t-1")
        .meta("tenant", "acme");
    let resp = client.chat().create(req).await.unwrap();

    assert_eq!(
        resp.text().as_deref(),
        Some("Hello! How can I assist you today?")
    );
    assert_eq!(resp.finish_reason(), Some(&FinishReason::Stop));
    let usage = resp.usage.as_ref().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (19, 10, 29)
    );
    assert_eq!(usage.cost, Some(0.0000086));
    assert_eq!(usage.cached_tokens(), 0);
    assert_eq!(resp.system_fingerprint.as_deref(), Some("fp_06737a9306"));
    assert_eq!(resp.request_id(), Some("req_123"));
    assert_eq!(resp.headers()["x-ratelimit-remaining-requests"], "99");
    assert_eq!(resp.choices[0].message.extra["annotations"], json!([]));

    let reqs = requests(&server).await;
    let r = &reqs[0];
    assert_eq!(r.headers["http-referer"], "https://myapp.example");
    assert_eq!(r.headers["x-title"], "My App");
    assert_eq!(r.headers["x-requesty-team"], "search");
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(
        r.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("requesty-rust/")
    );
    // f64 parameters go out exactly as written.
    let raw = String::from_utf8(r.body.clone()).unwrap();
    assert!(raw.contains("\"temperature\":0.2,"), "{raw}");
    let body: Value = r.body_json().unwrap();
    assert_eq!(
        body,
        json!({
            "model": "openai/gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Be terse."},
                {"role": "user", "content": "Hello"}
            ],
            "max_tokens": 100,
            "temperature": 0.2,
            "requesty": {
                "tags": ["demo"],
                "user_id": "u-1",
                "trace_id": "t-1",
                "extra": {"tenant": "acme"}
            }
        })
    );
}

#[tokio::test]
async fn the_model_is_optional_and_omitted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(&fixture("openai/chat_completion.json")))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    client
        .chat()
        .create(ChatRequest::default().user("hi"))
        .await
        .unwrap();
    let body: Value = requests(&server).await[0].body_json().unwrap();
    assert!(body.get("model").is_none(), "{body}");
    assert!(body.get("stream").is_none(), "{body}");
}

#[tokio::test]
async fn requesty_error_shape() {
    let server = server_with(404, &fixture("requesty/error_404.json")).await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.origin(), Some(&Origin::Router));
    assert_eq!(err.request_id(), Some("req_err_1"));
    assert!(!err.is_retryable());
    let api = err.api().unwrap();
    assert_eq!(api.message, "Provider and/or model not supported");
    assert!(api.body.contains("Provider and/or model not supported"));
    let text = err.to_string();
    assert!(
        text.contains("404") && text.contains("router") && text.contains("not supported"),
        "{text}"
    );
    assert_eq!(requests(&server).await.len(), 1, "404 is not retried");
}

#[tokio::test]
async fn openai_error_shape_and_the_key_is_scrubbed() {
    // The server echoes the key in its message, as some providers do.
    let body = fixture("openai/error_401.json").replace("sk-test-1234567890abcdef", KEY);
    let server = server_with(401, &body).await;
    let client = builder(&server.uri()).max_retries(3).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let api = err.api().unwrap();
    assert_eq!(api.error_type.as_deref(), Some("invalid_request_error"));
    assert_eq!(api.code.as_deref(), Some("invalid_api_key"));
    assert_eq!(api.param, None);
    assert_eq!(requests(&server).await.len(), 1, "401 is never retried");
    for shown in [err.to_string(), format!("{err:?}"), api.body.clone()] {
        assert!(!shown.contains(KEY), "key leaked: {shown}");
    }
    assert!(api.body.contains("[REDACTED]"));
}

#[tokio::test]
async fn openai_error_with_param() {
    let server = server_with(400, &fixture("openai/error_400_param.json")).await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.param.as_deref(), Some("temperature"));
    assert_eq!(api.code.as_deref(), Some("invalid_value"));
}

#[tokio::test]
async fn openrouter_error_shape() {
    let server = server_with(402, &fixture("openrouter/error_402.json")).await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 402);
    assert_eq!(api.code.as_deref(), Some("402"));
    assert!(api.message.starts_with("Insufficient credits"));
    assert!(api.metadata.is_some());
}

#[tokio::test]
async fn an_error_inside_a_200_body_is_an_error() {
    let server = server_with(200, &fixture("openrouter/error_in_200.json")).await;
    let client = builder(&server.uri()).max_retries(0).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 200);
    assert_eq!(api.code.as_deref(), Some("502"));
    assert_eq!(api.message, "Provider returned error");
    assert_eq!(api.metadata.as_ref().unwrap()["provider_name"], "OpenAI");
    assert!(err.is_retryable(), "an in-body 502 is worth retrying");
}

#[tokio::test]
async fn an_error_inside_a_200_body_is_retried_like_its_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(&fixture("openrouter/error_in_200.json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(&fixture("openai/chat_completion.json")))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).max_retries(2).build().unwrap();
    client.chat().create(hello()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // A client error inside a 200 is not retried.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(
            r#"{"error":{"message":"bad model","code":400,"type":"invalid_request_error"}}"#,
        ))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).max_retries(2).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_non_json_error_body_keeps_its_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).max_retries(0).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.api().unwrap().message.contains("Bad Gateway"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_a_snippet() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(
            r#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"trunc"#,
        ))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    match err.kind() {
        ErrorKind::Decode { snippet, .. } => assert!(snippet.contains("trunc")),
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_wrongly_typed_field_names_its_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(r#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":"many"}}"#))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert!(err.to_string().contains("usage.prompt_tokens"), "{err}");
}

#[tokio::test]
async fn empty_choices_is_not_a_silent_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(
            r#"{"id":"x","object":"chat.completion","choices":[]}"#,
        ))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:?}");
}

async fn flaky(status: u16, failures: u64, retry_after: Option<(&str, &str)>) -> MockServer {
    let server = MockServer::start().await;
    let mut fail = ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(fixture("requesty/error_429_provider.json"));
    if let Some((k, v)) = retry_after {
        fail = fail.insert_header(k, v);
    }
    Mock::given(method("POST"))
        .respond_with(fail)
        .up_to_n_times(failures)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(&fixture("openai/chat_completion.json")))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn retryable_statuses_are_retried_up_to_max_retries() {
    for status in [408u16, 409, 429, 500, 502, 503, 504, 529] {
        let server = flaky(status, 2, None).await;
        let client = builder(&server.uri()).max_retries(2).build().unwrap();
        client.chat().create(hello()).await.unwrap();
        assert_eq!(requests(&server).await.len(), 3, "status {status}");

        let server = flaky(status, 2, None).await;
        let client = builder(&server.uri()).max_retries(1).build().unwrap();
        let err = client.chat().create(hello()).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(requests(&server).await.len(), 2, "status {status}");
    }
}

#[tokio::test]
async fn other_4xx_are_not_retried() {
    for status in [400u16, 401, 402, 403, 404, 412, 413, 422] {
        let server = flaky(status, 1, None).await;
        let client = builder(&server.uri()).max_retries(3).build().unwrap();
        let err = client.chat().create(hello()).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(requests(&server).await.len(), 1, "status {status}");
    }
}

#[tokio::test]
async fn the_request_is_rebuilt_identically_for_each_attempt() {
    let server = flaky(503, 2, None).await;
    let client = builder(&server.uri()).max_retries(2).build().unwrap();
    client.chat().create(hello().tag("x")).await.unwrap();
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3);
    assert!(reqs.windows(2).all(|w| w[0].body == w[1].body));
    assert!(
        reqs.iter()
            .all(|r| r.headers["authorization"] == format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let server = flaky(429, 1, Some(("retry-after-ms", "300"))).await;
    let client = builder(&server.uri()).max_retries(1).build().unwrap();
    let t = Instant::now();
    client.chat().create(hello()).await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = flaky(503, 1, Some(("retry-after", "1"))).await;
    let client = builder(&server.uri()).max_retries(1).build().unwrap();
    let t = Instant::now();
    client.chat().create(hello()).await.unwrap();
    let e = t.elapsed();
    assert!(
        e >= Duration::from_secs(1) && e < Duration::from_secs(3),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_hits_the_request_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ok_json(&fixture("openai/chat_completion.json")).set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .timeout(Duration::from_millis(200))
        .max_retries(1)
        .build()
        .unwrap();
    let t = Instant::now();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout {
                kind: TimeoutKind::Request,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_timeout() && err.is_retryable());
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(requests(&server).await.len(), 2, "a timeout is retried");
}

#[tokio::test]
async fn the_deadline_bounds_all_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_millis(100)))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .max_retries(100)
        .deadline(Duration::from_millis(350))
        .build()
        .unwrap();
    let t = Instant::now();
    let err = client.chat().create(hello()).await.unwrap_err();
    let e = t.elapsed();
    assert!(e < Duration::from_millis(900), "{e:?}");
    assert!(err.status() == Some(500) || err.is_timeout(), "{err:?}");
    let n = requests(&server).await.len();
    assert!((2..=5).contains(&n), "{n} attempts");
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let port = closed_port();
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .max_retries(2)
        .build()
        .unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Connect { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn a_reset_before_the_answer_is_retried() {
    let (addr, count) = reset_server().await;
    let client = builder(&format!("http://{addr}"))
        .max_retries(2)
        .build()
        .unwrap();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_key_never_shows_in_debug() {
    let client = builder("http://127.0.0.1:9").build().unwrap();
    let dbg = format!("{client:?}");
    assert!(!dbg.contains(KEY), "{dbg}");
    assert!(dbg.contains("REDACTED"));
    let b = builder("http://127.0.0.1:9");
    assert!(!format!("{b:?}").contains(KEY));
}

#[test]
fn client_is_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<Client>();
    assert!(std::mem::size_of::<requesty::Error>() <= 16);
}

#[test]
fn from_vars_reads_the_key_and_base_url() {
    let err = Client::from_vars(|_| None).unwrap_err();
    assert!(err.to_string().contains("REQUESTY_API_KEY"), "{err}");
    let err = Client::from_vars(|k| (k == "REQUESTY_API_KEY").then(|| "  ".into())).unwrap_err();
    assert!(err.to_string().contains("REQUESTY_API_KEY"));
    let c = Client::from_vars(|k| match k {
        "REQUESTY_API_KEY" => Some(KEY.into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(
        c.base_url().unwrap().as_str(),
        "https://router.requesty.ai/v1/"
    );
    let c = Client::from_vars(|k| match k {
        "REQUESTY_API_KEY" => Some(KEY.into()),
        "REQUESTY_BASE_URL" => Some("https://router.eu.requesty.ai/v1".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(
        c.base_url().unwrap().as_str(),
        "https://router.eu.requesty.ai/v1/"
    );
}

#[test]
fn bad_configuration_is_reported_at_build() {
    let e = Client::builder().base_url("not a url").build().unwrap_err();
    assert!(e.to_string().contains("base URL"), "{e}");
    let e = Client::builder()
        .base_url("ftp://x/v1")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("http"), "{e}");
    let e = Client::builder()
        .header("bad header", "x")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("bad header"), "{e}");
    let e = Client::builder()
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("timeout"), "{e}");
}

#[tokio::test]
async fn a_callers_own_reqwest_client_is_used() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-from-custom", "yes"))
        .respond_with(ok_json(&fixture("openai/chat_completion.json")))
        .expect(1)
        .mount(&server)
        .await;
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-from-custom", "yes".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(h)
        .build()
        .unwrap();
    let client = builder(&server.uri()).http_client(http).build().unwrap();
    client.chat().create(hello()).await.unwrap();
}

#[tokio::test]
async fn unknown_values_and_fields_round_trip() {
    let raw = fixture("openai/chat_completion_unknown_values.json");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(&raw))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let resp = client.chat().create(hello()).await.unwrap();
    assert_eq!(
        resp.choices[0].finish_reason,
        Some(FinishReason::Other("eos_token".into()))
    );
    assert_eq!(
        resp.choices[1].finish_reason,
        Some(FinishReason::Other(String::new()))
    );
    assert_eq!(resp.choices[1].message.role, Role::Other("critic".into()));
    assert_eq!(resp.reasoning(), Some("The user greets me."));
    assert_eq!(resp.usage.as_ref().unwrap().cached_tokens(), 3);
    assert_eq!(resp.usage.as_ref().unwrap().reasoning_tokens(), 1);
    assert_eq!(resp.extra["timings"]["prompt_n"], 5);
    // Serializing gives back the same document.
    let back = serde_json::to_value(&resp).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(&raw).unwrap());
    // The assistant turn for the next request drops the reasoning text.
    let m = resp.assistant_message();
    assert_eq!(m.reasoning_content, None);
    assert_eq!(m.text().as_deref(), Some("Hi."));
}

#[tokio::test]
async fn tool_call_answers_parse() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(&fixture("openai/chat_completion_tool_calls.json")))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let resp = client.chat().create(hello()).await.unwrap();
    assert_eq!(resp.finish_reason(), Some(&FinishReason::ToolCalls));
    let calls = resp.tool_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].function.name, "get_current_weather");
    assert_eq!(resp.text(), None);
    let next = hello()
        .message(resp.assistant_message())
        .message(Message::tool(&calls[0].id, r#"{"temp_c":21}"#));
    next.validate().unwrap();
    let wire = serde_json::to_value(&next).unwrap();
    assert_eq!(wire["messages"][1]["tool_calls"][0]["id"], "call_abc123");
    assert_eq!(wire["messages"][1]["content"], Value::Null);
    assert_eq!(wire["messages"][2]["tool_call_id"], "call_abc123");
}

#[tokio::test]
async fn models_list_parses_requesty_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ok_json(&fixture("requesty/models.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let models = client.models().list().await.unwrap();
    assert_eq!(models.data.len(), 2);
    let m = models.get("openai/gpt-4o-mini").unwrap();
    assert_eq!(m.context_window, Some(128000));
    assert_eq!(m.max_output_tokens, Some(16384));
    assert_eq!(m.input_price, Some(1.5e-7));
    assert_eq!(m.cached_price, Some(7.5e-8));
    assert_eq!(m.caching_price, Some(0.0));
    assert_eq!(m.supports("vision"), Some(true));
    assert_eq!(m.supports("pdf"), Some(true));
    assert_eq!(m.supports("reasoning"), Some(false));
    assert_eq!(m.supports("audio"), None);
}

#[tokio::test]
async fn embeddings_round_trip() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/embeddings"))
        .respond_with(
            ok_json(&fixture("openai/embeddings.json")).insert_header("x-request-id", "emb_1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let emb = client
        .embeddings()
        .create(EmbeddingRequest::new(
            "openai/text-embedding-3-small",
            ["hi", "there"],
        ))
        .await
        .unwrap();
    assert_eq!(emb.data.len(), 2);
    assert_eq!(emb.data[0].as_floats().unwrap()[0], 0.0023064255);
    assert_eq!(emb.meta.request_id(), Some("emb_1"));
    let body: Value = requests(&server).await[0].body_json().unwrap();
    assert_eq!(
        body,
        json!({"model": "openai/text-embedding-3-small", "input": ["hi", "there"]})
    );
}

/// Each invalid request fails before any network call, naming the field.
#[tokio::test]
async fn invalid_requests_fail_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let weather = || Tool::new("get_weather", "Weather", json!({"type": "object"}));
    let cases: Vec<(ChatRequest, &str)> = vec![
        (ChatRequest::new("m"), "messages"),
        (ChatRequest::new("").user("x"), "model"),
        (ChatRequest::new("  ").user("x"), "model"),
        (hello().temperature(2.5), "temperature"),
        (hello().temperature(-0.1), "temperature"),
        (hello().temperature(f64::NAN), "temperature"),
        (hello().top_p(1.5), "top_p"),
        (hello().n(0), "n"),
        (hello().max_tokens(0), "max_tokens"),
        (hello().presence_penalty(3.0), "presence_penalty"),
        (hello().frequency_penalty(-2.5), "frequency_penalty"),
        (hello().top_logprobs(21), "top_logprobs"),
        (hello().logit_bias(50256, 101), "logit_bias.50256"),
        (hello().stop([""]), "stop[0]"),
        (
            hello().message(Message {
                role: Role::Tool,
                content: Some("x".into()),
                ..Default::default()
            }),
            "messages[1].tool_call_id",
        ),
        (
            hello().message(Message {
                role: Role::User,
                ..Default::default()
            }),
            "messages[1].content",
        ),
        (
            hello().message(Message {
                role: Role::Assistant,
                ..Default::default()
            }),
            "messages[1].content",
        ),
        (
            ChatRequest::new("m").user(Vec::<ContentPart>::new()),
            "messages[0].content",
        ),
        (
            hello().tool(weather()).tool(weather()),
            "tools[1].function.name",
        ),
        (
            hello().tool(Tool::new("get weather!", "", json!({}))),
            "tools[0].function.name",
        ),
        (
            hello().tool(Tool::new("", "", json!({}))),
            "tools[0].function.name",
        ),
        (
            hello().tool(Tool::new("x".repeat(65), "", json!({}))),
            "tools[0].function.name",
        ),
        (
            hello().tool(Tool::new("f", "", json!("string"))),
            "tools[0].function.parameters",
        ),
        (
            hello().tool_choice(ToolChoice::function("nope")),
            "tool_choice",
        ),
        (
            hello()
                .tool(weather())
                .tool_choice(ToolChoice::function("nope")),
            "tool_choice",
        ),
        (
            hello().message(Message::assistant_tool_calls([
                requesty::ToolCall::function("", "f", "{}"),
            ])),
            "messages[1].tool_calls[0].id",
        ),
    ];
    for (req, field) in cases {
        let err = client.chat().create(req.clone()).await.unwrap_err();
        match err.kind() {
            ErrorKind::InvalidRequest { field: f, .. } => assert_eq!(f, field, "{err}"),
            other => panic!("{req:?}: {other:?}"),
        }
        assert!(err.to_string().contains(field), "{err}");
    }
    let e = client
        .embeddings()
        .create(EmbeddingRequest::new("m", Vec::<String>::new()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("input"), "{e}");
    let e = client
        .embeddings()
        .create(EmbeddingRequest::new("m", ["ok", ""]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("input[1]"), "{e}");
}

#[test]
fn request_wire_format_covers_the_schema() {
    use requesty::{ReasoningEffort, ResponseFormat};
    let req = ChatRequest::new("openai/o3-mini")
        .developer("Answer in JSON.")
        .user(vec![
            ContentPart::text("What is in this image?"),
            ContentPart::image_base64("image/png", "iVBORw0KGgo="),
            ContentPart::input_file("report.pdf", "data:application/pdf;base64,JVBERi0="),
        ])
        .max_completion_tokens(500)
        .top_p(0.9)
        .n(2)
        .stop(["END", "STOP"])
        .seed(42)
        .presence_penalty(0.5)
        .frequency_penalty(-0.5)
        .logit_bias(50256, -100)
        .top_logprobs(3)
        .end_user("user-9")
        .parallel_tool_calls(false)
        .response_format(ResponseFormat::JsonObject)
        .reasoning_effort("max")
        .auto_cache(true)
        .extra("service_tier", "flex");
    let wire = serde_json::to_value(&req).unwrap();
    assert_eq!(
        wire,
        json!({
            "model": "openai/o3-mini",
            "messages": [
                {"role": "developer", "content": "Answer in JSON."},
                {"role": "user", "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "mime_type": "image/png"}},
                    {"type": "input_file", "filename": "report.pdf", "file_data": "data:application/pdf;base64,JVBERi0="}
                ]}
            ],
            "max_completion_tokens": 500,
            "top_p": 0.9,
            "n": 2,
            "stop": ["END", "STOP"],
            "seed": 42,
            "presence_penalty": 0.5,
            "frequency_penalty": -0.5,
            "logit_bias": {"50256": -100},
            "logprobs": true,
            "top_logprobs": 3,
            "user": "user-9",
            "parallel_tool_calls": false,
            "response_format": {"type": "json_object"},
            "reasoning_effort": "max",
            "requesty": {"auto_cache": true},
            "service_tier": "flex"
        })
    );
    assert_eq!(ReasoningEffort::from("4096"), ReasoningEffort::Budget(4096));
    assert_eq!(
        serde_json::to_value(ReasoningEffort::Budget(4096)).unwrap(),
        json!("4096")
    );
    assert_eq!(
        ReasoningEffort::from("turbo"),
        ReasoningEffort::Other("turbo".into())
    );
    // A request read back from JSON (server mode) is the same request.
    let back: ChatRequest = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), wire);
}

#[test]
fn legacy_functions_and_unknown_parts_round_trip() {
    let wire = json!({
        "model": "m",
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "hi"},
                {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}}
            ]},
            {"role": "assistant", "content": null, "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": "42"}
        ],
        "functions": [{"name": "f", "parameters": {"type": "object"}}],
        "function_call": {"name": "f"},
        "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}},
        "vendor_flag": true
    });
    let req: ChatRequest = serde_json::from_value(wire.clone()).unwrap();
    req.validate().unwrap();
    assert!(matches!(req.tool_choice, Some(ToolChoice::Other(_))));
    // `content: null` of the tool-calling assistant turn is kept.
    assert_eq!(serde_json::to_value(&req).unwrap(), wire);
}

/// A listener whose accept queue is full drops new SYNs, so connecting hangs
/// until `connect_timeout`.
#[tokio::test]
async fn a_hanging_connect_hits_the_connect_timeout() {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    // Fill the accept queue (never accepted).
    let mut fillers = vec![];
    for _ in 0..8 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            fillers.push(s);
        }
    }
    let client = builder(&format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .unwrap();
    let t = Instant::now();
    let err = client.chat().create(hello()).await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout {
                kind: TimeoutKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    drop(listener);
}
