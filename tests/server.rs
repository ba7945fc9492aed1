//! Server mode over real HTTP (reqwest against an in-process server on
//! 127.0.0.1:0): every endpoint, status code and header rule, streaming
//! with keep-alives and in-band errors, limits, and a shutdown that
//! flushes every record.
#![cfg(feature = "server")]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use requesty::router::log::JsonlSink;
use requesty::router::pricing::{Price, PriceTable};
use requesty::router::providers::OpenAiCompatible;
use requesty::router::providers::mock::{Mock, MockReply};
use requesty::router::security::SecurityPolicy;
use requesty::router::{Policy, Router, RouterBuilder};
use requesty::server::{ClientKey, Config, Server, Settings, ShutdownHandle, ShutdownReport};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

struct Running {
    base: String,
    handle: ShutdownHandle,
    task: JoinHandle<ShutdownReport>,
    http: reqwest::Client,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn chat(&self, body: Value) -> reqwest::Response {
        self.http
            .post(self.url("/v1/chat/completions"))
            .bearer_auth("anything")
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    async fn stop(self) -> ShutdownReport {
        self.handle.shutdown();
        self.task.await.expect("server task")
    }
}

fn settings() -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        keep_alive: Duration::from_millis(50),
        shutdown_grace: Duration::from_secs(5),
        ..Settings::default()
    }
}

async fn start(router: Router, settings: Settings) -> Running {
    let server = Server::bind(router, settings).await.expect("bind");
    let base = format!("http://{}", server.local_addr());
    let handle = server.handle();
    let task = tokio::spawn(server.run());
    Running {
        base,
        handle,
        task,
        http: reqwest::Client::new(),
    }
}

fn mock_router(mock: Mock) -> RouterBuilder {
    Router::builder()
        .provider(mock)
        .default_model("mock/mock-1")
        .builtin_tagger(false)
}

fn hi() -> Value {
    json!({"model": "mock/mock-1", "messages": [{"role": "user", "content": "hi there"}]})
}

fn hi_stream() -> Value {
    let mut v = hi();
    v["stream"] = json!(true);
    v
}

async fn error_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json error body");
    (status, body["error"].clone())
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "requesty-server-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn jsonl_records(dir: &PathBuf) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("log dir") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        out.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("record")),
        );
    }
    out
}

/// SSE `data:` payloads and whether keep-alive comments came first.
fn sse(body: &str) -> (Vec<String>, usize) {
    let data = body
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .map(str::to_owned)
        .collect();
    let keep_alives = body.matches(": keep-alive\n\n").count();
    (data, keep_alives)
}

// ------------------------------------------------------------------ JSON

#[tokio::test]
async fn completes_json_and_records_dimensions_and_origin() {
    let router = mock_router(Mock::new("mock").text("Hello!"))
        .build()
        .expect("router");
    let s = start(router.clone(), settings()).await;
    let resp = s
        .http
        .post(s.url("/v1/chat/completions"))
        .bearer_auth("whatever")
        .header("X-Requesty-Team", "search")
        .header("X-Requesty-Feature", "autocomplete")
        .header("HTTP-Referer", "https://app.example")
        .header("X-Title", "Example App")
        .json(&hi())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-served-by"], "mock/mock-1");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["choices"][0]["message"]["content"], "Hello!");
    assert!(body["usage"]["total_tokens"].as_u64().is_some());
    s.stop().await;
    let logs = router.logs();
    assert_eq!(logs.len(), 1);
    let rec = serde_json::to_value(&*logs[0]).expect("record");
    assert_eq!(rec["dimensions"]["team"], "search");
    assert_eq!(rec["dimensions"]["feature"], "autocomplete");
    assert_eq!(rec["origin"]["referer"], "https://app.example");
    assert_eq!(rec["origin"]["title"], "Example App");
}

