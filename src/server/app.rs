//! The axum application: routes, authentication, limits, request parsing,
//! JSON and SSE answers.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use tokio::sync::watch;

use super::auth::{ClientKey, find_key};
use super::config::Settings;
use super::errors::Failure;
use super::limits::{KeyLimits, Refusal};
use super::metrics::{ChatOutcome, Metrics};
use crate::error::Result;
use crate::router::Router;
use crate::router::log::{LogOrigin, RequestContext};
use crate::stream::chat_stream::ChatStream;
use crate::types::{ChatRequest, SecurityLevel, Usage};

/// Shared state of the application.
pub(crate) struct AppState {
    pub router: Router,
    pub settings: Settings,
    pub keys: Vec<(ClientKey, KeyLimits)>,
    pub metrics: Metrics,
    /// Set when a shutdown began (health checks answer 503).
    pub draining: AtomicBool,
    /// Turns true when the shutdown grace period is over: in-flight
    /// requests end at once.
    pub hard_stop: watch::Receiver<bool>,
}

impl AppState {
    pub(crate) fn new(
        router: Router,
        settings: Settings,
        hard_stop: watch::Receiver<bool>,
    ) -> Self {
        let keys = settings
            .client_keys
            .iter()
            .map(|k| (k.clone(), KeyLimits::new(k.rate_limit(), k.spend_limit())))
            .collect();
        AppState {
            router,
            settings,
            keys,
            metrics: Metrics::default(),
            draining: AtomicBool::new(false),
            hard_stop,
        }
    }
}

type Shared = Arc<AppState>;

/// The routes.
pub(crate) fn routes(state: Shared) -> axum::Router {
    axum::Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .route("/v1/models/{*id}", get(model))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_http,
        ))
        .with_state(state)
}

async fn count_http(
    State(st): State<Shared>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let route = match req.uri().path() {
        "/v1/chat/completions" => "chat_completions",
        "/v1/models" => "models",
        p if p.starts_with("/v1/models/") => "models",
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        _ => "other",
    };
    let resp = next.run(req).await;
    st.metrics.http(route, resp.status().as_u16());
    resp
}

async fn not_found(req: Request) -> Failure {
    Failure::router(
        404,
        format!(
            "no route for {} {}; this server serves POST /v1/chat/completions, GET /v1/models, GET /healthz and GET /metrics",
            req.method(),
            req.uri().path()
        ),
    )
}

async fn method_not_allowed(req: Request) -> Failure {
    Failure::router(
        405,
        format!(
            "method {} is not allowed on {}",
            req.method(),
            req.uri().path()
        ),
    )
}

async fn healthz(State(st): State<Shared>) -> Response {
    if st.draining.load(Ordering::Relaxed) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "draining"})),
        )
            .into_response()
    } else {
        axum::Json(serde_json::json!({
            "status": "ok",
            "providers": st.router.provider_ids(),
            "policies": st.router.policy_names(),
        }))
        .into_response()
    }
}

