//! The local router: policies, fallback, retries, cooldown, latency,
//! stickiness, streaming, cache — with providers written against the public
//! `Provider` trait (as users write their own).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use requesty::router::{
    CacheConfig, ManualClock, Policy, Provider, ProviderRequest, ProviderTimeouts, Router,
};
use requesty::{
    ApiError, ChatCompletion, ChatCompletionChunk, ChatRequest, ChatStream, Choice, ChunkChoice,
    Client, Delta, ErrorKind, FinishReason, Message, Origin, ResponseMeta, RetryPolicy,
};

#[derive(Clone, Debug)]
enum Act {
    Text(&'static str),
    Status(u16),
    Body(u16, &'static str),
    Sleep(u64, Box<Act>),
    /// Stream: the first item is an error.
    FailFirst,
    /// Stream: n chunks, then an error item.
    FailAfter(usize),
}

type Script = Arc<dyn Fn(usize) -> Act + Send + Sync>;

#[derive(Clone)]
struct Fake {
    id: &'static str,
    calls: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<ProviderRequest>>>,
    script: Script,
}

impl Fake {
    fn new(id: &'static str, script: impl Fn(usize) -> Act + Send + Sync + 'static) -> Self {
        Fake {
            id,
            calls: Arc::default(),
            seen: Arc::default(),
            script: Arc::new(script),
        }
    }
    fn always(id: &'static str, act: Act) -> Self {
        Self::new(id, move |_| act.clone())
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

fn api_error(status: u16, body: &str) -> requesty::Error {
    let mut e = ApiError::from_response(status, Default::default(), body.to_owned());
    e.origin = Some(Origin::Provider);
    e.into()
}

fn completion(model: &str, text: &str) -> ChatCompletion {
    ChatCompletion {
        id: "chatcmpl-fake".into(),
        object: "chat.completion".into(),
        model: model.into(),
        choices: vec![Choice {
            message: Message::assistant(text),
            finish_reason: Some(FinishReason::Stop),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn chunk(text: Option<&str>, finish: Option<FinishReason>) -> ChatCompletionChunk {
    ChatCompletionChunk {
        id: "chatcmpl-fake".into(),
        model: "m".into(),
        choices: vec![ChunkChoice {
            delta: Delta {
                content: text.map(str::to_owned),
                ..Default::default()
            },
            finish_reason: finish,
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn run(act: Act, model: String) -> requesty::Result<ChatCompletion> {
    let mut act = act;
    loop {
        match act {
            Act::Sleep(ms, next) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                act = *next;
            }
            Act::Text(t) => return Ok(completion(&model, t)),
            Act::Status(s) => {
                return Err(api_error(
                    s,
                    &format!(r#"{{"error":{{"message":"status {s}"}}}}"#),
                ));
            }
            Act::Body(s, b) => return Err(api_error(s, b)),
            Act::FailFirst | Act::FailAfter(_) => return Ok(completion(&model, "streams only")),
        }
    }
}

impl Provider for Fake {
    fn id(&self) -> &str {
        self.id
    }
    fn complete(&self, req: ProviderRequest) -> BoxFuture<'_, requesty::Result<ChatCompletion>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap().push(req.clone());
        let act = (self.script)(n);
        Box::pin(run(act, req.model))
    }
    fn stream(&self, req: ProviderRequest) -> BoxFuture<'_, requesty::Result<ChatStream>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap().push(req.clone());
        let act = (self.script)(n);
        Box::pin(async move {
            let (delay, act) = match act {
                Act::Sleep(ms, next) => (ms, *next),
                other => (0, other),
            };
            let items: Vec<requesty::Result<ChatCompletionChunk>> = match act {
                Act::Text(t) => {
                    let mut v: Vec<_> = t
                        .split_inclusive(' ')
                        .map(|w| Ok(chunk(Some(w), None)))
                        .collect();
                    v.push(Ok(chunk(None, Some(FinishReason::Stop))));
                    v
                }
                Act::FailFirst => {
                    vec![Err(requesty::Error::stream("broke before the first chunk"))]
                }
                Act::FailAfter(n) => {
                    let mut v: Vec<_> = (0..n)
                        .map(|i| Ok(chunk(Some(if i == 0 { "partial" } else { " more" }), None)))
                        .collect();
                    v.push(Err(requesty::Error::stream("broke mid-answer")));
                    v
                }
                other => {
                    run(other, req.model).await?;
                    unreachable!()
                }
            };
            let s = async_stream::stream! {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                for i in items { yield i; }
            };
            Ok(ChatStream::from_chunks(s, ResponseMeta::default()))
        })
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
        .jitter(0.0)
}

fn hi(model: &str) -> ChatRequest {
    ChatRequest::new(model).user("hi")
}

#[tokio::test]
async fn fallback_moves_on_after_503_and_records_attempts() {
    let a = Fake::always("a", Act::Status(503));
    let b = Fake::always("b", Act::Text("from b"));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("reliable", Policy::fallback(["a/m1", "b/m2"]))
        .retry_policy(fast())
        .build()
        .unwrap();
    let client = Client::local(router);
    let resp = client.chat().create(hi("policy/reliable")).await.unwrap();
    assert_eq!(resp.text().as_deref(), Some("from b"));
    assert_eq!(resp.model, "m2");
    assert_eq!(resp.meta.served_by(), Some("b/m2"));
    let attempts = resp.meta.attempts();
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        (attempts[0].target.as_str(), attempts[0].status),
        ("a/m1", Some(503))
    );
    assert_eq!(attempts[1].error, None);
    // The provider got its own model name.
    assert_eq!(a.seen.lock().unwrap()[0].model, "m1");
}

#[tokio::test]
async fn fallback_covers_timeouts_429_resets_401_404_and_context_length() {
    for act in [
        Act::Status(429),
        Act::Status(500),
        Act::Status(529),
        Act::Status(401),
        Act::Status(403),
        Act::Status(404),
        Act::Body(
            400,
            r#"{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}"#,
        ),
    ] {
        let a = Fake::always("a", act.clone());
        let b = Fake::always("b", Act::Text("ok"));
        let router = Router::builder()
            .provider(a)
            .provider(b)
            .policy("p", Policy::fallback(["a/x", "b/y"]))
            .build()
            .unwrap();
        let resp = router.complete(hi("policy/p")).await;
        assert_eq!(resp.unwrap().meta.served_by(), Some("b/y"), "{act:?}");
    }
    // A timeout set on the provider.
    let a = Fake::always("a", Act::Sleep(2000, Box::new(Act::Text("late"))));
    let b = Fake::always("b", Act::Text("ok"));
    let router = Router::builder()
        .provider(a)
        .provider(b)
        .policy("p", Policy::fallback(["a/x", "b/y"]))
        .timeouts(
            "a",
            ProviderTimeouts {
                total: Some(Duration::from_millis(50)),
                first_token: None,
            },
        )
        .build()
        .unwrap();
    let t = std::time::Instant::now();
    let resp = router.complete(hi("policy/p")).await.unwrap();
    assert_eq!(resp.meta.served_by(), Some("b/y"));
    assert_eq!(resp.meta.attempts()[0].error.as_deref(), Some("timeout"));
    assert!(t.elapsed() < Duration::from_millis(1000));
}

#[tokio::test]
async fn what_is_not_retried_or_fallen_back() {
    // A provider's 400 (a bad parameter) is the caller's problem: no fallback.
    let a = Fake::always(
        "a",
        Act::Body(400, r#"{"error":{"message":"Invalid value for 'top_k'"}}"#),
    );
    let b = Fake::always("b", Act::Text("ok"));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("p", Policy::fallback(["a/x", "b/y"]).retries(3))
        .retry_policy(fast())
        .build()
        .unwrap();
    let err = router.complete(hi("policy/p")).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!((a.calls(), b.calls()), (1, 0));
    // The caller's own invalid request never reaches a provider.
    let err = router
        .complete(hi("policy/p").temperature(9.0))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
    assert_eq!((a.calls(), b.calls()), (1, 0));
    // A 401 moves on but is not retried on the same target.
    let a = Fake::always("a", Act::Status(401));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("p", Policy::fallback(["a/x", "b/y"]).retries(3))
        .retry_policy(fast())
        .build()
        .unwrap();
    router.complete(hi("policy/p")).await.unwrap();
    assert_eq!(a.calls(), 1);
}

#[tokio::test]
async fn per_target_retries_then_success() {
    let a = Fake::new("a", |n| {
        if n < 2 {
            Act::Status(503)
        } else {
            Act::Text("third time")
        }
    });
    let router = Router::builder()
        .provider(a.clone())
        .provider(Fake::always("b", Act::Text("b")))
        .policy(
            "p",
            Policy::fallback(["a/x", "b/y"]).target_retries("a/x", 2),
        )
        .retry_policy(fast())
        .build()
        .unwrap();
    let resp = router.complete(hi("policy/p")).await.unwrap();
    assert_eq!(resp.text().as_deref(), Some("third time"));
    assert_eq!(resp.meta.attempts().len(), 3);
    assert_eq!(a.calls(), 3);
}

#[tokio::test]
async fn load_balance_shares_and_stickiness() {
    let a = Fake::always("a", Act::Text("a"));
    let b = Fake::always("b", Act::Text("b"));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("split", Policy::load_balance([("a/x", 3), ("b/y", 1)]))
        .build()
        .unwrap();
    for _ in 0..10_000 {
        router.complete(hi("policy/split")).await.unwrap();
    }
    let share = a.calls() as f64 / 10_000.0;
    assert!((0.73..=0.77).contains(&share), "share of a: {share}");

    // The same trace id always lands on the same target.
    for t in 0..50 {
        let trace = format!("trace-{t}");
        let first = router
            .complete(hi("policy/split").trace_id(&trace))
            .await
            .unwrap()
            .meta
            .served_by()
            .map(str::to_owned);
        for _ in 0..5 {
            let again = router
                .complete(hi("policy/split").trace_id(&trace))
                .await
                .unwrap();
            assert_eq!(again.meta.served_by().map(str::to_owned), first);
        }
    }
    // Sticky keys spread by weight too.
    let before = a.calls();
    for u in 0..4000 {
        router
            .complete(hi("policy/split").user_id(format!("user-{u}")))
            .await
            .unwrap();
    }
    let share = (a.calls() - before) as f64 / 4000.0;
    assert!((0.71..=0.79).contains(&share), "sticky share of a: {share}");
}

#[tokio::test]
async fn a_load_balance_target_may_be_a_policy_and_losers_are_fallbacks() {
    let stable = Fake::always("stable", Act::Text("stable"));
    let canary = Fake::always("canary", Act::Status(503));
    let backup = Fake::always("backup", Act::Text("backup"));
    let router = Router::builder()
        .provider(stable.clone())
        .provider(canary.clone())
        .provider(backup.clone())
        .policy("canary", Policy::fallback(["canary/new", "backup/old"]))
        .policy(
            "rollout",
            Policy::load_balance([("stable/old", 9.0), ("policy/canary", 1.0)]),
        )
        .circuit_breaker(0, Duration::ZERO) // off: measure the raw share
        .build()
        .unwrap();
    for i in 0..400 {
        let r = router
            .complete(hi("policy/rollout").trace_id(format!("t{i}")))
            .await
            .unwrap();
        assert!(matches!(
            r.meta.served_by(),
            Some("stable/old" | "backup/old")
        ));
    }
    assert!(
        canary.calls() > 20 && canary.calls() < 65,
        "{}",
        canary.calls()
    );
    assert_eq!(canary.calls(), backup.calls());
    // With the breaker on (5 failures), the failing canary is soon skipped.
    let canary = Fake::always("canary", Act::Status(503));
    let router = Router::builder()
        .provider(stable.clone())
        .provider(canary.clone())
        .provider(backup.clone())
        .policy("canary", Policy::fallback(["canary/new", "backup/old"]))
        .policy(
            "rollout",
            Policy::load_balance([("stable/old", 9.0), ("policy/canary", 1.0)]),
        )
        .build()
        .unwrap();
    for i in 0..400 {
        router
            .complete(hi("policy/rollout").trace_id(format!("t{i}")))
            .await
            .unwrap();
    }
    assert_eq!(canary.calls(), 5);
}

#[tokio::test]
async fn the_latency_policy_follows_the_faster_target() {
    let slow_a = Arc::new(AtomicUsize::new(0));
    let flag = slow_a.clone();
    let a = Fake::new("a", move |_| {
        let ms = if flag.load(Ordering::SeqCst) == 1 {
            60
        } else {
            2
        };
        Act::Sleep(ms, Box::new(Act::Text("a")))
    });
    let b = Fake::always("b", Act::Sleep(20, Box::new(Act::Text("b"))));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("fast", Policy::latency(["a/x", "b/y"]))
        .build()
        .unwrap();
    // Untried targets are tried first, then the faster one wins.
    let mut served = vec![];
    for _ in 0..8 {
        served.push(
            router
                .complete(hi("policy/fast"))
                .await
                .unwrap()
                .meta
                .served_by()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(&served[..2], ["a/x", "b/y"]);
    assert!(served[2..].iter().all(|s| s == "a/x"), "{served:?}");
    // a slows down: after a few slow answers, b takes over.
    slow_a.store(1, Ordering::SeqCst);
    let mut last = String::new();
    for _ in 0..10 {
        last = router
            .complete(hi("policy/fast"))
            .await
            .unwrap()
            .meta
            .served_by()
            .unwrap()
            .to_owned();
    }
    assert_eq!(last, "b/y");
}

#[tokio::test]
async fn cooldown_skips_a_failing_target_then_probes_it() {
    let clock = ManualClock::new();
    let healthy = Arc::new(AtomicUsize::new(0));
    let h = healthy.clone();
    let a = Fake::new("a", move |_| {
        if h.load(Ordering::SeqCst) == 1 {
            Act::Text("a back")
        } else {
            Act::Status(503)
        }
    });
    let b = Fake::always("b", Act::Text("b"));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("p", Policy::fallback(["a/x", "b/y"]))
        .circuit_breaker(2, Duration::from_secs(30))
        .clock(clock.clone())
        .build()
        .unwrap();
    router.complete(hi("policy/p")).await.unwrap();
    router.complete(hi("policy/p")).await.unwrap();
    assert_eq!(a.calls(), 2);
    // Open: a is skipped.
    for _ in 0..5 {
        assert_eq!(
            router
                .complete(hi("policy/p"))
                .await
                .unwrap()
                .meta
                .served_by(),
            Some("b/y")
        );
    }
    assert_eq!(a.calls(), 2);
    // Half-open after the cooldown: one probe; it fails, so a opens again.
    clock.advance(Duration::from_secs(31));
    router.complete(hi("policy/p")).await.unwrap();
    assert_eq!(a.calls(), 3);
    router.complete(hi("policy/p")).await.unwrap();
    assert_eq!(a.calls(), 3);
    // Recovered: the next probe succeeds and a serves again.
    healthy.store(1, Ordering::SeqCst);
    clock.advance(Duration::from_secs(31));
    assert_eq!(
        router
            .complete(hi("policy/p"))
            .await
            .unwrap()
            .meta
            .served_by(),
        Some("a/x")
    );
    assert_eq!(
        router
            .complete(hi("policy/p"))
            .await
            .unwrap()
            .meta
            .served_by(),
        Some("a/x")
    );
}

#[tokio::test]
async fn streams_fall_back_before_the_first_chunk_only() {
    // Fails before its first chunk: fall back.
    let a = Fake::always("a", Act::FailFirst);
    let b = Fake::always("b", Act::Text("hello from b"));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("p", Policy::fallback(["a/x", "b/y"]))
        .build()
        .unwrap();
    let client = Client::local(router);
    let s = client.chat().stream(hi("policy/p")).await.unwrap();
    assert_eq!(s.meta().served_by(), Some("b/y"));
    assert_eq!(
        s.into_completion().await.unwrap().text().as_deref(),
        Some("hello from b")
    );
    // An HTTP error before the stream: fall back as well.
    let a = Fake::always("a", Act::Status(502));
    let router = Router::builder()
        .provider(a)
        .provider(b.clone())
        .policy("p", Policy::fallback(["a/x", "b/y"]))
        .build()
        .unwrap();
    let s = router.stream(hi("policy/p")).await.unwrap();
    assert_eq!(s.meta().served_by(), Some("b/y"));
    // Fails after a chunk reached the caller: an error item, no switch.
    let a = Fake::always("a", Act::FailAfter(2));
    let b = Fake::always("b", Act::Text("never"));
    let router = Router::builder()
        .provider(a)
        .provider(b.clone())
        .policy("p", Policy::fallback(["a/x", "b/y"]))
        .build()
        .unwrap();
    let mut s = router.stream(hi("policy/p")).await.unwrap();
    let mut items = vec![];
    while let Some(i) = s.next().await {
        items.push(i);
    }
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok() && items[2].is_err());
    assert_eq!(b.calls(), 0);
}

#[tokio::test]
async fn a_slow_first_token_falls_back() {
    let a = Fake::always("a", Act::Sleep(1000, Box::new(Act::Text("late"))));
    let b = Fake::always("b", Act::Text("quick"));
    let router = Router::builder()
        .provider(a)
        .provider(b)
        .policy("p", Policy::fallback(["a/x", "b/y"]))
        .timeouts(
            "a",
            ProviderTimeouts {
                total: None,
                first_token: Some(Duration::from_millis(50)),
            },
        )
        .build()
        .unwrap();
    let t = std::time::Instant::now();
    let s = router.stream(hi("policy/p")).await.unwrap();
    assert_eq!(s.meta().served_by(), Some("b/y"));
    assert!(t.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn unknown_providers_and_policies_are_clear_errors() {
    let router = Router::builder()
        .provider(Fake::always("a", Act::Text("a")))
        .policy("p", Policy::fallback(["a/x"]))
        .build()
        .unwrap();
    let err = router.complete(hi("nope/model")).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.origin(), Some(&Origin::Router));
    let msg = err.to_string();
    assert!(
        msg.contains("nope") && msg.contains("[a]") && msg.contains("policy/p"),
        "{msg}"
    );
    let err = router.complete(hi("policy/missing")).await.unwrap_err();
    assert!(err.to_string().contains("policy/missing"), "{err}");
    let err = router.complete(hi("a/x@eu-west-1")).await.unwrap_err();
    assert!(err.to_string().contains("no regions"), "{err}");
    let err = router.complete(hi("gpt-4o")).await.unwrap_err();
    assert!(err.to_string().contains("provider/model"), "{err}");
    let err = router
        .complete(ChatRequest::default().user("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("default_model"), "{err}");
}

#[test]
fn configuration_errors_are_caught_at_build_without_a_runtime() {
    let a = || Fake::always("a", Act::Text("a"));
    let e = Router::builder()
        .provider(a())
        .policy("p", Policy::fallback(["b/x"]))
        .build()
        .unwrap_err();
    assert!(
        e.to_string().contains("policy `p`") && e.to_string().contains("`b`"),
        "{e}"
    );
    let e = Router::builder()
        .provider(a())
        .policy("p", Policy::fallback(["policy/q"]))
        .policy("q", Policy::fallback(["policy/p"]))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("cycle"), "{e}");
    let e = Router::builder()
        .provider(a())
        .policy("p", Policy::load_balance([("a/x", 0)]))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("weight"), "{e}");
    let e = Router::builder()
        .provider(a())
        .policy("p", Policy::fallback(["a/x"]).retries(11))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("retries"), "{e}");
    let e = Router::builder()
        .provider(a())
        .provider(a())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    let e = Router::builder()
        .provider(a())
        .default_model("z/m")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("default model"), "{e}");
    let e = Router::builder()
        .provider(a())
        .alias("fast", "policy/none")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("alias `fast`"), "{e}");
    // A valid one builds outside any runtime.
    Router::builder()
        .provider(a())
        .alias("fast", "a/x")
        .default_model("fast")
        .build()
        .unwrap();
}

#[tokio::test]
async fn aliases_and_the_default_model() {
    let a = Fake::always("a", Act::Text("a"));
    let router = Router::builder()
        .provider(a.clone())
        .alias("fast", "a/tiny")
        .default_model("fast")
        .build()
        .unwrap();
    let client = Client::local(router);
    let r = client
        .chat()
        .create(ChatRequest::default().user("x"))
        .await
        .unwrap();
    assert_eq!(r.meta.served_by(), Some("a/tiny"));
    let r = client.chat().create(hi("fast")).await.unwrap();
    assert_eq!(r.model, "tiny");
}

#[tokio::test]
async fn router_only_fields_never_reach_a_provider() {
    let a = Fake::always("a", Act::Text("a"));
    let router = Router::builder().provider(a.clone()).build().unwrap();
    let req = ChatRequest {
        prompt: Some("from prompt".into()),
        functions: Some(vec![requesty::FunctionDefinition {
            name: "f".into(),
            ..Default::default()
        }]),
        ..hi("a/x")
    }
    .tags(["t"])
    .user_id("u")
    .meta("tenant", "acme");
    router.complete(req).await.unwrap();
    let seen = a.seen.lock().unwrap()[0].chat.clone();
    assert!(seen.requesty.is_none());
    assert!(seen.prompt.is_none() && seen.functions.is_none());
    assert_eq!(
        seen.messages.last().unwrap().text().as_deref(),
        Some("from prompt")
    );
    assert_eq!(seen.tools.unwrap()[0].function.name, "f");
    assert_eq!(seen.model.as_deref(), Some("x"));
    let wire = serde_json::to_string(&a.seen.lock().unwrap()[0].chat).unwrap();
    assert!(
        !wire.contains("requesty") && !wire.contains("acme"),
        "{wire}"
    );
}

#[tokio::test]
async fn the_cache_answers_identical_requests_and_replays_streams() {
    let a = Fake::always("a", Act::Text("cached answer"));
    let clock = ManualClock::new();
    let router = Router::builder()
        .provider(a.clone())
        .cache(CacheConfig {
            capacity: 10,
            ttl: Duration::from_secs(60),
        })
        .clock(clock.clone())
        .build()
        .unwrap();
    let first = router.complete(hi("a/x")).await.unwrap();
    assert!(!first.meta.cache_hit());
    let second = router.complete(hi("a/x")).await.unwrap();
    assert!(second.meta.cache_hit());
    assert_eq!(second.text(), first.text());
    assert_eq!(a.calls(), 1);
    // A stream of the same request is replayed from the cache.
    let s = router.stream(hi("a/x")).await.unwrap();
    assert!(s.meta().cache_hit());
    assert_eq!(
        s.into_completion().await.unwrap().text().as_deref(),
        Some("cached answer")
    );
    assert_eq!(a.calls(), 1);
    // A different request is not.
    router.complete(hi("a/x").temperature(0.5)).await.unwrap();
    assert_eq!(a.calls(), 2);
    // Streams fill the cache too.
    let s = router.stream(hi("a/y")).await.unwrap();
    s.into_completion().await.unwrap();
    assert!(router.complete(hi("a/y")).await.unwrap().meta.cache_hit());
    // Entries expire.
    clock.advance(Duration::from_secs(61));
    assert!(!router.complete(hi("a/x")).await.unwrap().meta.cache_hit());
}

#[tokio::test]
async fn models_lists_every_provider_and_policy() {
    let router = Router::builder()
        .provider(Fake::always("a", Act::Text("a")))
        .policy("p", Policy::fallback(["a/x"]))
        .build()
        .unwrap();
    let models = Client::local(router).models().list().await.unwrap();
    assert!(models.get("policy/p").is_some());
}

#[tokio::test]
async fn streams_go_through_every_policy() {
    let a = Fake::always("a", Act::Text("alpha beta"));
    let b = Fake::always("b", Act::Text("gamma delta"));
    let router = Router::builder()
        .provider(a.clone())
        .provider(b.clone())
        .policy("fb", Policy::fallback(["a/x", "b/y"]))
        .policy("lb", Policy::load_balance([("a/x", 1), ("b/y", 1)]))
        .policy("lat", Policy::latency(["a/x", "b/y"]))
        .build()
        .unwrap();
    for policy in ["policy/fb", "policy/lb", "policy/lat"] {
        for i in 0..6 {
            let s = router
                .stream(hi(policy).trace_id(format!("t{i}")))
                .await
                .unwrap();
            let served = s.meta().served_by().unwrap().to_owned();
            let text = s.into_completion().await.unwrap().text().unwrap();
            let expected = if served == "a/x" {
                "alpha beta"
            } else {
                "gamma delta"
            };
            assert_eq!(text, expected, "{policy}");
        }
    }
    assert!(a.calls() > 0 && b.calls() > 0);
}

#[test]
fn from_vars_registers_every_provider_with_a_key() {
    let router = Router::from_vars(|k| match k {
        "OPENAI_API_KEY" | "ANTHROPIC_API_KEY" | "GEMINI_API_KEY" | "GROQ_API_KEY" => {
            Some("k".into())
        }
        "OLLAMA_BASE_URL" => Some("http://127.0.0.1:11434/v1".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(
        router.provider_ids(),
        ["anthropic", "google", "groq", "ollama", "openai"]
    );
    assert!(
        Router::from_vars(|_| None)
            .unwrap()
            .provider_ids()
            .is_empty()
    );
}
