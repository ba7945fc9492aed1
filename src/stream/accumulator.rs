//! Folds streamed chunks into the completion a non-streamed call would return.
//!
//! [`ChunkAccumulator`] takes the [`ChatCompletionChunk`]s of one streamed
//! answer, in order, and assembles the [`ChatCompletion`] the same request
//! would have returned without `stream: true`:
//!
//! ```
//! use requesty::ChatCompletionChunk;
//! use requesty::stream::accumulator::ChunkAccumulator;
//!
//! # fn main() -> Result<(), serde_json::Error> {
//! let mut acc = ChunkAccumulator::new();
//! for line in [
//!     r#"{"id":"chatcmpl-1","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
//!     r#"{"id":"chatcmpl-1","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
//!     r#"{"id":"chatcmpl-1","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}"#,
//! ] {
//!     acc.push_owned(serde_json::from_str::<ChatCompletionChunk>(line)?);
//! }
//! assert!(acc.all_choices_finished());
//! let completion = acc.finish();
//! assert_eq!(completion.text().as_deref(), Some("Hello"));
//! # Ok(()) }
//! ```
//!
//! # Rules
//!
//! - **Header.** `id`, `created`, `model`, `system_fingerprint` and
//!   `service_tier` come from the first chunk where they are non-empty
//!   (non-zero for `created`). `object` is `"chat.completion"`. The chunks'
//!   unknown top-level fields are merged into [`ChatCompletion::extra`] (see
//!   *Unknown fields*), except `obfuscation` (the random padding OpenAI adds
//!   to every streamed chunk, which a non-streamed answer never has).
//! - **Choices** are keyed by `index` (streams with `n > 1` interleave them)
//!   and returned sorted by index. A chunk without choices (the final chunk of
//!   `stream_options.include_usage`) only contributes its usage.
//! - **Usage**: the last chunk that carries one wins (Requesty's `usage.cost`
//!   arrives there; servers that send running totals end on the full count).
//! - **Message**: `role` from the first delta that has one, `assistant` when
//!   none does. `content`, `refusal` and `reasoning_content` are the
//!   concatenation of their pieces; each is `Some` as soon as one delta
//!   carried it as a string (an explicit `""` counts, `null` does not), so a
//!   tool-calls-only answer keeps `content: None`, as a non-streamed one has
//!   `content: null`.
//! - **Tool calls** are keyed by their `index` within the choice and returned
//!   sorted by it; `message.tool_calls` is `None` when the choice made none.
//!   A call's `id` and `type` come from its first delta that has them (later,
//!   different values are ignored; `type` defaults to `function`); its
//!   `arguments` are the concatenation of the pieces, whatever they split
//!   (a token, a JSON escape, a multi-byte character's escape).
//! - **Names** (of tool calls and of the legacy `function_call`) are not
//!   doubled when a server repeats them in every delta (llama-cpp-python
//!   does): a piece is appended only if it differs from the whole name
//!   accumulated so far. So a name streamed in pieces is joined, and a repeat
//!   of the full name is ignored. (A name whose second half equals its first
//!   half, streamed as exactly those two halves, would come out halved; no
//!   known server does that.)
//! - **Missing tool-call index.** Some servers omit `index`. A delta without
//!   one goes to:
//!   1. the call that already has the delta's `id`, if any;
//!   2. otherwise, when the delta has an `id` and the call the previous delta
//!      went to already has a different id, a new call with index one past
//!      the highest index so far (the number of calls, when indices are
//!      dense) — servers that omit `index` send each new call with a new id;
//!   3. otherwise, the call the previous tool-call delta of the choice went
//!      to (index 0 for the first one), so that argument pieces without index
//!      or id continue the call they belong to.
//! - **Legacy `function_call`** deltas fold into `message.function_call`, with
//!   the same name rule and concatenated arguments.
//! - **Finish reason**: the last non-null one of the choice, except that an
//!   empty string (some servers send `""` on intermediate chunks) never
//!   replaces a non-empty reason, and does not count as finished for
//!   [`ChunkAccumulator::all_choices_finished`].
//! - **Log probabilities**: the `content` and `refusal` arrays are appended
//!   across chunks; `Choice::logprobs` is `Some` only if a chunk had
//!   log probabilities for that choice.
//! - **Unknown fields** are kept, merged key by key: a chunk's top-level
//!   `extra` into [`ChatCompletion::extra`], a chunk choice's `extra` into
//!   [`Choice::extra`](crate::Choice::extra), a delta's `extra` into
//!   [`Message::extra`], a log-probabilities object's `extra` into the
//!   result's. A later value replaces an earlier one (values are not
//!   concatenated), except that `null` never replaces a value.
//! - `meta` stays at its default; the caller sets it from the HTTP response.
//!
//! # Cost
//!
//! Each push costs time proportional to the size of the chunk: text is
//! appended to growing buffers (amortised, never rebuilt), choices and tool
//! calls are found by binary search, and nothing already accumulated is
//! cloned. [`ChunkAccumulator::push_owned`] moves the chunk's strings and
//! maps where [`ChunkAccumulator::push`] has to copy them.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::meta::ResponseMeta;
use crate::types::chunk::{ChatCompletionChunk, ChunkChoice, Delta, FunctionCallDelta};
use crate::types::message::{Content, FunctionCall, Message, Role, ToolCall, ToolType};
use crate::types::response::{ChatCompletion, Choice, ChoiceLogprobs, FinishReason, Usage};

/// The `object` of a non-streamed completion.
const OBJECT: &str = "chat.completion";

