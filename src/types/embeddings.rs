//! `POST /embeddings`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::meta::ResponseMeta;

/// What to embed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingInput {
    /// One text.
    Text(String),
    /// Several texts.
    Texts(Vec<String>),
    /// One pre-tokenized input.
    Tokens(Vec<u32>),
    /// Several pre-tokenized inputs.
    TokenBatches(Vec<Vec<u32>>),
}

/// An embeddings request.
///
/// ```
/// let req = requesty::EmbeddingRequest::new("openai/text-embedding-3-small", ["hi", "there"]);
/// assert_eq!(serde_json::to_value(&req).unwrap()["input"][1], "there");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRequest {
    /// `provider/model`.
    pub model: String,
    /// The input(s).
    pub input: EmbeddingInput,
    /// `float` (default) or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
    /// Output dimensions, for models that can shorten them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// End-user identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Any other field, sent as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EmbeddingRequest {
    /// Embeds several texts with `model`.
    pub fn new<I, S>(model: impl Into<String>, inputs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EmbeddingRequest {
            model: model.into(),
            input: EmbeddingInput::Texts(inputs.into_iter().map(Into::into).collect()),
            encoding_format: None,
            dimensions: None,
            user: None,
            extra: Map::new(),
        }
    }

    /// Sets the output dimensions.
    pub fn dimensions(mut self, n: u32) -> Self {
        self.dimensions = Some(n);
        self
    }

    /// Checks the request before anything is sent.
    pub fn validate(&self) -> Result<()> {
        if self.model.trim().is_empty() {
            return Err(Error::invalid_request("model", "must not be empty"));
        }
        let empty = match &self.input {
            EmbeddingInput::Text(t) => t.is_empty(),
            EmbeddingInput::Texts(v) => {
                if let Some(i) = v.iter().position(String::is_empty) {
                    return Err(Error::invalid_request(
                        format!("input[{i}]"),
                        "must not be an empty string",
                    ));
                }
                v.is_empty()
            }
            EmbeddingInput::Tokens(v) => v.is_empty(),
            EmbeddingInput::TokenBatches(v) => v.is_empty() || v.iter().any(Vec::is_empty),
        };
        if empty {
            return Err(Error::invalid_request("input", "must not be empty"));
        }
        if self.dimensions == Some(0) {
            return Err(Error::invalid_request("dimensions", "must be at least 1"));
        }
        Ok(())
    }
}

/// An embedding vector: floats, or base64 when `encoding_format` is `base64`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingVector {
    /// Floats.
    Float(Vec<f32>),
    /// Base64-encoded little-endian `f32`s.
    Base64(String),
}

/// One embedding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    /// Which input it embeds.
    #[serde(default)]
    pub index: u32,
    /// The vector.
    pub embedding: EmbeddingVector,
    /// `embedding`.
    #[serde(default)]
    pub object: String,
}

impl Embedding {
    /// The vector as floats (`None` for base64).
    pub fn as_floats(&self) -> Option<&[f32]> {
        match &self.embedding {
            EmbeddingVector::Float(v) => Some(v),
            EmbeddingVector::Base64(_) => None,
        }
    }
}

/// Token counts (and cost) of an embeddings request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EmbeddingUsage {
    /// Input tokens.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Total tokens.
    #[serde(default)]
    pub total_tokens: u64,
    /// Cost in USD (Requesty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of `POST /embeddings`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EmbeddingResponse {
    /// `list`.
    #[serde(default)]
    pub object: String,
    /// The embeddings, one per input.
    #[serde(default)]
    pub data: Vec<Embedding>,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<EmbeddingUsage>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// HTTP metadata of the response; not part of the JSON.
    #[serde(skip)]
    pub meta: ResponseMeta,
}
