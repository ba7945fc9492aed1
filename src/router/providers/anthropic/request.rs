//! Ours → theirs: a [`ChatRequest`] as the body of `POST /v1/messages`.
//!
//! The mapping tables are in the [module docs](super). Everything here is
//! pure: no I/O, so each rule is unit-tested on its own.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::types::{
    ChatRequest, Content, ContentPart, FilePart, ImageUrl, Message, ReasoningEffort,
    ResponseFormat, Role, Tool, ToolChoice,
};

/// The tool that carries a `json_schema` answer (see the module docs).
pub(super) const JSON_TOOL: &str = "json_answer";

/// The smallest thinking budget Anthropic accepts.
const MIN_BUDGET: u32 = 1024;

/// What the response side must know about how a request was sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Sent {
    /// A `json_answer` tool call is the answer's content, not a tool call.
    pub json_tool: bool,
}

/// A request ready for the wire.
#[derive(Debug)]
pub(super) struct Prepared {
    /// The JSON body (without `stream`).
    pub body: Map<String, Value>,
    /// How it was sent.
    pub sent: Sent,
}

/// How a model family reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Think {
    /// No extended thinking (Claude 3 and 3.5): `reasoning_effort` is dropped.
    No,
    /// `thinking: {"type": "enabled", "budget_tokens": n}`.
    Budget,
    /// Only `thinking: {"type": "adaptive"}` with `output_config.effort`;
    /// `temperature`, `top_p` and `top_k` are rejected.
    Adaptive,
    /// Like [`Think::Adaptive`], and thinking is on even when not asked for.
    AlwaysOn,
}

/// What this provider knows about a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ModelSpec {
    /// The largest `max_tokens`, and the default when the request sets none.
    pub max_output: u32,
    /// How it reasons.
    pub think: Think,
}

/// Known families, most specific prefix first (see the module docs' table).
const MODELS: &[(&str, u32, Think)] = &[
    ("claude-3-5-haiku", 8192, Think::No),
    ("claude-3-5-sonnet", 8192, Think::No),
    ("claude-3-7-sonnet", 64000, Think::Budget),
    ("claude-3-haiku", 4096, Think::No),
    ("claude-3-opus", 4096, Think::No),
    ("claude-3-sonnet", 4096, Think::No),
    ("claude-haiku-4-5", 64000, Think::Budget),
    ("claude-sonnet-4-5", 64000, Think::Budget),
    ("claude-sonnet-4-6", 64000, Think::Budget),
    ("claude-sonnet-4", 64000, Think::Budget),
    ("claude-opus-4-1", 32000, Think::Budget),
    ("claude-opus-4-5", 64000, Think::Budget),
    ("claude-opus-4-6", 128000, Think::Budget),
    ("claude-opus-4-7", 128000, Think::Adaptive),
    ("claude-opus-4-8", 128000, Think::Adaptive),
    ("claude-opus-4", 32000, Think::Budget),
    ("claude-sonnet-5", 128000, Think::Adaptive),
    ("claude-opus-5", 128000, Think::Adaptive),
    ("claude-fable-5", 128000, Think::AlwaysOn),
    ("claude-mythos", 128000, Think::AlwaysOn),
];

/// The default `max_tokens` of a model this table does not know.
const FALLBACK_MAX_OUTPUT: u32 = 4096;

/// The `(major, minor)` version in a `claude-<family>-<major>[-<minor>]` (or
/// older `claude-<major>-<minor>-<family>`) name.
fn version(name: &str) -> Option<(u32, u32)> {
    let mut parts = name.strip_prefix("claude-")?.split('-');
    let first = parts.next()?;
    let major = if first.bytes().all(|b| b.is_ascii_digit()) {
        first
    } else {
        parts.next()?
    };
    let minor = match parts.next() {
        Some(p) if p.len() <= 2 => p.parse().unwrap_or(0),
        _ => 0,
    };
    Some((major.parse().ok()?, minor))
}

