//! Running a plan: fallback, retries, cooldown, timeouts, and streams that
//! may fall back until their first chunk reached the caller.

use std::time::Instant;

use futures::StreamExt;

use super::cache;
use super::provider::ProviderRequest;
use super::route::{PlanInput, Router, Target, not_supported};
use super::translate::prepare;
use crate::error::{Error, ErrorKind, Result, TimeoutKind};
use crate::meta::Attempt;
use crate::stream::accumulator::ChunkAccumulator;
use crate::stream::chat_stream::ChatStream;
use crate::types::{
    ChatCompletion, ChatRequest, EmbeddingRequest, EmbeddingResponse, Model, ModelList,
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
        | ErrorKind::Decode { .. } => true,
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

fn error_class(err: &Error) -> String {
    match err.kind() {
        ErrorKind::Api(_) => "api",
        ErrorKind::Timeout { .. } => "timeout",
        ErrorKind::Connect { .. } => "connect",
        ErrorKind::Transport { .. } => "transport",
        ErrorKind::Decode { .. } => "decode",
        ErrorKind::Stream { .. } => "stream",
        ErrorKind::InvalidRequest { .. } => "invalid_request",
        ErrorKind::Config(_) => "config",
        _ => "other",
    }
    .to_owned()
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

impl Router {
    fn start(&self, req: ChatRequest) -> Result<Started> {
        req.validate()?;
        let input = PlanInput::of(&req);
        let plan = self.inner.plan(req.model.as_deref(), &input)?;
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

    async fn backoff(&self, retry: u32, err: &Error) {
        tokio::time::sleep(self.inner.retry.delay(retry, err.headers())).await;
    }

    /// A whole answer, routed. The completion's `meta` says which target
    /// served it and lists every attempt.
    pub async fn complete(&self, req: ChatRequest) -> Result<ChatCompletion> {
        let Started {
            plan,
            prepared,
            input,
            cache_key,
        } = self.start(req)?;
        if let Some(hit) = self.cached(cache_key.as_ref()) {
            return Ok(hit);
        }
        let inner = &self.inner;
        let mut attempts = Vec::new();
        let mut last: Option<Error> = None;
        for target in plan {
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
                        attempts.push(Attempt {
                            target: target.id.clone(),
                            status: None,
                            error: None,
                            latency: elapsed,
                        });
                        completion.meta.set_route(Some(target.id.clone()), attempts);
                        self.store(cache_key, &completion);
                        return Ok(completion);
                    }
                    Err(e) => {
                        inner.health.failure(&target.id, elapsed, input.bucket);
                        attempts.push(Attempt {
                            target: target.id.clone(),
                            status: e.status(),
                            error: Some(error_class(&e)),
                            latency: elapsed,
                        });
                        if !should_fall_back(&e, &inner.fallback_statuses) {
                            return Err(e);
                        }
                        let again = retry < target.retries && e.is_retryable();
                        if again {
                            self.backoff(retry, &e).await;
                        }
                        last = Some(e);
                        if !again {
                            break;
                        }
                    }
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            not_supported("no target is available: every target is cooling down".into())
        }))
    }

    /// A streamed answer, routed. Falls back while no chunk has reached the
    /// caller: HTTP errors, a stream that fails or stays silent before its
    /// first chunk (`first_token` timeout). After that, a failure is an `Err`
    /// item at the end of the stream.
    pub async fn stream(&self, req: ChatRequest) -> Result<ChatStream> {
        let Started {
            plan,
            mut prepared,
            input,
            cache_key,
        } = self.start(req)?;
        if let Some(hit) = self.cached(cache_key.as_ref()) {
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
        for target in plan {
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
                        attempts.push(Attempt {
                            target: target.id.clone(),
                            status: None,
                            error: None,
                            latency: ttft,
                        });
                        let mut meta = rest.meta().clone();
                        meta.set_route(Some(target.id.clone()), attempts);
                        let router = self.clone();
                        let id = target.id.clone();
                        let bucket = input.bucket;
                        let mut acc = cache_key.is_some().then(ChunkAccumulator::new);
                        let cache_key = cache_key.clone();
                        let served_meta = meta.clone();
                        let chunks = async_stream::stream! {
                            let mut rest = rest;
                            if let Some(acc) = acc.as_mut() { acc.push(&first); }
                            let mut pieces = 0u64;
                            let mut usage_tokens = None;
                            if first.delta_text().is_some() { pieces += 1; }
                            yield Ok(first);
                            let mut failed = false;
                            while let Some(item) = rest.next().await {
                                match &item {
                                    Ok(c) => {
                                        if let Some(acc) = acc.as_mut() { acc.push(c); }
                                        if c.delta_text().is_some() { pieces += 1; }
                                        if let Some(u) = &c.usage { usage_tokens = Some(u.completion_tokens); }
                                    }
                                    Err(_) => failed = true,
                                }
                                yield item;
                            }
                            if !failed {
                                let secs = started.elapsed().saturating_sub(ttft).as_secs_f64().max(1e-3);
                                let tokens = usage_tokens.filter(|t| *t > 0).unwrap_or(pieces) as f64;
                                router.inner.health.throughput(&id, tokens / secs, bucket);
                                if let Some(acc) = acc.take().filter(|a| a.all_choices_finished()) {
                                    let mut done = acc.finish();
                                    done.meta = served_meta;
                                    router.store(cache_key, &done);
                                }
                            }
                        };
                        return Ok(ChatStream::from_chunks(chunks, meta));
                    }
                    Err(e) => {
                        inner.health.failure(&target.id, ttft, input.bucket);
                        attempts.push(Attempt {
                            target: target.id.clone(),
                            status: e.status(),
                            error: Some(error_class(&e)),
                            latency: ttft,
                        });
                        if !should_fall_back(&e, &inner.fallback_statuses) {
                            return Err(e);
                        }
                        let again = retry < target.retries && e.is_retryable();
                        if again {
                            self.backoff(retry, &e).await;
                        }
                        last = Some(e);
                        if !again {
                            break;
                        }
                    }
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            not_supported("no target is available: every target is cooling down".into())
        }))
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
                        vec![Attempt {
                            target: target.id.clone(),
                            status: None,
                            error: None,
                            latency: started.elapsed(),
                        }],
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
