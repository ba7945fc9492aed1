//! Model ids: `provider/model[@region]` and `policy/<name>`.

use crate::error::{Error, Result};

/// A parsed model id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModelId {
    /// `provider/model`, optionally `@region`.
    Model {
        /// The provider id (`openai`).
        provider: String,
        /// The provider's model name (`gpt-4o-mini`; may itself contain `/`).
        model: String,
        /// The region after `@`, if any.
        region: Option<String>,
    },
    /// `policy/<name>`.
    Policy(String),
}

impl ModelId {
    /// Parses `provider/model[@region]` or `policy/<name>`.
    ///
    /// ```
    /// use requesty::router::ModelId;
    /// assert_eq!(
    ///     ModelId::parse("bedrock/claude-sonnet-4@eu-central-1").unwrap(),
    ///     ModelId::Model { provider: "bedrock".into(), model: "claude-sonnet-4".into(), region: Some("eu-central-1".into()) }
    /// );
    /// assert_eq!(ModelId::parse("policy/reliable").unwrap(), ModelId::Policy("reliable".into()));
    /// assert!(ModelId::parse("gpt-4o").is_err());
    /// ```
    pub fn parse(id: &str) -> Result<ModelId> {
        let id = id.trim();
        let Some((provider, rest)) = id.split_once('/') else {
            return Err(Error::invalid_request(
                "model",
                format!(
                    "{id:?} is not a model id: use `provider/model` (e.g. `openai/gpt-4o-mini`) or `policy/<name>`"
                ),
            ));
        };
        if provider.is_empty() || rest.is_empty() {
            return Err(Error::invalid_request(
                "model",
                format!("{id:?} is not a model id: use `provider/model` or `policy/<name>`"),
            ));
        }
        if provider == "policy" {
            return Ok(ModelId::Policy(rest.to_owned()));
        }
        let (model, region) = match rest.rsplit_once('@') {
            Some((m, r)) if !m.is_empty() && !r.is_empty() => (m.to_owned(), Some(r.to_owned())),
            Some(_) => {
                return Err(Error::invalid_request(
                    "model",
                    format!(
                        "{id:?}: an `@region` suffix needs a model before and a region after `@`"
                    ),
                ));
            }
            None => (rest.to_owned(), None),
        };
        Ok(ModelId::Model {
            provider: provider.to_owned(),
            model,
            region,
        })
    }
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelId::Model {
                provider,
                model,
                region: Some(r),
            } => write!(f, "{provider}/{model}@{r}"),
            ModelId::Model {
                provider, model, ..
            } => write!(f, "{provider}/{model}"),
            ModelId::Policy(p) => write!(f, "policy/{p}"),
        }
    }
}
