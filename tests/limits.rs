//! Size limits: response body, streamed response, SSE line and event,
//! tool-call arguments. Each is configurable and, when exceeded, ends the
//! call (or the stream, with an `Err` item) with `ErrorKind::LimitExceeded`
//! naming the limit and its setting.
#![cfg(feature = "testing")]

mod common;

use std::time::Duration;

use common::{Script, data, scripted};
use futures::StreamExt;
use requesty::stream::sse::SseLimits;
use requesty::testing::{Fault, FaultServer, Schedule};
use requesty::{ChatRequest, Client, Error, ErrorKind, Limit, Limits};
use serde_json::json;

fn client(base_url: String, limits: Limits) -> Client {
    Client::builder()
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .limits(limits)
        .build()
        .unwrap()
}

fn req() -> ChatRequest {
    ChatRequest::new("m").user("hi")
}

fn assert_limit(err: &Error, limit: Limit, max: usize) {
    match err.kind() {
        ErrorKind::LimitExceeded { limit: l, max: m } => {
            assert_eq!((*l, *m), (limit, max), "{err}");
        }
        other => panic!("expected {limit:?}, got {other:?}"),
    }
    assert_eq!(err.limit(), Some(limit));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains(limit.setting()), "{text}");
    assert!(text.contains(&max.to_string()), "{text}");
}

/// The stream's items up to its first error: (text so far, the error).
async fn stream_error(client: &Client) -> (String, Error) {
    let mut s = client.chat().stream(req()).await.expect("the stream opens");
    let mut text = String::new();
    while let Some(item) = s.next().await {
        match item {
            Ok(c) => text.push_str(c.delta_text().unwrap_or_default()),
            Err(e) => {
                assert!(s.next().await.is_none());
                return (text, e);
            }
        }
    }
    panic!("the stream ended without an error: {text:?}");
}

#[tokio::test]
async fn response_body() {
    let server = FaultServer::builder()
        .text("x".repeat(4096))
        .start()
        .await
        .unwrap();
    let small = Limits {
        max_body: 1024,
        ..Limits::default()
    };
    // Refused by its Content-Length…
    let err = client(server.base_url(), small)
        .chat()
        .create(req())
        .await
        .unwrap_err();
    assert_limit(&err, Limit::ResponseBody, 1024);
    // …and by counting, when the body has no length.
    let server = FaultServer::start(Schedule::always(Fault::Oversized(4096)))
        .await
        .unwrap();
    let err = client(server.base_url(), small)
        .chat()
        .create(req())
        .await
        .unwrap_err();
    assert_limit(&err, Limit::ResponseBody, 1024);
    // The builder's own setter does the same; a roomy limit lets it through.
    let roomy = Client::builder()
        .base_url(server.base_url())
        .max_body_size(64 * 1024)
        .build()
        .unwrap();
    assert!(roomy.chat().create(req()).await.is_ok());
}

#[tokio::test]
async fn streamed_response() {
    let server = FaultServer::start(Schedule::always(Fault::Oversized(64 * 1024)))
        .await
        .unwrap();
    let c = Client::builder()
        .base_url(server.base_url())
        .max_stream_size(8 * 1024)
        .build()
        .unwrap();
    let (text, err) = stream_error(&c).await;
    assert!(text.starts_with(server.text()), "content came first");
    assert_limit(&err, Limit::StreamBody, 8 * 1024);
}

#[tokio::test]
async fn sse_line_and_event() {
    let server = FaultServer::start(Schedule::always(Fault::OversizedEvent(8 * 1024)))
        .await
        .unwrap();
    let line = Client::builder()
        .base_url(server.base_url())
        .sse_limits(SseLimits {
            max_line: 1024,
            ..SseLimits::default()
        })
        .build()
        .unwrap();
    let (text, err) = stream_error(&line).await;
    assert!(text.is_empty());
    assert_limit(&err, Limit::SseLine, 1024);

    let event = Client::builder()
        .base_url(server.base_url())
        .sse_limits(SseLimits {
            max_line: 64 * 1024,
            max_event: 2048,
        })
        .build()
        .unwrap();
    let (_, err) = stream_error(&event).await;
    assert_limit(&err, Limit::SseEvent, 2048);
}

