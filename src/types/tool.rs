//! Tool definitions, tool choice and response formats.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::message::ToolType;

/// A function the model may call: name, description and JSON Schema of its arguments.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionDefinition {
    /// `^[a-zA-Z0-9_-]{1,64}$`.
    pub name: String,
    /// What the function does; models read it to decide when to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// Ask the provider to follow the schema exactly (OpenAI strict mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tool {
    /// Always `function` today.
    #[serde(rename = "type", default)]
    pub kind: ToolType,
    /// The function.
    pub function: FunctionDefinition,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tool {
    /// A function tool with a hand-written JSON Schema for its arguments.
    pub fn new(name: impl Into<String>, description: impl Into<String>, parameters: Value) -> Self {
        Tool {
            kind: ToolType::Function,
            function: FunctionDefinition {
                name: name.into(),
                description: Some(description.into()),
                parameters: Some(parameters),
                strict: None,
            },
            extra: Map::new(),
        }
    }

    /// Marks the tool strict: the provider must follow the schema exactly.
    pub fn strict(mut self) -> Self {
        self.function.strict = Some(true);
        self
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.function.name
    }
}

/// Whether and which tool the model must call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolChoice {
    /// The model decides (`"auto"`).
    Auto,
    /// No tool calls (`"none"`).
    None,
    /// At least one tool call (`"required"`).
    Required,
    /// This function must be called.
    Function(String),
    /// A form this version does not know, kept verbatim.
    Other(Value),
}

impl ToolChoice {
    /// Forces a call of the named function.
    pub fn function(name: impl Into<String>) -> Self {
        ToolChoice::Function(name.into())
    }
}

impl Serialize for ToolChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ToolChoice::Auto => s.serialize_str("auto"),
            ToolChoice::None => s.serialize_str("none"),
            ToolChoice::Required => s.serialize_str("required"),
            ToolChoice::Function(name) => {
                json!({"type": "function", "function": {"name": name}}).serialize(s)
            }
            ToolChoice::Other(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(match &v {
            Value::String(s) if s == "auto" => ToolChoice::Auto,
            Value::String(s) if s == "none" => ToolChoice::None,
            Value::String(s) if s == "required" => ToolChoice::Required,
            Value::Object(o)
                if o.get("type").and_then(Value::as_str) == Some("function") && o.len() == 2 =>
            {
                match o
                    .get("function")
                    .and_then(|f| f.get("name"))
                    .and_then(Value::as_str)
                {
                    Some(name) => ToolChoice::Function(name.to_owned()),
                    None => ToolChoice::Other(v),
                }
            }
            Value::String(_) | Value::Object(_) => ToolChoice::Other(v),
            _ => {
                return Err(D::Error::custom(
                    "tool_choice must be a string or an object",
                ));
            }
        })
    }
}

/// The legacy `function_call` request field.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FunctionCallChoice {
    /// `"auto"`.
    Auto,
    /// `"none"`.
    None,
    /// `{"name": …}`.
    Function(String),
}

impl Serialize for FunctionCallChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FunctionCallChoice::Auto => s.serialize_str("auto"),
            FunctionCallChoice::None => s.serialize_str("none"),
            FunctionCallChoice::Function(name) => json!({ "name": name }).serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for FunctionCallChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match &v {
            Value::String(s) if s == "auto" => Ok(FunctionCallChoice::Auto),
            Value::String(s) if s == "none" => Ok(FunctionCallChoice::None),
            _ => match v.get("name").and_then(Value::as_str) {
                Some(n) => Ok(FunctionCallChoice::Function(n.to_owned())),
                None => Err(D::Error::custom(
                    "function_call must be \"auto\", \"none\" or {\"name\": …}",
                )),
            },
        }
    }
}

/// The schema part of a `json_schema` response format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchemaFormat {
    /// `^[a-zA-Z0-9_-]{1,64}$`.
    pub name: String,
    /// What the answer is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// Ask the provider to follow the schema exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// The shape the answer must take.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResponseFormat {
    /// `{"type":"text"}`: free text (the default).
    Text,
    /// `{"type":"json_object"}`: any valid JSON object.
    JsonObject,
    /// `{"type":"json_schema","json_schema":{…}}`: JSON that follows a schema.
    JsonSchema(JsonSchemaFormat),
    /// A form this version does not know, kept verbatim.
    Other(Value),
}

impl ResponseFormat {
    /// A strict `json_schema` format.
    pub fn json_schema(name: impl Into<String>, schema: Value) -> Self {
        ResponseFormat::JsonSchema(JsonSchemaFormat {
            name: name.into(),
            description: None,
            schema: Some(schema),
            strict: Some(true),
        })
    }
}

impl Serialize for ResponseFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Ser<'a> {
            Text,
            JsonObject,
            JsonSchema { json_schema: &'a JsonSchemaFormat },
        }
        match self {
            ResponseFormat::Text => Ser::Text.serialize(s),
            ResponseFormat::JsonObject => Ser::JsonObject.serialize(s),
            ResponseFormat::JsonSchema(f) => Ser::JsonSchema { json_schema: f }.serialize(s),
            ResponseFormat::Other(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ResponseFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(match v.get("type").and_then(Value::as_str) {
            Some("text") => ResponseFormat::Text,
            Some("json_object") => ResponseFormat::JsonObject,
            Some("json_schema") => match v.get("json_schema") {
                Some(js) => ResponseFormat::JsonSchema(
                    JsonSchemaFormat::deserialize(js.clone()).map_err(D::Error::custom)?,
                ),
                None => ResponseFormat::Other(v),
            },
            _ => ResponseFormat::Other(v),
        })
    }
}
