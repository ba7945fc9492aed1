//! Running a plan: fallback, retries, cooldown, timeouts, streams that may
//! fall back until their first chunk reached the caller — and one log
//! record per request.

use std::time::{Duration, Instant};

use futures::StreamExt;
use tracing::Instrument;

use super::cache;
use super::log::logger::Pending;
use super::log::trace::{RequestContext, Trace, error_class};
use super::provider::ProviderRequest;
use super::route::{PlanInput, Router, Target, not_supported};
use super::security::guard::{ChunkRedactor, Counts, Guard, PromptScan};
use super::translate::prepare;
use crate::error::{Error, ErrorKind, Result, TimeoutKind};
use crate::meta::Attempt;
use crate::stream::accumulator::ChunkAccumulator;
use crate::stream::chat_stream::ChatStream;
use crate::types::{
    ChatCompletion, ChatCompletionChunk, ChatRequest, EmbeddingRequest, EmbeddingResponse, Model,
    ModelList, SecurityLevel, Violation,
};

struct Started {
    plan: Vec<Target>,
    prepared: ChatRequest,
    input: PlanInput,
    cache_key: Option<String>,
}

/// Whether an error means "try the next target".
pub(crate) fn should_fall_back(err: &Error, statuses: &[u16]) -> bool {
    match err.kind() {
        ErrorKind::Api(api) => statuses.contains(&api.effective_status()) || is_context_length(api),
        ErrorKind::Timeout { .. }
        | ErrorKind::Connect { .. }
        | ErrorKind::Transport { .. }
        | ErrorKind::Stream { .. }
        | ErrorKind::Decode { .. }
        | ErrorKind::LimitExceeded { .. } => true,
        _ => false,
    }
}

fn is_context_length(api: &crate::ApiError) -> bool {
    let code = api.code.as_deref().unwrap_or_default();
    let msg = api.message.to_ascii_lowercase();
    code == "context_length_exceeded"
        || msg.contains("context length")
        || msg.contains("context window")
        || msg.contains("maximum context")
        || msg.contains("prompt is too long")
}

/// Rough count of generated tokens in a completion (for tokens/s when a
/// provider reports no usage): about four characters per token.
fn completion_tokens(c: &ChatCompletion) -> f64 {
    if let Some(u) = &c.usage
        && u.completion_tokens > 0
    {
        return u.completion_tokens as f64;
    }
    let chars: usize = c
        .choices
        .iter()
        .filter_map(|ch| ch.message.text())
        .map(|t| t.len())
        .sum();
    (chars as f64 / 4.0).max(1.0)
}

/// The order to try the plan in: targets whose circuit is open are skipped,
/// unless every target is open (then all are tried, in order).
fn admitted(router: &Router, plan: Vec<Target>) -> Vec<Target> {
    let health = &router.inner.health;
    let (open, ok): (Vec<Target>, Vec<Target>) = plan
        .into_iter()
        .partition(|t| health.circuit(&t.id) == super::health::Circuit::Open);
    if ok.is_empty() { open } else { ok }
}

fn attempt(target: &Target, err: Option<&Error>, latency: Duration) -> Attempt {
    Attempt {
        target: target.id.clone(),
        status: err.and_then(Error::status),
        error: err.map(|e| error_class(e).to_owned()),
        latency,
    }
}

/// The span of one routed request, with OpenTelemetry GenAI attribute names.
fn chat_span(model: Option<&str>, stream: bool) -> tracing::Span {
    let model = model.unwrap_or("");
    tracing::info_span!(
        "chat",
        otel.name = %format_args!("chat {model}"),
        otel.kind = "client",
        gen_ai.operation.name = "chat",
        gen_ai.request.model = %model,
        gen_ai.request.stream = stream,
        gen_ai.provider.name = tracing::field::Empty,
        gen_ai.response.model = tracing::field::Empty,
        gen_ai.response.id = tracing::field::Empty,
        gen_ai.response.finish_reasons = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
        requesty.request_id = tracing::field::Empty,
        requesty.served_by = tracing::field::Empty,
        requesty.cost_usd = tracing::field::Empty,
        requesty.attempts = tracing::field::Empty,
        error.type = tracing::field::Empty,
    )
}

