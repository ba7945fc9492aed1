//! The HTTP sink (batched POSTs with retries) and the tracing span.

use std::sync::{Arc, Mutex};
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

/// Span name and its recorded fields.
type SpanLog = Vec<(String, Vec<(String, String)>)>;

#[derive(Default, Clone)]
struct Captured(Arc<Mutex<SpanLog>>);

struct Visitor<'a>(&'a mut Vec<(String, String)>);
impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl<S> tracing_subscriber::Layer<S> for Captured
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = vec![("span.id".to_owned(), format!("{}", id.into_u64()))];
        attrs.record(&mut Visitor(&mut fields));
        self.0
            .lock()
            .unwrap()
            .push((attrs.metadata().name().to_owned(), fields));
    }
    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut spans = self.0.lock().unwrap();
        let key = format!("{}", id.into_u64());
        if let Some((_, fields)) = spans
            .iter_mut()
            .rev()
            .find(|(_, f)| f.iter().any(|(k, v)| k == "span.id" && *v == key))
        {
            values.record(&mut Visitor(fields));
        }
    }
}

#[tokio::test]
async fn each_request_gets_a_span_with_gen_ai_attributes() {
    use tracing_subscriber::layer::SubscriberExt;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(captured.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let router = Router::builder()
        .provider(Mock::new("mock").text("bonjour"))
        .build()
        .unwrap();
    router.complete(hi()).await.unwrap();
    router
        .stream(hi())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    let spans = captured.0.lock().unwrap().clone();
    let chats: Vec<_> = spans.iter().filter(|(name, _)| name == "chat").collect();
    assert_eq!(chats.len(), 2, "{spans:?}");
    for (_, fields) in chats {
        let get = |k: &str| {
            fields
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("gen_ai.operation.name").as_deref(), Some("chat"));
        assert_eq!(get("gen_ai.request.model").as_deref(), Some("mock/m"));
        assert_eq!(get("otel.name").as_deref(), Some("chat mock/m"));
        assert_eq!(get("gen_ai.provider.name").as_deref(), Some("mock"));
        assert!(get("gen_ai.usage.input_tokens").is_some(), "{fields:?}");
        assert!(get("gen_ai.usage.output_tokens").is_some());
        assert_eq!(
            get("gen_ai.response.finish_reasons").as_deref(),
            Some("stop")
        );
        assert!(get("requesty.request_id").is_some_and(|id| id.starts_with("req_")));
    }
}