async fn metrics(State(st): State<Shared>) -> Response {
    let text = st.metrics.render(&st.router.log_stats());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

/// Checks the bearer key: `Ok(Some(i))` for configured key `i`, `Ok(None)`
/// in open mode (no keys configured).
fn authorize(st: &AppState, headers: &HeaderMap) -> std::result::Result<Option<usize>, Failure> {
    if st.keys.is_empty() {
        return Ok(None);
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(Failure::router(
            401,
            "missing API key: send it as `Authorization: Bearer <key>`",
        ));
    };
    // Every key is compared, in constant time.
    match find_key(st.keys.iter().map(|(k, _)| k), token) {
        Some(i) => Ok(Some(i)),
        None => Err(Failure::router(403, "invalid API key")),
    }
}

/// Applies the key's spend and rate limits.
fn limit(st: &AppState, key: Option<usize>) -> std::result::Result<(), Failure> {
    let Some((k, limits)) = key.and_then(|i| st.keys.get(i)) else {
        return Ok(());
    };
    match limits.admit() {
        Ok(()) => Ok(()),
        Err(Refusal::Rate(wait)) => {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut f = Failure::router(
                429,
                format!(
                    "rate limit of key `{}` reached ({} requests per minute); retry after {secs} s",
                    k.name(),
                    k.rate_limit().unwrap_or(0)
                ),
            );
            f.retry_after = Some(secs.to_string());
            Err(f)
        }
        Err(Refusal::Spend(spent, limit)) => Err(Failure::router(
            412,
            format!(
                "monthly spend limit of key `{}` reached: ${spent:.4} of ${limit:.2} this month",
                k.name()
            ),
        )),
    }
}

/// Reads the analytics dimensions, origin and security level from the headers.
fn context(
    headers: &HeaderMap,
) -> std::result::Result<(RequestContext, Option<SecurityLevel>), Failure> {
    let mut dimensions = BTreeMap::new();
    let mut origin = LogOrigin::default();
    let mut level = None;
    for (name, value) in headers {
        let n = name.as_str();
        let text = || {
            value.to_str().map(str::to_owned).map_err(|_| {
                Failure::router(400, format!("header `{n}` must be visible ASCII text")).param(n)
            })
        };
        if let Some(dim) = n.strip_prefix("x-requesty-") {
            if !dim.is_empty() {
                dimensions.insert(dim.to_owned(), text()?);
            }
        } else if n == "http-referer" {
            origin.referer = Some(text()?);
        } else if n == "x-title" {
            origin.title = Some(text()?);
        } else if n == "x-security-level" {
            let v = text()?;
            level = Some(v.parse::<SecurityLevel>().map_err(|_| {
                Failure::router(
                    400,
                    format!(
                        "header `X-Security-Level`: unknown level {v:?}; use none, basic, advanced or enterprise"
                    ),
                )
                .param("X-Security-Level")
            })?);
        }
    }
    let origin = (origin.referer.is_some() || origin.title.is_some()).then_some(origin);
    Ok((RequestContext { dimensions, origin }, level))
}

/// Parses the body, naming the field at fault.
fn parse_body(bytes: &[u8]) -> std::result::Result<ChatRequest, Failure> {
    // Tracking the JSON path costs on every request: only after a failure,
    // to name the field.
    if let Ok(req) = serde_json::from_slice::<ChatRequest>(bytes) {
        return Ok(req);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let req: ChatRequest = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() || path == "." {
            Failure::router(
                400,
                format!("the body is not a valid chat request: {inner}"),
            )
        } else {
            Failure::router(400, format!("invalid value at `{path}`: {inner}")).param(path)
        }
    })?;
    de.end()
        .map_err(|e| Failure::router(400, format!("the body is not valid JSON: {e}")))?;
    Ok(req)
}

/// Decrements the in-flight gauge when dropped.
struct Inflight(Shared);

impl Inflight {
    fn new(st: &Shared) -> Self {
        st.metrics.inflight.fetch_add(1, Ordering::Relaxed);
        Inflight(st.clone())
    }
}