/// Fills the span's fields from the finished record.
fn record_span(span: &tracing::Span, r: &super::log::LogRecord) {
    if span.is_disabled() {
        return;
    }
    span.record("requesty.request_id", r.request_id.as_str());
    span.record("requesty.attempts", r.attempts.len() as u64);
    if let Some(p) = &r.provider {
        span.record("gen_ai.provider.name", p.as_str());
    }
    if let Some(m) = &r.model {
        span.record("gen_ai.response.model", m.as_str());
    }
    if let Some(id) = &r.provider_request_id {
        span.record("gen_ai.response.id", id.as_str());
    }
    if let Some(s) = &r.served_by {
        span.record("requesty.served_by", s.as_str());
    }
    if let Some(f) = &r.finish_reason {
        span.record("gen_ai.response.finish_reasons", f.as_str());
    }
    if let Some(u) = &r.usage {
        span.record("gen_ai.usage.input_tokens", u.prompt_tokens);
        span.record("gen_ai.usage.output_tokens", u.completion_tokens);
    }
    if let Some(c) = r.cost_usd {
        span.record("requesty.cost_usd", c);
    }
    if let Some(e) = &r.error {
        span.record("error.type", e.class.as_str());
    }
}

/// What to do after a failed try.
enum Next {
    Retry,
    Fallback,
    Stop,
}

impl Router {
    /// The guard for a request: the router's level, raised by the request's.
    fn guard_for(&self, req: &ChatRequest) -> Option<Guard> {
        let level = req
            .security_level
            .unwrap_or(SecurityLevel::None)
            .max(self.inner.security);
        Guard::new(level, &self.inner.security_policy)
    }

