//! Server-sent events decoder (bytes in, events out; no HTTP inside).
