//! [`ChatStream`]: the chunks of a streamed chat completion.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{Stream, StreamExt};

use super::accumulator::ChunkAccumulator;
use super::sse::{SseDecoder, SseError, SseEvent, SseLimits};
use crate::error::{ApiError, Error, ErrorKind, Limit, Result, TimeoutKind};
use crate::meta::ResponseMeta;
use crate::types::{ChatCompletion, ChatCompletionChunk};

/// The waits that bound a stream.
/// `t + d`, or a time ~30 years away when that overflows (a timeout of
/// `Duration::MAX` means "never").
pub(crate) fn instant_after(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .unwrap_or_else(|| t + Duration::from_secs(30 * 365 * 24 * 3600))
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamTimeouts {
    /// When the first chunk must have arrived by.
    pub first_chunk_by: Instant,
    /// The wait `first_chunk_by` came from (for the error message).
    pub first_chunk_after: Duration,
    /// Longest silence (no bytes at all) between two reads once a chunk arrived.
    pub read: Duration,
}

/// The size limits that bound a stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamLimits {
    /// Line and event sizes.
    pub sse: SseLimits,
    /// All the bytes of the body.
    pub max_bytes: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            sse: SseLimits::default(),
            max_bytes: crate::client::DEFAULT_MAX_STREAM,
        }
    }
}

/// An SSE decoder error as the limit error it is.
fn sse_error(e: SseError) -> Error {
    match e {
        SseError::LineTooLong { limit } => Error::limit_exceeded(Limit::SseLine, limit),
        SseError::EventTooLarge { limit } => Error::limit_exceeded(Limit::SseEvent, limit),
    }
}

type BoxChunkStream = Pin<Box<dyn Stream<Item = Result<ChatCompletionChunk>> + Send>>;

/// A streamed chat completion: a [`Stream`] of [`ChatCompletionChunk`]s.
///
/// HTTP errors before the stream starts are returned by
/// [`Chat::stream`](crate::Chat::stream) itself; failures after it started
/// (a broken connection, an in-band error, malformed data, a stream that
/// ends without its terminator) are `Err` items, after which the stream ends.
/// Dropping the stream cancels the request.
///
/// ```no_run
/// use futures::StreamExt;
/// # async fn run(client: requesty::Client) -> requesty::Result<()> {
/// let req = requesty::ChatRequest::new("openai/gpt-4o-mini").user("Hi");
/// let mut stream = client.chat().stream(req).await?;
/// while let Some(chunk) = stream.next().await {
///     if let Some(t) = chunk?.delta_text() {
///         print!("{t}");
///     }
/// }
/// let answer = stream.into_completion().await?; // usage, finish reason, …
/// # Ok(()) }
/// ```
pub struct ChatStream {
    inner: BoxChunkStream,
    acc: ChunkAccumulator,
    meta: ResponseMeta,
    finished: bool,
    /// The error that ended the stream, if one did (as text: errors are not `Clone`).
    failure: Option<String>,
    /// Largest arguments of one tool call.
    max_tool_arguments: usize,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("meta", &self.meta)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl ChatStream {
    /// A stream of already-decoded chunks (used by in-process transports and tests).
    pub fn from_chunks<S>(chunks: S, meta: ResponseMeta) -> Self
    where
        S: Stream<Item = Result<ChatCompletionChunk>> + Send + 'static,
    {
        ChatStream {
            inner: Box::pin(chunks),
            acc: ChunkAccumulator::new(),
            meta,
            finished: false,
            failure: None,
            max_tool_arguments: crate::client::DEFAULT_MAX_TOOL_ARGUMENTS,
        }
    }

    /// Ends the stream with [`ErrorKind::LimitExceeded`] once the arguments
    /// of one tool call grow past `bytes` (default
    /// [`DEFAULT_MAX_TOOL_ARGUMENTS`](crate::DEFAULT_MAX_TOOL_ARGUMENTS)).
    pub fn max_tool_arguments(mut self, bytes: usize) -> Self {
        self.max_tool_arguments = bytes;
        self
    }

    /// A stream over the bytes of an OpenAI-style server-sent-events body
    /// from any source (your own HTTP stack, a file, a test), with the same
    /// rules as [`Chat::stream`](crate::Chat::stream): in-band errors become
    /// `Err` items and a body that ends before `[DONE]` (with a choice not
    /// finished) ends with an error. `read_timeout` bounds the silence
    /// between two reads, and the wait for the first chunk.
    ///
    /// ```
    /// # async fn run() -> requesty::Result<()> {
    /// use futures::stream;
    /// let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    /// let reads = stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body))]);
    /// let s = requesty::ChatStream::from_sse(reads, std::time::Duration::from_secs(30));
    /// assert_eq!(s.into_completion().await?.text().as_deref(), Some("Hi"));
    /// # Ok(()) }
    /// ```
    pub fn from_sse<B, E>(body: B, read_timeout: Duration) -> Self
    where
        B: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        let timeouts = StreamTimeouts {
            first_chunk_by: instant_after(Instant::now(), read_timeout),
            first_chunk_after: read_timeout,
            read: read_timeout,
        };
        let meta = ResponseMeta::default();
        let chunks = sse_chunks(body, meta.clone(), timeouts, StreamLimits::default(), |s| s);
        Self::from_chunks(chunks, meta)
    }

