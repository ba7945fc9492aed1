//! A tracing span per routed request, with OpenTelemetry GenAI attribute
//! names. Alone in its test binary: tracing caches callsite interest
//! process-wide, which races with other tests' spans under a thread-local
//! subscriber.

use std::sync::{Arc, Mutex};

use requesty::ChatRequest;
use requesty::router::Router;
use requesty::router::providers::Mock;

fn hi() -> ChatRequest {
    ChatRequest::new("mock/m").user("Translate 'hello' into French, please.")
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
