//! Built-in providers.

pub mod mock;
pub mod openai_compat;

pub use mock::{Mock, MockReply};
pub use openai_compat::OpenAiCompatible;