/// What is known about `model` (a Claude id, possibly with a dated suffix or
/// a cloud prefix such as `anthropic.`; anything else gets the fallback).
pub(super) fn model_spec(model: &str) -> ModelSpec {
    let lower = model.to_ascii_lowercase();
    let name = lower
        .find("claude-")
        .map_or(lower.as_str(), |i| &lower[i..]);
    for (prefix, max_output, think) in MODELS {
        if name.starts_with(prefix) {
            return ModelSpec {
                max_output: *max_output,
                think: *think,
            };
        }
    }
    // Anthropic: "Claude 4.7 and later models do not support [budgets]".
    let think = match version(name) {
        Some(v) if v >= (4, 7) => Think::Adaptive,
        _ => Think::Budget,
    };
    ModelSpec {
        max_output: FALLBACK_MAX_OUTPUT,
        think,
    }
}

/// The thinking a request asks for, for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Thinking {
    /// No `thinking` field.
    Off,
    /// A budget in tokens (at least 1024).
    Budget(u32),
    /// Adaptive thinking at this `output_config.effort`.
    Adaptive(&'static str),
}

/// `reasoning_effort` for a model (see the module docs' table).
pub(super) fn thinking(effort: Option<&ReasoningEffort>, spec: ModelSpec) -> Thinking {
    use ReasoningEffort as R;
    let Some(effort) = effort else {
        return Thinking::Off;
    };
    match spec.think {
        Think::No => Thinking::Off,
        Think::Budget => match effort {
            R::Minimal | R::Min | R::Low => Thinking::Budget(MIN_BUDGET),
            R::Medium => Thinking::Budget(8192),
            R::High => Thinking::Budget(16384),
            R::XHigh => Thinking::Budget(32768),
            R::Max => Thinking::Budget(spec.max_output.saturating_sub(1)),
            R::Budget(n) => Thinking::Budget((*n).max(MIN_BUDGET)),
            _ => Thinking::Off,
        },
        Think::Adaptive | Think::AlwaysOn => match effort {
            R::Minimal | R::Min | R::Low => Thinking::Adaptive("low"),
            R::Medium => Thinking::Adaptive("medium"),
            R::High => Thinking::Adaptive("high"),
            R::XHigh => Thinking::Adaptive("xhigh"),
            R::Max => Thinking::Adaptive("max"),
            R::Budget(n) if *n <= 2048 => Thinking::Adaptive("low"),
            R::Budget(n) if *n <= 8192 => Thinking::Adaptive("medium"),
            R::Budget(_) => Thinking::Adaptive("high"),
            _ => Thinking::Off,
        },
    }
}

/// `max_tokens` and the budget actually sent: the budget stays below
/// `max_tokens`, which is the budget plus the answer's tokens, capped at the
/// model's maximum (or at what the caller asked, if that is larger).
pub(super) fn token_limits(
    asked: Option<u32>,
    thinking: Thinking,
    spec: ModelSpec,
) -> (u32, Thinking) {
    let answer = asked.unwrap_or(spec.max_output);
    match thinking {
        Thinking::Budget(b) => {
            let cap = spec.max_output.max(answer).max(2);
            let budget = b.min(cap - 1);
            (
                budget.saturating_add(answer).min(cap),
                Thinking::Budget(budget),
            )
        }
        other => (answer, other),
    }
}

/// One turn on the wire: a role and its content blocks.
struct Turn {
    role: &'static str,
    blocks: Vec<Value>,
}

/// Appends blocks as a turn, merged into the previous turn if it has the same
/// role (Anthropic wants `user` and `assistant` to alternate).
fn push_turn(turns: &mut Vec<Turn>, role: &'static str, blocks: Vec<Value>) {
    if blocks.is_empty() {
        return;
    }
    match turns.last_mut() {
        Some(last) if last.role == role => last.blocks.extend(blocks),
        _ => turns.push(Turn { role, blocks }),
    }
}

fn text_block(text: &str) -> Value {
    json!({"type": "text", "text": text})
}

/// A `data:<mime>;base64,<data>` URL as its MIME type and data.
fn split_data_url<'a>(url: &'a str, field: &str) -> Result<(&'a str, &'a str)> {
    let rest = url.strip_prefix("data:").unwrap_or(url);
    let (head, data) = rest
        .split_once(',')
        .ok_or_else(|| Error::invalid_request(field, "is a data URL without a `,`"))?;
    let mut params = head.split(';');
    let mime = params.next().unwrap_or_default();
    if !params.any(|p| p.eq_ignore_ascii_case("base64")) {
        return Err(Error::invalid_request(
            field,
            "is a data URL that is not base64 (anthropic takes base64 data only)",
        ));
    }
    Ok((mime, data))
}

fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn image_block(img: &ImageUrl, field: &str) -> Result<Value> {
    if img.url.starts_with("data:") {
        let (mime, data) = split_data_url(&img.url, field)?;
        let media = img
            .mime_type
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(mime);
        if media.is_empty() {
            return Err(Error::invalid_request(
                field,
                "is a data URL without a MIME type",
            ));
        }
        return Ok(
            json!({"type": "image", "source": {"type": "base64", "media_type": media, "data": data}}),
        );
    }
    if is_http_url(&img.url) {
        return Ok(json!({"type": "image", "source": {"type": "url", "url": img.url}}));
    }
    Err(Error::invalid_request(
        field,
        "must be an http(s) URL or a base64 data URL",
    ))
}

/// The MIME type a file name suggests (only the types Anthropic reads).
fn mime_of(filename: Option<&str>) -> Option<&'static str> {
    let ext = filename?.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => return None,
    })
}

fn file_block(f: &FilePart, field: &str) -> Result<Value> {
    if let Some(data) = f.file_data.as_deref() {
        let (mime, b64) = if data.starts_with("data:") {
            split_data_url(data, field)?
        } else {
            ("", data)
        };
        let media = Some(mime)
            .filter(|m| !m.is_empty())
            .or_else(|| mime_of(f.filename.as_deref()))
            .unwrap_or("application/pdf");
        let kind = if media.starts_with("image/") {
            "image"
        } else if media == "application/pdf" {
            "document"
        } else {
            return Err(Error::invalid_request(
                field,
                format!("is a `{media}` file; anthropic takes PDF documents and images"),
            ));
        };
        return Ok(
            json!({"type": kind, "source": {"type": "base64", "media_type": media, "data": b64}}),
        );
    }
    if let Some(url) = f.file_url.as_deref() {
        let kind = match mime_of(Some(url)) {
            Some(m) if m.starts_with("image/") => "image",
            _ => "document",
        };
        return Ok(json!({"type": kind, "source": {"type": "url", "url": url}}));
    }
    if let Some(id) = f.file_id.as_deref() {
        return Ok(json!({"type": "document", "source": {"type": "file", "file_id": id}}));
    }
    Err(Error::invalid_request(
        field,
        "needs `file_data`, `file_url` or `file_id`",
    ))
}

/// Content blocks of a message's content (`field` names it in errors).
fn content_blocks(content: Option<&Content>, field: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    match content {
        None => {}
        Some(Content::Text(t)) if t.is_empty() => {}
        Some(Content::Text(t)) => out.push(text_block(t)),
        Some(Content::Parts(parts)) => {
            for (j, part) in parts.iter().enumerate() {
                let f = format!("{field}[{j}]");
                match part {
                    ContentPart::Text { text } if text.is_empty() => {}
                    ContentPart::Text { text } => out.push(text_block(text)),
                    ContentPart::ImageUrl { image_url } => out.push(image_block(image_url, &f)?),
                    ContentPart::File { file } | ContentPart::InputFile(file) => {
                        out.push(file_block(file, &f)?);
                    }
                    ContentPart::InputAudio { .. } => {
                        return Err(Error::invalid_request(
                            f,
                            "is audio; anthropic takes no audio input",
                        ));
                    }
                    // A block in Anthropic's own shape, sent as is.
                    ContentPart::Other(v) => out.push(v.clone()),
                }
            }
        }
    }
    Ok(out)
}

/// The thinking blocks an assistant turn sends back first: `thinking_blocks`
/// verbatim, else `reasoning_content` with its `reasoning_signature`.
fn thinking_blocks(m: &Message) -> Vec<Value> {
    if let Some(Value::Array(blocks)) = m.extra.get("thinking_blocks") {
        return blocks.clone();
    }
    match (
        m.reasoning_content.as_deref(),
        m.extra.get("reasoning_signature"),
    ) {
        (Some(text), Some(Value::String(sig))) => {
            vec![json!({"type": "thinking", "thinking": text, "signature": sig})]
        }
        _ => Vec::new(),
    }
}

