//! Ours → theirs: a [`ChatRequest`] as a Gemini `GenerateContentRequest`
//! (camelCase JSON). The rules are in the [module docs](super).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::response::synthesized_call_id;
use crate::error::{Error, Result};
use crate::types::{
    ChatRequest, Content, ContentPart, FilePart, ImageUrl, Message, ReasoningEffort,
    ResponseFormat, Role, ToolCall, ToolChoice, ToolType,
};

/// Top-level fields of [`ChatRequest::extra`] sent to Gemini as they are.
const PASSTHROUGH: &[&str] = &["safetySettings", "cachedContent", "toolConfig", "labels"];

/// `application/json`, for `responseMimeType`.
const JSON_MIME: &str = "application/json";

/// What an earlier assistant tool call tells a `tool` message answering it.
struct CallInfo {
    name: String,
    /// Whether the id came from Gemini (sent back) or was synthesized (not).
    gemini_id: bool,
}

/// Builds the `generateContent` body for `req` addressed to `model`.
pub(crate) fn build(req: &ChatRequest, model: &str) -> Result<Value> {
    let mut system: Vec<Value> = Vec::new();
    let mut contents: Vec<(&'static str, Vec<Value>)> = Vec::new();
    let mut calls: HashMap<String, CallInfo> = HashMap::new();

    for (i, m) in req.messages.iter().enumerate() {
        match &m.role {
            Role::System | Role::Developer => system.extend(system_parts(m, i)?),
            Role::User => push(&mut contents, "user", user_parts(m, i)?),
            Role::Assistant => push(&mut contents, "model", model_parts(m, i, &mut calls)?),
            Role::Tool => push(&mut contents, "user", vec![tool_result(m, i, &calls)?]),
            Role::Function => push(&mut contents, "user", vec![function_result(m, i)?]),
            Role::Other(r) => {
                return Err(Error::invalid_request(
                    format!("messages[{i}].role"),
                    format!("`{r}` has no Gemini equivalent"),
                ));
            }
        }
    }
    if let Some(prompt) = &req.prompt {
        push(&mut contents, "user", vec![json!({ "text": prompt })]);
    }
    if contents.is_empty() {
        return Err(Error::invalid_request(
            "messages",
            "Gemini needs at least one user or assistant message with content",
        ));
    }

    let mut body = Map::new();
    body.insert(
        "contents".to_owned(),
        Value::Array(
            contents
                .into_iter()
                .map(|(role, parts)| json!({ "role": role, "parts": parts }))
                .collect(),
        ),
    );
    if !system.is_empty() {
        body.insert("systemInstruction".to_owned(), json!({ "parts": system }));
    }
    if let Some(tools) = tools(req)? {
        body.insert("tools".to_owned(), tools);
    }
    if let Some(choice) = &req.tool_choice {
        body.insert("toolConfig".to_owned(), tool_config(choice)?);
    }
    let config = generation_config(req, model)?;
    if !config.is_empty() {
        body.insert("generationConfig".to_owned(), Value::Object(config));
    }
    for key in PASSTHROUGH {
        if let Some(v) = req.extra.get(*key) {
            body.insert((*key).to_owned(), v.clone());
        }
    }
    Ok(Value::Object(body))
}

/// Appends a turn, merging it into the previous one when the role is the same.
fn push(contents: &mut Vec<(&'static str, Vec<Value>)>, role: &'static str, parts: Vec<Value>) {
    if parts.is_empty() {
        return;
    }
    match contents.last_mut() {
        Some((last, existing)) if *last == role => existing.extend(parts),
        _ => contents.push((role, parts)),
    }
}

/// Text parts of a system or developer message.
fn system_parts(m: &Message, i: usize) -> Result<Vec<Value>> {
    match &m.content {
        None => Ok(Vec::new()),
        Some(Content::Text(t)) => Ok(text_part(t).into_iter().collect()),
        Some(Content::Parts(parts)) => {
            let mut out = Vec::new();
            for (j, p) in parts.iter().enumerate() {
                match p {
                    ContentPart::Text { text } => out.extend(text_part(text)),
                    _ => {
                        return Err(Error::invalid_request(
                            format!("messages[{i}].content[{j}]"),
                            "system instructions take text only on Gemini",
                        ));
                    }
                }
            }
            Ok(out)
        }
    }
}

/// `{"text": t}`, or nothing for an empty text.
fn text_part(t: &str) -> Option<Value> {
    (!t.is_empty()).then(|| json!({ "text": t }))
}

/// The parts of a user message.
fn user_parts(m: &Message, i: usize) -> Result<Vec<Value>> {
    match &m.content {
        None => Ok(Vec::new()),
        Some(Content::Text(t)) => Ok(text_part(t).into_iter().collect()),
        Some(Content::Parts(parts)) => {
            let mut out = Vec::new();
            for (j, p) in parts.iter().enumerate() {
                let field = || format!("messages[{i}].content[{j}]");
                match p {
                    ContentPart::Text { text } => out.extend(text_part(text)),
                    ContentPart::ImageUrl { image_url } => out.push(image_part(image_url, field)?),
                    ContentPart::InputAudio { input_audio } => out.push(json!({
                        "inlineData": {
                            "mimeType": audio_mime(&input_audio.format),
                            "data": input_audio.data,
                        }
                    })),
                    ContentPart::File { file } | ContentPart::InputFile(file) => {
                        out.push(file_part(file, field)?);
                    }
                    ContentPart::Other(v) => {
                        return Err(Error::invalid_request(
                            field(),
                            format!(
                                "part type {} has no Gemini equivalent",
                                v.get("type").unwrap_or(&Value::Null)
                            ),
                        ));
                    }
                }
            }
            Ok(out)
        }
    }
}

/// `audio/<format>` for an `input_audio` format (`wav`, `mp3`, …).
fn audio_mime(format: &str) -> String {
    let f = format.trim().to_ascii_lowercase();
    match f.as_str() {
        "mp3" | "mpeg" => "audio/mp3".to_owned(),
        "" => "audio/wav".to_owned(),
        _ if f.contains('/') => f,
        _ => format!("audio/{f}"),
    }
}

/// An image part: inline bytes for a `data:` URL, a file reference otherwise.
fn image_part(img: &ImageUrl, field: impl Fn() -> String) -> Result<Value> {
    let url = img.url.trim();
    if url.starts_with("data:") {
        let (mime, data) = parse_data_url(url).ok_or_else(|| {
            Error::invalid_request(
                format!("{}.image_url.url", field()),
                "a data URL must be base64 (`data:<type>;base64,<data>`)",
            )
        })?;
        let mime = img.mime_type.as_deref().unwrap_or(mime);
        return Ok(json!({ "inlineData": { "mimeType": mime, "data": data } }));
    }
    if is_remote(url) {
        let mime = img
            .mime_type
            .clone()
            .or_else(|| guess_mime(url).map(str::to_owned));
        return Ok(file_data(url, mime.as_deref()));
    }
    Err(Error::invalid_request(
        format!("{}.image_url.url", field()),
        "must be an http(s)://, gs:// or base64 data: URL",
    ))
}

/// A file part (`file` / `input_file`).
fn file_part(f: &FilePart, field: impl Fn() -> String) -> Result<Value> {
    if let Some(data) = f.file_data.as_deref().map(str::trim) {
        if data.starts_with("data:") {
            let (mime, b64) = parse_data_url(data).ok_or_else(|| {
                Error::invalid_request(
                    format!("{}.file_data", field()),
                    "a data URL must be base64 (`data:<type>;base64,<data>`)",
                )
            })?;
            return Ok(json!({ "inlineData": { "mimeType": mime, "data": b64 } }));
        }
        let mime = f
            .filename
            .as_deref()
            .and_then(guess_mime)
            .unwrap_or("application/pdf");
        return Ok(json!({ "inlineData": { "mimeType": mime, "data": data } }));
    }
    if let Some(url) = f.file_url.as_deref().map(str::trim) {
        if !is_remote(url) {
            return Err(Error::invalid_request(
                format!("{}.file_url", field()),
                "must be an http(s):// or gs:// URL",
            ));
        }
        let mime = guess_mime(url).or_else(|| f.filename.as_deref().and_then(guess_mime));
        return Ok(file_data(url, mime));
    }
    Err(Error::invalid_request(
        field(),
        "Gemini needs the file's bytes (`file_data`) or a URL (`file_url`); uploaded file ids are not supported",
    ))
}

/// `{"fileData": {"fileUri", "mimeType"?}}`.
fn file_data(uri: &str, mime: Option<&str>) -> Value {
    let mut fd = Map::new();
    fd.insert("fileUri".to_owned(), Value::String(uri.to_owned()));
    if let Some(m) = mime {
        fd.insert("mimeType".to_owned(), Value::String(m.to_owned()));
    }
    json!({ "fileData": fd })
}

fn is_remote(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("gs://")
}

/// `(mime, base64)` of `data:<mime>[;param…];base64,<data>`.
pub(crate) fn parse_data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mut fields = meta.split(';');
    let mime = fields.next().unwrap_or("");
    if !fields.any(|p| p.trim().eq_ignore_ascii_case("base64")) {
        return None;
    }
    let mime = if mime.is_empty() {
        "application/octet-stream"
    } else {
        mime
    };
    Some((mime, data))
}

/// The MIME type Gemini expects for a file name or URL, by extension.
pub(crate) fn guess_mime(path: &str) -> Option<&'static str> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let name = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = name.rsplit_once('.')?;
    Some(match ext.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "heic" => "image/heic",
        "heif" => "image/heif",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/md",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "xml" => "text/xml",
        "wav" => "audio/wav",
        "mp3" => "audio/mp3",
        "aac" => "audio/aac",
        "ogg" => "audio/ogg",
        "flac" => "audio/flac",
        "aiff" => "audio/aiff",
        "mp4" => "video/mp4",
        "mpeg" | "mpg" => "video/mpeg",
        "mov" => "video/mov",
        "avi" => "video/avi",
        "webm" => "video/webm",
        "wmv" => "video/wmv",
        "flv" => "video/x-flv",
        "3gp" | "3gpp" => "video/3gpp",
        _ => return None,
    })
}