    /// Records what the prompt scan found and decides whether the request
    /// is refused: injection, blocked kinds, size, required metadata.
    fn screen(
        &self,
        guard: Option<&Guard>,
        scan: Option<PromptScan>,
        req: &ChatRequest,
        trace: &mut Trace,
    ) -> Result<()> {
        let (Some(guard), Some(scan)) = (guard, scan) else {
            return Ok(());
        };
        let PromptScan {
            counts,
            mut violations,
        } = scan;
        trace.record.security = counts;
        if let Some(policy) = guard.policy() {
            let metadata = req.extra.get("metadata").and_then(|m| m.as_object());
            let other = req.requesty.as_ref().map(|r| &r.other);
            for key in &policy.required_metadata {
                let present = trace.record.dimensions.contains_key(key)
                    || metadata.is_some_and(|m| m.contains_key(key))
                    || other.is_some_and(|o| o.contains_key(key));
                if !present {
                    violations.push(Violation::new(
                        "policy.required_metadata",
                        1,
                        format!("metadata.{key}"),
                    ));
                    *trace
                        .record
                        .security
                        .entry("policy.required_metadata".to_owned())
                        .or_insert(0) += 1;
                }
            }
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Error::security_violation(guard.level, violations))
        }
    }

    /// Starts a request's record and applies its security level: the
    /// prompt is redacted in place; a refusal is logged and returned.
    fn admit_request(
        &self,
        req: &mut ChatRequest,
        ctx: RequestContext,
        stream: bool,
    ) -> Result<(Option<Guard>, Trace, tracing::Span)> {
        let guard = self.guard_for(req);
        let scan = guard.as_ref().map(|g| g.scan_request(req));
        let mut trace = self.trace(req, ctx, stream);
        let span = chat_span(trace.record.model_requested.as_deref(), stream);
        if let Err(e) = self.screen(guard.as_ref(), scan, req, &mut trace) {
            trace.failed(&e);
            record_span(&span, &trace.record);
            self.inner.logger.submit(Pending {
                record: trace.record,
                request: None,
            });
            return Err(e);
        }
        Ok((guard, trace, span))
    }

    /// Drops the targets the Enterprise policy denies; none left is a refusal.
    fn allowed(&self, guard: Option<&Guard>, plan: Vec<Target>) -> Result<Vec<Target>> {
        let Some((guard, policy)) = guard.and_then(|g| Some((g, g.policy()?))) else {
            return Ok(plan);
        };
        let mut denied: Vec<Violation> = Vec::new();
        let mut kept = Vec::with_capacity(plan.len());
        for t in plan {
            let provider = t.provider.id();
            let kind = if !policy.provider_allowed(provider) {
                "policy.denied_provider"
            } else if !policy.model_allowed(&format!("{provider}/{}", t.model)) {
                "policy.denied_model"
            } else {
                kept.push(t);
                continue;
            };
            if !denied.iter().any(|v| v.location == t.id) {
                denied.push(Violation::new(kind, 1, t.id.clone()));
            }
        }
        if kept.is_empty() && !denied.is_empty() {
            return Err(Error::security_violation(guard.level, denied));
        }
        Ok(kept)
    }

    fn start(&self, req: ChatRequest, guard: Option<&Guard>) -> Result<Started> {
        req.validate()?;
        let input = PlanInput::of(&req);
        let plan = self.inner.plan(req.model.as_deref(), &input)?;
        let plan = self.allowed(guard, plan)?;
        let asked = req
            .model
            .clone()
            .or_else(|| self.inner.default_model.clone())
            .unwrap_or_default();
        let (prepared, _requesty) = prepare(req);
        let cache_key = self
            .inner
            .cache
            .as_ref()
            .and_then(|_| cache::key(&asked, &prepared));
        Ok(Started {
            plan: admitted(self, plan),
            prepared,
            input,
            cache_key,
        })
    }

    fn cached(&self, key: Option<&String>) -> Option<ChatCompletion> {
        let (cache, key) = (self.inner.cache.as_ref()?, key?);
        let mut hit = cache.get(key, self.inner.health.now())?;
        hit.meta.set_cache_hit(true);
        let served = hit.meta.served_by().map(str::to_owned);
        hit.meta.set_route(served, Vec::new());
        Some(hit)
    }

    fn store(&self, key: Option<String>, completion: &ChatCompletion) {
        if let (Some(cache), Some(key)) = (self.inner.cache.as_ref(), key) {
            cache.put(key, completion.clone(), self.inner.health.now());
        }
    }

    /// Sets `usage.cost` from the price table when the provider gave none.
    fn price(&self, target: &Target, completion: &mut ChatCompletion) {
        if let Some(u) = completion.usage.as_mut()
            && u.cost.is_none()
        {
            u.cost = self
                .inner
                .prices
                .cost(target.provider.id(), &target.model, u);
        }
    }

    /// Records a failed try and decides what comes next.
    fn after_failure(
        &self,
        target: &Target,
        retry: u32,
        err: &Error,
        elapsed: Duration,
        bucket: usize,
        attempts: &mut Vec<Attempt>,
    ) -> Next {
        self.inner.health.failure(&target.id, elapsed, bucket);
        attempts.push(attempt(target, Some(err), elapsed));
        if !should_fall_back(err, &self.inner.fallback_statuses) {
            Next::Stop
        } else if retry < target.retries && err.is_retryable() {
            Next::Retry
        } else {
            Next::Fallback
        }
    }

    fn trace(&self, req: &ChatRequest, ctx: RequestContext, stream: bool) -> Trace {
        let logger = &self.inner.logger;
        Trace::begin(
            logger.next_id(),
            req,
            ctx,
            self.inner.default_model.as_deref(),
            stream,
            logger.config().bodies,
        )
    }

    /// A whole answer, routed. The completion's `meta` says which target
    /// served it and lists every attempt; the request is logged.
    pub async fn complete(&self, req: ChatRequest) -> Result<ChatCompletion> {
        self.complete_with(req, RequestContext::default()).await
    }

    /// Like [`Router::complete`], with the caller's analytics dimensions and origin.
    pub async fn complete_with(
        &self,
        mut req: ChatRequest,
        ctx: RequestContext,
    ) -> Result<ChatCompletion> {
        let (guard, mut trace, span) = self.admit_request(&mut req, ctx, false)?;
        // Logged even when the caller drops this future (a cancelled
        // request, a server shutting down past its grace period).
        let mut counts = std::mem::take(&mut trace.record.security);
        let mut unfinished = Unfinished {
            router: self,
            trace: Some(trace),
        };
        let (result, attempts, prepared) = self
            .complete_inner(req, guard.as_ref(), &mut counts)
            .instrument(span.clone())
            .await;
        let Some(mut trace) = unfinished.trace.take() else {
            return result;
        };
        trace.record.security = counts;
        trace.attempts(&attempts);
        match &result {
            Ok(c) => trace.answered(c, None),
            Err(e) => trace.failed(e),
        }
        record_span(&span, &trace.record);
        self.inner.logger.submit(Pending {
            record: trace.record,
            request: prepared,
        });
        result
    }

    async fn complete_inner(
        &self,
        req: ChatRequest,
        guard: Option<&Guard>,
        counts: &mut Counts,
    ) -> (Result<ChatCompletion>, Vec<Attempt>, Option<ChatRequest>) {
        let Started {
            plan,
            prepared,
            input,
            cache_key,
        } = match self.start(req, guard) {
            Ok(s) => s,
            Err(e) => return (Err(e), Vec::new(), None),
        };
        if let Some(mut hit) = self.cached(cache_key.as_ref()) {
            if let Some(g) = guard
                && let Err(e) = g.redact_completion(&mut hit, counts)
            {
                return (Err(e), Vec::new(), Some(prepared));
            }
            return (Ok(hit), Vec::new(), Some(prepared));
        }
        let inner = &self.inner;
        let mut attempts = Vec::new();
        let mut last: Option<Error> = None;
        'targets: for target in plan {
            let limits = inner
                .timeouts
                .get(target.provider.id())
                .copied()
                .unwrap_or_default();
            let limit = limits.total.or(limits.first_token);
            for retry in 0..=target.retries {
                if !inner.health.admit(&target.id) {
                    break;
                }
                let started = Instant::now();
                let preq = ProviderRequest::new(target.model.clone(), prepared.clone())
                    .with_region(target.region.clone());
                let fut = target.provider.complete(preq);
                let result = match limit {
                    Some(d) => tokio::time::timeout(d, fut)
                        .await
                        .unwrap_or_else(|_| Err(Error::timeout(TimeoutKind::Request, d))),
                    None => fut.await,
                };
                let elapsed = started.elapsed();
                match result {
                    Ok(mut completion) => {
                        inner.health.success(&target.id, elapsed, input.bucket);
                        let tokens = completion_tokens(&completion);
                        inner.health.throughput(
                            &target.id,
                            tokens / elapsed.as_secs_f64().max(1e-3),
                            input.bucket,
                        );
                        attempts.push(attempt(&target, None, elapsed));
                        self.price(&target, &mut completion);
                        if let Some(g) = guard
                            && let Err(e) = g.redact_completion(&mut completion, counts)
                        {
                            return (Err(e), attempts, Some(prepared));
                        }
                        completion
                            .meta
                            .set_route(Some(target.id.clone()), attempts.clone());
                        self.store(cache_key, &completion);
                        return (Ok(completion), attempts, Some(prepared));
                    }
                    Err(e) => {
                        let next = self.after_failure(
                            &target,
                            retry,
                            &e,
                            elapsed,
                            input.bucket,
                            &mut attempts,
                        );
                        match next {
                            Next::Stop => return (Err(e), attempts, Some(prepared)),
                            Next::Retry => {
                                tokio::time::sleep(inner.retry.delay(retry, e.headers())).await;
                                last = Some(e);
                            }
                            Next::Fallback => {
                                last = Some(e);
                                continue 'targets;
                            }
                        }
                    }
                }
            }
        }
        let err = last.unwrap_or_else(|| {
            not_supported("no target is available: every target is cooling down".into())
        });
        (Err(err), attempts, Some(prepared))
    }

    /// A streamed answer, routed. Falls back while no chunk has reached the
    /// caller: HTTP errors, a stream that fails or stays silent before its
    /// first chunk (`first_token` timeout). After that, a failure is an `Err`
    /// item at the end of the stream. The request is logged when the stream
    /// ends, fails, or is dropped by the caller.
    pub async fn stream(&self, req: ChatRequest) -> Result<ChatStream> {
        self.stream_with(req, RequestContext::default()).await
    }

    /// Like [`Router::stream`], with the caller's analytics dimensions and origin.
    pub async fn stream_with(
        &self,
        mut req: ChatRequest,
        ctx: RequestContext,
    ) -> Result<ChatStream> {
        let (guard, mut trace, span) = self.admit_request(&mut req, ctx, true)?;
        let Started {
            plan,
            mut prepared,
            input,
            cache_key,
        } = match self.start(req, guard.as_ref()) {
            Ok(s) => s,
            Err(e) => {
                trace.failed(&e);
                self.inner.logger.submit(Pending {
                    record: trace.record,
                    request: None,
                });
                return Err(e);
            }
        };
        if let Some(mut hit) = self.cached(cache_key.as_ref()) {
            if let Some(g) = guard.as_ref()
                && let Err(e) = g.redact_completion(&mut hit, &mut trace.record.security)
            {
                trace.failed(&e);
                self.inner.logger.submit(Pending {
                    record: trace.record,
                    request: Some(prepared),
                });
                return Err(e);
            }
            trace.answered(&hit, Some(Duration::ZERO));
            self.inner.logger.submit(Pending {
                record: trace.record,
                request: Some(prepared),
            });
            let meta = hit.meta.clone();
            return Ok(ChatStream::from_completion(hit).with_meta(meta));
        }
        prepared.stream = Some(true);
        let so = prepared.stream_options.get_or_insert_with(Default::default);
        if so.include_usage.is_none() {
            so.include_usage = Some(true);
        }
        let inner = &self.inner;
        let mut attempts = Vec::new();
        let mut last: Option<Error> = None;
        'targets: for target in plan {
            let limits = inner
                .timeouts
                .get(target.provider.id())
                .copied()
                .unwrap_or_default();
            for retry in 0..=target.retries {
                if !inner.health.admit(&target.id) {
                    break;
                }
                let started = Instant::now();
                let preq = ProviderRequest::new(target.model.clone(), prepared.clone())
                    .with_region(target.region.clone());
                let opened = async {
                    let mut s = target.provider.stream(preq).await?;
                    match s.next().await {
                        Some(Ok(first)) => Ok((s, first)),
                        Some(Err(e)) => Err(e),
                        None => Err(Error::stream("the stream ended before its first chunk")),
                    }
                };
                let result = match limits.first_token {
                    Some(d) => tokio::time::timeout(d, opened)
                        .await
                        .unwrap_or_else(|_| Err(Error::timeout(TimeoutKind::Request, d))),
                    None => opened.await,
                };
                let ttft = started.elapsed();
                match result {
                    Ok((rest, first)) => {
                        inner.health.success(&target.id, ttft, input.bucket);
                        attempts.push(attempt(&target, None, ttft));
                        trace.attempts(&attempts);
                        let mut meta = rest.meta().clone();
                        meta.set_route(Some(target.id.clone()), attempts);
                        let run = StreamRun {
                            router: self.clone(),
                            target,
                            bucket: input.bucket,
                            cache_key,
                            started,
                            ttft,
                            trace: Some(Box::new(trace)),
                            request: Some(Box::new(prepared)),
                            acc: ChunkAccumulator::new(),
                            meta: meta.clone(),
                            span: span.clone(),
                            redactor: guard.as_ref().map(|g| Box::new(g.stream())),
                        };
                        return Ok(ChatStream::from_chunks(run.drive(rest, first), meta));
                    }
                    Err(e) => {
                        match self.after_failure(
                            &target,
                            retry,
                            &e,
                            ttft,
                            input.bucket,
                            &mut attempts,
                        ) {
                            Next::Stop => {
                                last = Some(e);
                                break 'targets;
                            }
                            Next::Retry => {
                                tokio::time::sleep(inner.retry.delay(retry, e.headers())).await;
                                last = Some(e);
                            }
                            Next::Fallback => {
                                last = Some(e);
                                continue 'targets;
                            }
                        }
                    }
                }
            }
        }
        let err = last.unwrap_or_else(|| {
            not_supported("no target is available: every target is cooling down".into())
        });
        trace.attempts(&attempts);
        trace.failed(&err);
        record_span(&span, &trace.record);
        self.inner.logger.submit(Pending {
            record: trace.record,
            request: Some(prepared),
        });
        Err(err)
    }

    /// Every provider's models, ids prefixed with the provider id, plus one
    /// entry per policy (`policy/<name>`). A provider that fails to list is
    /// left out.
    pub async fn list_models(&self) -> Result<ModelList> {
        let mut ids: Vec<&String> = self.inner.providers.keys().collect();
        ids.sort_unstable();
        let lists = futures::future::join_all(ids.iter().map(|id| {
            let p = self.inner.providers[*id].clone();
            async move { (p.id().to_owned(), p.list_models().await) }
        }))
        .await;
        let mut data = Vec::new();
        for (pid, list) in lists {
            let Ok(list) = list else { continue };
            for mut m in list.data {
                if !m.id.starts_with(&format!("{pid}/")) {
                    m.id = format!("{pid}/{}", m.id);
                }
                if m.owned_by.is_none() {
                    m.owned_by = Some(pid.clone());
                }
                data.push(m);
            }
        }
        for name in self.policy_names() {
            data.push(Model {
                id: format!("policy/{name}"),
                object: "model".into(),
                owned_by: Some("router".into()),
                ..Model::default()
            });
        }
        Ok(ModelList {
            object: "list".into(),
            data,
            extra: Default::default(),
        })
    }

    /// Embeddings, routed like chat (fallback included).
    pub async fn embed(&self, req: EmbeddingRequest) -> Result<EmbeddingResponse> {
        req.validate()?;
        let plan = self.inner.plan(Some(&req.model), &PlanInput::default())?;
        let mut last = None;
        for target in admitted(self, plan) {
            let mut r = req.clone();
            r.model = target.model.clone();
            let started = Instant::now();
            match target.provider.embed(r).await {
                Ok(mut resp) => {
                    resp.meta.set_route(
                        Some(target.id.clone()),
                        vec![attempt(&target, None, started.elapsed())],
                    );
                    return Ok(resp);
                }
                Err(e) if should_fall_back(&e, &self.inner.fallback_statuses) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| not_supported("no target is available".into())))
    }
}

