//! Tools from Rust types: definitions, typed arguments, and the tool loop.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::chat::Chat;
use crate::error::{BoxError, ErrorKind, Result};
use crate::structured::schema::{schema_for, strict_schema};
use crate::types::{ChatCompletion, ChatRequest, Message, Tool, ToolCall};

impl Tool {
    /// A function tool whose arguments are `T`, with the JSON Schema derived
    /// by schemars (doc comments become descriptions).
    ///
    /// The schema is rewritten into the form strict mode accepts whenever
    /// `T` allows it (every property required, `Option` fields nullable,
    /// `additionalProperties: false`), so [`Tool::strict`] can be turned on;
    /// for types strict mode cannot express (maps with arbitrary keys) the
    /// plain schema is used and a strict tool fails validation, naming why.
    ///
    /// ```
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct GetWeather {
    ///     /// City and country, e.g. "Paris, France"
    ///     location: String,
    ///     unit: Option<String>,
    /// }
    /// let tool = requesty::Tool::function::<GetWeather>("get_current_weather", "Get the current weather");
    /// let params = tool.function.parameters.as_ref().unwrap();
    /// assert_eq!(params["required"], serde_json::json!(["location", "unit"]));
    /// ```
    pub fn function<T: schemars::JsonSchema + ?Sized>(
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        let plain = schema_for::<T>();
        let parameters = match strict_schema(plain.clone()) {
            Ok(strict) => strict,
            Err(_) => {
                let mut p = plain;
                if let Some(o) = p.as_object_mut() {
                    o.remove("$schema");
                    o.remove("title");
                }
                p
            }
        };
        Tool::new(name, description, parameters)
    }
}

impl ToolCall {
    /// Parses the arguments the model wrote as `T`. The error names the tool
    /// and the JSON path of the offending value. Empty arguments read as `{}`.
    pub fn parse_arguments<T: DeserializeOwned>(&self) -> Result<T> {
        parse_arguments(&self.function.name, &self.function.arguments)
    }
}

fn parse_arguments<T: DeserializeOwned>(tool: &str, arguments: &str) -> Result<T> {
    let text = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ErrorKind::ToolArguments {
            tool: tool.to_owned(),
            path,
            message: e.into_inner().to_string(),
            arguments: arguments.to_owned(),
        }
        .into()
    })
}

impl Message {
    /// The `tool` message answering `call` with `result`: a string is sent as
    /// is, anything else as JSON text.
    pub fn tool_result(call: &ToolCall, result: impl Serialize) -> Message {
        Message::tool(call.id.clone(), result_text(&result))
    }
}

fn result_text(result: &impl Serialize) -> String {
    match serde_json::to_value(result) {
        Ok(Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(e) => format!("error: the tool result could not be serialized: {e}"),
    }
}

/// A tool implemented by a type (for handlers that carry state).
///
/// ```
/// use requesty::{BoxError, ToolBox, ToolFn};
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Lookup { key: String }
/// struct Db(std::collections::HashMap<String, String>);
/// impl ToolFn for Db {
///     type Args = Lookup;
///     type Output = Option<String>;
///     async fn call(&self, args: Lookup) -> Result<Option<String>, BoxError> {
///         Ok(self.0.get(&args.key).cloned())
///     }
/// }
/// let toolbox = ToolBox::new().add_tool("lookup", "Look a key up", Db(Default::default()));
/// assert_eq!(toolbox.tools().len(), 1);
/// ```
pub trait ToolFn: Send + Sync + 'static {
    /// The arguments, parsed from the model's JSON.
    type Args: DeserializeOwned + schemars::JsonSchema + Send;
    /// The result, sent back to the model as JSON.
    type Output: Serialize + Send;
    /// Runs the tool.
    fn call(
        &self,
        args: Self::Args,
    ) -> impl Future<Output = std::result::Result<Self::Output, BoxError>> + Send;
}

type Handler = Arc<dyn Fn(String, String) -> BoxFuture<'static, String> + Send + Sync>;

/// Tools the model may call and the Rust functions that answer them, for
/// [`Chat::run_tools`].
///
/// ```
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct GetWeather { location: String }
/// let toolbox = requesty::ToolBox::new().add(
///     "get_current_weather",
///     "Get the current weather",
///     |args: GetWeather| async move { Ok(serde_json::json!({"city": args.location, "temp_c": 21})) },
/// );
/// ```
#[derive(Clone)]
pub struct ToolBox {
    tools: Vec<Tool>,
    handlers: HashMap<String, Handler>,
    max_rounds: usize,
}

impl Default for ToolBox {
    fn default() -> Self {
        ToolBox {
            tools: Vec::new(),
            handlers: HashMap::new(),
            max_rounds: 8,
        }
    }
}

impl std::fmt::Debug for ToolBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolBox")
            .field(
                "tools",
                &self.tools.iter().map(Tool::name).collect::<Vec<_>>(),
            )
            .field("max_rounds", &self.max_rounds)
            .finish()
    }
}