    /// A stream that replays a whole completion as chunks (one content
    /// chunk per choice, then a usage chunk), e.g. a cached answer or a
    /// provider that cannot stream.
    pub fn from_completion(completion: ChatCompletion) -> Self {
        let meta = completion.meta.clone();
        let chunks = completion_to_chunks(&completion);
        Self::from_chunks(futures::stream::iter(chunks.into_iter().map(Ok)), meta)
    }

    /// Attaches response metadata (request id, headers, attempts).
    pub fn with_meta(mut self, meta: ResponseMeta) -> Self {
        self.meta = meta;
        self
    }

    /// The HTTP metadata of the response (request id, headers).
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The request id the server gave.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }

    /// Everything received so far, assembled into one completion.
    pub fn accumulated(&self) -> &ChunkAccumulator {
        &self.acc
    }

    /// Reads the rest of the stream and returns the whole answer (including
    /// the chunks already read), exactly as a non-streamed call would have.
    pub async fn into_completion(mut self) -> Result<ChatCompletion> {
        while let Some(item) = self.next().await {
            item?;
        }
        if let Some(failure) = self.failure.take() {
            return Err(Error::stream(format!(
                "the stream had already failed: {failure}"
            )));
        }
        if self.acc.is_empty() {
            return Err(Error::stream("the stream ended without any chunk"));
        }
        let mut completion = self.acc.finish();
        completion.meta = self.meta;
        Ok(completion)
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatCompletionChunk>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let this = &mut *self;
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.acc.push(&chunk);
                let calls = chunk
                    .choices
                    .iter()
                    .any(|c| c.delta.tool_calls.is_some() || c.delta.function_call.is_some());
                if calls && this.acc.longest_tool_arguments() > this.max_tool_arguments {
                    let e = Error::limit_exceeded(Limit::ToolArguments, this.max_tool_arguments);
                    this.finished = true;
                    this.failure = Some(e.to_string());
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finished = true;
                this.failure = Some(e.to_string());
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.finished = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// What one SSE event means for an OpenAI-style chunk stream.
pub(crate) enum Step {
    /// A chunk to yield.
    Chunk(Box<ChatCompletionChunk>),
    /// `[DONE]`: the clean end.
    Done,
    /// Nothing to yield (an empty keep-alive event, an unknown event type).
    Skip,
}

/// Interprets one event of an OpenAI-compatible stream.
pub(crate) fn interpret(ev: &SseEvent, meta: &ResponseMeta) -> Result<Step> {
    if ev.is_done() {
        return Ok(Step::Done);
    }
    let data = ev.data.trim();
    match ev.event.as_deref() {
        None | Some("message") | Some("chunk") | Some("completion") => {}
        Some("error") => return Err(in_band_error(data, meta)),
        // Other named events (`ping`, `keepalive`, …) carry no chunk.
        Some(_) => return Ok(Step::Skip),
    }
    if data.is_empty() {
        return Ok(Step::Skip);
    }
    // An in-band `{"error": …}` object.
    if data.starts_with('{') && data.contains("\"error\"") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(data) {
            if v.get("error").is_some_and(|e| !e.is_null()) {
                return Err(in_band_error(data, meta));
            }
        }
    }
    match crate::chat::decode_json::<ChatCompletionChunk>(data.as_bytes()) {
        Ok(chunk) => Ok(Step::Chunk(Box::new(chunk))),
        Err(msg) => Err(Error::decode(
            format!("a stream chunk is malformed: {msg}"),
            data.as_bytes(),
        )),
    }
}

/// An error event's data as a stream error carrying the provider's message.
pub(crate) fn in_band_error(data: &str, meta: &ResponseMeta) -> Error {
    let api = ApiError::from_response(meta.status(), meta.headers().clone(), data.to_owned());
    ErrorKind::Stream {
        message: format!("the server sent an error in the stream: {}", api.message),
        api: Some(Box::new(api)),
    }
    .into()
}

/// One provider's event-stream format: what each event means and whether an
/// end of body is clean. [`drive_sse`] does the rest — reading with the
/// first-chunk and read timeouts, SSE decoding, scrubbing secrets from event
/// data, and turning failures into a final `Err` item.
pub(crate) trait SseFormat: Send + 'static {
    /// Adds the chunks of one event to `out`; `Ok(true)` after the format's
    /// end event (the stream then ends cleanly).
    fn event(&mut self, ev: SseEvent, out: &mut Vec<ChatCompletionChunk>) -> Result<bool>;
    /// The body ended before an end event: add the last chunks, or fail
    /// (truncation).
    fn end(&mut self, out: &mut Vec<ChatCompletionChunk>) -> Result<()>;
}

