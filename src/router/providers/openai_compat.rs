//! `OpenAiCompatible`: any OpenAI-compatible API, with presets.
