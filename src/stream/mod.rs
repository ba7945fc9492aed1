//! Streaming: the SSE decoder and the chunk accumulator.

pub mod accumulator;
pub mod sse;