/// Top-level chunk fields that only exist in streams and are not merged.
const STREAM_ONLY_KEYS: &[&str] = &["obfuscation"];

/// Folds a stream of [`ChatCompletionChunk`]s into the [`ChatCompletion`] a
/// non-streamed call would have returned. See the [module docs](self) for
/// the rules.
#[derive(Debug, Clone, Default)]
pub struct ChunkAccumulator {
    /// Chunks pushed so far.
    chunks: usize,
    id: String,
    created: u64,
    model: String,
    system_fingerprint: Option<String>,
    service_tier: Option<String>,
    extra: Map<String, Value>,
    usage: Option<Usage>,
    /// Sorted by `index`, unique.
    choices: Vec<ChoiceAcc>,
}

impl ChunkAccumulator {
    /// An accumulator that has seen nothing.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one chunk (copying the pieces it keeps; see
    /// [`push_owned`](Self::push_owned) to move them instead).
    pub fn push(&mut self, chunk: &ChatCompletionChunk) {
        self.chunks += 1;
        self.header(
            Cow::Borrowed(&chunk.id),
            chunk.created,
            Cow::Borrowed(&chunk.model),
            borrowed(&chunk.system_fingerprint),
            borrowed(&chunk.service_tier),
        );
        merge_top_extra(&mut self.extra, Cow::Borrowed(&chunk.extra));
        if let Some(usage) = &chunk.usage {
            match &mut self.usage {
                Some(old) => old.clone_from(usage),
                None => self.usage = Some(usage.clone()),
            }
        }
        for choice in &chunk.choices {
            self.choice_mut(choice.index).push_ref(choice);
        }
    }

    /// Adds one chunk, moving its strings and maps into the result instead of
    /// copying them. Gives the same result as [`push`](Self::push).
    pub fn push_owned(&mut self, chunk: ChatCompletionChunk) {
        let ChatCompletionChunk {
            id,
            object: _,
            created,
            model,
            choices,
            usage,
            system_fingerprint,
            service_tier,
            extra,
        } = chunk;
        self.chunks += 1;
        self.header(
            Cow::Owned(id),
            created,
            Cow::Owned(model),
            system_fingerprint.map(Cow::Owned),
            service_tier.map(Cow::Owned),
        );
        merge_top_extra(&mut self.extra, Cow::Owned(extra));
        if usage.is_some() {
            self.usage = usage;
        }
        for choice in choices {
            self.choice_mut(choice.index).push_owned(choice);
        }
    }

    /// Whether at least one choice was seen and every choice seen has a
    /// (non-empty) finish reason.
    #[must_use]
    pub fn all_choices_finished(&self) -> bool {
        !self.choices.is_empty() && self.choices.iter().all(ChoiceAcc::is_finished)
    }

    /// Whether no chunk has been pushed yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.chunks == 0
    }

    /// The text of choice 0 (the choice with the lowest index) so far; empty
    /// if it has none.
    #[must_use]
    pub fn text(&self) -> &str {
        self.choices
            .first()
            .and_then(|c| c.content.as_deref())
            .unwrap_or("")
    }

    /// The length in bytes of the longest tool-call (or legacy function-call)
    /// arguments so far.
    #[must_use]
    pub fn longest_tool_arguments(&self) -> usize {
        self.choices
            .iter()
            .flat_map(|c| {
                let calls = c.tool_calls.iter().map(|t| t.call.function.arguments.len());
                calls.chain(c.function_call.iter().map(|f| f.arguments.len()))
            })
            .max()
            .unwrap_or(0)
    }

    /// Usage, if a chunk carried it (the last chunk with usage wins).
    #[must_use]
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref()
    }

    /// The completion assembled so far (a copy; the accumulator can go on).
    #[must_use]
    pub fn snapshot(&self) -> ChatCompletion {
        self.clone().finish()
    }

    /// The completion, consuming the accumulator without copying.
    #[must_use]
    pub fn finish(self) -> ChatCompletion {
        ChatCompletion {
            id: self.id,
            object: OBJECT.to_owned(),
            created: self.created,
            model: self.model,
            choices: self.choices.into_iter().map(ChoiceAcc::finish).collect(),
            usage: self.usage,
            system_fingerprint: self.system_fingerprint,
            service_tier: self.service_tier,
            extra: self.extra,
            meta: ResponseMeta::default(),
        }
    }

    /// Keeps the first non-empty value of each header field.
    fn header(
        &mut self,
        id: Cow<'_, str>,
        created: u64,
        model: Cow<'_, str>,
        system_fingerprint: Option<Cow<'_, str>>,
        service_tier: Option<Cow<'_, str>>,
    ) {
        if self.id.is_empty() && !id.is_empty() {
            self.id = id.into_owned();
        }
        if self.created == 0 {
            self.created = created;
        }
        if self.model.is_empty() && !model.is_empty() {
            self.model = model.into_owned();
        }
        keep_first(&mut self.system_fingerprint, system_fingerprint);
        keep_first(&mut self.service_tier, service_tier);
    }

    /// The accumulator of choice `index`, created in sorted position if new.
    fn choice_mut(&mut self, index: u32) -> &mut ChoiceAcc {
        let pos = match self.choices.binary_search_by_key(&index, |c| c.index) {
            Ok(pos) => pos,
            Err(pos) => {
                self.choices.insert(pos, ChoiceAcc::new(index));
                pos
            }
        };
        &mut self.choices[pos]
    }
}

