//! The chat-completions request and its builder.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::message::{Content, Message, Role};
use super::security::SecurityLevel;
use super::tool::{FunctionCallChoice, FunctionDefinition, ResponseFormat, Tool, ToolChoice};
use crate::error::Result;

/// One or several stop sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stop {
    /// A single sequence.
    One(String),
    /// Several sequences.
    Many(Vec<String>),
}

impl Stop {
    /// The sequences as a slice.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Stop::One(s) => std::slice::from_ref(s),
            Stop::Many(v) => v,
        }
    }
}

impl From<&str> for Stop {
    fn from(s: &str) -> Self {
        Stop::One(s.to_owned())
    }
}

impl From<String> for Stop {
    fn from(s: String) -> Self {
        Stop::One(s)
    }
}

impl From<Vec<String>> for Stop {
    fn from(v: Vec<String>) -> Self {
        Stop::Many(v)
    }
}

impl<const N: usize> From<[&str; N]> for Stop {
    fn from(v: [&str; N]) -> Self {
        Stop::Many(v.iter().map(|s| (*s).to_owned()).collect())
    }
}

/// How hard a reasoning model thinks before answering.
///
/// Besides OpenAI's levels, Requesty accepts `min`, `max` and a token budget
/// written as a number in a string (`"4096"`), which [`ReasoningEffort::Budget`]
/// models. Unknown values are kept in [`ReasoningEffort::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReasoningEffort {
    /// `none`: no reasoning.
    None,
    /// `minimal`.
    Minimal,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `xhigh`.
    XHigh,
    /// `min` (Requesty): the smallest budget the model allows.
    Min,
    /// `max` (Requesty): the largest budget the model allows.
    Max,
    /// A reasoning budget in tokens, sent as a string (Requesty).
    Budget(u32),
    /// A value this version of the crate does not know, kept verbatim.
    Other(String),
}

impl ReasoningEffort {
    /// The value as it appears on the wire.
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            ReasoningEffort::None => Borrowed("none"),
            ReasoningEffort::Minimal => Borrowed("minimal"),
            ReasoningEffort::Low => Borrowed("low"),
            ReasoningEffort::Medium => Borrowed("medium"),
            ReasoningEffort::High => Borrowed("high"),
            ReasoningEffort::XHigh => Borrowed("xhigh"),
            ReasoningEffort::Min => Borrowed("min"),
            ReasoningEffort::Max => Borrowed("max"),
            ReasoningEffort::Budget(n) => std::borrow::Cow::Owned(n.to_string()),
            ReasoningEffort::Other(s) => Borrowed(s),
        }
    }
}

impl From<&str> for ReasoningEffort {
    fn from(s: &str) -> Self {
        match s {
            "none" => ReasoningEffort::None,
            "minimal" => ReasoningEffort::Minimal,
            "low" => ReasoningEffort::Low,
            "medium" => ReasoningEffort::Medium,
            "high" => ReasoningEffort::High,
            "xhigh" => ReasoningEffort::XHigh,
            "min" => ReasoningEffort::Min,
            "max" => ReasoningEffort::Max,
            other => match other.parse::<u32>() {
                Ok(n) if !other.starts_with('+') => ReasoningEffort::Budget(n),
                _ => ReasoningEffort::Other(other.to_owned()),
            },
        }
    }
}

impl std::fmt::Display for ReasoningEffort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl Serialize for ReasoningEffort {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for ReasoningEffort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(ReasoningEffort::from(s.as_str()))
    }
}

/// `stream_options`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Ask for a final chunk carrying `usage` (and Requesty's `usage.cost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_usage: Option<bool>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Requesty's `requesty` request object: tags, user and trace ids and any
/// metadata for analytics. It is read by the hosted router (and by the local
/// router's log) and never reaches a provider.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RequestyOptions {
    /// Tags that group related requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The end user making the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Ties related requests of one workflow together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Free-form metadata (location, tenant, prompt title, …).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
    /// Let the router add prompt-cache markers automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_cache: Option<bool>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl RequestyOptions {
    /// Whether nothing is set (the object is then omitted from the request).
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.user_id.is_none()
            && self.trace_id.is_none()
            && self.extra.is_empty()
            && self.auto_cache.is_none()
            && self.other.is_empty()
    }
}

