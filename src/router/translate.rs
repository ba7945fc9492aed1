//! What the router changes before a request leaves for a provider.
//!
//! - The `requesty` object is removed (it is for the router's log, never
//!   for a provider).
//! - `prompt` becomes a user message.
//! - Legacy `functions` / `function_call` become `tools` / `tool_choice`,
//!   and a legacy assistant `function_call` or `function` message becomes a
//!   tool call and its `tool` result.
//! - `stream` and `stream_options` are left to the provider call.
//!
//! Requesty's `reasoning_effort` values (`min`, `max`, budgets) are mapped
//! by each provider, which knows what its models take.

use crate::types::{
    ChatRequest, FunctionCallChoice, Message, RequestyOptions, Role, Tool, ToolCall, ToolChoice,
    ToolType,
};

/// Prepares a request for the providers; returns it and the removed
/// `requesty` object.
pub(crate) fn prepare(mut req: ChatRequest) -> (ChatRequest, Option<RequestyOptions>) {
    let requesty = req.requesty.take();
    if let Some(prompt) = req.prompt.take()
        && !prompt.is_empty()
    {
        req.messages.push(Message::user(prompt));
    }
    if let Some(functions) = req.functions.take() {
        let tools = req.tools.get_or_insert_with(Vec::new);
        for f in functions {
            if !tools.iter().any(|t| t.function.name == f.name) {
                tools.push(Tool {
                    kind: ToolType::Function,
                    function: f,
                    extra: Default::default(),
                });
            }
        }
    }
    if let Some(fc) = req.function_call.take()
        && req.tool_choice.is_none()
    {
        req.tool_choice = Some(match fc {
            FunctionCallChoice::Auto => ToolChoice::Auto,
            FunctionCallChoice::None => ToolChoice::None,
            FunctionCallChoice::Function(name) => ToolChoice::Function(name),
        });
    }
    legacy_function_turns(&mut req.messages);
    (req, requesty)
}

/// Rewrites legacy function-call turns as tool calls: an assistant
/// `function_call` becomes a tool call with a synthesized id, and the
/// following `function` message its `tool` result.
fn legacy_function_turns(messages: &mut [Message]) {
    let mut pending: Option<String> = None;
    for (i, m) in messages.iter_mut().enumerate() {
        match m.role {
            Role::Assistant if m.tool_calls.is_none() => {
                if let Some(fc) = m.function_call.take() {
                    let id = format!("call_legacy_{i}");
                    m.tool_calls =
                        Some(vec![ToolCall::function(id.clone(), fc.name, fc.arguments)]);
                    pending = Some(id);
                }
            }
            Role::Function => {
                m.role = Role::Tool;
                m.tool_call_id = pending.take().or_else(|| Some(format!("call_legacy_{i}")));
                m.name = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{FunctionCall, FunctionDefinition};

    #[test]
    fn legacy_fields_and_prompt_are_translated() {
        let req = ChatRequest {
            model: Some("p/m".into()),
            prompt: Some("Say hi".into()),
            functions: Some(vec![FunctionDefinition {
                name: "f".into(),
                ..Default::default()
            }]),
            function_call: Some(FunctionCallChoice::Function("f".into())),
            ..Default::default()
        }
        .tags(["t"]);
        let (out, requesty) = prepare(req);
        assert_eq!(requesty.unwrap().tags, ["t"]);
        assert!(out.requesty.is_none() && out.prompt.is_none() && out.functions.is_none());
        assert_eq!(out.messages, [Message::user("Say hi")]);
        assert_eq!(out.tools.unwrap()[0].function.name, "f");
        assert_eq!(out.tool_choice, Some(ToolChoice::Function("f".into())));
    }

    #[test]
    fn legacy_function_turns_become_tool_turns() {
        let mut msgs = vec![
            Message::user("x"),
            Message {
                role: Role::Assistant,
                function_call: Some(FunctionCall {
                    name: "f".into(),
                    arguments: "{}".into(),
                }),
                ..Default::default()
            },
            Message::new(Role::Function, "42").with_name("f"),
        ];
        legacy_function_turns(&mut msgs);
        assert_eq!(msgs[1].tool_calls()[0].id, "call_legacy_1");
        assert_eq!(msgs[2].role, Role::Tool);
        assert_eq!(msgs[2].tool_call_id.as_deref(), Some("call_legacy_1"));
        ChatRequest::new("p/m").messages(msgs).validate().unwrap();
    }
}