/// What has been gathered for one choice.
#[derive(Debug, Clone, Default)]
struct ChoiceAcc {
    index: u32,
    role: Option<Role>,
    content: Option<String>,
    refusal: Option<String>,
    reasoning_content: Option<String>,
    /// Sorted by `index`, unique.
    tool_calls: Vec<ToolCallAcc>,
    /// The tool-call index the previous tool-call delta went to.
    last_tool_call: Option<u32>,
    function_call: Option<FunctionCall>,
    finish_reason: Option<FinishReason>,
    logprobs: Option<ChoiceLogprobs>,
    /// Unknown fields of the chunk choices.
    extra: Map<String, Value>,
    /// Unknown fields of the deltas.
    message_extra: Map<String, Value>,
}

/// What has been gathered for one tool call.
#[derive(Debug, Clone, Default)]
struct ToolCallAcc {
    index: u32,
    kind_seen: bool,
    call: ToolCall,
}

/// The borrowed-or-owned pieces of one tool-call delta.
struct ToolCallPiece<'a> {
    index: Option<u32>,
    id: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, ToolType>>,
    name: Option<Cow<'a, str>>,
    arguments: Option<Cow<'a, str>>,
}

impl ChoiceAcc {
    fn new(index: u32) -> Self {
        ChoiceAcc {
            index,
            ..ChoiceAcc::default()
        }
    }

    fn is_finished(&self) -> bool {
        self.finish_reason
            .as_ref()
            .is_some_and(|r| !r.as_str().is_empty())
    }

    fn push_ref(&mut self, choice: &ChunkChoice) {
        let Delta {
            role,
            content,
            refusal,
            reasoning_content,
            tool_calls,
            function_call,
            extra,
        } = &choice.delta;
        self.text_parts(
            role.as_ref().map(Cow::Borrowed),
            borrowed(content),
            borrowed(refusal),
            borrowed(reasoning_content),
        );
        for call in tool_calls.iter().flatten() {
            let (name, arguments) = match &call.function {
                Some(f) => (borrowed(&f.name), borrowed(&f.arguments)),
                None => (None, None),
            };
            self.tool_call(ToolCallPiece {
                index: call.index,
                id: borrowed(&call.id),
                kind: call.kind.as_ref().map(Cow::Borrowed),
                name,
                arguments,
            });
        }
        if let Some(f) = function_call {
            self.function_call(borrowed(&f.name), borrowed(&f.arguments));
        }
        merge_extra(&mut self.message_extra, Cow::Borrowed(extra));
        self.finish_reason(choice.finish_reason.as_ref().map(Cow::Borrowed));
        if let Some(lp) = &choice.logprobs {
            let acc = self.logprobs.get_or_insert_with(ChoiceLogprobs::default);
            if let Some(c) = &lp.content {
                acc.content
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(c);
            }
            if let Some(r) = &lp.refusal {
                acc.refusal
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(r);
            }
            merge_extra(&mut acc.extra, Cow::Borrowed(&lp.extra));
        }
        merge_extra(&mut self.extra, Cow::Borrowed(&choice.extra));
    }

    fn push_owned(&mut self, choice: ChunkChoice) {
        let ChunkChoice {
            index: _,
            delta,
            finish_reason,
            logprobs,
            extra: choice_extra,
        } = choice;
        let Delta {
            role,
            content,
            refusal,
            reasoning_content,
            tool_calls,
            function_call,
            extra,
        } = delta;
        self.text_parts(
            role.map(Cow::Owned),
            content.map(Cow::Owned),
            refusal.map(Cow::Owned),
            reasoning_content.map(Cow::Owned),
        );
        for call in tool_calls.into_iter().flatten() {
            let FunctionCallDelta { name, arguments } = call.function.unwrap_or_default();
            self.tool_call(ToolCallPiece {
                index: call.index,
                id: call.id.map(Cow::Owned),
                kind: call.kind.map(Cow::Owned),
                name: name.map(Cow::Owned),
                arguments: arguments.map(Cow::Owned),
            });
        }
        if let Some(f) = function_call {
            self.function_call(f.name.map(Cow::Owned), f.arguments.map(Cow::Owned));
        }
        merge_extra(&mut self.message_extra, Cow::Owned(extra));
        self.finish_reason(finish_reason.map(Cow::Owned));
        if let Some(lp) = logprobs {
            match &mut self.logprobs {
                None => self.logprobs = Some(lp),
                Some(acc) => {
                    append_vec(&mut acc.content, lp.content);
                    append_vec(&mut acc.refusal, lp.refusal);
                    merge_extra(&mut acc.extra, Cow::Owned(lp.extra));
                }
            }
        }
        merge_extra(&mut self.extra, Cow::Owned(choice_extra));
    }

    fn text_parts(
        &mut self,
        role: Option<Cow<'_, Role>>,
        content: Option<Cow<'_, str>>,
        refusal: Option<Cow<'_, str>>,
        reasoning_content: Option<Cow<'_, str>>,
    ) {
        if self.role.is_none() {
            self.role = role.map(Cow::into_owned);
        }
        append(&mut self.content, content);
        append(&mut self.refusal, refusal);
        append(&mut self.reasoning_content, reasoning_content);
    }

    fn finish_reason(&mut self, reason: Option<Cow<'_, FinishReason>>) {
        let Some(reason) = reason else { return };
        if reason.as_str().is_empty() && self.finish_reason.is_some() {
            return;
        }
        self.finish_reason = Some(reason.into_owned());
    }

