//! Every fault of `requesty::testing::FaultServer`, for `create` and
//! `stream`, through the remote client and through the local router (with a
//! fallback to a second, healthy server), leads to its documented outcome
//! (`docs/reliability.md`): retried, fallen back, or a clear typed error —
//! never a hang past the configured timeouts, never a silent empty success.
#![cfg(feature = "testing")]

use std::time::Duration;

use futures::StreamExt;
use requesty::router::log::Outcome;
use requesty::router::providers::OpenAiCompatible;
use requesty::router::{Policy, Router};
use requesty::stream::sse::SseLimits;
use requesty::testing::{Fault, FaultServer, Schedule, When};
use requesty::{ChatRequest, Client, Error, ErrorKind, HttpEngine, Limits, RetryPolicy};

/// Every timeout of the clients under test: stalls last far longer.
const T: Duration = Duration::from_millis(200);
/// A stall: ten times the timeouts.
const STALL: Duration = Duration::from_secs(2);
/// No call may take longer than this (it would be a hang).
const HANG: Duration = Duration::from_secs(5);
/// The size limits of the clients under test.
const LIMIT: usize = 64 * 1024;

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
        .jitter(0.0)
}

fn limits() -> Limits {
    Limits {
        max_body: LIMIT,
        max_stream: LIMIT,
        sse: SseLimits {
            max_line: LIMIT,
            max_event: LIMIT,
        },
        ..Limits::default()
    }
}

fn req() -> ChatRequest {
    ChatRequest::new("m").user("hi")
}

/// What a call came to.
#[derive(Debug)]
enum Got {
    /// A whole answer (its text) and who served it.
    Ok {
        text: String,
        served_by: Option<String>,
        attempts: usize,
    },
    /// An error before any content.
    Err(Error),
    /// Some content, then an error item.
    Partial { text: String, err: Error },
}

fn class(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::Api(_) => "api",
        ErrorKind::Timeout { .. } => "timeout",
        ErrorKind::Connect { .. } => "connect",
        ErrorKind::Transport { .. } => "transport",
        ErrorKind::Decode { .. } => "decode",
        ErrorKind::Stream { .. } => "stream",
        ErrorKind::LimitExceeded { .. } => "limit",
        _ => "other",
    }
}

async fn create(client: &Client) -> Got {
    create_req(client, req()).await
}

async fn create_req(client: &Client, r: ChatRequest) -> Got {
    let chat = client.chat();
    match tokio::time::timeout(HANG, chat.create(r))
        .await
        .expect("create hung")
    {
        Ok(c) => Got::Ok {
            text: c.text().unwrap_or_default(),
            served_by: c.meta.served_by().map(str::to_owned),
            attempts: c.meta.attempts().len(),
        },
        Err(e) => Got::Err(e),
    }
}

async fn stream(client: &Client) -> Got {
    stream_req(client, req()).await
}

async fn stream_req(client: &Client, r: ChatRequest) -> Got {
    let run = async {
        let mut s = match client.chat().stream(r).await {
            Ok(s) => s,
            Err(e) => return Got::Err(e),
        };
        let served_by = s.meta().served_by().map(str::to_owned);
        let attempts = s.meta().attempts().len();
        let mut text = String::new();
        while let Some(item) = s.next().await {
            match item {
                Ok(chunk) => text.push_str(chunk.delta_text().unwrap_or_default()),
                Err(err) => {
                    assert!(
                        s.next().await.is_none(),
                        "the stream goes on after an error"
                    );
                    return if text.is_empty() {
                        Got::Err(err)
                    } else {
                        Got::Partial { text, err }
                    };
                }
            }
        }
        Got::Ok {
            text,
            served_by,
            attempts,
        }
    };
    tokio::time::timeout(HANG, run).await.expect("stream hung")
}