/// The text of a message's content (string or text parts), if any.
fn content_text(m: &Message) -> Option<String> {
    m.text().map(std::borrow::Cow::into_owned)
}

/// `extra_content.google.<key>` of an `extra` map.
fn google_extra<'a>(extra: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    extra.get("extra_content")?.get("google")?.get(key)
}

/// The thought signature stored on a tool call (ours or the plain spelling).
fn call_signature(call: &ToolCall) -> Option<&str> {
    google_extra(&call.extra, "thought_signature")
        .or_else(|| call.extra.get("thought_signature"))
        .and_then(Value::as_str)
}

/// The parts of an assistant (model) turn: text, then function calls.
fn model_parts(m: &Message, i: usize, calls: &mut HashMap<String, CallInfo>) -> Result<Vec<Value>> {
    let mut parts = Vec::new();
    if let Some(Content::Parts(ps)) = &m.content {
        for (j, p) in ps.iter().enumerate() {
            if p.as_text().is_none() {
                return Err(Error::invalid_request(
                    format!("messages[{i}].content[{j}]"),
                    "assistant turns take text only on Gemini",
                ));
            }
        }
    }
    if let Some(text) = content_text(m) {
        parts.extend(text_part(&text));
    }
    let text_parts = parts.len();
    let stream_signatures = google_extra(&m.extra, "tool_call_thought_signatures");
    for (pos, call) in m.tool_calls().iter().enumerate() {
        if call.kind != ToolType::Function {
            return Err(Error::invalid_request(
                format!("messages[{i}].tool_calls[{pos}].type"),
                format!("`{}` calls have no Gemini equivalent", call.kind),
            ));
        }
        let field = format!("messages[{i}].tool_calls[{pos}].function.arguments");
        let args = parse_args(&call.function.arguments, &field)?;
        let canonical = serde_json::to_string(&args).unwrap_or_default();
        let gemini_id = !call.id.is_empty()
            && call.id != synthesized_call_id(&call.function.name, &canonical, pos);
        let mut fc = Map::new();
        if gemini_id {
            fc.insert("id".to_owned(), Value::String(call.id.clone()));
        }
        fc.insert("name".to_owned(), Value::String(call.function.name.clone()));
        fc.insert("args".to_owned(), args);
        let mut part = Map::new();
        part.insert("functionCall".to_owned(), Value::Object(fc));
        let signature = call_signature(call).or_else(|| {
            stream_signatures
                .and_then(|s| s.get(&call.id))
                .and_then(Value::as_str)
        });
        if let Some(sig) = signature {
            part.insert("thoughtSignature".to_owned(), Value::String(sig.to_owned()));
        }
        parts.push(Value::Object(part));
        calls.insert(
            call.id.clone(),
            CallInfo {
                name: call.function.name.clone(),
                gemini_id,
            },
        );
    }
    if let Some(fc) = &m.function_call
        && m.tool_calls().is_empty()
    {
        let field = format!("messages[{i}].function_call.arguments");
        let args = parse_args(&fc.arguments, &field)?;
        parts.push(json!({ "functionCall": { "name": fc.name, "args": args } }));
    }
    // The message-level signature (from a text or thought part) goes back on
    // the last text part, or on the first function call that has none.
    if let Some(sig) = google_extra(&m.extra, "thought_signature").and_then(Value::as_str) {
        let target = if text_parts > 0 {
            parts.get_mut(text_parts - 1)
        } else {
            parts
                .iter_mut()
                .find(|p| p.get("thoughtSignature").is_none())
        };
        if let Some(Value::Object(p)) = target
            && !p.contains_key("thoughtSignature")
        {
            p.insert("thoughtSignature".to_owned(), Value::String(sig.to_owned()));
        }
    }
    Ok(parts)
}