/// The shared stream driver for every provider format, with the default
/// size limits (the router's native providers).
#[cfg(feature = "router")]
pub(crate) fn drive_sse<B, E, F>(
    body: B,
    timeouts: StreamTimeouts,
    scrub: impl Fn(String) -> String + Send + 'static,
    format: F,
) -> impl Stream<Item = Result<ChatCompletionChunk>> + Send + 'static
where
    B: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
    F: SseFormat,
{
    drive_sse_limited(body, timeouts, StreamLimits::default(), scrub, format)
}

/// The shared stream driver for every provider format.
pub(crate) fn drive_sse_limited<B, E, F>(
    body: B,
    timeouts: StreamTimeouts,
    limits: StreamLimits,
    scrub: impl Fn(String) -> String + Send + 'static,
    mut format: F,
) -> impl Stream<Item = Result<ChatCompletionChunk>> + Send + 'static
where
    B: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
    F: SseFormat,
{
    async_stream::stream! {
        let mut body = std::pin::pin!(body);
        let mut decoder = SseDecoder::with_limits(limits.sse);
        let mut total: usize = 0;
        let mut events: Vec<SseEvent> = Vec::new();
        let mut out: Vec<ChatCompletionChunk> = Vec::new();
        let mut got_chunk = false;
        // One timer per stream, moved only when it fires (or once, when the
        // first chunk switches it to the read timeout): re-arming a timer on
        // every read is a timer-wheel update per chunk, and often a wake-up
        // of the runtime's driver thread.
        let mut timer = Box::pin(tokio::time::sleep_until(timeouts.first_chunk_by.into()));
        let mut last_read = Instant::now();
        let mut armed_for_reads = false;
        loop {
            if got_chunk && !armed_for_reads {
                // From the first chunk on, the limit is silence between reads.
                armed_for_reads = true;
                timer.as_mut().reset(instant_after(last_read, timeouts.read).into());
            }
            let read = loop {
                tokio::select! {
                    biased;
                    r = body.next() => break Some(r),
                    () = &mut timer => {
                        let due = if got_chunk {
                            instant_after(last_read, timeouts.read)
                        } else {
                            timeouts.first_chunk_by
                        };
                        if due > Instant::now() {
                            timer.as_mut().reset(due.into());
                            continue;
                        }
                        break None;
                    }
                }
            };
            let Some(read) = read else {
                yield Err(if got_chunk {
                    Error::timeout(TimeoutKind::Read, timeouts.read)
                } else {
                    Error::timeout(TimeoutKind::Request, timeouts.first_chunk_after)
                });
                return;
            };
            last_read = Instant::now();
            let end = match read {
                Some(Ok(bytes)) => {
                    total = total.saturating_add(bytes.len());
                    if total > limits.max_bytes {
                        yield Err(Error::limit_exceeded(Limit::StreamBody, limits.max_bytes));
                        return;
                    }
                    if let Err(e) = decoder.push(&bytes, &mut events) {
                        yield Err(sse_error(e));
                        return;
                    }
                    false
                }
                Some(Err(e)) => {
                    let message = scrub(crate::transport::http::error_chain(&e));
                    yield Err(ErrorKind::Transport {
                        message: format!("the stream broke: {message}"),
                        source: Some(Box::new(e)),
                    }.into());
                    return;
                }
                None => {
                    match decoder.finish() {
                        Ok(Some(ev)) => events.push(ev),
                        Ok(None) => {}
                        Err(e) => {
                            yield Err(sse_error(e));
                            return;
                        }
                    }
                    true
                }
            };
            for mut ev in events.drain(..) {
                ev.data = scrub(std::mem::take(&mut ev.data));
                let done = format.event(ev, &mut out);
                for chunk in out.drain(..) {
                    got_chunk = true;
                    yield Ok(chunk);
                }
                match done {
                    Ok(false) => {}
                    Ok(true) => return,
                    Err(e) => {
                        yield Err(e);
                        return;
                    }
                }
            }
            if end {
                let last = format.end(&mut out);
                for chunk in out.drain(..) {
                    yield Ok(chunk);
                }
                if let Err(e) = last {
                    yield Err(e);
                }
                return;
            }
        }
    }
}

