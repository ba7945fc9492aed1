//! The HTTP sink: batched POSTs with retries.

use std::time::Duration;

use requesty::ChatRequest;
use requesty::router::Router;
use requesty::router::log::HttpSink;
use requesty::router::providers::Mock;
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock as WireMock, MockServer, ResponseTemplate};

fn hi() -> ChatRequest {
    ChatRequest::new("mock/m").user("Translate 'hello' into French, please.")
}

#[tokio::test]
async fn the_http_sink_posts_batches_and_retries() {
    let server = MockServer::start().await;
    // The first POST fails; the retry succeeds.
    WireMock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    WireMock::given(method("POST"))
        .and(path("/ingest"))
        .and(header("authorization", "Bearer sink-token"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let router = Router::builder()
        .provider(Mock::new("mock").text("bonjour"))
        .sink(
            HttpSink::new(format!("{}/ingest", server.uri()))
                .bearer("sink-token")
                .retries(3, Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    for _ in 0..5 {
        router.complete(hi()).await.unwrap();
    }
    router.shutdown().await;
    let reqs = server.received_requests().await.unwrap();
    let delivered: Vec<Value> = reqs
        .iter()
        .filter(|r| r.headers.get("authorization").is_some())
        .skip(1) // the failed first attempt is repeated in full
        .flat_map(|r| r.body_json::<Vec<Value>>().unwrap())
        .collect();
    assert_eq!(
        delivered.len(),
        5,
        "every record delivered once after the retry"
    );
    assert!(delivered.iter().all(|r| r["schema_version"] == 1));
    assert_eq!(router.log_stats().sink_errors, 0);
    assert!(
        !format!("{:?}", HttpSink::new("http://x").bearer("sink-token")).contains("sink-token")
    );
}