/// The record of a non-streamed request in flight: submitted as
/// [`Outcome::Dropped`](super::log::Outcome::Dropped) if the caller drops
/// the request's future before it completes.
struct Unfinished<'a> {
    router: &'a Router,
    trace: Option<Trace>,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if let Some(mut trace) = self.trace.take() {
            trace.record.latency_ms = trace.start.elapsed().as_secs_f64() * 1000.0;
            trace.record.outcome = super::log::Outcome::Dropped;
            self.router.inner.logger.submit(Pending {
                record: trace.record,
                request: None,
            });
        }
    }
}

/// A stream being served: forwards chunks, and when it ends (or fails, or is
/// dropped) records throughput, fills the cache and submits the log record.
struct StreamRun {
    router: Router,
    target: Target,
    bucket: usize,
    cache_key: Option<String>,
    started: Instant,
    ttft: Duration,
    trace: Option<Box<Trace>>,
    request: Option<Box<ChatRequest>>,
    acc: ChunkAccumulator,
    meta: crate::meta::ResponseMeta,
    span: tracing::Span,
    redactor: Option<Box<ChunkRedactor>>,
}

/// The chunks of a [`StreamRun`] (see [`StreamRun::drive`]).
struct RunStream {
    run: StreamRun,
    rest: ChatStream,
    /// The first chunk, read while opening, not yet handed out.
    first: Option<ChatCompletionChunk>,
    /// An item to hand out after the one just returned (an error after the
    /// text the redactor still held).
    queued: Option<Result<ChatCompletionChunk>>,
    done: bool,
}