impl Drop for Inflight {
    fn drop(&mut self) {
        self.0.metrics.inflight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Provider and model labels for a request that has no served target.
fn labels_of_request(st: &AppState, model: Option<&str>) -> (String, String) {
    if let Some((p, m)) = model.and_then(|m| m.split_once('/'))
        && st.router.has_provider(p)
    {
        return (p.to_owned(), m.to_owned());
    }
    ("none".to_owned(), "none".to_owned())
}

fn labels_of_served(served: Option<&str>) -> Option<(String, String)> {
    let (p, m) = served?.split_once('/')?;
    Some((p.to_owned(), m.to_owned()))
}

/// The connection-level service: `POST /v1/chat/completions` goes to
/// [`chat_body`] at once, everything else through the axum routes. The hot
/// route skips axum's routing, its middleware (which boxes the inner
/// future) and the boxing of the request body; the answers and the
/// `/metrics` counts are the same as through the routes.
#[derive(Clone)]
pub(crate) struct Service {
    app: hyper_util::service::TowerToHyperService<axum::Router>,
    state: Shared,
}

impl Service {
    pub(crate) fn new(state: Shared) -> Service {
        Service {
            app: hyper_util::service::TowerToHyperService::new(routes(state.clone())),
            state,
        }
    }
}

impl hyper::service::Service<http::Request<hyper::body::Incoming>> for Service {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = std::result::Result<Response, Self::Error>> + Send>>;

    fn call(&self, req: http::Request<hyper::body::Incoming>) -> Self::Future {
        if req.method() == http::Method::POST && req.uri().path() == "/v1/chat/completions" {
            let st = self.state.clone();
            Box::pin(async move {
                let (parts, body) = req.into_parts();
                let resp = chat_body(st.clone(), parts, body).await;
                st.metrics.http("chat_completions", resp.status().as_u16());
                Ok(resp)
            })
        } else {
            Box::pin(self.app.call(req))
        }
    }
}

async fn chat(State(st): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    chat_body(st, parts, body).await
}

async fn chat_body<B>(st: Shared, parts: http::request::Parts, body: B) -> Response
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let inflight = Inflight::new(&st);
    let max = st.settings.max_in_flight;
    if st.metrics.inflight.load(Ordering::Relaxed) > max as i64 {
        st.metrics.shed.fetch_add(1, Ordering::Relaxed);
        let mut resp = Failure::router(
            503,
            format!(
                "the router is overloaded: {max} requests are in flight \
                 (setting `server.max_in_flight`); retry shortly"
            ),
        )
        .into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return resp;
    }
    let started = Instant::now();
    let key = match authorize(&st, &parts.headers) {
        Ok(k) => k,
        Err(f) => return f.into_response(),
    };
    if let Err(f) = limit(&st, key) {
        return f.into_response();
    }
    let max = st.settings.max_body_bytes;
    let too_large = || {
        Failure::router(
            413,
            format!("the request body is larger than the limit of {max} bytes (setting `server.max_body_bytes`)"),
        )
        .into_response()
    };
    if parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > max as u64)
    {
        return too_large();
    }
    let bytes: Bytes =
        match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, max)).await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                if e.is::<http_body_util::LengthLimitError>() {
                    return too_large();
                }
                return Failure::router(400, format!("could not read the request body: {e}"))
                    .into_response();
            }
        };
    let (ctx, level) = match context(&parts.headers) {
        Ok(x) => x,
        Err(f) => return f.into_response(),
    };
    let mut creq = match parse_body(&bytes) {
        Ok(r) => r,
        Err(f) => return f.into_response(),
    };
    if level.is_some() {
        creq.security_level = level;
    }
    if let Err(e) = creq.validate() {
        return Failure::from_error(&e).into_response();
    }
    let requested = labels_of_request(&st, creq.model.as_deref());
    if creq.stream == Some(true) {
        return stream(st, key, creq, ctx, started, requested, inflight).await;
    }
    let mut hard_stop = st.hard_stop.clone();
    let result = tokio::select! {
        r = st.router.complete_with(creq, ctx) => r,
        _ = stopped(&mut hard_stop) => {
            return Failure::router(503, "the server is shutting down").into_response();
        }
    };
    match result {
        Ok(c) => {
            let (provider, model) = labels_of_served(c.meta.served_by()).unwrap_or(requested);
            let cost = c.usage.as_ref().and_then(|u| u.cost).unwrap_or(0.0);
            spend(&st, key, cost);
            st.metrics.chat(ChatOutcome {
                provider,
                model,
                stream: false,
                outcome: "ok",
                error: None,
                latency_secs: started.elapsed().as_secs_f64(),
                ttft_secs: None,
                prompt_tokens: c.usage.as_ref().map_or(0, |u| u.prompt_tokens),
                completion_tokens: c.usage.as_ref().map_or(0, |u| u.completion_tokens),
                cost_usd: cost,
            });
            let mut resp = axum::Json(&c).into_response();
            if let Some(v) = c
                .meta
                .served_by()
                .and_then(|s| HeaderValue::from_str(s).ok())
            {
                resp.headers_mut().insert("x-served-by", v);
            }
            resp
        }
        Err(e) => {
            let f = Failure::from_error(&e);
            st.metrics.chat(ChatOutcome {
                provider: requested.0,
                model: requested.1,
                stream: false,
                outcome: "error",
                error: Some((f.status, f.origin)),
                latency_secs: started.elapsed().as_secs_f64(),
                ..Default::default()
            });
            f.into_response()
        }
    }
}

