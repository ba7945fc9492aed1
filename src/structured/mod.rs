//! Structured outputs: JSON Schemas from Rust types, and typed answers.

pub mod parse;
pub mod schema;
