//! `client.models()`: the model catalogue.

use http::Method;

use crate::chat::decode_answer;
use crate::client::{Backend, Client};
use crate::error::Result;
use crate::types::ModelList;

/// The model catalogue, from [`Client::models`].
#[derive(Debug, Clone, Copy)]
pub struct Models<'a> {
    pub(crate) client: &'a Client,
}

impl Models<'_> {
    /// `GET {base}/models`: every model the router can reach, with prices
    /// and capabilities.
    pub async fn list(&self) -> Result<ModelList> {
        match &self.client.inner.backend {
            Backend::Http(t) => {
                let (meta, bytes) = t.execute(Method::GET, "models", None, None).await?;
                decode_answer(&meta, &bytes, |b| t.scrub(b))
            }
            #[cfg(feature = "router")]
            Backend::Local(router) => router.list_models().await,
        }
    }
}
