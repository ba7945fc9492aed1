//! Transports: how a request reaches an answer.

pub(crate) mod http;
pub mod retry;