    fn function_call(&mut self, name: Option<Cow<'_, str>>, arguments: Option<Cow<'_, str>>) {
        let acc = self.function_call.get_or_insert_with(FunctionCall::default);
        if let Some(name) = name {
            merge_name(&mut acc.name, name);
        }
        if let Some(arguments) = arguments {
            append_str(&mut acc.arguments, arguments);
        }
    }

    fn tool_call(&mut self, piece: ToolCallPiece<'_>) {
        let id = piece.id.filter(|id| !id.is_empty());
        let index = match piece.index {
            Some(index) => index,
            None => self.unindexed_target(id.as_deref()),
        };
        self.last_tool_call = Some(index);
        let pos = match self.tool_calls.binary_search_by_key(&index, |c| c.index) {
            Ok(pos) => pos,
            Err(pos) => {
                let call = ToolCallAcc {
                    index,
                    ..ToolCallAcc::default()
                };
                self.tool_calls.insert(pos, call);
                pos
            }
        };
        let acc = &mut self.tool_calls[pos];
        if let Some(id) = id {
            if acc.call.id.is_empty() {
                acc.call.id = id.into_owned();
            }
        }
        if let Some(kind) = piece.kind {
            if !acc.kind_seen {
                acc.call.kind = kind.into_owned();
                acc.kind_seen = true;
            }
        }
        if let Some(name) = piece.name {
            merge_name(&mut acc.call.function.name, name);
        }
        if let Some(arguments) = piece.arguments {
            append_str(&mut acc.call.function.arguments, arguments);
        }
    }

    /// The index of the call a tool-call delta without `index` belongs to
    /// (the heuristic of the module docs).
    fn unindexed_target(&self, id: Option<&str>) -> u32 {
        let previous = self.last_tool_call.unwrap_or(0);
        let Some(id) = id else { return previous };
        if let Some(call) = self.tool_calls.iter().find(|c| c.call.id == id) {
            return call.index;
        }
        let previous_has_other_id = self
            .tool_calls
            .binary_search_by_key(&previous, |c| c.index)
            .ok()
            .is_some_and(|pos| !self.tool_calls[pos].call.id.is_empty());
        if !previous_has_other_id {
            return previous;
        }
        self.tool_calls
            .last()
            .map_or(0, |c| c.index.saturating_add(1))
    }

    fn finish(self) -> Choice {
        let tool_calls = if self.tool_calls.is_empty() {
            None
        } else {
            Some(self.tool_calls.into_iter().map(|c| c.call).collect())
        };
        Choice {
            index: self.index,
            message: Message {
                role: self.role.unwrap_or(Role::Assistant),
                content: self.content.map(Content::Text),
                tool_calls,
                function_call: self.function_call,
                refusal: self.refusal,
                reasoning_content: self.reasoning_content,
                extra: self.message_extra,
                ..Message::default()
            },
            finish_reason: self.finish_reason,
            logprobs: self.logprobs,
            extra: self.extra,
        }
    }
}

fn borrowed(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(Cow::Borrowed)
}

/// Keeps the first value, unless it is empty and a non-empty one comes.
fn keep_first(dst: &mut Option<String>, value: Option<Cow<'_, str>>) {
    let Some(value) = value else { return };
    let replace = match dst {
        None => true,
        Some(old) => old.is_empty() && !value.is_empty(),
    };
    if replace {
        *dst = Some(value.into_owned());
    }
}

/// Appends a piece to an optional buffer (which a piece, even empty, creates).
fn append(dst: &mut Option<String>, piece: Option<Cow<'_, str>>) {
    let Some(piece) = piece else { return };
    match dst {
        Some(s) => s.push_str(&piece),
        None => *dst = Some(piece.into_owned()),
    }
}

/// Appends a piece, moving it in when the buffer is still empty.
fn append_str(dst: &mut String, piece: Cow<'_, str>) {
    if dst.is_empty() {
        *dst = piece.into_owned();
    } else {
        dst.push_str(&piece);
    }
}

/// The name rule: set when empty, ignore a repeat of the whole name, append
/// any other piece.
fn merge_name(dst: &mut String, piece: Cow<'_, str>) {
    if dst.is_empty() {
        *dst = piece.into_owned();
    } else if *dst != *piece {
        dst.push_str(&piece);
    }
}

fn append_vec<T>(dst: &mut Option<Vec<T>>, src: Option<Vec<T>>) {
    let Some(mut src) = src else { return };
    match dst {
        Some(v) => v.append(&mut src),
        None => *dst = Some(src),
    }
}

/// Merges unknown fields: later values win, but `null` never replaces a value.
fn merge_extra(dst: &mut Map<String, Value>, src: Cow<'_, Map<String, Value>>) {
    if src.is_empty() {
        return;
    }
    match src {
        Cow::Owned(src) if dst.is_empty() => *dst = src,
        Cow::Owned(src) => {
            for (key, value) in src {
                merge_value(dst, Cow::Owned(key), Cow::Owned(value));
            }
        }
        Cow::Borrowed(src) => {
            for (key, value) in src {
                merge_value(dst, Cow::Borrowed(key), Cow::Borrowed(value));
            }
        }
    }
}

/// [`merge_extra`] without the stream-only keys.
fn merge_top_extra(dst: &mut Map<String, Value>, src: Cow<'_, Map<String, Value>>) {
    match src {
        Cow::Borrowed(src) => {
            for (key, value) in src {
                if !STREAM_ONLY_KEYS.contains(&key.as_str()) {
                    merge_value(dst, Cow::Borrowed(key), Cow::Borrowed(value));
                }
            }
        }
        Cow::Owned(mut src) => {
            for key in STREAM_ONLY_KEYS {
                src.remove(*key);
            }
            merge_extra(dst, Cow::Owned(src));
        }
    }
}

