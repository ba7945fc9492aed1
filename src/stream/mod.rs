//! Streaming: the SSE decoder and the chunk accumulator.

pub mod accumulator;
pub mod chat_stream;
pub mod sse;
