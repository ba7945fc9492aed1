//! The router in front of real HTTP providers on 127.0.0.1 that misbehave:
//! 503, 429, resets, stalls — and what is not retried.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use requesty::router::providers::OpenAiCompatible;
use requesty::router::{Policy, ProviderTimeouts, Router};
use requesty::{ChatRequest, Client};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server(reply: ResponseTemplate) -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(reply)
        .mount(&s)
        .await;
    s
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(fixture("openai/chat_completion.json"))
}

fn provider(id: &str, base: &str) -> OpenAiCompatible {
    OpenAiCompatible::new(id, format!("{base}/v1")).api_key(KEY)
}

async fn hits(s: &MockServer) -> usize {
    s.received_requests().await.map_or(0, |r| r.len())
}

#[tokio::test]
async fn a_fallback_chain_survives_503_429_resets_and_stalls() {
    let s503 =
        server(ResponseTemplate::new(503).set_body_string(r#"{"error":{"message":"overloaded"}}"#))
            .await;
    let s429 = server(
        ResponseTemplate::new(429)
            .insert_header("retry-after-ms", "1")
            .set_body_string(r#"{"error":{"message":"slow down"}}"#),
    )
    .await;
    let (reset, reset_hits) = reset_server().await;
    let stall = server(ok().set_delay(Duration::from_secs(5))).await;
    let good = server(ok()).await;
    let router = Router::builder()
        .provider(provider("a", &s503.uri()))
        .provider(provider("b", &s429.uri()))
        .provider(provider("c", &format!("http://{reset}")))
        .provider(provider("d", &stall.uri()))
        .provider(provider("e", &good.uri()))
        .policy(
            "chain",
            Policy::fallback(["a/m", "b/m", "c/m", "d/m", "e/m"]).retries(1),
        )
        .timeouts(
            "d",
            ProviderTimeouts {
                total: Some(Duration::from_millis(100)),
                first_token: Some(Duration::from_millis(100)),
            },
        )
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let client = Client::local(router);
    let t = Instant::now();
    let resp = client
        .chat()
        .create(ChatRequest::new("policy/chain").user("hi"))
        .await
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(resp.meta.served_by(), Some("e/m"));
    let attempts: Vec<(String, Option<u16>, Option<String>)> = resp
        .meta
        .attempts()
        .iter()
        .map(|a| (a.target.clone(), a.status, a.error.clone()))
        .collect();
    let s = |x: &str| Some(x.to_owned());
    assert_eq!(
        attempts,
        [
            ("a/m".into(), Some(503), s("api")),
            ("a/m".into(), Some(503), s("api")),
            ("b/m".into(), Some(429), s("api")),
            ("b/m".into(), Some(429), s("api")),
            ("c/m".into(), None, s("transport")),
            ("c/m".into(), None, s("transport")),
            ("d/m".into(), None, s("timeout")),
            ("d/m".into(), None, s("timeout")),
            ("e/m".into(), None, None),
        ]
    );
    // Each provider was asked exactly 1 + retries times: no retries inside providers.
    assert_eq!(
        (hits(&s503).await, hits(&s429).await, hits(&good).await),
        (2, 2, 1)
    );
    assert_eq!(reset_hits.load(std::sync::atomic::Ordering::SeqCst), 2);

    // The same chain, streamed.
    let good_sse = server(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/event-stream")
            .set_body_string(fixture("llamacpp/text_stream.sse")),
    )
    .await;
    let router = Router::builder()
        .provider(provider("a", &s503.uri()))
        .provider(provider("c", &format!("http://{reset}")))
        .provider(provider("e", &good_sse.uri()))
        .policy("chain", Policy::fallback(["a/m", "c/m", "e/m"]))
        .build()
        .unwrap();
    let mut st = router
        .stream(ChatRequest::new("policy/chain").user("hi"))
        .await
        .unwrap();
    assert_eq!(st.meta().served_by(), Some("e/m"));
    let mut text = String::new();
    while let Some(c) = st.next().await {
        if let Some(t) = c.unwrap().delta_text() {
            text.push_str(t);
        }
    }
    assert_eq!(text, "Je suis le monde.");
}

#[tokio::test]
async fn a_bad_request_is_not_retried_nor_fallen_back() {
    let bad = server(ResponseTemplate::new(400).set_body_string(r#"{"error":{"message":"Unrecognized request argument supplied: foo","type":"invalid_request_error"}}"#)).await;
    let good = server(ok()).await;
    let router = Router::builder()
        .provider(provider("a", &bad.uri()))
        .provider(provider("b", &good.uri()))
        .policy("p", Policy::fallback(["a/m", "b/m"]).retries(3))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let err = router
        .complete(ChatRequest::new("policy/p").user("hi").extra("foo", 1))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("Unrecognized request argument"));
    assert_eq!((hits(&bad).await, hits(&good).await), (1, 0));
}