fn assistant_blocks(m: &Message, i: usize) -> Result<Vec<Value>> {
    let mut blocks = thinking_blocks(m);
    blocks.extend(content_blocks(
        m.content.as_ref(),
        &format!("messages[{i}].content"),
    )?);
    for (j, call) in m.tool_calls().iter().enumerate() {
        let args = call.function.arguments.trim();
        let input: Value = if args.is_empty() {
            json!({})
        } else {
            serde_json::from_str(args).map_err(|e| {
                Error::invalid_request(
                    format!("messages[{i}].tool_calls[{j}].function.arguments"),
                    format!(
                        "is not valid JSON ({e}); anthropic needs the arguments as a JSON object"
                    ),
                )
            })?
        };
        blocks.push(
            json!({"type": "tool_use", "id": call.id, "name": call.function.name, "input": input}),
        );
    }
    Ok(blocks)
}

fn tool_result_block(m: &Message, i: usize) -> Result<Value> {
    let id = m
        .tool_call_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::invalid_request(
                format!("messages[{i}].tool_call_id"),
                "must be set on a tool message",
            )
        })?;
    let mut block = json!({"type": "tool_result", "tool_use_id": id});
    match &m.content {
        Some(Content::Text(t)) if !t.is_empty() => block["content"] = json!(t),
        Some(c @ Content::Parts(_)) => {
            let inner = content_blocks(Some(c), &format!("messages[{i}].content"))?;
            if !inner.is_empty() {
                block["content"] = Value::Array(inner);
            }
        }
        _ => {}
    }
    Ok(block)
}

/// A turn's blocks as wire content: a plain string for one bare text block.
fn turn_content(mut blocks: Vec<Value>) -> Value {
    if let [Value::Object(b)] = blocks.as_slice()
        && b.len() == 2
        && b.get("type").and_then(Value::as_str) == Some("text")
        && let Some(t) = b.get("text").and_then(Value::as_str)
    {
        return json!(t);
    }
    Value::Array(std::mem::take(&mut blocks))
}

fn tool(t: &Tool) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(t.function.name));
    if let Some(d) = &t.function.description {
        o.insert("description".into(), json!(d));
    }
    let schema = t
        .function
        .parameters
        .clone()
        .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
    o.insert("input_schema".into(), schema);
    for (k, v) in &t.extra {
        o.insert(k.clone(), v.clone());
    }
    Value::Object(o)
}

fn tool_choice(c: &ToolChoice) -> Value {
    match c {
        ToolChoice::Auto => json!({"type": "auto"}),
        ToolChoice::None => json!({"type": "none"}),
        ToolChoice::Required => json!({"type": "any"}),
        ToolChoice::Function(name) => json!({"type": "tool", "name": name}),
        ToolChoice::Other(v) => v.clone(),
    }
}

/// `extra["cache_control"]`: `true` or an object such as `{"type": "ephemeral"}`.
fn cache_control(req: &ChatRequest) -> Result<Option<Value>> {
    match req.extra.get("cache_control") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
        Some(Value::Bool(true)) => Ok(Some(json!({"type": "ephemeral"}))),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(Error::invalid_request(
            "cache_control",
            "must be `true` or an object such as {\"type\": \"ephemeral\"}",
        )),
    }
}

/// The system texts and the turns of a request's messages (and `prompt`).
fn conversation(req: &ChatRequest) -> Result<(Vec<String>, Vec<Turn>)> {
    let mut system: Vec<String> = Vec::new();
    let mut turns: Vec<Turn> = Vec::new();
    for (i, m) in req.messages.iter().enumerate() {
        match &m.role {
            Role::System | Role::Developer => {
                if let Some(Content::Parts(parts)) = &m.content
                    && parts.iter().any(|p| p.as_text().is_none())
                {
                    return Err(Error::invalid_request(
                        format!("messages[{i}].content"),
                        "anthropic takes only text in system prompts",
                    ));
                }
                if let Some(t) = m.text().filter(|t| !t.is_empty()) {
                    system.push(t.into_owned());
                }
            }
            Role::User => {
                let blocks = content_blocks(m.content.as_ref(), &format!("messages[{i}].content"))?;
                push_turn(&mut turns, "user", blocks);
            }
            Role::Assistant => push_turn(&mut turns, "assistant", assistant_blocks(m, i)?),
            Role::Tool | Role::Function => {
                push_turn(&mut turns, "user", vec![tool_result_block(m, i)?]);
            }
            Role::Other(r) => {
                return Err(Error::invalid_request(
                    format!("messages[{i}].role"),
                    format!("`{r}` is not a role anthropic takes"),
                ));
            }
        }
    }
    if let Some(p) = req.prompt.as_deref().filter(|p| !p.is_empty()) {
        push_turn(&mut turns, "user", vec![text_block(p)]);
    }

    Ok((system, turns))
}

