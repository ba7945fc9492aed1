//! `Mock`: a scripted provider for tests and offline use.
