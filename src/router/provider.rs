//! The [`Provider`] trait: what the router calls to reach a model.

use futures::future::BoxFuture;

use crate::error::Result;
use crate::stream::chat_stream::ChatStream;
use crate::types::{ChatCompletion, ChatRequest, EmbeddingRequest, EmbeddingResponse, ModelList};

/// One request as a provider receives it: the router has resolved the
/// target, stripped what only the router reads (the `requesty` object),
/// translated Requesty-only values, and set `chat.model` to the provider's
/// own model name.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProviderRequest {
    /// The provider's model name (`gpt-4o-mini`, not `openai/gpt-4o-mini`).
    pub model: String,
    /// The `@region` suffix of the model id, if any (only for providers
    /// whose [`Provider::supports_regions`] is true).
    pub region: Option<String>,
    /// The request, ready for the wire (`model` already set to [`ProviderRequest::model`]).
    pub chat: ChatRequest,
}

impl ProviderRequest {
    /// A request for `model`; sets `chat.model` accordingly.
    pub fn new(model: impl Into<String>, mut chat: ChatRequest) -> Self {
        let model = model.into();
        chat.model = Some(model.clone());
        ProviderRequest {
            model,
            region: None,
            chat,
        }
    }

    /// Sets the region.
    pub fn with_region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }
}

/// A model provider the [`Router`](super::Router) can dispatch to.
///
/// Object-safe (`Arc<dyn Provider>`): methods return boxed futures. The
/// router is the one retry loop, so implementations should not retry on
/// their own. Errors should keep the provider's status, headers and body
/// ([`ApiError`](crate::ApiError)) so the router can decide to fall back.
///
/// To write your own, build the answers with the public types
/// ([`ChatCompletion`], [`ChatStream::from_chunks`], …):
///
/// ```
/// use futures::future::BoxFuture;
/// use requesty::router::{Provider, ProviderRequest};
/// use requesty::{ChatCompletion, ChatStream, Choice, Message, Result};
///
/// struct Echo;
/// impl Provider for Echo {
///     fn id(&self) -> &str { "echo" }
///     fn complete(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatCompletion>> {
///         Box::pin(async move {
///             let last = req.chat.messages.last().and_then(|m| m.text()).unwrap_or_default().into_owned();
///             Ok(ChatCompletion {
///                 model: req.model,
///                 choices: vec![Choice { message: Message::assistant(last), ..Default::default() }],
///                 ..Default::default()
///             })
///         })
///     }
///     fn stream(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatStream>> {
///         Box::pin(async move {
///             let done = self.complete(req).await?;
///             Ok(ChatStream::from_completion(done))
///         })
///     }
/// }
/// ```
pub trait Provider: Send + Sync + 'static {
    /// The provider id used in model ids (`openai` in `openai/gpt-4o-mini`).
    fn id(&self) -> &str;

    /// A whole answer.
    fn complete(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatCompletion>>;

    /// A streamed answer. HTTP errors before the first chunk should be
    /// returned here, not as stream items, so the router can fall back.
    fn stream(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatStream>>;

    /// The provider's models (ids without the provider prefix are fine; the
    /// router prefixes them). The default is an empty list.
    fn list_models(&self) -> BoxFuture<'_, Result<ModelList>> {
        Box::pin(async { Ok(ModelList::default()) })
    }

    /// Embeddings. The default says the provider has none.
    fn embed(&self, req: EmbeddingRequest) -> BoxFuture<'_, Result<EmbeddingResponse>> {
        let id = self.id().to_owned();
        Box::pin(async move {
            Err(crate::Error::invalid_request(
                "model",
                format!(
                    "provider `{id}` does not offer embeddings (asked for `{}`)",
                    req.model
                ),
            ))
        })
    }

    /// Whether model ids for this provider may carry an `@region` suffix.
    fn supports_regions(&self) -> bool {
        false
    }
}