/// Adds the request's `extra` fields: objects merge into what `build` set
/// (`extra` wins), other values replace it; `cache_control` was used already,
/// and `top_k` is dropped when `drop_top_k`.
fn merge_extra(body: &mut Map<String, Value>, req: &ChatRequest, drop_top_k: bool) {
    for (k, v) in &req.extra {
        match k.as_str() {
            "cache_control" => {}
            "top_k" if drop_top_k => {}
            _ => match (body.get_mut(k), v) {
                (Some(Value::Object(have)), Value::Object(add)) => {
                    for (ak, av) in add {
                        have.insert(ak.clone(), av.clone());
                    }
                }
                _ => {
                    body.insert(k.clone(), v.clone());
                }
            },
        }
    }
}

/// Builds the body of `POST /v1/messages` for `req` (its `model` is the
/// provider's model name).
pub(super) fn build(req: &ChatRequest) -> Result<Prepared> {
    if req.n.is_some_and(|n| n > 1) {
        return Err(Error::invalid_request(
            "n",
            "anthropic does not support n > 1",
        ));
    }
    let model = req.model.clone().unwrap_or_default();
    let spec = model_spec(&model);
    let cache = cache_control(req)?;

    let (mut system, mut turns) = conversation(req)?;

    let effort = thinking(req.reasoning_effort.as_ref(), spec);
    let asked = match (req.max_tokens, req.max_completion_tokens) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let (max_tokens, effort) = token_limits(asked, effort, spec);
    let thinks = effort != Thinking::Off || spec.think == Think::AlwaysOn;
    let sampling = !matches!(spec.think, Think::Adaptive | Think::AlwaysOn);

    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("max_tokens".into(), json!(max_tokens));
    match effort {
        Thinking::Off => {}
        Thinking::Budget(b) => {
            body.insert(
                "thinking".into(),
                json!({"type": "enabled", "budget_tokens": b}),
            );
        }
        Thinking::Adaptive(e) => {
            body.insert("thinking".into(), json!({"type": "adaptive"}));
            body.insert("output_config".into(), json!({"effort": e}));
        }
    }

    let mut tools: Vec<Value> = req.tools.iter().flatten().map(tool).collect();
    let caller_tools = !tools.is_empty();
    let mut choice = if caller_tools {
        req.tool_choice.as_ref().map(tool_choice)
    } else {
        None
    };
    let mut sent = Sent::default();
    match &req.response_format {
        Some(ResponseFormat::JsonObject) => {
            system.push("Reply with a single JSON object and nothing else.".into());
        }
        Some(ResponseFormat::JsonSchema(f)) => {
            let schema = f
                .schema
                .clone()
                .unwrap_or_else(|| json!({"type": "object"}));
            if thinks {
                system.push(format!(
                    "Reply with only a JSON value that matches this JSON Schema, with no other text:\n{schema}"
                ));
                // Anthropic refuses a forced tool choice while thinking.
                if let Some(c) = choice.as_mut()
                    && matches!(c.get("type").and_then(Value::as_str), Some("any" | "tool"))
                {
                    *c = json!({"type": "auto"});
                }
            } else {
                let description = f
                    .description
                    .clone()
                    .unwrap_or_else(|| "Give the answer as JSON matching the schema.".into());
                tools.push(
                    json!({"name": JSON_TOOL, "description": description, "input_schema": schema}),
                );
                choice = Some(match &req.tool_choice {
                    _ if !caller_tools => json!({"type": "tool", "name": JSON_TOOL}),
                    Some(ToolChoice::None) => json!({"type": "tool", "name": JSON_TOOL}),
                    // The caller forced one of its own tools: keep that.
                    Some(ToolChoice::Function(name)) => json!({"type": "tool", "name": name}),
                    _ => json!({"type": "any"}),
                });
                sent.json_tool = true;
            }
        }
        _ => {}
    }
    if !tools.is_empty() {
        if req.parallel_tool_calls == Some(false) {
            let c = choice.get_or_insert_with(|| json!({"type": "auto"}));
            if c.get("type").and_then(Value::as_str) != Some("none")
                && let Some(o) = c.as_object_mut()
            {
                o.insert("disable_parallel_tool_use".into(), json!(true));
            }
        }
        body.insert("tools".into(), Value::Array(tools));
        if let Some(c) = choice {
            body.insert("tool_choice".into(), c);
        }
    }

    if !system.is_empty() {
        let value = match &cache {
            None => json!(system.join("\n\n")),
            Some(cc) => {
                let mut blocks: Vec<Value> = system.iter().map(|t| text_block(t)).collect();
                if let Some(last) = blocks.last_mut() {
                    last["cache_control"] = cc.clone();
                }
                Value::Array(blocks)
            }
        };
        body.insert("system".into(), value);
    }
    if let Some(cc) = &cache
        && let Some(turn) = turns.iter_mut().rev().find(|t| t.role == "user")
        && let Some(last) = turn.blocks.last_mut()
        // A verbatim block that is not an object gets no breakpoint.
        && let Some(last) = last.as_object_mut()
    {
        last.insert("cache_control".into(), cc.clone());
    }
    let messages: Vec<Value> = turns
        .into_iter()
        .map(|t| json!({"role": t.role, "content": turn_content(t.blocks)}))
        .collect();
    body.insert("messages".into(), Value::Array(messages));

    if sampling {
        if let Some(t) = req.temperature.filter(|_| !thinks) {
            body.insert("temperature".into(), json!(t));
        }
        if let Some(p) = req.top_p.filter(|p| !thinks || (0.95..=1.0).contains(p)) {
            body.insert("top_p".into(), json!(p));
        }
    }
    if let Some(stop) = &req.stop {
        body.insert("stop_sequences".into(), json!(stop.as_slice()));
    }
    if let Some(user) = &req.user {
        body.insert("metadata".into(), json!({"user_id": user}));
    }

    merge_extra(&mut body, req, thinks || !sampling);
    Ok(Prepared { body, sent })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ToolCall;

    fn body(req: ChatRequest) -> Value {
        Value::Object(build(&req).unwrap().body)
    }

    #[test]
    fn model_table() {
        let s = |m| model_spec(m);
        assert_eq!(s("claude-opus-4-20250514").max_output, 32000);
        assert_eq!(s("claude-opus-4-1-20250805").max_output, 32000);
        assert_eq!(s("claude-sonnet-4-20250514").max_output, 64000);
        assert_eq!(s("claude-sonnet-4-5").max_output, 64000);
        assert_eq!(s("claude-opus-4-6").max_output, 128000);
        assert_eq!(
            s("claude-3-5-haiku-latest"),
            ModelSpec {
                max_output: 8192,
                think: Think::No
            }
        );
        assert_eq!(s("claude-3-haiku-20240307").max_output, 4096);
        assert_eq!(
            s("anthropic.claude-3-7-sonnet-20250219-v1:0").think,
            Think::Budget
        );
        assert_eq!(s("claude-opus-4-7").think, Think::Adaptive);
        assert_eq!(s("claude-fable-5").think, Think::AlwaysOn);
        assert_eq!(s("claude-haiku-6").think, Think::Adaptive);
        assert_eq!(s("claude-haiku-4-20991231").think, Think::Budget);
        assert_eq!(s("claude-3-9-opus").think, Think::Budget);
        assert_eq!(version("claude-3-5-haiku"), Some((3, 5)));
        assert_eq!(version("claude-opus-4-7-20260101"), Some((4, 7)));
        assert_eq!(version("claude-sonnet-5-20260101"), Some((5, 0)));
        assert_eq!(
            s("smollm2"),
            ModelSpec {
                max_output: 4096,
                think: Think::Budget
            }
        );
    }

    #[test]
    fn budgets_and_limits() {
        let sonnet = model_spec("claude-sonnet-4");
        let t = |e: &str| thinking(Some(&ReasoningEffort::from(e)), sonnet);
        assert_eq!(t("low"), Thinking::Budget(1024));
        assert_eq!(t("min"), Thinking::Budget(1024));
        assert_eq!(t("medium"), Thinking::Budget(8192));
        assert_eq!(t("high"), Thinking::Budget(16384));
        assert_eq!(t("max"), Thinking::Budget(63999));
        assert_eq!(t("100"), Thinking::Budget(1024));
        assert_eq!(t("5000"), Thinking::Budget(5000));
        assert_eq!(t("none"), Thinking::Off);
        assert_eq!(thinking(None, sonnet), Thinking::Off);
        assert_eq!(
            token_limits(Some(1000), Thinking::Budget(8192), sonnet),
            (9192, Thinking::Budget(8192))
        );
        assert_eq!(
            token_limits(None, Thinking::Budget(8192), sonnet),
            (64000, Thinking::Budget(8192))
        );
        assert_eq!(
            token_limits(Some(10), Thinking::Budget(63999), sonnet),
            (64000, Thinking::Budget(63999))
        );
        // The caller's larger limit wins over the fallback table.
        let unknown = model_spec("my-model");
        assert_eq!(
            token_limits(Some(9000), Thinking::Budget(8192), unknown),
            (9000, Thinking::Budget(8192))
        );
        assert_eq!(
            token_limits(None, Thinking::Budget(8192), unknown),
            (4096, Thinking::Budget(4095))
        );
        let old = model_spec("claude-3-5-sonnet-latest");
        assert_eq!(thinking(Some(&ReasoningEffort::High), old), Thinking::Off);
        let adaptive = model_spec("claude-opus-4-7");
        assert_eq!(
            thinking(Some(&ReasoningEffort::Budget(4000)), adaptive),
            Thinking::Adaptive("medium")
        );
        assert_eq!(
            thinking(Some(&ReasoningEffort::Max), adaptive),
            Thinking::Adaptive("max")
        );
    }

    #[test]
    fn data_urls() {
        assert_eq!(
            split_data_url("data:image/png;base64,AAAA", "f").unwrap(),
            ("image/png", "AAAA")
        );
        assert!(split_data_url("data:text/plain,hi", "f").is_err());
        assert!(split_data_url("data:image/png;base64", "f").is_err());
        assert_eq!(mime_of(Some("a/b/Report.PDF")), Some("application/pdf"));
        assert_eq!(mime_of(Some("x")), None);
    }

    #[test]
    fn invalid_arguments_name_the_message() {
        let req =
            ChatRequest::new("claude-sonnet-4")
                .user("hi")
                .message(Message::assistant_tool_calls([ToolCall::function(
                    "t1", "f", "{oops",
                )]));
        let err = build(&req).unwrap_err().to_string();
        assert!(
            err.contains("messages[1].tool_calls[0].function.arguments"),
            "{err}"
        );
    }

    #[test]
    fn sampling_rules() {
        let req = ChatRequest::new("claude-sonnet-4")
            .user("hi")
            .temperature(0.3)
            .top_p(0.5)
            .extra("top_k", 5);
        let b = body(req.clone());
        assert_eq!(
            (
                b["temperature"].clone(),
                b["top_p"].clone(),
                b["top_k"].clone()
            ),
            (json!(0.3), json!(0.5), json!(5))
        );
        let b = body(req.clone().reasoning_effort(ReasoningEffort::Low));
        assert!(
            b.get("temperature").is_none() && b.get("top_p").is_none() && b.get("top_k").is_none()
        );
        let b = body(req.model("claude-opus-4-7"));
        assert!(
            b.get("temperature").is_none() && b.get("top_p").is_none() && b.get("top_k").is_none()
        );
    }

    #[test]
    fn extra_objects_merge() {
        let req = ChatRequest::new("claude-opus-4-7")
            .user("hi")
            .reasoning_effort(ReasoningEffort::High)
            .extra(
                "output_config",
                json!({"format": {"type": "json_schema", "schema": {}}}),
            )
            .extra("service_tier", "auto");
        let b = body(req);
        assert_eq!(b["thinking"], json!({"type": "adaptive"}));
        assert_eq!(b["output_config"]["effort"], "high");
        assert_eq!(b["output_config"]["format"]["type"], "json_schema");
        assert_eq!(b["service_tier"], "auto");
    }
}