/// The OpenAI chat-completions stream format: `data: {chunk}` events ended
/// by `data: [DONE]`; servers without `[DONE]` end cleanly once every
/// choice has its finish reason.
struct OpenAiSse {
    meta: ResponseMeta,
    finished: FinishTracker,
    got_chunk: bool,
}

impl SseFormat for OpenAiSse {
    fn event(&mut self, ev: SseEvent, out: &mut Vec<ChatCompletionChunk>) -> Result<bool> {
        match interpret(&ev, &self.meta)? {
            Step::Chunk(chunk) => {
                self.got_chunk = true;
                self.finished.see(&chunk);
                out.push(*chunk);
                Ok(false)
            }
            Step::Done => Ok(true),
            Step::Skip => Ok(false),
        }
    }

    fn end(&mut self, _: &mut Vec<ChatCompletionChunk>) -> Result<()> {
        if self.finished.all_finished() {
            return Ok(());
        }
        Err(Error::stream(if self.got_chunk {
            "the stream ended before its terminator ([DONE]) and before every choice finished: the answer is truncated"
        } else {
            "the stream ended without any chunk"
        }))
    }
}

/// Turns a response body of OpenAI-style server-sent events into chunks,
/// enforcing the timeouts and the terminator rule: a stream that ends before
/// `[DONE]` (unless every choice already has its finish reason) ends with an
/// error.
pub(crate) fn sse_chunks<B, E>(
    body: B,
    meta: ResponseMeta,
    timeouts: StreamTimeouts,
    limits: StreamLimits,
    scrub: impl Fn(String) -> String + Send + 'static,
) -> impl Stream<Item = Result<ChatCompletionChunk>> + Send + 'static
where
    B: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    let format = OpenAiSse {
        meta,
        finished: FinishTracker::default(),
        got_chunk: false,
    };
    drive_sse_limited(body, timeouts, limits, scrub, format)
}

/// Runs a format over a whole body without a runtime or timeouts (fuzzing
/// and property tests): the items the stream would have yielded.
#[cfg(feature = "testing")]
pub(crate) fn run_sse_sync<F: SseFormat>(
    body: &[u8],
    mut format: F,
) -> Vec<Result<ChatCompletionChunk>> {
    let mut items = Vec::new();
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    let mut out = Vec::new();
    let pushed = decoder
        .push(body, &mut events)
        .and_then(|()| decoder.finish().map(|last| events.extend(last)));
    if let Err(e) = pushed {
        items.push(Err(sse_error(e)));
        return items;
    }
    for ev in events {
        let done = format.event(ev, &mut out);
        items.extend(out.drain(..).map(Ok));
        match done {
            Ok(false) => {}
            Ok(true) => return items,
            Err(e) => {
                items.push(Err(e));
                return items;
            }
        }
    }
    let last = format.end(&mut out);
    items.extend(out.drain(..).map(Ok));
    if let Err(e) = last {
        items.push(Err(e));
    }
    items
}