fn tool_call_answer(args: &str) -> String {
    json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant",
            "content": null, "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "lookup", "arguments": args}}]}}]})
    .to_string()
}

#[tokio::test]
async fn tool_arguments_in_an_answer() {
    let args = json!({"q": "y".repeat(2000)}).to_string();
    let (base, _) = scripted(vec![Script::status(
        200,
        "application/json",
        &tool_call_answer(&args),
    )])
    .await;
    let c = Client::builder()
        .base_url(format!("{base}/v1"))
        .max_tool_arguments_size(1024)
        .build()
        .unwrap();
    let err = c.chat().create(req()).await.unwrap_err();
    assert_limit(&err, Limit::ToolArguments, 1024);

    let roomy = Client::builder()
        .base_url(format!("{base}/v1"))
        .build()
        .unwrap();
    let ok = roomy.chat().create(req()).await.unwrap();
    assert_eq!(ok.tool_calls()[0].function.arguments, args);
}

#[tokio::test]
async fn tool_arguments_in_a_stream() {
    let piece = |s: &str| {
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1",
                "type": "function", "function": {"name": "lookup", "arguments": s}}]},
                "finish_reason": null}]})
    };
    let mut body = data(&piece("{\"q\":\""));
    for _ in 0..10 {
        body.push_str(&data(&piece(&"z".repeat(200))));
    }
    body.push_str(&data(&piece("\"}")));
    body.push_str("data: [DONE]\n\n");
    let (base, _) = scripted(vec![Script::sse_text(&body)]).await;
    let c = Client::builder()
        .base_url(format!("{base}/v1"))
        .max_tool_arguments_size(1024)
        .build()
        .unwrap();
    let mut s = c.chat().stream(req()).await.unwrap();
    let mut chunks = 0;
    let err = loop {
        match s.next().await {
            Some(Ok(_)) => chunks += 1,
            Some(Err(e)) => break e,
            None => panic!("no error"),
        }
    };
    assert!(s.next().await.is_none());
    // `{"q":"` (6 bytes) + 5 × 200 = 1006 bytes fit (6 chunks); the next
    // piece does not, and the error takes its place.
    assert_eq!(chunks, 6);
    assert_limit(&err, Limit::ToolArguments, 1024);
    // The failure is remembered by `into_completion`.
    let err = s.into_completion().await.unwrap_err();
    assert!(err.to_string().contains("max_tool_arguments_size"), "{err}");

    // With the default limit (8 MiB) the whole call arrives.
    let roomy = Client::builder()
        .base_url(format!("{base}/v1"))
        .build()
        .unwrap();
    let done = roomy
        .chat()
        .stream(req())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    assert_eq!(done.tool_calls()[0].function.arguments.len(), 2008);
}

#[tokio::test]
async fn provider_limits_apply_in_the_router() {
    use requesty::router::Router;
    use requesty::router::providers::OpenAiCompatible;
    let server = FaultServer::builder()
        .text("x".repeat(4096))
        .start()
        .await
        .unwrap();
    let router = Router::builder()
        .provider(
            OpenAiCompatible::new("f", server.base_url()).limits(Limits {
                max_body: 1024,
                ..Limits::default()
            }),
        )
        .build()
        .unwrap();
    let err = Client::local(router)
        .chat()
        .create(ChatRequest::new("f/m").user("hi"))
        .await
        .unwrap_err();
    assert_limit(&err, Limit::ResponseBody, 1024);
}

#[test]
fn defaults() {
    let d = Limits::default();
    assert_eq!(d.max_body, requesty::DEFAULT_MAX_BODY);
    assert_eq!(d.max_stream, requesty::DEFAULT_MAX_STREAM);
    assert_eq!(d.max_tool_arguments, requesty::DEFAULT_MAX_TOOL_ARGUMENTS);
    assert_eq!(d.sse, SseLimits::default());
    assert_eq!(Limit::RequestBody.setting(), "server.max_body_bytes");
}