fn merge_value(dst: &mut Map<String, Value>, key: Cow<'_, str>, value: Cow<'_, Value>) {
    match dst.get_mut(key.as_ref()) {
        Some(_) if value.is_null() => {}
        Some(old) => *old = value.into_owned(),
        None => {
            dst.insert(key.into_owned(), value.into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::chunk::ToolCallDelta;
    use crate::types::response::TokenLogprob;
    use serde_json::json;

    fn chunk(v: Value) -> ChatCompletionChunk {
        serde_json::from_value(v).expect("valid chunk")
    }

    /// A chunk with the usual header and one choice-0 delta.
    fn delta(d: Value) -> ChatCompletionChunk {
        chunk(json!({
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 7, "model": "m",
            "choices": [{"index": 0, "delta": d, "finish_reason": null}]
        }))
    }

    /// Folds with `push` and with `push_owned`, checks both agree, returns one.
    fn fold(chunks: &[ChatCompletionChunk]) -> ChatCompletion {
        let mut by_ref = ChunkAccumulator::new();
        let mut by_val = ChunkAccumulator::new();
        for c in chunks {
            by_ref.push(c);
            by_val.push_owned(c.clone());
        }
        let a = by_ref.finish();
        let b = by_val.finish();
        assert_eq!(a, b, "push and push_owned differ");
        a
    }

    fn tool_calls_json(c: &ChatCompletion) -> Value {
        serde_json::to_value(&c.choices[0].message.tool_calls).expect("serializes")
    }

    #[test]
    fn empty_accumulator() {
        let acc = ChunkAccumulator::new();
        assert!(acc.is_empty());
        assert!(!acc.all_choices_finished());
        assert_eq!(acc.text(), "");
        assert!(acc.usage().is_none());
        let c = acc.finish();
        assert_eq!(c.object, "chat.completion");
        assert!(c.choices.is_empty());
        assert!(c.usage.is_none());
    }

    #[test]
    fn header_keeps_first_non_empty_values() {
        let c = fold(&[
            chunk(
                json!({"id": "", "created": 0, "model": "", "system_fingerprint": "",
                "choices": []}),
            ),
            chunk(json!({"id": "chatcmpl-a", "created": 10, "model": "gpt-4o",
                "system_fingerprint": "fp_1", "service_tier": "default", "choices": []})),
            chunk(
                json!({"id": "chatcmpl-b", "created": 11, "model": "gpt-4o-mini",
                "system_fingerprint": "fp_2", "service_tier": "flex", "choices": []}),
            ),
        ]);
        assert_eq!(c.id, "chatcmpl-a");
        assert_eq!(c.created, 10);
        assert_eq!(c.model, "gpt-4o");
        assert_eq!(c.system_fingerprint.as_deref(), Some("fp_1"));
        assert_eq!(c.service_tier.as_deref(), Some("default"));
        assert_eq!(c.object, "chat.completion");
        assert_eq!(c.meta, crate::ResponseMeta::default());
    }

    #[test]
    fn empty_fingerprint_kept_when_nothing_better() {
        let c = fold(&[chunk(json!({"system_fingerprint": "", "choices": []}))]);
        assert_eq!(c.system_fingerprint.as_deref(), Some(""));
        let c = fold(&[chunk(json!({"choices": []}))]);
        assert_eq!(c.system_fingerprint, None);
    }

    #[test]
    fn top_level_extra_merged_later_wins_null_never_replaces() {
        let c = fold(&[
            chunk(
                json!({"choices": [], "provider": "openai", "a": 1, "n": null,
                "obfuscation": "xyz"}),
            ),
            chunk(
                json!({"choices": [], "provider": "azure", "a": null, "b": [1],
                "n": 2, "obfuscation": "pq"}),
            ),
        ]);
        assert_eq!(
            Value::Object(c.extra),
            json!({"provider": "azure", "a": 1, "b": [1], "n": 2})
        );
    }

    #[test]
    fn usage_only_chunk_and_last_usage_wins() {
        let mut acc = ChunkAccumulator::new();
        acc.push(&delta(json!({"role": "assistant", "content": "hi"})));
        acc.push(&chunk(json!({"choices": [], "usage": {
            "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})));
        assert_eq!(acc.usage().map(|u| u.total_tokens), Some(2));
        acc.push(&chunk(json!({"choices": [], "usage": null})));
        assert_eq!(acc.usage().map(|u| u.total_tokens), Some(2));
        acc.push(&chunk(json!({"choices": [], "usage": {
            "prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7, "cost": 0.5}})));
        let u = acc.usage().expect("usage");
        assert_eq!((u.total_tokens, u.cost), (7, Some(0.5)));
        let c = acc.finish();
        assert_eq!(c.choices.len(), 1);
        assert_eq!(c.usage.map(|u| u.prompt_tokens), Some(3));
    }

    #[test]
    fn content_concatenated_and_text() {
        let mut acc = ChunkAccumulator::new();
        assert!(acc.is_empty());
        acc.push(&delta(json!({"role": "assistant", "content": ""})));
        assert!(!acc.is_empty());
        for piece in ["Caf", "é ", "🦀", "!"] {
            acc.push(&delta(json!({ "content": piece })));
        }
        assert_eq!(acc.text(), "Café 🦀!");
        let c = acc.finish();
        assert_eq!(c.choices[0].message.role, Role::Assistant);
        assert_eq!(
            c.choices[0].message.content,
            Some(Content::Text("Café 🦀!".into()))
        );
    }

    #[test]
    fn role_defaults_to_assistant_and_first_role_wins() {
        let c = fold(&[delta(json!({"content": "x"}))]);
        assert_eq!(c.choices[0].message.role, Role::Assistant);
        let c = fold(&[
            delta(json!({"role": "tool"})),
            delta(json!({"role": "assistant"})),
        ]);
        assert_eq!(c.choices[0].message.role, Role::Tool);
    }

    #[test]
    fn content_some_only_when_a_string_was_seen() {
        let c = fold(&[delta(json!({"role": "assistant", "content": null}))]);
        assert_eq!(c.choices[0].message.content, None);
        let c = fold(&[delta(json!({"role": "assistant", "content": ""}))]);
        assert_eq!(
            c.choices[0].message.content,
            Some(Content::Text(String::new()))
        );
        let c = fold(&[
            delta(json!({"refusal": ""})),
            delta(json!({"refusal": null})),
        ]);
        assert_eq!(c.choices[0].message.refusal.as_deref(), Some(""));
        assert_eq!(c.choices[0].message.reasoning_content, None);
    }

    #[test]
    fn refusal_and_reasoning_concatenated() {
        let c = fold(&[
            delta(json!({"role": "assistant", "reasoning_content": ""})),
            delta(json!({"reasoning_content": "Let me "})),
            delta(json!({"reasoning_content": "think.", "content": null})),
            delta(json!({"refusal": "I can't "})),
            delta(json!({"refusal": "help."})),
        ]);
        let m = &c.choices[0].message;
        assert_eq!(m.reasoning_content.as_deref(), Some("Let me think."));
        assert_eq!(m.refusal.as_deref(), Some("I can't help."));
        assert_eq!(m.content, None);
    }

    #[test]
    fn choices_interleaved_and_sorted() {
        let mk = |i: u32, text: &str, fr: Value| {
            chunk(json!({"choices": [{"index": i, "delta": {"content": text},
                "finish_reason": fr}]}))
        };
        let mut acc = ChunkAccumulator::new();
        acc.push(&mk(2, "c", Value::Null));
        acc.push(&mk(0, "a", Value::Null));
        acc.push(&mk(1, "b", Value::Null));
        acc.push(&mk(0, "A", json!("stop")));
        acc.push(&mk(2, "C", json!("length")));
        assert!(!acc.all_choices_finished());
        acc.push(&mk(1, "B", json!("stop")));
        assert!(acc.all_choices_finished());
        assert_eq!(acc.text(), "aA");
        let c = acc.finish();
        let got: Vec<_> = c
            .choices
            .iter()
            .map(|c| (c.index, c.message.text().map(Cow::into_owned)))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, Some("aA".into())),
                (1, Some("bB".into())),
                (2, Some("cC".into()))
            ]
        );
        assert_eq!(c.choices[2].finish_reason, Some(FinishReason::Length));
    }

    #[test]
    fn huge_choice_index_does_not_allocate_densely() {
        let c = fold(&[chunk(json!({"choices": [{"index": u32::MAX,
            "delta": {"content": "x"}}]}))]);
        assert_eq!(c.choices.len(), 1);
        assert_eq!(c.choices[0].index, u32::MAX);
    }

    #[test]
    fn finish_reason_last_non_null_and_empty_not_finished() {
        let mut acc = ChunkAccumulator::new();
        let fr =
            |r: Value| chunk(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": r}]}));
        acc.push(&fr(json!("")));
        assert!(!acc.all_choices_finished());
        assert_eq!(
            acc.snapshot().choices[0].finish_reason,
            Some(FinishReason::Other(String::new()))
        );
        acc.push(&fr(json!("length")));
        acc.push(&fr(Value::Null));
        assert!(acc.all_choices_finished());
        acc.push(&fr(json!("stop")));
        acc.push(&fr(json!("")));
        assert_eq!(
            acc.finish().choices[0].finish_reason,
            Some(FinishReason::Stop)
        );
    }

    #[test]
    fn tool_calls_interleaved_by_index() {
        let tc = |calls: Value| delta(json!({ "tool_calls": calls }));
        let c = fold(&[
            delta(json!({"role": "assistant", "content": null})),
            tc(json!([{"index": 1, "id": "call_b", "type": "function",
                "function": {"name": "b", "arguments": ""}}])),
            tc(json!([{"index": 0, "id": "call_a", "type": "function",
                "function": {"name": "a", "arguments": "{\"x\":"}}])),
            tc(
                json!([{"index": 1, "function": {"arguments": "{\"y\":\"\\u00"}},
                      {"index": 0, "function": {"arguments": "1}"}}]),
            ),
            tc(json!([{"index": 1, "function": {"arguments": "e9\"}"}}])),
        ]);
        assert_eq!(c.choices[0].message.content, None);
        assert_eq!(
            tool_calls_json(&c),
            json!([
                {"id": "call_a", "type": "function", "function": {"name": "a", "arguments": "{\"x\":1}"}},
                {"id": "call_b", "type": "function", "function": {"name": "b", "arguments": "{\"y\":\"\\u00e9\"}"}}
            ])
        );
    }

    #[test]
    fn tool_call_id_and_type_first_wins_type_defaults_to_function() {
        let tc = |calls: Value| delta(json!({ "tool_calls": calls }));
        let c = fold(&[
            tc(json!([{"index": 0, "function": {"name": "f"}}])),
            tc(json!([{"index": 0, "id": "", "function": {"arguments": "{"}}])),
            tc(json!([{"index": 0, "id": "call_1", "type": "custom"}])),
            tc(json!([{"index": 0, "id": "call_2", "type": "function",
                "function": {"arguments": "}"}}])),
        ]);
        let call = &c.choices[0].message.tool_calls()[0];
        assert_eq!(call.id, "call_1");
        assert_eq!(call.kind, ToolType::Other("custom".into()));
        assert_eq!(call.function.arguments, "{}");
        let c = fold(&[tc(json!([{"index": 0, "function": {"name": "f"}}]))]);
        assert_eq!(
            c.choices[0].message.tool_calls()[0].kind,
            ToolType::Function
        );
        assert_eq!(c.choices[0].message.tool_calls()[0].id, "");
    }

    #[test]
    fn repeated_name_not_doubled_pieces_appended() {
        let tc = |name: &str, args: &str| {
            delta(
                json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                "function": {"name": name, "arguments": args}}]}),
            )
        };
        let c = fold(&[
            tc("get_weather", "{\"a\""),
            tc("get_weather", ":1}"),
            tc("get_weather", ""),
        ]);
        let f = &c.choices[0].message.tool_calls()[0].function;
        assert_eq!(
            (f.name.as_str(), f.arguments.as_str()),
            ("get_weather", "{\"a\":1}")
        );
        let c = fold(&[tc("get_", ""), tc("weather", "{}"), tc("get_weather", "")]);
        assert_eq!(
            c.choices[0].message.tool_calls()[0].function.name,
            "get_weather"
        );
    }

    #[test]
    fn missing_index_heuristic() {
        let tc = |call: Value| delta(json!({ "tool_calls": [call] }));
        // First delta without index → 0; later indexed pieces continue it.
        let c = fold(&[
            tc(
                json!({"id": "call_a", "type": "function", "function": {"name": "a", "arguments": ""}}),
            ),
            tc(json!({"index": 0, "function": {"arguments": "{}"}})),
        ]);
        assert_eq!(
            tool_calls_json(&c),
            json!([{"id": "call_a", "type": "function", "function": {"name": "a", "arguments": "{}"}}])
        );
        // No index at all: a new id is a new call, id-less pieces continue the
        // previous call, a known id goes back to its call.
        let c = fold(&[
            tc(json!({"id": "call_a", "function": {"name": "a", "arguments": "{\"p\":"}})),
            tc(json!({"function": {"arguments": "1}"}})),
            tc(json!({"id": "call_b", "function": {"name": "b", "arguments": "{\"q\":"}})),
            tc(json!({"function": {"arguments": "2}"}})),
            tc(json!({"id": "call_a", "function": {"name": "a"}})),
            tc(json!({"id": "call_c", "function": {"name": "c", "arguments": "{}"}})),
        ]);
        assert_eq!(
            tool_calls_json(&c),
            json!([
                {"id": "call_a", "type": "function", "function": {"name": "a", "arguments": "{\"p\":1}"}},
                {"id": "call_b", "type": "function", "function": {"name": "b", "arguments": "{\"q\":2}"}},
                {"id": "call_c", "type": "function", "function": {"name": "c", "arguments": "{}"}}
            ])
        );
        // A call started without id takes the first id that comes.
        let c = fold(&[
            tc(json!({"function": {"name": "a"}})),
            tc(json!({"id": "call_a", "function": {"arguments": "{}"}})),
        ]);
        assert_eq!(c.choices[0].message.tool_calls().len(), 1);
        assert_eq!(c.choices[0].message.tool_calls()[0].id, "call_a");
        // Sparse indices: a new unindexed call goes past the highest index.
        let c = fold(&[
            tc(json!({"index": 1, "id": "call_a", "function": {"name": "a"}})),
            tc(json!({"index": 2, "id": "call_b", "function": {"name": "b"}})),
            tc(json!({"id": "call_c", "function": {"name": "c"}})),
        ]);
        let names: Vec<_> = c.choices[0]
            .message
            .tool_calls()
            .iter()
            .map(|t| t.function.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn no_tool_calls_is_none() {
        let c = fold(&[delta(json!({"content": "x", "tool_calls": null}))]);
        assert_eq!(c.choices[0].message.tool_calls, None);
        let c = fold(&[delta(json!({"content": "x", "tool_calls": []}))]);
        assert_eq!(c.choices[0].message.tool_calls, None);
    }

    #[test]
    fn tool_call_delta_without_function() {
        let mut acc = ChunkAccumulator::new();
        let mut ch = delta(json!({}));
        ch.choices[0].delta.tool_calls = Some(vec![ToolCallDelta {
            index: Some(0),
            id: Some("call_1".into()),
            ..ToolCallDelta::default()
        }]);
        acc.push(&ch);
        let c = acc.finish();
        assert_eq!(
            c.choices[0].message.tool_calls()[0].function,
            FunctionCall::default()
        );
    }

    #[test]
    fn legacy_function_call() {
        let c = fold(&[
            delta(json!({"role": "assistant", "content": null,
                "function_call": {"name": "get_weather", "arguments": ""}})),
            delta(json!({"function_call": {"arguments": "{\"city\":"}})),
            delta(json!({"function_call": {"name": "get_weather", "arguments": "\"Paris\"}"}})),
        ]);
        let m = &c.choices[0].message;
        assert_eq!(
            m.function_call,
            Some(FunctionCall {
                name: "get_weather".into(),
                arguments: "{\"city\":\"Paris\"}".into()
            })
        );
        assert_eq!(m.tool_calls, None);
        assert_eq!(m.content, None);
    }

    #[test]
    fn logprobs_appended() {
        let lp = |tokens: &[&str], refusal: Value| {
            let content: Vec<Value> = tokens
                .iter()
                .map(|t| json!({"token": t, "logprob": -0.5, "bytes": t.as_bytes(), "top_logprobs": []}))
                .collect();
            chunk(
                json!({"choices": [{"index": 0, "delta": {"content": tokens.concat()},
                "logprobs": {"content": content, "refusal": refusal}}]}),
            )
        };
        let c = fold(&[delta(json!({"content": "x"}))]);
        assert_eq!(c.choices[0].logprobs, None);
        let c = fold(&[
            lp(&[], Value::Null),
            lp(&["He", "llo"], Value::Null),
            delta(json!({"content": "!"})),
            lp(&["é"], Value::Null),
        ]);
        let lps = c.choices[0].logprobs.as_ref().expect("logprobs");
        let tokens: Vec<_> = lps
            .content
            .iter()
            .flatten()
            .map(|t| t.token.as_str())
            .collect();
        assert_eq!(tokens, ["He", "llo", "é"]);
        assert_eq!(lps.refusal, None);
        assert_eq!(
            lps.content.as_ref().map(|c| c[2].bytes.clone()),
            Some(Some(vec![195, 169]))
        );

        let tok = |t: &str| TokenLogprob {
            token: t.into(),
            logprob: -1.0,
            ..TokenLogprob::default()
        };
        let c = fold(&[
            chunk(json!({"choices": [{"index": 0, "delta": {"refusal": "No"},
                "logprobs": {"content": null, "refusal": [tok("No")], "x": 1}}]})),
            chunk(json!({"choices": [{"index": 0, "delta": {"refusal": "."},
                "logprobs": {"refusal": [tok(".")], "x": 2}}]})),
        ]);
        let lps = c.choices[0].logprobs.as_ref().expect("logprobs");
        assert_eq!(lps.refusal, Some(vec![tok("No"), tok(".")]));
        assert_eq!(lps.content, None);
        assert_eq!(Value::Object(lps.extra.clone()), json!({"x": 2}));
    }

    #[test]
    fn choice_and_delta_extra_merged() {
        let c = fold(&[
            chunk(json!({"choices": [{"index": 0,
                "delta": {"content": "a", "audio": {"id": "audio_1"}, "name": "bot"},
                "stop_reason": null, "native_finish_reason": "x"}]})),
            chunk(json!({"choices": [{"index": 0,
                "delta": {"content": "b", "audio": {"transcript": "ab"}, "name": null},
                "stop_reason": 42, "native_finish_reason": "STOP"}]})),
        ]);
        let ch = &c.choices[0];
        assert_eq!(
            Value::Object(ch.extra.clone()),
            json!({"stop_reason": 42, "native_finish_reason": "STOP"})
        );
        assert_eq!(
            Value::Object(ch.message.extra.clone()),
            json!({"audio": {"transcript": "ab"}, "name": "bot"})
        );
    }

    #[test]
    fn snapshot_does_not_consume_and_equals_finish() {
        let mut acc = ChunkAccumulator::new();
        acc.push(&delta(json!({"role": "assistant", "content": "Hel"})));
        let s1 = acc.snapshot();
        assert_eq!(s1.text().as_deref(), Some("Hel"));
        acc.push(&delta(json!({"content": "lo"})));
        let s2 = acc.snapshot();
        assert_eq!(s2.text().as_deref(), Some("Hello"));
        assert_eq!(s2, acc.finish());
    }

    #[test]
    fn push_owned_moves_first_piece_and_matches_push() {
        // Exercise the owned paths where the accumulator is empty vs. not.
        let chunks = vec![
            chunk(
                json!({"id": "chatcmpl-x", "created": 3, "model": "m", "k": 1,
                "choices": [{"index": 1, "delta": {"role": "assistant", "content": "a",
                "tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{"}}]},
                "logprobs": {"content": [{"token": "a", "logprob": -1.0}]}, "e": 1}]}),
            ),
            chunk(
                json!({"k": 2, "choices": [{"index": 1, "delta": {"content": "b",
                "tool_calls": [{"index": 0, "function": {"name": "f", "arguments": "}"}}], "z": 1},
                "logprobs": {"content": [{"token": "b", "logprob": -1.0}], "refusal": []},
                "e": 2, "finish_reason": "tool_calls"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}),
            ),
        ];
        let c = fold(&chunks);
        assert_eq!(c.choices[0].index, 1);
        assert_eq!(c.extra.get("k"), Some(&json!(2)));
    }

    #[test]
    fn many_chunks_linear() {
        // 100k pieces must not be quadratic (this would take minutes if it were).
        let mut acc = ChunkAccumulator::new();
        let piece = delta(json!({"content": "ab",
            "tool_calls": [{"index": 0, "function": {"arguments": "xy"}}]}));
        for _ in 0..100_000 {
            acc.push(&piece);
        }
        assert_eq!(acc.text().len(), 200_000);
        let c = acc.finish();
        assert_eq!(
            c.choices[0].message.tool_calls()[0]
                .function
                .arguments
                .len(),
            200_000
        );
    }
}