/// The items of an OpenAI-style event-stream body (fuzzing and property tests).
#[cfg(feature = "testing")]
pub(crate) fn openai_sse_sync(body: &[u8]) -> Vec<Result<ChatCompletionChunk>> {
    run_sse_sync(
        body,
        OpenAiSse {
            meta: ResponseMeta::default(),
            finished: FinishTracker::default(),
            got_chunk: false,
        },
    )
}

/// Which choices have been seen and which have a finish reason.
#[derive(Default)]
pub(crate) struct FinishTracker {
    seen: Vec<bool>,
}

impl FinishTracker {
    pub(crate) fn see(&mut self, chunk: &ChatCompletionChunk) {
        for c in &chunk.choices {
            let i = c.index as usize;
            if i >= self.seen.len() {
                // Guard against absurd indexes from a broken server.
                if i > 1024 {
                    continue;
                }
                self.seen.resize(i + 1, false);
            }
            // An empty reason (some servers send `""` on every chunk) is not an end.
            if c.finish_reason
                .as_ref()
                .is_some_and(|r| !r.as_str().is_empty())
            {
                self.seen[i] = true;
            }
        }
    }

    pub(crate) fn all_finished(&self) -> bool {
        !self.seen.is_empty() && self.seen.iter().all(|f| *f)
    }
}

/// The chunks a stream of `completion` would have carried: per choice, one
/// chunk with the whole message as its delta, then a usage chunk if any.
pub fn completion_to_chunks(completion: &ChatCompletion) -> Vec<ChatCompletionChunk> {
    use crate::types::{ChunkChoice, Delta, FunctionCallDelta, ToolCallDelta};
    let head = |choices: Vec<ChunkChoice>, usage| ChatCompletionChunk {
        id: completion.id.clone(),
        object: "chat.completion.chunk".to_owned(),
        created: completion.created,
        model: completion.model.clone(),
        choices,
        usage,
        system_fingerprint: completion.system_fingerprint.clone(),
        service_tier: completion.service_tier.clone(),
        extra: serde_json::Map::new(),
    };
    let mut out = Vec::with_capacity(completion.choices.len() + 1);
    for c in &completion.choices {
        let m = &c.message;
        let tool_calls = m.tool_calls.as_ref().map(|calls| {
            calls
                .iter()
                .enumerate()
                .map(|(i, tc)| ToolCallDelta {
                    index: Some(i as u32),
                    id: Some(tc.id.clone()),
                    kind: Some(tc.kind.clone()),
                    function: Some(FunctionCallDelta {
                        name: Some(tc.function.name.clone()),
                        arguments: Some(tc.function.arguments.clone()),
                    }),
                })
                .collect()
        });
        let delta = Delta {
            role: Some(m.role.clone()),
            content: m.text().map(|t| t.into_owned()),
            refusal: m.refusal.clone(),
            reasoning_content: m.reasoning_content.clone(),
            tool_calls,
            function_call: m.function_call.as_ref().map(|f| FunctionCallDelta {
                name: Some(f.name.clone()),
                arguments: Some(f.arguments.clone()),
            }),
            extra: m.extra.clone(),
        };
        out.push(head(
            vec![ChunkChoice {
                index: c.index,
                delta,
                finish_reason: c.finish_reason.clone(),
                logprobs: c.logprobs.clone(),
                extra: c.extra.clone(),
            }],
            None,
        ));
    }
    if completion.usage.is_some() {
        out.push(head(Vec::new(), completion.usage.clone()));
    }
    out
}

#[cfg(test)]
mod timeout_tests {
    use super::*;

    #[test]
    fn instant_after_never_overflows() {
        let now = Instant::now();
        assert_eq!(
            instant_after(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert!(instant_after(now, Duration::MAX) > now + Duration::from_secs(365 * 24 * 3600));
    }
}
