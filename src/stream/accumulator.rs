//! Folds streamed chunks into the completion a non-streamed call would return.
