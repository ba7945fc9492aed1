//! `GET /models`: the model catalogue with Requesty's prices and capabilities.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One model of the catalogue.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Model {
    /// `provider/model`.
    pub id: String,
    /// `model`.
    #[serde(default)]
    pub object: String,
    /// Unix time the model was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<u64>,
    /// The owner or provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    /// A human description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Context window in tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Maximum output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// USD per input token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_price: Option<f64>,
    /// USD per output token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_price: Option<f64>,
    /// USD per input token read from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_price: Option<f64>,
    /// USD per input token written to the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caching_price: Option<f64>,
    /// Supports prompt caching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_caching: Option<bool>,
    /// Accepts images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_vision: Option<bool>,
    /// Can reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_reasoning: Option<bool>,
    /// Can call tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_tool_calls: Option<bool>,
    /// Supports computer use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_computer_use: Option<bool>,
    /// Other fields, including `supports_*` flags this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Model {
    /// Any `supports_<feature>` flag, named or not (e.g. `"vision"`, `"pdf"`).
    pub fn supports(&self, feature: &str) -> Option<bool> {
        match feature {
            "caching" => self.supports_caching,
            "vision" => self.supports_vision,
            "reasoning" => self.supports_reasoning,
            "tool_calls" => self.supports_tool_calls,
            "computer_use" => self.supports_computer_use,
            other => self
                .extra
                .get(&format!("supports_{other}"))
                .and_then(Value::as_bool),
        }
    }
}

/// The answer of `GET /models`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelList {
    /// `list`.
    #[serde(default)]
    pub object: String,
    /// The models.
    #[serde(default)]
    pub data: Vec<Model>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ModelList {
    /// The model with this id.
    pub fn get(&self, id: &str) -> Option<&Model> {
        self.data.iter().find(|m| m.id == id)
    }

    /// Iterates over the models.
    pub fn iter(&self) -> std::slice::Iter<'_, Model> {
        self.data.iter()
    }
}

impl<'a> IntoIterator for &'a ModelList {
    type Item = &'a Model;
    type IntoIter = std::slice::Iter<'a, Model>;
    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}