impl futures::Stream for RunStream {
    type Item = Result<ChatCompletionChunk>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = &mut *self;
        if let Some(item) = this.queued.take() {
            return Poll::Ready(Some(item));
        }
        if this.done {
            return Poll::Ready(None);
        }
        let run = &mut this.run;
        if let Some(mut first) = this.first.take() {
            if let Some(Err(e)) = run.redactor.as_mut().map(|r| r.chunk(&mut first)) {
                this.done = true;
                run.finish(Some(&e));
                return Poll::Ready(Some(Err(e)));
            }
            run.acc.push(&first);
            return Poll::Ready(Some(Ok(first)));
        }
        let Some(mut item) = futures::ready!(this.rest.poll_next_unpin(cx)) else {
            this.done = true;
            return Poll::Ready(match run.redactor.as_mut().map(|r| r.finish()) {
                Some(Ok(Some(held))) => {
                    run.acc.push(&held);
                    run.finish(None);
                    Some(Ok(held))
                }
                Some(Err(e)) => {
                    run.finish(Some(&e));
                    Some(Err(e))
                }
                _ => {
                    run.finish(None);
                    None
                }
            });
        };
        if let Ok(c) = &mut item {
            if let Some(u) = c.usage.as_mut()
                && u.cost.is_none()
            {
                u.cost =
                    run.router
                        .inner
                        .prices
                        .cost(run.target.provider.id(), &run.target.model, u);
            }
            if let Some(Err(e)) = run.redactor.as_mut().map(|r| r.chunk(c)) {
                item = Err(e);
            }
        }
        match &item {
            Ok(c) => run.acc.push(c),
            Err(e) => {
                this.done = true;
                // Release what the redactor still holds (redacted) first.
                let held = match run.redactor.as_mut().map(|r| r.finish()) {
                    Some(Ok(Some(held)))
                        if !matches!(e.kind(), ErrorKind::SecurityViolation { .. }) =>
                    {
                        run.acc.push(&held);
                        Some(held)
                    }
                    _ => None,
                };
                run.finish(Some(e));
                if let Some(held) = held {
                    this.queued = Some(item);
                    return Poll::Ready(Some(Ok(held)));
                }
            }
        }
        Poll::Ready(Some(item))
    }
}