/// Parses tool-call arguments into the JSON object Gemini's `args` takes.
fn parse_args(arguments: &str, field: &str) -> Result<Value> {
    if arguments.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_str::<Value>(arguments) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Error::invalid_request(
            field,
            "must be a JSON object (Gemini's `args`)",
        )),
        Err(e) => Err(Error::invalid_request(
            field,
            format!("is not valid JSON: {e}"),
        )),
    }
}

/// A tool result as Gemini's `response` object.
fn result_value(m: &Message) -> Value {
    let text = content_text(m).unwrap_or_default();
    match serde_json::from_str::<Value>(&text) {
        Ok(v @ Value::Object(_)) => v,
        Ok(v) => json!({ "result": v }),
        Err(_) => json!({ "result": text }),
    }
}

/// The `functionResponse` part answering a `tool` message.
fn tool_result(m: &Message, i: usize, calls: &HashMap<String, CallInfo>) -> Result<Value> {
    let id = m.tool_call_id.as_deref().unwrap_or("");
    let (name, send_id) = match calls.get(id) {
        Some(info) => (info.name.clone(), info.gemini_id),
        None => match &m.name {
            Some(n) if !n.is_empty() => (n.clone(), false),
            _ => {
                return Err(Error::invalid_request(
                    format!("messages[{i}].tool_call_id"),
                    format!(
                        "`{id}` matches no tool call of an earlier assistant message; Gemini needs the function's name"
                    ),
                ));
            }
        },
    };
    let mut fr = Map::new();
    if send_id {
        fr.insert("id".to_owned(), Value::String(id.to_owned()));
    }
    fr.insert("name".to_owned(), Value::String(name));
    fr.insert("response".to_owned(), result_value(m));
    Ok(json!({ "functionResponse": fr }))
}