fn spend(st: &AppState, key: Option<usize>, cost: f64) {
    if let Some((_, limits)) = key.and_then(|i| st.keys.get(i)) {
        limits.add_spend(cost);
    }
}

type Opening = Pin<Box<dyn Future<Output = Result<ChatStream>> + Send>>;

/// How a stream starts: open already, or still opening after one keep-alive
/// interval. (One per stream, moved once into the body: boxing the larger
/// variant would only add an allocation.)
#[allow(clippy::large_enum_variant)]
enum Start {
    Open(ChatStream),
    Pending(Opening),
}

/// What a stream reports when it ends, however it ends.
struct StreamEnd {
    st: Shared,
    key: Option<usize>,
    started: Instant,
    ttft: Option<f64>,
    labels: (String, String),
    usage: Option<Usage>,
    done: bool,
    _inflight: Inflight,
}

impl StreamEnd {
    fn finish(&mut self, outcome: &'static str, error: Option<&Failure>) {
        if self.done {
            return;
        }
        self.done = true;
        let cost = self.usage.as_ref().and_then(|u| u.cost).unwrap_or(0.0);
        spend(&self.st, self.key, cost);
        self.st.metrics.chat(ChatOutcome {
            provider: self.labels.0.clone(),
            model: self.labels.1.clone(),
            stream: true,
            outcome,
            error: error.map(|f| (f.status, f.origin)),
            latency_secs: self.started.elapsed().as_secs_f64(),
            ttft_secs: self.ttft,
            prompt_tokens: self.usage.as_ref().map_or(0, |u| u.prompt_tokens),
            completion_tokens: self.usage.as_ref().map_or(0, |u| u.completion_tokens),
            cost_usd: cost,
        });
    }
}

impl Drop for StreamEnd {
    fn drop(&mut self) {
        self.finish("dropped", None);
    }
}

const KEEP_ALIVE: &str = ": keep-alive\n\n";