impl ToolBox {
    /// An empty toolbox (at most 8 rounds of tool calls).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tool answered by an async closure; the argument type (and so
    /// the schema) is inferred from the closure.
    pub fn add<A, O, F, Fut>(
        self,
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Self
    where
        A: DeserializeOwned + schemars::JsonSchema + Send + 'static,
        O: Serialize + Send + 'static,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<O, BoxError>> + Send + 'static,
    {
        let name = name.into();
        let tool = Tool::function::<A>(name.clone(), description);
        let handler = Arc::new(handler);
        let erased: Handler = Arc::new(move |tool_name: String, arguments: String| {
            let handler = handler.clone();
            async move {
                match parse_arguments::<A>(&tool_name, &arguments) {
                    Ok(args) => match handler(args).await {
                        Ok(out) => result_text(&out),
                        Err(e) => format!("error: {e}"),
                    },
                    Err(e) => format!("error: {e}"),
                }
            }
            .boxed()
        });
        self.insert(tool, erased)
    }

    /// Adds a tool implemented by a [`ToolFn`].
    pub fn add_tool<H: ToolFn>(
        self,
        name: impl Into<String>,
        description: impl Into<String>,
        handler: H,
    ) -> Self {
        let handler = Arc::new(handler);
        self.add(name, description, move |args: H::Args| {
            let handler = handler.clone();
            async move { handler.call(args).await }
        })
    }

    fn insert(mut self, tool: Tool, handler: Handler) -> Self {
        let name = tool.function.name.clone();
        self.tools.retain(|t| t.function.name != name);
        self.tools.push(tool);
        self.handlers.insert(name, handler);
        self
    }

    /// Marks every tool strict.
    pub fn strict(mut self) -> Self {
        self.tools = self.tools.into_iter().map(Tool::strict).collect();
        self
    }

    /// The most rounds of tool calls [`Chat::run_tools`] allows (default 8).
    pub fn max_rounds(mut self, rounds: usize) -> Self {
        self.max_rounds = rounds;
        self
    }

    /// The tool definitions.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// Runs one call: the handler's result, or an error text for the model
    /// (unknown tool, bad arguments, handler error or panic). Never panics.
    pub async fn call(&self, call: &ToolCall) -> String {
        let name = &call.function.name;
        let Some(handler) = self.handlers.get(name) else {
            let mut known: Vec<&str> = self.tools.iter().map(Tool::name).collect();
            known.sort_unstable();
            return format!(
                "error: there is no tool named `{name}`; the tools are: {}",
                known.join(", ")
            );
        };
        let fut = handler(name.clone(), call.function.arguments.clone());
        match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
            Ok(text) => text,
            Err(_) => format!("error: the tool `{name}` failed unexpectedly"),
        }
    }
}

/// The outcome of [`Chat::run_tools`].
#[derive(Debug, Clone)]
pub struct ToolRun {
    /// The final answer (the model stopped calling tools).
    pub completion: ChatCompletion,
    /// The whole conversation: the request's messages, then each assistant
    /// turn and its tool results, then the final answer.
    pub messages: Vec<Message>,
    /// How many rounds of tool calls were executed.
    pub rounds: usize,
}

impl ToolRun {
    /// The final answer's text.
    pub fn text(&self) -> Option<String> {
        self.completion.text()
    }
}

impl Chat<'_> {
    /// Lets the model call the toolbox's tools until it answers: executes the
    /// calls of each turn (concurrently), appends the assistant turn and the
    /// `tool` results, and asks again, up to the toolbox's round limit
    /// ([`ErrorKind::ToolRounds`] past it). An unknown tool, invalid arguments
    /// or a handler error go back to the model as the tool's result.
    ///
    /// The toolbox's tools are added to the request (tools already in the
    /// request with the same name are replaced).
    pub async fn run_tools(&self, mut req: ChatRequest, toolbox: &ToolBox) -> Result<ToolRun> {
        let mut tools = req.tools.take().unwrap_or_default();
        tools.retain(|t| !toolbox.handlers.contains_key(t.name()));
        tools.extend(toolbox.tools.iter().cloned());
        req.tools = Some(tools);
        let mut rounds = 0;
        loop {
            let completion = self.create(req.clone()).await?;
            let calls = completion.tool_calls().to_vec();
            if calls.is_empty() {
                let mut messages = req.messages;
                messages.push(completion.assistant_message());
                return Ok(ToolRun {
                    completion,
                    messages,
                    rounds,
                });
            }
            if rounds >= toolbox.max_rounds {
                return Err(ErrorKind::ToolRounds {
                    rounds: toolbox.max_rounds,
                }
                .into());
            }
            rounds += 1;
            req.messages.push(completion.assistant_message());
            let results =
                futures::future::join_all(calls.iter().map(|call| toolbox.call(call))).await;
            for (call, text) in calls.iter().zip(results) {
                req.messages.push(Message::tool(call.id.clone(), text));
            }
            // A forced tool choice would loop forever; after the first round let the model answer.
            if matches!(
                req.tool_choice,
                Some(crate::ToolChoice::Required | crate::ToolChoice::Function(_))
            ) {
                req.tool_choice = Some(crate::ToolChoice::Auto);
            }
        }
    }
}
