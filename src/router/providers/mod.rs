//! Built-in providers.

pub mod anthropic;
pub mod gemini;
pub mod mock;
pub mod openai_compat;

pub use anthropic::Anthropic;
pub use gemini::Gemini;
pub use mock::{Mock, MockReply};
pub use openai_compat::OpenAiCompatible;