/// The `functionResponse` part answering a legacy `function` message.
fn function_result(m: &Message, i: usize) -> Result<Value> {
    let Some(name) = m.name.as_deref().filter(|n| !n.is_empty()) else {
        return Err(Error::invalid_request(
            format!("messages[{i}].name"),
            "a function message needs the function's name",
        ));
    };
    Ok(json!({ "functionResponse": { "name": name, "response": result_value(m) } }))
}

/// `tools: [{"functionDeclarations": […]}]`.
fn tools(req: &ChatRequest) -> Result<Option<Value>> {
    let Some(tools) = req.tools.as_ref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let mut decls = Vec::with_capacity(tools.len());
    for (i, t) in tools.iter().enumerate() {
        if t.kind != ToolType::Function {
            return Err(Error::invalid_request(
                format!("tools[{i}].type"),
                format!("`{}` tools have no Gemini equivalent", t.kind),
            ));
        }
        let f = &t.function;
        let mut d = Map::new();
        d.insert("name".to_owned(), Value::String(f.name.clone()));
        if let Some(desc) = &f.description {
            d.insert("description".to_owned(), Value::String(desc.clone()));
        }
        if let Some(p) = &f.parameters {
            d.insert("parametersJsonSchema".to_owned(), p.clone());
        }
        decls.push(Value::Object(d));
    }
    Ok(Some(json!([{ "functionDeclarations": decls }])))
}

/// `toolConfig.functionCallingConfig` for a tool choice.
fn tool_config(choice: &ToolChoice) -> Result<Value> {
    let config = match choice {
        ToolChoice::Auto => json!({ "mode": "AUTO" }),
        ToolChoice::None => json!({ "mode": "NONE" }),
        ToolChoice::Required => json!({ "mode": "ANY" }),
        ToolChoice::Function(name) => json!({ "mode": "ANY", "allowedFunctionNames": [name] }),
        _ => {
            return Err(Error::invalid_request(
                "tool_choice",
                "only `auto`, `none`, `required` and one function map to Gemini",
            ));
        }
    };
    Ok(json!({ "functionCallingConfig": config }))
}