/// The documented outcome of one fault in one mode.
#[derive(Debug, Clone, Copy)]
enum Exp {
    /// The answer, after the client retried (the faulty server saw 2 requests).
    Retried,
    /// The router fell back to the second target.
    Fallback,
    /// A typed error of this class, before any content.
    Fails(&'static str),
    /// Content, then an error item of this class (logged as failed).
    Partial(&'static str),
    /// The answer, with the invalid bytes replaced by U+FFFD (SSE is UTF-8
    /// decoded with replacement).
    Replaced,
    /// The answer, slowly.
    Answered,
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    RemoteCreate,
    RemoteStream,
    RouterCreate,
    RouterStream,
}

/// One fault in one mode, through both HTTP engines.
async fn check(fault: Fault, mode: Mode, exp: Exp) {
    for engine in [HttpEngine::Direct, HttpEngine::Reqwest] {
        check_with(fault.clone(), mode, exp, engine).await;
    }
}

async fn check_with(fault: Fault, mode: Mode, exp: Exp, engine: HttpEngine) {
    let bad = FaultServer::builder()
        .schedule(Schedule::sequence([fault.clone()]))
        .start()
        .await
        .unwrap();
    let good = FaultServer::start(Schedule::healthy()).await.unwrap();
    let healthy = bad.text().to_owned();
    let what = format!("{fault:?} in {mode:?} ({engine:?})");
    let (got, router) = match mode {
        Mode::RemoteCreate | Mode::RemoteStream => {
            let client = Client::builder()
                .base_url(bad.base_url())
                .timeout(T)
                .read_timeout(T)
                .max_retries(2)
                .retry_policy(fast())
                .limits(limits())
                .http_engine(engine)
                .build()
                .unwrap();
            let got = if matches!(mode, Mode::RemoteCreate) {
                create(&client).await
            } else {
                stream(&client).await
            };
            (got, None)
        }
        Mode::RouterCreate | Mode::RouterStream => {
            let provider = |id: &str, s: &FaultServer| {
                OpenAiCompatible::new(id, s.base_url())
                    .timeout(T)
                    .read_timeout(T)
                    .limits(limits())
                    .http_engine(engine)
            };
            let router = Router::builder()
                .provider(provider("a", &bad))
                .provider(provider("b", &good))
                .policy("p", Policy::fallback(["a/m", "b/m"]))
                .default_model("policy/p")
                .retry_policy(fast())
                .build()
                .unwrap();
            let client = Client::local(router.clone());
            let mut r = req();
            r.model = None;
            let got = if matches!(mode, Mode::RouterCreate) {
                create_req(&client, r).await
            } else {
                stream_req(&client, r).await
            };
            (got, Some(router))
        }
    };
    match (exp, &got) {
        (Exp::Retried, Got::Ok { text, .. }) => {
            assert_eq!(text, &healthy, "{what}");
            assert_eq!(bad.requests(), 2, "{what}: one retry");
        }
        (
            Exp::Fallback,
            Got::Ok {
                text,
                served_by,
                attempts,
            },
        ) => {
            assert_eq!(text, &healthy, "{what}");
            assert_eq!(served_by.as_deref(), Some("b/m"), "{what}");
            assert_eq!(*attempts, 2, "{what}");
        }
        (Exp::Answered, Got::Ok { text, .. }) => assert_eq!(text, &healthy, "{what}"),
        (Exp::Replaced, Got::Ok { text, .. }) => {
            // The bytes `a ff fe b c3 ( z`, decoded with replacement.
            let bad = "a\u{FFFD}\u{FFFD}b\u{FFFD}(z";
            assert!(text.contains(bad), "{what}: {text:?}");
            assert_eq!(text.replace(bad, ""), healthy, "{what}");
        }
        (Exp::Fails(c), Got::Err(e)) => assert_eq!(class(e), c, "{what}: {e}"),
        (Exp::Partial(c), Got::Partial { text, err }) => {
            // The first content chunk arrived (then, for `Oversized`, filler).
            let first: String = healthy.chars().take(5).collect();
            assert!(text.starts_with(&first), "{what}: {}", short(text));
            assert_eq!(class(err), c, "{what}: {err}");
        }
        (exp, got) => panic!(
            "{what}: expected {exp:?}, got {}",
            short(&format!("{got:?}"))
        ),
    }
    if let Some(router) = router {
        router.flush_logs().await;
        let logs = router.logs();
        assert_eq!(logs.len(), 1, "{what}: one record");
        let r = &logs[0];
        let failed = matches!(got, Got::Err(_) | Got::Partial { .. });
        let want = if failed { Outcome::Error } else { Outcome::Ok };
        assert_eq!(r.outcome, want, "{what}: {r:?}");
        assert_eq!(
            r.attempts.len() as u64,
            bad.requests() + good.requests(),
            "{what}: every attempt logged"
        );
    }
}

/// The start of a long text, for messages.
fn short(s: &str) -> String {
    s.chars().take(300).collect()
}

use Exp::*;
use Mode::*;

/// One fault in all four modes.
async fn all(
    fault: Fault,
    remote_create: Exp,
    remote_stream: Exp,
    router_create: Exp,
    router_stream: Exp,
) {
    check(fault.clone(), RemoteCreate, remote_create).await;
    check(fault.clone(), RemoteStream, remote_stream).await;
    check(fault.clone(), RouterCreate, router_create).await;
    check(fault, RouterStream, router_stream).await;
}

#[tokio::test]
async fn error_statuses_are_retried_or_fall_back() {
    for status in [429, 500, 502, 503, 529] {
        all(Fault::Status(status), Retried, Retried, Fallback, Fallback).await;
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let wait = Duration::from_millis(150);
    let started = std::time::Instant::now();
    check(Fault::RateLimited(wait), RemoteCreate, Retried).await;
    assert!(started.elapsed() >= wait, "Retry-After was not waited for");
    let started = std::time::Instant::now();
    check(Fault::RateLimited(wait), RemoteStream, Retried).await;
    assert!(started.elapsed() >= wait);
    // The router's policy moves on at once rather than waiting (no retries set).
    check(Fault::RateLimited(wait), RouterCreate, Fallback).await;
    check(Fault::RateLimited(wait), RouterStream, Fallback).await;
}

#[tokio::test]
async fn resets() {
    all(
        Fault::Reset(When::BeforeHeaders),
        Retried,
        Retried,
        Fallback,
        Fallback,
    )
    .await;
    // Headers, then a reset: a JSON answer is retried; a stream has started,
    // so the remote client reports it, and the router falls back.
    all(
        Fault::Reset(When::BeforeContent),
        Retried,
        Fails("transport"),
        Fallback,
        Fallback,
    )
    .await;
    all(
        Fault::Reset(When::AfterContent),
        Retried,
        Partial("transport"),
        Fallback,
        Partial("transport"),
    )
    .await;
}

#[tokio::test]
async fn stalls_end_at_the_timeouts() {
    all(
        Fault::Stall(When::BeforeHeaders, STALL),
        Retried,
        Retried,
        Fallback,
        Fallback,
    )
    .await;
    all(
        Fault::Stall(When::BeforeContent, STALL),
        Retried,
        Fails("timeout"),
        Fallback,
        Fallback,
    )
    .await;
    all(
        Fault::Stall(When::AfterContent, STALL),
        Retried,
        Partial("timeout"),
        Fallback,
        Partial("timeout"),
    )
    .await;
}

#[tokio::test]
async fn a_slow_drip_within_the_timeouts_succeeds() {
    all(
        Fault::SlowDrip(Duration::from_millis(10)),
        Answered,
        Answered,
        Answered,
        Answered,
    )
    .await;
}

#[tokio::test]
async fn truncated_json() {
    all(
        Fault::TruncatedJson(When::BeforeContent),
        Fails("decode"),
        Fails("decode"),
        Fallback,
        Fallback,
    )
    .await;
    all(
        Fault::TruncatedJson(When::AfterContent),
        Fails("decode"),
        Partial("decode"),
        Fallback,
        Partial("decode"),
    )
    .await;
}

#[tokio::test]
async fn errors_inside_a_200() {
    // `{"error": {"code": 503}}` in a 200 JSON body: an API error whose
    // `is_retryable()` is true; the remote client decodes inside its retry
    // loop and retries it like a 503; the router falls back.
    all(
        Fault::ErrorInBody,
        Retried,
        Fails("stream"),
        Fallback,
        Fallback,
    )
    .await;
    all(
        Fault::ErrorEvent(When::BeforeContent),
        Retried,
        Fails("stream"),
        Fallback,
        Fallback,
    )
    .await;
    all(
        Fault::ErrorEvent(When::AfterContent),
        Retried,
        Partial("stream"),
        Fallback,
        Partial("stream"),
    )
    .await;
}

#[tokio::test]
async fn invalid_utf8() {
    // JSON must be UTF-8: a decode error. Event streams are decoded with
    // replacement (WHATWG), so the text arrives with U+FFFD in it.
    all(
        Fault::InvalidUtf8(When::BeforeContent),
        Fails("decode"),
        Replaced,
        Fallback,
        Replaced,
    )
    .await;
    all(
        Fault::InvalidUtf8(When::AfterContent),
        Fails("decode"),
        Replaced,
        Fallback,
        Replaced,
    )
    .await;
}

#[tokio::test]
async fn oversized_answers_hit_the_limits() {
    // Before content the router falls back to the next target; after it,
    // the stream ends with the limit error.
    all(
        Fault::Oversized(4 * LIMIT),
        Fails("limit"),
        Partial("limit"),
        Fallback,
        Partial("limit"),
    )
    .await;
    all(
        Fault::OversizedEvent(4 * LIMIT),
        Fails("limit"),
        Fails("limit"),
        Fallback,
        Fallback,
    )
    .await;
}

#[tokio::test]
async fn a_wrong_content_type_is_an_error() {
    all(
        Fault::WrongContentType,
        Fails("decode"),
        Fails("stream"),
        Fallback,
        Fallback,
    )
    .await;
}

#[tokio::test]
async fn a_seeded_schedule_is_reproducible() {
    let schedule = || {
        Schedule::seeded(9)
            .weight(Fault::Status(503), 0.3)
            .weight(Fault::Reset(When::BeforeHeaders), 0.2)
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = FaultServer::start(schedule()).await.unwrap();
        let client = Client::builder()
            .base_url(server.base_url())
            .max_retries(0)
            .timeout(T)
            .build()
            .unwrap();
        for _ in 0..30 {
            let _ = create(&client).await;
        }
        runs.push(server.history());
        assert_eq!(server.requests(), 30);
    }
    assert_eq!(runs[0], runs[1]);
    let faults = runs[0].iter().filter(|f| !f.is_healthy()).count();
    assert!((5..=25).contains(&faults), "{faults} faults of 30");
}

#[tokio::test]
async fn connections_close_when_the_client_goes() {
    for engine in [HttpEngine::Direct, HttpEngine::Reqwest] {
        connections_close_with(engine).await;
    }
}

async fn connections_close_with(engine: HttpEngine) {
    let server = FaultServer::start(Schedule::cycle([
        Fault::Healthy,
        Fault::Stall(When::BeforeContent, STALL),
        Fault::Reset(When::BeforeHeaders),
    ]))
    .await
    .unwrap();
    let client = Client::builder()
        .base_url(server.base_url())
        .timeout(T)
        .read_timeout(T)
        .max_retries(0)
        .http_engine(engine)
        .build()
        .unwrap();
    for _ in 0..6 {
        let _ = create(&client).await;
        let _ = stream(&client).await;
    }
    assert_eq!(server.requests(), 12);
    assert!(server.connections() >= 4);
    drop(client);
    assert!(
        server.wait_idle(HANG).await,
        "{} open",
        server.open_connections()
    );
}