#[tokio::test]
async fn tool_calls_come_back_in_openai_shape() {
    let mock = Mock::new("mock").reply(MockReply::tool_call("get_weather", r#"{"city":"Paris"}"#));
    let s = start(mock_router(mock).build().expect("router"), settings()).await;
    let mut body = hi();
    body["tools"] = json!([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]);
    let resp = s.chat(body).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "get_weather"
    );
    s.stop().await;
}

// ------------------------------------------------------------------ headers and body

/// A loopback OpenAI-compatible provider (wiremock) behind the router.
async fn http_provider(reply: wiremock::ResponseTemplate) -> (wiremock::MockServer, Router) {
    use wiremock::matchers::method;
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("POST"))
        .respond_with(reply)
        .mount(&server)
        .await;
    let router = Router::builder()
        .provider(
            OpenAiCompatible::new("up", format!("{}/v1", server.uri()))
                .api_key("sk-upstream-secret"),
        )
        .builtin_tagger(false)
        .build()
        .expect("router");
    (server, router)
}

fn completion_json(cost: f64) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4, "cost": cost}
    })
}

#[tokio::test]
async fn requesty_headers_are_not_forwarded_and_unknown_fields_are() {
    let (upstream, router) =
        http_provider(wiremock::ResponseTemplate::new(200).set_body_json(completion_json(0.001)))
            .await;
    let s = start(router, settings()).await;
    let resp = s
        .http
        .post(s.url("/v1/chat/completions"))
        .bearer_auth("client-token")
        .header("X-Requesty-Team", "search")
        .header("X-Title", "App")
        .json(&json!({"model": "up/m", "messages": [{"role": "user", "content": "hi"}], "custom_knob": {"a": 1}}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let got = upstream.received_requests().await.expect("recorded");
    assert_eq!(got.len(), 1);
    for (name, _) in got[0].headers.iter() {
        let n = name.as_str();
        assert!(
            !n.starts_with("x-requesty-") && n != "x-title",
            "forwarded {n}"
        );
    }
    assert_eq!(got[0].headers["authorization"], "Bearer sk-upstream-secret");
    let sent: Value = serde_json::from_slice(&got[0].body).expect("json");
    assert_eq!(sent["custom_knob"], json!({"a": 1}));
    assert_eq!(sent["model"], "m");
    s.stop().await;
}

#[tokio::test]
async fn a_providers_own_400_passes_through() {
    let (_up, router) = http_provider(
        wiremock::ResponseTemplate::new(400)
            .set_body_json(json!({"error": {"message": "Invalid value for 'temperature'", "type": "invalid_request_error", "param": "temperature"}})),
    )
    .await;
    let s = start(router, settings()).await;
    let (status, err) = error_of(
        s.chat(json!({"model": "up/m", "messages": [{"role": "user", "content": "hi"}]}))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["origin"], "provider");
    assert_eq!(err["message"], "Invalid value for 'temperature'");
    assert_eq!(err["param"], "temperature");
    assert!(!err.to_string().contains("sk-upstream-secret"));
    s.stop().await;
}

#[tokio::test]
async fn malformed_bodies_name_the_field() {
    let s = start(
        mock_router(Mock::new("mock")).build().expect("router"),
        settings(),
    )
    .await;
    let send_raw = |body: &'static str| {
        s.http
            .post(s.url("/v1/chat/completions"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let (status, err) = error_of(
        send_raw(r#"{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#)
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["origin"], "router");
    assert_eq!(err["param"], "temperature");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or("")
            .contains("`temperature`"),
        "{err}"
    );
    let (status, err) = error_of(send_raw(r#"{"messages": ["#).await.expect("send")).await;
    assert_eq!(status, 400);
    assert!(
        err["message"]
            .as_str()
            .unwrap_or("")
            .contains("not a valid chat request"),
        "{err}"
    );
    // Checks of `ChatRequest::validate` name the field too.
    let (status, err) = error_of(send_raw(r#"{"messages":[]}"#).await.expect("send")).await;
    assert_eq!((status, err["param"].as_str()), (400, Some("messages")));
    let (status, err) = error_of(
        send_raw(r#"{"messages":[{"role":"user","content":"x"}],"temperature":3}"#)
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((status, err["param"].as_str()), (400, Some("temperature")));
    // A bad X-Security-Level names the header.
    let resp = s
        .http
        .post(s.url("/v1/chat/completions"))
        .header("X-Security-Level", "paranoid")
        .json(&hi())
        .send()
        .await
        .expect("send");
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 400);
    assert_eq!(err["param"], "X-Security-Level");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or("")
            .contains("X-Security-Level")
    );
    s.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let mut st = settings();
    st.max_body_bytes = 1000;
    let s = start(mock_router(Mock::new("mock")).build().expect("router"), st).await;
    let big = "x".repeat(2000);
    let (status, err) = error_of(
        s.chat(json!({"messages": [{"role": "user", "content": big}]}))
            .await,
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(err["origin"], "router");
    // Without a Content-Length (chunked), the limit holds while reading.
    let chunks = futures::stream::iter(
        (0..40).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 100]))),
    );
    let resp = s
        .http
        .post(s.url("/v1/chat/completions"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 413);
    s.stop().await;
}

#[tokio::test]
async fn oversized_heads_are_431_and_large_bodies_still_pass() {
    let s = start(
        mock_router(Mock::new("mock")).build().expect("router"),
        settings(),
    )
    .await;
    // A request head over the server's 64 KiB buffer limit.
    let resp = s
        .http
        .post(s.url("/v1/chat/completions"))
        .header("x-filler", "a".repeat(70 * 1024))
        .json(&hi())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 431);
    // A body far larger than that buffer is read in pieces and served.
    let big = "word ".repeat(60_000);
    let resp = s
        .chat(json!({"model": "mock/mock-1", "messages": [{"role": "user", "content": big}]}))
        .await;
    assert_eq!(resp.status(), 200);
    s.stop().await;
}

// ------------------------------------------------------------------ status codes

#[tokio::test]
async fn client_keys_401_403_and_constant_time_lookup() {
    let mut st = settings();
    st.client_keys = vec![
        ClientKey::new("alice", "key-alice"),
        ClientKey::new("bob", "key-bob"),
    ];
    let s = start(mock_router(Mock::new("mock")).build().expect("router"), st).await;
    let post = |key: Option<&str>| {
        let mut r = s.http.post(s.url("/v1/chat/completions")).json(&hi());
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        r.send()
    };
    let (status, err) = error_of(post(None).await.expect("send")).await;
    assert_eq!((status, err["origin"].as_str()), (401, Some("router")));
    let (status, _) = error_of(post(Some("key-mallory")).await.expect("send")).await;
    assert_eq!(status, 403);
    assert_eq!(post(Some("key-bob")).await.expect("send").status(), 200);
    // /v1/models needs a key too; /healthz and /metrics do not.
    assert_eq!(
        s.http
            .get(s.url("/v1/models"))
            .send()
            .await
            .expect("send")
            .status(),
        401
    );
    assert_eq!(
        s.http
            .get(s.url("/v1/models"))
            .bearer_auth("key-alice")
            .send()
            .await
            .expect("send")
            .status(),
        200
    );
    assert_eq!(
        s.http
            .get(s.url("/healthz"))
            .send()
            .await
            .expect("send")
            .status(),
        200
    );
    assert_eq!(
        s.http
            .get(s.url("/metrics"))
            .send()
            .await
            .expect("send")
            .status(),
        200
    );
    s.stop().await;
}

#[tokio::test]
async fn unknown_provider_model_and_route_are_404() {
    let s = start(
        mock_router(Mock::new("mock")).build().expect("router"),
        settings(),
    )
    .await;
    let (status, err) = error_of(
        s.chat(json!({"model": "nope/model", "messages": [{"role": "user", "content": "x"}]}))
            .await,
    )
    .await;
    assert_eq!((status, err["origin"].as_str()), (404, Some("router")));
    assert!(err["message"].as_str().unwrap_or("").contains("nope"));
    let (status, _) = error_of(
        s.chat(json!({"model": "policy/ghost", "messages": [{"role": "user", "content": "x"}]}))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, err) = error_of(
        s.http
            .get(s.url("/v2/whatever"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((status, err["origin"].as_str()), (404, Some("router")));
    let (status, _) = error_of(
        s.http
            .get(s.url("/v1/models/nope/x"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 404);
    let resp = s
        .http
        .get(s.url("/v1/chat/completions"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 405);
    s.stop().await;
}

#[tokio::test]
async fn provider_errors_map_to_the_hosted_routers_statuses() {
    let cases = [
        (
            MockReply::error(400, "bad parameter `top_k`"),
            400,
            "provider",
        ),
        (MockReply::error(422, "unprocessable"), 422, "provider"),
        (MockReply::error(429, "slow down"), 429, "provider"),
        (MockReply::error(500, "boom"), 502, "provider"),
        (MockReply::error(401, "bad upstream key"), 502, "provider"),
        (MockReply::timeout(), 503, "provider"),
    ];
    for (reply, want, origin) in cases {
        let s = start(
            mock_router(Mock::new("mock").reply(reply))
                .build()
                .expect("router"),
            settings(),
        )
        .await;
        let (status, err) = error_of(s.chat(hi()).await).await;
        assert_eq!(status, want, "{err}");
        assert_eq!(err["origin"], origin);
        s.stop().await;
    }
}

#[tokio::test]
async fn security_policy_refusals_are_403() {
    let router = mock_router(Mock::new("mock"))
        .security_policy(SecurityPolicy::new().deny_providers(["mock"]))
        .build()
        .expect("router");
    let s = start(router, settings()).await;
    // The router's level is `none`: the policy does not apply...
    assert_eq!(s.chat(hi()).await.status(), 200);
    // ...until the header raises the level to enterprise.
    let resp = s
        .http
        .post(s.url("/v1/chat/completions"))
        .header("X-Security-Level", "enterprise")
        .json(&hi())
        .send()
        .await
        .expect("send");
    let (status, err) = error_of(resp).await;
    assert_eq!(
        (status, err["origin"].as_str()),
        (403, Some("router")),
        "{err}"
    );
    s.stop().await;
}

#[tokio::test]
async fn rate_limits_are_429_with_retry_after() {
    let mut st = settings();
    st.client_keys = vec![ClientKey::new("alice", "key-alice").requests_per_minute(2)];
    let s = start(mock_router(Mock::new("mock")).build().expect("router"), st).await;
    let post = || {
        s.http
            .post(s.url("/v1/chat/completions"))
            .bearer_auth("key-alice")
            .json(&hi())
            .send()
    };
    assert_eq!(post().await.expect("send").status(), 200);
    assert_eq!(post().await.expect("send").status(), 200);
    let resp = post().await.expect("send");
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&retry), "{retry}");
    let (_, err) = error_of(resp).await;
    assert_eq!(err["origin"], "router");
    s.stop().await;
}

#[tokio::test]
async fn the_monthly_spend_limit_is_412() {
    let mut prices = PriceTable::empty();
    // $1 per prompt token: "hi there" costs $2.
    prices.set("mock/mock-1", Price::per_million(1_000_000.0, 0.0));
    let router = mock_router(Mock::new("mock"))
        .prices(prices)
        .build()
        .expect("router");
    let mut st = settings();
    st.client_keys = vec![
        ClientKey::new("alice", "key-alice").monthly_spend_usd(3.0),
        ClientKey::new("bob", "key-bob").monthly_spend_usd(3.0),
    ];
    let s = start(router, st).await;
    let post = |k: &'static str, body: Value| {
        s.http
            .post(s.url("/v1/chat/completions"))
            .bearer_auth(k)
            .json(&body)
            .send()
    };
    assert_eq!(post("key-alice", hi()).await.expect("send").status(), 200);
    assert_eq!(post("key-alice", hi()).await.expect("send").status(), 200);
    let (status, err) = error_of(post("key-alice", hi()).await.expect("send")).await;
    assert_eq!(
        (status, err["origin"].as_str()),
        (412, Some("router")),
        "{err}"
    );
    // Streams count too; other keys are not affected.
    let resp = post("key-bob", hi_stream()).await.expect("send");
    assert_eq!(resp.status(), 200);
    let _ = resp.text().await;
    assert_eq!(
        post("key-bob", hi_stream()).await.expect("send").status(),
        200
    );
    assert_eq!(post("key-bob", hi()).await.expect("send").status(), 412);
    s.stop().await;
}

// ------------------------------------------------------------------ streaming

#[tokio::test]
async fn streams_sse_and_done() {
    let s = start(
        mock_router(Mock::new("mock").text("one two three"))
            .build()
            .expect("router"),
        settings(),
    )
    .await;
    let resp = s.chat(hi_stream()).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/event-stream")
    );
    let (data, _) = sse(&resp.text().await.expect("body"));
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    let text: String = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str::<Value>(d).expect("chunk"))
        .inspect(|c| {
            assert_eq!(c["object"], "chat.completion.chunk");
            assert!(c.get("usage").is_none(), "usage only when asked for");
            assert!(!c["choices"].as_array().expect("choices").is_empty());
        })
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, "one two three");
    // With include_usage, the last chunk carries it.
    let mut body = hi_stream();
    body["stream_options"] = json!({"include_usage": true});
    let (data, _) = sse(&s.chat(body).await.text().await.expect("body"));
    let usage_chunk: Value = serde_json::from_str(&data[data.len() - 2]).expect("chunk");
    assert!(
        usage_chunk["usage"]["total_tokens"].as_u64().is_some(),
        "{usage_chunk}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_slow_start_gets_keep_alive_comments() {
    let mock =
        Mock::new("mock").reply(MockReply::text("late answer").latency(Duration::from_millis(400)));
    let s = start(mock_router(mock).build().expect("router"), settings()).await;
    let resp = s.chat(hi_stream()).await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.expect("body");
    let (data, keep_alives) = sse(&body);
    assert!(keep_alives >= 3, "{body}");
    assert!(body.find(": keep-alive") < body.find("data: "), "{body}");
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    s.stop().await;
}

#[tokio::test]
async fn errors_before_anything_is_sent_keep_their_status() {
    let mock = Mock::new("mock").reply(MockReply::error(429, "slow down"));
    let s = start(mock_router(mock).build().expect("router"), settings()).await;
    let (status, err) = error_of(s.chat(hi_stream()).await).await;
    assert_eq!((status, err["origin"].as_str()), (429, Some("provider")));
    let (status, _) = error_of(
        s.chat(
            json!({"model": "x/y", "stream": true, "messages": [{"role": "user", "content": "x"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
    s.stop().await;
}

#[tokio::test]
async fn failures_after_a_keep_alive_are_in_band() {
    let mock = Mock::new("mock")
        .reply(MockReply::error(500, "upstream exploded").latency(Duration::from_millis(200)));
    let s = start(mock_router(mock).build().expect("router"), settings()).await;
    let resp = s.chat(hi_stream()).await;
    assert_eq!(
        resp.status(),
        200,
        "the status line went out with the first keep-alive"
    );
    let body = resp.text().await.expect("body");
    let (data, keep_alives) = sse(&body);
    assert!(keep_alives >= 1);
    assert_eq!(data.len(), 1, "{body}");
    let ev: Value = serde_json::from_str(&data[0]).expect("event");
    assert_eq!(ev["error"]["origin"], "provider");
    assert_eq!(ev["error"]["status"], 502);
    assert!(
        ev["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("upstream exploded")
    );
    s.stop().await;
}

#[tokio::test]
async fn a_broken_provider_stream_ends_with_an_error_event() {
    let mock = Mock::new("mock").reply(MockReply::text("one two three four").fail_after_chunks(2));
    let router = mock_router(mock).build().expect("router");
    let s = start(router.clone(), settings()).await;
    let resp = s.chat(hi_stream()).await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.expect("body");
    let (data, _) = sse(&body);
    assert!(!body.contains("[DONE]"), "{body}");
    let last: Value = serde_json::from_str(data.last().expect("events")).expect("event");
    assert_eq!(last["error"]["status"], 502);
    assert_eq!(last["error"]["origin"], "provider");
    s.stop().await;
    assert_eq!(router.logs().len(), 1);
}

// ------------------------------------------------------------------ models, health, metrics

#[tokio::test]
async fn models_health_and_metrics() {
    let router = mock_router(Mock::new("mock").models(["mock-1", "mock-2"]))
        .policy("reliable", Policy::fallback(["mock/mock-1", "mock/mock-2"]))
        .build()
        .expect("router");
    let s = start(router, settings()).await;
    let models: Value = s
        .http
        .get(s.url("/v1/models"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = models["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(ids, ["mock/mock-1", "mock/mock-2", "policy/reliable"]);
    let one: Value = s
        .http
        .get(s.url("/v1/models/mock/mock-2"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(one["id"], "mock/mock-2");
    let health: Value = s
        .http
        .get(s.url("/healthz"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok");

    assert_eq!(s.chat(hi()).await.status(), 200);
    let _ = s.chat(hi_stream()).await.text().await;
    let _ = s
        .chat(json!({"model": "mock/mock-1", "messages": []}))
        .await;
    let text = s
        .http
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    for needle in [
        "# TYPE requesty_http_requests_total counter",
        "requesty_http_requests_total{route=\"chat_completions\",code=\"200\"} 2",
        "requesty_http_requests_total{route=\"chat_completions\",code=\"400\"} 1",
        "requesty_chat_requests_total{provider=\"mock\",model=\"mock-1\",stream=\"false\",outcome=\"ok\"} 1",
        "requesty_chat_requests_total{provider=\"mock\",model=\"mock-1\",stream=\"true\",outcome=\"ok\"} 1",
        "# TYPE requesty_chat_duration_seconds histogram",
        "requesty_chat_duration_seconds_bucket{provider=\"mock\",model=\"mock-1\",le=\"+Inf\"} 2",
        "requesty_chat_ttft_seconds_count{provider=\"mock\",model=\"mock-1\"} 1",
        "requesty_tokens_total{provider=\"mock\",model=\"mock-1\",kind=\"prompt\"}",
        "requesty_cost_usd_total{provider=\"mock\",model=\"mock-1\"}",
        "requesty_log_records_dropped_total 0",
        "requesty_inflight_requests",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    let mock_err = Mock::new("mock").reply(MockReply::error(500, "x"));
    let s2 = start(mock_router(mock_err).build().expect("router"), settings()).await;
    let _ = s2.chat(hi()).await;
    let text = s2
        .http
        .get(s2.url("/metrics"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("requesty_chat_errors_total{provider=\"mock\",model=\"mock-1\",code=\"502\",origin=\"provider\"} 1"),
        "{text}"
    );
    s2.stop().await;
    s.stop().await;
}

// ------------------------------------------------------------------ binding and shutdown

#[tokio::test]
async fn open_servers_only_on_loopback() {
    let router = mock_router(Mock::new("mock")).build().expect("router");
    let mut st = settings();
    st.listen = "0.0.0.0:0".parse().expect("addr");
    let err = Server::bind(router.clone(), st.clone())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("without client keys"), "{err}");
    st.client_keys = vec![ClientKey::new("a", "k")];
    let server = Server::bind(router, st).await.expect("with keys");
    assert!(!server.is_open());
}

#[tokio::test]
async fn shutdown_finishes_in_flight_streams_and_flushes_every_record() {
    let dir = temp_dir("flush");
    let mock = Mock::new("mock")
        .reply(MockReply::text("a b c d e f").chunk_delay(Duration::from_millis(60)));
    let router = mock_router(mock)
        .sink(JsonlSink::new(&dir))
        .build()
        .expect("router");
    let s = start(router, settings()).await;
    for _ in 0..5 {
        assert_eq!(s.chat(hi()).await.status(), 200);
    }
    // A stream in flight when the signal comes still finishes.
    let resp = s.chat(hi_stream()).await;
    assert_eq!(resp.status(), 200);
    let Running {
        handle,
        task,
        http,
        base,
    } = s;
    handle.shutdown();
    let body = resp.text().await.expect("body");
    assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
    let report = task.await.expect("task");
    assert!(report.drained && report.flushed, "{report:?}");
    assert_eq!(report.log_stats.dropped, 0);
    assert_eq!(jsonl_records(&dir).len(), 6);
    // New connections are refused after the shutdown.
    assert!(http.get(format!("{base}/healthz")).send().await.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn streams_past_the_grace_period_are_ended_and_still_logged() {
    let dir = temp_dir("grace");
    let mock = Mock::new("mock")
        .reply(MockReply::text("a b c d e f g h").chunk_delay(Duration::from_millis(400)));
    let router = mock_router(mock)
        .sink(JsonlSink::new(&dir))
        .build()
        .expect("router");
    let mut st = settings();
    st.shutdown_grace = Duration::from_millis(300);
    let s = start(router, st).await;
    let resp = s.chat(hi_stream()).await;
    assert_eq!(resp.status(), 200);
    s.handle.shutdown();
    let body = resp.text().await.expect("body");
    let (data, _) = sse(&body);
    let last: Value = serde_json::from_str(data.last().expect("events")).expect("event");
    assert!(
        last["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("shutting down"),
        "{body}"
    );
    let report = s.task.await.expect("task");
    assert!(!report.drained);
    assert!(report.flushed);
    let records = jsonl_records(&dir);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["outcome"], "dropped");
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ config and binary

#[test]
fn the_example_config_checks() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/router.toml");
    let cfg = Config::load(std::path::Path::new(path)).expect("parses");
    let built = cfg.check(&|_: &str| None).expect("valid");
    assert!(!built.summary.is_empty());
}

#[test]
fn config_builds_the_router_and_keys() {
    let text = r#"
[server]
listen = "127.0.0.1:0"
keep_alive_ms = 50

[providers.mock]
type = "mock"
models = ["mock-1"]

[policies.reliable]
type = "fallback"
targets = ["mock/mock-1"]
retries = 1

[aliases]
fast = "mock/mock-1"

[router]
default_model = "policy/reliable"

[security]
level = "basic"
deny_models = ["mock/forbidden*"]

[logging]
jsonl = false

[[client_keys]]
name = "ci"
key_env = "CI_CLIENT_KEY"
requests_per_minute = 10
"#;
    let cfg = Config::parse(text, "t.toml").expect("parses");
    let env = |k: &str| (k == "CI_CLIENT_KEY").then(|| "ci-secret".to_owned());
    let built = cfg.build(&env).expect("builds");
    assert_eq!(built.router.provider_ids(), ["mock"]);
    assert_eq!(built.router.policy_names(), ["reliable"]);
    assert_eq!(built.settings.client_keys.len(), 1);
    assert_eq!(built.settings.keep_alive, Duration::from_millis(50));
    let dbg = format!("{built:?}");
    assert!(!dbg.contains("ci-secret"), "{dbg}");
    let err = cfg.build(&|_: &str| None).expect_err("unset key variable");
    assert!(err.to_string().contains("CI_CLIENT_KEY"), "{err}");
}

#[test]
fn a_preset_can_be_configured_twice_under_other_ids() {
    let text = r#"
[providers.openai-eu]
type = "openai"
api_key_env = "OPENAI_EU_KEY"
base_url = "http://127.0.0.1:9/v1"

[providers.openai-us]
type = "openai"
api_key_env = "OPENAI_US_KEY"

[logging]
jsonl = false
"#;
    let cfg = Config::parse(text, "t.toml").expect("parses");
    let env = |k: &str| k.starts_with("OPENAI_").then(|| "sk-test".to_owned());
    let built = cfg.build(&env).expect("builds");
    let mut ids = built.router.provider_ids();
    ids.sort();
    assert_eq!(ids, ["openai-eu", "openai-us"]);
    // Anthropic and Gemini keep their fixed ids.
    let text = "[providers.claude]\ntype = \"anthropic\"\n";
    let err = Config::parse(text, "t.toml")
        .expect("parses")
        .build(&|_: &str| Some("k".to_owned()))
        .expect_err("fixed id");
    assert!(err.to_string().contains("[providers.anthropic]"), "{err}");
}

const BIN: &str = env!("CARGO_BIN_EXE_requesty-router");

#[test]
fn check_config_explains_errors_with_line_numbers() {
    let dir = temp_dir("check");
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[providers.mock]\ntype = \"mock\"\n\n[policies.p]\ntype = \"fastest\"\ntargets = [\"mock/a\"]\n").expect("write");
    let out = std::process::Command::new(BIN)
        .arg("check-config")
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:4:") || err.contains("bad.toml:5:"),
        "{err}"
    );
    assert!(err.contains("fastest"), "{err}");
    let syntax = dir.join("syntax.toml");
    std::fs::write(
        &syntax,
        "[server]\nlisten = \"127.0.0.1:8080\"\nmax_body_bytes = \"big\"\n",
    )
    .expect("write");
    let out = std::process::Command::new(BIN)
        .arg("check-config")
        .arg(&syntax)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("syntax.toml:3:"), "{err}");
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/router.toml");
    let out = std::process::Command::new(BIN)
        .arg("check-config")
        .arg(good)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_a_public_address_without_keys() {
    let out = std::process::Command::new(BIN)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env_clear()
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without client keys"), "{err}");
}

#[test]
fn hash_key_and_stats_subcommands() {
    let out = std::process::Command::new(BIN)
        .args(["hash-key", "abc"])
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let log = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/logs/sample.jsonl"
    );
    let out = std::process::Command::new(BIN)
        .args(["stats", log, "--json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert!(v.is_object());
}

#[tokio::test]
async fn overload_is_shed_with_503_and_retry_after() {
    let mock = Mock::new("mock").reply(MockReply::text("slow").latency(Duration::from_millis(400)));
    let s = std::sync::Arc::new(
        start(
            mock_router(mock).build().expect("router"),
            Settings {
                max_in_flight: 2,
                ..settings()
            },
        )
        .await,
    );
    let busy: Vec<_> = (0..2)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.chat(hi()).await.status().as_u16() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let resp = s.chat(hi()).await;
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["origin"], "router");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("server.max_in_flight")),
        "{body}"
    );
    for b in busy {
        assert_eq!(b.await.expect("task"), 200);
    }
    // Capacity is back once they finished.
    assert_eq!(s.chat(hi()).await.status().as_u16(), 200);
    let metrics = s
        .http
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("requesty_shed_requests_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_stream_that_pauses_between_chunks_gets_keep_alives_and_none_while_busy() {
    // keep_alive 50 ms: a 180 ms pause between chunks gets comments;
    // keep_alive 400 ms: chunks 10 ms apart get none.
    let mock = Mock::new("mock")
        .reply(MockReply::text("slow words here").chunk_delay(Duration::from_millis(180)));
    let s = start(mock_router(mock).build().expect("router"), settings()).await;
    let body = s.chat(hi_stream()).await.text().await.expect("body");
    let first = body.find("data: ").expect("a chunk");
    assert!(body[first..].contains(": keep-alive"), "{body}");
    assert!(body.ends_with("data: [DONE]\n\n"), "{body}");

    let mock = Mock::new("mock")
        .reply(MockReply::text("quick words here").chunk_delay(Duration::from_millis(10)));
    let roomy = Settings {
        keep_alive: Duration::from_millis(400),
        ..settings()
    };
    let s = start(mock_router(mock).build().expect("router"), roomy).await;
    let body = s.chat(hi_stream()).await.text().await.expect("body");
    assert!(!body.contains(": keep-alive"), "{body}");
}