fn requesty_is_empty(r: &Option<RequestyOptions>) -> bool {
    r.as_ref().is_none_or(RequestyOptions::is_empty)
}

/// A chat-completions request: the whole OpenAI schema plus Requesty's
/// `requesty` object, with a builder.
///
/// ```
/// use requesty::ChatRequest;
/// let req = ChatRequest::new("openai/gpt-4o-mini")
///     .system("Be terse.")
///     .user("Hello")
///     .temperature(0.2)
///     .max_tokens(100)
///     .tags(["demo"])
///     .user_id("u-1")
///     .trace_id("t-1");
/// let wire = serde_json::to_value(&req).unwrap();
/// assert_eq!(wire["temperature"], 0.2);
/// assert_eq!(wire["requesty"]["tags"][0], "demo");
/// ```
///
/// Every field is public; the builder methods are shorthands. Unknown fields
/// go through [`ChatRequest::extra`] and are sent as top-level fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChatRequest {
    /// `provider/model`, a policy or an alias; `None` lets the hosted router
    /// use the account's default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The conversation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    /// A bare prompt, the alternative to `messages` some providers accept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Stream the answer as server-sent events (set by `chat().stream()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Streaming options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Maximum tokens to generate (legacy name, widely accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Maximum tokens to generate, reasoning included (newer OpenAI name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    /// Sampling temperature, 0 to 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// How many choices to generate (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// Seed for best-effort deterministic sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// -2 to 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// -2 to 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Token id → bias from -100 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logit_bias: Option<BTreeMap<String, i32>>,
    /// Return log probabilities of the output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    /// How many alternatives per token, 0 to 20 (needs `logprobs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
    /// OpenAI's end-user identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Whether and which tool the model must call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Allow several tool calls in one turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// The shape of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// How hard a reasoning model thinks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Requesty's tags, ids and metadata.
    #[serde(default, skip_serializing_if = "requesty_is_empty")]
    pub requesty: Option<RequestyOptions>,
    /// Legacy function definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functions: Option<Vec<FunctionDefinition>>,
    /// Legacy function choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCallChoice>,
    /// The security level for this request: sent as the `X-Security-Level`
    /// header in remote mode, applied by the local router (it may raise the
    /// router's level, never lower it). Not part of the JSON body.
    #[serde(skip)]
    pub security_level: Option<SecurityLevel>,
    /// Any other top-level field, sent as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChatRequest {
    /// Sets the security level for this request (see
    /// [`ChatRequest::security_level`](ChatRequest#structfield.security_level)).
    pub fn security_level(mut self, level: SecurityLevel) -> Self {
        self.security_level = Some(level);
        self
    }

    /// A request for `model` (`provider/model`, a policy or an alias).
    pub fn new(model: impl Into<String>) -> Self {
        ChatRequest {
            model: Some(model.into()),
            ..ChatRequest::default()
        }
    }

    /// Sets the model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Appends a message.
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// Appends messages.
    pub fn messages(mut self, messages: impl IntoIterator<Item = Message>) -> Self {
        self.messages.extend(messages);
        self
    }

    /// Appends a `system` message.
    pub fn system(self, content: impl Into<Content>) -> Self {
        self.message(Message::new(Role::System, content))
    }

    /// Appends a `developer` message.
    pub fn developer(self, content: impl Into<Content>) -> Self {
        self.message(Message::new(Role::Developer, content))
    }

    /// Appends a `user` message (text or parts).
    pub fn user(self, content: impl Into<Content>) -> Self {
        self.message(Message::new(Role::User, content))
    }

    /// Appends an `assistant` message.
    pub fn assistant(self, content: impl Into<Content>) -> Self {
        self.message(Message::new(Role::Assistant, content))
    }

    /// Sets a bare prompt instead of messages.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// Sampling temperature, 0 to 2.
    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }

    /// Nucleus sampling, 0 to 1.
    pub fn top_p(mut self, p: f64) -> Self {
        self.top_p = Some(p);
        self
    }

    /// Maximum tokens to generate (`max_tokens`).
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }

    /// Maximum tokens including reasoning (`max_completion_tokens`).
    pub fn max_completion_tokens(mut self, n: u32) -> Self {
        self.max_completion_tokens = Some(n);
        self
    }

    /// Number of choices.
    pub fn n(mut self, n: u32) -> Self {
        self.n = Some(n);
        self
    }

    /// Stop sequence(s).
    pub fn stop(mut self, stop: impl Into<Stop>) -> Self {
        self.stop = Some(stop.into());
        self
    }

    /// Sampling seed.
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Presence penalty, -2 to 2.
    pub fn presence_penalty(mut self, p: f64) -> Self {
        self.presence_penalty = Some(p);
        self
    }

    /// Frequency penalty, -2 to 2.
    pub fn frequency_penalty(mut self, p: f64) -> Self {
        self.frequency_penalty = Some(p);
        self
    }

    /// Biases one token id (-100 to 100).
    pub fn logit_bias(mut self, token_id: impl ToString, bias: i32) -> Self {
        self.logit_bias
            .get_or_insert_with(BTreeMap::new)
            .insert(token_id.to_string(), bias);
        self
    }

    /// Return log probabilities.
    pub fn logprobs(mut self, on: bool) -> Self {
        self.logprobs = Some(on);
        self
    }

    /// Alternatives per token (turns `logprobs` on).
    pub fn top_logprobs(mut self, n: u32) -> Self {
        self.logprobs = Some(true);
        self.top_logprobs = Some(n);
        self
    }

    /// OpenAI's `user` field (an end-user identifier sent to the provider).
    /// For Requesty's analytics user id use [`ChatRequest::user_id`].
    pub fn end_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Offers a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.get_or_insert_with(Vec::new).push(tool);
        self
    }

    /// Offers tools.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools.get_or_insert_with(Vec::new).extend(tools);
        self
    }

    /// Sets the tool choice.
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// Allows or forbids parallel tool calls.
    pub fn parallel_tool_calls(mut self, on: bool) -> Self {
        self.parallel_tool_calls = Some(on);
        self
    }

    /// Sets the response format.
    pub fn response_format(mut self, format: ResponseFormat) -> Self {
        self.response_format = Some(format);
        self
    }

    /// Sets the reasoning effort (`"low"`, `"max"`, `"4096"`, or a [`ReasoningEffort`]).
    pub fn reasoning_effort(mut self, effort: impl Into<ReasoningEffort>) -> Self {
        self.reasoning_effort = Some(effort.into());
        self
    }

    /// Sets `stream_options.include_usage`.
    pub fn include_usage(mut self, on: bool) -> Self {
        self.stream_options
            .get_or_insert_with(StreamOptions::default)
            .include_usage = Some(on);
        self
    }

    fn requesty_mut(&mut self) -> &mut RequestyOptions {
        self.requesty.get_or_insert_with(RequestyOptions::default)
    }

    /// Adds Requesty tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requesty_mut()
            .tags
            .extend(tags.into_iter().map(Into::into));
        self
    }

    /// Adds one Requesty tag.
    pub fn tag(self, tag: impl Into<String>) -> Self {
        self.tags([tag.into()])
    }

    /// Requesty's user id (analytics; never sent to the provider).
    pub fn user_id(mut self, id: impl Into<String>) -> Self {
        self.requesty_mut().user_id = Some(id.into());
        self
    }

    /// Requesty's trace id.
    pub fn trace_id(mut self, id: impl Into<String>) -> Self {
        self.requesty_mut().trace_id = Some(id.into());
        self
    }

    /// Free-form request metadata (location, tenant, …), carried in `requesty.extra`.
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.requesty_mut().extra.insert(key.into(), value.into());
        self
    }

    /// Requesty's automatic prompt caching.
    pub fn auto_cache(mut self, on: bool) -> Self {
        self.requesty_mut().auto_cache = Some(on);
        self
    }

    /// Any other top-level field, sent as is (e.g. `service_tier`, `store`).
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Checks the request before anything is sent; the error names the field.
    ///
    /// ```
    /// let err = requesty::ChatRequest::new("openai/gpt-4o-mini")
    ///     .user("hi")
    ///     .temperature(3.0)
    ///     .validate()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("temperature"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        crate::validate::chat_request(self)
    }
}
