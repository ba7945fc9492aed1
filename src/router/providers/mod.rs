//! Built-in providers.

pub mod mock;
pub mod openai_compat;