/// `generationConfig`.
fn generation_config(req: &ChatRequest, model: &str) -> Result<Map<String, Value>> {
    let mut c = Map::new();
    let mut set = |k: &str, v: Value| {
        c.insert(k.to_owned(), v);
    };
    if let Some(t) = req.temperature {
        set("temperature", json!(t));
    }
    if let Some(p) = req.top_p {
        set("topP", json!(p));
    }
    if let Some(k) = req.extra.get("top_k").filter(|v| !v.is_null()) {
        set("topK", k.clone());
    }
    let max = match (req.max_completion_tokens, req.max_tokens) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(n) = max {
        set("maxOutputTokens", json!(n));
    }
    if let Some(stop) = &req.stop {
        set("stopSequences", json!(stop.as_slice()));
    }
    if let Some(n) = req.n {
        set("candidateCount", json!(n));
    }
    if let Some(s) = req.seed {
        set("seed", json!(s));
    }
    if let Some(p) = req.presence_penalty {
        set("presencePenalty", json!(p));
    }
    if let Some(p) = req.frequency_penalty {
        set("frequencyPenalty", json!(p));
    }
    if req.logprobs == Some(true) {
        set("responseLogprobs", json!(true));
        if let Some(n) = req.top_logprobs {
            set("logprobs", json!(n));
        }
    }
    match &req.response_format {
        None | Some(ResponseFormat::Text) => {}
        Some(ResponseFormat::JsonObject) => set("responseMimeType", json!(JSON_MIME)),
        Some(ResponseFormat::JsonSchema(f)) => {
            set("responseMimeType", json!(JSON_MIME));
            if let Some(schema) = &f.schema {
                set("responseJsonSchema", schema.clone());
            }
        }
        Some(_) => {
            return Err(Error::invalid_request(
                "response_format",
                "only `text`, `json_object` and `json_schema` map to Gemini",
            ));
        }
    }
    if let Some(effort) = &req.reasoning_effort {
        match thinking(model, effort)? {
            Thinking::Drop => {}
            Thinking::Budget(0) => set("thinkingConfig", json!({ "thinkingBudget": 0 })),
            Thinking::Budget(n) => set(
                "thinkingConfig",
                json!({ "thinkingBudget": n, "includeThoughts": true }),
            ),
            Thinking::Level(l) => set(
                "thinkingConfig",
                json!({ "thinkingLevel": l, "includeThoughts": true }),
            ),
        }
    }
    if let Some(Value::Object(extra)) = req.extra.get("generationConfig") {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    Ok(c)
}

/// A model family, as far as thinking goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `gemini-2.5-pro*`: budget 128–32768, cannot be turned off.
    Pro25,
    /// `gemini-2.5-flash*`: budget 0–24576.
    Flash25,
    /// `gemini-2.5-flash-lite*`: 0, or 512–24576.
    FlashLite25,
    /// `gemini-3*` Pro (and other non-Flash Gemini 3): `low` / `high`.
    Pro3,
    /// `gemini-3*-flash*`: `minimal` / `low` / `medium` / `high`.
    Flash3,
    /// Models that do not think (`gemini-2.0*`, `gemini-1.*`, `gemma*`).
    NoThinking,
    /// Any other name: 2.5-Flash-like budgets.
    Unknown,
}

/// The thinking family of a model name.
pub(crate) fn family(model: &str) -> Family {
    let m = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    if m.starts_with("gemini-3") {
        return if m.contains("flash") {
            Family::Flash3
        } else {
            Family::Pro3
        };
    }
    if m.starts_with("gemini-2.5") {
        return if m.contains("flash-lite") {
            Family::FlashLite25
        } else if m.contains("flash") {
            Family::Flash25
        } else if m.contains("pro") {
            Family::Pro25
        } else {
            Family::Unknown
        };
    }
    if m.starts_with("gemini-2.0")
        || m.starts_with("gemini-1.")
        || m.starts_with("gemma")
        || m == "gemini-pro"
        || m == "gemini-pro-vision"
    {
        return Family::NoThinking;
    }
    Family::Unknown
}

/// What `reasoning_effort` becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Thinking {
    /// `thinkingBudget` (0 turns thinking off, -1 is dynamic).
    Budget(i64),
    /// `thinkingLevel`.
    Level(&'static str),
    /// No `thinkingConfig`.
    Drop,
}

/// The `thinkingConfig` for an effort on a model (see the module docs' table).
pub(crate) fn thinking(model: &str, effort: &ReasoningEffort) -> Result<Thinking> {
    use ReasoningEffort as R;
    let fam = family(model);
    if fam == Family::NoThinking {
        return Ok(Thinking::Drop);
    }
    if let R::Other(s) = effort {
        let s = s.trim().to_ascii_lowercase();
        return match (s.as_str(), fam) {
            ("auto" | "dynamic", Family::Pro3 | Family::Flash3) => Ok(Thinking::Drop),
            ("auto" | "dynamic", _) => Ok(Thinking::Budget(-1)),
            _ => Err(Error::invalid_request(
                "reasoning_effort",
                format!("`{s}` has no Gemini equivalent"),
            )),
        };
    }
    Ok(match fam {
        Family::Flash3 => Thinking::Level(match effort {
            R::None | R::Minimal | R::Min => "minimal",
            R::Low => "low",
            R::Medium => "medium",
            R::Budget(0) => "minimal",
            R::Budget(n) if *n <= 2048 => "low",
            R::Budget(n) if *n <= 8192 => "medium",
            _ => "high",
        }),
        Family::Pro3 => Thinking::Level(match effort {
            R::None | R::Minimal | R::Min | R::Low => "low",
            R::Budget(n) if *n <= 8192 => "low",
            _ => "high",
        }),
        Family::Pro25 => Thinking::Budget(match effort {
            R::None | R::Minimal | R::Min => 128,
            R::Budget(n) => i64::from(*n).clamp(128, 32768),
            R::XHigh | R::Max => 32768,
            other => level_budget(other),
        }),
        Family::Flash25 => Thinking::Budget(match effort {
            R::None => 0,
            R::Minimal | R::Min => 512,
            R::Budget(n) => i64::from(*n).min(24576),
            other => level_budget(other),
        }),
        Family::FlashLite25 => Thinking::Budget(match effort {
            R::None | R::Budget(0) => 0,
            R::Minimal | R::Min => 512,
            R::Budget(n) => i64::from(*n).clamp(512, 24576),
            other => level_budget(other),
        }),
        Family::Unknown => Thinking::Budget(match effort {
            R::None => 0,
            R::Minimal | R::Min => 512,
            R::Budget(n) => i64::from(*n),
            other => level_budget(other),
        }),
        Family::NoThinking => Thinking::Drop,
    })
}