impl StreamRun {
    /// The stream the caller reads: `first`, then the rest of the
    /// provider's chunks, each priced and redacted, with the run finished
    /// (logged, cached) when the stream ends or fails. A plain `Stream`
    /// rather than a generator: it holds one chunk at most, so an open
    /// stream costs little memory.
    fn drive(self, rest: ChatStream, first: ChatCompletionChunk) -> RunStream {
        RunStream {
            run: self,
            rest,
            first: Some(first),
            queued: None,
            done: false,
        }
    }

    /// Adds the answer's findings to the record's.
    fn merge_counts(&self, trace: &mut Trace) {
        if let Some(r) = &self.redactor {
            for (k, n) in r.counts() {
                *trace.record.security.entry(k.clone()).or_insert(0) += n;
            }
        }
    }

    /// Ends the run once: `err` for a failure, `None` for a clean end.
    fn finish(&mut self, err: Option<&Error>) {
        let Some(mut trace) = self.trace.take() else {
            return;
        };
        self.merge_counts(&mut trace);
        let mut done = std::mem::take(&mut self.acc).finish();
        done.meta = self.meta.clone();
        self.router.price(&self.target, &mut done);
        match err {
            Some(e) => {
                trace.answered(&done, Some(self.ttft));
                trace.failed(e);
            }
            None => {
                trace.answered(&done, Some(self.ttft));
                let secs = self
                    .started
                    .elapsed()
                    .saturating_sub(self.ttft)
                    .as_secs_f64()
                    .max(1e-3);
                self.router.inner.health.throughput(
                    &self.target.id,
                    completion_tokens(&done) / secs,
                    self.bucket,
                );
                if done.choices.iter().all(|c| c.finish_reason.is_some()) {
                    self.router.store(self.cache_key.take(), &done);
                }
            }
        }
        record_span(&self.span, &trace.record);
        self.router.inner.logger.submit(Pending {
            record: trace.record,
            request: self.request.take().map(|r| *r),
        });
    }
}

impl Drop for StreamRun {
    fn drop(&mut self) {
        // The caller dropped the stream before its end.
        if let Some(mut trace) = self.trace.take() {
            self.merge_counts(&mut trace);
            let mut done = std::mem::take(&mut self.acc).finish();
            done.meta = self.meta.clone();
            trace.answered(&done, Some(self.ttft));
            trace.record.outcome = super::log::Outcome::Dropped;
            record_span(&self.span, &trace.record);
            self.router.inner.logger.submit(Pending {
                record: trace.record,
                request: self.request.take().map(|r| *r),
            });
        }
    }
}
