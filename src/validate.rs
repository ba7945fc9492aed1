//! Checks run on every request before it is sent: the error names the field.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::types::{ChatRequest, Content, Role, ToolChoice};

fn bad(field: impl Into<String>, message: impl Into<String>) -> Result<()> {
    Err(Error::invalid_request(field, message))
}

fn range(field: &str, v: Option<f64>, lo: f64, hi: f64) -> Result<()> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => {
            bad(field, format!("must be between {lo} and {hi} (got {x})"))
        }
        _ => Ok(()),
    }
}

/// Whether `name` is a valid function/tool name: `^[a-zA-Z0-9_-]{1,64}$`.
pub(crate) fn valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Validates a chat request.
pub(crate) fn chat_request(req: &ChatRequest) -> Result<()> {
    if let Some(model) = &req.model
        && model.trim().is_empty()
    {
        return bad(
            "model",
            "must not be empty (leave it unset to use the account's default model)",
        );
    }
    if req.messages.is_empty() && req.prompt.as_deref().is_none_or(str::is_empty) {
        return bad("messages", "must not be empty (give messages or a prompt)");
    }
    range("temperature", req.temperature, 0.0, 2.0)?;
    range("top_p", req.top_p, 0.0, 1.0)?;
    range("presence_penalty", req.presence_penalty, -2.0, 2.0)?;
    range("frequency_penalty", req.frequency_penalty, -2.0, 2.0)?;
    if req.n == Some(0) {
        return bad("n", "must be at least 1");
    }
    if req.max_tokens == Some(0) {
        return bad("max_tokens", "must be at least 1");
    }
    if req.max_completion_tokens == Some(0) {
        return bad("max_completion_tokens", "must be at least 1");
    }
    if let Some(n) = req.top_logprobs {
        if n > 20 {
            return bad(
                "top_logprobs",
                format!("must be between 0 and 20 (got {n})"),
            );
        }
        if req.logprobs == Some(false) {
            return bad("top_logprobs", "needs `logprobs: true`");
        }
    }
    if let Some(bias) = &req.logit_bias {
        for (token, b) in bias {
            if !(-100..=100).contains(b) {
                return bad(
                    format!("logit_bias.{token}"),
                    format!("must be between -100 and 100 (got {b})"),
                );
            }
        }
    }
    if let Some(stop) = &req.stop
        && let Some(i) = stop.as_slice().iter().position(String::is_empty)
    {
        return bad(format!("stop[{i}]"), "must not be an empty string");
    }
    if req.stream_options.is_some() && req.stream == Some(false) {
        return bad("stream_options", "is only allowed when `stream` is true");
    }

    for (i, m) in req.messages.iter().enumerate() {
        let has_calls =
            m.tool_calls.as_ref().is_some_and(|c| !c.is_empty()) || m.function_call.is_some();
        match &m.role {
            Role::Tool => {
                if m.tool_call_id.as_deref().is_none_or(str::is_empty) {
                    return bad(
                        format!("messages[{i}].tool_call_id"),
                        "is required on a `tool` message",
                    );
                }
            }
            Role::Assistant => {
                if m.content.is_none() && !has_calls && m.refusal.is_none() {
                    return bad(
                        format!("messages[{i}].content"),
                        "an assistant message needs content or tool_calls",
                    );
                }
            }
            Role::Other(r) if r.is_empty() => {
                return bad(format!("messages[{i}].role"), "must not be empty");
            }
            _ => {
                if m.content.is_none() {
                    return bad(
                        format!("messages[{i}].content"),
                        format!("is required on a `{}` message", m.role),
                    );
                }
            }
        }
        if let Some(Content::Parts(parts)) = &m.content
            && parts.is_empty()
        {
            return bad(
                format!("messages[{i}].content"),
                "must not be an empty list",
            );
        }
        for (j, call) in m.tool_calls().iter().enumerate() {
            if call.id.is_empty() {
                return bad(
                    format!("messages[{i}].tool_calls[{j}].id"),
                    "must not be empty",
                );
            }
            if call.function.name.is_empty() {
                return bad(
                    format!("messages[{i}].tool_calls[{j}].function.name"),
                    "must not be empty",
                );
            }
        }
    }

    let mut names = HashSet::new();
    if let Some(tools) = &req.tools {
        for (i, t) in tools.iter().enumerate() {
            let name = &t.function.name;
            if !valid_tool_name(name) {
                return bad(
                    format!("tools[{i}].function.name"),
                    format!("{name:?} must match ^[a-zA-Z0-9_-]{{1,64}}$"),
                );
            }
            if !names.insert(name.as_str()) {
                return bad(
                    format!("tools[{i}].function.name"),
                    format!("{name:?} is declared twice"),
                );
            }
            if let Some(p) = &t.function.parameters {
                if !p.is_object() {
                    return bad(
                        format!("tools[{i}].function.parameters"),
                        "must be a JSON Schema object",
                    );
                }
                if t.function.strict == Some(true)
                    && let Err(e) = crate::structured::schema::strict_schema(p.clone())
                {
                    return bad(
                        format!("tools[{i}].function.parameters"),
                        format!("cannot be used in strict mode: {e}"),
                    );
                }
            }
        }
    }
    if let Some(ToolChoice::Function(name)) = &req.tool_choice {
        if req.tools.as_ref().is_none_or(Vec::is_empty) {
            return bad(
                "tool_choice",
                format!("names {name:?} but no tools are given"),
            );
        }
        if !names.contains(name.as_str()) {
            return bad(
                "tool_choice",
                format!("names {name:?}, which is not among the tools"),
            );
        }
    }
    if let Some(functions) = &req.functions {
        for (i, f) in functions.iter().enumerate() {
            if !valid_tool_name(&f.name) {
                return bad(
                    format!("functions[{i}].name"),
                    format!("{:?} must match ^[a-zA-Z0-9_-]{{1,64}}$", f.name),
                );
            }
        }
    }
    if let Some(crate::types::ResponseFormat::JsonSchema(f)) = &req.response_format
        && !valid_tool_name(&f.name)
    {
        return bad(
            "response_format.json_schema.name",
            format!("{:?} must match ^[a-zA-Z0-9_-]{{1,64}}$", f.name),
        );
    }
    Ok(())
}