/// Budgets for the standard levels (`xhigh`/`max` → 24576, Flash's maximum).
fn level_budget(e: &ReasoningEffort) -> i64 {
    match e {
        ReasoningEffort::Low => 1024,
        ReasoningEffort::Medium => 8192,
        _ => 24576,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ImageDetail, InputAudio, JsonSchemaFormat, Tool};

    fn body(req: ChatRequest) -> Value {
        build(&req, "gemini-2.5-flash").unwrap()
    }

    #[test]
    fn system_and_developer_go_to_the_instruction_and_turns_merge() {
        let req = ChatRequest::new("m")
            .system("Be terse.")
            .user("a")
            .developer("Use French.")
            .user("b")
            .assistant("c")
            .assistant("d")
            .user("e");
        let b = body(req);
        assert_eq!(
            b["systemInstruction"],
            json!({"parts": [{"text": "Be terse."}, {"text": "Use French."}]})
        );
        assert_eq!(
            b["contents"],
            json!([
                {"role": "user", "parts": [{"text": "a"}, {"text": "b"}]},
                {"role": "model", "parts": [{"text": "c"}, {"text": "d"}]},
                {"role": "user", "parts": [{"text": "e"}]},
            ])
        );
        assert!(b.get("generationConfig").is_none());
    }

    #[test]
    fn images_files_and_audio() {
        let parts = vec![
            ContentPart::text("look"),
            ContentPart::image_base64("image/png", "iVBORw0KGgo="),
            ContentPart::image_url("https://example.com/cat.JPG?x=1"),
            ContentPart::ImageUrl {
                image_url: ImageUrl {
                    url: "https://example.com/img".into(),
                    detail: Some(ImageDetail::High),
                    mime_type: Some("image/webp".into()),
                    extra: Map::new(),
                },
            },
            ContentPart::image_url("https://example.com/unknown"),
            ContentPart::input_file("doc.pdf", "JVBERi0xLjQ="),
            ContentPart::input_file("notes.txt", "data:text/plain;base64,aGk="),
            ContentPart::InputAudio {
                input_audio: InputAudio {
                    data: "UklGRg==".into(),
                    format: "wav".into(),
                },
            },
        ];
        let b = body(ChatRequest::new("m").user(parts));
        assert_eq!(
            b["contents"][0]["parts"],
            json!([
                {"text": "look"},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                {"fileData": {"fileUri": "https://example.com/cat.JPG?x=1", "mimeType": "image/jpeg"}},
                {"fileData": {"fileUri": "https://example.com/img", "mimeType": "image/webp"}},
                {"fileData": {"fileUri": "https://example.com/unknown"}},
                {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0xLjQ="}},
                {"inlineData": {"mimeType": "text/plain", "data": "aGk="}},
                {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
            ])
        );
        let bad = build(
            &ChatRequest::new("m").user(vec![ContentPart::image_url("data:image/png,rawbytes")]),
            "gemini-2.5-flash",
        );
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("messages[0].content[0]")
        );
        let bad = build(
            &ChatRequest::new("m").user(vec![ContentPart::image_url("ftp://x/y.png")]),
            "gemini-2.5-flash",
        );
        assert!(bad.is_err());
    }

    #[test]
    fn data_urls_and_mime_guesses() {
        assert_eq!(
            parse_data_url("data:image/png;base64,AAA"),
            Some(("image/png", "AAA"))
        );
        assert_eq!(
            parse_data_url("data:application/pdf;name=a.pdf;base64,BBB"),
            Some(("application/pdf", "BBB"))
        );
        assert_eq!(parse_data_url("data:text/plain,hi"), None);
        assert_eq!(guess_mime("https://x/a/b.webp#f"), Some("image/webp"));
        assert_eq!(guess_mime("report.PDF"), Some("application/pdf"));
        assert_eq!(guess_mime("https://x/noext"), None);
    }

    #[test]
    fn tool_calls_and_results_by_name() {
        let id_a = synthesized_call_id("get_weather", r#"{"city":"Paris"}"#, 0);
        let req = ChatRequest::new("m")
            .user("Weather in Paris and time in Tokyo?")
            .message(Message::assistant_tool_calls([
                ToolCall::function(id_a.clone(), "get_weather", r#"{"city": "Paris"}"#),
                ToolCall::function("fc-7", "get_time", r#"{"tz":"Asia/Tokyo"}"#),
            ]))
            .message(Message::tool(id_a, r#"{"temp_c": 18}"#))
            .message(Message::tool("fc-7", "09:00"));
        let b = body(req);
        assert_eq!(
            b["contents"][1],
            json!({"role": "model", "parts": [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"id": "fc-7", "name": "get_time", "args": {"tz": "Asia/Tokyo"}}},
            ]})
        );
        assert_eq!(
            b["contents"][2],
            json!({"role": "user", "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"temp_c": 18}}},
                {"functionResponse": {"id": "fc-7", "name": "get_time", "response": {"result": "09:00"}}},
            ]})
        );
    }

    #[test]
    fn unknown_tool_call_ids_are_an_error() {
        let req = ChatRequest::new("m")
            .user("hi")
            .message(Message::tool("nope", "x"));
        let err = build(&req, "gemini-2.5-flash").unwrap_err();
        assert!(
            err.to_string().contains("messages[1].tool_call_id"),
            "{err}"
        );
        let named = ChatRequest::new("m")
            .user("hi")
            .message(Message::tool("nope", "[1,2]").with_name("lookup"));
        let b = body(named);
        assert_eq!(
            b["contents"][0]["parts"][1],
            json!({"functionResponse": {"name": "lookup", "response": {"result": [1, 2]}}})
        );
        let bad_args = ChatRequest::new("m")
            .user("hi")
            .message(Message::assistant_tool_calls([ToolCall::function(
                "c", "f", "not json",
            )]));
        assert!(build(&bad_args, "gemini-2.5-flash").is_err());
    }

    #[test]
    fn signatures_go_back_on_their_parts() {
        let mut call = ToolCall::function("c1", "f", "{}");
        call.extra.insert(
            "extra_content".into(),
            json!({"google": {"thought_signature": "SIG-1"}}),
        );
        let mut plain = ToolCall::function("c2", "g", "{}");
        plain
            .extra
            .insert("thought_signature".into(), json!("SIG-2"));
        let streamed = ToolCall::function("c3", "h", "{}");
        let mut m = Message::assistant_tool_calls([call, plain, streamed]);
        m.extra.insert(
            "extra_content".into(),
            json!({"google": {"tool_call_thought_signatures": {"c3": "SIG-3"}}}),
        );
        let b = body(ChatRequest::new("m").user("u").message(m));
        let parts = &b["contents"][1]["parts"];
        assert_eq!(parts[0]["thoughtSignature"], "SIG-1");
        assert_eq!(parts[1]["thoughtSignature"], "SIG-2");
        assert_eq!(parts[2]["thoughtSignature"], "SIG-3");

        let mut text = Message::assistant("Done.");
        text.extra.insert(
            "extra_content".into(),
            json!({"google": {"thought_signature": "SIG-T"}}),
        );
        let b = body(ChatRequest::new("m").user("u").message(text).user("again"));
        assert_eq!(
            b["contents"][1]["parts"],
            json!([{"text": "Done.", "thoughtSignature": "SIG-T"}])
        );
    }

    #[test]
    fn generation_config_fields() {
        let req = ChatRequest::new("m")
            .user("u")
            .temperature(0.5)
            .top_p(0.9)
            .max_tokens(100)
            .max_completion_tokens(50)
            .stop(["END", "STOP"])
            .n(2)
            .seed(7)
            .presence_penalty(0.1)
            .frequency_penalty(0.2)
            .top_logprobs(3)
            .extra("top_k", 40)
            .extra("user_field", "dropped")
            .extra(
                "safetySettings",
                json!([{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]),
            )
            .response_format(ResponseFormat::JsonObject);
        let b = body(req);
        assert_eq!(
            b["generationConfig"],
            json!({
                "temperature": 0.5, "topP": 0.9, "topK": 40, "maxOutputTokens": 50,
                "stopSequences": ["END", "STOP"], "candidateCount": 2, "seed": 7,
                "presencePenalty": 0.1, "frequencyPenalty": 0.2,
                "responseLogprobs": true, "logprobs": 3,
                "responseMimeType": "application/json",
            })
        );
        assert_eq!(b["safetySettings"][0]["threshold"], "BLOCK_NONE");
        assert!(b.get("user_field").is_none());
    }

    #[test]
    fn json_schema_is_sent_as_is() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false});
        let req = ChatRequest::new("m")
            .user("u")
            .response_format(ResponseFormat::JsonSchema(JsonSchemaFormat {
                name: "x".into(),
                description: None,
                schema: Some(schema.clone()),
                strict: Some(true),
            }));
        let b = body(req);
        assert_eq!(b["generationConfig"]["responseMimeType"], JSON_MIME);
        assert_eq!(b["generationConfig"]["responseJsonSchema"], schema);
        assert!(b["generationConfig"].get("responseSchema").is_none());
    }

    #[test]
    fn tools_and_choices() {
        let params = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        let req = ChatRequest::new("m")
            .user("u")
            .tool(Tool::new("get_weather", "Weather now", params.clone()).strict())
            .tool_choice(ToolChoice::function("get_weather"));
        let b = body(req);
        assert_eq!(
            b["tools"],
            json!([{"functionDeclarations": [{"name": "get_weather", "description": "Weather now", "parametersJsonSchema": params}]}])
        );
        assert_eq!(
            b["toolConfig"],
            json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}})
        );
        for (choice, mode) in [
            (ToolChoice::Auto, "AUTO"),
            (ToolChoice::None, "NONE"),
            (ToolChoice::Required, "ANY"),
        ] {
            assert_eq!(
                tool_config(&choice).unwrap()["functionCallingConfig"]["mode"],
                mode
            );
        }
        assert!(tool_config(&ToolChoice::Other(json!({"type": "allowed_tools"}))).is_err());
    }

    #[test]
    fn thinking_table() {
        use Thinking::{Budget as B, Drop, Level as L};
        let table = [
            ("gemini-2.5-pro", "none", B(128)),
            ("gemini-2.5-pro", "min", B(128)),
            ("gemini-2.5-pro", "low", B(1024)),
            ("gemini-2.5-pro", "medium", B(8192)),
            ("gemini-2.5-pro", "high", B(24576)),
            ("gemini-2.5-pro", "max", B(32768)),
            ("gemini-2.5-pro", "50", B(128)),
            ("gemini-2.5-pro", "40000", B(32768)),
            ("gemini-2.5-flash", "none", B(0)),
            ("gemini-2.5-flash", "minimal", B(512)),
            ("gemini-2.5-flash", "max", B(24576)),
            ("gemini-2.5-flash", "4096", B(4096)),
            ("gemini-2.5-flash", "99999", B(24576)),
            ("gemini-2.5-flash", "auto", B(-1)),
            ("gemini-2.5-flash-lite", "none", B(0)),
            ("gemini-2.5-flash-lite", "100", B(512)),
            ("gemini-2.5-flash-lite", "0", B(0)),
            ("gemini-3-pro-preview", "none", L("low")),
            ("gemini-3-pro-preview", "medium", L("high")),
            ("gemini-3-pro-preview", "max", L("high")),
            ("gemini-3-pro-preview", "4096", L("low")),
            ("gemini-3.1-pro-preview", "high", L("high")),
            ("gemini-3-flash-preview", "none", L("minimal")),
            ("gemini-3-flash-preview", "medium", L("medium")),
            ("gemini-3-flash-preview", "2000", L("low")),
            ("gemini-3-flash-preview", "xhigh", L("high")),
            ("gemini-3-flash-preview", "auto", Drop),
            ("gemini-2.0-flash", "high", Drop),
            ("gemma-3-27b-it", "high", Drop),
            ("gemini-flash-latest", "high", B(24576)),
            ("gemini-flash-latest", "none", B(0)),
        ];
        for (model, effort, expected) in table {
            assert_eq!(
                thinking(model, &ReasoningEffort::from(effort)).unwrap(),
                expected,
                "{model} {effort}"
            );
        }
        assert!(thinking("gemini-2.5-flash", &ReasoningEffort::from("turbo")).is_err());
    }

    #[test]
    fn thinking_config_in_the_body() {
        let b = build(
            &ChatRequest::new("m").user("u").reasoning_effort("low"),
            "gemini-2.5-flash",
        )
        .unwrap();
        assert_eq!(
            b["generationConfig"]["thinkingConfig"],
            json!({"thinkingBudget": 1024, "includeThoughts": true})
        );
        let b = build(
            &ChatRequest::new("m").user("u").reasoning_effort("none"),
            "gemini-2.5-flash",
        )
        .unwrap();
        assert_eq!(
            b["generationConfig"]["thinkingConfig"],
            json!({"thinkingBudget": 0})
        );
        let b = build(
            &ChatRequest::new("m").user("u").reasoning_effort("high"),
            "gemini-3-pro-preview",
        )
        .unwrap();
        assert_eq!(
            b["generationConfig"]["thinkingConfig"],
            json!({"thinkingLevel": "high", "includeThoughts": true})
        );
        let b = build(
            &ChatRequest::new("m")
                .user("u")
                .reasoning_effort("low")
                .extra(
                    "generationConfig",
                    json!({"thinkingConfig": {"thinkingBudget": -1}}),
                ),
            "gemini-2.5-flash",
        )
        .unwrap();
        assert_eq!(
            b["generationConfig"]["thinkingConfig"],
            json!({"thinkingBudget": -1})
        );
    }

    #[test]
    fn an_empty_conversation_is_an_error() {
        assert!(build(&ChatRequest::new("m").system("s"), "gemini-2.5-flash").is_err());
        let b = build(&ChatRequest::new("m").prompt("hi"), "gemini-2.5-flash").unwrap();
        assert_eq!(b["contents"][0]["parts"][0]["text"], "hi");
    }
}
