//! `client.embeddings()`.

use http::Method;

use crate::chat::{decode_answer, to_body};
use crate::client::{Backend, Client};
use crate::error::Result;
use crate::types::{EmbeddingRequest, EmbeddingResponse};

/// Embeddings, from [`Client::embeddings`].
#[derive(Debug, Clone, Copy)]
pub struct Embeddings<'a> {
    pub(crate) client: &'a Client,
}

impl Embeddings<'_> {
    /// `POST {base}/embeddings`.
    pub async fn create(&self, req: EmbeddingRequest) -> Result<EmbeddingResponse> {
        req.validate()?;
        match &self.client.inner.backend {
            Backend::Http(t) => {
                let body = to_body(&req)?;
                let (meta, bytes) = t
                    .execute(Method::POST, "embeddings", Some(body), None)
                    .await?;
                let mut resp: EmbeddingResponse = decode_answer(&meta, &bytes, |b| t.scrub(b))?;
                resp.meta = meta;
                Ok(resp)
            }
            #[cfg(feature = "router")]
            Backend::Local(router) => router.embed(req).await,
        }
    }
}
