//! `chat().parse::<T>()`: answers that are values of your own types.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::schema::{needs_wrapping, schema_for, schema_name, strict_schema_for};
use crate::chat::Chat;
use crate::error::{Error, ErrorKind, Result};
use crate::types::{ChatCompletion, ChatRequest, FinishReason, JsonSchemaFormat, ResponseFormat};

/// A typed answer and the completion it came from.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The answer as your type.
    pub value: T,
    /// The completion (usage, model, id, request id).
    pub completion: ChatCompletion,
}

impl<T: DeserializeOwned + schemars::JsonSchema> Parsed<T> {
    /// Parses the first choice of a completion (streamed and assembled, or
    /// not) as `T`. For a `T` that is not a JSON object (a `Vec`, an enum, a
    /// number), the schema sent wraps it as `{"value": …}`, and the wrapper is
    /// removed here.
    ///
    /// A refusal is [`ErrorKind::Refusal`], a cut answer
    /// [`ErrorKind::Truncated`], and JSON that does not fit `T` a
    /// [`ErrorKind::Decode`] naming the JSON path and showing the content.
    pub fn from_completion(completion: ChatCompletion) -> Result<Self> {
        let wrapped = needs_wrapping(&schema_for::<T>());
        let choice = completion
            .choices
            .first()
            .ok_or_else(|| Error::decode("the answer has no choices", b""))?;
        if let Some(refusal) = choice.message.refusal.as_deref().filter(|r| !r.is_empty()) {
            return Err(ErrorKind::Refusal {
                refusal: refusal.to_owned(),
            }
            .into());
        }
        let content = choice
            .message
            .text()
            .map(|t| t.into_owned())
            .unwrap_or_default();
        if choice.finish_reason == Some(FinishReason::Length) {
            return Err(ErrorKind::Truncated { content }.into());
        }
        if content.trim().is_empty() {
            return Err(Error::decode(
                "the answer has no content to parse",
                content.as_bytes(),
            ));
        }
        let value = decode_value::<T>(&content, wrapped)?;
        Ok(Parsed { value, completion })
    }
}

/// Decodes `content` as `T`, unwrapping `{"value": …}` when `wrapped`.
fn decode_value<T: DeserializeOwned>(content: &str, wrapped: bool) -> Result<T> {
    let fail = |path: String, msg: String| {
        let where_ = if path.is_empty() || path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        Error::decode(
            format!("the answer does not fit the type{where_}: {msg}"),
            content.as_bytes(),
        )
    };
    let text = strip_code_fence(content);
    if wrapped {
        let v: Value =
            serde_json::from_str(text).map_err(|e| fail(String::new(), e.to_string()))?;
        // `{"value": …}` as asked; a model that answered the bare value is accepted too.
        let (inner, prefix) = match v {
            Value::Object(mut o) if o.len() == 1 && o.contains_key("value") => {
                (o.remove("value").unwrap_or(Value::Null), "value.")
            }
            other => (other, ""),
        };
        serde_path_to_error::deserialize(inner)
            .map_err(|e| fail(format!("{prefix}{}", e.path()), e.into_inner().to_string()))
    } else {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de)
            .map_err(|e| fail(e.path().to_string(), e.into_inner().to_string()))
    }
}

/// Models without strict mode sometimes wrap JSON in a Markdown code fence.
fn strip_code_fence(s: &str) -> &str {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix("```")
        && let Some(body) = rest.strip_suffix("```")
    {
        let body = body.strip_prefix("json").unwrap_or(body);
        return body.trim();
    }
    t
}

impl ChatRequest {
    /// Asks for an answer that follows `T`'s JSON Schema, in strict mode:
    /// `response_format: {type: "json_schema", json_schema: {name, schema, strict: true}}`.
    /// The name derives from the type. Fails if `T` cannot be expressed in
    /// strict mode (e.g. a map with arbitrary keys), naming the path.
    pub fn json_schema<T: schemars::JsonSchema + ?Sized>(mut self) -> Result<Self> {
        let schema = strict_schema_for::<T>()?;
        self.response_format = Some(ResponseFormat::JsonSchema(JsonSchemaFormat {
            name: schema_name::<T>(),
            description: None,
            schema: Some(schema),
            strict: Some(true),
        }));
        Ok(self)
    }
}

impl Chat<'_> {
    /// Sends the request asking for JSON that follows `T`'s schema (strict
    /// mode) and parses the answer into `T`.
    ///
    /// If the request already has a `response_format` (for example
    /// [`ResponseFormat::JsonObject`] for providers without strict mode), it
    /// is kept and the answer is parsed all the same.
    ///
    /// ```no_run
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Weather { city: String, temperature_c: f64, conditions: Vec<String> }
    /// # async fn run(client: requesty::Client) -> requesty::Result<()> {
    /// let req = requesty::ChatRequest::new("openai/gpt-4o-mini").user("Weather in Paris?");
    /// let parsed = client.chat().parse::<Weather>(req).await?;
    /// println!("{} °C", parsed.value.temperature_c);
    /// # Ok(()) }
    /// ```
    pub async fn parse<T>(&self, req: ChatRequest) -> Result<Parsed<T>>
    where
        T: DeserializeOwned + schemars::JsonSchema,
    {
        let req = if req.response_format.is_none() {
            req.json_schema::<T>()?
        } else {
            req
        };
        let completion = self.create(req).await?;
        Parsed::from_completion(completion)
    }
}