async fn stream(
    st: Shared,
    key: Option<usize>,
    req: ChatRequest,
    ctx: RequestContext,
    started: Instant,
    requested: (String, String),
    inflight: Inflight,
) -> Response {
    let want_usage = req
        .stream_options
        .as_ref()
        .and_then(|o| o.include_usage)
        .unwrap_or(false);
    let keep_alive = st.settings.keep_alive;
    let router = st.router.clone();
    let mut opening: Opening = Box::pin(async move { router.stream_with(req, ctx).await });
    let mut end = StreamEnd {
        st: st.clone(),
        key,
        started,
        ttft: None,
        labels: requested,
        usage: None,
        done: false,
        _inflight: inflight,
    };
    // Errors that come quickly keep their HTTP status; a slow start commits
    // to 200 and keep-alive comments.
    let mut hard_stop = st.hard_stop.clone();
    let early = tokio::select! {
        r = tokio::time::timeout(keep_alive, &mut opening) => r.ok(),
        _ = stopped(&mut hard_stop) => {
            let f = Failure::router(503, "the server is shutting down");
            end.finish("error", Some(&f));
            return f.into_response();
        }
    };
    // The opening future is large (the whole dispatch): free it as soon as
    // it has resolved instead of keeping it for the life of the stream.
    let start = match early {
        Some(Ok(s)) => {
            drop(opening);
            Start::Open(s)
        }
        Some(Err(e)) => {
            let f = Failure::from_error(&e);
            end.finish("error", Some(&f));
            return f.into_response();
        }
        None => Start::Pending(opening),
    };
    let body = async_stream::stream! {
        let mut hard_stop = end.st.hard_stop.clone();
        let mut s = match start {
            Start::Open(s) => s,
            Start::Pending(mut opening) => {
                yield Ok::<Bytes, std::convert::Infallible>(Bytes::from_static(KEEP_ALIVE.as_bytes()));
                loop {
                    tokio::select! {
                        r = &mut opening => match r {
                            Ok(s) => break s,
                            Err(e) => {
                                let f = Failure::from_error(&e);
                                end.finish("error", Some(&f));
                                yield Ok(Bytes::from(f.sse_event()));
                                return;
                            }
                        },
                        _ = tokio::time::sleep(keep_alive) => {
                            yield Ok(Bytes::from_static(KEEP_ALIVE.as_bytes()));
                        }
                        _ = stopped(&mut hard_stop) => {
                            let f = Failure::router(503, "the server is shutting down");
                            end.finish("error", Some(&f));
                            yield Ok(Bytes::from(f.sse_event()));
                            return;
                        }
                    }
                }
            }
        };
        if let Some(l) = labels_of_served(s.meta().served_by()) {
            end.labels = l;
        }
        // One keep-alive timer per stream, moved only when it fires: an
        // event sent meanwhile pushes the comment back (re-arming the timer
        // on every event would update the timer wheel per chunk).
        let mut idle = Box::pin(tokio::time::sleep(keep_alive));
        let mut last_sent = tokio::time::Instant::now();
        loop {
            tokio::select! {
                item = s.next() => match item {
                    Some(Ok(mut chunk)) => {
                        if end.ttft.is_none() {
                            end.ttft = Some(end.started.elapsed().as_secs_f64());
                        }
                        if let Some(u) = &chunk.usage {
                            end.usage = Some(u.clone());
                        }
                        if !want_usage {
                            chunk.usage = None;
                            if chunk.choices.is_empty() {
                                continue;
                            }
                        }
                        let mut event = Vec::with_capacity(256);
                        event.extend_from_slice(b"data: ");
                        match serde_json::to_writer(&mut event, &chunk) {
                            Ok(()) => {
                                event.extend_from_slice(b"\n\n");
                                last_sent = tokio::time::Instant::now();
                                yield Ok(Bytes::from(event));
                            }
                            Err(e) => {
                                let f = Failure::router(500, format!("could not encode a chunk: {e}"));
                                end.finish("error", Some(&f));
                                yield Ok(Bytes::from(f.sse_event()));
                                return;
                            }
                        }
                    }
                    Some(Err(e)) => {
                        let f = Failure::from_error(&e);
                        end.finish("error", Some(&f));
                        yield Ok(Bytes::from(f.sse_event()));
                        return;
                    }
                    None => {
                        end.finish("ok", None);
                        yield Ok(Bytes::from_static(b"data: [DONE]\n\n"));
                        return;
                    }
                },
                _ = &mut idle => {
                    let due = last_sent + keep_alive;
                    if due > tokio::time::Instant::now() {
                        idle.as_mut().reset(due);
                        continue;
                    }
                    last_sent = tokio::time::Instant::now();
                    idle.as_mut().reset(last_sent + keep_alive);
                    yield Ok(Bytes::from_static(KEEP_ALIVE.as_bytes()));
                }
                _ = stopped(&mut hard_stop) => {
                    let f = Failure::router(503, "the server is shutting down");
                    end.finish("error", Some(&f));
                    yield Ok(Bytes::from(f.sse_event()));
                    return;
                }
            }
        }
    };
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}

async fn models(State(st): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(f) = authorize(&st, &headers) {
        return f.into_response();
    }
    match st.router.list_models().await {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => Failure::from_error(&e).into_response(),
    }
}

async fn model(State(st): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(f) = authorize(&st, &headers) {
        return f.into_response();
    }
    match st.router.list_models().await {
        Ok(list) => match list.data.into_iter().find(|m| m.id == id) {
            Some(m) => axum::Json(m).into_response(),
            None => Failure::router(404, format!("model `{id}` not found")).into_response(),
        },
        Err(e) => Failure::from_error(&e).into_response(),
    }
}

/// Completes when the shutdown grace period is over.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        // The server is gone: never "stopped" through this channel.
        std::future::pending::<()>().await;
    }
}
